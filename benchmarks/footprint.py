"""Resident memory of the idle bot with a large guild cached, and start-up time to ready.

Runs the real bot in the local guild simulator: the guild is seeded with N members (10,000 by
default; `--small` uses 1,000), every extension loads (the FAQ starter set included), and the bot
is left idle. Prints the resident set size (RSS) and the time from "start" to "ready": after the
first start on a new database (migrations, the FAQ starter set imported) and a restart in the same
process, and in a new process started on that database, as every later start of a deployed bot is.
Targets on the 2-core reference machine, printed beside the figures: RSS <= 80 MiB with 10,000
members cached and the FAQ loaded, start-up to ready <= 2 s. The simulator (the fake Discord and
its own copy of the members) runs in the same process, so its memory is inside the figure.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

T_IMPORT = time.perf_counter()

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.collector import Collector  # noqa: E402
from bot.simulator import Simulator  # noqa: E402
from bot.simulator.harness import seed_guild  # noqa: E402


def rss_mib() -> float:
    """The process's resident set size in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def seeded(members: int):  # type: ignore[no-untyped-def]
    def seed(fake):  # type: ignore[no-untyped-def]
        seed_guild(fake)
        for i in range(members):
            fake.add_member(f"member{i}", locale="sv-SE")

    return seed


def simulator(database: Path, members: int) -> Simulator:
    """The bot as production runs it (its cycle-collector settings) against a guild of `members`."""
    return Simulator(database, start=datetime(2026, 12, 1, 12, tzinfo=UTC), seed=seeded(members),
                     collector=Collector())


async def started_on(database: Path, members: int) -> None:
    """In a new process: start on an existing database, stay idle, print the RSS (for `run`)."""
    sim = simulator(database, members)
    began = time.perf_counter()
    await sim.start()
    ready = time.perf_counter() - began
    gc.collect()
    await asyncio.sleep(0.2)
    print(f"{rss_mib():.1f} {ready:.3f} {len(sim.running_bot.guilds[0].members)}")
    await sim.close()


async def run(members: int) -> None:
    imported = time.perf_counter() - T_IMPORT

    with tempfile.TemporaryDirectory() as tmp:
        sim = simulator(Path(tmp) / "bot.db", members)
        first_start = time.perf_counter()
        await sim.start()
        cold = time.perf_counter() - first_start
        await sim.stop()
        second_start = time.perf_counter()
        await sim.start()
        warm = time.perf_counter() - second_start
        guild = sim.running_bot.guilds[0]
        cached = len(guild.members)
        gc.collect()
        await asyncio.sleep(0.2)
        memory = rss_mib()
        await sim.close()
        child = subprocess.run([sys.executable, __file__, "--members", str(members), "--started-on",
                                str(Path(tmp) / "bot.db")], capture_output=True, text=True, check=True)
        new_memory, new_ready, new_cached = child.stdout.split()
    print(f"members cached:              {cached}  (load {os.getloadavg()[0]:.1f})")
    print(f"imports:                     {imported:.2f} s")
    print(f"start-up to ready (first):   {cold:.2f} s  (migrations, starter data, login, guild; target <= 2 s)")
    print(f"start-up to ready (restart): {warm:.2f} s  (target <= 2 s)")
    print(f"resident memory, idle:       {memory:.1f} MiB  (after the first start and a restart in the same "
          f"process; target <= 80 MiB with 10,000 members)")
    print(f"a new process on that database: ready in {float(new_ready):.2f} s, {new_cached} members cached, "
          f"idle {float(new_memory):.1f} MiB  (target <= 80 MiB with 10,000 members)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="1,000 members (CI)")
    parser.add_argument("--members", type=int, default=None)
    parser.add_argument("--started-on", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    members = args.members or (1_000 if args.small else 10_000)
    asyncio.run(started_on(args.started_on, members) if args.started_on else run(members))


if __name__ == "__main__":
    main()
