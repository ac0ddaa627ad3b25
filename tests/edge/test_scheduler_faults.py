"""The scheduler survives a locked database and a failing disk: it tries again by itself (with a
growing delay), logs the fault without personal data, and posts what fell due once, on time or
within its grace window, without a member having to do anything."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.db import DiskFault
from bot.core.i18n import Catalogs
from bot.simulator import Simulator
from tests.conftest import START
from tests.helpers import EVENTS_EXTENSIONS, create, organizer, posts
from tests.locking import HeldLock

#: The announcement of an event on 3 December at 18:00 is due on 2 December at 18:00 Norsjö time.
DUE = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)


@pytest.fixture
async def esim(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[Simulator]:
    """Events only; a short busy timeout keeps each refused try quick (the length does not matter)."""
    async with Simulator.running(tmp_path / "bot.sqlite3", start=START, catalogs=catalogs,
                                 extensions=EVENTS_EXTENSIONS, busy_timeout_ms=50) as sim:
        await organizer(sim)
        await create(sim, 'title:"Language café" date:2026-12-03 time:18:00 place:Library reminders:""')
        await sim.advance_to(DUE - timedelta(minutes=1))
        assert posts(sim) == []
        yield sim


async def announce_state(sim: Simulator) -> str:
    return await sim.running_bot.services.db.fetchval(
        "SELECT state FROM scheduled_jobs WHERE kind = 'events.announce'")


async def test_an_announcement_due_while_another_program_holds_the_database_goes_out_by_itself(
    esim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with HeldLock(esim.database_path) as other:  # a real second process, far longer than the busy timeout
        await esim.advance_to(DUE + timedelta(minutes=2))
        assert posts(esim) == []
        assert await announce_state(esim) == "pending"  # not missed, not lost
        waker = esim.running_bot.services.waker
        assert waker.failures >= 3 and waker.retry_at is not None and waker.retry_at > esim.now
        # Tries 5, 10, 20, 40 s apart, capped at a minute: re-armed every time.
        assert esim.running_bot.services.waker.scheduler.get_job(waker.JOB_ID) is not None
        other.release()
    # Nobody does anything: the next try finds the database free.
    await esim.advance(timedelta(minutes=1))
    [post] = posts(esim)
    assert "Language café" in post.text
    assert await announce_state(esim) == "done"
    assert esim.running_bot.services.waker.retry_at is None
    await esim.advance(timedelta(days=2))
    assert len(posts(esim)) == 1  # once
    faults = [r.getMessage() for r in caplog.records if "scheduled work could not run" in r.getMessage()]
    assert faults and all("storage locked" in line and "incident" in line for line in faults)
    assert any("working again" in r.getMessage() for r in caplog.records)
    assert "Language café" not in caplog.text and "Library" not in caplog.text


async def test_an_announcement_due_while_the_disk_fails_goes_out_when_it_works_again(
    esim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    db = esim.running_bot.services.db
    fault = DiskFault("disk I/O error")
    db.crash_switch = fault
    await esim.advance_to(DUE + timedelta(minutes=10))
    assert posts(esim) == []
    assert fault.refused >= 5
    assert "storage io" in caplog.text
    fault.failing = False  # space freed, the disk replaced
    await esim.advance(timedelta(minutes=1))
    assert len(posts(esim)) == 1
    assert await announce_state(esim) == "done"


async def test_a_fault_longer_than_the_grace_window_is_reported_as_missed_once_it_clears(esim: Simulator) -> None:
    fault = DiskFault("database or disk is full")
    esim.running_bot.services.db.crash_switch = fault
    await esim.advance_to(DUE + timedelta(hours=2))  # the announcement's grace is 30 minutes
    fault.failing = False
    await esim.advance(timedelta(minutes=1))
    assert posts(esim) == []
    assert await announce_state(esim) == "missed"  # the organizers hear about it, as after downtime


async def test_members_are_served_while_the_scheduler_backs_off(esim: Simulator) -> None:
    fault = DiskFault("disk I/O error")
    esim.running_bot.services.db.crash_switch = fault
    await esim.advance_to(DUE + timedelta(minutes=1))
    await esim.join("Amal")
    step = await esim.slash("Amal", "/event list")
    assert "Language café" in step.text  # reading works while the disk refuses writes
    fault.failing = False
    await esim.advance(timedelta(minutes=1))
    assert len(posts(esim)) == 1
