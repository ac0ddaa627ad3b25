"""Events: hostile and broken texts in everything an organizer or member can type.

Event title, description and place, the translated title and description, and `/announce` texts are
tried with mentions, markdown, links, bidi overrides, zero-width characters, 10,000 characters,
empty, whitespace, emoji and mixed scripts. Nothing pings anyone, markdown and mentions reach other
readers escaped, invisible tricks are removed before storing, over-long text gets a translated
message naming the limit, and a refused text stores nothing.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.i18n import Catalogs
from bot.simulator import Simulator
from tests.helpers import events_simulator

INVISIBLE = ("\u202e", "\u202d", "\u2066", "\u200b", "\u2060", "\ufeff")
#: discord.py escapes a mention by putting a zero-width space after "@", so shown text may have that one.
SHOWN_INVISIBLE = ("\u202e", "\u202d", "\u2066", "\u2060", "\ufeff")

#: (name, text, what must not survive as-is in anything shown to others)
HOSTILE = [
    ("everyone", "Fika @everyone and @here", None),
    ("role mention", "Fika for <@&1234567890123456789> only", None),
    ("user mention", "Ask <@1300000000000000002> at the door", None),
    ("markdown", "**Big** __party__ ~~not~~ ||secret|| # heading", None),
    ("code fence", "```\nunclosed fence", None),
    ("link", "[click me](https://evil.invalid) https://evil.invalid", None),
    ("bidi override", "Caf\u202eé gnitteem\u202c", "\u202e"),
    ("zero width", "Fi\u200bka\u2060 evening\ufeff", "\u200b"),
    ("emoji only", "🎉🎉☕", None),
    ("mixed scripts", "Språkcafé مقهى اللغة Мовне кафе भाषा", None),
]


@pytest.fixture
async def esim(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[Simulator]:
    async with events_simulator(tmp_path, catalogs) as sim:
        await sim.join("Amal")
        await sim.running_bot.services.prefs.set_dm_allowed(sim.member("Amal").id, True)
        yield sim


def assert_harmless(sim: Simulator) -> None:
    """No action pinged anyone; no invisible trick characters reached Discord."""
    for action in sim.actions:
        assert not action.pinged_everyone, action
        assert action.mentions == [], action
        for char in SHOWN_INVISIBLE:
            assert char not in action.text, (action.kind, repr(char))


def escaped(text: str) -> bool:
    """Markdown and mention characters written by a member show up escaped (or not at all)."""
    for raw in ("**Big**", "```", "@everyone", "@here", "<@&", "<@1300000000000000002>", "||secret||", "__party__"):
        if raw in text:
            return False
    return "[click me]" not in text.replace("\\[click me]", "")


async def count(sim: Simulator, table: str) -> int:
    return await sim.running_bot.services.db.fetchval(f"SELECT COUNT(*) FROM {table}")


@pytest.mark.parametrize(("name", "text", "_"), HOSTILE, ids=[h[0] for h in HOSTILE])
async def test_hostile_event_texts_reach_readers_escaped_and_ping_nobody(
        esim: Simulator, caplog: pytest.LogCaptureFixture, name: str, text: str, _: str | None) -> None:
    caplog.set_level(logging.INFO)  # as in production (discord.py's DEBUG lines echo request bodies)
    step = await esim.slash("Bertil", "/event create", options={
        "title": text, "description": f"{text}\n{text}", "place": text, "date": "2026-12-03", "time": "18:00",
        "capacity": "1", "reminders": "1h"})
    await esim.press("Bertil", "Save", message=esim.discord.messages[step.last().message_id])
    await esim.slash("Bertil", "/event translate", options={"event": "1", "language": "ar", "title": text,
                                                            "description": text})
    stored = await esim.running_bot.services.db.fetchone("SELECT title, description, place FROM events")
    for value in stored:
        assert not any(char in value for char in INVISIBLE)
    await esim.advance(timedelta(days=1, hours=6))  # posted
    await esim.press("Amal", "events:rsvp:1:going")
    await esim.slash("Amal", "/event list")
    await esim.slash("Amal", "/event show", options={"event": "1"})
    await esim.slash("Amal", "/event mine")
    await esim.slash("Bertil", "/event attendees", options={"event": "1"})
    await esim.advance(timedelta(hours=23))  # the 1-hour reminder DM
    reminder = [a for a in esim.actions if a.kind == "dm" and a.to == "dm:Amal"]
    assert reminder, "the reminder was sent"
    await esim.slash("Bertil", "/event cancel", options={"event": "1"})
    shown = [a for a in esim.actions if a.kind in ("message", "dm", "edit", "followup", "interaction_response")]
    assert shown
    for action in shown:
        assert escaped(action.text), (name, action.kind, action.text)
    assert_harmless(esim)
    assert text not in caplog.text and "Amal" not in caplog.text  # logs carry ids, never typed text or names


@pytest.mark.parametrize(("name", "text", "_"), HOSTILE, ids=[h[0] for h in HOSTILE])
async def test_hostile_announcement_texts_are_posted_escaped(esim: Simulator, name: str, text: str,
                                                            _: str | None) -> None:
    await esim.slash("Bertil", "/announce schedule", options={
        "channel": "announcements", "date": "2026-12-02", "time": "18:00", "text": text})
    await esim.slash("Bertil", "/announce translate", options={"announcement": "1", "language": "ar", "text": text})
    await esim.slash("Bertil", "/announce list")
    await esim.slash("Bertil", "/announce preview", options={"announcement": "1"})
    await esim.advance(timedelta(days=2))
    [post] = [a for a in esim.actions if a.kind == "message" and a.to == "#announcements"]
    assert escaped(post.text), post.text
    for action in esim.actions:
        assert escaped(action.text), (action.kind, action.text)
    assert_harmless(esim)


@pytest.mark.parametrize(("option", "limit"), [("title", 100), ("description", 1500), ("place", 100)])
async def test_ten_thousand_characters_get_the_limit_in_the_members_language_and_store_nothing(
        esim: Simulator, option: str, limit: int) -> None:
    options = {"title": "Fika", "date": "2026-12-03", "time": "18:00", option: "x" * 10_000}
    step = await esim.slash("Bertil", "/event create", options=options, locale="sv-SE")
    reply = step.actions[-1]
    assert reply.visible_to == "Bertil"
    assert f"högst {limit} tecken" in reply.text and "10000" in reply.text.replace("\u00a0", "").replace(" ", "")
    assert await count(esim, "events") == 0
    assert not reply.buttons()


async def test_over_long_translation_and_edit_change_nothing(esim: Simulator) -> None:
    step = await esim.slash("Bertil", '/event create title:"Fika" date:2026-12-03 time:18:00')
    await esim.press("Bertil", "Save", message=esim.discord.messages[step.last().message_id])
    before = await esim.running_bot.services.db.fetchall("SELECT * FROM events")
    step = await esim.slash("Bertil", "/event translate", options={"event": "1", "language": "ar",
                                                                   "title": "y" * 10_000})
    assert "100" in step.actions[-1].text
    step = await esim.slash("Bertil", "/event translate", options={"event": "1", "language": "ar",
                                                                   "title": "ok", "description": "y" * 10_000})
    assert "1500" in step.actions[-1].text
    assert await count(esim, "event_texts") == 0
    step = await esim.slash("Bertil", "/event edit", options={"event": "1", "title": "z" * 10_000})
    assert "100" in step.actions[-1].text
    assert [tuple(r) for r in await esim.running_bot.services.db.fetchall("SELECT * FROM events")] == \
        [tuple(r) for r in before]


@pytest.mark.parametrize("text", ["", "   ", "\u200b\u200b", "\u202e"])
async def test_an_empty_or_invisible_title_is_refused_politely(esim: Simulator, text: str) -> None:
    step = await esim.slash("Bertil", "/event create", options={"title": text, "date": "2026-12-03",
                                                               "time": "18:00"})
    assert "Please write something in the title" in step.actions[-1].text
    assert await count(esim, "events") == 0


async def test_announcement_limits_and_empty_text(esim: Simulator) -> None:
    base = {"channel": "announcements", "date": "2026-12-02", "time": "18:00"}
    step = await esim.slash("Bertil", "/announce schedule", options={**base, "text": "a" * 10_000}, locale="de")
    assert "höchstens 1800 Zeichen" in step.actions[-1].text
    step = await esim.slash("Bertil", "/announce schedule", options={**base, "text": " \u200b "})
    assert "Please write something" in step.actions[-1].text
    assert await count(esim, "announcements") == 0
    await esim.slash("Bertil", "/announce schedule", options={**base, "text": "Fika"})
    step = await esim.slash("Bertil", "/announce translate", options={"announcement": "1", "language": "ar",
                                                                      "text": "b" * 10_000})
    assert "1800" in step.actions[-1].text
    assert await count(esim, "announcement_texts") == 1
