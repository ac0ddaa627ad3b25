"""Calendar export: an iCalendar (.ics) file for one event or for all, in the configured zone.

Times are written as local wall-clock times with `TZID`, and the VTIMEZONE block is built from the
zone's own rules (read from the IANA database), so calendar apps keep a weekly 18:00 event at 18:00
across the summer-time changes, whatever `TIMEZONE` is. Repeating events become one VEVENT with an
RRULE (its `UNTIL` in UTC, as RFC 5545 requires with a `TZID` start) and EXDATE for cancelled dates.

A local time that names no instant or two (02:30 on the night clocks go forward or back) is read
differently by different apps, so a single event at such a time gets its DTSTART as a UTC instant.
A repeating event meant at the second of two such times gets, for that date, an EXDATE of the local
time (which readers take as the first) and an RDATE of the UTC instant.

UIDs carry the installation's own id, so two bots' files never collide in one calendar, and
SEQUENCE is the event's revision, which grows with every edit, so apps replace the old copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.features.events.recurrence import local_starts
from bot.features.events.repository import Event
from bot.features.events.timeparse import wall_to_instant

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# How far ahead the unusual occurrences of an endless repeating event are written out.
HORIZON_YEARS = 20


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One event as it goes into the file (title and description already in the reader's language)."""

    event: Event
    title: str
    description: str
    skipped: tuple[datetime, ...] = ()


def escape(text: str) -> str:
    """RFC 5545 text escaping."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """Fold a content line at 75 octets (continuation lines start with a space)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts) + "\r\n"


def _local(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _offset(delta: timedelta | None) -> str:
    seconds = int((delta or timedelta()).total_seconds())
    sign = "+" if seconds >= 0 else "-"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def in_gap(local: datetime, zone: ZoneInfo) -> bool:
    """Whether the clocks skip this wall-clock time (02:30 on the night they go forward)."""
    early = local.replace(tzinfo=zone, fold=0)
    return early.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local


def in_fold(local: datetime, zone: ZoneInfo) -> bool:
    """Whether this wall-clock time happens twice (02:30 on the night the clocks go back)."""
    early = local.replace(tzinfo=zone, fold=0)
    late = local.replace(tzinfo=zone, fold=1)
    return early.utcoffset() != late.utcoffset() and not in_gap(local, zone)


def is_unusual(local: datetime, zone: ZoneInfo) -> bool:
    """Whether a wall-clock time is in the gap or the fold of a clock change (readers disagree on it)."""
    return in_gap(local, zone) or in_fold(local, zone)


# ----- VTIMEZONE from the zone's rules -------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Transition:
    at: datetime  # the instant (UTC)
    before: timedelta
    after: timedelta
    name: str
    dst: bool

    @property
    def local_before(self) -> datetime:
        """The wall-clock time of the change in the offset in force before it (the DTSTART form)."""
        return (self.at + self.before).replace(tzinfo=None)


def _offset_at(zone: ZoneInfo, instant: datetime) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta()


def transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[_Transition]:
    """Every change of UTC offset in the zone between the two years (inclusive), to the second."""
    found: list[_Transition] = []
    cursor = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(days=1)
    current = _offset_at(zone, cursor)
    while cursor < end:
        nxt = cursor + step
        offset = _offset_at(zone, nxt)
        if offset != current:
            low, high = cursor, nxt
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _offset_at(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            local = high.astimezone(zone)
            found.append(_Transition(high, current, offset, local.tzname() or _offset(offset),
                                     bool(local.dst())))
            current = offset
        cursor = nxt
    return found


def _yearly_rule(local: datetime) -> str:
    """The RRULE naming this date's weekday position in its month (the last one as -1)."""
    day = _WEEKDAYS[local.weekday()]
    if (local + timedelta(days=7)).month != local.month:
        return f"RRULE:FREQ=YEARLY;BYMONTH={local.month};BYDAY=-1{day}"
    return f"RRULE:FREQ=YEARLY;BYMONTH={local.month};BYDAY={(local.day - 1) // 7 + 1}{day}"


def vtimezone(zone: ZoneInfo, first_year: int, last_year: int) -> list[str]:
    """The VTIMEZONE lines for the zone, covering the years from `first_year` to `last_year`.

    A kind of change (to summer time, back to standard time) that falls on the same weekday of the
    same month at the same local time every year becomes one yearly RRULE; anything irregular is
    listed change by change with RDATE. A zone without changes gets one STANDARD block.
    """
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone.key}"]
    # Bounded work and dates Python can hold, even for an event stored near the end of the calendar.
    last_year = min(last_year, first_year + HORIZON_YEARS, MAXYEAR - 1)
    first_year = max(min(first_year, last_year), MINYEAR + 1)
    changes = transitions(zone, first_year - 1, last_year)
    if not changes:
        probe = datetime(first_year, 1, 1, tzinfo=UTC).astimezone(zone)
        offset = _offset(probe.utcoffset())
        lines += ["BEGIN:STANDARD", f"TZOFFSETFROM:{offset}", f"TZOFFSETTO:{offset}",
                  f"TZNAME:{probe.tzname() or offset}", "DTSTART:19700101T000000", "END:STANDARD",
                  "END:VTIMEZONE"]
        return lines
    groups: dict[tuple[bool, timedelta, timedelta, str], list[_Transition]] = {}
    for change in changes:
        groups.setdefault((change.dst, change.before, change.after, change.name), []).append(change)
    for (dst, before, after, name), items in groups.items():
        block = "DAYLIGHT" if dst else "STANDARD"
        first = items[0]
        lines += [f"BEGIN:{block}", f"TZOFFSETFROM:{_offset(before)}", f"TZOFFSETTO:{_offset(after)}",
                  f"TZNAME:{name}", f"DTSTART:{_local(first.local_before)}"]
        rule = _yearly_rule(first.local_before)
        regular = len(items) > 1 and all(
            _yearly_rule(item.local_before) == rule and item.local_before.time() == first.local_before.time()
            for item in items
        ) and [item.local_before.year for item in items] == list(range(first.local_before.year,
                                                                        first.local_before.year + len(items)))
        if regular and items[-1].local_before.year >= last_year:
            lines.append(rule)
        else:
            lines += [f"RDATE:{_local(item.local_before)}" for item in items[1:]]
        lines.append(f"END:{block}")
    lines.append("END:VTIMEZONE")
    return lines


# ----- events --------------------------------------------------------------------------------------
def _until_utc(event: Event) -> str:
    """The end of the last day, local time, as a UTC instant (RFC 5545 §3.3.10)."""
    assert event.until is not None
    end_of_day = datetime.combine(event.until, time(23, 59, 59))
    return _utc(wall_to_instant(end_of_day, event.zone, 0))


def _rrule(event: Event) -> str | None:
    if event.repeat == "none":
        return None
    until = f";UNTIL={_until_utc(event)}" if isinstance(event.until, date) else ""
    day = _WEEKDAYS[event.start_local.weekday()]
    if event.repeat == "weekly":
        return f"RRULE:FREQ=WEEKLY;BYDAY={day}{until}"
    if event.repeat == "biweekly":
        return f"RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY={day}{until}"
    n = (event.start_local.day - 1) // 7 + 1
    if (event.start_local + timedelta(days=7)).month != event.start_local.month:
        n = -1
    return f"RRULE:FREQ=MONTHLY;BYDAY={n}{day}{until}"


def _last_year(event: Event) -> int:
    if event.repeat == "none":
        return event.start_local.year + 1
    if event.until is not None:
        return event.until.year + 1
    return event.start_local.year + HORIZON_YEARS


def _second_of_twice(event: Event, skipped: set[datetime]) -> list[datetime]:
    """The occurrences (not cancelled) meant as the second of a time that happens twice.

    RFC 5545 reads a local time in a fold as the first of the two, and one in a gap as moved forward by
    the gap, as the bot does; only the second of two needs writing differently (up to the horizon).
    """
    if event.fold != 1:
        return []
    horizon = _last_year(event)
    found: list[datetime] = []
    for local in local_starts(event.rule()):
        if local.year > horizon:
            break
        if local not in skipped and in_fold(local, event.zone):
            found.append(local)
    return found


def _event_lines(entry: CalendarEntry, stamp: datetime, uid_domain: str, installation: str) -> list[str]:
    event = entry.event
    zone = event.zone
    start_at = wall_to_instant(event.start_local, zone, event.fold)
    lines = [
        "BEGIN:VEVENT",
        f"UID:event-{event.id}-{installation}@{uid_domain}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{_utc(stamp)}",
    ]
    rule = _rrule(event)
    if rule is None and is_unusual(event.start_local, zone):
        lines.append(f"DTSTART:{_utc(start_at)}")
    else:
        lines.append(f"DTSTART;TZID={zone.key}:{_local(event.start_local)}")
    # An exact length (not an end in wall time): right even when the clocks change during the event.
    lines.append(f"DURATION:PT{event.duration_minutes}M")
    lines.append(f"SUMMARY:{escape(entry.title)}")
    if entry.description:
        lines.append(f"DESCRIPTION:{escape(entry.description)}")
    if event.place:
        lines.append(f"LOCATION:{escape(event.place)}")
    if rule:
        lines.append(rule)
        skipped = set(entry.skipped)
        unusual = _second_of_twice(event, skipped)
        lines += [f"EXDATE;TZID={zone.key}:{_local(skip)}" for skip in sorted(skipped | set(unusual))]
        lines += [f"RDATE:{_utc(wall_to_instant(local, zone, event.fold))}" for local in unusual]
    if event.status == "cancelled":
        lines.append("STATUS:CANCELLED")
    lines.append("END:VEVENT")
    return lines


def calendar(entries: Iterable[CalendarEntry], stamp: datetime, *, installation: str,
             zone: ZoneInfo | None = None, uid_domain: str = "multinations-norsjo") -> str:
    """The .ics text for these events. `installation` is this bot's own id (see `bot.core.installation`)."""
    entries = list(entries)
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Multinations Norsjo//events//EN", "CALSCALE:GREGORIAN"]
    zones: dict[str, tuple[ZoneInfo, int, int]] = {}
    for entry in entries:
        ev = entry.event
        key = ev.zone.key
        first, last = ev.start_local.year, _last_year(ev)
        if key in zones:
            _, low, high = zones[key]
            first, last = min(first, low), max(last, high)
        zones[key] = (ev.zone, first, last)
    if not zones and zone is not None:
        zones[zone.key] = (zone, stamp.year, stamp.year + 1)
    for tz, first, last in zones.values():
        out += vtimezone(tz, first, last)
    for entry in entries:
        out += _event_lines(entry, stamp, uid_domain, installation)
    out.append("END:VCALENDAR")
    return "".join(fold_line(line) for line in out)
