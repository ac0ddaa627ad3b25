"""Events' conversations written once for every platform (they speak only through the port).

So far: the notice to each member who answered a cancelled date ("Sorry: ... is cancelled"). The
cancellation plans one `events.cancel_notice` job per member in its own transaction; the organizer's
command sends them at once through the outbox, and after a crash the jobs send what is left. The
announcements, reminders, promotions, refills, post marks, redraws and the mirror are still sent by
the Discord cog (`cogs/events.py`).
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.conversation import Conversation, Delivery, Message, Parts, UserRef
from bot.core.jobs import Job
from bot.core.outbox import send_key
from bot.core.services import Services
from bot.features.events import planning
from bot.features.events.repository import Event
from bot.features.events.service import EventsService

#: A notice the platform did not take is tried again this much later.
NOTICE_RETRY = timedelta(minutes=2)


class EventsFlows:
    """Events' flows over the conversation port."""

    def __init__(self, service: EventsService, services: Services, chat: Conversation) -> None:
        self.service = service
        self.services = services
        self.chat = chat

    async def start(self) -> None:
        """Handle the planned cancellation notices."""
        self.services.outbox.register(planning.CANCEL_NOTICE, self.run_cancel_notice, grace=timedelta(days=7),
                                      retry=NOTICE_RETRY)

    def stop(self) -> None:
        """Stop handling them (rows stay planned)."""
        self.services.outbox.unregister(planning.CANCEL_NOTICE)

    async def cancel_notice(self, event: Event, occurrence: str, user_id: int) -> Delivery:
        """"Sorry: ... is cancelled" to one member who answered, in their language, if they allowed it."""
        occ = self.service.occurrence_of(event, occurrence)
        t = await self.services.translator_for_user(user_id, event.guild_id)
        title = (await self.service.texts(event, t.code))[0]
        end = occ.at + timedelta(minutes=event.duration_minutes)
        when = t._("Norsjö time: {when}", when=f"{t.date(occ.at, 'full')}, {t.time(occ.at)}–{t.time(end)}")
        parts = Parts()
        text = parts.text(t._("Sorry: {title} is cancelled. {when}", title=parts.said(title), when=when))
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
