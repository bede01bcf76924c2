"""A model provider that fails mid-answer, through both streaming endpoints: help and ChatKit.

The provider is a real HTTP server speaking the OpenAI-compatible Chat Completions format (tests/fakes)
and the app uses its production client for it (`TASKAGENT_MODEL=openai-compatible:...`). For each way a
provider fails (an HTTP error, a stall before or during the answer, a connection cut mid-stream, a broken
event) the client gets an error event within the configured timeout, and the thread keeps the user's
message and whatever part of the answer was streamed before the failure.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from taskagent.agents.model_selection import MAX_RETRIES
from taskagent.agents.runner import AgentRuntime
from taskagent.conversations.models import Thread, ThreadItem
from taskagent.db import session_scope
from taskagent.resources import app_resources
from tests.agents.support import with_overrides
from tests.conftest import UserHandle
from tests.fakes import Cut, FakeChatCompletions, Hang, HttpError, Malformed, Turn

# The production database only: these tests are about the provider, not the storage.
pytestmark = pytest.mark.backends("postgres")

TIMEOUT = 0.5  # MODEL_TIMEOUT_SECONDS for these tests
ATTEMPTS = MAX_RETRIES + 1  # a failure before any byte of the answer is retried
PARTIAL = "Start with the outline, then"


@dataclass(frozen=True)
class Fault:
    turn: Turn
    said: str  # what the client sees (and the thread keeps) of the answer before the failure
    retried: bool  # the client library retries it: the fault is queued for every attempt
    seconds: float  # the error event comes within this long


FAULTS = {
    "http 500": Fault(HttpError(500), "", True, 4.0),
    "http 429": Fault(HttpError(429, "Rate limit reached", retry_after=0.1), "", True, 4.0),
    "stall before the answer": Fault(Hang(seconds=20), "", True, 2 * TIMEOUT + 3.0),
    "stall mid-answer": Fault(Hang(seconds=20, after_text=PARTIAL), PARTIAL, False, TIMEOUT + 2.0),
    "cut mid-answer": Fault(Cut(after_text=PARTIAL), PARTIAL, False, 2.0),
    "broken event mid-answer": Fault(Malformed(after_text=PARTIAL), PARTIAL, False, 2.0),
}


@pytest.fixture(params=list(FAULTS))
def fault(request: pytest.FixtureRequest) -> Fault:
    return FAULTS[request.param]


@pytest.fixture
def fake(fault: Fault) -> Iterator[FakeChatCompletions]:
    with FakeChatCompletions(*[fault.turn] * (ATTEMPTS if fault.retried else 1)) as server:
        yield server


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"agent_rate_limit": 1000}


def _use(app: FastAPI, fake: FakeChatCompletions) -> None:
    """Configure the app as an operator would (the same settings everywhere, the runtime rebuilt)."""
    app_resources(app).settings = with_overrides(
        app_resources(app).settings,
        taskagent_model="openai-compatible:test-model",
        openai_base_url=fake.base_url,
        openai_api_key="sk-test-key",
        model_timeout_seconds=TIMEOUT,
    )
    app_resources(app).agent_runtime = AgentRuntime(app_resources(app).settings)


def _sse(body: str) -> list[tuple[str, Any]]:
    events = []
    for block in body.split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith(":")]
        if lines:
            name = next((line[7:] for line in lines if line.startswith("event: ")), "message")
            data = "\n".join(line[6:] for line in lines if line.startswith("data: "))
            events.append((name, json.loads(data)))
    return events


def _text(item: dict[str, Any]) -> str:
    return "".join(part.get("text", "") for part in item.get("content", []))


async def _stored(
    app: FastAPI, user_id: int, *, task_id: int | None = None, thread_id: str | None = None
) -> Any:
    async with session_scope(app_resources(app).session_factory) as session:
        query = select(Thread).where(Thread.owner_id == user_id)
        query = (
            query.where(Thread.task_id == task_id)
            if task_id is not None
            else query.where(Thread.id == thread_id)
        )
        thread = (await session.execute(query)).scalar_one()
        rows = await session.execute(
            select(ThreadItem).where(ThreadItem.thread_id == thread.id).order_by(ThreadItem.seq)
        )
        return [(row.type, _text(row.data)) for row in rows.scalars() if row.type != "sdk_hidden_context"]


async def test_help_keeps_the_question_and_the_partial_answer(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, fault: Fault, fake: FakeChatCompletions
) -> None:
    task = await client.post("/tasks", json={"title": "Write the report"}, headers=alice.headers)
    task_id = task.json()["id"]
    _use(app, fake)
    started = time.monotonic()
    response = await client.post(
        f"/tasks/{task_id}/help", json={"query": "How do I start?"}, headers=alice.headers
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    events = _sse(response.text)
    assert events[-1][0] == "error", events
    assert events[-1][1]["message"] and "sk-test" not in events[-1][1]["message"]
    assert f"within {TIMEOUT:g} s" in events[-1][1]["message"] or not isinstance(fault.turn, Hang)
    said = "".join(data["text"] for name, data in events if name == "delta")
    assert said == fault.said
    assert elapsed < fault.seconds, f"the error came after {elapsed:.1f} s"
    stored = await _stored(app, alice.id, task_id=task_id)
    expected = [("user_message", "How do I start?")]
    if fault.said:
        expected.append(("assistant_message", fault.said))
    assert stored == expected
    assert len(fake.bodies) == (ATTEMPTS if fault.retried else 1)


async def test_chat_keeps_the_message_and_the_partial_answer(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, fault: Fault, fake: FakeChatCompletions
) -> None:
    _use(app, fake)
    body = {
        "type": "threads.create",
        "params": {
            "input": {
                "content": [{"type": "input_text", "text": "How do I start the report?"}],
                "attachments": [],
                "inference_options": {},
            }
        },
    }
    started = time.monotonic()
    response = await client.post("/chatkit", json=body, headers=alice.headers)
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    events = [data for _, data in _sse(response.text)]
    kinds = [event["type"] for event in events]
    assert "error" in kinds, kinds
    error = events[kinds.index("error")]
    assert error["message"] and "sk-test" not in error["message"]
    assert f"within {TIMEOUT:g} s" in error["message"] or not isinstance(fault.turn, Hang)
    # After the error: only the thread's own bookkeeping (its new title), no more of the answer.
    assert set(kinds[kinds.index("error") + 1 :]) <= {"thread.updated"}, kinds
    said = "".join(
        event["update"]["delta"]
        for event in events
        if event["type"] == "thread.item.updated"
        and event["update"]["type"] == "assistant_message.content_part.text_delta"
    )
    assert said == fault.said
    assert elapsed < fault.seconds, f"the error came after {elapsed:.1f} s"
    thread_id = events[0]["thread"]["id"]
    stored = await _stored(app, alice.id, thread_id=thread_id)
    expected = [("user_message", "How do I start the report?")]
    if fault.said:
        expected.append(("assistant_message", fault.said))
    assert stored == expected
