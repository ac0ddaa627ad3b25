"""The database: one aiosqlite connection, owned here, with serialized units of work.

SQLite is the source of truth for everything that must survive a restart. The connection runs in
WAL mode with `foreign_keys` and `busy_timeout`. A transaction belongs to the connection, not to an
asyncio task, so every unit of work (read or write) holds one lock; writes start with
`BEGIN IMMEDIATE` so that another process holding the file makes us wait, not fail.

Durability comes in two strengths. Every commit survives the bot process being killed. A *durable*
commit (`synchronous=FULL`, its fsync in the database thread) also survives a power cut or an
operating-system crash, and takes everything committed before it to the disk with it. Durable are:
one-statement writes (`Database.execute`: the job queue's claims and outcomes), every transaction of
background work that talks to Discord (`durable_writes()`, set by the job queue around its handlers)
and `transaction(durable=True)`. The others (a member's RSVP or onboarding answer) commit with
`synchronous=NORMAL` on the event loop's thread in microseconds, and the log is flushed to the disk
within `SYNC_WITHIN_SECONDS` after them (in a worker thread); a power cut can lose that last second
of them, never corrupt the file, and never make the bot send something twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import fcntl
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

T = TypeVar("T")

#: After an ordinary (not durable) commit, the write-ahead log is flushed to the disk within this many
#: seconds, by an fsync in a worker thread: a power cut loses at most that much of members' answers.
SYNC_WITHIN_SECONDS = 1.0

_DURABLE: contextvars.ContextVar[bool] = contextvars.ContextVar("durable_writes", default=False)


@contextlib.contextmanager
def durable_writes() -> Iterator[None]:
    """Make every transaction started inside the block (and its tasks) durable at COMMIT."""
    token = _DURABLE.set(True)
    try:
        yield
    finally:
        _DURABLE.reset(token)


@dataclass(slots=True)
class AnswerDue:
    """A member is waiting for a first answer (an interaction) while this task works.

    Discord wants a first response within 3 seconds. Work that would wait for the database longer
    than that (another program holds the file, or slow work of our own holds the connection) first
    calls `acknowledge`, which answers "thinking" and returns True (the real answer follows, however
    long the wait); when it cannot (an autocomplete, a form that must be the first response), the
    wait ends at `deadline` with a "database is locked" error, which the member hears politely.
    """

    acknowledge: Callable[[], Awaitable[bool]]
    deadline: float  # event-loop time
    owner: asyncio.Task[Any] | None


_ANSWER_DUE: contextvars.ContextVar[AnswerDue | None] = contextvars.ContextVar("answer_due", default=None)


def expect_answer(acknowledge: Callable[[], Awaitable[bool]], *, within: float) -> None:
    """Declare for the rest of the current task that a member waits for a first answer (see `AnswerDue`)."""
    loop = asyncio.get_running_loop()
    _ANSWER_DUE.set(AnswerDue(acknowledge, loop.time() + within, asyncio.current_task()))


def _answer_due() -> AnswerDue | None:
    due = _ANSWER_DUE.get()
    # Tasks the handler starts inherit the variable; only the handler's own task answers the member.
    if due is None or due.owner is not asyncio.current_task():
        return None
    return due


Params = Sequence[Any] | dict[str, Any]


class DatabaseError(Exception):
    """A problem with the database that an operator must solve (locked, unwritable, corrupt)."""


class DatabaseInUse(DatabaseError):
    """Another bot process already has this database open."""


class SimulatedCrash(BaseException):
    """Raised by a `CrashSwitch`: the process is considered killed at this write."""


class CrashSwitch:
    """Test hook that 'kills' the process at the n-th write statement (COMMIT included).

    Once tripped, every later database call raises too, as nothing runs in a dead process. The
    resilience tests use it to kill the bot at every point of a multi-step write and restart it.
    """

    def __init__(self, after: int | None = None) -> None:
        self.after = after
        self.count = 0
        self.dead = False

    def check(self) -> None:
        """Refuse any work once dead."""
        if self.dead:
            raise SimulatedCrash

    def tick(self) -> None:
        """Count one write; die when the count is reached."""
        self.check()
        self.count += 1
        if self.after is not None and self.count >= self.after:
            self.dead = True
            raise SimulatedCrash


class DiskFault(CrashSwitch):
    """Test hook: while `failing`, every write statement fails as a failing disk makes it fail.

    Set it as `Database.crash_switch`. Reads from the read-only connection keep working, as they do
    from the page cache when a disk stops taking writes.
    """

    def __init__(self, message: str = "disk I/O error") -> None:
        super().__init__(None)
        self.message = message
        self.failing = True
        self.refused = 0

    def check(self) -> None:
        """Nothing is dead."""

    def tick(self) -> None:
        """Refuse the write while failing."""
        if self.failing:
            self.refused += 1
            raise sqlite3.OperationalError(self.message)


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered SQL migration file."""

    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """All migrations shipped in `bot/migrations`, ordered by number (`0001_core.sql`, ...)."""
    found: list[Migration] = []
    for entry in resources.files("bot.migrations").iterdir():
        name = entry.name
        if not name.endswith(".sql"):
            continue
        number, _, rest = name.partition("_")
        if not number.isdigit():
            continue
        found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise DatabaseError(f"two migrations share a number: {versions}")
    return found


class Reads(Protocol):
    """What a one-statement read needs: a `Tx`, or the `Database` itself (its read-only reader)."""

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]: ...

    async def fetchval(self, sql: str, params: Params = ()) -> Any: ...


class Tx:
    """A unit of work on the connection; only valid inside `Database.transaction()` or `read()`.

    Statements run on the event loop's thread: inside a unit the connection is ours alone (the
    database lock), its pages are in memory and a statement takes microseconds, far less than a hop
    to the database thread and back, which under load waits a whole turn of the busy event loop. Only
    what can wait runs in the database thread: COMMIT (its fsync), a BEGIN IMMEDIATE that finds the
    file locked by another process (it waits there, up to the busy timeout), and bulk work
    (`executemany`, `run_sync`).
    """

    __slots__ = ("_begin", "_begun", "_busy_ms", "_conn", "_durable", "_switch")

    def __init__(self, conn: aiosqlite.Connection, begin: str | None, switch: CrashSwitch | None = None,
                 busy_ms: int = 5000, durable: bool = False) -> None:
        self._conn = conn
        self._begin = begin
        self._begun = False
        self._switch = switch
        self._busy_ms = busy_ms
        self._durable = durable

    async def _may_wait_ms(self) -> int:
        """Another program holds the write lock: how long this unit may wait for it (milliseconds).

        Background work waits the whole busy timeout. A member waiting for an answer is acknowledged
        first; when that is impossible, the wait ends in time for the "could not save" answer.
        """
        due = _answer_due()
        if due is None or await due.acknowledge():
            return self._busy_ms
        remaining = due.deadline - asyncio.get_running_loop().time()
        return max(0, min(self._busy_ms, int(remaining * 1000)))

    def _begin_here(self, raw: sqlite3.Connection) -> bool:
        """BEGIN on this thread unless another process holds the write lock (then False)."""
        assert self._begin is not None
        if self._begin == "BEGIN":  # a read snapshot never waits in WAL mode
            raw.execute(self._begin)
            return True
        if self._durable:  # the safety level can only change outside a transaction
            raw.execute("PRAGMA synchronous = FULL")
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            raw.execute(self._begin)
            return True
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY:
                return False
            raise
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(self._busy_ms)}")

    async def _run(self, fn: Callable[[sqlite3.Connection], T], *, bulk: bool = False) -> T:
        if self._switch is not None:
            self._switch.tick()
        raw = self._conn._conn
        begin = None
        wait_ms = self._busy_ms
        if self._begin is not None and not self._begun:
            self._begun = True
            if not self._begin_here(raw):
                # Another program holds the file: BEGIN waits for it in the database thread, with the work.
                begin = self._begin
                wait_ms = await self._may_wait_ms()
            elif not bulk:
                return fn(raw)
        elif self._begun and not bulk:
            return fn(raw)

        durable = self._durable
        busy_ms = self._busy_ms

        def work() -> T:
            if begin is not None:
                if durable:
                    raw.execute("PRAGMA synchronous = FULL")
                if wait_ms != busy_ms:
                    raw.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
                try:
                    raw.execute(begin)
                finally:
                    if wait_ms != busy_ms:
                        raw.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
            return fn(raw)

        return await self._conn._execute(work)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows changed (or the last row id for inserts)."""
        is_insert = sql.lstrip()[:6].upper() == "INSERT"

        def work(raw: sqlite3.Connection) -> int:
            cursor = raw.execute(sql, params)
            try:
                return (cursor.lastrowid or 0) if is_insert else cursor.rowcount
            finally:
                cursor.close()

        return await self._run(work)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for many parameter rows (in the database thread: bulk work)."""
        rows = list(rows)
        await self._run(lambda raw: raw.executemany(sql, rows).close(), bulk=True)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        return await self._run(lambda raw: raw.execute(sql, params).fetchone())

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """All rows of a query."""
        return await self._run(lambda raw: raw.execute(sql, params).fetchall())

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` in the database thread: bulk work that may take a while."""
        return await self._run(fn, bulk=True)

    async def _finish(self, statement: str) -> None:
        if self._switch is not None:
            if statement == "COMMIT":
                self._switch.tick()
            else:
                self._switch.check()
        if not self._begun:
            return
        raw = self._conn._conn
        if not self._durable:
            raw.execute(statement)
            return

        def finish() -> None:
            try:
                raw.execute(statement)
            finally:
                raw.execute("PRAGMA synchronous = NORMAL")

        if statement == "COMMIT":  # the fsync waits in the database thread
            await self._conn._execute(finish)
        else:
            finish()


class Database:
    """The bot's single database connection."""

    def __init__(self, path: Path, conn: aiosqlite.Connection, lock_fd: int | None) -> None:
        self.path = path
        self._conn = conn
        # A read-only connection used on the event loop's thread for one-statement reads: a lone
        # SELECT on a WAL database never waits for the writer and is served from the page cache, so
        # it costs microseconds instead of a hop to the database thread. Units of work (`read()`,
        # `transaction()`) always use the owned aiosqlite connection under the lock.
        self._reader: sqlite3.Connection | None = None
        #: Test hook (see `CrashSwitch`); None in production.
        self.crash_switch: CrashSwitch | None = None
        self._lock = asyncio.Lock()
        self._lock_fd = lock_fd
        self._busy_ms = 5000
        self._wal_sync: asyncio.Task[None] | None = None
        self._closed = False

    @classmethod
    async def open(
        cls, path: Path | str, *, migrate: bool = True, exclusive: bool = True, busy_timeout_ms: int = 5000
    ) -> Database:
        """Open (creating the folder and file when missing), configure and migrate the database.

        With `exclusive`, a lock file beside the database makes a second bot process refuse to start.
        Without it (an online backup or a check next to the running bot; pass `migrate=False`), the
        lock file is left alone and `close()` does not checkpoint, which would hold up the bot's writes.
        """
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        lock_fd = _acquire_process_lock(path) if exclusive and str(path) != ":memory:" else None
        try:
            # check_same_thread off: units of work run their statements on the loop's thread while they
            # hold the lock (see `Tx`); the connection is never used by two threads at once.
            conn = await aiosqlite.connect(str(path), isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            _release_process_lock(lock_fd)
            raise DatabaseError(f"cannot open the database {path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        db = cls(path, conn, lock_fd)
        db._busy_ms = int(busy_timeout_ms)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")  # durable commits raise it (see above)
            await conn.execute("PRAGMA foreign_keys = ON")
            # Deleted personal data must not linger in free pages.
            await conn.execute("PRAGMA secure_delete = ON")
            if migrate:
                await db.migrate()
            if str(path) != ":memory:":
                db._reader = _open_reader(path)
        except BaseException:
            await db.close()
            raise
        return db

    @property
    def closed(self) -> bool:
        """Whether `close()` has run."""
        return self._closed

    async def close(self) -> None:
        """Checkpoint and close the connection and release the process lock. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._wal_sync is not None:
            self._wal_sync.cancel()  # the checkpoint below makes everything durable anyway
        if self._reader is not None:
            with contextlib.suppress(sqlite3.Error):
                self._reader.close()
            self._reader = None
        async with self._lock:
            # Only the process owning the database checkpoints: from a second one (a backup or a
            # check beside the running bot) a TRUNCATE checkpoint would hold up the bot's writes.
            if self._lock_fd is not None:
                with contextlib.suppress(sqlite3.Error, ValueError):
                    await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            with contextlib.suppress(sqlite3.Error, ValueError):
                await self._conn.close()
        _release_process_lock(self._lock_fd)
        self._lock_fd = None

    @contextlib.asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """Hold the connection's lock for one unit of work.

        A member waiting for an answer who is queued behind slow work (a unit waiting for another
        program, a slow disk) is acknowledged when the wait reaches their deadline, or, when that
        is impossible, given up on with a "database is locked" error they hear politely in time.
        """
        due = _answer_due() if self._lock.locked() else None
        if due is None:
            await self._lock.acquire()
        else:
            try:
                async with asyncio.timeout(max(0.0, due.deadline - asyncio.get_running_loop().time())):
                    await self._lock.acquire()
            except TimeoutError:
                if not await due.acknowledge():
                    raise DatabaseError("the database is locked: other work is still using it") from None
                await self._lock.acquire()
        try:
            yield
        finally:
            self._lock.release()

    @contextlib.asynccontextmanager
    async def transaction(self, *, durable: bool = False) -> AsyncIterator[Tx]:
        """A write unit of work: BEGIN IMMEDIATE ... COMMIT, rolled back on any exception.

        `durable` (or an enclosing `durable_writes()`): the commit also survives a power cut.
        """
        async with self._turn():
            self._check_open()
            tx = Tx(self._conn, "BEGIN IMMEDIATE", self.crash_switch, self._busy_ms, durable or _DURABLE.get())
            try:
                yield tx
            except BaseException:
                with contextlib.suppress(sqlite3.Error, ValueError):
                    await tx._finish("ROLLBACK")
                raise
            else:
                try:
                    await tx._finish("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error, ValueError):
                        await tx._finish("ROLLBACK")
                    raise
                if not tx._durable:
                    self._sync_soon()

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        """A read unit of work: a consistent snapshot (BEGIN DEFERRED), never writing."""
        async with self._turn():
            self._check_open()
            tx = Tx(self._conn, "BEGIN", self.crash_switch, self._busy_ms)
            try:
                yield tx
            finally:
                with contextlib.suppress(sqlite3.Error, ValueError):
                    await tx._finish("ROLLBACK")

    def _sync_soon(self) -> None:
        """Flush the log to the disk shortly (one pending flush covers any number of commits)."""
        if str(self.path) == ":memory:" or (self._wal_sync is not None and not self._wal_sync.done()):
            return
        self._wal_sync = asyncio.get_running_loop().create_task(self._sync_wal(), name="bg:db-sync")

    async def _sync_wal(self) -> None:
        await asyncio.sleep(SYNC_WITHIN_SECONDS)
        if self._closed:
            return
        try:
            await asyncio.to_thread(_fsync_file, Path(f"{self.path}-wal"))
        except FileNotFoundError:
            pass  # checkpointed and truncated: nothing left to flush
        except OSError as exc:
            log.warning("could not flush the database log to the disk (%s)", type(exc).__name__)

    def _check_open(self) -> None:
        if self._closed:
            raise DatabaseError("the database is closed")
        if self.crash_switch is not None:
            self.crash_switch.check()

    # Shorthands for one-statement reads: on the reader (no hop), or one hop without it.
    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """One row."""
        self._check_open()
        if self._reader is not None:
            return self._reader.execute(sql, params).fetchone()
        async with self._turn():
            return await Tx(self._conn, None).fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """All rows."""
        self._check_open()
        if self._reader is not None:
            return self._reader.execute(sql, params).fetchall()
        async with self._turn():
            return await Tx(self._conn, None).fetchall(sql, params)

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """One value."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One durable write statement in its own transaction (BEGIN IMMEDIATE, statement, COMMIT in the
        database thread, one hop)."""
        is_insert = sql.lstrip()[:6].upper() == "INSERT"

        async with self._turn():
            self._check_open()
            if self.crash_switch is not None:
                self.crash_switch.tick()
            raw = self._conn._conn
            raw.execute("PRAGMA synchronous = FULL")
            probe = Tx(self._conn, "BEGIN IMMEDIATE", None, self._busy_ms, durable=True)
            try:
                begun = probe._begin_here(raw)
                wait_ms = self._busy_ms if begun else await probe._may_wait_ms()
            except BaseException:
                raw.execute("PRAGMA synchronous = NORMAL")
                raise
            busy_ms = self._busy_ms

            def work() -> int:
                try:
                    if not begun:  # another program holds the file: wait for it here
                        raw.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
                        try:
                            raw.execute("BEGIN IMMEDIATE")
                        finally:
                            raw.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
                    try:
                        cursor = raw.execute(sql, params)
                        result = (cursor.lastrowid or 0) if is_insert else cursor.rowcount
                        cursor.close()
                        raw.execute("COMMIT")
                    except BaseException:
                        with contextlib.suppress(sqlite3.Error):
                            raw.execute("ROLLBACK")
                        raise
                finally:
                    raw.execute("PRAGMA synchronous = NORMAL")
                return result

            return await self._conn._execute(work)

    async def execute_pragma(self, name: str, value: str) -> None:
        """Set a connection PRAGMA on the writing connection (e.g. `query_only` for a read-only tool)."""
        if not name.replace("_", "").isalnum() or not value.replace("_", "").isalnum():
            raise ValueError(f"not a PRAGMA: {name} = {value}")
        async with self._turn():
            self._check_open()
            await self._conn.execute(f"PRAGMA {name} = {value}")

    # Schema.
    async def schema_version(self) -> int:
        """The highest applied migration number (0 for a new database)."""
        async with self._lock:
            await self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            rows = await self._conn.execute_fetchall("SELECT MAX(version) FROM schema_migrations")
        value = next(iter(rows))[0]
        return int(value or 0)

    async def migrate(self) -> list[int]:
        """Apply every migration newer than the stored version, each atomically. Returns those applied."""
        current = await self.schema_version()
        applied: list[int] = []
        for migration in load_migrations():
            if migration.version <= current:
                continue
            now = datetime.now(UTC).isoformat()
            async with self._lock:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _split_sql(migration.sql):
                        await self._conn.execute(statement)
                    await self._conn.execute(
                        "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                        (migration.version, migration.name, now),
                    )
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        await self._conn.execute("ROLLBACK")
                    raise
                await self._conn.execute("COMMIT")
            log.info("applied migration %04d_%s", migration.version, migration.name)
            applied.append(migration.version)
        return applied

    async def check(self) -> list[str]:
        """Integrity and foreign-key check. Returns the problems found (empty when healthy)."""
        async with self.read() as tx:
            integrity = [row[0] for row in await tx.fetchall("PRAGMA integrity_check")]
            fk = await tx.fetchall("PRAGMA foreign_key_check")
        problems = [line for line in integrity if line != "ok"]
        problems += [f"foreign key: table {row[0]} row {row[1]} -> {row[2]}" for row in fk]
        return problems

    async def backup(self, target: Path | str) -> None:
        """Online backup to `target` (written to a temporary file, verified, then renamed)."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        async with self._lock:
            dest = await aiosqlite.connect(str(partial))
            try:
                await self._conn.backup(dest)
            finally:
                await dest.close()
        problems, version = await asyncio.to_thread(_verify_copy, partial)
        expected = await self.schema_version()
        if problems or version != expected:
            partial.unlink(missing_ok=True)
            detail = "; ".join(problems) or f"schema version {version}, expected {expected}"
            raise DatabaseError(f"the backup did not verify: {detail}")
        os.replace(partial, target)


def storage_problem(error: BaseException) -> str | None:
    """'locked', 'full', 'readonly' or 'unavailable' for SQLite errors a person must fix; else None."""
    if not isinstance(error, sqlite3.OperationalError | sqlite3.DatabaseError | DatabaseError):
        return None
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return "locked"
    if "full" in text:
        return "full"
    if "readonly" in text or "read-only" in text:
        return "readonly"
    return "unavailable"


def storage_fault(error: BaseException) -> str | None:
    """'locked', 'full', 'readonly' or 'io' when the file or the disk refused the work (it can succeed
    once the cause goes away: another program lets go, space is freed); None for anything else,
    including mistakes in our own statements, which trying again would not cure."""
    if isinstance(error, DatabaseError) and "locked" in str(error).lower():
        return "locked"
    if not isinstance(error, sqlite3.OperationalError):
        return None
    code = getattr(error, "sqlite_errorcode", None)
    text = str(error).lower()
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in text or "busy" in text:
        return "locked"
    if primary == sqlite3.SQLITE_FULL or "full" in text:
        return "full"
    if primary == sqlite3.SQLITE_READONLY or "readonly" in text or "read-only" in text:
        return "readonly"
    if primary in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN) or "disk i/o" in text:
        return "io"
    return None


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open_reader(path: Path) -> sqlite3.Connection:
    reader = sqlite3.connect(str(path), isolation_level=None)
    reader.row_factory = sqlite3.Row
    reader.execute("PRAGMA query_only = ON")
    # A reader on a WAL database does not wait for writers; keep any rare wait short.
    reader.execute("PRAGMA busy_timeout = 200")
    return reader


def _verify_copy(path: Path) -> tuple[list[str], int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        version = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0
    finally:
        conn.close()
    return [line for line in integrity if line != "ok"], int(version)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (`sqlite3.complete_statement` handles triggers and quotes)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip().strip(";").strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise DatabaseError(f"incomplete SQL statement in a migration: {buffer.strip()[:80]}")
    return statements


def _acquire_process_lock(path: Path) -> int:
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DatabaseInUse(
            f"another bot process is using {path} (lock file {lock_path}); stop it before starting this one."
        ) from None
    return fd


def _release_process_lock(fd: int | None) -> None:
    if fd is None:
        return
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
    with contextlib.suppress(OSError):
        os.close(fd)
