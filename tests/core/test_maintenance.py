"""Scheduled backups run on the driven clock and produce restorable copies."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.core.db import Database
from bot.simulator import Simulator
from bot.simulator.harness import simulator_settings
from tests.conftest import START


async def test_backups_run_on_schedule_and_restore(tmp_path: Path, catalogs) -> None:
    sim = Simulator(tmp_path / "bot.db", start=START, catalogs=catalogs)
    sim.settings = simulator_settings(sim.discord, tmp_path / "bot.db", backup_dir=tmp_path / "backups",
                                      backup_interval_hours=24)
    try:
        await sim.start()
        await sim.join("Amal")
        await sim.slash("Amal", "/language")
        await sim.pick("Amal", ["ti"])
        await sim.advance(timedelta(days=2, hours=1))
    finally:
        await sim.close()
    backups = sorted((tmp_path / "backups").glob("*.sqlite3"))
    assert len(backups) == 2
    restored = await Database.open(backups[-1])
    try:
        assert await restored.fetchval("SELECT language FROM member_prefs") == "ti"
    finally:
        await restored.close()
