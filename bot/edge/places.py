"""The one Discord resolver of the place registry: a `Place` to a text channel of the guild."""

from __future__ import annotations

from typing import Any

import discord

from bot.core.places import Place, PlaceRegistry


async def place_channel(client: discord.Client, registry: PlaceRegistry, guild_id: int,
                        place: Place) -> discord.TextChannel | None:
    """The channel organizers chose for `place`, else the channel with its conventional name."""
    guild = client.get_guild(guild_id)
    if guild is None:
        return None
    chosen = await registry.chosen(guild_id, place)
    if chosen is not None and chosen.isdigit():
        found = guild.get_channel(int(chosen))
        if isinstance(found, discord.TextChannel):
            return found
    return discord.utils.get(guild.text_channels, name=place.fallback)


async def place_channel_id(client: discord.Client, registry: PlaceRegistry, guild_id: int,
                           place: Place) -> int | None:
    """The channel id of `place`; the chosen id as it is when the guild is not (yet) in the cache."""
    if client.get_guild(guild_id) is None:
        chosen = await registry.chosen(guild_id, place)
        return int(chosen) if chosen is not None and chosen.isdigit() else None
    channel = await place_channel(client, registry, guild_id, place)
    return channel.id if channel is not None else None


def place_messageable(client: discord.Client, channel_id: int, guild_id: int) -> Any:
    """Something to send to, without fetching the channel."""
    return client.get_partial_messageable(channel_id, guild_id=guild_id)
