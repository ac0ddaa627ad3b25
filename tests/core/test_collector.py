"""When the cycle collector runs: paused during a burst of interactions, on again after it."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core import collector as collector_module
from bot.core.collector import Collector, release_free_memory
from bot.features.faq.service import FaqService
from bot.simulator import Simulator


@pytest.fixture(autouse=True)
def collector_as_python_has_it() -> Iterator[None]:
    """Each test starts and ends with automatic collection on and nothing frozen."""
    gc.enable()
    yield
    gc.unfreeze()
    gc.enable()


def cycle() -> None:
    """Garbage only the cycle collector can free."""
    a: list[object] = []
    a.append(a)


async def resumed(collector: Collector) -> bool:
    """Wait (real time, the collector's quiet period is a loop timer) until the burst counts as over."""
    for _ in range(100):
        if not collector.deferring:
            return True
        await asyncio.sleep(0.01)
    return False


async def test_a_burst_pauses_automatic_collection_until_it_is_over_and_collects_what_it_left() -> None:
    collector = Collector(freeze_at_ready=False, quiet=0.02)
    collector.burst_began()
    assert not gc.isenabled() and collector.deferring
    collector.burst_began()  # a second report of the same burst changes nothing
    assert collector.bursts == 1
    for _ in range(1000):
        cycle()
    collector.burst_ended()
    assert not gc.isenabled(), "not before a quiet moment"
    assert await resumed(collector)
    assert gc.isenabled() and gc.get_count()[0] < 1000, "the burst's leftovers were collected at once"


async def test_a_short_lull_does_not_end_the_burst() -> None:
    collector = Collector(freeze_at_ready=False, quiet=0.05)
    collector.burst_began()
    collector.burst_ended()  # nothing in flight for a moment...
    await asyncio.sleep(0)
    collector.burst_began()  # ...and the next member is already there
    await asyncio.sleep(0.1)
    assert collector.deferring and not gc.isenabled() and collector.bursts == 1
    collector.close()
    assert gc.isenabled() and not collector.deferring


def test_without_a_running_loop_a_burst_ends_at_once() -> None:
    collector = Collector(freeze_at_ready=False)
    collector.burst_began()
    collector.burst_ended()
    assert gc.isenabled() and not collector.deferring


def test_collection_switched_off_by_someone_else_stays_off_and_is_not_switched_on() -> None:
    gc.disable()
    collector = Collector(freeze_at_ready=False)
    collector.burst_began()
    collector.burst_ended()
    assert not gc.isenabled() and collector.bursts == 0


def test_pythons_own_settings_when_asked() -> None:
    collector = Collector(freeze_at_ready=False, defer_in_bursts=False)
    collector.burst_began()
    assert gc.isenabled() and collector.bursts == 0


async def test_a_burst_that_does_not_end_still_has_its_young_garbage_collected() -> None:
    collector = Collector(freeze_at_ready=False, max_deferral=0.01)
    collector.burst_began()
    for _ in range(1000):
        cycle()
    before = gc.get_count()[0]
    for _ in range(50):  # real time: the overdue collection is a loop timer
        await asyncio.sleep(0.01)
        if collector.overdue_collections >= 2:
            break
    assert collector.overdue_collections >= 2, "every max_deferral seconds of a burst the young objects are collected"
    assert gc.get_count()[0] < before
    assert not gc.isenabled(), "and the pause goes on while the burst does"
    collector.close()
    assert gc.isenabled()


def test_ready_freezes_what_start_up_loaded_once() -> None:
    collector = Collector()
    collector.ready()
    frozen = gc.get_freeze_count()
    assert collector.frozen and frozen > 0
    kept = [object() for _ in range(10)] + [[] for _ in range(1000)]
    collector.ready()  # a reconnect reports ready again: nothing more is frozen
    assert gc.get_freeze_count() == frozen
    del kept
    collector.close()  # the bot stops: what was frozen can be collected again
    assert gc.get_freeze_count() == 0 and not collector.frozen


def test_without_the_freeze_nothing_is_frozen() -> None:
    collector = Collector(freeze_at_ready=False)
    collector.ready()
    assert not collector.frozen and gc.get_freeze_count() == 0


async def test_a_burst_of_members_pauses_collection_and_the_bot_switches_it_on_again(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sim.join("Amina", locale="en-US")
    collector = sim.running_bot.services.collector
    seen: list[bool] = []
    original = FaqService.answers

    def watching(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(FaqService, "answers", watching)
    sim.running_bot.burst_threshold = 0  # one interaction in flight already counts as a burst
    step = await sim.slash("Amina", '/faq search query:"bankid"')
    assert step.actions, "the member is answered"
    assert seen and not any(seen), "no automatic collection while the member was being answered"
    assert collector.bursts == 1 and await resumed(collector) and gc.isenabled()
    assert not collector.frozen, "the simulator's bots do not freeze the test process's objects"


async def test_the_production_collector_freezes_at_ready(tmp_path, catalogs) -> None:  # type: ignore[no-untyped-def]
    async with Simulator.running(tmp_path / "bot.db", catalogs=catalogs, collector=Collector()) as sim:
        assert sim.running_bot.services.collector.frozen


async def test_free_memory_goes_back_to_the_system_after_start_up_and_after_a_burst() -> None:
    released: list[str] = []
    collector = Collector(release=lambda: released.append("now"), settle=0.02, quiet=0.01)
    collector.ready()
    assert released == ["now"], "right after the start-up's collection"
    for _ in range(100):  # real time: the settle period is a loop timer
        if len(released) == 2:
            break
        await asyncio.sleep(0.01)
    assert len(released) == 2, "and again once the on-ready work has had time to finish"
    collector.burst_began()
    collector.burst_ended()
    assert await resumed(collector)
    assert len(released) == 3, "and after the collection that ends a burst"
    collector.close()


async def test_a_bot_stopped_before_the_settle_period_releases_nothing_later() -> None:
    released: list[int] = []
    collector = Collector(release=lambda: released.append(1), settle=0.02)
    collector.ready()
    collector.close()
    await asyncio.sleep(0.05)
    assert released == [1]


def resident_mib() -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(collector_module._malloc_trim() is None, reason="the C library has no malloc_trim (not glibc)")
def test_release_free_memory_hands_freed_heap_pages_back() -> None:
    # 64 MiB of 4 KB blocks from the C allocator; every 64th is kept, so the freed ones are holes in
    # the middle of the heap that the allocator keeps (its own trimming only gives back the top).
    blocks = [bytearray(4000) for _ in range(16_000)]
    for block in blocks:
        block[::512] = b"x" * len(block[::512])  # touch every page
    kept = blocks[::64]
    del blocks
    before = resident_mib()
    release_free_memory()
    after = resident_mib()
    assert before - after > 20, f"resident memory {before:.1f} -> {after:.1f} MiB"
    del kept
