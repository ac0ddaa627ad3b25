"""The simulated Discord answers the bot's REST calls as Discord would (here: listing active threads)."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.core.i18n import Catalogs
from bot.simulator import Simulator
from bot.simulator.discord_side import BOT_USER_ID, GUILD_ID
from tests.conftest import START


async def test_active_threads_lists_live_threads_with_their_parent_owner_and_the_bots_membership(
        tmp_path: Path, catalogs: Catalogs) -> None:
    async with Simulator.running(tmp_path / "bot.db", start=START, catalogs=catalogs,
                                 extensions=("cogs.core",)) as sim:
        bot = sim.running_bot
        guild = bot.get_guild(GUILD_ID)
        assert guild is not None
        general = guild.get_channel(sim.discord.channel_named("general").id)
        assert isinstance(general, discord.TextChannel)
        assert await guild.active_threads() == []

        kept = await general.create_thread(name="kept", type=discord.ChannelType.private_thread, invitable=False)
        archived = await general.create_thread(name="archived", type=discord.ChannelType.private_thread)
        deleted = await general.create_thread(name="deleted", type=discord.ChannelType.private_thread)
        sim.discord.channels[archived.id].archived = True
        sim.discord.channels[deleted.id].deleted = True

        listed = await guild.active_threads()
        assert [(t.id, t.name, t.parent_id, t.owner_id) for t in listed] == [
            (kept.id, "kept", general.id, BOT_USER_ID)]
        assert listed[0].is_private() and not listed[0].archived
        assert [m.id for m in listed[0].members] == [BOT_USER_ID]  # the creator is in its thread


async def test_active_threads_of_another_guild_is_unknown(sim: Simulator) -> None:
    with pytest.raises(discord.NotFound) as refused:
        await sim.running_bot.http.get_active_threads(GUILD_ID + 1)
    assert refused.value.code == 10004
