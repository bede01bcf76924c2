"""Where a repeating series starts, against a fixed clock: never a whole period late."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from taskagent.agents.offline.repetition import first_due

BERLIN = ZoneInfo("Europe/Berlin")
EVENING = time(23, 59)
# Monday 7 December 2026.
MONDAY_MORNING = datetime(2026, 12, 7, 10, 0, tzinfo=BERLIN)
MONDAY_LAST_MINUTE = datetime(2026, 12, 7, 23, 59, 30, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("rule", "now", "expected"),
    [
        # a rule that names no day starts today while its time is to come, else tomorrow
        ("FREQ=WEEKLY;INTERVAL=2", MONDAY_MORNING, datetime(2026, 12, 7, 23, 59, tzinfo=BERLIN)),
        ("FREQ=WEEKLY;INTERVAL=2", MONDAY_LAST_MINUTE, datetime(2026, 12, 8, 23, 59, tzinfo=BERLIN)),
        ("FREQ=MONTHLY", MONDAY_LAST_MINUTE, datetime(2026, 12, 8, 23, 59, tzinfo=BERLIN)),
        ("FREQ=DAILY;INTERVAL=3", MONDAY_LAST_MINUTE, datetime(2026, 12, 8, 23, 59, tzinfo=BERLIN)),
        # a rule that names its days starts on the first of them still to come
        ("FREQ=WEEKLY;BYDAY=MO", MONDAY_MORNING, datetime(2026, 12, 7, 23, 59, tzinfo=BERLIN)),
        ("FREQ=WEEKLY;BYDAY=MO", MONDAY_LAST_MINUTE, datetime(2026, 12, 14, 23, 59, tzinfo=BERLIN)),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", MONDAY_LAST_MINUTE, datetime(2026, 12, 8, 23, 59, tzinfo=BERLIN)),
        ("FREQ=MONTHLY;BYMONTHDAY=1", MONDAY_MORNING, datetime(2027, 1, 1, 23, 59, tzinfo=BERLIN)),
    ],
)
def test_the_series_starts_on_the_first_day_its_rule_allows(
    rule: str, now: datetime, expected: datetime
) -> None:
    assert first_due(rule, now, EVENING) == expected


def test_a_time_of_day_already_past_moves_a_free_rule_to_tomorrow() -> None:
    assert first_due("FREQ=DAILY", MONDAY_MORNING, time(7, 0)) == datetime(2026, 12, 8, 7, 0, tzinfo=BERLIN)
