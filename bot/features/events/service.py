"""The events service: create, plan, edit, cancel, RSVP, reminders bookkeeping and free announcements.

The cog calls this and does only the Discord part. Everything that must survive a restart is in
the database: events, drafts awaiting the organizer's "Save", the planned posts and reminders (as
`scheduled_jobs` rows, planned `HORIZON` ahead and re-planned after each announcement), the posted
message ids, RSVPs and the reminder log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.capabilities import LinkItem
from bot.core.clock import Clock, to_db
from bot.core.conversation import CommandRef
from bot.core.db import Database, Tx
from bot.core.errors import UserError
from bot.core.i18n import N_
from bot.core.installation import installation_id
from bot.core.jobs import JobQueue
from bot.core.outbox import send_key
from bot.core.privacy import PrivacySection
from bot.core.text import clean_text
from bot.features.events import ics, planning
from bot.features.events.recurrence import REPEATS, Occurrence, Rule, occurrences
from bot.features.events.repository import (
    Announcement,
    Event,
    Post,
    event_from_row,
    load_announcement,
    load_event,
    load_skips,
    load_texts,
    post_from_row,
)
from bot.features.events.timeparse import (
    check_within_reach,
    format_local,
    localize,
    parse_date,
    parse_local,
    parse_offsets,
    parse_time,
)

log = logging.getLogger(__name__)

RSVP_CHOICES = ("going", "maybe", "cant")
#: A promotion notice is sent right after the promotion; its job row is the safety net after a crash.
NOTICE_SAFETY_DELAY = timedelta(minutes=1)
MAX_TITLE = 100
MAX_DESCRIPTION = 1500
MAX_ANNOUNCEMENT = 1800
#: A draft (a preview not yet saved) is kept this long.
DRAFT_LIFETIME = timedelta(days=1)


@dataclass(slots=True)
class EventDraft:
    """What an organizer typed into `/event create` (texts not yet parsed)."""

    title: str
    date_text: str
    time_text: str
    language: str
    description: str = ""
    place: str = ""
    fold: int | None = None
    duration_minutes: int = 90
    capacity: int | None = None
    repeat: str = "none"
    until_text: str | None = None
    channel_id: int | None = None
    announce_days: int = 1
    announce_time_text: str = "18:00"
    reminders_text: str = "24h, 1h"
    mirror: bool = False


@dataclass(slots=True)
class EventChanges:
    """What `/event edit` may change (None: unchanged)."""

    title: str | None = None
    description: str | None = None
    place: str | None = None
    date_text: str | None = None
    time_text: str | None = None
    fold: int | None = None
    duration_minutes: int | None = None
    capacity: int | None = None


@dataclass(frozen=True, slots=True)
class Counts:
    """RSVP counts of one occurrence."""

    going: int = 0
    maybe: int = 0
    cant: int = 0
    waiting: int = 0


@dataclass(frozen=True, slots=True)
class RsvpOutcome:
    """The result of pressing Going / Maybe / Can't."""

    event: Event
    occurrence: str
    status: str
    position: int
    promoted: tuple[int, ...]
    counts: Counts


@dataclass(frozen=True, slots=True)
class CancelOutcome:
    """What a cancellation touched: the people to tell (user, occurrence) and the posts to update."""

    event: Event
    occurrences: tuple[str, ...]
    people: tuple[tuple[int, str], ...]
    posts: tuple[Post, ...]


@dataclass(frozen=True, slots=True)
class EditOutcome:
    """An edited event and its posted announcements to refresh."""

    event: Event
    posts: tuple[Post, ...]
    moved: bool
    # Members moved from the waiting list to "going" because the capacity was raised: (user, occurrence).
    promoted: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class MineItem:
    """One of a member's RSVPs."""

    event: Event
    occurrence: Occurrence
    status: str
    #: The member's place on the waiting list (0 unless waiting).
    position: int = 0


@dataclass(slots=True)
class ReconcileReport:
    """What start-up reconciliation found."""

    replanned_events: int = 0
    replanned_announcements: int = 0
    unposted: list[str] = field(default_factory=list)


#: Field names for `clean_text` messages ("That is too long for the title: ...").
TITLE_FIELD = N_("the title")
DESCRIPTION_FIELD = N_("the description")
PLACE_FIELD = N_("the place")
ANNOUNCEMENT_FIELD = N_("the announcement text")


def _title(text: str | None, *, required: bool = True) -> str:
    return clean_text(text, limit=MAX_TITLE, field=TITLE_FIELD, required=required)


def _description(text: str | None) -> str:
    return clean_text(text, limit=MAX_DESCRIPTION, field=DESCRIPTION_FIELD, multiline=True, required=False)


def _place(text: str | None) -> str:
    return clean_text(text, limit=MAX_TITLE, field=PLACE_FIELD, required=False)


def _announcement_text(text: str | None) -> str:
    return clean_text((text or "").replace("\\n", "\n"), limit=MAX_ANNOUNCEMENT, field=ANNOUNCEMENT_FIELD,
                      multiline=True)


class EventsService:
    """Events and free announcements of a guild, stored in the database."""

    def __init__(self, db: Database, clock: Clock, jobs: JobQueue, zone: ZoneInfo) -> None:
        self._db = db
        self._clock = clock
        self._jobs = jobs
        self.zone = zone

    # ----- creating ------------------------------------------------------------------------------
    def _start(self, date_text: str, time_text: str, fold: int | None, now: datetime) -> tuple[datetime, int]:
        today = now.astimezone(self.zone).date()
        day = check_within_reach(parse_date(date_text, today), today)
        clock = parse_time(time_text)
        at = localize(day, clock, self.zone, fold)
        if at <= now:
            raise UserError(N_("The start must be in the future."))
        return datetime.combine(day, clock), at.fold

    async def create_draft(self, guild_id: int, user_id: int, draft: EventDraft) -> tuple[Event, list[Occurrence]]:
        """Check every field and store a draft; returns it with the next occurrences for the preview."""
        now = self._clock.now()
        title = _title(draft.title)
        description = _description(draft.description)
        place = _place(draft.place)
        start, fold = self._start(draft.date_text, draft.time_text, draft.fold, now)
        if draft.repeat not in REPEATS:
            raise UserError(N_("I do not know that kind of repetition."))
        until = None
        if draft.until_text:
            until = check_within_reach(parse_date(draft.until_text, start.date()), now.astimezone(self.zone).date())
            if until < start.date():
                raise UserError(N_("The repetition must end after the first date."))
        announce_at = parse_time(draft.announce_time_text or "18:00")
        reminders = parse_offsets(draft.reminders_text) if draft.reminders_text.strip() else []
        stamp = to_db(now)
        event_id = await self._db.execute(
            "INSERT INTO events(guild_id, title, description, place, language, start_local, fold, zone, "
            "duration_minutes, capacity, repeat, until_date, channel_id, announce_days, announce_time, reminders, "
            "mirror, status, created_by, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?)",
            (guild_id, title, description, place, draft.language, format_local(start), fold, self.zone.key,
             draft.duration_minutes, draft.capacity, draft.repeat, until.isoformat() if until else None,
             draft.channel_id, draft.announce_days, announce_at.strftime("%H:%M"), json.dumps(reminders),
             int(draft.mirror), user_id, stamp, stamp),
        )
        event = await self.get(event_id, guild_id, allow_draft=True)
        return event, occurrences(event.rule(), self.zone, after=now, limit=5)

    async def activate(self, event_id: int, guild_id: int, user_id: int) -> Event:
        """The organizer saved the draft: make it active and plan its posts."""
        event = await self.get(event_id, guild_id, allow_draft=True)
        if event.created_by != user_id:
            raise UserError(N_("Only the organizer who made this draft can save it."))
        if event.status != "draft":
            raise UserError(N_("This event is already saved."))
        now = self._clock.now()
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE events SET status = 'active', updated_at = ? WHERE id = ? AND status = 'draft'",
                             (to_db(now), event_id))
            if event.mirror:
                await self._plan_change(tx, planning.MIRROR, planning.mirror_prefix(event_id), now,
                                        {"event": event_id})
        await self.plan(event_id)
        return await self.get(event_id, guild_id)

    async def discard(self, event_id: int, guild_id: int, user_id: int) -> None:
        """Drop a draft."""
        event = await self.get(event_id, guild_id, allow_draft=True)
        if event.created_by != user_id or event.status != "draft":
            raise UserError(N_("Only the organizer who made this draft can discard it."))
        await self._db.execute("DELETE FROM events WHERE id = ? AND status = 'draft'", (event_id,))

    async def set_discord_event(self, event_id: int, discord_event_id: int | None) -> None:
        """Remember the mirrored Discord scheduled event."""
        await self._db.execute("UPDATE events SET discord_event_id = ? WHERE id = ?", (discord_event_id, event_id))

    async def mirror_occurrence(self, event: Event) -> Occurrence | None:
        """The occurrence the Discord scheduled event should show: the next one; None when there should be none."""
        if not event.mirror or event.status != "active":
            return None
        upcoming = await self.next_occurrences(event, limit=1)
        return upcoming[0] if upcoming else None

    async def plan_mirror(self, event_id: int) -> None:
        """Plan bringing the Discord scheduled event in line (after Discord failed to take a change)."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            await self._plan_change(tx, planning.MIRROR, planning.mirror_prefix(event_id), now, {"event": event_id})
        await self._jobs.notify_changed()

    async def _plan_change(self, tx: Tx, kind: str, prefix: str, now: datetime, payload: dict[str, Any]) -> None:
        """Plan one follow-up of a change (due shortly: the safety net of the cog doing it right away)."""
        await tx.execute("DELETE FROM scheduled_jobs WHERE key >= ? AND key < ? "
                         "AND state IN ('done', 'cancelled', 'failed', 'missed')", (prefix, prefix + "\uffff"))
        await self._jobs.schedule(kind, planning.change_key(prefix, now), now + NOTICE_SAFETY_DELAY, payload, tx=tx)

    async def pending_keys(self, prefix: str) -> list[str]:
        """Keys of planned follow-ups (notices, refreshes, mirror updates) not yet done, oldest first."""
        rows = await self._db.fetchall(
            "SELECT key FROM scheduled_jobs WHERE key >= ? AND key < ? AND state = 'pending' ORDER BY id",
            (prefix, prefix + "\uffff"))
        return [r["key"] for r in rows]

    # ----- reading -------------------------------------------------------------------------------
    async def event(self, event_id: int) -> Event | None:
        """An event as stored (any status), for the job handlers."""
        return await load_event(self._db, event_id)

    async def live(self, event_id: int, occurrence: str) -> Event | None:
        """The event when the occurrence is still on (active and not cancelled), else None."""
        event = await load_event(self._db, event_id)
        if event is None or event.status != "active" or await self.is_skipped(event_id, occurrence):
            return None
        return event

    async def skips(self, event_id: int) -> set[Any]:
        """The cancelled single dates of an event."""
        return set(await load_skips(self._db, event_id))

    async def guild_of_announcement(self, ann_id: int) -> int:
        """The guild of a free announcement (0 when it is gone)."""
        return int(await self._db.fetchval("SELECT guild_id FROM announcements WHERE id = ?", (ann_id,)) or 0)

    async def owner_of(self, payload: dict[str, Any]) -> tuple[int, str] | None:
        """The guild and title of what a post job would have posted (an event or a free announcement)."""
        async with self._db.read() as tx:
            if "event" in payload:
                row = await tx.fetchone("SELECT guild_id, title FROM events WHERE id = ?", (payload["event"],))
            else:
                row = await tx.fetchone(
                    "SELECT a.guild_id, t.body AS title FROM announcements a JOIN announcement_texts t "
                    "ON t.announcement_id = a.id WHERE a.id = ? ORDER BY t.position LIMIT 1", (payload.get("ann"),))
        return None if row is None else (int(row["guild_id"]), str(row["title"]))

    async def get(self, event_id: int, guild_id: int, *, allow_draft: bool = False) -> Event:
        """The event, or a polite refusal when it is not one of this guild's."""
        async with self._db.read() as tx:
            event = await load_event(tx, event_id)
        if event is None or event.guild_id != guild_id or (event.status == "draft" and not allow_draft):
            raise UserError(N_("There is no event number {id}."), id=event_id)
        return event

    async def texts(self, event: Event, language: str) -> tuple[str, str]:
        """Title and description in `language`, falling back to the event's own language."""
        if language == event.language:
            return event.title, event.description
        texts = await load_texts(self._db, event.id)
        title, description = texts.get(language, (event.title, event.description))
        return title, description or event.description

    async def languages(self, event: Event) -> list[str]:
        """The event's own language first, then those it was translated into."""
        texts = await load_texts(self._db, event.id)
        return [event.language, *sorted(code for code in texts if code != event.language)]

    async def next_occurrences(
        self, event: Event, *, after: datetime | None = None, limit: int = 5
    ) -> list[Occurrence]:
        """The event's next occurrences (cancelled dates left out)."""
        skips = await load_skips(self._db, event.id)
        return occurrences(event.rule(skips), self.zone, after=after or self._clock.now(), limit=limit)

    def occurrence_of(self, event: Event, local: str) -> Occurrence:
        """The occurrence with this local start."""
        start = parse_local(local)
        return occurrences(Rule(start, "none", None, frozenset(), event.fold), event.zone, limit=1)[0]

    async def calendar_file(self, events: Sequence[Event], language: str) -> str:
        """The .ics text for these events, titled in `language` (UIDs carry this installation's id)."""
        entries = []
        for event in events:
            title, description = await self.texts(event, language)
            skips = await load_skips(self._db, event.id)
            entries.append(ics.CalendarEntry(event, title, description, tuple(sorted(skips))))
        installation = await installation_id(self._db)
        return ics.calendar(entries, self._clock.now(), installation=installation, zone=self.zone)

    async def list_upcoming(self, guild_id: int, limit: int = 10) -> list[tuple[Event, Occurrence]]:
        """The guild's next occurrences over all active events, soonest first."""
        rows = await self._db.fetchall("SELECT * FROM events WHERE guild_id = ? AND status = 'active'", (guild_id,))
        found: list[tuple[Event, Occurrence]] = []
        now = self._clock.now()
        for row in rows:
            event = event_from_row(row)
            found += [(event, occ) for occ in await self.next_occurrences(event, after=now - timedelta(
                minutes=event.duration_minutes), limit=limit)]
        found.sort(key=lambda pair: pair[1].at)
        return found[:limit]

    async def upcoming(self, guild_id: int, language: str, limit: int = 3) -> list[LinkItem]:
        """EventsCapability: the next events, titled in `language` (with fallback)."""
        items: list[LinkItem] = []
        for event, occ in await self.list_upcoming(guild_id, limit):
            title, _ = await self.texts(event, language)
            hint = CommandRef(("event", "show"), (("event", str(event.id)),))
            items.append(LinkItem(title=title, hint=hint, when=occ.at))
        return items

    # ----- planning ------------------------------------------------------------------------------
    async def plan(self, event_id: int) -> int:
        """Plan announcements and reminders of the event's occurrences within the horizon. Idempotent.

        Rows that already ran, were missed or were skipped are left alone; a post due in the past
        (a new event announced "the day before" when that is already over) is due now.
        """
        now = self._clock.now()
        async with self._db.read() as tx:
            event = await load_event(tx, event_id)
            skips = await load_skips(tx, event_id)
            states = {r["key"]: r["state"] for r in await tx.fetchall(
                "SELECT key, state FROM scheduled_jobs WHERE key >= ? AND key < ?",
                (planning.event_prefix(event_id), planning.event_prefix(event_id) + "\uffff"))}
        if event is None or event.status != "active":
            return 0
        occs = occurrences(event.rule(skips), self.zone, after=now, until=now + planning.HORIZON, limit=60)
        if not occs:
            occs = occurrences(event.rule(skips), self.zone, after=now, limit=1)
        planned = 0
        async with self._db.transaction() as tx:
            for occ in occs:
                local = format_local(occ.local)
                payload = {"event": event.id, "occ": local}
                due = planning.announce_due(occ.local, occ.at, event.announce_days, event.announce_time, self.zone)
                key = planning.announce_key(event.id, local)
                if states.get(key) in (None, "pending", "cancelled"):
                    await self._jobs.schedule(planning.ANNOUNCE, key, max(due, now), payload, tx=tx)
                    planned += 1
                for minutes in event.reminders:
                    key = planning.remind_key(event.id, local, minutes)
                    due = occ.at - timedelta(minutes=minutes)
                    if due > now and states.get(key) in (None, "pending", "cancelled"):
                        await self._jobs.schedule(planning.REMIND, key, due, {**payload, "minutes": minutes}, tx=tx)
                        planned += 1
        await self._jobs.notify_changed()
        return planned

    async def reconcile(self) -> ReconcileReport:
        """At start: re-plan events and announcements with nothing pending; list posts never confirmed."""
        report = ReconcileReport()
        # A draft never saved within a day is dropped (e.g. its preview was lost when the bot stopped).
        await self._db.execute("DELETE FROM events WHERE status = 'draft' AND created_at < ?",
                               (to_db(self._clock.now() - DRAFT_LIFETIME),))
        rows = await self._db.fetchall(
            "SELECT e.id FROM events e WHERE e.status = 'active' AND NOT EXISTS (SELECT 1 FROM scheduled_jobs j "
            "WHERE j.key >= 'events:' || e.id || ':' AND j.key < 'events:' || e.id || ':' || char(65535) "
            "AND j.state IN ('pending', 'claimed'))"
        )
        for row in rows:
            if await self.plan(row["id"]):
                report.replanned_events += 1
        rows = await self._db.fetchall(
            "SELECT a.id FROM announcements a WHERE a.status = 'active' AND NOT EXISTS (SELECT 1 FROM scheduled_jobs j "
            "WHERE j.key >= 'announce:' || a.id || ':' AND j.key < 'announce:' || a.id || ':' || char(65535) "
            "AND j.state IN ('pending', 'claimed'))"
        )
        for row in rows:
            if await self.plan_announcement(row["id"]):
                report.replanned_announcements += 1
        failed = await self._db.fetchall(
            "SELECT key FROM scheduled_jobs WHERE kind IN (?, ?) AND state = 'failed'",
            (planning.ANNOUNCE, planning.FREE_POST),
        )
        report.unposted = [r["key"] for r in failed]
        return report

    async def retry_now(self, key: str, guild_id: int) -> bool:
        """"Post now" after a missed or failed post: plan the same key again, due now, marked delayed."""
        row = await self._db.fetchone("SELECT kind, payload, state FROM scheduled_jobs WHERE key = ?", (key,))
        if row is None or row["state"] not in ("missed", "failed"):
            return False
        payload = json.loads(row["payload"])
        if await self._guild_of_payload(payload) != guild_id:
            return False
        await self._jobs.schedule(row["kind"], key, self._clock.now(), {**payload, "delayed": True})
        return True

    async def _guild_of_payload(self, payload: dict[str, Any]) -> int | None:
        if "event" in payload:
            return await self._db.fetchval("SELECT guild_id FROM events WHERE id = ?", (payload["event"],))
        return await self._db.fetchval("SELECT guild_id FROM announcements WHERE id = ?", (payload.get("ann"),))

    async def skip_missed(self, key: str, guild_id: int) -> bool:
        """"Skip" after a missed post: it stays unsent (state cancelled) and the organizers' note says so."""
        row = await self._db.fetchone("SELECT payload, state FROM scheduled_jobs WHERE key = ?", (key,))
        if row is None or row["state"] not in ("missed", "failed"):
            return False
        if await self._guild_of_payload(json.loads(row["payload"])) != guild_id:
            return False
        await self._db.execute("UPDATE scheduled_jobs SET state = 'cancelled' WHERE key = ?", (key,))
        return True

    # ----- posts ---------------------------------------------------------------------------------
    async def ensure_post(self, event_id: int, occurrence: str, channel_id: int | None) -> Post:
        """The post row of an occurrence, created with its idempotency key on first use."""
        key = send_key(planning.announce_key(event_id, occurrence))
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO event_posts(event_id, occurrence, channel_id, nonce) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(event_id, occurrence) DO NOTHING",
                (event_id, occurrence, channel_id, key),
            )
            row = await tx.fetchone("SELECT * FROM event_posts WHERE event_id = ? AND occurrence = ?",
                                    (event_id, occurrence))
        assert row is not None
        return post_from_row(row)

    async def record_posted(self, post_id: int, channel_id: int, message_id: int, late: bool) -> None:
        """Discord confirmed the announcement message."""
        await self._db.execute(
            "UPDATE event_posts SET channel_id = ?, message_id = ?, posted_at = ?, late = ? WHERE id = ?",
            (channel_id, message_id, to_db(self._clock.now()), int(late), post_id),
        )

    async def post(self, post_id: int) -> Post | None:
        """A post by id."""
        row = await self._db.fetchone("SELECT * FROM event_posts WHERE id = ?", (post_id,))
        return None if row is None else post_from_row(row)

    async def posted(self, event_id: int, *, future_only: bool = True) -> list[Post]:
        """The event's posted announcements (of occurrences not yet over)."""
        rows = await self._db.fetchall(
            "SELECT * FROM event_posts WHERE event_id = ? AND message_id IS NOT NULL ORDER BY occurrence", (event_id,)
        )
        posts = [post_from_row(r) for r in rows]
        if not future_only:
            return posts
        now = self._clock.now()
        event_row = await self._db.fetchone("SELECT * FROM events WHERE id = ?", (event_id,))
        if event_row is None:
            return []
        event = event_from_row(event_row)
        return [p for p in posts
                if self.occurrence_of(event, p.occurrence).at + timedelta(minutes=event.duration_minutes) > now]

    # ----- RSVP ----------------------------------------------------------------------------------
    async def counts(self, event_id: int, occurrence: str) -> Counts:
        """How many are going, maybe, can't, waiting."""
        rows = await self._db.fetchall(
            "SELECT status, COUNT(*) AS n FROM event_rsvps WHERE event_id = ? AND occurrence = ? GROUP BY status",
            (event_id, occurrence),
        )
        return Counts(**{r["status"]: r["n"] for r in rows})

    async def rsvp(self, post_id: int, guild_id: int, user_id: int, choice: str) -> RsvpOutcome:
        """Record an answer; with a capacity, a full event puts "going" on the waiting list, and a freed
        place goes to the first person waiting (returned in `promoted`)."""
        if choice not in RSVP_CHOICES:
            raise UserError(N_("That answer is not one I know."))
        now = self._clock.now()
        post = await self.post(post_id)
        if post is None:
            raise UserError(N_("This event no longer exists."))
        event = await self.get(post.event_id, guild_id)
        if event.status != "active":
            raise UserError(N_("This event is cancelled."))
        occ = self.occurrence_of(event, post.occurrence)
        if occ.at + timedelta(minutes=event.duration_minutes) <= now:
            raise UserError(N_("This event is already over."))
        promoted: list[int] = []
        async with self._db.transaction() as tx:
            if parse_local(post.occurrence) in await load_skips(tx, event.id):
                raise UserError(N_("This date of the event is cancelled."))
            previous = await tx.fetchval(
                "SELECT status FROM event_rsvps WHERE event_id = ? AND occurrence = ? AND user_id = ?",
                (event.id, post.occurrence, user_id))
            status = choice
            if choice == "going" and previous in ("going", "waiting"):
                status = previous
            elif choice == "going" and event.capacity is not None:
                going = await tx.fetchval(
                    "SELECT COUNT(*) FROM event_rsvps WHERE event_id = ? AND occurrence = ? AND status = 'going'",
                    (event.id, post.occurrence))
                if going >= event.capacity:
                    status = "waiting"
            if status != previous:
                await self._set_status(tx, event.id, post.occurrence, user_id, status, now)
            if previous == "going" and status != "going":
                promoted = await self._promote(tx, event, post.occurrence, now)
            position = 0
            if status == "waiting":
                position = await tx.fetchval(
                    "SELECT COUNT(*) FROM event_rsvps WHERE event_id = ? AND occurrence = ? AND status = 'waiting' "
                    "AND seq <= (SELECT seq FROM event_rsvps WHERE event_id = ? AND occurrence = ? AND user_id = ?)",
                    (event.id, post.occurrence, event.id, post.occurrence, user_id))
        if promoted:
            await self._jobs.notify_changed()
        return RsvpOutcome(event, post.occurrence, status, position, tuple(promoted),
                           await self.counts(event.id, post.occurrence))

    @staticmethod
    async def _set_status(tx: Tx, event_id: int, occurrence: str, user_id: int, status: str, now: datetime) -> None:
        await tx.execute(
            "INSERT INTO event_rsvps(event_id, occurrence, user_id, status, seq, updated_at) "
            "VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM event_rsvps), ?) "
            "ON CONFLICT(event_id, occurrence, user_id) DO UPDATE SET status = excluded.status, "
            "seq = excluded.seq, updated_at = excluded.updated_at",
            (event_id, occurrence, user_id, status, to_db(now)))

    async def _promote(self, tx: Tx, event: Event, occurrence: str, now: datetime) -> list[int]:
        if event.capacity is None:
            return []
        going = await tx.fetchval(
            "SELECT COUNT(*) FROM event_rsvps WHERE event_id = ? AND occurrence = ? AND status = 'going'",
            (event.id, occurrence))
        free = event.capacity - going
        if free <= 0:
            return []
        rows = await tx.fetchall(
            "SELECT user_id FROM event_rsvps WHERE event_id = ? AND occurrence = ? AND status = 'waiting' "
            "ORDER BY seq LIMIT ?", (event.id, occurrence, free))
        for row in rows:
            user_id = row["user_id"]
            await self._set_status(tx, event.id, occurrence, user_id, "going", now)
            seq = await tx.fetchval("SELECT seq FROM event_rsvps WHERE event_id = ? AND occurrence = ? AND user_id = ?",
                                    (event.id, occurrence, user_id))
            # The notice is planned with the promotion, so a crash before the DM cannot lose it.
            payload = {"event": event.id, "occ": occurrence, "user": user_id}
            await self._jobs.schedule(planning.PROMOTED, planning.promoted_key(event.id, occurrence, user_id, seq),
                                      now + NOTICE_SAFETY_DELAY, payload, tx=tx)
        return [r["user_id"] for r in rows]

    async def member_left(self, guild_id: int, user_id: int) -> int:
        """A member left the server: their answers to dates still ahead go, and the places they held go to
        the waiting list (the `events.refill` job, planned in the same transaction). Past answers stay
        until the member is forgotten. Returns how many answers went."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT r.event_id, r.occurrence, r.status, r.seq FROM event_rsvps r "
                "JOIN events e ON e.id = r.event_id WHERE r.user_id = ? AND e.guild_id = ? AND e.status = 'active'",
                (user_id, guild_id))
            gone = 0
            for row in rows:
                event = await load_event(tx, row["event_id"])
                assert event is not None
                occ = self.occurrence_of(event, row["occurrence"])
                if occ.at + timedelta(minutes=event.duration_minutes) <= now:
                    continue
                gone += await tx.execute(
                    "DELETE FROM event_rsvps WHERE event_id = ? AND occurrence = ? AND user_id = ?",
                    (row["event_id"], row["occurrence"], user_id))
                # The refill also redraws the announcement's counts (a 'maybe' or a waiting place went too).
                await self._jobs.schedule(
                    planning.REFILL, planning.refill_key(row["event_id"], row["occurrence"], row["seq"]), now,
                    {"event": row["event_id"], "occ": row["occurrence"]}, tx=tx)
        if gone:
            await self._jobs.notify_changed()
        return gone

    async def pending_notices(self, event_id: int, occurrence: str, user_id: int) -> list[str]:
        """Keys of the member's promotion notices for this occurrence not yet handled."""
        prefix = planning.promoted_prefix(event_id, occurrence, user_id)
        rows = await self._db.fetchall(
            "SELECT key FROM scheduled_jobs WHERE key >= ? AND key < ? AND state = 'pending' ORDER BY id",
            (prefix, prefix + "\uffff"))
        return [r["key"] for r in rows]

    async def is_pending(self, key: str) -> bool:
        """Whether a planned notice still waits to be delivered."""
        return await self._jobs.state_of(key) == "pending"

    async def notice_handled(self, key: str) -> None:
        """The notice was delivered (or needs none) right away: its safety-net job is not needed."""
        await self._jobs.cancel(key)

    async def status_of(self, event_id: int, occurrence: str, user_id: int) -> str | None:
        """The member's answer for one occurrence (None: none)."""
        return await self._db.fetchval(
            "SELECT status FROM event_rsvps WHERE event_id = ? AND occurrence = ? AND user_id = ?",
            (event_id, occurrence, user_id))

    async def refill(self, event_id: int, occurrence: str) -> tuple[Event | None, list[int]]:
        """Give freed places of an occurrence to the waiting list (after a deletion). Idempotent."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            event = await load_event(tx, event_id)
            if event is None or event.status != "active":
                return event, []
            if parse_local(occurrence) in await load_skips(tx, event_id):
                return event, []
            occ = self.occurrence_of(event, occurrence)
            if occ.at + timedelta(minutes=event.duration_minutes) <= now:
                return event, []
            promoted = await self._promote(tx, event, occurrence, now)
        if promoted:
            await self._jobs.notify_changed()
        return event, promoted

    async def attendees(self, event_id: int, occurrence: str) -> dict[str, list[int]]:
        """User ids by answer, the waiting list in its order."""
        rows = await self._db.fetchall(
            "SELECT user_id, status FROM event_rsvps WHERE event_id = ? AND occurrence = ? ORDER BY seq",
            (event_id, occurrence))
        result: dict[str, list[int]] = {"going": [], "maybe": [], "cant": [], "waiting": []}
        for row in rows:
            result[row["status"]].append(row["user_id"])
        return result

    async def mine(self, guild_id: int, user_id: int) -> list[MineItem]:
        """The member's answers for occurrences not yet over (not "can't")."""
        rows = await self._db.fetchall(
            "SELECT r.occurrence, r.status, (SELECT COUNT(*) FROM event_rsvps w WHERE w.event_id = r.event_id "
            "AND w.occurrence = r.occurrence AND w.status = 'waiting' AND w.seq <= r.seq) AS position, e.* "
            "FROM event_rsvps r JOIN events e ON e.id = r.event_id "
            "WHERE r.user_id = ? AND e.guild_id = ? AND e.status = 'active' AND r.status != 'cant'",
            (user_id, guild_id))
        now = self._clock.now()
        items = []
        for row in rows:
            event = event_from_row(row)
            occ = self.occurrence_of(event, row["occurrence"])
            if occ.at + timedelta(minutes=event.duration_minutes) > now:
                items.append(MineItem(event, occ, row["status"],
                                      int(row["position"]) if row["status"] == "waiting" else 0))
        items.sort(key=lambda item: item.occurrence.at)
        return items

    # ----- reminders -----------------------------------------------------------------------------
    async def reminder_targets(self, event_id: int, occurrence: str, minutes: int) -> list[int]:
        """Members going who have not had this reminder and did not turn reminders off."""
        rows = await self._db.fetchall(
            "SELECT r.user_id FROM event_rsvps r LEFT JOIN event_member_settings s ON s.user_id = r.user_id "
            "WHERE r.event_id = ? AND r.occurrence = ? AND r.status = 'going' AND COALESCE(s.reminders, 1) = 1 "
            "AND NOT EXISTS (SELECT 1 FROM event_reminder_log l WHERE l.event_id = r.event_id "
            "AND l.occurrence = r.occurrence AND l.minutes = ? AND l.user_id = r.user_id) ORDER BY r.seq",
            (event_id, occurrence, minutes))
        return [r["user_id"] for r in rows]

    async def log_reminder(self, event_id: int, occurrence: str, minutes: int, user_id: int, outcome: str) -> None:
        """Remember that this member's reminder was handled (sent, dms_closed, not_allowed)."""
        await self._db.execute(
            "INSERT OR REPLACE INTO event_reminder_log(event_id, occurrence, minutes, user_id, outcome) "
            "VALUES (?, ?, ?, ?, ?)", (event_id, occurrence, minutes, user_id, outcome))

    async def reminders_enabled(self, user_id: int) -> bool:
        """Whether the member wants reminders (the default is yes)."""
        value = await self._db.fetchval("SELECT reminders FROM event_member_settings WHERE user_id = ?", (user_id,))
        return value is None or bool(value)

    async def post_of(self, event_id: int, occurrence: str) -> Post | None:
        """The posted announcement of one occurrence, if it was posted."""
        row = await self._db.fetchone("SELECT * FROM event_posts WHERE event_id = ? AND occurrence = ? "
                                      "AND message_id IS NOT NULL", (event_id, occurrence))
        return None if row is None else post_from_row(row)

    async def set_reminders(self, user_id: int, enabled: bool) -> None:
        """The member's own choice: reminders for events they are going to, or none."""
        await self._db.execute(
            "INSERT INTO event_member_settings(user_id, reminders, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET reminders = excluded.reminders, updated_at = excluded.updated_at",
            (user_id, int(enabled), to_db(self._clock.now())))

    # ----- changing ------------------------------------------------------------------------------
    async def translate(self, event_id: int, guild_id: int, language: str, title: str, description: str) -> Event:
        """Store the title and description in another language."""
        event = await self.get(event_id, guild_id)
        title = _title(title)
        await self._db.execute(
            "INSERT INTO event_texts(event_id, language, title, description) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(event_id, language) DO UPDATE SET title = excluded.title, description = excluded.description",
            (event.id, language, title, _description(description)))
        return event

    async def edit(self, event_id: int, guild_id: int, changes: EventChanges) -> EditOutcome:
        """Change an event; moved occurrences keep their RSVPs and posts (n-th future date to n-th)."""
        event = await self.get(event_id, guild_id)
        if event.status != "active":
            raise UserError(N_("This event is cancelled."))
        now = self._clock.now()
        sets: dict[str, Any] = {}
        if changes.title is not None:
            sets["title"] = _title(changes.title, required=False) or event.title
        if changes.description is not None:
            sets["description"] = _description(changes.description)
        if changes.place is not None:
            sets["place"] = _place(changes.place)
        if changes.duration_minutes is not None:
            sets["duration_minutes"] = changes.duration_minutes
        if changes.capacity is not None:
            sets["capacity"] = changes.capacity or None
        moved = changes.date_text is not None or changes.time_text is not None
        if moved:
            date_text = changes.date_text or event.start_local.date().isoformat()
            time_text = changes.time_text or event.start_local.strftime("%H:%M")
            start, fold = self._start(date_text, time_text, changes.fold, now)
            sets["start_local"], sets["fold"] = format_local(start), fold
        if not sets:
            return EditOutcome(event, tuple(await self.posted(event.id)), False)
        old_future = await self.next_occurrences(event, after=now, limit=60)
        sets["updated_at"] = to_db(now)
        promoted: list[tuple[int, str]] = []
        # One transaction: the change, the moved answers, the promotions a raised capacity allows and the
        # follow-ups (posts shown again, the Discord event updated) are stored together or not at all.
        async with self._db.transaction() as tx:
            assignments = ", ".join(f"{name} = ?" for name in sets)
            await tx.execute(f"UPDATE events SET {assignments} WHERE id = ?", (*sets.values(), event.id))
            updated = await load_event(tx, event.id)
            assert updated is not None
            if moved:
                await self._jobs.cancel(planning.event_prefix(event.id), prefix=True, tx=tx)
                skips = await load_skips(tx, event.id)
                new_future = occurrences(updated.rule(skips), self.zone, after=now, limit=len(old_future) or 1)
                pairs = [(format_local(o.local), format_local(n.local)) for o, n in zip(old_future, new_future,
                                                                                        strict=False)]
                # Two steps so that swapping occurrences never collides on the unique keys.
                for old, new in pairs:
                    for table in ("event_posts", "event_rsvps", "event_reminder_log"):
                        await tx.execute(f"UPDATE {table} SET occurrence = ? WHERE event_id = ? AND occurrence = ?",
                                         ("~" + new, event.id, old))
                for table in ("event_posts", "event_rsvps", "event_reminder_log"):
                    await tx.execute(f"UPDATE {table} SET occurrence = substr(occurrence, 2) "
                                     "WHERE event_id = ? AND occurrence LIKE '~%'", (event.id,))
                await tx.execute("DELETE FROM scheduled_jobs WHERE state = 'cancelled' AND key >= ? AND key < ?",
                                 (planning.event_prefix(event.id), planning.event_prefix(event.id) + "\uffff"))
            if changes.capacity is not None:
                promoted = await self._promote_ahead(tx, updated, now)
            if await tx.fetchval("SELECT 1 FROM event_posts WHERE event_id = ? AND message_id IS NOT NULL LIMIT 1",
                                 (event.id,)):
                await self._plan_change(tx, planning.REFRESH, planning.refresh_prefix(event.id), now,
                                        {"event": event.id})
            if updated.mirror:
                await self._plan_change(tx, planning.MIRROR, planning.mirror_prefix(event.id), now,
                                        {"event": event.id})
        if moved or changes.capacity is not None:
            await self.plan(event.id)
        else:
            await self._jobs.notify_changed()
        return EditOutcome(updated, tuple(await self.posted(event.id)), moved, tuple(promoted))

    async def _promote_ahead(self, tx: Tx, event: Event, now: datetime) -> list[tuple[int, str]]:
        """After a raised capacity: the waiting lists of dates not over and not cancelled move up."""
        rows = await tx.fetchall(
            "SELECT DISTINCT occurrence FROM event_rsvps WHERE event_id = ? AND status = 'waiting' ORDER BY occurrence",
            (event.id,))
        skips = await load_skips(tx, event.id)
        promoted: list[tuple[int, str]] = []
        for row in rows:
            occurrence = row["occurrence"]
            if parse_local(occurrence) in skips:
                continue
            if self.occurrence_of(event, occurrence).at + timedelta(minutes=event.duration_minutes) <= now:
                continue  # a date already over: nobody is told "a place freed up" for it
            promoted += [(user_id, occurrence) for user_id in await self._promote(tx, event, occurrence, now)]
        return promoted

    async def cancel(self, event_id: int, guild_id: int, date_text: str | None) -> CancelOutcome:
        """Cancel the whole event, or one date of it. Returns whom to tell and which posts to update."""
        event = await self.get(event_id, guild_id)
        if event.status != "active":
            raise UserError(N_("This event is cancelled."))
        now = self._clock.now()
        future = await self.next_occurrences(event, after=now, limit=500)
        if date_text:
            day = parse_date(date_text, now.astimezone(self.zone).date())
            chosen = [o for o in future if o.local.date() == day]
            if not chosen:
                raise UserError(N_("The event does not take place on {date}."), date=day.isoformat())
        else:
            chosen = future
        locals_ = [format_local(o.local) for o in chosen]
        async with self._db.transaction() as tx:
            if date_text:
                for local in locals_:
                    await tx.execute("INSERT OR IGNORE INTO event_skips(event_id, occurrence) VALUES (?, ?)",
                                     (event.id, local))
                    await self._jobs.cancel(planning.announce_key(event.id, local), tx=tx)
                    for minutes in event.reminders:
                        await self._jobs.cancel(planning.remind_key(event.id, local, minutes), tx=tx)
            else:
                await tx.execute("UPDATE events SET status = 'cancelled', updated_at = ? WHERE id = ?",
                                 (to_db(now), event.id))
                await self._jobs.cancel(planning.event_prefix(event.id), prefix=True, tx=tx)
            # Two statements whatever the number of dates (a weekly event has hundreds ahead).
            chosen_locals = set(locals_)
            rows = await tx.fetchall(
                "SELECT user_id, occurrence FROM event_rsvps WHERE event_id = ? "
                "AND status IN ('going', 'maybe', 'waiting') ORDER BY occurrence, seq", (event.id,))
            people: list[tuple[int, str]] = [(r["user_id"], r["occurrence"]) for r in rows
                                             if r["occurrence"] in chosen_locals]
            rows = await tx.fetchall("SELECT * FROM event_posts WHERE event_id = ? AND message_id IS NOT NULL "
                                     "ORDER BY occurrence", (event.id,))
            posts: list[Post] = [post_from_row(r) for r in rows if r["occurrence"] in chosen_locals]
            # What must reach people is planned in the same transaction: the cog delivers it right away,
            # and these rows deliver it after a crash (each send carries an idempotency key).
            later = now + NOTICE_SAFETY_DELAY
            for user_id, local in people:
                await self._jobs.schedule(planning.CANCEL_NOTICE, planning.cancel_notice_key(event.id, local, user_id),
                                          later, {"event": event.id, "occ": local, "user": user_id}, tx=tx)
            for post in posts:
                await self._jobs.schedule(planning.CANCEL_POST, planning.cancel_post_key(post.id), later,
                                          {"event": event.id, "post": post.id}, tx=tx)
            if event.mirror:  # the Discord event is deleted, or moved to the next date still on
                await self._plan_change(tx, planning.MIRROR, planning.mirror_prefix(event.id), now,
                                        {"event": event.id})
        await self._jobs.notify_changed()
        updated = await self.get(event.id, guild_id)
        return CancelOutcome(updated, tuple(locals_), tuple(people), tuple(posts))

    async def is_skipped(self, event_id: int, occurrence: str) -> bool:
        """Whether this date of the event was cancelled."""
        return bool(await self._db.fetchval(
            "SELECT 1 FROM event_skips WHERE event_id = ? AND occurrence = ?", (event_id, occurrence)))

    # ----- free announcements --------------------------------------------------------------------
    async def create_announcement(self, guild_id: int, user_id: int, channel_id: int, date_text: str,
                                  time_text: str, language: str, body: str, *, fold: int | None = None,
                                  repeat: str = "none", until_text: str | None = None) -> Announcement:
        """Store and plan a free announcement (once or repeating), in one transaction.

        The same announcement again (same channel, time, repetition and text, still active) is not stored
        twice: an organizer who saw no confirmation (a restart came in between) simply runs the command again.
        """
        now = self._clock.now()
        body = _announcement_text(body)
        start, fold_used = self._start(date_text, time_text, fold, now)
        if repeat not in REPEATS:
            raise UserError(N_("I do not know that kind of repetition."))
        until = parse_date(until_text, start.date()) if until_text else None
        if until is not None:
            check_within_reach(until, now.astimezone(self.zone).date())
        if until is not None and until < start.date():
            raise UserError(N_("The repetition must end after the first date."))
        until_text = until.isoformat() if until else None
        async with self._db.transaction() as tx:
            ann_id = await tx.fetchval(
                "SELECT a.id FROM announcements a JOIN announcement_texts t ON t.announcement_id = a.id "
                "AND t.position = 0 WHERE a.guild_id = ? AND a.channel_id = ? AND a.start_local = ? AND a.fold = ? "
                "AND a.repeat = ? AND a.until_date IS ? AND a.status = 'active' AND t.language = ? AND t.body = ? "
                "ORDER BY a.id LIMIT 1",
                (guild_id, channel_id, format_local(start), fold_used, repeat, until_text, language, body))
            if ann_id is None:
                ann_id = await tx.execute(
                    "INSERT INTO announcements(guild_id, channel_id, start_local, fold, zone, repeat, until_date, "
                    "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (guild_id, channel_id, format_local(start), fold_used, self.zone.key, repeat, until_text, user_id,
                     to_db(now)))
                await tx.execute("INSERT INTO announcement_texts(announcement_id, language, body, position) "
                                 "VALUES (?, ?, ?, 0)", (ann_id, language, body))
                ann = await load_announcement(tx, ann_id)
                assert ann is not None
                await self._plan_announcement_tx(tx, ann, {}, now)
        await self._jobs.notify_changed()
        return await self.announcement(ann_id, guild_id)

    async def announcement(self, announcement_id: int, guild_id: int) -> Announcement:
        """A free announcement of this guild."""
        async with self._db.read() as tx:
            ann = await load_announcement(tx, announcement_id)
        if ann is None or ann.guild_id != guild_id:
            raise UserError(N_("There is no announcement number {id}."), id=announcement_id)
        return ann

    def first_time(self, ann: Announcement) -> datetime:
        """When a free announcement is posted first."""
        return occurrences(ann.rule(), self.zone, limit=1)[0].at

    async def add_announcement_text(self, announcement_id: int, guild_id: int, language: str, body: str) -> None:
        """Add (or replace) the announcement's text in another language."""
        ann = await self.announcement(announcement_id, guild_id)
        body = _announcement_text(body)
        total = sum(len(text) for lang, text in ann.texts if lang != language) + len(body)
        if total > MAX_ANNOUNCEMENT:
            raise UserError(N_("This text is too long: at most {limit} characters, please."), limit=MAX_ANNOUNCEMENT)
        await self._db.execute(
            "INSERT INTO announcement_texts(announcement_id, language, body, position) VALUES (?, ?, ?, "
            "(SELECT COALESCE(MAX(position), 0) + 1 FROM announcement_texts WHERE announcement_id = ?)) "
            "ON CONFLICT(announcement_id, language) DO UPDATE SET body = excluded.body",
            (ann.id, language, body, ann.id))

    async def list_announcements(self, guild_id: int) -> list[tuple[Announcement, Occurrence | None]]:
        """Active announcements with their next posting."""
        rows = await self._db.fetchall(
            "SELECT id FROM announcements WHERE guild_id = ? AND status = 'active' ORDER BY id", (guild_id,))
        result = []
        for row in rows:
            ann = await self.announcement(row["id"], guild_id)
            nxt = occurrences(ann.rule(), self.zone, after=self._clock.now(), limit=1)
            result.append((ann, nxt[0] if nxt else None))
        return result

    async def cancel_announcement(self, announcement_id: int, guild_id: int) -> Announcement:
        """Stop a free announcement (already posted messages stay)."""
        ann = await self.announcement(announcement_id, guild_id)
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE announcements SET status = 'cancelled' WHERE id = ?", (ann.id,))
            await self._jobs.cancel(f"announce:{ann.id}:", prefix=True, tx=tx)
        await self._jobs.notify_changed()
        return ann

    async def plan_announcement(self, announcement_id: int) -> int:
        """Plan the postings of a free announcement within the horizon (idempotent)."""
        now = self._clock.now()
        async with self._db.read() as tx:
            ann = await load_announcement(tx, announcement_id)
            states = {r["key"]: r["state"] for r in await tx.fetchall(
                "SELECT key, state FROM scheduled_jobs WHERE key >= ? AND key < ?",
                (f"announce:{announcement_id}:", f"announce:{announcement_id}:\uffff"))}
        if ann is None or ann.status != "active":
            return 0
        async with self._db.transaction() as tx:
            planned = await self._plan_announcement_tx(tx, ann, states, now)
        await self._jobs.notify_changed()
        return planned

    async def _plan_announcement_tx(self, tx: Tx, ann: Announcement, states: dict[str, str], now: datetime) -> int:
        occs = occurrences(ann.rule(), self.zone, after=now - timedelta(seconds=1), until=now + planning.HORIZON,
                           limit=60) or occurrences(ann.rule(), self.zone, after=now, limit=1)
        planned = 0
        for occ in occs:
            local = format_local(occ.local)
            key = planning.free_post_key(ann.id, local)
            if states.get(key) in (None, "pending"):
                await self._jobs.schedule(planning.FREE_POST, key, occ.at, {"ann": ann.id, "occ": local}, tx=tx)
                planned += 1
        return planned

    async def ensure_free_post(self, announcement_id: int, occurrence: str) -> tuple[int | None, str]:
        """(message id if already posted, idempotency key) of one posting."""
        key = send_key(planning.free_post_key(announcement_id, occurrence))
        async with self._db.transaction() as tx:
            await tx.execute("INSERT OR IGNORE INTO announcement_posts(announcement_id, occurrence, nonce) "
                             "VALUES (?, ?, ?)", (announcement_id, occurrence, key))
            message_id = await tx.fetchval("SELECT message_id FROM announcement_posts WHERE announcement_id = ? "
                                           "AND occurrence = ?", (announcement_id, occurrence))
        return message_id, key

    async def record_free_post(self, announcement_id: int, occurrence: str, message_id: int) -> None:
        """Discord confirmed the posting."""
        await self._db.execute(
            "UPDATE announcement_posts SET message_id = ?, posted_at = ? WHERE announcement_id = ? AND occurrence = ?",
            (message_id, to_db(self._clock.now()), announcement_id, occurrence))

    # ----- privacy -------------------------------------------------------------------------------
    def privacy_section(self) -> PrivacySection:
        """RSVPs, the reminders sent and the member's reminder setting."""

        async def export(tx: Tx, user_id: int) -> dict[str, Any] | None:
            rsvps = await tx.fetchall(
                "SELECT r.event_id, e.title, r.occurrence, r.status, r.updated_at FROM event_rsvps r "
                "JOIN events e ON e.id = r.event_id WHERE r.user_id = ? ORDER BY r.occurrence", (user_id,))
            reminders = await tx.fetchall(
                "SELECT event_id, occurrence, minutes, outcome FROM event_reminder_log WHERE user_id = ?", (user_id,))
            setting = await tx.fetchone("SELECT reminders, updated_at FROM event_member_settings WHERE user_id = ?",
                                        (user_id,))
            if not rsvps and not reminders and setting is None:
                return None
            data: dict[str, Any] = {
                "answers": [dict(r) for r in rsvps],
                "reminders_handled": [dict(r) for r in reminders],
            }
            if setting is not None:
                data["reminders_enabled"] = bool(setting["reminders"])
                data["reminders_setting_updated_at"] = setting["updated_at"]
            return data

        async def delete(tx: Tx, user_id: int) -> None:
            # A place the member held goes to the waiting list: planned here, in the deletion's own
            # transaction, and done by the `events.refill` job right after it (never inside it).
            now = self._clock.now()
            held = await tx.fetchall(
                "SELECT r.event_id, r.occurrence, r.seq FROM event_rsvps r JOIN events e ON e.id = r.event_id "
                "WHERE r.user_id = ? AND r.status = 'going' AND e.status = 'active'", (user_id,))
            for row in held:
                await self._jobs.schedule(planning.REFILL, planning.refill_key(row["event_id"], row["occurrence"],
                                                                               row["seq"]),
                                          now, {"event": row["event_id"], "occ": row["occurrence"]}, tx=tx)
            await tx.execute("DELETE FROM event_rsvps WHERE user_id = ?", (user_id,))
            await tx.execute("DELETE FROM event_reminder_log WHERE user_id = ?", (user_id,))
            await tx.execute("DELETE FROM event_member_settings WHERE user_id = ?", (user_id,))

        async def after_delete(user_id: int) -> None:
            # Committed now: the planned refills are due, so the scheduler must look again.
            await self._jobs.notify_changed()

        return PrivacySection(
            key="events",
            title=N_("Events"),
            description=N_("Your answers (going, maybe, can't, waiting list) to events, which reminders you got, "
                           "and whether you want reminders."),
            export=export,
            delete=delete,
            after_delete=after_delete,
        )


def parse_fold(value: str | None) -> int | None:
    """The `fold` option: "first"/"second" (or 0/1) to a fold, None when not given."""
    if value is None:
        return None
    return 1 if value.strip().lower() in ("1", "second", "andra", "winter") else 0


def start_text(day: date, clock: time) -> tuple[str, str]:
    """A date and time as texts the parser reads (for edits that keep one of them)."""
    return day.isoformat(), clock.strftime("%H:%M")


__all__: Sequence[str] = ("CancelOutcome", "Counts", "EditOutcome", "EventChanges", "EventDraft", "EventsService",
                          "MineItem", "RsvpOutcome", "parse_fold")
