"""Events' posts written once for every platform: announcements, free posts, their marks and redraws,
the notes to organizers about posts that could not go out, and the platform calendar's mirror.

Scheduled posts are `services.jobs` rows; their handlers send with an idempotency key derived from
the job key (`send_key`) and store the message id, so a crash between claim and send, or a re-run at
start, never posts twice. A missing place or permission and a post missed during downtime are
reported to the organizers (`places.ORGANIZERS`) with "Post now" / "Skip" controls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.core import places
from bot.core.access import Capability
from bot.core.commands import STAFF_NAMES
from bot.core.conversation import (
    Action,
    Button,
    Card,
    Control,
    Conversation,
    Delivery,
    Exchange,
    Message,
    MessageRef,
    Parts,
    PlaceRef,
    Plain,
    Said,
    Style,
    Text,
)
from bot.core.errors import NotAllowed, UserError
from bot.core.flows import Answer
from bot.core.i18n import N_, Translator
from bot.core.jobs import Job, RetryLater
from bot.core.languages import LANGUAGES
from bot.core.outbox import send_key
from bot.core.services import Services
from bot.features.events import planning
from bot.features.events.mirror import Calendar, CalendarEntry, Synced
from bot.features.events.recurrence import Occurrence
from bot.features.events.repository import Event, Post
from bot.features.events.service import Counts, EventsService

log = logging.getLogger(__name__)

#: A post that meets platform errors is tried this many times (a minute apart), then organizers are asked.
POST_ATTEMPTS = 8
#: A mirror update the platform did not take is tried this many times, waiting longer each time (about 8 hours).
MIRROR_ATTEMPTS = 12
#: How the answers read on a post: an icon everyone can read, then the word in the post's languages.
ICONS = {"going": "✅", "maybe": "❔", "cant": "❌", "show": "🌐"}
ANSWER_WORDS = {"going": N_("Going"), "maybe": N_("Maybe"), "cant": N_("Can't"), "show": N_("In my language")}
#: A button's words in several languages are kept this short (else the post's own language only).
LABEL_WORDS = 40
STAFF_ONLY = N_("Sorry, only {roles} can do this.")


def _stored(value: int | str) -> int:
    """An id as the database keeps it (a number where the platform's ids are numbers, else its text)."""
    return int(value) if isinstance(value, int) or value.isdigit() else value  # type: ignore[return-value]


class PostUndeliverable(Exception):
    """The place is gone or the bot may not post there; the organizers were told."""


def when_text(t: Translator, parts: Parts, at_: Occurrence, duration_minutes: int) -> str:
    """The moment (shown in each reader's own zone) and the Norsjö time line in `t`'s language."""
    end = at_.at + timedelta(minutes=duration_minutes)
    return (f"{parts.moment(at_.at, 'full', t.datetime(at_.at, 'short'))} ({parts.moment(at_.at, 'relative')})\n"
            + t._("Norsjö time: {when}", when=t.when(at_.at, end)))


def event_card(t: Translator, event: Event, title: str, description: str, occ: Occurrence, counts: Counts | None,
               *, late: bool = False, cancelled: bool = False) -> Card:
    """The announcement of one occurrence in one language."""
    parts = Parts()
    heading = parts.text(t._("Cancelled: {title}", title=parts.said(title)) if cancelled else parts.said(title))
    fields: list[tuple[str, Text]] = [(t._("When"), parts.text(when_text(t, parts, occ, event.duration_minutes)))]
    if event.place:
        fields.append((t._("Where"), Text((Said(event.place),))))
    if event.capacity is not None and counts is not None:
        free = max(event.capacity - counts.going, 0)
        value = t.n_("{n} place left", "{n} places left", free)
        if counts.waiting:
            value += "\n" + t.n_("{n} person on the waiting list", "{n} people on the waiting list", counts.waiting)
        fields.append((t._("Places"), Text.plain(value)))
    footer = t._("Event {id}", id=event.id)
    if late:
        footer += " · " + t._("Posted late: the bot was offline at the planned time.")
    return Card(heading, Text((Said(description),)) if description else Text(), tuple(fields), footer)


def label(translators: list[Translator], what: str, count: int | None = None) -> str:
    """A button's label: its icon, its word in the post's languages (or the first one when too long), a count."""
    words = list(dict.fromkeys(t._(ANSWER_WORDS[what]) for t in translators))
    text = " / ".join(words)
    if len(text) > LABEL_WORDS:
        text = words[0]
    shown = f"{ICONS[what]} {text}"
    return shown if count is None else f"{shown} · {count}"


def rsvp_controls(translators: list[Translator], post_id: int, counts: Counts | None, *,
                  show: bool = True) -> tuple[Control, ...]:
    """Going / Maybe / Can't (with their counts when given) and "in my language". On the post itself the
    action is `rsvp` (pressed only there); elsewhere (`counts` None: the translated view, a reminder) `answer`."""
    styles = {"going": Style.SUCCESS, "maybe": Style.SECONDARY, "cant": Style.SECONDARY}
    name = "rsvp" if counts is not None else "answer"
    controls: list[Control] = [
        Button(Action("events", name, (str(post_id), choice)),
               label(translators, choice, None if counts is None else getattr(counts, choice)), styles[choice])
        for choice in ("going", "maybe", "cant")]
    if show:
        controls.append(Button(Action("events", "show", (str(post_id),)), label(translators, "show"), Style.PRIMARY))
    return tuple(controls)


def late_controls(t: Translator, key: str) -> tuple[Control, ...]:
    """"Post now" / "Skip" under a note to organizers (the job key in the action)."""
    return (Button(Action("events", "late", ("now", *key.split(":"))), t._("Post now"), Style.PRIMARY),
            Button(Action("events", "late", ("skip", *key.split(":"))), t._("Skip")))


def render_announcement(texts: tuple[tuple[str, str], ...]) -> Text:
    """One free post with every language's text (each headed by the language's own name when several)."""
    if len(texts) == 1:
        return Text((Said(texts[0][1]),))
    segments: list[Plain | Said] = []
    for index, (code, body) in enumerate(texts):
        name = LANGUAGES[code].native_name if code in LANGUAGES else code
        segments += [Plain(("\n\n" if index else "") + f"{name}\n"), Said(body)]
    return Text(tuple(segments))


class EventPosts:
    """The posts of events and free announcements, over the port."""

    def __init__(self, service: EventsService, services: Services, chat: Conversation,
                 calendar: Calendar | None = None,
                 promoted: Callable[[int, str, int], Awaitable[None]] | None = None) -> None:
        self.service = service
        self.promoted = promoted
        self.services = services
        self.chat = chat
        self.calendar = calendar
        self._redraw: dict[int, bool] = {}  # post id -> asked again while a redraw runs
        self._background: set[asyncio.Task[None]] = set()
        self._mirror_lock = asyncio.Lock()

    async def start(self) -> None:
        """Register the job kinds and the organizers' controls."""
        jobs = self.services.jobs
        grace = timedelta(minutes=self.services.settings.grace_minutes)
        jobs.register(planning.ANNOUNCE, self.run_announce, grace=grace, on_missed=self.missed_post,
                      max_attempts=POST_ATTEMPTS)
        jobs.register(planning.FREE_POST, self.run_free_post, grace=grace, on_missed=self.missed_post,
                      max_attempts=POST_ATTEMPTS)
        jobs.register(planning.REFILL, self.run_refill, grace=timedelta(days=30))
        jobs.register(planning.CANCEL_POST, self.run_cancel_post, grace=timedelta(days=7))
        jobs.register(planning.REFRESH, self.run_refresh, grace=timedelta(days=7))
        # A late mirror update is still right: it shows the event as stored when it runs.
        jobs.register(planning.MIRROR, self.run_mirror, grace=timedelta(days=365), max_attempts=MIRROR_ATTEMPTS)
        self.services.routes.add("events", "late", self.on_late)

    def stop(self) -> None:
        """Stop handling the job kinds (their rows stay planned) and the background redraws."""
        for kind in (planning.ANNOUNCE, planning.FREE_POST, planning.REFILL,
                     planning.CANCEL_POST, planning.REFRESH, planning.MIRROR):
            self.services.jobs.unregister(kind)
        for task in list(self._background):
            task.cancel()

    async def guild_translator(self, guild_id: int) -> Translator:
        """The guild's default language."""
        return self.services.translator(await self.services.guild_language(guild_id))

    async def translators(self, event: Event) -> list[Translator]:
        """The event's language first, then the languages it was translated into."""
        return [self.services.translator(code) for code in await self.service.languages(event)]

    async def tell_organizers(self, guild_id: int, text: Text, controls: tuple[Control, ...] = (), *,
                              key: str | None = None) -> bool:
        """A note to the organizers' place; True when it arrived (a `key` makes a repeat show once)."""
        outcome = await self.chat.notify(guild_id, places.ORGANIZERS, Message(text, controls=controls), key=key)
        if outcome is not Delivery.SENT:
            log.warning("could not reach the organizers of guild %s (%s)", guild_id, outcome)
        return outcome is Delivery.SENT

    # ----- the announcement message ----------------------------------------------------------------
    async def render_post(self, event: Event, post: Post, *, late: bool = False, cancelled: bool = False,
                          counts: Counts | None = None) -> Message:
        """The announcement message of a post, in the event's language (`counts` when just read)."""
        t = self.services.translator(event.language)
        occ = self.service.occurrence_of(event, post.occurrence)
        if counts is None:
            counts = await self.service.counts(event.id, post.occurrence)
        cancelled = cancelled or event.status == "cancelled" or await self.service.is_skipped(event.id,
                                                                                               post.occurrence)
        card = event_card(t, event, event.title, event.description, occ, counts, late=late, cancelled=cancelled)
        controls = () if cancelled else rsvp_controls(await self.translators(event), post.id, counts)
        return Message(card=card, controls=controls)

    def refresh_soon(self, post_id: int) -> None:
        """Redraw a posted announcement's counts, coalescing a burst of requests into few edits.

        While a redraw is under way, further requests only mark the post as changed again; the
        running redraw then goes round once more with the latest counts. The counts are in the
        database, so a redraw lost to a restart is made good by the next answer.
        """
        if post_id in self._redraw:
            self._redraw[post_id] = True
            return
        self._redraw[post_id] = False
        task = asyncio.create_task(self._redraw_post(post_id), name=f"events:redraw-post-{post_id}")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _redraw_post(self, post_id: int) -> None:
        try:
            while True:
                self._redraw[post_id] = False
                post = await self.service.post(post_id)
                if post is None:
                    return
                event = await self.service.event(post.event_id)
                if event is None:
                    return
                await self.refresh_post(event, post)
                if not self._redraw.get(post_id):
                    return
        except Exception:
            log.exception("redrawing announcement post %s failed", post_id)
        finally:
            self._redraw.pop(post_id, None)

    async def refresh_post(self, event: Event, post: Post, *, cancelled: bool = False) -> Delivery:
        """Edit a posted announcement after a change: `SENT`; `GONE`/`CLOSED` when the message or the
        permission is gone (nothing to retry); `FAILED` when the platform was unavailable (worth trying again)."""
        if post.message_id is None or post.channel_id is None:
            return Delivery.GONE
        message = await self.render_post(event, post, cancelled=cancelled)
        outcome = await self.chat.edit(MessageRef(PlaceRef.of(post.channel_id), str(post.message_id)), message)
        if outcome is not Delivery.SENT:
            log.info("announcement of event %s not refreshed (%s)", event.id, outcome)
        return outcome

    async def refresh_now(self, event: Event, posts: tuple[Post, ...]) -> None:
        """Show a change on the posted announcements now; their planned refresh is then not needed (unless
        the platform failed: the planned row tries again)."""
        results = [await self.refresh_post(event, post) for post in posts]
        if Delivery.FAILED not in results:
            for key in await self.service.pending_keys(planning.refresh_prefix(event.id)):
                await self.service.notice_handled(key)

    async def run_refresh(self, job: Job) -> None:
        """The safety net of an edit: the posted announcements show the event as stored."""
        event = await self.service.event(int(job.payload["event"]))
        if event is None:
            return
        results = [await self.refresh_post(event, post) for post in await self.service.posted(event.id)]
        if Delivery.FAILED in results:
            raise RetryLater(timedelta(minutes=2), "the platform was unavailable")

    # ----- scheduled posts ---------------------------------------------------------------------------
    async def run_announce(self, job: Job) -> None:
        """Post one occurrence's announcement, exactly once."""
        event_id, occurrence = int(job.payload["event"]), str(job.payload["occ"])
        event = await self.service.live(event_id, occurrence)
        if event is None:
            return
        place = (PlaceRef.of(event.channel_id) if event.channel_id
                 else await self.chat.locate(event.guild_id, places.ANNOUNCEMENTS))
        post = await self.service.ensure_post(event_id, occurrence, _stored(place.stored) if place else None)
        if post.message_id is None:
            if place is None:
                await self.undeliverable(event.guild_id, job.key, event.title)
            assert place is not None
            late = job.late or bool(job.payload.get("delayed"))
            message = await self.render_post(event, post, late=late)
            ref = await self.send_post(event.guild_id, place, job, event.title, message)
            await self.service.record_posted(post.id, _stored(ref.place.stored), _stored(ref.id), late)
        if event.mirror and await self.sync_mirror(event_id, job.key) is Synced.RETRY:
            await self.service.plan_mirror(event_id)  # tried again through the job queue
        await self.service.plan(event_id)

    async def send_post(self, guild_id: int, place: PlaceRef, job: Job, title: str, message: Message) -> MessageRef:
        """Send with the job's key; tell organizers about a missing place or permission, and about the
        platform failing on every attempt."""
        ref, outcome = await self.chat.publish(guild_id, place, message, key=send_key(job.key))
        if ref is not None:
            return ref
        if outcome is Delivery.CLOSED:
            await self.undeliverable(guild_id, job.key, title)
        if job.attempts < POST_ATTEMPTS:
            raise RetryLater(timedelta(minutes=1), f"the platform answered {outcome}")
        t = await self.guild_translator(guild_id)
        parts = Parts()
        await self.tell_organizers(guild_id, parts.text(t._(
            "I could not post \"{title}\": Discord did not answer properly for several minutes. Please press "
            "\"Post now\" to try again.", title=parts.said(title))), late_controls(t, job.key))
        raise PostUndeliverable(job.key)

    async def undeliverable(self, guild_id: int, key: str, title: str) -> None:
        """Tell organizers plainly, then fail the row (so that "Post now" can plan it again)."""
        t = await self.guild_translator(guild_id)
        parts = Parts()
        await self.tell_organizers(guild_id, parts.text(t._(
            "I could not post \"{title}\": the channel is missing or I am not allowed to write there. "
            "Please check the channel and my permissions, then press \"Post now\".", title=parts.said(title))),
            late_controls(t, key))
        raise PostUndeliverable(key)

    async def missed_post(self, job: Job) -> None:
        """A post found too late after downtime: not posted; organizers choose "Post now" or "Skip"."""
        payload = job.payload
        owner = await self.service.owner_of(payload)
        if owner is None:
            return
        guild_id, title = owner
        t = await self.guild_translator(guild_id)
        parts = Parts()
        short = title if len(title) <= 80 else title[:79] + "…"
        await self.tell_organizers(guild_id, parts.text(t._(
            "The bot was offline when \"{title}\" should have been posted ({when}), and it is now too late to post "
            "it automatically. Post it now, or skip it?", title=parts.said(short),
            when=t.datetime(job.due_at, "short"))), late_controls(t, job.key))
        if "event" in payload:
            await self.service.plan(int(payload["event"]))
        else:
            await self.service.plan_announcement(int(payload["ann"]))

    async def run_free_post(self, job: Job) -> None:
        """Post one free announcement, exactly once."""
        ann_id, occurrence = int(job.payload["ann"]), str(job.payload["occ"])
        try:
            ann = await self.service.announcement(ann_id, await self.service.guild_of_announcement(ann_id))
        except UserError:
            return
        if ann.status != "active":
            return
        message_id, _key = await self.service.ensure_free_post(ann_id, occurrence)
        if message_id is None:
            text = render_announcement(ann.texts)
            if job.late or job.payload.get("delayed"):
                t = await self.guild_translator(ann.guild_id)
                text = text + "\n\n" + t._("Posted late: the bot was offline at the planned time.")
            first = ann.texts[0][1]
            ref = await self.send_post(ann.guild_id, PlaceRef.of(ann.channel_id), job,
                                       first if len(first) <= 60 else first[:59] + "…", Message(text))
            await self.service.record_free_post(ann_id, occurrence, _stored(ref.id))
        await self.service.plan_announcement(ann_id)

    async def on_late(self, turn: Exchange, action: Action, _answer: Answer) -> None:
        """Organizers only: plan the missed post again now, or leave it unsent."""
        if not turn.holds(Capability.ORGANIZER):
            raise NotAllowed(STAFF_ONLY, roles=[STAFF_NAMES[Capability.ORGANIZER]])
        if turn.community is None or not action.args:
            raise UserError(N_("This only works in the server, not in direct messages."))
        what, key = action.args[0], ":".join(action.args[1:])
        t = self.services.translator(turn.language)
        if what == "now":
            done = await self.service.retry_now(key, turn.community)
            text = t._("Posting it now.") if done else t._("This was already handled.")
        else:
            done = await self.service.skip_missed(key, turn.community)
            text = t._("Skipped: it will not be posted.") if done else t._("This was already handled.")
        await turn.replace(Message())
        await turn.answer(Message.of(text))

    # ----- cancellations and refills ---------------------------------------------------------------------
    async def mark_post_cancelled(self, event: Event, post: Post) -> Delivery:
        """Mark a posted announcement as cancelled and answer under it in the post's languages (once: the
        note has a key)."""
        if post.channel_id is None or post.message_id is None:
            return Delivery.GONE
        if await self.refresh_post(event, post, cancelled=True) is Delivery.FAILED:
            return Delivery.FAILED  # tried again by its job: the mark and the note (the note has a key)
        lines: list[str] = []
        parts = Parts()
        for code in await self.service.languages(event):
            t = self.services.translator(code)
            title = (await self.service.texts(event, code))[0]
            lines.append(t._("Cancelled: {title}", title=parts.said(title)))
        ref = MessageRef(PlaceRef.of(post.channel_id), str(post.message_id))
        _posted, delivered = await self.chat.publish(
            event.guild_id, ref.place, Message(parts.text("\n".join(dict.fromkeys(lines))), reply_to=ref),
            key=send_key(planning.cancel_post_key(post.id), "note"))
        return Delivery.FAILED if delivered is Delivery.FAILED else delivered

    async def cancel_post_now(self, event: Event, post: Post) -> Delivery | None:
        """The organizer's path: mark one post now (None when its job already did)."""
        return await self.services.outbox.now(
            planning.cancel_post_key(post.id), lambda: self.mark_post_cancelled(event, post),
            only_pending=True, settled=lambda outcome: outcome is not Delivery.FAILED)

    async def run_cancel_post(self, job: Job) -> None:
        """The safety net of marking a posted announcement as cancelled."""
        event = await self.service.event(int(job.payload["event"]))
        post = await self.service.post(int(job.payload["post"]))
        if event is None or post is None:
            return
        if await self.mark_post_cancelled(event, post) is Delivery.FAILED:
            raise RetryLater(timedelta(minutes=2), "the platform was unavailable")

    async def run_refill(self, job: Job) -> None:
        """After a member's data was deleted: their place goes to the first waiting, who are told."""
        event_id, occurrence = int(job.payload["event"]), str(job.payload["occ"])
        event, promoted = await self.service.refill(event_id, occurrence)
        if event is None or event.status != "active":
            return
        for post in await self.service.posted(event_id):
            if post.occurrence == occurrence:
                await self.refresh_post(event, post)
        for user_id in promoted:
            if self.promoted is not None:
                await self.promoted(event_id, occurrence, user_id)

    # ----- the platform calendar ("mirror") -----------------------------------------------------------
    async def sync_mirror(self, event_id: int, note_key: str) -> Synced:
        """Bring the platform's calendar entry in line with the stored event; organizers are told once per
        `note_key` when the bot lacks the permission."""
        if self.calendar is None:
            return Synced.DONE
        async with self._mirror_lock:
            event = await self.service.event(event_id)
            if event is None:
                return Synced.DONE
            occ = await self.service.mirror_occurrence(event)
            existing = str(event.discord_event_id) if event.discord_event_id else None
            if occ is None:
                if existing is None:
                    return Synced.DONE
                outcome = await self.calendar.drop(event.guild_id, existing)
                if outcome is Synced.DONE:
                    await self.service.set_discord_event(event.id, None)
            else:
                marker = self.services.translator(event.language)._("Event {id}", id=event.id)
                entry = CalendarEntry(event.title, event.description, marker, occ.at,
                                      occ.at + timedelta(minutes=event.duration_minutes), event.place or "Norsjö")
                outcome, found = await self.calendar.put(event.guild_id, existing, entry)
                if outcome is Synced.DONE and found is not None and found != existing:
                    await self.service.set_discord_event(event.id, int(found))
            if outcome is Synced.FORBIDDEN:
                t = await self.guild_translator(event.guild_id)
                parts = Parts()
                title = event.title if len(event.title) <= 80 else event.title[:79] + "…"
                await self.tell_organizers(event.guild_id, parts.text(t._(
                    "I could not create or update the Discord event for \"{title}\": Discord says I lack the "
                    "Manage Events permission. The announcements and reminders work as usual. Please give my role "
                    "that permission; I will try again at the next change or announcement.",
                    title=parts.said(title))), key=send_key(f"mirror-forbidden:{note_key}"))
            return outcome

    async def mirror_now(self, event_id: int) -> None:
        """Update the mirror now after a change; its planned row is then not needed (unless the platform failed)."""
        keys = await self.service.pending_keys(planning.mirror_prefix(event_id))
        if not keys:
            return
        if await self.sync_mirror(event_id, keys[-1]) is not Synced.RETRY:
            for key in keys:
                await self.service.notice_handled(key)

    async def run_mirror(self, job: Job) -> None:
        """A planned mirror update (the safety net of a change, or the platform failed before)."""
        if await self.sync_mirror(int(job.payload["event"]), job.key) is Synced.RETRY:
            raise RetryLater(timedelta(minutes=min(2 ** job.attempts, 60)), "the platform was unavailable")
