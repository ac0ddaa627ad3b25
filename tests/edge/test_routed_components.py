"""Presses and picks are routed to flows by custom id (`bot.edge.conversation.route_component`): presses
on messages an older version posted still reach today's flow handlers, and each is answered once."""

from __future__ import annotations

from bot.simulator import Simulator
from tests.cogs.test_mentoring import setup_pool


async def test_an_invitation_button_posted_by_the_previous_version_still_works_after_a_restart(
        sim: Simulator) -> None:
    await setup_pool(sim)
    await sim.grant("Cora", "coordinator")
    await sim.slash("Cora", "/match preview")
    step = await sim.slash("Cora", "/match approve pairs:all")
    [dm] = step.of("dm")
    match_id = await sim.running_bot.services.db.fetchval("SELECT id FROM mentoring_matches")
    # Exactly the components the previous version (one DynamicItem class per button) sent.
    message = sim.discord.messages[dm.message_id]
    message.components = [{"type": 1, "components": [
        {"type": 2, "style": 3, "label": "Acceptera", "custom_id": f"mentoring:answer:{match_id}:yes"},
        {"type": 2, "style": 2, "label": "Nej tack", "custom_id": f"mentoring:answer:{match_id}:no"},
    ]}]
    await sim.restart()
    step = await sim.press("Bertil", "Acceptera", message=message)
    [edit] = step.of("edit") or step.of("interaction_response")
    assert edit.components == []  # the invitation became the answer, without its buttons
    assert await sim.running_bot.services.db.fetchval(
        "SELECT mentor_answer FROM mentoring_matches WHERE id = ?", (match_id,)) == "accepted"


async def test_a_replayed_id_for_someone_else_is_refused_kindly_and_changes_nothing(sim: Simulator) -> None:
    await setup_pool(sim)
    await sim.grant("Cora", "coordinator")
    await sim.slash("Cora", "/match preview")
    step = await sim.slash("Cora", "/match approve pairs:all")
    [dm] = step.of("dm")
    step = await sim.press("Cora", dm.buttons()[0]["custom_id"], message=sim.discord.messages[dm.message_id])
    reply = step.last("interaction_response")
    assert "not for you" in reply.text
    assert await sim.running_bot.services.db.fetchval("SELECT mentor_answer FROM mentoring_matches") is None


async def test_a_component_no_flow_routes_is_answered_once_by_its_own_handler(sim: Simulator) -> None:
    await sim.join("Amal")
    step = await sim.press("Amal", "onb:start")
    answers = [a for a in step.actions if a.kind in ("interaction_response", "defer")]
    assert len(answers) == 1
