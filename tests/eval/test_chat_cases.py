"""Every chat case (`say`) of the dev eval set, on the offline engine, through the public API.

As the eval README (../shared/eval/README.md) defines: a fresh user per case (time zone UTC), the setup
tasks made by REST (`POST /tasks`, then `PATCH` for the status), the turns sent through `POST /chatkit`
in one thread (`threads.create`, then `threads.add_user_message`), then the user's tasks (`GET /tasks`)
and the last assistant reply compared with `expect`. Dates are read in the user's zone (UTC) from the day
the case runs.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.conftest import UserFactory
from tests.eval.expectations import CASES, run_case

CHAT_CASES = [case for case in CASES if "say" in case]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"agent_rate_limit": 1_000}  # a case may have more turns than the per-minute budget


def test_the_dev_set_has_chat_cases() -> None:
    assert len(CHAT_CASES) >= 20


@pytest.mark.parametrize("case", CHAT_CASES, ids=[case["id"] for case in CHAT_CASES])
async def test_chat_case(case: dict[str, Any], client: httpx.AsyncClient, make_user: UserFactory) -> None:
    problems = await run_case(client, await make_user(), case)
    assert not problems, f"case {case['id']} said {case['say']}:\n" + "\n".join(problems)
