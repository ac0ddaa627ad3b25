"""Messages of the port as Matrix event content: a plain `body` and an HTML `formatted_body`.

Text segments: the bot's words as they are (escaped for HTML), member-written text escaped
everywhere, a mention as a matrix.to pill of the member's Matrix id, a moment as the already-formatted
fallback (Matrix has no client-side time stamps), a command as `!event show event:7` with the
names in the reader's language, a jump as a matrix.to link to the event, a place as a matrix.to link
to its room, a label as its name (never a ping). A reply carries `m.in_reply_to`. A card is a bold title,
its body and its fields as a short list. Controls are drawn by the adapter as a numbered list (see
`bot.matrix.prompts`). `m.mentions` lists only the members the message may notify, never a room.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core.conversation import (
    READER,
    Card,
    CommandRef,
    Jump,
    LabelRef,
    Mention,
    Message,
    Moment,
    PlaceLink,
    Plain,
    Said,
    Text,
)
from bot.core.i18n import Translator

#: Matrix has no hard limit on a message's text but events are at most 64 KiB; keep well inside.
BODY_LIMIT = 16000
NAME_CONTEXT = "command name"
PREFIX = "!"

#: Looks a local id up as a Matrix id (users, rooms, events).
Resolve = Callable[[str], Awaitable[str | None]]


@dataclass(slots=True)
class Rendered:
    """Plain and HTML text, and the members it may notify."""

    body: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)

    def add(self, plain: str, formatted: str | None = None) -> None:
        self.body.append(plain)
        self.html.append(html.escape(plain).replace("\n", "<br>") if formatted is None else formatted)

    def content(self, msgtype: str = "m.notice") -> dict[str, Any]:
        body = "".join(self.body)
        formatted = "".join(self.html)
        if len(body) > BODY_LIMIT:
            body = body[: BODY_LIMIT - 1] + "…"
            formatted = html.escape(body).replace("\n", "<br>")
        return {"msgtype": msgtype, "body": body, "format": "org.matrix.custom.html", "formatted_body": formatted}


def command_name(part: str, t: Translator | None) -> str:
    """A command or option name as shown in `t`'s language (the catalogs' "command name" context)."""
    if t is None:
        return part
    local = t.p_(NAME_CONTEXT, part)
    return local if local and " " not in local else part


def render_command(command: CommandRef, t: Translator | None = None) -> str:
    """`!event show event:7`, with names in `t`'s language when given."""
    options = "".join(f" {command_name(name, t)}:{_quote(value)}" for name, value in command.options)
    return PREFIX + " ".join(command_name(part, t) for part in command.path) + options


def _quote(value: str) -> str:
    return f'"{value}"' if " " in value else value


def matrix_to(matrix_id: str, event: str | None = None) -> str:
    """A matrix.to link."""
    return f"https://matrix.to/#/{matrix_id}" + (f"/{event}" if event else "")


async def render_text(out: Rendered, text: Text, resolve: Resolve,
                      translator: Callable[[str], Translator] | None, reader: str) -> None:
    """Append the segments of `text` to `out`."""
    for segment in text.segments:
        if isinstance(segment, Plain):
            out.add(segment.text)
        elif isinstance(segment, Said):
            out.add(segment.text)  # escaped in the HTML; the plain body has no markup to neutralise
        elif isinstance(segment, Mention):
            matrix_id = await resolve(segment.user.id) or segment.user.id
            out.add(matrix_id, f'<a href="{html.escape(matrix_to(matrix_id))}">{html.escape(matrix_id)}</a>')
        elif isinstance(segment, Moment):
            out.add(segment.fallback or segment.at.isoformat(timespec="minutes"))
        elif isinstance(segment, Jump):
            room = await resolve(segment.message.place.id) or segment.message.place.id
            event = await resolve(segment.message.id) or segment.message.id
            link = matrix_to(room, event)
            out.add(link, f'<a href="{html.escape(link)}">{html.escape(link)}</a>')
        elif isinstance(segment, PlaceLink):
            room = await resolve(segment.place.id) or segment.place.id
            link = matrix_to(room)
            out.add(link, f'<a href="{html.escape(link)}">{html.escape(link)}</a>')
        elif isinstance(segment, LabelRef):
            out.add(segment.label.name)  # a label is a room membership (or only stored): never a ping
        elif isinstance(segment, CommandRef):
            code = reader if segment.language == READER else segment.language
            t = translator(code) if translator is not None and code else None
            shown = render_command(segment, t)
            out.add(shown, f"<code>{html.escape(shown)}</code>")


async def render_card(out: Rendered, card: Card, resolve: Resolve,
                      translator: Callable[[str], Translator] | None, reader: str) -> None:
    """A card as a bold title, its body and its fields."""
    if out.body:
        out.add("\n\n", "<br><br>")
    if isinstance(card.title, Text):
        title = Rendered()
        await render_text(title, card.title, resolve, translator, reader)
        out.add("".join(title.body), "<b>" + "".join(title.html) + "</b>")
    else:
        out.add(card.title, f"<b>{html.escape(card.title)}</b>")
    if card.body:
        out.add("\n", "<br>")
        await render_text(out, card.body, resolve, translator, reader)
    for label, value in card.fields:
        out.add(f"\n{label}: ", f"<br><b>{html.escape(label)}</b>: ")
        await render_text(out, value, resolve, translator, reader)
    if card.footer:
        out.add(f"\n{card.footer}", f"<br><i>{html.escape(card.footer)}</i>")


async def render_message(message: Message, resolve: Resolve,
                         translator: Callable[[str], Translator] | None = None, reader: str = "",
                         extra: list[str] | None = None) -> dict[str, Any]:
    """The event content of a message (without its controls; `extra`: lines the adapter appends)."""
    out = Rendered()
    await render_text(out, message.text, resolve, translator, reader)
    if message.card is not None:
        await render_card(out, message.card, resolve, translator, reader)
    for line in extra or ():
        out.add(("\n" if out.body else "") + line)
    content = out.content()
    pinged = [matrix_id for user in message.ping if (matrix_id := await resolve(user.id))]
    content["m.mentions"] = {"user_ids": pinged} if pinged else {}
    return content
