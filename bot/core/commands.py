"""Commands declared once, as data, for every platform.

A feature declares each of its commands here with what it needs (its options, who may run it,
where) and one handler that takes the member's turn (`Exchange`) and the parsed options (`Call`).
A platform adapter shows the declarations its way and calls the same handler:

- Discord: the cog keeps the slash-command declaration (names, descriptions and autocomplete are
  Discord's) and its callback is one line, `await run_command(interaction, ("faq", "search"), query=query)`;
- Matrix: the adapter parses `!faq search query:sfi` (or the positional `!faq search sfi`) against
  the declaration, with the catalogs' localized names as aliases, and answers a usage line on a
  mistake.

`Commands.run` is the one place that checks, inside the bot, that the member may run a command
(their staff groups right now, as the adapter reports them through `Exchange.holds`) and that it
is used where it works; a platform's own permission hints are only hints.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.core.access import Capability
from bot.core.conversation import CommandRef, Exchange, UserRef
from bot.core.errors import Msg, NotAllowed, UserError, Verbatim
from bot.core.i18n import N_, Items, Translator


class Kind(StrEnum):
    """What an option holds."""

    TEXT = "text"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    MEMBER = "member"  # a member of the community, as a `UserRef`


@dataclass(frozen=True, slots=True)
class Param:
    """One option of a command. `choices` are (value, label msgid); a given value must be one of them."""

    name: str
    kind: Kind = Kind.TEXT
    required: bool = True
    description: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None


class Where(StrEnum):
    """Where a command works."""

    COMMUNITY = "community"  # in the community's places (a guild, a space's rooms)
    ANYWHERE = "anywhere"    # also in a direct conversation with the bot


@dataclass(frozen=True, slots=True)
class Call:
    """The options a member gave, parsed by their declared kinds (absent optional ones are missing)."""

    command: Command
    options: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.options[name]

    def get(self, name: str, default: Any = None) -> Any:
        """An option's value, or `default` when the member left it out."""
        value = self.options.get(name)
        return default if value is None else value


CommandHandler = Callable[[Exchange, Call], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Command:
    """A command: `path` as declared (("faq", "search")), a summary msgid, its options, its handler.

    `needs`: the staff groups any of which may run it (empty: every member)."""

    feature: str
    path: tuple[str, ...]
    summary: str
    handler: CommandHandler
    params: tuple[Param, ...] = ()
    needs: tuple[Capability, ...] = ()
    where: Where = Where.COMMUNITY

    def param(self, name: str) -> Param | None:
        """The declared option called `name`."""
        return next((p for p in self.params if p.name == name), None)


#: How the staff groups are named in a refusal.
STAFF_NAMES: dict[Capability, Msg] = {
    Capability.VOLUNTEER: Msg(N_("volunteers")),
    Capability.ORGANIZER: Msg(N_("organizers")),
    Capability.COORDINATOR: Msg(N_("mentor coordinators")),
    Capability.TRANSLATOR: Msg(N_("translators")),
}

_TRUE = frozenset({"true", "yes", "on", "1", "y"})
_FALSE = frozenset({"false", "no", "off", "0", "n"})


def refusal_text(t: Translator, error: UserError,
                 write_command: Callable[[CommandRef, Translator | None], str]) -> str:
    """The member-facing sentence of a `UserError` in `t`'s language: `Msg` values translated, command
    references written as the platform writes commands (`write_command`), lists of `Msg` joined."""
    values: dict[str, object] = {}
    for key, value in error.values.items():
        if isinstance(value, Msg):
            values[key] = t._(value)
        elif isinstance(value, CommandRef):
            values[key] = write_command(value, t if value.language else None)
        elif isinstance(value, list | tuple) and value and all(isinstance(v, Msg) for v in value):
            values[key] = t.join([t._(v) for v in value])
        else:
            values[key] = value
    return str(t._(error.message, **values))


class UsageError(UserError):
    """An option a member typed does not fit its declaration (adapters that parse text answer with usage)."""

    def __init__(self, message: str, /, *, param: Param | None = None, **values: object) -> None:
        super().__init__(message, **values)
        self.param = param


def parse_value(param: Param, raw: str, *, member: Callable[[str], UserRef | None] | None = None) -> Any:
    """A typed option value from text (for adapters whose members type commands). Raises `UsageError`."""
    text = raw.strip()
    if param.kind is Kind.INTEGER:
        try:
            value = int(text)
        except ValueError:
            raise UsageError(N_("{option} must be a whole number, not “{value}”."), param=param,
                             option=Verbatim(param.name), value=text) from None
        if (param.min_value is not None and value < param.min_value) or (
                param.max_value is not None and value > param.max_value):
            raise UsageError(N_("{option} must be between {low} and {high}."), param=param,
                             option=Verbatim(param.name), low=param.min_value if param.min_value is not None else "-",
                             high=param.max_value if param.max_value is not None else "-")
        return value
    if param.kind is Kind.BOOLEAN:
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise UsageError(N_("{option} must be yes or no, not “{value}”."), param=param,
                         option=Verbatim(param.name), value=text)
    if param.kind is Kind.MEMBER:
        found = member(text) if member is not None else None
        if found is None:
            raise UsageError(N_("I could not find the member “{value}”."), param=param, value=text)
        return found
    if param.choices:
        values = [value for value, _label in param.choices]
        if text not in values:
            raise UsageError(N_("“{value}” is not one of the choices for {option}: {choices}."), param=param,
                             value=text, option=Verbatim(param.name), choices=Items(values, "or"))
    if param.max_length is not None and len(text) > param.max_length:
        raise UsageError(N_("{option} can be at most {limit} characters long."), param=param,
                         option=Verbatim(param.name), limit=param.max_length)
    return text


class Commands:
    """Every installed feature's command declarations, by path."""

    def __init__(self) -> None:
        self._by_path: dict[tuple[str, ...], Command] = {}
        self._after: list[Callable[[Exchange], Awaitable[None]]] = []

    def after(self, hook: Callable[[Exchange], Awaitable[None]]) -> None:
        """Run `hook` after every command a member ran (held notices are shown this way)."""
        self._after.append(hook)

    def add(self, command: Command) -> None:
        """Declare a command (declaring the same path again replaces it: extensions reload)."""
        self._by_path[command.path] = command

    def declare(self, feature: str, path: Sequence[str], summary: str, handler: CommandHandler, *,
                params: Sequence[Param] = (), needs: Sequence[Capability] = (),
                where: Where = Where.COMMUNITY) -> Command:
        """Shorthand for `add(Command(...))`; returns the declaration."""
        command = Command(feature, tuple(path), summary, handler, tuple(params), tuple(needs), where)
        self.add(command)
        return command

    def remove_feature(self, feature: str) -> None:
        """Forget a feature's commands (its extension unloads)."""
        for path in [p for p, c in self._by_path.items() if c.feature == feature]:
            del self._by_path[path]

    def get(self, path: Sequence[str]) -> Command | None:
        """The command declared at `path`."""
        return self._by_path.get(tuple(path))

    def __iter__(self) -> Iterator[Command]:
        return iter(sorted(self._by_path.values(), key=lambda c: c.path))

    def __len__(self) -> int:
        return len(self._by_path)

    def groups(self) -> list[str]:
        """The top-level command names (`faq`, `event`, ...)."""
        return sorted({path[0] for path in self._by_path})

    def under(self, prefix: Sequence[str]) -> list[Command]:
        """The commands whose path starts with `prefix`."""
        prefix = tuple(prefix)
        return [c for c in self if c.path[: len(prefix)] == prefix]

    def visible_to(self, exchange: Exchange) -> list[Command]:
        """What this member may run right now (for a help listing)."""
        return [c for c in self if not c.needs or exchange.holds(*c.needs)]

    async def run(self, exchange: Exchange, path: Sequence[str], options: Mapping[str, Any] | None = None) -> None:
        """Check that the member may run the command here, then run its handler.

        Raises `NotAllowed` or `UserError` (translated and answered privately by the adapter), and
        `LookupError` for a path nothing declares (an adapter bug, not a member's mistake)."""
        command = self.get(path)
        if command is None:
            raise LookupError(" ".join(path))
        if command.where is Where.COMMUNITY and exchange.community is None:
            raise UserError(N_("This only works in the server, not in direct messages."))
        if command.needs and not exchange.holds(*command.needs):
            raise NotAllowed(N_("Sorry, only {roles} can do this."), roles=[STAFF_NAMES[c] for c in command.needs])
        given = {name: value for name, value in (options or {}).items() if value is not None}
        await command.handler(exchange, Call(command, given))
        for hook in self._after:
            await hook(exchange)
