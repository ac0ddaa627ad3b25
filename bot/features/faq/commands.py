"""The FAQ's commands and controls, written once for every platform (they speak only through the port).

Every `/faq ...` command is declared here with its options and the staff groups that may run it
(`Commands.run` checks them); every button, menu and form of the FAQ is routed here
(`faq:help`, `faq:lang`, `faq:open`, `faq:page`, `faq:write` and the forms `faq:question`,
`faq:entry`, `faq:translation`). A handler takes what a member would type (a slug, a number), never a
platform object, and checks again that the member may act on what an old or replayed control names.
"""

from __future__ import annotations

from bot.core.access import Capability
from bot.core.commands import STAFF_NAMES, Call, Kind, Param, Where
from bot.core.conversation import (
    READER,
    Action,
    Button,
    Card,
    CommandRef,
    Exchange,
    Form,
    FormField,
    Message,
    Parts,
    Said,
    Style,
    Text,
)
from bot.core.errors import NotAllowed, UserError
from bot.core.flows import Answer
from bot.core.i18n import N_, Translator
from bot.core.languages import LANGUAGES
from bot.core.services import Services
from bot.core.text import clean_text
from bot.features.faq import views
from bot.features.faq.models import CATEGORIES, CONTENT_LANGUAGES, SLUG_RE, Entry, Status, split_lines
from bot.features.faq.service import REASON_LIMIT, SEARCH_LIMIT, UNANSWERED_LIMIT, FaqService, language_name

STAFF = (Capability.VOLUNTEER, Capability.TRANSLATOR)
LANGUAGE_CHOICES = tuple((code, f"{lang.native_name} ({lang.english_name})") for code, lang in LANGUAGES.items())
CATEGORY_CHOICES = tuple(CATEGORIES.items())
SOURCE_CHOICES = (("sv", "Svenska"), ("en", "English"))
#: Search results asked for: the answer and the other answers that may fit.
RESULTS = 1 + views.OTHERS_SHOWN
GONE = N_("This answer is no longer available.")


def _entry_param() -> Param:
    return Param("entry", description=N_("The entry"))


class FaqCommands:
    """The FAQ's command and control handlers."""

    def __init__(self, services: Services, service: FaqService) -> None:
        self.services = services
        self.service = service

    def start(self) -> None:
        """Declare the commands and route the controls."""
        declare = self.services.commands.declare
        entry, reason = _entry_param(), Param("reason", description=N_("Why (shown in the history)"))
        language = Param("language", description=N_("The language you translate into"), choices=LANGUAGE_CHOICES)
        category = Param("category", description=N_("The topic"), choices=CATEGORY_CHOICES)
        declare("faq", ("faq", "search"), N_("Find an answer; write in any language"), self.search,
                params=(Param("query", max_length=SEARCH_LIMIT),), where=Where.ANYWHERE)
        declare("faq", ("faq", "browse"), N_("Browse the answers by topic"), self.browse, params=(category,),
                where=Where.ANYWHERE)
        declare("faq", ("faq", "add"), N_("Add a FAQ entry (volunteers)"), self.add, needs=STAFF,
                params=(Param("slug"), category, Param("source_language", required=False, choices=SOURCE_CHOICES)))
        declare("faq", ("faq", "edit"), N_("Change a FAQ entry's source text (volunteers)"), self.edit, needs=STAFF,
                params=(entry, Param("reason", description=N_("Why it changes (shown in the history)"))))
        declare("faq", ("faq", "translate"), N_("Translate a FAQ entry (translators)"), self.translate,
                needs=STAFF, params=(entry, language))
        declare("faq", ("faq", "review"), N_("Mark a translation as checked by a native speaker (translators)"),
                self.review, needs=STAFF, params=(entry, Param("language", choices=LANGUAGE_CHOICES)))
        declare("faq", ("faq", "checked"), N_("Confirm a FAQ entry still matches its official sources (volunteers)"),
                self.checked, needs=STAFF, params=(entry,))
        declare("faq", ("faq", "history"), N_("See the changes of a FAQ entry (volunteers)"), self.history,
                needs=STAFF, params=(entry,))
        declare("faq", ("faq", "rollback"), N_("Restore an earlier revision of a FAQ entry (volunteers)"),
                self.rollback, needs=STAFF, params=(entry, Param("revision", Kind.INTEGER, min_value=1), reason))
        declare("faq", ("faq", "remove"), N_("Hide a FAQ entry from members (volunteers)"), self.remove,
                needs=STAFF, params=(entry, reason))
        declare("faq", ("faq", "todo"), N_("Missing and out-of-date translations, entries due for review"),
                self.todo, needs=STAFF, params=(Param("language", required=False, choices=LANGUAGE_CHOICES),))
        declare("faq", ("faq", "unanswered"), N_("Questions members could not find answers to (volunteers)"),
                self.unanswered, needs=STAFF, params=(Param("done", Kind.INTEGER, required=False),
                                                      Param("redact", Kind.INTEGER, required=False)))
        routes = self.services.routes
        routes.add("faq", "help", self.on_help, asks_form=True)
        routes.add("faq", "lang", self.on_language)
        routes.add("faq", "open", self.on_open)
        routes.add("faq", "page", self.on_page)
        routes.add("faq", "write", self.on_write, asks_form=True)
        routes.add("faq", "question", self.on_question)
        routes.add("faq", "entry", self.on_entry)
        routes.add("faq", "translation", self.on_translation)

    def stop(self) -> None:
        """Forget the commands and routes (the extension unloads)."""
        self.services.commands.remove_feature("faq")
        self.services.routes.remove_feature("faq")

    def _t(self, turn: Exchange) -> Translator:
        return self.services.translator(turn.language)

    @staticmethod
    def _staff(turn: Exchange) -> None:
        """Forms and buttons are checked again when used: a role may have gone meanwhile."""
        if not turn.holds(*STAFF):
            raise NotAllowed(N_("Sorry, only {roles} can do this."), roles=[STAFF_NAMES[c] for c in STAFF])

    def _entry(self, value: str) -> Entry:
        entry = self.service.by_id(int(value)) if value.isdigit() else None
        if entry is None:
            raise UserError(GONE)
        return entry

    async def show(self, turn: Exchange, entry: Entry, *, language: str | None = None, replace: bool = False,
                   others: list[Entry] | None = None) -> None:
        """Answer with `entry` in the member's language (or exactly `language`, picked), privately."""
        t = self._t(turn)
        view = self.service.view_in(entry, language) if language else self.service.view(entry, turn.language)
        titles = [(e.slug, self.service.title(e, t.code)) for e in others or []]
        message = views.answer_message(t, self.services.translator(view.shown_language), view, others=titles)
        await (turn.replace if replace else turn.answer)(message)

    # ----- everyone ---------------------------------------------------------------------------
    async def search(self, turn: Exchange, call: Call) -> None:
        """The best answer with other answers that may fit; "did you mean" when unsure; else the volunteers."""
        query = clean_text(call["query"], limit=SEARCH_LIMIT, field=N_("the search"))
        found = self.service.answers(query, limit=RESULTS)
        t = self._t(turn)
        if not found.entries:
            await turn.answer(views.nothing_found(t))
        elif not found.sure:
            await turn.answer(views.did_you_mean(t, [(e.slug, self.service.title(e, t.code)) for e in found.entries]))
        else:
            await self.show(turn, found.entries[0], others=found.entries[1:])

    async def browse(self, turn: Exchange, call: Call) -> None:
        """A topic's questions in the member's language, with a choice that opens one."""
        await turn.answer(views.browse_message(self._t(turn), self.service, call["category"], 0))

    async def on_open(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """`faq:open:<slug>` (a button) or a pick in a list: the entry, privately, in the member's language."""
        slug = answer.values[0] if answer.values else (action.args[0] if action.args else "")
        entry = self.service.find(slug)
        if entry is None:
            raise UserError(GONE)
        await self.show(turn, entry)

    async def on_language(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """The answer in another language the member picked."""
        entry = self._entry(action.args[0] if action.args else "")
        if not answer.values or answer.values[0] not in CONTENT_LANGUAGES:
            raise UserError(GONE)
        await self.show(turn, entry, language=answer.values[0], replace=True)

    async def on_help(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """"Did this help?": yes is counted (a number, never who); no opens the question form."""
        args = action.args
        if len(args) < 2 or not args[0].isdigit() or args[1] not in ("yes", "no"):
            raise UserError(GONE)
        t = self._t(turn)
        if args[1] == "yes":
            await self.service.record_helped(int(args[0]))
            await turn.answer(Message.of(t._("Thank you! Glad it helped.")))
            return
        entry = self.service.by_id(int(args[0]))
        # Buttons of older versions carry the search typed (ids of today carry none: they are no place for it).
        typed = ":".join(args[2:])
        await turn.ask(Form(Action("faq", "question", (str(entry.id) if entry else "0",)), t._("Ask the volunteers"), (
            FormField("question", t._("What would you like to know?"), long=True, default=typed,
                      max_length=UNANSWERED_LIMIT),)))

    async def on_question(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """Queue the question for the volunteers, without who asked."""
        entry = self.service.by_id(int(action.args[0])) if action.args and action.args[0].isdigit() else None
        await self.service.add_unanswered(turn.community, answer.fields.get("question", ""), turn.language,
                                          entry.slug if entry else None, asker=int(turn.user.id))
        await turn.answer(Message.of(self._t(turn)._(
            "Thank you. Your question was sent to the volunteers without your name. "
            "They use such questions to improve the answers.")))

    async def on_page(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """Previous / Next of a list (the open questions and the work only for volunteers and translators)."""
        args = action.args
        if len(args) < 3 or not args[2].isdigit():
            raise UserError(GONE)
        listing, key, page, t = args[0], args[1], int(args[2]), self._t(turn)
        if listing == "browse":
            await turn.replace(views.browse_message(t, self.service, key, page))
            return
        self._staff(turn)
        if listing == "unanswered":
            await turn.replace(views.unanswered_message(t, await self.service.unanswered(turn.community), page))
        elif listing == "todo" and (not key or key in CONTENT_LANGUAGES):
            await turn.replace(views.todo_message(t, self.service.todo(key or None), key, page))
        else:
            raise UserError(GONE)

    # ----- volunteers and translators ---------------------------------------------------------
    async def add(self, turn: Exchange, call: Call) -> None:
        """The form for a new entry."""
        slug = call["slug"].strip().lower()
        if not SLUG_RE.match(slug):
            raise UserError(N_("A short name uses lower-case letters, digits and dashes (2 to 40), like bank-id."))
        if self.service.find(slug) is not None:
            raise UserError(N_("An entry called {slug} already exists."), slug=slug)
        await turn.ask(self._entry_form(self._t(turn), None, ("new", slug, call["category"],
                                                              call.get("source_language", "sv"))))

    async def edit(self, turn: Exchange, call: Call) -> None:
        """The form prefilled with the source text (and the reason given)."""
        found = self.service.get(call["entry"])
        if not clean_text(call["reason"], limit=10**6, required=False):
            raise UserError(N_("Please give a short reason for the change."))
        reason = clean_text(call["reason"], limit=REASON_LIMIT, field=N_("the reason"))
        await turn.ask(self._entry_form(self._t(turn), found, (str(found.id),), reason))

    @staticmethod
    def _entry_form(t: Translator, entry: Entry | None, args: tuple[str, ...], reason: str = "") -> Form:
        source = entry.source if entry else None
        language = language_name(entry.source_language if entry else args[3])
        fields = [
            FormField("question", t._("Question ({language})", language=language), default=source.question if source
                      else "", max_length=200),
            FormField("answer", t._("Answer ({language})", language=language), long=True,
                      default=source.answer if source else "", max_length=3500),
            FormField("aliases", t._("Search words, one per line"), long=True, required=False,
                      default="\n".join(source.aliases) if source else "", max_length=500),
            FormField("sources", t._("Official source links, one per line"), long=True, required=False,
                      default="\n".join(entry.sources) if entry else "", max_length=1000),
        ]
        if entry is not None:
            fields.append(FormField("reason", t._("Why it changes (shown in the history)"), default=reason,
                                    max_length=REASON_LIMIT))
        title = t._("Edit {slug}", slug=entry.slug) if entry else t._("New FAQ entry")
        return Form(Action("faq", "entry", args), title, tuple(fields))

    async def on_entry(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """Create or edit; tell the member which translations became stale."""
        self._staff(turn)
        fields, t, args = answer.fields, self._t(turn), action.args
        sources = tuple(line.strip() for line in fields.get("sources", "").splitlines() if line.strip())
        aliases = split_lines(fields.get("aliases", ""))
        if args and args[0] == "new" and len(args) == 4:
            entry = await self.service.create(
                int(turn.user.id), slug=args[1], category=args[2], source_language=args[3],
                question=fields.get("question", ""), answer=fields.get("answer", ""), aliases=aliases, sources=sources)
            parts = Parts()
            await turn.answer(Message(parts.text(t._(
                "Added {slug}. Translators can now translate it with {command}.", slug=entry.slug,
                command=parts.command("faq", "translate", shown_in=READER)))))
            return
        entry = self._entry(args[0] if args else "")
        result = await self.service.edit(
            int(turn.user.id), entry.slug, reason=fields.get("reason", ""), question=fields.get("question", ""),
            answer=fields.get("answer", ""), aliases=aliases, sources=sources, guild_id=turn.community)
        if result.stale_languages:
            await turn.answer(Message.of(t._(
                "Saved as revision {number}. These translations are now out of date and the translators were "
                "told: {languages}.", number=result.revision,
                languages=t.join(language_name(code) for code in result.stale_languages))))
        else:
            await turn.answer(Message.of(t._("Saved as revision {number}.", number=result.revision)))

    async def translate(self, turn: Exchange, call: Call) -> None:
        """The source text for reference, with a button that opens the translation form."""
        found, language, t = self.service.get(call["entry"]), call["language"], self._t(turn)
        if language == found.source_language:
            raise UserError(N_("This is the entry's source language; use {command} to change it."),
                            command=CommandRef(("faq", "edit"), language=READER))
        state = {Status.CURRENT: t._("current"), Status.STALE: t._("out of date"),
                 Status.MISSING: t._("missing")}[found.status(language)]
        source = found.source
        card = Card(source.question, Text((Said(source.answer, formatted=True),)),
                    ((t._("Search words"), Text((Said(", ".join(source.aliases)),))),) if source.aliases else (),
                    t._("Source text in {language}", language=language_name(found.source_language)))
        await turn.answer(Message.of(
            t._("{slug} in {language}: {state}.", slug=found.slug, language=language_name(language), state=state),
            Button(Action("faq", "write", (str(found.id), language)), t._("Write the translation"), Style.PRIMARY),
            card=card))

    async def on_write(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """The translation form, prefilled with the current translation (the role is checked again)."""
        self._staff(turn)
        entry = self._entry(action.args[0] if action.args else "")
        language = action.args[1] if len(action.args) > 1 else ""
        if language not in CONTENT_LANGUAGES:
            raise UserError(GONE)
        t, current = self._t(turn), entry.texts.get(language)
        await turn.ask(Form(Action("faq", "translation", (str(entry.id), language)),
                            t._("{slug} in {language}", slug=entry.slug, language=language_name(language)), (
            FormField("question", t._("Question"), default=current.question if current else "", max_length=200),
            FormField("answer", t._("Answer"), long=True, default=current.answer if current else "", max_length=3500),
            FormField("aliases", t._("Search words, one per line"), long=True, required=False,
                      default="\n".join(current.aliases) if current else "", max_length=500),
            FormField("reason", t._("What changed and why (optional)"), required=False, max_length=REASON_LIMIT))))

    async def on_translation(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """Store the translation as current (the optional reason goes to the history)."""
        self._staff(turn)
        entry = self._entry(action.args[0] if action.args else "")
        language = action.args[1] if len(action.args) > 1 else ""
        fields = answer.fields
        await self.service.translate(int(turn.user.id), entry.slug, language, question=fields.get("question", ""),
                                     answer=fields.get("answer", ""), aliases=split_lines(fields.get("aliases", "")),
                                     reason=fields.get("reason", ""))
        await turn.answer(Message.of(self._t(turn)._("Thank you! The {language} text of {slug} is saved and current.",
                                                     language=language_name(language), slug=entry.slug)))

    async def review(self, turn: Exchange, call: Call) -> None:
        """Record that a native speaker checked a translation."""
        found = await self.service.mark_reviewed(int(turn.user.id), call["entry"], call["language"])
        await turn.answer(Message.of(self._t(turn)._("Marked the {language} text of {slug} as checked.",
                                                     language=language_name(call["language"]), slug=found.slug)))

    async def checked(self, turn: Exchange, call: Call) -> None:
        """Set the entry's last-checked date to today."""
        found = await self.service.mark_checked(int(turn.user.id), call["entry"])
        await turn.answer(Message.of(self._t(turn)._("Marked {slug} as checked against its sources today.",
                                                     slug=found.slug)))

    async def history(self, turn: Exchange, call: Call) -> None:
        """The revisions: number, when, who, what and why."""
        revisions = await self.service.history(call["entry"])
        helped = await self.service.helped_count(call["entry"])
        await turn.answer(views.history_message(self._t(turn), call["entry"].strip().lower(), revisions, helped))

    async def rollback(self, turn: Exchange, call: Call) -> None:
        """Restore the content of an old revision as a new revision."""
        restored = await self.service.rollback(int(turn.user.id), call["entry"], call["revision"], call["reason"])
        await turn.answer(Message.of(self._t(turn)._("{slug} now has the content of revision {number} again.",
                                                     slug=restored.slug, number=call["revision"])))

    async def remove(self, turn: Exchange, call: Call) -> None:
        """Hide an entry (it stays in the history and can be restored)."""
        removed = await self.service.remove(int(turn.user.id), call["entry"], call["reason"])
        parts = Parts()
        await turn.answer(Message(parts.text(self._t(turn)._(
            "Removed {slug}. {command} can bring it back.", slug=removed.slug,
            command=parts.command("faq", "rollback", shown_in=READER)))))

    async def todo(self, turn: Exchange, call: Call) -> None:
        """The open translation and review work, a page at a time."""
        language = call.get("language", "")
        await turn.answer(views.todo_message(self._t(turn), self.service.todo(language or None), language, 0))

    async def unanswered(self, turn: Exchange, call: Call) -> None:
        """The open questions (never who asked); mark one handled, or remove a question's text."""
        t = self._t(turn)
        if call.get("redact") is not None:
            await self.service.redact_unanswered(turn.community, call["redact"])
            await turn.answer(Message.of(t._("The text of question {number} is removed.", number=call["redact"])))
        elif call.get("done") is not None:
            await self.service.resolve_unanswered(turn.community, call["done"])
            await turn.answer(Message.of(t._("Question {number} is marked as handled.", number=call["done"])))
        else:
            await turn.answer(views.unanswered_message(t, await self.service.unanswered(turn.community), 0))
