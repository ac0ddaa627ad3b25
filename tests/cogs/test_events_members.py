"""What members who do not read Swedish see of events, through the simulator: promises the bot can keep,
one press to allow direct messages, held reminders and promotions, buttons that read in any language,
answers from the translated view and from reminders, cancellations in the post's languages, and a
confirmation before a whole series is cancelled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.i18n import Catalogs
from bot.simulator import Simulator
from tests.helpers import allow_dms, create, events_simulator, posts


@pytest.fixture
async def sim(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[Simulator]:
    async with events_simulator(tmp_path, catalogs) as simulator:
        yield simulator


async def speaks(sim: Simulator, name: str, language: str, *, dms: bool = False) -> None:
    await sim.join(name)
    await sim.running_bot.services.prefs.set_language(sim.member(name).id, language)
    if dms:
        await allow_dms(sim, name)


def ids(action) -> list[str]:
    return [b["custom_id"] for b in action.buttons()]


async def test_an_arabic_rsvp_without_direct_messages_promises_no_reminder_and_offers_one_press(sim: Simulator) -> None:
    await speaks(sim, "Amal", "ar")
    await create(sim, 'title:"Språkcafé" date:2026-12-04 time:18:00 reminders:"1h"')
    await sim.advance(timedelta(days=2, hours=6))  # announced on 3 December
    step = await sim.press("Amal", "events:rsvp:1:going")
    reply = step.last("interaction_response")
    assert reply.visible_to == "Amal"
    assert "برسالة مباشرة فقط" in reply.text  # "only by direct message": no promise of a reminder
    assert "سأذكّرك" not in reply.text
    assert ids(reply) == ["core:allow-dm"]
    step = await sim.press("Amal", "core:allow-dm", message=sim.discord.messages[reply.message_id])
    assert "شكراً" in step.last().text
    assert await sim.running_bot.services.prefs.dm_allowed(sim.member("Amal").id)
    step = await sim.press("Amal", "events:rsvp:1:going")
    assert "سأذكّرك" in step.last("interaction_response").text  # now the promise can be kept
    assert ids(step.last("interaction_response")) == []


async def test_a_reminder_in_arabic_carries_the_answers_and_cant_from_it_frees_the_place(sim: Simulator) -> None:
    await speaks(sim, "Amal", "ar", dms=True)
    await create(sim, 'title:"Språkcafé" date:2026-12-04 time:18:00 reminders:"1h" capacity:1')
    await sim.advance(timedelta(days=2, hours=6))
    await sim.press("Amal", "events:rsvp:1:going")
    step = await sim.advance(timedelta(days=1))
    [reminder] = [a for a in step.actions if a.kind == "dm" and a.to == "dm:Amal"]
    assert "❌" in reminder.text and "Kan inte" not in reminder.text  # names the button it carries
    assert ids(reminder) == ["events:answer:1:going", "events:answer:1:maybe", "events:answer:1:cant"]
    assert [b["label"] for b in reminder.buttons()][2] == "❌ لا أستطيع"
    step = await sim.press("Amal", "events:answer:1:cant", message=sim.discord.messages[reminder.message_id])
    assert step.last("interaction_response").visible_to == "Amal"
    assert await sim.running_bot.services.db.fetchval("SELECT status FROM event_rsvps") == "cant"
    [post] = posts(sim)
    assert [b["label"] for b in sim.discord.messages[post.message_id].components[0]["components"]][2] == \
        "❌ Kan inte · 1"


async def test_somali_reminders_on_without_direct_messages_say_so_and_offer_to_allow(sim: Simulator) -> None:
    await speaks(sim, "Hodan", "so")
    step = await sim.slash("Hodan", "/event reminders enabled:true")
    reply = step.last()
    assert "fariin toos ah oo keliya" in reply.text and ids(reply) == ["core:allow-dm"]
    await sim.press("Hodan", "core:allow-dm", message=sim.discord.messages[reply.message_id])
    step = await sim.slash("Hodan", "/event reminders enabled:true")
    assert ids(step.last()) == [] and "shidan" in step.last().text


async def test_a_tigrinya_member_promoted_without_direct_messages_sees_it_at_the_next_turn(sim: Simulator) -> None:
    await speaks(sim, "Amal", "ar", dms=True)
    await speaks(sim, "Selam", "ti")
    await create(sim, 'title:"Bastu" date:2026-12-03 time:18:00 capacity:1 reminders:""')
    await sim.advance(timedelta(days=1, hours=6))
    await sim.press("Amal", "events:rsvp:1:going")
    step = await sim.press("Selam", "events:rsvp:1:going")
    reply = step.last("interaction_response")
    assert "ዝርዝር ተጸበይቲ ቁጽሪ" in reply.text  # number 1 on the waiting list
    assert "/event mine" in reply.text  # where to look, as a command the client shows
    assert ids(reply) == ["core:allow-dm"]
    mine = await sim.slash("Selam", "/event mine")
    assert "Bastu" in mine.last().text and "ኣብ ዝርዝር ተጸበይቲ ቁጽሪ" in mine.last().text
    step = await sim.press("Amal", "events:rsvp:1:cant")
    assert not [a for a in step.actions if a.kind == "dm" and a.to == "dm:Selam"]
    db = sim.running_bot.services.db
    assert await db.fetchval("SELECT COUNT(*) FROM held_notices WHERE user_id = ?", (sim.member("Selam").id,)) == 1
    step = await sim.slash("Selam", "/event list")
    [held] = [a for a in step.actions if a.visible_to == "Selam" and "Bastu" in a.text and "❌" in a.text]
    assert "ቦታ" in held.text  # "a place freed up", in Tigrinya
    assert "events:answer:1:cant" in ids(held) and "core:allow-dm" in ids(held)
    assert await db.fetchval("SELECT COUNT(*) FROM held_notices") == 0
    mine = await sim.slash("Selam", "/event mine")
    assert "ክመጽእ እየ" in mine.last().text  # going now


async def test_a_translated_post_reads_in_arabic_and_answers_from_the_translated_view(sim: Simulator) -> None:
    await speaks(sim, "Amal", "ar")
    await create(sim, 'title:"Språkcafé" date:2026-12-03 time:18:00 description:"Fika och samtal"')
    await sim.slash("Bertil", '/event translate event:1 language:ar title:"مقهى اللغة" description:"قهوة وحديث"')
    await sim.advance(timedelta(days=1, hours=6))
    [post] = posts(sim)
    labels = [b["label"] for b in post.buttons()]
    assert labels[:3] == ["✅ Kommer / سأحضر · 0", "❔ Kanske / ربما · 0", "❌ Kan inte / لا أستطيع · 0"]
    assert labels[3] == "🌐 På mitt språk / بلغتي"
    step = await sim.press("Amal", "events:show:1")
    view = step.last("interaction_response")
    assert view.visible_to == "Amal" and "مقهى اللغة" in view.text
    assert ids(view) == ["events:answer:1:going", "events:answer:1:maybe", "events:answer:1:cant"]
    step = await sim.press("Amal", "events:answer:1:going", message=sim.discord.messages[view.message_id])
    assert "مقهى اللغة" in step.last("interaction_response").text
    assert sim.discord.messages[post.message_id].components[0]["components"][0]["label"] == "✅ Kommer / سأحضر · 1"


async def test_a_cancellation_is_noted_under_the_post_in_each_of_its_languages(sim: Simulator) -> None:
    await create(sim, 'title:"Språkcafé" date:2026-12-03 time:18:00')
    await sim.slash("Bertil", '/event translate event:1 language:ar title:"مقهى اللغة"')
    await sim.slash("Bertil", '/event translate event:1 language:so title:"Kafee luqadeed"')
    await sim.advance(timedelta(days=1, hours=6))
    await sim.slash("Bertil", "/event cancel event:1")
    [_post, note] = posts(sim)
    assert "Inställt" in note.text and "أُلغيت" in note.text and "Kafee luqadeed" in note.text


async def test_cancelling_a_weekly_series_asks_first_and_answers_one_line(sim: Simulator) -> None:
    await create(sim, 'title:"Språkcafé" date:2026-12-03 time:18:00 repeat:weekly reminders:""')
    await sim.running_bot.services.prefs.set_language(sim.member("Bertil").id, "ar")
    step = await sim.slash("Bertil", "/event cancel event:1")
    ask = step.last()
    assert ids(ask) == ["events:cancel-all:1", "events:keep:1"]
    assert "2039" not in ask.text and "500" not in ask.text and len(ask.text) < 400  # the next three dates named
    assert "/event cancel" in ask.text  # how to cancel one date only
    assert await sim.running_bot.services.db.fetchval("SELECT status FROM events") == "active"
    step = await sim.press("Bertil", "events:keep:1", message=sim.discord.messages[ask.message_id])
    assert await sim.running_bot.services.db.fetchval("SELECT status FROM events") == "active"
    step = await sim.slash("Bertil", "/event cancel event:1")
    step = await sim.press("Bertil", "events:cancel-all:1", message=sim.discord.messages[step.last().message_id])
    summary = step.last()
    assert "\n" not in summary.text.strip() and "Språkcafé" in summary.text and "أُلغيت" in summary.text
    assert "500" not in summary.text  # a series without an end is not counted up to a limit
    assert await sim.running_bot.services.db.fetchval("SELECT status FROM events") == "cancelled"


async def test_the_dates_offered_for_cancelling_one_date_are_the_next_few(sim: Simulator) -> None:
    await create(sim, 'title:"Språkcafé" date:2026-12-03 time:18:00 repeat:monthly reminders:""')
    offered = await sim.autocomplete("Bertil", "/event cancel event:1", "date", "")
    assert 1 <= len(offered) <= 10
    assert offered[0]["value"] == "2026-12-03"


async def test_buttons_of_a_post_made_by_the_previous_version_still_work(sim: Simulator) -> None:
    """An announcement posted before the answers moved behind the port carries the old labels and ids."""
    await sim.join("Amal")
    await create(sim, 'title:"Språkcafé" date:2026-12-03 time:18:00')
    await sim.advance(timedelta(days=1, hours=6))
    [post] = posts(sim)
    message = sim.discord.messages[post.message_id]
    message.components = [{"type": 1, "components": [
        {"type": 2, "style": 3, "label": "Kommer · 0", "custom_id": "events:rsvp:1:going"},
        {"type": 2, "style": 2, "label": "Kanske · 0", "custom_id": "events:rsvp:1:maybe"},
        {"type": 2, "style": 2, "label": "Kan inte · 0", "custom_id": "events:rsvp:1:cant"},
        {"type": 2, "style": 1, "label": "På mitt språk", "custom_id": "events:show:1"}]}]
    step = await sim.press("Amal", "Kommer · 0", message=message)
    assert "going" in step.last("interaction_response").text.lower()
    assert message.components[0]["components"][0]["label"] == "✅ Kommer · 1"
    step = await sim.press("Amal", "På mitt språk", message=message)
    assert "Språkcafé" in step.last("interaction_response").text


async def test_a_somali_reminder_that_could_not_be_sent_is_shown_at_the_next_turn_before_the_start(
        sim: Simulator) -> None:
    await speaks(sim, "Hodan", "so")
    await create(sim, 'title:"Språkcafé" date:2026-12-04 time:18:00 reminders:"2h"')
    await sim.advance(timedelta(days=2, hours=6))
    await sim.press("Hodan", "events:rsvp:1:going")
    step = await sim.advance(timedelta(hours=21, minutes=30))  # 4 December, 16:30 in Norsjö: after the reminder
    assert not [a for a in step.actions if a.kind == "dm"]
    step = await sim.slash("Hodan", "/event list")
    [held] = [a for a in step.actions if a.visible_to == "Hodan" and "events:answer:1:cant" in ids(a)]
    assert "Språkcafé" in held.text and "❌" in held.text
    assert "core:allow-dm" in ids(held)
    step = await sim.slash("Hodan", "/event list")
    assert not [a for a in step.actions if "events:answer:1:cant" in ids(a)]  # shown once


async def test_a_somali_member_without_direct_messages_hears_of_a_cancellation_at_her_next_turn(
        sim: Simulator) -> None:
    await speaks(sim, "Hodan", "so")
    await create(sim, 'title:"Språkcafé" date:2026-12-04 time:18:00')
    await sim.advance(timedelta(days=2, hours=6))  # announced on 3 December
    await sim.press("Hodan", "events:rsvp:1:going")
    step = await sim.slash("Bertil", "/event cancel event:1")
    assert not [a for a in step.actions if a.kind == "dm" and a.to == "dm:Hodan"]  # she did not allow DMs
    step = await sim.slash("Hodan", "/event mine")
    so = sim.running_bot.services.translator("so")
    sorry = so._("Sorry: {title} is cancelled. {when}", title="Språkcafé", when="").split("Språkcafé")[0]
    held = [a for a in step.actions if a.visible_to == "Hodan" and sorry in a.text]
    assert len(held) == 1 and "Språkcafé" in held[0].text
    step = await sim.slash("Hodan", "/event mine")
    assert not [a for a in step.actions if sorry in a.text]  # shown once
