"""The FAQ service: the one place that reads and changes FAQ content.

The database is the source of truth; the service keeps every entry in memory with a search index
built at load and updated after each committed change. Every change is a revision with its author,
time and reason (history, rollback). Role checks happen at the edge before these methods are called.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.core.capabilities import HELP_TOPICS, LinkItem
from bot.core.clock import Clock
from bot.core.conversation import Action, CommandRef
from bot.core.db import Database, Reads, Tx
from bot.core.errors import Msg, TooLong, UserError
from bot.core.i18n import N_
from bot.core.installation import installation_id
from bot.core.jobs import JobQueue
from bot.core.languages import LANGUAGES
from bot.core.paging import Page, page_of
from bot.core.privacy import PrivacySection
from bot.core.text import clean_text, strip_surrogates
from bot.features.faq import repository as repo
from bot.features.faq.models import (
    ALIAS_LIMIT,
    ALIASES_LIMIT,
    ANSWER_LIMIT,
    CATEGORIES,
    CATEGORY_TOPICS,
    CONTENT_LANGUAGES,
    MAX_SOURCES,
    QUESTION_LIMIT,
    SLUG_RE,
    SOURCE_LANGUAGES,
    Entry,
    Status,
    Text,
    fallback_chain,
    is_source_link,
)
from bot.features.faq.repository import Revision, Unanswered
from bot.features.faq.search import ALIAS, ANSWER, QUESTION, Document, SearchIndex, expansions, tokens
from bot.features.faq.transfer import ImportProblem, PoTranslation, parse_document, parse_po

log = logging.getLogger(__name__)

STARTER_DIR = Path(__file__).resolve().parent / "starter"
STARTER_KEY = "starter_loaded"
STALE_JOB = "faq.stale"
AUTOCOMPLETE_LIMIT = 25
CHOICE_NAME_LIMIT = 100
#: What a member may type: a search, a question for the volunteers, a reason for a change, one search word.
SEARCH_LIMIT = 200
UNANSWERED_LIMIT = 400
REASON_LIMIT = 200
HELPED_PREFIX = "helped:"
#: `/faq browse` shows this many questions per page (a select menu holds at most 25).
BROWSE_PAGE = 20
#: An answer found by a search comes with the other answers scoring at least this share of its score.
OTHERS_SHARE = 0.6
#: Questions one member may send to the volunteers in a day; counted in memory only, never stored.
QUESTIONS_PER_DAY = 5
QUESTION_WINDOW = timedelta(days=1)
#: The open questions `/faq unanswered` pages through, oldest first.
UNANSWERED_SHOWN = 500


@dataclass(frozen=True, slots=True)
class AnswerView:
    """What to show a reader: the text in the best language, and why it is not theirs."""

    entry: Entry
    text: Text
    shown_language: str
    wanted_language: str
    # None: the reader's own current text; otherwise Status.MISSING or Status.STALE in their language.
    notice: Status | None
    #: The text shown was made before the source's last change (it may miss that change).
    shown_stale: bool = False


@dataclass(frozen=True, slots=True)
class Found:
    """What a search found, best first, and whether the best one fits well enough to be given as the answer."""

    entries: list[Entry]
    sure: bool


@dataclass(frozen=True, slots=True)
class EditResult:
    """The outcome of an edit: the entry and the languages that became stale."""

    entry: Entry
    revision: int
    stale_languages: list[str]


@dataclass(frozen=True, slots=True)
class Todo:
    """Translation and review work."""

    missing: dict[str, list[str]]
    stale: dict[str, list[str]]
    due_for_review: list[str]


class FaqService:
    """Reads, searches and changes the FAQ; published as `services.capabilities["faq"]`."""

    def __init__(self, db: Database, clock: Clock, jobs: JobQueue | None = None) -> None:
        self._db = db
        self._clock = clock
        self._jobs = jobs
        self._entries: dict[int, Entry] = {}
        self._slugs: dict[str, int] = {}
        self.index = SearchIndex()
        # When each member sent their recent questions (member id -> times); memory only, lost at restart.
        self._asked: dict[int, deque[datetime]] = {}

    # ----- loading ----------------------------------------------------------------------------
    async def load(self) -> None:
        """Read every entry and build the search index."""
        async with self._db.read() as tx:
            entries = await repo.load_all(tx)
        self._entries = {}
        self._slugs = {}
        self.index = SearchIndex()
        for entry in entries:
            self._remember(entry)

    def _remember(self, entry: Entry) -> None:
        self._entries[entry.id] = entry
        self._slugs[entry.slug] = entry.id
        if entry.removed:
            self.index.remove(entry.id)
        else:
            self.index.put(entry.id, _documents(entry))

    async def ensure_starter(self, directory: Path = STARTER_DIR) -> int:
        """Load the starter set (idempotent; never overwrites anything). Returns entries added.

        A later version of the starter set adds its new entries, and gives existing starter entries
        the translations they lack, but only where the entry's source text is still the one shipped
        (a translation of an answer a volunteer has since rewritten would be out of date). Texts that
        exist are never touched."""
        files = sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.json"))
        sources = [(path.name, path.read_text(encoding="utf-8")) for path in files]
        # A digest of the files: an unchanged starter set is not even parsed again at the next start.
        digest = hashlib.sha256()
        for name, text in sources:
            digest.update(name.encode() + b"\0" + text.encode() + b"\0")
        marker = "sha256:" + digest.hexdigest()
        async with self._db.read() as tx:
            if await repo.get_meta(tx, STARTER_KEY) == marker:
                return 0
        parsed: list[Entry] = []
        for name, text in sources:
            parsed += parse_document(text, name)
        added = 0
        now = self._clock.now()
        async with self._db.transaction() as tx:
            if await repo.get_meta(tx, STARTER_KEY) == marker:
                return 0
            existing = await repo.slugs(tx)
            filled = 0
            for entry in parsed:
                if entry.slug in existing:
                    filled += await self._fill_translations(tx, entry, now)
                    continue
                entry = replace(entry, origin="starter")
                entry_id = await repo.insert(tx, entry, now)
                await repo.add_revision(tx, replace(entry, id=entry_id), None, "starter", "", now)
                added += 1
            await repo.set_meta(tx, STARTER_KEY, marker)
        if added or filled:
            log.info("loaded %d starter FAQ entries and %d new translations of earlier ones", added, filled)
            await self.load()
        return added

    @staticmethod
    async def _fill_translations(tx: Tx, shipped: Entry, now: datetime) -> int:
        """Give a stored starter entry the shipped translations it lacks; returns how many."""
        stored = await repo.load_one(tx, shipped.slug)
        if stored is None or stored.removed or stored.source_language != shipped.source_language:
            return 0
        ours, theirs = stored.source, shipped.source
        if (ours.question, ours.answer) != (theirs.question, theirs.answer):
            return 0
        new, added = stored, []
        for language, text in shipped.texts.items():
            have = stored.texts.get(language)
            if language == stored.source_language or not text.has_content or (have and have.has_content):
                continue
            aliases = have.aliases if have and have.aliases else text.aliases
            new = new.with_text(replace(text, aliases=aliases, based_on=stored.source_revision))
            added.append(language)
        if not added:
            return 0
        await repo.update(tx, new, now, None, set(added))
        await repo.add_revision(tx, new, None, "starter", "translations: " + " ".join(added), now)
        return len(added)

    # ----- reading ----------------------------------------------------------------------------
    @property
    def entries(self) -> list[Entry]:
        """Every entry that is not removed."""
        return [e for e in self._entries.values() if not e.removed]

    def all_entries(self) -> list[Entry]:
        """Every entry, removed ones too (exports)."""
        return list(self._entries.values())

    def find(self, slug: str) -> Entry | None:
        """An entry by slug (None when unknown or removed)."""
        entry_id = self._slugs.get(slug.strip().lower())
        entry = self._entries.get(entry_id) if entry_id is not None else None
        return None if entry is None or entry.removed else entry

    def by_id(self, entry_id: int) -> Entry | None:
        """An entry by id (None when unknown or removed)."""
        entry = self._entries.get(entry_id)
        return None if entry is None or entry.removed else entry

    def get(self, slug: str, *, include_removed: bool = False) -> Entry:
        """An entry by slug, or a polite refusal."""
        entry_id = self._slugs.get(slug.strip().lower())
        entry = self._entries.get(entry_id) if entry_id is not None else None
        if entry is None or (entry.removed and not include_removed):
            raise UserError(N_("There is no FAQ entry called {slug}."), slug=slug)
        return entry

    def search(self, query: str, limit: int = 10) -> list[Entry]:
        """Entries matching `query` in any language, best first (an exact slug first)."""
        query = _clean_query(query)
        found: list[Entry] = []
        if not query:
            return found
        exact = self.find(query) if SLUG_RE.match(query.strip().lower()) else None
        if exact is not None:
            found.append(exact)
        for hit in self.index.search(query, limit=limit):
            entry = self._entries.get(hit.entry_id)
            if entry is not None and not entry.removed and entry not in found:
                found.append(entry)
        return found[:limit]

    def answers(self, query: str, limit: int = 4) -> Found:
        """The entries for a member's search, and whether the best is a confident answer (else: "did you mean")."""
        query = _clean_query(query)
        if not query:
            return Found([], False)
        exact = self.find(query) if SLUG_RE.match(query.strip().lower()) else None
        hits = self.index.search(query, limit=limit)
        sure = exact is not None or self.index.confident(query, hits)
        if sure and hits:
            # Other answers are offered only when they fit nearly as well as the best one.
            hits = [hit for hit in hits if hit.score >= OTHERS_SHARE * hits[0].score]
        entries = [exact] if exact is not None else []
        for hit in hits:
            entry = self._entries.get(hit.entry_id)
            if entry is not None and not entry.removed and entry not in entries:
                entries.append(entry)
        return Found(entries[:limit], sure)

    def title(self, entry: Entry, language: str) -> str:
        """The entry's question in the reader's language, with fallback."""
        return self.view(entry, language).text.question

    def suggestions(self, query: str, language: str) -> list[tuple[str, str]]:
        """Autocomplete choices (name in the member's language, value = slug): at most 25, names <= 100."""
        query = _clean_query(query)
        entries = self.search(query, limit=AUTOCOMPLETE_LIMIT) if query else sorted(self.entries, key=_display_order)
        choices = []
        for entry in entries[:AUTOCOMPLETE_LIMIT]:
            name = self.title(entry, language)
            if len(name) > CHOICE_NAME_LIMIT:
                name = name[: CHOICE_NAME_LIMIT - 1] + "…"
            choices.append((name, entry.slug))
        return choices

    def view(self, entry: Entry, language: str) -> AnswerView:
        """The best text for a reader of `language`, and whether a notice is needed.

        A translation made before the source's last change is still shown in the reader's language (with a
        notice): a small edit of the Swedish text must not turn an Arabic reader's answer into Swedish. A
        missing one falls back to a related language, then English (current or not), and only then to the
        source language."""
        status = entry.status(language)
        if status is not Status.MISSING:
            return AnswerView(entry, entry.texts[language], language, language,
                              None if status is Status.CURRENT else Status.STALE, status is Status.STALE)
        for candidate in fallback_chain(language, entry.source_language):
            found = entry.status(candidate)
            if candidate != language and found is not Status.MISSING:
                return AnswerView(entry, entry.texts[candidate], candidate, language, status, found is Status.STALE)
        return AnswerView(entry, entry.source, entry.source_language, language, status)

    def view_in(self, entry: Entry, language: str) -> AnswerView:
        """The text in exactly `language` (when chosen in the picker), stale or not."""
        text = entry.texts.get(language)
        if text is None or not text.has_content:
            return self.view(entry, language)
        stale = entry.status(language) is Status.STALE
        return AnswerView(entry, text, language, language, Status.STALE if stale else None, stale)

    def readable_languages(self, entry: Entry) -> list[str]:
        """Languages the entry has a question and answer in."""
        return [lang for lang in CONTENT_LANGUAGES if lang in entry.texts and entry.texts[lang].has_content]

    def by_category(self, category: str) -> list[Entry]:
        """Entries of a category, by slug."""
        return sorted((e for e in self.entries if e.category == category), key=lambda e: e.slug)

    def browse(self, category: str, page: int = 0, size: int = BROWSE_PAGE) -> Page[Entry]:
        """One page of a category's entries (by slug); an unknown category is refused politely."""
        if category not in CATEGORIES:
            raise UserError(N_("Please choose one of the categories in the list."))
        return page_of(self.by_category(category), page, size)

    def todo(self, language: str | None = None) -> Todo:
        """Missing and stale translations (for one language or all) and entries due for review."""
        languages = [language] if language else [lang for lang in CONTENT_LANGUAGES if lang != "prs"]
        missing: dict[str, list[str]] = {}
        stale: dict[str, list[str]] = {}
        today = self._clock.now().date()
        due: list[str] = []
        for entry in sorted(self.entries, key=lambda e: e.slug):
            for lang in languages:
                status = entry.status(lang)
                if status is Status.MISSING:
                    missing.setdefault(lang, []).append(entry.slug)
                elif status is Status.STALE:
                    stale.setdefault(lang, []).append(entry.slug)
            if entry.due_for_review(today):
                due.append(entry.slug)
        return Todo(missing, stale, due)

    async def history(self, slug: str) -> list[Revision]:
        """An entry's revisions, newest first."""
        entry = self.get(slug, include_removed=True)
        async with self._db.read() as tx:
            return await repo.revisions(tx, entry.id)

    # ----- changing ---------------------------------------------------------------------------
    async def create(
        self, actor: int | None, *, slug: str, category: str, source_language: str, question: str, answer: str,
        aliases: tuple[str, ...] = (), sources: tuple[str, ...] = (), reason: str = "",
    ) -> Entry:
        """Add an entry; the creator becomes its owner."""
        slug = slug.strip().lower()
        if not SLUG_RE.match(slug):
            raise UserError(N_("A short name uses lower-case letters, digits and dashes (2 to 40), like bank-id."))
        if category not in CATEGORIES:
            raise UserError(N_("Please choose one of the categories in the list."))
        if source_language not in SOURCE_LANGUAGES:
            raise UserError(N_("New entries are written in Swedish or English first."))
        text = _checked_text(source_language, question, answer, aliases, based_on=1)
        reason = _clean_reason(reason, required=False)
        _check_sources(sources)
        now = self._clock.now()
        entry = Entry(
            id=0, slug=slug, category=category, source_language=source_language, sources=sources, owner_id=actor,
            last_checked=now.date(), texts={source_language: text},
        )
        async with self._db.transaction() as tx:
            if await repo.slug_taken(tx, slug):
                raise UserError(N_("An entry called {slug} already exists."), slug=slug)
            entry = replace(entry, id=await repo.insert(tx, entry, now))
            await repo.set_text_editor(tx, entry.id, actor)
            await repo.add_revision(tx, entry, actor, "create", reason, now)
        self._remember(entry)
        return entry

    async def edit(
        self, actor: int | None, slug: str, *, reason: str, question: str, answer: str, aliases: tuple[str, ...],
        sources: tuple[str, ...] | None = None, guild_id: int | None = None,
    ) -> EditResult:
        """Change the source text; translations become stale when the question or answer changed."""
        reason = _clean_reason(reason)
        if sources is not None:
            _check_sources(sources)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            entry = await self._load_live(tx, slug)
            old = entry.source
            text = _checked_text(entry.source_language, question, answer, aliases, based_on=0)
            changed_text = (text.question, text.answer) != (old.question, old.answer)
            revision = entry.source_revision + 1 if changed_text else entry.source_revision
            text = replace(text, based_on=revision)
            stale = [
                lang for lang in CONTENT_LANGUAGES
                if changed_text and lang != entry.source_language and entry.status(lang) is Status.CURRENT
            ]
            new = replace(
                entry.with_text(text), source_revision=revision, last_checked=now.date(),
                sources=entry.sources if sources is None else sources,
            )
            if new.content() == entry.content():
                raise UserError(N_("Nothing changed."))
            await repo.update(tx, new, now, actor, {entry.source_language})
            number = await repo.add_revision(tx, new, actor, "edit", reason, now)
            if stale and self._jobs is not None:
                await self._jobs.schedule(
                    STALE_JOB, f"faq:stale:{new.id}:{revision}", now,
                    {"guild": guild_id, "slug": new.slug, "languages": stale}, tx=tx,
                )
        self._remember(new)
        if stale and self._jobs is not None:
            await self._jobs.notify_changed()
        return EditResult(new, number, stale)

    async def translate(
        self, actor: int | None, slug: str, language: str, *, question: str, answer: str,
        aliases: tuple[str, ...] = (), reviewed: bool = False, reason: str = "",
    ) -> Entry:
        """Write (or replace) a translation of the current source text (the reason is optional)."""
        if language not in CONTENT_LANGUAGES:
            raise UserError(N_("Please choose one of the languages in the list."))
        reason = _clean_reason(reason, required=False)
        text = _checked_text(language, question, answer, aliases, based_on=0)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            entry = await self._load_live(tx, slug)
            if language == entry.source_language:
                raise UserError(N_("This is the entry's source language; use {command} to change it."),
                                command=CommandRef(("faq", "edit")))
            new = entry.with_text(replace(text, based_on=entry.source_revision, reviewed=reviewed))
            if new.content() == entry.content():
                raise UserError(N_("Nothing changed."))
            await repo.update(tx, new, now, actor, {language})
            await repo.add_revision(tx, new, actor, f"translate:{language}", reason, now)
        self._remember(new)
        return new

    async def mark_reviewed(self, actor: int | None, slug: str, language: str) -> Entry:
        """Record that a native speaker checked a current translation."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            entry = await self._load_live(tx, slug)
            if entry.status(language) is not Status.CURRENT or language == entry.source_language:
                raise UserError(N_("Only a current translation can be marked as reviewed."))
            text = entry.texts[language]
            if text.reviewed:
                raise UserError(N_("Nothing changed."))
            new = entry.with_text(replace(text, reviewed=True))
            await repo.update(tx, new, now, actor, {language})
            await repo.add_revision(tx, new, actor, f"review:{language}", "", now)
        self._remember(new)
        return new

    async def mark_checked(self, actor: int | None, slug: str) -> Entry:
        """Record that a volunteer compared the entry with its official sources today."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            entry = await self._load_live(tx, slug)
            new = replace(entry, last_checked=now.date())
            if new.content() == entry.content():
                raise UserError(N_("Nothing changed."))
            await repo.update(tx, new, now, actor, set())
            await repo.add_revision(tx, new, actor, "checked", "", now)
        self._remember(new)
        return new

    async def rollback(self, actor: int | None, slug: str, number: int, reason: str) -> Entry:
        """Restore the content an entry had at revision `number` (as a new revision)."""
        reason = _clean_reason(reason)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            entry = await repo.load_one(tx, slug.strip().lower())
            if entry is None:
                raise UserError(N_("There is no FAQ entry called {slug}."), slug=slug)
            old = await repo.revision(tx, entry.id, number)
            if old is None:
                raise UserError(N_("{slug} has no revision {number}."), slug=entry.slug, number=number)
            target = restore(entry, old.snapshot)
            if target.content() == entry.content():
                raise UserError(N_("Nothing changed."))
            await repo.update(tx, target, now, actor, set(target.texts))
            await repo.add_revision(tx, target, actor, f"rollback:{number}", reason, now)
        self._remember(target)
        return target

    async def remove(self, actor: int | None, slug: str, reason: str) -> Entry:
        """Hide an entry from members (it stays in history and can be rolled back)."""
        reason = _clean_reason(reason)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            entry = await self._load_live(tx, slug)
            new = replace(entry, removed=True)
            await repo.update(tx, new, now, actor, set())
            await repo.add_revision(tx, new, actor, "remove", reason, now)
        self._remember(new)
        return new

    async def _load_live(self, tx: Tx, slug: str) -> Entry:
        entry = await repo.load_one(tx, slug.strip().lower())
        if entry is None or entry.removed:
            raise UserError(N_("There is no FAQ entry called {slug}."), slug=slug)
        return entry

    # ----- unanswered questions -----------------------------------------------------------------
    async def add_unanswered(self, guild_id: int | None, question: str, language: str, slug: str | None,
                             asker: int | None = None) -> bool:
        """Queue a question for volunteers, without who asked. False when the same question is already open.

        Volunteers never see who asked; only a keyed digest of the asker's id is stored, so that the
        member's own export and deletion find the question. One member may send `QUESTIONS_PER_DAY`
        questions a day, so that one person cannot bury everyone else's; that count is kept in memory
        only (forgotten at restart)."""
        question = clean_text(question, limit=UNANSWERED_LIMIT, field=N_("your question"), multiline=True)
        now = self._clock.now()
        recent = self._asked.setdefault(asker, deque()) if asker is not None else None
        if recent is not None:
            while recent and recent[0] <= now - QUESTION_WINDOW:
                recent.popleft()
            if len(recent) >= QUESTIONS_PER_DAY:
                raise UserError(N_("You have already sent several questions to the volunteers today. They will "
                                   "read them; you can send more tomorrow."))
        async with self._db.transaction() as tx:
            duplicate = await repo.open_question_exists(tx, guild_id, question)
            if not duplicate:
                digest = None if asker is None else await _asker_digest(tx, asker)
                await repo.add_unanswered(tx, guild_id, question, language, slug, now, digest)
        if recent is not None:
            recent.append(now)
        return not duplicate

    async def redact_unanswered(self, guild_id: int | None, item_id: int) -> None:
        """A volunteer removes the text of a question that held personal details (the number stays)."""
        async with self._db.transaction() as tx:
            if not await repo.redact_unanswered(tx, guild_id, item_id):
                raise UserError(N_("There is no question number {number}."), number=item_id)

    # ----- "Did this help?" -----------------------------------------------------------------------
    async def record_helped(self, entry_id: int) -> bool:
        """Count one "Yes, this helped" for an entry (a number only: never who). False for an unknown entry."""
        if self.by_id(entry_id) is None:
            return False
        async with self._db.transaction() as tx:
            await repo.count_up(tx, f"{HELPED_PREFIX}{entry_id}")
        return True

    async def helped_count(self, slug: str) -> int:
        """How many times members said an entry helped."""
        entry = self.get(slug, include_removed=True)
        async with self._db.read() as tx:
            value = await repo.get_meta(tx, f"{HELPED_PREFIX}{entry.id}")
        return int(value or 0)

    async def helped_counts(self) -> dict[str, int]:
        """Every entry's "this helped" count by slug (entries never marked are left out)."""
        async with self._db.read() as tx:
            rows = await repo.meta_with_prefix(tx, HELPED_PREFIX)
        counts: dict[str, int] = {}
        for key, value in rows:
            entry = self._entries.get(int(key[len(HELPED_PREFIX):]))
            if entry is not None:
                counts[entry.slug] = int(value)
        return counts

    async def unanswered(self, guild_id: int | None, limit: int = UNANSWERED_SHOWN) -> list[Unanswered]:
        """The oldest open questions."""
        async with self._db.read() as tx:
            return await repo.open_unanswered(tx, guild_id, limit)

    async def resolve_unanswered(self, guild_id: int | None, item_id: int) -> None:
        """Mark a queued question as handled."""
        async with self._db.transaction() as tx:
            if not await repo.resolve_unanswered(tx, guild_id, item_id, self._clock.now()):
                raise UserError(N_("There is no open question number {number}."), number=item_id)

    # ----- import and export ---------------------------------------------------------------------
    async def import_document(self, text: str, filename: str, actor: int | None = None) -> int:
        """Apply a YAML/JSON document: all entries or none. Returns how many entries changed."""
        now = self._clock.now()
        parsed = parse_document(text, filename, today=now.date())
        changed = 0
        async with self._db.transaction() as tx:
            for incoming in parsed:
                current = await repo.load_one(tx, incoming.slug)
                if current is None:
                    entry_id = await repo.insert(tx, incoming, now)
                    await repo.add_revision(tx, replace(incoming, id=entry_id), actor, "import", filename, now)
                    changed += 1
                    continue
                incoming = _bump_if_source_changed(current, incoming)
                new = replace(incoming, id=current.id, owner_id=current.owner_id, origin=current.origin)
                if new.content() == current.content():
                    continue
                await repo.update(tx, new, now, actor, set(new.texts))
                await repo.add_revision(tx, new, actor, "import", filename, now)
                stale = [lang for lang in CONTENT_LANGUAGES if current.status(lang) is Status.CURRENT
                         and new.status(lang) is Status.STALE]
                if stale and self._jobs is not None:
                    await self._jobs.schedule(
                        STALE_JOB, f"faq:stale:{new.id}:{new.source_revision}", now,
                        {"guild": None, "slug": new.slug, "languages": stale}, tx=tx,
                    )
                changed += 1
        await self.load()
        if self._jobs is not None:
            await self._jobs.notify_changed()
        return changed

    async def import_po(self, text: str, filename: str, language: str, actor: int | None = None) -> int:
        """Apply a translator's PO file for `language`: all of it or nothing. Returns entries changed."""
        if language not in CONTENT_LANGUAGES:
            raise ImportProblem(filename, None, f"unknown language {language!r}")
        live = {e.slug: e for e in self.entries}
        items = parse_po(text, filename, live)
        now = self._clock.now()
        changed = 0
        async with self._db.transaction() as tx:
            for item in items:
                entry = await self._load_live(tx, item.slug)
                if entry.source_language == language:
                    raise ImportProblem(filename, item.line, f"{item.slug}: {language} is its source language")
                new = _apply_po(entry, language, item)
                if new.content() == entry.content():
                    continue
                await repo.update(tx, new, now, actor, {language})
                await repo.add_revision(tx, new, actor, f"translate:{language}", filename, now)
                changed += 1
        await self.load()
        return changed

    # ----- the capability other features use ------------------------------------------------------
    async def entries_for_topics(self, topics: list[str], language: str, limit: int = 5) -> list[LinkItem]:
        """FAQ entries matching onboarding help topics, titled in `language` (with fallback).

        One entry per chosen topic first (someone who chose Swedish lessons, housing, work and healthcare
        sees one answer for each), then a second round, and so on. Per topic, entries of the topic's own
        category come first, then entries tagged with it, in display order; each topic's candidates are
        walked lazily (a FAQ of thousands of entries is walked at most twice per topic, never sorted per
        topic)."""
        wanted = list(dict.fromkeys(t for t in topics if t in HELP_TOPICS))
        ordered = sorted(self.entries, key=_display_order) if wanted else []

        def candidates(topic: str) -> Iterator[Entry]:
            for own_category in (True, False):
                for entry in ordered:
                    in_category = CATEGORY_TOPICS.get(entry.category) == topic
                    if in_category == own_category and (in_category or topic in entry.topics):
                        yield entry

        queues = [candidates(topic) for topic in wanted]
        picked: list[Entry] = []
        seen: set[int] = set()
        while queues and len(picked) < limit:
            for queue in list(queues):
                entry = next((e for e in queue if e.id not in seen), None)
                if entry is None:
                    queues.remove(queue)
                    continue
                picked.append(entry)
                seen.add(entry.id)
                if len(picked) >= limit:
                    break
        return [
            LinkItem(title=self.title(entry, language), hint=CommandRef(("faq", "search"), (("query", entry.slug),)),
                     action=Action("faq", "open", (entry.slug,)))
            for entry in picked
        ]

    # ----- privacy -------------------------------------------------------------------------------
    def privacy_section(self) -> PrivacySection:
        """What the FAQ stores about a member: revisions they wrote and entries they look after."""

        async def export(tx: Tx, user_id: int) -> dict[str, Any] | None:
            found = await repo.member_data(tx, user_id, await _asker_digest(tx, user_id))
            rows, owned, texts, asked = found["revisions"], found["owned"], found["texts"], found["asked"]
            if not rows and not owned and not texts and not asked:
                return None
            return {
                "questions_sent_to_volunteers": [
                    {"question": r["question"], "language": r["language"], "at": r["created_at"],
                     "handled": r["resolved_at"] is not None}
                    for r in asked
                ],
                "revisions_written": [
                    {"entry": r["slug"], "revision": r["number"], "action": r["action"], "reason": r["reason"],
                     "at": r["created_at"]}
                    for r in rows
                ],
                "entries_looked_after": [r["slug"] for r in owned],
                "texts_last_edited": [f"{r['slug']} ({r['language']})" for r in texts],
            }

        async def delete(tx: Tx, user_id: int) -> None:
            await repo.forget_member(tx, user_id, await _asker_digest(tx, user_id))

        async def after_delete(user_id: int) -> None:
            # The in-memory entries follow the database only once the deletion has committed.
            self._asked.pop(user_id, None)
            for entry in list(self._entries.values()):
                if entry.owner_id == user_id:
                    self._entries[entry.id] = replace(entry, owner_id=None)

        return PrivacySection(
            key="faq",
            title=N_("FAQ contributions"),
            description=N_(
                "If you help with the FAQ: the changes you made (when and why) and the entries you look after. "
                "After deletion your changes are shown as made by a deleted member. Questions you sent to the "
                "volunteers are exported and deleted too; the volunteers never see who asked."
            ),
            export=export,
            delete=delete,
            after_delete=after_delete,
        )


def _display_order(entry: Entry) -> tuple[int, int]:
    """Category order, then the order entries were added (the starter set's order)."""
    order = list(CATEGORIES)
    return (order.index(entry.category) if entry.category in order else 99, entry.id)


def _documents(entry: Entry) -> list[Document]:
    docs: list[Document] = []
    for text in entry.texts.values():
        if text.question:
            docs.append(Document(text.language, QUESTION, text.question))
        for alias in text.aliases:
            docs.append(Document(text.language, ALIAS, alias))
        if text.answer:
            docs.append(Document(text.language, ANSWER, text.answer))
    docs.append(Document(entry.source_language, ALIAS, entry.slug.replace("-", " ")))
    # How newcomers write the Swedish words the entry names (in its questions and search words).
    named = [word for text in entry.texts.values() for part in (text.question, *text.aliases) for word in tokens(part)]
    named += entry.slug.split("-")
    docs += [Document(entry.source_language, ALIAS, spelling) for spelling in expansions(named)]
    return docs


def _checked_text(language: str, question: str, answer: str, aliases: tuple[str, ...], based_on: int) -> Text:
    """Cleaned texts (hidden and bidi characters removed, whitespace tidied) within their limits."""
    question = clean_text(question, limit=QUESTION_LIMIT, field=N_("the question"))
    answer = clean_text(answer, limit=ANSWER_LIMIT, field=N_("the answer"), multiline=True)
    cleaned: list[str] = []
    for alias in aliases:
        word = clean_text(alias, limit=ALIAS_LIMIT, field=N_("the search words"), required=False)
        if word and word not in cleaned:
            cleaned.append(word)
    length = len("\n".join(cleaned))
    if length > ALIASES_LIMIT:
        raise TooLong(
            N_("That is too long for {field}: at most {limit} characters, and this has {length}."),
            field=Msg(N_("the search words")), limit=ALIASES_LIMIT, length=length,
        )
    return Text(language, question, answer, tuple(cleaned), based_on)


def _clean_reason(reason: str, *, required: bool = True) -> str:
    """A reason for a change, cleaned; a polite refusal when it is missing or too long."""
    if required and not clean_text(reason, limit=10**6, required=False):
        raise UserError(N_("Please give a short reason for the change."))
    return clean_text(reason, limit=REASON_LIMIT, field=N_("the reason"), required=False)


def _clean_query(query: str) -> str:
    """A search as typed, cleaned and cut to the search limit (autocomplete cannot answer with a message)."""
    return clean_text(strip_surrogates((query or "")[: SEARCH_LIMIT * 4]), limit=10**6, required=False)[:SEARCH_LIMIT]


def _check_sources(sources: tuple[str, ...]) -> None:
    # Hidden or bidi characters in a link could make it point elsewhere than it reads.
    if len(sources) > MAX_SOURCES or not all(is_source_link(s) for s in sources):
        raise UserError(N_("Source links must start with https://, one per line."))


def restore(current: Entry, snapshot: dict[str, Any]) -> Entry:
    """`current` with the content of an old snapshot; translations current then are current again."""
    old = replace_from_content(current, snapshot)
    text_changed = (old.source.question, old.source.answer) != (current.source.question, current.source.answer)
    revision = current.source_revision + 1 if text_changed else current.source_revision
    texts: dict[str, Text] = {}
    for lang, text in old.texts.items():
        was_current = text.based_on >= int(snapshot.get("source_revision", 1))
        texts[lang] = replace(text, based_on=revision if was_current else min(text.based_on, revision - 1))
    return replace(old, source_revision=revision, texts=texts)


def replace_from_content(current: Entry, content: dict[str, Any]) -> Entry:
    """`current` (id, owner, origin kept) with the versioned fields of `content`."""
    texts = {
        lang: Text(lang, t.get("question", ""), t.get("answer", ""), tuple(t.get("aliases", [])),
                   int(t.get("based_on", 0)), bool(t.get("reviewed", False)))
        for lang, t in content.get("texts", {}).items()
    }
    return replace(
        current,
        category=content.get("category", current.category),
        topics=tuple(content.get("topics", [])),
        sources=tuple(content.get("sources", [])),
        source_language=content.get("source_language", current.source_language),
        last_checked=date.fromisoformat(content["last_checked"]) if "last_checked" in content else current.last_checked,
        review_days=int(content.get("review_days", current.review_days)),
        removed=bool(content.get("removed", False)),
        texts=texts,
    )


def _bump_if_source_changed(current: Entry, incoming: Entry) -> Entry:
    """An edited source text without a raised source_revision gets the next one (translations go stale)."""
    changed = (incoming.source.question, incoming.source.answer) != (current.source.question, current.source.answer)
    if not changed or incoming.source_revision > current.source_revision:
        return incoming
    revision = current.source_revision + 1
    texts = dict(incoming.texts)
    texts[incoming.source_language] = replace(incoming.source, based_on=revision)
    return replace(incoming, source_revision=revision, texts=texts)


def _apply_po(entry: Entry, language: str, item: PoTranslation) -> Entry:
    """The entry with a PO file's texts for `language` (stale stays stale unless the text matches)."""
    old = entry.texts.get(language)
    question = item.values.get("question", old.question if old else "")
    answer = item.values.get("answer", old.answer if old else "")
    aliases_raw = item.values.get("aliases")
    aliases = tuple(a.strip() for a in aliases_raw.split("\n") if a.strip()) if aliases_raw is not None else (
        old.aliases if old else ()
    )
    source = entry.source
    matches_source = item.sources.get("question", source.question) == source.question and item.sources.get(
        "answer", source.answer
    ) == source.answer
    same_text = old is not None and (old.question, old.answer) == (question, answer)
    if not question and not answer:
        based_on = old.based_on if old else 0
    elif not item.fuzzy and matches_source:
        based_on = entry.source_revision
    else:
        based_on = old.based_on if old else 0
        based_on = min(based_on, entry.source_revision - 1) if not same_text or item.fuzzy else based_on
    reviewed = bool(old and old.reviewed and same_text)
    return entry.with_text(Text(language, question, answer, aliases, max(based_on, 0), reviewed))


def language_name(code: str) -> str:
    """A language's name in its own script."""
    lang = LANGUAGES.get(code)
    return lang.native_name if lang else code



async def _asker_digest(tx: Reads, user_id: int) -> str:
    """A keyed digest of a member's id (the installation's id is the key): finds their own questions only."""
    key = (await installation_id(tx)).encode()
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]
