"""Under a burst, the commands many members use at once are acknowledged before discord.py reads
their options; the rate limit still answers first, and other commands are answered directly."""

from __future__ import annotations

from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.edge.ui import ACKNOWLEDGES_WHEN_BUSY, respond
from bot.simulator import Simulator


class Recorded(app_commands.Transformer):
    """An option that notes whether the member already had a first response when it was read."""

    def __init__(self, seen: list[bool]) -> None:
        self.seen = seen

    async def transform(self, interaction: discord.Interaction, value: str) -> str:  # type: ignore[override]
        self.seen.append(interaction.response.is_done())
        return value


SEEN: list[bool] = []


class Hot(commands.Cog):
    @app_commands.command(name="hot", description="Many members use it at once",
                          extras={ACKNOWLEDGES_WHEN_BUSY: True})
    async def hot(self, interaction: discord.Interaction,
                  word: app_commands.Transform[str, Recorded(SEEN)]) -> None:
        await respond(interaction, f"got {word}")

    @app_commands.command(name="cold", description="Not marked")
    async def cold(self, interaction: discord.Interaction) -> None:
        await respond(interaction, "cold")


async def hot_bot(sim: Simulator, *, busy: bool) -> None:
    SEEN.clear()
    await sim.running_bot.add_cog(Hot())
    if busy:
        sim.running_bot.busy_threshold = -1  # as if many members were being answered at this moment
    await sim.join("Amal")


async def test_a_marked_command_under_a_burst_is_acknowledged_before_its_options_are_read(sim: Simulator) -> None:
    await hot_bot(sim, busy=True)
    step = await sim.slash("Amal", "/hot word:hej")
    assert [(a.kind, a.visible_to) for a in step.actions] == [("defer", "Amal"), ("followup", "Amal")]
    assert step.last().content == "got hej"
    assert SEEN == [True]


async def test_a_marked_command_when_quiet_is_answered_directly(sim: Simulator) -> None:
    await hot_bot(sim, busy=False)
    step = await sim.slash("Amal", "/hot word:hej")
    assert [a.kind for a in step.actions] == ["interaction_response"]
    assert step.last().content == "got hej" and SEEN == [False]


async def test_a_command_not_marked_is_answered_directly_under_a_burst(sim: Simulator) -> None:
    await hot_bot(sim, busy=True)
    step = await sim.slash("Amal", "/cold")
    assert [a.kind for a in step.actions] == ["interaction_response"]


async def test_a_member_going_too_fast_in_a_burst_gets_the_polite_answer_not_an_endless_thinking(
        sim: Simulator) -> None:
    await hot_bot(sim, busy=True)
    steps = [await sim.slash("Amal", f"/hot word:w{n}") for n in range(12)]
    slowed = [s for s in steps if "fast" in s.last().content]
    assert slowed, "the member should be asked to slow down"
    for step in slowed:
        assert [a.kind for a in step.actions] == ["interaction_response"]
        assert step.last().visible_to == "Amal"
    assert len(SEEN) == 12 - len(slowed)  # a refused command's options are not even read


async def test_an_acknowledgement_that_times_out_is_an_incident_and_the_next_one_works(
        sim: Simulator, caplog) -> None:
    await hot_bot(sim, busy=True)
    sim.discord.inject("POST", r"/interactions/\d+/[^/]+/callback", 0)  # Discord never answers
    await sim.slash("Amal", "/hot word:first")
    assert "incident" in caplog.text  # the one error path, not an unhandled error in a task
    assert SEEN == []  # the command did not go on as if acknowledged
    await sim.advance(timedelta(seconds=10))  # past the per-member rate limit
    step = await sim.slash("Amal", "/hot word:again")
    assert [a.kind for a in step.actions] == ["defer", "followup"] and step.last().content == "got again"
