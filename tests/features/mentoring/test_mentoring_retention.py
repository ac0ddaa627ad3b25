"""Daily retention: ended and declined matches and old check-in answers go after a year;
anonymous counters and the do-not-match list stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.clock import to_db
from bot.core.db import Database
from bot.features.mentoring import retention
from bot.simulator import Simulator

NOW = datetime(2027, 12, 1, 3, tzinfo=UTC)


async def _match(db: Database, match_id: int, state: str, ended: datetime | None) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO mentoring_matches(id, guild_id, mentor_id, newcomer_id, state, created_at, ended_at) "
            "VALUES (?, 1, ?, ?, ?, ?, ?)",
            (match_id, 100 + match_id, 200 + match_id, state, to_db(NOW - timedelta(days=800)),
             to_db(ended) if ended else None),
        )
        await tx.execute(
            "INSERT INTO mentoring_checkins(match_id, stage, user_id, answer, answered_at) "
            "VALUES (?, '7d', ?, 'met', ?)",
            (match_id, 200 + match_id, to_db((ended or NOW) - timedelta(days=30))),
        )
        await tx.execute(
            "INSERT INTO mentoring_aggregates(guild_id, metric, value) VALUES (1, ?, 1)", (f"m{match_id}",)
        )


async def test_old_ended_matches_and_old_answers_go_and_totals_stay(db: Database) -> None:
    await _match(db, 1, "ended", NOW - timedelta(days=400))  # ended over a year ago: goes
    await _match(db, 2, "declined", NOW - timedelta(days=500))  # declined long ago: goes
    await _match(db, 3, "ended", NOW - timedelta(days=10))  # recent: stays
    await _match(db, 4, "active", None)  # active: stays, its recent answer too
    await retention.sweep(db, NOW)
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
