"""The streaming endpoints, sent what no schema describes: broken bytes, wrong types, the wrong media type.

Schemathesis (tests/test_fuzz.py) generates data from the OpenAPI; these bodies are outside it. Each must
be refused before any stream starts, with a JSON error whose status the operation documents, never a 5xx,
and nothing stored.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import UserHandle

JSON = {"Content-Type": "application/json"}
BROKEN_BODIES: dict[str, tuple[bytes, dict[str, str]]] = {
    "not json": (b"{this is not json", JSON),
    "not utf-8": (b'{"query": "\xff\xfe\xfa"}', JSON),
    "truncated": (b'{"query": "half', JSON),
    "a json array": (b'["query"]', JSON),
    "a json string": (b'"query"', JSON),
    "null": (b"null", JSON),
    "empty": (b"", JSON),
    "lone surrogate": (b'{"query": "\\ud800"}', JSON),
    "deeply nested": (b'{"query": ' + b"[" * 5000 + b"]" * 5000 + b"}", JSON),
    "form instead of json": (b"query=hello", {"Content-Type": "application/x-www-form-urlencoded"}),
    "text/plain body": (b"hello", {"Content-Type": "text/plain"}),
}
CHATKIT_BODIES: dict[str, Any] = {
    "empty object": {},
    "unknown type": {"type": "threads.explode", "params": {}},
    "type not a string": {"type": 42, "params": {}},
    "params missing": {"type": "threads.get_by_id"},
    "params wrong type": {"type": "items.list", "params": "thr_1"},
    "thread id not a string": {"type": "threads.get_by_id", "params": {"thread_id": ["x"]}},
    "empty message": {
        "type": "threads.create",
        "params": {"input": {"content": [], "attachments": [], "inference_options": {}}},
    },
    "message of the wrong shape": {
        "type": "threads.create",
        "params": {
            "input": {"content": [{"type": "input_text"}], "attachments": [], "inference_options": {}}
        },
    },
    "negative limit": {"type": "items.list", "params": {"thread_id": "thr_x", "limit": -5}},
    # PostgreSQL cannot keep NUL in a text column: refused up front, not a failed stream
    "nul in a message": {
        "type": "threads.create",
        "params": {
            "input": {
                "content": [{"type": "input_text", "text": "create a task called a\x00b"}],
                "attachments": [],
                "inference_options": {},
            }
        },
    },
}
# Odd but valid: answered or refused, never a server error, and never an error event.
CHATKIT_ODD: dict[str, Any] = {
    "huge limit": {"type": "threads.list", "params": {"limit": 10**30}},
    "unknown metadata": {"type": "threads.list", "params": {}, "metadata": {"x": [1, {"y": None}]}},
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"agent_rate_limit": 1000}


def documented(app: FastAPI, method: str, path: str) -> set[int]:
    responses = app.openapi()["paths"][path][method.lower()]["responses"]
    return {int(code) for code in responses if code.isdigit()}


def check_refusal(app: FastAPI, method: str, path: str, response: httpx.Response, label: str) -> str | None:
    status = response.status_code
    if status >= 500 or not 400 <= status < 500:
        return f"{label}: {status} {response.text[:200]}"
    if status not in documented(app, method, path):
        return f"{label}: {status} is not documented for {method} {path}"
    if not response.headers.get("content-type", "").startswith("application/json"):
        return f"{label}: {status} with content-type {response.headers.get('content-type')}"
    if "detail" not in response.json():
        return f"{label}: {status} without a detail: {response.text[:200]}"
    return None


async def _stored(client: httpx.AsyncClient, user: UserHandle, task_id: int) -> Any:
    history = await client.get(f"/tasks/{task_id}/help", headers=user.headers)
    threads = await client.post(
        "/chatkit", json={"type": "threads.list", "params": {"limit": 100}}, headers=user.headers
    )
    return history.json(), threads.json()


async def test_streaming_endpoints_refuse_broken_bodies_before_streaming(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await client.post("/tasks", json={"title": "Something to ask about"}, headers=alice.headers)
    task_id = task.json()["id"]
    before = await _stored(client, alice, task_id)
    problems: list[str] = []
    targets = [
        ("POST", "/tasks/{task_id}/help", f"/tasks/{task_id}/help"),
        ("POST", "/tasks/{task_id}/schedule", f"/tasks/{task_id}/schedule"),
        ("POST", "/chatkit", "/chatkit"),
    ]
    for method, path, url in targets:
        for label, (body, headers) in BROKEN_BODIES.items():
            if path.endswith("/schedule") and label in {
                "empty",
                "null",
                "form instead of json",
                "text/plain body",
            }:
                continue  # no body is a valid schedule request (the default question)
            response = await client.request(method, url, content=body, headers={**alice.headers, **headers})
            if problem := check_refusal(app, method, path, response, f"{method} {path} {label}"):
                problems.append(problem)
        # Without a token a broken body is refused too (FastAPI reads the body before the dependencies run,
        # so the help endpoints say 422 where /chatkit says 401): refused, and nothing runs.
        response = await client.request(method, url, content=b"{broken", headers=JSON)
        if response.status_code not in {400, 401, 422}:
            problems.append(f"{method} {path} broken body without a token: {response.status_code}")
    for label, payload in CHATKIT_BODIES.items():
        response = await client.post("/chatkit", json=payload, headers=alice.headers)
        if problem := check_refusal(app, "POST", "/chatkit", response, f"ChatKit {label}"):
            problems.append(problem)
    for label, payload in CHATKIT_ODD.items():
        response = await client.post("/chatkit", json=payload, headers=alice.headers)
        if response.status_code >= 500 or '"type":"error"' in response.text.replace(" ", ""):
            problems.append(f"ChatKit {label}: {response.status_code} {response.text[:200]}")
    for label, params in {
        "empty ?query=": {"query": ""},
        "blank ?query=": {"query": "   "},
        "overlong ?query=": {"query": "x" * 2001},
    }.items():
        response = await client.post(f"/tasks/{task_id}/help", params=params, headers=alice.headers)
        if problem := check_refusal(app, "POST", "/tasks/{task_id}/help", response, f"help {label}"):
            problems.append(problem)
    for label, payload in {
        "blank query": {"query": "  \n "},
        "overlong query": {"query": "x" * 2001},
        "query not a string": {"query": ["a"]},
        "unknown field": {"query": "hi", "model": "gpt-9"},
    }.items():
        for path in ("help", "schedule"):
            response = await client.post(f"/tasks/{task_id}/{path}", json=payload, headers=alice.headers)
            if problem := check_refusal(
                app, "POST", f"/tasks/{{task_id}}/{path}", response, f"{path} {label}"
            ):
                problems.append(problem)
    assert not problems, "\n".join(problems)
    assert await _stored(client, alice, task_id) == before, "a refused request left something behind"
