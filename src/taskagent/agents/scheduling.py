"""When to work on a task: a small, explainable scheduling algorithm.

Used by the `suggest_schedule` tool (over the database) and by the offline engine (over tool results),
so both give the same answer. It is a pure function of its inputs:

1. Book the user's other open tasks onto working days, earliest deadline first, as a person would work
   through them: each takes its estimate (1 h when none is given) from the first days with room, never
   past its own deadline (a task that cannot fit is booked on its deadline day, which then shows as
   overloaded). Tasks without a deadline only book time when they are urgent or high priority.
2. Find the latest safe start for the task: walking back from its deadline (the day before, when it is
   due in the morning), add up the free time of each working day until the estimate fits.
3. Choose the day: overdue or urgent work goes on the first day with room; otherwise the least loaded
   working day between today and the latest safe start, preferring earlier days for high priority and
   later ones for low priority, so that slack is kept where it matters.
4. Say why, in sentences a person can check.

Inputs are read leniently: a task may be a mapping (the REST/tool JSON) or an object with the same
attribute names (`id`, `title`, `priority`, `status`, `due_date`, `estimate_minutes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

DEFAULT_ESTIMATE_MINUTES = 60
DEFAULT_CAPACITY_MINUTES = 6 * 60
WORKDAY_START = time(9, 0)
WORKDAY_END = time(17, 0)
MONDAY_TO_FRIDAY = frozenset({0, 1, 2, 3, 4})
# A deadline before noon leaves no useful time that day: the work must be done the day before.
MORNING_DEADLINE = time(12, 0)

_PRIORITY_RANK = {"urgent": 3, "high": 2, "normal": 1, "low": 0}


class Suggestion(TypedDict):
    day: str
    start_by: str
    reasons: list[str]
    load: dict[str, int]


@dataclass(frozen=True)
class PlannedTask:
    """The fields the algorithm uses, read from whatever shape the caller has."""

    id: int | None
    title: str
    priority: str
    status: str
    due: datetime | None
    estimate_minutes: int
    has_estimate: bool

    @classmethod
    def read(cls, task: Any) -> PlannedTask:
        def get(name: str) -> Any:
            if isinstance(task, Mapping):
                return task.get(name)
            return getattr(task, name, None)

        estimate = get("estimate_minutes")
        priority = get("priority")
        status = get("status")
        task_id = get("id")
        return cls(
            id=task_id if isinstance(task_id, int) else None,
            title=str(get("title") or "this task"),
            # Enums (the database models) and plain strings both end up as their value.
            priority=str(getattr(priority, "value", priority) or "normal"),
            status=str(getattr(status, "value", status) or "pending"),
            due=_as_datetime(get("due_date")),
            estimate_minutes=int(estimate)
            if isinstance(estimate, int) and estimate > 0
            else DEFAULT_ESTIMATE_MINUTES,
            has_estimate=isinstance(estimate, int) and estimate > 0,
        )


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _zone(zone: str | ZoneInfo) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


def _label(day: date, today: date) -> str:
    if day == today:
        return f"today ({day:%a} {day.day} {day:%b})"
    if day == today + timedelta(days=1):
        return f"tomorrow ({day:%a} {day.day} {day:%b})"
    return f"{day:%a} {day.day} {day:%b}"


def _short(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _hours(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return f"{hours} h {rest:02d}"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


class _Calendar:
    """Working days from today with their capacity and what is already booked on them."""

    def __init__(self, now: datetime, working_days: frozenset[int], capacity: int, horizon_end: date) -> None:
        self.now = now
        self.zone = now.tzinfo
        self.today = now.date()
        self.working_days = working_days
        self.capacity = capacity
        self.booked: dict[date, int] = {}
        self.days: list[date] = []
        day = self.today
        while day <= horizon_end or len(self.days) < 5:
            if day.weekday() in working_days:
                self.days.append(day)
            day += timedelta(days=1)
            if len(self.days) > 400:  # a deadline years away needs no day-by-day plan
                break

    def capacity_of(self, day: date) -> int:
        if day != self.today:
            return self.capacity
        # Today only has what is left of the working hours.
        start = datetime.combine(day, WORKDAY_START, tzinfo=self.now.tzinfo)
        end = datetime.combine(day, WORKDAY_END, tzinfo=self.now.tzinfo)
        if self.now <= start:
            return self.capacity
        if self.now >= end:
            return 0
        share = (end - self.now) / (end - start)
        return int(self.capacity * share)

    def free(self, day: date) -> int:
        return max(0, self.capacity_of(day) - self.booked.get(day, 0))

    def book(self, minutes: int, last_day: date | None) -> None:
        """Book `minutes` on the first days with room, not past `last_day` (overflow lands on it)."""
        remaining = minutes
        usable = [day for day in self.days if last_day is None or day <= last_day]
        for day in usable:
            take = min(self.free(day), remaining)
            if take > 0:
                self.booked[day] = self.booked.get(day, 0) + take
                remaining -= take
            if remaining <= 0:
                return
        if remaining > 0:
            spill = usable[-1] if usable else self.today
            self.booked[spill] = self.booked.get(spill, 0) + remaining


def _last_working_day(task: PlannedTask, zone: ZoneInfo, working_days: frozenset[int]) -> date | None:
    if task.due is None:
        return None
    local = task.due.astimezone(zone)
    day = local.date()
    if local.time() < MORNING_DEADLINE:
        day -= timedelta(days=1)
    while day.weekday() not in working_days:
        day -= timedelta(days=1)
    return day


def book_other_tasks(
    others: Iterable[PlannedTask], calendar: _Calendar, zone: ZoneInfo, skip_id: int | None
) -> int:
    """Book the other open tasks (earliest deadline first); return how many flexible ones were left out."""
    dated: list[tuple[date, int, PlannedTask]] = []
    undated_important: list[PlannedTask] = []
    flexible = 0
    for other in others:
        if other.status == "completed" or (skip_id is not None and other.id == skip_id):
            continue
        last = _last_working_day(other, zone, calendar.working_days)
        if last is not None:
            dated.append((max(last, calendar.today), -_PRIORITY_RANK.get(other.priority, 1), other))
        elif _PRIORITY_RANK.get(other.priority, 1) >= 2:
            undated_important.append(other)
        else:
            flexible += 1
    for last, _, other in sorted(dated, key=lambda entry: (entry[0], entry[1])):
        calendar.book(other.estimate_minutes, last)
    for other in sorted(undated_important, key=lambda task: -_PRIORITY_RANK.get(task.priority, 1)):
        calendar.book(other.estimate_minutes, None)
    return flexible


# Without a deadline, how many working days from today the task should start within, by priority.
PACE_WITHOUT_DEADLINE = {"urgent": 1, "high": 2, "normal": 4, "low": 9}


def suggest_schedule(
    task: Any,
    other_tasks: Sequence[Any],
    now: datetime,
    zone: str | ZoneInfo,
    *,
    working_days: Iterable[int] = MONDAY_TO_FRIDAY,
    daily_capacity_minutes: int = DEFAULT_CAPACITY_MINUTES,
) -> Suggestion:
    """Propose a day to work on `task` given the user's other open tasks.

    Returns `{"day", "start_by", "reasons", "load"}` as the `suggest_schedule` tool contract says: `day`
    is the proposal, `start_by` the latest safe start, `load` the minutes already booked per working day
    by the other tasks (from today to the deadline, at least a week).
    """
    tz = _zone(zone)
    now = now.astimezone(tz)
    today = now.date()
    days_set = frozenset(working_days) or MONDAY_TO_FRIDAY
    target = PlannedTask.read(task)
    deadline_day = _last_working_day(target, tz, days_set)
    overdue = target.due is not None and target.due < now and target.status != "completed"

    calendar = _Calendar(
        now, days_set, daily_capacity_minutes, max(deadline_day or today, today + timedelta(days=13))
    )
    flexible = book_other_tasks((PlannedTask.read(other) for other in other_tasks), calendar, tz, target.id)

    reasons = [
        f"It is estimated at {_hours(target.estimate_minutes)}."
        if target.has_estimate
        else f"It has no estimate, so I assumed {_hours(target.estimate_minutes)}."
    ]
    start_by = _latest_start(target, calendar, deadline_day, overdue, reasons)
    day = _choose_day(target, calendar, start_by, overdue, reasons)
    _add_context(calendar, day, deadline_day or start_by, flexible, reasons)

    load_until = max(deadline_day or today, day, today + timedelta(days=6))
    load = {d.isoformat(): calendar.booked.get(d, 0) for d in calendar.days if d <= load_until}
    return Suggestion(
        day=day.isoformat(), start_by=max(start_by, day).isoformat(), reasons=reasons, load=load
    )


def _latest_start(
    target: PlannedTask, calendar: _Calendar, deadline_day: date | None, overdue: bool, reasons: list[str]
) -> date:
    """The last day the work can start and still fit, walking back from the deadline through free time."""
    today = calendar.today
    if overdue:
        assert target.due is not None
        reasons.append(
            f"It is overdue: it was due {_label(target.due.astimezone(calendar.zone).date(), today)}."
        )
        return today
    if deadline_day is None or target.due is None:
        pace = PACE_WITHOUT_DEADLINE.get(target.priority, 4)
        start_by = calendar.days[min(len(calendar.days) - 1, pace)]
        reasons.append(
            f"It has no due date, so its {target.priority} priority sets the pace: I aim to start it by "
            f"{_label(start_by, today)}."
        )
        return start_by
    window = [day for day in calendar.days if day <= max(deadline_day, today)]
    free_total = 0
    start_by = today
    for day in reversed(window):
        free_total += calendar.free(day)
        if free_total >= target.estimate_minutes:
            start_by = day
            break
    days_left = f"{len(window)} working day{'s' if len(window) != 1 else ''} left, today included"
    local_due = target.due.astimezone(calendar.zone)
    if local_due.time() < MORNING_DEADLINE:
        reasons.append(
            f"It is due {_label(local_due.date(), today)} at {local_due:%H:%M}, in the morning, so the work "
            f"has to be done by the working day before: {days_left}."
        )
    else:
        reasons.append(f"It is due {_label(local_due.date(), today)}: {days_left}.")
    if free_total < target.estimate_minutes:
        reasons.append(
            f"It is tight: only {_hours(free_total)} is free before the deadline, "
            f"for {_hours(target.estimate_minutes)} of work."
        )
    else:
        reasons.append(
            f"To finish in time around your other tasks, start by {_label(start_by, today)} at the latest."
        )
    return start_by


def _choose_day(
    target: PlannedTask, calendar: _Calendar, start_by: date, overdue: bool, reasons: list[str]
) -> date:
    """Urgent or late work: the first day with room, and so is high priority work (to keep slack).
    Normal and low priority: the lightest day before the latest start (the later of equals for low)."""
    today = calendar.today
    rank = _PRIORITY_RANK.get(target.priority, 1)
    candidates = [day for day in calendar.days if day <= start_by] or [calendar.days[0]]
    needed = min(target.estimate_minutes, calendar.capacity)
    roomy = [day for day in candidates if calendar.free(day) >= needed]
    if not roomy:
        day = min(candidates, key=lambda candidate: calendar.booked.get(candidate, 0))
        reasons.append(
            f"No day before then has {_hours(needed)} free; {_label(day, today)} is the least full, "
            "so something else should move."
        )
        return day
    if overdue or rank >= 2:
        day = roomy[0]
        why = "Late work goes first" if overdue else f"It is {target.priority} priority, so it goes early"
        reasons.append(f"{why}: {_label(day, today)} is your first day with room for it.")
    else:

        def weight(candidate: date) -> tuple[int, int]:
            order = (candidate - today).days
            return (calendar.booked.get(candidate, 0), order if rank >= 1 else -order)

        day = min(roomy, key=weight)
        if rank == 0:
            reasons.append("It is low priority, so it can wait for a lighter day.")
        reasons.append(
            f"{_capitalised(_label(day, today))} is your lightest day before then: "
            f"{_hours(calendar.booked.get(day, 0))} already booked "
            f"out of {_hours(calendar.capacity_of(day))}."
        )
    skipped = [earlier for earlier in candidates if earlier < day and calendar.free(earlier) < needed]
    if skipped:
        listed = ", ".join(f"{_short(d)} has {_hours(calendar.free(d))}" for d in skipped[:3])
        reasons.append(f"Earlier days don't have {_hours(needed)} free: {listed}.")
    return day


def _add_context(calendar: _Calendar, day: date, until: date, flexible: int, reasons: list[str]) -> None:
    today = calendar.today
    if day == today and calendar.capacity_of(today) < calendar.capacity:
        reasons.append(f"Only {_hours(calendar.free(today))} of today's working time is left.")
    full = [d for d in calendar.days if d <= until and calendar.booked.get(d, 0) >= calendar.capacity]
    if full:
        reasons.append("Already full: " + ", ".join(_label(d, today) for d in full[:3]) + ".")
    if flexible:
        them = f"{flexible} other open tasks have" if flexible != 1 else "1 other open task has"
        reasons.append(f"{them} no deadline and can fit around it.")


@dataclass(frozen=True)
class DayPlan:
    day: date
    tasks: list[PlannedTask]
    minutes: int


def plan_days(
    tasks: Sequence[Any],
    now: datetime,
    zone: str | ZoneInfo,
    *,
    days: int = 5,
    working_days: Iterable[int] = MONDAY_TO_FRIDAY,
    daily_capacity_minutes: int = DEFAULT_CAPACITY_MINUTES,
) -> tuple[list[DayPlan], list[PlannedTask]]:
    """Spread open tasks over the next `days` working days: overdue and urgent first, then by deadline.

    Returns the plan (working days with their tasks) and the tasks that did not fit.
    """
    tz = _zone(zone)
    now = now.astimezone(tz)
    days_set = frozenset(working_days) or MONDAY_TO_FRIDAY
    planned = [PlannedTask.read(task) for task in tasks]
    open_tasks = [task for task in planned if task.status != "completed"]
    calendar = _Calendar(now, days_set, daily_capacity_minutes, now.date() + timedelta(days=days * 2))
    window = calendar.days[:days]
    far = datetime.max.replace(tzinfo=UTC)

    def order(task: PlannedTask) -> tuple[int, datetime, int]:
        late = task.due is not None and task.due < now
        return (
            0 if late or task.priority == "urgent" else 1,
            task.due or far,
            -_PRIORITY_RANK.get(task.priority, 1),
        )

    by_day: dict[date, list[PlannedTask]] = {day: [] for day in window}
    left_over: list[PlannedTask] = []
    for task in sorted(open_tasks, key=order):
        last = _last_working_day(task, tz, days_set)
        fits = [
            day
            for day in window
            if calendar.free(day) >= task.estimate_minutes and (last is None or day <= max(last, window[0]))
        ]
        if not fits:
            left_over.append(task)
            continue
        # Deadline work goes on the first day with room; flexible work on the lightest day.
        chosen = (
            fits[0]
            if task.due is not None or task.priority in {"urgent", "high"}
            else min(fits, key=lambda d: calendar.booked.get(d, 0))
        )
        calendar.booked[chosen] = calendar.booked.get(chosen, 0) + task.estimate_minutes
        by_day[chosen].append(task)
    plan = [DayPlan(day, by_day[day], calendar.booked.get(day, 0)) for day in window]
    return plan, left_over
