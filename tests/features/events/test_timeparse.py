"""Reading dates and times as people write them, and refusing local times that do not exist."""

from __future__ import annotations

from datetime import UTC, date, time
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import UserError
from bot.features.events.timeparse import (
    AmbiguousTime,
    NonexistentTime,
    localize,
    parse_date,
    parse_offsets,
    parse_time,
)

ZONE = ZoneInfo("Europe/Stockholm")
TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-24", date(2026, 12, 24)),  # ISO (sv, and everyone)
        ("24.12.2026", date(2026, 12, 24)),  # de, uk, sv
        ("24/12/2026", date(2026, 12, 24)),  # en-GB, ar, nl
        ("24-12-2026", date(2026, 12, 24)),  # nl
        ("24.12.26", date(2026, 12, 24)),
        ("24.12", date(2026, 12, 24)),  # this year
        ("3.1", date(2027, 1, 3)),  # already past this year: next year
        (" 2027-3-5 ", date(2027, 3, 5)),
    ],
)
def test_usual_date_forms_are_read_day_first(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


def test_month_first_date_is_refused_with_an_iso_suggestion() -> None:
    with pytest.raises(UserError) as caught:
        parse_date("12/24/2026", TODAY)
    assert caught.value.values["example"] == "2026-12-24"


@pytest.mark.parametrize("text", ["31.02.2026", "tomorrow", "2026-13-01", "24 12 2026", ""])
def test_impossible_or_unreadable_dates_are_refused(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_date(text, TODAY)
    assert "could not read the date" in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18:00", time(18)), ("18.00", time(18)), ("1800", time(18)), ("18", time(18)), ("6pm", time(18)),
        ("6 pm", time(18)), ("6:30 p.m.", time(18, 30)), ("12am", time(0)), ("12pm", time(12)),
        ("kl. 18", time(18)), ("kl 18.30", time(18, 30)), ("18 Uhr", time(18)), ("18u", time(18)),
        ("18h30", time(18, 30)), ("9.05", time(9, 5)),
    ],
)
def test_usual_time_forms(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "18:60", "13pm", "0am", "evening", "kl. 25", "6 pm pm"])
def test_bad_times_are_refused(text: str) -> None:
    with pytest.raises(UserError):
        parse_time(text)


def test_reminder_offsets() -> None:
    assert parse_offsets("24h, 1h") == [1440, 60]
    assert parse_offsets("2d 30m") == [2880, 30]
    with pytest.raises(UserError):
        parse_offsets("soon")
    with pytest.raises(UserError):
        parse_offsets("1m")


def test_spring_gap_is_refused_with_a_suggestion() -> None:
    with pytest.raises(NonexistentTime) as caught:
        localize(date(2027, 3, 28), time(2, 30), ZONE)
    assert caught.value.values["suggestion"] == "03:30"


def test_autumn_fold_asks_which_and_honours_the_choice() -> None:
    with pytest.raises(AmbiguousTime):
        localize(date(2027, 10, 31), time(2, 30), ZONE)
    first = localize(date(2027, 10, 31), time(2, 30), ZONE, fold=0)
    second = localize(date(2027, 10, 31), time(2, 30), ZONE, fold=1)
    assert (second.astimezone(UTC) - first.astimezone(UTC)).total_seconds() == 3600
    assert str(first.utcoffset()) == "2:00:00" and str(second.utcoffset()) == "1:00:00"


def test_ordinary_times_need_no_fold() -> None:
    assert localize(date(2027, 10, 31), time(18), ZONE).utcoffset().total_seconds() == 3600
