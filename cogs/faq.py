"""The FAQ's Discord glue: `/faq search|browse` for everyone, editing commands for volunteers and translators.

Thin by design: resolve the member's language, call `FaqService`, render, respond. Answers are
ephemeral (nobody else sees what a member asked). Role checks run inside the bot for every staff
action, also when a form is submitted or a "write translation" button is pressed later.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.access import Capability
from bot.core.errors import UserError
from bot.core.i18n import N_, Translator
from bot.core.languages import LANGUAGES
from bot.core.paging import pack
from bot.core.text import clean_text, reveal_link_hosts
from bot.edge.checks import require
from bot.edge.client import MultinationsBot
from bot.edge.conversation import DiscordConversation
from bot.edge.errors import guarded, report_error
from bot.edge.ui import (
    EMBED_DESCRIPTION_LIMIT,
    MESSAGE_LIMIT,
    SafeModal,
    acknowledge_if_busy,
    clip,
    respond,
    update_message,
    user_text,
)
from bot.features.faq.flows import FaqFlows
from bot.features.faq.models import CATEGORIES, CONTENT_LANGUAGES, Entry, Status, split_lines
from bot.features.faq.service import REASON_LIMIT, SEARCH_LIMIT, AnswerView, FaqService, language_name

log = logging.getLogger(__name__)

STAFF = (Capability.VOLUNTEER, Capability.TRANSLATOR)
RLM = "\u200f"
QUERY_IN_ID = 60

LANGUAGE_CHOICES = [app_commands.Choice(name=f"{lang.native_name} ({lang.english_name})"[:100], value=code)
                    for code, lang in LANGUAGES.items()]
CATEGORY_CHOICES = [app_commands.Choice(name=label, value=key) for key, label in CATEGORIES.items()]
SOURCE_CHOICES = [app_commands.Choice(name="Svenska", value="sv"), app_commands.Choice(name="English", value="en")]


def _service(interaction: discord.Interaction[Any]) -> FaqService:
    service = interaction.client.services.capabilities.get("faq")
    assert isinstance(service, FaqService)
    return service


def _rtl_text(t_shown: Translator, text: str) -> str:
    """Right-to-left paragraphs start with a right-to-left mark so the client lays them out RTL."""
    if not t_shown.rtl:
        return text
    return "\n".join(f"{RLM}{line}" if line else line for line in text.split("\n"))


def render_answer(
    t: Translator, shown: Translator, view: AnswerView, query: str = ""
) -> tuple[str | None, discord.Embed, discord.ui.View]:
    """The answer message: a notice line, the embed in the shown language, and its controls."""
    entry, text = view.entry, view.text
    notice = None
    if view.notice is Status.MISSING:
        notice = t._("This answer is not yet written in {language}. Here it is in {shown}.",
                     language=language_name(view.wanted_language), shown=language_name(view.shown_language))
    elif view.notice is Status.STALE:
        notice = t._("The {language} text of this answer is out of date. Here is the current text in {shown}.",
                     language=language_name(view.wanted_language), shown=language_name(view.shown_language))
    elif view.shown_language != entry.source_language and not text.reviewed:
        notice = t._("This translation has not yet been checked by a native speaker.")
    embed = discord.Embed(
        title=clip(_rtl_text(shown, discord.utils.escape_mentions(text.question)), 256),
        # A masked link shows the host it really leads to, so a look-alike address cannot pass for an authority.
        description=clip(_rtl_text(shown, discord.utils.escape_mentions(reveal_link_hosts(text.answer))),
                         EMBED_DESCRIPTION_LIMIT),
    )
    if entry.sources:
        embed.add_field(name=t._("Source"), value=clip("\n".join(entry.sources), 1024), inline=False)
    embed.set_footer(text=t._("Last checked: {date}", date=t.date(entry.last_checked)))
    controls = discord.ui.View(timeout=None)
    controls.add_item(HelpButton(entry.id, "yes", label=t._("Yes, this helped")))
    controls.add_item(HelpButton(entry.id, "no", query=query, label=t._("No, I need more help")))
    languages = [lang for lang in CONTENT_LANGUAGES if entry.texts.get(lang) and entry.texts[lang].has_content]
    if len(languages) > 1:
        controls.add_item(LanguagePicker(entry, languages, view.shown_language, t))
    return notice, embed, controls


async def show_entry(interaction: discord.Interaction[MultinationsBot], entry: Entry, query: str = "",
                     language: str | None = None, *, edit: bool = False, more: str | None = None) -> None:
    """Answer with `entry` in the member's language (or exactly `language` when picked); `more` is a
    line shown above it (other answers that may fit)."""
    service = _service(interaction)
    t = await interaction.client.translator_for(interaction)
    view = service.view_in(entry, language) if language else service.view(entry, t.code)
    shown = interaction.client.services.translator(view.shown_language)
    notice, embed, controls = render_answer(t, shown, view, query)
    if more:
        notice = f"{notice}\n\n{more}" if notice else more
    if edit and not interaction.response.is_done():
        await interaction.response.edit_message(content=notice, embed=embed, view=controls)
    else:
        await respond(interaction, notice, embed=embed, view=controls)


class HelpButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=r"faq:help:(?P<entry>\d+):(?P<answer>yes|no)(?::(?P<query>.*))?"):
    """"Did this help?": yes thanks; no opens a form whose text goes to the volunteers without a name."""

    def __init__(self, entry_id: int, answer: str, query: str = "", label: str = "") -> None:
        custom_id = f"faq:help:{entry_id}:{answer}"
        if query:
            custom_id += ":" + query[:QUERY_IN_ID]
        style = discord.ButtonStyle.success if answer == "yes" else discord.ButtonStyle.secondary
        super().__init__(discord.ui.Button(label=label or answer, style=style, custom_id=custom_id))
        self.entry_id, self.answer, self.query = entry_id, answer, query

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any],
                             match: re.Match[str], /) -> HelpButton:
        """Rebuild from an old message (any member may give feedback on public content)."""
        return cls(int(match["entry"]), match["answer"], match["query"] or "")

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Thank, or open the question form."""
        t = await interaction.client.translator_for(interaction)
        if self.answer == "yes":
            # Counted for the volunteers as a number only: who pressed is never stored.
            await _service(interaction).record_helped(self.entry_id)
            await respond(interaction, t._("Thank you! Glad it helped."))
            return
        entry = _service(interaction).by_id(self.entry_id)
        await interaction.response.send_modal(QuestionModal(t, entry.slug if entry else None, self.query))


class QuestionModal(SafeModal):
    """The member writes what they want to know; only the text and language are queued."""

    def __init__(self, t: Translator, slug: str | None, query: str) -> None:
        super().__init__(title=clip(t._("Ask the volunteers"), 45), custom_id="faq:question")
        self.t, self.slug = t, slug
        self.question: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=clip(t._("What would you like to know?"), 45), style=discord.TextStyle.paragraph,
            default=query or None, max_length=400, custom_id="question",
        )
        self.add_item(self.question)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Queue the question without who asked."""
        # From direct messages the question goes to the bot's own server, so that volunteers see it.
        guild_id = interaction.guild_id or interaction.client.services.settings.guild_id
        await _service(interaction).add_unanswered(guild_id, self.question.value, self.t.code, self.slug,
                                                   asker=interaction.user.id)
        await respond(interaction, self.t._(
            "Thank you. Your question was sent to the volunteers without your name. "
            "They use such questions to improve the answers."
        ))

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:
        """The one error path."""
        await report_error(interaction, error)


class LanguagePicker(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"faq:lang:(?P<entry>\d+)"):
    """"Show in another language": any member may switch the language of an answer they see."""

    def __init__(self, entry: Entry | None, languages: list[str] | None = None, current: str | None = None,
                 t: Translator | None = None, entry_id: int | None = None) -> None:
        options = []
        for code in languages or []:
            description = None
            if entry is not None and t is not None:
                if entry.status(code) is Status.STALE:
                    description = t._("out of date")
                elif code != entry.source_language and not entry.texts[code].reviewed:
                    description = t._("not yet checked")
            options.append(discord.SelectOption(label=language_name(code), value=code, description=description,
                                                default=code == current))
        if not options:
            options = [discord.SelectOption(label="English", value="en")]
        ident = entry.id if entry is not None else entry_id
        super().__init__(discord.ui.Select(
            custom_id=f"faq:lang:{ident}", options=options[:25],
            placeholder=clip(t._("Show in another language") if t else "Language", 100),
        ))
        self.entry_id = ident

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Select[Any],
                             match: re.Match[str], /) -> LanguagePicker:
        """Rebuild from an old message."""
        return cls(None, entry_id=int(match["entry"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Show the answer in the chosen language."""
        values = (interaction.data or {}).get("values") or []
        entry = _service(interaction).by_id(int(self.entry_id or 0))
        if entry is None or not values or values[0] not in CONTENT_LANGUAGES:
            raise UserError(N_("This answer is no longer available."))
        await show_entry(interaction, entry, language=values[0], edit=True)


class OpenSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"faq:open:(?P<category>[a-z]+)"):
    """The list of `/faq browse`: pick a question to read its answer."""

    def __init__(self, category: str, options: list[discord.SelectOption] | None = None,
                 placeholder: str = "") -> None:
        super().__init__(discord.ui.Select(
            custom_id=f"faq:open:{category}", options=options or [discord.SelectOption(label="-", value="-")],
            placeholder=placeholder or None,
        ))
        self.category = category

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Select[Any],
                             match: re.Match[str], /) -> OpenSelect:
        """Rebuild from an old message."""
        return cls(match["category"])

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Show the picked entry."""
        values = (interaction.data or {}).get("values") or []
        entry = _service(interaction).find(values[0]) if values else None
        if entry is None:
            raise UserError(N_("This answer is no longer available."))
        await show_entry(interaction, entry)


class PageButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=r"faq:page:(?P<list>browse|unanswered):(?P<key>[a-z]*):(?P<page>\d{1,6}):(?P<dir>prev|next)"):
    """"Previous" / "Next" under `/faq browse` and `/faq unanswered`: the page to show is in the id,
    so buttons of old messages keep working after a restart (a page past the end shows the last)."""

    def __init__(self, listing: str, key: str, page: int, direction: str, *, label: str = "",
                 disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(
            label=label or direction, style=discord.ButtonStyle.secondary, disabled=disabled,
            custom_id=f"faq:page:{listing}:{key}:{max(page, 0)}:{direction}",
        ))
        self.listing, self.key, self.page = listing, key, max(page, 0)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any],
                             match: re.Match[str], /) -> PageButton:
        """Rebuild from an old message."""
        return cls(match["list"], match["key"], int(match["page"]), match["dir"])

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Show the page (the unanswered queue only to volunteers and translators)."""
        t = await interaction.client.translator_for(interaction)
        if self.listing == "browse":
            content, view = browse_message(t, _service(interaction), self.key, self.page)
        else:
            require(interaction, *STAFF)
            content, view = await unanswered_message(t, _service(interaction), interaction.guild_id, self.page)
        await update_message(interaction, content, view=view)


def _page_buttons(t: Translator, view: discord.ui.View, listing: str, key: str, page: int, pages: int) -> None:
    if pages <= 1:
        return
    view.add_item(PageButton(listing, key, page - 1, "prev", label=t._("Previous"), disabled=page == 0))
    view.add_item(PageButton(listing, key, page + 1, "next", label=t._("Next"), disabled=page >= pages - 1))


def browse_message(t: Translator, service: FaqService, category: str, page: int) -> tuple[str, discord.ui.View]:
    """A page of a category's questions in the member's language, with a menu to open one."""
    found = service.browse(category, page)
    view = discord.ui.View(timeout=None)
    if not found.items:
        return t._("There are no answers in this topic yet."), view
    options = [discord.SelectOption(label=clip(service.title(e, t.code), 100), value=e.slug) for e in found.items]
    view.add_item(OpenSelect(category, options, clip(t._("Choose a question"), 100)))
    _page_buttons(t, view, "browse", category, found.number, found.count)
    heading = f"**{t._(CATEGORIES[category])}**"
    if found.count > 1:
        heading += " · " + t._("page {page} of {pages}", page=found.number + 1, pages=found.count)
    lines = [heading] + [f"• {user_text(o.label)}" for o in options]
    return clip("\n".join(lines)), view


async def unanswered_message(t: Translator, service: FaqService, guild_id: int | None,
                             page: int) -> tuple[str, discord.ui.View]:
    """A page of the open questions (never who asked), as many as fit in one message."""
    view = discord.ui.View(timeout=None)
    items = await service.unanswered(guild_id)
    if not items:
        return t._("No open questions. Thank you!"), view
    blocks = []
    for item in items:
        about = f" · `{item.entry_slug}`" if item.entry_slug else ""
        text = user_text(clip(item.question, 300)) if item.question else t._("(text removed by a volunteer)")
        blocks.append(clip(f"**{item.id}** · {language_name(item.language)} · {t.date(item.created_at)}{about}\n"
                           + "\n".join(f"> {line}" for line in text.split("\n")),
                           MESSAGE_LIMIT - 200))
    pages = pack(blocks, MESSAGE_LIMIT - 200)
    page = min(max(page, 0), len(pages) - 1)
    heading = t._("Open questions (who asked is never stored):")
    if len(pages) > 1:
        heading += " " + t._("page {page} of {pages}", page=page + 1, pages=len(pages))
    _page_buttons(t, view, "unanswered", "", page, len(pages))
    return clip("\n".join([heading] + [blocks[i] for i in pages[page]])), view


class WriteTranslationButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                             template=r"faq:write:(?P<entry>\d+):(?P<lang>[a-z]{2,3})"):
    """Opens the translation form; the presser's role is checked again."""

    def __init__(self, entry_id: int, language: str, label: str = "Write") -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.primary,
                                           custom_id=f"faq:write:{entry_id}:{language}"))
        self.entry_id, self.language = entry_id, language

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any],
                             match: re.Match[str], /) -> WriteTranslationButton:
        """Rebuild from an old message."""
        return cls(int(match["entry"]), match["lang"])

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Check the role, then open the form prefilled with the current translation."""
        require(interaction, *STAFF)
        entry = _service(interaction).by_id(self.entry_id)
        if entry is None or self.language not in CONTENT_LANGUAGES:
            raise UserError(N_("This answer is no longer available."))
        t = await interaction.client.translator_for(interaction)
        await interaction.response.send_modal(TranslateModal(t, entry, self.language))


class _StaffModal(SafeModal):
    """A form for volunteers or translators; the role is checked again on submit."""

    def _input(self, label: str, value: str, *, long: bool = False, required: bool = True,
               limit: int = 200, key: str) -> discord.ui.TextInput[Any]:
        field: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=clip(label, 45), default=value or None, required=required, max_length=limit, custom_id=key,
            style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
        )
        self.add_item(field)
        return field

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:
        """The one error path."""
        await report_error(interaction, error)


class EntryModal(_StaffModal):
    """Add an entry, or edit an entry's source text."""

    def __init__(self, t: Translator, *, entry: Entry | None = None, slug: str = "", category: str = "",
                 source_language: str = "sv", reason: str = "") -> None:
        title = t._("Edit {slug}", slug=entry.slug) if entry else t._("New FAQ entry")
        super().__init__(title=clip(title, 45), custom_id=f"faq:entry:{entry.id if entry else 0}")
        self.t, self.entry, self.slug, self.category = t, entry, slug, category
        self.source_language, self.reason = source_language, reason
        source = entry.source if entry else None
        lang = language_name(entry.source_language if entry else source_language)
        self.question = self._input(t._("Question ({language})", language=lang), source.question if source else "",
                                    key="question")
        self.answer = self._input(t._("Answer ({language})", language=lang), source.answer if source else "",
                                  long=True, limit=3500, key="answer")
        self.aliases = self._input(t._("Search words, one per line"), "\n".join(source.aliases) if source else "",
                                   long=True, required=False, limit=500, key="aliases")
        self.sources = self._input(t._("Official source links, one per line"),
                                   "\n".join(entry.sources) if entry else "", long=True, required=False,
                                   limit=1000, key="sources")

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Create or edit; tell the member which translations became stale."""
        require(interaction, *STAFF)
        service = _service(interaction)
        t = self.t
        sources = tuple(line.strip() for line in self.sources.value.splitlines() if line.strip())
        if self.entry is None:
            entry = await service.create(
                interaction.user.id, slug=self.slug, category=self.category, source_language=self.source_language,
                question=self.question.value, answer=self.answer.value, aliases=split_lines(self.aliases.value),
                sources=sources, reason=self.reason,
            )
            await respond(interaction, t._("Added {slug}. Translators can now translate it with /faq translate.",
                                           slug=entry.slug))
            return
        result = await service.edit(
            interaction.user.id, self.entry.slug, reason=self.reason, question=self.question.value,
            answer=self.answer.value, aliases=split_lines(self.aliases.value), sources=sources,
            guild_id=interaction.guild_id,
        )
        if result.stale_languages:
            names = t.join(language_name(code) for code in result.stale_languages)
            await respond(interaction, t._(
                "Saved as revision {number}. These translations are now out of date and the translators were "
                "told: {languages}.", number=result.revision, languages=names))
        else:
            await respond(interaction, t._("Saved as revision {number}.", number=result.revision))


class TranslateModal(_StaffModal):
    """Write a translation of the current source text."""

    def __init__(self, t: Translator, entry: Entry, language: str) -> None:
        super().__init__(title=clip(t._("{slug} in {language}", slug=entry.slug, language=language_name(language)), 45),
                         custom_id=f"faq:translate:{entry.id}:{language}")
        self.t, self.entry, self.language = t, entry, language
        current = entry.texts.get(language)
        self.question = self._input(t._("Question"), current.question if current else "", key="question")
        self.answer = self._input(t._("Answer"), current.answer if current else "", long=True, limit=3500,
                                  key="answer")
        self.aliases = self._input(t._("Search words, one per line"), "\n".join(current.aliases) if current else "",
                                   long=True, required=False, limit=500, key="aliases")
        self.reason = self._input(t._("What changed and why (optional)"), "", required=False, limit=REASON_LIMIT,
                                  key="reason")

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Store the translation as current (the optional reason goes to the history)."""
        require(interaction, *STAFF)
        await _service(interaction).translate(
            interaction.user.id, self.entry.slug, self.language, question=self.question.value,
            answer=self.answer.value, aliases=split_lines(self.aliases.value), reason=self.reason.value,
        )
        await respond(interaction, self.t._("Thank you! The {language} text of {slug} is saved and current.",
                                            language=language_name(self.language), slug=self.entry.slug))


class FaqCog(commands.Cog):
    """The translated FAQ."""

    faq = app_commands.Group(name="faq", description="Answers to newcomers' questions, in your language")

    def __init__(self, bot: MultinationsBot, service: FaqService) -> None:
        self.bot = bot
        self.service = service
        self.flows = FaqFlows(bot.services, DiscordConversation(bot))

    async def cog_load(self) -> None:
        """Load the starter set once, then the index; start the flows (the translators' notice job)."""
        await self.service.ensure_starter()
        await self.service.load()
        await self.flows.start()

    async def cog_unload(self) -> None:
        """Stop handling the job kind (rows stay pending)."""
        self.flows.stop()

    async def slug_autocomplete(self, interaction: discord.Interaction[MultinationsBot],
                                current: str) -> list[app_commands.Choice[str]]:
        """Up to 25 entries matching what the member typed, in any language, named in theirs."""
        t = await self.bot.translator_for(interaction)
        return [app_commands.Choice(name=name, value=slug) for name, slug in self.service.suggestions(current, t.code)]

    # ----- everyone ---------------------------------------------------------------------------
    @faq.command(name="search", description="Find an answer; write in any language")
    @app_commands.describe(query="What are you looking for? Any language is fine")
    async def search(self, interaction: discord.Interaction[MultinationsBot], query: str) -> None:
        """Show the best answer, with alternatives; offer to ask the volunteers when nothing fits."""
        query = clean_text(query, limit=SEARCH_LIMIT, field=N_("the search"))
        await acknowledge_if_busy(interaction)
        found = self.service.search(query, limit=4)
        if not found:
            t = await self.bot.translator_for(interaction)
            view = discord.ui.View(timeout=None)
            view.add_item(HelpButton(0, "no", query=query, label=t._("Ask the volunteers")))
            await respond(interaction, t._(
                "I found no answer for that. You can send your question to the volunteers (without your name)."),
                view=view)
            return
        more = None
        if len(found) > 1:
            t = await self.bot.translator_for(interaction)
            others = "\n".join(f"• {user_text(self.service.title(e, t.code))} (`{e.slug}`)" for e in found[1:])
            more = t._("Other answers that may fit:") + "\n" + others
        await show_entry(interaction, found[0], query, more=more)

    search.autocomplete("query")(slug_autocomplete)

    @faq.command(name="browse", description="Browse the answers by topic")
    @app_commands.describe(category="The topic")
    @app_commands.choices(category=CATEGORY_CHOICES)
    async def browse(self, interaction: discord.Interaction[MultinationsBot], category: str) -> None:
        """List a category's questions in the member's language, with a menu to open one."""
        t = await self.bot.translator_for(interaction)
        content, view = browse_message(t, self.service, category, 0)
        await respond(interaction, content, view=view)

    # ----- volunteers and translators ---------------------------------------------------------------
    @faq.command(name="add", description="Add a FAQ entry (volunteers)")
    @app_commands.describe(slug="A short name like bank-id", category="The topic",
                           source_language="The language you write it in")
    @app_commands.choices(category=CATEGORY_CHOICES, source_language=SOURCE_CHOICES)
    async def add(self, interaction: discord.Interaction[MultinationsBot], slug: str, category: str,
                  source_language: str = "sv") -> None:
        """Open the form for a new entry."""
        require(interaction, *STAFF)
        if self.service.find(slug) is not None:
            raise UserError(N_("An entry called {slug} already exists."), slug=slug)
        t = await self.bot.translator_for(interaction)
        await interaction.response.send_modal(EntryModal(t, slug=slug, category=category,
                                                         source_language=source_language))

    @faq.command(name="edit", description="Change a FAQ entry's source text (volunteers)")
    @app_commands.describe(entry="The entry", reason="Why it changes (shown in the history)")
    async def edit(self, interaction: discord.Interaction[MultinationsBot], entry: str, reason: str) -> None:
        """Open the form prefilled with the source text."""
        require(interaction, *STAFF)
        found = self.service.get(entry)
        if not clean_text(reason, limit=10**6, required=False):
            raise UserError(N_("Please give a short reason for the change."))
        reason = clean_text(reason, limit=REASON_LIMIT, field=N_("the reason"))
        t = await self.bot.translator_for(interaction)
        await interaction.response.send_modal(EntryModal(t, entry=found, reason=reason))

    edit.autocomplete("entry")(slug_autocomplete)

    @faq.command(name="translate", description="Translate a FAQ entry (translators)")
    @app_commands.describe(entry="The entry", language="The language you translate into")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def translate(self, interaction: discord.Interaction[MultinationsBot], entry: str, language: str) -> None:
        """Show the source text for reference, with a button that opens the translation form."""
        require(interaction, *STAFF)
        found = self.service.get(entry)
        t = await self.bot.translator_for(interaction)
        if language == found.source_language:
            raise UserError(N_("This is the entry's source language; use /faq edit to change it."))
        source = found.source
        status = found.status(language)
        state = {Status.CURRENT: t._("current"), Status.STALE: t._("out of date"),
                 Status.MISSING: t._("missing")}[status]
        embed = discord.Embed(title=clip(source.question, 256), description=clip(source.answer, 4000))
        if source.aliases:
            embed.add_field(name=t._("Search words"), value=clip(t.join(source.aliases, "unit"), 1024), inline=False)
        embed.set_footer(text=t._("Source text in {language}", language=language_name(found.source_language)))
        view = discord.ui.View(timeout=None)
        view.add_item(WriteTranslationButton(found.id, language, label=t._("Write the translation")))
        await respond(interaction, t._("{slug} in {language}: {state}.", slug=found.slug,
                                       language=language_name(language), state=state), embed=embed, view=view)

    translate.autocomplete("entry")(slug_autocomplete)

    @faq.command(name="review", description="Mark a translation as checked by a native speaker (translators)")
    @app_commands.describe(entry="The entry", language="The language you checked")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def review(self, interaction: discord.Interaction[MultinationsBot], entry: str, language: str) -> None:
        """Record the review."""
        require(interaction, *STAFF)
        found = await self.service.mark_reviewed(interaction.user.id, entry, language)
        t = await self.bot.translator_for(interaction)
        await respond(interaction, t._("Marked the {language} text of {slug} as checked.",
                                       language=language_name(language), slug=found.slug))

    review.autocomplete("entry")(slug_autocomplete)

    @faq.command(name="checked", description="Confirm a FAQ entry still matches its official sources (volunteers)")
    @app_commands.describe(entry="The entry")
    async def checked(self, interaction: discord.Interaction[MultinationsBot], entry: str) -> None:
        """Set the entry's last-checked date to today."""
        require(interaction, *STAFF)
        found = await self.service.mark_checked(interaction.user.id, entry)
        t = await self.bot.translator_for(interaction)
        await respond(interaction, t._("Marked {slug} as checked against its sources today.", slug=found.slug))

    checked.autocomplete("entry")(slug_autocomplete)

    @faq.command(name="history", description="See the changes of a FAQ entry (volunteers)")
    @app_commands.describe(entry="The entry")
    async def history(self, interaction: discord.Interaction[MultinationsBot], entry: str) -> None:
        """List revisions: number, when, who, what and why."""
        require(interaction, *STAFF)
        revisions = await self.service.history(entry)
        t = await self.bot.translator_for(interaction)
        helped = await self.service.helped_count(entry)
        lines = [t._("Changes of {slug}, newest first:", slug=entry.strip().lower()),
                 t.n_("Members said this answer helped them {n} time.",
                      "Members said this answer helped them {n} times.", helped)]
        for rev in revisions[:20]:
            if rev.author_id is not None:
                who = f"<@{rev.author_id}>"
            elif rev.author_deleted:
                who = t._("a deleted member")
            else:
                who = t._("the starter set or an import")
            why = f": {user_text(rev.reason)}" if rev.reason else ""
            lines.append(f"**{rev.number}** · {t.datetime(rev.created_at, 'short')} · {who} · `{rev.action}`{why}")
        await respond(interaction, "\n".join(lines))

    history.autocomplete("entry")(slug_autocomplete)

    @faq.command(name="rollback", description="Restore an earlier revision of a FAQ entry (volunteers)")
    @app_commands.describe(entry="The entry", revision="The revision number from /faq history",
                           reason="Why (shown in the history)")
    async def rollback(self, interaction: discord.Interaction[MultinationsBot], entry: str, revision: int,
                       reason: str) -> None:
        """Restore the content of an old revision as a new revision."""
        require(interaction, *STAFF)
        restored = await self.service.rollback(interaction.user.id, entry, revision, reason)
        t = await self.bot.translator_for(interaction)
        await respond(interaction, t._("{slug} now has the content of revision {number} again.",
                                       slug=restored.slug, number=revision))

    rollback.autocomplete("entry")(slug_autocomplete)

    @faq.command(name="remove", description="Hide a FAQ entry from members (volunteers)")
    @app_commands.describe(entry="The entry", reason="Why (shown in the history)")
    async def remove(self, interaction: discord.Interaction[MultinationsBot], entry: str, reason: str) -> None:
        """Remove (it stays in the history and can be restored with /faq rollback)."""
        require(interaction, *STAFF)
        removed = await self.service.remove(interaction.user.id, entry, reason)
        t = await self.bot.translator_for(interaction)
        await respond(interaction, t._("Removed {slug}. /faq rollback can bring it back.", slug=removed.slug))

    remove.autocomplete("entry")(slug_autocomplete)

    @faq.command(name="todo", description="Missing and out-of-date translations, entries due for review")
    @app_commands.describe(language="Only this language")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def todo(self, interaction: discord.Interaction[MultinationsBot], language: str | None = None) -> None:
        """List the open translation and review work."""
        require(interaction, *STAFF)
        t = await self.bot.translator_for(interaction)
        work = self.service.todo(language)
        lines: list[str] = []
        for code, slugs in work.stale.items():
            lines.append(t._("Out of date in {language}: {entries}", language=language_name(code),
                             entries=t.join(slugs)))
        for code, slugs in work.missing.items():
            lines.append(t._("Missing in {language}: {entries}", language=language_name(code),
                             entries=t.join(slugs)))
        if work.due_for_review:
            lines.append(t._("Due for a check against the sources: {entries}", entries=t.join(work.due_for_review)))
        text = "\n".join(lines) if lines else t._("Nothing to do. Thank you!")
        if len(text) <= MESSAGE_LIMIT:
            await respond(interaction, text)
            return
        # The full list as a file when it does not fit in one message.
        file = discord.File(io.BytesIO(text.encode("utf-8")), filename="faq-todo.txt")
        await respond(interaction, clip(text, MESSAGE_LIMIT - 100), file=file)

    @faq.command(name="unanswered", description="Questions members could not find answers to (volunteers)")
    @app_commands.describe(done="Mark this question number as handled",
                           redact="Remove the text of this question number (it held personal details)")
    async def unanswered(self, interaction: discord.Interaction[MultinationsBot], done: int | None = None,
                         redact: int | None = None) -> None:
        """List the open questions (never who asked), mark one handled, or remove a question's text."""
        require(interaction, *STAFF)
        t = await self.bot.translator_for(interaction)
        if redact is not None:
            await self.service.redact_unanswered(interaction.guild_id, redact)
            await respond(interaction, t._("The text of question {number} is removed.", number=redact))
            return
        if done is not None:
            await self.service.resolve_unanswered(interaction.guild_id, done)
            await respond(interaction, t._("Question {number} is marked as handled.", number=done))
            return
        content, view = await unanswered_message(t, self.service, interaction.guild_id, 0)
        await respond(interaction, content, view=view)


async def setup(bot: MultinationsBot) -> None:
    """Extension entry point: build the service, publish the capability, register persistent items."""
    services = bot.services
    service = FaqService(services.db, services.clock, services.jobs)
    services.privacy.register(service.privacy_section())
    services.capabilities["faq"] = service
    bot.add_dynamic_items(HelpButton, LanguagePicker, OpenSelect, PageButton, WriteTranslationButton)
    await bot.add_cog(FaqCog(bot, service))


async def teardown(bot: MultinationsBot) -> None:
    """Extension exit point."""
    bot.remove_dynamic_items(HelpButton, LanguagePicker, OpenSelect, PageButton, WriteTranslationButton)
    bot.services.capabilities.pop("faq", None)
    bot.services.privacy.unregister("faq")
