"""The simulated Discord answers the bot's REST calls as Discord would (here: threads)."""

from __future__ import annotations

from datetime import timedelta
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


async def test_archived_private_threads_the_bot_joined_are_listed_newest_first_page_by_page_and_can_be_reopened(
        tmp_path: Path, catalogs: Catalogs) -> None:
    async with Simulator.running(tmp_path / "bot.db", start=START, catalogs=catalogs,
                                 extensions=("cogs.core",)) as sim:
        guild = sim.running_bot.get_guild(GUILD_ID)
        assert guild is not None
        general = guild.get_channel(sim.discord.channel_named("general").id)
        assert isinstance(general, discord.TextChannel)
        threads = [await general.create_thread(name=f"t{i}", type=discord.ChannelType.private_thread)
                   for i in range(4)]
        for thread in threads[:3]:
            sim.discord.set_archived(thread.id)
        left = await general.create_thread(name="left", type=discord.ChannelType.private_thread)
        sim.discord.channels[left.id].thread_members.discard(BOT_USER_ID)
        sim.discord.set_archived(left.id)

        listed = [t async for t in general.archived_threads(private=True, joined=True, limit=None)]
        assert [(t.name, t.archived, t.created_at) for t in listed] == [
            ("t2", True, START), ("t1", True, START), ("t0", True, START)]  # t3 is active, "left" not joined
        http = sim.running_bot.http
        first = await http.get_joined_private_archived_threads(general.id, limit=2)
        assert [t["name"] for t in first["threads"]] == ["t2", "t1"] and first["has_more"]
        rest = await http.get_joined_private_archived_threads(general.id, before=first["threads"][-1]["id"], limit=2)
        assert [t["name"] for t in rest["threads"]] == ["t0"] and not rest["has_more"]

        # Members cannot be added to an archived thread; unarchived, it is active again.
        await sim.join("Amal")
        amal = sim.member("Amal").id
        with pytest.raises(discord.HTTPException) as refused:
            await http.add_user_to_thread(threads[0].id, amal)
        assert refused.value.code == 50083
        await sim.advance(timedelta(hours=1))
        await http.edit_channel(threads[0].id, archived=False)
        await http.add_user_to_thread(threads[0].id, amal)
        assert amal in sim.discord.channels[threads[0].id].thread_members
        active = await guild.active_threads()
        assert sorted(t.name for t in active) == ["t0", "t3"]
        assert next(t for t in active if t.name == "t0").archive_timestamp == START + timedelta(hours=1)


async def test_a_message_to_an_archived_thread_unarchives_it(sim: Simulator) -> None:
    general = sim.running_bot.get_channel(sim.discord.channel_named("general").id)
    assert isinstance(general, discord.TextChannel)
    thread = await general.create_thread(name="quiet", type=discord.ChannelType.private_thread)
    sim.discord.set_archived(thread.id)
    await sim.running_bot.get_partial_messageable(thread.id, guild_id=GUILD_ID).send("hello")
    assert not sim.discord.channels[thread.id].archived
    assert [a.to for a in sim.actions if a.text == "hello"] == ["thread:quiet"]


def _with_members(fake) -> None:  # type: ignore[no-untyped-def]
    from bot.simulator.harness import seed_guild

    seed_guild(fake)
    for i in range(300):
        fake.add_member(f"member{i}", locale="sv-SE")


async def test_a_guilds_members_come_only_to_a_bot_that_asks_for_them(
    tmp_path: Path, catalogs: Catalogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the presences intent GUILD_CREATE carries only the bot: the bot asks for the rest at start."""
    async with Simulator.running(tmp_path / "asks.db", catalogs=catalogs, seed=_with_members) as sim:
        guild = sim.running_bot.get_guild(GUILD_ID)
        assert guild is not None and len(guild.members) == 301 and guild.get_member(BOT_USER_ID) is not None

    from bot.edge.client import MultinationsBot

    built = MultinationsBot.__init__

    def not_asking(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        built(self, *args, **kwargs)
        self._connection._chunk_guilds = False  # a bot built with chunk_guilds_at_startup=False

    monkeypatch.setattr(MultinationsBot, "__init__", not_asking)
    async with Simulator.running(tmp_path / "silent.db", catalogs=catalogs, seed=_with_members) as sim:
        guild = sim.running_bot.get_guild(GUILD_ID)
        assert guild is not None and [m.id for m in guild.members] == [BOT_USER_ID]
