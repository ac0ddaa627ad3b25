"""Discord misbehaving: 429 with retry-after and 5xx are retried by the library, once, without
duplicates; the member still gets exactly one answer."""

from __future__ import annotations

from bot.simulator import Simulator

CALLBACK = r"/interactions/\d+/[^/]+/callback"


async def test_a_rate_limited_reply_is_retried_once(sim: Simulator) -> None:
    await sim.join("Amal")
    sim.discord.inject("POST", CALLBACK, 429, retry_after=0.05)
    step = await sim.slash("Amal", "/privacy show")
    answers = step.of("interaction_response")
    assert len(answers) == 1
    assert answers[0].visible_to == "Amal"


async def test_a_bad_gateway_then_success_gives_one_answer(sim: Simulator) -> None:
    await sim.join("Amal")
    sim.discord.inject("POST", CALLBACK, 502)
    step = await sim.slash("Amal", "/language")
    assert len(step.of("interaction_response")) == 1


async def test_a_reply_that_times_out_is_an_incident_and_the_bot_stays_up(sim: Simulator, caplog) -> None:
    await sim.join("Amal")
    sim.discord.inject("POST", CALLBACK, 0)  # Discord never answers
    await sim.slash("Amal", "/privacy show")
    assert "incident" in caplog.text
    step = await sim.slash("Amal", "/privacy show")  # the next one works
    assert len(step.of("interaction_response")) == 1
