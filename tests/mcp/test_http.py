"""The MCP server over real HTTP (uvicorn), driven by the official `mcp` client: every tool, and every
way in refused."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp_types import CallToolResult

from tests.access_tokens.conftest import new_token
from tests.conftest import UserHandle
from tests.mcp.conftest import McpClient

pytestmark = pytest.mark.usefixtures("backend")

TOOL_NAMES = {
    "create_tasks",
    "list_tasks",
    "find_tasks",
    "get_task",
    "update_task",
    "complete_task",
    "reopen_task",
    "reschedule_task",
    "delete_task",
    "ask_for_help",
}


def payload(result: CallToolResult) -> Any:
    [content] = result.content
    assert content.type == "text"
    return json.loads(content.text)


async def call(mcp: Client, name: str, **arguments: Any) -> Any:
    result = await mcp.call_tool(name, arguments)
    assert not result.is_error, result
    return payload(result)


async def refused(mcp: Client, name: str, **arguments: Any) -> str:
    result = await mcp.call_tool(name, arguments)
    assert result.is_error, result
    message: str = payload(result)["error"]
    return message


@pytest.mark.parametrize("mode", ["legacy", "auto"])  # the initialize handshake, and the 2026 discovery
def messages(error: BaseException) -> str:
    """Every message in an exception and the groups it holds (the client raises from a task group)."""
    inner = error.exceptions if isinstance(error, BaseExceptionGroup) else ()
    return " | ".join([str(error), *(messages(each) for each in inner)])


@pytest.mark.parametrize("mode", ["legacy", "auto"])  # the initialize handshake, and the 2026 discovery
async def test_tools_are_listed_with_schemas(
    client: httpx.AsyncClient, alice: UserHandle, mcp_client: McpClient, mode: str
) -> None:
    token = await new_token(client, alice, "mcp")
    async with mcp_client(token["token"], mode=mode) as mcp:
        assert mcp.server_info is not None and mcp.server_info.name == "taskagent"
        assert mcp.instructions and "find_tasks" in mcp.instructions
        tools = {tool.name: tool for tool in (await mcp.list_tools()).tools}
    assert set(tools) == TOOL_NAMES
    for tool in tools.values():
        assert tool.description and len(tool.description) > 20, tool.name
        assert tool.input_schema["type"] == "object"
    # Optional fields are optional (not "required but nullable", as for OpenAI's strict mode).
    assert (
        "required" not in tools["list_tasks"].input_schema or not tools["list_tasks"].input_schema["required"]
    )
    assert tools["create_tasks"].input_schema["$defs"]["NewTask"]["required"] == ["title"]
    assert tools["reschedule_task"].input_schema["required"] == ["task_id", "due_date"]


async def test_every_tool_works_on_the_callers_tasks(
    client: httpx.AsyncClient, make_user: Any, mcp_client: McpClient
) -> None:
    carol = await make_user(timezone="Europe/Paris")
    token = await new_token(client, carol, "mcp")
    async with mcp_client(token["token"]) as mcp:
        created = await call(
            mcp,
            "create_tasks",
            tasks=[
                {"title": "Write the security report", "due_date": "2026-12-10", "priority": "high"},
                {"title": "Buy milk", "tags": ["home"]},
            ],
        )
        report, milk = created["created"]
        assert report["due_date"] == "2026-12-10T22:59:00Z"  # 23:59 in Paris
        assert report["priority"] == "high" and milk["tags"] == ["home"]

        dated = await call(mcp, "list_tasks", due_before="2026-12-11")
        assert [task["id"] for task in dated["tasks"]] == [report["id"]]
        assert (await call(mcp, "list_tasks", due_after="2026-12-11"))["tasks"] == []
        assert (await call(mcp, "list_tasks", priority="high"))["count"] == 1
        assert (await call(mcp, "list_tasks"))["count"] == 2

        matches = (await call(mcp, "find_tasks", description="the security report"))["matches"]
        assert matches[0]["id"] == report["id"]
        assert (await call(mcp, "get_task", task_id=milk["id"]))["title"] == "Buy milk"

        updated = await call(mcp, "update_task", task_id=milk["id"], title="Buy oat milk", description=None)
        assert updated["task"]["title"] == "Buy oat milk"
        done = await call(mcp, "complete_task", task_id=milk["id"])
        assert done["task"]["status"] == "completed" and done["task"]["completed_at"]
        again = await call(mcp, "reopen_task", task_id=milk["id"])
        assert again["task"]["status"] == "pending" and again["task"]["completed_at"] is None
        moved = await call(mcp, "reschedule_task", task_id=report["id"], due_date="2026-12-12T09:00:00+01:00")
        assert moved["task"]["due_date"] == "2026-12-12T08:00:00Z"
        deleted = await call(mcp, "delete_task", task_id=milk["id"])
        assert deleted["deleted"] == {"id": milk["id"], "title": "Buy oat milk"}

    # What MCP did is what REST sees.
    tasks = (await client.get("/tasks", headers=carol.headers)).json()
    assert [(task["id"], task["due_date"]) for task in tasks] == [(report["id"], "2026-12-12T08:00:00Z")]


async def test_a_foreign_task_is_refused_exactly_like_a_missing_one(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle, mcp_client: McpClient
) -> None:
    bobs = (await client.post("/tasks", json={"title": "Bob's"}, headers=bob.headers)).json()
    missing = bobs["id"] + 1000
    token = await new_token(client, alice, "mcp")
    async with mcp_client(token["token"]) as mcp:
        for name, extra in [
            ("get_task", {}),
            ("update_task", {"title": "Mine now"}),
            ("complete_task", {}),
            ("reopen_task", {}),
            ("reschedule_task", {"due_date": "2026-12-01"}),
            ("delete_task", {}),
        ]:
            foreign = await refused(mcp, name, task_id=bobs["id"], **extra)
            absent = await refused(mcp, name, task_id=missing, **extra)
            assert foreign == absent.replace(str(missing), str(bobs["id"])), name
            assert foreign == f"Task {bobs['id']} not found"
        sub = await refused(mcp, "create_tasks", tasks=[{"title": "Sub", "parent_id": bobs["id"]}])
        assert sub == f"parent task {bobs['id']} not found"
        assert (await call(mcp, "find_tasks", description="Bob's"))["matches"] == []
    assert (await client.get(f"/tasks/{bobs['id']}", headers=bob.headers)).json() == bobs


async def test_bad_arguments_are_tool_errors(
    client: httpx.AsyncClient, alice: UserHandle, mcp_client: McpClient
) -> None:
    token = await new_token(client, alice, "mcp")
    async with mcp_client(token["token"]) as mcp:
        assert "date" in await refused(mcp, "create_tasks", tasks=[{"title": "X", "due_date": "someday"}])
        assert await refused(mcp, "create_tasks", tasks=[])
        assert await refused(mcp, "create_tasks", tasks=[{"title": ""}])
        assert await refused(mcp, "list_tasks", limit=0)
        assert await refused(mcp, "update_task", task_id=1)
        assert await refused(mcp, "get_task", task_id="one")
        assert "Unknown tool" in await refused(mcp, "drop_database")
    assert (await client.get("/tasks", headers=alice.headers)).json() == []


async def test_without_a_token_the_401_says_how_to_authenticate(server_url: str) -> None:
    async with httpx.AsyncClient() as http:
        for headers in ({}, {"Authorization": "Bearer not-an-access-token"}, {"Authorization": "Basic eDp5"}):
            response = await http.post(f"{server_url}/mcp", json={}, headers=headers)
            assert response.status_code == 401
            challenge = response.headers["WWW-Authenticate"]
            expected = f'Bearer resource_metadata="{server_url}/.well-known/oauth-protected-resource/mcp"'
            assert challenge.startswith(expected)
        metadata = (await http.get(f"{server_url}/.well-known/oauth-protected-resource/mcp")).json()
    assert metadata["resource"] == f"{server_url}/mcp"
    assert metadata["scopes_supported"] == ["mcp"]
    assert metadata["bearer_methods_supported"] == ["header"]


async def test_a_session_jwt_is_not_an_access_token(server_url: str, alice: UserHandle) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{server_url}/mcp", json={}, headers=alice.headers)
    assert response.status_code == 401


async def test_a_token_without_the_mcp_scope_is_refused(
    client: httpx.AsyncClient, alice: UserHandle, mcp_client: McpClient, server_url: str
) -> None:
    token = await new_token(client, alice, "tasks:read", "tasks:write", "calendar")
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{server_url}/mcp", json={}, headers=token["headers"])
    assert response.status_code == 403
    assert 'error="insufficient_scope", scope="mcp"' in response.headers["WWW-Authenticate"]
    with pytest.raises(BaseException) as caught:
        async with mcp_client(token["token"]) as mcp:
            await mcp.list_tools()
    assert "Server returned an error response" in messages(caught.value)  # the 403 above


async def test_a_revoked_token_is_refused_at_once(
    client: httpx.AsyncClient, alice: UserHandle, mcp_client: McpClient, server_url: str
) -> None:
    token = await new_token(client, alice, "mcp")
    async with mcp_client(token["token"]) as mcp:
        await call(mcp, "create_tasks", tasks=[{"title": "Before"}])
        revoked = await client.delete(f"/users/me/tokens/{token['id']}", headers=alice.headers)
        assert revoked.status_code == 204
        with pytest.raises(BaseException) as caught:
            await mcp.call_tool("create_tasks", {"tasks": [{"title": "After"}]})
        assert "Server returned an error response" in messages(caught.value)
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{server_url}/mcp", json={}, headers=token["headers"])
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    titles = [task["title"] for task in (await client.get("/tasks", headers=alice.headers)).json()]
    assert titles == ["Before"]


async def test_the_specialists_answer_about_a_task_and_the_thread_remembers(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle, mcp_client: McpClient
) -> None:
    report = (
        await client.post(
            "/tasks", json={"title": "Write the Q4 report", "priority": "high"}, headers=alice.headers
        )
    ).json()
    bobs = (await client.post("/tasks", json={"title": "Bob's"}, headers=bob.headers)).json()
    token = await new_token(client, alice, "mcp")
    async with mcp_client(token["token"]) as mcp:
        triaged = await call(mcp, "ask_for_help", task_id=report["id"], request="When should I do this?")
        assert triaged["specialist"] == "scheduler" and triaged["answer"]
        direct = await call(
            mcp, "ask_for_help", task_id=report["id"], request="Split it up", specialist="breakdown"
        )
        assert direct["specialist"] == "breakdown" and direct["answer"] != triaged["answer"]

        foreign = await refused(mcp, "ask_for_help", task_id=bobs["id"], request="When?")
        absent = await refused(mcp, "ask_for_help", task_id=bobs["id"] + 1000, request="When?")
        assert (
            foreign
            == f"Task {bobs['id']} not found"
            == absent.replace(str(bobs["id"] + 1000), str(bobs["id"]))
        )
        assert "1 to 2000" in await refused(mcp, "ask_for_help", task_id=report["id"], request="  ")
        assert "one of" in await refused(
            mcp, "ask_for_help", task_id=report["id"], request="x", specialist="lawyer"
        )

    # The requests and answers are the task's help thread, as if asked on the page.
    history = (await client.get(f"/tasks/{report['id']}/help", headers=alice.headers)).json()
    said = json.dumps(history)
    assert "When should I do this?" in said and "Split it up" in said
    assert (await client.get(f"/tasks/{bobs['id']}/help", headers=bob.headers)).json()["items"] == []
