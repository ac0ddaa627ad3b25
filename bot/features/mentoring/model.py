"""Mentoring vocabulary and profiles: what a mentor offers and what a newcomer asks for.

Profiles hold only what matching needs: spoken languages with a level, interests, help topics, a
part of the municipality, availability and (for mentors) capacity and a pause date. Never country of
origin, religion or health. Every value is a code from a fixed vocabulary so that matching can
compare them and every label can be translated for the reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from babel import Locale

from bot.core.capabilities import HELP_TOPICS
from bot.core.errors import UserError
from bot.core.i18n import N_, Items, Translator
from bot.core.languages import LANGUAGES

MENTOR = "mentor"
NEWCOMER = "newcomer"

#: Spoken languages a profile may list: the bot's own plus others common among Norsjö's newcomers
#: and hosts. Display names come from CLDR (Babel) in the reader's language.
EXTRA_SPOKEN: tuple[str, ...] = ("no", "da", "fi", "ps", "am", "pl", "ku", "fr", "es", "tr", "ru")
SPOKEN_LANGUAGES: tuple[str, ...] = (*LANGUAGES.keys(), *EXTRA_SPOKEN)

#: Levels: 1 some, 2 good, 3 fluent or native.
MIN_LEVEL, MAX_LEVEL, DEFAULT_LEVEL = 1, 3, 2

#: Pairs of languages whose speakers understand each other well enough to start (configurable per
#: guild with guild_config "mentoring.intelligible_pairs", a list of two-code lists).
DEFAULT_INTELLIGIBLE_PAIRS: tuple[tuple[str, str], ...] = (("prs", "fa"), ("sv", "no"), ("sv", "da"), ("no", "da"))

#: Help topics: the shared onboarding topics plus mentor-specific ones, each mapped to the shared
#: topic it serves for scoring (a newcomer who wants "work" fits a mentor from the wood industry).
EXTRA_TOPICS: dict[str, str] = {
    "wood_industry": "work",
    "paperwork": "everyday",
    "family": "school",
    "outdoor": "social",
}
TOPICS: tuple[str, ...] = (*HELP_TOPICS, *EXTRA_TOPICS)

TOPIC_LABELS: dict[str, str] = {
    "work": N_("work and the job track"),
    "housing": N_("housing"),
    "swedish": N_("Swedish practice"),
    "school": N_("school and preschool"),
    "healthcare": N_("finding healthcare"),
    "everyday": N_("everyday life"),
    "social": N_("meeting people"),
    "wood_industry": N_("the wood industry"),
    "paperwork": N_("paperwork and forms"),
    "family": N_("family life"),
    "outdoor": N_("outdoor life"),
}

INTERESTS: dict[str, str] = {
    "football": N_("football"),
    "sports": N_("sports and exercise"),
    "skiing": N_("skiing"),
    "nature": N_("nature and hiking"),
    "fishing": N_("fishing and hunting"),
    "cooking": N_("cooking"),
    "music": N_("music"),
    "crafts": N_("crafts"),
    "reading": N_("reading"),
    "games": N_("games"),
    "cars": N_("cars and engines"),
    "children": N_("activities with children"),
}

AVAILABILITY: dict[str, str] = {
    "weekdays": N_("weekday daytime"),
    "evenings": N_("weekday evenings"),
    "weekends": N_("weekends"),
}


MAX_CAPACITY = 5


@dataclass(frozen=True, slots=True)
class Profile:
    """One side of the matching: a mentor's offer or a newcomer's request."""

    user_id: int
    role: str
    languages: dict[str, int]
    help: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    area: str | None = None
    availability: tuple[str, ...] = ()
    capacity: int = 1
    paused_until: date | None = None
    created_at: datetime | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def paused_on(self, day: date) -> bool:
        """Whether the mentor is paused on `day` (paused until and including the date)."""
        return self.paused_until is not None and day <= self.paused_until


_LEVEL_WORDS = {"1": 1, "2": 2, "3": 3}
#: An unknown code is repeated back to the member at most this long.
ECHO_LIMIT = 40


def parse_languages(text: str) -> dict[str, int]:
    """Parse "ar:3 sv:1, en" into {code: level}; raises a polite `UserError` on unknown codes."""
    result: dict[str, int] = {}
    for token in re.split(r"[,\s;]+", text.strip().lower()):
        if not token:
            continue
        code, _, level_text = token.partition(":")
        if code not in SPOKEN_LANGUAGES:
            raise UserError(
                N_("I do not know the language code {code}. Use codes such as {examples}."),
                code=code[:ECHO_LIMIT], examples="sv, en, ar, prs, so, ti, uk",
            )
        level = DEFAULT_LEVEL
        if level_text:
            if level_text not in _LEVEL_WORDS:
                raise UserError(N_("A language level is 1 (some), 2 (good) or 3 (fluent), like ar:3."))
            level = _LEVEL_WORDS[level_text]
        result[code] = max(level, result.get(code, 0))
    if not result:
        raise UserError(N_("Please list at least one language you speak, like sv:3 en:2."))
    return result


def parse_codes(text: str | None, vocabulary: tuple[str, ...] | dict[str, str], what: str) -> tuple[str, ...]:
    """Parse a comma- or space-separated list of codes from a fixed vocabulary (order kept, no repeats)."""
    if not text:
        return ()
    known = tuple(vocabulary)
    out: list[str] = []
    for token in re.split(r"[,\s;]+", text.strip().lower()):
        if not token:
            continue
        if token not in known:
            raise UserError(
                N_("{value} is not one of the choices for {what}. Choose from: {choices}."),
                value=token[:ECHO_LIMIT], what=what, choices=Items(known, "or"),
            )
        if token not in out:
            out.append(token)
    return tuple(out)


def canonical_topic(code: str) -> str:
    """The shared help topic a specific topic serves (itself for shared topics)."""
    return EXTRA_TOPICS.get(code, code)


def language_name(t: Translator, code: str) -> str:
    """A spoken language's name in the reader's language (CLDR), falling back to its own name."""
    locale = Locale.parse(t.language.cldr)
    # CLDR has no `prs`; Dari is named under fa_AF.
    name = locale.languages.get("fa_AF" if code == "prs" else code)
    if name:
        return name
    if code in LANGUAGES:
        return LANGUAGES[code].native_name
    return code


def topic_label(t: Translator, code: str) -> str:
    """A help topic in the reader's language."""
    return t._(TOPIC_LABELS[code]) if code in TOPIC_LABELS else code


def interest_label(t: Translator, code: str) -> str:
    """An interest in the reader's language."""
    return t._(INTERESTS[code]) if code in INTERESTS else code


def availability_label(t: Translator, code: str) -> str:
    """An availability slot in the reader's language."""
    return t._(AVAILABILITY[code]) if code in AVAILABILITY else code
