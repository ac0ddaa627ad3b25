"""Durable scheduled work: the database plans, APScheduler only wakes the bot.

Every feature that must do something at a time (an announcement, a reminder, a check-in, the daily
retention sweep) stores a row in `scheduled_jobs` with a stable key. The `Waker` keeps exactly one
APScheduler job, set to the earliest due row; when it fires, `JobQueue.run_due()` runs every due
row. A row is *claimed* with a conditional UPDATE before its handler runs, so a row runs at most
once even if two wake-ups race. After downtime, rows late by no more than the kind's grace window
run (marked late); older ones become `missed` and the kind's `on_missed` hook decides what to tell
people. Rows left `claimed` by a crash are handled at start by `reconcile()`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sys
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.core.clock import Clock, from_db, to_db
from bot.core.db import Database, Tx, durable_writes, storage_fault
from bot.core.i18n import N_
from bot.core.logs import scrub_exception
from bot.core.privacy import PrivacySection

log = logging.getLogger(__name__)

# A job this late is flagged `late` to its handler (for a "delayed" note), even within grace.
LATE_AFTER = timedelta(minutes=2)
# Finished rows (done, missed, failed, cancelled) due longer ago than this are deleted by `prune`.
KEEP_FINISHED = timedelta(days=60)
PRUNE_KIND = "core.prune-jobs"


def opaque_key(namespace: str, intent: str) -> str:
    """A job key that stays stable for the same intent but does not spell it out.

    `intent` is what makes the job unique (a match, a step, a member); the key keeps only a digest
    of it, so a row never records in readable form what a member did ("pressed I need help").
    """
    return f"{namespace}:#{hashlib.sha256(intent.encode()).hexdigest()[:32]}"


@dataclass(frozen=True, slots=True)
class Job:
    """One claimed row, handed to its handler."""

    id: int
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]
    attempts: int
    late: bool = False


class RetryLater(Exception):
    """Raised by a handler to run the job again after `delay` (e.g. Discord was unavailable)."""

    def __init__(self, delay: timedelta, reason: str = "") -> None:
        super().__init__(reason)
        self.delay = delay


Handler = Callable[[Job], Awaitable[None]]


@dataclass(slots=True)
class JobKind:
    """How one kind of job runs."""

    handler: Handler
    grace: timedelta | None = None
    on_missed: Handler | None = None
    # After a crash between claim and finish: run again (at-least-once) or mark failed.
    rerun_stale_claims: bool = True
    max_attempts: int = 8


@dataclass(slots=True)
class RunReport:
    """What one `run_due` pass did (for logs, tests and benchmarks)."""

    done: int = 0
    missed: int = 0
    retried: int = 0
    failed: int = 0
    keys: list[str] = field(default_factory=list)
    #: Rows that could not run, or whose outcome could not be stored, because the database refused
    #: the work (locked by another program, disk full or failing). They run (or are recorded) at the
    #: next pass; `fault` names the cause ('locked', 'full', 'readonly', 'io' or 'error').
    deferred: int = 0
    fault: str | None = None

    def defer(self, fault: str) -> None:
        """Count one row left for the next pass."""
        self.deferred += 1
        self.fault = self.fault or fault


class JobQueue:
    """Plans, claims and runs scheduled jobs stored in the database."""

    def __init__(self, db: Database, clock: Clock, default_grace: timedelta, concurrency: int = 8) -> None:
        self._db = db
        self._clock = clock
        self._default_grace = default_grace
        self._kinds: dict[str, JobKind] = {}
        self._concurrency = concurrency
        self._run_lock = asyncio.Lock()
        self._passes: set[asyncio.Task[Any]] = set()  # tasks inside `run_due`, for `stop`
        self._stopped = False
        # Outcomes the database refused to store (job id -> statement, parameters): written first at
        # the next pass. Until then the row stays claimed, so nothing runs it twice meanwhile.
        self._unrecorded: dict[int, tuple[str, tuple[Any, ...]]] = {}
        #: Called (without arguments) after anything that may change the earliest due time.
        self.on_change: Callable[[], Awaitable[None]] | None = None

    def register(
        self,
        kind: str,
        handler: Handler,
        *,
        grace: timedelta | None = None,
        on_missed: Handler | None = None,
        rerun_stale_claims: bool = True,
        max_attempts: int = 8,
    ) -> None:
        """Declare how jobs of `kind` run. Registering twice replaces (extensions reload)."""
        self._kinds[kind] = JobKind(handler, grace, on_missed, rerun_stale_claims, max_attempts)

    def unregister(self, kind: str) -> None:
        """Forget a kind (its rows stay pending until it is registered again)."""
        self._kinds.pop(kind, None)

    async def schedule(
        self,
        kind: str,
        key: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
        *,
        tx: Tx | None = None,
        subject: int | None = None,
    ) -> None:
        """Plan a job; planning the same key again moves it unless it already ran or is running.

        `subject` is the member the job is about (default: the payload's `"user"`): the row is deleted
        with that member's data (see `privacy_section`).
        """
        if subject is None and payload is not None and isinstance(payload.get("user"), int):
            subject = payload["user"]
        params = (kind, key, to_db(due_at), json.dumps(payload or {}, sort_keys=True), to_db(self._clock.now()),
                  subject)
        sql = (
            "INSERT INTO scheduled_jobs(kind, key, due_at, payload, created_at, subject) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET kind = excluded.kind, due_at = excluded.due_at, "
            "payload = excluded.payload, subject = excluded.subject, state = 'pending', attempts = 0, "
            "claimed_at = NULL, "
            "last_error = NULL WHERE scheduled_jobs.state IN ('pending', 'cancelled', 'missed', 'failed')"
        )
        if tx is None:
            await self._db.execute(sql, params)
            await self._changed()
        else:
            await tx.execute(sql, params)

    async def cancel(self, key_or_prefix: str, *, prefix: bool = False, tx: Tx | None = None) -> int:
        """Cancel pending jobs by key (or every key starting with a prefix). Returns how many."""
        if prefix:
            sql = "UPDATE scheduled_jobs SET state = 'cancelled' WHERE state = 'pending' AND key >= ? AND key < ?"
            params: tuple[str, ...] = (key_or_prefix, key_or_prefix + "\uffff")
        else:
            sql = "UPDATE scheduled_jobs SET state = 'cancelled' WHERE state = 'pending' AND key = ?"
            params = (key_or_prefix,)
        if tx is None:
            count = await self._db.execute(sql, params)
            if count:  # nothing cancelled: the earliest due time is unchanged (a join costs no wake-up)
                await self._changed()
            return count
        return await tx.execute(sql, params)

    async def rekey(self, kind: str, new_key: Callable[[str], str | None]) -> int:
        """Rename rows of `kind` whose key `new_key` maps to another (a start-up upgrade of old key forms).

        State, due time and payload stay, so nothing due is lost and nothing done runs again. When a row
        with the new key exists already, the old-form row is the stale copy and is deleted. Returns how
        many rows changed.
        """
        rows = await self._db.fetchall("SELECT id, key FROM scheduled_jobs WHERE kind = ?", (kind,))
        renames = [(row["id"], target) for row in rows if (target := new_key(row["key"])) not in (None, row["key"])]
        if not renames:
            return 0
        async with self._db.transaction(durable=True) as tx:
            for row_id, target in renames:
                taken = await tx.fetchval("SELECT 1 FROM scheduled_jobs WHERE key = ?", (target,))
                if taken:
                    await tx.execute("DELETE FROM scheduled_jobs WHERE id = ?", (row_id,))
                else:
                    await tx.execute("UPDATE scheduled_jobs SET key = ? WHERE id = ?", (target, row_id))
        return len(renames)

    async def prune(self, keep: timedelta = KEEP_FINISHED) -> int:
        """Delete finished rows (done, missed, failed, cancelled) due and finished before `keep` ago.

        Planning only ever plans what lies ahead, so a row this old is never planned again: dropping
        it cannot make anything run twice. Returns how many rows went.
        """
        cutoff = to_db(self._clock.now() - keep)
        return await self._db.execute(
            "DELETE FROM scheduled_jobs WHERE state IN ('done', 'missed', 'failed', 'cancelled') "
            "AND due_at < ? AND COALESCE(finished_at, due_at) < ?", (cutoff, cutoff))

    def privacy_section(self) -> PrivacySection:
        """The planned work about a member (reminders, notices): exported, and deleted with them."""

        async def export(tx: Tx, user_id: int) -> list[dict[str, Any]] | None:
            rows = await tx.fetchall(
                "SELECT kind, due_at, state FROM scheduled_jobs WHERE subject = ? ORDER BY due_at", (user_id,))
            return [{"kind": r["kind"], "due_at": r["due_at"], "state": r["state"]} for r in rows] or None

        async def delete(tx: Tx, user_id: int) -> None:
            await tx.execute("DELETE FROM scheduled_jobs WHERE subject = ?", (user_id,))

        return PrivacySection(
            key="scheduled",
            title=N_("Planned messages"),
            description=N_("Reminders and notices the bot has planned for you or about you, and when."),
            export=export,
            delete=delete,
            after_delete=lambda _user_id: self._changed(),
        )

    async def notify_changed(self) -> None:
        """Tell the waker that plans changed (call after scheduling inside your own transaction)."""
        await self._changed()

    async def _changed(self) -> None:
        if self.on_change is not None:
            await self.on_change()

    async def next_due(self) -> datetime | None:
        """The earliest pending due time, or None."""
        value = await self._db.fetchval("SELECT MIN(due_at) FROM scheduled_jobs WHERE state = 'pending'")
        return None if value is None else from_db(value)

    async def next_of_kind(self, kind: str) -> datetime | None:
        """When the next pending (or interrupted) job of a kind is due, or None."""
        value = await self._db.fetchval(
            "SELECT MIN(due_at) FROM scheduled_jobs WHERE kind = ? AND state IN ('pending', 'claimed')", (kind,)
        )
        return None if value is None else from_db(value)

    async def state_of(self, key: str) -> str | None:
        """The state of the job with this key (None when there is none)."""
        return await self._db.fetchval("SELECT state FROM scheduled_jobs WHERE key = ?", (key,))

    async def reconcile(self) -> int:
        """At start: rows left `claimed` by a crash go back to pending (or to failed). Returns how many."""
        rows = await self._db.fetchall("SELECT id, kind FROM scheduled_jobs WHERE state = 'claimed'")
        if not rows:
            return 0
        async with self._db.transaction() as tx:
            for row in rows:
                kind = self._kinds.get(row["kind"])
                if kind is None or kind.rerun_stale_claims:
                    await tx.execute(
                        "UPDATE scheduled_jobs SET state = 'pending', claimed_at = NULL WHERE id = ?", (row["id"],)
                    )
                else:
                    await tx.execute(
                        "UPDATE scheduled_jobs SET state = 'failed', last_error = 'interrupted' WHERE id = ?",
                        (row["id"],),
                    )
        log.info("reconciled %d interrupted scheduled jobs", len(rows))
        return len(rows)

    async def run_due(self) -> RunReport:
        """Run every pending job whose time has come (only registered kinds)."""
        report = RunReport()
        current = asyncio.current_task()
        async with self._run_lock:
            if self._stopped:
                return report
            if current is not None:
                self._passes.add(current)
            try:
                await self._run_pass(report)
            finally:
                self._passes.discard(current)  # type: ignore[arg-type]
        # No `_changed()` here: the waker reschedules after every wake-up, and handlers that plan
        # new rows notify through `schedule()`.
        return report

    async def stop(self, timeout: float) -> None:
        """Start no more jobs; let a pass in progress finish, for at most `timeout` seconds.

        Called when the process stops, before the Discord connection closes, so that a job halfway
        through a send ends normally instead of failing on a closed connection. A job still running
        after `timeout` is cancelled: its row stays claimed and runs again at the next start
        (`reconcile`), exactly as after a crash.
        """
        self._stopped = True
        running = {task for task in self._passes if not task.done() and task is not asyncio.current_task()}
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            log.warning("stopping: %d scheduled job runs cancelled; they run again at the next start", len(late))
            await asyncio.wait(late)

    async def _run_pass(self, report: RunReport) -> None:
        """One pass over the due rows (under the run lock)."""
        if not await self._record_left_over(report):
            return
        now = self._clock.now()
        kinds = list(self._kinds)
        if not kinds:
            return
        marks = ",".join("?" * len(kinds))
        rows = await self._db.fetchall(
            f"SELECT id, kind, key, due_at, payload, attempts FROM scheduled_jobs "
            f"WHERE state = 'pending' AND due_at <= ? AND kind IN ({marks}) ORDER BY due_at, id",
            (to_db(now), *kinds),
        )
        gate = asyncio.Semaphore(self._concurrency)

        async def one(row: Any) -> None:
            async with gate:
                try:
                    await self._run_one(row, now, report)
                except Exception as exc:
                    # Marking it missed or claiming it failed: the row is still pending, untouched.
                    report.defer(storage_fault(exc) or "error")
                    log.warning("scheduled job not started: kind=%s job=%d (%s)", row["kind"], row["id"],
                                storage_fault(exc) or type(exc).__name__)

        await asyncio.gather(*(one(row) for row in rows))

    async def _record_left_over(self, report: RunReport) -> bool:
        """Store the outcomes an earlier pass could not store. False when the database still refuses."""
        for job_id, (sql, params) in list(self._unrecorded.items()):
            try:
                await self._db.execute(sql, params)
            except Exception as exc:
                report.defer(storage_fault(exc) or "error")
                return False
            del self._unrecorded[job_id]
        return True

    async def _record(self, job_id: int, sql: str, params: tuple[Any, ...], report: RunReport) -> None:
        """Store a claimed row's outcome; when the database refuses, keep it for the next pass."""
        try:
            await self._db.execute(sql, params)
        except Exception as exc:
            self._unrecorded[job_id] = (sql, params)
            report.defer(storage_fault(exc) or "error")
            log.warning("scheduled job outcome not stored yet: job=%d (%s)", job_id,
                        storage_fault(exc) or type(exc).__name__)

    async def _run_one(self, row: Any, now: datetime, report: RunReport) -> None:
        # Background work tells Discord things that must not be told twice: everything it writes is
        # on the disk before it goes on (see `bot.core.db`).
        with durable_writes():
            await self._run_one_durably(row, now, report)

    async def _run_one_durably(self, row: Any, now: datetime, report: RunReport) -> None:
        kind = self._kinds[row["kind"]]
        due = from_db(row["due_at"])
        job = Job(row["id"], row["kind"], row["key"], due, json.loads(row["payload"]), row["attempts"] + 1)
        grace = kind.grace if kind.grace is not None else self._default_grace
        if now - due > grace:
            changed = await self._db.execute(
                "UPDATE scheduled_jobs SET state = 'missed', finished_at = ? WHERE id = ? AND state = 'pending'",
                (to_db(now), job.id),
            )
            if changed and kind.on_missed is not None:
                report.missed += 1
                try:
                    await kind.on_missed(job)
                except Exception:
                    _log_incident("on_missed hook failed", job)
            elif changed:
                report.missed += 1
            return
        claimed = await self._db.execute(
            "UPDATE scheduled_jobs SET state = 'claimed', claimed_at = ?, attempts = attempts + 1 "
            "WHERE id = ? AND state = 'pending'",
            (to_db(now), job.id),
        )
        if not claimed:
            return  # someone else ran it
        late_job = Job(job.id, job.kind, job.key, due, job.payload, job.attempts, late=now - due > LATE_AFTER)
        try:
            await kind.handler(late_job)
        except RetryLater as retry:
            if job.attempts >= kind.max_attempts:
                await self._finish(job.id, "failed", f"gave up: {retry}", report)
                report.failed += 1
            else:
                await self._record(
                    job.id,
                    "UPDATE scheduled_jobs SET state = 'pending', due_at = ?, claimed_at = NULL, last_error = ? "
                    "WHERE id = ?",
                    (to_db(self._clock.now() + retry.delay), str(retry)[:200], job.id),
                    report,
                )
                report.retried += 1
        except Exception as exc:
            fault = storage_fault(exc)
            if fault is not None:
                # The database refused the handler's own writes (rolled back): not the job's fault. It
                # runs again at the next pass, still within its grace window of the original time.
                log.warning("scheduled job deferred: kind=%s job=%d (storage %s)", job.kind, job.id, fault)
                report.defer(fault)
                await self._record(
                    job.id,
                    "UPDATE scheduled_jobs SET state = 'pending', claimed_at = NULL, last_error = ? "
                    "WHERE id = ? AND state = 'claimed'",
                    (f"storage {fault}", job.id),
                    report,
                )
                return
            incident = _log_incident("scheduled job failed", job)
            await self._finish(job.id, "failed", f"{type(exc).__name__} (incident {incident})", report)
            report.failed += 1
        else:
            await self._finish(job.id, "done", None, report)
            report.done += 1
            report.keys.append(job.key)

    async def _finish(self, job_id: int, state: str, error: str | None, report: RunReport) -> None:
        await self._record(
            job_id,
            "UPDATE scheduled_jobs SET state = ?, finished_at = ?, last_error = ? WHERE id = ?",
            (state, to_db(self._clock.now()), error, job_id),
            report,
        )


def _log_incident(what: str, job: Job) -> str:
    incident = uuid.uuid4().hex[:8]
    error = sys.exc_info()[1]
    # The exception's message is withheld: it may carry a member's text.
    log.error("%s: kind=%s job=%d incident=%s\n%s", what, job.kind, job.id, incident,
              scrub_exception(error) if error else "")
    return incident


#: After a failed wake-up (the database locked by another program, a full or failing disk) the waker
#: tries again after this long, doubling up to `RETRY_MAX`: a fault that clears is noticed within a
#: minute, well inside the grace windows (30 minutes by default), and a lasting one costs one try and
#: one log line a minute.
RETRY_FIRST = timedelta(seconds=5)
RETRY_MAX = timedelta(minutes=1)


class Waker:
    """Keeps one APScheduler date job at the earliest due time; when it fires, due jobs run.

    The job is always re-armed: after a pass that the database refused (wholly or for some rows), it
    is set to try again with a growing delay (`RETRY_FIRST` doubling to `RETRY_MAX`), so work resumes
    by itself when the fault clears, without waiting for a member to do something.

    One pass runs at a time. A wake-up that comes while a pass runs (something planned meanwhile fell
    due) does not start a second one beside it, and is not dropped either: the running pass goes once
    more when it is done. (APScheduler's own limit of one running instance would skip that wake-up
    with a warning; the pass's re-arming from the database usually covered it, but not a row planned
    after the pass had read its next due time.)
    """

    JOB_ID = "wake-due-jobs"

    def __init__(self, jobs: JobQueue, scheduler: AsyncIOScheduler | None = None) -> None:
        self._jobs = jobs
        self.scheduler = scheduler or AsyncIOScheduler(
            # A wake-up during a pass returns at once (see `_wake`), so a second instance is harmless.
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 4}
        )
        self._passing = False
        self._again = False
        #: Failed wake-ups in a row, and when the next try is set for (None when all is well).
        self.failures = 0
        self.retry_at: datetime | None = None
        self._incident: str | None = None
        jobs.on_change = self.reschedule

    def start(self) -> None:
        """Start the scheduler (needs a running event loop)."""
        if not self.scheduler.running:
            self.scheduler.start()

    def shutdown(self) -> None:
        """Stop the scheduler; pending rows stay in the database for the next start."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def reschedule(self) -> None:
        """Point the single wake-up job at the earliest pending row (not before a planned retry)."""
        if not self.scheduler.running:
            return
        try:
            due = await self._jobs.next_due()
        except Exception as exc:
            self._back_off(storage_fault(exc) or "error", exc)
            return
        if self.retry_at is not None:
            # Backing off after a fault: planning something new does not bring the next try forward.
            due = self.retry_at if due is None else max(due, self.retry_at)
        if due is None:
            if self.scheduler.get_job(self.JOB_ID) is not None:
                self.scheduler.remove_job(self.JOB_ID)
            return
        self._arm(due)

    def _arm(self, when: datetime) -> None:
        armed = self.scheduler.get_job(self.JOB_ID)
        if armed is not None and armed.next_run_time == when:
            return  # already set for then (most plans add rows due later than the next one)
        self.scheduler.add_job(
            self._wake,
            DateTrigger(run_date=when),
            id=self.JOB_ID,
            replace_existing=True,
        )

    async def _wake(self) -> None:
        """What APScheduler calls: run the due jobs, or have the running pass go once more."""
        if self._passing:
            self._again = True
            return
        self._passing = True
        try:
            while True:
                self._again = False
                await self.run_now()
                if not self._again:
                    break
        finally:
            self._passing = False

    async def run_now(self) -> RunReport | None:
        """Run the due jobs and re-arm; never raises (a failure is logged and tried again later)."""
        try:
            report = await self._jobs.run_due()
        except Exception as exc:
            self._back_off(storage_fault(exc) or "error", exc)
            return None
        if report.fault is not None:
            self._back_off(report.fault, None, deferred=report.deferred)
            return report
        if self.failures:
            log.warning("scheduler: working again after %d failed tries (incident %s); due work ran",
                        self.failures, self._incident)
        self.failures, self.retry_at, self._incident = 0, None, None
        await self.reschedule()
        return report

    def _back_off(self, fault: str, error: BaseException | None, *, deferred: int = 0) -> None:
        """Log the fault (no personal data: its kind, counts and an incident id) and set the next try."""
        self.failures += 1
        if self._incident is None:
            self._incident = uuid.uuid4().hex[:8]
        delay = min(RETRY_MAX, RETRY_FIRST * 2 ** min(self.failures - 1, 16))
        self.retry_at = self._jobs._clock.now() + delay
        detail = f"\n{scrub_exception(error)}" if fault == "error" and error is not None else ""
        log.error("incident %s: scheduled work could not run (storage %s, waiting jobs %d, try %d); "
                  "next try in %d s%s", self._incident, fault, deferred, self.failures,
                  int(delay.total_seconds()), detail)
        if self.scheduler.running:
            self._arm(self.retry_at)

    def wakeup(self) -> None:
        """Ask APScheduler to look at its jobs now (the simulator calls this after moving time)."""
        if self.scheduler.running:
            self.scheduler.wakeup()
