"""Fitting a burst of greeted members into few Discord messages."""

from __future__ import annotations

from bot.edge.mentions import plan_chunks, render_chunk


def test_chunks_stay_within_discord_limits_and_keep_everyone() -> None:
    header = "x" * 500
    ids = list(range(10**18, 10**18 + 1000))
    chunks = plan_chunks(header, ids)
    assert [uid for chunk in chunks for uid in chunk] == ids
    assert all(len(render_chunk(header, chunk)) <= 2000 for chunk in chunks)
    assert all(len(chunk) <= 100 for chunk in chunks)
    assert len(chunks) < 50


def test_the_mention_cap_applies_even_with_short_mentions() -> None:
    chunks = plan_chunks("hi", list(range(1, 251)))
    assert [len(c) for c in chunks] == [100, 100, 50]
