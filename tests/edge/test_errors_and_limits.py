"""The one error path, the per-member rate limit, and sync sending exactly `commands`' payload."""

from __future__ import annotations

import logging
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import UserError
from bot.simulator import Simulator


class Broken(commands.Cog):
    @app_commands.command(name="boom", description="Always fails")
    async def boom(self, interaction: discord.Interaction) -> None:
        raise RuntimeError(f"secret detail about {interaction.user.display_name}")

    @app_commands.command(name="polite", description="Refuses politely")
    async def polite(self, interaction: discord.Interaction) -> None:
        raise UserError("Please choose one of the languages in the list.")


class Guarded(commands.Cog):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        raise UserError("This only works in the server, not in direct messages.")

    @app_commands.command(name="guarded", description="Refused by the cog's check")
    async def guarded(self, interaction: discord.Interaction) -> None:
        raise AssertionError("never reached")


async def test_a_user_error_from_a_cogs_check_still_answers_the_member(sim: Simulator) -> None:
    await sim.running_bot.add_cog(Guarded())
    await sim.join("Amal")
    step = await sim.slash("Amal", "/guarded")
    assert step.last().visible_to == "Amal"
    assert "server" in step.last().content


async def test_an_unexpected_error_gives_an_apology_with_an_incident_id(sim: Simulator, caplog) -> None:
    await sim.running_bot.add_cog(Broken())
    await sim.join("Amal")
    with caplog.at_level(logging.INFO):
        step = await sim.slash("Amal", "/boom")
    reply = step.last()
    assert reply.visible_to == "Amal"
    assert "Incident" in reply.content
    incident = reply.content.rsplit(" ", 1)[-1].strip(")")
    assert incident in caplog.text
    assert "Amal" not in caplog.text  # no personal data in the log


async def test_a_user_error_is_a_translated_sentence_not_an_incident(sim: Simulator, caplog) -> None:
    await sim.running_bot.add_cog(Broken())
    await sim.join("Anna", locale="sv-SE")
    with caplog.at_level(logging.INFO):
        step = await sim.slash("Anna", "/polite")
    assert step.last().visible_to == "Anna"
    assert "Incident" not in step.last().content
    assert step.last().content != "Please choose one of the languages in the list."  # Swedish
    assert "incident" not in caplog.text


async def test_a_member_going_too_fast_is_slowed_and_others_are_not(sim: Simulator) -> None:
    await sim.join("Fast")
    await sim.join("Calm")
    replies = [await sim.slash("Fast", "/privacy show") for _ in range(12)]
    slowed = [s for s in replies if "fast" in s.last().content]
    assert slowed, "the member should be asked to slow down"
    assert "fast" not in (await sim.slash("Calm", "/privacy show")).last().content
    await sim.advance(timedelta(seconds=10))
    assert "fast" not in (await sim.slash("Fast", "/privacy show")).last().content


async def test_sync_puts_exactly_the_commands_payload(sim: Simulator, command_payload: list[dict]) -> None:
    await sim.running_bot.tree.sync()
    sent = sim.discord.synced_commands["global"]
    assert sent == command_payload
