"""Every `help` case of the dev eval set, on the offline engine, through `POST /tasks/{id}/help`.

As tests/eval/README (../shared/eval/README.md) describes: a fresh user per case (time zone UTC), the
setup tasks made by REST, the help request on setup task `task`, then every expectation checked against
the user's tasks (by REST) and the streamed reply.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.conftest import UserFactory
from tests.eval.expectations import CASES, run_case

HELP_CASES = [case for case in CASES if "help" in case]


def test_the_dev_set_has_help_cases() -> None:
    assert len(HELP_CASES) >= 4


@pytest.mark.parametrize("case", HELP_CASES, ids=[case["id"] for case in HELP_CASES])
async def test_help_case(client: httpx.AsyncClient, make_user: UserFactory, case: dict[str, Any]) -> None:
    problems = await run_case(client, await make_user(), case)
    assert not problems, (case["help"], problems)
