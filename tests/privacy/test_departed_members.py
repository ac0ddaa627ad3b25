"""Members who left: a forgotten member cannot run the welcome from DMs."""

from __future__ import annotations

from datetime import timedelta

from bot.simulator import Simulator
from tests.cogs.test_mentoring import setup_pool
from tests.cogs.test_onboarding import uid
from tests.helpers import allow_dms, create, organizer, posts


async def test_a_member_forgotten_after_leaving_cannot_start_the_welcome_in_dms(sim: Simulator) -> None:
    await sim.join("Amal")
    amal = uid(sim, "Amal")
    await sim.leave("Amal")
    await sim.advance(timedelta(days=31))
    db = sim.running_bot.services.db
    assert await db.fetchval("SELECT COUNT(*) FROM onboarding_members WHERE user_id = ?", (amal,)) == 0
    cards_before = len(sim.sent_to("#volunteers"))

    step = await sim.slash("Amal", "/welcome start", channel="dm")
    reply = step.last()
    assert reply.visible_to == "Amal" and "for members of the server" in reply.content
    assert await db.fetchval("SELECT COUNT(*) FROM onboarding_members WHERE user_id = ?", (amal,)) == 0
    await sim.advance(timedelta(days=1))
    assert len(sim.sent_to("#volunteers")) == cards_before


async def test_a_member_still_in_the_server_can_use_the_welcome_in_dms(sim: Simulator) -> None:
    await sim.join("Amal")
    step = await sim.slash("Amal", "/welcome start", channel="dm")
    assert "for members of the server" not in step.last().content
    assert step.last().components


async def test_a_member_who_leaves_frees_their_going_place_for_the_waiting_list(esim: Simulator) -> None:
    await organizer(esim)
    await esim.join("Amal")
    await esim.join("Bashir")
    await allow_dms(esim, "Bashir")
    await create(esim, 'title:"Sauna evening" date:2026-12-03 time:18:00 capacity:1 reminders:""')
    await esim.advance(timedelta(days=1, hours=6))
    await esim.press("Amal", "events:rsvp:1:going")
    await esim.press("Bashir", "events:rsvp:1:going")  # the waiting list
    await esim.leave("Amal")
    await esim.advance(timedelta(seconds=5))
    [dm] = [a for a in esim.actions if a.kind == "dm" and a.to == "dm:Bashir"]
    assert "Sauna evening" in dm.text
    post = posts(esim, "#announcements")[-1]
    labels = [b["label"] for b in esim.discord.messages[post.message_id].components[0]["components"]]
    assert labels[0] == "✅ Kommer · 1"
    events = esim.running_bot.services.capabilities["events"]
    assert await events.status_of(1, "2026-12-03T18:00", esim.member("Amal").id) is None
    assert await events.status_of(1, "2026-12-03T18:00", esim.member("Bashir").id) == "going"


async def test_a_newcomer_who_left_is_not_proposed_until_they_come_back(sim: Simulator) -> None:
    await setup_pool(sim)
    await sim.grant("Cora", "coordinator")
    await sim.leave("Amal")
    step = await sim.slash("Cora", "/match preview")
    assert "you both speak Arabic" not in step.last().text
    db = sim.running_bot.services.db
    assert await db.fetchval("SELECT COUNT(*) FROM mentoring_matches WHERE newcomer_id = ?",
                             (uid(sim, "Amal"),)) == 0
    await sim.join("Amal")
    step = await sim.slash("Cora", "/match preview")
    assert "you both speak Arabic" in step.last().text
