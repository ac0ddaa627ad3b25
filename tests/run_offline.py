"""`multinations-bot run` as a real process, with the local guild simulator in place of Discord.

    python -m tests.run_offline DATABASE SCENARIO

The real `bot.cli.main(["run", ...])` runs: settings, services, the bot, the signal handlers and the
shutdown. Only the Discord connection is replaced: `MultinationsBot.start` logs in through the
simulator's fake HTTP session and delivers READY with the seeded guild (no gateway, no network),
then stays connected until the bot is closed, as the real gateway loop does. A scenario then acts as
members do and prints what the test needs on stdout; the test sends the signals.

Scenarios:
- `leave`: Amal chooses Arabic and leaves (her data is due to be forgotten in 30 days). Prints
  `READY <amal id>`.
- `interaction`: Amal presses the `/privacy delete` button; inside the deletion's transaction the
  process receives SIGTERM, and the transaction then writes once more before it commits.
- `stuck`: as `interaction`, but the transaction never ends (prints `STUCK`): only a second
  signal can end the process.

After `main` returns, the process opens the database once more and prints `REOPENED` when the
process lock and the database were released.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from bot import cli
from bot.core.clock import to_db
from bot.core.db import Database, Tx
from bot.core.privacy import PrivacySection
from bot.edge.client import MultinationsBot
from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID
from bot.simulator.harness import DEFAULT_START as START

MARK_KEY = "test:after-signal"


async def _nothing(tx: Tx, user_id: int) -> None:
    return None


async def _yield_to_the_loop(times: int = 50) -> None:
    for _ in range(times):
        await asyncio.sleep(0)


def _print(line: str) -> None:
    print(line, flush=True)


async def _members_act(sim: Simulator, scenario: str) -> None:
    await sim.join("Amal")
    await sim.slash("Amal", "/language")
    await sim.pick("Amal", ["ar"])
    amal = sim.member("Amal").id
    if scenario == "leave":
        await sim.leave("Amal")
        _print(f"READY {amal}")
        return
    never = asyncio.Event()

    async def signal_inside_the_transaction(tx: Tx, user_id: int) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        await _yield_to_the_loop()  # the handler runs and the shutdown starts meanwhile
        if scenario == "stuck":
            _print("STUCK")
            await never.wait()
        await tx.execute(
            "INSERT INTO guild_config(guild_id, key, value, updated_at) VALUES (?, ?, '1', ?)",
            (GUILD_ID, MARK_KEY, to_db(sim.now)),
        )

    services = sim.running_bot.services
    services.privacy.register(PrivacySection("zz-signal", "Signal", "", _nothing, signal_inside_the_transaction))
    step = await sim.slash("Amal", "/privacy delete")
    _print(f"PRESSING {amal}")
    await sim.press("Amal", step.last().buttons()[0]["custom_id"])


def _offline_gateway(sim: Simulator, scenario: str) -> Any:
    tasks: set[asyncio.Task[None]] = set()

    async def start(self: MultinationsBot, token: str, *, reconnect: bool = True) -> None:
        await sim.attach(self)
        task = asyncio.get_running_loop().create_task(_members_act(sim, scenario), name="scenario")
        tasks.add(task)
        while not self.is_closed():  # the real gateway loop also returns once the bot is closed
            await asyncio.sleep(0.02)

    return start


async def _reopen(path: Path) -> None:
    db = await Database.open(path, migrate=False)
    await db.close()
    _print("REOPENED")


def main() -> int:
    """Run the command line's `run` against the simulated guild; then check the database is free."""
    database, scenario = Path(sys.argv[1]), sys.argv[2]
    sim = Simulator(database, start=START)
    sim.set_time(START)  # `run` too runs on the simulated clock, never on the day the test runs
    MultinationsBot.start = _offline_gateway(sim, scenario)  # type: ignore[method-assign]
    code = cli.main(["run", "--db", str(database)])
    asyncio.run(_reopen(database))
    return code


if __name__ == "__main__":
    sys.exit(main())
