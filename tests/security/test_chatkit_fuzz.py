"""A fuzz pass over every ChatKit request type (issue 14): each field of a valid request, and each request
as a whole, replaced by oversized, mistyped, missing or malformed values.

Whatever arrives, the answer is a clear 4xx (or the turn it asks for), never a 500 or a stream that ends in
an internal error; error bodies stay small (nothing large is echoed); nothing oversized is stored; the other
user's thread is untouched; and the server keeps answering.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any, get_args

import httpx
import pytest
from chatkit.types import ChatKitReq

from tests.chat.conftest import ChatClient, parse_sse, user_input
from tests.conftest import UserHandle

pytestmark = pytest.mark.backends("sqlite")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"agent_rate_limit": 100_000}  # every variant reaches the checks, not the per-minute budget


HUGE = "x" * 100_000
# What each field is replaced with, in turn (the missing key is its own case).
WRONG_VALUES: list[Any] = [
    None,
    -1,
    2**64,
    1.5e308,
    True,
    "",
    HUGE,
    "\u0000<script>alert(1)</script>",
    [],
    [HUGE],
    {},
    {"nested": {"deeper": [HUGE]}},
]
MISSING = object()
ERROR_BODY_LIMIT = 2_000
CLEAR_STATUSES = {400, 404, 413, 422}


def request_types() -> list[str]:
    """Every request type the SDK's server accepts, read from its own union."""
    union = get_args(ChatKitReq)[0]
    return sorted(model.model_fields["type"].default for model in get_args(union))


def valid_requests(thread_id: str, user_item: str, reply_item: str) -> dict[str, dict[str, Any]]:
    """A well-formed body of each type on Alice's thread."""
    params: dict[str, dict[str, Any]] = {
        "threads.create": {"input": user_input("What tasks do I have?")},
        "threads.add_user_message": {"thread_id": thread_id, "input": user_input("And tomorrow?")},
        "threads.add_client_tool_output": {"thread_id": thread_id, "result": {"ok": True}},
        "threads.add_structured_input": {
            "thread_id": thread_id,
            "item_id": reply_item,
            "input": {"answers": {}},
        },
        "threads.retry_after_item": {"thread_id": thread_id, "item_id": user_item},
        "threads.custom_action": {"thread_id": thread_id, "action": {"type": "go", "payload": {}}},
        "threads.sync_custom_action": {"thread_id": thread_id, "action": {"type": "go"}},
        "threads.get_by_id": {"thread_id": thread_id},
        "threads.list": {"limit": 5, "order": "desc"},
        "items.list": {"thread_id": thread_id, "limit": 5, "order": "asc"},
        "items.feedback": {"thread_id": thread_id, "item_ids": [reply_item], "kind": "positive"},
        "attachments.create": {"name": "a.txt", "size": 3, "mime_type": "text/plain"},
        "attachments.delete": {"attachment_id": "atc_1"},
        "threads.update": {"thread_id": thread_id, "title": "Renamed"},
        "threads.delete": {"thread_id": thread_id},
        "input.transcribe": {"audio_base64": "AAAA", "mime_type": "audio/webm"},
    }
    return {kind: {"type": kind, "params": body} for kind, body in params.items()}


def paths(value: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every key path inside `value` (dicts and lists), depth first."""
    children: list[tuple[str | int, Any]] = []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    for key, child in children:
        yield (*prefix, key)
        yield from paths(child, (*prefix, key))


def mutated(body: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    copy: Any = json.loads(json.dumps(body))
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    if value is MISSING:
        if isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    else:
        parent[path[-1]] = value
    result: dict[str, Any] = copy
    return result


def mutations(body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any] | Any]]:
    """(what was done, the body) for each malformed variant of `body`."""
    for path in paths(body):
        if path == ("type",):
            continue  # the type's own cases are below
        for value in [MISSING, *WRONG_VALUES]:
            label = "missing" if value is MISSING else repr(value)[:30]
            yield f"{'.'.join(map(str, path))} = {label}", mutated(body, path, value)
    yield "an unknown extra field", {**body, "params": {**body["params"], "extra": HUGE}}
    yield "params not an object", {**body, "params": [body["params"]]}
    yield "type not a string", {**body, "type": [body["type"]]}


def assert_clear(response: httpx.Response, what: str) -> None:
    if response.status_code == 200:
        if response.headers["content-type"].startswith("text/event-stream"):
            errors = [event for event in parse_sse(response.text) if event["type"] == "error"]
            assert not errors, (what, errors)
        return
    assert response.status_code in CLEAR_STATUSES, (what, response.status_code, response.text[:500])
    assert len(response.content) <= ERROR_BODY_LIMIT, (what, response.status_code, len(response.content))
    assert "detail" in response.json(), (what, response.text[:500])


async def test_every_request_type_survives_malformed_fields(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    alices, bobs = ChatClient(client, alice), ChatClient(client, bob)
    bobs_turn = await bobs.create("Create a task called Bob's secret plan")
    bobs_items = await bobs.items(bobs_turn.thread_id)

    turn = await alices.create("Create a task to water the plants")
    thread_id = turn.thread_id
    items = await alices.items(thread_id)
    user_item = next(item["id"] for item in items if item["type"] == "user_message")
    reply_item = next(item["id"] for item in items if item["type"] == "assistant_message")
    bodies = valid_requests(thread_id, user_item, reply_item)
    assert set(bodies) == set(request_types()), "a request type the fuzz does not know: add its body"

    changing = ("threads.create", "threads.add_user_message", "threads.retry_after_item", "threads.delete")
    tried = 0
    for kind, body in bodies.items():
        if kind in changing:
            continue  # below: these change the thread for the cases after them
        for what, variant in mutations(body):
            assert_clear(await alices.post(variant), f"{kind}: {what}")
            tried += 1
    # The requests that start a turn or remove the thread: every variant that is refused must change
    # nothing, so the thread is still there for the next one; the ones that run give a clean turn.
    for kind in changing:
        for what, variant in mutations(bodies[kind]):
            response = await alices.post(variant)
            assert_clear(response, f"{kind}: {what}")
            tried += 1
    for raw in (b"", b"null", b"{", b'{"type": "threads.list", "params": {}}' + b" " * 10, b"\xff\xfe"):
        headers = {**alice.headers, "Content-Type": "application/json"}
        response = await client.post("/chatkit", content=raw, headers=headers)
        assert response.status_code in {200, 400, 422}, (raw, response.text)
        tried += 1
    assert tried > 500

    # Nothing oversized was stored: every user message is within the 8,000-character cap.
    threads = (await alices.call("threads.list", limit=100))["data"]
    for thread in threads:
        for item in await alices.items(thread["id"]):
            assert len(json.dumps(item)) < 20_000, item["type"]
        assert len(thread.get("title") or "") <= 200
    # Bob's thread is as it was, and the server still answers.
    assert await bobs.items(bobs_turn.thread_id) == bobs_items
    assert (await client.get("/health")).status_code == 200
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, errors[:5]
