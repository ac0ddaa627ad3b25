"""Events delivery benchmark: start-up reconciliation, a burst of posts due at once, a crash mid-burst.

    .venv/bin/python benchmarks/events_delivery.py            # 10,000 planned posts, 1,000 due at once
    .venv/bin/python benchmarks/events_delivery.py --small    # 1,000 planned, 200 due at once (CI)

Prints:
1. Start-up reconciliation with N planned posts (5 % left `claimed` by a crash): the core's
   `JobQueue.reconcile()` plus the events service's `reconcile()` (re-plan what has nothing pending,
   list undelivered posts), on a real migrated SQLite file; and the whole simulated bot start.
2. Firing lateness when M posts fall due at the same instant, through the real bot and the simulator
   (spread over 50 channels). The simulator answers instantly and sends no rate-limit headers, so
   pacing is modelled: the measured order and times of the POSTs are replayed through token buckets
   for Discord's documented limits (50 requests/s global, 5 messages per 5 s per channel). Lateness
   of a post = max(its measured processing time, the earliest slot the buckets allow). The "forced"
   figure is the same model with zero processing time: what the rate limits alone impose.
3. Duplicates and losses when the process crashes half-way through that burst (after about M/2
   messages, with claimed rows and requests in flight) and starts again: both must be 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.clock import FixedClock, to_db
from bot.core.db import Database
from bot.core.jobs import JobQueue
from bot.features.events import planning
from bot.features.events.service import EventsService
from bot.simulator import Simulator

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 18:00 in Norsjö, the announcement time
CHANNELS = 50
GLOBAL_PER_SECOND = 50.0
CHANNEL_BURST, CHANNEL_WINDOW = 5, 5.0


async def seed(db: Database, events: int, occurrences: int, channel_ids: list[int], claimed_share: float = 0.0,
               repeat: str = "weekly") -> None:
    """Insert active events and their planned announcement rows in bulk."""
    stamp = to_db(START)
    event_rows = []
    job_rows = []
    for i in range(1, events + 1):
        start_local = "2026-12-02T19:00"
        event_rows.append((i, 1, f"Event {i}", "", "", "sv", start_local, 0, "Europe/Stockholm", 60, None, repeat,
                           None, channel_ids[i % len(channel_ids)] if channel_ids else None, 0, "18:00", "[]", 0,
                           "active", 42, stamp, stamp))
        for k in range(occurrences):
            local = (datetime(2026, 12, 2, 19) + timedelta(weeks=k)).strftime("%Y-%m-%dT%H:%M")
            key = planning.announce_key(i, local)
            due = DUE + timedelta(weeks=k)
            every = round(1 / claimed_share) if claimed_share else 0
            state = "claimed" if every and (i * occurrences + k) % every == 0 else "pending"
            job_rows.append((planning.ANNOUNCE, key, to_db(due), json.dumps({"event": i, "occ": local}), state,
                             stamp))
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO events(id, guild_id, title, description, place, language, start_local, fold, zone, "
            "duration_minutes, capacity, repeat, until_date, channel_id, announce_days, announce_time, reminders, "
            "mirror, status, created_by, created_at, updated_at) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", event_rows)
        await tx.executemany(
            "INSERT INTO scheduled_jobs(kind, key, due_at, payload, state, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            job_rows)


async def bench_reconcile(planned: int, workdir: Path) -> None:
    """Figure 1."""
    path = workdir / "reconcile.sqlite3"
    db = await Database.open(path, exclusive=False)
    await seed(db, planned // 10, 10, [], claimed_share=0.05)
    clock = FixedClock(START)
    jobs = JobQueue(db, clock, timedelta(minutes=30))
    service = EventsService(db, clock, jobs, __import__("zoneinfo").ZoneInfo("Europe/Stockholm"))
    jobs.register(planning.ANNOUNCE, _noop)
    t0 = time.perf_counter()
    reset = await jobs.reconcile()
    t1 = time.perf_counter()
    report = await service.reconcile()
    t2 = time.perf_counter()
    await jobs.next_due()
    t3 = time.perf_counter()
    await db.close()
    print(f"reconciliation with {planned:,} planned posts ({reset} left claimed by a crash):")
    print(f"  jobs.reconcile          {1000 * (t1 - t0):8.1f} ms")
    print(f"  events reconcile        {1000 * (t2 - t1):8.1f} ms  (re-planned {report.replanned_events} events)")
    print(f"  earliest due for waker  {1000 * (t3 - t2):8.1f} ms")
    print(f"  total                   {1000 * (t3 - t0):8.1f} ms  (target < 1000 ms)")

    sim = Simulator(path, start=START, extensions=["cogs.core", "cogs.events"])
    t0 = time.perf_counter()
    await sim.start()
    t1 = time.perf_counter()
    await sim.close()
    print(f"  whole simulated bot start on that database: {1000 * (t1 - t0):.1f} ms")


async def _noop(job: object) -> None:
    return None


def paced(times: list[tuple[float, int]]) -> list[float]:
    """Replay (ready time, channel) in order through Discord's limits; returns the send time of each."""
    global_next = 0.0
    recent: dict[int, list[float]] = {}
    sent: list[float] = []
    for ready, channel in times:
        slot = max(ready, global_next)
        window = recent.setdefault(channel, [])
        if len(window) >= CHANNEL_BURST:
            slot = max(slot, window[-CHANNEL_BURST] + CHANNEL_WINDOW)
        window.append(slot)
        global_next = slot + 1.0 / GLOBAL_PER_SECOND
        sent.append(slot)
    return sent


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def burst_sim(workdir: Path, name: str, posts: int) -> tuple[Simulator, dict[str, int]]:
    """A simulator whose database holds `posts` single events announced at DUE, over 50 channels."""
    path = workdir / f"{name}.sqlite3"
    sim = Simulator(path, start=START, extensions=["cogs.core", "cogs.events"])
    channels = [sim.discord.add_channel(f"room-{i}") for i in range(CHANNELS)]
    db = await Database.open(path, exclusive=False)
    try:
        await seed(db, posts, 1, [c.id for c in channels], repeat="none")
    finally:
        await db.close()
    return sim, {str(c.id): c.id for c in channels}


def created(sim: Simulator) -> list[tuple[float, str]]:
    """(loop time, channel id) of every message create request in the simulator."""
    return [(at, path.split("/")[2]) for at, method, path in sim.discord.requests
            if method == "POST" and path.startswith("/channels/") and path.endswith("/messages")]


async def bench_burst(posts: int, workdir: Path) -> None:
    """Figure 2."""
    sim, _ = await burst_sim(workdir, "burst", posts)
    await sim.start()
    await sim.advance(DUE - START - timedelta(seconds=1))
    mark = len(sim.discord.requests)
    t0 = asyncio.get_running_loop().time()
    await sim.advance(timedelta(seconds=2))
    wall = asyncio.get_running_loop().time() - t0
    sends = [(at - t0, channel) for at, channel in created(sim)][-posts:]
    assert len(sim.discord.requests) > mark
    await sim.close()
    processing = [at for at, _ in sends]
    modelled = paced([(at, int(ch)) for at, ch in sends])
    forced = paced([(0.0, int(ch)) for _, ch in sends])
    print(f"{posts:,} posts due at the same instant over {CHANNELS} channels ({wall:.2f} s of real processing):")
    p50, p99 = pct(processing, .5) * 1000, pct(processing, .99) * 1000
    print(f"  processing only        p50 {p50:8.1f} ms   p99 {p99:8.1f} ms")
    print(f"  paced (model)          p50 {pct(modelled, .5):8.2f} s    p99 {pct(modelled, .99):8.2f} s")
    print(f"  forced by limits alone p50 {pct(forced, .5):8.2f} s    p99 {pct(forced, .99):8.2f} s")
    print(f"  pacing model: {GLOBAL_PER_SECOND:.0f} requests/s global, {CHANNEL_BURST} messages per "
          f"{CHANNEL_WINDOW:.0f} s per channel; the simulator itself answers instantly")


async def bench_crash(posts: int, workdir: Path) -> None:
    """Figure 3."""
    sim, _ = await burst_sim(workdir, "crash", posts)
    await sim.start()
    await sim.advance(DUE - START - timedelta(seconds=1))
    task = asyncio.create_task(sim.advance(timedelta(seconds=2)))
    while len(created(sim)) < posts // 2 and not task.done():
        await asyncio.sleep(0)
    db_before = len(created(sim))
    await sim.crash()
    await asyncio.gather(task, return_exceptions=True)
    db = await Database.open(sim.database_path, exclusive=False)
    claimed = await db.fetchval("SELECT COUNT(*) FROM scheduled_jobs WHERE state = 'claimed'")
    await db.close()
    sim.set_time(sim.now + timedelta(seconds=20))
    await sim.start()
    await sim.advance(timedelta(minutes=2))
    messages = [m for m in sim.discord.messages.values() if sim.discord.channels[m.channel_id].name.startswith("room-")]
    per_nonce = Counter(m.nonce for m in messages)
    duplicates = sum(n - 1 for n in per_nonce.values() if n > 1)
    service = sim.running_bot.services
    unposted = await service.db.fetchval(
        "SELECT COUNT(*) FROM events e WHERE NOT EXISTS "
        "(SELECT 1 FROM event_posts p WHERE p.event_id = e.id AND p.message_id IS NOT NULL)")
    states = dict(await service.db.fetchall("SELECT state, COUNT(*) FROM scheduled_jobs GROUP BY state"))
    await sim.close()
    print(f"crash after {db_before:,} of {posts:,} sends ({claimed} rows left claimed), then restart 20 s later:")
    print(f"  messages {len(messages):,}  duplicates {duplicates}  losses {unposted}  (both must be 0)")
    print(f"  job states afterwards: {states}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run for CI")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    planned, burst = (1_000, 200) if args.small else (10_000, 1_000)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        await bench_reconcile(planned, workdir)
        await bench_burst(burst, workdir)
        await bench_crash(burst, workdir)


if __name__ == "__main__":
    asyncio.run(main())
