"""`POST /chatkit`: authentication, every request type of the SDK's server, and clear errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.chat.conftest import ChatClient, parse_sse, user_input
from tests.conftest import DEFAULT_PASSWORD, UserHandle

Chat = Callable[[UserHandle], ChatClient]


# --- who is calling ----------------------------------------------------------------------------------


async def test_requires_authentication(client: httpx.AsyncClient) -> None:
    body = {"type": "threads.list", "params": {}}
    response = await client.post("/chatkit", json=body)
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    response = await client.post("/chatkit", json=body, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


async def test_session_cookie_needs_the_csrf_header(client: httpx.AsyncClient, alice: UserHandle) -> None:
    login = await client.post("/auth/login", json={"email": alice.email, "password": DEFAULT_PASSWORD})
    assert login.status_code == 200, login.text
    csrf = login.json()["csrf_token"]
    body = {"type": "threads.create", "params": {"input": user_input("What tasks do I have?")}}

    refused = await client.post("/chatkit", json=body)
    assert refused.status_code == 403
    wrong = await client.post("/chatkit", json=body, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403

    accepted = await client.post("/chatkit", json=body, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 200, accepted.text
    events = parse_sse(accepted.text)
    assert events[0]["type"] == "thread.created"
    assert any(
        event["type"] == "thread.item.done" and event["item"]["type"] == "assistant_message"
        for event in events
    )


# --- bodies that are not ChatKit requests -------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "status", "fragment"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"", 422, "JSON object"),
        (b"[]", 422, "JSON object"),
        (b"{}", 422, "`type` is missing"),
        (b'{"type": "threads.explode", "params": {}}', 422, "'threads.explode' is unknown"),
        (b'{"type": "threads.get_by_id", "params": {}}', 422, "thread_id"),
        (
            b'{"type": "threads.create", "params": {"input": {"content": "hi"}}}',
            422,
            "params.input.content",
        ),
        (b'{"type": "items.list", "params": {"thread_id": "x", "order": "sideways"}}', 422, "order"),
    ],
)
async def test_malformed_requests_get_a_clear_4xx(
    client: httpx.AsyncClient, alice: UserHandle, content: bytes, status: int, fragment: str
) -> None:
    headers = {**alice.headers, "Content-Type": "application/json"}
    response = await client.post("/chatkit", content=content, headers=headers)
    assert response.status_code == status, response.text
    assert fragment in error_text(response)


def error_text(response: httpx.Response) -> str:
    """The error's words: the message, or a 422's problems as `where: what` (the one error body shape)."""
    detail = response.json()["detail"]
    if isinstance(detail, str):
        return detail
    assert all(set(problem) == {"loc", "msg", "type"} for problem in detail), detail
    return "; ".join(
        f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}" for problem in detail
    )


async def test_message_length_is_bounded(chat: Chat, alice: UserHandle) -> None:
    me = chat(alice)
    too_long = await me.post({"type": "threads.create", "params": {"input": user_input("x" * 8_001)}})
    assert too_long.status_code == 422 and "too long" in error_text(too_long)
    empty = await me.post({"type": "threads.create", "params": {"input": user_input("   ")}})
    assert empty.status_code == 422 and "empty" in error_text(empty)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (
            {"type": "attachments.create", "params": {"name": "a.txt", "size": 3, "mime_type": "text/plain"}},
            "Attachments",
        ),
        ({"type": "attachments.delete", "params": {"attachment_id": "atc_1"}}, "Attachments"),
        (
            {"type": "input.transcribe", "params": {"audio_base64": "AAAA", "mime_type": "audio/webm"}},
            "Dictation",
        ),
        (
            {
                "type": "threads.custom_action",
                "params": {"thread_id": "thr_x", "action": {"type": "go", "payload": {}}},
            },
            "widgets",
        ),
        (
            {
                "type": "threads.sync_custom_action",
                "params": {"thread_id": "thr_x", "action": {"type": "go"}},
            },
            "widgets",
        ),
        (
            {
                "type": "threads.create",
                "params": {"input": {**user_input("see file"), "attachments": ["atc_1"]}},
            },
            "Attachments",
        ),
    ],
)
async def test_unsupported_features_are_refused_clearly(
    chat: Chat, alice: UserHandle, body: dict[str, Any], fragment: str
) -> None:
    me = chat(alice)
    if body["params"].get("thread_id") == "thr_x":
        # On one of her threads: another user's (or a missing) thread is a 404 before anything else.
        body = {**body, "params": {**body["params"], "thread_id": (await me.create("Hello")).thread_id}}
    response = await me.post(body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["detail"]


# --- every request type --------------------------------------------------------------------------------


async def test_thread_lifecycle_through_every_non_streaming_request(chat: Chat, alice: UserHandle) -> None:
    me = chat(alice)
    first = await me.create("Create a task to water the plants")
    second = await me.create("What tasks do I have?")
    thread_id = first.thread_id

    listed = await me.call("threads.list", limit=1, order="desc")
    assert [thread["id"] for thread in listed["data"]] == [second.thread_id] and listed["has_more"] is True
    rest = await me.call("threads.list", limit=5, order="desc", after=listed["after"])
    assert [thread["id"] for thread in rest["data"]] == [thread_id] and rest["has_more"] is False
    assert rest["data"][0]["title"] == "Create a task to water the plants"

    thread = await me.call("threads.get_by_id", thread_id=thread_id)
    kinds = [item["type"] for item in thread["items"]["data"]]
    assert kinds[0] == "user_message" and "assistant_message" in kinds and "task" in kinds

    items = await me.call("items.list", thread_id=thread_id, order="desc", limit=1)
    assert len(items["data"]) == 1 and items["data"][0]["type"] == "assistant_message" and items["has_more"]

    assert (
        await me.call(
            "items.feedback", thread_id=thread_id, item_ids=[items["data"][0]["id"]], kind="positive"
        )
        == {}
    )

    renamed = await me.call("threads.update", thread_id=thread_id, title="Garden")
    assert renamed["title"] == "Garden"
    assert (await me.call("threads.get_by_id", thread_id=thread_id))["title"] == "Garden"

    assert await me.call("threads.delete", thread_id=thread_id) == {}
    gone = await me.post({"type": "threads.get_by_id", "params": {"thread_id": thread_id}})
    assert gone.status_code == 404
    assert [t["id"] for t in (await me.call("threads.list"))["data"]] == [second.thread_id]


async def test_retry_after_item_regenerates_the_answer(chat: Chat, alice: UserHandle) -> None:
    me = chat(alice)
    turn = await me.create("Show my tasks")
    thread_id = turn.thread_id
    user_item = next(item for item in await me.items(thread_id) if item["type"] == "user_message")
    old_reply = turn.done_items("assistant_message")[-1]["id"]

    retried = await me.stream("threads.retry_after_item", thread_id=thread_id, item_id=user_item["id"])
    assert not retried.errors
    new_reply = retried.done_items("assistant_message")[-1]["id"]
    assert new_reply != old_reply
    ids = [item["id"] for item in await me.items(thread_id)]
    assert user_item["id"] in ids and new_reply in ids and old_reply not in ids

    not_a_user_message = await me.post(
        {"type": "threads.retry_after_item", "params": {"thread_id": thread_id, "item_id": new_reply}}
    )
    assert not_a_user_message.status_code == 400
    missing = await me.post(
        {"type": "threads.retry_after_item", "params": {"thread_id": thread_id, "item_id": "msg_x"}}
    )
    assert missing.status_code == 404


async def test_client_tool_output_and_structured_input_without_a_pending_request(
    chat: Chat, alice: UserHandle
) -> None:
    me = chat(alice)
    thread_id = (await me.create("hi")).thread_id
    tool_output = await me.post(
        {"type": "threads.add_client_tool_output", "params": {"thread_id": thread_id, "result": {}}}
    )
    assert tool_output.status_code == 400 and "No client tool call" in tool_output.json()["detail"]

    reply_id = (await me.items(thread_id))[-1]["id"]
    answer = {"thread_id": thread_id, "item_id": reply_id, "input": {"answers": {}}}
    structured = await me.post({"type": "threads.add_structured_input", "params": answer})
    assert structured.status_code == 400
    missing = await me.post(
        {"type": "threads.add_structured_input", "params": {**answer, "item_id": "msg_none"}}
    )
    assert missing.status_code == 404


async def test_another_users_thread_is_not_found_for_every_request(
    chat: Chat, alice: UserHandle, bob: UserHandle
) -> None:
    alices = chat(alice)
    turn = await alices.create("Create a task called Confidential project")
    thread_id = turn.thread_id
    user_item = next(item for item in await alices.items(thread_id) if item["type"] == "user_message")

    bobs = chat(bob)
    requests: list[dict[str, Any]] = [
        {"type": "threads.get_by_id", "params": {"thread_id": thread_id}},
        {"type": "items.list", "params": {"thread_id": thread_id}},
        {"type": "threads.update", "params": {"thread_id": thread_id, "title": "pwned"}},
        {"type": "threads.delete", "params": {"thread_id": thread_id}},
        {
            "type": "items.feedback",
            "params": {"thread_id": thread_id, "item_ids": [user_item["id"]], "kind": "negative"},
        },
        {
            "type": "threads.add_user_message",
            "params": {"thread_id": thread_id, "input": user_input("show tasks")},
        },
        {"type": "threads.retry_after_item", "params": {"thread_id": thread_id, "item_id": user_item["id"]}},
        {"type": "threads.add_client_tool_output", "params": {"thread_id": thread_id, "result": {}}},
        {
            "type": "threads.add_structured_input",
            "params": {"thread_id": thread_id, "item_id": user_item["id"], "input": {"answers": {}}},
        },
    ]
    for body in requests:
        response = await bobs.post(body)
        assert response.status_code == 404, (body["type"], response.status_code, response.text)
        assert "Confidential" not in response.text

    assert (await bobs.call("threads.list"))["data"] == []
    # Nothing changed for Alice.
    thread = await alices.call("threads.get_by_id", thread_id=thread_id)
    assert thread["title"] == "Create a task called Confidential project"
    assert len(await alices.items(thread_id)) == len(turn.done_items())


def _tagged(message: str, **tag: Any) -> dict[str, Any]:
    label = {"type": "input_tag", "id": "tag_1", "text": "Groceries", "data": {"list": "home"}, **tag}
    body = user_input(message)
    body["content"] = [{"type": "input_text", "text": message}, label]
    return body


async def test_every_stored_field_of_a_message_is_bounded(chat: Chat, alice: UserHandle) -> None:
    """Issue 14, finding 3: the quoted text and a tag's fields were stored without limit."""
    me = chat(alice)
    quoted = user_input("What about this?")
    quoted["quoted_text"] = "q" * 8_000
    oversized = [
        (quoted, ["body", "params", "input", "content"]),
        (_tagged("hi", data={"blob": "d" * 100_000}), ["body", "params", "input", "content", 1, "data"]),
        (_tagged("hi", text="t" * 201), ["body", "params", "input", "content", 1, "text"]),
        (_tagged("hi", id="i" * 201), ["body", "params", "input", "content", 1, "id"]),
        (_tagged("hi", group="g" * 201), ["body", "params", "input", "content", 1, "group"]),
    ]
    for body, loc in oversized:
        refused = await me.post({"type": "threads.create", "params": {"input": body}})
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["loc"] == loc
        assert len(refused.content) < 1_000
    assert (await me.call("threads.list", limit=50))["data"] == []


async def test_a_tagged_message_gets_an_answer_and_the_thread_goes_on(chat: Chat, alice: UserHandle) -> None:
    """Issue 14, finding 4: a tag must not break the thread."""
    me = chat(alice)
    first = await me.post({"type": "threads.create", "params": {"input": _tagged("What is in ")}})
    assert first.status_code == 200, first.text
    events = parse_sse(first.text)
    assert not [event for event in events if event["type"] == "error"], events
    thread_id = events[0]["thread"]["id"]
    assert any(e["type"] == "thread.item.done" and e["item"]["type"] == "assistant_message" for e in events)
    second = await me.post(
        {
            "type": "threads.add_user_message",
            "params": {"thread_id": thread_id, "input": user_input("And now?")},
        }
    )
    later = parse_sse(second.text)
    assert not [event for event in later if event["type"] == "error"], later
    assert any(e["type"] == "thread.item.done" and e["item"]["type"] == "assistant_message" for e in later)
