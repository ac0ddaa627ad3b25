"""A full simulated day with every capability: the logs carry ids and incident numbers, never
names, message text or answers."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest

from bot.core.logs import FORMAT, PrivacyFormatter
from bot.simulator import Simulator

# Distinctive strings so that any leak is unmistakable.
NAMES = ["Zainabqx Haddad", "Bertilqx Lund", "Coraqx Mensah", "Olenaqx Shev"]
TYPED = [
    "Qxlanguage Cafe Evening",  # event title
    "Qxsecret library room",  # place
    "qxwhere do I register my address",  # FAQ question nobody answered
    "Qxmy neighbour Qxkarlsson is noisy",  # text typed into a form
    "Qxthe mentor was lovely",  # feedback
]


@pytest.fixture
def production_logging(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """What `multinations-bot run` logs: our loggers at DEBUG, discord.py at INFO."""
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.DEBUG, logger="cogs")
    caplog.set_level(logging.INFO, logger="discord")
    caplog.set_level(logging.INFO)
    caplog.handler.setFormatter(PrivacyFormatter(FORMAT))  # as `configure_logging` installs
    return caplog


async def _day(sim: Simulator) -> None:
    zainab, bertil, cora, olena = NAMES
    for name, locale in zip(NAMES, ("en-US", "sv-SE", "en-US", "uk"), strict=True):
        await sim.join(name, locale=locale)
    await sim.grant(bertil, "organizer")
    await sim.grant(cora, "coordinator")
    await sim.grant(bertil, "volunteer")
    services = sim.running_bot.services
    for name in NAMES:
        await services.prefs.set_dm_allowed(sim.member(name).id, True)

    # Onboarding, as far as the flow goes with plain presses.
    await sim.press(zainab, "onb:start")
    await sim.advance(timedelta(seconds=2))
    await sim.pick(zainab, ["ar"], select=f"onb:pick:{sim.member(zainab).id}:language")
    await sim.advance(timedelta(seconds=2))
    await sim.press(zainab, f"onb:step:{sim.member(zainab).id}:consent:yes")

    # FAQ: a search that finds something, one that does not, and "did this help? no".
    await sim.slash(olena, "/faq search", options={"query": "personnummer"})
    await sim.advance(timedelta(seconds=2))
    step = await sim.slash(olena, "/faq search", options={"query": TYPED[2]})
    for action in step.actions:
        for button in action.buttons():
            if "no" in button.get("custom_id", "").split(":"):
                step = await sim.press(olena, button["custom_id"], message=sim.discord.messages[action.message_id])
                for modal in step.of("modal"):
                    await sim.submit(olena, {modal.fields[0]["id"]: TYPED[3]})

    # Events: an organizer plans one; members answer; the day passes (announcement, reminders).
    step = await sim.slash(bertil, f'/event create title:"{TYPED[0]}" date:2026-12-02 time:18:00 '
                                   f'place:"{TYPED[1]}" capacity:1')
    preview = step.last("interaction_response")
    save = [b["custom_id"] for b in preview.buttons() if b["custom_id"].startswith("events:save")]
    assert save, preview.text
    await sim.press(bertil, save[0], message=sim.discord.messages[preview.message_id])

    # Mentoring: a mentor, a newcomer, a round, an approval.
    await sim.slash(bertil, '/mentor volunteer languages:"sv:3 ar:2" help:work interests:football adult:true')
    await sim.slash(zainab, '/mentor request languages:"ar:3" help:work interests:football adult:true')
    step = await sim.slash(cora, "/match preview")
    assert "No pairs" not in step.text
    await sim.slash(cora, "/match approve pairs:all")

    await sim.advance(timedelta(hours=30))
    for action in list(sim.actions):
        if action.to == "#announcements" and action.buttons():
            message = sim.discord.messages[action.message_id]
            for name in (zainab, olena):
                await sim.press(name, action.buttons()[0]["custom_id"], message=message)
                await sim.advance(timedelta(seconds=2))
            break
    await sim.advance(timedelta(hours=12))

    # Privacy: export and delete.
    await sim.slash(olena, "/privacy export")
    await sim.slash(olena, "/privacy delete")
    await sim.press(olena, "core:privacy-delete:" + str(sim.member(olena).id))
    # A broken command path: incidents are logged with ids only.
    await sim.slash(zainab, "/welcome start", channel="dm")


async def test_a_full_day_logs_no_names_and_no_text(sim: Simulator, production_logging) -> None:
    await _day(sim)
    # The day really happened: an announcement, answers to it, a form, a proposed pair.
    assert any(a.to == "#announcements" and a.kind == "message" for a in sim.actions)
    assert any(a.kind == "modal" for a in sim.actions)
    assert any(a.kind == "dm" for a in sim.actions)
    text = production_logging.text
    assert text, "the day should have produced some logs"
    leaks = []
    for secret in NAMES + TYPED:
        for part in secret.split():
            if "qx" in part.lower() and re.search(re.escape(part), text, re.IGNORECASE):
                leaks.append(part)
    assert leaks == [], f"personal data in the logs: {leaks}"
