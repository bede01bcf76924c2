"""A client that goes away mid-answer, over real TCP: the run stops and what was said is stored.

The app runs under uvicorn in-process on a free port; the model is a slow fake provider (a real HTTP server
speaking Chat Completions, one word every 50 ms). The client reads a few words of the stream, then closes
its connection. The thread then holds the user's message and the partial answer (at least what the client
saw, far less than the whole answer), and the app closes its connection to the provider: the fake stops
sending frames, long before the answer would have ended.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select

from taskagent.app import create_app
from taskagent.auth import tokens
from taskagent.auth.models import User
from taskagent.config import Settings
from taskagent.conversations.models import Thread, ThreadItem
from taskagent.db import session_scope
from taskagent.resources import app_resources
from tests.conftest import build_settings
from tests.fakes import FakeChatCompletions, Reply
from tests.fakes.provider import Frame

pytestmark = pytest.mark.backends("postgres")

WORDS = 200
DELAY = 0.05  # seconds between words: the whole answer would take 10 s
READ_DELTAS = 5
ANSWER = " ".join(f"word{n}" for n in range(WORDS))


class CountingFake(FakeChatCompletions):
    """Counts the frames it has written: the count stops growing when the app closes the connection."""

    def __init__(self, *turns: Reply) -> None:
        super().__init__(*turns)
        self.frames_sent = 0

    def encode(self, frame: Frame) -> str:
        self.frames_sent += 1
        return super().encode(frame)


@pytest.fixture
def fake() -> Iterator[CountingFake]:
    with CountingFake(Reply(text=ANSWER, delay=DELAY)) as server:
        yield server


@pytest.fixture
def served_settings(database_url: str, tmp_path: Path, fake: CountingFake) -> Settings:
    return build_settings(
        database_url,
        tmp_path / "data",
        taskagent_model="openai-compatible:test-model",
        openai_base_url=fake.base_url,
        openai_api_key="sk-test-key",
        agent_rate_limit=1000,
    )


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """uvicorn on a free port, in this event loop; yields the base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="on", log_level="warning"))
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 20
    while not server.started:
        assert not task.done(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start"
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


async def _user(app: FastAPI, settings: Settings) -> dict[str, str]:
    async with session_scope(app_resources(app).session_factory) as session:
        user = User(email="leaver@example.com", password_hash="x", timezone="UTC")
        session.add(user)
        await session.flush()
        user_id = user.id
    return {"Authorization": f"Bearer {tokens.issue(settings, user_id).token}"}


async def _items(app: FastAPI, *, task_id: int | None = None, thread_id: str | None = None) -> list[Any]:
    async with session_scope(app_resources(app).session_factory) as session:
        query = select(Thread)
        query = (
            query.where(Thread.task_id == task_id)
            if task_id is not None
            else query.where(Thread.id == thread_id)
        )
        thread = (await session.execute(query)).scalar_one()
        rows = await session.execute(
            select(ThreadItem).where(ThreadItem.thread_id == thread.id).order_by(ThreadItem.seq)
        )
        return [
            (row.type, "".join(part.get("text", "") for part in row.data.get("content", [])))
            for row in rows.scalars()
            if row.type != "sdk_hidden_context"
        ]


async def _read_deltas(lines: AsyncIterator[str], chat: bool) -> str:
    """Reads the stream until READ_DELTAS pieces of the answer arrived; returns the text seen."""
    seen: list[str] = []
    event = "message"
    async for line in lines:
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
            if chat and data.get("type") == "thread.item.updated":
                update = data["update"]
                if update["type"] == "assistant_message.content_part.text_delta":
                    seen.append(update["delta"])
            elif not chat and event == "delta":
                seen.append(data["text"])
            if len(seen) >= READ_DELTAS:
                return "".join(seen)
    raise AssertionError(f"the stream ended after {seen}")


async def _until(check: Any, seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = await check()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.1)


async def _provider_stopped(fake: CountingFake) -> int:
    """Waits until the fake has sent nothing for half a second; returns the frames it sent."""
    last, still_since = fake.frames_sent, time.monotonic()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        if fake.frames_sent != last:
            last, still_since = fake.frames_sent, time.monotonic()
        elif time.monotonic() - still_since >= 0.5:
            return last
    raise AssertionError(f"the provider was still being read after the client left ({fake.frames_sent})")


@pytest.mark.parametrize("endpoint", ["help", "chat"])
async def test_a_client_that_leaves_stops_the_run_and_keeps_the_partial_answer(
    served_settings: Settings, fake: CountingFake, endpoint: str
) -> None:
    app = create_app(served_settings)
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=20) as http:
        headers = await _user(app, served_settings)
        task = await http.post("/tasks", json={"title": "Plan the offsite"}, headers=headers)
        task_id = task.json()["id"]
        question = "Tell me everything about this"
        if endpoint == "help":
            request = http.build_request(
                "POST", f"/tasks/{task_id}/help", json={"query": question}, headers=headers
            )
        else:
            body = {
                "type": "threads.create",
                "params": {
                    "input": {
                        "content": [{"type": "input_text", "text": question}],
                        "attachments": [],
                        "inference_options": {},
                    }
                },
            }
            request = http.build_request("POST", "/chatkit", json=body, headers=headers)
        response = await http.send(request, stream=True)
        assert response.status_code == 200
        lines = response.aiter_lines()
        thread_id: str | None = None
        while endpoint == "chat" and thread_id is None:
            line = await anext(lines)
            if line.startswith("data: ") and (data := json.loads(line[6:]))["type"] == "thread.created":
                thread_id = data["thread"]["id"]
        seen = await _read_deltas(lines, chat=endpoint == "chat")
        left_at = time.monotonic()
        await response.aclose()  # the connection is closed: the body was not read to its end

        frames = await _provider_stopped(fake)
        assert frames < WORDS // 2, f"the provider sent {frames} of {WORDS} words after the client left"
        assert time.monotonic() - left_at < 5

        async def stored() -> list[Any]:
            items = await _items(app, task_id=task_id if endpoint == "help" else None, thread_id=thread_id)
            return items if [kind for kind, _ in items] == ["user_message", "assistant_message"] else []

        items = await _until(stored)
        assert items, await _items(app, task_id=task_id if endpoint == "help" else None, thread_id=thread_id)
        assert items[0] == ("user_message", question)
        partial = items[1][1]
        assert partial.startswith(seen.strip()) and len(partial) < len(ANSWER), (seen, partial)
        assert app_resources(app).agent_runtime.active_runs == 0
        assert len(fake.bodies) == 1  # no second model call for an answer nobody reads
