"""Search quality on the labelled query set (benchmarks/faq_queries.yaml): the top-3 target holds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml

from bot.core.clock import FixedClock
from bot.core.db import Database
from bot.features.faq.service import FaqService

QUERIES = Path(__file__).resolve().parents[3] / "benchmarks" / "faq_queries.yaml"


async def test_labelled_queries_find_their_entry_in_the_top_three(db: Database) -> None:
    service = FaqService(db, FixedClock(datetime(2026, 12, 1, tzinfo=UTC)))
    await service.ensure_starter()
    labelled = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    languages_written = {"latin": 0, "other": 0}
    hits = 0
    for item in labelled:
        query = str(item["query"])
        languages_written["latin" if query.isascii() else "other"] += 1
        hits += item["expect"] in [e.slug for e in service.search(query, limit=3)]
    assert len(labelled) >= 80 and languages_written["other"] >= 30
    assert hits / len(labelled) >= 0.95
