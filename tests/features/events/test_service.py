"""The events service against a real migrated database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import FixedClock
from bot.core.conversation import CommandRef
from bot.core.db import Database
from bot.core.errors import UserError
from bot.core.jobs import JobQueue
from bot.features.events import planning
from bot.features.events.ics import CalendarEntry, calendar
from bot.features.events.service import EventChanges, EventDraft, EventsService

ZONE = ZoneInfo("Europe/Stockholm")
GUILD = 1
ORGANIZER = 10


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 12, 1, 12, tzinfo=UTC))


@pytest.fixture
def service(db: Database, clock: FixedClock) -> EventsService:
    return EventsService(db, clock, JobQueue(db, clock, timedelta(minutes=30)), ZONE)


async def make(service: EventsService, **fields) -> int:
    draft = EventDraft(**{"title": "Language café", "date_text": "2026-12-03", "time_text": "18:00",
                          "language": "sv", **fields})
    event, _preview = await service.create_draft(GUILD, ORGANIZER, draft)
    await service.activate(event.id, GUILD, ORGANIZER)
    return event.id


async def post_for(service: EventsService, event_id: int, occurrence: str = "2026-12-03T18:00") -> int:
    return (await service.ensure_post(event_id, occurrence, 99)).id


async def test_a_draft_is_not_planned_until_saved_and_only_by_its_organizer(service: EventsService,
                                                                            db: Database) -> None:
    event, preview = await service.create_draft(GUILD, ORGANIZER, EventDraft(
        title="Café", date_text="3.12.2026", time_text="18", language="sv", repeat="weekly"))
    assert [o.local.day for o in preview] == [3, 10, 17, 24, 31]
    assert await db.fetchval("SELECT COUNT(*) FROM scheduled_jobs") == 0
    with pytest.raises(UserError):
        await service.activate(event.id, GUILD, ORGANIZER + 1)
    await service.activate(event.id, GUILD, ORGANIZER)
    keys = [r["key"] for r in await db.fetchall("SELECT key FROM scheduled_jobs ORDER BY due_at")]
    assert keys[0] == planning.remind_key(event.id, "2026-12-03T18:00", 60) or keys[0].startswith("events:")
    assert planning.announce_key(event.id, "2026-12-03T18:00") in keys


async def test_planning_twice_is_idempotent_and_leaves_missed_rows_alone(service: EventsService,
                                                                         db: Database) -> None:
    event_id = await make(service, repeat="weekly")
    before = await db.fetchval("SELECT COUNT(*) FROM scheduled_jobs")
    await service.plan(event_id)
    assert await db.fetchval("SELECT COUNT(*) FROM scheduled_jobs") == before
    key = planning.announce_key(event_id, "2026-12-03T18:00")
    await db.execute("UPDATE scheduled_jobs SET state = 'missed' WHERE key = ?", (key,))
    await service.plan(event_id)
    assert await db.fetchval("SELECT state FROM scheduled_jobs WHERE key = ?", (key,)) == "missed"


async def test_capacity_waiting_list_order_and_promotion(service: EventsService) -> None:
    event_id = await make(service, capacity=2)
    post_id = await post_for(service, event_id)
    assert (await service.rsvp(post_id, GUILD, 1, "going")).status == "going"
    assert (await service.rsvp(post_id, GUILD, 2, "going")).status == "going"
    third = await service.rsvp(post_id, GUILD, 3, "going")
    fourth = await service.rsvp(post_id, GUILD, 4, "going")
    assert (third.status, third.position) == ("waiting", 1)
    assert (fourth.status, fourth.position) == ("waiting", 2)
    again = await service.rsvp(post_id, GUILD, 4, "going")  # pressing again keeps the place in the queue
    assert (again.status, again.position) == ("waiting", 2)
    freed = await service.rsvp(post_id, GUILD, 1, "cant")
    assert freed.promoted == (3,)
    assert freed.counts.going == 2 and freed.counts.waiting == 1 and freed.counts.cant == 1
    people = await service.attendees(event_id, "2026-12-03T18:00")
    assert people["going"] == [2, 3] and people["waiting"] == [4]


async def test_raising_the_capacity_promotes_the_waiting(service: EventsService) -> None:
    event_id = await make(service, capacity=1)
    post_id = await post_for(service, event_id)
    await service.rsvp(post_id, GUILD, 1, "going")
    await service.rsvp(post_id, GUILD, 2, "going")
    await service.edit(event_id, GUILD, EventChanges(capacity=2))
    assert (await service.attendees(event_id, "2026-12-03T18:00"))["going"] == [1, 2]


async def test_rsvp_for_another_guild_or_a_past_event_is_refused(service: EventsService,
                                                                 clock: FixedClock) -> None:
    event_id = await make(service)
    post_id = await post_for(service, event_id)
    with pytest.raises(UserError):
        await service.rsvp(post_id, GUILD + 1, 1, "going")
    clock.set(datetime(2026, 12, 4, tzinfo=UTC))
    with pytest.raises(UserError):
        await service.rsvp(post_id, GUILD, 1, "going")


async def test_moving_an_event_keeps_its_answers_and_post(service: EventsService, db: Database) -> None:
    event_id = await make(service, repeat="weekly")
    post_id = await post_for(service, event_id)
    await service.rsvp(post_id, GUILD, 1, "going")
    outcome = await service.edit(event_id, GUILD, EventChanges(time_text="17:30"))
    assert outcome.moved
    assert (await service.attendees(event_id, "2026-12-03T17:30"))["going"] == [1]
    assert (await service.post(post_id)).occurrence == "2026-12-03T17:30"
    keys = {r["key"] for r in await db.fetchall("SELECT key FROM scheduled_jobs WHERE state = 'pending'")}
    assert planning.announce_key(event_id, "2026-12-03T17:30") in keys
    assert planning.announce_key(event_id, "2026-12-03T18:00") not in keys


async def test_cancelling_one_date_names_the_people_and_cancels_its_jobs(service: EventsService,
                                                                         db: Database) -> None:
    event_id = await make(service, repeat="weekly")
    post_id = await post_for(service, event_id, "2026-12-10T18:00")
    await service.rsvp(post_id, GUILD, 7, "maybe")
    await service.rsvp(post_id, GUILD, 8, "cant")
    outcome = await service.cancel(event_id, GUILD, "10.12.2026")
    assert outcome.people == ((7, "2026-12-10T18:00"),)
    key = planning.announce_key(event_id, "2026-12-10T18:00")
    assert await db.fetchval("SELECT state FROM scheduled_jobs WHERE key = ?", (key,)) == "cancelled"
    with pytest.raises(UserError):
        await service.cancel(event_id, GUILD, "11.12.2026")  # not a date of the event


async def test_reminder_targets_skip_those_already_reminded_or_opted_out(service: EventsService) -> None:
    event_id = await make(service)
    post_id = await post_for(service, event_id)
    for user in (1, 2, 3):
        await service.rsvp(post_id, GUILD, user, "going")
    await service.set_reminders(2, False)
    await service.log_reminder(event_id, "2026-12-03T18:00", 60, 3, "sent")
    assert await service.reminder_targets(event_id, "2026-12-03T18:00", 60) == [1]


async def test_privacy_section_exports_and_deletes_only_that_member(service: EventsService, db: Database) -> None:
    event_id = await make(service)
    post_id = await post_for(service, event_id)
    await service.rsvp(post_id, GUILD, 1, "going")
    await service.rsvp(post_id, GUILD, 2, "maybe")
    await service.set_reminders(1, False)
    section = service.privacy_section()
    async with db.read() as tx:
        data = await section.export(tx, 1)
    assert data["answers"][0]["status"] == "going" and data["reminders_enabled"] is False
    async with db.transaction() as tx:
        await section.delete(tx, 1)
    async with db.read() as tx:
        assert await section.export(tx, 1) is None
        assert await section.export(tx, 2) is not None


async def test_upcoming_capability_uses_translations_with_fallback(service: EventsService) -> None:
    event_id = await make(service)
    await service.translate(event_id, GUILD, "uk", "Мовне кафе", "")
    assert [i.title for i in await service.upcoming(GUILD, "uk")] == ["Мовне кафе"]
    assert [i.title for i in await service.upcoming(GUILD, "so")] == ["Language café"]
    assert (await service.upcoming(GUILD, "uk"))[0].hint == CommandRef(("event", "show"), (("event", str(event_id)),))


async def test_free_announcement_plans_each_repetition(service: EventsService, db: Database) -> None:
    ann = await service.create_announcement(GUILD, ORGANIZER, 5, "2026-12-02", "09:00", "sv", "Hej!",
                                            repeat="weekly", until_text="2026-12-16")
    keys = [r["key"] for r in await db.fetchall("SELECT key FROM scheduled_jobs ORDER BY due_at")]
    assert keys == [planning.free_post_key(ann.id, f"2026-12-{d:02d}T09:00") for d in (2, 9, 16)]
    await service.cancel_announcement(ann.id, GUILD)
    assert await db.fetchval("SELECT COUNT(*) FROM scheduled_jobs WHERE state = 'pending'") == 0


async def test_ics_has_the_zone_rule_exdates_and_escaped_text(service: EventsService) -> None:
    event_id = await make(service, repeat="weekly", place="Folkets hus, Norsjö", until_text="2027-02-25")
    await service.cancel(event_id, GUILD, "2026-12-24")
    event = await service.get(event_id, GUILD)
    text = calendar([CalendarEntry(event, "Café; språk", "", (datetime(2026, 12, 24, 18),))],
                    datetime(2026, 12, 1, tzinfo=UTC), installation="abc123")
    assert "BEGIN:VTIMEZONE\r\nTZID:Europe/Stockholm" in text
    assert "RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20270225T225959Z" in text
    assert "EXDATE;TZID=Europe/Stockholm:20261224T180000" in text
    assert "SUMMARY:Café\\; språk" in text and "LOCATION:Folkets hus\\, Norsjö" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


async def test_counting_answers_and_numbering_a_change_read_indexes_not_every_answer(db: Database) -> None:
    """A large event's counts are redrawn at every press: neither query may walk the whole table."""
    count_plan = await db.fetchall(
        "EXPLAIN QUERY PLAN SELECT status, COUNT(*) AS n FROM event_rsvps WHERE event_id = ? AND occurrence = ? "
        "GROUP BY status", (1, "2026-12-03T18:00"))
    next_plan = await db.fetchall("EXPLAIN QUERY PLAN SELECT COALESCE(MAX(seq), 0) + 1 FROM event_rsvps")
    assert any("COVERING INDEX event_rsvps_counts" in row["detail"] for row in count_plan)
    assert any("COVERING INDEX event_rsvps_seq" in row["detail"] for row in next_plan)
