"""The database locked by another process, or the disk full: a clear answer, nothing half-written,
the bot stays up and recovers when the cause goes away."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.db import Database
from bot.simulator import Simulator
from tests.conftest import START


async def test_a_locked_database_gets_a_clear_answer_and_recovers(tmp_path: Path, catalogs) -> None:
    path = tmp_path / "bot.db"
    async with Simulator.running(path, start=START, catalogs=catalogs, busy_timeout_ms=50) as sim:
        await sim.join("Amal")
        await sim.slash("Amal", "/language")
        other = sqlite3.connect(path, timeout=0)  # another process holding a write lock
        other.execute("BEGIN IMMEDIATE")
        try:
            step = await sim.pick("Amal", ["ar"])
        finally:
            other.rollback()
            other.close()
        answer = step.last()
        assert answer.visible_to == "Amal"
        assert "nothing was changed" in answer.content
        assert await sim.running_bot.services.prefs.language(sim.member("Amal").id) is None

        await sim.slash("Amal", "/language")
        await sim.pick("Amal", ["ar"])
        assert await sim.running_bot.services.prefs.language(sim.member("Amal").id) == "ar"


async def test_a_read_only_database_changes_nothing_and_the_bot_stays_up(sim: Simulator) -> None:
    db = sim.running_bot.services.db
    await sim.join("Amal")
    await sim.slash("Amal", "/language")
    await db.execute("PRAGMA query_only = ON")  # as if the file had become read-only
    step = await sim.pick("Amal", ["so"])
    assert "nothing was changed" in step.last().content
    assert await db.fetchval("SELECT COUNT(*) FROM member_prefs") == 0
    await db._conn.execute("PRAGMA query_only = OFF")  # the operator fixed it
    await sim.slash("Amal", "/language")
    await sim.pick("Amal", ["so"])
    assert await sim.running_bot.services.prefs.language(sim.member("Amal").id) == "so"


def test_a_second_bot_process_on_the_same_database_refuses_to_start(tmp_path: Path, capsys) -> None:
    import asyncio

    path = tmp_path / "bot.db"

    async def scenario() -> int:
        first = await Database.open(path)
        try:
            return await asyncio.to_thread(main, ["db", "check", "--db", str(path)])
        finally:
            await first.close()

    assert asyncio.run(scenario()) == 2
    assert "another bot process" in capsys.readouterr().err


@pytest.mark.parametrize("code", ["locked", "full"])
def test_storage_problems_are_classified(code: str) -> None:
    from bot.core.db import storage_problem

    message = {"locked": "database is locked", "full": "database or disk is full"}[code]
    assert storage_problem(sqlite3.OperationalError(message)) == code


async def test_a_full_disk_refuses_a_new_faq_entry_cleanly_and_recovers(sim: Simulator) -> None:
    await sim.join("Bertil")
    await sim.grant("Bertil", "volunteer")
    db = sim.running_bot.services.db
    pages = await db.fetchval("PRAGMA page_count")
    async with db.read() as tx:  # the limit is per connection: set it on the writer
        await tx.fetchval(f"PRAGMA max_page_count = {pages}")  # as if the disk were full now
    answer = "Ett långt svar om bostäder i Norsjö. " * 90  # needs new pages
    await sim.slash("Bertil", "/faq add", options={"slug": "disk-full", "category": "community",
                                                    "source_language": "sv"})
    step = await sim.submit("Bertil", {"question": "Var hittar jag en bostad?", "answer": answer[:3400],
                                       "aliases": "", "sources": ""})
    assert "nothing was changed" in step.text
    faq = sim.running_bot.services.capabilities["faq"]
    assert faq.find("disk-full") is None
    assert await db.check() == []

    async with db.read() as tx:  # space again
        await tx.fetchval("PRAGMA max_page_count = 1073741823")
    await sim.advance(timedelta(seconds=5))
    await sim.slash("Bertil", "/faq add", options={"slug": "disk-full", "category": "community",
                                                    "source_language": "sv"})
    await sim.submit("Bertil", {"question": "Var hittar jag en bostad?", "answer": answer[:3400],
                                "aliases": "", "sources": ""})
    assert faq.find("disk-full") is not None
