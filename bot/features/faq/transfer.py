"""Import and export of FAQ content: a readable YAML/JSON document for editors, gettext PO for translators.

The document form holds everything versioned about every entry (it is also the starter set's
format). The PO form has one message per entry field (`question`, `answer`, `aliases`) with
`msgctxt` "<slug>|<field>", the source text as `msgid` and the translation as `msgstr`; a stale
translation is flagged `fuzzy`, as Poedit and Weblate expect. Parsing validates everything first and
reports the file and line of the first problem, so that an import is all or nothing.
"""

from __future__ import annotations

import functools
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po

from bot.core.errors import TooLong, UserError
from bot.core.languages import LANGUAGES
from bot.core.text import clean_text
from bot.features.faq.models import (
    ALIAS_LIMIT,
    ALIASES_LIMIT,
    ANSWER_LIMIT,
    CATEGORIES,
    CONTENT_LANGUAGES,
    DEFAULT_REVIEW_DAYS,
    EARLIEST_CHECK,
    MAX_REVIEW_DAYS,
    MAX_REVISION,
    MAX_SOURCES,
    MAX_TOPICS,
    QUESTION_LIMIT,
    SLUG_RE,
    SOURCE_LANGUAGES,
    Entry,
    Text,
    is_source_link,
)

FORMAT = "multinations-faq"
FIELDS = ("question", "answer", "aliases")
_TOPIC_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


class ImportProblem(Exception):
    """A file that cannot be imported; nothing of it was applied."""

    def __init__(self, filename: str, line: int | None, message: str) -> None:
        where = f"{filename}:{line}" if line else filename
        super().__init__(f"{where}: {message}")
        self.filename = filename
        self.line = line
        self.message = message


# ----- the document form (YAML / JSON) ---------------------------------------------------------
def to_document(entries: list[Entry]) -> dict[str, Any]:
    """Every entry's content, ordered by slug."""
    return {"format": FORMAT, "version": 1, "entries": [e.content() for e in sorted(entries, key=lambda e: e.slug)]}


def dump_yaml(document: dict[str, Any]) -> str:
    """A readable YAML text (block style, Unicode kept)."""
    import yaml  # lazy: only exports and imports need PyYAML

    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


@functools.cache
def _line_loader() -> type:
    """A SafeLoader that remembers the line of every mapping, for error messages (built on first use)."""
    import yaml

    class LineLoader(yaml.SafeLoader):
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:  # type: ignore[override]
            mapping = super().construct_mapping(node, deep=deep)
            mapping["__line__"] = node.start_mark.line + 1
            return mapping

    return LineLoader


def parse_document(text: str, filename: str, today: date | None = None) -> list[Entry]:
    """Validate a YAML or JSON document and return its entries (ids 0). Raises `ImportProblem`.

    `today`, when given, refuses a last-checked date in the future."""
    import yaml

    try:
        data = yaml.load(text, Loader=_line_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ImportProblem(filename, mark.line + 1 if mark else None, "not valid YAML/JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportProblem(filename, 1, f"not a FAQ document (expected format: {FORMAT})")
    items = data.get("entries")
    if not isinstance(items, list):
        raise ImportProblem(filename, data.get("__line__"), "'entries' must be a list")
    seen: set[str] = set()
    entries: list[Entry] = []
    for item in items:
        entry = entry_from_content(item, filename, today)
        if entry.slug in seen:
            raise ImportProblem(filename, item.get("__line__"), f"slug {entry.slug!r} appears twice")
        seen.add(entry.slug)
        entries.append(entry)
    return entries


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _whole(value: Any) -> bool:
    """A whole number written as one (YAML's true/false are not numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool)


def clean_field(value: str, *, limit: int, multiline: bool = False) -> str:
    """An imported text cleaned as `/faq add` cleans it; ValueError says what is wrong."""
    try:
        return clean_text(value, limit=limit, multiline=multiline, required=False)
    except TooLong:
        raise ValueError(f"too long (at most {limit} characters)") from None
    except UserError:
        raise ValueError("has a character that cannot be stored") from None


def entry_from_content(item: Any, filename: str = "<data>", today: date | None = None) -> Entry:
    """Validate one entry's content mapping. Raises `ImportProblem` with the line."""
    if not isinstance(item, dict):
        raise ImportProblem(filename, None, "an entry must be a mapping")
    line = item.get("__line__")

    def bad(message: str, at: int | None = None) -> ImportProblem:
        return ImportProblem(filename, at or line, message)

    def flag(mapping: dict[str, Any], key: str, where: str, at: int | None = None) -> bool:
        value = mapping.get(key, False)
        if not isinstance(value, bool):
            raise bad(f"{where}: {key} must be true or false (without quotes), not {value!r:.40}", at)
        return value

    slug = _str(item.get("slug"))
    if not SLUG_RE.fullmatch(slug):
        raise bad(f"invalid slug {slug[:60]!r} (lower-case letters, digits and '-', 2-40 characters)")
    category = _str(item.get("category"))
    if category not in CATEGORIES:
        raise bad(f"{slug}: unknown category {category[:40]!r}; use one of {', '.join(CATEGORIES)}")
    source_language = _str(item.get("source_language")) or "sv"
    if source_language not in SOURCE_LANGUAGES:
        raise bad(f"{slug}: source_language must be sv or en")
    sources = item.get("sources") or []
    if not isinstance(sources, list) or len(sources) > MAX_SOURCES or not all(
        isinstance(s, str) and is_source_link(s) for s in sources
    ):
        raise bad(f"{slug}: sources must be a list of up to {MAX_SOURCES} http(s) links without hidden characters")
    topics = item.get("topics") or []
    if not isinstance(topics, list) or len(topics) > MAX_TOPICS or not all(
        isinstance(t, str) and _TOPIC_RE.fullmatch(t) for t in topics
    ):
        raise bad(f"{slug}: topics must be a list of up to {MAX_TOPICS} words (lower-case letters, digits, '-')")
    raw_checked = item.get("last_checked")
    try:
        last_checked = raw_checked if isinstance(raw_checked, date) else date.fromisoformat(str(raw_checked or ""))
    except ValueError:
        raise bad(f"{slug}: last_checked must be a date like 2026-11-27") from None
    if isinstance(last_checked, datetime):
        last_checked = last_checked.date()
    latest = today + timedelta(days=1) if today else EARLIEST_CHECK.replace(year=2100)
    if not EARLIEST_CHECK <= last_checked <= latest:
        raise bad(f"{slug}: last_checked must be a date between {EARLIEST_CHECK} and {latest}")
    review_days = item.get("review_days", DEFAULT_REVIEW_DAYS)
    if not _whole(review_days) or not 1 <= review_days <= MAX_REVIEW_DAYS:
        raise bad(f"{slug}: review_days must be a whole number from 1 to {MAX_REVIEW_DAYS}")
    revision = item.get("source_revision", 1)
    if not _whole(revision) or not 1 <= revision <= MAX_REVISION:
        raise bad(f"{slug}: source_revision must be a whole number from 1 to {MAX_REVISION}")
    removed = flag(item, "removed", slug)
    raw_texts = item.get("texts")
    if not isinstance(raw_texts, dict):
        raise bad(f"{slug}: 'texts' must map languages to texts")
    texts: dict[str, Text] = {}
    for language, raw in raw_texts.items():
        if language == "__line__":
            continue
        if language not in CONTENT_LANGUAGES:
            raise bad(f"{slug}: unknown language {str(language)[:20]!r}", raw_texts.get("__line__"))
        if not isinstance(raw, dict):
            raise bad(f"{slug}/{language}: a text must be a mapping")
        at = raw.get("__line__")
        aliases = raw.get("aliases") or []
        if isinstance(aliases, str | int):
            aliases = [aliases]
        if isinstance(aliases, list):
            aliases = [str(a) if _whole(a) else a for a in aliases]
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise bad(f"{slug}/{language}: aliases must be a list of texts", at)
        based_on = raw.get("based_on", revision)
        if not _whole(based_on) or not 0 <= based_on <= revision:
            raise bad(f"{slug}/{language}: based_on must be a revision number up to {revision}", at)
        try:
            question = clean_field(_str(raw.get("question")), limit=QUESTION_LIMIT)
        except ValueError as exc:
            raise bad(f"{slug}/{language}: the question {exc}", at) from None
        try:
            answer = clean_field(_str(raw.get("answer")), limit=ANSWER_LIMIT, multiline=True)
        except ValueError as exc:
            raise bad(f"{slug}/{language}: the answer {exc}", at) from None
        cleaned: list[str] = []
        for alias in aliases:
            try:
                word = clean_field(alias, limit=ALIAS_LIMIT)
            except ValueError as exc:
                raise bad(f"{slug}/{language}: a search word {exc}", at) from None
            if word and word not in cleaned:
                cleaned.append(word)
        text = Text(
            language=language, question=question, answer=answer, aliases=tuple(cleaned), based_on=based_on,
            reviewed=flag(raw, "reviewed", f"{slug}/{language}", at),
        )
        if bool(text.question) != bool(text.answer):
            raise bad(f"{slug}/{language}: give both a question and an answer, or neither", at)
        if len("\n".join(text.aliases)) > ALIASES_LIMIT:
            raise bad(f"{slug}/{language}: too many aliases", at)
        texts[language] = text
    source = texts.get(source_language)
    if source is None or not source.has_content:
        raise bad(f"{slug}: the source language {source_language} needs a question and an answer")
    texts[source_language] = Text(
        source_language, source.question, source.answer, source.aliases, revision, source.reviewed
    )
    return Entry(
        id=0, slug=slug, category=category, source_language=source_language, sources=tuple(sources),
        topics=tuple(topics), last_checked=last_checked, review_days=review_days, source_revision=revision,
        removed=removed, texts=texts,
    )


def dump_json(document: dict[str, Any]) -> str:
    """The same document as JSON."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# ----- the PO form -------------------------------------------------------------------------------
@dataclass(slots=True)
class PoTranslation:
    """A language's texts of one entry, as read from a PO file."""

    slug: str
    values: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    fuzzy: bool = False
    line: int = 0


def _field_value(text: Text | None, name: str) -> str:
    if text is None:
        return ""
    if name == "aliases":
        return "\n".join(text.aliases)
    return str(getattr(text, name))


def export_po(entries: list[Entry], language: str) -> str:
    """A PO catalog of every entry's fields for translators into `language`."""
    catalog = Catalog(
        locale=LANGUAGES[language].cldr if language in LANGUAGES else None,
        project="Multinations Norsjö FAQ", version="1", charset="utf-8", fuzzy=False,
        header_comment=(
            f"# FAQ texts of the Multinations Norsjö bot, for translation into {language}.\n"
            "# msgctxt is <entry>|<field>; msgid is the source text, msgstr your translation.\n"
            "# Keep Swedish institution names (personnummer, SFI, BankID...) with a short gloss.\n"
            "# Import with: multinations-bot faq import <this file>"
        ),
    )
    catalog.language_team = language
    for entry in sorted(entries, key=lambda e: e.slug):
        if entry.removed or entry.source_language == language:
            continue
        source = entry.source
        target = entry.texts.get(language)
        stale = target is not None and target.has_content and target.based_on < entry.source_revision
        for name in FIELDS:
            msgid = _field_value(source, name)
            if not msgid:
                continue
            usable = target is not None and (target.has_content or name == "aliases")
            msgstr = _field_value(target, name) if usable else ""
            comments = [f"source language: {entry.source_language}"] + [f"source: {s}" for s in entry.sources]
            if name == "aliases":
                comments.append("search words, one per line; they need not translate the source words")
            catalog.add(
                msgid, msgstr, context=f"{entry.slug}|{name}", auto_comments=comments,
                flags=("fuzzy",) if stale and msgstr else (),
            )
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, omit_header=False, include_previous=False)
    text = buffer.getvalue().decode("utf-8")
    return re.sub(r'"Language: [^"]*\\n"', lambda _: f'"Language: {language}\\n"', text, count=1)


def parse_po(text: str, filename: str, entries_by_slug: dict[str, Entry]) -> list[PoTranslation]:
    """Validate a PO file against the known entries. Raises `ImportProblem` with the line."""
    try:
        catalog = read_po(io.StringIO(text), abort_invalid=True)
    except PoFileError as exc:
        line = getattr(exc, "lineno", None)
        raise ImportProblem(filename, line, "not a valid PO file") from None
    except Exception:
        raise ImportProblem(filename, None, "not a valid PO file") from None
    found: dict[str, PoTranslation] = {}
    for message in catalog:
        if not message.id:
            continue
        line = message.lineno
        context = message.context or ""
        slug, _, name = context.partition("|")
        if name not in FIELDS:
            expected = "<slug>|question, answer or aliases"
            raise ImportProblem(filename, line, f"unexpected msgctxt {context!r} (expected {expected})")
        entry = entries_by_slug.get(slug)
        if entry is None:
            raise ImportProblem(filename, line, f"no FAQ entry {slug!r}")
        if not isinstance(message.string, str):
            raise ImportProblem(filename, line, "plural forms are not used in the FAQ")
        item = found.setdefault(slug, PoTranslation(slug, line=line or 0))
        limit = {"question": QUESTION_LIMIT, "answer": ANSWER_LIMIT, "aliases": ALIASES_LIMIT}[name]
        try:
            # Cleaned as `/faq translate` cleans a form (aliases line by line, as they are stored).
            if name == "aliases":
                value = "\n".join(clean_field(a, limit=ALIAS_LIMIT) for a in message.string.split("\n"))
                value = clean_field(value, limit=limit, multiline=True)
            else:
                value = clean_field(message.string, limit=limit, multiline=name == "answer")
        except ValueError as exc:
            raise ImportProblem(filename, line, f"{slug}: the {name} {exc}") from None
        item.values[name] = value
        item.sources[name] = str(message.id)
        item.fuzzy = item.fuzzy or message.fuzzy
    for item in found.values():
        if bool(item.values.get("question")) != bool(item.values.get("answer")):
            raise ImportProblem(filename, item.line, f"{item.slug}: translate both the question and the answer")
    return list(found.values())
