"""The FAQ's Discord glue: the `/faq` slash commands, their autocomplete, and the extension's setup.

Everything a member sees and every check is in `bot.features.faq` (written once for every platform):
each callback hands its options to the declared command (`run_command`), and the buttons, menus and
forms of the FAQ are routed controls (`faq:help`, `faq:lang`, `faq:open`, `faq:page`, `faq:write`),
so buttons on old messages reach today's handlers by their custom ids.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.edge.client import MultinationsBot
from bot.edge.commands import run_command
from bot.edge.conversation import DiscordConversation
from bot.edge.ui import ACKNOWLEDGES_WHEN_BUSY
from bot.features.faq import commands as declared
from bot.features.faq.flows import FaqFlows
from bot.features.faq.service import FaqService
from bot.features.install import Installed, install_faq, uninstall_faq


def _choices(pairs: tuple[tuple[str, str], ...]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=label[:100], value=value) for value, label in pairs]


LANGUAGE_CHOICES = _choices(declared.LANGUAGE_CHOICES)
CATEGORY_CHOICES = _choices(declared.CATEGORY_CHOICES)
SOURCE_CHOICES = _choices(declared.SOURCE_CHOICES)


class FaqCog(commands.Cog):
    """The translated FAQ."""

    faq = app_commands.Group(name="faq", description="Answers to newcomers' questions, in your language")

    def __init__(self, bot: MultinationsBot, feature: Installed) -> None:
        self.bot = bot
        self.feature = feature
        self.service: FaqService = feature.service
        self.flows: FaqFlows = feature.flows

    async def cog_load(self) -> None:
        """Load the starter set once, then the index; start the flows (commands, controls, the notice job)."""
        await self.feature.start()

    async def cog_unload(self) -> None:
        """Stop handling the job kind (rows stay pending) and forget the commands and controls."""
        self.flows.stop()

    async def slug_autocomplete(self, interaction: discord.Interaction[MultinationsBot],
                                current: str) -> list[app_commands.Choice[str]]:
        """Up to 25 entries matching what the member typed, in any language, named in theirs."""
        t = await self.bot.translator_for(interaction)
        return [app_commands.Choice(name=name, value=slug) for name, slug in self.service.suggestions(current, t.code)]

    # ----- everyone ---------------------------------------------------------------------------
    @faq.command(name="search", description="Find an answer; write in any language",
                 extras={ACKNOWLEDGES_WHEN_BUSY: True})
    @app_commands.describe(query="What are you looking for? Any language is fine")
    async def search(self, interaction: discord.Interaction[MultinationsBot], query: str) -> None:
        """The best answer with other answers that may fit; "did you mean" when unsure."""
        await run_command(interaction, ("faq", "search"), query=query)

    search.autocomplete("query")(slug_autocomplete)

    @faq.command(name="browse", description="Browse the answers by topic")
    @app_commands.describe(category="The topic")
    @app_commands.choices(category=CATEGORY_CHOICES)
    async def browse(self, interaction: discord.Interaction[MultinationsBot], category: str) -> None:
        """A topic's questions in the member's language, with a menu to open one."""
        await run_command(interaction, ("faq", "browse"), category=category)

    # ----- volunteers and translators ---------------------------------------------------------------
    @faq.command(name="add", description="Add a FAQ entry (volunteers)")
    @app_commands.describe(slug="A short name like bank-id", category="The topic",
                           source_language="The language you write it in")
    @app_commands.choices(category=CATEGORY_CHOICES, source_language=SOURCE_CHOICES)
    async def add(self, interaction: discord.Interaction[MultinationsBot], slug: str, category: str,
                  source_language: str = "sv") -> None:
        """The form for a new entry."""
        await run_command(interaction, ("faq", "add"), slug=slug, category=category, source_language=source_language)

    @faq.command(name="edit", description="Change a FAQ entry's source text (volunteers)")
    @app_commands.describe(entry="The entry", reason="Why it changes (shown in the history)")
    async def edit(self, interaction: discord.Interaction[MultinationsBot], entry: str, reason: str) -> None:
        """The form prefilled with the source text."""
        await run_command(interaction, ("faq", "edit"), entry=entry, reason=reason)

    edit.autocomplete("entry")(slug_autocomplete)

    @faq.command(name="translate", description="Translate a FAQ entry (translators)")
    @app_commands.describe(entry="The entry", language="The language you translate into")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def translate(self, interaction: discord.Interaction[MultinationsBot], entry: str, language: str) -> None:
        """The source text for reference, with a button that opens the translation form."""
        await run_command(interaction, ("faq", "translate"), entry=entry, language=language)

    translate.autocomplete("entry")(slug_autocomplete)

    @faq.command(name="review", description="Mark a translation as checked by a native speaker (translators)")
    @app_commands.describe(entry="The entry", language="The language you checked")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def review(self, interaction: discord.Interaction[MultinationsBot], entry: str, language: str) -> None:
        """Record the review."""
        await run_command(interaction, ("faq", "review"), entry=entry, language=language)

    review.autocomplete("entry")(slug_autocomplete)

    @faq.command(name="checked", description="Confirm a FAQ entry still matches its official sources (volunteers)")
    @app_commands.describe(entry="The entry")
    async def checked(self, interaction: discord.Interaction[MultinationsBot], entry: str) -> None:
        """Set the entry's last-checked date to today."""
        await run_command(interaction, ("faq", "checked"), entry=entry)

    checked.autocomplete("entry")(slug_autocomplete)

    @faq.command(name="history", description="See the changes of a FAQ entry (volunteers)")
    @app_commands.describe(entry="The entry")
    async def history(self, interaction: discord.Interaction[MultinationsBot], entry: str) -> None:
        """List revisions: number, when, who, what and why."""
        await run_command(interaction, ("faq", "history"), entry=entry)

    history.autocomplete("entry")(slug_autocomplete)

    @faq.command(name="rollback", description="Restore an earlier revision of a FAQ entry (volunteers)")
    @app_commands.describe(entry="The entry", revision="The revision number from /faq history",
                           reason="Why (shown in the history)")
    async def rollback(self, interaction: discord.Interaction[MultinationsBot], entry: str, revision: int,
                       reason: str) -> None:
        """Restore the content of an old revision as a new revision."""
        await run_command(interaction, ("faq", "rollback"), entry=entry, revision=revision, reason=reason)

    rollback.autocomplete("entry")(slug_autocomplete)

    @faq.command(name="remove", description="Hide a FAQ entry from members (volunteers)")
    @app_commands.describe(entry="The entry", reason="Why (shown in the history)")
    async def remove(self, interaction: discord.Interaction[MultinationsBot], entry: str, reason: str) -> None:
        """Remove (it stays in the history and can be restored with a rollback)."""
        await run_command(interaction, ("faq", "remove"), entry=entry, reason=reason)

    remove.autocomplete("entry")(slug_autocomplete)

    @faq.command(name="todo", description="Missing and out-of-date translations, entries due for review")
    @app_commands.describe(language="Only this language")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def todo(self, interaction: discord.Interaction[MultinationsBot], language: str | None = None) -> None:
        """The open translation and review work, a page at a time."""
        await run_command(interaction, ("faq", "todo"), language=language)

    @faq.command(name="unanswered", description="Questions members could not find answers to (volunteers)")
    @app_commands.describe(done="Mark this question number as handled",
                           redact="Remove the text of this question number (it held personal details)")
    async def unanswered(self, interaction: discord.Interaction[MultinationsBot], done: int | None = None,
                         redact: int | None = None) -> None:
        """List the open questions (never who asked), mark one handled, or remove a question's text."""
        await run_command(interaction, ("faq", "unanswered"), done=done, redact=redact)


async def setup(bot: MultinationsBot) -> None:
    """Extension entry point: build the service, publish the capability, add the cog."""
    await bot.add_cog(FaqCog(bot, install_faq(bot.services, DiscordConversation(bot))))


async def teardown(bot: MultinationsBot) -> None:
    """Extension exit point."""
    uninstall_faq(bot.services)
