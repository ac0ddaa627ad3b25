"""Resident memory of the idle bot with a large guild cached, and start-up time to ready.

Runs the real bot in the local guild simulator, each start in a process of its own as a deployment
runs it: the first start on a new database (migrations, the FAQ starter set imported), then a later
start on that database (every restart after the first). The guild is seeded with N members (10,000
by default; `--small` uses 1,000) who joined over the past months, one an hour (a first start on
a guild whose members had all joined in the last hour would record and greet every one of them:
that is a burst, not an idle bot). Every extension loads (the FAQ starter set included), and the
bot is left idle. Prints the resident set size (RSS) and the time from "start" to "ready" of each.
The bot gets the imports a production install (`pip install -e .`, no test extras) has: discord.py
loads PyNaCl (voice) whenever it is installed, and here the test extras' Synapse brings it in, so
the benchmark hides such optional modules when no production requirement installs them.
Targets on the 2-core reference machine, printed beside the figures: RSS <= 80 MiB with 10,000
members cached and the FAQ loaded, start-up to ready <= 2 s. The simulator (the fake Discord and
its own copy of the members) runs in the same process, so its memory is inside the figure.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.metadata
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: Modules that discord.py and aiohttp import only when they are installed (voice, speed-ups).
OPTIONAL_IMPORTS = ("nacl", "davey", "orjson", "zstandard", "brotli", "brotlicffi", "aiodns")


def normalized(distribution: str) -> str:
    """A distribution's name as package indexes compare them ("PyNaCl" and "pynacl" are one)."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


def production_distributions(project: str = "multinations-bot") -> set[str]:
    """The project and everything it requires without extras, transitively (normalized names)."""
    found, todo = set(), [project]
    while todo:
        name = normalized(todo.pop())
        if name in found:
            continue
        found.add(name)
        try:
            requirements = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for requirement in requirements:
            spec, _, marker = requirement.partition(";")
            if "extra" not in marker:
                todo.append(re.match(r"[A-Za-z0-9._-]+", spec.strip()).group(0))  # type: ignore[union-attr]
    return found


def hide_test_only_modules() -> list[str]:
    """Make the optional imports that only the test extras installed fail, as in production; returns them."""
    production = production_distributions()
    installed = importlib.metadata.packages_distributions()
    hidden = []
    for module in OPTIONAL_IMPORTS:
        distributions = installed.get(module, [])
        if distributions and not any(normalized(d) in production for d in distributions):
            sys.modules[module] = None  # type: ignore[assignment]  # `import` raises ImportError
            hidden.append(distributions[0])
    return hidden


START = datetime(2026, 12, 1, 12, tzinfo=UTC)


def rss_mib() -> float:
    """The process's resident set size in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def seeded(members: int):  # type: ignore[no-untyped-def]
    def seed(fake: Any) -> None:
        from bot.simulator.harness import seed_guild

        seed_guild(fake)
        for i in range(members):
            fake.add_member(f"member{i}", locale="sv-SE", joined_at=START - timedelta(hours=members - i))

    return seed


async def started_on(database: Path, members: int) -> None:
    """In this process: start the bot as production runs it (its imports, its cycle-collector settings)
    on `database`, stay idle, print the RSS, the time to ready, the members cached, the imports' time
    and what was hidden."""
    hidden = hide_test_only_modules()
    began = time.perf_counter()
    from bot.core.collector import SETTLE, Collector
    from bot.simulator import Simulator

    imported = time.perf_counter() - began
    sim = Simulator(database, start=START, seed=seeded(members), collector=Collector())
    began = time.perf_counter()
    await sim.start()
    ready = time.perf_counter() - began
    gc.collect()
    await asyncio.sleep(SETTLE + 0.2)  # idle: the on-ready work done, and the collector's release after it
    print(f"{rss_mib():.1f} {ready:.3f} {len(sim.running_bot.guilds[0].members)} {imported:.3f} {','.join(hidden)}")
    await sim.close()


def start_in_new_process(database: Path, members: int) -> tuple[float, float, int, float, str]:
    child = subprocess.run([sys.executable, __file__, "--members", str(members), "--started-on", str(database)],
                           capture_output=True, text=True, check=True)
    memory, ready, cached, imported, *hidden = child.stdout.split()
    return float(memory), float(ready), int(cached), float(imported), ",".join(hidden)


def run(members: int) -> None:
    with TemporaryDirectory() as tmp:
        database = Path(tmp) / "bot.db"
        first = start_in_new_process(database, members)
        later = start_in_new_process(database, members)
    print(f"members cached:      {first[2]} and {later[2]}  (load {os.getloadavg()[0]:.1f})")
    print(f"imports:             {first[3]:.2f} s and {later[3]:.2f} s (hidden, as a production install has "
          f"none: {first[4] or 'nothing'})")
    for name, (memory, ready, *_) in (("first start", first), ("later start", later)):
        print(f"{name}:         ready in {ready:.2f} s (target <= 2 s), idle {memory:.1f} MiB "
              f"(target <= 80 MiB with 10,000 members)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="1,000 members (CI)")
    parser.add_argument("--members", type=int, default=None)
    parser.add_argument("--started-on", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    members = args.members or (1_000 if args.small else 10_000)
    if args.started_on:
        asyncio.run(started_on(args.started_on, members))
    else:
        run(members)


if __name__ == "__main__":
    main()
