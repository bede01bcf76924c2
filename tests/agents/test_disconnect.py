"""Stream mechanics: a client that leaves mid-answer loses nothing already said, and the run stops; a slow
model gets keep-alive comments.

Driven at the ASGI level (httpx's ASGI transport reads a response whole, so it cannot hang up early): the
client sends its request, reads a few `delta` events, then disconnects.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from taskagent.agents.context import AgentContext
from taskagent.agents.help import HelpRun, record_request
from taskagent.agents.runner import AgentRuntime
from taskagent.resources import app_resources
from taskagent.tasks.models import Task
from tests.agents.support import create_task, install_settings, item_text, thread_items
from tests.conftest import UserHandle
from tests.fakes import FakeChatCompletions, Reply, tool_call

FULL_ANSWER = " ".join(f"word{n}" for n in range(200))


pytestmark = pytest.mark.backends("postgres")


async def _post_and_hang_up(
    app: FastAPI, path: str, token: str, payload: dict[str, Any], *, after_deltas: int, spec_version: str
) -> str:
    body = json.dumps(payload).encode()
    gone = asyncio.Event()
    received: list[bytes] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200
        if message["type"] == "http.response.body":
            received.append(message.get("body", b""))
            if b"".join(received).count(b"event: delta") >= after_deltas:
                gone.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": spec_version},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("203.0.113.20", 50000),
        "server": ("testserver", 80),
    }
    await asyncio.wait_for(app(scope, receive, send), timeout=10)
    return b"".join(received).decode()


# Starlette watches for the disconnect itself before ASGI spec 2.4 (uvicorn says 2.3); from 2.4 on only a
# failed write would tell it, and the endpoint's own watcher is what stops the run.
@pytest.mark.parametrize("spec_version", ["2.3", "2.4"])
async def test_a_disconnect_keeps_the_partial_answer_and_stops_the_run(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle, spec_version: str
) -> None:
    with FakeChatCompletions(
        tool_call("transfer_to_breakdown_agent"), Reply(text=FULL_ANSWER, delay=0.02)
    ) as fake:
        runtime: AgentRuntime = install_settings(
            app, taskagent_model="openai-compatible:test", openai_base_url=fake.base_url
        )
        task = await create_task(client, alice, title="Write the annual report")
        started = time.monotonic()
        seen = await _post_and_hang_up(
            app,
            f"/tasks/{task['id']}/help",
            alice.token,
            {"query": "Break it down"},
            after_deltas=5,
            spec_version=spec_version,
        )
        while runtime.active_runs:  # the run is stopped and stores what was said
            await asyncio.sleep(0.02)
        elapsed = time.monotonic() - started
        assert len(fake.bodies) == 2

    assert "event: done" not in seen
    items = await thread_items(app, alice.id, task["id"])
    assert [item["type"] for item in items] == ["user_message", "assistant_message"]
    assert item_text(items[0]) == "Break it down"
    partial = item_text(items[1])
    assert partial and FULL_ANSWER.startswith(partial) and len(partial) < len(FULL_ANSWER) / 2
    assert items[1]["incomplete"] is True and items[1]["agent"] == "breakdown"
    assert elapsed < 200 * 0.02  # well before the whole answer would have streamed


async def test_a_slow_model_gets_keep_alive_comments(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    with FakeChatCompletions(
        tool_call("transfer_to_blocker_agent"), Reply(text="Ask the vendor today.", delay=0.3)
    ) as fake:
        runtime = install_settings(
            app, taskagent_model="openai-compatible:test", openai_base_url=fake.base_url
        )
        task = await create_task(client, alice, title="Integrate the payment API")
        stored = await client.get(f"/tasks/{task['id']}", headers=alice.headers)
        thread_id, _ = await record_request(
            app_resources(app).session_factory, alice.id, _task(stored.json()), "I'm stuck"
        )
        context = AgentContext(
            user_id=alice.id,
            session_factory=app_resources(app).session_factory,
            focus_task_id=task["id"],
            focus_task=task,
        )
        run = HelpRun(
            runtime=runtime, agent_key="triage", context=context, thread_id=thread_id, keepalive_seconds=0.1
        )
        events = [event async for event in run.stream()]
    ticks = [event for event in events if event is None]
    said = [event for event in events if event is not None]
    assert ticks, "no keep-alive while the model was slow"
    assert [event.event for event in said if event.event != "delta"] == ["agent", "agent", "done"]
    assert "".join(event.data["text"] for event in said if event.event == "delta") == "Ask the vendor today."


def _task(data: dict[str, Any]) -> Task:
    return Task(id=data["id"], title=data["title"])


def test_keep_alives_of_streams_that_arrived_together_are_spread(app: FastAPI) -> None:
    run = HelpRun(
        runtime=app_resources(app).agent_runtime,
        agent_key="triage",
        context=AgentContext(user_id=1, session_factory=app_resources(app).session_factory),
        thread_id="thread",
        keepalive_seconds=10.0,
    )
    intervals = [run.keepalive_interval() for _ in range(200)]
    assert all(5.0 <= interval <= 10.0 for interval in intervals)
    assert max(intervals) - min(intervals) > 2.5  # spread over the range, not one fixed period
