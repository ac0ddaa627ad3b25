"""Coalescing joins into few welcome messages: the window joins share and the line they are greeted
with (pure planning; how many members fit in one message is the platform adapter's concern)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.i18n import N_

#: Joins within one window share one flush; the flush runs at the window's end.
GREETING_WINDOW = timedelta(seconds=5)

#: The greeting line, once per server language, above the mentions.
GREETING_LINE = N_("Welcome to Multinations Norsjö! Press Start in {channel} when you are ready.")
#: The server languages greeted in when organizers configured none.
DEFAULT_GREETING_LANGUAGES: tuple[str, ...] = ("sv", "en", "ar", "prs", "so", "ti", "uk")


def window_end(now: datetime) -> datetime:
    """When the flush for joins at `now` runs: the end of the current window."""
    seconds = GREETING_WINDOW.total_seconds()
    stamp = now.timestamp()
    return datetime.fromtimestamp((int(stamp // seconds) + 1) * seconds, tz=now.tzinfo)

