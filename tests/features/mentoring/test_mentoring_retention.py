"""Daily retention: ended and declined matches and old check-in answers go after a year;
anonymous counters and the do-not-match list stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.clock import to_db
from bot.core.db import Database
from bot.core.i18n import Catalogs
from bot.features.mentoring import retention
from bot.simulator import Simulator
from tests.conftest import START

NOW = datetime(2027, 12, 1, 3, tzinfo=UTC)


async def _match(db: Database, match_id: int, state: str, ended: datetime | None, now: datetime = NOW) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO mentoring_matches(id, guild_id, mentor_id, newcomer_id, state, created_at, ended_at) "
            "VALUES (?, 1, ?, ?, ?, ?, ?)",
            (match_id, 100 + match_id, 200 + match_id, state, to_db(now - timedelta(days=800)),
             to_db(ended) if ended else None),
        )
        await tx.execute(
            "INSERT INTO mentoring_checkins(match_id, stage, user_id, answer, answered_at) "
            "VALUES (?, '7d', ?, 'met', ?)",
            (match_id, 200 + match_id, to_db((ended or now) - timedelta(days=30))),
        )
        await tx.execute(
            "INSERT INTO mentoring_aggregates(guild_id, metric, value) VALUES (1, ?, 1)", (f"m{match_id}",)
        )


async def test_old_ended_matches_and_old_answers_go_and_totals_stay(db: Database) -> None:
    await _match(db, 1, "ended", NOW - timedelta(days=400))  # ended over a year ago: goes
    await _match(db, 2, "declined", NOW - timedelta(days=500))  # declined long ago: goes
    await _match(db, 3, "ended", NOW - timedelta(days=10))  # recent: stays
    await _match(db, 4, "active", None)  # active: stays, its recent answer too
    await retention.sweep(db, NOW, 365)
    ids = [r[0] for r in await db.fetchall("SELECT id FROM mentoring_matches ORDER BY id")]
    assert ids == [3, 4]
    assert await db.fetchval("SELECT COUNT(*) FROM mentoring_checkins") == 2
    assert await db.fetchval("SELECT COUNT(*) FROM mentoring_aggregates") == 4


async def test_the_sweep_runs_every_day_on_the_driven_clock(sim: Simulator) -> None:
    jobs = sim.running_bot.services.jobs
    first = await jobs.next_of_kind(retention.KIND)
    assert first is not None
    await sim.advance(timedelta(days=3))
    done = await sim.running_bot.services.db.fetchval(
        "SELECT COUNT(*) FROM scheduled_jobs WHERE kind = ? AND state = 'done'", (retention.KIND,))
    assert done == 3
    await sim.restart()  # one plan, not two, after a restart
    pending = await sim.running_bot.services.db.fetchval(
        "SELECT COUNT(*) FROM scheduled_jobs WHERE kind = ? AND state = 'pending'", (retention.KIND,))
    assert pending == 1


async def _match_ids(sim: Simulator) -> list[int]:
    return [r[0] for r in await sim.running_bot.services.db.fetchall("SELECT id FROM mentoring_matches ORDER BY id")]


async def test_the_sweep_keeps_ended_matches_for_the_configured_number_of_days(
        tmp_path: Path, catalogs: Catalogs) -> None:
    sim = Simulator(tmp_path / "bot.sqlite3", start=START, catalogs=catalogs)
    sim.settings = sim.settings.with_overrides(mentoring_retention_days=120)
    try:
        await sim.start()
        db = sim.running_bot.services.db
        await _match(db, 1, "ended", START - timedelta(days=150), now=START)  # past 120 days: goes tonight
        await _match(db, 2, "ended", START - timedelta(days=100), now=START)  # 120 days old in 20 days
        await _match(db, 3, "ended", START - timedelta(days=10), now=START)  # stays
        await sim.advance(timedelta(days=1))
        assert await _match_ids(sim) == [2, 3]
        await sim.advance(timedelta(days=18))  # match 2 ended 119 days ago
        assert await _match_ids(sim) == [2, 3]
        await sim.advance(timedelta(days=2))
        assert await _match_ids(sim) == [3]
        assert await db.fetchval("SELECT COUNT(*) FROM mentoring_checkins") == 1
    finally:
        await sim.close()


async def test_by_default_ended_matches_are_kept_a_year(sim: Simulator) -> None:
    db = sim.running_bot.services.db
    await _match(db, 1, "ended", START - timedelta(days=150), now=START)
    await _match(db, 2, "ended", START - timedelta(days=360), now=START)
    await sim.advance(timedelta(days=4))
    assert await _match_ids(sim) == [1, 2]
    await sim.advance(timedelta(days=2))  # match 2 is now more than 365 days past its end
    assert await _match_ids(sim) == [1]
