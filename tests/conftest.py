"""Shared fixtures: a fresh migrated database per test, and the local guild simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.db import Database
from bot.core.i18n import Catalogs
from bot.simulator import Simulator
from bot.simulator.discord_side import FakeDiscord

#: A Tuesday in Norsjö's winter (13:00 local time).
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The real catalogs, loaded once per test session."""
    return Catalogs.load()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh, migrated database file."""
    database = await Database.open(tmp_path / "test.sqlite3")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def sim(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[Simulator]:
    """The real bot in a simulated guild, at START, on a fresh database."""
    async with Simulator.running(tmp_path / "bot.sqlite3", start=START, catalogs=catalogs) as simulator:
        yield simulator


@pytest.fixture(scope="session")
def command_payload() -> list[dict]:
    """The application-command payload `multinations-bot commands` prints (built once)."""
    import asyncio

    from bot.cli import command_payload as build
    from bot.core.settings import Settings

    return asyncio.run(build(Settings()))


@pytest.fixture(autouse=True)
def discord_api_conformance() -> Iterator[list]:
    """Fails a test whose traffic broke Discord's API description (see bot/simulator/conformance.py).

    Every simulated Discord checks each request the bot sends and each answer it gives; a test that
    breaks the description on purpose takes its violations with `FakeDiscord.take_violations()`.
    """
    sink: list = []
    FakeDiscord.violation_sinks.append(sink)
    try:
        yield sink
    finally:
        FakeDiscord.violation_sinks.remove(sink)
    if sink:
        shown = "\n".join(f"  {v}" for v in sink[:20])
        more = f"\n  ... and {len(sink) - 20} more" if len(sink) > 20 else ""
        pytest.fail(f"the traffic broke Discord's API description {len(sink)} times:\n{shown}{more}", pytrace=False)
