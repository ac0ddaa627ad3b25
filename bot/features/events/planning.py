"""Announcement planning: stable job keys and due times for every planned post.

Every post and reminder is a `scheduled_jobs` row whose key names the event (or announcement), the
occurrence's local wall-clock start and what happens; planning again with the same key is
idempotent. A send's idempotency key is derived from the job key (`bot.core.outbox.send_key`), so a
send repeated after a crash is not shown twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.features.events.timeparse import compact, wall_to_instant

ANNOUNCE = "events.announce"
REMIND = "events.remind"
FREE_POST = "events.free_post"
#: "A place freed up for you": one DM per promoted member, planned in the promotion's transaction.
PROMOTED = "events.promoted"
#: After a member's data was deleted (/privacy delete, retention): give their place to the waiting list.
REFILL = "events.refill"
#: "Sorry: ... is cancelled" to one member, and the cancelled mark on one posted announcement.
CANCEL_NOTICE = "events.cancel_notice"
CANCEL_POST = "events.cancel_post"
#: After an edit: the posted announcements shown again with the stored version (planned with the edit).
REFRESH = "events.refresh"
#: Bring the mirrored Discord scheduled event in line with the stored event (create, update or delete).
MIRROR = "events.mirror"

#: How far ahead occurrences are planned; the next one is always planned, whatever its distance.
HORIZON = timedelta(days=42)


def announce_key(event_id: int, occurrence: str) -> str:
    """The job key of an occurrence's announcement."""
    return f"events:{event_id}:announce:{compact(occurrence)}"


def remind_key(event_id: int, occurrence: str, minutes: int) -> str:
    """The job key of one reminder of an occurrence."""
    return f"events:{event_id}:remind:{minutes}:{compact(occurrence)}"


def free_post_key(announcement_id: int, occurrence: str) -> str:
    """The job key of one posting of a free announcement."""
    return f"announce:{announcement_id}:post:{compact(occurrence)}"


def promoted_prefix(event_id: int, occurrence: str, user_id: int) -> str:
    """The key prefix of a member's promotion notices for one occurrence."""
    return f"events-promoted:{event_id}:{compact(occurrence)}:{user_id}:"


def promoted_key(event_id: int, occurrence: str, user_id: int, seq: int) -> str:
    """The job key of one promotion notice (`seq`: the answer's sequence number, unique)."""
    return f"{promoted_prefix(event_id, occurrence, user_id)}{seq}"


def refill_key(event_id: int, occurrence: str, seq: int) -> str:
    """The job key of refilling a place freed by a deletion (`seq` of the deleted answer)."""
    return f"events-refill:{event_id}:{compact(occurrence)}:{seq}"


def cancel_notice_key(event_id: int, occurrence: str, user_id: int) -> str:
    """The job key of telling one member that one date is cancelled."""
    return f"events-cancelnotice:{event_id}:{compact(occurrence)}:{user_id}"


def cancel_post_key(post_id: int) -> str:
    """The job key of marking one posted announcement as cancelled (edit and a note under it)."""
    return f"events-cancelpost:{post_id}"


def refresh_prefix(event_id: int) -> str:
    """The key prefix of an event's post refreshes."""
    return f"events-refresh:{event_id}:"


def mirror_prefix(event_id: int) -> str:
    """The key prefix of an event's mirror updates."""
    return f"events-mirror:{event_id}:"


def change_key(prefix: str, now: datetime) -> str:
    """A key for one change (its instant): a later change never collides with a row that already ran."""
    return prefix + now.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")


def event_prefix(event_id: int) -> str:
    """The prefix of every job key of an event."""
    return f"events:{event_id}:"


def announce_due(start_local: datetime, start_at: datetime, days_before: int, at: time, zone: ZoneInfo) -> datetime:
    """When an occurrence is announced: `days_before` days earlier at `at` local time, never after it starts."""
    local = datetime.combine(start_local.date() - timedelta(days=days_before), at)
    due = wall_to_instant(local, zone)
    return min(due, start_at)
