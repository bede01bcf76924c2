"""The blind sets tuned on (tests/eval/test_blind.py), each case through the real SDK with OfflineModel in
process, at the real current time: the engine must not fall below any set's floor. The sets never tuned on
run through the public API instead (tests/eval/test_blind.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.agents.offline.harness import load_cases, run_case
from tests.eval.test_blind import FLOORS, NEVER_TUNED
from tests.eval.test_heldout import Score, kind_of, meets

EVAL = Path(__file__).resolve().parents[2] / "eval"
TUNED = sorted(half for half in FLOORS if half not in NEVER_TUNED)


@pytest.mark.parametrize("half", TUNED)
async def test_tuned_blind_set_holds_its_floor(half: str) -> None:
    result = Score()
    for case in load_cases(EVAL / f"utterances-{half}.jsonl"):
        problems = (await run_case(case, datetime.now(UTC), ZoneInfo("UTC"))).problems
        result.right[kind_of(case)].append(not problems)
        if problems:
            result.mistakes.append(f"{case['id']}: {'; '.join(problems)}")
    assert meets(result, *FLOORS[half]), result.report()
