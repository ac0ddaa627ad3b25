"""SQL for onboarding: member rows and funnel counters. Every function runs inside a unit of work."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.clock import from_db, to_db
from bot.core.db import Tx
from bot.features.onboarding.model import STAGES, MemberState, stage_bit

COLUMNS = ("guild_id, user_id, step, consent, help_topics, area, wants_mentor, reached, joined_at, pending, "
           "greeted_at, started_at, finished_at, left_at, rejoined, card_message_id, claimed_by, claimed_at")


def _dt(value: str | None) -> datetime | None:
    return None if value is None else from_db(value)


def to_state(row: sqlite3.Row) -> MemberState:
    """A row as a `MemberState`."""
    return MemberState(
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        step=row["step"],
        consent=None if row["consent"] is None else bool(row["consent"]),
        help_topics=json.loads(row["help_topics"]) if row["help_topics"] else [],
        area=row["area"],
        wants_mentor=None if row["wants_mentor"] is None else bool(row["wants_mentor"]),
        joined_at=_dt(row["joined_at"]),
        pending=bool(row["pending"]),
        started_at=_dt(row["started_at"]),
        finished_at=_dt(row["finished_at"]),
        left_at=_dt(row["left_at"]),
        returning=bool(row["rejoined"]),
        card_message_id=row["card_message_id"],
        claimed_by=row["claimed_by"],
    )


async def get_row(tx: Tx, guild_id: int, user_id: int) -> sqlite3.Row | None:
    """The member's row, or None."""
    return await tx.fetchone(f"SELECT {COLUMNS} FROM onboarding_members WHERE guild_id = ? AND user_id = ?",
                             (guild_id, user_id))


async def insert(tx: Tx, guild_id: int, user_id: int, now: datetime, *, pending: bool, greeted: bool) -> None:
    """A new member row."""
    await tx.execute(
        "INSERT INTO onboarding_members(guild_id, user_id, joined_at, pending, greeted_at) VALUES (?, ?, ?, ?, ?)",
        (guild_id, user_id, to_db(now), int(pending), to_db(now) if greeted else None),
    )


async def update(tx: Tx, guild_id: int, user_id: int, **values: Any) -> None:
    """Set columns of the member's row (values already in database form)."""
    assignments = ", ".join(f"{name} = ?" for name in values)
    await tx.execute(f"UPDATE onboarding_members SET {assignments} WHERE guild_id = ? AND user_id = ?",
                     (*values.values(), guild_id, user_id))


async def reach(tx: Tx, guild_id: int, user_id: int, reached: int, *stages: str) -> int:
    """Count the member once for each stage they had not reached yet; returns the new bit set."""
    for stage in stages:
        bit = stage_bit(stage)
        if reached & bit:
            continue
        reached |= bit
        await bump(tx, guild_id, stage)
    await update(tx, guild_id, user_id, reached=reached)
    return reached


async def bump(tx: Tx, guild_id: int, stage: str, by: int = 1) -> None:
    """Add to an aggregate funnel counter."""
    await tx.execute(
        "INSERT INTO onboarding_funnel(guild_id, stage, count) VALUES (?, ?, ?) "
        "ON CONFLICT(guild_id, stage) DO UPDATE SET count = count + excluded.count",
        (guild_id, stage, by),
    )


async def funnel(tx: Tx, guild_id: int) -> dict[str, int]:
    """Every stage's count (0 when nobody reached it)."""
    rows = await tx.fetchall("SELECT stage, count FROM onboarding_funnel WHERE guild_id = ?", (guild_id,))
    found = {row["stage"]: row["count"] for row in rows}
    return {stage: found.get(stage, 0) for stage in STAGES}


async def ungreeted(tx: Tx, guild_id: int, until: datetime) -> list[int]:
    """Members who joined (and passed screening) by `until` and were not greeted yet, oldest first."""
    rows = await tx.fetchall(
        "SELECT user_id FROM onboarding_members WHERE guild_id = ? AND greeted_at IS NULL AND pending = 0 "
        "AND left_at IS NULL AND joined_at <= ? ORDER BY joined_at, user_id",
        (guild_id, to_db(until)),
    )
    return [row["user_id"] for row in rows]


async def mark_greeted(tx: Tx, guild_id: int, user_ids: Sequence[int], now: datetime) -> None:
    """Record that these members were greeted."""
    await tx.executemany(
        "UPDATE onboarding_members SET greeted_at = ? WHERE guild_id = ? AND user_id = ?",
        [(to_db(now), guild_id, uid) for uid in user_ids],
    )
