"""MCP's ask_for_help with a specialists file: the file's specialists answer, named or chosen by triage; a
built-in one the file does not have is refused with the file's ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.access_tokens.conftest import new_token
from tests.conftest import UserHandle
from tests.mcp.conftest import McpClient
from tests.mcp.test_http import call, refused

pytestmark = pytest.mark.backends("sqlite")

SAMPLE = Path(__file__).resolve().parents[2] / "examples/specialists/software-team.toml"


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    # The sample without the built-in scheduler: its id is refused.
    text = SAMPLE.read_text().replace('id = "scheduler"', 'id = "scheduler"\nenabled = false')
    path = tmp_path / "team.toml"
    path.write_text(text)
    return {"specialists_file": path}


async def test_ask_for_help_reaches_the_file_s_specialists(
    client: httpx.AsyncClient, alice: UserHandle, mcp_client: McpClient
) -> None:
    task = (await client.post("/tasks", json={"title": "Release 2.4"}, headers=alice.headers)).json()
    token = await new_token(client, alice, "mcp")
    async with mcp_client(token["token"]) as mcp:
        triaged = await call(mcp, "ask_for_help", task_id=task["id"], request="Make a release checklist")
        assert triaged["specialist"] == "release"
        assert triaged["answer"].startswith(f"Release plan for #{task['id']} Release 2.4")
        named = await call(
            mcp, "ask_for_help", task_id=task["id"], request="Anything", specialist="code_review"
        )
        assert named["specialist"] == "code_review"
        assert named["answer"].startswith(f"Code review for #{task['id']} Release 2.4.")
        message = await refused(mcp, "ask_for_help", task_id=task["id"], request="x", specialist="scheduler")
        assert message == "specialist must be one of incident, code_review, release, breakdown, blocker"
