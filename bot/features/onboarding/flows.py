"""Onboarding's conversations written once for every platform (they speak only through the port).

So far: the one gentle reminder to a member who stopped half-way and allowed direct messages, and
the volunteer card blanked after the member asked for their data to be deleted. The greeting of
joins and the after-finish roles and volunteer card are still sent by the Discord cog
(`cogs/onboarding.py`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core import places
from bot.core.conversation import Conversation, Delivery, Message, MessageRef, Parts, UserRef
from bot.core.jobs import Job
from bot.core.outbox import send_key
from bot.core.services import Services
from bot.features.onboarding.service import BLANK_CARD_KIND, REMIND_KIND, OnboardingService

log = logging.getLogger(__name__)

#: A card edit the platform did not answer is tried again this much later.
BLANK_CARD_RETRY = timedelta(seconds=30)


class OnboardingFlows:
    """Onboarding's flows over the conversation port."""

    def __init__(self, service: OnboardingService, services: Services, chat: Conversation) -> None:
        self.service = service
        self.services = services
        self.chat = chat

    async def start(self) -> None:
        """Handle the reminder and blank-card jobs."""
        self.services.jobs.register(REMIND_KIND, self.run_remind, grace=None)
        self.services.outbox.register(BLANK_CARD_KIND, self.run_blank_card, grace=timedelta(days=365),
                                      retry=BLANK_CARD_RETRY)

    def stop(self) -> None:
        """Stop handling them (rows stay planned)."""
        self.services.jobs.unregister(REMIND_KIND)
        self.services.outbox.unregister(BLANK_CARD_KIND)

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

    async def run_blank_card(self, job: Job) -> bool:
        """After a deletion: the card no longer shows the member (nothing is left to claim). A card deleted
        meanwhile needs nothing; one the platform will not let the bot change is told to organizers with a
        link, to delete by hand. False when the platform did not answer (tried again later)."""
        guild_id, message_id = int(job.payload["guild"]), str(job.payload["message"])
        place = await self.chat.locate(guild_id, places.VOLUNTEERS)
        if place is None:
            return True
        card = MessageRef(place, message_id)
        t = await self.services.guild_translator(guild_id)
        outcome = await self.chat.edit(card, Message.of(t._("This newcomer's welcome card is no longer available.")))
        if outcome is Delivery.FAILED:
            return False
        if outcome is Delivery.CLOSED:
            parts = Parts()
            text = parts.text(t._(
                "I could not remove a welcome card after the member asked for their data to be deleted: Discord "
                "says I lack permission. Please delete it by hand: {link}", link=parts.jump(guild_id, card)))
            await self.chat.notify(guild_id, places.ORGANIZERS, Message(text), key=send_key(job.key, "organizers"))
        return True
