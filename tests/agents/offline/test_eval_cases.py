"""Every case of the dev eval set, and our own extra phrasings, through the real SDK with OfflineModel.

Each case runs at several reference moments (a Wednesday, a Friday afternoon, a Sunday night at the end
of a month, a Monday in another zone across a DST change) and at the real current time, both streamed and
not, so that date handling is exercised on the days where it usually goes wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.agents.offline.harness import load_cases, run_case

HERE = Path(__file__).parent
DEV_CASES = load_cases(HERE.parent.parent / "eval" / "utterances-dev.jsonl")
EXTRA_CASES = load_cases(HERE / "extra_cases.jsonl")

MOMENTS = {
    "wed": (datetime(2026, 11, 25, 10, 0, tzinfo=UTC), ZoneInfo("UTC")),
    "fri-pm": (datetime(2026, 11, 27, 16, 30, tzinfo=UTC), ZoneInfo("UTC")),
    "sun-eom": (datetime(2026, 5, 31, 22, 0, tzinfo=UTC), ZoneInfo("UTC")),
    "ny-dst": (datetime(2026, 10, 31, 14, 0, tzinfo=UTC), ZoneInfo("America/New_York")),
    "tokyo-dec": (datetime(2026, 12, 31, 9, 0, tzinfo=UTC), ZoneInfo("Asia/Tokyo")),
    "today": (datetime.now(UTC), ZoneInfo("UTC")),
}


@pytest.mark.parametrize("moment", list(MOMENTS))
@pytest.mark.parametrize("case", DEV_CASES, ids=[case["id"] for case in DEV_CASES])
async def test_dev_case(case: dict[str, object], moment: str) -> None:
    now, zone = MOMENTS[moment]
    outcome = await run_case(case, now, zone, stream=True)
    assert not outcome.problems, (outcome.problems, [reply.text for reply in outcome.replies])


@pytest.mark.parametrize("case", DEV_CASES, ids=[case["id"] for case in DEV_CASES])
async def test_dev_case_without_streaming(case: dict[str, object]) -> None:
    now, zone = MOMENTS["wed"]
    outcome = await run_case(case, now, zone, stream=False)
    assert not outcome.problems, (outcome.problems, [reply.text for reply in outcome.replies])


@pytest.mark.parametrize("moment", ["wed", "fri-pm", "sun-eom", "ny-dst", "today"])
@pytest.mark.parametrize("case", EXTRA_CASES, ids=[case["id"] for case in EXTRA_CASES])
async def test_extra_case(case: dict[str, object], moment: str) -> None:
    now, zone = MOMENTS[moment]
    outcome = await run_case(case, now, zone, stream=True)
    assert not outcome.problems, (outcome.problems, [reply.text for reply in outcome.replies])


def test_extra_cases_are_not_in_the_dev_set() -> None:
    dev_phrasings = {text.lower() for case in DEV_CASES for text in case.get("say", [])} | {
        case["help"]["query"].lower() for case in DEV_CASES if "help" in case
    }
    extra_phrasings = [text.lower() for case in EXTRA_CASES for text in case.get("say", [])] + [
        case["help"]["query"].lower() for case in EXTRA_CASES if "help" in case
    ]
    assert len(EXTRA_CASES) >= 25
    assert not dev_phrasings & set(extra_phrasings)
