"""Events refuse dates too far ahead and too many reminders, and stored rows beyond the limits stay harmless."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import FixedClock
from bot.core.db import Database
from bot.core.errors import UserError
from bot.core.jobs import JobQueue
from bot.features.events import planning
from bot.features.events.service import EventDraft, EventsService
from bot.features.events.timeparse import MAX_REMINDERS, check_within_reach, parse_offsets

ZONE = ZoneInfo("Europe/Stockholm")
GUILD, ORGANIZER = 1, 10


@pytest.fixture
def service(db: Database) -> EventsService:
    clock = FixedClock(datetime(2026, 12, 1, 12, tzinfo=UTC))
    return EventsService(db, clock, JobQueue(db, clock, timedelta(minutes=30)), ZONE)


def test_five_reminders_are_fine_and_299_are_refused() -> None:
    assert parse_offsets("2d, 24h, 3h, 1h, 30m") == [2880, 1440, 180, 60, 30]
    with pytest.raises(UserError) as caught:
        parse_offsets(",".join(f"{n}h" for n in range(1, 300)))
    assert caught.value.values["limit"] == MAX_REMINDERS


def test_dates_up_to_two_years_ahead() -> None:
    today = date(2026, 12, 1)
    assert check_within_reach(date(2028, 12, 1), today) == date(2028, 12, 1)
    with pytest.raises(UserError) as caught:
        check_within_reach(date(9999, 12, 31), today)
    assert caught.value.values["date"] == "9999-12-31"


@pytest.mark.parametrize("fields", [{"date_text": "9999-12-31"}, {"repeat": "weekly", "until_text": "9999-12-31"}])
async def test_a_draft_far_in_the_future_is_refused_and_nothing_stored(service: EventsService, db: Database,
                                                                       fields: dict) -> None:
    draft = EventDraft(**{"title": "Café", "date_text": "2026-12-03", "time_text": "18:00", "language": "sv",
                          **fields})
    with pytest.raises(UserError):
        await service.create_draft(GUILD, ORGANIZER, draft)
    assert await db.fetchval("SELECT COUNT(*) FROM events") == 0


async def test_a_row_stored_with_many_reminders_plans_only_the_nearest_five(service: EventsService,
                                                                           db: Database) -> None:
    event, _ = await service.create_draft(GUILD, ORGANIZER, EventDraft(
        title="Café", date_text="2026-12-20", time_text="18:00", language="sv", reminders_text="1h"))
    await db.execute("UPDATE events SET reminders = ? WHERE id = ?",
                     (json.dumps([60 * n for n in range(299, 0, -1)]), event.id))
    await service.activate(event.id, GUILD, ORGANIZER)
    keys = {r["key"] for r in await db.fetchall("SELECT key FROM scheduled_jobs WHERE kind = ?",
                                                (planning.REMIND,))}
    assert keys == {planning.remind_key(event.id, "2026-12-20T18:00", 60 * n) for n in range(1, 6)}
