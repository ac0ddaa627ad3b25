"""FAQ: Discord failing while the translators are told about an edited entry.

A missing permission (403) or a deleted channel (404) in the translators' channel: the volunteers
are told in plain words, with the notice itself, exactly once. 429 and 5xx are retried by
discord.py: the notice arrives once. Nothing is lost or duplicated after a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.simulator import Simulator
from tests.helpers import faq

EDITED = "Ansök hos Skatteverket. Ny regel från 1 maj."


def channel_messages(sim: Simulator, name: str) -> str:
    return rf"/channels/{sim.discord.channel_named(name).id}/messages"


async def edit_sfi(sim: Simulator, before_sending: Callable[[], object] = lambda: None) -> None:
    await sim.join("Bertil")
    await sim.grant("Bertil", "volunteer")
    await sim.slash("Bertil", "/faq edit", options={"entry": "sfi", "reason": "New form"})
    before_sending()
    old = faq(sim).get("sfi").source
    await sim.submit("Bertil", {"question": old.question, "answer": EDITED, "aliases": "\n".join(old.aliases),
                                "sources": ""})


def told(sim: Simulator, where: str) -> list[str]:
    return [a.content for a in sim.sent_to(where) if a.kind == "message" and "sfi" in a.content]


async def job_state(sim: Simulator) -> list[str]:
    rows = await sim.running_bot.services.db.fetchall("SELECT state FROM scheduled_jobs WHERE key LIKE 'faq:stale:%'")
    return [r["state"] for r in rows]


@pytest.mark.parametrize(("status", "code"), [(403, 50013), (404, 10003)])
async def test_a_closed_or_deleted_translators_channel_is_reported_to_the_volunteers_once(
        sim: Simulator, status: int, code: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    sim.discord.inject("POST", channel_messages(sim, "translators"), status, code=code, times=100)
    await edit_sfi(sim)
    await sim.advance(timedelta(minutes=1))
    assert told(sim, "#translators") == []
    volunteers = told(sim, "#volunteers")
    assert len(volunteers) == 1
    # In the server's language (Swedish), in plain words, with what the translators should have seen.
    assert "Jag kunde inte skriva i översättarnas kanal" in volunteers[0] and "/faq translate" in volunteers[0]
    assert await job_state(sim) == ["done"]
    await sim.restart()
    await sim.advance(timedelta(hours=1))
    assert len(told(sim, "#volunteers")) == 1
    assert "Bertil" not in caplog.text and EDITED not in caplog.text


async def test_when_no_channel_can_be_reached_the_bot_logs_it_and_stays_up(
        sim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    sim.discord.inject("POST", channel_messages(sim, "translators"), 403, code=50013, times=100)
    sim.discord.inject("POST", channel_messages(sim, "volunteers"), 404, code=10003, times=100)
    await edit_sfi(sim)
    await sim.advance(timedelta(minutes=1))
    assert await job_state(sim) == ["done"]
    assert "cannot post in the volunteers' channel" in caplog.text
    assert "Bertil" not in caplog.text and EDITED not in caplog.text
    # Members still read the edited answer.
    await sim.join("Sven", locale="sv-SE")
    step = await sim.slash("Sven", "/faq search", options={"query": "sfi"})
    assert any(a.embeds and a.embeds[0]["description"] == EDITED for a in step.actions)


async def test_a_rate_limited_notice_is_retried_and_arrives_once(sim: Simulator) -> None:
    sim.discord.inject("POST", channel_messages(sim, "translators"), 429, retry_after=0.01, times=2)
    await edit_sfi(sim)
    await sim.advance(timedelta(minutes=1))
    assert len(told(sim, "#translators")) == 1
    assert told(sim, "#volunteers") == []
    assert await job_state(sim) == ["done"]


async def test_a_bad_gateway_on_the_notice_is_retried_and_arrives_once(sim: Simulator) -> None:
    sim.discord.inject("POST", channel_messages(sim, "translators"), 502, times=1)
    await edit_sfi(sim)
    await sim.advance(timedelta(minutes=1))
    assert len(told(sim, "#translators")) == 1
    assert await job_state(sim) == ["done"]


async def test_a_failed_answer_to_the_member_does_not_lose_the_saved_edit(sim: Simulator) -> None:
    # Discord refuses the reply to the form (the interaction expired): the edit is saved, the notice goes out.
    await edit_sfi(sim, lambda: sim.discord.inject("POST", r"/interactions/\d+/[^/]+/callback", 404, code=10062))
    assert faq(sim).get("sfi").source.answer == EDITED
    await sim.advance(timedelta(minutes=1))
    assert len(told(sim, "#translators")) == 1
