"""Helpers for driving `POST /chatkit` the way the ChatKit web component does."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from collections.abc import AsyncIterator, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from agents import Model
from fastapi import FastAPI

from taskagent.agents.runner import AgentRuntime
from taskagent.config import Settings
from taskagent.resources import app_resources
from tests.conftest import UserHandle


def user_input(text: str) -> dict[str, Any]:
    return {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}


def parse_sse(body: str) -> list[dict[str, Any]]:
    events = []
    for block in body.split("\n\n"):
        for line in block.splitlines():
            if line.startswith("data: "):
                events.append(json.loads(line[len("data: ") :]))
    return events


@dataclass
class Turn:
    response: httpx.Response
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def thread_id(self) -> str:
        for event in self.events:
            if event["type"] in {"thread.created", "thread.updated"}:
                return str(event["thread"]["id"])
        for event in self.events:
            if event["type"] == "thread.item.done":
                return str(event["item"]["thread_id"])
        raise AssertionError(f"no thread in {self.events}")

    def done_items(self, kind: str | None = None) -> list[dict[str, Any]]:
        items = [event["item"] for event in self.events if event["type"] == "thread.item.done"]
        return [item for item in items if kind is None or item["type"] == kind]

    @property
    def reply(self) -> str:
        """The text of the last assistant message of the turn."""
        messages = self.done_items("assistant_message")
        assert messages, f"no assistant message in {self.events}"
        return "".join(part["text"] for part in messages[-1]["content"])

    @property
    def deltas(self) -> list[str]:
        return [
            event["update"]["delta"]
            for event in self.events
            if event["type"] == "thread.item.updated"
            and event["update"]["type"] == "assistant_message.content_part.text_delta"
        ]

    @property
    def actions(self) -> list[str]:
        return [item["task"]["title"] for item in self.done_items("task")]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [event for event in self.events if event["type"] == "error"]


class ChatClient:
    """One user's ChatKit client over the app's HTTP transport."""

    def __init__(self, http: httpx.AsyncClient, user: UserHandle) -> None:
        self.http = http
        self.user = user

    async def post(self, payload: Any, **kwargs: Any) -> httpx.Response:
        return await self.http.post("/chatkit", json=payload, headers=self.user.headers, **kwargs)

    async def call(self, request_type: str, /, **params: Any) -> Any:
        response = await self.post({"type": request_type, "params": params})
        assert response.status_code == 200, response.text
        return response.json()

    async def stream(self, request_type: str, /, **params: Any) -> Turn:
        response = await self.post({"type": request_type, "params": params})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream")
        return Turn(response, parse_sse(response.text))

    async def create(self, text: str) -> Turn:
        return await self.stream("threads.create", input=user_input(text))

    async def say(self, thread_id: str, text: str) -> Turn:
        return await self.stream("threads.add_user_message", thread_id=thread_id, input=user_input(text))

    async def items(self, thread_id: str, **params: Any) -> list[dict[str, Any]]:
        page = await self.call("items.list", thread_id=thread_id, limit=100, order="asc", **params)
        items: list[dict[str, Any]] = page["data"]
        return items


@pytest.fixture(autouse=True)
async def no_abandoned_tasks(caplog: pytest.LogCaptureFixture) -> AsyncIterator[None]:
    """A turn leaves no task behind: none still pending once the test is over, and none that ended
    with an exception nobody read (asyncio logs those when they are collected)."""
    yield
    for _ in range(5):
        await asyncio.sleep(0)
    pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task() and not task.done()]
    gc.collect()
    leaks = [r.getMessage() for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.ERROR]
    assert not leaks, leaks
    assert not pending, pending


@pytest.fixture
def chat(client: httpx.AsyncClient) -> Callable[[UserHandle], ChatClient]:
    def make(user: UserHandle) -> ChatClient:
        return ChatClient(client, user)

    return make


def use_models(app: FastAPI, settings: Settings, factory: Callable[[Settings, str], Model]) -> AgentRuntime:
    """Serve the app's agents from `factory` (scripted or recording models) instead of build_model."""
    runtime = AgentRuntime(settings, model_factory=factory)
    app_resources(app).agent_runtime = runtime
    return runtime


def record_inputs(app: FastAPI) -> list[list[Any]]:
    """Every turn's model input, as the turn builds it."""
    seen: list[list[Any]] = []
    app_resources(app).agent_runtime.input_observers.append(lambda items: seen.append(list(items)))
    return seen


async def asgi_post(
    app: FastAPI, user: UserHandle, body: Any, *, leave_after_deltas: int | None = None
) -> list[tuple[float, dict[str, Any]]]:
    """POST /chatkit through the whole ASGI stack as a server would, recording when each event was
    sent (event-loop time); with `leave_after_deltas`, the client disconnects after that many deltas."""
    loop = asyncio.get_running_loop()
    payload = json.dumps(body).encode()
    received: list[tuple[float, dict[str, Any]]] = []
    buffer = b""
    gone = asyncio.Event()
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": payload, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal buffer
        if message["type"] == "http.response.start":
            assert message["status"] == 200, message
        elif message["type"] == "http.response.body":
            buffer += message.get("body", b"")
            *complete, buffer = buffer.split(b"\n\n")
            received.extend((loop.time(), event) for block in complete for event in parse_sse(block.decode()))
            deltas = sum(1 for _, event in received if is_delta(event))
            if leave_after_deltas is not None and deltas >= leave_after_deltas:
                gone.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},  # what uvicorn reports
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/chatkit",
        "raw_path": b"/chatkit",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"authorization", user.headers["Authorization"].encode()),
        ],
        "client": ("203.0.113.10", 50000),
        "server": ("testserver", 80),
    }
    await asyncio.wait_for(app(scope, receive, send), timeout=60)
    return received


def is_delta(event: dict[str, Any]) -> bool:
    return bool(
        event.get("type") == "thread.item.updated"
        and event["update"]["type"] == "assistant_message.content_part.text_delta"
    )
