"""Onboarding killed at every write of its multi-step actions: a join burst and its greeting flush,
each step of the flow, the finish (roles, volunteer card, checklist) and a volunteer's claim.

Each test runs the action once to count its writes, then, for every k, starts a fresh simulator,
kills the bot at the k-th write, restarts it and checks: the database is healthy, nothing is
half-written, the work resumes (the member can redo the step, scheduled work still happens) and
nothing is sent twice.
"""

from __future__ import annotations

import contextlib
import copy
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from bot.core.db import SimulatedCrash
from bot.core.i18n import Catalogs
from bot.features.onboarding.model import STAGES
from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID
from tests.cogs.test_onboarding import pause, pick_step, press_step, roles_of, uid, walk
from tests.conftest import START

Action = Callable[[Simulator], Awaitable[object]]
Check = Callable[[Simulator], Awaitable[None]]


async def crash_everywhere(tmp_path: Path, catalogs: Catalogs, name: str, setup: Action, action: Action,
                           check: Check) -> int:
    """Count the action's writes, then kill the bot at each of them in turn; returns the count."""
    sim = Simulator(tmp_path / f"{name}-count.db", start=START, catalogs=catalogs)
    await sim.start()
    try:
        await setup(sim)
        switch = sim.arm_crash(None)
        await action(sim)
        writes = switch.count
        sim.running_bot.services.db.crash_switch = None
        await check(sim)  # the check holds without a crash too
    finally:
        await sim.close()
    assert writes >= 1
    print(f"{name}: {writes} writes")
    for point in range(1, writes + 1):
        sim = Simulator(tmp_path / f"{name}-{point}.db", start=START, catalogs=catalogs)
        await sim.start()
        try:
            await setup(sim)
            switch = sim.arm_crash(point)
            await action(sim)
            assert switch.dead, f"write {point} of {writes} was not reached"
            await sim.recover()
            assert await sim.running_bot.services.db.check() == []
            await check(sim)
        finally:
            await sim.close()
    return writes


def onboarding(sim: Simulator):
    return sim.running_bot.services.capabilities["onboarding"]


async def funnel_matches_members(sim: Simulator) -> None:
    """Every funnel counter equals the members whose `reached` bits include it (no half-counted step)."""
    db = sim.running_bot.services.db
    rows = await db.fetchall("SELECT reached FROM onboarding_members WHERE guild_id = ?", (GUILD_ID,))
    counts = await onboarding(sim).stats(GUILD_ID)
    for index, stage in enumerate(STAGES):
        assert counts[stage] == sum(1 for row in rows if row["reached"] & (1 << index)), stage


def greeted_mentions(sim: Simulator) -> Counter[str]:
    return Counter(name for action in sim.sent_to("#welcome") if action.kind == "message"
                   for name in action.mentions)


# ----- joins and greetings -----------------------------------------------------------------------------------
BURST = [f"Newcomer {i}" for i in range(6)]


async def join_burst(sim: Simulator) -> None:
    """Six joins arriving together (one group commit), as in a raid or a class joining at once."""
    bot = sim.running_bot
    for name in BURST:
        member = sim.discord.add_member(name)
        bot._connection.parse_guild_member_add({"guild_id": str(GUILD_ID), **member.payload()})
    await sim.settle()


async def nothing(sim: Simulator) -> None:
    return None


async def burst_is_recorded_and_greeted_once(sim: Simulator) -> None:
    await funnel_matches_members(sim)
    await sim.advance(timedelta(seconds=10))
    assert greeted_mentions(sim) == Counter(BURST)  # each newcomer greeted, once
    assert await onboarding(sim).ungreeted(GUILD_ID) == []
    await funnel_matches_members(sim)


async def test_a_kill_at_any_write_of_a_join_burst_still_greets_everyone_once(tmp_path: Path, catalogs) -> None:
    await crash_everywhere(tmp_path, catalogs, "joins", nothing, join_burst, burst_is_recorded_and_greeted_once)


async def joined_burst(sim: Simulator) -> None:
    await join_burst(sim)


async def flush(sim: Simulator) -> None:
    with contextlib.suppress(SimulatedCrash):  # the kill reaches the simulator's own wake-up too
        await sim.advance(timedelta(seconds=10))


async def greeted_once_after_restart(sim: Simulator) -> None:
    await sim.advance(timedelta(seconds=40))  # a retry, or the re-run of a job the kill left claimed
    assert greeted_mentions(sim) == Counter(BURST)
    assert len([a for a in sim.sent_to("#welcome") if a.kind == "message"]) == 1
    assert await onboarding(sim).ungreeted(GUILD_ID) == []


async def test_a_kill_at_any_write_of_the_greeting_flush_sends_it_exactly_once(tmp_path: Path, catalogs) -> None:
    await crash_everywhere(tmp_path, catalogs, "flush", joined_burst, flush, greeted_once_after_restart)


# ----- the steps of the flow ---------------------------------------------------------------------------------
STEP_PRESSES: list[tuple[str, str, list[str] | None]] = [
    ("language", "pick", ["ar"]),
    ("consent", "yes", None),
    ("topics", "pick", ["work", "housing"]),
    ("area", "pick", ["Kusfors"]),
]
NEXT = {"language": "consent", "consent": "topics", "topics": "area", "area": "mentor"}


old_messages: dict[int, object] = {}


def snapshot(sim: Simulator, who: str, prefix: str) -> object:
    """The member's newest message with a component whose custom id starts with `prefix`, as their client
    still shows it (the bot's answer to the press may never arrive)."""
    for message in reversed(sim.messages_for(who)):
        if prefix in str(message.components):
            return copy.deepcopy(message)
    raise AssertionError(f"no message with {prefix}")


def step_scenario(upto: int) -> tuple[Action, Action, Check]:
    """Setup answering the steps before `upto`, the press of step `upto`, and the check after a kill."""
    step, value, values = STEP_PRESSES[upto]

    async def setup(sim: Simulator) -> None:
        await sim.join("Amal")
        await sim.press("Amal", "onb:start")
        for earlier, earlier_value, earlier_values in STEP_PRESSES[:upto]:
            if earlier_values is None:
                await press_step(sim, "Amal", earlier, earlier_value)
            else:
                await pick_step(sim, "Amal", earlier, earlier_values)
        await pause(sim)
        # The member's client keeps showing this message until the bot's answer arrives.
        old_messages[id(sim)] = snapshot(sim, "Amal", f"onb:{'step' if values is None else 'pick'}:"
                                                      f"{uid(sim, 'Amal')}:{step}")

    async def press(sim: Simulator) -> None:
        message = old_messages[id(sim)]
        if values is None:
            await sim.press("Amal", f"onb:step:{uid(sim, 'Amal')}:{step}:{value}", message=message)
        else:
            await sim.pick("Amal", values, select=f"onb:pick:{uid(sim, 'Amal')}:{step}", message=message)

    async def check(sim: Simulator) -> None:
        state = await onboarding(sim).get(GUILD_ID, uid(sim, "Amal"))
        assert state.step in (step, NEXT[step])  # all or nothing
        await funnel_matches_members(sim)
        before = len(sim.actions)
        # The member presses again, on the same (old) message: the flow goes on from where it is.
        await pause(sim)
        await press(sim)
        state = await onboarding(sim).get(GUILD_ID, uid(sim, "Amal"))
        assert state.step == NEXT[step]
        answers = [a for a in sim.actions[before:] if a.visible_to == "Amal"]
        assert len(answers) == 1  # one answer to the press, nothing repeated
        await funnel_matches_members(sim)
        if step == "language":
            assert await sim.running_bot.services.prefs.language(uid(sim, "Amal")) == "ar"

    return setup, press, check


async def test_a_kill_at_any_write_of_the_language_step(tmp_path: Path, catalogs) -> None:
    await crash_everywhere(tmp_path, catalogs, "language", *step_scenario(0))


async def test_a_kill_at_any_write_of_the_consent_step(tmp_path: Path, catalogs) -> None:
    await crash_everywhere(tmp_path, catalogs, "consent", *step_scenario(1))


async def test_a_kill_at_any_write_of_the_topics_step(tmp_path: Path, catalogs) -> None:
    await crash_everywhere(tmp_path, catalogs, "topics", *step_scenario(2))


async def test_a_kill_at_any_write_of_the_area_step(tmp_path: Path, catalogs) -> None:
    await crash_everywhere(tmp_path, catalogs, "area", *step_scenario(3))


# ----- the finish: roles, volunteer card, checklist ------------------------------------------------------------
async def up_to_the_mentor_question(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.press("Amal", "onb:start")
    for step, value, values in STEP_PRESSES:
        if values is None:
            await press_step(sim, "Amal", step, value)
        else:
            await pick_step(sim, "Amal", step, values)
    await pause(sim)
    old_messages[id(sim)] = snapshot(sim, "Amal", f"onb:step:{uid(sim, 'Amal')}:mentor")


async def answer_mentor(sim: Simulator) -> None:
    await sim.press("Amal", f"onb:step:{uid(sim, 'Amal')}:mentor:no", message=old_messages[id(sim)])


def cards(sim: Simulator) -> list[int]:
    return [a.message_id for a in sim.sent_to("#volunteers") if a.kind == "message"]


async def finished_with_roles_and_one_card(sim: Simulator) -> None:
    state = await onboarding(sim).get(GUILD_ID, uid(sim, "Amal"))
    await funnel_matches_members(sim)
    if state.finished_at is None:
        assert state.step in ("mentor", "done")
        await pause(sim)
        await answer_mentor(sim)  # the member presses again
    else:
        await sim.advance(timedelta(minutes=3))  # the after-finish job makes good what the kill interrupted
    state = await onboarding(sim).get(GUILD_ID, uid(sim, "Amal"))
    assert state.finished_at is not None and state.step == "done"
    assert {"newcomer", "lang-ar", "help-work", "help-housing"} <= roles_of(sim, "Amal")
    assert len(cards(sim)) == 1  # the card was posted exactly once
    assert state.card_message_id == cards(sim)[0]
    adds = Counter(a.role for a in sim.actions if a.kind == "role_add" and a.member == "Amal")
    assert all(count == 1 for count in adds.values())
    await funnel_matches_members(sim)
    assert (await onboarding(sim).stats(GUILD_ID))["finished"] == 1
    # Later wake-ups change nothing.
    before = len(sim.actions)
    await sim.advance(timedelta(minutes=10))
    assert [a for a in sim.actions[before:] if a.kind in ("message", "role_add", "edit")] == []


async def test_a_kill_at_any_write_of_the_finish_gives_roles_and_one_card(tmp_path: Path, catalogs) -> None:
    await crash_everywhere(tmp_path, catalogs, "finish", up_to_the_mentor_question, answer_mentor,
                           finished_with_roles_and_one_card)


# ----- the volunteer's claim ---------------------------------------------------------------------------------
async def card_waiting(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.join("Vera")
    await sim.grant("Vera", "volunteer")
    await walk(sim, "Amal", language="en", topics=("housing",))
    await pause(sim)
    old_messages[id(sim)] = copy.deepcopy(sim.discord.messages[cards(sim)[0]])


async def claim(sim: Simulator) -> None:
    await sim.press("Vera", f"onb:claim:{uid(sim, 'Amal')}", message=old_messages[id(sim)])


async def claimed_once(sim: Simulator) -> None:
    state = await onboarding(sim).get(GUILD_ID, uid(sim, "Amal"))
    assert state.claimed_by in (None, uid(sim, "Vera"))
    await pause(sim)
    before = len(sim.actions)
    await claim(sim)  # Vera presses again (her first press got no answer)
    state = await onboarding(sim).get(GUILD_ID, uid(sim, "Amal"))
    assert state.claimed_by == uid(sim, "Vera")
    card = sim.discord.messages[cards(sim)[0]]
    assert f"<@{uid(sim, 'Vera')}>" in card.content and card.components == []
    thanks = [a for a in sim.actions[before:] if a.visible_to == "Vera" and "Please say hello" in a.content]
    assert len(thanks) == 1  # one answer to the press
    assert len(cards(sim)) == 1


async def test_a_kill_at_any_write_of_a_claim_lets_the_volunteer_press_again(tmp_path: Path, catalogs) -> None:
    await crash_everywhere(tmp_path, catalogs, "claim", card_waiting, claim, claimed_once)


# ----- joins while the bot was away --------------------------------------------------------------------------
async def test_members_who_joined_while_the_bot_was_down_are_recorded_and_greeted_at_start(sim: Simulator) -> None:
    await sim.join("Early")
    await sim.advance(timedelta(seconds=10))
    await sim.stop()
    sim.set_time(sim.now + timedelta(minutes=2))
    for name in ("Late 1", "Late 2"):
        sim.discord.add_member(name)
    await sim.start()
    await sim.advance(timedelta(seconds=10))
    assert greeted_mentions(sim) == Counter(["Early", "Late 1", "Late 2"])
    await funnel_matches_members(sim)
    assert (await onboarding(sim).stats(GUILD_ID))["joined"] == 3


async def test_a_member_who_deleted_their_data_is_not_recorded_again_at_restart(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.advance(timedelta(seconds=10))
    step = await sim.slash("Amal", "/privacy delete")
    await pause(sim)
    await sim.press("Amal", step.last().buttons()[0]["custom_id"])
    await sim.restart()
    await sim.advance(timedelta(seconds=10))
    assert await onboarding(sim).get(GUILD_ID, uid(sim, "Amal")) is None
    assert greeted_mentions(sim) == Counter(["Amal"])  # greeted once, when she joined
