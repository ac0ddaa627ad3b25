"""Mentoring: the bot killed at every database write of each multi-step action, then restarted.

For every action the writes are counted once (`arm_crash(None)`); then, for every point k, a fresh
simulator with the same setup dies at its k-th write, restarts (`recover`), and the test checks that
the data is consistent (all or nothing), that the work resumes (the member can redo the step; the
follow-up planned with a decision runs after the restart) and that nothing is sent twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from bot.core.clock import from_db
from bot.core.db import SimulatedCrash
from bot.core.i18n import Catalogs
from bot.features.mentoring.service import followup_key
from bot.simulator import Simulator
from bot.simulator.discord_side import Action, Channel
from tests.conftest import START

#: Only what mentoring needs: each crash point starts a fresh bot twice, and the FAQ's starter import
#: alone would cost half a second per start.
EXTENSIONS = ("cogs.core", "cogs.mentoring")
PAIRS = (("Bertil", "Amal", "ar:3 sv:3", "ar:3"), ("Dawit", "Hodan", "so:3 sv:3", "so:3"))


async def _people(sim: Simulator, *, pairs: int = 1) -> None:
    names = ["Cora", *[n for p in PAIRS[:pairs] for n in p[:2]]]
    for name in names:
        await sim.join(name)
        await sim.running_bot.services.prefs.set_language(sim.member(name).id, "en")
        await sim.running_bot.services.prefs.set_dm_allowed(sim.member(name).id, True)
    await sim.grant("Cora", "coordinator")
    for mentor, newcomer, mlangs, nlangs in PAIRS[:pairs]:
        await sim.slash(mentor, f'/mentor volunteer languages:"{mlangs}" help:work adult:true')
        await sim.slash(newcomer, f'/mentor request languages:"{nlangs}" help:work adult:true')


def _match_id(sim: Simulator) -> int:
    for action in reversed(sim.actions):
        for button in action.buttons():
            if button.get("custom_id", "").startswith("mentoring:answer:"):
                return int(button["custom_id"].split(":")[2])
    raise AssertionError("no invitation was sent")


async def _answer(sim: Simulator, name: str, match_id: int, accept: bool) -> None:
    custom_id = f"mentoring:answer:{match_id}:{'yes' if accept else 'no'}"
    dm = [a for a in sim.sent_to(f"dm:{name}") if any(b.get("custom_id") == custom_id for b in a.buttons())][-1]
    await sim.press(name, custom_id, message=sim.discord.messages[dm.message_id])


async def _invited(sim: Simulator) -> int:
    await _people(sim)
    await sim.slash("Cora", "/match preview")
    await sim.slash("Cora", "/match approve pairs:all")
    return _match_id(sim)


async def _active(sim: Simulator) -> int:
    match_id = await _invited(sim)
    await _answer(sim, "Bertil", match_id, True)
    await _answer(sim, "Amal", match_id, True)
    return match_id


def _count(actions: list[Action], kind: str, to: str | None = None, text: str = "") -> int:
    return sum(1 for a in actions if a.kind == kind and (to is None or a.to == to) and text in a.text)


def _threads(sim: Simulator) -> list[Action]:
    return [a for a in sim.actions if a.kind == "thread"]


def _pair_threads(sim: Simulator, match_id: int) -> list[Channel]:
    """The live threads Discord holds for a pair."""
    return [c for c in sim.discord.channels.values()
            if c.type == 12 and not c.deleted and c.name == f"mentoring-{match_id}"]


async def _state(sim: Simulator, match_id: int) -> dict:
    row = await sim.running_bot.services.db.fetchone("SELECT * FROM mentoring_matches WHERE id = ?", (match_id,))
    return dict(row) if row is not None else {}


async def _every_point(tmp_path: Path, catalogs: Catalogs,
                       setup: Callable[[Simulator], Awaitable[int]],
                       action: Callable[[Simulator, int], Awaitable[object]],
                       check: Callable[[Simulator, int, int], Awaitable[None]], name: str = "run") -> int:
    """Run `action` once to count its writes, then kill at each write and let `check` judge the recovery."""
    async with Simulator.running(tmp_path / f"{name}-count.db", start=START, catalogs=catalogs,
                                     extensions=EXTENSIONS) as sim:
        match_id = await setup(sim)
        switch = sim.arm_crash(None)
        await action(sim, match_id)
        writes = switch.count
    assert writes >= 1
    for point in range(1, writes + 1):
        async with Simulator.running(tmp_path / f"{name}-crash-{point}.db", start=START, catalogs=catalogs,
                                     extensions=EXTENSIONS) as sim:
            match_id = await setup(sim)
            sim.arm_crash(point)
            await action(sim, match_id)
            await sim.recover()
            assert await sim.running_bot.services.db.check() == []
            await check(sim, match_id, point)
    return writes


async def test_a_kill_during_approval_of_several_pairs_invites_each_person_exactly_once(tmp_path: Path,
                                                                                        catalogs: Catalogs) -> None:
    async def setup(sim: Simulator) -> int:
        await _people(sim, pairs=2)
        await sim.slash("Cora", "/match preview")
        return 0

    async def act(sim: Simulator, _: int) -> None:
        await sim.slash("Cora", "/match approve pairs:all")

    async def check(sim: Simulator, _: int, point: int) -> None:
        db = sim.running_bot.services.db
        states = {r[0] for r in await db.fetchall("SELECT state FROM mentoring_matches")}
        assert states in ({"proposed"}, {"invited"}), (point, states)  # both pairs or neither
        if states == {"proposed"}:
            await sim.slash("Cora", "/match approve pairs:all")  # the coordinator simply does it again
        await sim.advance(timedelta(minutes=5))  # an interrupted delivery resumes after the restart
        rows = await db.fetchall("SELECT mentor_delivery, newcomer_delivery FROM mentoring_matches")
        assert len(rows) == 2 and all(r[0] == "dm" and r[1] == "dm" for r in rows), point
        for name in ("Bertil", "Amal", "Dawit", "Hodan"):
            invitations = [a for a in sim.sent_to(f"dm:{name}") if "suggest" in a.text]
            assert len(invitations) == 1, (point, name, len(invitations))
        assert await db.fetchval("SELECT value FROM mentoring_aggregates WHERE metric = 'approved'") == 2

    writes = await _every_point(tmp_path, catalogs, setup, act, check)
    assert writes >= 4


async def test_a_kill_during_approval_tells_an_unmatched_newcomer_exactly_once(tmp_path: Path,
                                                                                catalogs: Catalogs) -> None:
    async def setup(sim: Simulator) -> int:
        await _people(sim)
        await sim.join("Hodan")
        await sim.running_bot.services.prefs.set_language(sim.member("Hodan").id, "en")
        await sim.running_bot.services.prefs.set_dm_allowed(sim.member("Hodan").id, True)
        await sim.slash("Hodan", '/mentor request languages:"so:3" help:work adult:true')  # no mentor speaks it
        await sim.slash("Cora", "/match preview")
        return 0

    async def act(sim: Simulator, _: int) -> None:
        await sim.slash("Cora", "/match approve pairs:all")
        with contextlib.suppress(SimulatedCrash):  # the note is sent by a job: its writes count too
            await sim.advance(timedelta(minutes=1))

    def told(sim: Simulator) -> list[Action]:
        return [a for a in sim.sent_to("dm:Hodan") if "not found a mentor" in a.text]

    async def check(sim: Simulator, _: int, point: int) -> None:
        db = sim.running_bot.services.db
        hodan = sim.member("Hodan").id
        state = await db.fetchval("SELECT state FROM mentoring_matches")
        told_at = await db.fetchval("SELECT told_unmatched_at FROM mentoring_profiles WHERE user_id = ?", (hodan,))
        notes = await db.fetchval("SELECT COUNT(*) FROM scheduled_jobs WHERE kind = 'mentoring.unmatched'")
        # All or nothing: the approval, the "told" mark and the planned note commit together.
        assert (state, told_at is None, notes) in (("proposed", True, 0), ("invited", False, 1)), point
        if state == "proposed":
            assert not told(sim), point
            await sim.slash("Cora", "/match approve pairs:all")  # the coordinator simply does it again
        await sim.advance(timedelta(minutes=5))
        assert len(told(sim)) == 1, (point, len(told(sim)))
        assert await db.fetchval("SELECT state FROM scheduled_jobs WHERE kind = 'mentoring.unmatched'") == "done"
        assert len([a for a in sim.sent_to("dm:Amal") if "suggest" in a.text]) == 1, point

    writes = await _every_point(tmp_path, catalogs, setup, act, check)
    assert writes >= 4


async def test_a_kill_during_the_accept_that_completes_a_pair_opens_one_thread_and_one_introduction(
        tmp_path: Path, catalogs: Catalogs) -> None:
    async def setup(sim: Simulator) -> int:
        match_id = await _invited(sim)
        await _answer(sim, "Bertil", match_id, True)
        return match_id

    async def act(sim: Simulator, match_id: int) -> None:
        await _answer(sim, "Amal", match_id, True)

    reused: list[int] = []

    async def check(sim: Simulator, match_id: int, point: int) -> None:
        row = await _state(sim, match_id)
        assert row["state"] in ("invited", "active"), point
        if row["state"] == "invited":
            assert row["newcomer_answer"] is None  # nothing half-way: no answer without the activation
            await _answer(sim, "Amal", match_id, True)  # the press simply works again
        elif row["thread_id"] is None and _pair_threads(sim, match_id):
            reused.append(point)  # Discord made the thread, the kill came before its id was stored
        await sim.advance(timedelta(minutes=5))
        row = await _state(sim, match_id)
        assert row["state"] == "active" and row["thread_id"] is not None, point
        jobs = await sim.running_bot.services.db.fetchall(
            "SELECT state FROM scheduled_jobs WHERE key LIKE ?", (f"mentoring:checkin:{match_id}:%",))
        assert [r[0] for r in jobs] == ["pending"] * 3, point
        # Exactly one thread for the pair, the stored one, with both people in it.
        threads = _pair_threads(sim, match_id)
        assert [t.id for t in threads] == [row["thread_id"]], (point, len(threads))
        assert len(_threads(sim)) == 1, point
        assert {sim.member("Bertil").id, sim.member("Amal").id} <= threads[0].thread_members, point
        intros = [a for a in sim.actions if a.kind == "message" and a.to.startswith("thread:") and "Welcome" in a.text]
        assert len(intros) == 1, (point, len(intros))
        assert intros[0].to == f"thread:{threads[0].name}"
        assert set(intros[0].mentions) == {"Bertil", "Amal"}
        # Check-ins still come, once each.
        step = await sim.advance(timedelta(days=7, hours=1))
        assert sorted(a.to for a in step.actions if "Have you met?" in a.text) == ["dm:Amal", "dm:Bertil"]

    writes = await _every_point(tmp_path, catalogs, setup, act, check)
    # The kill at the write that stores the new thread's id happened, and the retry reused that thread.
    assert reused, writes
    assert writes >= 4


async def test_a_kill_during_a_decline_tells_the_coordinators_and_the_other_person_once(tmp_path: Path,
                                                                                        catalogs: Catalogs) -> None:
    async def setup(sim: Simulator) -> int:
        match_id = await _invited(sim)
        await _answer(sim, "Bertil", match_id, True)
        return match_id

    async def act(sim: Simulator, match_id: int) -> None:
        await _answer(sim, "Amal", match_id, False)

    async def check(sim: Simulator, match_id: int, point: int) -> None:
        row = await _state(sim, match_id)
        assert row["state"] in ("invited", "declined"), point
        if row["state"] == "invited":
            assert row["newcomer_answer"] is None
            await _answer(sim, "Amal", match_id, False)
        await sim.advance(timedelta(minutes=5))
        db = sim.running_bot.services.db
        assert (await _state(sim, match_id))["state"] == "declined"
        assert await db.fetchval("SELECT COUNT(*) FROM mentoring_exclusions WHERE reason = 'declined'") == 1
        assert await db.fetchval("SELECT value FROM mentoring_aggregates WHERE metric = 'declined'") == 1
        told = [a for a in sim.sent_to("#coordinators") if f"#{match_id}" in a.text]
        assert len(told) == 1, (point, len(told))
        assert len([a for a in sim.sent_to("dm:Bertil") if "will not go ahead" in a.text]) == 1, point

    await _every_point(tmp_path, catalogs, setup, act, check)


async def test_a_kill_during_a_check_in_job_asks_each_person_exactly_once(tmp_path: Path,
                                                                          catalogs: Catalogs) -> None:
    async def act(sim: Simulator, _: int) -> None:
        with contextlib.suppress(SimulatedCrash):  # the clock's own look at the jobs table dies too
            await sim.advance(timedelta(days=7, hours=1))

    async def check(sim: Simulator, match_id: int, point: int) -> None:
        # The job a crash left claimed runs again after the restart; a kill in an earlier job of the
        # same week (e.g. the daily retention sweep) stopped the clock before the check-in was due.
        due = await sim.running_bot.services.db.fetchval(
            "SELECT due_at FROM scheduled_jobs WHERE key = ?", (f"mentoring:checkin:{match_id}:7d",))
        await sim.advance_to(max(sim.now, from_db(due)) + timedelta(minutes=10))
        asked = [a.to for a in sim.actions if "Have you met?" in a.text]
        assert sorted(asked) == ["dm:Amal", "dm:Bertil"], (point, asked)  # no duplicate, nobody missed
        state = await sim.running_bot.services.jobs.state_of(f"mentoring:checkin:{match_id}:7d")
        assert state == "done", point
        # The answer can be given on the (single) message.
        step = await sim.press("Amal", f"mentoring:checkin:{match_id}:7d:met")
        assert "Wonderful" in step.last("interaction_response").text

    writes = await _every_point(tmp_path, catalogs, _active, act, check)
    assert writes >= 2


async def test_a_kill_while_asking_for_help_reaches_the_coordinators_exactly_once(tmp_path: Path,
                                                                                  catalogs: Catalogs) -> None:
    async def setup(sim: Simulator) -> int:
        match_id = await _active(sim)
        await sim.advance(timedelta(days=7, hours=1))
        return match_id

    async def act(sim: Simulator, match_id: int) -> None:
        await sim.press("Amal", f"mentoring:checkin:{match_id}:7d:help")

    async def check(sim: Simulator, match_id: int, point: int) -> None:
        db = sim.running_bot.services.db
        stored = await db.fetchval("SELECT answer FROM mentoring_checkins WHERE match_id = ?", (match_id,))
        help_count = await db.fetchval("SELECT value FROM mentoring_aggregates WHERE metric = 'checkin_help'")
        assert (stored, help_count) in ((None, None), ("help", 1)), point  # all or nothing
        if stored is None:
            await sim.press("Amal", f"mentoring:checkin:{match_id}:7d:help")
        await sim.advance(timedelta(minutes=5))
        told = [a for a in sim.sent_to("#coordinators") if f"#{match_id}" in a.text]
        assert len(told) == 1, (point, len(told))
        assert "Amal" in told[0].mentions or not told[0].mentions  # named, never pinged by accident
        assert not [a for a in sim.messages_for("Bertil") if "asked for help" in a.content and a.channel_id !=
                    sim.discord.channel_named("coordinators").id]

    await _every_point(tmp_path, catalogs, setup, act, check)


async def test_a_kill_while_ending_a_match_and_giving_feedback_keeps_them_whole(tmp_path: Path,
                                                                                catalogs: Catalogs) -> None:
    async def act(sim: Simulator, _: int) -> None:
        await sim.slash("Bertil", "/mentor end")

    async def check(sim: Simulator, match_id: int, point: int) -> None:
        row = await _state(sim, match_id)
        db = sim.running_bot.services.db
        assert row["state"] in ("active", "ended"), point
        pending = await db.fetchval(
            "SELECT COUNT(*) FROM scheduled_jobs WHERE key LIKE ? AND state = 'pending'",
            (f"mentoring:checkin:{match_id}:%",))
        assert pending == (3 if row["state"] == "active" else 0), point  # ended and check-ins cancelled together
        if row["state"] == "active":
            await sim.slash("Bertil", "/mentor end")
        await sim.advance(timedelta(minutes=5))
        assert len([a for a in sim.sent_to("#coordinators") if f"#{match_id}" in a.text]) == 1, point
        notes = [a for a in sim.actions if a.kind == "message" and a.to.startswith("thread:")
                 and "has ended" in a.text]
        assert len(notes) == 1, (point, len(notes))
        step = await sim.advance(timedelta(days=100))
        assert not [a for a in step.actions if "Have you met?" in a.text]

    await _every_point(tmp_path, catalogs, _active, act, check)

    async def ended(sim: Simulator) -> int:
        match_id = await _active(sim)
        await sim.slash("Bertil", "/mentor end")
        await sim.press("Bertil", f"mentoring:rate:{match_id}:4")
        return match_id

    async def comment(sim: Simulator, _: int) -> None:
        await sim.submit("Bertil", {"comment": "Lovely"})

    async def check_feedback(sim: Simulator, match_id: int, point: int) -> None:
        db = sim.running_bot.services.db
        row = await db.fetchone("SELECT rating, comment FROM mentoring_feedback WHERE match_id = ?", (match_id,))
        aggregates = dict(await db.fetchall("SELECT metric, value FROM mentoring_aggregates"))
        assert row is not None and row["rating"] == 4 and aggregates["rating_count"] == 1
        assert (row["comment"] is not None) == bool(aggregates.get("comments")), point
        if row["comment"] is None:  # the member can give the comment again
            await sim.press("Bertil", f"mentoring:rate:{match_id}:4")
            await sim.submit("Bertil", {"comment": "Lovely"})
        row = await db.fetchone("SELECT rating, comment FROM mentoring_feedback WHERE match_id = ?", (match_id,))
        aggregates = dict(await db.fetchall("SELECT metric, value FROM mentoring_aggregates"))
        assert row["comment"] == "Lovely" and aggregates["comments"] == 1 and aggregates["rating_count"] == 1
        assert aggregates["rating_sum"] == 4

    await _every_point(tmp_path, catalogs, ended, comment, check_feedback, name="feedback")


async def _killed_once_discord_opened_the_thread(sim: Simulator) -> int:
    """The pair completes and the bot dies right after Discord opened their thread, before storing its id."""
    match_id = await _invited(sim)
    await _answer(sim, "Bertil", match_id, True)

    def kill_once_the_thread_exists(action: Action) -> None:
        if action.kind == "thread":
            sim.arm_crash(1)  # the next write is the one that stores the new thread's id

    sim.discord.listeners.append(kill_once_the_thread_exists)
    await _answer(sim, "Amal", match_id, True)
    sim.discord.listeners.remove(kill_once_the_thread_exists)
    return match_id


async def test_a_retry_that_cannot_look_for_the_pairs_thread_waits_and_then_reuses_it(tmp_path: Path,
                                                                                       catalogs: Catalogs) -> None:
    async with Simulator.running(tmp_path / "bot.db", start=START, catalogs=catalogs, extensions=EXTENSIONS) as sim:
        match_id = await _killed_once_discord_opened_the_thread(sim)
        await sim.recover()
        orphan = _pair_threads(sim, match_id)
        assert len(orphan) == 1 and (await _state(sim, match_id))["thread_id"] is None

        sim.discord.inject("GET", r"/guilds/\d+/threads/active", 403, code=50001)
        await sim.advance(timedelta(minutes=5))  # the follow-up cannot look: it waits, opening nothing
        assert len(_threads(sim)) == 1 and (await _state(sim, match_id))["thread_id"] is None
        state = await sim.running_bot.services.jobs.state_of(followup_key(match_id, "pair"))
        assert state == "pending"

        await sim.advance(timedelta(minutes=30))
        assert (await _state(sim, match_id))["thread_id"] == orphan[0].id
        assert len(_threads(sim)) == 1
        assert {sim.member("Bertil").id, sim.member("Amal").id} <= orphan[0].thread_members
        intros = [a for a in sim.sent_to(f"thread:mentoring-{match_id}") if "Welcome" in a.text]
        assert len(intros) == 1


def _down_for_a_day_while_discord_archives_the_thread(sim: Simulator, match_id: int) -> Channel:
    [orphan] = _pair_threads(sim, match_id)
    sim.set_time(sim.now + timedelta(hours=3))
    sim.discord.set_archived(orphan.id)  # idle: Discord archives it (the bot is still down)
    sim.set_time(sim.now + timedelta(days=1))
    return orphan


def _assert_the_pair_got_that_thread_once(sim: Simulator, orphan: Channel) -> None:
    assert len(_threads(sim)) == 1
    assert not orphan.archived
    assert {sim.member("Bertil").id, sim.member("Amal").id} <= orphan.thread_members
    intros = [a for a in sim.actions if a.kind == "message" and a.to.startswith("thread:") and "Welcome" in a.text]
    assert [a.to for a in intros] == [f"thread:{orphan.name}"]


async def test_a_retry_after_discord_archived_the_pairs_thread_unarchives_and_reuses_it(tmp_path: Path,
                                                                                         catalogs: Catalogs) -> None:
    async with Simulator.running(tmp_path / "bot.db", start=START, catalogs=catalogs, extensions=EXTENSIONS) as sim:
        match_id = await _killed_once_discord_opened_the_thread(sim)
        orphan = _down_for_a_day_while_discord_archives_the_thread(sim, match_id)

        await sim.recover()  # the overdue follow-up runs
        await sim.advance(timedelta(minutes=5))
        assert (await _state(sim, match_id))["thread_id"] == orphan.id
        _assert_the_pair_got_that_thread_once(sim, orphan)
        state = await sim.running_bot.services.jobs.state_of(followup_key(match_id, "pair"))
        assert state != "pending"


async def test_a_retry_that_cannot_list_the_archived_threads_waits_and_then_reuses_the_pairs_thread(
        tmp_path: Path, catalogs: Catalogs) -> None:
    async with Simulator.running(tmp_path / "bot.db", start=START, catalogs=catalogs, extensions=EXTENSIONS) as sim:
        match_id = await _killed_once_discord_opened_the_thread(sim)
        orphan = _down_for_a_day_while_discord_archives_the_thread(sim, match_id)

        sim.discord.inject("GET", r"/threads/archived/private", 403, code=50013)
        await sim.recover()  # the overdue follow-up cannot look: it waits, opening nothing
        await sim.advance(timedelta(minutes=5))
        assert len(_threads(sim)) == 1 and (await _state(sim, match_id))["thread_id"] is None
        assert orphan.archived
        state = await sim.running_bot.services.jobs.state_of(followup_key(match_id, "pair"))
        assert state == "pending"

        await sim.advance(timedelta(minutes=30))
        assert (await _state(sim, match_id))["thread_id"] == orphan.id
        _assert_the_pair_got_that_thread_once(sim, orphan)


async def test_a_rerun_after_discord_archived_the_stored_thread_neither_alarms_the_coordinators_nor_repeats(
        tmp_path: Path, catalogs: Catalogs) -> None:
    async with Simulator.running(tmp_path / "bot.db", start=START, catalogs=catalogs, extensions=EXTENSIONS) as sim:
        match_id = await _invited(sim)
        await _answer(sim, "Bertil", match_id, True)

        def kill_once_introduced(action: Action) -> None:
            if action.kind == "message" and "Welcome" in action.text:
                sim.arm_crash(1)  # the next write drops the follow-up's safety-net row: it stays and reruns

        sim.discord.listeners.append(kill_once_introduced)
        await _answer(sim, "Amal", match_id, True)
        sim.discord.listeners.remove(kill_once_introduced)
        [thread] = _pair_threads(sim, match_id)
        _down_for_a_day_while_discord_archives_the_thread(sim, match_id)

        await sim.recover()
        assert (await _state(sim, match_id))["thread_id"] == thread.id
        await sim.advance(timedelta(minutes=5))
        assert await sim.running_bot.services.jobs.state_of(followup_key(match_id, "pair")) != "pending"
        assert not [a for a in sim.sent_to("#coordinators") if f"#{match_id}" in a.text]
        _assert_the_pair_got_that_thread_once(sim, thread)
