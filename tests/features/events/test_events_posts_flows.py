"""Events' posts, presses and commands through the conversation port, on the in-memory platform."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.access import Capability
from bot.core.clock import FixedClock
from bot.core.conversation import Action, Attachment, MessageRef, PlaceRef, UserRef
from bot.core.conversation_memory import MemoryConversation, MemoryExchange
from bot.core.errors import NotAllowed, UserError
from bot.core.flows import Answer
from bot.core.i18n import Catalogs
from bot.core.jobs import Job, RetryLater
from bot.core.services import Services, build_services
from bot.core.settings import Settings
from bot.features.events import planning
from bot.features.events.flows import EventsFlows
from bot.features.events.posts import PostUndeliverable
from bot.features.events.service import EventDraft, EventsService

GUILD, ORGANIZER, OCC = 1, 10, "2026-12-03T18:00"
NOW = datetime(2026, 12, 2, 18, tzinfo=UTC)


@pytest.fixture
async def services(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[Services]:
    services = await build_services(Settings(), clock=FixedClock(NOW), catalogs=catalogs,
                                    database_path=tmp_path / "events.sqlite3", exclusive=False)
    yield services
    await services.close()


async def event_with_flows(services: Services, chat: MemoryConversation, **draft: object):
    service = EventsService(services.db, services.clock, services.jobs, services.settings.zone)
    event, _ = await service.create_draft(GUILD, ORGANIZER, EventDraft(
        title="Språkcafé", date_text="2026-12-03", time_text="18:00", language="sv", **draft))
    await service.activate(event.id, GUILD, ORGANIZER)
    return service, EventsFlows(service, services, chat), event


def job(kind: str, key: str, payload: dict, attempts: int = 1) -> Job:
    return Job(id=1, kind=kind, key=key, due_at=NOW, payload=payload, attempts=attempts, late=False)


async def test_an_announcement_is_posted_once_with_its_key_and_the_answers(services: Services) -> None:
    chat = MemoryConversation()
    service, flows, event = await event_with_flows(services, chat)
    key = planning.announce_key(event.id, OCC)
    await flows.posts.run_announce(job(planning.ANNOUNCE, key, {"event": event.id, "occ": OCC}))
    await flows.posts.run_announce(job(planning.ANNOUNCE, key, {"event": event.id, "occ": OCC}))  # a re-run
    [sent] = chat.of("post", "announcements")
    assert sent.key == f"{key}|"
    assert [str(a) for a in sent.message.actions] == [
        "events:rsvp:1:going", "events:rsvp:1:maybe", "events:rsvp:1:cant", "events:show:1"]
    assert (await service.post_of(event.id, OCC)).message_id == int(sent.ref.id)


async def test_a_refused_place_tells_the_organizers_with_post_now_and_skip(services: Services) -> None:
    chat = MemoryConversation(refused_places={"announcements"})
    _service, flows, event = await event_with_flows(services, chat)
    key = planning.announce_key(event.id, OCC)
    with pytest.raises(PostUndeliverable):
        await flows.posts.run_announce(job(planning.ANNOUNCE, key, {"event": event.id, "occ": OCC}))
    [note] = chat.of("notify", "organizers")
    assert [a.name for a in note.message.actions] == ["late", "late"]
    assert [":".join(a.args[1:]) for a in note.message.actions] == [key, key]


async def test_a_failing_platform_is_tried_again_before_organizers_are_asked(services: Services) -> None:
    chat = MemoryConversation(failing=True)
    _service, flows, event = await event_with_flows(services, chat)
    key = planning.announce_key(event.id, OCC)
    with pytest.raises(RetryLater):
        await flows.posts.run_announce(job(planning.ANNOUNCE, key, {"event": event.id, "occ": OCC}))
    assert chat.sent == []


async def test_the_answer_on_a_post_counts_only_pressed_on_that_post(services: Services) -> None:
    chat = MemoryConversation()
    service, flows, event = await event_with_flows(services, chat)
    post = await service.ensure_post(event.id, OCC, 99)
    await service.record_posted(post.id, 99, 500, False)
    elsewhere = MessageRef(PlaceRef("99"), "501")
    replayed = MemoryExchange(UserRef("7"), community=GUILD, prompt=elsewhere)
    with pytest.raises(UserError):
        await flows.on_rsvp(replayed, Action("events", "rsvp", (str(post.id), "going")), Answer())
    assert await service.status_of(event.id, OCC, 7) is None
    from_reminder = MemoryExchange(UserRef("7"), community=None, prompt=elsewhere)  # a direct message
    await flows.on_rsvp(from_reminder, Action("events", "answer", (str(post.id), "going")), Answer())
    assert await service.status_of(event.id, OCC, 7) == "going"


async def test_post_now_is_for_organizers_only(services: Services) -> None:
    chat = MemoryConversation()
    _service, flows, event = await event_with_flows(services, chat)
    member = MemoryExchange(UserRef("7"), community=GUILD)
    action = Action("events", "late", ("now", *planning.announce_key(event.id, OCC).split(":")))
    with pytest.raises(NotAllowed):
        await flows.posts.on_late(member, action, Answer())
    organizer = MemoryExchange(UserRef("10"), community=GUILD, staff=frozenset({Capability.ORGANIZER}))
    await flows.posts.on_late(organizer, action, Answer())
    assert "already handled" in str(organizer.answers[-1].text)  # nothing was missed or failed


async def test_an_answer_without_direct_messages_offers_to_allow_them_and_promises_nothing(services: Services) -> None:
    chat = MemoryConversation()
    service, flows, event = await event_with_flows(services, chat, capacity=1)
    post = await service.ensure_post(event.id, OCC, 99)
    await service.record_posted(post.id, 99, 500, False)
    await services.prefs.set_dm_allowed(7, True)
    first = MemoryExchange(UserRef("7"), community=GUILD)
    await flows.on_rsvp(first, Action("events", "rsvp", (str(post.id), "going")), Answer())
    assert "I will remind you" in str(first.last.text) and first.last.actions == ()
    second = MemoryExchange(UserRef("8"), community=GUILD)
    await flows.on_rsvp(second, Action("events", "rsvp", (str(post.id), "going")), Answer())
    text = str(second.last.text)
    assert "waiting list" in text and "I will tell you" not in text
    assert ("event", "mine") in [c.path for c in second.last.text.commands]
    assert [str(a) for a in second.last.actions] == ["core:allow-dm"]


async def test_a_reminder_carries_the_answers_of_its_post(services: Services) -> None:
    chat = MemoryConversation()
    service, flows, event = await event_with_flows(services, chat)
    post = await service.ensure_post(event.id, OCC, 99)
    await service.record_posted(post.id, 99, 500, False)
    await service.rsvp(post.id, GUILD, 7, "going")
    message = await flows.render_reminder({"event": event.id, "occ": OCC, "user": 7}, services.translator("so"))
    assert message is not None
    assert [str(a) for a in message.actions] == [
        f"events:answer:{post.id}:going", f"events:answer:{post.id}:maybe", f"events:answer:{post.id}:cant"]
    await service.rsvp(post.id, GUILD, 7, "cant")
    assert await flows.render_reminder({"event": event.id, "occ": OCC, "user": 7}, services.translator("so")) is None


async def test_cancelling_a_series_asks_first_then_cancels_on_the_press(services: Services) -> None:
    chat = MemoryConversation()
    service, flows, event = await event_with_flows(services, chat, repeat="weekly", until_text="2027-01-28")
    await flows.start()
    try:
        organizer = MemoryExchange(UserRef("10"), community=GUILD, staff=frozenset({Capability.ORGANIZER}))
        await services.commands.run(organizer, ("event", "cancel"), {"event": event.id})
        assert [str(a) for a in organizer.last.actions] == [f"events:cancel-all:{event.id}", f"events:keep:{event.id}"]
        assert "9" in str(organizer.last.text)  # 3 December to 28 January: nine dates, counted
        assert (await service.event(event.id)).status == "active"
        await services.routes.dispatch(organizer, Action("events", "cancel-all", (str(event.id),)))
        assert (await service.event(event.id)).status == "cancelled"
        assert "9" in str(organizer.answers[-1].text) and "\n" not in str(organizer.answers[-1].text)
    finally:
        flows.stop()


async def test_the_calendar_command_answers_a_file(services: Services) -> None:
    chat = MemoryConversation()
    _service, flows, event = await event_with_flows(services, chat)
    await flows.start()
    try:
        member = MemoryExchange(UserRef("7"), community=GUILD, language="ti")
        await services.commands.run(member, ("event", "calendar"), {"event": event.id})
        [file] = member.last.files
        assert isinstance(file, Attachment) and file.name == f"event-{event.id}.ics"
        assert b"BEGIN:VEVENT" in file.data
    finally:
        flows.stop()
