"""The hard rules and the score of a possible mentor-newcomer pair, with the reasons behind it.

A pair is *allowed* only when they share a language (or speak a mutually intelligible pair such as
Dari and Persian), the mentor is not paused, and the pair is not excluded (one side declined or
ended it before, or a coordinator put it on the private do-not-match list). Capacity is the
assignment's business (see `assignment`). An allowed pair always scores above zero, so that being
matched is always better than staying unmatched; the weights are configurable per guild.

Scores are whole numbers (thousandths of a point) so that the optimum is exact and deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.features.mentoring.model import (
    DEFAULT_INTELLIGIBLE_PAIRS,
    Profile,
    canonical_topic,
)

#: Default weights (points). Organizers may override any of them with guild_config "mentoring.weights".
DEFAULT_WEIGHTS: dict[str, float] = {
    "base": 1.0,  # any allowed pair
    "help": 3.0,  # per help topic wanted that the mentor offers
    "interest": 1.0,  # per shared interest
    "area": 2.0,  # same part of the municipality
    "availability": 1.0,  # per overlapping time slot
    "language": 1.0,  # per level step of the best shared language (1..3)
    "intelligible": 0.5,  # factor on the language points when only a close language is shared
}

SCALE = 1000


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason a pair fits: a kind and the codes it concerns (rendered in the reader's language)."""

    kind: str  # language | close_language | help | interest | area | availability
    codes: tuple[str, ...]

    def as_json(self) -> list[Any]:
        """For storage."""
        return [self.kind, list(self.codes)]

    @classmethod
    def from_json(cls, data: list[Any]) -> Reason:
        """From storage."""
        return cls(str(data[0]), tuple(str(c) for c in data[1]))


@dataclass(frozen=True, slots=True)
class Fit:
    """The score of an allowed pair and why."""

    score: int
    reasons: tuple[Reason, ...]


class Rules:
    """The hard rules and weights for one guild's round."""

    def __init__(
        self,
        *,
        weights: Mapping[str, float] | None = None,
        intelligible_pairs: Iterable[Iterable[str]] | None = None,
        excluded: Iterable[tuple[int, int]] = (),
        today: date | None = None,
    ) -> None:
        self.weights = {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in (weights or {}).items() if k in DEFAULT_WEIGHTS}}
        pairs = DEFAULT_INTELLIGIBLE_PAIRS if intelligible_pairs is None else intelligible_pairs
        self.close: dict[str, set[str]] = {}
        for pair in pairs:
            a, b = tuple(pair)[:2]
            self.close.setdefault(a, set()).add(b)
            self.close.setdefault(b, set()).add(a)
        #: (mentor_id, newcomer_id) pairs that must never be proposed.
        self.excluded = set(excluded)
        self.today = today
        scaled = {k: round(v * SCALE) for k, v in self.weights.items() if k != "intelligible"}
        scaled["close_language"] = round(self.weights["language"] * self.weights["intelligible"] * SCALE)
        #: The weights in thousandths of a point: integer arithmetic, the same in Python and NumPy.
        self.points = scaled

    def shared_languages(self, mentor: Profile, newcomer: Profile) -> tuple[list[str], list[tuple[str, str]]]:
        """Languages both speak, and (mentor's, newcomer's) close pairs when they share none directly."""
        direct = sorted(set(mentor.languages) & set(newcomer.languages))
        close = sorted(
            (m, n) for m in mentor.languages for n in newcomer.languages if n in self.close.get(m, ())
        )
        return direct, close

    def blocker(self, mentor: Profile, newcomer: Profile) -> str | None:
        """Why the pair is not allowed (`language`, `paused`, `excluded`, `self`), or None."""
        if mentor.user_id == newcomer.user_id:
            return "self"
        direct, close = self.shared_languages(mentor, newcomer)
        if not direct and not close:
            return "language"
        if (mentor.user_id, newcomer.user_id) in self.excluded:
            return "excluded"
        if self.today is not None and mentor.paused_on(self.today):
            return "paused"
        return None

    def fit(self, mentor: Profile, newcomer: Profile) -> Fit | None:
        """The score and reasons of an allowed pair, or None when a hard rule forbids it."""
        if self.blocker(mentor, newcomer) is not None:
            return None
        w = self.points
        reasons: list[Reason] = []
        score = w["base"]
        direct, close = self.shared_languages(mentor, newcomer)
        if direct:
            level = max(min(mentor.languages[c], newcomer.languages[c]) for c in direct)
            score += w["language"] * level
            # Show the languages the newcomer speaks best first.
            shown = sorted(direct, key=lambda c: (-newcomer.languages[c], c))
            reasons.append(Reason("language", tuple(shown)))
        else:
            m, n = max(close, key=lambda p: (min(mentor.languages[p[0]], newcomer.languages[p[1]]), p))
            level = min(mentor.languages[m], newcomer.languages[n])
            score += w["close_language"] * level
            reasons.append(Reason("close_language", (m, n)))
        offered = offered_topics(mentor.help)
        helped = [c for c in newcomer.help if c in offered or canonical_topic(c) in offered]
        if helped:
            score += w["help"] * len(helped)
            reasons.append(Reason("help", tuple(helped)))
        shared = [c for c in newcomer.interests if c in set(mentor.interests)]
        if shared:
            score += w["interest"] * len(shared)
            reasons.append(Reason("interest", tuple(shared)))
        if same_area(mentor.area, newcomer.area):
            score += w["area"]
            reasons.append(Reason("area", (newcomer.area or "",)))
        times = [c for c in newcomer.availability if c in set(mentor.availability)]
        if times:
            score += w["availability"] * len(times)
            reasons.append(Reason("availability", tuple(times)))
        # An allowed pair always beats staying unmatched, whatever the configured weights.
        score = max(1, score)
        return Fit(score, tuple(reasons))

def offered_topics(help_codes: Iterable[str]) -> set[str]:
    """What a mentor can help with: the topics named and the shared topics they serve."""
    codes = set(help_codes)
    return codes | {canonical_topic(c) for c in codes}


def same_area(a: str | None, b: str | None) -> bool:
    """Whether two parts of the municipality are the same (case-insensitive)."""
    return bool(a and b and a.casefold() == b.casefold())
