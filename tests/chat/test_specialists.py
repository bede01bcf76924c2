"""The chat with a specialists file of the team's own (the offline engine): a request the file's examples
claim goes to that specialist, which answers from the named task; the chat's own actions stay its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.chat.conftest import ChatClient
from tests.conftest import UserHandle

pytestmark = pytest.mark.backends("sqlite")

SAMPLE = Path(__file__).resolve().parents[2] / "examples/specialists/software-team.toml"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"specialists_file": SAMPLE, "agent_rate_limit": 10_000}


async def test_the_chat_hands_off_to_a_custom_specialist(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = (
        await client.post("/tasks", json={"title": "Postmortem: checkout outage"}, headers=alice.headers)
    ).json()
    me = ChatClient(client, alice)
    turn = await me.create(f"Help me write the postmortem for last night's outage, task #{task['id']}")
    assert not turn.errors
    assert turn.reply.startswith(f"Incident follow-up for #{task['id']} Postmortem: checkout outage")
    assert "Handed off to Incident Follow-up Agent" in turn.actions

    found = await me.say(turn.thread_id, "Find the postmortem task")  # a search stays a search
    assert found.reply == f"Found #{task['id']} Postmortem: checkout outage."
    created = await me.say(turn.thread_id, "Create a task to buy milk")
    assert not created.errors
    titles = [row["title"] for row in (await client.get("/tasks", headers=alice.headers)).json()]
    assert sorted(titles) == ["Buy milk", "Postmortem: checkout outage"]
