"""Reading dates, clock times and reminder offsets as people type them, and checking local times.

Dates: 2026-12-24, 24.12.2026, 24/12/2026, 24-12-2026, 24.12.26 and 24.12 (next such day). Slashes
are read day first, as in every language the bot speaks; 12/24/2026 is refused politely with a
suggestion instead of guessed. Times: 18:00, 18.00, 1800, 18, 6pm, 6:30 pm, kl. 18, kl 18.30,
18 Uhr, 18u, 18h30. A local time that does not exist (the spring gap) is refused with an
explanation; one that happens twice (the autumn fold) must be chosen with `fold`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import UserError
from bot.core.i18n import N_

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2}|\d{4}))?\.?$")
_TIME = re.compile(
    r"^(?:kl\.?\s*|klockan\s+|um\s+|om\s+)?"
    r"(\d{1,2})(?:(?:[:.h]|\s*h\s*)(\d{2}))?"
    r"\s*(am|pm|a\.m\.|p\.m\.|uhr|u|h)?$"
)
_COMPACT_TIME = re.compile(r"^(\d{2})(\d{2})$")
#: Reminders an event may have (each is a direct message to everyone going).
MAX_REMINDERS = 5
#: How far ahead events and announcements may be planned.
MAX_DAYS_AHEAD = 2 * 366
_OFFSET = re.compile(r"^(\d{1,3})\s*(d|h|m|min|t|tim|std|u|uur|days?|hours?|minutes?)?$")


class AmbiguousTime(UserError):
    """The local time happens twice (autumn change); the organizer must choose which."""


class NonexistentTime(UserError):
    """The local time is skipped by the spring change."""


def parse_date(text: str, today: date) -> date:
    """A calendar date from the usual written forms; `today` completes a date without a year."""
    raw = text.strip()
    match = _ISO_DATE.match(raw)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _DMY.match(raw)
        if match:
            day, month = int(match[1]), int(match[2])
            if match[3] is None:
                candidate = date(today.year, month, day)
                return candidate if candidate >= today else date(today.year + 1, month, day)
            year = int(match[3])
            if year < 100:
                year += 2000
            if month > 12 and day <= 12 and "/" in raw:
                # Looks like month/day/year: refuse rather than guess.
                raise UserError(
                    N_("{text} can be read in two ways. Please write the date as year-month-day, like {example}."),
                    text=raw,
                    example=f"{year:04d}-{day:02d}-{month:02d}",
                )
            return date(year, month, day)
    except (ValueError, OverflowError):
        pass
    raise UserError(N_("I could not read the date {text}. Please write it like 2026-12-24 or 24.12.2026."), text=raw)


def parse_time(text: str) -> time:
    """A clock time from the usual written forms (24-hour, am/pm, "kl. 18", "18 Uhr")."""
    raw = " ".join(text.strip().lower().split())
    compact = _COMPACT_TIME.match(raw)
    match = _TIME.match(raw)
    hour: int | None = None
    minute = 0
    if compact:
        hour, minute = int(compact[1]), int(compact[2])
    elif match:
        hour = int(match[1])
        minute = int(match[2] or 0)
        suffix = (match[3] or "").replace(".", "")
        if suffix in ("am", "pm"):
            hour = hour % 12 + (12 if suffix == "pm" else 0) if 1 <= hour <= 12 else None
    if hour is None or not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise UserError(N_("I could not read the time {text}. Please write it like 18:00 or 6pm."), text=text.strip())
    return time(hour, minute)


def parse_offsets(text: str) -> list[int]:
    """Reminder offsets such as "24h, 1h" or "2d 30m" as minutes before the start (largest first)."""
    minutes: set[int] = set()
    for part in re.split(r"[,;\s]+(?=\d)", text.strip().lower()):
        part = part.strip().rstrip(",;")
        if not part:
            continue
        match = _OFFSET.match(part)
        if not match:
            raise UserError(N_("I could not read the reminders {text}. Write them like 24h, 1h or 30m."), text=text)
        value, unit = int(match[1]), (match[2] or "h")
        factor = 1440 if unit[0] == "d" else 1 if unit[0] == "m" else 60
        total = value * factor
        if not 5 <= total <= 14 * 1440:
            raise UserError(N_("A reminder must be between 5 minutes and 14 days before the start."))
        minutes.add(total)
        if len(minutes) > MAX_REMINDERS:
            raise UserError(N_("An event can have at most {limit} reminders, for example 24h, 1h."),
                            limit=MAX_REMINDERS)
    return sorted(minutes, reverse=True)


def check_within_reach(day: date, today: date) -> date:
    """`day`, or a polite refusal when it is more than `MAX_DAYS_AHEAD` days after `today` (calendars,
    reminders and the dates after it would leave the range anyone plans in)."""
    latest = today + timedelta(days=MAX_DAYS_AHEAD)
    if day > latest:
        raise UserError(N_("Dates can be planned up to two years ahead: {date} is too far. Please choose a "
                           "date until {latest}."), date=day.isoformat(), latest=latest.isoformat())
    return day


def gap_at(day: date, clock: time, zone: ZoneInfo) -> bool:
    """Whether this wall-clock time does not exist in `zone` (skipped when clocks move forward)."""
    naive = datetime.combine(day, clock)
    round_trip = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return round_trip != naive


def fold_at(day: date, clock: time, zone: ZoneInfo) -> bool:
    """Whether this wall-clock time happens twice in `zone` (when clocks move back)."""
    naive = datetime.combine(day, clock)
    return naive.replace(tzinfo=zone, fold=0).utcoffset() != naive.replace(tzinfo=zone, fold=1).utcoffset()


def localize(day: date, clock: time, zone: ZoneInfo, fold: int | None = None) -> datetime:
    """The aware instant of a wall-clock time, refusing the spring gap and asking in the autumn fold.

    `fold` 0 is the first pass (still summer time), 1 the second (winter time again).
    """
    if gap_at(day, clock, zone):
        later = (datetime.combine(day, clock) + timedelta(hours=1)).time()
        raise NonexistentTime(
            N_("On {date} the clocks move forward one hour for summer time, so {time} does not exist in "
               "Norsjö that night. Please choose another time, for example {suggestion}."),
            date=day.isoformat(), time=clock.strftime("%H:%M"), suggestion=later.strftime("%H:%M"),
        )
    if fold_at(day, clock, zone):
        if fold is None:
            raise AmbiguousTime(
                N_("On {date} the clocks move back one hour, so {time} happens twice in Norsjö that night. "
                   "Please say which with the option fold: first (still summer time) or second (winter time)."),
                date=day.isoformat(), time=clock.strftime("%H:%M"),
            )
        return datetime.combine(day, clock).replace(tzinfo=zone, fold=fold)
    return datetime.combine(day, clock).replace(tzinfo=zone)


def wall_to_instant(local: datetime, zone: ZoneInfo, fold: int = 0) -> datetime:
    """Like `localize` for recurring dates, never refusing: a time in the gap moves forward by the gap
    (02:30 becomes 03:30, as calendars do), a time in the fold takes the event's `fold`."""
    if gap_at(local.date(), local.time(), zone):
        return (local + timedelta(hours=1)).replace(tzinfo=zone).astimezone(UTC)
    return local.replace(tzinfo=zone, fold=fold).astimezone(UTC)


def format_local(value: datetime) -> str:
    """A naive local datetime as stored: `YYYY-MM-DDTHH:MM`."""
    return value.strftime("%Y-%m-%dT%H:%M")


def parse_local(text: str) -> datetime:
    """The stored local text back into a naive datetime."""
    if len(text) == 16 and text[10] == "T" and text[13] == ":" and text[4] == text[7] == "-":
        return datetime.fromisoformat(text)  # the fixed width: ~15x faster than strptime
    return datetime.strptime(text, "%Y-%m-%dT%H:%M")  # noqa: DTZ007 - wall-clock time, zone kept apart


def compact(text: str) -> str:
    """`2026-12-24T18:00` -> `202612241800` (for job keys and custom ids)."""
    return text.replace("-", "").replace("T", "").replace(":", "")


def uncompact(code: str) -> str:
    """`202612241800` -> `2026-12-24T18:00`."""
    if not re.fullmatch(r"\d{12}", code):
        raise ValueError("not an occurrence code")
    return f"{code[0:4]}-{code[4:6]}-{code[6:8]}T{code[8:10]}:{code[10:12]}"
