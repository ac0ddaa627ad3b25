"""Mentor matching on Discord: the slash declarations of `/mentor ...` and `/match ...`, their
autocomplete, and the gateway listeners.

What every command does is declared once in `bot.features.mentoring.commands` (the handlers),
and everything that follows a decision (invitations, the pair's private thread, check-ins, notes to
coordinators, ratings) and the menu-based profile editor are flows in `bot.features.mentoring`,
reaching Discord through the conversation port (`bot.edge.conversation`).
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.edge.client import MultinationsBot
from bot.edge.commands import run_command
from bot.edge.conversation import DiscordConversation
from bot.edge.ui import clip
from bot.features.install import Installed, install_mentoring, uninstall_mentoring
from bot.features.mentoring.flows import MentoringFlows
from bot.features.mentoring.model import (
    AVAILABILITY,
    INTERESTS,
    MAX_CAPACITY,
    SPOKEN_LANGUAGES,
    TOPICS,
    availability_label,
    interest_label,
    language_name,
    topic_label,
)
from bot.features.mentoring.service import MentoringService

ROLE_CHOICES = [app_commands.Choice(name="volunteer", value="volunteer"),
                app_commands.Choice(name="newcomer", value="newcomer")]
Interaction = discord.Interaction[MultinationsBot]


class MentoringCog(commands.Cog):
    """Mentor profiles, matching rounds and the follow-up of each pair."""

    def __init__(self, bot: MultinationsBot, feature: Installed) -> None:
        self.bot = bot
        self.feature = feature
        self.service: MentoringService = feature.service
        self.flows: MentoringFlows = feature.flows

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """A member who left is not proposed in a round (their profile waits until they are forgotten)."""
        if not payload.user.bot:
            await self.service.member_left(payload.guild_id, payload.user.id)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """A member who came back is in the pool again."""
        if not member.bot:
            await self.service.member_returned(member.guild.id, member.id)

    async def cog_load(self) -> None:
        """The commands, the editor, follow-ups, check-ins, "no mentor yet" notes and the retention sweep."""
        await self.feature.start()

    async def cog_unload(self) -> None:
        """Stop handling them (rows stay for the next load)."""
        self.flows.stop()

    mentor = app_commands.Group(name="mentor", description="Be a mentor, or ask for one")
    match = app_commands.Group(name="match", description="Mentor matching (coordinators)")

    # ----- /mentor ---------------------------------------------------------------------------------------
    @mentor.command(name="volunteer", description="Offer to be a mentor for a newcomer")
    @app_commands.describe(
        languages="Languages you speak with a level 1-3, e.g. sv:3 en:2",
        help="What you can help with, e.g. work, housing, swedish",
        interests="Your interests, e.g. football, cooking",
        area="Your part of the municipality",
        availability="When you are free: weekdays, evenings, weekends",
        capacity="How many newcomers you can take (1-5)",
        adult="I am 18 or older",
    )
    async def mentor_volunteer(self, interaction: Interaction, languages: str, help: str, adult: bool,
                               interests: str | None = None, area: str | None = None,
                               availability: str | None = None,
                               capacity: app_commands.Range[int, 1, MAX_CAPACITY] = 1) -> None:
        """Create or change the member's mentor profile."""
        await run_command(interaction, ("mentor", "volunteer"), languages=languages, help=help, adult=adult,
                          interests=interests, area=area, availability=availability, capacity=capacity)

    @mentor.command(name="request", description="Ask for a mentor who speaks your language")
    @app_commands.describe(
        languages="Languages you speak with a level 1-3, e.g. ar:3 sv:1",
        help="What you would like help with, e.g. work, housing, swedish",
        interests="Your interests, e.g. football, cooking",
        area="Your part of the municipality",
        availability="When you are free: weekdays, evenings, weekends",
        adult="I am 18 or older",
    )
    async def mentor_request(self, interaction: Interaction, languages: str, help: str, adult: bool,
                             interests: str | None = None, area: str | None = None,
                             availability: str | None = None) -> None:
        """Create or change the member's request for a mentor."""
        await run_command(interaction, ("mentor", "request"), languages=languages, help=help, adult=adult,
                          interests=interests, area=area, availability=availability)

    @mentor.command(name="profile", description="Make or change your mentoring profile with menus")
    @app_commands.describe(role="A volunteer offers help; a newcomer asks for a mentor")
    @app_commands.choices(role=ROLE_CHOICES)
    async def mentor_profile(self, interaction: Interaction, role: str) -> None:
        """Open the menu-based editor, prefilled from the member's profile of that role."""
        await run_command(interaction, ("mentor", "profile"), role=role)

    @mentor_volunteer.autocomplete("area")
    @mentor_request.autocomplete("area")
    async def _complete_area(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        wanted = current.strip().casefold()
        areas = await self.flows.commands.areas(interaction.guild_id)
        return [app_commands.Choice(name=a[:100], value=a[:100]) for a in areas if wanted in a.casefold()][:25]

    @mentor_volunteer.autocomplete("languages")
    @mentor_request.autocomplete("languages")
    async def _complete_languages(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        t = await self.bot.translator_for(interaction)
        return _complete(current, {c: language_name(t, c) for c in SPOKEN_LANGUAGES})

    @mentor_volunteer.autocomplete("help")
    @mentor_request.autocomplete("help")
    async def _complete_help(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        t = await self.bot.translator_for(interaction)
        return _complete(current, {c: topic_label(t, c) for c in TOPICS})

    @mentor_volunteer.autocomplete("interests")
    @mentor_request.autocomplete("interests")
    async def _complete_interests(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        t = await self.bot.translator_for(interaction)
        return _complete(current, {c: interest_label(t, c) for c in INTERESTS})

    @mentor_volunteer.autocomplete("availability")
    @mentor_request.autocomplete("availability")
    async def _complete_availability(self, interaction: Interaction,
                                     current: str) -> list[app_commands.Choice[str]]:
        t = await self.bot.translator_for(interaction)
        return _complete(current, {c: availability_label(t, c) for c in AVAILABILITY})

    @mentor.command(name="status", description="See your mentoring profile, invitations and match")
    async def mentor_status(self, interaction: Interaction) -> None:
        """The member's profiles, open invitations, unanswered check-ins and active matches."""
        await run_command(interaction, ("mentor", "status"))

    @mentor.command(name="pause", description="Pause being a mentor until a date")
    @app_commands.describe(until="The last day of your pause, as YYYY-MM-DD")
    async def mentor_pause(self, interaction: Interaction, until: str) -> None:
        """Pause the mentor profile (no new matches) until and including a date."""
        await run_command(interaction, ("mentor", "pause"), until=until)

    @mentor.command(name="resume", description="End your pause and be available again")
    async def mentor_resume(self, interaction: Interaction) -> None:
        """Clear the pause."""
        await run_command(interaction, ("mentor", "resume"))

    @mentor.command(name="withdraw", description="Remove your mentoring profile")
    async def mentor_withdraw(self, interaction: Interaction) -> None:
        """Leave the pool; an active match continues until someone ends it."""
        await run_command(interaction, ("mentor", "withdraw"))

    @mentor.command(name="end", description="End your mentoring match")
    @app_commands.describe(partner="The person you were matched with (if you have several)")
    async def mentor_end(self, interaction: Interaction, partner: discord.Member | None = None) -> None:
        """End the member's own match (capacity freed, optional feedback)."""
        await run_command(interaction, ("mentor", "end"), partner=partner)

    # ----- /match (coordinators) -------------------------------------------------------------------------
    @match.command(name="preview", description="Propose mentor pairs for everyone waiting")
    async def match_preview(self, interaction: Interaction) -> None:
        """Run a matching round and show the proposals with scores and reasons."""
        # A round over a large pool takes seconds: Discord is answered "thinking" first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        await run_command(interaction, ("match", "preview"))

    @match.command(name="approve", description="Approve proposed pairs and invite them")
    @app_commands.describe(pairs="Pair numbers such as 1, 3 or the word all")
    async def match_approve(self, interaction: Interaction, pairs: str) -> None:
        """Invite the approved pairs; unmatched newcomers are told kindly."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        await run_command(interaction, ("match", "approve"), pairs=pairs)

    @match.command(name="reject", description="Drop proposed pairs")
    @app_commands.describe(pairs="Pair numbers such as 1, 3 or the word all")
    async def match_reject(self, interaction: Interaction, pairs: str) -> None:
        """Drop proposals; the people stay in the pool."""
        await run_command(interaction, ("match", "reject"), pairs=pairs)

    @match.command(name="set", description="Propose a pair by hand")
    @app_commands.describe(mentor="The mentor", newcomer="The newcomer")
    async def match_set(self, interaction: Interaction, mentor: discord.Member, newcomer: discord.Member) -> None:
        """Set a pair by hand (hard rules still apply)."""
        await run_command(interaction, ("match", "set"), mentor=mentor, newcomer=newcomer)

    @match.command(name="swap", description="Exchange the mentors of two proposed pairs")
    @app_commands.describe(first="The number of one pair", second="The number of the other pair")
    async def match_swap(self, interaction: Interaction, first: int, second: int) -> None:
        """Swap mentors between two proposals."""
        await run_command(interaction, ("match", "swap"), first=first, second=second)

    @match.command(name="block", description="Never propose this pair (private to coordinators)")
    @app_commands.describe(mentor="The mentor", newcomer="The newcomer")
    async def match_block(self, interaction: Interaction, mentor: discord.Member, newcomer: discord.Member) -> None:
        """Add a pair to the do-not-match list."""
        await run_command(interaction, ("match", "block"), mentor=mentor, newcomer=newcomer)

    @match.command(name="unblock", description="Take a pair off the do-not-match list")
    @app_commands.describe(mentor="The mentor", newcomer="The newcomer")
    async def match_unblock(self, interaction: Interaction, mentor: discord.Member,
                            newcomer: discord.Member) -> None:
        """Remove a pair from the do-not-match list."""
        await run_command(interaction, ("match", "unblock"), mentor=mentor, newcomer=newcomer)

    @match.command(name="end", description="End a mentoring match as coordinator")
    @app_commands.describe(mentor="The mentor", newcomer="The newcomer")
    async def match_end(self, interaction: Interaction, mentor: discord.Member, newcomer: discord.Member) -> None:
        """End a pair's match; both return to the pool."""
        await run_command(interaction, ("match", "end"), mentor=mentor, newcomer=newcomer)

    @match.command(name="stats", description="Mentoring totals: pool, matches, check-ins")
    async def match_stats(self, interaction: Interaction) -> None:
        """Aggregates only: no names."""
        await run_command(interaction, ("match", "stats"))


def _complete(current: str, labels: dict[str, str]) -> list[app_commands.Choice[str]]:
    """Complete the last item of a comma-separated list of codes, showing translated labels."""
    head, sep, last = current.rpartition(",")
    prefix = f"{head}{sep} " if sep else ""
    token = last.strip().lower()
    code_part = token.partition(":")[0]
    choices = []
    for code, label in labels.items():
        if not code_part or code.startswith(code_part) or code_part in label.lower():
            value = (prefix + code).strip()
            choices.append(app_commands.Choice(name=clip(f"{code} · {label}", 100), value=clip(value, 100)))
        if len(choices) == 25:
            break
    return choices


async def setup(bot: MultinationsBot) -> None:
    """Extension entry point: the service, its privacy section and the capability."""
    await bot.add_cog(MentoringCog(bot, install_mentoring(bot.services, DiscordConversation(bot))))


async def teardown(bot: MultinationsBot) -> None:
    """Extension exit point."""
    uninstall_mentoring(bot.services)
