"""A large FAQ through the local guild simulator: the welcome's last step, `/faq todo` and `/faq browse`.

    .venv/bin/python benchmarks/faq_scale.py            # 5,000 extra entries
    .venv/bin/python benchmarks/faq_scale.py --small    # 500 extra entries (CI)

The extra entries are spread over the categories and tagged with help topics, with an English source
and a Swedish translation (so `/faq todo` has work in every other language; it comes a page at a
time). Prints the wall time of each interaction as the member waits for it (the simulator runs in the
same process, so its own work is inside the figures), the welcome's FAQ pick alone, and the same pick
done the earlier way (every topic sorting and comparing the whole list) for comparison. Figures only, no assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.capabilities import HELP_TOPICS
from bot.features.faq.models import CATEGORIES, CATEGORY_TOPICS
from bot.features.faq.service import FaqService, _display_order
from bot.simulator import Simulator

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TOPICS = ["work", "housing", "swedish", "healthcare"]


def document(count: int) -> str:
    """`count` synthetic entries over every category, each tagged with one help topic."""
    categories, topics = list(CATEGORIES), list(HELP_TOPICS)
    entries = [{
        "slug": f"bench-{n:05d}", "category": categories[n % len(categories)], "source_language": "en",
        "topics": [topics[n % len(topics)]], "last_checked": "2026-01-01",
        "texts": {"en": {"question": f"Benchmark question number {n}?", "answer": "A short answer. " * 10},
                  "sv": {"question": f"Testfråga nummer {n}?", "answer": "Ett kort svar. " * 10}},
    } for n in range(count)]
    return yaml.safe_dump({"format": "multinations-faq", "version": 1, "entries": entries}, allow_unicode=True)


def earlier_pick(service: FaqService, topics: list[str], limit: int = 5) -> list[Any]:
    """The pick as it was before: per topic the whole list sorted, and a list membership test per entry."""
    picked: list[Any] = []
    for topic in [t for t in topics if t in HELP_TOPICS]:
        ranked = sorted(service.entries, key=lambda e, t=topic: (CATEGORY_TOPICS.get(e.category) != t,
                                                               *_display_order(e)))
        for entry in ranked:
            if topic in entry.all_topics and entry not in picked:
                picked.append(entry)
    return picked[:limit]


async def timed(action: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = await action()
    return (time.perf_counter() - began) * 1000, result


def fmt(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} ms, max {max(values):.1f} ms (n={len(values)})"


async def run(extra: int, members: int, compare: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with Simulator.running(Path(folder) / "bench.sqlite3", start=START) as sim:
            service = sim.running_bot.services.capabilities["faq"]
            assert isinstance(service, FaqService)
            ms, _ = await timed(lambda: service.import_document(document(extra), "bench.yaml"))
            print(f"entries: {len(service.entries)} ({extra} synthetic + the starter set); "
                  f"import took {ms / 1000:.1f} s")

            async def pace() -> None:
                await sim.advance(timedelta(seconds=2))

            # The welcome's last step (the answer to "would you like a mentor?" builds the checklist).
            last_steps: list[float] = []
            for n in range(members):
                name = f"Newcomer {n}"
                await sim.join(name, locale="en-US")
                uid = sim.member(name).id
                await sim.press(name, "onb:start")
                for kind, value in (("pick", "language:en"), ("press", "consent:yes"),
                                    ("pick", "topics:" + ",".join(TOPICS)), ("press", "area:none")):
                    await pace()
                    step, chosen = value.split(":")
                    if kind == "pick":
                        await sim.pick(name, chosen.split(","), select=f"onb:pick:{uid}:{step}")
                    else:
                        await sim.press(name, f"onb:step:{uid}:{step}:{chosen}")
                await pace()
                ms, _ = await timed(lambda name=name, uid=uid: sim.press(name, f"onb:step:{uid}:mentor:no"))
                last_steps.append(ms)
            print(f"welcome, last step (checklist built):  {fmt(last_steps)}")

            picks = []
            for _ in range(20):
                ms, _ = await timed(lambda: service.entries_for_topics(TOPICS, "en", 5))
                picks.append(ms)
            print(f"  the FAQ pick alone:                  {fmt(picks)}")
            if compare:
                began = time.perf_counter()
                earlier_pick(service, TOPICS)
                print(f"  the same pick the earlier way:       {(time.perf_counter() - began) * 1000:.1f} ms")

            await sim.join("Bertil", locale="en-US")
            await sim.grant("Bertil", "volunteer")
            todos: list[float] = []
            for language in (None, "ar"):
                for _ in range(3):
                    await pace()
                    options = {"language": language} if language else None
                    ms, step = await timed(lambda options=options: sim.slash("Bertil", "/faq todo", options=options))
                    todos.append(ms)
            size = len(step.last().text)
            print(f"/faq todo (all languages and one):     {fmt(todos)}; its first page is {size:,} characters")

            browse: list[float] = []
            pages: list[float] = []
            for category in list(CATEGORIES)[:3]:
                await pace()
                ms, step = await timed(lambda category=category: sim.slash(
                    "Bertil", "/faq browse", options={"category": category}))
                browse.append(ms)
                message = sim.discord.messages[step.last("interaction_response").message_id]
                for _ in range(5):
                    buttons = {b.get("label"): b for row in message.components for b in row["components"]}
                    if "Next" not in buttons or buttons["Next"].get("disabled"):
                        break
                    await pace()
                    ms, step = await timed(lambda message=message: sim.press("Bertil", "Next", message=message))
                    pages.append(ms)
                    message = sim.discord.messages[step.last("edit").message_id]
            per_category = len(service.by_category("work"))
            print(f"/faq browse (first page):              {fmt(browse)}; {per_category} entries in a category")
            print(f"/faq browse, Next page:                {fmt(pages)}")


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="500 extra entries (CI)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(extra=500 if args.small else 5000, members=3 if args.small else 10, compare=True))


if __name__ == "__main__":
    main()
