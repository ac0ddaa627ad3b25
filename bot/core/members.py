"""Member preferences kept by the core: the chosen language and permission to send DMs."""

from __future__ import annotations

import json
from typing import Any

from bot.core.clock import Clock, to_db
from bot.core.db import Database, Tx
from bot.core.i18n import N_
from bot.core.languages import LANGUAGES
from bot.core.privacy import PrivacySection


class UnknownLanguage(ValueError):
    """The language code is not one the bot speaks."""


class MemberPrefs:
    """Reads and writes `member_prefs`."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        # Hot path: the language is looked up for every interaction.
        self._language_cache: dict[int, str | None] = {}

    async def language(self, user_id: int) -> str | None:
        """The member's stored language choice, or None."""
        if user_id in self._language_cache:
            return self._language_cache[user_id]
        value = await self._db.fetchval("SELECT language FROM member_prefs WHERE user_id = ?", (user_id,))
        self._language_cache[user_id] = value
        return value

    async def set_language(self, user_id: int, language: str, *, tx: Tx | None = None) -> None:
        """Store the member's language choice."""
        if language not in LANGUAGES:
            raise UnknownLanguage(language)
        sql = (
            "INSERT INTO member_prefs(user_id, language, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at"
        )
        params = (user_id, language, to_db(self._clock.now()))
        if tx is None:
            await self._db.execute(sql, params)
        else:
            await tx.execute(sql, params)
        self._language_cache[user_id] = language

    async def dm_allowed(self, user_id: int) -> bool:
        """Whether the member allowed the bot to DM them."""
        value = await self._db.fetchval("SELECT dm_allowed FROM member_prefs WHERE user_id = ?", (user_id,))
        return bool(value)

    async def set_dm_allowed(self, user_id: int, allowed: bool, *, tx: Tx | None = None) -> None:
        """Record whether the member allows DMs from the bot."""
        sql = (
            "INSERT INTO member_prefs(user_id, dm_allowed, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET dm_allowed = excluded.dm_allowed, updated_at = excluded.updated_at"
        )
        params = (user_id, int(allowed), to_db(self._clock.now()))
        if tx is None:
            await self._db.execute(sql, params)
        else:
            await tx.execute(sql, params)

    def forget_cached(self, user_id: int) -> None:
        """Drop the cached language (after deletion)."""
        self._language_cache.pop(user_id, None)

    def privacy_section(self) -> PrivacySection:
        """The core's own entry in the personal-data register."""

        async def export(tx: Tx, user_id: int) -> dict[str, Any] | None:
            row = await tx.fetchone(
                "SELECT language, dm_allowed, updated_at FROM member_prefs WHERE user_id = ?", (user_id,)
            )
            if row is None:
                return None
            return {"language": row["language"], "direct_messages_allowed": bool(row["dm_allowed"]),
                    "updated_at": row["updated_at"]}

        async def delete(tx: Tx, user_id: int) -> None:
            await tx.execute("DELETE FROM member_prefs WHERE user_id = ?", (user_id,))

        async def after_delete(user_id: int) -> None:
            # Only now: a lookup while the deletion was still open read (and cached) the old choice.
            self.forget_cached(user_id)

        return PrivacySection(
            key="preferences",
            title=N_("Preferences"),
            description=N_("Your language choice and whether the bot may send you direct messages."),
            export=export,
            delete=delete,
            after_delete=after_delete,
        )


class GuildConfig:
    """Per-guild configuration set by organizers (channels, roles, texts), stored as JSON values."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._cache: dict[tuple[int, str], Any] = {}

    async def get(self, guild_id: int, key: str, default: Any = None) -> Any:
        """A configured value, or `default`."""
        cache_key = (guild_id, key)
        if cache_key not in self._cache:
            raw = await self._db.fetchval(
                "SELECT value FROM guild_config WHERE guild_id = ? AND key = ?", (guild_id, key)
            )
            self._cache[cache_key] = None if raw is None else json.loads(raw)
        value = self._cache[cache_key]
        return default if value is None else value

    _UPSERT = (
        "INSERT INTO guild_config(guild_id, key, value, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(guild_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
    )

    async def set(self, guild_id: int, key: str, value: Any) -> None:
        """Store a value (JSON-serialisable)."""
        await self.set_many(guild_id, {key: value})

    async def set_many(self, guild_id: int, values: dict[str, Any]) -> None:
        """Store several values in one transaction: all of them or, after a crash, none."""
        if not values:
            return
        now = to_db(self._clock.now())
        rows = [(guild_id, key, json.dumps(value, ensure_ascii=False), now) for key, value in values.items()]
        async with self._db.transaction() as tx:
            await tx.executemany(self._UPSERT, rows)
        for key, value in values.items():
            self._cache[(guild_id, key)] = value
