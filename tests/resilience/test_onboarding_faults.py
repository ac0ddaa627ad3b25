"""Discord misbehaving during the welcome: 429 with retry-after, 500/502/503, 403 (missing permission,
closed DMs), 404 (deleted channel, message or role). The bot retries where Discord allows it, tells
organizers in plain words where a person must act, and loses and duplicates nothing."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

import pytest

from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID
from tests.cogs.test_onboarding import pause, roles_of, uid, walk

NAME = "Amalqx Haddad"
POST_MESSAGE = r"/channels/{}/messages$"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """What `multinations-bot run` logs: our loggers at DEBUG, everything else (discord.py) at INFO."""
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.DEBUG, logger="cogs")
    return caplog


def channel_id(sim: Simulator, name: str) -> int:
    return sim.discord.channel_named(name).id


def posts_to(sim: Simulator, name: str) -> int:
    path = f"/channels/{channel_id(sim, name)}/messages"
    return sum(1 for _t, method, p in sim.discord.requests if method == "POST" and p == path)


def greeted(sim: Simulator) -> Counter[str]:
    return Counter(n for a in sim.sent_to("#welcome") if a.kind == "message" for n in a.mentions)


def cards(sim: Simulator) -> list:
    return [a for a in sim.sent_to("#volunteers") if a.kind == "message"]


# ----- the greeting -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("status,extra", [(429, {"retry_after": 0.01}), (500, {}), (502, {})])
async def test_a_greeting_is_retried_by_discord_py_and_sent_once(
        sim: Simulator, logs: pytest.LogCaptureFixture, status: int, extra: dict) -> None:
    sim.discord.inject("POST", POST_MESSAGE.format(channel_id(sim, "welcome")), status, times=1, **extra)
    await sim.join(NAME)
    await sim.advance(timedelta(seconds=10))
    assert greeted(sim) == Counter([NAME])
    assert posts_to(sim, "welcome") == 2  # the failed try and the retry
    assert sim.sent_to("#organizers") == []  # nothing for a person to do
    assert NAME not in logs.text


async def test_a_greeting_discord_py_gives_up_on_is_retried_later_by_the_job_queue(sim: Simulator) -> None:
    sim.discord.inject("POST", POST_MESSAGE.format(channel_id(sim, "welcome")), 503, times=2)
    await sim.join(NAME)
    await sim.advance(timedelta(seconds=10))
    assert greeted(sim) == Counter()
    await sim.advance(timedelta(minutes=2))
    assert greeted(sim) == Counter([NAME])  # sent once the outage is over, exactly once
    assert await sim.running_bot.services.capabilities["onboarding"].ungreeted(GUILD_ID) == []


@pytest.mark.parametrize("fault", ["no permission", "deleted"])
async def test_a_welcome_channel_the_bot_cannot_post_in_is_told_to_organizers_once(
        sim: Simulator, logs: pytest.LogCaptureFixture, fault: str) -> None:
    welcome = sim.discord.channel_named("welcome")
    if fault == "deleted":
        welcome.deleted = True
    else:
        welcome.bot_can_send = False
    await sim.join(NAME)
    await sim.advance(timedelta(seconds=10))
    notes = sim.sent_to("#organizers")
    assert len(notes) == 1
    # In the server's language (Swedish), naming the channel and what to do (the command as a Swedish client
    # shows it), pinging nobody.
    assert f"<#{welcome.id}>" in notes[0].content and "/välkommen inställningar" in notes[0].content
    assert "Kontrollera" in notes[0].content
    assert notes[0].mentions == [] and not notes[0].pinged_everyone
    # No retry storm, and the next joins do not repeat the note the same day.
    await sim.join("Bertil")
    await sim.advance(timedelta(minutes=10))
    assert len(sim.sent_to("#organizers")) == 1
    assert posts_to(sim, "welcome") == 2  # one try per greeting window
    assert await sim.running_bot.services.capabilities["onboarding"].ungreeted(GUILD_ID) == []
    # The members can still begin: the Start button does not depend on the greeting.
    step = await sim.press(NAME, "onb:start")
    assert step.last().visible_to == NAME
    assert NAME not in logs.text


# ----- the end of the flow: roles and the volunteer card ----------------------------------------------------
async def test_a_volunteers_channel_without_permission_is_told_to_organizers_and_the_flow_finishes(
        sim: Simulator) -> None:
    sim.discord.channel_named("volunteers").bot_can_send = False
    await sim.join(NAME)
    step = await walk(sim, NAME, language="en")
    assert "All done" in step.last("edit").content
    notes = sim.sent_to("#organizers")
    assert len(notes) == 1 and f"<#{channel_id(sim, 'volunteers')}>" in notes[0].content
    await sim.advance(timedelta(minutes=10))  # the after-finish job does not hammer a refused channel
    assert len(sim.sent_to("#organizers")) == 1
    assert posts_to(sim, "volunteers") == 1


async def test_a_card_discord_could_not_take_is_posted_later_exactly_once(sim: Simulator) -> None:
    sim.discord.inject("POST", POST_MESSAGE.format(channel_id(sim, "volunteers")), 503, times=2)
    await sim.join(NAME)
    step = await walk(sim, NAME, language="en", topics=("housing",))
    assert "All done" in step.last("edit").content
    assert cards(sim) == []
    await sim.advance(timedelta(minutes=5))  # the after-finish job, and its retry after a second failure
    assert len(cards(sim)) == 1
    state = await sim.running_bot.services.capabilities["onboarding"].get(GUILD_ID, uid(sim, NAME))
    assert state.card_message_id == cards(sim)[0].message_id
    await sim.advance(timedelta(minutes=30))
    assert len(cards(sim)) == 1


@pytest.mark.parametrize("status,extra", [(429, {"retry_after": 0.01}), (500, {})])
async def test_roles_are_given_once_through_rate_limits_and_server_errors(
        sim: Simulator, status: int, extra: dict) -> None:
    sim.discord.inject("PUT", r"/guilds/\d+/members/\d+/roles/\d+", status, times=1, **extra)
    await sim.join(NAME)
    await walk(sim, NAME, language="en", topics=("work",))
    assert {"newcomer", "lang-en", "help-work"} <= roles_of(sim, NAME)
    adds = Counter(a.role for a in sim.actions if a.kind == "role_add")
    assert all(count == 1 for count in adds.values())
    assert sim.sent_to("#organizers") == []


async def test_a_deleted_role_does_not_stop_the_welcome_or_the_other_roles(
        sim: Simulator, logs: pytest.LogCaptureFixture) -> None:
    newcomer_role = sim.discord.role_named("newcomer")
    sim.discord.inject("PUT", rf"/guilds/\d+/members/\d+/roles/{newcomer_role.id}$", 404, code=10011, times=5)
    await sim.join(NAME)
    step = await walk(sim, NAME, language="en", topics=("work",))
    assert "All done" in step.last("edit").content
    assert {"lang-en", "help-work"} <= roles_of(sim, NAME)
    assert "gone" in logs.text
    assert NAME not in logs.text


async def test_a_language_change_survives_a_refused_role_removal(sim: Simulator) -> None:
    await sim.join(NAME)
    await walk(sim, NAME, language="en")
    sim.discord.inject("DELETE", r"/guilds/\d+/members/\d+/roles/\d+", 403, code=50013, times=5)
    await sim.slash(NAME, "/welcome start")
    await pause(sim)
    await sim.press(NAME, f"onb:step:{uid(sim, NAME)}:change:language")
    await pause(sim)
    step = await sim.pick(NAME, ["ar"], select=f"onb:pick:{uid(sim, NAME)}:language")
    assert step.last("edit").visible_to == NAME
    assert "lang-ar" in roles_of(sim, NAME)
    note = sim.sent_to("#organizers")[-1]
    assert "lang-en" in note.content  # organizers are asked to take it away by hand


# ----- the card after /privacy delete -----------------------------------------------------------------------
async def _finish_and_delete(sim: Simulator) -> object:
    await sim.join(NAME)
    await walk(sim, NAME, language="en", topics=("housing",), area="Kusfors")
    card = sim.discord.messages[cards(sim)[-1].message_id]
    await pause(sim)
    step = await sim.slash(NAME, "/privacy delete")
    await pause(sim)
    await sim.press(NAME, step.last().buttons()[0]["custom_id"])
    return card


async def test_a_card_the_bot_may_not_edit_after_deletion_is_handed_to_organizers(
        sim: Simulator, logs: pytest.LogCaptureFixture) -> None:
    sim.discord.inject("PATCH", r"/channels/\d+/messages/\d+", 403, code=50013, times=5)
    card = await _finish_and_delete(sim)
    await sim.advance(timedelta(seconds=5))
    note = sim.sent_to("#organizers")[-1]
    assert f"/channels/{GUILD_ID}/{card.channel_id}/{card.id}" in note.content  # a link to the card
    assert "Kusfors" not in note.content and NAME not in note.content
    await sim.advance(timedelta(hours=1))
    assert len(sim.sent_to("#organizers")) == 1
    assert NAME not in logs.text and "Kusfors" not in logs.text


async def test_a_card_deleted_by_hand_is_simply_left_alone(sim: Simulator) -> None:
    card = await _finish_and_delete(sim)
    sim.discord.messages[card.id].deleted = True
    step = await sim.advance(timedelta(seconds=5))
    assert [a for a in step.actions if a.kind in ("message", "edit")] == []


async def test_a_card_edit_hit_by_an_outage_is_retried_until_it_works(sim: Simulator) -> None:
    sim.discord.inject("PATCH", r"/channels/\d+/messages/\d+", 503, times=1)
    card = await _finish_and_delete(sim)
    await sim.advance(timedelta(seconds=5))
    assert "Kusfors" in card.content
    await sim.advance(timedelta(minutes=2))
    assert "Kusfors" not in card.content and card.components == []
