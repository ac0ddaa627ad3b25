"""Discord's way of naming members in a message, and of fitting many of them into few messages.

A burst of joins becomes messages with many mentions each, within Discord's 2,000 characters and
the 100 user ids an `allowed_mentions` may list.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.edge.ui import MESSAGE_LIMIT

#: Discord accepts at most 100 ids in `allowed_mentions.users`.
MAX_MENTIONS = 100
#: Messages one greeting flush sends at most: what Discord lets into one channel per 5 seconds. Members
#: beyond them are greeted by the next window's flush, so a raid-sized burst neither queues minutes of
#: messages behind the channel's rate limit nor keeps one job running that long.
MESSAGES_PER_FLUSH = 5


def mention(user_id: int) -> str:
    """A user mention."""
    return f"<@{user_id}>"


def plan_chunks(header: str, user_ids: Sequence[int], limit: int = MESSAGE_LIMIT,
                max_mentions: int = MAX_MENTIONS) -> list[list[int]]:
    """Split members into as few messages as fit: header, newline, space-separated mentions."""
    chunks: list[list[int]] = []
    current: list[int] = []
    length = len(header) + 1
    for user_id in user_ids:
        extra = len(mention(user_id)) + (1 if current else 0)
        if current and (length + extra > limit or len(current) >= max_mentions):
            chunks.append(current)
            current, length = [], len(header) + 1
            extra = len(mention(user_id))
        current.append(user_id)
        length += extra
    if current:
        chunks.append(current)
    return chunks


def render_chunk(header: str, user_ids: Sequence[int]) -> str:
    """The message text of one chunk."""
    return f"{header}\n" + " ".join(mention(uid) for uid in user_ids)

