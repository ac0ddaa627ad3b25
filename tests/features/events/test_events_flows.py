"""Events' cancellation notices through the conversation port, on the in-memory platform."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import FixedClock
from bot.core.conversation import Delivery, Said, UserRef
from bot.core.conversation_memory import MemoryConversation
from bot.core.i18n import Catalogs
from bot.core.services import Services, build_services
from bot.core.settings import Settings
from bot.features.events import planning
from bot.features.events.flows import EventsFlows
from bot.features.events.service import EventDraft, EventsService

GUILD, ORGANIZER, OCC = 1, 10, "2026-12-03T18:00"


@pytest.fixture
async def services(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[Services]:
    services = await build_services(Settings(), clock=FixedClock(datetime(2026, 12, 1, 12, tzinfo=UTC)),
                                    catalogs=catalogs, database_path=tmp_path / "events.sqlite3", exclusive=False)
    yield services
    await services.close()


async def test_a_cancellation_tells_who_allowed_it_once_and_leaves_the_rest_to_nobody(services: Services) -> None:
    service = EventsService(services.db, services.clock, services.jobs, services.settings.zone)
    event, _ = await service.create_draft(GUILD, ORGANIZER, EventDraft(
        title="*Språkcafé*", date_text="2026-12-03", time_text="18:00", language="sv"))
    await service.activate(event.id, GUILD, ORGANIZER)
    post = await service.ensure_post(event.id, OCC, 99)
    for user in (7, 8, 9):
        await service.rsvp(post.id, GUILD, user, "going")
    for user in (7, 9):
        await services.prefs.set_dm_allowed(user, True)

    async def allows(user: UserRef) -> bool:
        return await services.prefs.dm_allowed(int(user.id))

    chat = MemoryConversation(allows_dms=allows, closed_dms={"9"})
    flows = EventsFlows(service, services, chat)
    outcome = await service.cancel(event.id, GUILD, None)
    results = {user: await flows.cancel_notice_now(outcome.event, occ, user) for user, occ in outcome.people}
    assert results == {7: Delivery.SENT, 8: Delivery.NOT_ALLOWED, 9: Delivery.CLOSED}
    [sent] = chat.of("direct")
    assert sent.to == "7" and Said("*Språkcafé*") in sent.message.text.segments  # escaped by the adapter
    assert sent.key == f"{planning.cancel_notice_key(event.id, OCC, 7)}|7"
    # Each safety net is dropped; pressing again (or a restart) sends nothing new.
    for user in (7, 8, 9):
        assert await services.jobs.state_of(planning.cancel_notice_key(event.id, OCC, user)) == "cancelled"
        assert await flows.cancel_notice_now(outcome.event, OCC, user) is None
    assert len(chat.of("direct")) == 1


async def test_a_freed_place_is_told_once_to_the_first_waiting(services: Services) -> None:
    service = EventsService(services.db, services.clock, services.jobs, services.settings.zone)
    event, _ = await service.create_draft(GUILD, ORGANIZER, EventDraft(
        title="Bastu", date_text="2026-12-03", time_text="18:00", language="sv", capacity=1))
    await service.activate(event.id, GUILD, ORGANIZER)
    post = await service.ensure_post(event.id, OCC, 99)
    await service.rsvp(post.id, GUILD, 7, "going")
    await service.rsvp(post.id, GUILD, 8, "going")  # waiting
    await services.prefs.set_dm_allowed(8, True)
    chat = MemoryConversation()
    flows = EventsFlows(service, services, chat)
    outcome = await service.rsvp(post.id, GUILD, 7, "cant")
    assert outcome.promoted == (8,)
    await flows.promoted_now(event.id, OCC, 8)
    await flows.promoted_now(event.id, OCC, 8)  # nothing left planned: nothing sent again
    [sent] = chat.of("direct")
    assert sent.to == "8" and Said("Bastu") in sent.message.text.segments
    assert await service.pending_notices(event.id, OCC, 8) == []


async def test_the_reminder_names_the_moment_and_logs_each_outcome(services: Services) -> None:
    from bot.core.conversation import Moment
    from bot.core.jobs import Job

    service = EventsService(services.db, services.clock, services.jobs, services.settings.zone)
    event, _ = await service.create_draft(GUILD, ORGANIZER, EventDraft(
        title="Språkcafé", date_text="2026-12-03", time_text="18:00", language="sv", place="Biblioteket"))
    await service.activate(event.id, GUILD, ORGANIZER)
    post = await service.ensure_post(event.id, OCC, 99)
    for user in (7, 8, 9):
        await service.rsvp(post.id, GUILD, user, "going")
    for user in (7, 9):
        await services.prefs.set_dm_allowed(user, True)

    async def allows(user: UserRef) -> bool:
        return await services.prefs.dm_allowed(int(user.id))

    chat = MemoryConversation(allows_dms=allows, closed_dms={"9"})
    flows = EventsFlows(service, services, chat)
    job = Job(1, planning.REMIND, planning.remind_key(event.id, OCC, 60), services.clock.now(),
              {"event": event.id, "occ": OCC, "minutes": 60}, 0)
    await flows.run_reminder(job)
    await flows.run_reminder(job)  # a re-run: everyone is in the log already
    [sent] = chat.of("direct")
    assert sent.to == "7" and Said("Biblioteket") in sent.message.text.segments
    assert any(isinstance(s, Moment) and s.style == "relative" for s in sent.message.text.segments)
    logged = dict(await services.db.fetchall("SELECT user_id, outcome FROM event_reminder_log"))
    assert logged == {7: "sent", 8: "not_allowed", 9: "dms_closed"}
