"""One outbox: "send now, otherwise a durable job sends it later".

A decision that must be followed by a message (an invitation, a notice, a card) plans the send as
a job row in the decision's own transaction (`plan`), so a crash right after the commit cannot lose
it. The path that made the decision then tries at once (`now`): when the send succeeds, the row is
dropped; when the process dies first or the platform fails, the job runs the same sender later.
The sender is idempotent through one key per recipient (`send_key`), derived once from the job
key: the adapter turns it into Discord's nonce or Matrix's transaction id, so a send repeated
after a crash is not shown twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.core.clock import Clock
from bot.core.db import Tx
from bot.core.jobs import Job, JobQueue, RetryLater

log = logging.getLogger(__name__)

R = TypeVar("R")

#: A sender: True when the message was delivered (or no longer needs to be), False to try again later.
Sender = Callable[[Job], Awaitable[bool]]


def send_key(key: str, recipient: int | str | None = None) -> str:
    """The idempotency key of one send of a planned job (per recipient): the same on every retry."""
    return f"{key}|{recipient if recipient is not None else ''}"


class Outbox:
    """Planned sends on top of the durable job queue."""

    def __init__(self, jobs: JobQueue, clock: Clock) -> None:
        self._jobs = jobs
        self._clock = clock

    def register(self, kind: str, sender: Sender, *, grace: timedelta | None, retry: timedelta = timedelta(minutes=5),
                 on_missed: Callable[[Job], Awaitable[None]] | None = None) -> None:
        """Handle the planned sends of `kind`: a sender that returns False is tried again after `retry`."""

        async def handler(job: Job) -> None:
            if not await sender(job):
                raise RetryLater(retry, f"{kind} could not be delivered yet")

        self._jobs.register(kind, handler, grace=grace, on_missed=on_missed)

    def unregister(self, kind: str) -> None:
        """Stop handling `kind` (its rows stay planned)."""
        self._jobs.unregister(kind)

    async def plan(self, kind: str, key: str, payload: dict[str, Any], *, tx: Tx | None = None,
                   due: datetime | None = None) -> None:
        """Plan the safety net (inside the decision's transaction when `tx` is given)."""
        await self._jobs.schedule(kind, key, due or self._clock.now(), payload, tx=tx)

    async def now(self, key: str, send: Callable[[], Awaitable[R]], *, only_pending: bool = False,
                  settled: Callable[[R], bool] = bool) -> R | None:
        """Send in the caller's path and return what the sender returned; when `settled(result)` the planned
        row is dropped (it stays otherwise, and its job sends later).

        `only_pending`: do nothing (None) when the row already ran or was dropped, e.g. by an earlier press."""
        if only_pending and await self._jobs.state_of(key) != "pending":
            return None
        result = await send()
        if not settled(result):
            log.info("a send was left to its job (%s)", key.split(":", 1)[0])
            return result
        await self._jobs.cancel(key)
        return result
