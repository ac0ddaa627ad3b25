"""A member who leaves is forgotten after the retention period, unless they come back."""

from __future__ import annotations

from datetime import timedelta

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
