"""OnboardingService against a real migrated database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.areas import AREAS_CONFIG_KEY
from bot.core.clock import FixedClock
from bot.core.db import Database
from bot.core.errors import UserError
from bot.core.jobs import JobQueue
from bot.core.members import GuildConfig, MemberPrefs
from bot.features.onboarding.service import OnboardingService

G = 42
START = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def jobs(db: Database, clock: FixedClock) -> JobQueue:
    return JobQueue(db, clock, timedelta(minutes=30))


@pytest.fixture
def service(db: Database, clock: FixedClock, jobs: JobQueue) -> OnboardingService:
    return OnboardingService(db, clock, jobs, MemberPrefs(db, clock))


async def finish_flow(service: OnboardingService, user: int, *, consent: bool) -> None:
    await service.begin(G, user)
    await service.choose_language(G, user, "ar")
    await service.set_consent(G, user, consent)
    await service.set_topics(G, user, ["work", "housing"])
    await service.set_area(G, user, "Kusfors")
    await service.set_mentor(G, user, True)


async def test_joins_are_recorded_and_wait_for_one_greeting(service: OnboardingService, jobs: JobQueue) -> None:
    for user in range(1, 6):
        await service.record_join(G, user, pending=False)
    await service.record_join(G, 99, pending=True)
    assert await service.ungreeted(G) == [1, 2, 3, 4, 5]
    await service.mark_greeted(G, [1, 2])
    assert await service.ungreeted(G) == [3, 4, 5]
    assert await jobs.next_due() == START + timedelta(seconds=5)


async def test_joins_recorded_together_are_recorded_as_one_by_one(db: Database, service: OnboardingService,
                                                                   jobs: JobQueue) -> None:
    """`record_joins` (the catch-up after a restart) leaves the same rows, counts and greeting as `record_join` each."""
    joins = [(user, user % 3 == 0) for user in range(1, 40)] + [(5, False)]  # a repeated join too
    await service.record_joins(G, joins)
    together = (await db.fetchall("SELECT user_id, joined_at, pending, rejoined, reached FROM onboarding_members "
                                  "ORDER BY user_id"), await service.stats(G), await service.ungreeted(G),
                await service.pending_members(G), await jobs.next_due())
    await db.execute("DELETE FROM onboarding_members")
    await db.execute("DELETE FROM onboarding_funnel")
    for user, pending in joins:
        await service.record_join(G, user, pending=pending)
    one_by_one = (await db.fetchall("SELECT user_id, joined_at, pending, rejoined, reached FROM onboarding_members "
                                    "ORDER BY user_id"), await service.stats(G), await service.ungreeted(G),
                  await service.pending_members(G), await jobs.next_due())
    assert [tuple(r) for r in together[0]] == [tuple(r) for r in one_by_one[0]]
    assert together[1:] == one_by_one[1:]
    assert together[2] and together[3] == [3 * k for k in range(1, 14)]
    await service.record_joins(G, [])  # nothing to do


async def test_a_pending_member_is_greeted_after_screening(service: OnboardingService) -> None:
    await service.record_join(G, 7, pending=True)
    assert await service.ungreeted(G) == []
    assert await service.screening_passed(G, 7) is not None
    assert await service.ungreeted(G) == [7]
    assert await service.screening_passed(G, 7) is None  # only once


async def test_declined_consent_erases_the_answers_at_the_end(service: OnboardingService) -> None:
    await finish_flow(service, 1, consent=False)
    state, first = await service.finish(G, 1)
    assert first and state.help_topics == ["work", "housing"]  # still used for roles and the checklist
    stored = await service.get(G, 1)
    assert stored is not None and stored.help_topics == [] and stored.area is None and stored.wants_mentor is None


async def test_given_consent_keeps_the_answers(service: OnboardingService) -> None:
    await finish_flow(service, 1, consent=True)
    await service.finish(G, 1)
    stored = await service.get(G, 1)
    assert stored is not None and stored.help_topics == ["work", "housing"] and stored.area == "Kusfors"


async def test_steps_cannot_be_skipped(service: OnboardingService) -> None:
    await service.begin(G, 1)
    with pytest.raises(UserError):
        await service.set_mentor(G, 1, True)


async def test_the_funnel_counts_each_member_once_per_stage(service: OnboardingService) -> None:
    await service.record_join(G, 1, pending=False)
    await service.record_join(G, 2, pending=False)
    await finish_flow(service, 1, consent=True)
    await service.finish(G, 1)
    await service.begin(G, 1)
    await service.edit(G, 1, "language")
    await service.choose_language(G, 1, "sv")
    counts = await service.stats(G)
    assert counts["joined"] == 2 and counts["started"] == 1 and counts["language"] == 1
    assert counts["finished"] == 1 and counts["consented"] == 1 and counts["declined"] == 0


async def test_only_the_first_claim_wins(service: OnboardingService) -> None:
    await finish_flow(service, 1, consent=True)
    await service.finish(G, 1)
    first = await service.claim(G, 1, 500)
    second = await service.claim(G, 1, 501)
    assert first.claimed and not second.claimed and second.claimed_by == 500
    assert await service.queue(G) == []


async def test_leaving_takes_a_member_off_the_queue_and_a_rejoin_is_offered_their_answers(
        service: OnboardingService, clock: FixedClock) -> None:
    await finish_flow(service, 1, consent=True)
    await service.finish(G, 1)
    await service.record_leave(G, 1)
    assert await service.queue(G) == []
    clock.set(START + timedelta(days=10))
    await service.record_join(G, 1, pending=False)
    state = await service.get(G, 1)
    assert state is not None and state.returning and state.help_topics == ["work", "housing"]
    assert [s.user_id for s in await service.queue(G)] == [1]


async def test_privacy_export_and_delete(service: OnboardingService, db: Database) -> None:
    await finish_flow(service, 1, consent=True)
    section = service.privacy_section()
    async with db.read() as tx:
        exported = await section.export(tx, 1)
    assert exported and exported[0]["help_topics"] == ["work", "housing"]
    async with db.transaction() as tx:
        await section.delete(tx, 1)
    assert await service.get(G, 1) is None
    # The aggregates stay.
    assert (await service.stats(G))["started"] == 1


async def test_the_service_refuses_a_language_or_area_not_offered_and_changes_nothing(
        db: Database, clock: FixedClock, jobs: JobQueue) -> None:
    config = GuildConfig(db, clock)
    await config.set(G, AREAS_CONFIG_KEY, ["Kusfors", "Bastuträsk"])
    service = OnboardingService(db, clock, jobs, MemberPrefs(db, clock), config)
    await service.begin(G, 1)
    with pytest.raises(UserError):
        await service.choose_language(G, 1, "klingon")
    assert (await service.get(G, 1)).step == "language"
    await service.choose_language(G, 1, "ar")
    await service.set_consent(G, 1, True)
    await service.set_topics(G, 1, ["work"])
    with pytest.raises(UserError):
        await service.set_area(G, 1, "Norsjö centrum")  # a default area, but not in this guild's list
    state = await service.get(G, 1)
    assert state.step == "area" and state.area is None
    assert (await service.set_area(G, 1, "other")).area == "other"


async def test_the_reminder_flow_writes_once_to_who_allowed_it_and_names_the_command(
        tmp_path, catalogs) -> None:
    from bot.core.conversation import CommandRef, UserRef
    from bot.core.conversation_memory import MemoryConversation
    from bot.core.jobs import Job
    from bot.core.services import build_services
    from bot.core.settings import Settings
    from bot.features.onboarding.flows import OnboardingFlows
    from bot.features.onboarding.service import REMIND_KIND

    services = await build_services(Settings(), clock=FixedClock(START), catalogs=catalogs,
                                    database_path=tmp_path / "remind.sqlite3", exclusive=False)
    try:
        service = OnboardingService(services.db, services.clock, services.jobs, services.prefs, services.guild_config)
        chat = MemoryConversation(closed_dms={"3"})
        flows = OnboardingFlows(service, services, chat)
        for user in (1, 2, 3):
            await service.begin(G, user)
        for user in (1, 3):
            await services.prefs.set_dm_allowed(user, True)
        await services.prefs.set_language(1, "sv")
        for user in (1, 2, 3, 1):  # 2 never allowed DMs; 3 has them closed; 1 is asked twice (a re-run)
            await flows.run_remind(Job(user, REMIND_KIND, f"onboarding:remind:{G}:{user}", START,
                                       {"guild": G, "user": user}, 0))
        [sent] = chat.of("direct")
        assert sent.to == UserRef.of(1).id
        assert sent.message.text.commands == (CommandRef(("welcome", "start"), (), "sv"),)
    finally:
        await services.close()


async def test_the_blank_card_flow_replaces_the_card_or_asks_organizers_to_delete_it(tmp_path, catalogs) -> None:
    from bot.core import places
    from bot.core.conversation import Jump
    from bot.core.conversation_memory import MemoryConversation
    from bot.core.jobs import Job
    from bot.core.services import build_services
    from bot.core.settings import Settings
    from bot.features.onboarding.flows import OnboardingFlows
    from bot.features.onboarding.service import BLANK_CARD_KIND

    services = await build_services(Settings(), clock=FixedClock(START), catalogs=catalogs,
                                    database_path=tmp_path / "blank.sqlite3", exclusive=False)
    try:
        service = OnboardingService(services.db, services.clock, services.jobs, services.prefs, services.guild_config)
        chat = MemoryConversation()
        flows = OnboardingFlows(service, services, chat)

        def job(message: int) -> Job:
            payload = {"guild": G, "message": message}
            return Job(message, BLANK_CARD_KIND, f"onboarding:blank:{message}", START, payload, 0)

        assert await flows.run_blank_card(job(500))
        [edit] = chat.of("edit", places.VOLUNTEERS.name)
        assert edit.ref.id == "500" and not edit.message.controls  # nothing left to claim
        chat.deleted.add("501")
        assert await flows.run_blank_card(job(501))  # deleted meanwhile: nothing to do
        chat.refused_places.add(places.VOLUNTEERS.name)
        assert await flows.run_blank_card(job(502))
        [note] = chat.of("notify", places.ORGANIZERS.name)
        [link] = [s for s in note.message.text.segments if isinstance(s, Jump)]
        assert link.message.id == "502"
        chat.failing = True
        assert not await flows.run_blank_card(job(503))  # tried again later
    finally:
        await services.close()
