"""Events through the simulator: posting on time and once, RSVP, edits, cancellations, permissions."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.i18n import Catalogs
from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID
from tests.helpers import allow_dms, create, organizer, posts

STOCKHOLM = ZoneInfo("Europe/Stockholm")
EXTENSIONS = ["cogs.core", "cogs.events"]
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # Tuesday 13:00 in Norsjö


@pytest.fixture
async def esim(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[Simulator]:
    """The bot with only the core and events extensions, on 1 December 2026."""
    async with Simulator.running(tmp_path / "bot.sqlite3", start=START, catalogs=catalogs,
                                 extensions=EXTENSIONS) as simulator:
        yield simulator


def unix_times(action) -> list[int]:
    return [int(x) for x in re.findall(r"<t:(\d+):F>", action.text)]


async def test_announcement_is_posted_the_day_before_with_timestamps_and_norsjo_time(esim: Simulator) -> None:
    await organizer(esim)
    await create(esim, 'title:"Language café" date:2026-12-03 time:18:00 place:Library')
    await esim.advance(timedelta(hours=27))  # 2 Dec 15:00 UTC = 16:00 local, before 18:00
    assert posts(esim) == []
    await esim.advance(timedelta(hours=2))
    [post] = posts(esim)
    assert "Language café" in post.text
    assert unix_times(post) == [int(datetime(2026, 12, 3, 18, tzinfo=STOCKHOLM).timestamp())]
    assert "<t:" in post.text and ":R>" in post.text
    assert "18:00" in post.text and "Library" in post.text
    # sv guild: an icon anyone can read, then the word in the post's language
    assert [b["label"].split(" · ")[0] for b in post.buttons()][:3] == ["✅ Kommer", "❔ Kanske", "❌ Kan inte"]
    assert not post.pinged_everyone


@pytest.mark.parametrize(
    ("start", "first_date"),
    [
        (datetime(2027, 3, 10, 12, tzinfo=UTC), "2027-03-18"),  # across the spring change (28 March)
        (datetime(2027, 10, 13, 12, tzinfo=UTC), "2027-10-21"),  # across the autumn change (31 October)
    ],
)
async def test_weekly_event_stays_at_1800_local_across_summer_time_changes(
    tmp_path: Path, catalogs: Catalogs, start: datetime, first_date: str
) -> None:
    async with Simulator.running(tmp_path / "dst.sqlite3", start=start, catalogs=catalogs,
                                 extensions=EXTENSIONS) as sim:
        await organizer(sim)
        await create(sim, f'title:"Language café" date:{first_date} time:18:00 repeat:weekly reminders:""')
        await sim.advance(timedelta(days=35, hours=8))
        announced = posts(sim)
        assert len(announced) == 5
        offsets = set()
        for post in announced:
            [unix] = unix_times(post)
            local = datetime.fromtimestamp(unix, STOCKHOLM)
            assert (local.hour, local.minute, local.weekday()) == (18, 0, 3)
            assert "18:00" in post.text
            offsets.add(local.utcoffset())
            # Announced the evening before, at 18:00 Norsjö time.
            assert post.at.astimezone(STOCKHOLM).hour == 18
        assert len(offsets) == 2  # both winter and summer time were crossed


async def test_a_cancelled_single_date_is_skipped_and_those_going_hear_it(esim: Simulator) -> None:
    await organizer(esim)
    await esim.join("Amal", locale="sv-SE")
    await allow_dms(esim, "Amal")
    event_id = await create(esim, 'title:"Språkcafé" date:2026-12-03 time:18:00 repeat:weekly reminders:""')
    await esim.advance(timedelta(days=1, hours=6))  # the first announcement (3 Dec) is out
    await esim.press("Amal", "events:rsvp:1:going")
    # Cancel the second date (10 December).
    step = await esim.slash("Bertil", f"/event cancel event:{event_id} date:10.12.2026")
    assert "10" in step.last().text
    await esim.advance(timedelta(days=14))
    dates = [datetime.fromtimestamp(unix_times(p)[0], STOCKHOLM).date().isoformat() for p in posts(esim)]
    assert dates == ["2026-12-03", "2026-12-17"]
    # Amal only answered the 3 December date, so the 10 December cancellation does not concern her.
    assert not [a for a in esim.sent_to("dm:Amal") if "cancel" in a.text.lower() or "inställ" in a.text.lower()]


async def test_cancelling_an_event_tells_those_going_in_their_language(esim: Simulator) -> None:
    await organizer(esim)
    await esim.join("Oksana", locale="uk")
    await allow_dms(esim, "Oksana")
    await esim.running_bot.services.prefs.set_language(esim.member("Oksana").id, "uk")
    await esim.join("Closed", dms_open=False)
    await allow_dms(esim, "Closed")
    event_id = await create(esim, 'title:"Job fair" date:2026-12-03 time:10:00')
    await esim.advance(timedelta(days=1, hours=6))
    await esim.press("Oksana", "events:rsvp:1:going")
    await esim.press("Closed", "events:rsvp:1:going")
    step = await esim.slash("Bertil", f"/event cancel event:{event_id}")
    dm = [a for a in step.actions if a.kind == "dm"]
    assert [a.to for a in dm] == ["dm:Oksana"]
    assert "Job fair" in dm[0].text and "Sorry" not in dm[0].text  # in Ukrainian
    assert "грудня" in dm[0].text  # the Norsjö time line, formatted by Babel in Ukrainian
    edits = [a for a in step.actions if a.kind == "edit" and a.to == "#announcements"]
    assert edits and edits[-1].buttons() == []
    assert "1" in step.last().text  # one person was told by DM; the closed DMs did not break anything


async def test_downtime_within_grace_posts_once_marked_late(esim: Simulator) -> None:
    await organizer(esim)
    await create(esim, 'title:"Study visit" date:2026-12-03 time:18:00')
    await esim.stop()
    esim.set_time(datetime(2026, 12, 2, 17, 10, tzinfo=UTC))  # 10 minutes after 18:00 local
    await esim.start()
    await esim.advance(timedelta(minutes=1))
    [post] = posts(esim)
    assert "Publicerat sent" in post.text  # "posted late", in the guild's Swedish
    await esim.restart()
    await esim.advance(timedelta(hours=1))
    assert len(posts(esim)) == 1


async def test_downtime_beyond_grace_asks_organizers_and_post_now_posts_it(esim: Simulator) -> None:
    await organizer(esim)
    await create(esim, 'title:"Study visit" date:2026-12-03 time:18:00')
    await esim.stop()
    esim.set_time(datetime(2026, 12, 2, 20, 0, tzinfo=UTC))  # three hours late
    await esim.start()
    await esim.advance(timedelta(minutes=1))
    assert posts(esim) == []
    [note] = posts(esim, "#organizers")
    assert "Study visit" in note.text
    assert [b["label"] for b in note.buttons()] == ["Publicera nu", "Hoppa över"]
    await esim.join("Amal")
    step = await esim.press("Amal", "Publicera nu")  # not an organizer
    assert "only" in step.last().text.lower()
    await esim.advance(timedelta(minutes=1))
    assert posts(esim) == []
    await esim.press("Bertil", "Publicera nu")
    await esim.advance(timedelta(minutes=1))
    [post] = posts(esim)
    assert "Publicerat sent" in post.text  # "posted late", in the guild's Swedish


async def test_skip_after_downtime_leaves_the_post_unsent(esim: Simulator) -> None:
    await organizer(esim)
    await create(esim, 'title:"Study visit" date:2026-12-03 time:18:00')
    await esim.stop()
    esim.set_time(datetime(2026, 12, 2, 20, 0, tzinfo=UTC))
    await esim.start()
    await esim.advance(timedelta(minutes=1))
    step = await esim.press("Bertil", "Hoppa över")
    assert "Skipped" in step.last().text
    await esim.restart()
    await esim.advance(timedelta(days=2))
    assert posts(esim) == []


async def test_crash_after_claim_while_sending_posts_exactly_once(esim: Simulator) -> None:
    import asyncio

    await organizer(esim)
    await create(esim, 'title:"Sawmill visit" date:2026-12-03 time:18:00 reminders:""')
    esim.discord.inject("POST", r"/channels/\d+/messages", 500, delay=0.2)
    await esim.advance(timedelta(days=1, hours=4, minutes=59))
    task = asyncio.create_task(esim.advance(timedelta(minutes=2)))
    for _ in range(200):
        await asyncio.sleep(0.01)
        if esim.discord.faults[0].times == 0:
            break
    await esim.crash()  # the row is claimed, the request in flight
    await asyncio.gather(task, return_exceptions=True)
    db_path = esim.database_path
    from bot.core.db import Database

    db = await Database.open(db_path, exclusive=False)
    try:
        assert await db.fetchval("SELECT state FROM scheduled_jobs WHERE kind = 'events.announce'") == "claimed"
    finally:
        await db.close()
    await esim.start()
    await esim.advance(timedelta(minutes=1))
    assert len(posts(esim)) == 1


async def test_crash_after_sending_before_recording_does_not_duplicate(esim: Simulator, monkeypatch) -> None:
    import asyncio

    from bot.features.events.service import EventsService

    await organizer(esim)
    await create(esim, 'title:"Sawmill visit" date:2026-12-03 time:18:00 reminders:""')
    original = EventsService.record_posted

    async def crash_here(self, *args, **kwargs):
        raise asyncio.CancelledError  # the process dies right after Discord accepted the message

    monkeypatch.setattr(EventsService, "record_posted", crash_here)
    await esim.advance(timedelta(days=1, hours=5))  # exactly 18:00 local on 2 December
    assert len(posts(esim)) == 1
    await esim.crash()
    monkeypatch.setattr(EventsService, "record_posted", original)
    await esim.start()
    await esim.advance(timedelta(minutes=5))
    assert len(posts(esim)) == 1  # Discord deduplicated the repeated send by its nonce
    post_row = await esim.running_bot.services.db.fetchone("SELECT message_id FROM event_posts")
    assert post_row["message_id"] == posts(esim)[0].message_id


async def test_rsvp_with_capacity_waiting_list_and_promotion(esim: Simulator) -> None:
    await organizer(esim)
    await esim.join("Amal")
    await esim.join("Bashir")
    await allow_dms(esim, "Bashir")
    await create(esim, 'title:"Sauna evening" date:2026-12-03 time:18:00 capacity:1 reminders:""')
    await esim.advance(timedelta(days=1, hours=6))
    step = await esim.press("Amal", "events:rsvp:1:going")
    assert "going" in step.last("interaction_response").text.lower()
    step = await esim.press("Bashir", "events:rsvp:1:going")
    reply = step.last("interaction_response")
    assert reply.visible_to == "Bashir" and "waiting list" in reply.text and "1" in reply.text
    edited = step.last("edit")
    assert "1 person på väntelistan" in edited.text and "0 platser kvar" in edited.text
    step = await esim.press("Amal", "events:rsvp:1:cant")
    [dm] = [a for a in step.actions if a.kind == "dm"]
    assert dm.to == "dm:Bashir" and "Sauna evening" in dm.text
    labels = [b["label"] for b in step.last("edit").buttons()]
    assert labels[:3] == ["✅ Kommer · 1", "❔ Kanske · 0", "❌ Kan inte · 1"]
    mine = await esim.slash("Bashir", "/event mine")
    assert "Sauna evening" in mine.last().text


async def test_under_a_burst_answers_are_acknowledged_first_and_the_counts_redrawn_once(esim: Simulator) -> None:
    """Many members press Going at once: each is acknowledged at once and told privately where they
    stand; the announcement's counts are redrawn for the burst, not once per press."""
    await organizer(esim)
    names = [f"Member{i}" for i in range(6)]
    for name in names:
        await esim.join(name)
    await create(esim, 'title:"Sauna evening" date:2026-12-03 time:18:00 capacity:4 reminders:""')
    await esim.advance(timedelta(days=1, hours=6))
    [post] = posts(esim)
    message = esim.discord.messages[post.message_id]
    esim.running_bot.busy_threshold = -1  # as if many interactions were being handled right now
    before = len(esim.actions)
    tokens = [esim.press_nowait(name, "events:rsvp:1:going", message=message) for name in names]
    await esim.settle()
    actions = esim.actions[before:]
    for name, token in zip(names, tokens, strict=True):
        info = esim.discord.interactions[token]
        assert info["first_response"] is not None and info["first_response"] <= info["final_response"]
        [reply] = [a for a in actions if a.kind in ("interaction_response", "followup") and a.visible_to == name]
        assert "going" in reply.text.lower() or "waiting list" in reply.text
    assert sum("waiting list" in a.text for a in actions
               if a.kind in ("interaction_response", "followup") and a.visible_to) == 2
    redraws = [a for a in actions if a.kind == "edit" and a.message_id == post.message_id]
    assert 1 <= len(redraws) < len(names)
    labels = [b["label"] for b in esim.discord.messages[post.message_id].components[0]["components"]]
    assert labels[0] == "✅ Kommer · 4"
    assert await esim.running_bot.services.db.fetchval(
        "SELECT COUNT(*) FROM event_rsvps WHERE status = 'going'") == 4


async def test_under_a_burst_the_event_list_is_acknowledged_first(esim: Simulator) -> None:
    await organizer(esim)
    await create(esim, 'title:"Sauna evening" date:2026-12-03 time:18:00')
    esim.running_bot.busy_threshold = -1
    step = await esim.slash("Bertil", "/event list")
    assert step.actions[0].kind == "defer"
    assert "Sauna evening" in step.last("followup").text


async def test_a_deferred_event_list_replaces_the_thinking_message_instead_of_adding_one(esim: Simulator) -> None:
    await organizer(esim)
    await create(esim, 'title:"Sauna evening" date:2026-12-03 time:18:00')
    esim.running_bot.busy_threshold = -1
    seen_before = len(esim.messages_for("Bertil"))
    step = await esim.slash("Bertil", "/event list")
    defer, answer = step.actions[0], step.last("followup")
    assert defer.kind == "defer"
    new = esim.messages_for("Bertil")[seen_before:]
    assert [m.id for m in new] == [answer.message_id]  # one message: the answer took the loading one's place
    assert "Sauna evening" in new[0].content + json.dumps(new[0].embeds)
    assert answer.visible_to == defer.visible_to


async def test_rsvp_replayed_on_another_message_is_refused(esim: Simulator) -> None:
    await organizer(esim)
    await esim.join("Amal")
    await create(esim, 'title:"Sauna evening" date:2026-12-03 time:18:00')
    await esim.advance(timedelta(days=1, hours=6))
    other = await esim.slash("Bertil", "/event list")
    message = esim.discord.messages[other.last().message_id]
    message.components = [{"type": 1, "components": [
        {"type": 2, "style": 1, "label": "Going", "custom_id": "events:rsvp:1:going"}]}]
    message.visible_to = None
    step = await esim.press("Amal", "events:rsvp:1:going", message=message)
    assert "does not belong" in step.last().text
    assert await esim.running_bot.services.db.fetchval("SELECT COUNT(*) FROM event_rsvps") == 0


async def test_editing_an_event_updates_its_posted_announcement(esim: Simulator) -> None:
    await organizer(esim)
    event_id = await create(esim, 'title:"Job fair" date:2026-12-03 time:10:00 place:"Folkets hus"')
    await esim.advance(timedelta(hours=30))
    [post] = posts(esim)
    step = await esim.slash("Bertil", f'/event edit event:{event_id} place:"Norsjö school" time:11:00')
    [edit] = [a for a in step.actions if a.kind == "edit" and a.to == "#announcements"]
    assert edit.message_id == post.message_id
    assert "Norsjö school" in edit.text and "11:00" in edit.text
    assert unix_times(edit) == [int(datetime(2026, 12, 3, 11, tzinfo=STOCKHOLM).timestamp())]


async def test_non_organizer_cannot_create_an_event(esim: Simulator) -> None:
    await esim.join("Amal")
    step = await esim.slash("Amal", '/event create title:"Party" date:2026-12-03 time:18:00')
    reply = step.last()
    assert reply.visible_to == "Amal" and "only" in reply.text.lower()
    assert await esim.running_bot.services.db.fetchval("SELECT COUNT(*) FROM events") == 0


@pytest.mark.parametrize(
    ("locale", "date", "time", "expected"),
    [
        ("en-US", "12/24/2026", "18:00", "2026-24-12"),  # US order: refused with a suggestion
        ("en-US", "31.02.2026", "18:00", "31.02.2026"),
        ("sv-SE", "2026-12-24", "kl. 25", "kl. 25"),
        ("de", "24.12.2026", "18 Uhr 99", "18 Uhr 99"),
        ("nl", "morgen", "18u", "morgen"),
        ("uk", "24/12/2026", "6 pm pm", "6 pm pm"),
    ],
)
async def test_malformed_dates_and_times_get_a_clear_message_and_change_nothing(
    esim: Simulator, locale: str, date: str, time: str, expected: str
) -> None:
    await esim.join("Bertil", locale=locale)
    await esim.grant("Bertil", "organizer")
    step = await esim.slash("Bertil", f'/event create title:"Café" date:"{date}" time:"{time}"')
    reply = step.last()
    assert reply.visible_to == "Bertil"
    assert expected in reply.text or "2026-12-24" in reply.text
    if locale != "en-US":
        assert "Please" not in reply.text  # translated
    assert await esim.running_bot.services.db.fetchval("SELECT COUNT(*) FROM events") == 0


async def test_a_time_in_the_spring_gap_is_refused_and_the_autumn_fold_asks_which(esim: Simulator) -> None:
    await organizer(esim)
    step = await esim.slash("Bertil", '/event create title:"Night walk" date:2027-03-28 time:02:30')
    assert "does not exist" in step.last().text and "03:30" in step.last().text
    step = await esim.slash("Bertil", '/event create title:"Night walk" date:2027-10-31 time:02:30')
    assert "twice" in step.last().text and "fold" in step.last().text
    step = await esim.slash("Bertil", '/event create title:"Night walk" date:2027-10-31 time:02:30 fold:second')
    assert "Preview" in step.last().text
    expected = int(datetime(2027, 10, 31, 1, 30, tzinfo=UTC).timestamp())  # 02:30 CET
    assert unix_times(step.last()) == [expected]


async def test_reminders_go_by_dm_only_to_those_who_allowed_it(esim: Simulator) -> None:
    await organizer(esim)
    await esim.join("Amal")
    await esim.join("Bashir")
    await esim.join("Closed", dms_open=False)
    await allow_dms(esim, "Amal")
    await allow_dms(esim, "Closed")
    await create(esim, 'title:"Language café" date:2026-12-04 time:18:00 reminders:"1h"')
    await esim.advance(timedelta(days=2, hours=6))
    for name in ("Amal", "Bashir", "Closed"):
        await esim.press(name, "events:rsvp:1:going")
    step = await esim.advance(timedelta(days=1))
    dms = [a for a in step.actions if a.kind == "dm"]
    assert [a.to for a in dms] == ["dm:Amal"]
    assert "Language café" in dms[0].text and "<t:" in dms[0].text
    outcomes = dict(await esim.running_bot.services.db.fetchall(
        "SELECT user_id, outcome FROM event_reminder_log"))
    assert outcomes[esim.member("Closed").id] == "dms_closed"
    assert outcomes[esim.member("Bashir").id] == "not_allowed"


async def test_missing_channel_permission_is_reported_to_organizers(esim: Simulator) -> None:
    await organizer(esim)
    await create(esim, 'title:"Job fair" date:2026-12-03 time:10:00')
    esim.discord.channel_named("announcements").bot_can_send = False
    await esim.advance(timedelta(days=2))
    assert posts(esim) == []
    [note] = posts(esim, "#organizers")
    assert "Job fair" in note.text and "behörigheter" in note.text
    esim.discord.channel_named("announcements").bot_can_send = True
    await esim.press("Bertil", "Publicera nu")
    await esim.advance(timedelta(minutes=1))
    assert len(posts(esim)) == 1


async def test_free_announcement_in_two_languages_posts_once(esim: Simulator) -> None:
    await organizer(esim)
    step = await esim.slash("Bertil", '/announce schedule channel:general date:2026-12-02 time:9.00 '
                                      'text:"@everyone Välkomna till språkcaféet!" language:sv')
    assert "1" in step.last().text
    await esim.slash("Bertil", '/announce translate announcement:1 language:ar text:"أهلاً بكم في مقهى اللغة"')
    preview = await esim.slash("Bertil", "/announce preview announcement:1")
    assert "Svenska" in preview.last().text and "العربية" in preview.last().text
    await esim.advance(timedelta(days=2))
    [post] = posts(esim, "#general")
    assert "Välkomna" in post.text and "أهلاً" in post.text
    assert not post.pinged_everyone  # text typed by an organizer never pings everyone
    await esim.restart()
    await esim.advance(timedelta(days=1))
    assert len(posts(esim, "#general")) == 1


async def test_calendar_file_has_the_stockholm_zone_and_repetition(esim: Simulator) -> None:
    await organizer(esim)
    await esim.join("Amal")
    await create(esim, 'title:"Language café" date:2026-12-03 time:18:00 repeat:weekly')
    step = await esim.slash("Amal", "/event calendar event:1")
    [file] = step.last().files
    assert "DTSTART;TZID=Europe/Stockholm:20261203T180000" in file["content"]
    assert "RRULE:FREQ=WEEKLY;BYDAY=TH" in file["content"]


async def test_privacy_export_and_delete_cover_rsvps_and_reminder_settings(esim: Simulator) -> None:
    await organizer(esim)
    await esim.join("Amal")
    await create(esim, 'title:"Language café" date:2026-12-03 time:18:00')
    await esim.advance(timedelta(days=1, hours=6))
    await esim.press("Amal", "events:rsvp:1:going")
    await esim.slash("Amal", "/event reminders enabled:false")
    privacy = esim.running_bot.services.privacy
    data = await privacy.export(esim.member("Amal").id)
    assert data["events"]["answers"][0]["status"] == "going"
    assert data["events"]["reminders_enabled"] is False
    step = await esim.slash("Amal", "/privacy show")
    assert "Events" in step.last().text
    await privacy.delete(esim.member("Amal").id)
    assert "events" not in await privacy.export(esim.member("Amal").id)


async def test_events_capability_lists_upcoming_in_the_members_language(esim: Simulator) -> None:
    await organizer(esim)
    event_id = await create(esim, 'title:"Språkcafé" date:2026-12-03 time:18:00')
    await esim.slash("Bertil", f'/event translate event:{event_id} language:ar title:"مقهى اللغة"')
    capability = esim.running_bot.services.capabilities["events"]
    items = await capability.upcoming(GUILD_ID, "ar", 3)
    assert [item.title for item in items] == ["مقهى اللغة"]
    assert items[0].when == datetime(2026, 12, 3, 17, tzinfo=UTC)
    assert [item.title for item in await capability.upcoming(GUILD_ID, "en", 3)] == ["Språkcafé"]


async def test_mirroring_to_discord_scheduled_events_follows_create_edit_and_cancel(esim: Simulator) -> None:
    await organizer(esim)
    event_id = await create(esim, 'title:"Job fair" date:2026-12-03 time:10:00 place:"Folkets hus" mirror:true')
    [created] = [a for a in esim.actions if a.kind == "scheduled_event_create"]
    assert created.content == "Job fair"
    mirrored = esim.discord.scheduled_events[int(created.extra["event_id"])]
    assert mirrored["scheduled_start_time"].startswith("2026-12-03T09:00")
    assert mirrored["entity_metadata"]["location"] == "Folkets hus"
    step = await esim.slash("Bertil", f"/event edit event:{event_id} time:11:00")
    assert step.of("scheduled_event_edit")
    assert mirrored["scheduled_start_time"].startswith("2026-12-03T10:00")
    step = await esim.slash("Bertil", f"/event cancel event:{event_id}")
    assert step.of("scheduled_event_delete")
    assert esim.discord.scheduled_events == {}


async def test_in_my_language_shows_the_translation_privately(esim: Simulator) -> None:
    await organizer(esim)
    await esim.join("Amal")
    await esim.running_bot.services.prefs.set_language(esim.member("Amal").id, "ar")
    event_id = await create(esim, 'title:"Språkcafé" date:2026-12-03 time:18:00 description:"Fika och samtal"')
    await esim.slash("Bertil", f'/event translate event:{event_id} language:ar title:"مقهى اللغة" '
                               'description:"قهوة وحديث"')
    await esim.advance(timedelta(days=1, hours=6))
    step = await esim.press("Amal", "events:show:1")
    reply = step.last("interaction_response")
    assert reply.visible_to == "Amal"
    assert "مقهى اللغة" in reply.text and "قهوة وحديث" in reply.text
    assert "Språkcafé" not in reply.text


async def test_raising_the_capacity_promotes_and_tells_the_waiting(esim: Simulator) -> None:
    await organizer(esim)
    await esim.join("Amal")
    await esim.join("Bashir")
    await allow_dms(esim, "Bashir")
    event_id = await create(esim, 'title:"Sauna evening" date:2026-12-03 time:18:00 capacity:1 reminders:""')
    await esim.advance(timedelta(days=1, hours=6))
    await esim.press("Amal", "events:rsvp:1:going")
    await esim.press("Bashir", "events:rsvp:1:going")
    step = await esim.slash("Bertil", f"/event edit event:{event_id} capacity:2")
    assert [a.to for a in step.of("dm")] == ["dm:Bashir"]
    edited = [a for a in step.actions if a.kind == "edit" and a.to == "#announcements"][-1]
    assert edited.buttons()[0]["label"] == "✅ Kommer · 2"


async def test_announce_list_and_cancel_and_only_organizers_may(esim: Simulator) -> None:
    await organizer(esim)
    await esim.join("Amal")
    step = await esim.slash("Amal", '/announce schedule channel:general date:2026-12-02 time:9:00 text:"Hi"')
    assert "only" in step.last().text.lower()
    await esim.slash("Bertil", '/announce schedule channel:general date:2026-12-02 time:9:00 text:"Fika!" '
                               'repeat:weekly')
    listing = await esim.slash("Bertil", "/announce list")
    assert "Fika!" in listing.last().text and listing.last().visible_to == "Bertil"
    step = await esim.slash("Bertil", "/announce cancel announcement:1")
    assert "1" in step.last().text
    await esim.advance(timedelta(days=10))
    assert posts(esim, "#general") == []


async def test_calendar_for_all_events(esim: Simulator) -> None:
    await organizer(esim)
    await create(esim, 'title:"Language café" date:2026-12-03 time:18:00')
    await create(esim, 'title:"Job fair" date:2026-12-05 time:10:00')
    step = await esim.slash("Bertil", "/event calendar")
    [file] = step.last().files
    assert file["filename"] == "events.ics"
    assert file["content"].count("BEGIN:VEVENT") == 2
