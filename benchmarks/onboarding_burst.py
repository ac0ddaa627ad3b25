"""A raid-like burst of joins through the local guild simulator: nothing lost, few greetings, low request rate.

    .venv/bin/python benchmarks/onboarding_burst.py            # 1,000 joins within 10 simulated seconds
    .venv/bin/python benchmarks/onboarding_burst.py --small    # 100 joins (CI)

Prints: joins recorded (must be all), welcome messages sent (target < 50), members greeted, the highest
request rate to Discord (per second of loop time and per simulated second), and the wall time the bot
needed to take in the burst (target: faster than 1,000 joins per second).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def max_per_second(stamps: list[float]) -> int:
    """The most events inside any one-second window."""
    stamps = sorted(stamps)
    best, left = 0, 0
    for right, stamp in enumerate(stamps):
        while stamp - stamps[left] >= 1.0:
            left += 1
        best = max(best, right - left + 1)
    return best


async def run(joins: int, seconds: float, batches: int, extensions: list[str] | None = None) -> dict[str, float]:
    """Play the burst (with every extension, or only `extensions`) and return the figures."""
    with tempfile.TemporaryDirectory() as folder:
        async with Simulator.running(Path(folder) / "bench.sqlite3", start=START, extensions=extensions) as sim:
            bot = sim.running_bot
            fake = sim.discord
            requests_before = len(fake.requests)
            actions_before = len(fake.actions)
            per_batch = joins // batches
            step = timedelta(seconds=seconds / batches)
            busy = 0.0
            wall_start = time.perf_counter()
            made = 0
            for batch in range(batches):
                count = per_batch if batch < batches - 1 else joins - made
                began = time.perf_counter()
                for _ in range(count):
                    member = fake.add_member(f"Raider {made}", locale="en-US")
                    made += 1
                    bot._connection.parse_guild_member_add(
                        {"guild_id": str(GUILD_ID), **member.payload()}  # type: ignore[typeddict-item]
                    )
                await sim.settle()
                busy += time.perf_counter() - began
                await sim.advance(step)  # greetings due on the way are sent here
            await sim.advance(timedelta(seconds=10))  # the last window's flush
            # A flush sends what the welcome channel takes per window (Discord's per-channel limit);
            # a larger burst is greeted by the following windows' flushes.
            for _ in range(200):
                if not await bot.services.capabilities["onboarding"].ungreeted(GUILD_ID):
                    break
                await sim.advance(timedelta(seconds=5))
            greeted_by = sim.now - START
            wall = time.perf_counter() - wall_start
            recorded = await bot.services.db.fetchval(
                "SELECT COUNT(*) FROM onboarding_members WHERE guild_id = ?", (GUILD_ID,))
            new_actions = fake.actions[actions_before:]
            greetings = [a for a in new_actions if a.kind == "message" and a.to == "#welcome"]
            greeted = len({name for g in greetings for name in g.mentions})
            loop_stamps = [stamp for stamp, _method, _path in fake.requests[requests_before:]]
            per_sim_second = Counter(int(a.at.timestamp()) for a in new_actions)
            return {
                "joins": joins,
                "recorded": recorded,
                "welcome_messages": len(greetings),
                "greeted": greeted,
                "longest_message": max((len(g.content) for g in greetings), default=0),
                "requests": len(loop_stamps),
                "max_requests_per_loop_second": max_per_second(loop_stamps),
                "max_requests_per_simulated_second": max(per_sim_second.values(), default=0),
                "greeted_after_seconds": greeted_by.total_seconds(),
                "rate_limited": len(fake.ratelimits.refused),
                "join_processing_seconds": busy,
                "wall_seconds": wall,
            }


def main() -> int:
    """Run and print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="100 joins (a few seconds, for CI)")
    parser.add_argument("--joins", type=int, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    joins = args.joins or (100 if args.small else 1000)
    batches = 100 if joins >= 100 else joins
    figures = asyncio.run(run(joins, seconds=10.0, batches=batches))
    alone = asyncio.run(run(joins, seconds=10.0, batches=batches, extensions=["cogs.onboarding"]))
    rate = figures["joins"] / figures["join_processing_seconds"] if figures["join_processing_seconds"] else 0.0
    rate_alone = joins / alone["join_processing_seconds"] if alone["join_processing_seconds"] else 0.0
    print(f"joins played:                       {figures['joins']} within 10 simulated seconds")
    print(f"joins recorded:                     {figures['recorded']}"
          f" ({'all' if figures['recorded'] == figures['joins'] else 'LOST SOME'})")
    print(f"welcome messages sent:              {figures['welcome_messages']} (target < 50)")
    print(f"members greeted (mentioned once):   {figures['greeted']}")
    print(f"longest welcome message:            {figures['longest_message']} characters (limit 2,000)")
    print(f"requests to Discord:                {figures['requests']}")
    print(f"highest request rate:               {figures['max_requests_per_loop_second']}/s of wall time, "
          f"{figures['max_requests_per_simulated_second']}/s of simulated time (Discord allows 50/s)")
    print(f"everyone greeted after:             {figures['greeted_after_seconds']:.0f} simulated seconds; "
          f"{figures['rate_limited']} requests answered 429")
    print(f"bot time to take in the joins:      {figures['join_processing_seconds']:.3f} s ({rate:,.0f} joins/s)")
    print(f"wall time incl. greetings:          {figures['wall_seconds']:.3f} s")
    print(f"same burst, only onboarding loaded: {alone['join_processing_seconds']:.3f} s ({rate_alone:,.0f} joins/s; "
          f"the full bot adds the core's per-join retention check; figures are noisy on a shared machine)")
    ok = figures["recorded"] == figures["joins"] and figures["welcome_messages"] < 50
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
