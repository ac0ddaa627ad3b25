"""Typed commands on Matrix, parsed against the declarations of `bot.core.commands`.

    !faq search query:"bank id"      options by name
    !faq search bank id              the positional form: the required options in declared order,
                                     the last one takes the rest of the line
    !hjälp, !فاق ...                 every name also in each catalog's translation (msgctxt
                                     "command name", the names Discord shows), as an alias

A mistake (an unknown command, a missing or malformed option) is answered with a short usage line;
`!help` lists what this member may run, `!help faq` the commands of one group.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bot.core.commands import Command, Kind, Param, UsageError, parse_value
from bot.core.conversation import CommandRef, Message, Parts, UserRef
from bot.core.languages import LANGUAGES
from bot.core.services import Services
from bot.matrix.render import PREFIX, command_name, render_command

if TYPE_CHECKING:
    from bot.matrix.client import MatrixBot
    from bot.matrix.conversation import MatrixExchange

HELP = "help"


class HelpWanted(Exception):
    """`!help` (or `!help group`)."""

    def __init__(self, group: str | None) -> None:
        super().__init__(group or "")
        self.group = group


class ParseProblem(Exception):
    """What the member typed does not fit a declaration."""

    def __init__(self, *, unknown: str | None = None, command: Command | None = None,
                 error: UsageError | None = None, missing: str | None = None) -> None:
        super().__init__(unknown or (command.path if command else ""))
        self.unknown = unknown
        self.command = command
        self.error = error
        self.missing = missing

    def message(self, t: Any, bot: MatrixBot) -> Message:
        """The short reply: what was wrong, and the usage line."""
        parts = Parts()
        if self.unknown is not None or self.command is None:
            return Message(parts.text(t._("I do not know the command {command}. Write {help} to see what you can do.",
                                          command=parts.said(PREFIX + (self.unknown or "")),
                                          help=parts.command(HELP, shown_in=t.code))))
        lines: list[str] = []
        if self.error is not None:
            values = dict(self.error.values)
            lines.append(t._(self.error.message, **values))
        elif self.missing is not None:
            lines.append(t._("{option} is missing.", option=command_name(self.missing, t)))
        lines.append(t._("Usage: {usage}", usage=usage(self.command, t)))
        return Message.of("\n".join(lines))


def usage(command: Command, t: Any | None) -> str:
    """`!faq search <query> [language:…]` in the reader's language."""
    shown = render_command(CommandRef(command.path), t)
    for param in command.params:
        name = command_name(param.name, t)
        shown += f" <{name}>" if param.required else f" [{name}:…]"
    return shown


def _tokens(text: str) -> list[str]:
    text = text.replace("“", '"').replace("”", '"').replace("„", '"').replace("«", '"').replace("»", '"')
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


class CommandParser:
    """Parses `!…` text against the declared commands, with localized aliases."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._aliases: dict[str, set[str]] = {}
        self._known = -1

    def _names(self, name: str) -> set[str]:
        found = self._aliases.get(name)
        if found is None:
            found = {name.casefold()}
            for language in LANGUAGES:
                t = self.services.translator(language)
                # `help` is the adapter's own command; its name is translated like the declared ones.
                local = t.p_("command name", "help") if name == HELP else command_name(name, t)
                found.add(local.casefold())
            self._aliases[name] = found
        return found

    def _match(self, token: str, names: Iterable[str]) -> str | None:
        folded = token.casefold()
        for name in names:
            if folded in self._names(name):
                return name
        return None

    async def parse(self, body: str, turn: MatrixExchange, bot: MatrixBot) -> tuple[Command, dict[str, Any]]:
        """The command and its options. Raises `HelpWanted` for `!help` and `ParseProblem` for a mistake."""
        tokens = _tokens(body[len(PREFIX):].strip())
        if not tokens or self._match(tokens[0], [HELP]) is not None:
            raise HelpWanted(tokens[1] if len(tokens) > 1 else None)
        commands = self.services.commands
        group = self._match(tokens[0], commands.groups())
        if group is None:
            raise ParseProblem(unknown=tokens[0])
        rest = tokens[1:]
        command = None
        if rest:
            subs = [c.path[1] for c in commands.under((group,)) if len(c.path) > 1]
            sub = self._match(rest[0], subs)
            if sub is not None:
                command = commands.get((group, sub))
                rest = rest[1:]
        if command is None:
            command = commands.get((group,))
        if command is None:
            under = commands.under((group,))
            raise ParseProblem(command=under[0]) if len(under) == 1 else ParseProblem(unknown=" ".join(tokens[:2]))
        return command, await self._options(command, rest, bot)

    async def _options(self, command: Command, tokens: list[str], bot: MatrixBot) -> dict[str, Any]:
        raw: dict[str, str] = {}
        positional: list[str] = []
        for token in tokens:
            name, sep, value = token.partition(":")
            param = self._match(name, [p.name for p in command.params]) if sep else None
            if param is not None and param not in raw:
                raw[param] = value
            else:
                positional.append(token)
        # Positional words fill the required options in order (the last takes the rest of the line);
        # optional ones are given by name, unless the command has no required option left.
        open_params = [p for p in command.params if p.name not in raw and p.required]
        if not open_params:
            open_params = [p for p in command.params if p.name not in raw]
        while positional and open_params:
            param = open_params.pop(0)
            if not open_params:  # the last open option takes the rest of the line
                raw[param.name] = " ".join(positional)
                positional = []
            else:
                raw[param.name] = positional.pop(0)
        if positional:
            raise ParseProblem(command=command)
        options: dict[str, Any] = {}
        for param in command.params:
            if param.name not in raw:
                if param.required:
                    raise ParseProblem(command=command, missing=param.name)
                continue
            options[param.name] = await self._value(command, param, raw[param.name], bot)
        return options

    async def _value(self, command: Command, param: Param, raw: str, bot: MatrixBot) -> Any:
        member: UserRef | None = None
        if param.kind is Kind.MEMBER:
            text = raw.strip()
            if text.startswith("https://matrix.to/#/"):
                text = text.removeprefix("https://matrix.to/#/")
            if text.startswith("@") and ":" in text:
                member = UserRef.of(await bot.local_user(text))
        try:
            return parse_value(param, raw, member=lambda _text: member)
        except UsageError as error:
            raise ParseProblem(command=command, error=error) from None

    def help(self, turn: MatrixExchange, t: Any, group: str | None = None) -> Message:
        """What this member may run (all of it, or one group's), one line each."""
        visible = self.services.commands.visible_to(turn)
        if group is not None:
            name = self._match(group, {c.path[0] for c in visible})
            visible = [c for c in visible if c.path[0] == name] or visible
        lines = [t._("What you can do:")]
        lines.extend(f"{usage(c, t)} — {t._(c.summary)}" for c in visible)
        return Message.of("\n".join(lines))
