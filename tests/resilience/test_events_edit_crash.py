"""Events: `/event edit`, `/announce schedule` and the Discord mirror, killed at every write and restarted.

Same harness as `test_events_crash.py`: for every k from 1 to the number of writes the action makes, a
fresh simulator with the same setup, a kill at the k-th write, a restart on the same database. Then
the event is either the old or the new version (never a mix), its posted announcement, its Discord
scheduled event and its planned reminders agree with what is stored, whatever must go out goes out
once at its (Norsjö) time, and an organizer who saw no confirmation can simply run the command again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.i18n import Catalogs
from bot.simulator import Simulator
from tests.helpers import allow_dms, create, organizer, posts
from tests.resilience.test_events_crash import dead, dms, kill_at_every_write, no_pings


def confirmed(sim: Simulator, needle: str, who: str = "Bertil") -> bool:
    """Whether `who` saw a reply containing `needle` (no reply: the kill came first)."""
    return any(a.visible_to == who and needle in a.text for a in sim.actions
               if a.kind in ("interaction_response", "followup", "edit"))


def unix(at: datetime) -> str:
    return f"<t:{int(at.timestamp())}:F>"


def embed_text(sim: Simulator, message_id: int) -> str:
    message = sim.discord.messages[message_id]
    [embed] = message.embeds
    fields = " ".join(f"{f['name']} {f['value']}" for f in embed.get("fields", []))
    return f"{embed['title']} {fields}"


async def pending_event_jobs(sim: Simulator, event_id: int = 1) -> list[str]:
    rows = await sim.running_bot.services.db.fetchall(
        "SELECT key FROM scheduled_jobs WHERE state = 'pending' AND key LIKE ? ORDER BY key", (f"events:{event_id}:%",))
    return [r["key"] for r in rows]


def reminders(sim: Simulator, name: str) -> list:
    return dms(sim, name, "Påminnelse")  # the guild's Swedish: they chose no language


# ----- /event edit of an announced event: title, time and capacity at once; RSVPs, reminder, mirror --------
OLD = ("Sauna evening", "2026-12-03T18:00", 1, datetime(2026, 12, 3, 17, 0, tzinfo=UTC))
NEW = ("Sauna night", "2026-12-03T19:30", 2, datetime(2026, 12, 3, 18, 30, tzinfo=UTC))
EDIT = '/event edit event:1 title:"Sauna night" time:19:30 capacity:2'


async def _edit_setup(sim: Simulator) -> None:
    await organizer(sim)
    for name in ("Amal", "Bashir"):
        await sim.join(name)
    await allow_dms(sim, "Amal", "Bashir")
    await create(sim, 'title:"Sauna evening" date:2026-12-03 time:18:00 capacity:1 reminders:2h mirror:true')
    await sim.advance(timedelta(days=1, hours=6))  # 2 Dec 18:00 UTC: the announcement is out
    await sim.press("Amal", "events:rsvp:1:going")
    await sim.press("Bashir", "events:rsvp:1:going")  # full: waiting list


async def _edit_action(sim: Simulator) -> None:
    await sim.slash("Bertil", EDIT)


async def _assert_consistent(sim: Simulator, point: int) -> tuple[str, str, int, datetime]:
    """Everything that shows the event agrees with the stored version; returns that version."""
    db = sim.running_bot.services.db
    row = await db.fetchone("SELECT title, start_local, capacity FROM events WHERE id = 1")
    stored = (row["title"], row["start_local"], row["capacity"])
    assert stored in (OLD[:3], NEW[:3]), (point, stored)  # never a mix
    version = NEW if stored == NEW[:3] else OLD
    title, local, _capacity, at = version
    rsvps = {r["user_id"]: (r["occurrence"], r["status"]) for r in await db.fetchall(
        "SELECT user_id, occurrence, status FROM event_rsvps WHERE event_id = 1")}
    bashir = "going" if version is NEW else "waiting"
    assert rsvps == {sim.member("Amal").id: (local, "going"), sim.member("Bashir").id: (local, bashir)}, point
    compact = local.replace("-", "").replace("T", "").replace(":", "")
    assert await pending_event_jobs(sim) == [f"events:1:remind:120:{compact}"], point
    [post] = posts(sim)
    shown = embed_text(sim, post.message_id)
    assert title in shown and unix(at) in shown, (point, shown)
    [mirrored] = sim.discord.scheduled_events.values()
    assert mirrored["name"] == title and mirrored["scheduled_start_time"].startswith(at.isoformat()[:16]), point
    promoted = [a for a in dms(sim, "Bashir", title) if "Påminnelse" not in a.text]
    assert len(promoted) == (1 if version is NEW else 0), point
    return version


async def _edit_check(sim: Simulator, point: int) -> None:
    await sim.advance(timedelta(minutes=5))  # the safety nets of what the kill interrupted
    version = await _assert_consistent(sim, point)
    if not confirmed(sim, "posted announcement"):
        await _edit_action(sim)  # no "Saved" came: the organizer runs the same edit again
        version = await _assert_consistent(sim, point)
    assert version is NEW, point
    assert confirmed(sim, "posted announcement")
    await sim.restart()
    await sim.advance_to(datetime(2026, 12, 4, 12, tzinfo=UTC))
    for name in ("Amal", "Bashir"):
        [reminder] = reminders(sim, name)  # once, two hours before the new start (19:30 in Norsjö)
        assert reminder.at == NEW[3] - timedelta(hours=2), (point, name, reminder.at)
        assert "19:30" in reminder.text
    assert len(posts(sim)) == 1  # the announcement was edited, never posted again
    assert len(sim.discord.scheduled_events) == 1
    assert len([a for a in sim.actions if a.kind == "scheduled_event_create"]) == 1, point
    assert len([a for a in dms(sim, "Bashir", "Sauna night") if "Påminnelse" not in a.text]) == 1
    no_pings(sim)


async def test_event_edit_of_title_time_and_capacity_killed_at_every_write(tmp_path: Path,
                                                                           catalogs: Catalogs) -> None:
    await kill_at_every_write(tmp_path, catalogs, _edit_setup, _edit_action, _edit_check)


# ----- /event edit of a weekly event's date before its first announcement -----------------------------
async def _move_setup(sim: Simulator) -> None:
    await organizer(sim)
    await sim.join("Amal")
    await allow_dms(sim, "Amal")
    await create(sim, 'title:"Language café" date:2026-12-03 time:18:00 repeat:weekly reminders:1h')


async def _move_action(sim: Simulator) -> None:
    await sim.slash("Bertil", "/event edit event:1 date:2026-12-04")


async def _move_check(sim: Simulator, point: int) -> None:
    db = sim.running_bot.services.db
    start = await db.fetchval("SELECT start_local FROM events WHERE id = 1")
    assert start in ("2026-12-03T18:00", "2026-12-04T18:00"), point
    compact = start.replace("-", "").replace("T", "").replace(":", "")
    # Only the stored version is planned: the Thursday jobs or the Friday ones, never both.
    planned = await pending_event_jobs(sim)
    assert f"events:1:announce:{compact}" in planned, (point, planned)
    weekday = datetime.strptime(compact, "%Y%m%d%H%M").weekday()
    assert {datetime.strptime(key[-12:], "%Y%m%d%H%M").weekday() for key in planned} == {weekday}, (point, planned)
    if not confirmed(sim, "posted announcement"):
        await _move_action(sim)
    assert await db.fetchval("SELECT start_local FROM events WHERE id = 1") == "2026-12-04T18:00"
    await sim.advance_to(datetime(2026, 12, 3, 17, 1, tzinfo=UTC))  # Thursday 18:01 in Norsjö
    [post] = posts(sim)  # Friday's announcement, the day before at 18:00 Norsjö time
    assert post.at == datetime(2026, 12, 3, 17, 0, tzinfo=UTC), (point, post.at)
    assert unix(datetime(2026, 12, 4, 17, 0, tzinfo=UTC)) in embed_text(sim, post.message_id)
    await sim.press("Amal", "events:rsvp:1:going")
    await sim.restart()
    await sim.advance_to(datetime(2026, 12, 12, 12, tzinfo=UTC))
    [reminder] = reminders(sim, "Amal")
    assert reminder.at == datetime(2026, 12, 4, 16, 0, tzinfo=UTC), point  # 17:00 in Norsjö, an hour before
    assert [a.at for a in posts(sim)] == [datetime(2026, 12, 3, 17, 0, tzinfo=UTC),
                                          datetime(2026, 12, 10, 17, 0, tzinfo=UTC)], point
    no_pings(sim)


async def test_event_edit_of_a_weekly_date_killed_at_every_write(tmp_path: Path, catalogs: Catalogs) -> None:
    await kill_at_every_write(tmp_path, catalogs, _move_setup, _move_action, _move_check)


# ----- /announce schedule: store and plan -------------------------------------------------------------
ANNOUNCE = '/announce schedule channel:announcements date:2026-12-02 time:18:00 text:"Fika on Friday"'


async def _schedule_setup(sim: Simulator) -> None:
    await organizer(sim)


async def _schedule_action(sim: Simulator) -> None:
    await sim.slash("Bertil", ANNOUNCE)


async def _schedule_check(sim: Simulator, point: int) -> None:
    db = sim.running_bot.services.db
    stored = await db.fetchval("SELECT COUNT(*) FROM announcements")
    assert stored in (0, 1), point
    if stored:  # stored and planned together
        assert await db.fetchval("SELECT state FROM scheduled_jobs WHERE key = 'announce:1:post:202612021800'") \
            == "pending", point
    if not confirmed(sim, "is planned for"):
        await _schedule_action(sim)  # no confirmation came: the organizer runs the command again
    assert confirmed(sim, "is planned for")
    assert await db.fetchval("SELECT COUNT(*) FROM announcements WHERE status = 'active'") == 1, point
    await sim.restart()
    await sim.advance(timedelta(days=2))
    [post] = posts(sim)
    assert "Fika on Friday" in post.text
    assert post.at == datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 18:00 in Norsjö
    await sim.advance(timedelta(days=7))
    assert len(posts(sim)) == 1, point


async def test_announce_schedule_killed_at_every_write(tmp_path: Path, catalogs: Catalogs) -> None:
    await kill_at_every_write(tmp_path, catalogs, _schedule_setup, _schedule_action, _schedule_check)


async def test_the_same_announce_schedule_twice_plans_one_announcement(tmp_path: Path, catalogs: Catalogs) -> None:
    # The organizer saw no confirmation (a restart came between saving and answering) and runs it again.
    async with Simulator.running(tmp_path / "bot.db", start=datetime(2026, 12, 1, 12, tzinfo=UTC), catalogs=catalogs,
                                 extensions=["cogs.core", "cogs.events"]) as sim:
        await organizer(sim)
        first = await sim.slash("Bertil", ANNOUNCE)
        second = await sim.slash("Bertil", ANNOUNCE)
        assert "Announcement 1 is planned" in first.last().text
        assert "Announcement 1 is planned" in second.last().text
        other = await sim.slash("Bertil", ANNOUNCE.replace("Friday", "Saturday"))
        assert "Announcement 2 is planned" in other.last().text  # a different text is a new announcement
        await sim.advance(timedelta(days=2))
        assert sorted(a.content for a in posts(sim)) == ["Fika on Friday", "Fika on Saturday"]


# ----- the Discord mirror: Save, and cancelling the whole event --------------------------------------
async def _mirror_create_action(sim: Simulator) -> None:
    await sim.slash("Bertil", '/event create title:"Job fair" date:2026-12-03 time:10:00 place:"Folkets hus" '
                              'reminders:"" mirror:true')
    if not dead(sim):
        await sim.press("Bertil", "Save")


async def _mirror_create_check(sim: Simulator, point: int) -> None:
    db = sim.running_bot.services.db
    await sim.advance(timedelta(minutes=5))  # the mirror's safety net
    status = await db.fetchval("SELECT status FROM events WHERE id = 1")
    if status != "active":
        assert sim.discord.scheduled_events == {}, point
        if status == "draft" and confirmed(sim, "Job fair"):
            await sim.press("Bertil", "Save")
        else:
            await _mirror_create_action(sim)
    # One Discord event, even when the kill came between creating it and storing its id.
    [(discord_id, mirrored)] = sim.discord.scheduled_events.items()
    assert await db.fetchval("SELECT discord_event_id FROM events WHERE status = 'active'") == discord_id, point
    assert mirrored["name"] == "Job fair"
    assert mirrored["scheduled_start_time"].startswith("2026-12-03T09:00")  # 10:00 in Norsjö
    await sim.restart()
    await sim.advance(timedelta(days=1))
    assert len(sim.discord.scheduled_events) == 1, point
    assert len([a for a in sim.actions if a.kind == "scheduled_event_create"]) == 1, point


async def test_event_save_with_mirror_killed_at_every_write(tmp_path: Path, catalogs: Catalogs) -> None:
    await kill_at_every_write(tmp_path, catalogs, organizer, _mirror_create_action, _mirror_create_check)


async def _mirror_cancel_setup(sim: Simulator) -> None:
    await organizer(sim)
    await create(sim, 'title:"Job fair" date:2026-12-03 time:10:00 reminders:"" mirror:true')
    assert len(sim.discord.scheduled_events) == 1


async def _mirror_cancel_action(sim: Simulator) -> None:
    await sim.slash("Bertil", "/event cancel event:1")


async def _mirror_cancel_check(sim: Simulator, point: int) -> None:
    db = sim.running_bot.services.db
    await sim.advance(timedelta(minutes=5))
    if await db.fetchval("SELECT status FROM events WHERE id = 1") == "active":
        assert len(sim.discord.scheduled_events) == 1, point  # nothing happened: the mirror stays
        await _mirror_cancel_action(sim)
    assert sim.discord.scheduled_events == {}, point
    assert await db.fetchval("SELECT discord_event_id FROM events WHERE id = 1") is None, point
    await sim.restart()
    await sim.advance(timedelta(days=3))
    assert sim.discord.scheduled_events == {}
    assert posts(sim) == []


async def test_event_cancel_with_mirror_killed_at_every_write(tmp_path: Path, catalogs: Catalogs) -> None:
    await kill_at_every_write(tmp_path, catalogs, _mirror_cancel_setup, _mirror_cancel_action, _mirror_cancel_check)
