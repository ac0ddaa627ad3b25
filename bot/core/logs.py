"""Logging that never carries personal data.

The bot's own log calls only pass ids and counts. Exceptions are the remaining risk: their
messages can quote what a member typed or their name (a `ValueError` about a title, a Discord error
echoing content). `PrivacyFormatter` therefore prints tracebacks as frames plus the exception type,
with the message withheld; the frames are enough to find the bug.
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def scrub_exception(error: BaseException) -> str:
    """A traceback (with its causes) whose exception messages are withheld."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_tb(current.__traceback__))
        parts.append(f"Traceback (most recent call last):\n{frames}{type(current).__qualname__} (message withheld)")
        current = current.__cause__ or current.__context__
    return "\n\nwhile handling:\n".join(reversed(parts))


class PrivacyFormatter(logging.Formatter):
    """A formatter whose tracebacks carry no exception messages."""

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802 - logging's API name
        """Frames and exception types only."""
        return scrub_exception(ei[1])


def configure_logging(level: str) -> None:
    """Plain logs with ids, never names or message text; discord.py's request bodies stay off."""
    handler = logging.StreamHandler()
    handler.setFormatter(PrivacyFormatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py logs request and response bodies at DEBUG: keep it at INFO or above always.
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLevelName(level)))
    logging.getLogger("discord.client").setLevel(logging.ERROR)  # voice support notices
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
