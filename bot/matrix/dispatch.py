"""A member's event on Matrix becomes a turn: a typed command, an answer to a prompt, a reaction.

- `!command sub option:value` (or the positional `!faq search bank id`) is parsed against the
  declarations of `bot.core.commands` (`bot.matrix.commands`) and runs the declared handler through
  `Commands.run`, the one permission check; a mistake gets a short usage reply, `!help` what this
  member may run.
- An open prompt of the member in the room (a numbered choice, a form dialogue) takes their next
  message; a reaction with a number's keycap, or a reply to the prompt, answers a prompt posted in a
  shared room.
- Only `m.text` messages count (the bot's own `m.notice`s never trigger anything); edits are ignored.
- In an encrypted room the bot cannot read, it says once, in that room, how to reach it.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import TYPE_CHECKING, Any

from bot.core.conversation import Action, Message, Parts
from bot.core.db import storage_problem
from bot.core.errors import UserError
from bot.core.flows import Answer
from bot.core.logs import scrub_exception
from bot.matrix.commands import CommandParser, HelpWanted, ParseProblem
from bot.matrix.conversation import KEYCAPS, MatrixExchange
from bot.matrix.store import Prompt

if TYPE_CHECKING:
    from bot.matrix.client import MatrixBot

log = logging.getLogger("bot.incidents")

_KEYS = [key.replace("\ufe0f", "") for key in KEYCAPS]
_NUMBERS = re.compile(r"^\s*\d+(\s*[,;، ]\s*\d+)*\s*$")


def skip_word(t: Any) -> str:
    """The word that leaves a form's field empty, in the reader's language."""
    return str(t.p_("matrix answer", "skip"))


def cancel_word(t: Any) -> str:
    """The word that stops a form dialogue, in the reader's language."""
    return str(t.p_("matrix answer", "cancel"))


def answer_words(t: Any) -> tuple[set[str], set[str]]:
    """The words for skip and cancel in the reader's language (English ones always work)."""
    return {"skip", skip_word(t).casefold()}, {"cancel", cancel_word(t).casefold()}


async def ask_field(bot: MatrixBot, room_id: str, prompt: int, title: str, fields: list[dict[str, Any]],
                    position: int, language: str, *, key: str) -> None:
    """Ask one field of a form dialogue."""
    t = bot.services.translator(language)
    field = fields[position]
    skip = skip_word(t)
    cancel = cancel_word(t)
    lines = [title] if position == 0 and title else []
    lines.append(t._("Question {number} of {total}: {label}", number=position + 1, total=len(fields),
                     label=field["label"]))
    if field.get("default"):
        lines.append(t._("Now: {value}", value=field["default"]))
    if field["required"]:
        lines.append(t._("Write “{cancel}” to stop.", cancel=cancel))
    else:
        lines.append(t._("Write “{skip}” to leave it empty, or “{cancel}” to stop.", skip=skip, cancel=cancel))
    await bot.send_message(room_id, Message.of("\n".join(lines)), key=key, reader=language)


def _strip_reply_fallback(body: str) -> str:
    lines = body.split("\n")
    while lines and lines[0].startswith(">"):
        lines.pop(0)
    return "\n".join(lines).strip()


class Dispatcher:
    """Turns a member's events into turns of the port."""

    def __init__(self, bot: MatrixBot) -> None:
        self.bot = bot
        self.parser = CommandParser(bot.services)

    async def exchange(self, room_id: str, matrix_user: str, turn: str, *, community: int | None = None,
                       language: str | None = None, prompt_event: str | None = None) -> MatrixExchange:
        """The member's turn with what the platform says about them now (staff rooms, power levels)."""
        bot = self.bot
        user = await bot.local_user(matrix_user)
        if language is None:
            language = (await bot.translator_for(user)).code
        if community is None:
            # One bot serves one space: its direct rooms belong to that community too (as a Discord
            # DM does with GUILD_ID set), so members may run every command privately.
            community = bot.community
        return MatrixExchange(bot, user=user, matrix_user=matrix_user, room_id=room_id, community=community,
                              language=language, staff=await bot.staff_of(matrix_user),
                              manager=bot.is_manager(matrix_user), turn=turn, prompt_event=prompt_event)

    async def handle(self, room_id: str, event: dict[str, Any]) -> None:
        """One event of a member."""
        kind = event.get("type")
        sender = str(event.get("sender", ""))
        event_id = str(event.get("event_id", ""))
        content = event.get("content") or {}
        if kind == "m.room.encrypted":
            await self._encrypted(room_id, sender, event_id)
            return
        if kind == "m.reaction":
            relation = content.get("m.relates_to") or {}
            prompt = await self.bot.store.prompt_of_event(str(relation.get("event_id", "")))
            key = str(relation.get("key", "")).replace("\ufe0f", "")
            if prompt is not None and key in _KEYS and (prompt.user_id is None or
                                                            prompt.user_id == await self.bot.local_user(sender)):
                await self._choice(prompt, room_id, sender, event_id, str(_KEYS.index(key) + 1), reacted=True)
            return
        if kind != "m.room.message" or content.get("msgtype") != "m.text":
            return
        relation = content.get("m.relates_to") or {}
        if relation.get("rel_type") == "m.replace":
            return  # an edit of an earlier message
        body = _strip_reply_fallback(str(content.get("body", "")))
        if not body:
            return
        user = await self.bot.local_user(sender)
        if body.startswith("!"):
            await self._command(room_id, sender, event_id, body)
            return
        prompt = await self.bot.store.prompt_for(user, room_id)
        if prompt is None:
            replied = ((relation.get("m.in_reply_to") or {}).get("event_id"))
            if replied:
                shared = await self.bot.store.prompt_of_event(str(replied))
                if shared is not None and shared.user_id is None:
                    prompt = shared
        if prompt is None:
            return
        if prompt.kind == "form":
            await self._form(prompt, room_id, sender, event_id, body)
        else:
            await self._choice(prompt, room_id, sender, event_id, body)

    # ----- commands -------------------------------------------------------------------------------
    async def _command(self, room_id: str, sender: str, event_id: str, body: str) -> None:
        turn = await self.exchange(room_id, sender, event_id)
        t = self.bot.services.translator(turn.language)
        try:
            command, options = await self.parser.parse(body, turn, self.bot)
            await self.bot.services.commands.run(turn, command.path, options)
        except HelpWanted as wanted:
            await turn.answer(self.parser.help(turn, t, wanted.group))
        except ParseProblem as problem:
            await turn.answer(problem.message(t, self.bot))
        except UserError as error:
            await turn.answer(Message.of(await self.bot.user_error_text(t, error)))
        except Exception as error:
            await self._incident(turn, t, error)

    async def _incident(self, turn: MatrixExchange, t: Any, error: BaseException) -> None:
        incident = uuid.uuid4().hex[:8]
        if storage_problem(error) is not None:
            log.error("incident %s in a Matrix turn: storage %s", incident, storage_problem(error))
            text = t._("Sorry, I could not save that just now, and nothing was changed. Please try again in a few "
                       "minutes. (Incident {incident})", incident=incident)
        else:
            log.error("incident %s in a Matrix turn (user %s)\n%s", incident, turn.user.id, scrub_exception(error))
            text = t._("Sorry, something went wrong on our side. Please try again in a moment. (Incident "
                       "{incident})", incident=incident)
        try:
            await turn.answer(Message.of(text))
        except Exception:
            log.warning("could not deliver an incident message")

    # ----- prompts --------------------------------------------------------------------------------
    async def _choice(self, prompt: Prompt, room_id: str, sender: str, event_id: str, text: str, *,
                      reacted: bool = False) -> None:
        # The member's language now (a step may just have changed it), not the one the prompt was shown in.
        turn = await self.exchange(room_id, sender, event_id, community=prompt.community,
                                   prompt_event=prompt.event_id)
        t = self.bot.services.translator(turn.language)
        picked = self._picked(prompt, text)
        if picked is None or not prompt.least <= len(picked) <= max(prompt.most, 1):
            if not reacted:
                await turn.answer(Message.of(t._("Please answer with a number from 1 to {count}.",
                                                 count=len(prompt.options))))
            return
        wires = {prompt.options[i][0] for i in picked}
        if len(wires) != 1:
            await turn.answer(Message.of(t._("Please answer with a number from 1 to {count}.",
                                             count=len(prompt.options))))
            return
        action = self.bot.services.routes.resolve(wires.pop())
        if action is None:
            return
        if prompt.user_id is not None and not await self.bot.store.close_prompt(prompt.id):
            return  # answered already (two answers at once)
        values = tuple(prompt.options[i][1] for i in picked if prompt.options[i][1])
        await self._dispatch(turn, t, action, Answer(values=values))

    @staticmethod
    def _picked(prompt: Prompt, text: str) -> list[int] | None:
        cleaned = text.strip().casefold()
        if _NUMBERS.match(cleaned):
            numbers = [int(n) for n in re.split(r"[\s,;،]+", cleaned) if n]
            if all(1 <= n <= len(prompt.options) for n in numbers):
                return list(dict.fromkeys(n - 1 for n in numbers))
            return None
        for index, (_wire, value, label) in enumerate(prompt.options):
            if cleaned in {str(value).casefold(), str(label).casefold()} and cleaned:
                return [index]
        return None

    async def _form(self, prompt: Prompt, room_id: str, sender: str, event_id: str, text: str) -> None:
        turn = await self.exchange(room_id, sender, event_id, community=prompt.community, language=prompt.language)
        t = self.bot.services.translator(prompt.language)
        skip, cancel = answer_words(t)
        field = prompt.options[prompt.position]
        word = text.strip().casefold()
        key = f"matrix:turn:{event_id}:form"
        if word in cancel:
            if await self.bot.store.close_prompt(prompt.id):
                await self.bot.send_message(room_id, Message.of(t._("Cancelled: nothing was saved.")), key=key,
                                            reader=prompt.language)
            return
        if word in skip:
            if field["required"]:
                await self.bot.send_message(room_id, Message.of(t._(
                    "This answer is needed. Please write it, or “{cancel}” to stop.",
                    cancel=cancel_word(t))), key=key, reader=prompt.language)
                return
            value = field.get("default", "") or ""
        else:
            value = text.strip()
            if len(value) > int(field.get("max_length", 400)):
                await self.bot.send_message(room_id, Message.of(t._(
                    "{option} can be at most {limit} characters long.", option=field["label"],
                    limit=field["max_length"])), key=key, reader=prompt.language)
                return
        answers = {**prompt.answers, field["name"]: value}
        position = prompt.position + 1
        if position < len(prompt.options):
            await self.bot.store.advance_prompt(prompt.id, answers, position)
            await ask_field(self.bot, room_id, prompt.id, prompt.title, prompt.options, position, prompt.language,
                            key=key)
            return
        if not await self.bot.store.close_prompt(prompt.id):
            return
        action = self.bot.services.routes.resolve(prompt.action)
        if action is None:
            return
        await self._dispatch(turn, t, action, Answer(fields=answers))

    async def _dispatch(self, turn: MatrixExchange, t: Any, action: Action, answer: Answer) -> None:
        try:
            await self.bot.services.routes.dispatch(turn, action, answer)
        except UserError as error:
            await turn.answer(Message.of(await self.bot.user_error_text(t, error)))
        except Exception as error:
            await self._incident(turn, t, error)

    # ----- encrypted rooms ------------------------------------------------------------------------
    async def _encrypted(self, room_id: str, sender: str, event_id: str) -> None:
        if not await self.bot.store.tell_encrypted_once(room_id):
            return
        user = await self.bot.local_user(sender)
        t = await self.bot.translator_for(user)
        direct = await self.bot.direct_room(user, sender)
        parts = Parts()
        text = parts.text(t._(
            "I cannot read encrypted messages, so I did not see what you wrote here. Write to me in our private "
            "room instead (it is not encrypted): {room}", room=self.bot.room_link(direct)))
        await self.bot.send_message(room_id, Message(text), key=f"matrix:encrypted:{room_id}", reader=t.code)
