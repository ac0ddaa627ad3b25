"""Repetition in wall-clock time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.features.events.recurrence import Rule, monthly_position, nth_weekday, occurrences

ZONE = ZoneInfo("Europe/Stockholm")


def test_weekly_stays_at_local_1800_over_a_whole_year() -> None:
    rule = Rule(datetime(2026, 12, 3, 18, 0), "weekly")
    found = occurrences(rule, ZONE, limit=60)
    assert len(found) == 60
    assert {o.at.astimezone(ZONE).hour for o in found} == {18}
    assert {o.at.utcoffset() for o in found} == {datetime(2026, 1, 1, tzinfo=UTC).utcoffset()}
    assert {o.at.astimezone(ZONE).utcoffset().total_seconds() for o in found} == {3600, 7200}


def test_every_other_week_until_a_date_with_a_skipped_date() -> None:
    skipped = frozenset({datetime(2026, 12, 17, 18)})
    rule = Rule(datetime(2026, 12, 3, 18), "biweekly", until=date(2027, 1, 14), skipped=skipped)
    assert [o.local.date().isoformat() for o in occurrences(rule, ZONE)] == ["2026-12-03", "2026-12-31",
                                                                             "2027-01-14"]


def test_monthly_on_the_nth_weekday() -> None:
    # 1 December 2026 is the first Tuesday.
    rule = Rule(datetime(2026, 12, 1, 10), "monthly")
    dates = [o.local.date() for o in occurrences(rule, ZONE, limit=4)]
    assert dates == [date(2026, 12, 1), date(2027, 1, 5), date(2027, 2, 2), date(2027, 3, 2)]
    assert all(d.weekday() == 1 for d in dates)


def test_monthly_on_the_last_weekday() -> None:
    assert monthly_position(date(2026, 12, 29)) == 5  # the last Tuesday
    rule = Rule(datetime(2026, 12, 29, 10), "monthly")
    dates = [o.local.date() for o in occurrences(rule, ZONE, limit=3)]
    assert dates == [date(2026, 12, 29), date(2027, 1, 26), date(2027, 2, 23)]
    assert nth_weekday(2027, 2, 0, 5) == date(2027, 2, 22)


def test_a_repeating_time_in_the_spring_gap_moves_forward_by_the_gap() -> None:
    rule = Rule(datetime(2027, 3, 21, 2, 30), "weekly")
    second = occurrences(rule, ZONE, limit=2)[1]
    assert second.at.astimezone(ZONE).strftime("%H:%M") == "03:30"


def test_after_and_until_bound_the_occurrences() -> None:
    rule = Rule(datetime(2026, 12, 3, 18), "weekly")
    after = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
    until = datetime(2026, 12, 31, 0, 0, tzinfo=UTC)
    assert [o.local.day for o in occurrences(rule, ZONE, after=after, until=until)] == [17, 24]
