"""Events and the privacy register: a deleted member's place goes to the waiting list."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.db import Tx
from bot.core.i18n import Catalogs
from bot.core.privacy import PrivacySection
from bot.simulator import Simulator
from tests.helpers import events_simulator


@pytest.fixture
async def esim(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[Simulator]:
    """Capacity 1: Amal going; Bashir (DMs allowed) then Chen (no DMs allowed) on the waiting list."""
    async with events_simulator(tmp_path, catalogs) as sim:
        for name in ("Amal", "Bashir", "Chen"):
            await sim.join(name)
        await sim.running_bot.services.prefs.set_dm_allowed(sim.member("Bashir").id, True)
        step = await sim.slash("Bertil", '/event create title:"Sauna evening" date:2026-12-03 time:18:00 '
                                         'capacity:1 reminders:""')
        await sim.press("Bertil", "Save", message=sim.discord.messages[step.last().message_id])
        await sim.advance(timedelta(days=1, hours=6))
        for name in ("Amal", "Bashir", "Chen"):
            await sim.press(name, "events:rsvp:1:going")
        yield sim


async def statuses(sim: Simulator) -> dict[str, str]:
    rows = await sim.running_bot.services.db.fetchall("SELECT user_id, status FROM event_rsvps")
    names = {sim.member(n).id: n for n in ("Amal", "Bashir", "Chen")}
    return {names[r["user_id"]]: r["status"] for r in rows}


async def test_privacy_delete_of_someone_going_promotes_the_first_waiting_and_tells_them(esim: Simulator) -> None:
    await esim.slash("Amal", "/privacy delete")
    step = await esim.press("Amal", f"core:privacy-delete:{esim.member('Amal').id}")
    step.actions += (await esim.advance(timedelta(minutes=1))).actions
    assert await statuses(esim) == {"Bashir": "going", "Chen": "waiting"}
    dms = [a for a in esim.actions if a.kind == "dm"]
    assert [a.to for a in dms] == ["dm:Bashir"]
    assert "Sauna evening" in dms[0].text
    # The announcement shows the new counts; nobody is pinged, and the deleted member is not named.
    edit = [a for a in step.actions if a.kind == "edit" and a.to == "#announcements"][-1]
    assert [b["label"] for b in edit.buttons()][:3] == ["✅ Kommer · 1", "❔ Kanske · 0", "❌ Kan inte · 0"]
    assert "1 person på väntelistan" in edit.text
    assert not any(a.mentions or a.pinged_everyone for a in esim.actions)
    await esim.restart()
    await esim.advance(timedelta(hours=2))
    assert len([a for a in esim.actions if a.kind == "dm"]) == 1  # told once


async def test_the_next_promoted_without_dm_permission_gets_the_place_but_no_dm(esim: Simulator) -> None:
    privacy = esim.running_bot.services.privacy
    await privacy.delete(esim.member("Amal").id)  # what retention does for a member who left
    await esim.advance(timedelta(minutes=1))
    await privacy.delete(esim.member("Bashir").id)
    await esim.advance(timedelta(minutes=1))
    assert await statuses(esim) == {"Chen": "going"}
    assert [a.to for a in esim.actions if a.kind == "dm"] == ["dm:Bashir"]  # Chen did not allow DMs


async def test_deleting_someone_on_the_waiting_list_promotes_nobody(esim: Simulator) -> None:
    await esim.running_bot.services.privacy.delete(esim.member("Bashir").id)
    await esim.advance(timedelta(minutes=5))
    assert await statuses(esim) == {"Amal": "going", "Chen": "waiting"}
    assert [a for a in esim.actions if a.kind == "dm"] == []
    jobs = await esim.running_bot.services.db.fetchval(
        "SELECT COUNT(*) FROM scheduled_jobs WHERE kind IN ('events.refill', 'events.promoted')")
    assert jobs == 0


def _spy_on_wakeups(sim: Simulator) -> list[dict[str, str]]:
    """Record, at every wake-up request, the RSVPs another connection sees (committed data only)."""
    services = sim.running_bot.services
    original = services.jobs.on_change
    seen: list[dict[str, str]] = []
    names = {sim.member(n).id: n for n in ("Amal", "Bashir", "Chen")}

    async def spy() -> None:
        other = sqlite3.connect(str(services.db.path))
        try:
            rows = other.execute("SELECT user_id, status FROM event_rsvps").fetchall()
        finally:
            other.close()
        seen.append({names[user]: status for user, status in rows})
        if original is not None:
            await original()

    services.jobs.on_change = spy
    return seen


async def test_privacy_delete_wakes_the_scheduler_after_the_commit_and_the_place_moves_on_at_once(
        esim: Simulator) -> None:
    await esim.slash("Amal", "/privacy delete")
    seen = _spy_on_wakeups(esim)
    await esim.press("Amal", f"core:privacy-delete:{esim.member('Amal').id}")
    # The first wake-up already saw the deletion committed (the refill it wakes for can run).
    assert seen and seen[0] == {"Bashir": "waiting", "Chen": "waiting"}
    # Woken, not waiting for some later job: Bashir has the place without the clock moving.
    assert await statuses(esim) == {"Bashir": "going", "Chen": "waiting"}
    assert [a.to for a in esim.actions if a.kind == "dm"] == ["dm:Bashir"]


async def test_a_privacy_delete_that_rolls_back_wakes_nothing_and_keeps_the_place(esim: Simulator) -> None:
    async def broken(tx: Tx, user_id: int) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    async def nothing(tx: Tx, user_id: int) -> None:
        return None

    esim.running_bot.services.privacy.register(PrivacySection("zz-broken", "Broken", "", nothing, broken))
    await esim.slash("Amal", "/privacy delete")
    seen = _spy_on_wakeups(esim)
    step = await esim.press("Amal", f"core:privacy-delete:{esim.member('Amal').id}")
    assert "deleted" not in step.text  # Amal is not told her data is gone
    assert seen == []
    await esim.advance(timedelta(minutes=5))
    assert await statuses(esim) == {"Amal": "going", "Bashir": "waiting", "Chen": "waiting"}
    refills = await esim.running_bot.services.db.fetchval(
        "SELECT COUNT(*) FROM scheduled_jobs WHERE kind = 'events.refill'")
    assert refills == 0  # the planned refill went with the rollback
