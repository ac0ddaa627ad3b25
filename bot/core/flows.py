"""Routing a member's use of a control to a feature's flow handler, for every platform.

A feature registers its handlers by action name (`routes.add("mentoring", "answer", handler)`);
a platform adapter parses what the member used into an `Action` (Discord: the component's custom
id; Matrix: the numbered prompt they answered) and calls `routes.dispatch`. Controls of messages
posted by older versions keep working: a feature declares how an old wire form reads today
(`routes.translate(pattern, rewrite)`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.conversation import Action, Exchange


@dataclass(frozen=True, slots=True)
class Answer:
    """What came with the use of a control: the options picked, or a form's fields."""

    values: tuple[str, ...] = ()
    fields: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[Exchange, Action, Answer], Awaitable[None]]


class Routes:
    """Flow handlers by (feature, action name), and translations of old wire forms."""

    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str], Handler] = {}
        self._forms: set[tuple[str, str]] = set()
        self._old: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Action]]] = []
        self._after: list[Callable[[Exchange], Awaitable[None]]] = []

    def after(self, hook: Callable[[Exchange], Awaitable[None]]) -> None:
        """Run `hook` after every handled press, pick or form (held notices are shown this way)."""
        self._after.append(hook)

    def add(self, feature: str, name: str, handler: Handler, *, asks_form: bool = False) -> None:
        """Route `feature:name:...` to `handler` (adding again replaces: extensions reload).

        `asks_form`: the handler answers with a form after its work (Discord then must not acknowledge the
        press first: a form has to be the first response)."""
        self._handlers[(feature, name)] = handler
        if asks_form:
            self._forms.add((feature, name))
        else:
            self._forms.discard((feature, name))

    def asks_form(self, action: Action) -> bool:
        """Whether the handler of `action` answers with a form."""
        return (action.feature, action.name) in self._forms

    def translate(self, pattern: str, rewrite: Callable[[re.Match[str]], Action]) -> None:
        """Read an old wire form (a regex matched in full) as today's action."""
        self._old.append((re.compile(pattern), rewrite))

    def remove_feature(self, feature: str) -> None:
        """Forget a feature's handlers (its extension unloads)."""
        for key in [k for k in self._handlers if k[0] == feature]:
            del self._handlers[key]

    def names(self, feature: str) -> list[str]:
        """The action names routed for a feature."""
        return sorted(name for f, name in self._handlers if f == feature)

    def resolve(self, wire: str) -> Action | None:
        """The routed action of a wire form (today's or an old one), or None."""
        for pattern, rewrite in self._old:
            found = pattern.fullmatch(wire)
            if found is not None:
                return rewrite(found)
        action = Action.parse(wire)
        if action is None or (action.feature, action.name) not in self._handlers:
            return None
        return action

    async def dispatch(self, exchange: Exchange, action: Action, answer: Answer | None = None) -> bool:
        """Run the handler of `action`; False when none is routed."""
        handler = self._handlers.get((action.feature, action.name))
        if handler is None:
            return False
        await handler(exchange, action, answer or Answer())
        for hook in self._after:
            await hook(exchange)
        return True

    @staticmethod
    def wire_pattern(feature: str, names: Sequence[str]) -> str:
        """A regex matching today's wire forms of these actions (for adapters that match ids)."""
        alternatives = "|".join(re.escape(name) for name in names)
        return rf"{re.escape(feature)}:(?:{alternatives})(?::[^\s]*)?"
