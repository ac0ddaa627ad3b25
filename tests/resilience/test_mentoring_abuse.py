"""Mentoring: every text a member types, tried with abuse and bad input.

Typed fields: the profile's languages, help topics, interests, availability and area (`/mentor
volunteer|request`), the pause date (`/mentor pause`), the pair numbers (`/match approve|reject`) and
the feedback comment. Nothing may ping anyone, nothing may be stored half-way or uncleaned, and an
over-long value gets a translated message that names the limit.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.core.areas import DEFAULT_AREAS
from bot.features.mentoring.model import SPOKEN_LANGUAGES, TOPICS
from bot.simulator import Simulator
from bot.simulator.harness import Step

INVISIBLE = ("\u202e", "\u200b", "\u2066", "\ufeff")


def abuse(sim: Simulator) -> dict[str, str]:
    role_id = next(iter(sim.discord.roles.values())).id
    return {
        "everyone": "@everyone sv:3",
        "here": "@here",
        "role": f"<@&{role_id}>",
        "user": f"<@{sim.member('Bertil').id}>",
        "markdown": "**sv** __x__ `y` ```py\nprint(1)\n``` > quote",
        "link": "https://evil.example/login",
        "bidi": "\u202esv:3",
        "zero_width": "s\u200bv:3",
        "long": ("sv:3 " * 2000)[:10_000],
        "empty": "",
        "blank": "   \t  ",
        "emoji": "🙂🙂🙂",
        "mixed": "sv:3 عربي Ελληνικά 中文",
    }


async def _people(sim: Simulator) -> None:
    for name in ("Amal", "Bertil", "Cora"):
        await sim.join(name)
        await sim.running_bot.services.prefs.set_language(sim.member(name).id, "en")
        await sim.running_bot.services.prefs.set_dm_allowed(sim.member(name).id, True)
    await sim.grant("Cora", "coordinator")


def assert_harmless(step: Step, who: str, case: str) -> None:
    """Every action of the step: private to the member, no ping, within Discord's limits."""
    assert step.actions, case
    for action in step.actions:
        assert action.mentions == [], (case, action)
        assert not action.pinged_everyone, (case, action)
        if action.kind in ("interaction_response", "followup"):
            assert action.visible_to == who, (case, action)
            assert len(action.content) <= 2000, case


async def _tables(sim: Simulator) -> list[Any]:
    db = sim.running_bot.services.db
    out: list[Any] = []
    for table in ("mentoring_profiles", "mentoring_matches", "mentoring_feedback", "mentoring_rounds"):
        out.append([tuple(r) for r in await db.fetchall(f"SELECT * FROM {table}")])
    return out


async def _assert_stored_clean(sim: Simulator) -> None:
    db = sim.running_bot.services.db
    for row in await db.fetchall("SELECT * FROM mentoring_profiles"):
        assert set(json.loads(row["languages"])) <= set(SPOKEN_LANGUAGES)
        assert set(json.loads(row["help"])) <= set(TOPICS)
        assert row["area"] is None or row["area"] in DEFAULT_AREAS
        for value in tuple(row):
            assert not any(ch in str(value) for ch in INVISIBLE)
    for row in await db.fetchall("SELECT comment FROM mentoring_feedback"):
        assert row[0] is None or not any(ch in row[0] for ch in INVISIBLE)


@pytest.mark.parametrize("field", ["languages", "help", "interests", "availability", "area"])
async def test_profile_fields_never_ping_and_are_stored_clean_or_not_at_all(sim: Simulator, field: str) -> None:
    await _people(sim)
    for case, value in abuse(sim).items():
        options: dict[str, Any] = {"languages": "ar:3", "help": "work", "adult": True, field: value}
        await sim.advance(timedelta(minutes=1))  # stay under the per-member rate limit
        before = await _tables(sim)
        step = await sim.slash("Amal", "/mentor request", options=options)
        assert_harmless(step, "Amal", f"{field}/{case}")
        reply = step.last("interaction_response").text
        stored = await sim.running_bot.services.db.fetchval("SELECT COUNT(*) FROM mentoring_profiles")
        if "saved" in reply:
            assert stored == 1, (field, case)
            await sim.advance(timedelta(minutes=1))
            await sim.slash("Amal", "/mentor withdraw")
        else:
            assert await _tables(sim) == before, (field, case)  # refused: nothing stored half-way
        if case == "long":
            limit = "100" if field == "area" else "200"
            assert "too long" in reply and limit in reply, (field, reply[:200])
        if case in ("blank", "empty") and field in ("languages", "help"):
            assert "Please write something" in reply, (field, case, reply)
        await _assert_stored_clean(sim)


async def test_invisible_characters_are_removed_before_the_codes_are_read(sim: Simulator) -> None:
    await _people(sim)
    step = await sim.slash("Amal", "/mentor request", options={
        "languages": "\u202ea\u200br:3", "help": "wo\ufeffrk", "adult": True, "area": "\u2066Kusfors\u2069"})
    assert "saved" in step.last("interaction_response").text
    row = await sim.running_bot.services.db.fetchone("SELECT languages, help, area FROM mentoring_profiles")
    assert json.loads(row["languages"]) == {"ar": 3} and json.loads(row["help"]) == ["work"]
    assert row["area"] == "Kusfors"


async def test_an_over_long_value_is_refused_in_the_member_language_with_the_limit(sim: Simulator) -> None:
    await _people(sim)
    await sim.running_bot.services.prefs.set_language(sim.member("Amal").id, "sv")
    step = await sim.slash("Amal", "/mentor request", options={"languages": "sv:3 " * 2000, "help": "work",
                                                                "adult": True})
    reply = step.last("interaction_response").text
    assert "200" in reply and "språk" in reply and "too long" not in reply


async def test_the_pause_date_and_pair_numbers_refuse_abuse_politely(sim: Simulator) -> None:
    await _people(sim)
    await sim.slash("Bertil", '/mentor volunteer languages:"ar:3" help:work adult:true')
    await sim.slash("Amal", '/mentor request languages:"ar:3" help:work adult:true')
    await sim.slash("Cora", "/match preview")
    for case, value in abuse(sim).items():
        await sim.advance(timedelta(minutes=1))  # stay under the per-member rate limit
        before = await _tables(sim)
        step = await sim.slash("Bertil", "/mentor pause", options={"until": value})
        assert_harmless(step, "Bertil", f"until/{case}")
        assert await _tables(sim) == before, case
        reply = step.last("interaction_response").text
        if case == "long":
            assert "40" in reply and "too long" in reply
        else:
            assert "YYYY-MM-DD" in reply or "Please write" in reply or "too long" in reply, case
        for command in ("/match approve", "/match reject"):
            await sim.advance(timedelta(minutes=1))
            step = await sim.slash("Cora", command, options={"pairs": value})
            assert_harmless(step, "Cora", f"{command}/{case}")
            assert await _tables(sim) == before, (command, case)
            reply = step.last().text
            assert ("200" in reply) if case == "long" else ("pair numbers" in reply or "Please write" in reply), \
                (command, case, reply)


async def test_feedback_comments_are_cleaned_limited_and_never_shown_to_anyone(sim: Simulator) -> None:
    await _people(sim)
    await sim.slash("Bertil", '/mentor volunteer languages:"ar:3" help:work adult:true')
    await sim.slash("Amal", '/mentor request languages:"ar:3" help:work adult:true')
    await sim.slash("Cora", "/match preview")
    await sim.slash("Cora", "/match approve pairs:all")
    match_id = await sim.running_bot.services.db.fetchval("SELECT id FROM mentoring_matches")
    for name in ("Bertil", "Amal"):
        await sim.press(name, f"mentoring:answer:{match_id}:yes")
    await sim.slash("Bertil", "/mentor end")
    db = sim.running_bot.services.db
    for case, value in abuse(sim).items():
        await sim.advance(timedelta(minutes=1))  # stay under the per-member rate limit
        await sim.press("Bertil", f"mentoring:rate:{match_id}:4")
        before = await db.fetchval("SELECT comment FROM mentoring_feedback WHERE match_id = ?", (match_id,))
        step = await sim.submit("Bertil", {"comment": value})
        assert_harmless(step, "Bertil", f"comment/{case}")
        stored = await db.fetchval("SELECT comment FROM mentoring_feedback WHERE match_id = ?", (match_id,))
        if case == "long":
            assert "500" in step.last().text and stored == before  # refused whole, the old comment stays
        elif case in ("empty", "blank"):
            assert stored == before  # an empty comment keeps the earlier one
        elif case in ("bidi", "zero_width"):
            assert stored == "sv:3"
        else:
            assert stored == value.strip(), case
        await _assert_stored_clean(sim)
    assert await db.fetchval("SELECT value FROM mentoring_aggregates WHERE metric = 'rating_count'") == 1
    # Comments reach nobody: no message the bot sent to a channel or DM carries one.
    posted = [a for a in sim.actions if a.kind in ("message", "dm")]
    assert not [a for a in posted if "evil.example" in a.text or "```" in a.text]
    # Coordinators' totals never show them either.
    step = await sim.slash("Cora", "/match stats")
    assert "evil.example" not in step.last().text
    await sim.advance(timedelta(days=1))
