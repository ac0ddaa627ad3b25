"""The durable job queue: plans in the database, runs once, survives crashes and downtime."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.clock import FixedClock
from bot.core.db import Database, DiskFault
from bot.core.jobs import Job, JobQueue, RetryLater, Waker

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def queue(db: Database, clock: FixedClock) -> tuple[JobQueue, list[str]]:
    jobs = JobQueue(db, clock, default_grace=timedelta(minutes=30))
    ran: list[str] = []

    async def handler(job: Job) -> None:
        ran.append(job.key)

    jobs.register("test", handler)
    return jobs, ran


async def test_a_job_runs_when_due_and_only_once(db: Database) -> None:
    clock = FixedClock(T0)
    jobs, ran = queue(db, clock)
    await jobs.schedule("test", "a", T0 + timedelta(hours=1))
    await jobs.run_due()
    assert ran == []
    clock.set(T0 + timedelta(hours=1))
    await asyncio.gather(jobs.run_due(), jobs.run_due())
    await jobs.run_due()
    assert ran == ["a"]
    assert await jobs.state_of("a") == "done"


async def test_planning_the_same_key_again_moves_it_but_never_repeats_a_done_job(db: Database) -> None:
    clock = FixedClock(T0)
    jobs, ran = queue(db, clock)
    await jobs.schedule("test", "a", T0 + timedelta(hours=1))
    await jobs.schedule("test", "a", T0 + timedelta(hours=2))
    clock.set(T0 + timedelta(hours=1, minutes=30))
    await jobs.run_due()
    assert ran == []
    clock.set(T0 + timedelta(hours=2))
    await jobs.run_due()
    await jobs.schedule("test", "a", T0 + timedelta(hours=3))
    clock.set(T0 + timedelta(hours=3))
    await jobs.run_due()
    assert ran == ["a"]


async def test_what_a_job_writes_is_on_the_disk_before_it_goes_on(db: Database) -> None:
    """A job tells Discord something; its writes commit with a full sync, so a power cut cannot
    undo a "sent" mark and make it send again. Interactions outside jobs commit at normal speed."""
    clock = FixedClock(T0)
    jobs = JobQueue(db, clock, default_grace=timedelta(minutes=30))
    levels: list[int] = []

    async def sending(job: Job) -> None:
        async with db.transaction() as tx:
            levels.append(await tx.fetchval("PRAGMA synchronous"))

    jobs.register("send", sending)
    await jobs.schedule("send", "a", T0)
    await jobs.run_due()
    async with db.transaction() as tx:
        levels.append(await tx.fetchval("PRAGMA synchronous"))
    assert levels == [2, 1]  # FULL inside the job, NORMAL outside


async def test_late_within_grace_runs_marked_late_and_older_is_missed(db: Database) -> None:
    clock = FixedClock(T0)
    jobs = JobQueue(db, clock, default_grace=timedelta(minutes=30))
    seen: list[tuple[str, bool]] = []
    missed: list[str] = []

    async def handler(job: Job) -> None:
        seen.append((job.key, job.late))

    async def on_missed(job: Job) -> None:
        missed.append(job.key)

    jobs.register("post", handler, on_missed=on_missed)
    await jobs.schedule("post", "recent", T0 - timedelta(minutes=10))
    await jobs.schedule("post", "old", T0 - timedelta(hours=2))
    await jobs.run_due()
    assert seen == [("recent", True)]
    assert missed == ["old"]
    assert await jobs.state_of("old") == "missed"


async def test_a_crash_after_the_claim_is_reconciled_at_start(db: Database) -> None:
    clock = FixedClock(T0)
    jobs, _ = queue(db, clock)
    await jobs.schedule("test", "a", T0)
    # The process died right after claiming the row.
    await db.execute("UPDATE scheduled_jobs SET state = 'claimed' WHERE key = 'a'")
    restarted, ran_after = queue(db, clock)
    assert await restarted.reconcile() == 1
    await restarted.run_due()
    assert ran_after == ["a"]


async def test_retry_later_reschedules_and_gives_up_after_max_attempts(db: Database) -> None:
    clock = FixedClock(T0)
    jobs = JobQueue(db, clock, default_grace=timedelta(minutes=30))
    attempts: list[int] = []

    async def flaky(job: Job) -> None:
        attempts.append(job.attempts)
        raise RetryLater(timedelta(minutes=1), "discord unavailable")

    jobs.register("flaky", flaky, max_attempts=3)
    await jobs.schedule("flaky", "f", T0)
    for minute in range(5):
        clock.set(T0 + timedelta(minutes=minute))
        await jobs.run_due()
    assert attempts == [1, 2, 3]
    assert await jobs.state_of("f") == "failed"


async def test_a_failing_handler_does_not_stop_the_others(db: Database) -> None:
    clock = FixedClock(T0)
    jobs, ran = queue(db, clock)

    async def broken(job: Job) -> None:
        raise ValueError("bug")

    jobs.register("broken", broken)
    await jobs.schedule("broken", "x", T0)
    await jobs.schedule("test", "y", T0)
    report = await jobs.run_due()
    assert ran == ["y"]
    assert report.failed == 1
    assert await jobs.state_of("x") == "failed"


async def test_cancel_by_prefix(db: Database) -> None:
    clock = FixedClock(T0)
    jobs, ran = queue(db, clock)
    await jobs.schedule("test", "event:1:a", T0)
    await jobs.schedule("test", "event:1:b", T0)
    await jobs.schedule("test", "event:2:a", T0)
    assert await jobs.cancel("event:1:", prefix=True) == 2
    await jobs.run_due()
    assert ran == ["event:2:a"]


async def test_stopping_lets_a_running_job_finish_and_starts_no_more(db: Database) -> None:
    clock = FixedClock(T0)
    jobs, ran = queue(db, clock)
    release = asyncio.Event()
    started = asyncio.Event()

    async def sending(job: Job) -> None:
        started.set()
        await release.wait()  # e.g. a message on its way to Discord
        ran.append(job.key)

    jobs.register("send", sending)
    await jobs.schedule("send", "post", T0)
    await jobs.schedule("test", "later", T0 + timedelta(minutes=1))
    run = asyncio.create_task(jobs.run_due())
    await started.wait()
    stopping = asyncio.create_task(jobs.stop(timeout=3600))
    await asyncio.sleep(0)
    assert not stopping.done()  # waits for the send
    release.set()
    await stopping
    await run
    assert await jobs.state_of("post") == "done"
    clock.set(T0 + timedelta(minutes=1))
    await jobs.run_due()
    assert ran == ["post"]  # nothing new started after the stop
    assert await jobs.state_of("later") == "pending"


async def test_a_job_still_running_when_the_wait_ends_runs_again_at_the_next_start(db: Database) -> None:
    clock = FixedClock(T0)
    jobs, _ = queue(db, clock)
    started = asyncio.Event()

    async def stuck(job: Job) -> None:
        started.set()
        await asyncio.Event().wait()

    jobs.register("stuck", stuck)
    await jobs.schedule("stuck", "s", T0)
    run = asyncio.create_task(jobs.run_due())
    await started.wait()
    await jobs.stop(timeout=0)
    assert run.cancelled()
    assert await jobs.state_of("s") == "claimed"  # neither done nor failed: interrupted
    restarted = JobQueue(db, clock, default_grace=timedelta(minutes=30))
    ran_after: list[str] = []

    async def quick(job: Job) -> None:
        ran_after.append(job.key)

    restarted.register("stuck", quick)
    assert await restarted.reconcile() == 1
    await restarted.run_due()
    assert ran_after == ["s"]


# ----- storage faults ------------------------------------------------------------------------------
@contextlib.asynccontextmanager
async def paused_waker(jobs: JobQueue) -> AsyncIterator[Waker]:
    """A waker whose scheduler is paused: the test fires the wake-ups itself."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.start(paused=True)
    try:
        yield Waker(jobs, scheduler)
    finally:
        scheduler.shutdown(wait=False)


def armed_at(waker: Waker) -> datetime | None:
    job = waker.scheduler.get_job(Waker.JOB_ID)
    return None if job is None else job.next_run_time


async def test_the_waker_tries_again_with_a_growing_delay_after_the_database_refused_a_pass(
    db: Database, caplog
) -> None:
    """A wake-up that meets a failing disk is never the last one: the next try is always set."""
    clock = FixedClock(T0)
    jobs, ran = queue(db, clock)
    async with paused_waker(jobs) as waker:
        await jobs.schedule("test", "a", T0)
        fault = DiskFault()
        db.crash_switch = fault
        delays = []
        for _ in range(6):
            await waker._wake()  # what APScheduler calls; it must not raise
            delays.append(int((armed_at(waker) - T0).total_seconds()))
        assert delays == [5, 10, 20, 40, 60, 60]
        assert ran == [] and await jobs.state_of("a") == "pending"
        assert "storage io" in caplog.text and "incident" in caplog.text
        fault.failing = False
        await waker._wake()
        assert ran == ["a"]
        assert waker.failures == 0 and waker.retry_at is None
        assert armed_at(waker) is None  # nothing else planned


async def test_a_wake_up_during_a_pass_has_that_pass_go_once_more(db: Database) -> None:
    """Something planned during a long pass falls due: its wake-up neither starts a second pass beside
    the first (APScheduler would skip it, with a warning, as a second running instance) nor is lost."""
    clock = FixedClock(T0)
    jobs = JobQueue(db, clock, default_grace=timedelta(minutes=30))
    ran: list[str] = []
    running, most = [0], [0]
    started, release = asyncio.Event(), asyncio.Event()

    async def handler(job: Job) -> None:
        running[0] += 1
        most[0] = max(most[0], running[0])
        if job.key == "slow":
            started.set()
            await release.wait()
        ran.append(job.key)
        running[0] -= 1

    jobs.register("test", handler)
    async with paused_waker(jobs) as waker:
        await jobs.schedule("test", "slow", T0)
        first = asyncio.create_task(waker._wake())
        await asyncio.wait_for(started.wait(), 10)  # the first pass is in the slow job
        await jobs.schedule("test", "later", T0)  # planned meanwhile, due at once
        second = asyncio.create_task(waker._wake())  # the re-armed wake-up fires during the pass
        await asyncio.sleep(0)
        assert second.done(), "it returns at once instead of waiting beside the running pass"
        release.set()
        await first
        assert ran == ["slow", "later"], "the running pass went once more and ran what fell due"
        assert most[0] == 1
        assert armed_at(waker) is None


async def test_the_wake_up_follows_the_earliest_plan_and_later_plans_leave_it_as_it_is(db: Database) -> None:
    clock = FixedClock(T0)
    jobs, _ = queue(db, clock)
    async with paused_waker(jobs) as waker:
        await jobs.schedule("test", "b", T0 + timedelta(hours=2))  # planning re-arms the waker itself
        armed = waker.scheduler.get_job(Waker.JOB_ID)
        assert armed is not None and armed.next_run_time == T0 + timedelta(hours=2)
        await jobs.schedule("test", "c", T0 + timedelta(hours=3))
        assert waker.scheduler.get_job(Waker.JOB_ID) is armed  # not replaced: nothing earlier to wake for
        await jobs.schedule("test", "a", T0 + timedelta(hours=1))
        assert armed_at(waker) == T0 + timedelta(hours=1)
        await jobs.cancel("a")
        assert armed_at(waker) == T0 + timedelta(hours=2)
        await jobs.cancel("b")
        await jobs.cancel("c")
        assert armed_at(waker) is None


async def test_planning_during_a_fault_does_not_bring_the_next_try_forward(db: Database) -> None:
    clock = FixedClock(T0)
    jobs, _ = queue(db, clock)
    async with paused_waker(jobs) as waker:
        await jobs.schedule("test", "a", T0)
        db.crash_switch = DiskFault("database is locked")
        await waker._wake()
        db.crash_switch = None
        await jobs.schedule("test", "b", T0)  # a member plans something meanwhile
        assert armed_at(waker) == T0 + timedelta(seconds=5)


async def test_a_handler_whose_writes_the_disk_refuses_runs_again_at_the_next_pass(db: Database) -> None:
    clock = FixedClock(T0)
    jobs = JobQueue(db, clock, default_grace=timedelta(minutes=30))
    attempts: list[int] = []

    async def announce(job: Job) -> None:
        attempts.append(job.attempts)
        if len(attempts) == 1:
            raise sqlite3.OperationalError("database or disk is full")

    jobs.register("announce", announce)
    await jobs.schedule("announce", "post", T0)
    report = await jobs.run_due()
    assert (report.deferred, report.fault, report.failed) == (1, "full", 0)
    assert await jobs.state_of("post") == "pending"  # not failed: the disk was at fault, not the job
    clock.set(T0 + timedelta(seconds=5))
    await jobs.run_due()
    assert await jobs.state_of("post") == "done"
    assert len(attempts) == 2


async def test_an_outcome_the_database_refused_is_stored_later_and_the_job_does_not_run_twice(db: Database) -> None:
    clock = FixedClock(T0)
    jobs = JobQueue(db, clock, default_grace=timedelta(minutes=30))
    fault = DiskFault()
    fault.failing = False
    runs: list[str] = []

    async def send(job: Job) -> None:
        runs.append(job.key)
        db.crash_switch = fault
        fault.failing = True  # the disk fails right after the message went out

    jobs.register("send", send)
    await jobs.schedule("send", "dm", T0)
    report = await jobs.run_due()
    assert report.done == 1 and report.deferred == 1
    assert await jobs.state_of("dm") == "claimed"  # nobody runs it again meanwhile
    assert (await jobs.run_due()).fault == "io"
    fault.failing = False
    assert (await jobs.run_due()).fault is None
    assert await jobs.state_of("dm") == "done"
    assert runs == ["dm"]


async def test_a_mistake_in_a_handler_is_not_mistaken_for_a_storage_fault(db: Database) -> None:
    clock = FixedClock(T0)
    jobs = JobQueue(db, clock, default_grace=timedelta(minutes=30))

    async def broken(job: Job) -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO no_such_table VALUES (1)")

    jobs.register("broken", broken)
    await jobs.schedule("broken", "x", T0)
    report = await jobs.run_due()
    assert report.failed == 1 and report.fault is None
    assert await jobs.state_of("x") == "failed"
