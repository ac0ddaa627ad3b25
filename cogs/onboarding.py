"""Welcome onboarding on Discord: the `/welcome` declarations and the gateway listeners.

The welcome itself is written once in `bot.features.onboarding` (its flows speak through the
conversation port): every step, button and menu is a routed control (`onb:start`, `onb:step:...`,
`onb:pick:...`, `onb:claim:...`, the custom ids the welcome always had), every command a declared
handler. This cog turns Discord's gateway events into the flows' entry points and keeps the slash
declarations (descriptions, option types).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.conversation import MessageRef, Text, UserRef
from bot.core.services import Services
from bot.edge.client import MultinationsBot
from bot.edge.commands import run_command
from bot.edge.conversation import DiscordConversation, render_text
from bot.edge.mentions import MESSAGES_PER_FLUSH, plan_chunks
from bot.features.onboarding.flows import OnboardingFlows, install, uninstall

log = logging.getLogger(__name__)

#: Joins this recent that the database does not know are recorded at start (lost to a crash or downtime).
JOIN_CATCH_UP = timedelta(hours=1)


def _greeting_chunks(header: Text, user_ids: Sequence[int]) -> list[list[int]]:
    """Members to greet split into as few messages as Discord takes (2,000 characters, 100 mentions)."""
    return plan_chunks(render_text(header), user_ids)


async def _message_exists(bot: MultinationsBot, ref: MessageRef) -> bool:
    """Whether a posted message is still there (an answer other than "not found" counts as there)."""
    try:
        await bot.get_partial_messageable(int(ref.place.id)).fetch_message(int(ref.id))
    except discord.NotFound:
        return False
    except discord.HTTPException:
        log.warning("could not look for the start message in channel %s", ref.place.id)
    return True


def _id(value: discord.abc.Snowflake | None) -> str | None:
    """A channel or role option as the declared command takes it: its id as text."""
    return str(value.id) if value is not None else None


class OnboardingCog(commands.Cog):
    """The welcome's Discord surface."""

    def __init__(self, bot: MultinationsBot, flows: OnboardingFlows) -> None:
        self.bot = bot
        self.flows = flows
        self.service = flows.service
        self.services: Services = bot.services

    async def cog_load(self) -> None:
        """Start the flows: their jobs, routed controls and declared commands."""
        await self.flows.start()

    async def cog_unload(self) -> None:
        """Stop the flows (planned rows stay)."""
        self.flows.stop()

    # ----- gateway events --------------------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """Record the join at once; the greeting follows in a coalesced message."""
        if not member.bot:
            await self.flows.member_joined(member.guild.id, UserRef.of(member.id), pending=bool(member.pending))

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        """Rules Screening passed: greet now, and give the roles of a welcome finished while pending."""
        if not after.bot and before.pending and not after.pending:
            await self.flows.screening_passed(after.guild.id, UserRef.of(after.id))

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """Off the volunteers' queue (the core's retention job deletes their data later)."""
        if not payload.user.bot:
            await self.flows.member_left(payload.guild_id, UserRef.of(payload.user.id))

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """The Start post where it is missing; joins and screenings the bot missed while away."""
        since = self.services.clock.now() - JOIN_CATCH_UP
        for guild in self.bot.guilds:
            await self.flows.ensure_start(guild.id)
            await self.flows.catch_up_joins(guild.id, [(UserRef.of(m.id), m.joined_at, bool(m.pending))
                                                       for m in guild.members if not m.bot and m.joined_at],
                                            since)
            for user_id in await self.service.pending_members(guild.id):
                member = guild.get_member(user_id)
                if member is not None and not member.pending:
                    await self.flows.screening_passed(guild.id, UserRef.of(user_id))

    # ----- commands --------------------------------------------------------------------------------------
    welcome = app_commands.Group(name="welcome", description="Your welcome to the server, and the volunteers' queue")

    @welcome.command(name="start", description="Start your welcome, or see and change your answers")
    async def welcome_start(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Open the member's own welcome (ephemeral)."""
        await run_command(interaction, ("welcome", "start"))

    @welcome.command(name="queue", description="Newcomers who would like a hello (volunteers)")
    async def welcome_queue(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Unclaimed newcomers, with what they agreed to share."""
        await run_command(interaction, ("welcome", "queue"))

    @welcome.command(name="stats", description="How many newcomers reached each welcome step (organizers)")
    async def welcome_stats(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """The funnel, aggregates only."""
        await run_command(interaction, ("welcome", "stats"))

    @welcome.command(name="setup", description="Set the welcome channels, roles, areas and texts (organizers)")
    @app_commands.describe(
        welcome_channel="Where new members are greeted",
        start_channel="Where the Start button is posted",
        volunteers_channel="Where volunteers get welcome cards",
        organizers_channel="Where problems are reported to organizers",
        announcements_channel="Where events are announced",
        coordinators_channel="Where mentoring coordinators are told what needs them",
        pairs_channel="Where mentoring pairs get their private threads",
        translators_channel="Where translators hear which FAQ translations need work",
        newcomer_role="The role every newcomer gets",
        areas="Places to choose from, separated by commas",
        language="Language code of the welcome text, e.g. sv or ar",
        welcome_text="The welcome text in that language",
        role_for="A language code (e.g. ar) or help topic (e.g. housing) that gets its own role",
        role="The role given for that language or help topic",
    )
    async def welcome_setup(
        self,
        interaction: discord.Interaction[MultinationsBot],
        welcome_channel: discord.TextChannel | None = None,
        start_channel: discord.TextChannel | None = None,
        volunteers_channel: discord.TextChannel | None = None,
        organizers_channel: discord.TextChannel | None = None,
        announcements_channel: discord.TextChannel | None = None,
        coordinators_channel: discord.TextChannel | None = None,
        pairs_channel: discord.TextChannel | None = None,
        translators_channel: discord.TextChannel | None = None,
        newcomer_role: discord.Role | None = None,
        areas: str | None = None,
        language: str | None = None,
        welcome_text: str | None = None,
        role_for: str | None = None,
        role: discord.Role | None = None,
    ) -> None:
        """Channels and roles as their ids; the declared handler checks and stores everything at once."""
        await run_command(
            interaction, ("welcome", "setup"), welcome_channel=_id(welcome_channel), start_channel=_id(start_channel),
            volunteers_channel=_id(volunteers_channel), organizers_channel=_id(organizers_channel),
            announcements_channel=_id(announcements_channel), coordinators_channel=_id(coordinators_channel),
            pairs_channel=_id(pairs_channel), translators_channel=_id(translators_channel),
            newcomer_role=_id(newcomer_role), areas=areas, language=language, welcome_text=welcome_text,
            role_for=role_for, role=_id(role))


async def setup(bot: MultinationsBot) -> None:
    """Extension entry point: the welcome installed over the Discord adapter; the cog's load starts its flows."""
    flows = install(bot.services, DiscordConversation(bot), greet_chunks=_greeting_chunks,
                    greet_per_flush=MESSAGES_PER_FLUSH, message_exists=functools.partial(_message_exists, bot))
    await bot.add_cog(OnboardingCog(bot, flows))


async def teardown(bot: MultinationsBot) -> None:
    """Extension exit point."""
    uninstall(bot.services)
