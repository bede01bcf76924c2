"""Helpers for the agent endpoint tests: SSE parsing, tasks by REST, models swapped into the app."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from agents import FunctionTool, Model
from agents.tool_context import ToolContext
from fastapi import FastAPI
from sqlalchemy import select

from taskagent.agents.context import AgentContext
from taskagent.agents.runner import AgentRuntime
from taskagent.config import Settings
from taskagent.conversations.models import Thread, ThreadItem
from taskagent.db import session_scope
from taskagent.resources import app_resources
from tests.conftest import UserHandle


@dataclass(frozen=True)
class Event:
    name: str
    data: Any


def parse_sse(body: str) -> list[Event]:
    """The events of a text/event-stream body (comments such as keep-alives are skipped)."""
    events = []
    for block in body.split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith(":")]
        if not lines:
            continue
        name = next((line[len("event: ") :] for line in lines if line.startswith("event: ")), "message")
        data = "\n".join(line[len("data: ") :] for line in lines if line.startswith("data: "))
        events.append(Event(name, json.loads(data)))
    return events


def names(events: list[Event]) -> list[str]:
    return [event.name for event in events]


def agents_seen(events: list[Event]) -> list[str]:
    return [event.data["id"] for event in events if event.name == "agent"]


def text_of(events: list[Event]) -> str:
    return "".join(event.data["text"] for event in events if event.name == "delta")


def last(events: list[Event], name: str) -> Any:
    found = [event.data for event in events if event.name == name]
    assert found, f"no {name} event in {names(events)}"
    return found[-1]


async def create_task(client: httpx.AsyncClient, user: UserHandle, **fields: Any) -> dict[str, Any]:
    response = await client.post("/tasks", json={"title": "A task", **fields}, headers=user.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def ask(
    client: httpx.AsyncClient,
    user: UserHandle,
    task_id: int,
    query: str | None = "Help me with this",
    *,
    path: str = "help",
    accept: str | None = None,
) -> httpx.Response:
    headers = dict(user.headers)
    if accept:
        headers["Accept"] = accept
    body = {"query": query} if query is not None else None
    return await client.post(f"/tasks/{task_id}/{path}", json=body, headers=headers)


async def ask_events(
    client: httpx.AsyncClient, user: UserHandle, task_id: int, query: str, **kwargs: Any
) -> list[Event]:
    response = await ask(client, user, task_id, query, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return parse_sse(response.text)


def with_overrides(settings: Settings, **overrides: Any) -> Settings:
    """A validated copy of `settings` with some values changed (the environment is not read again)."""
    if not overrides:
        return settings
    values = {**settings.model_dump(), **overrides}
    return Settings(_env_file=None, **values)


def install_model(
    app: FastAPI, factory: Model | Callable[[Settings, str], Model], **overrides: Any
) -> AgentRuntime:
    """Serve every agent of `app` from `factory` (a model, or a function of settings and role)."""
    settings = with_overrides(app_resources(app).settings, **overrides)

    def model_factory(settings: Settings, role: str) -> Model:
        return factory if isinstance(factory, Model) else factory(settings, role)

    runtime = AgentRuntime(settings, model_factory=model_factory)
    app_resources(app).agent_runtime = runtime
    return runtime


def install_settings(app: FastAPI, **overrides: Any) -> AgentRuntime:
    """Serve the app's agents from the models `overrides` configure (build_model: the production path)."""
    runtime = AgentRuntime(with_overrides(app_resources(app).settings, **overrides))
    app_resources(app).agent_runtime = runtime
    return runtime


async def thread_items(app: FastAPI, user_id: int, task_id: int) -> list[dict[str, Any]]:
    """The stored items of a task's help thread (the rows, not the API), oldest first."""
    async with session_scope(app_resources(app).session_factory) as session:
        thread = (
            await session.execute(select(Thread).where(Thread.owner_id == user_id, Thread.task_id == task_id))
        ).scalar_one_or_none()
        if thread is None:
            return []
        rows = (
            await session.execute(
                select(ThreadItem).where(ThreadItem.thread_id == thread.id).order_by(ThreadItem.seq)
            )
        ).scalars()
        return [row.data for row in rows]


async def call_tool(tool: FunctionTool, context: AgentContext, arguments: dict[str, Any] | str) -> Any:
    """Invoke a tool as the runtime does (arguments as the model's JSON); the parsed JSON result."""
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    ctx = ToolContext(context=context, tool_name=tool.name, tool_call_id="call_1", tool_arguments=raw)
    return json.loads(await tool.on_invoke_tool(ctx, raw))


def item_text(item: dict[str, Any]) -> str:
    return "".join(part.get("text", "") for part in item.get("content", []))
