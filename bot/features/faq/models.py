"""The FAQ's content model: entries, their per-language texts, and translation status.

An entry has a stable slug, a category, official source links, an owner, a last-checked date and a
review interval, and a source language (Swedish or English). Each language has a question, an answer
and search aliases; a translation records the source revision it was made from, so it is *current*,
*stale* (the source changed since) or *missing*. A text with only aliases is searchable but missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import Enum
from typing import Any

from bot.core.i18n import N_
from bot.core.languages import LANGUAGES
from bot.core.text import clean_text, has_lone_surrogate

#: Categories for `/faq browse`, in display order, with their label msgids.
CATEGORIES: dict[str, str] = {
    "papers": N_("Papers and registration"),
    "language": N_("Swedish and SFI"),
    "work": N_("Work"),
    "health": N_("Healthcare"),
    "money": N_("Bank and benefits"),
    "housing": N_("Housing"),
    "family": N_("Preschool and school"),
    "transport": N_("Driving and winter"),
    "community": N_("Meeting people"),
}

#: The onboarding help topic each category belongs to (bot.core.capabilities.HELP_TOPICS).
CATEGORY_TOPICS: dict[str, str] = {
    "papers": "everyday",
    "language": "swedish",
    "work": "work",
    "health": "healthcare",
    "money": "everyday",
    "housing": "housing",
    "family": "school",
    "transport": "everyday",
    "community": "social",
}

#: Languages an entry may be written in (Dari has its own texts; it falls back to Persian).
CONTENT_LANGUAGES: tuple[str, ...] = tuple(LANGUAGES)
SOURCE_LANGUAGES: tuple[str, ...] = ("sv", "en")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
DEFAULT_REVIEW_DAYS = 180
QUESTION_LIMIT = 200
ANSWER_LIMIT = 3500
ALIASES_LIMIT = 500
ALIAS_LIMIT = 100
#: Bounds of imported values (an entry checked ten years ago or every ten years is already unusual).
MAX_REVIEW_DAYS = 3650
MAX_REVISION = 1_000_000
MAX_SOURCES = 10
MAX_TOPICS = 20
SOURCE_LINK_LIMIT = 500
EARLIEST_CHECK = date(2000, 1, 1)
_LINK_RE = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f]+")


class Status(Enum):
    """A translation's state relative to the source text."""

    CURRENT = "current"
    STALE = "stale"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Text:
    """An entry's question, answer and aliases in one language."""

    language: str
    question: str = ""
    answer: str = ""
    aliases: tuple[str, ...] = ()
    based_on: int = 0
    reviewed: bool = False

    @property
    def has_content(self) -> bool:
        """Whether a question and an answer exist (not only aliases)."""
        return bool(self.question.strip() and self.answer.strip())

    def to_dict(self) -> dict[str, Any]:
        """The snapshot/export form."""
        return {
            "question": self.question,
            "answer": self.answer,
            "aliases": list(self.aliases),
            "based_on": self.based_on,
            "reviewed": self.reviewed,
        }


@dataclass(frozen=True, slots=True)
class Entry:
    """One FAQ entry with all its texts."""

    id: int
    slug: str
    category: str
    source_language: str
    sources: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    owner_id: int | None = None
    last_checked: date = date(2026, 1, 1)
    review_days: int = DEFAULT_REVIEW_DAYS
    source_revision: int = 1
    origin: str = "volunteer"
    removed: bool = False
    texts: dict[str, Text] = field(default_factory=dict)

    @property
    def source(self) -> Text:
        """The source-language text (always current)."""
        return self.texts.get(self.source_language) or Text(self.source_language)

    @property
    def all_topics(self) -> set[str]:
        """The entry's own topics plus its category's."""
        found = set(self.topics)
        if self.category in CATEGORY_TOPICS:
            found.add(CATEGORY_TOPICS[self.category])
        return found

    def status(self, language: str) -> Status:
        """Current, stale or missing in `language`."""
        if language == self.source_language:
            return Status.CURRENT
        text = self.texts.get(language)
        if text is None or not text.has_content:
            return Status.MISSING
        return Status.CURRENT if text.based_on >= self.source_revision else Status.STALE

    def due_for_review(self, today: date) -> bool:
        """Whether the last check is older than the review interval."""
        try:
            return today >= self.last_checked + timedelta(days=self.review_days)
        except OverflowError:  # a date near the end of the calendar: never due
            return False

    def with_text(self, text: Text) -> Entry:
        """A copy with one language's text replaced."""
        texts = dict(self.texts)
        texts[text.language] = text
        return replace(self, texts=texts)

    def content(self) -> dict[str, Any]:
        """Everything versioned about the entry (no member ids): revisions and exports use this."""
        return {
            "slug": self.slug,
            "category": self.category,
            "topics": list(self.topics),
            "sources": list(self.sources),
            "source_language": self.source_language,
            "last_checked": self.last_checked.isoformat(),
            "review_days": self.review_days,
            "source_revision": self.source_revision,
            "removed": self.removed,
            "texts": {lang: self.texts[lang].to_dict() for lang in CONTENT_LANGUAGES if lang in self.texts},
        }


def fallback_chain(language: str, source_language: str) -> list[str]:
    """The languages to try, best first, when showing an entry to a reader of `language`."""
    related = {"prs": "fa", "fa": "prs"}
    chain = [language]
    if language in related:
        chain.append(related[language])
    chain += ["en", "sv", source_language]
    return list(dict.fromkeys(chain))


def is_source_link(link: str) -> bool:
    """An http(s) link without spaces or hidden characters (which could make it lead elsewhere than it reads)."""
    return (
        len(link) <= SOURCE_LINK_LIMIT and _LINK_RE.fullmatch(link) is not None and not has_lone_surrogate(link)
        and clean_text(link, limit=10**6, required=False) == link
    )


def split_lines(text: str) -> tuple[str, ...]:
    """Non-empty stripped lines (aliases, source links)."""
    return tuple(line.strip() for line in text.replace(",", "\n").splitlines() if line.strip())
