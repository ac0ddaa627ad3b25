"""Events' calendar port (`bot.features.events.mirror.Calendar`) on Discord: guild scheduled events.

An entry created just before a crash, whose id was never stored, is found again by the marker line
that ends its description, so no second one is made. One update at a time: two creations at once
would make two entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord

from bot.core.i18n import FSI, PDI
from bot.edge.conversation import UNREACHABLE
from bot.edge.ui import clip
from bot.features.events.mirror import CalendarEntry, Synced

log = logging.getLogger(__name__)

#: Discord's limits of a scheduled event.
NAME_LIMIT = 100
DESCRIPTION_LIMIT = 1000
LOCATION_LIMIT = 100


def _plain(text: str) -> str:  # Discord may drop the bidi isolates around the number
    return text.replace(FSI, "").replace(PDI, "").strip()


class DiscordCalendar:
    """Scheduled events of the guild (external, guild-only)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = asyncio.Lock()

    def _fields(self, entry: CalendarEntry) -> dict[str, Any]:
        description = clip(entry.description, DESCRIPTION_LIMIT - len(entry.marker) - 2)
        return {
            "name": clip(entry.name, NAME_LIMIT),
            "description": f"{description}\n\n{entry.marker}" if description else entry.marker,
            "scheduled_start_time": entry.start.isoformat(),
            "scheduled_end_time": entry.end.isoformat(),
            "entity_metadata": {"location": clip(entry.location, LOCATION_LIMIT)},
        }

    async def _find(self, community: int, marker: str) -> int | None:
        me = self._client.user.id if self._client.user is not None else None
        wanted = _plain(marker)
        for data in await self._client.http.get_scheduled_events(community, False):
            if (data.get("creator_id") is not None and int(data["creator_id"]) == me
                    and data.get("entity_type") == 3 and data.get("status") in (1, 2)  # scheduled or active
                    and _plain(str(data.get("description") or "")).endswith(wanted)):
                return int(data["id"])
        return None

    async def put(self, community: int, existing: str | None, entry: CalendarEntry) -> tuple[Synced, str | None]:
        async with self._lock:
            return await self._guard(self._put(community, existing, entry), existing)

    async def _put(self, community: int, existing: str | None, entry: CalendarEntry) -> tuple[Synced, str | None]:
        http = self._client.http
        fields = self._fields(entry)
        if existing:
            try:
                await http.edit_scheduled_event(community, int(existing), **fields)
                return Synced.DONE, existing
            except discord.NotFound:
                log.info("a mirrored event was removed in Discord; making a new one")
        found = await self._find(community, entry.marker)
        if found is not None:
            await http.edit_scheduled_event(community, found, **fields)
        else:
            data = await http.create_guild_scheduled_event(community, privacy_level=2, entity_type=3, **fields)
            found = int(data["id"])
        return Synced.DONE, str(found)

    async def drop(self, community: int, existing: str) -> Synced:
        async with self._lock:
            outcome, _ = await self._guard(self._drop(community, existing), existing)
            return outcome

    async def _drop(self, community: int, existing: str) -> tuple[Synced, str | None]:
        with contextlib.suppress(discord.NotFound):  # already gone
            await self._client.http.delete_scheduled_event(community, int(existing))
        return Synced.DONE, None

    @staticmethod
    async def _guard(work: Any, existing: str | None) -> tuple[Synced, str | None]:
        try:
            return await work  # type: ignore[no-any-return]
        except discord.Forbidden:
            log.warning("may not mirror an event to Discord (missing Manage Events)")
            return Synced.FORBIDDEN, existing
        except discord.HTTPException as exc:
            if exc.status >= 500 or exc.status == 429:
                log.warning("could not mirror an event to Discord yet (status %s)", exc.status)
                return Synced.RETRY, existing
            log.warning("Discord refused the mirror of an event (status %s)", exc.status)
            return Synced.REFUSED, existing
        except UNREACHABLE:
            log.warning("could not mirror an event to Discord yet (no answer)")
            return Synced.RETRY, existing
