"""Storage of mentoring profiles, rounds, matches, exclusions, check-ins, feedback and aggregates.

Plain SQL on the shared connection; every function takes a `Tx` so that the service decides the
unit of work. Lists of codes are stored as JSON text; instants with `bot.core.clock.to_db`.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.clock import from_db, to_db
from bot.core.db import Tx
from bot.features.mentoring.model import Profile
from bot.features.mentoring.scoring import Reason

OPEN_STATES = ("invited", "active")


@dataclass(frozen=True, slots=True)
class Match:
    """A pair through its life (proposed, invited, active, declined, ended)."""

    id: int
    guild_id: int
    round_id: int | None
    position: int | None
    mentor_id: int
    newcomer_id: int
    state: str
    score: int
    reasons: tuple[Reason, ...]
    manual: bool
    approved_by: int | None
    mentor_answer: str | None
    newcomer_answer: str | None
    mentor_delivery: str | None
    newcomer_delivery: str | None
    thread_id: int | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    ended_by: str | None
    #: When the bot last asked Discord for the pair's thread (None: never); with no `thread_id` it means
    #: an attempt may have created a thread whose id was not stored.
    thread_requested_at: datetime | None = None

    def side_of(self, user_id: int) -> str | None:
        """'mentor' or 'newcomer' for a party of the match, else None."""
        if user_id == self.mentor_id:
            return "mentor"
        if user_id == self.newcomer_id:
            return "newcomer"
        return None

    def partner_of(self, user_id: int) -> int:
        """The other party."""
        return self.newcomer_id if user_id == self.mentor_id else self.mentor_id

    def answer_of(self, user_id: int) -> str | None:
        """The party's answer to the invitation."""
        return self.mentor_answer if user_id == self.mentor_id else self.newcomer_answer


def profile_from_row(row: sqlite3.Row) -> Profile:
    """A `Profile` from a `mentoring_profiles` row."""
    paused = row["paused_until"]
    return Profile(
        user_id=row["user_id"],
        role=row["role"],
        languages={str(k): int(v) for k, v in json.loads(row["languages"]).items()},
        help=tuple(json.loads(row["help"])),
        interests=tuple(json.loads(row["interests"])),
        area=row["area"],
        availability=tuple(json.loads(row["availability"])),
        capacity=row["capacity"],
        paused_until=date.fromisoformat(paused) if paused else None,
        created_at=from_db(row["created_at"]),
    )


def match_from_row(row: sqlite3.Row) -> Match:
    """A `Match` from a `mentoring_matches` row."""

    def when(name: str) -> datetime | None:
        return from_db(row[name]) if row[name] else None

    return Match(
        id=row["id"], guild_id=row["guild_id"], round_id=row["round_id"], position=row["position"],
        mentor_id=row["mentor_id"], newcomer_id=row["newcomer_id"], state=row["state"], score=row["score"],
        reasons=tuple(Reason.from_json(r) for r in json.loads(row["reasons"])), manual=bool(row["manual"]),
        approved_by=row["approved_by"], mentor_answer=row["mentor_answer"],
        newcomer_answer=row["newcomer_answer"], mentor_delivery=row["mentor_delivery"],
        newcomer_delivery=row["newcomer_delivery"], thread_id=row["thread_id"],
        created_at=from_db(row["created_at"]), started_at=when("started_at"), ended_at=when("ended_at"),
        ended_by=row["ended_by"], thread_requested_at=when("thread_requested_at"),
    )


async def upsert_profile(tx: Tx, guild_id: int, profile: Profile, source: str, now: datetime) -> bool:
    """Create or update a profile (keeping its creation time, so the waiting time stays). True if created."""
    exists = await tx.fetchval(
        "SELECT 1 FROM mentoring_profiles WHERE guild_id = ? AND user_id = ? AND role = ?",
        (guild_id, profile.user_id, profile.role),
    )
    values = (
        json.dumps(profile.languages, sort_keys=True), json.dumps(list(profile.help)),
        json.dumps(list(profile.interests)), profile.area, json.dumps(list(profile.availability)),
        profile.capacity, profile.paused_until.isoformat() if profile.paused_until else None,
    )
    if exists:
        await tx.execute(
            "UPDATE mentoring_profiles SET languages = ?, help = ?, interests = ?, area = ?, availability = ?, "
            "capacity = ?, paused_until = ?, updated_at = ? WHERE guild_id = ? AND user_id = ? AND role = ?",
            (*values, to_db(now), guild_id, profile.user_id, profile.role),
        )
        return False
    await tx.execute(
        "INSERT INTO mentoring_profiles(guild_id, user_id, role, languages, help, interests, area, availability, "
        "capacity, paused_until, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (guild_id, profile.user_id, profile.role, *values, source, to_db(now), to_db(now)),
    )
    return True


async def get_profile(tx: Tx, guild_id: int, user_id: int, role: str) -> Profile | None:
    """One profile, or None."""
    row = await tx.fetchone(
        "SELECT * FROM mentoring_profiles WHERE guild_id = ? AND user_id = ? AND role = ?", (guild_id, user_id, role)
    )
    return None if row is None else profile_from_row(row)


async def profiles(tx: Tx, guild_id: int, role: str) -> list[Profile]:
    """All profiles of a role in a guild."""
    rows = await tx.fetchall(
        "SELECT * FROM mentoring_profiles WHERE guild_id = ? AND role = ? ORDER BY created_at, user_id",
        (guild_id, role),
    )
    return [profile_from_row(r) for r in rows]


async def get_match(tx: Tx, match_id: int) -> Match | None:
    """One match, or None."""
    row = await tx.fetchone("SELECT * FROM mentoring_matches WHERE id = ?", (match_id,))
    return None if row is None else match_from_row(row)


async def matches(tx: Tx, guild_id: int, states: tuple[str, ...], user_id: int | None = None) -> list[Match]:
    """Matches of a guild in some states (optionally only those of one member)."""
    marks = ",".join("?" * len(states))
    sql = f"SELECT * FROM mentoring_matches WHERE guild_id = ? AND state IN ({marks})"
    params: list[object] = [guild_id, *states]
    if user_id is not None:
        sql += " AND (mentor_id = ? OR newcomer_id = ?)"
        params += [user_id, user_id]
    rows = await tx.fetchall(sql + " ORDER BY position, id", params)
    return [match_from_row(r) for r in rows]


async def exclusions(tx: Tx, guild_id: int) -> set[tuple[int, int]]:
    """Every (mentor, newcomer) pair that must not be proposed."""
    rows = await tx.fetchall("SELECT mentor_id, newcomer_id FROM mentoring_exclusions WHERE guild_id = ?", (guild_id,))
    return {(r[0], r[1]) for r in rows}


async def exclude(tx: Tx, guild_id: int, mentor_id: int, newcomer_id: int, reason: str, now: datetime) -> None:
    """Record that a pair must not be proposed again."""
    await tx.execute(
        "INSERT OR IGNORE INTO mentoring_exclusions(guild_id, mentor_id, newcomer_id, reason, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (guild_id, mentor_id, newcomer_id, reason, to_db(now)),
    )


async def bump(tx: Tx, guild_id: int, metric: str, by: int = 1) -> None:
    """Add to an aggregate counter."""
    await tx.execute(
        "INSERT INTO mentoring_aggregates(guild_id, metric, value) VALUES (?, ?, ?) "
        "ON CONFLICT(guild_id, metric) DO UPDATE SET value = value + excluded.value",
        (guild_id, metric, by),
    )


async def aggregates(tx: Tx, guild_id: int) -> dict[str, int]:
    """Every aggregate counter of a guild."""
    rows = await tx.fetchall("SELECT metric, value FROM mentoring_aggregates WHERE guild_id = ?", (guild_id,))
    return {r[0]: r[1] for r in rows}
