"""The calendar files, read back by an independent parser (icalendar + recurring-ical-events).

Each test asks what a calendar app that follows RFC 5545 would show: the instants of the occurrences,
across both summer-time changes, in the configured zone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from bot.core.clock import FixedClock
from bot.core.db import Database
from bot.core.installation import installation_id
from bot.core.jobs import JobQueue
from bot.features.events.service import EventChanges, EventDraft, EventsService
from bot.features.events.timeparse import wall_to_instant

GUILD = 1
ORGANIZER = 10
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def service_in(db: Database, zone: ZoneInfo, now: datetime) -> EventsService:
    clock = FixedClock(now)
    return EventsService(db, clock, JobQueue(db, clock, timedelta(minutes=30)), zone)


async def make(service: EventsService, **fields) -> int:
    draft = EventDraft(**{"title": "Language café", "date_text": "2027-03-04", "time_text": "18:00",
                          "language": "sv", "reminders_text": "", **fields})
    event, _ = await service.create_draft(GUILD, ORGANIZER, draft)
    await service.activate(event.id, GUILD, ORGANIZER)
    return event.id


async def ics_of(service: EventsService, *event_ids: int) -> str:
    events = [await service.get(event_id, GUILD) for event_id in event_ids]
    return await service.calendar_file(events, "sv")


def instants(text: str, start: datetime, end: datetime) -> list[datetime]:
    """The occurrence starts an RFC 5545 reader computes, as UTC instants."""
    cal = icalendar.Calendar.from_ical(text)
    found = recurring_ical_events.of(cal).between(start, end)
    return sorted(e["DTSTART"].dt.astimezone(UTC) for e in found)


def local_hours(found: list[datetime], zone: ZoneInfo) -> set[str]:
    return {f"{d.astimezone(zone):%H:%M}" for d in found}


@pytest.mark.parametrize("zone_name", ["Europe/Stockholm", "Europe/London", "America/New_York"])
async def test_a_weekly_event_stays_at_its_local_hour_across_both_changes(db: Database, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    service = service_in(db, zone, datetime(2027, 1, 1, tzinfo=UTC))
    event_id = await make(service, date_text="2027-01-07", repeat="weekly", until_text="2027-12-30")
    text = await ics_of(service, event_id)
    assert f"TZID:{zone_name}" in text
    found = instants(text, datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    assert len(found) == 52
    # Every reader lands on 18:00 local: in winter and in summer, before and after each change.
    assert local_hours(found, zone) == {"18:00"}
    expected = [wall_to_instant(datetime(2027, 1, 7, 18) + timedelta(weeks=i), zone) for i in range(52)]
    assert found == expected


async def test_the_zone_block_carries_the_configured_zone_rules_not_stockholms(db: Database) -> None:
    zone = ZoneInfo("America/New_York")
    service = service_in(db, zone, datetime(2027, 1, 1, tzinfo=UTC))
    event_id = await make(service, date_text="2027-03-18", time_text="18:00")  # US summer time, EU winter
    text = await ics_of(service, event_id)
    assert "TZOFFSETTO:-0400" in text and "TZOFFSETTO:-0500" in text
    assert "+0100" not in text and "+0200" not in text
    # 18:00 in New York on 18 March 2027 is 22:00 UTC (EDT began 14 March; Europe changes on the 28th).
    assert instants(text, datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC)) == [
        datetime(2027, 3, 18, 22, tzinfo=UTC)]


async def test_until_is_written_in_utc_and_keeps_the_last_date(db: Database) -> None:
    service = service_in(db, STOCKHOLM, datetime(2026, 12, 1, tzinfo=UTC))
    event_id = await make(service, date_text="2026-12-03", repeat="weekly", until_text="2027-02-25")
    text = await ics_of(service, event_id)
    [rule] = re.findall(r"RRULE:FREQ=WEEKLY.*", text)
    # 23:59:59 in Stockholm on the last day, in UTC (RFC 5545 §3.3.10).
    assert rule.strip() == "RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20270225T225959Z"
    found = instants(text, datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 12, 1, tzinfo=UTC))
    assert found[-1] == datetime(2027, 2, 25, 17, tzinfo=UTC)
    assert len(found) == 13


async def test_the_second_half_past_two_on_the_night_clocks_go_back_is_read_as_chosen(db: Database) -> None:
    service = service_in(db, STOCKHOLM, datetime(2027, 10, 1, tzinfo=UTC))
    # 31 October 2027: 02:00-03:00 happens twice in Stockholm; the organizer chose the second 02:30.
    event_id = await make(service, date_text="2027-10-31", time_text="02:30", fold=1, duration_minutes=60)
    text = await ics_of(service, event_id)
    [start] = instants(text, datetime(2027, 10, 30, tzinfo=UTC), datetime(2027, 11, 1, tzinfo=UTC))
    assert start == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 CET, not 02:30 CEST (00:30 UTC)
    event = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    assert event.decoded("DURATION") == timedelta(hours=1)


@pytest.mark.parametrize(("fold", "second_night"), [(0, datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),
                                                    (1, datetime(2027, 10, 31, 1, 30, tzinfo=UTC))])
async def test_a_weekly_event_at_an_hour_the_clocks_skip_or_repeat_agrees_with_the_bot(
        db: Database, fold: int, second_night: datetime) -> None:
    service = service_in(db, STOCKHOLM, datetime(2027, 10, 1, tzinfo=UTC))
    # Sundays at 02:30 from 31 October 2027 (02:30 happens twice: the first or the second chosen) to
    # April 2028 (on 26 March 02:30 does not exist: the bot holds it at 03:30 summer time).
    event_id = await make(service, date_text="2027-10-31", time_text="02:30", fold=fold, repeat="weekly",
                          until_text="2028-04-30")
    text = await ics_of(service, event_id)
    found = instants(text, datetime(2027, 10, 1, tzinfo=UTC), datetime(2028, 6, 1, tzinfo=UTC))
    by_day = {d.astimezone(STOCKHOLM).date(): d for d in found}
    assert by_day[date(2027, 10, 31)] == second_night
    assert by_day[date(2028, 3, 26)] == datetime(2028, 3, 26, 1, 30, tzinfo=UTC)
    assert len(found) == len(by_day) == 27
    event = await service.get(event_id, GUILD)
    ours = [o.at for o in await service.next_occurrences(event, after=datetime(2027, 10, 1, tzinfo=UTC), limit=100)]
    assert found == ours


async def test_uids_are_unique_per_installation_and_sequence_grows_with_edits(db: Database,
                                                                             tmp_path) -> None:
    service = service_in(db, STOCKHOLM, datetime(2026, 12, 1, tzinfo=UTC))
    event_id = await make(service, date_text="2026-12-03", repeat="weekly")
    first = icalendar.Calendar.from_ical(await ics_of(service, event_id)).walk("VEVENT")[0]
    mine = await installation_id(db)
    assert mine in str(first["UID"])
    other = await Database.open(tmp_path / "other.db")
    try:
        assert await installation_id(other) != mine  # another installation's event 1 has another UID
    finally:
        await other.close()
    await service.edit(event_id, GUILD, EventChanges(time_text="18:30"))
    second = icalendar.Calendar.from_ical(await ics_of(service, event_id)).walk("VEVENT")[0]
    await service.cancel(event_id, GUILD, "2026-12-10")
    third = icalendar.Calendar.from_ical(await ics_of(service, event_id)).walk("VEVENT")[0]
    assert first["UID"] == second["UID"] == third["UID"]
    assert int(first["SEQUENCE"]) < int(second["SEQUENCE"]) < int(third["SEQUENCE"])
