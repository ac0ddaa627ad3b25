"""A member who leaves is forgotten after the retention period, unless they come back."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.core.db import Tx
from bot.core.privacy import PrivacySection
from bot.simulator import Simulator


async def _language(sim: Simulator, name: str) -> str | None:
    return await sim.running_bot.services.db.fetchval(
        "SELECT language FROM member_prefs WHERE user_id = ?", (sim.member(name).id,)
    )


async def test_data_of_a_member_who_left_is_deleted_after_thirty_days(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.slash("Amal", "/language")
    await sim.pick("Amal", ["ar"])
    await sim.leave("Amal")
    await sim.advance(timedelta(days=29))
    assert await _language(sim, "Amal") == "ar"
    await sim.restart()  # the plan survives a restart
    await sim.advance(timedelta(days=2))
    assert await _language(sim, "Amal") is None


async def test_a_member_who_comes_back_in_time_keeps_everything(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.slash("Amal", "/language")
    await sim.pick("Amal", ["ar"])
    await sim.leave("Amal")
    await sim.advance(timedelta(days=10))
    await sim.join("Amal")
    await sim.advance(timedelta(days=40))
    assert await _language(sim, "Amal") == "ar"


async def test_forgetting_a_departed_member_runs_the_after_delete_steps_after_the_commit(sim: Simulator) -> None:
    services = sim.running_bot.services
    seen: list[tuple[int, str | None]] = []

    async def nothing(tx: Tx, user_id: int) -> None:
        return None

    async def after_delete(user_id: int) -> None:
        other = sqlite3.connect(str(services.db.path))
        try:
            row = other.execute("SELECT language FROM member_prefs WHERE user_id = ?", (user_id,)).fetchone()
        finally:
            other.close()
        seen.append((user_id, None if row is None else row[0]))

    services.privacy.register(PrivacySection("probe", "Probe", "", nothing, nothing, after_delete=after_delete))
    await sim.join("Amal")
    await sim.slash("Amal", "/language")
    await sim.pick("Amal", ["ar"])
    await sim.leave("Amal")
    await sim.advance(timedelta(days=29))
    assert seen == []
    await sim.advance(timedelta(days=2))
    assert seen == [(sim.member("Amal").id, None)]  # once, with the deletion already committed
    assert await services.prefs.language(sim.member("Amal").id) is None
