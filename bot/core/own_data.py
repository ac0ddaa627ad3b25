"""The core's own commands and work, for every platform: the member's language, their data, and
forgetting.

- `language`: a choice of the bot's languages, each in its own script; the pick is stored for the
  member who made it (`core:lang`, the id older messages carry too).
- `privacy show | export | delete`: what every registered privacy section keeps about the member,
  the whole of it as one JSON file (`export_file`, built here so that every adapter delivers the
  same document: Discord attaches it to the private answer, Matrix uploads it), and the deletion
  after a press only the member themself can make (`core:privacy-delete:<member id>`).
- the deletion of a departed member's data (`bot.core.retention`) and the editing of the bot's own
  messages that named a member whose data was deleted (`core.redact-message` jobs, through the
  port's `Conversation.edit`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.core.commands import Call, Where
from bot.core.conversation import (
    Action,
    Attachment,
    Button,
    Choice,
    Conversation,
    Delivery,
    Exchange,
    Message,
    MessageRef,
    Option,
    Parts,
    PlaceRef,
    Style,
    Text,
)
from bot.core.errors import UserError
from bot.core.flows import Answer
from bot.core.i18n import N_
from bot.core.jobs import Job, RetryLater
from bot.core.languages import LANGUAGES
from bot.core.mentions import REDACT_KIND
from bot.core.retention import MemberRetention
from bot.core.services import Services

log = logging.getLogger(__name__)

FEATURE = "core"
#: An edit the platform could not make now is tried again this much later.
REDACT_RETRY = timedelta(minutes=5)
#: The picker's placeholder reads in every script: the member may read none of the others yet.
LANGUAGE_PLACEHOLDER = "Language · Språk · اللغة · زبان · Luqadda · ቋንቋ · Мова · भाषा"
EXPORT_NAME = "my-data.json"


@dataclass(frozen=True, slots=True)
class ExportDocument:
    """Everything the bot stores about one member, as the file they download."""

    user_id: str
    data: dict[str, object]

    def attachment(self) -> Attachment:
        """The document as a JSON file (UTF-8, readable scripts kept as they are)."""
        document = {"user_id": self.user_id, "data": self.data}
        payload = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        return Attachment(EXPORT_NAME, payload, "application/json")


def language_choice(selected: str | None) -> Choice:
    """The languages, each named in its own script (and in English as a hint)."""
    options = tuple(
        Option(lang.code, lang.native_name,
               lang.english_name if lang.english_name != lang.native_name else "", lang.code == selected)
        for lang in LANGUAGES.values())
    return Choice(Action(FEATURE, "lang"), options, LANGUAGE_PLACEHOLDER)


class CoreFlows:
    """The core's commands, presses and jobs over the port."""

    def __init__(self, services: Services, chat: Conversation) -> None:
        self.services = services
        self.chat = chat
        settings = services.settings
        self.retention = MemberRetention(services.jobs, services.privacy, services.clock,
                                         settings.retention_days_after_leave)

    async def start(self) -> None:
        """Declare the commands, route the presses, register the jobs."""
        self.retention.register()
        # An edit found late after downtime is still owed: a long grace.
        self.services.jobs.register(REDACT_KIND, self.run_redact, grace=timedelta(days=365))
        routes = self.services.routes
        routes.add(FEATURE, "lang", self.on_language)
        routes.add(FEATURE, "privacy-delete", self.on_delete)
        declare = self.services.commands.declare
        declare(FEATURE, ("language",), N_("Choose the language the bot uses with you"), self.language,
                where=Where.ANYWHERE)
        declare(FEATURE, ("privacy", "show"), N_("See what the bot stores about you"), self.privacy_show,
                where=Where.ANYWHERE)
        declare(FEATURE, ("privacy", "export"), N_("Download everything the bot stores about you"),
                self.privacy_export, where=Where.ANYWHERE)
        declare(FEATURE, ("privacy", "delete"), N_("Delete everything the bot stores about you"),
                self.privacy_delete, where=Where.ANYWHERE)

    def stop(self) -> None:
        """Forget the handlers (rows stay for the next start)."""
        # Routes stay: the held notices' "allow direct messages" press is the core's too, and adding again
        # replaces.
        self.services.jobs.unregister(REDACT_KIND)
        self.services.commands.remove_feature(FEATURE)

    # ----- language ----------------------------------------------------------------------------------
    async def language(self, turn: Exchange, call: Call) -> None:
        """The language picker, the member's choice (else the language of this turn) preselected."""
        t = self.services.translator(turn.language)
        stored = await self.services.prefs.language(int(turn.user.id))
        await turn.answer(Message.of(t._("Which language would you like me to use with you?"),
                                     language_choice(stored or t.code)))

    async def on_language(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """Store the pick and confirm in the chosen language."""
        code = answer.values[0] if answer.values else None
        if code not in LANGUAGES:
            t = self.services.translator(turn.language)
            await turn.answer(Message.of(t._("Please choose one of the languages in the list.")))
            return
        await self.services.prefs.set_language(int(turn.user.id), code)
        t = self.services.translator(code)
        await turn.replace(Message.of(t._("Done. From now on I will answer you in {language}.",
                                          language=LANGUAGES[code].native_name)))

    # ----- privacy -------------------------------------------------------------------------------------
    async def privacy_show(self, turn: Exchange, call: Call) -> None:
        """Every kind of data the bot keeps, and whether it keeps any about this member."""
        t = self.services.translator(turn.language)
        privacy = self.services.privacy
        data = await privacy.export(int(turn.user.id))
        lines = [t._("This is what the bot stores about you:")]
        for section in privacy.sections:
            state = t._("stored") if section.key in data else t._("nothing stored")
            lines.append(f"• {t._(section.title)} ({state}): {t._(section.description)}")
        if "preferences" in data and data["preferences"].get("language"):
            code = data["preferences"]["language"]
            lines.append(t._("Your language: {language}", language=LANGUAGES[code].native_name))
        parts = Parts()
        lines.append(t._("Use {export} to download it all, or {delete} to remove it all.",
                         export=parts.command("privacy", "export", shown_in=t.code),
                         delete=parts.command("privacy", "delete", shown_in=t.code)))
        await turn.answer(Message(parts.text("\n".join(lines))))

    async def export_file(self, user_id: int) -> ExportDocument:
        """Everything stored about the member (what any adapter delivers as the member's file)."""
        return ExportDocument(str(user_id), await self.services.privacy.export(user_id))

    async def privacy_export(self, turn: Exchange, call: Call) -> None:
        """The whole document as a file only the member sees."""
        t = self.services.translator(turn.language)
        document = await self.export_file(int(turn.user.id))
        await turn.answer(Message(Text.plain(t._("Here is everything the bot stores about you.")),
                                  files=(document.attachment(),)))

    async def privacy_delete(self, turn: Exchange, call: Call) -> None:
        """Ask for a confirmation only this member can give."""
        t = self.services.translator(turn.language)
        confirm = Button(Action(FEATURE, "privacy-delete", (turn.user.id,)), t._("Yes, delete everything"),
                         Style.DANGER)
        await turn.answer(Message.of(
            t._("This deletes everything the bot stores about you, in every feature. It cannot be undone."), confirm))

    async def on_delete(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """Delete everything about the member, after checking the button was shown to them."""
        t = self.services.translator(turn.language)
        if action.args != (turn.user.id,):
            raise UserError(N_("This button belongs to someone else."))
        await self.services.privacy.delete(int(turn.user.id))
        # After deletion the member has no stored language: answer in the one they were using.
        await turn.replace(Message.of(t._("Everything the bot stored about you has been deleted.")))

    # ----- forgetting ----------------------------------------------------------------------------------
    async def run_redact(self, job: Job) -> None:
        """Edit one of the bot's messages that named a member whose data was deleted (it names no one itself)."""
        guild_id = int(job.payload["guild"])
        ref = MessageRef(PlaceRef.of(job.payload["channel"]), str(job.payload["message"]))
        t = self.services.translator(await self.services.guild_language(guild_id))
        outcome = await self.chat.edit(ref, Message.of(t._(
            "This message named a member who has since asked for their data to be deleted, so it is no longer "
            "shown.")))
        if outcome is Delivery.FAILED:
            raise RetryLater(REDACT_RETRY, "platform unavailable")
        if outcome is not Delivery.SENT:
            log.info("redact: message of job %d is gone or no longer ours to edit", job.id)
