"""`multinations-bot run` stopped by SIGTERM, end to end, as a real process (see tests/run_offline.py).

The child runs the real command line with the simulated guild in place of Discord (no network). The
test sends the signals as systemd or Docker would and then looks at what is left on disk.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import timedelta
from pathlib import Path
from queue import Empty, Queue

import pytest

from bot.core.clock import from_db
from bot.core.i18n import Catalogs
from bot.simulator import Simulator
from bot.simulator.harness import DEFAULT_START as START
from tests.run_offline import MARK_KEY

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAx.GabcDE.abcdefghijklmnopqrstuvwxyz012345"
# Guards against a hung child only; nothing here measures time.
PATIENCE = 60.0


class Child:
    """The running `multinations-bot run` process and what it printed."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: Queue[str] = Queue()
        self._err: list[str] = []
        self._readers = [threading.Thread(target=self._read_out, daemon=True),
                         threading.Thread(target=self._read_err, daemon=True)]
        for reader in self._readers:
            reader.start()

    def _read_out(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def _read_err(self) -> None:
        assert self.process.stderr is not None
        self._err.extend(self.process.stderr)

    def wait_for(self, prefix: str) -> str:
        """The first stdout line starting with `prefix` (fails if the child ends or hangs first)."""
        while True:
            try:
                line = self.lines.get(timeout=PATIENCE)
            except Empty:
                pytest.fail(f"the bot process never printed {prefix!r}; its log:\n{''.join(self._err)}")
            if line.startswith(prefix):
                return line

    def finish(self) -> tuple[int, str, list[str]]:
        """Exit status, stderr (the logs) and the rest of stdout, once the process has ended."""
        try:
            self.process.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"the bot process did not stop; its log:\n{''.join(self._err)}")
        for reader in self._readers:
            reader.join(timeout=PATIENCE)
        rest: list[str] = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        return self.process.returncode, "".join(self._err), rest


@contextmanager
def bot_process(tmp_path: Path, scenario: str) -> Iterator[Child]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": TOKEN,
        "LOG_LEVEL": "INFO",
        "GUILD_ID": "1200000000000000001",
    }
    # The child's working folder is empty: no developer's .env is read.
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.run_offline", str(tmp_path / "bot.sqlite3"), scenario],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        yield Child(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def query(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(str(path))) as conn:
        return conn.execute(sql, params).fetchall()


def assert_released_and_intact(path: Path) -> None:
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the write-ahead log was not checkpointed"
    assert query(path, "PRAGMA integrity_check") == [("ok",)]


async def test_sigterm_stops_cleanly_and_a_planned_job_still_runs_after_the_restart(
        tmp_path: Path, catalogs: Catalogs) -> None:
    database = tmp_path / "bot.sqlite3"
    with bot_process(tmp_path, "leave") as child:
        amal = int(child.wait_for("READY").split()[1])
        child.process.send_signal(signal.SIGTERM)
        code, log, rest = child.finish()
    assert code == 0, log
    assert "shutdown requested (SIGTERM)" in log and "stopped cleanly" in log
    assert "REOPENED" in rest  # after `run` returned, the lock and the database were free again
    assert "Traceback" not in log
    assert_released_and_intact(database)
    # Amal's data is still there, and so is the plan to forget it, 30 days after she left.
    assert query(database, "SELECT language FROM member_prefs WHERE user_id = ?", (amal,)) == [("ar",)]
    [(state, due)] = query(database, "SELECT state, due_at FROM scheduled_jobs WHERE kind = 'core.forget-member'")
    assert state == "pending"
    assert from_db(str(due)) - START == timedelta(days=30)  # the child's clock stands at START

    # A restart on the same database after the 30 days: the job runs, once.
    async with Simulator.running(database, start=from_db(str(due)) + timedelta(hours=1),
                                 catalogs=catalogs) as sim:
        await sim.advance(timedelta(minutes=1))
    assert query(database, "SELECT language FROM member_prefs WHERE user_id = ?", (amal,)) == []
    # The deletion ran, and took its own row with it: no job row names the member any more.
    assert query(database, "SELECT state FROM scheduled_jobs WHERE kind = 'core.forget-member'") == []


async def test_sigterm_during_an_interaction_lets_its_transaction_commit_whole(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    with bot_process(tmp_path, "interaction") as child:
        amal = int(child.wait_for("PRESSING").split()[1])
        code, log, rest = child.finish()
    assert code == 0, log
    assert "stopped cleanly" in log and "REOPENED" in rest
    assert_released_and_intact(database)
    # The deletion had written before the signal (her language) and writes after it (the mark):
    # the database closed only after the whole transaction committed.
    assert query(database, "SELECT language FROM member_prefs WHERE user_id = ?", (amal,)) == []
    assert query(database, "SELECT COUNT(*) FROM guild_config WHERE key = ?", (MARK_KEY,)) == [(1,)]


async def test_a_second_sigterm_while_stopping_ends_the_process_and_loses_nothing_committed(
        tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    with bot_process(tmp_path, "stuck") as child:
        amal = int(child.wait_for("PRESSING").split()[1])
        child.wait_for("STUCK")  # the first SIGTERM arrived; the deletion's transaction never ends
        child.process.send_signal(signal.SIGTERM)
        code, log, _ = child.finish()
    assert code == -signal.SIGTERM, log  # ended by the signal, not hanging
    assert "stopping now" in log
    assert query(database, "PRAGMA integrity_check") == [("ok",)]
    # The unfinished deletion was rolled back: nothing of it is half there.
    assert query(database, "SELECT language FROM member_prefs WHERE user_id = ?", (amal,)) == [("ar",)]
    assert query(database, "SELECT COUNT(*) FROM guild_config WHERE key = ?", (MARK_KEY,)) == [(0,)]
