"""A kill at any write of `/welcome setup` stores the whole setup or none of it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID
from tests.conftest import START

SETUP = {"language": "en", "welcome_text": "Welcome to our forum!", "areas": "Norsjö centrum, Bastuträsk, Kusfors"}


async def _setup_killed_at(tmp_path: Path, catalogs, point: int | None) -> tuple[Simulator, int]:
    sim = Simulator(tmp_path / f"bot-{point}.db", start=START, catalogs=catalogs,
                    extensions=["cogs.core", "cogs.onboarding"])
    await sim.start()
    await sim.join("Olle")
    await sim.grant("Olle", "organizer")
    await sim.advance(timedelta(seconds=10))
    switch = sim.arm_crash(point)
    await sim.slash("Olle", "/welcome setup", options=SETUP)
    return sim, switch.count


async def _stored(sim: Simulator) -> tuple[object, object]:
    config = sim.running_bot.services.guild_config
    return (await config.get(GUILD_ID, "onboarding.welcome_text"), await config.get(GUILD_ID, "onboarding.areas"))


async def test_a_kill_at_any_write_of_a_setup_keeps_all_of_it_or_none(tmp_path: Path, catalogs) -> None:
    sim, writes = await _setup_killed_at(tmp_path, catalogs, None)
    try:
        text, areas = await _stored(sim)
        assert text and areas  # the setup itself works
    finally:
        await sim.close()
    assert writes >= 1
    for point in range(1, writes + 1):
        sim, _ = await _setup_killed_at(tmp_path, catalogs, point)
        try:
            await sim.recover()
            text, areas = await _stored(sim)
            assert (text is None) == (areas is None), f"half a setup stored after a kill at write {point}"
            assert await sim.running_bot.services.db.check() == []
        finally:
            await sim.close()
