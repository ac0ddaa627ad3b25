"""Core commands on Discord: `/language` and `/privacy show | export | delete`.

What they do is written once in `bot.core.own_data` (declared in `services.commands`, pressed through
`services.routes`); this cog keeps the slash declarations and the gateway listeners that start and
stop forgetting a member who left.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.own_data import CoreFlows
from bot.core.services import Services
from bot.edge.client import MultinationsBot
from bot.edge.commands import run_command
from bot.edge.conversation import DiscordConversation
from bot.features.install import install_core


class CoreCog(commands.Cog):
    """Language choice, the member's own data, and forgetting members who left."""

    def __init__(self, bot: MultinationsBot, services: Services) -> None:
        self.bot = bot
        self.services = services
        self.flows: CoreFlows = install_core(services, DiscordConversation(bot)).flows

    async def cog_load(self) -> None:
        """Declare the commands and register the forgetting and redaction jobs."""
        await self.flows.start()

    async def cog_unload(self) -> None:
        """Stop handling them (rows stay for the next load)."""
        self.flows.stop()

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """Plan the deletion of a departed member's data."""
        if not payload.user.bot:
            await self.flows.retention.member_left(payload.guild_id, payload.user.id)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """A member who comes back in time keeps everything."""
        if not member.bot:
            await self.flows.retention.member_returned(member.guild.id, member.id)

    @app_commands.command(name="language", description="Choose the language the bot uses with you")
    async def language(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Show the language picker, each language in its own script."""
        await run_command(interaction, ("language",))

    privacy = app_commands.Group(name="privacy", description="See, download or delete what the bot stores about you")

    @privacy.command(name="show", description="See what the bot stores about you")
    async def privacy_show(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """List every kind of data the bot keeps, and whether it keeps any about you."""
        await run_command(interaction, ("privacy", "show"))

    @privacy.command(name="export", description="Download everything the bot stores about you")
    async def privacy_export(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Send a JSON file with all of it, visible only to you."""
        await run_command(interaction, ("privacy", "export"))

    @privacy.command(name="delete", description="Delete everything the bot stores about you")
    async def privacy_delete(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Ask for confirmation, then delete it all."""
        await run_command(interaction, ("privacy", "delete"))


async def setup(bot: MultinationsBot) -> None:
    """Extension entry point."""
    await bot.add_cog(CoreCog(bot, bot.services))
