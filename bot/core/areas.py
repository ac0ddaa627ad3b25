"""The one list of areas (parts of the municipality) members may choose from, shared by every feature."""

from __future__ import annotations

from bot.core.members import GuildConfig

#: Parts of Norsjö municipality (proper names), used when organizers configured none.
DEFAULT_AREAS: tuple[str, ...] = (
    "Norsjö centrum", "Bastuträsk", "Kusfors", "Norsjövallen", "Röjnoret", "Bjurträsk", "Åmliden", "Risliden",
    "Petikträsk",
)
#: Where organizers' list is stored (written by the welcome setup, read by onboarding and mentoring).
AREAS_CONFIG_KEY = "onboarding.areas"
#: At most this many areas (a choice offers them with "other" and "skip").
MAX_AREAS = 24


async def areas_of(guild_config: GuildConfig, guild_id: int | None) -> list[str]:
    """The guild's areas (without "other")."""
    if guild_id is None:
        return list(DEFAULT_AREAS)
    return list(await guild_config.get(guild_id, AREAS_CONFIG_KEY, list(DEFAULT_AREAS)))
