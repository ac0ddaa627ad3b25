"""Small helpers shared by the simulator tests (events, FAQ)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from bot.core.db import Database
from bot.core.i18n import Catalogs
from bot.features.faq.service import FaqService
from bot.simulator import Simulator
from tests.conftest import START

EVENTS_EXTENSIONS = ["cogs.core", "cogs.events"]


@contextlib.asynccontextmanager
async def events_simulator(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[Simulator]:
    """The bot with only the core and events, on 1 December 2026, with Bertil as organizer."""
    async with Simulator.running(tmp_path / "bot.sqlite3", start=START, catalogs=catalogs,
                                 extensions=EVENTS_EXTENSIONS) as sim:
        await organizer(sim)
        yield sim


async def organizer(sim: Simulator, name: str = "Bertil") -> None:
    """A member who joins and is given the organizer role."""
    await sim.join(name)
    await sim.grant(name, "organizer")


async def create(sim: Simulator, line: str, who: str = "Bertil") -> int:
    """`/event create <line>` then Save; returns the event's id."""
    step = await sim.slash(who, "/event create " + line)
    preview = step.last("interaction_response")
    assert preview.visible_to == who, preview.text
    step = await sim.press(who, "Save", message=sim.discord.messages[preview.message_id])
    match = re.search(r"event (\d+)", step.last("edit").text)
    assert match, step.text
    return int(match[1])


async def allow_dms(sim: Simulator, *names: str) -> None:
    """These members allow the bot's direct messages."""
    for name in names:
        await sim.running_bot.services.prefs.set_dm_allowed(sim.member(name).id, True)


def posts(sim: Simulator, channel: str = "#announcements") -> list:
    """The bot's messages in a channel, oldest first."""
    return [a for a in sim.actions if a.to == channel and a.kind == "message"]


def faq(sim: Simulator) -> FaqService:
    """The running bot's FAQ service."""
    service = sim.running_bot.services.capabilities["faq"]
    assert isinstance(service, FaqService)
    return service


async def pause(sim: Simulator) -> None:
    """A person's pace between presses (the per-member rate limit refuses scripts)."""
    await sim.advance(timedelta(seconds=2))


async def untranslated(service: FaqService, db: Database, slug: str, *languages: str) -> None:
    """Take the question and answer of `slug` away in `languages` (its search words stay): the state
    before a translator wrote them, whatever the shipped starter set covers by now."""
    entry = service.get(slug)
    for language in languages:
        await db.execute("UPDATE faq_texts SET question = '', answer = '' WHERE entry_id = ? AND language = ?",
                         (entry.id, language))
    await service.load()
