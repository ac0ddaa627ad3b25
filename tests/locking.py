"""Another program holding the database's write lock: a real second process, for the fault tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import TracebackType

_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
conn.close()
"""


class HeldLock:
    """`with HeldLock(path) as other:` another process holds the write lock until `other.release()`
    (or the end of the block), like an operator's sqlite3 shell left in a transaction."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> HeldLock:
        self._proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(self.path)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().strip()
        if line != "holding":
            self.release()
            raise RuntimeError("the second process could not take the lock")
        return self

    @property
    def held(self) -> bool:
        """Whether the other process still holds the lock."""
        return self._proc is not None

    def release(self) -> None:
        """The other process ends its transaction and exits."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        assert proc.stdin is not None
        try:
            proc.stdin.write("\n")
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        proc.wait(timeout=30)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.release()
