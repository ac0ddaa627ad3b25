"""Killing the process at every write of a multi-step action: after a restart the data is
consistent and the member can carry on. Feature-specific crash tests live beside this one."""

from __future__ import annotations

from pathlib import Path

from bot.simulator import Simulator
from tests.conftest import START


async def _scenario(tmp_path: Path, catalogs, crash_at: int | None) -> tuple[Simulator, int]:
    sim = Simulator(tmp_path / f"bot-{crash_at}.db", start=START, catalogs=catalogs)
    await sim.start()
    await sim.join("Amal")
    await sim.slash("Amal", "/language")
    switch = sim.arm_crash(crash_at)
    await sim.pick("Amal", ["ar"])
    return sim, switch.count


async def test_a_kill_at_any_write_of_a_language_choice_loses_nothing_committed(tmp_path: Path, catalogs) -> None:
    sim, writes = await _scenario(tmp_path, catalogs, None)
    await sim.close()
    assert writes >= 1
    for point in range(1, writes + 1):
        sim, _ = await _scenario(tmp_path, catalogs, point)
        try:
            await sim.recover()
            db = sim.running_bot.services.db
            assert await db.check() == []
            stored = await sim.running_bot.services.prefs.language(sim.member("Amal").id)
            assert stored in (None, "ar")  # all or nothing
            await sim.slash("Amal", "/language")
            await sim.pick("Amal", ["ar"])  # the member can simply do it again
            assert await sim.running_bot.services.prefs.language(sim.member("Amal").id) == "ar"
        finally:
            await sim.close()
