"""Errors a member should see as a polite, translated sentence (not as an incident)."""

from __future__ import annotations


class Msg(str):
    """A msgid used as a placeholder value: translated when the message is shown."""

    __slots__ = ()


class UserError(Exception):
    """A refusal or a correction for the member. `message` is a msgid marked with `N_`.

    The Discord edge translates it into the member's language and answers ephemerally; nothing is
    logged as an incident and nothing was changed by the action that raised it.
    Values that are `Msg` (or lists of `Msg`) are translated too.
    """

    def __init__(self, message: str, /, **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.values = values


class NotAllowed(UserError):
    """The member lacks the role an action needs."""


class TooLong(UserError):
    """A text is longer than its limit."""
