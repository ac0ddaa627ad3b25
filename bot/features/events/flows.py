"""Events' conversations written once for every platform (they speak only through the port).

The reminders before an event and the notice to a member moved up from the waiting list go through
the held notices (`services.notices.reach`): directly when the member allowed direct messages, else
shown privately at their next turn, so a promise made is kept. The notice to each member who
answered a cancelled date ("Sorry: ... is cancelled") goes directly when allowed. Every decision
plans its sends in its own transaction; the path that decided sends at once through the outbox,
and after a crash the jobs send what is left.

The members' presses live here too: Going / Maybe / Can't (on the post, under the translated view
and under a reminder), "in my language", an organizer's Save / Discard of a draft and the
confirmation before a whole series is cancelled. The posts themselves are `posts.EventPosts`; the
commands' handlers `commands.EventCommands`.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bot.core.access import Capability
from bot.core.commands import STAFF_NAMES
from bot.core.conversation import (
    Action,
    Button,
    Conversation,
    Delivery,
    Exchange,
    Message,
    Parts,
)
from bot.core.errors import NotAllowed, UserError
from bot.core.flows import Answer
from bot.core.i18n import N_, Translator
from bot.core.jobs import Job, RetryLater
from bot.core.notices import allow_button
from bot.core.outbox import send_key
from bot.core.services import Services
from bot.features.events import planning
from bot.features.events.mirror import Calendar
from bot.features.events.posts import STAFF_ONLY, EventPosts, event_card, rsvp_controls
from bot.features.events.repository import Event
from bot.features.events.service import EventsService, RsvpOutcome
from bot.features.events.timeparse import format_local

log = logging.getLogger(__name__)

#: A notice the platform did not take is tried again this much later.
NOTICE_RETRY = timedelta(minutes=2)
#: A reminder found later than this after downtime is not sent (it would be misleading).
REMINDER_GRACE = timedelta(minutes=15)
#: How a reminder's outcome is kept in `event_reminder_log`.
LOGGED = {Delivery.SENT: "sent", Delivery.CLOSED: "dms_closed", Delivery.NOT_ALLOWED: "not_allowed",
          Delivery.GONE: "gone"}
#: The held-notice kinds of events (`services.notices.register`).
REMINDER_NOTICE = "events.reminder"
PROMOTED_NOTICE = "events.promoted"
CANCELLED_NOTICE = "events.cancelled"


class EventsFlows:
    """Events' flows over the conversation port."""

    def __init__(self, service: EventsService, services: Services, chat: Conversation,
                 calendar: Calendar | None = None) -> None:
        self.service = service
        self.services = services
        self.chat = chat
        self.posts = EventPosts(service, services, chat, calendar, promoted=self.promoted_now)
        from bot.features.events.commands import EventCommands

        self.commands = EventCommands(self)
        # How a held reminder or promotion is written at the member's next turn (also before `start`).
        services.notices.register(REMINDER_NOTICE, self.render_reminder)
        services.notices.register(PROMOTED_NOTICE, self.render_promoted)
        services.notices.register(CANCELLED_NOTICE, self.render_cancelled)

    async def start(self) -> None:
        """Handle the posts, reminders and planned notices, the members' presses and the commands."""
        await self.posts.start()
        self.services.jobs.register(planning.REMIND, self.run_reminder, grace=REMINDER_GRACE,
                                    on_missed=self.missed_reminder)
        self.services.outbox.register(planning.CANCEL_NOTICE, self.run_cancel_notice, grace=timedelta(days=7),
                                      retry=NOTICE_RETRY)
        self.services.outbox.register(planning.PROMOTED, self.run_promoted, grace=timedelta(days=7),
                                      retry=NOTICE_RETRY)
        routes = self.services.routes
        routes.add("events", "rsvp", self.on_rsvp)
        routes.add("events", "answer", self.on_rsvp)
        routes.add("events", "show", self.on_show)
        routes.add("events", "save", self.on_draft)
        routes.add("events", "discard", self.on_draft)
        routes.add("events", "cancel-all", self.on_cancel_series)
        routes.add("events", "keep", self.on_cancel_series)
        self.commands.declare()

    def stop(self) -> None:
        """Stop handling them (rows stay planned)."""
        self.posts.stop()
        self.services.jobs.unregister(planning.REMIND)
        self.services.outbox.unregister(planning.CANCEL_NOTICE)
        self.services.outbox.unregister(planning.PROMOTED)
        self.services.routes.remove_feature("events")
        self.services.commands.remove_feature("events")

    def _when(self, t: Translator, event: Event, occurrence: str) -> str:
        occ = self.service.occurrence_of(event, occurrence)
        end = occ.at + timedelta(minutes=event.duration_minutes)
        return t._("Norsjö time: {when}", when=t.when(occ.at, end))

    # ----- cancellation notices ------------------------------------------------------------------------
    async def cancel_notice(self, event: Event, occurrence: str, user_id: int) -> Delivery:
        """"Sorry: ... is cancelled" to one member who answered, in their language: directly when they allowed
        it, else shown to them at their next turn (a held notice)."""
        key = planning.cancel_notice_key(event.id, occurrence, user_id)
        return await self.services.notices.reach(self.chat, user_id, event.guild_id, CANCELLED_NOTICE,
                                                 send_key(key, user_id), {"event": event.id, "occ": occurrence})

    async def render_cancelled(self, payload: dict[str, Any], t: Translator) -> Message | None:
        """The cancellation in the reader's language (None once the date has passed: nothing left to tell)."""
        event = await self.service.event(int(payload["event"]))
        if event is None:
            return None
        occurrence = str(payload["occ"])
        if self.service.occurrence_of(event, occurrence).at <= self.services.clock.now():
            return None
        title = (await self.service.texts(event, t.code))[0]
        parts = Parts()
        return Message(parts.text(t._("Sorry: {title} is cancelled. {when}", title=parts.said(title),
                                      when=self._when(t, event, occurrence))))

    async def cancel_notice_now(self, event: Event, occurrence: str, user_id: int) -> Delivery | None:
        """The organizer's own path: send a planned notice now (None when its job already did)."""
        return await self.services.outbox.now(
            planning.cancel_notice_key(event.id, occurrence, user_id),
            lambda: self.cancel_notice(event, occurrence, user_id),
            only_pending=True, settled=lambda outcome: outcome is not Delivery.FAILED)

    async def run_cancel_notice(self, job: Job) -> bool:
        """The safety net (a crash came between the cancellation and the message)."""
        event = await self.service.event(int(job.payload["event"]))
        if event is None:
            return True
        outcome = await self.cancel_notice(event, str(job.payload["occ"]), int(job.payload["user"]))
        return outcome is not Delivery.FAILED

    # ----- waiting-list promotions ---------------------------------------------------------------------
    async def render_promoted(self, payload: dict[str, Any], t: Translator) -> Message | None:
        """"A place freed up" in the reader's language, with the answers (None when it no longer applies: the
        date is off or over, or they are not going any more)."""
        event_id, occurrence, user_id = int(payload["event"]), str(payload["occ"]), int(payload["user"])
        event = await self.service.live(event_id, occurrence)
        if event is None or await self.service.status_of(event_id, occurrence, user_id) != "going":
            return None
        occ = self.service.occurrence_of(event, occurrence)
        if occ.at + timedelta(minutes=event.duration_minutes) <= self.services.clock.now():
            return None
        title = (await self.service.texts(event, t.code))[0]
        parts = Parts()
        text = parts.text(t._("Good news: a place freed up and you are now going to {title}. {when}",
                              title=parts.said(title), when=self._when(t, event, occurrence)))
        text = text + "\n" + t._("Can't come after all? Press ❌ below so that the next person gets the place.")
        post = await self.service.post_of(event_id, occurrence)
        controls = rsvp_controls([t], post.id, None, show=False) if post is not None else ()
        return Message(text, controls=controls)

    async def promoted_notice(self, event_id: int, occurrence: str, user_id: int, key: str) -> Delivery:
        """"A place freed up" once, directly when allowed, else kept for the member's next turn."""
        event = await self.service.event(event_id)
        guild_id = event.guild_id if event is not None else None
        return await self.services.notices.reach(self.chat, user_id, guild_id, PROMOTED_NOTICE,
                                                 send_key(key, user_id),
                                                 {"event": event_id, "occ": occurrence, "user": user_id})

    async def promoted_now(self, event_id: int, occurrence: str, user_id: int) -> None:
        """Send a promoted member's planned notices now (each row stays as the safety net until settled)."""
        for key in await self.service.pending_notices(event_id, occurrence, user_id):
            await self.services.outbox.now(
                key, lambda key=key: self.promoted_notice(event_id, occurrence, user_id, key),
                settled=lambda outcome: outcome is not Delivery.FAILED)

    async def run_promoted(self, job: Job) -> bool:
        """The safety net: a promotion notice not sent right after the promotion (a crash) is sent now."""
        outcome = await self.promoted_notice(int(job.payload["event"]), str(job.payload["occ"]),
                                             int(job.payload["user"]), job.key)
        return outcome is not Delivery.FAILED

    # ----- reminders -----------------------------------------------------------------------------------
    async def render_reminder(self, payload: dict[str, Any], t: Translator) -> Message | None:
        """The reminder in the reader's language, with the answers under it (None once the event began, or
        when the member is no longer going)."""
        event_id, occurrence, user_id = int(payload["event"]), str(payload["occ"]), int(payload["user"])
        event = await self.service.live(event_id, occurrence)
        if event is None or await self.service.status_of(event_id, occurrence, user_id) != "going":
            return None
        occ = self.service.occurrence_of(event, occurrence)
        if occ.at <= self.services.clock.now():
            return None
        title = (await self.service.texts(event, t.code))[0]
        parts = Parts()
        lines = [t._("Reminder: {title} starts {when}.", title=parts.said(title),
                     when=parts.moment(occ.at, "relative", t.datetime(occ.at, "short"))),
                 self._when(t, event, occurrence)]
        if event.place:
            lines.append(t._("Where: {place}", place=parts.said(event.place)))
        post = await self.service.post_of(event_id, occurrence)
        controls = rsvp_controls([t], post.id, None, show=False) if post is not None else ()
        if controls:
            lines.append(t._("Can't come after all? Press ❌ below so that the next person gets the place."))
        return Message(parts.text("\n".join(lines)), controls=controls)

    async def run_reminder(self, job: Job) -> None:
        """The reminder to each member going, in their language, once: directly when they allowed it, else
        kept for their next turn (the log keeps who was reminded; the key makes a re-run show nothing twice)."""
        event_id, occurrence, minutes = int(job.payload["event"]), str(job.payload["occ"]), int(job.payload["minutes"])
        event = await self.service.live(event_id, occurrence)
        if event is None:
            return
        for user_id in await self.service.reminder_targets(event_id, occurrence, minutes):
            outcome = await self.services.notices.reach(
                self.chat, user_id, event.guild_id, REMINDER_NOTICE, send_key(job.key, user_id),
                {"event": event_id, "occ": occurrence, "user": user_id})
            if outcome is Delivery.FAILED:
                raise RetryLater(NOTICE_RETRY, "a reminder could not be delivered")
            await self.service.log_reminder(event_id, occurrence, minutes, user_id, LOGGED[outcome])

    async def missed_reminder(self, job: Job) -> None:
        """A reminder found too late after downtime is not sent (it would be misleading)."""
        log.info("reminder job %s missed after downtime; not sent", job.id)

    # ----- the members' presses ------------------------------------------------------------------------
    async def on_rsvp(self, turn: Exchange, action: Action, _answer: Answer) -> None:
        """Going / Maybe / Can't on the post (`rsvp`, only there) or under the translated view and a reminder
        (`answer`): the answer is recorded, the post's counts redrawn, and the member told privately where
        they stand."""
        if len(action.args) < 2 or not action.args[0].isdigit():
            raise UserError(N_("This button does not belong to this message."))
        post_id, choice = int(action.args[0]), action.args[1]
        post = await self.service.post(post_id)
        if post is None:
            raise UserError(N_("This event no longer exists."))
        prompt = getattr(turn, "prompt", None)  # where the press came from, where the platform says
        if action.name == "rsvp" and prompt is not None and prompt.id != str(post.message_id):
            raise UserError(N_("This button does not belong to this message."))  # a replayed id
        event = await self.service.event(post.event_id)
        if event is None or (turn.community is not None and event.guild_id != turn.community):
            raise UserError(N_("This event no longer exists."))
        user_id = int(turn.user.id)
        outcome = await self.service.rsvp(post_id, event.guild_id, user_id, choice)
        self.posts.refresh_soon(post.id)  # a burst of answers is redrawn once per round, not once per answer
        await turn.answer(await self.rsvp_answer(turn, outcome, user_id))
        for promoted in outcome.promoted:
            await self.promoted_now(outcome.event.id, outcome.occurrence, promoted)

    async def rsvp_answer(self, turn: Exchange, outcome: RsvpOutcome, user_id: int) -> Message:
        """Where the member stands, promising only what can be kept (direct messages allowed or not)."""
        t = self.services.translator(turn.language)
        title = (await self.service.texts(outcome.event, t.code))[0]
        can_write = await self.services.notices.can_write(user_id)
        parts = Parts()
        controls: tuple[Button, ...] = ()
        if outcome.status == "going":
            text = t._("You are going to {title}. See you there!", title=parts.said(title))
            if outcome.event.reminders and await self.service.reminders_enabled(user_id):
                before = t.join(t.duration(timedelta(minutes=m)) for m in outcome.event.reminders)
                if can_write:
                    text += " " + t._("I will remind you {times} before it starts.", times=before)
                else:
                    text += " " + t._("I can remind you {times} before it starts, but only by direct message: "
                                      "press the button to allow it.", times=before)
                    controls = (allow_button(t),)
        elif outcome.status == "waiting":
            position = t.number(outcome.position)
            if can_write:
                text = t._("{title} is full. You are number {position} on the waiting list; I will tell you if a "
                           "place frees up.", title=parts.said(title), position=position)
            else:
                text = t._("{title} is full. You are number {position} on the waiting list. If a place frees up, "
                           "you will see it here the next time you use the bot, and in {command}. To hear it at "
                           "once, allow direct messages.", title=parts.said(title), position=position,
                           command=parts.command("event", "mine", shown_in=t.code))
                controls = (allow_button(t),)
        elif outcome.status == "maybe":
            text = t._("Noted: maybe.")
        else:
            text = t._("Noted: you can't come. Thank you for telling us.")
        return Message(parts.text(text), controls=controls)

    async def on_show(self, turn: Exchange, action: Action, _answer: Answer) -> None:
        """The announcement in the presser's language, privately, with the answers under it."""
        post = await self.service.post(int(action.args[0])) if action.args and action.args[0].isdigit() else None
        if post is None or turn.community is None:
            raise UserError(N_("This event no longer exists."))
        event = await self.service.get(post.event_id, turn.community)
        await turn.answer(await self.event_message(turn.language, event, post.occurrence))

    async def event_message(self, language: str, event: Event, occurrence: str | None = None) -> Message:
        """One event in `language` (the given or the next date), with the answers when it has a post."""
        t = self.services.translator(language)
        if occurrence is None:
            upcoming = await self.service.next_occurrences(event, limit=1)
            if not upcoming:
                raise UserError(N_("This event has no more dates."))
            occ = upcoming[0]
            occurrence = format_local(occ.local)
        else:
            occ = self.service.occurrence_of(event, occurrence)
        title, description = await self.service.texts(event, t.code)
        counts = await self.service.counts(event.id, occurrence)
        cancelled = event.status == "cancelled" or await self.service.is_skipped(event.id, occurrence)
        card = event_card(t, event, title, description, occ, counts, cancelled=cancelled)
        post = await self.service.post_of(event.id, occurrence)
        controls = rsvp_controls([t], post.id, None, show=False) if post is not None and not cancelled else ()
        return Message(card=card, controls=controls)

    async def on_draft(self, turn: Exchange, action: Action, _answer: Answer) -> None:
        """Save (plan the posts) or discard a previewed draft; only its organizer may."""
        if not turn.holds(Capability.ORGANIZER):
            raise NotAllowed(STAFF_ONLY, roles=[STAFF_NAMES[Capability.ORGANIZER]])
        if turn.community is None or not action.args or not action.args[0].isdigit():
            raise UserError(N_("This only works in the server, not in direct messages."))
        event_id, user_id = int(action.args[0]), int(turn.user.id)
        t = self.services.translator(turn.language)
        if action.name == "discard":
            await self.service.discard(event_id, turn.community, user_id)
            await turn.replace(Message.of(t._("Discarded. Nothing was saved.")))
            return
        event = await self.service.activate(event_id, turn.community, user_id)
        upcoming = await self.service.next_occurrences(event, limit=1)
        first = t._("No dates ahead.")
        if upcoming:
            due = planning.announce_due(upcoming[0].local, upcoming[0].at, event.announce_days, event.announce_time,
                                        event.zone)
            first = t._("The first announcement is planned for {when}.",
                        when=t.datetime(max(due, self.services.clock.now()), "short"))
        await turn.replace(Message.of(t._("Saved as event {id}.", id=event.id) + " " + first))
        if event.mirror:
            await self.posts.mirror_now(event.id)

    async def on_cancel_series(self, turn: Exchange, action: Action, _answer: Answer) -> None:
        """The organizer confirmed (or not) cancelling every date of a repeating event."""
        if not turn.holds(Capability.ORGANIZER):
            raise NotAllowed(STAFF_ONLY, roles=[STAFF_NAMES[Capability.ORGANIZER]])
        if turn.community is None or not action.args or not action.args[0].isdigit():
            raise UserError(N_("This only works in the server, not in direct messages."))
        t = self.services.translator(turn.language)
        if action.name == "keep":
            await turn.replace(Message.of(t._("Nothing was cancelled.")))
            return
        event = await self.service.get(int(action.args[0]), turn.community)
        if event.status != "active":
            await turn.replace(Message.of(t._("This was already handled.")))
            return
        await turn.replace(Message.of(t._("Cancelling every date…")))  # the first answer, before the messages go out
        await turn.answer(await self.cancel(t, event, None))

    async def cancel(self, t: Translator, event: Event, date_text: str | None) -> Message:
        """Cancel the event (or one date), tell those who answered, mark the posts; a one-line summary."""
        outcome = await self.service.cancel(event.id, event.guild_id, date_text)
        ev = outcome.event
        for post in outcome.posts:
            await self.posts.cancel_post_now(ev, post)
        told = 0
        for user_id, occurrence in outcome.people:
            told += await self.cancel_notice_now(ev, occurrence, user_id) is Delivery.SENT
        if ev.mirror:
            await self.posts.mirror_now(ev.id)
        people = t.n_("{n} person was told by direct message.", "{n} people were told by direct message.", told)
        dates = [self.service.occurrence_of(ev, o).at for o in outcome.occurrences]
        parts = Parts()
        if date_text or len(dates) <= 1:
            shown = t.join(t.date(at) for at in dates) or "-"
            return Message(parts.text(t._("Cancelled: {dates}.", dates=shown) + " " + people))
        if ev.until is None:
            return Message(parts.text(t._("Cancelled {title}: every date from {first} on.", title=parts.said(ev.title),
                                          first=t.date(dates[0])) + " " + people))
        return Message(parts.text(t.n_(
            "Cancelled {title}: {n} date from {first}.", "Cancelled {title}: all {n} dates from {first}.",
            len(dates), title=parts.said(ev.title), first=t.date(dates[0])) + " " + people))

