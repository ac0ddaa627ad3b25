"""Mentoring's flows through the conversation port, on the in-memory platform (no Discord at all)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core import places
from bot.core.clock import FixedClock
from bot.core.conversation import Action, UserRef
from bot.core.conversation_memory import MemoryConversation, MemoryExchange
from bot.core.errors import UserError
from bot.core.flows import Answer
from bot.core.i18n import Catalogs
from bot.core.jobs import Job, RetryLater
from bot.core.services import Services, build_services
from bot.core.settings import Settings
from bot.features.mentoring.flows import MentoringFlows, pair_space_name
from bot.features.mentoring.model import MENTOR, NEWCOMER, Profile
from bot.features.mentoring.service import MentoringService, followup_key

G = 42
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
MENTOR_ID, NEWCOMER_ID, COORDINATOR_ID = 1, 2, 900


class World:
    def __init__(self, services: Services, clock: FixedClock) -> None:
        self.services, self.clock = services, clock
        self.service = MentoringService(services.db, clock, services.jobs, services.guild_config)

        async def allows(user: UserRef) -> bool:
            return await services.prefs.dm_allowed(int(user.id))

        self.chat = MemoryConversation(allows_dms=allows)
        self.flows = MentoringFlows(self.service, services, self.chat)

    def turn(self, user_id: int) -> MemoryExchange:
        return MemoryExchange(UserRef.of(user_id), community=G, language="en")

    async def invited(self) -> int:
        await self.service.save_profile(G, Profile(MENTOR_ID, MENTOR, {"ar": 3}, help=("work",), capacity=1))
        await self.service.save_profile(G, Profile(NEWCOMER_ID, NEWCOMER, {"ar": 2}, help=("work",)))
        view = await self.service.preview(G, COORDINATOR_ID)
        invited, _ = await self.service.approve(G, COORDINATOR_ID, [view.proposals[0].position or 0])
        return invited[0].id

    async def press(self, user_id: int, wire: str, answer: Answer | None = None) -> MemoryExchange:
        turn = self.turn(user_id)
        action = self.services.routes.resolve(wire)
        assert action is not None, wire
        assert await self.services.routes.dispatch(turn, action, answer)
        return turn


@pytest.fixture
async def world(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[World]:
    clock = FixedClock(NOW)
    services = await build_services(Settings(), clock=clock, catalogs=catalogs,
                                    database_path=tmp_path / "flows.sqlite3", exclusive=False)
    w = World(services, clock)
    await w.flows.start()
    try:
        yield w
    finally:
        w.flows.stop()
        await services.close()


async def test_an_invitation_goes_directly_to_who_allowed_it_and_waits_as_a_prompt_for_the_other(world: World) -> None:
    await world.services.prefs.set_dm_allowed(MENTOR_ID, True)
    match_id = await world.invited()
    assert await world.flows.follow_up_now(match_id, "invite")
    [sent] = world.chat.of("direct")
    assert sent.to == str(MENTOR_ID)
    assert [str(a) for a in sent.message.actions] == [f"mentoring:answer:{match_id}:yes",
                                                      f"mentoring:answer:{match_id}:no"]
    assert UserRef.of(NEWCOMER_ID) in sent.message.text.mentions
    # The safety net is dropped: the step succeeded in the decision's own path.
    assert await world.services.jobs.state_of(followup_key(match_id, "invite")) == "cancelled"
    # The newcomer did not allow direct messages: the invitation is held for their next turn with the bot
    # (any command or press), with one press to allow direct messages.
    turn = world.turn(NEWCOMER_ID)
    assert await world.services.notices.deliver(turn) == 1
    assert [str(a) for a in turn.answers[0].actions] == [f"mentoring:answer:{match_id}:yes",
                                                         f"mentoring:answer:{match_id}:no", "core:allow-dm"]
    assert await world.services.notices.deliver(world.turn(NEWCOMER_ID)) == 0  # shown once
    # Running the step again (a re-run after a crash) sends nothing new.
    assert await world.flows.follow_up(match_id, "invite")
    assert len(world.chat.of("direct")) == 1


async def test_both_accepting_opens_one_private_space_with_an_introduction_that_pings_both(world: World) -> None:
    match_id = await world.invited()
    turn = await world.press(MENTOR_ID, f"mentoring:answer:{match_id}:yes")
    assert turn.replaced and not turn.replaced[0].controls  # the invitation became the answer, without buttons
    await world.press(NEWCOMER_ID, f"mentoring:answer:{match_id}:yes")
    [opened] = world.chat.of("open")
    assert opened.to == places.PAIRS.name and opened.detail[0] == pair_space_name(match_id)
    space = opened.detail[1]
    assert world.chat.members[space] == {str(MENTOR_ID), str(NEWCOMER_ID), str(COORDINATOR_ID)}
    [intro] = world.chat.of("post", space)
    assert set(intro.message.ping) == {UserRef.of(MENTOR_ID), UserRef.of(NEWCOMER_ID)}
    assert await world.services.jobs.state_of(followup_key(match_id, "pair")) == "cancelled"
    # A re-run reuses the stored space and its key keeps the introduction single.
    assert await world.flows.follow_up(match_id, "pair")
    assert len(world.chat.of("open")) == 1 and len(world.chat.of("post", space)) == 1


async def test_a_crash_after_asking_for_the_space_reuses_the_space_it_opened(world: World) -> None:
    match_id = await world.invited()
    await world.service.answer(match_id, MENTOR_ID, True)
    await world.service.answer(match_id, NEWCOMER_ID, True)
    # The earlier attempt recorded its request and the platform opened the space; then the process died.
    await world.service.thread_requested(match_id)
    earlier = await world.chat.open_private(G, places.PAIRS, pair_space_name(match_id))
    assert await world.flows.follow_up(match_id, "pair")
    assert len(world.chat.of("open")) == 1
    assert (await world.service.get(match_id)).thread_id == earlier.id  # a platform id that is not a number


async def test_a_space_that_cannot_be_looked_for_is_tried_again_later(world: World) -> None:
    match_id = await world.invited()
    await world.service.answer(match_id, MENTOR_ID, True)
    await world.service.answer(match_id, NEWCOMER_ID, True)
    await world.service.thread_requested(match_id)
    world.chat.failing = True
    assert not await world.flows.follow_up_now(match_id, "pair")
    assert await world.services.jobs.state_of(followup_key(match_id, "pair")) == "pending"


async def test_no_place_for_pairs_tells_the_coordinators_to_introduce_them_by_hand(world: World) -> None:
    world.chat.refused_places.add(places.PAIRS.name)
    match_id = await world.invited()
    await world.service.answer(match_id, MENTOR_ID, True)
    await world.service.answer(match_id, NEWCOMER_ID, True)
    assert await world.flows.follow_up(match_id, "pair")
    [note] = world.chat.of("post", places.COORDINATORS.name)
    assert f"#{match_id}" in str(note.message.text)


async def test_a_help_answer_reaches_only_the_coordinators_and_is_retried_when_they_cannot_be_told(
        world: World) -> None:
    match_id = await world.invited()
    await world.service.answer(match_id, MENTOR_ID, True)
    await world.service.answer(match_id, NEWCOMER_ID, True)
    await world.flows.follow_up(match_id, "pair")
    world.chat.refused_places.add(places.COORDINATORS.name)
    turn = await world.press(NEWCOMER_ID, f"mentoring:checkin:{match_id}:7d:help")
    assert turn.answers  # the member is thanked at once
    key = followup_key(match_id, "help", "7d", NEWCOMER_ID)
    assert world.chat.of("post", places.COORDINATORS.name) == []
    assert await world.services.jobs.state_of(key) == "pending"  # the safety net stays
    world.chat.refused_places.clear()
    world.clock.set(NOW + timedelta(hours=1))
    await world.services.jobs.run_due()
    [note] = world.chat.of("post", places.COORDINATORS.name)
    assert UserRef.of(NEWCOMER_ID) in note.message.text.mentions
    assert all(s.to != str(MENTOR_ID) for s in world.chat.of("direct"))  # the partner is not told


async def test_rating_an_ended_match_asks_for_an_optional_comment(world: World) -> None:
    match_id = await world.invited()
    await world.service.answer(match_id, MENTOR_ID, True)
    await world.service.answer(match_id, NEWCOMER_ID, True)
    await world.service.end(match_id, NEWCOMER_ID)
    turn = await world.press(NEWCOMER_ID, f"mentoring:rate:{match_id}:4")
    [form] = turn.forms
    assert str(form.action) == f"mentoring:comment:{match_id}:4" and not form.fields[0].required
    done = await world.press(NEWCOMER_ID, str(form.action), Answer(fields={"comment": "Bra"}))
    assert done.answers
    with pytest.raises(UserError):
        await world.press(NEWCOMER_ID, f"mentoring:rate:{match_id}:9")
    with pytest.raises(UserError):
        await world.press(NEWCOMER_ID, f"mentoring:checkin:{match_id}:5y:met")


async def test_the_follow_up_steps_are_a_table_and_an_unknown_step_is_done(world: World) -> None:
    assert set(world.flows.STEPS) == {"invite", "pair", "declined", "ended", "help"}
    match_id = await world.invited()
    assert await world.flows.follow_up(match_id, "nonsense")
    assert await world.flows.follow_up(match_id + 100, "pair")
    assert world.chat.sent == []
    assert world.services.routes.resolve(str(Action("mentoring", "answer", ("1", "yes")))) is not None


async def test_no_mentor_yet_is_held_for_a_newcomer_without_direct_messages_and_dropped_once_matched(
        world: World) -> None:
    await world.service.save_profile(G, Profile(NEWCOMER_ID, NEWCOMER, {"ti": 3}, help=("work",)))
    job = Job(1, "mentoring.unmatched", "k", NOW, {"guild": G, "user": NEWCOMER_ID}, 1)
    await world.services.prefs.set_dm_allowed(NEWCOMER_ID, True)
    world.chat.failing = True
    with pytest.raises(RetryLater):  # the platform did not answer: the job tries again, nothing is held
        await world.flows.run_unmatched(job)
    assert await world.services.notices.count(NEWCOMER_ID) == 0
    world.chat.failing = False
    await world.services.prefs.set_dm_allowed(NEWCOMER_ID, False)
    await world.flows.run_unmatched(job)
    assert world.chat.of("direct") == [] and await world.services.notices.count(NEWCOMER_ID) == 1
    turn = MemoryExchange(UserRef.of(NEWCOMER_ID), community=G, language="ti")
    assert await world.services.notices.deliver(turn) == 1
    ti = world.services.translator("ti")
    assert ti._("We have not found a mentor for you yet. That is not about you: we are waiting for a mentor who "
                "speaks your language and has time. You stay on the list.") in str(turn.answers[0].text)
    # Matched meanwhile: a held note that no longer applies is not shown.
    await world.services.notices.hold(NEWCOMER_ID, G, "mentoring.unmatched", "k2", {"guild": G, "user": NEWCOMER_ID})
    await world.service.save_profile(G, Profile(MENTOR_ID, MENTOR, {"ti": 3}, help=("work",)))
    await world.service.preview(G, COORDINATOR_ID)
    assert await world.services.notices.deliver(MemoryExchange(UserRef.of(NEWCOMER_ID), community=G)) == 0


async def test_an_invitation_an_older_version_kept_as_a_prompt_is_held_after_the_upgrade(world: World) -> None:
    match_id = await world.invited()
    await world.flows.follow_up_now(match_id, "invite")
    db = world.services.db
    # As the previous version left it: a prompt for the next mentoring command, no held notice.
    await db.execute("DELETE FROM held_notices")
    await db.execute("UPDATE mentoring_matches SET newcomer_prompted = 0, mentor_prompted = 0")
    world.flows.stop()
    await world.flows.start()
    turn = world.turn(NEWCOMER_ID)
    assert await world.services.notices.deliver(turn) == 1
    assert str(turn.answers[0].actions[0]) == f"mentoring:answer:{match_id}:yes"
    world.flows.stop()
    await world.flows.start()  # taken once: a second start holds nothing again
    assert await world.services.notices.count(NEWCOMER_ID) == 0
