"""SIGTERM to the real `cmd_run` while scheduled work is on the wire, in this process.

`MultinationsBot.start` is replaced by the simulator's login and READY (no gateway); everything else
is the real `multinations-bot run`: its services, its signal handlers and its shutdown.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.core.i18n import Catalogs
from bot.edge.client import MultinationsBot
from bot.simulator import Simulator
from tests.conftest import START

TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAx.GabcDE.abcdefghijklmnopqrstuvwxyz012345"
# How long a request to Discord is on its way (real time, Discord's side of the wire).
WIRE_TIME = 0.2


async def run_until_sigterm(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, act: Callable[[Simulator], Awaitable[None]]
) -> int:
    """`cmd_run` with the simulated guild as Discord; `act` runs once the bot is ready and sends the signal."""
    ready = asyncio.Event()

    async def start(self: MultinationsBot, token: str, *, reconnect: bool = True) -> None:
        await sim.attach(self)
        ready.set()
        while not self.is_closed():  # as the gateway loop, until the bot is closed
            await asyncio.sleep(0.01)

    monkeypatch.setattr(MultinationsBot, "start", start)
    sim.set_time(sim.now)  # the simulated clock, not yet started by `sim.start`
    run = asyncio.create_task(cli.cmd_run(argparse.Namespace(), sim.settings.with_overrides(discord_token=TOKEN)))
    await asyncio.wait_for(ready.wait(), timeout=30)
    await act(sim)
    code = await asyncio.wait_for(run, timeout=30)
    sim.bot, sim.services = None, None  # stopped by `cmd_run`; the next `sim.start()` is the restart
    return code


async def plan_event(sim: Simulator) -> None:
    await sim.join("Bertil")
    await sim.grant("Bertil", "organizer")
    step = await sim.slash("Bertil", '/event create title:"Sauna evening" date:2026-12-03 time:18:00 reminders:""')
    await sim.press("Bertil", "Save", message=sim.discord.messages[step.last().message_id])


async def test_an_announcement_on_the_wire_at_sigterm_is_posted_once_and_recorded(
        tmp_path: Path, catalogs: Catalogs, monkeypatch: pytest.MonkeyPatch) -> None:
    sim = Simulator(tmp_path / "bot.sqlite3", start=START, catalogs=catalogs)
    answer = sim.discord.handle

    async def announce_then_sigterm(sim: Simulator) -> None:
        await plan_event(sim)
        services = sim.running_bot.services
        due = await services.jobs.next_of_kind("events.announce")
        assert due is not None
        announcements = f"/channels/{sim.discord.channel_named('announcements').id}/messages"
        on_the_wire = asyncio.Event()

        async def slow_discord(method: str, url: str, kwargs: dict[str, Any]) -> Any:
            if method == "POST" and url.endswith(announcements):
                on_the_wire.set()
                await asyncio.sleep(WIRE_TIME)
            return await answer(method, url, kwargs)

        sim.discord.handle = slow_discord  # type: ignore[method-assign]
        sim.set_time(due)
        services.waker.wakeup()  # the scheduler's own wake-up at the due time
        await asyncio.wait_for(on_the_wire.wait(), timeout=30)
        os.kill(os.getpid(), signal.SIGTERM)

    try:
        assert await run_until_sigterm(sim, monkeypatch, announce_then_sigterm) == 0
        sim.discord.handle = answer  # type: ignore[method-assign]
        await sim.start()
        await sim.advance(timedelta(minutes=5))
        posts = [a for a in sim.sent_to("#announcements") if a.kind == "message"]
        assert len(posts) == 1 and "Sauna evening" in posts[0].text
        db = sim.running_bot.services.db
        assert await db.fetchval("SELECT state FROM scheduled_jobs WHERE kind = 'events.announce'") == "done"
        assert await db.fetchval("SELECT message_id FROM event_posts") == posts[0].message_id
    finally:
        await sim.close()


async def test_after_cmd_run_returns_sigterm_means_sigterm_again(
        tmp_path: Path, catalogs: Catalogs, monkeypatch: pytest.MonkeyPatch) -> None:
    sim = Simulator(tmp_path / "bot.sqlite3", start=START, catalogs=catalogs)

    async def sigterm(sim: Simulator) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    try:
        assert await run_until_sigterm(sim, monkeypatch, sigterm) == 0
        # The handlers are gone: a stopped process that is sent SIGTERM ends, instead of ignoring it.
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert sim.database_path.exists()
    finally:
        await sim.close()
