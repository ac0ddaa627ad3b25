"""Events' conversations written once for every platform (they speak only through the port).

So far: the reminders before an event, the notice to each member who answered a cancelled date
("Sorry: ... is cancelled") and to a member moved up from the waiting list ("Good news: a place
freed up"). The decision plans one job per
member in its own transaction; the path that decided sends at once through the outbox, and after a
crash the jobs send what is left. The announcements, refills, post marks, redraws and the
mirror are still sent by the Discord cog (`cogs/events.py`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.conversation import Conversation, Delivery, Message, Parts, UserRef
from bot.core.i18n import Translator
from bot.core.jobs import Job, RetryLater
from bot.core.outbox import send_key
from bot.core.services import Services
from bot.features.events import planning
from bot.features.events.repository import Event
from bot.features.events.service import EventsService

log = logging.getLogger(__name__)

#: A notice the platform did not take is tried again this much later.
NOTICE_RETRY = timedelta(minutes=2)
#: A reminder found later than this after downtime is not sent (it would be misleading).
REMINDER_GRACE = timedelta(minutes=15)
#: How a reminder's outcome is kept in `event_reminder_log`.
LOGGED = {Delivery.SENT: "sent", Delivery.CLOSED: "dms_closed", Delivery.NOT_ALLOWED: "not_allowed",
          Delivery.GONE: "gone"}


class EventsFlows:
    """Events' flows over the conversation port."""

    def __init__(self, service: EventsService, services: Services, chat: Conversation) -> None:
        self.service = service
        self.services = services
        self.chat = chat

    async def start(self) -> None:
        """Handle the reminders and the planned notices."""
        self.services.jobs.register(planning.REMIND, self.run_reminder, grace=REMINDER_GRACE,
                                    on_missed=self.missed_reminder)
        self.services.outbox.register(planning.CANCEL_NOTICE, self.run_cancel_notice, grace=timedelta(days=7),
                                      retry=NOTICE_RETRY)
        self.services.outbox.register(planning.PROMOTED, self.run_promoted, grace=timedelta(days=7),
                                      retry=NOTICE_RETRY)

    def stop(self) -> None:
        """Stop handling them (rows stay planned)."""
        self.services.jobs.unregister(planning.REMIND)
        self.services.outbox.unregister(planning.CANCEL_NOTICE)
        self.services.outbox.unregister(planning.PROMOTED)

    def _when(self, t: Translator, event: Event, occurrence: str) -> str:
        occ = self.service.occurrence_of(event, occurrence)
        end = occ.at + timedelta(minutes=event.duration_minutes)
        return t._("Norsjö time: {when}", when=t.when(occ.at, end))

    async def cancel_notice(self, event: Event, occurrence: str, user_id: int) -> Delivery:
        """"Sorry: ... is cancelled" to one member who answered, in their language, if they allowed it."""
        t = await self.services.translator_for_user(user_id, event.guild_id)
        title = (await self.service.texts(event, t.code))[0]
        parts = Parts()
        text = parts.text(t._("Sorry: {title} is cancelled. {when}", title=parts.said(title),
                              when=self._when(t, event, occurrence)))
        key = planning.cancel_notice_key(event.id, occurrence, user_id)
        return await self.chat.direct(UserRef.of(user_id), Message(text), key=send_key(key, user_id),
                                      community=event.guild_id, only_if_allowed=True)

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

    async def promoted_notice(self, event_id: int, occurrence: str, user_id: int, key: str) -> Delivery:
        """"A place freed up" once, in the member's language, if they allowed it; `GONE` when it no longer
        applies (the date is off, or they are not going any more)."""
        event = await self.service.live(event_id, occurrence)
        if event is None or await self.service.status_of(event_id, occurrence, user_id) != "going":
            return Delivery.GONE
        t = await self.services.translator_for_user(user_id, event.guild_id)
        title = (await self.service.texts(event, t.code))[0]
        parts = Parts()
        text = parts.text(t._("Good news: a place freed up and you are now going to {title}. {when}",
                              title=parts.said(title), when=self._when(t, event, occurrence)))
        return await self.chat.direct(UserRef.of(user_id), Message(text), key=send_key(key, user_id),
                                      community=event.guild_id, only_if_allowed=True)

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

    async def run_reminder(self, job: Job) -> None:
        """The reminder, directly to each member going who allowed it, in their language, once (the log keeps
        who was reminded; the key makes a re-run after a crash show nothing twice)."""
        event_id, occurrence, minutes = int(job.payload["event"]), str(job.payload["occ"]), int(job.payload["minutes"])
        event = await self.service.live(event_id, occurrence)
        if event is None:
            return
        occ = self.service.occurrence_of(event, occurrence)
        for user_id in await self.service.reminder_targets(event_id, occurrence, minutes):
            t = await self.services.translator_for_user(user_id, event.guild_id)
            title = (await self.service.texts(event, t.code))[0]
            parts = Parts()
            lines = [t._("Reminder: {title} starts {when}.", title=parts.said(title),
                         when=parts.moment(occ.at, "relative", t.datetime(occ.at, "short"))),
                     self._when(t, event, occurrence)]
            if event.place:
                lines.append(t._("Where: {place}", place=parts.said(event.place)))
            lines.append(t._("Can't come after all? Press \"Can't\" on the announcement so someone else can have "
                             "your place."))
            outcome = await self.chat.direct(UserRef.of(user_id), Message(parts.text("\n".join(lines))),
                                             key=send_key(job.key, user_id), community=event.guild_id,
                                             only_if_allowed=True)
            if outcome is Delivery.FAILED:
                raise RetryLater(NOTICE_RETRY, "a reminder could not be delivered")
            await self.service.log_reminder(event_id, occurrence, minutes, user_id, LOGGED[outcome])

    async def missed_reminder(self, job: Job) -> None:
        """A reminder found too late after downtime is not sent (it would be misleading)."""
        log.info("reminder job %s missed after downtime; not sent", job.id)
