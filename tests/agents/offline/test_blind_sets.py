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

EVAL = Path(__file__).resolve().parents[2] / "eval"
TUNED = sorted(half for half in FLOORS if half not in NEVER_TUNED)


@pytest.mark.parametrize("half", TUNED)
async def test_tuned_blind_set_holds_its_floor(half: str) -> None:
    right = {"chat": [0, 0], "help": [0, 0]}
    missed = []
    for case in load_cases(EVAL / f"utterances-{half}.jsonl"):
        outcome = await run_case(case, datetime.now(UTC), ZoneInfo("UTC"))
        kind = "help" if "help" in case else "chat"
        right[kind][0] += not outcome.problems
        right[kind][1] += 1
        if outcome.problems:
            missed.append(f"{case['id']}: {'; '.join(outcome.problems)}")
    (chat, chats), (helps, all_help) = right["chat"], right["help"]
    chat_floor, help_floor = FLOORS[half]
    report = "\n".join([f"chat {chat}/{chats}, help {helps}/{all_help}", *missed])
    assert chat >= chat_floor * chats and helps >= help_floor * all_help, report
