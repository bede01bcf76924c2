"""The plans' monthly limits: a run is counted before any model is called; 429 {detail, limit, resets_at}
exactly at the limit, also when requests arrive together and on two workers; a new month starts from zero."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from taskagent.app import create_app
from taskagent.config import Settings
from taskagent.resources import app_resources
from tests.access_tokens.conftest import new_token
from tests.agents.support import (
    ask,
    ask_events,
    create_task,
    last,
    thread_items,
    with_overrides,
)
from tests.chat.conftest import ChatClient, user_input
from tests.conftest import UserHandle
from tests.mcp.conftest import McpClient
from tests.mcp.test_http import call, refused
from tests.usage.support import CountingModel, assert_quota_refusal, usage

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"agent_monthly_runs": 2}


async def test_help_is_refused_exactly_at_the_runs_limit_before_any_model_call(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle, counting: type[CountingModel]
) -> None:
    task = await create_task(client, alice)
    for _ in range(2):
        assert last(await ask_events(client, alice, task["id"], "When should I do this?"), "done")
    calls_before = counting.calls
    items_before = await thread_items(app, alice.id, task["id"])

    refused = await ask(client, alice, task["id"], "And now?")
    assert_quota_refusal(refused, "runs")
    assert counting.calls == calls_before  # no model was called
    assert await thread_items(app, alice.id, task["id"]) == items_before  # nothing stored
    used = await usage(client, alice)
    assert used["runs"] == 2 and used["limits"] == {"runs": 2, "tokens": None}
    # The schedule route counts against the same quota.
    assert_quota_refusal(await ask(client, alice, task["id"], "When?", path="schedule"), "runs")


async def test_chat_is_refused_at_the_limit_with_the_quota_body(
    client: httpx.AsyncClient,
    chat: Callable[[UserHandle], ChatClient],
    alice: UserHandle,
    counting: type[CountingModel],
) -> None:
    assistant = chat(alice)
    first = await assistant.create("Create a task to call the dentist")
    await assistant.say(first.thread_id, "Create a task to buy milk")
    calls_before = counting.calls
    refused = await assistant.post(
        {
            "type": "threads.add_user_message",
            "params": {"thread_id": first.thread_id, "input": user_input("More")},
        }
    )
    assert_quota_refusal(refused, "runs")
    assert counting.calls == calls_before
    texts = [item for item in await assistant.items(first.thread_id) if item["type"] == "user_message"]
    assert len(texts) == 2  # the refused message was not stored
    # Reading threads runs no agent and is not refused.
    assert (await assistant.post({"type": "threads.list", "params": {}})).status_code == 200


async def test_concurrent_requests_at_the_limit_do_not_overshoot(
    client: httpx.AsyncClient, alice: UserHandle, counting: type[CountingModel]
) -> None:
    task = await create_task(client, alice)
    responses = await asyncio.gather(*(ask(client, alice, task["id"], f"Question {n}") for n in range(6)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 200, 429, 429, 429, 429]
    assert (await usage(client, alice))["runs"] == 2


@pytest.fixture
async def second_worker(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Another app on the same database: a second worker, with its own engine and connection pool."""
    other = create_app(settings)
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other, client=("203.0.113.11", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.mark.backends("postgres")
async def test_two_workers_share_the_limit(
    client: httpx.AsyncClient, second_worker: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create_task(client, alice)
    requests = [
        ask(http, alice, task["id"], f"Question {n}") for n in range(4) for http in (client, second_worker)
    ]
    responses = await asyncio.gather(*requests)
    assert sorted(response.status_code for response in responses) == [200, 200] + [429] * 6
    assert (await usage(second_worker, alice))["runs"] == 2


async def test_a_new_month_starts_from_zero(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    meter = app_resources(app).agent_runtime.usage
    meter.clock = lambda: datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    task = await create_task(client, alice)
    for _ in range(2):
        await ask_events(client, alice, task["id"], "When?")
    refused = await ask(client, alice, task["id"], "When?")
    assert refused.status_code == 429
    assert refused.json()["resets_at"] == "2026-12-01T00:00:00Z"
    assert refused.headers["Retry-After"] == "61"

    meter.clock = lambda: datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert last(await ask_events(client, alice, task["id"], "When?"), "done")
    december = await usage(client, alice)
    assert (december["period"], december["runs"]) == ("2026-12", 1)
    november = await usage(client, alice, period="2026-11")
    assert (november["period"], november["runs"]) == ("2026-11", 2)


async def test_the_tokens_limit_admits_runs_until_the_months_tokens_reach_it(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    meter = app_resources(app).agent_runtime.usage
    meter.settings = with_overrides(meter.settings, agent_monthly_runs=None, agent_monthly_tokens=50)
    task = await create_task(client, alice)
    # The offline engine's estimate of a help run is well over 50 tokens: the first run crosses the limit
    # (a run's size is known only at its end) and the next is refused.
    assert last(await ask_events(client, alice, task["id"], "When should I do this?"), "done")
    used = await usage(client, alice)
    assert used["input_tokens"] + used["output_tokens"] >= 50
    assert used["limits"] == {"runs": None, "tokens": 50}
    assert_quota_refusal(await ask(client, alice, task["id"], "And now?"), "tokens")


async def test_mcp_help_past_the_limit_is_a_tool_error(
    client: httpx.AsyncClient, alice: UserHandle, mcp_client: McpClient, counting: type[CountingModel]
) -> None:
    task = await create_task(client, alice)
    token = await new_token(client, alice, "mcp")
    async with mcp_client(token["token"]) as mcp:
        for _ in range(2):
            await call(mcp, "ask_for_help", task_id=task["id"], request="When should I do this?")
        calls_before = counting.calls
        message = await refused(mcp, "ask_for_help", task_id=task["id"], request="And now?")
    assert message.startswith("Monthly quota reached: 2 agent runs a month")
    assert counting.calls == calls_before
    assert (await usage(client, alice))["runs"] == 2
