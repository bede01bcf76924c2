"""Date expressions read against a fixed clock, in several zones, across a DST change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from taskagent.agents.offline.dates import (
    describe_day,
    find_date,
    find_dates,
    find_period,
    parse_date,
    parse_now,
    remove_spans,
    to_iso,
)

UTC_ZONE = ZoneInfo("UTC")
# Wednesday 25 November 2026, 10:00.
WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=UTC_ZONE)


def at(day: date, hour: int = 23, minute: int = 59, zone: ZoneInfo = UTC_ZONE) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", at(date(2026, 11, 25))),
        ("tomorrow", at(date(2026, 11, 26))),
        ("tomorrow 5pm", at(date(2026, 11, 26), 17, 0)),
        ("tomorrow at 9h", at(date(2026, 11, 26), 9, 0)),  # the hour as much of Europe writes it
        ("Friday 8h30", at(date(2026, 11, 27), 8, 30)),
        ("friday at 14h", at(date(2026, 11, 27), 14, 0)),
        ("Friday from 5 p.m.", at(date(2026, 11, 27), 17, 0)),
        ("tomorrow at 7.30am", at(date(2026, 11, 26), 7, 30)),
        # times as phone dictation types them
        ("tomorrow at three thirty pm", at(date(2026, 11, 26), 15, 30)),
        ("thursday at two thirty p m", at(date(2026, 11, 26), 14, 30)),
        ("tomorrow at eight a m", at(date(2026, 11, 26), 8, 0)),
        ("today at six fifteen pm", at(date(2026, 11, 25), 18, 15)),
        ("friday at four forty-five", at(date(2026, 11, 27), 16, 45)),
        ("friday at nine oh five am", at(date(2026, 11, 27), 9, 5)),
        # four digits beside a day are its 24-hour time
        ("tmrw 1300", at(date(2026, 11, 26), 13, 0)),
        ("1400 fri", at(date(2026, 11, 27), 14, 0)),
        ("before EOM", at(date(2026, 11, 30))),
        ("tomorrow at 5 pm", at(date(2026, 11, 26), 17, 0)),
        ("5pm tomorrow", at(date(2026, 11, 26), 17, 0)),
        ("tonight", at(date(2026, 11, 25), 20, 0)),
        ("tomorrow morning", at(date(2026, 11, 26), 9, 0)),
        ("this afternoon", at(date(2026, 11, 25), 15, 0)),
        ("the day after tomorrow", at(date(2026, 11, 27))),
        ("Friday", at(date(2026, 11, 27))),
        ("on Monday", at(date(2026, 11, 30))),
        ("Wednesday", at(date(2026, 11, 25))),  # today counts for a bare weekday
        ("next Wednesday", at(date(2026, 12, 2))),  # "next" is strictly after today
        ("next Friday", at(date(2026, 11, 27))),
        ("Friday next week", at(date(2026, 12, 4))),
        ("next fri at 5:30", at(date(2026, 11, 27), 17, 30)),
        ("in 3 days", at(date(2026, 11, 28))),
        ("in two weeks", at(date(2026, 12, 9))),
        ("in a month", at(date(2026, 12, 25))),
        ("3 days from now", at(date(2026, 11, 28))),
        ("in 2 hours", datetime(2026, 11, 25, 12, 0, tzinfo=UTC_ZONE)),
        ("in 30 minutes", datetime(2026, 11, 25, 10, 30, tzinfo=UTC_ZONE)),
        ("next week", at(date(2026, 11, 30))),  # next Monday
        ("end of the week", at(date(2026, 11, 27))),
        ("end of month", at(date(2026, 11, 30))),
        ("by the end of next month", at(date(2026, 12, 31))),
        ("this weekend", at(date(2026, 11, 28))),
        ("Dec 5", at(date(2026, 12, 5))),
        ("December 5th", at(date(2026, 12, 5))),
        ("5 December", at(date(2026, 12, 5))),
        ("the 3rd of January", at(date(2027, 1, 3))),
        ("Nov 1", at(date(2027, 11, 1))),  # already past this year: next year's
        ("2026-12-05", at(date(2026, 12, 5))),
        ("2026-12-05T14:30", at(date(2026, 12, 5), 14, 30)),
        ("12/15", at(date(2026, 12, 15))),
        ("on the 15th", at(date(2026, 12, 15))),
        ("at 9:30", at(date(2026, 11, 26), 9, 30)),  # 9:30 has passed today: tomorrow
        ("at 11", at(date(2026, 11, 25), 11, 0)),
        ("at 5", at(date(2026, 11, 25), 17, 0)),  # a bare 1-6 means the afternoon
        ("noon", at(date(2026, 11, 25), 12, 0)),
        ("due on sat", at(date(2026, 11, 28))),
    ],
)
def test_expressions_against_a_fixed_wednesday(text: str, expected: datetime) -> None:
    assert parse_date(text, WEDNESDAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "sun cream",
        "Plan the Monday meeting",
        "Review the Q4 report",
        "Buy 2 apples",
        "may I ask",
        "the weekly report",
        "call 5 people",
        "it takes 2h",  # a duration, not an hour
        "charge it for 12h",
        "running rough as a cob",  # a horse, not close of business
        "order 1300 gloves",  # four digits with no day beside them: a number
        "at three people",
    ],
)
def test_words_that_are_not_dates(text: str) -> None:
    assert find_dates(text, WEDNESDAY) == []


def test_a_date_with_no_time_is_the_end_of_that_day() -> None:
    match = find_date("pay rent on Friday", WEDNESDAY)
    assert match is not None
    assert not match.has_time
    assert match.when.time() == time(23, 59)


def test_spans_include_the_words_that_introduce_the_date() -> None:
    text = "New task: submit expense report, due Friday, urgent"
    match = find_date(text, WEDNESDAY)
    assert match is not None
    assert match.text == ", due Friday"
    assert remove_spans(text, [(match.start, match.end)]) == "New task: submit expense report, urgent"


def test_friday_on_a_friday_is_today_and_next_friday_is_a_week_later() -> None:
    friday = datetime(2026, 11, 27, 8, 0, tzinfo=UTC_ZONE)
    assert parse_date("Friday", friday) == at(date(2026, 11, 27))
    assert parse_date("next Friday", friday) == at(date(2026, 12, 4))
    assert parse_date("end of the week", friday) == at(date(2026, 11, 27))


def test_end_of_week_on_a_weekend_is_sunday() -> None:
    saturday = datetime(2026, 11, 28, 8, 0, tzinfo=UTC_ZONE)
    assert parse_date("end of the week", saturday) == at(date(2026, 11, 29))


def test_end_of_month_on_the_last_day_is_today_and_rolls_over_years() -> None:
    assert parse_date("end of month", datetime(2026, 11, 30, 9, 0, tzinfo=UTC_ZONE)) == at(date(2026, 11, 30))
    december = datetime(2026, 12, 31, 9, 0, tzinfo=UTC_ZONE)
    assert parse_date("tomorrow", december) == at(date(2027, 1, 1))
    assert parse_date("next month", december) == at(date(2027, 1, 1))
    assert parse_date("in 2 months", datetime(2026, 12, 31, 9, 0, tzinfo=UTC_ZONE)) == at(date(2027, 2, 28))


class TestZones:
    def test_dates_are_read_in_the_users_zone(self) -> None:
        tokyo = ZoneInfo("Asia/Tokyo")
        # 20:00 UTC on Wednesday is already Thursday 05:00 in Tokyo.
        now = datetime(2026, 11, 25, 20, 0, tzinfo=UTC).astimezone(tokyo)
        assert parse_date("today", now) == at(date(2026, 11, 26), zone=tokyo)
        assert parse_date("tomorrow 5pm", now) == at(date(2026, 11, 27), 17, 0, zone=tokyo)

    def test_iso_output_carries_the_offset(self) -> None:
        paris = ZoneInfo("Europe/Paris")
        now = datetime(2026, 11, 25, 10, 0, tzinfo=paris)
        moment = parse_date("tomorrow 5pm", now)
        assert moment is not None
        assert to_iso(moment) == "2026-11-26T17:00:00+01:00"

    def test_a_day_across_the_dst_change_keeps_its_wall_time(self) -> None:
        new_york = ZoneInfo("America/New_York")
        # Saturday 31 October 2026, 10:00 EDT; clocks go back on Sunday 1 November.
        now = datetime(2026, 10, 31, 10, 0, tzinfo=new_york)
        tomorrow = parse_date("tomorrow 5pm", now)
        assert tomorrow is not None
        assert to_iso(tomorrow) == "2026-11-01T17:00:00-05:00"
        monday = parse_date("Monday", now)
        assert monday is not None
        assert to_iso(monday) == "2026-11-02T23:59:00-05:00"
        assert to_iso(now) == "2026-10-31T10:00:00-04:00"

    def test_relative_hours_across_the_dst_change_are_real_hours(self) -> None:
        new_york = ZoneInfo("America/New_York")
        # 00:30 EDT; the clocks fall back at 02:00, so three hours later it is 02:30 EST.
        now = datetime(2026, 11, 1, 0, 30, tzinfo=new_york)
        later = parse_date("in 3 hours", now)
        assert later is not None
        assert later.astimezone(UTC) == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
        assert to_iso(later) == "2026-11-01T02:30:00-05:00"

    def test_a_time_in_the_spring_forward_gap_becomes_a_real_instant(self) -> None:
        new_york = ZoneInfo("America/New_York")
        now = datetime(2027, 3, 13, 12, 0, tzinfo=new_york)  # the day before clocks go forward
        moment = parse_date("tomorrow at 2:30am", now)
        assert moment is not None
        assert moment.astimezone(UTC) == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)


class TestNowLine:
    def test_reads_the_iso_time_and_the_zone(self) -> None:
        now, zone = parse_now(
            "You are helpful.\nNow: 2026-11-25T10:00:00-05:00 [America/New_York]\nFocus task: #3"
        )
        assert zone == ZoneInfo("America/New_York")
        assert now == datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("America/New_York"))

    def test_falls_back_to_utc_now(self) -> None:
        now, zone = parse_now("no clock here")
        assert zone == ZoneInfo("UTC")
        assert abs((datetime.now(UTC) - now).total_seconds()) < 5

    def test_an_unknown_zone_is_utc(self) -> None:
        _, zone = parse_now("Now: 2026-11-25T10:00:00+00:00 [Mars/Olympus]")
        assert zone == ZoneInfo("UTC")


def test_periods_for_list_filters() -> None:
    found = find_period("what's due this week?", WEDNESDAY)
    assert found is not None
    period, _ = found
    assert (period.first, period.last) == (date(2026, 11, 25), date(2026, 11, 29))
    found = find_period("anything for next week", WEDNESDAY)
    assert found is not None
    assert (found[0].first, found[0].last) == (date(2026, 11, 30), date(2026, 12, 6))


def test_describe_day_shows_a_time_only_when_there_is_one() -> None:
    assert describe_day(at(date(2026, 11, 27)), WEDNESDAY) == "Fri 27 Nov"
    assert describe_day(at(date(2026, 11, 27), 17, 0), WEDNESDAY) == "Fri 27 Nov 17:00"
    assert describe_day(at(date(2027, 1, 4)), WEDNESDAY) == "Mon 4 Jan 2027"
