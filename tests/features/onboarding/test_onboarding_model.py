"""The flow's state machine and the greeting planner, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.features.onboarding import greeting
from bot.features.onboarding.checklist import FAQ_COMMAND, build_items
from bot.features.onboarding.model import (
    StepNotOpen,
    after_answer,
    bits_to_topics,
    clean_topics,
    topics_to_bits,
)


def test_answering_the_current_step_moves_on() -> None:
    assert after_answer("language", "language", finished=False) == "consent"
    assert after_answer("mentor", "mentor", finished=False) == "done"


def test_an_old_message_answer_keeps_the_member_where_they_were() -> None:
    assert after_answer("language", "topics", finished=False) == "topics"


def test_later_steps_cannot_be_answered_early() -> None:
    with pytest.raises(StepNotOpen):
        after_answer("mentor", "consent", finished=False)


def test_after_finishing_a_change_returns_to_the_end() -> None:
    assert after_answer("topics", "topics", finished=True) == "done"


def test_topics_are_cleaned_and_round_trip_through_bits() -> None:
    assert clean_topics(["housing", "nonsense", "work", "work"]) == ["work", "housing"]
    assert bits_to_topics(topics_to_bits(["social", "work"])) == ["work", "social"]


def test_joins_in_one_window_share_one_flush_time() -> None:
    first = greeting.window_end(datetime(2026, 12, 1, 12, 0, 0, 100, tzinfo=UTC))
    later = greeting.window_end(datetime(2026, 12, 1, 12, 0, 4, tzinfo=UTC))
    assert first == later == datetime(2026, 12, 1, 12, 0, 5, tzinfo=UTC)


def test_the_checklist_follows_the_topics_and_always_points_to_the_faq() -> None:
    items = build_items(["healthcare"])
    assert any("1177" in item for item in items)
    assert "{command}" in items[-1] and FAQ_COMMAND.path == ("faq",)  # the adapter writes the command
    assert len(build_items([])) == 1
