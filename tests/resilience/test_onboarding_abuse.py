"""Abuse and bad input in every text typed into the welcome: the organizers' welcome texts and area
names (`/welcome setup`). Nothing pings anyone, nothing breaks the layout for other readers, over-long
input gets a translated message with the limit, and a refused command stores nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.text import clean_text
from bot.edge.conversation import render_text
from bot.edge.ui import user_text
from bot.features.onboarding.model import MemberState
from bot.features.onboarding.steps import card_text
from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID
from tests.cogs.test_onboarding import pause, uid, walk

BIDI, ZERO_WIDTH = "\u202e", "\u200b"


def abusive(sim: Simulator) -> dict[str, str]:
    """One value per kind of trouble (role and user ids are real, so a ping would land)."""
    return {
        "everyone": "@everyone come here",
        "here": "@here look",
        "role": f"<@&{sim.discord.role_named('organizer').id}> ping",
        "user": f"<@{uid(sim, 'Olle')}> hi",
        "markdown": "**bold** __under__ ~~strike~~ ||spoiler|| # Heading",
        "fence": "```py print('x') ```",
        "link": "see https://evil.example/x and [click](https://evil.example)",
        "bidi": f"evil{BIDI}txt.exe",
        "zero_width": f"Kus{ZERO_WIDTH}fors\u2060",
        "emoji": "🏠🌲❄️",
        "mixed": "Norsjö نورشو Норшьо",
    }


def assert_no_pings(actions, allowed: tuple[str, ...] = ()) -> None:
    for action in actions:
        assert not action.pinged_everyone, action
        assert set(action.mentions) <= set(allowed), action


def assert_no_tricks(actions) -> None:
    for action in actions:
        assert BIDI not in action.text and ZERO_WIDTH not in action.text.replace("@\u200b", "@"), action


async def organizer(sim: Simulator, locale: str = "en-US") -> None:
    await sim.join("Olle", locale=locale)
    await sim.grant("Olle", "organizer")
    await sim.advance(timedelta(seconds=10))  # Olle's own greeting is out of the way


async def config(sim: Simulator, key: str):
    return await sim.running_bot.services.guild_config.get(GUILD_ID, f"onboarding.{key}")


async def test_welcome_texts_never_ping_and_are_shown_escaped_in_the_greeting(sim: Simulator) -> None:
    await organizer(sim)
    for number, (kind, value) in enumerate(abusive(sim).items()):
        await pause(sim)
        step = await sim.slash("Olle", "/welcome setup", options={"language": "en", "welcome_text": value})
        assert "Saved" in step.last().content, kind
        assert_no_pings(step.actions)
        stored = (await config(sim, "welcome_text"))["en"]
        assert stored == clean_text(value, limit=300)
        assert BIDI not in stored and ZERO_WIDTH not in stored
        newcomer = f"Newcomer {number}"
        await sim.join(newcomer)
        step = await sim.advance(timedelta(seconds=10))
        greeting = [a for a in step.actions if a.to == "#welcome"][-1]
        assert_no_pings(step.actions, allowed=(newcomer,))
        assert greeting.mentions == [newcomer]  # only the newcomer, never Olle or a role
        assert user_text(stored) in greeting.content, kind  # markdown and mentions escaped for readers
        assert_no_tricks(step.actions)
    greeting = sim.sent_to("#welcome")[-1].content
    assert "Norsjö نورشو Норшьо" in greeting  # mixed scripts kept


async def test_area_names_never_ping_and_are_escaped_on_the_volunteer_card(sim: Simulator) -> None:
    await organizer(sim)
    values = abusive(sim)
    step = await sim.slash("Olle", "/welcome setup", options={"areas": ", ".join(values.values())})
    assert "Saved" in step.last().content
    assert_no_pings(step.actions)
    assert_no_tricks(step.actions)
    stored = await config(sim, "areas")
    assert stored == [clean_text(v, limit=100) for v in values.values()]
    # Every area as the card shows it to volunteers.
    t = sim.running_bot.services.translator("sv")
    for area in stored:
        state = MemberState(GUILD_ID, 1, consent=True, area=area, help_topics=["work"])
        text = render_text(card_text(t, state, "en", None))
        assert user_text(area) in text
        assert "@everyone" not in text and "@here" not in text and "<@&" not in text
    # And end to end: a newcomer picks the worst one; the card pings nobody.
    await sim.join("Amal")
    await sim.grant("Amal", "newcomer")
    await walk(sim, "Amal", language="en", topics=("work",), area=stored[2])  # the role mention
    card = sim.sent_to("#volunteers")[-1]
    assert card.mentions == [] and not card.pinged_everyone
    assert user_text(stored[2]) in card.content


@pytest.mark.parametrize("field,options,limit", [
    ("welcome text", {"language": "sv", "welcome_text": "x" * 10_000}, 300),
    ("places", {"areas": "y" * 10_000}, 100),
])
async def test_ten_thousand_characters_get_a_translated_message_with_the_limit_and_nothing_is_stored(
        sim: Simulator, field: str, options: dict[str, str], limit: int) -> None:
    await organizer(sim, locale="sv-SE")
    before = (await config(sim, "welcome_text"), await config(sim, "areas"))
    step = await sim.slash("Olle", "/welcome setup", options={**options, "newcomer_role": "mentor"})
    reply = step.last()
    assert reply.visible_to == "Olle"
    assert "för långt" in reply.content and str(limit) in reply.content  # in Swedish, with the limit
    assert (await config(sim, "welcome_text"), await config(sim, "areas")) == before
    assert await config(sim, "newcomer_role") is None  # the valid part of the command was not stored either


async def test_one_bad_field_stores_none_of_the_command(sim: Simulator) -> None:
    await organizer(sim)
    step = await sim.slash("Olle", "/welcome setup",
                           options={"areas": "Kusfors, Bastuträsk", "language": "en", "welcome_text": "z" * 301})
    assert "300" in step.last().content
    assert await config(sim, "areas") is None and await config(sim, "welcome_text") is None


@pytest.mark.parametrize("value", ["", "   ", "\t \u200b \u202e "])
async def test_empty_and_blank_texts_are_refused_politely(sim: Simulator, value: str) -> None:
    await organizer(sim)
    step = await sim.slash("Olle", "/welcome setup", options={"language": "en", "welcome_text": value})
    assert "Please write something in the welcome text" in step.last().content
    step = await sim.slash("Olle", "/welcome setup", options={"areas": value or ","})
    assert "between 1 and 24 places" in step.last().content
    assert await config(sim, "areas") is None and await config(sim, "welcome_text") is None


async def test_an_area_called_other_cannot_hide_the_other_choice(sim: Simulator) -> None:
    await organizer(sim)
    await sim.slash("Olle", "/welcome setup", options={"areas": "other, Kusfors"})
    assert await config(sim, "areas") == ["Kusfors"]


async def test_a_forged_area_value_is_refused_and_not_stored(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.press("Amal", "onb:start")
    for step_name, value in (("language", "en"), ("consent", "yes"), ("topics", "none")):
        await pause(sim)
        await sim.press("Amal", f"onb:step:{uid(sim, 'Amal')}:{step_name}:{value}")
    message = sim.messages_for("Amal")[-1]
    for comp in message.components[0]["components"] if message.components[0].get("components") else []:
        if comp.get("type") == 3:
            comp["options"].append({"label": "@everyone", "value": "@everyone"})  # a tampered client
    await pause(sim)
    step = await sim.pick("Amal", ["@everyone"], select=f"onb:pick:{uid(sim, 'Amal')}:area", message=message)
    assert "choose one of the places" in step.last().content
    state = await sim.running_bot.services.capabilities["onboarding"].get(GUILD_ID, uid(sim, "Amal"))
    assert state.area is None and state.step == "area"
