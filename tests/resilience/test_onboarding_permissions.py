"""Every privileged command and button of the welcome, tried by the wrong people: a member without the
role, a member whose role was just taken away, from DMs, and by replaying an old button's custom id
for another member's record. Refused politely in the member's language, logged without personal
data, and nothing changes."""

from __future__ import annotations

import json
import logging

import pytest

from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID
from tests.cogs.test_onboarding import pause, uid, walk

# Distinctive names so that a leak into the logs is unmistakable.
NEWCOMER, INTRUDER, VOLUNTEER = "Amalqx Haddad", "Nilsqx Berg", "Veraqx Lund"
TYPED = "Qxsecret place name"

COMMANDS = [
    ("/welcome queue", {}, "volunteer"),
    ("/welcome stats", {}, "organizer"),
    ("/welcome setup", {"areas": TYPED}, "organizer"),
]


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """What `multinations-bot run` logs: our loggers at DEBUG, everything else (discord.py) at INFO."""
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.DEBUG, logger="cogs")
    return caplog


async def snapshot(sim: Simulator) -> str:
    """Everything the welcome stores, to compare before and after a refused action."""
    db = sim.running_bot.services.db
    members = await db.fetchall("SELECT * FROM onboarding_members ORDER BY user_id")
    config = await db.fetchall("SELECT key, value FROM guild_config WHERE key LIKE 'onboarding.%' ORDER BY key")
    funnel = await db.fetchall("SELECT * FROM onboarding_funnel ORDER BY stage")
    return json.dumps([[dict(r) for r in rows] for rows in (members, config, funnel)], default=str)


def assert_clean_logs(logs: pytest.LogCaptureFixture) -> None:
    for secret in (NEWCOMER, INTRUDER, VOLUNTEER, "Amalqx", "Nilsqx", TYPED):
        assert secret not in logs.text


def forge(message, custom_id: str, component_type: int = 2):
    """A replay: the first button (or menu) of an old message made to carry another custom id."""
    for row in message.components:
        for comp in row.get("components", []):
            if comp.get("type") == component_type:
                comp["custom_id"] = custom_id
                return message
    raise AssertionError("no component to forge")


async def world(sim: Simulator) -> None:
    await sim.join(NEWCOMER)
    await sim.join(INTRUDER, locale="sv-SE")
    await sim.join(VOLUNTEER)
    await sim.grant(VOLUNTEER, "volunteer")
    await walk(sim, NEWCOMER, language="en", topics=("housing",), area="Kusfors")
    await pause(sim)


@pytest.mark.parametrize("line,options,role", COMMANDS)
async def test_privileged_commands_refuse_a_member_without_the_role(
        sim: Simulator, logs: pytest.LogCaptureFixture, line: str, options: dict, role: str) -> None:
    await world(sim)
    before = await snapshot(sim)
    step = await sim.slash(INTRUDER, line, options=options)
    reply = step.last()
    assert reply.visible_to == INTRUDER
    assert "Tyvärr kan bara" in reply.content  # in the intruder's language (Swedish)
    assert NEWCOMER not in reply.content and str(uid(sim, NEWCOMER)) not in reply.content
    assert await snapshot(sim) == before
    assert "missing role" in logs.text
    assert_clean_logs(logs)


@pytest.mark.parametrize("line,options,role", COMMANDS)
async def test_privileged_commands_refuse_a_member_whose_role_was_just_removed(
        sim: Simulator, logs: pytest.LogCaptureFixture, line: str, options: dict, role: str) -> None:
    await world(sim)
    await sim.grant(INTRUDER, role)
    await sim.revoke(INTRUDER, role)
    before = await snapshot(sim)
    step = await sim.slash(INTRUDER, line, options=options)
    assert "Tyvärr kan bara" in step.last().content
    assert await snapshot(sim) == before
    assert_clean_logs(logs)


@pytest.mark.parametrize("line,options,role", COMMANDS)
async def test_privileged_commands_refuse_direct_messages(
        sim: Simulator, logs: pytest.LogCaptureFixture, line: str, options: dict, role: str) -> None:
    await world(sim)
    await sim.grant(INTRUDER, role)  # even with the role: these need the server
    before = await snapshot(sim)
    step = await sim.slash(INTRUDER, line, options=options, channel="dm")
    reply = step.last()
    assert reply.visible_to == INTRUDER
    assert "bara på servern" in reply.content
    assert NEWCOMER not in reply.content and "Kusfors" not in reply.content
    assert await snapshot(sim) == before
    assert_clean_logs(logs)


async def test_the_claim_button_refuses_a_member_without_the_role_and_one_just_removed(
        sim: Simulator, logs: pytest.LogCaptureFixture) -> None:
    await world(sim)
    card = sim.discord.messages[sim.sent_to("#volunteers")[-1].message_id]
    claim = f"onb:claim:{uid(sim, NEWCOMER)}"
    before = await snapshot(sim)
    step = await sim.press(INTRUDER, claim, message=card)
    assert "Tyvärr kan bara" in step.last().content and step.last().visible_to == INTRUDER
    await sim.grant(INTRUDER, "volunteer")
    await sim.revoke(INTRUDER, "volunteer")
    await pause(sim)
    step = await sim.press(INTRUDER, claim, message=card)
    assert "Tyvärr kan bara" in step.last().content
    assert not step.of("edit") and card.components  # the card is untouched
    assert await snapshot(sim) == before
    assert_clean_logs(logs)


@pytest.mark.parametrize("custom_id", [
    "onb:step:{user}:consent:no",
    "onb:step:{user}:change:topics",
    "onb:step:{user}:rejoin:restart",
    "onb:step:{user}:rejoin:continue",
    "onb:step:{user}:dm:1",
    "onb:step:{user}:summary:show",
    "onb:step:{user}:mentor:yes",
])
async def test_replayed_flow_buttons_for_another_member_change_nothing(
        sim: Simulator, logs: pytest.LogCaptureFixture, custom_id: str) -> None:
    await world(sim)
    own = await sim.slash(INTRUDER, "/welcome start")  # a message of the intruder's own to press on
    message = sim.discord.messages[own.last().message_id]
    before = await snapshot(sim)
    await pause(sim)
    forged = custom_id.format(user=uid(sim, NEWCOMER))
    step = await sim.press(INTRUDER, forged, message=forge(message, forged))
    reply = step.last()
    assert reply.visible_to == INTRUDER
    assert "någon annans välkomnande" in reply.content  # Swedish: someone else's welcome
    assert "Kusfors" not in step.text and "Housing" not in step.text  # nothing of Amal's answers leaks
    assert not [a for a in step.actions if a.kind in ("dm", "role_add", "role_remove", "message")]
    assert await snapshot(sim) == before
    assert "another member's welcome" in logs.text
    assert_clean_logs(logs)


async def test_a_replayed_select_for_another_member_changes_nothing(
        sim: Simulator, logs: pytest.LogCaptureFixture) -> None:
    await world(sim)
    own = await sim.press(INTRUDER, "onb:start")
    message = sim.discord.messages[own.last().message_id]
    # The intruder's client sends the newcomer's language menu id with its own message.
    forge(message, f"onb:pick:{uid(sim, NEWCOMER)}:language", component_type=3)
    before = await snapshot(sim)
    await pause(sim)
    step = await sim.pick(INTRUDER, ["ar"], message=message)
    assert "någon annans välkomnande" in step.last().content
    assert await snapshot(sim) == before
    assert await sim.running_bot.services.prefs.language(uid(sim, NEWCOMER)) == "en"
    assert_clean_logs(logs)


async def test_a_volunteer_replaying_a_claim_for_a_member_without_consent_claims_nothing(
        sim: Simulator, logs: pytest.LogCaptureFixture) -> None:
    await world(sim)
    await sim.join("Farid")
    await walk(sim, "Farid", language="en", consent=False)
    card = sim.discord.messages[sim.sent_to("#volunteers")[-1].message_id]  # Amal's card
    before = await snapshot(sim)
    await pause(sim)
    forged = f"onb:claim:{uid(sim, 'Farid')}"
    step = await sim.press(VOLUNTEER, forged, message=forge(card, forged))
    assert "no longer available" in step.last().content and step.last().visible_to == VOLUNTEER
    assert await snapshot(sim) == before
    state = await sim.running_bot.services.capabilities["onboarding"].get(GUILD_ID, uid(sim, "Farid"))
    assert state.claimed_by is None
    assert_clean_logs(logs)
