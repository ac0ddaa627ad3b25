"""Storage of events and free announcements: dataclasses and the SQL that reads them."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.core.db import Reads, Tx
from bot.features.events.recurrence import Rule
from bot.features.events.timeparse import MAX_REMINDERS, parse_local


@dataclass(frozen=True, slots=True)
class Event:
    """One event as stored (title and description in its own `language`)."""

    id: int
    guild_id: int
    title: str
    description: str
    place: str
    language: str
    start_local: datetime
    fold: int
    zone: ZoneInfo
    duration_minutes: int
    capacity: int | None
    repeat: str
    until: date | None
    channel_id: int | None
    announce_days: int
    announce_time: time
    reminders: tuple[int, ...]
    mirror: bool
    discord_event_id: int | None
    status: str
    created_by: int
    sequence: int = 0  # the calendar revision: grows with every edit (a trigger keeps it)

    def rule(self, skipped: frozenset[datetime] = frozenset()) -> Rule:
        """The repetition rule of the event."""
        return Rule(self.start_local, self.repeat, self.until, skipped, self.fold)


def event_from_row(row: sqlite3.Row) -> Event:
    """An `Event` from an `events` row."""
    hour, minute = (int(x) for x in row["announce_time"].split(":"))
    return Event(
        id=row["id"], guild_id=row["guild_id"], title=row["title"], description=row["description"],
        place=row["place"], language=row["language"], start_local=parse_local(row["start_local"]),
        fold=row["fold"], zone=ZoneInfo(row["zone"]), duration_minutes=row["duration_minutes"],
        capacity=row["capacity"], repeat=row["repeat"],
        until=date.fromisoformat(row["until_date"]) if row["until_date"] else None,
        channel_id=row["channel_id"], announce_days=row["announce_days"], announce_time=time(hour, minute),
        # At most MAX_REMINDERS, the ones nearest the start (rows stored before the limit may hold more).
        reminders=tuple(sorted(set(json.loads(row["reminders"])), reverse=True)[-MAX_REMINDERS:]),
        mirror=bool(row["mirror"]),
        discord_event_id=row["discord_event_id"], status=row["status"], created_by=row["created_by"],
        sequence=row["sequence"],
    )


async def load_event(tx: Reads, event_id: int) -> Event | None:
    """The event with this id, or None."""
    row = await tx.fetchone("SELECT * FROM events WHERE id = ?", (event_id,))
    return None if row is None else event_from_row(row)


async def load_skips(tx: Reads, event_id: int) -> frozenset[datetime]:
    """The cancelled single dates of an event."""
    rows = await tx.fetchall("SELECT occurrence FROM event_skips WHERE event_id = ?", (event_id,))
    return frozenset(parse_local(r["occurrence"]) for r in rows)


async def load_texts(tx: Reads, event_id: int) -> dict[str, tuple[str, str]]:
    """Translations of title and description, by language."""
    rows = await tx.fetchall("SELECT language, title, description FROM event_texts WHERE event_id = ?", (event_id,))
    return {r["language"]: (r["title"], r["description"]) for r in rows}


@dataclass(frozen=True, slots=True)
class Post:
    """One occurrence's announcement message (message_id None until Discord confirmed it)."""

    id: int
    event_id: int
    occurrence: str
    channel_id: int | None
    message_id: int | None
    #: The idempotency key of its send (kept in the `nonce` column).
    key: str


def post_from_row(row: sqlite3.Row) -> Post:
    """A `Post` from an `event_posts` row."""
    return Post(row["id"], row["event_id"], row["occurrence"], row["channel_id"], row["message_id"], row["nonce"])


@dataclass(frozen=True, slots=True)
class Announcement:
    """A free announcement with its texts in order (language, body)."""

    id: int
    guild_id: int
    channel_id: int
    start_local: datetime
    fold: int
    zone: ZoneInfo
    repeat: str
    until: date | None
    status: str
    texts: tuple[tuple[str, str], ...]

    def rule(self) -> Rule:
        """The repetition rule."""
        return Rule(self.start_local, self.repeat, self.until, frozenset(), self.fold)


async def load_announcement(tx: Tx, announcement_id: int) -> Announcement | None:
    """The free announcement with this id, or None."""
    row = await tx.fetchone("SELECT * FROM announcements WHERE id = ?", (announcement_id,))
    if row is None:
        return None
    texts = await tx.fetchall(
        "SELECT language, body FROM announcement_texts WHERE announcement_id = ? ORDER BY position",
        (announcement_id,),
    )
    return Announcement(
        id=row["id"], guild_id=row["guild_id"], channel_id=row["channel_id"],
        start_local=parse_local(row["start_local"]), fold=row["fold"], zone=ZoneInfo(row["zone"]),
        repeat=row["repeat"], until=date.fromisoformat(row["until_date"]) if row["until_date"] else None,
        status=row["status"], texts=tuple((t["language"], t["body"]) for t in texts),
    )
