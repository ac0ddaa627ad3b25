"""The database: pragmas, migrations, serialized units of work, backup, check, one process."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.core.db import Database, DatabaseInUse, durable_writes, expect_answer, load_migrations, storage_fault
from tests.locking import HeldLock


async def test_the_writing_connection_is_configured_for_durability(db: Database) -> None:
    async with db.read() as tx:
        assert (await tx.fetchval("PRAGMA journal_mode")) == "wal"
        assert (await tx.fetchval("PRAGMA foreign_keys")) == 1
        assert (await tx.fetchval("PRAGMA synchronous")) == 1  # NORMAL: survives a killed process
        assert (await tx.fetchval("PRAGMA busy_timeout")) == 5000


async def test_durable_units_commit_with_a_full_sync_and_the_level_comes_back(db: Database) -> None:
    async with db.transaction(durable=True) as tx:
        assert await tx.fetchval("PRAGMA synchronous") == 2  # FULL for this commit
        await tx.execute("INSERT INTO member_prefs(user_id, language, updated_at) VALUES (1, 'ar', 'x')")
    async with db.transaction() as tx:
        assert await tx.fetchval("PRAGMA synchronous") == 1
    with durable_writes():  # background work (the job queue runs its handlers so)
        async with db.transaction() as tx:
            assert await tx.fetchval("PRAGMA synchronous") == 2
    with pytest.raises(RuntimeError):
        async with db.transaction(durable=True) as tx:
            await tx.execute("UPDATE member_prefs SET language = 'so' WHERE user_id = 1")
            raise RuntimeError("rolled back")
    async with db.transaction() as tx:
        assert await tx.fetchval("PRAGMA synchronous") == 1
        assert await tx.fetchval("SELECT language FROM member_prefs WHERE user_id = 1") == "ar"


async def test_a_write_waits_for_another_process_without_stalling_the_bot(db: Database) -> None:
    """Another program holds the write lock (an operator's sqlite3 shell): the bot's write waits
    for it in the database thread, while everything else keeps running."""
    other = sqlite3.connect(db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    beating = asyncio.create_task(heartbeat())
    try:
        async def write() -> None:
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO member_prefs(user_id, language, updated_at) VALUES (7, 'uk', 'x')")

        writing = asyncio.create_task(write())
        await asyncio.sleep(0.3)
        assert not writing.done()
        assert ticks >= 10  # the event loop was not blocked while the write waited
        other.execute("ROLLBACK")
        await asyncio.wait_for(writing, timeout=5)
    finally:
        beating.cancel()
        other.close()
    assert await db.fetchval("SELECT language FROM member_prefs WHERE user_id = 7") == "uk"


async def test_one_statement_reads_see_every_commit_at_once(db: Database) -> None:
    await db.execute("INSERT INTO member_prefs(user_id, language, updated_at) VALUES (1, 'ar', 'x')")
    assert await db.fetchval("SELECT language FROM member_prefs WHERE user_id = 1") == "ar"
    async with db.transaction() as tx:
        await tx.execute("UPDATE member_prefs SET language = 'so' WHERE user_id = 1")
    assert await db.fetchval("SELECT language FROM member_prefs WHERE user_id = 1") == "so"


async def test_the_reader_cannot_write(db: Database) -> None:
    import sqlite3

    with pytest.raises(sqlite3.OperationalError):
        await db.fetchall("DELETE FROM member_prefs")


async def test_migrations_are_applied_once_and_the_version_is_stored(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    first = await Database.open(path)
    latest = max(m.version for m in load_migrations())
    assert await first.schema_version() == latest
    await first.close()
    again = await Database.open(path)
    try:
        assert await again.migrate() == []
        assert await again.fetchval("SELECT COUNT(*) FROM schema_migrations") == len(load_migrations())
    finally:
        await again.close()


async def test_a_failing_unit_of_work_rolls_back_only_itself(db: Database) -> None:
    async def good() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO guild_config(guild_id, key, value, updated_at) VALUES (1, 'a', '1', 'x')")
            await asyncio.sleep(0)

    async def bad() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO guild_config(guild_id, key, value, updated_at) VALUES (1, 'b', '1', 'x')")
            await asyncio.sleep(0)
            raise RuntimeError("boom")

    results = await asyncio.gather(good(), bad(), return_exceptions=True)
    assert isinstance(results[1], RuntimeError)
    keys = [row[0] for row in await db.fetchall("SELECT key FROM guild_config ORDER BY key")]
    assert keys == ["a"]


async def test_backup_is_verified_and_restorable(db: Database, tmp_path: Path) -> None:
    await db.execute("INSERT INTO member_prefs(user_id, language, updated_at) VALUES (42, 'ar', 'x')")
    target = tmp_path / "backups" / "copy.db"
    await db.backup(target)
    restored = await Database.open(target)
    try:
        assert await restored.fetchval("SELECT language FROM member_prefs WHERE user_id = 42") == "ar"
        assert await restored.check() == []
    finally:
        await restored.close()


async def test_check_reports_a_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    database = await Database.open(path)
    await database.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\x00" * (4096 - 100)
    path.write_bytes(bytes(data))
    with pytest.raises(sqlite3.DatabaseError):
        broken = await Database.open(path)
        try:
            problems = await broken.check()
            if problems:
                raise sqlite3.DatabaseError(problems[0])
        finally:
            await broken.close()


async def test_a_second_bot_process_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    first = await Database.open(path)
    try:
        with pytest.raises(DatabaseInUse):
            await Database.open(path)
    finally:
        await first.close()
    second = await Database.open(path)  # free again once the first closed
    await second.close()


async def test_ordinary_commits_reach_the_disk_within_a_second(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Members' answers commit without waiting for the disk, and one flush shortly after covers
    every commit before it: a power cut loses at most that moment."""
    import bot.core.db as dbmod

    flushed: list[Path] = []
    monkeypatch.setattr(dbmod, "SYNC_WITHIN_SECONDS", 0.05)
    monkeypatch.setattr(dbmod, "_fsync_file", flushed.append)
    for user in range(5):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO member_prefs(user_id, language, updated_at) VALUES (?, 'sv', 'x')", (user,))
    assert flushed == []  # not yet: the answers did not wait for the disk
    await asyncio.sleep(0.2)
    assert flushed == [Path(f"{db.path}-wal")]  # one flush for all five
    async with db.transaction(durable=True) as tx:  # a durable commit flushes itself
        await tx.execute("INSERT INTO member_prefs(user_id, language, updated_at) VALUES (9, 'sv', 'x')")
    await asyncio.sleep(0.2)
    assert len(flushed) == 1


async def test_the_flush_works_on_the_real_log(db: Database) -> None:
    import bot.core.db as dbmod

    async with db.transaction() as tx:
        await tx.execute("INSERT INTO member_prefs(user_id, language, updated_at) VALUES (1, 'sv', 'x')")
    wal = Path(f"{db.path}-wal")
    assert wal.stat().st_size > 0
    await asyncio.to_thread(dbmod._fsync_file, wal)  # an fsync on a read-only descriptor of the log


# ----- a member waiting for an answer while the database is slow ----------------------------------------
async def test_a_member_queued_behind_a_write_waiting_for_another_program_is_acknowledged_in_time(
    db: Database,
) -> None:
    loop = asyncio.get_running_loop()
    acknowledged: list[float] = []
    with HeldLock(db.path) as other:
        async def background_write() -> None:  # e.g. a scheduled job: waits the whole busy timeout
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO member_prefs(user_id, language, updated_at) VALUES (1, 'sv', 'x')")

        async def members_write() -> None:
            async def acknowledge() -> bool:
                acknowledged.append(loop.time() - started)
                other.release()  # the other program lets go while the member sees "thinking"
                return True

            expect_answer(acknowledge, within=0.3)
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO member_prefs(user_id, language, updated_at) VALUES (2, 'uk', 'x')")

        started = loop.time()
        first = asyncio.create_task(background_write())
        await asyncio.sleep(0)  # the background write holds the connection, waiting for the file
        await asyncio.gather(first, asyncio.create_task(members_write()))
    assert len(acknowledged) == 1 and acknowledged[0] < 3.0
    assert await db.fetchval("SELECT COUNT(*) FROM member_prefs") == 2


async def test_when_the_member_cannot_be_acknowledged_the_wait_ends_in_time(db: Database) -> None:
    """A form must be the first response (or an autocomplete cannot be deferred): give up in time."""
    loop = asyncio.get_running_loop()

    async def cannot() -> bool:
        return False

    async def members_write() -> None:
        expect_answer(cannot, within=0.3)
        await db.execute("INSERT INTO member_prefs(user_id, language, updated_at) VALUES (2, 'uk', 'x')")

    with HeldLock(db.path):
        started = loop.time()
        with pytest.raises(sqlite3.OperationalError) as refused:
            await asyncio.create_task(members_write())
        waited = loop.time() - started
    assert waited < 3.0
    assert storage_fault(refused.value) == "locked"
    assert await db.fetchval("SELECT COUNT(*) FROM member_prefs") == 0


async def test_background_work_still_waits_the_whole_busy_timeout(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bg.sqlite3", busy_timeout_ms=400)
    try:
        loop = asyncio.get_running_loop()
        with HeldLock(db.path):
            started = loop.time()
            with pytest.raises(sqlite3.OperationalError):
                await db.execute("INSERT INTO member_prefs(user_id, language, updated_at) VALUES (3, 'ar', 'x')")
            assert loop.time() - started >= 0.35
    finally:
        await db.close()
