"""The simulator's clock, as Discord's side sees it.

Two things make time pass for the simulated Discord:

* the simulated clock (time-machine, moved by the harness with `advance`), which also moves when
  discord.py waits out a rate limit: its `asyncio.sleep` inside `discord.http` and the webhook adapter
  is replaced while a simulator runs, so a 0.5 s wait costs no real time. The clock moves by the wait
  only once nothing else in the loop can run (a discrete-event step): the other handlers go on
  meanwhile, as they would during the real wait, and are not aged by it;
* real time the event loop spends *waiting* (idle in its selector: a real sleep, a database thread
  held up by a lock). Time spent computing is not counted, so a slow or busy test machine does not
  make a handler late, while a handler that really awaits something slow still is.

`SimClock.now()` is the sum, in seconds; deadlines (the 3-second first response, the 15-minute
token) and rate-limit windows are measured on it.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import discord.http
import discord.webhook.async_


class SimClock:
    """Simulated seconds plus the loop's real idle time."""

    def __init__(self, mover: Callable[[datetime], None] | None = None) -> None:
        self._mover = mover  # moves the simulated clock to a later time; None: the real clock runs by itself
        self.idle = 0.0
        self._meter: _IdleMeter | None = None
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []  # (wake at, order, waiter)
        self._order = 0

    def now(self) -> float:
        """Seconds on Discord's clock."""
        return time.time() + (self.idle if self._mover is not None else 0.0)

    def jump(self, seconds: float) -> None:
        """Let `seconds` of simulated time pass (discord.py waiting out a rate limit)."""
        if self._mover is not None and seconds > 0:
            # Waiters who start at the same instant wake together: each asks for "now + its wait", and
            # the clock only ever moves forward.
            self._mover(datetime.now(UTC) + timedelta(microseconds=math.ceil(seconds * 1_000_000) + 1))

    def sleep_until_idle(self, delay: float) -> asyncio.Future[None] | None:
        """A waiter woken once `delay` simulated seconds have passed, the clock being moved only when
        nothing else in the loop can run (None when this clock does not meter a loop).

        So a task waiting out a rate limit does not age the others: they go on meanwhile, as they
        would while the real wait ran, and only what is left waiting afterwards sees the time pass."""
        if self._meter is None or self._mover is None:
            return None
        waiter: asyncio.Future[None] = self._meter.loop.create_future()
        self._order += 1
        heapq.heappush(self._sleepers, (self.now() + delay, self._order, waiter))
        return waiter

    def _wake_sleepers(self) -> bool:
        """The loop is idle: move the clock to the earliest sleeper's time and wake who is due."""
        while self._sleepers and self._sleepers[0][2].done():  # cancelled meanwhile
            heapq.heappop(self._sleepers)
        if not self._sleepers:
            return False
        due = self._sleepers[0][0]
        if due > self.now():
            self.jump(due - self.now())
        while self._sleepers and self._sleepers[0][0] <= self.now():
            _, _, waiter = heapq.heappop(self._sleepers)
            if not waiter.done():
                waiter.set_result(None)
        return True

    @property
    def simulated(self) -> bool:
        """Whether waits move a simulated clock (False: the real clock, the bot really waits)."""
        return self._mover is not None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start counting the loop's idle time and take over discord.py's rate-limit sleeps."""
        global _active
        if self._meter is None or self._meter.loop is not loop:
            self.detach()
            self._meter = _IdleMeter.install(loop, self)
        _install_sleep_shim()
        _active = self

    def detach(self) -> None:
        """Stop both."""
        global _active
        if self._meter is not None:
            self._meter.remove()
            self._meter = None
        if _active is self:
            _active = None


class _IdleMeter:
    """Wraps the loop selector's `select` to add the time it blocks to `clock.idle`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, selector: Any, clock: SimClock) -> None:
        self.loop = loop
        self._selector = selector
        original = selector.select

        def select(timeout: float | None = None) -> Any:
            began = time.perf_counter()
            try:
                if clock._sleepers and (timeout is None or timeout > 0):
                    # Idle with simulated sleepers: give real work (a database thread, a pipe) a
                    # moment; if nothing comes, it is the sleepers' turn.
                    events = original(IDLE_GRACE if timeout is None else min(timeout, IDLE_GRACE))
                    if events or not clock._wake_sleepers():
                        return events
                    return original(0)
                return original(timeout)
            finally:
                clock.idle += time.perf_counter() - began

        selector.select = select

    @classmethod
    def install(cls, loop: asyncio.AbstractEventLoop, clock: SimClock) -> _IdleMeter | None:
        selector = getattr(loop, "_selector", None)
        if selector is None or "select" in vars(selector):  # not a selector loop, or already wrapped
            return None
        return cls(loop, selector, clock)

    def remove(self) -> None:
        vars(self._selector).pop("select", None)


_active: SimClock | None = None

#: How long (real seconds) an idle loop waits for real work before simulated sleepers wake.
IDLE_GRACE = 0.005


class _SleepShim:
    """`asyncio` as discord.py's HTTP modules see it, with `sleep` on the simulated clock."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(delay: float, result: Any = None) -> Any:
        clock = _active
        if clock is None or not clock.simulated or delay <= 0:
            return await asyncio.sleep(delay, result)
        waiter = clock.sleep_until_idle(delay)
        if waiter is None:  # no metered loop: let the time pass at once
            clock.jump(delay)
            await asyncio.sleep(0)
        else:
            await waiter
        return result


def _install_sleep_shim() -> None:
    shim = _SleepShim()
    for module in (discord.http, discord.webhook.async_):
        if not isinstance(module.asyncio, _SleepShim):  # type: ignore[attr-defined]
            module.asyncio = shim  # type: ignore[attr-defined]
