"""Errors a member should see as a polite, translated sentence (not as an incident)."""

from __future__ import annotations

import re


class Msg(str):
    """A msgid used as a placeholder value: translated when the message is shown."""

    __slots__ = ()


class Verbatim(str):
    """A placeholder value the bot wrote itself (a list of choices): repeated in full, never cut."""

    __slots__ = ()


#: How much of a member's own input a refusal repeats (a 5,000-character paste is not quoted in full).
QUOTE_LIMIT = 80


_SURROGATE = re.compile("[\ud800-\udfff]")


def quote(value: str, limit: int = QUOTE_LIMIT) -> str:
    """A member's input as a refusal repeats it: at most `limit` characters, with an ellipsis (and
    without halves of UTF-16 pairs, which cannot be sent)."""
    value = _SURROGATE.sub("", value)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


class UserError(Exception):
    """A refusal or a correction for the member. `message` is a msgid marked with `N_`.

    The Discord edge translates it into the member's language and answers ephemerally; nothing is
    logged as an incident and nothing was changed by the action that raised it.
    Values that are `Msg` (or lists of `Msg`) are translated too. Other text values are usually the
    member's own input and are cut to `QUOTE_LIMIT` characters; wrap the bot's own lists in `Verbatim`.
    """

    def __init__(self, message: str, /, **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.values = {
            key: quote(value) if isinstance(value, str) and not isinstance(value, Msg | Verbatim) else value
            for key, value in values.items()
        }


class NotAllowed(UserError):
    """The member lacks the role an action needs."""


class TooLong(UserError):
    """A text is longer than its limit."""
