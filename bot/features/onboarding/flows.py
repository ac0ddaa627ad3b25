"""Onboarding's conversations written once for every platform (they speak only through the port).

So far: the one gentle reminder to a member who stopped half-way and allowed direct messages. The
greeting of joins, the after-finish roles and volunteer card, and the card blanked after a deletion
are still sent by the Discord cog (`cogs/onboarding.py`).
"""

from __future__ import annotations

import logging

from bot.core.conversation import Conversation, Delivery, Message, Parts, UserRef
from bot.core.jobs import Job
from bot.core.outbox import send_key
from bot.core.services import Services
from bot.features.onboarding.service import REMIND_KIND, OnboardingService

log = logging.getLogger(__name__)


class OnboardingFlows:
    """Onboarding's flows over the conversation port."""

    def __init__(self, service: OnboardingService, services: Services, chat: Conversation) -> None:
        self.service = service
        self.services = services
        self.chat = chat

    async def start(self) -> None:
        """Handle the reminder job."""
        self.services.jobs.register(REMIND_KIND, self.run_remind, grace=None)

    def stop(self) -> None:
        """Stop handling it (rows stay planned)."""
        self.services.jobs.unregister(REMIND_KIND)

    async def run_remind(self, job: Job) -> None:
        """The one reminder. Only members who allowed direct messages before this moment are reminded (see
        `reminder_due`): the opt-in is offered at the end of the flow, so most members who stop half-way are
        never reminded, on purpose. At most one attempt: closed direct messages are not retried."""
        guild_id, user_id = int(job.payload["guild"]), int(job.payload["user"])
        if not await self.service.reminder_due(guild_id, user_id):
            return
        t = await self.services.translator_for_user(user_id, guild_id)
        parts = Parts()
        text = parts.text(t._(
            "Hello! You started the welcome in Multinations Norsjö but did not finish. Whenever you are ready, "
            "use {command} in the server. No hurry, and this is the only reminder.",
            command=parts.command("welcome", "start", shown_in=t.code)))
        sent = await self.chat.direct(UserRef.of(user_id), Message(text), key=send_key(job.key, user_id),
                                      community=guild_id)
        if sent is not Delivery.SENT:
            log.info("reminder not delivered (%s) for a member of guild %s", sent.value, guild_id)

