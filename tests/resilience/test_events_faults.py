"""Events under Discord faults: 5xx, 429, missing permission, deleted channel or message, closed DMs.

The bot retries where Discord allows it (discord.py itself for 429 and 500/502; a `RetryLater` of the
job for other 5xx), tells organizers in plain words where a person must act, and nothing is lost or
sent twice.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.i18n import Catalogs
from bot.simulator import Simulator
from tests.conftest import START
from tests.helpers import create, events_simulator, posts

ANNOUNCE_KEY = "events:1:announce:202612031800"


@pytest.fixture
async def esim(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[Simulator]:
    async with events_simulator(tmp_path, catalogs) as sim:
        yield sim


def channel_messages(sim: Simulator, name: str) -> str:
    return rf"/channels/{sim.discord.channel_named(name).id}/messages$"


async def job(sim: Simulator, key: str) -> dict:
    row = await sim.running_bot.services.db.fetchone("SELECT state, last_error, attempts FROM scheduled_jobs "
                                                     "WHERE key = ?", (key,))
    return dict(row)


async def test_a_5xx_on_a_scheduled_post_is_retried_later_and_posted_once(esim: Simulator) -> None:
    await create(esim, 'title:"Study visit" date:2026-12-03 time:18:00 reminders:""')
    await esim.advance(timedelta(days=1, hours=4, minutes=59))
    # 503 is not retried by discord.py itself: the job raises RetryLater and runs again a minute later.
    esim.discord.inject("POST", channel_messages(esim, "announcements"), 503, times=2)
    await esim.advance(timedelta(minutes=1, seconds=30))
    assert posts(esim) == []
    state = await job(esim, ANNOUNCE_KEY)
    assert state["state"] == "pending" and "failed" in state["last_error"]  # the adapter logged the 503
    await esim.advance(timedelta(minutes=1))  # the second attempt fails too
    assert posts(esim) == []
    await esim.advance(timedelta(minutes=1))
    [post] = posts(esim)
    assert "Study visit" in post.text
    assert (await job(esim, ANNOUNCE_KEY))["state"] == "done"
    assert (await job(esim, ANNOUNCE_KEY))["attempts"] == 3
    assert posts(esim, "#organizers") == []  # nothing for a person to do
    await esim.restart()
    await esim.advance(timedelta(days=1))
    assert len(posts(esim)) == 1


async def test_a_429_on_a_post_is_waited_out_by_discord_py_and_posted_once(esim: Simulator) -> None:
    await create(esim, 'title:"Study visit" date:2026-12-03 time:18:00 reminders:""')
    esim.discord.inject("POST", channel_messages(esim, "announcements"), 429, retry_after=0.01, times=2)
    await esim.advance(timedelta(days=2))
    [post] = posts(esim)
    assert "Study visit" in post.text
    assert (await job(esim, ANNOUNCE_KEY))["attempts"] == 1  # the retries happened inside the one send


async def test_a_500_then_success_is_retried_by_discord_py_within_the_send(esim: Simulator) -> None:
    await create(esim, 'title:"Study visit" date:2026-12-03 time:18:00 reminders:""')
    esim.discord.inject("POST", channel_messages(esim, "announcements"), 500, times=1)  # discord.py waits 1 s
    await esim.advance(timedelta(days=2))
    assert len(posts(esim)) == 1
    assert (await job(esim, ANNOUNCE_KEY))["attempts"] == 1


async def test_a_deleted_channel_is_reported_in_plain_words_and_post_now_posts_once(esim: Simulator) -> None:
    esim.discord.channel_named("announcements").deleted = True
    await create(esim, 'title:"Study visit" date:2026-12-03 time:18:00 reminders:""')
    await esim.advance(timedelta(days=2))
    assert posts(esim) == []
    [note] = posts(esim, "#organizers")
    assert "Study visit" in note.text and "Publicera nu" in [b["label"] for b in note.buttons()]
    assert (await job(esim, ANNOUNCE_KEY))["state"] == "failed"
    esim.discord.channel_named("announcements").deleted = False  # an admin restored it
    old_note = dataclasses.replace(esim.discord.messages[note.message_id])
    await esim.press("Bertil", "Publicera nu")
    await esim.advance(timedelta(minutes=1))
    assert len(posts(esim)) == 1
    step = await esim.press("Bertil", "Publicera nu", message=old_note)  # a second press, e.g. another organizer
    assert "already handled" in step.last().text
    await esim.advance(timedelta(hours=1))
    assert len(posts(esim)) == 1


async def test_missing_permission_for_a_free_announcement_is_reported(esim: Simulator) -> None:
    esim.discord.channel_named("general").bot_can_send = False
    await esim.slash("Bertil", '/announce schedule channel:general date:2026-12-02 time:18:00 text:"Fika"')
    await esim.advance(timedelta(days=2))
    assert posts(esim, "#general") == []
    [note] = posts(esim, "#organizers")
    assert "Fika" in note.text


async def test_a_deleted_announcement_message_does_not_break_an_edit(esim: Simulator) -> None:
    await create(esim, 'title:"Study visit" date:2026-12-03 time:18:00 reminders:""')
    await esim.advance(timedelta(days=1, hours=6))
    [post] = posts(esim)
    esim.discord.messages[post.message_id].deleted = True  # someone removed the post by hand
    step = await esim.slash("Bertil", '/event edit event:1 title:"Study visit 2"')
    assert "Saved" in step.last().text
    assert "Incident" not in step.text


async def test_a_reminder_dm_that_meets_a_5xx_is_sent_later_once(esim: Simulator) -> None:
    await esim.join("Amal")
    await esim.running_bot.services.prefs.set_dm_allowed(esim.member("Amal").id, True)
    await create(esim, 'title:"Sauna evening" date:2026-12-03 time:18:00 reminders:1h')
    await esim.advance(timedelta(days=1, hours=6))
    await esim.press("Amal", "events:rsvp:1:going")
    esim.discord.inject("POST", r"/users/@me/channels$", 503, times=1)
    await esim.advance_to(START + timedelta(days=2, hours=4, minutes=1))  # just after the reminder was due
    assert [a for a in esim.actions if a.kind == "dm"] == []
    await esim.advance(timedelta(minutes=3))
    assert len([a for a in esim.actions if a.kind == "dm" and a.to == "dm:Amal"]) == 1
    await esim.advance(timedelta(hours=2))
    assert len([a for a in esim.actions if a.kind == "dm" and a.to == "dm:Amal"]) == 1


async def test_closed_dms_on_a_promotion_are_not_retried_and_the_place_is_kept(esim: Simulator) -> None:
    await esim.join("Amal")
    await esim.join("Bashir", dms_open=False)
    await esim.running_bot.services.prefs.set_dm_allowed(esim.member("Bashir").id, True)
    await create(esim, 'title:"Sauna evening" date:2026-12-03 time:18:00 capacity:1 reminders:""')
    await esim.advance(timedelta(days=1, hours=6))
    await esim.press("Amal", "events:rsvp:1:going")
    await esim.press("Bashir", "events:rsvp:1:going")
    await esim.press("Amal", "events:rsvp:1:cant")
    await esim.advance(timedelta(hours=1))
    db = esim.running_bot.services.db
    assert await db.fetchval("SELECT status FROM event_rsvps WHERE user_id = ?", (esim.member("Bashir").id,)) \
        == "going"
    states = [r["state"] for r in await db.fetchall("SELECT state FROM scheduled_jobs WHERE kind = 'events.promoted'")]
    assert states == ["cancelled"]  # handled at once: closed DMs (50007) are not a reason to retry
    assert [a for a in esim.actions if a.kind == "dm"] == []


async def test_a_cancellation_dm_that_meets_a_5xx_is_delivered_later_once(esim: Simulator) -> None:
    await esim.join("Amal")
    await esim.running_bot.services.prefs.set_dm_allowed(esim.member("Amal").id, True)
    await create(esim, 'title:"Sauna evening" date:2026-12-03 time:18:00 reminders:""')
    await esim.advance(timedelta(days=1, hours=6))
    await esim.press("Amal", "events:rsvp:1:going")
    esim.discord.inject("POST", r"/users/@me/channels$", 503, times=1)
    step = await esim.slash("Bertil", "/event cancel event:1")
    assert re.search(r"\b0\b", step.last().text)  # nobody could be told just now
    await esim.advance(timedelta(minutes=5))  # the planned notice goes out
    assert len([a for a in esim.actions if a.kind == "dm" and a.to == "dm:Amal"]) == 1
    await esim.advance(timedelta(hours=1))
    assert len([a for a in esim.actions if a.kind == "dm" and a.to == "dm:Amal"]) == 1


async def test_discord_failing_on_every_attempt_asks_organizers_and_post_now_posts_once(esim: Simulator) -> None:
    await create(esim, 'title:"Study visit" date:2026-12-03 time:18:00 reminders:""')
    esim.discord.inject("POST", channel_messages(esim, "announcements"), 503, times=8)
    await esim.advance(timedelta(days=1, hours=5, minutes=15))  # eight attempts, a minute apart
    assert posts(esim) == []
    assert (await job(esim, ANNOUNCE_KEY))["state"] == "failed"
    [note] = posts(esim, "#organizers")
    assert "Study visit" in note.text and "Discord" in note.text and "Publicera nu" in note.text
    await esim.press("Bertil", "Publicera nu")
    await esim.advance(timedelta(minutes=1))
    [post] = posts(esim)
    assert "Publicerat sent" in post.text  # marked as delayed
    await esim.advance(timedelta(days=1))
    assert len(posts(esim)) == 1


async def test_a_refused_post_edit_does_not_undo_or_break_an_event_edit(esim: Simulator) -> None:
    await create(esim, 'title:"Study visit" date:2026-12-03 time:18:00 reminders:""')
    await esim.advance(timedelta(days=1, hours=6))
    [post] = posts(esim)
    esim.discord.inject("PATCH", rf"/channels/\d+/messages/{post.message_id}$", 403, code=50013)
    step = await esim.slash("Bertil", '/event edit event:1 title:"Study visit 2"')
    assert "Saved" in step.last().text and "Incident" not in step.text
    assert await esim.running_bot.services.db.fetchval("SELECT title FROM events") == "Study visit 2"
