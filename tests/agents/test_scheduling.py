"""The scheduling algorithm behind suggest_schedule: load, latest safe start, urgency, reasons."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from taskagent.agents.scheduling import plan_days, suggest_schedule

UTC_ZONE = ZoneInfo("UTC")
# Monday 23 November 2026, 08:00: the whole working day is still ahead.
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def due(day: date, hour: int = 23, minute: int = 59, zone: ZoneInfo = UTC_ZONE) -> str:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).isoformat()


def task(task_id: int, **fields: object) -> dict[str, object]:
    return {"id": task_id, "title": f"Task {task_id}", "priority": "normal", "status": "pending", **fields}


def test_the_result_has_the_contract_shape() -> None:
    result = suggest_schedule(task(1, due_date=due(date(2026, 11, 27))), [], MONDAY, "UTC")
    assert set(result) == {"day", "start_by", "reasons", "load"}
    assert date.fromisoformat(result["day"]) and date.fromisoformat(result["start_by"])
    assert all(isinstance(reason, str) and reason for reason in result["reasons"])
    assert all(isinstance(minutes, int) for minutes in result["load"].values())
    # Working days only, from today to at least a week ahead.
    assert list(result["load"])[:5] == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]


def test_latest_safe_start_walks_back_from_the_deadline_through_free_time() -> None:
    # Friday deadline, 8 hours of work, 6 hours a day and nothing else booked: start by Thursday.
    result = suggest_schedule(
        task(1, due_date=due(date(2026, 11, 27)), estimate_minutes=480), [], MONDAY, "UTC"
    )
    assert result["start_by"] == "2026-11-26"
    assert result["day"] <= result["start_by"]
    assert any("8 h" in reason for reason in result["reasons"])


def test_other_tasks_book_time_earliest_deadline_first() -> None:
    others = [
        task(2, due_date=due(date(2026, 11, 24)), estimate_minutes=300),  # Tuesday: fits on Monday
        task(3, due_date=due(date(2026, 11, 23)), estimate_minutes=240),  # today: goes first
        task(4, estimate_minutes=600),  # no deadline, normal priority: flexible, books nothing
        task(5, status="completed", due_date=due(date(2026, 11, 23)), estimate_minutes=600),
    ]
    result = suggest_schedule(task(1, due_date=due(date(2026, 11, 30))), others, MONDAY, "UTC")
    assert result["load"]["2026-11-23"] == 360  # task 3 (4 h) then 2 h of task 2
    assert result["load"]["2026-11-24"] == 180  # the rest of task 2
    assert result["load"]["2026-11-25"] == 0
    # The lightest day before the latest start wins.
    assert result["day"] == "2026-11-25"
    assert any("1 other open task has no deadline" in reason for reason in result["reasons"])


def test_a_morning_deadline_means_the_day_before() -> None:
    result = suggest_schedule(
        task(1, due_date=due(date(2026, 11, 26), 9, 0), estimate_minutes=360), [], MONDAY, "UTC"
    )
    assert result["start_by"] == "2026-11-25"


def test_overdue_work_goes_first() -> None:
    result = suggest_schedule(task(1, due_date=due(date(2026, 11, 20))), [], MONDAY, "UTC")
    assert result["day"] == "2026-11-23"
    assert any("overdue" in reason for reason in result["reasons"])


def test_urgent_work_takes_the_first_day_with_room() -> None:
    busy_today = [task(2, due_date=due(date(2026, 11, 23)), estimate_minutes=360)]
    result = suggest_schedule(task(1, priority="urgent", estimate_minutes=120), busy_today, MONDAY, "UTC")
    assert result["day"] == "2026-11-24"


def test_low_priority_waits_for_a_later_light_day() -> None:
    low = suggest_schedule(task(1, priority="low"), [], MONDAY, "UTC")
    high = suggest_schedule(task(1, priority="high"), [], MONDAY, "UTC")
    assert low["day"] > high["day"]
    assert high["day"] == "2026-11-23"


def test_a_tight_deadline_says_so() -> None:
    result = suggest_schedule(
        task(1, due_date=due(date(2026, 11, 24)), estimate_minutes=900), [], MONDAY, "UTC"
    )
    assert result["start_by"] == "2026-11-23"
    assert any("tight" in reason for reason in result["reasons"])


def test_weekends_are_not_working_days() -> None:
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    result = suggest_schedule(task(1, due_date=due(date(2026, 12, 1))), [], saturday, "UTC")
    assert date.fromisoformat(result["day"]).weekday() < 5
    assert "2026-11-28" not in result["load"] and "2026-11-29" not in result["load"]


def test_custom_working_days_and_capacity() -> None:
    result = suggest_schedule(
        task(1, due_date=due(date(2026, 11, 28)), estimate_minutes=240),
        [],
        MONDAY,
        "UTC",
        working_days=[5],  # Saturdays only
        daily_capacity_minutes=240,
    )
    assert result["day"] == "2026-11-28"


def test_late_in_the_day_today_has_little_room() -> None:
    evening = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    result = suggest_schedule(task(1, priority="urgent", estimate_minutes=120), [], evening, "UTC")
    assert result["day"] == "2026-11-24"


def test_days_are_those_of_the_users_zone() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    # Sunday 22:00 UTC is already Monday 07:00 in Tokyo.
    now = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)
    result = suggest_schedule(task(1, priority="urgent"), [], now, tokyo)
    assert result["day"] == "2026-11-23"


class Priority(enum.Enum):
    high = "high"


@dataclass
class OrmLikeTask:
    id: int
    title: str
    priority: Priority
    status: str
    due_date: datetime | None
    estimate_minutes: int | None


def test_accepts_objects_with_enum_fields_and_naive_utc_datetimes() -> None:
    target = OrmLikeTask(1, "Ship it", Priority.high, "pending", datetime(2026, 11, 27, 23, 59), 60)
    result = suggest_schedule(target, [], MONDAY, "UTC")
    assert result["day"] == "2026-11-23"
    assert any("high priority" in reason for reason in result["reasons"])


def test_plan_days_spreads_open_tasks_over_the_week() -> None:
    tasks = [
        task(1, due_date=due(date(2026, 11, 20))),  # overdue: first
        task(2, due_date=due(date(2026, 11, 25)), estimate_minutes=300),
        task(3, priority="low"),
        task(4, status="completed"),
    ]
    plan, left_over = plan_days(tasks, MONDAY, "UTC")
    assert [day.day.isoformat() for day in plan] == [
        "2026-11-23",
        "2026-11-24",
        "2026-11-25",
        "2026-11-26",
        "2026-11-27",
    ]
    assert [item.id for item in plan[0].tasks] == [1, 2]
    assert all(item.id != 4 for day in plan for item in day.tasks)
    assert left_over == []
