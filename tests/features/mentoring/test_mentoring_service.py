"""MentoringService against a real migrated database: pool, rounds, answers, check-in jobs, end, privacy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.capabilities import MentorConsent, MentorRequest
from bot.core.clock import FixedClock
from bot.core.db import Database
from bot.core.errors import UserError
from bot.core.jobs import JobQueue
from bot.core.members import GuildConfig
from bot.core.privacy import PrivacyRegistry
from bot.features.mentoring.model import MENTOR, NEWCOMER, Profile
from bot.features.mentoring.service import (
    CHECKIN_KIND,
    FOLLOWUP_DELAY,
    UNMATCHED_KIND,
    MentoringService,
    checkin_key,
    followup_key,
    unmatched_key,
)

G = 42
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def jobs(db: Database, clock: FixedClock) -> JobQueue:
    return JobQueue(db, clock, timedelta(minutes=30))


@pytest.fixture
def service(db: Database, clock: FixedClock, jobs: JobQueue) -> MentoringService:
    return MentoringService(db, clock, jobs, GuildConfig(db, clock))


async def pool(service: MentoringService, mentors: dict[int, dict[str, int]], newcomers: dict[int, dict[str, int]],
               capacity: int = 1) -> None:
    for uid, langs in mentors.items():
        await service.save_profile(G, Profile(uid, MENTOR, langs, help=("work",), capacity=capacity))
    for uid, langs in newcomers.items():
        await service.save_profile(G, Profile(uid, NEWCOMER, langs, help=("work",)))


async def activate(service: MentoringService, mentor: int, newcomer: int) -> int:
    view = await service.preview(G, 900)
    proposal = next(p for p in view.proposals if p.mentor_id == mentor and p.newcomer_id == newcomer)
    invited, _ = await service.approve(G, 900, [proposal.position or 0])
    await service.answer(invited[0].id, mentor, True)
    outcome = await service.answer(invited[0].id, newcomer, True)
    assert outcome.state == "active"
    return invited[0].id


async def test_both_accepting_plans_three_check_ins_and_ending_cancels_them(service, jobs) -> None:
    await pool(service, {1: {"ar": 3}}, {2: {"ar": 2}})
    match_id = await activate(service, 1, 2)
    for stage in ("7d", "1m", "3m"):
        assert await jobs.state_of(checkin_key(match_id, stage)) == "pending"
    # The pair's follow-up (thread, introduction) is planned with the decision as a safety net.
    assert await jobs.state_of(followup_key(match_id, "pair")) == "pending"
    assert await jobs.next_due() == NOW + FOLLOWUP_DELAY
    await service.followup_done(match_id, "invite")
    await service.followup_done(match_id, "pair")
    assert await jobs.next_due() == NOW + timedelta(days=7)
    await service.end(match_id, 2)
    for stage in ("7d", "1m", "3m"):
        assert await jobs.state_of(checkin_key(match_id, stage)) == "cancelled"
    assert CHECKIN_KIND == "mentoring.checkin"


async def test_an_open_invitation_takes_the_mentor_place(service) -> None:
    await pool(service, {1: {"so": 3}}, {2: {"so": 3}, 3: {"so": 3}})
    view = await service.preview(G, 900)
    assert len(view.proposals) == 1 and len(view.unmatched) == 1
    await service.approve(G, 900, None)
    again = await service.preview(G, 900)
    assert again.proposals == []
    assert set(again.unmatched.values()) == {"full"}


async def test_only_the_pair_may_answer_and_only_once(service) -> None:
    await pool(service, {1: {"uk": 3}}, {2: {"uk": 3}})
    await service.preview(G, 900)
    invited, _ = await service.approve(G, 900, None)
    with pytest.raises(UserError):
        await service.answer(invited[0].id, 99, True)
    await service.answer(invited[0].id, 1, True)
    with pytest.raises(UserError):
        await service.answer(invited[0].id, 1, False)


async def test_a_decline_excludes_the_pair_for_good(service) -> None:
    await pool(service, {1: {"ti": 3}}, {2: {"ti": 3}})
    await service.preview(G, 900)
    invited, _ = await service.approve(G, 900, None)
    outcome = await service.answer(invited[0].id, 1, False)
    assert outcome.state == "declined"
    view = await service.preview(G, 900)
    assert view.proposals == [] and view.unmatched == {2: "excluded"}
    with pytest.raises(UserError):
        await service.set_pair(G, 1, 2)


async def test_the_do_not_match_list_is_respected_until_lifted(service) -> None:
    await pool(service, {1: {"de": 3}}, {2: {"de": 3}})
    await service.set_excluded(G, 1, 2, True)
    assert (await service.preview(G, 900)).proposals == []
    await service.set_excluded(G, 1, 2, False)
    assert len((await service.preview(G, 900)).proposals) == 1


async def test_unmatched_newcomers_are_told_at_most_every_two_weeks(service, clock) -> None:
    await pool(service, {1: {"sv": 3}}, {2: {"sv": 3}, 3: {"ar": 3}})
    await service.preview(G, 900)
    _, tell = await service.approve(G, 900, None)
    assert tell == [3]
    await service.preview(G, 900)
    with pytest.raises(UserError):  # nothing to approve, nobody told twice
        await service.approve(G, 900, None)
    await service.save_profile(G, Profile(4, NEWCOMER, {"sv": 3}))
    await service.save_profile(G, Profile(5, MENTOR, {"sv": 3}))
    await service.preview(G, 900)
    _, tell = await service.approve(G, 900, None)
    assert tell == []
    clock.set(NOW + timedelta(days=15))
    await service.save_profile(G, Profile(6, MENTOR, {"de": 3}))
    await service.save_profile(G, Profile(7, NEWCOMER, {"de": 3}))
    await service.preview(G, 900)
    _, tell = await service.approve(G, 900, None)
    assert tell == [3]


async def test_the_no_mentor_yet_note_is_a_job_planned_with_the_approval(db, service, jobs, clock) -> None:
    await pool(service, {1: {"sv": 3}}, {2: {"sv": 3}, 3: {"ar": 3}})
    await service.preview(G, 900)
    await service.approve(G, 900, None)
    rows = await db.fetchall("SELECT key, due_at, payload, state FROM scheduled_jobs WHERE kind = ?",
                             (UNMATCHED_KIND,))
    assert [(r["key"], r["state"], json.loads(r["payload"])) for r in rows] == [
        (unmatched_key(G, 3, NOW), "pending", {"guild": G, "user": 3})]
    assert await jobs.next_due() == NOW  # due at once: the queue sends it
    # The handler tells only someone still waiting: not the invited newcomer, not one who withdrew.
    assert await service.still_unmatched(G, 3) and not await service.still_unmatched(G, 2)
    await service.withdraw(G, 3)
    assert not await service.still_unmatched(G, 3)


async def test_privacy_delete_cancels_a_pending_no_mentor_yet_note(db, service) -> None:
    registry = PrivacyRegistry(db)
    registry.register(service.privacy_section())
    await pool(service, {1: {"sv": 3}}, {2: {"sv": 3}, 3: {"ar": 3}, 33: {"ar": 3}})
    await service.preview(G, 900)
    await service.approve(G, 900, None)
    await registry.delete(3)
    states = dict(await db.fetchall("SELECT key, state FROM scheduled_jobs WHERE kind = ?", (UNMATCHED_KIND,)))
    assert states == {unmatched_key(G, 3, NOW): "cancelled", unmatched_key(G, 33, NOW): "pending"}


async def test_privacy_delete_removes_personal_rows_and_keeps_aggregates(db, service) -> None:
    registry = PrivacyRegistry(db)
    registry.register(service.privacy_section())
    await pool(service, {1: {"nl": 3}}, {2: {"nl": 3}})
    match_id = await activate(service, 1, 2)
    await service.record_checkin(match_id, "7d", 2, "met")
    await service.end(match_id, 1)
    await service.rate(match_id, 2, 5, "Thank you")
    exported = await registry.export(2)
    assert exported["mentoring"]["feedback"][0]["comment"] == "Thank you"
    assert exported["mentoring"]["check_ins"][0]["answer"] == "met"
    await registry.delete(2)
    assert await registry.export(2) == {}
    stats = await service.stats(G)
    assert stats["matched_total"] == 1 and stats["rating_count"] == 1 and stats["checkins"]["met"] == 1
    assert await db.fetchval("SELECT COUNT(*) FROM mentoring_matches") == 0


async def test_onboarding_requests_refresh_and_keep_the_waiting_time(service, clock) -> None:
    yes = MentorConsent.of_onboarding(True)
    assert await service.request_from_onboarding(G, 2, ["ar", "xx"], ["work", "nonsense"], "Kusfors", yes)
    clock.set(NOW + timedelta(days=3))
    assert await service.request_from_onboarding(G, 2, ["ar", "sv"], ["housing"], None, yes) == MentorRequest.REFRESHED
    (profile,) = await service.profiles_of(G, 2)
    assert profile.languages == {"ar": 2, "sv": 2}
    assert profile.help == ("housing",) and profile.area == "Kusfors"
    assert profile.created_at == NOW
    assert await service.request_from_onboarding(G, 3, ["xx"], [], None, yes) == MentorRequest.NO_LANGUAGE


async def test_an_onboarding_request_is_stored_only_within_what_the_member_consented_to(service) -> None:
    # "Keep only my language", or a caller that does not say what was consented: nothing is stored.
    for consent in (MentorConsent.of_onboarding(False), None):
        outcome = await service.request_from_onboarding(G, 4, ["prs"], ["work"], "Kusfors", consent)
        assert outcome == MentorRequest.NOT_CONSENTED and not outcome
        assert await service.profiles_of(G, 4) == []
    # A request without consent to keep the answers keeps only the languages, whatever the caller passed.
    languages_only = MentorConsent(keep_request=True, keep_answers=False)
    assert await service.request_from_onboarding(G, 4, ["prs"], ["work"], "Kusfors", languages_only)
    (profile,) = await service.profiles_of(G, 4)
    assert profile.languages == {"prs": 2} and profile.help == () and profile.area is None


async def test_mentors_can_pause_only_into_the_future(service) -> None:
    await pool(service, {1: {"hi": 3}}, {})
    with pytest.raises(UserError):
        await service.pause(G, 1, NOW.date() - timedelta(days=1))
    paused = await service.pause(G, 1, NOW.date() + timedelta(days=10))
    assert paused.paused_until == NOW.date() + timedelta(days=10)
    with pytest.raises(UserError):
        await service.pause(G, 2, None)


async def test_typed_answers_become_a_checked_profile_for_adults_with_an_area_from_the_list(
        service: MentoringService, db: Database, clock: FixedClock) -> None:
    answers = {"languages": "ar:3 sv:1", "help_": "work", "interests": None, "availability": None, "capacity": 1}
    with pytest.raises(UserError):
        await service.profile_from_answers(G, 5, NEWCOMER, area=None, adult=False, **answers)
    with pytest.raises(UserError):
        await service.profile_from_answers(G, 5, NEWCOMER, area="Atlantis", adult=True, **answers)
    profile = await service.profile_from_answers(G, 5, NEWCOMER, area="  kusfors ", adult=True, **answers)
    assert profile.area == "Kusfors" and profile.languages == {"ar": 3, "sv": 1}
    assert await service.profiles_of(G, 5) == []  # nothing stored yet
