"""`taskagent mcp`: the stdio server, started as Claude Desktop would start it, driven by the official
`mcp` client."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from taskagent.cli import main
from tests.access_tokens.conftest import new_token
from tests.conftest import TEST_SECRET, UserHandle
from tests.mcp.test_http import TOOL_NAMES, payload

pytestmark = pytest.mark.usefixtures("backend")


def stdio_server(database_url: str, token: str, tmp_path: Path) -> Client:
    environment = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "TASKAGENT_DATA_DIR": str(tmp_path / "data"),
        "TASKAGENT_TOKEN": token,
    }
    command = StdioServerParameters(
        command=sys.executable, args=["-m", "taskagent.cli", "mcp"], env=environment, cwd=tmp_path
    )
    return Client(command, mode="legacy")


async def test_stdio_serves_the_tokens_owner(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle, database_url: str, tmp_path: Path
) -> None:
    bobs = (await client.post("/tasks", json={"title": "Bob's"}, headers=bob.headers)).json()
    token = await new_token(client, alice, "mcp")
    async with stdio_server(database_url, token["token"], tmp_path) as mcp:
        assert {tool.name for tool in (await mcp.list_tools()).tools} == TOOL_NAMES
        result = await mcp.call_tool("create_tasks", {"tasks": [{"title": "From Claude Desktop"}]})
        assert not result.is_error
        foreign = await mcp.call_tool("get_task", {"task_id": bobs["id"]})
        assert foreign.is_error and foreign.structured_content == {"error": f"Task {bobs['id']} not found"}

        revoked = await client.delete(f"/users/me/tokens/{token['id']}", headers=alice.headers)
        assert revoked.status_code == 204
        after = await mcp.call_tool("list_tasks", {})
        assert after.is_error
        assert payload(after) == {"error": "TASKAGENT_TOKEN is not a live access token"}
    titles = [task["title"] for task in (await client.get("/tasks", headers=alice.headers)).json()]
    assert titles == ["From Claude Desktop"]


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize("token", [None, "", "not-an-access-token"])
def test_without_an_access_token_it_says_what_to_set(
    token: str | None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if token is None:
        monkeypatch.delenv("TASKAGENT_TOKEN", raising=False)
    else:
        monkeypatch.setenv("TASKAGENT_TOKEN", token)
    assert main(["mcp"]) == 2
    assert "TASKAGENT_TOKEN" in capsys.readouterr().err
