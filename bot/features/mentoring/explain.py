"""Explanations in the reader's language: why a pair fits, why someone stays unmatched, profiles.

"you both speak Arabic; both like football; can help with work and the job track". Language names
come from CLDR in the reader's language; every other label is a translated msgid.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.i18n import N_, Translator
from bot.features.mentoring.assignment import (
    UNMATCHED_COMPETITION,
    UNMATCHED_EXCLUDED,
    UNMATCHED_FULL,
    UNMATCHED_NO_LANGUAGE,
    UNMATCHED_PAUSED,
)
from bot.features.mentoring.model import (
    MENTOR,
    Profile,
    availability_label,
    interest_label,
    language_name,
    topic_label,
)
from bot.features.mentoring.scoring import SCALE, Reason

UNMATCHED_LABELS: dict[str, str] = {
    UNMATCHED_NO_LANGUAGE: N_("no mentor speaks their language yet"),
    UNMATCHED_EXCLUDED: N_(
        "the mentors who share a language were declined or ended before, or are on the do-not-match list"
    ),
    UNMATCHED_PAUSED: N_("the mentors who share a language are paused"),
    UNMATCHED_FULL: N_("the mentors who share a language have no free places"),
    UNMATCHED_COMPETITION: N_("the free places went to pairs that fit better this round"),
}

LEVEL_LABELS: dict[int, str] = {1: N_("some"), 2: N_("good"), 3: N_("fluent")}


def explain(t: Translator, reasons: Iterable[Reason]) -> str:
    """Why a pair fits, as one line in the reader's language."""
    parts: list[str] = []
    for reason in reasons:
        codes = reason.codes
        if reason.kind == "language":
            parts.append(t._("you both speak {languages}", languages=t.join(language_name(t, c) for c in codes)))
        elif reason.kind == "close_language":
            parts.append(t._("you speak {first} and {second}, which are close enough to understand each other",
                             first=language_name(t, codes[0]), second=language_name(t, codes[1])))
        elif reason.kind == "help":
            parts.append(t._("can help with {topics}", topics=t.join(topic_label(t, c) for c in codes)))
        elif reason.kind == "interest":
            parts.append(t._("both like {interests}", interests=t.join(interest_label(t, c) for c in codes)))
        elif reason.kind == "area":
            parts.append(t._("both live in {area}", area=codes[0]))
        elif reason.kind == "availability":
            parts.append(t._("both are free {times}", times=t.join(availability_label(t, c) for c in codes)))
    return t.clauses(parts)


def unmatched_text(t: Translator, code: str) -> str:
    """Why a newcomer stays unmatched (for coordinators)."""
    return t._(UNMATCHED_LABELS.get(code, UNMATCHED_LABELS[UNMATCHED_COMPETITION]))


def score_text(t: Translator, score: int) -> str:
    """A score in points, in the reader's number format."""
    return t.number(round(score / SCALE, 1))


def profile_text(t: Translator, profile: Profile) -> str:
    """A profile as a few lines, in the reader's language."""
    lines = [t._("As a mentor") if profile.role == MENTOR else t._("Asking for a mentor")]
    languages = t.join(
        t._("{language} ({level})", language=language_name(t, code), level=t._(LEVEL_LABELS[level]))
        for code, level in sorted(profile.languages.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    lines.append(t._("Languages: {languages}", languages=languages))
    none = t._("nothing chosen")
    lines.append(t._("Help: {topics}", topics=t.join(topic_label(t, c) for c in profile.help) or none))
    interests = t.join(interest_label(t, c) for c in profile.interests) or none
    lines.append(t._("Interests: {interests}", interests=interests))
    lines.append(t._("Part of the municipality: {area}", area=profile.area or none))
    lines.append(t._("Available: {times}", times=t.join(availability_label(t, c) for c in profile.availability)
                     or none))
    if profile.role == MENTOR:
        lines.append(t.n_("Can take {n} newcomer", "Can take {n} newcomers", profile.capacity))
        if profile.paused_until is not None:
            lines.append(t._("Paused until {date}", date=t.date(profile.paused_until)))
    return "\n".join(lines)
