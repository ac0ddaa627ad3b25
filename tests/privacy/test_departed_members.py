"""Members who left: a forgotten member cannot run the welcome from DMs."""

from __future__ import annotations

from datetime import timedelta

from bot.simulator import Simulator
from tests.cogs.test_onboarding import uid


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
