"""Every chat case (`say`) of the dev eval set, on the offline engine, through the public API.

As the eval README (../shared/eval/README.md) defines: a fresh user per case (time zone UTC), the setup
tasks made by REST (`POST /tasks`, then `PATCH` for the status), the turns sent through `POST /chatkit`
in one thread (`threads.create`, then `threads.add_user_message`), then the user's tasks (`GET /tasks`)
and the last assistant reply compared with `expect`. Dates are read in the user's zone (UTC) from the day
the case runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from tests.chat.conftest import ChatClient
from tests.conftest import UserFactory
from tests.eval.expectations import CASES, make_setup_task, problems_after

CHAT_CASES = [case for case in CASES if "say" in case]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"agent_rate_limit": 1_000}  # a case may have more turns than the per-minute budget


def test_the_dev_set_has_chat_cases() -> None:
    assert len(CHAT_CASES) >= 20


@pytest.mark.parametrize("case", CHAT_CASES, ids=[case["id"] for case in CHAT_CASES])
async def test_chat_case(
    case: dict[str, Any],
    client: httpx.AsyncClient,
    make_user: UserFactory,
) -> None:
    user = await make_user()
    today = datetime.now(UTC).date()
    setup = [await make_setup_task(client, user, spec, today) for spec in case.get("setup", [])]
    ids = {f"id{index}": task["id"] for index, task in enumerate(setup)}

    me = ChatClient(client, user)
    thread_id: str | None = None
    reply = ""
    for said in case["say"]:
        text = said.format(**ids)
        turn = await (me.create(text) if thread_id is None else me.say(thread_id, text))
        assert not turn.errors, f"{text!r}: {turn.errors}"
        thread_id = turn.thread_id
        reply = turn.reply

    problems = await problems_after(client, user, setup, case["expect"], reply, today)
    assert not problems, f"case {case['id']} said {case['say']}, replied {reply!r}:\n" + "\n".join(problems)
