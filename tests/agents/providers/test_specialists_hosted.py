"""A hosted model and a specialists file: triage is offered one hand-off per configured specialist (its
description as the hand-off's), and a custom specialist's agent is offered its own `tools` and nothing else.
Checked in the requests each provider's fake server received (tests/fakes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from taskagent.agents.catalog import load_catalog
from tests.agents.providers.conftest import Case
from tests.agents.support import agents_seen, ask_events, create_task, install_settings, last, text_of
from tests.conftest import UserHandle
from tests.fakes import (
    ScriptedProvider,
    text,
    tool_call,
)

pytestmark = pytest.mark.backends("postgres")

SAMPLE = Path(__file__).resolve().parents[3] / "examples/specialists/software-team.toml"


def offered(provider: str, body: dict[str, Any]) -> dict[str, str]:
    """The tools a request offered the model: name -> description, in each provider's wire format."""
    found: dict[str, str] = {}
    for tool in body.get("tools", []):
        if provider == "openai-compatible":
            tool = tool["function"]
        found[tool["name"]] = tool.get("description", "")
    return found


def system_text(provider: str, body: dict[str, Any]) -> str:
    if provider == "openai":
        return str(body.get("instructions", ""))
    if provider == "anthropic":
        system = body.get("system", "")
        return system if isinstance(system, str) else "".join(block["text"] for block in system)
    return str(body["messages"][0]["content"])


async def test_a_custom_specialist_gets_only_its_tools(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle, case: Case, fake: ScriptedProvider
) -> None:
    provider = case.provider
    task = await create_task(client, alice, title="Review PR 482")
    fake.queue(
        tool_call("transfer_to_code_review_agent"),
        tool_call("get_task", {"task_id": task["id"]}),
        text("Start with the tests."),
    )
    base_url: str = fake.base_url  # type: ignore[attr-defined]
    values: dict[str, Any] = {"taskagent_model": f"{provider}:test-model", "specialists_file": SAMPLE}
    if provider == "anthropic":
        values |= {"anthropic_api_key": "sk-ant-test-key", "anthropic_base_url": base_url}
    else:
        values |= {"openai_api_key": "sk-test-key", "openai_base_url": base_url}
    install_settings(app, **values)

    events = await ask_events(client, alice, task["id"], "Look over this pull request")

    assert agents_seen(events) == ["triage", "code_review"]
    assert last(events, "done")["specialist"] == "code_review"
    assert text_of(events) == "Start with the tests."
    catalog = load_catalog(SAMPLE)
    triage, specialist = offered(provider, fake.bodies[0]), offered(provider, fake.bodies[1])
    assert set(triage) == {
        "transfer_to_incident_follow_up_agent",
        "transfer_to_code_review_agent",
        "transfer_to_release_planning_agent",
        "transfer_to_scheduler_agent",
        "transfer_to_breakdown_agent",
        "transfer_to_blocker_agent",
    }
    review = catalog.get("code_review")
    assert review is not None and review.tools == ("get_task",)
    assert any(review.description in description for description in triage.values())
    assert list(specialist) == ["get_task"]  # no list_open_tasks, no task-manager tools, no hand-offs
    assert "Incident Follow-up Agent: After an outage" in system_text(provider, fake.bodies[0])
    assert system_text(provider, fake.bodies[1]).startswith(
        "You are the Code Review Agent of a software team."
    )
