"""The FAQ's conversations, written once for every platform (they speak only through the port).

When the source text of an entry changes, its translations are marked stale and a `faq.stale` job
tells the translators' staff group which languages need work. If their place is missing or refuses
the bot, the volunteers are told instead (a person must act), with the notice itself. The job's key
gives each send its idempotency key, so a re-run after a crash posts nothing twice; a platform that
did not answer is tried again later.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core import places
from bot.core.conversation import Conversation, Delivery, Message, Parts
from bot.core.jobs import Job
from bot.core.outbox import send_key
from bot.core.services import Services
from bot.features.faq.commands import FaqCommands
from bot.features.faq.service import STALE_JOB, FaqService, language_name

log = logging.getLogger(__name__)

#: A notice the platform did not take is tried again this much later.
STALE_RETRY = timedelta(minutes=10)


class FaqFlows:
    """The translators' notice, over the conversation port; with `service`, the commands and controls too."""

    def __init__(self, services: Services, chat: Conversation, service: FaqService | None = None) -> None:
        self.services = services
        self.chat = chat
        self.commands = FaqCommands(services, service) if service is not None else None

    async def start(self) -> None:
        """Handle the planned notices; declare the commands and route the controls."""
        self.services.outbox.register(STALE_JOB, self.tell_translators, grace=None, retry=STALE_RETRY)
        if self.commands is not None:
            self.commands.start()

    def stop(self) -> None:
        """Stop handling them (rows stay planned)."""
        self.services.outbox.unregister(STALE_JOB)
        if self.commands is not None:
            self.commands.stop()

    async def tell_translators(self, job: Job) -> bool:
        """Which languages of an entry need work; False when worth trying again later."""
        guild_id = job.payload.get("guild") or self.services.settings.guild_id
        if not guild_id:
            return True
        guild_id = int(guild_id)
        t = await self.services.guild_translator(guild_id)
        parts = Parts()
        notice = t._(
            "The source text of the FAQ entry {slug} changed. These translations need updating: {languages}. "
            "Use {translate} to update them, or {todo} to see all open work.",
            slug=job.payload.get("slug", "?"),
            languages=t.join(language_name(code) for code in job.payload.get("languages", [])),
            translate=parts.command("faq", "translate"), todo=parts.command("faq", "todo"))
        told = await self.chat.notify(guild_id, places.TRANSLATORS, Message(parts.text(notice)),
                                      key=send_key(job.key))
        if told is Delivery.SENT:
            return True
        if told is Delivery.FAILED:
            return False
        log.warning("cannot post in the translators' channel of guild %s; telling the volunteers", guild_id)
        help_text = t._(
            "I could not post in the translators' channel. Please check that it exists and that I may write "
            "there. This is what the translators should have seen:"
        )
        told = await self.chat.notify(guild_id, places.VOLUNTEERS, Message(parts.text(f"{help_text}\n{notice}")),
                                      key=send_key(job.key, "volunteers"))
        if told is Delivery.CLOSED:
            log.warning("cannot post in the volunteers' channel of guild %s either; the translators' notice is lost",
                        guild_id)
        return told is not Delivery.FAILED
