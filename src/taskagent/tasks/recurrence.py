"""Repeating tasks: RFC 5545 RRULE strings (without the `RRULE:` prefix), read with python-dateutil.

A rule is evaluated on the wall clock of the user's time zone: the start (DTSTART) is the task's due date
as a local time without offset, the occurrences are local times, and only then are they given the zone's
offset of that day and stored in UTC. So "every day at 09:00" stays 09:00 local across daylight-saving
changes. A local time that does not exist that day (skipped by a spring-forward change) takes the offset
from before the change (02:30 becomes 03:30).

Evaluating a rule that can never match (e.g. every 30 February) walks dateutil up to year 9999, up to a few
seconds of CPU: callers run these functions in a worker thread.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

MAX_RULE_LENGTH = 300
# More occurrences a day than this would flood the list: "thousands at once".
MAX_TIMES_A_DAY = 24
MAX_INTERVAL = 1000
MAX_COUNT = 10_000
# The last due date the API stores (as tasks.schemas.LATEST_DUE): a rule's later dates end the series.
_LAST_YEAR = 9998
_TOO_FINE = frozenset({"HOURLY", "MINUTELY", "SECONDLY"})
_KNOWN_FREQ = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}) | _TOO_FINE
# Parts a task manager has no use for, refused rather than half-supported.
_REFUSED_PARTS = {
    "BYYEARDAY": "BYYEARDAY is not supported",
    "BYWEEKNO": "BYWEEKNO is not supported",
    "BYEASTER": "BYEASTER is not supported",
    "DTSTART": "DTSTART is not allowed: the task's due date is where the rule starts",
}
_PART = re.compile(r"^[A-Z]+=[^=;]+$")


class RepeatFrom(enum.StrEnum):
    due = "due"
    completion = "completion"


class RuleError(ValueError):
    """A rule that cannot be used; the message says why (shown in the 422)."""


@dataclass(frozen=True)
class Rule:
    text: str  # as stored: parts upper-cased, in the order given
    parts: dict[str, str]

    @property
    def count(self) -> int | None:
        return int(self.parts["COUNT"]) if "COUNT" in self.parts else None

    def with_count(self, count: int) -> Rule:
        parts = {**self.parts, "COUNT": str(count)}
        return Rule(";".join(f"{key}={value}" for key, value in parts.items()), parts)


def parse_rule(value: str) -> Rule:
    """The syntax of a rule, checked without any date (raises RuleError)."""
    text = value.strip()
    if not text:
        raise RuleError("the rule is empty; send null to stop repeating")
    if len(text) > MAX_RULE_LENGTH:
        raise RuleError(f"the rule is longer than {MAX_RULE_LENGTH} characters")
    upper = text.upper()
    if upper.startswith("RRULE:"):
        raise RuleError("write the rule without the RRULE: prefix, such as FREQ=WEEKLY;BYDAY=FR")
    if "DTSTART" in upper or "\n" in text or "\r" in text:
        raise RuleError(_REFUSED_PARTS["DTSTART"])
    parts: dict[str, str] = {}
    for raw in upper.split(";"):
        part = raw.strip()
        if not _PART.match(part):
            raise RuleError(f"not a valid RRULE: {part!r} is not NAME=VALUE")
        key, _, item = part.partition("=")
        if key in parts:
            raise RuleError(f"not a valid RRULE: {key} appears twice")
        if key in _REFUSED_PARTS:
            raise RuleError(_REFUSED_PARTS[key])
        parts[key] = item
    freq = parts.get("FREQ")
    if freq is None:
        raise RuleError("not a valid RRULE: FREQ is required, such as FREQ=WEEKLY")
    if freq not in _KNOWN_FREQ:
        raise RuleError(f"not a valid RRULE: unknown FREQ={freq}")
    if freq in _TOO_FINE:
        raise RuleError(f"FREQ={freq} would produce thousands of tasks; the finest allowed is DAILY")
    for key, highest in (("INTERVAL", MAX_INTERVAL), ("COUNT", MAX_COUNT)):
        # INTERVAL=0 would loop dateutil forever; a negative one fails inside it.
        if key in parts and not (parts[key].isdigit() and 1 <= int(parts[key]) <= highest):
            raise RuleError(f"{key} must be a whole number from 1 to {highest}")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleError("not a valid RRULE: COUNT and UNTIL cannot both be given")
    times = 1
    for key in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        if key in parts:
            times *= len(parts[key].split(","))
    if times > MAX_TIMES_A_DAY:
        raise RuleError(f"more than {MAX_TIMES_A_DAY} times a day would produce thousands of tasks")
    for key, lowest, highest in (("BYMONTH", 1, 12), ("BYMONTHDAY", -31, 31)):
        # dateutil takes BYMONTH=13, then walks every day to year 9999 finding nothing.
        if key in parts and not all(_whole_in(item, lowest, highest) for item in parts[key].split(",")):
            raise RuleError(f"{key} takes numbers from {lowest} to {highest}")
    if "BYSETPOS" in parts and freq not in ("MONTHLY", "YEARLY"):
        raise RuleError("BYSETPOS needs FREQ=MONTHLY or FREQ=YEARLY")
    rule = Rule(";".join(f"{key}={item}" for key, item in parts.items()), parts)
    try:  # the rest of the syntax (values, ranges) as dateutil reads it
        _build(rule, datetime(2026, 1, 1), ZoneInfo("UTC"))
    except RuleError:
        raise
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise RuleError(f"not a valid RRULE: {exc}") from None
    if not _some_day(parts):
        raise RuleError(NO_NEXT_DATE)
    if rule.count is not None and rule.count < 2:
        raise RuleError("COUNT must be at least 2 (it counts this occurrence): no date would follow")
    return rule


# The longest each month can be (February in a leap year).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
NO_NEXT_DATE = (
    "the rule produces no date after this one (a used-up COUNT or UNTIL, or a date that never comes)"
)


def _whole_in(text: str, lowest: int, highest: int) -> bool:
    digits = text.removeprefix("-").removeprefix("+")
    return digits.isdigit() and lowest <= int(text) <= highest and int(text) != 0


def _some_day(parts: dict[str, str]) -> bool:
    """Whether BYMONTH and BYMONTHDAY leave any day of the year (30 February: none). Checked here because
    dateutil, given such a rule, walks every day up to year 9999 before it finds nothing (seconds of CPU)."""
    if "BYMONTHDAY" not in parts:
        return True
    months = [int(m) for m in parts["BYMONTH"].split(",")] if "BYMONTH" in parts else range(1, 13)
    days = [int(d) for d in parts["BYMONTHDAY"].split(",")]
    return any(0 < abs(day) <= _MONTH_DAYS[month - 1] for month in months if 1 <= month <= 12 for day in days)


def _until(value: str, zone: ZoneInfo) -> datetime:
    """UNTIL as a local wall-clock time: UTC when it ends in Z, else read in the user's zone; a date
    alone includes that whole day."""
    try:
        if len(value) == 8:
            day = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
            return datetime.combine(day, time(23, 59, 59))
        moment = datetime.strptime(value.removesuffix("Z"), "%Y%m%dT%H%M%S")
    except ValueError:
        raise RuleError(
            f"not a valid RRULE: UNTIL={value} is not a date (20261231 or 20261231T170000Z)"
        ) from None
    if value.endswith("Z"):
        try:
            return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
        except OverflowError:
            raise RuleError(f"not a valid RRULE: UNTIL={value} is out of range") from None
    return moment


def _build(rule: Rule, start: datetime, zone: ZoneInfo) -> rrule:
    """The dateutil rule starting at `start` (a naive local time). COUNT is left out: each occurrence
    carries what is left of it (see `next_occurrence`)."""
    parts = {key: item for key, item in rule.parts.items() if key not in ("UNTIL", "COUNT")}
    built = rrulestr(";".join(f"{key}={item}" for key, item in parts.items()), dtstart=start)
    assert isinstance(built, rrule)
    if "UNTIL" in rule.parts:
        built = built.replace(until=_until(rule.parts["UNTIL"], zone))
    return built


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0)


def _stored(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(UTC)


def next_due(
    rule: Rule, repeat_from: RepeatFrom, *, due: datetime | None, completed_at: datetime, zone: ZoneInfo
) -> datetime | None:
    """The next occurrence's due date (UTC), or None when the rule has no date after this one.

    From `due`: the first rule date after the current due date. From `completion`: the rule restarted on
    the day of completion, at the due date's time of day (23:59 without a due date), and its first date
    after that start ("every 3 days after I do it" is three days after the day it was done)."""
    if repeat_from == RepeatFrom.due:
        if due is None:
            return None
        start = _local(due, zone)
    else:
        done = _local(completed_at, zone)
        clock = _local(due, zone).time() if due is not None else time(23, 59)
        start = datetime.combine(done.date(), clock)
    try:
        found = _build(rule, start, zone).after(start)
    except RuleError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        # Some values dateutil accepts fail only while it walks the calendar (BYDAY=9MO).
        raise RuleError(f"not a valid RRULE: {exc}") from None
    if found is None or found.year > _LAST_YEAR:
        return None
    try:
        return _stored(found, zone)
    except OverflowError:
        return None


def check(
    rule: Rule, repeat_from: RepeatFrom, *, due: datetime | None, now: datetime, zone: ZoneInfo
) -> None:
    """Refuse (RuleError) a rule that gives this task no next occurrence."""
    if repeat_from == RepeatFrom.due and due is None:
        raise RuleError("a repeating task needs a due date (or repeat_from=completion)")
    if next_due(rule, repeat_from, due=due, completed_at=now, zone=zone) is None:
        raise RuleError(NO_NEXT_DATE)


def following(rule: Rule) -> Rule | None:
    """The rule the next occurrence carries: COUNT counts down; None once the next one is the last."""
    count = rule.count
    if count is None:
        return rule
    return rule.with_count(count - 1) if count - 1 >= 2 else None


def calendar_rule(rule: Rule, zone: ZoneInfo) -> str:
    """The rule as a calendar app reads it beside a DTSTART in the user's zone: RFC 5545 then wants
    UNTIL in UTC, while a stored UNTIL may be a date or a local time (raises RuleError if unreadable)."""
    if "UNTIL" not in rule.parts:
        return rule.text
    try:
        until = _stored(_until(rule.parts["UNTIL"], zone), zone)
    except OverflowError:
        raise RuleError(f"UNTIL={rule.parts['UNTIL']} is out of range") from None
    parts = {**rule.parts, "UNTIL": until.strftime("%Y%m%dT%H%M%SZ")}
    return ";".join(f"{key}={item}" for key, item in parts.items())


def shift(moment: datetime | None, by: timedelta | None) -> datetime | None:
    return None if moment is None or by is None else moment + by


# --- a rule in words ---------------------------------------------------------------------------------------

_DAY_NAMES = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday"}
_DAY_NAMES |= {"SA": "Saturday", "SU": "Sunday"}
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def describe(rule_text: str, *, at: time | None = None, repeat_from: RepeatFrom = RepeatFrom.due) -> str:
    """The rule said in words, as the chat answers and the page shows it: "every weekday at 09:30", "every
    month on the 15th", "on the last day of every month", "every 3 days after each completion". `at` is
    the due date's local time of day (none, or 23:59: no time said). A rule these words do not cover is
    given as written ("FREQ=...")."""
    try:
        parts = parse_rule(rule_text).parts
    except RuleError:
        return rule_text
    known = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "COUNT", "UNTIL", "WKST"}
    freq, interval = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    unit = _UNITS.get(freq)
    if unit is None or set(parts) - known:
        return rule_text
    every = (
        f"every {unit}"
        if interval == 1
        else f"every other {unit}"
        if interval == 2
        else f"every {interval} {unit}s"
    )
    days = parts.get("BYDAY", "").split(",") if "BYDAY" in parts else []
    month_days = parts.get("BYMONTHDAY", "").split(",") if "BYMONTHDAY" in parts else []
    words: str | None = None
    if freq == "WEEKLY" and days and all(day in _DAY_NAMES for day in days):
        if days == ["MO", "TU", "WE", "TH", "FR"]:
            named = "weekday"
        elif days == ["SA", "SU"]:
            named = "weekend"
        else:
            named = _and([_DAY_NAMES[day] for day in days])
        words = f"every {named}" if interval == 1 else f"{every} on {named}"
    elif freq == "WEEKLY" and not days:
        words = every
    elif freq == "MONTHLY" and len(month_days) == 1 and not days:
        day = int(month_days[0])
        if day == -1:
            words = "on the last day of " + ("every month" if interval == 1 else every)
        elif day > 0:
            words = f"{every} on the {_ordinal(day)}"
    elif freq == "MONTHLY" and len(days) == 1 and not month_days:
        found = re.fullmatch(r"([+-]?\d)?([A-Z]{2})", days[0])
        if (
            found
            and found.group(1)
            and int(found.group(1)) in _ORDINAL_WORDS
            and found.group(2) in _DAY_NAMES
        ):
            words = f"{every} on the {_ORDINAL_WORDS[int(found.group(1))]} {_DAY_NAMES[found.group(2)]}"
    elif freq == "YEARLY" and len(month_days) == 1 and "BYMONTH" in parts and not days:
        month = parts["BYMONTH"]
        if month.isdigit() and 1 <= int(month) <= 12 and int(month_days[0]) > 0:
            words = f"{every} on {int(month_days[0])} {_MONTH_NAMES[int(month) - 1]}"
    elif freq in ("DAILY", "MONTHLY", "YEARLY") and not days and not month_days and "BYMONTH" not in parts:
        words = every
    if words is None:
        return rule_text
    if at is not None and at != time(23, 59):
        words += f" at {at:%H:%M}"
    if repeat_from == RepeatFrom.completion:
        words += " after each completion"
    if "COUNT" in parts:
        words += f", {parts['COUNT']} times"
    elif "UNTIL" in parts:
        until = parts["UNTIL"]
        words += f", until {until[:4]}-{until[4:6]}-{until[6:8]}" if len(until) >= 8 else ""
    return words
