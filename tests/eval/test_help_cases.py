"""Every `help` case of the dev eval set, on the offline engine, through `POST /tasks/{id}/help`.

As tests/eval/README (../shared/eval/README.md) describes: a fresh user per case (time zone UTC), the
setup tasks made by REST, the help request on setup task `task`, then every expectation checked against
the user's tasks (by REST) and the streamed reply.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from tests.agents.support import last, parse_sse, text_of
from tests.conftest import UserFactory, UserHandle
from tests.eval.expectations import CASES, make_setup_task, problems_after

HELP_CASES = [case for case in CASES if "help" in case]


def test_the_dev_set_has_help_cases() -> None:
    assert len(HELP_CASES) >= 4


@pytest.mark.parametrize("case", HELP_CASES, ids=[case["id"] for case in HELP_CASES])
async def test_help_case(client: httpx.AsyncClient, make_user: UserFactory, case: dict[str, Any]) -> None:
    user: UserHandle = await make_user()
    today = datetime.now(UTC).date()
    setup = [await make_setup_task(client, user, spec, today) for spec in case.get("setup", [])]
    ids = {f"{{id{index}}}": str(task["id"]) for index, task in enumerate(setup)}

    request = case["help"]
    query = request["query"]
    for placeholder, value in ids.items():
        query = query.replace(placeholder, value)
    response = await client.post(
        f"/tasks/{setup[request['task']]['id']}/help", json={"query": query}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    events = parse_sse(response.text)
    assert [event.name for event in events][-1] == "done", events
    reply = text_of(events).lower()

    expect = case["expect"]
    problems = await problems_after(client, user, setup, expect, reply, today)
    specialist = last(events, "done")["specialist"]
    if "specialist" in expect and specialist != expect["specialist"]:
        problems.append(f"specialist {specialist} is not {expect['specialist']}")
    assert not problems, (problems, reply)
