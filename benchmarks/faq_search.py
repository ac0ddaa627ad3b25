"""FAQ search benchmark: hit rates on the labelled query set, and latency on the starter set and at scale.

    .venv/bin/python benchmarks/faq_search.py           # starter set + 1,000 entries x 10 languages
    .venv/bin/python benchmarks/faq_search.py --small   # the same, smaller and quicker (CI)

Prints top-1 and top-3 hit rates on `benchmarks/faq_queries.yaml` (target: top-3 >= 95 %, and held by
every speed-up), overall and per language, for the tuning part and the held-out part of the set apart
(the misses of the tuning part only: the held-out queries stay unseen by tuning), and search latency
p50/p99 in milliseconds, each beside its target: p99 <= 1 ms at
5,000 texts (500 entries x 10 languages, each text a question, three aliases and an answer), and at
1,000 entries x 10 languages for comparison. Figures only, no assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.clock import FixedClock
from bot.core.db import Database
from bot.features.faq.search import ALIAS, ANSWER, QUESTION, Document, SearchIndex
from bot.features.faq.service import FaqService

QUERIES = Path(__file__).resolve().parent / "faq_queries.yaml"

# Syllables per script for synthetic texts (sv en so de nl: Latin; ar fa: Arabic; uk: Cyrillic; ...).
SYLLABLES = {
    "latin": ["ka", "lo", "ver", "sti", "ning", "bar", "tol", "mek", "un", "dra", "sen", "fo", "rik", "al", "met",
              "sko", "la", "pen", "hus", "tid", "gar", "vin", "ter", "bo", "ast", "ek", "mi", "nor", "sjo", "be"],
    "arabic": ["كا", "لو", "مر", "سا", "بي", "تو", "نا", "دي", "فر", "حل", "شم", "قب", "وز", "جي", "عن", "رس"],
    "cyrillic": ["ка", "ло", "вер", "сті", "нин", "бар", "тол", "мек", "ун", "дра", "сен", "фо", "рік", "ал"],
    "devanagari": ["का", "लो", "वर", "स्ती", "निं", "बार", "तोल", "मेक", "उन", "द्रा", "सेन", "फो"],
    "ethiopic": ["ካ", "ሎ", "ቨር", "ስቲ", "ኒን", "ባር", "ቶል", "መክ", "ኡን", "ድራ", "ሰን", "ፎ"],
}
SCRIPT_OF = {"sv": "latin", "en": "latin", "so": "latin", "de": "latin", "nl": "latin", "ar": "arabic",
             "fa": "arabic", "uk": "cyrillic", "hi": "devanagari", "ti": "ethiopic"}


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def time_queries(search: object, queries: list[str], rounds: int) -> tuple[float, float, float]:
    """p50 and p99 wall time, and p99 CPU time of the thread, in milliseconds of `search(query)`.

    The CPU time leaves out the time the process waits for a core, which on a shared, loaded
    machine dominates the wall-clock tail; both are printed.
    """
    timings: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        for query in queries:
            start, start_cpu = time.perf_counter(), time.thread_time()
            search(query)  # type: ignore[operator]
            cpu.append((time.thread_time() - start_cpu) * 1000)
            timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), percentile(timings, 0.99), percentile(cpu, 0.99)


async def starter_figures(rounds: int) -> None:
    """Hit rates and latency on the shipped starter set."""
    labelled = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(Path(folder) / "bench.sqlite3")
        try:
            service = FaqService(db, FixedClock(datetime(2026, 12, 1, tzinfo=UTC)))
            await service.ensure_starter()
            await service.load()
            print(f"labelled queries: {len(labelled)}, starter entries: {len(service.entries)}")
            for part, items in (("tuning", [i for i in labelled if not i.get("held_out")]),
                                ("held out", [i for i in labelled if i.get("held_out")])):
                report(service, part, items)
            p50, p99, cpu99 = time_queries(service.search, [str(i["query"]) for i in labelled], rounds)
            print(f"starter set search latency: p50 {p50:.3f} ms, p99 {p99:.3f} ms (CPU time p99 {cpu99:.3f} ms)")
        finally:
            await db.close()


def report(service: FaqService, part: str, items: list[dict]) -> None:
    """Top-1 and top-3 hit rates of one part of the labelled set, overall and per language."""
    by_language: dict[str, list[int]] = {}
    misses: list[str] = []
    for item in items:
        found = [e.slug for e in service.search(str(item["query"]), limit=3)]
        counts = by_language.setdefault(str(item.get("lang", "?")), [0, 0, 0])
        counts[0] += 1
        counts[1] += bool(found) and found[0] == item["expect"]
        counts[2] += item["expect"] in found
        if not found or found[0] != item["expect"]:
            where = "top-3" if item["expect"] not in found else "top-1"
            misses.append(f"{where}: {item['query']!r} -> {found} (expected {item['expect']})")
    n = len(items)
    top1 = sum(c[1] for c in by_language.values())
    top3 = sum(c[2] for c in by_language.values())
    print(f"{part}: {n} queries, top-1 hit rate {top1 / n:.1%}, top-3 hit rate {top3 / n:.1%}   (target top-3 >= 95%)")
    for language, (count, one, three) in sorted(by_language.items()):
        print(f"  {language:3} {count:3} queries  top-1 {one / count:6.1%}  top-3 {three / count:6.1%}")
    if part == "tuning":
        for miss in misses:
            print(f"  miss: {miss}")


def synthetic_figures(entries: int, rounds: int, seed: int = 7) -> None:
    """Latency on synthetic entries x 10 languages (question, 3 aliases, answer start each)."""
    rng = random.Random(seed)

    def word(script: str) -> str:
        return "".join(rng.choice(SYLLABLES[script]) for _ in range(rng.randint(2, 4)))

    def phrase(script: str, n: int) -> str:
        return " ".join(word(script) for _ in range(n))

    index = SearchIndex()
    questions: list[tuple[str, int]] = []
    corpus: list[list[Document]] = []
    for entry_id in range(1, entries + 1):
        docs: list[Document] = []
        for language, script in SCRIPT_OF.items():
            question = phrase(script, rng.randint(4, 8))
            docs.append(Document(language, QUESTION, question))
            docs += [Document(language, ALIAS, phrase(script, rng.randint(1, 2))) for _ in range(3)]
            docs.append(Document(language, ANSWER, phrase(script, 30)))
            if language in ("sv", "ar", "uk"):
                questions.append((question, entry_id))
        corpus.append(docs)
    start = time.perf_counter()
    for entry_id, docs in enumerate(corpus, start=1):
        index.put(entry_id, docs)
    build = time.perf_counter() - start
    index.search("warm up")

    def typo(text: str) -> str:
        words = text.split()[: rng.randint(1, 3)]
        chosen = " ".join(words)
        if len(chosen) > 5 and rng.random() < 0.5:
            i = rng.randrange(1, len(chosen) - 1)
            chosen = chosen[:i] + chosen[i + 1:]
        return chosen

    labelled = [(typo(text), entry_id) for text, entry_id in (rng.choice(questions) for _ in range(300))]
    queries = [query for query, _ in labelled]
    found = sum(entry_id in [h.entry_id for h in index.search(query, limit=3)] for query, entry_id in labelled)
    p50, p99, cpu99 = time_queries(index.search, queries, rounds)
    texts = entries * len(SCRIPT_OF)
    aim = " (target p99 <= 1 ms at 5,000 texts)" if texts == 5_000 else ""
    print(f"synthetic {entries} entries x 10 languages ({texts:,} texts): index built in {build:.2f} s; "
          f"top-3 hit rate {found / len(labelled):.1%} (1-3 words of a question, some with a deleted letter); "
          f"search latency p50 {p50:.3f} ms, p99 {p99:.3f} ms (CPU time p99 {cpu99:.3f} ms){aim}")


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run (CI)")
    args = parser.parse_args()
    asyncio.run(starter_figures(rounds=3 if args.small else 20))
    for entries in (500, 1000):
        synthetic_figures(entries=entries, rounds=1 if args.small else 5)


if __name__ == "__main__":
    main()
