"""Daily retention for mentoring: old personal rows go, anonymous counters stay.

A match that ended or was declined more than `keep_days` ago loses its personal rows (the match
itself, its check-in answers and feedback). Check-in answers older than `keep_days` go even while a
match is active. `keep_days` is the setting `MENTORING_RETENTION_DAYS` (default 365), passed in by
the cog. The do-not-match list (`mentoring_exclusions`) stays as long as both profiles do,
because the rule "never again a pair that one side declined or ended" depends on it; it is removed
with the profiles by `/privacy delete` or when a member who left is forgotten.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.clock import to_db
from bot.core.db import Database

KIND = "mentoring.retention"


async def sweep(db: Database, now: datetime, keep_days: int) -> int:
    """Delete what is older than the retention period; returns how many rows went."""
    cutoff = to_db(now - timedelta(days=keep_days))
    async with db.transaction() as tx:
        old = [row[0] for row in await tx.fetchall(
            "SELECT id FROM mentoring_matches WHERE state IN ('ended', 'declined') "
            "AND COALESCE(ended_at, invited_at, created_at) < ?", (cutoff,))]
        removed = 0
        for match_id in old:
            removed += await tx.execute("DELETE FROM mentoring_feedback WHERE match_id = ?", (match_id,))
            removed += await tx.execute("DELETE FROM mentoring_checkins WHERE match_id = ?", (match_id,))
            removed += await tx.execute("DELETE FROM mentoring_matches WHERE id = ?", (match_id,))
        removed += await tx.execute("DELETE FROM mentoring_checkins WHERE answered_at < ?", (cutoff,))
    return removed


def next_run(now: datetime) -> datetime:
    """Tomorrow at 03:00 UTC (a quiet hour in Norsjö)."""
    return (now + timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)
