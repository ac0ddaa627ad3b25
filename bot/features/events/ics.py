"""Calendar export: an iCalendar (.ics) file for one event or for all, in the Europe/Stockholm zone.

Times are written as local wall-clock times with `TZID` and a VTIMEZONE block carrying the EU
summer-time rules, so calendar apps keep a weekly 18:00 event at 18:00 across the changes.
Repeating events become one VEVENT with an RRULE (and EXDATE for cancelled dates).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.features.events.repository import Event

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

_VTIMEZONE = (
    "BEGIN:VTIMEZONE\r\nTZID:{tz}\r\n"
    "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)


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


def _rrule(event: Event) -> str | None:
    if event.repeat == "none":
        return None
    until = f";UNTIL={event.until.strftime('%Y%m%d')}T235959" if isinstance(event.until, date) else ""
    day = _WEEKDAYS[event.start_local.weekday()]
    if event.repeat == "weekly":
        return f"RRULE:FREQ=WEEKLY;BYDAY={day}{until}"
    if event.repeat == "biweekly":
        return f"RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY={day}{until}"
    n = (event.start_local.day - 1) // 7 + 1
    if (event.start_local + timedelta(days=7)).month != event.start_local.month:
        n = -1
    return f"RRULE:FREQ=MONTHLY;BYDAY={n}{day}{until}"


def calendar(entries: Iterable[CalendarEntry], stamp: datetime, host: str = "multinations-norsjo") -> str:
    """The .ics text for these events."""
    entries = list(entries)
    zone = entries[0].event.zone.key if entries else "Europe/Stockholm"
    out = ["BEGIN:VCALENDAR\r\n", "VERSION:2.0\r\n", "PRODID:-//Multinations Norsjo//events//EN\r\n",
           "CALSCALE:GREGORIAN\r\n", _VTIMEZONE.format(tz=zone)]
    for entry in entries:
        event = entry.event
        end = event.start_local + timedelta(minutes=event.duration_minutes)
        lines = [
            "BEGIN:VEVENT",
            f"UID:event-{event.id}@{host}",
            f"DTSTAMP:{stamp.strftime('%Y%m%dT%H%M%SZ')}",
            f"DTSTART;TZID={zone}:{_local(event.start_local)}",
            f"DTEND;TZID={zone}:{_local(end)}",
            f"SUMMARY:{escape(entry.title)}",
        ]
        if entry.description:
            lines.append(f"DESCRIPTION:{escape(entry.description)}")
        if event.place:
            lines.append(f"LOCATION:{escape(event.place)}")
        rule = _rrule(event)
        if rule:
            lines.append(rule)
            lines += [f"EXDATE;TZID={zone}:{_local(skip)}" for skip in sorted(entry.skipped)]
        if event.status == "cancelled":
            lines.append("STATUS:CANCELLED")
        lines.append("END:VEVENT")
        out += [fold_line(line) for line in lines]
    out.append("END:VCALENDAR\r\n")
    return "".join(out)
