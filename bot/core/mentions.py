"""The bot's own messages that name a member, so that deleting the member's data edits them too.

A feature that posts something naming a member in a shared place (the coordinators' channel, a
pair's thread) records the message here right after Discord confirmed it. The register's section
plans, in the deletion's own transaction, one `core.redact-message` job per such message: the job
(run by the core extension, through the durable queue, so a crash does not lose it) edits the
message to a neutral text. The job names the message only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.core.clock import Clock, to_db
from bot.core.db import Database, Tx
from bot.core.i18n import N_
from bot.core.jobs import JobQueue
from bot.core.privacy import PrivacySection

REDACT_KIND = "core.redact-message"


def redact_key(message_id: int) -> str:
    """The redaction job's key: one per message, whoever of the members named in it deleted first."""
    return f"{REDACT_KIND}:{message_id}"


class BotMessages:
    """Records which of the bot's messages name which members."""

    def __init__(self, db: Database, clock: Clock, jobs: JobQueue) -> None:
        self._db = db
        self._clock = clock
        self._jobs = jobs

    async def record(self, guild_id: int, channel_id: int, message_id: int, user_ids: Iterable[int]) -> None:
        """Remember that this message names these members."""
        now = to_db(self._clock.now())
        async with self._db.transaction() as tx:
            for user_id in dict.fromkeys(user_ids):
                await tx.execute(
                    "INSERT OR IGNORE INTO bot_messages_about(guild_id, channel_id, message_id, user_id, created_at) "
                    "VALUES (?, ?, ?, ?, ?)", (guild_id, channel_id, message_id, user_id, now))

    def privacy_section(self) -> PrivacySection:
        """The bot's messages that name the member: listed, and edited when the member's data goes."""

        async def export(tx: Tx, user_id: int) -> list[dict[str, Any]] | None:
            rows = await tx.fetchall(
                "SELECT guild_id, channel_id, message_id, created_at FROM bot_messages_about WHERE user_id = ? "
                "ORDER BY created_at", (user_id,))
            return [{"guild_id": str(r["guild_id"]), "channel_id": str(r["channel_id"]),
                     "message_id": str(r["message_id"]), "posted_at": r["created_at"]} for r in rows] or None

        async def delete(tx: Tx, user_id: int) -> None:
            rows = await tx.fetchall(
                "SELECT guild_id, channel_id, message_id FROM bot_messages_about WHERE user_id = ?", (user_id,))
            for row in rows:
                await self._jobs.schedule(
                    REDACT_KIND, redact_key(row["message_id"]), self._clock.now(),
                    {"guild": row["guild_id"], "channel": row["channel_id"], "message": row["message_id"]}, tx=tx)
                # The whole message is edited, so nobody else needs to be listed for it any more.
                await tx.execute("DELETE FROM bot_messages_about WHERE message_id = ?", (row["message_id"],))

        async def after_delete(user_id: int) -> None:
            await self._jobs.notify_changed()

        return PrivacySection(
            key="bot_messages",
            title=N_("Messages that name you"),
            description=N_("The bot's own messages that mention you (for example to the mentor coordinators); "
                           "when your data is deleted, they are edited so they no longer name you."),
            export=export,
            delete=delete,
            after_delete=after_delete,
        )
