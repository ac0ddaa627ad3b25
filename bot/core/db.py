"""The database: one aiosqlite connection, owned here, with serialized units of work.

SQLite is the source of truth for everything that must survive a restart. The connection runs in
WAL mode with `foreign_keys`, `busy_timeout` and `synchronous=FULL`. A transaction belongs to the
connection, not to an asyncio task, so every unit of work (read or write) holds one lock; writes
start with `BEGIN IMMEDIATE` so that another process holding the file makes us wait, not fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

T = TypeVar("T")
Params = Sequence[Any] | dict[str, Any]


class DatabaseError(Exception):
    """A problem with the database that an operator must solve (locked, unwritable, corrupt)."""


class DatabaseInUse(DatabaseError):
    """Another bot process already has this database open."""


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


class Tx:
    """A unit of work on the connection; only valid inside `Database.transaction()` or `read()`."""

    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows changed (or the last row id for inserts)."""
        cursor = await self._conn.execute(sql, params)
        try:
            if sql.lstrip()[:6].upper() == "INSERT":
                return cursor.lastrowid or 0
            return cursor.rowcount
        finally:
            await cursor.close()

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for many parameter rows (one thread hop for all)."""
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        rows = await self._conn.execute_fetchall(sql, params)
        return rows[0] if rows else None  # type: ignore[index]

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """All rows of a query."""
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` in the database thread: many statements for one thread hop."""
        return await self._conn._execute(fn, self._conn._conn)


class Database:
    """The bot's single database connection."""

    def __init__(self, path: Path, conn: aiosqlite.Connection, lock_fd: int | None) -> None:
        self.path = path
        self._conn = conn
        self._lock = asyncio.Lock()
        self._lock_fd = lock_fd
        self._closed = False

    @classmethod
    async def open(
        cls, path: Path | str, *, migrate: bool = True, exclusive: bool = True, busy_timeout_ms: int = 5000
    ) -> Database:
        """Open (creating the folder and file when missing), configure and migrate the database.

        With `exclusive`, a lock file beside the database makes a second bot process refuse to start.
        """
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        lock_fd = _acquire_process_lock(path) if exclusive and str(path) != ":memory:" else None
        try:
            conn = await aiosqlite.connect(str(path), isolation_level=None)
        except sqlite3.Error as exc:
            _release_process_lock(lock_fd)
            raise DatabaseError(f"cannot open the database {path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        db = cls(path, conn, lock_fd)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = FULL")
            await conn.execute("PRAGMA foreign_keys = ON")
            # Deleted personal data must not linger in free pages.
            await conn.execute("PRAGMA secure_delete = ON")
            if migrate:
                await db.migrate()
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
        async with self._lock:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            with contextlib.suppress(sqlite3.Error, ValueError):
                await self._conn.close()
        _release_process_lock(self._lock_fd)
        self._lock_fd = None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """A write unit of work: BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        async with self._lock:
            if self._closed:
                raise DatabaseError("the database is closed")
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._conn)
            except BaseException:
                with contextlib.suppress(sqlite3.Error, ValueError):
                    await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        """A read unit of work: a consistent snapshot (BEGIN DEFERRED), never writing."""
        async with self._lock:
            if self._closed:
                raise DatabaseError("the database is closed")
            await self._conn.execute("BEGIN")
            try:
                yield Tx(self._conn)
            finally:
                with contextlib.suppress(sqlite3.Error, ValueError):
                    await self._conn.execute("ROLLBACK")

    # Shorthands for one-statement units of work.
    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """One row, in its own read unit."""
        async with self.read() as tx:
            return await tx.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """All rows, in their own read unit."""
        async with self.read() as tx:
            return await tx.fetchall(sql, params)

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """One value, in its own read unit."""
        async with self.read() as tx:
            return await tx.fetchval(sql, params)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One write statement in its own transaction."""
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

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
