"""Events: the process killed at every write of each multi-step write, then restarted.

For every k from 1 to the number of writes the action makes: a fresh simulator with the same setup,
a kill at the k-th write, a restart on the same database. Then the data is consistent, the work
resumes (scheduled posts and notices still go out, the member or organizer can redo the step) and
nothing reaches Discord twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from bot.core.db import SimulatedCrash
from bot.core.i18n import Catalogs
from bot.simulator import Simulator
from tests.conftest import START
from tests.helpers import allow_dms, create, organizer, posts

EXTENSIONS = ["cogs.core", "cogs.events"]

Step = Callable[[Simulator], Awaitable[None]]
Check = Callable[[Simulator, int], Awaitable[None]]


async def _fresh(tmp_path: Path, catalogs: Catalogs, name: str, setup: Step) -> Simulator:
    sim = Simulator(tmp_path / f"{name}.db", start=START, catalogs=catalogs, extensions=EXTENSIONS)
    await sim.start()
    await setup(sim)
    return sim


async def _act(sim: Simulator, action: Step) -> None:
    with contextlib.suppress(SimulatedCrash):  # the process died in the middle of the step
        await action(sim)


async def kill_at_every_write(tmp_path: Path, catalogs: Catalogs, setup: Step, action: Step, check: Check) -> int:
    """Run `action` once to count its writes, then once per write with a kill there; returns the count."""
    sim = await _fresh(tmp_path, catalogs, "count", setup)
    try:
        switch = sim.arm_crash(None)
        await action(sim)
        writes = switch.count
    finally:
        await sim.close()
    assert writes >= 2, writes
    for point in range(1, writes + 1):
        sim = await _fresh(tmp_path, catalogs, f"kill-{point}", setup)
        try:
            sim.arm_crash(point)
            await _act(sim, action)
            await sim.recover()
            assert await sim.running_bot.services.db.check() == [], point
            await check(sim, point)
        finally:
            await sim.close()
    return writes


def dms(sim: Simulator, name: str, needle: str) -> list:
    return [a for a in sim.actions if a.kind == "dm" and a.to == f"dm:{name}" and needle in a.text]


def no_pings(sim: Simulator) -> None:
    assert not any(a.pinged_everyone or a.mentions for a in sim.actions)


# ----- an RSVP press that frees a place: waiting list promotion, the post edit, the notice -----------------
async def _rsvp_setup(sim: Simulator) -> None:
    await organizer(sim)
    for name in ("Amal", "Bashir", "Chen"):
        await sim.join(name)
    await allow_dms(sim, "Bashir", "Chen")
    await create(sim, 'title:"Sauna evening" date:2026-12-03 time:18:00 capacity:1 reminders:""')
    await sim.advance(timedelta(days=1, hours=6))  # the announcement is out
    await sim.press("Amal", "events:rsvp:1:going")
    await sim.press("Bashir", "events:rsvp:1:going")  # waiting list, number 1
    await sim.press("Chen", "events:rsvp:1:going")  # waiting list, number 2


async def _rsvp_action(sim: Simulator) -> None:
    await sim.press("Amal", "events:rsvp:1:cant")


async def _rsvp_check(sim: Simulator, point: int) -> None:
    db = sim.running_bot.services.db
    rows = {r["user_id"]: r["status"] for r in await db.fetchall(
        "SELECT user_id, status FROM event_rsvps WHERE event_id = 1")}
    amal, bashir, chen = (sim.member(n).id for n in ("Amal", "Bashir", "Chen"))
    # All or nothing: either the press never happened, or Amal's place went to Bashir.
    assert (rows[amal], rows[bashir]) in (("going", "waiting"), ("cant", "going")), (point, rows)
    assert rows[chen] == "waiting"
    going = sum(1 for status in rows.values() if status == "going")
    assert going == 1  # never over capacity
    promoted = rows[bashir] == "going"
    await sim.advance(timedelta(minutes=5))  # the notice's safety net, if the kill came before the DM
    assert len(dms(sim, "Bashir", "Sauna evening")) == (1 if promoted else 0), point
    # Amal can simply press again; the post then shows the true counts.
    step = await sim.press("Amal", "events:rsvp:1:cant")
    labels = [b["label"] for b in step.last("edit").buttons()]
    assert labels[:3] == ["✅ Kommer · 1", "❔ Kanske · 0", "❌ Kan inte · 1"], (point, labels)
    await sim.advance(timedelta(minutes=5))
    assert len(dms(sim, "Bashir", "Sauna evening")) == 1, point
    assert dms(sim, "Chen", "Sauna evening") == []
    no_pings(sim)


async def test_rsvp_with_promotion_killed_at_every_write(tmp_path: Path, catalogs: Catalogs) -> None:
    await kill_at_every_write(tmp_path, catalogs, _rsvp_setup, _rsvp_action, _rsvp_check)


# ----- the scheduled announcement: claim, post row, send, record, plan ahead ----------------------------
async def _announce_setup(sim: Simulator) -> None:
    await organizer(sim)
    await create(sim, 'title:"Study visit" date:2026-12-03 time:18:00 reminders:""')
    await sim.advance(timedelta(days=1, hours=4, minutes=59))  # 2 Dec 16:59 UTC, one minute before


async def _announce_action(sim: Simulator) -> None:
    await sim.advance(timedelta(minutes=2))


async def _announce_check(sim: Simulator, point: int) -> None:
    await sim.advance(timedelta(minutes=5))  # the re-run after the restart, within the grace
    [post] = posts(sim)
    assert "Study visit" in post.text
    db = sim.running_bot.services.db
    stored = await db.fetchall("SELECT message_id FROM event_posts WHERE event_id = 1")
    assert [r["message_id"] for r in stored] == [post.message_id], point
    assert await db.fetchval("SELECT state FROM scheduled_jobs WHERE key = 'events:1:announce:202612031800'") == "done"
    await sim.restart()
    await sim.advance(timedelta(days=2))
    assert len(posts(sim)) == 1
    no_pings(sim)


async def test_scheduled_announcement_killed_at_every_write(tmp_path: Path, catalogs: Catalogs) -> None:
    await kill_at_every_write(tmp_path, catalogs, _announce_setup, _announce_action, _announce_check)


# ----- a free announcement (/announce schedule): claim and send once -----------------------------------
async def _free_setup(sim: Simulator) -> None:
    await organizer(sim)
    await sim.slash("Bertil", '/announce schedule channel:announcements date:2026-12-02 time:18:00 '
                              'text:"Fika on Friday"')
    await sim.advance(timedelta(hours=28, minutes=59))  # 2 Dec 16:59 UTC


async def _free_check(sim: Simulator, point: int) -> None:
    await sim.advance(timedelta(minutes=5))
    [post] = posts(sim)
    assert "Fika on Friday" in post.text
    db = sim.running_bot.services.db
    assert await db.fetchval("SELECT message_id FROM announcement_posts WHERE announcement_id = 1") == post.message_id
    await sim.advance(timedelta(days=2))
    assert len(posts(sim)) == 1, point


async def test_free_announcement_killed_at_every_write(tmp_path: Path, catalogs: Catalogs) -> None:
    await kill_at_every_write(tmp_path, catalogs, _free_setup, _announce_action, _free_check)


# ----- a reminder job: one DM per member going, logged -------------------------------------------------
async def _remind_setup(sim: Simulator) -> None:
    await organizer(sim)
    for name in ("Amal", "Bashir", "Chen"):
        await sim.join(name)
    await allow_dms(sim, "Amal", "Bashir")  # Chen did not allow DMs
    await create(sim, 'title:"Sauna evening" date:2026-12-03 time:18:00 reminders:1h')
    await sim.advance(timedelta(days=1, hours=6))
    for name in ("Amal", "Bashir", "Chen"):
        await sim.press(name, "events:rsvp:1:going")
    await sim.advance_to(START + timedelta(days=2, hours=3, minutes=59))  # 3 Dec 15:59 UTC, the reminder at 16:00


async def _remind_check(sim: Simulator, point: int) -> None:
    await sim.advance(timedelta(minutes=5))
    assert len(dms(sim, "Amal", "Påminnelse")) == 1, point  # in the guild's Swedish: they chose no language
    assert len(dms(sim, "Bashir", "Påminnelse")) == 1, point
    assert dms(sim, "Chen", "Påminnelse") == []
    db = sim.running_bot.services.db
    logged = {r["user_id"]: r["outcome"] for r in await db.fetchall("SELECT user_id, outcome FROM event_reminder_log")}
    assert logged == {sim.member("Amal").id: "sent", sim.member("Bashir").id: "sent",
                      sim.member("Chen").id: "not_allowed"}, point
    await sim.restart()
    await sim.advance(timedelta(hours=3))
    assert len(dms(sim, "Amal", "Påminnelse")) == 1


async def test_reminder_job_killed_at_every_write(tmp_path: Path, catalogs: Catalogs) -> None:
    await kill_at_every_write(tmp_path, catalogs, _remind_setup, _announce_action, _remind_check)


# ----- /event create and Save: the draft, activation and planning ----------------------------------------
async def _create_setup(sim: Simulator) -> None:
    await organizer(sim)


def dead(sim: Simulator) -> bool:
    switch = sim.running_bot.services.db.crash_switch
    return switch is not None and switch.dead


async def _create_action(sim: Simulator) -> None:
    await sim.slash("Bertil", '/event create title:"Job fair" date:2026-12-03 time:10:00 reminders:""')
    if not dead(sim):
        await sim.press("Bertil", "Save")


async def _create_check(sim: Simulator, point: int) -> None:
    db = sim.running_bot.services.db
    states = [r["status"] for r in await db.fetchall("SELECT status FROM events")]
    assert states in ([], ["draft"], ["active"]), (point, states)
    if states == ["active"]:
        # Saved: the posts are planned (re-planned at start when the kill came mid-planning).
        assert await db.fetchval("SELECT state FROM scheduled_jobs WHERE key = 'events:1:announce:202612031000'") \
            == "pending", point
    elif states == ["draft"] and any(a.kind == "interaction_response" and "Job fair" in a.text for a in sim.actions):
        await sim.press("Bertil", "Save")  # the preview is still there: the organizer presses Save again
    else:
        await _create_action(sim)  # no preview came: the organizer runs the command again
    assert "active" in [r["status"] for r in await db.fetchall("SELECT status FROM events")]
    await sim.advance(timedelta(days=2))
    [post] = posts(sim)
    assert "Job fair" in post.text
    await sim.restart()  # a draft whose preview never arrived is dropped after a day
    db = sim.running_bot.services.db
    assert [r["status"] for r in await db.fetchall("SELECT status FROM events")] == ["active"], point


async def test_event_create_and_save_killed_at_every_write(tmp_path: Path, catalogs: Catalogs) -> None:
    await kill_at_every_write(tmp_path, catalogs, _create_setup, _create_action, _create_check)


# ----- /event cancel of one date: the skip, the jobs, the notices and the marked post ---------------------
async def _cancel_setup(sim: Simulator) -> None:
    await organizer(sim)
    for name in ("Amal", "Bashir"):
        await sim.join(name)
    await allow_dms(sim, "Amal", "Bashir")
    await create(sim, 'title:"Language café" date:2026-12-03 time:18:00 repeat:weekly reminders:1h')
    await sim.advance(timedelta(days=1, hours=6))  # the 3 December announcement is out
    await sim.press("Amal", "events:rsvp:1:going")
    await sim.press("Bashir", "events:rsvp:1:maybe")


async def _cancel_action(sim: Simulator) -> None:
    await sim.slash("Bertil", "/event cancel event:1 date:2026-12-03")


async def _cancel_check(sim: Simulator, point: int) -> None:
    db = sim.running_bot.services.db
    skipped = await db.fetchval("SELECT COUNT(*) FROM event_skips WHERE event_id = 1")
    jobs = {r["key"]: r["state"] for r in await db.fetchall("SELECT key, state FROM scheduled_jobs")}
    if skipped:
        # The skip and the cancelled jobs of that date were committed together.
        assert jobs["events:1:remind:60:202612031800"] == "cancelled", point
    else:
        assert jobs["events:1:remind:60:202612031800"] == "pending", point
        await _cancel_action(sim)  # nothing was stored: the organizer cancels again
    await sim.advance(timedelta(minutes=5))  # the safety net of notices the kill interrupted
    assert len(dms(sim, "Amal", "Language café")) == 1, point  # "Tyvärr: ... är inställt"
    assert len(dms(sim, "Bashir", "Language café")) == 1, point
    notes = [a for a in posts(sim) if a.content.startswith("Inställt")]
    assert len(notes) == 1, (point, [a.content for a in posts(sim)])
    post_id = posts(sim)[0].message_id
    assert sim.discord.messages[post_id].components == []  # no more answer buttons on the cancelled date
    await sim.advance(timedelta(days=8))  # nothing of the 3rd is sent; the 10th goes out as planned
    assert len(dms(sim, "Amal", "Language café")) == 1  # no reminder for the cancelled date
    assert len([a for a in posts(sim) if "Language café" in a.text and not a.content]) == 2
    no_pings(sim)


async def test_event_cancel_of_one_date_killed_at_every_write(tmp_path: Path, catalogs: Catalogs) -> None:
    await kill_at_every_write(tmp_path, catalogs, _cancel_setup, _cancel_action, _cancel_check)


# ----- /privacy delete of someone going: the deletion, the planned refill, the promotion and its notice ---
async def _privacy_setup(sim: Simulator) -> None:
    await _rsvp_setup(sim)
    await sim.slash("Amal", "/privacy delete")


async def _privacy_action(sim: Simulator) -> None:
    await sim.press("Amal", f"core:privacy-delete:{sim.member('Amal').id}")


async def _privacy_check(sim: Simulator, point: int) -> None:
    db = sim.running_bot.services.db
    amal = sim.member("Amal").id
    left = await db.fetchval("SELECT COUNT(*) FROM event_rsvps WHERE user_id = ?", (amal,))
    if left:
        assert await db.fetchval("SELECT COUNT(*) FROM scheduled_jobs WHERE kind = 'events.refill'") == 0, point
        await _privacy_action(sim)  # nothing was deleted: Amal presses the button again
    await sim.advance(timedelta(minutes=5))
    rows = {r["user_id"]: r["status"] for r in await db.fetchall("SELECT user_id, status FROM event_rsvps")}
    assert rows == {sim.member("Bashir").id: "going", sim.member("Chen").id: "waiting"}, (point, rows)
    assert len(dms(sim, "Bashir", "Sauna evening")) == 1, point
    await sim.restart()
    await sim.advance(timedelta(hours=1))
    assert len(dms(sim, "Bashir", "Sauna evening")) == 1, point
    assert [a for a in sim.actions if a.kind == "dm" and a.to != "dm:Bashir"] == []
    no_pings(sim)


async def test_privacy_delete_of_someone_going_killed_at_every_write(tmp_path: Path, catalogs: Catalogs) -> None:
    await kill_at_every_write(tmp_path, catalogs, _privacy_setup, _privacy_action, _privacy_check)


# ----- /event cancel of the whole event ------------------------------------------------------------------
async def _cancel_all_action(sim: Simulator) -> None:
    step = await sim.slash("Bertil", "/event cancel event:1")  # a repeating event: asked first
    asked = [a for a in step.actions if a.visible_to == "Bertil" and a.message_id in sim.discord.messages]
    if asked:  # else the bot died before it could ask (nothing was changed)
        await sim.press("Bertil", "events:cancel-all:1", message=sim.discord.messages[asked[-1].message_id])


async def _cancel_all_check(sim: Simulator, point: int) -> None:
    db = sim.running_bot.services.db
    status = await db.fetchval("SELECT status FROM events WHERE id = 1")
    pending = await db.fetchval("SELECT COUNT(*) FROM scheduled_jobs WHERE key LIKE 'events:1:%' AND state = 'pending'")
    if status == "cancelled":
        assert pending == 0, point  # cancelled together with the event
    else:
        assert status == "active" and pending > 0, point
        await _cancel_all_action(sim)
    await sim.advance(timedelta(minutes=5))
    assert len(dms(sim, "Amal", "Language café")) == 1, point
    assert len(dms(sim, "Bashir", "Language café")) == 1, point
    assert len([a for a in posts(sim) if a.content.startswith("Inställt")]) == 1, point
    await sim.advance(timedelta(days=15))
    assert len([a for a in posts(sim) if "Language café" in a.text and not a.content]) == 1  # nothing more
    assert len(dms(sim, "Amal", "Language café")) == 1
    no_pings(sim)


async def test_event_cancel_of_the_whole_event_killed_at_every_write(tmp_path: Path, catalogs: Catalogs) -> None:
    await kill_at_every_write(tmp_path, catalogs, _cancel_setup, _cancel_all_action, _cancel_all_check)
