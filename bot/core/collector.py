"""When Python's cycle collector runs: not in the middle of a burst of members' answers.

CPython frees most objects the moment their last reference goes, but objects that refer to each
other in a cycle (asyncio tasks and futures with their callbacks, exceptions with their frames) wait
for the cycle collector. It runs by itself every few hundred allocations and, now and then, walks
every object the process holds. In a bot with a large member cache and FAQ index that walk takes
tens to hundreds of milliseconds, and during a burst of interactions it lands in the middle of
members' answers: in the 1,000-interaction benchmark the automatic collections were about a quarter
of the CPU time, and every member behind one waited for it.

So the bot tells the collector when it is in a burst (more interactions in flight than the busy
threshold): automatic collection is paused until the burst is over and nothing has been in flight
for `quiet` seconds; then what piled up is collected at once, while nobody is waiting, and automatic
collection is switched on again. (Switched on without that collection, the objects the burst left
would be walked by the automatic collections that follow, at the start of whatever comes next.) A
burst that does not end still gets a collection of the young objects every `max_deferral` seconds,
so memory cannot grow without bound.
At start (`ready`), after the modules, catalogs, FAQ index and caches are loaded, everything alive
is moved out of the collector's sight (`gc.freeze`): later collections walk only what was created
since. A test process starts hundreds of bots, so the simulator builds its collector without the
freeze (each freeze would keep the earlier tests' objects for good).

Memory freed by start-up or by a burst goes back to the C allocator, which keeps most of it for
later: after the start-up's collection and after each burst's, the bot asks it to hand its free pages
back to the system (`release_free_memory`: glibc's `malloc_trim`; a no-op on other C libraries), and
once more `SETTLE` seconds after ready, when the on-ready work (the catch-up of joins the bot missed,
the Start post) is done. In the footprint benchmark that is about 1 MiB of the idle bot's resident
memory; it takes well under a millisecond, while nobody is waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

#: The longest automatic collection is paused within one burst (seconds); then the young objects are
#: collected once and the pause goes on.
MAX_DEFERRAL = 2.0
#: How long nothing must be in flight before a burst counts as over (seconds): in a busy second the
#: count touches zero between members, and a collection there would land in the middle of it.
QUIET = 0.05
#: How long after ready the free memory is released once more (seconds): the on-ready work is done then.
SETTLE = 2.0


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where the C library has none (musl, macOS) or ctypes is missing."""
    try:
        import ctypes  # discord.py imports it anyway (voice)

        return getattr(ctypes.CDLL(None), "malloc_trim", None)  # type: ignore[no-any-return]
    except (ImportError, OSError):
        return None


def release_free_memory() -> None:
    """Ask the C allocator to return the free pages it holds to the system (glibc); elsewhere nothing."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class Collector:
    """Pauses automatic cycle collection during bursts; freezes what start-up loaded."""

    def __init__(self, *, freeze_at_ready: bool = True, defer_in_bursts: bool = True,
                 max_deferral: float = MAX_DEFERRAL, quiet: float = QUIET,
                 release: Callable[[], None] | None = release_free_memory, settle: float = SETTLE) -> None:
        """`release` runs after the start-up's and each burst's collection (None: never)."""
        self.freeze_at_ready = freeze_at_ready
        self.release = release
        self.settle = settle
        self._settled: asyncio.TimerHandle | None = None
        self.defer_in_bursts = defer_in_bursts
        self.max_deferral = max_deferral
        self.quiet = quiet
        self._resume: asyncio.TimerHandle | None = None
        self.frozen = False
        #: Whether automatic collection is paused by this collector right now.
        self.deferring = False
        #: Bursts seen, and collections forced by a burst that lasted longer than `max_deferral`.
        self.bursts = 0
        self.overdue_collections = 0
        self._overdue: asyncio.TimerHandle | None = None

    def ready(self) -> None:
        """Start-up is done: collect once and move every object alive now out of later collections.

        Only the first call freezes (a reconnect that reports ready again changes nothing)."""
        if not self.freeze_at_ready or self.frozen:
            return
        gc.collect()
        gc.freeze()
        self.frozen = True
        self._release()
        with contextlib.suppress(RuntimeError):  # no running loop: no on-ready work to wait for
            self._settled = asyncio.get_running_loop().call_later(self.settle, self._release_settled)
        log.info("start-up objects frozen for the cycle collector: %d", gc.get_freeze_count())

    def burst_began(self) -> None:
        """More interactions are in flight than the busy threshold: pause automatic collection."""
        if self._resume is not None:  # the burst goes on after a short lull
            self._resume.cancel()
            self._resume = None
        if self.deferring or not self.defer_in_bursts:
            return
        if not gc.isenabled():
            return  # someone else (a test, a profiler) switched it off: leave it to them
        gc.disable()
        self.deferring = True
        self.bursts += 1
        self._arm_overdue()

    def burst_ended(self) -> None:
        """No interaction is in flight any more: once it stays so for `quiet` seconds, collect and resume."""
        if not self.deferring or self._resume is not None:
            return
        try:
            self._resume = asyncio.get_running_loop().call_later(self.quiet, self._collect_and_resume)
        except RuntimeError:  # no running loop: nobody can be waiting
            self._collect_and_resume()

    def _collect_and_resume(self) -> None:
        self._resume = None
        if not self.deferring:
            return
        self.deferring = False
        if self._overdue is not None:
            self._overdue.cancel()
            self._overdue = None
        gc.collect()
        gc.enable()
        self._release()

    def _release(self) -> None:
        if self.release is not None:
            self.release()

    def _release_settled(self) -> None:
        self._settled = None
        self._release()

    def _arm_overdue(self) -> None:
        with contextlib.suppress(RuntimeError):  # no running loop: nothing to arm (the burst ends in sync code)
            self._overdue = asyncio.get_running_loop().call_later(self.max_deferral, self._collect_overdue)

    def _collect_overdue(self) -> None:
        self._overdue = None
        if not self.deferring:
            return
        gc.collect(1)
        self.overdue_collections += 1
        self._arm_overdue()

    def close(self) -> None:
        """The bot stops: automatic collection as Python had it, and the frozen objects collectable again
        (a bot started again in the same process would otherwise keep the first one's cycles for good)."""
        if self._resume is not None:
            self._resume.cancel()
            self._resume = None
        if self._settled is not None:
            self._settled.cancel()
            self._settled = None
        if self.deferring:
            self._collect_and_resume()
        if self.frozen:
            gc.unfreeze()
            self.frozen = False
