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
from datetime import date
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po

from bot.core.languages import LANGUAGES
from bot.features.faq.models import (
    ALIASES_LIMIT,
    ANSWER_LIMIT,
    CATEGORIES,
    CONTENT_LANGUAGES,
    DEFAULT_REVIEW_DAYS,
    QUESTION_LIMIT,
    SLUG_RE,
    SOURCE_LANGUAGES,
    Entry,
    Text,
)

FORMAT = "multinations-faq"
FIELDS = ("question", "answer", "aliases")
_URL_RE = re.compile(r"^https?://[^\s]+$")


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


def parse_document(text: str, filename: str) -> list[Entry]:
    """Validate a YAML or JSON document and return its entries (ids 0). Raises `ImportProblem`."""
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
        entry = entry_from_content(item, filename)
        if entry.slug in seen:
            raise ImportProblem(filename, item.get("__line__"), f"slug {entry.slug!r} appears twice")
        seen.add(entry.slug)
        entries.append(entry)
    return entries


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def entry_from_content(item: Any, filename: str = "<data>") -> Entry:
    """Validate one entry's content mapping. Raises `ImportProblem` with the line."""
    if not isinstance(item, dict):
        raise ImportProblem(filename, None, "an entry must be a mapping")
    line = item.get("__line__")

    def bad(message: str, at: int | None = None) -> ImportProblem:
        return ImportProblem(filename, at or line, message)

    slug = _str(item.get("slug"))
    if not SLUG_RE.match(slug):
        raise bad(f"invalid slug {slug!r} (lower-case letters, digits and '-', 2-40 characters)")
    category = _str(item.get("category"))
    if category not in CATEGORIES:
        raise bad(f"{slug}: unknown category {category!r}; use one of {', '.join(CATEGORIES)}")
    source_language = _str(item.get("source_language")) or "sv"
    if source_language not in SOURCE_LANGUAGES:
        raise bad(f"{slug}: source_language must be sv or en")
    sources = item.get("sources") or []
    if not isinstance(sources, list) or not all(isinstance(s, str) and _URL_RE.match(s) for s in sources):
        raise bad(f"{slug}: sources must be a list of http(s) links")
    topics = item.get("topics") or []
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise bad(f"{slug}: topics must be a list of words")
    try:
        last_checked = date.fromisoformat(str(item.get("last_checked") or ""))
    except ValueError:
        raise bad(f"{slug}: last_checked must be a date like 2026-11-27") from None
    review_days = item.get("review_days", DEFAULT_REVIEW_DAYS)
    if not isinstance(review_days, int) or review_days <= 0:
        raise bad(f"{slug}: review_days must be a positive whole number")
    revision = item.get("source_revision", 1)
    if not isinstance(revision, int) or revision <= 0:
        raise bad(f"{slug}: source_revision must be a positive whole number")
    raw_texts = item.get("texts")
    if not isinstance(raw_texts, dict):
        raise bad(f"{slug}: 'texts' must map languages to texts")
    texts: dict[str, Text] = {}
    for language, raw in raw_texts.items():
        if language == "__line__":
            continue
        if language not in CONTENT_LANGUAGES:
            raise bad(f"{slug}: unknown language {language!r}", raw_texts.get("__line__"))
        if not isinstance(raw, dict):
            raise bad(f"{slug}/{language}: a text must be a mapping")
        at = raw.get("__line__")
        aliases = raw.get("aliases") or []
        if isinstance(aliases, str | int):
            aliases = [aliases]
        if isinstance(aliases, list):
            aliases = [str(a) if isinstance(a, int) and not isinstance(a, bool) else a for a in aliases]
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise bad(f"{slug}/{language}: aliases must be a list of texts", at)
        text = Text(
            language=language,
            question=_str(raw.get("question")),
            answer=_str(raw.get("answer")),
            aliases=tuple(a.strip() for a in aliases if a.strip()),
            based_on=raw.get("based_on", revision) if isinstance(raw.get("based_on", revision), int) else -1,
            reviewed=bool(raw.get("reviewed", False)),
        )
        if text.based_on < 0 or text.based_on > revision:
            raise bad(f"{slug}/{language}: based_on must be a revision number up to {revision}", at)
        if bool(text.question) != bool(text.answer):
            raise bad(f"{slug}/{language}: give both a question and an answer, or neither", at)
        if len(text.question) > QUESTION_LIMIT or len(text.answer) > ANSWER_LIMIT:
            raise bad(f"{slug}/{language}: the question or answer is too long", at)
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
        removed=bool(item.get("removed", False)), texts=texts,
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
        item.values[name] = message.string.strip()
        item.sources[name] = str(message.id)
        item.fuzzy = item.fuzzy or message.fuzzy
        if name != "aliases" and len(item.values[name]) > (QUESTION_LIMIT if name == "question" else ANSWER_LIMIT):
            raise ImportProblem(filename, line, f"{slug}: the {name} is too long")
    for item in found.values():
        if bool(item.values.get("question")) != bool(item.values.get("answer")):
            raise ImportProblem(filename, item.line, f"{item.slug}: translate both the question and the answer")
    return list(found.values())
