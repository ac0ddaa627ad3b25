"""The Discord scheduled event mirroring an event, and the posts shown again after an edit, under faults.

A 5xx, a timeout or a rate limit that discord.py gave up on is retried through the job queue, never
dropped; a missing Manage Events permission is told to organizers in plain words; a mirror removed by
hand is made again; and there is never more than one Discord event per event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.i18n import Catalogs
from bot.simulator import Simulator
from tests.helpers import create, events_simulator, posts

EVENTS = r"/guilds/\d+/scheduled-events$"
ONE_EVENT = r"/guilds/\d+/scheduled-events/\d+$"


@pytest.fixture
async def esim(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[Simulator]:
    async with events_simulator(tmp_path, catalogs) as sim:
        yield sim


def creations(sim: Simulator) -> list:
    return [a for a in sim.actions if a.kind == "scheduled_event_create"]


def the_mirror(sim: Simulator) -> dict:
    [mirrored] = sim.discord.scheduled_events.values()
    return mirrored


async def mirror_jobs(sim: Simulator) -> list[str]:
    rows = await sim.running_bot.services.db.fetchall(
        "SELECT state FROM scheduled_jobs WHERE kind = 'events.mirror' ORDER BY id")
    return [r["state"] for r in rows]


JOB_FAIR = 'title:"Job fair" date:2026-12-03 time:10:00 place:"Folkets hus" reminders:"" mirror:true'


async def test_a_5xx_on_creating_the_mirror_is_retried_and_makes_one_discord_event(esim: Simulator) -> None:
    esim.discord.inject("POST", EVENTS, 503, times=1)
    await create(esim, JOB_FAIR)
    assert esim.discord.scheduled_events == {}
    assert await mirror_jobs(esim) == ["pending"]  # not dropped: planned again
    await esim.advance(timedelta(minutes=5))
    mirrored = the_mirror(esim)
    assert mirrored["name"] == "Job fair" and mirrored["scheduled_start_time"].startswith("2026-12-03T09:00")
    assert await esim.running_bot.services.db.fetchval("SELECT discord_event_id FROM events") == int(mirrored["id"])
    assert posts(esim, "#organizers") == []  # nothing for a person to do
    await esim.restart()
    await esim.advance(timedelta(days=3))
    assert len(creations(esim)) == 1


async def test_a_timeout_on_updating_the_mirror_after_an_edit_is_retried(esim: Simulator) -> None:
    await create(esim, JOB_FAIR)
    esim.discord.inject("PATCH", ONE_EVENT, 0, times=1)  # no answer at all
    step = await esim.slash("Bertil", "/event edit event:1 time:11:00")
    assert "Saved" in step.last().text and "Incident" not in step.text
    assert the_mirror(esim)["scheduled_start_time"].startswith("2026-12-03T09:00")  # not yet
    await esim.advance(timedelta(minutes=5))
    assert the_mirror(esim)["scheduled_start_time"].startswith("2026-12-03T10:00")  # 11:00 in Norsjö
    assert len(creations(esim)) == 1


async def test_a_rate_limit_discord_py_gives_up_on_is_retried_through_the_job_queue(esim: Simulator) -> None:
    esim.discord.inject("POST", EVENTS, 429, retry_after=0.01, times=5)  # every one of discord.py's tries
    await create(esim, JOB_FAIR)
    assert esim.discord.scheduled_events == {}
    await esim.advance(timedelta(minutes=5))
    assert the_mirror(esim)["name"] == "Job fair"
    assert len(creations(esim)) == 1


async def test_discord_failing_for_long_keeps_retrying_with_longer_waits(esim: Simulator) -> None:
    esim.discord.inject("POST", EVENTS, 503, times=6)
    await create(esim, JOB_FAIR)
    # The try at Save, then the job after 1 minute and waits of 2, 4 and 8 minutes: all refused.
    await esim.advance(timedelta(minutes=30))
    assert esim.discord.scheduled_events == {}
    row = await esim.running_bot.services.db.fetchone(
        "SELECT state, attempts FROM scheduled_jobs WHERE kind = 'events.mirror'")
    assert (row["state"], row["attempts"]) == ("pending", 4)
    await esim.advance(timedelta(hours=1))  # refused once more after 16 minutes, made after 32 more
    assert the_mirror(esim)["name"] == "Job fair"
    assert len(creations(esim)) == 1


async def test_a_missing_manage_events_permission_is_told_to_organizers_in_plain_words(esim: Simulator) -> None:
    esim.discord.inject("POST", EVENTS, 403, code=50013, times=1)
    await create(esim, JOB_FAIR)
    [note] = posts(esim, "#organizers")
    assert "Job fair" in note.text and "Hantera evenemang" in note.text  # the guild's Swedish
    assert await mirror_jobs(esim) == ["cancelled"]  # not retried: a person must act
    await esim.advance(timedelta(hours=12))
    assert len(posts(esim, "#organizers")) == 1
    # Once the permission is given, the next announcement (2 Dec, 18:00 in Norsjö) makes the mirror.
    await esim.advance_to(datetime(2026, 12, 2, 17, 1, tzinfo=UTC))
    assert len(posts(esim)) == 1  # the announcement itself was never held up
    assert the_mirror(esim)["name"] == "Job fair"


async def test_a_5xx_on_deleting_the_mirror_of_a_cancelled_event_is_retried(esim: Simulator) -> None:
    await create(esim, JOB_FAIR)
    esim.discord.inject("DELETE", ONE_EVENT, 503, times=1)
    await esim.slash("Bertil", "/event cancel event:1")
    assert len(esim.discord.scheduled_events) == 1
    await esim.advance(timedelta(minutes=5))
    assert esim.discord.scheduled_events == {}
    assert await esim.running_bot.services.db.fetchval("SELECT discord_event_id FROM events") is None


async def test_cancelling_the_only_date_removes_the_mirror(esim: Simulator) -> None:
    await create(esim, JOB_FAIR)
    await esim.slash("Bertil", "/event cancel event:1 date:2026-12-03")
    assert esim.discord.scheduled_events == {}


async def test_cancelling_one_date_of_a_weekly_event_moves_the_mirror_to_the_next(esim: Simulator) -> None:
    await create(esim, 'title:"Language café" date:2026-12-03 time:18:00 repeat:weekly reminders:"" mirror:true')
    assert the_mirror(esim)["scheduled_start_time"].startswith("2026-12-03T17:00")
    await esim.slash("Bertil", "/event cancel event:1 date:2026-12-03")
    assert the_mirror(esim)["scheduled_start_time"].startswith("2026-12-10T17:00")
    assert len(creations(esim)) == 1


async def test_a_mirror_removed_by_hand_in_discord_is_made_again_at_the_next_change(esim: Simulator) -> None:
    await create(esim, JOB_FAIR)
    esim.discord.scheduled_events.clear()  # an admin deleted it in Discord
    await esim.slash("Bertil", '/event edit event:1 title:"Job fair 2027"')
    assert the_mirror(esim)["name"] == "Job fair 2027"
    assert len(creations(esim)) == 2


async def test_a_weekly_mirror_follows_the_next_date_and_a_5xx_at_the_announcement_is_retried(
        esim: Simulator) -> None:
    await create(esim, 'title:"Language café" date:2026-12-03 time:18:00 repeat:weekly reminders:"" mirror:true')
    await esim.advance_to(datetime(2026, 12, 9, 16, 59, tzinfo=UTC))
    assert the_mirror(esim)["scheduled_start_time"].startswith("2026-12-03T17:00")
    esim.discord.inject("PATCH", ONE_EVENT, 503, times=1)
    await esim.advance(timedelta(minutes=2))  # the announcement of 10 December
    assert len(posts(esim)) == 2
    await esim.advance(timedelta(minutes=5))
    assert the_mirror(esim)["scheduled_start_time"].startswith("2026-12-10T17:00")
    assert len(creations(esim)) == 1


async def test_a_5xx_on_showing_an_edit_on_the_posted_announcement_is_retried(esim: Simulator) -> None:
    await create(esim, 'title:"Study visit" date:2026-12-03 time:18:00 reminders:""')
    await esim.advance(timedelta(days=1, hours=6))
    [post] = posts(esim)
    esim.discord.inject("PATCH", rf"/channels/\d+/messages/{post.message_id}$", 503, times=1)
    step = await esim.slash("Bertil", '/event edit event:1 title:"Study visit to the museum"')
    assert "Saved" in step.last().text and "Incident" not in step.text
    assert esim.discord.messages[post.message_id].embeds[0]["title"] == "Study visit"
    await esim.advance(timedelta(minutes=5))
    assert esim.discord.messages[post.message_id].embeds[0]["title"] == "Study visit to the museum"
    assert len(posts(esim)) == 1


async def test_a_timeout_on_a_scheduled_post_is_retried_and_posted_once(esim: Simulator) -> None:
    await create(esim, 'title:"Study visit" date:2026-12-03 time:18:00 reminders:""')
    channel = esim.discord.channel_named("announcements").id
    esim.discord.inject("POST", rf"/channels/{channel}/messages$", 0, times=1)
    await esim.advance_to(datetime(2026, 12, 2, 17, 0, 30, tzinfo=UTC))  # just after the planned time
    assert posts(esim) == []
    await esim.advance(timedelta(minutes=2))
    [post] = posts(esim)
    assert "Study visit" in post.text
    assert posts(esim, "#organizers") == []
