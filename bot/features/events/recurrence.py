"""Repetition in wall-clock time: weekly, every other week, monthly on the nth weekday.

Occurrences are computed as local (naive) datetimes and only then turned into instants with the
IANA zone, so a weekly 18:00 event stays at 18:00 in Norsjö across both summer-time changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.features.events.timeparse import wall_to_instant

REPEATS = ("none", "weekly", "biweekly", "monthly")


@dataclass(frozen=True, slots=True)
class Rule:
    """How an event repeats. `start` is the first occurrence's local wall-clock time."""

    start: datetime
    repeat: str = "none"
    until: date | None = None
    skipped: frozenset[datetime] = field(default_factory=frozenset)
    fold: int = 0


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence: its local wall-clock start (its identity) and the instant it happens."""

    local: datetime
    at: datetime


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date | None:
    """The nth (1-4, or 5 for the last) `weekday` of a month."""
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7)
    if n >= 5:
        while (day + timedelta(days=7)).month == month:
            day += timedelta(days=7)
        return day
    day += timedelta(weeks=n - 1)
    return day if day.month == month else None


def monthly_position(start: date) -> int:
    """Which weekday of its month a date is (1-4, 5 meaning the last)."""
    n = (start.day - 1) // 7 + 1
    if n == 4 and (start + timedelta(days=7)).month != start.month:
        return 5
    return min(n, 5)


def local_starts(rule: Rule) -> Iterator[datetime]:
    """Every local start of the rule (skipped dates included), in order; stops at `until`."""
    if rule.repeat == "none":
        yield rule.start
        return
    index = 0
    position = monthly_position(rule.start.date())
    while True:
        try:
            if rule.repeat == "weekly":
                current = rule.start + timedelta(weeks=index)
            elif rule.repeat == "biweekly":
                current = rule.start + timedelta(weeks=2 * index)
            else:
                month0 = rule.start.month - 1 + index
                year, month = rule.start.year + month0 // 12, month0 % 12 + 1
                day = nth_weekday(year, month, rule.start.weekday(), position)
                if day is None:
                    index += 1
                    continue
                current = datetime.combine(day, rule.start.time())
        except (OverflowError, ValueError):  # past the end of the calendar (year 9999)
            return
        if rule.until is not None and current.date() > rule.until:
            return
        yield current
        index += 1
        if index > 5000:  # a safety net: more than a century of weekly events
            return


def occurrences(rule: Rule, zone: ZoneInfo, *, after: datetime | None = None, until: datetime | None = None,
                limit: int = 50) -> list[Occurrence]:
    """Occurrences (skipped dates left out) starting after `after` and before `until`, at most `limit`."""
    found: list[Occurrence] = []
    for local in local_starts(rule):
        if local in rule.skipped:
            continue
        at = wall_to_instant(local, zone, rule.fold)
        if until is not None and at > until:
            break
        if after is not None and at <= after:
            continue
        found.append(Occurrence(local, at))
        if len(found) >= limit:
            break
    return found
