"""Events: every privileged command and button tried by someone who may not use it.

A member without the organizer role, an organizer whose role was removed a moment ago, the same from
direct messages, and old buttons replayed for another member's record: refused politely in the
member's language, logged without names or typed text, and nothing changes in the database.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.i18n import Catalogs
from bot.simulator import Simulator
from tests.helpers import events_simulator

TABLES = ("events", "event_texts", "event_skips", "event_posts", "event_rsvps", "announcements",
          "announcement_texts", "scheduled_jobs")
SECRET = "Secret meeting of Zoltan"

#: Every privileged command, with options that would change something if it were allowed.
COMMANDS = [
    ("/event create", {"title": SECRET, "date": "2026-12-10", "time": "18:00"}),
    ("/event edit", {"event": "1", "title": SECRET}),
    ("/event cancel", {"event": "1"}),
    ("/event translate", {"event": "1", "language": "ar", "title": SECRET}),
    ("/event attendees", {"event": "1"}),
    ("/announce schedule", {"channel": "announcements", "date": "2026-12-10", "time": "18:00", "text": SECRET}),
    ("/announce translate", {"announcement": "1", "language": "ar", "text": SECRET}),
    ("/announce list", {}),
    ("/announce preview", {"announcement": "1"}),
    ("/announce cancel", {"announcement": "1"}),
]


@pytest.fixture
async def esim(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[Simulator]:
    """An event (1, posted, Amal going) and a free announcement (1), made by the organizer Bertil."""
    async with events_simulator(tmp_path, catalogs) as sim:
        await sim.join("Amal")
        await sim.join("Zoltan")
        step = await sim.slash("Bertil", '/event create title:"Language café" date:2026-12-03 time:18:00')
        await sim.press("Bertil", "Save", message=sim.discord.messages[step.last().message_id])
        await sim.slash("Bertil", '/announce schedule channel:announcements date:2026-12-20 time:12:00 text:"Fika"')
        await sim.advance(timedelta(days=1, hours=6))
        await sim.press("Amal", "events:rsvp:1:going")
        yield sim


async def snapshot(sim: Simulator) -> dict[str, list[tuple]]:
    db = sim.running_bot.services.db
    return {table: [tuple(r) for r in await db.fetchall(f"SELECT * FROM {table} ORDER BY rowid")]
            for table in TABLES}


def assert_private_logs(caplog: pytest.LogCaptureFixture) -> None:
    text = caplog.text
    for personal in ("Zoltan", "Amal", "Bertil", SECRET, "Language café"):
        assert personal not in text, personal


@pytest.mark.parametrize(("line", "options"), COMMANDS, ids=[c[0] for c in COMMANDS])
async def test_a_member_without_the_role_is_refused(esim: Simulator, caplog: pytest.LogCaptureFixture,
                                                   line: str, options: dict) -> None:
    before = await snapshot(esim)
    caplog.set_level(logging.DEBUG)
    step = await esim.slash("Zoltan", line, options=options, locale="sv-SE")
    reply = step.actions[-1]
    assert reply.visible_to == "Zoltan"
    assert "Tyvärr kan bara arrangörer" in reply.text  # "Sorry, only organizers can do this", in Swedish
    assert await snapshot(esim) == before
    assert_private_logs(caplog)


@pytest.mark.parametrize(("line", "options"), COMMANDS, ids=[c[0] for c in COMMANDS])
async def test_an_organizer_whose_role_was_just_removed_is_refused(
        esim: Simulator, caplog: pytest.LogCaptureFixture, line: str, options: dict) -> None:
    await esim.grant("Zoltan", "organizer")
    await esim.revoke("Zoltan", "organizer")
    before = await snapshot(esim)
    caplog.set_level(logging.DEBUG)
    step = await esim.slash("Zoltan", line, options=options)
    assert "only organizers" in step.actions[-1].text
    assert step.actions[-1].visible_to == "Zoltan"
    assert await snapshot(esim) == before
    assert_private_logs(caplog)


@pytest.mark.parametrize(("line", "options"), COMMANDS, ids=[c[0] for c in COMMANDS])
async def test_from_direct_messages_even_an_organizer_is_told_to_use_the_server(
        esim: Simulator, caplog: pytest.LogCaptureFixture, line: str, options: dict) -> None:
    if "channel" in options:
        options = {k: v for k, v in options.items() if k != "channel"}
        options["channel"] = "announcements"
    before = await snapshot(esim)
    caplog.set_level(logging.DEBUG)
    step = await esim.slash("Bertil", line, options=options, channel="dm")
    assert "only works in the server" in step.actions[-1].text
    assert await snapshot(esim) == before
    assert_private_logs(caplog)


async def test_save_and_discard_of_another_organizers_draft_are_refused(
        esim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    step = await esim.slash("Bertil", '/event create title:"Sauna evening" date:2026-12-05 time:18:00')
    preview = esim.discord.messages[step.last().message_id]
    draft_id = int(re.search(r"events:save:(\d+)", str(preview.components))[1])
    await esim.grant("Zoltan", "organizer")
    before = await snapshot(esim)
    caplog.set_level(logging.DEBUG)
    for action in ("save", "discard"):
        # Zoltan replays the custom id of Bertil's preview (e.g. copied from an old message).
        step = await esim.press("Zoltan", f"events:{action}:{draft_id}", message=preview)
        assert "Only the organizer who made this draft" in step.last().text
        assert step.last().visible_to == "Zoltan"
    assert await snapshot(esim) == before
    await esim.revoke("Zoltan", "organizer")
    step = await esim.press("Zoltan", f"events:save:{draft_id}", message=preview)
    assert "only organizers" in step.last().text
    await esim.revoke("Bertil", "organizer")  # even the author, once the role is gone
    step = await esim.press("Bertil", "Save", message=preview)
    assert "only organizers" in step.last().text
    assert await snapshot(esim) == before
    assert_private_logs(caplog)


async def test_post_now_and_skip_are_for_organizers_of_this_guild_only(
        esim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    esim.discord.channel_named("announcements").bot_can_send = False
    await esim.slash("Bertil", '/event create title:"Sauna evening" date:2026-12-05 time:18:00')
    await esim.press("Bertil", "Save")
    await esim.advance(timedelta(days=3))
    [note] = [a for a in esim.sent_to("#organizers") if a.buttons()]
    message = esim.discord.messages[note.message_id]
    before = await snapshot(esim)
    caplog.set_level(logging.DEBUG)
    for label in ("Publicera nu", "Hoppa över"):
        step = await esim.press("Zoltan", label, message=message)
        assert "only organizers" in step.last().text
    await esim.grant("Zoltan", "organizer")
    await esim.revoke("Zoltan", "organizer")
    step = await esim.press("Zoltan", "Publicera nu", message=message)
    assert "only organizers" in step.last().text
    assert await snapshot(esim) == before
    assert_private_logs(caplog)


async def test_an_rsvp_button_replayed_on_another_events_post_changes_nothing(
        esim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    await esim.slash("Bertil", '/event create title:"Sauna evening" date:2026-12-03 time:20:00')
    await esim.press("Bertil", "Save")
    await esim.advance(timedelta(minutes=1))  # the second event's post (due already) goes out
    first = next(a for a in esim.actions if a.kind == "message" and "Language café" in a.text)
    second = [a for a in esim.actions if a.kind == "message" and "Sauna evening" in a.text][-1]
    before = await snapshot(esim)
    caplog.set_level(logging.DEBUG)
    # A crafted press: the first post's button id, sent from the second post's message.
    forged = dataclasses.replace(esim.discord.messages[second.message_id],
                                 components=esim.discord.messages[first.message_id].components)
    step = await esim.press("Zoltan", "events:rsvp:1:cant", message=forged)
    assert "does not belong to this message" in step.last().text
    assert step.last().visible_to == "Zoltan"
    assert await snapshot(esim) == before
    assert_private_logs(caplog)
