"""Specialists from a file (SPECIALISTS_FILE), through HTTP on the offline engine: the sample software team's
file (examples/specialists/software-team.toml) is listed, triaged to, answered from the task's data with
only the specialist's tools, and addressed directly; a turned-off or unknown specialist is a 422."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from taskagent.agents.catalog import load_catalog
from tests.agents.support import (
    agents_seen,
    ask,
    ask_events,
    create_task,
    last,
    parse_sse,
    text_of,
    thread_items,
)
from tests.conftest import UserHandle

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples/specialists/software-team.toml"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"specialists_file": SAMPLE, "agent_rate_limit": 10_000}


async def test_the_configured_specialists_are_listed(client: httpx.AsyncClient) -> None:
    status = (await client.get("/agents/status")).json()
    assert status["specialists"] == [
        "incident",
        "code_review",
        "release",
        "scheduler",
        "breakdown",
        "blocker",
    ]
    assert status["default_specialist"] == "breakdown"
    agents = {agent["id"]: agent for agent in status["agents"]}
    assert list(agents) == ["triage", *status["specialists"], "task_manager"]
    assert agents["incident"]["name"] == "Incident Follow-up Agent"
    assert agents["incident"]["description"].startswith("After an outage or incident")


async def test_triage_sends_the_examples_and_new_phrasings_to_the_custom_specialist(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    asked = {
        "Help me write the postmortem for last night's outage": "incident",  # an example of the file
        "Write up what went wrong during Tuesday's downtime": "incident",  # new phrasings
        "Go through the code changes on this branch with me": "code_review",
        "Get version 3.0 out the door next week": "release",
    }
    for query, specialist in asked.items():
        other = await create_task(client, alice, title="Another task")  # a fresh thread each time
        events = await ask_events(client, alice, other["id"], query)
        assert agents_seen(events) == ["triage", specialist], query
        assert last(events, "done")["specialist"] == specialist


async def test_a_request_that_fits_none_goes_to_the_default(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create_task(client, alice, title="Order team lunch")
    events = await ask_events(client, alice, task["id"], "Tell me a joke about penguins")
    assert last(events, "done")["specialist"] == "breakdown"


async def test_the_template_answer_draws_on_the_task_and_the_other_tasks(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    now = datetime.now(UTC)
    release = await create_task(
        client,
        alice,
        title="Release 2.4",
        priority="urgent",
        due_date=(now + timedelta(days=4)).replace(hour=23, minute=59).isoformat(),
    )
    await create_task(
        client, alice, title="Write the changelog", due_date=(now + timedelta(days=2)).isoformat()
    )
    await create_task(
        client, alice, title="Fix the login bug", due_date=(now - timedelta(days=2)).isoformat()
    )
    events = await ask_events(client, alice, release["id"], "Plan the release for version 2.4")
    assert last(events, "done")["specialist"] == "release"
    answer = text_of(events)
    assert answer.startswith(f"Release plan for #{release['id']} Release 2.4, due ")
    assert "(4 days left)" in answer
    assert "2 other open tasks" in answer
    assert "Write the changelog" in answer and "Fix the login bug (overdue, was due" in answer
    assert "{" not in answer  # every placeholder filled
    # Only the tools it may use, and only those its template needs (release: no suggest_schedule needed).
    used = [event.data["name"] for event in events if event.name == "tool"]
    assert used == ["get_task", "list_open_tasks"]
    assert set(used) <= set(load_catalog(SAMPLE).get("release").tools)  # type: ignore[union-attr]


async def test_a_specialist_without_list_open_tasks_never_reads_the_other_tasks(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    review = await create_task(client, alice, title="Review PR 482: payment retries", estimate_minutes=45)
    await create_task(client, alice, title="Secret other work")
    events = await ask_events(client, alice, review["id"], "Is this change safe to merge?")
    assert last(events, "done")["specialist"] == "code_review"
    assert [event.data["name"] for event in events if event.name == "tool"] == ["get_task"]
    answer = text_of(events)
    assert f"Code review for #{review['id']} Review PR 482: payment retries." in answer
    assert "Budget: 45 min (no due date)." in answer
    assert "Secret other work" not in answer


async def test_a_specialist_can_be_named_directly(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create_task(client, alice, title="Postmortem: checkout outage")
    response = await client.post(
        f"/tasks/{task['id']}/help",
        json={"query": "When should I work on this?", "specialist": "incident"},  # a scheduling question
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    events = parse_sse(response.text)
    assert agents_seen(events) == ["incident"]  # no triage
    assert last(events, "done")["specialist"] == "incident"
    assert text_of(events).startswith(f"Incident follow-up for #{task['id']} Postmortem: checkout outage")


async def test_a_built_in_specialist_keeps_its_own_answer(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create_task(client, alice, title="Migrate the CI to the new runners")
    events = await ask_events(client, alice, task["id"], "Help me break this down into steps")
    assert last(events, "done")["specialist"] == "breakdown"
    assert text_of(events).startswith(f"Steps for #{task['id']} Migrate the CI to the new runners")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": "Help", "specialist": "astrologer"}, "No specialist 'astrologer'"),
        ({"query": "Help", "specialist": "triage"}, "No specialist 'triage'"),
        ({"query": "Help", "specialist": ""}, "No specialist ''"),
        ({"query": "Help", "specialist": "x" * 41}, "at most 40 characters"),
    ],
)
async def test_an_unknown_specialist_is_a_422_and_nothing_is_stored(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle, body: dict[str, Any], message: str
) -> None:
    task = await create_task(client, alice)
    response = await client.post(f"/tasks/{task['id']}/help", json=body, headers=alice.headers)
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "specialist"]
    assert message in problem["msg"]
    assert await thread_items(app, alice.id, task["id"]) == []


async def test_the_schedule_endpoint_uses_the_file_s_scheduler(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create_task(client, alice, title="Update the on-call rota")
    response = await ask(client, alice, task["id"], None, path="schedule")
    assert response.status_code == 200
    assert last(parse_sse(response.text), "done")["specialist"] == "scheduler"
