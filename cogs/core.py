"""Core commands: `/language` and `/privacy show | export | delete`."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.jobs import Job, RetryLater
from bot.core.languages import LANGUAGES
from bot.core.mentions import REDACT_KIND
from bot.core.retention import MemberRetention
from bot.core.services import Services
from bot.edge.client import MultinationsBot
from bot.edge.errors import guarded
from bot.edge.ui import language_options, respond

log = logging.getLogger(__name__)


class LanguageSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"core:lang"):
    """The language picker of `/language`; a pick is stored for the member who made it."""

    def __init__(self, selected: str | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id="core:lang",
                placeholder="Language · Språk · اللغة · زبان · Luqadda · ቋንቋ · Мова · भाषा",
                options=language_options(selected),
                min_values=1,
                max_values=1,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Select[Any], match: re.Match[str], /
    ) -> LanguageSelect:
        """Rebuild from an old message (works across restarts)."""
        return cls()

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Store the choice and confirm in the chosen language."""
        values = (interaction.data or {}).get("values") or []
        code = values[0] if values else None
        services = interaction.client.services
        if code not in LANGUAGES:
            t = await interaction.client.translator_for(interaction)
            await respond(interaction, t._("Please choose one of the languages in the list."))
            return
        await services.prefs.set_language(interaction.user.id, code)
        t = services.translator(code)
        await interaction.response.edit_message(
            content=t._("Done. From now on I will answer you in {language}.", language=LANGUAGES[code].native_name),
            view=None,
        )


class PrivacyDeleteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"core:privacy-delete:(?P<user>\d+)"
):
    """Confirms `/privacy delete`; only the member it was shown to can press it."""

    def __init__(self, user_id: int, label: str = "Delete") -> None:
        super().__init__(
            discord.ui.Button(
                label=label, style=discord.ButtonStyle.danger, custom_id=f"core:privacy-delete:{user_id}"
            )
        )
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> PrivacyDeleteButton:
        """Rebuild from an old message."""
        return cls(int(match["user"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Delete everything about the member, after checking it is their own button."""
        t = await interaction.client.translator_for(interaction)
        if interaction.user.id != self.user_id:
            await respond(interaction, t._("This button belongs to someone else."))
            return
        services = interaction.client.services
        await services.privacy.delete(interaction.user.id)
        # After deletion the member has no stored language: answer in the one they were using.
        await interaction.response.edit_message(
            content=t._("Everything the bot stored about you has been deleted."), view=None
        )


class CoreCog(commands.Cog):
    """Language choice, the member's own data, and forgetting members who left."""

    def __init__(self, bot: MultinationsBot, services: Services) -> None:
        self.bot = bot
        self.services = services
        self.retention = MemberRetention(
            services.jobs, services.privacy, services.clock, services.settings.retention_days_after_leave
        )

    async def cog_load(self) -> None:
        """Register the retention job kind and the editing of messages that named a deleted member."""
        self.retention.register()
        # An edit found late after downtime is still owed: a long grace.
        self.services.jobs.register(REDACT_KIND, self._run_redact, grace=timedelta(days=365))

    async def _run_redact(self, job: Job) -> None:
        """Edit one of the bot's messages that named a member whose data was deleted (names no one itself)."""
        guild_id, channel_id = int(job.payload["guild"]), int(job.payload["channel"])
        message = self.bot.get_partial_messageable(channel_id, guild_id=guild_id).get_partial_message(
            int(job.payload["message"]))
        t = self.services.translator(await self.services.guild_language(guild_id))
        try:
            await message.edit(content=t._("This message named a member who has since asked for their data to be "
                                           "deleted, so it is no longer shown."), view=None)
        except (discord.NotFound, discord.Forbidden):
            log.info("redact: message of job %d is gone or no longer ours to edit", job.id)
        except discord.HTTPException as exc:
            raise RetryLater(timedelta(minutes=5), "discord unavailable") from exc

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """Plan the deletion of a departed member's data."""
        if not payload.user.bot:
            await self.retention.member_left(payload.guild_id, payload.user.id)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """A member who comes back in time keeps everything."""
        if not member.bot:
            await self.retention.member_returned(member.guild.id, member.id)

    @app_commands.command(name="language", description="Choose the language the bot uses with you")
    async def language(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Show the language picker, each language in its own script."""
        t = await self.bot.translator_for(interaction)
        stored = await self.services.prefs.language(interaction.user.id)
        view = discord.ui.View(timeout=None)
        view.add_item(LanguageSelect(selected=stored or t.code))
        await respond(interaction, t._("Which language would you like me to use with you?"), view=view)

    privacy = app_commands.Group(name="privacy", description="See, download or delete what the bot stores about you")

    @privacy.command(name="show", description="See what the bot stores about you")
    async def privacy_show(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """List every kind of data the bot keeps, and whether it keeps any about you."""
        t = await self.bot.translator_for(interaction)
        data = await self.services.privacy.export(interaction.user.id)
        lines = [t._("This is what the bot stores about you:")]
        for section in self.services.privacy.sections:
            state = t._("stored") if section.key in data else t._("nothing stored")
            lines.append(f"• **{t._(section.title)}** ({state}): {t._(section.description)}")
        if "preferences" in data and data["preferences"].get("language"):
            code = data["preferences"]["language"]
            lines.append(t._("Your language: {language}", language=LANGUAGES[code].native_name))
        lines.append(t._("Use /privacy export to download it all, or /privacy delete to remove it all."))
        await respond(interaction, "\n".join(lines))

    @privacy.command(name="export", description="Download everything the bot stores about you")
    async def privacy_export(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Send a JSON file with all of it, visible only to you."""
        t = await self.bot.translator_for(interaction)
        data = await self.services.privacy.export(interaction.user.id)
        document = {"user_id": str(interaction.user.id), "data": data}
        payload = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        file = discord.File(io.BytesIO(payload), filename="my-data.json")
        await respond(interaction, t._("Here is everything the bot stores about you."), file=file)

    @privacy.command(name="delete", description="Delete everything the bot stores about you")
    async def privacy_delete(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Ask for confirmation, then delete it all."""
        t = await self.bot.translator_for(interaction)
        view = discord.ui.View(timeout=None)
        view.add_item(PrivacyDeleteButton(interaction.user.id, label=t._("Yes, delete everything")))
        await respond(
            interaction,
            t._("This deletes everything the bot stores about you, in every feature. It cannot be undone."),
            view=view,
        )


async def setup(bot: MultinationsBot) -> None:
    """Extension entry point."""
    bot.add_dynamic_items(LanguageSelect, PrivacyDeleteButton)
    await bot.add_cog(CoreCog(bot, bot.services))


async def teardown(bot: MultinationsBot) -> None:
    """Extension exit point."""
    bot.remove_dynamic_items(LanguageSelect, PrivacyDeleteButton)
