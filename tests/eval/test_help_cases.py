"""Every `help` case of the dev eval set, on the offline engine, through `POST /tasks/{id}/help`.

As tests/eval/README (../shared/eval/README.md) describes: a fresh user per case (time zone UTC), the
setup tasks made by REST, the help request on setup task `task`, then every expectation checked against
the user's tasks (by REST) and the streamed reply.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.agents.support import last, parse_sse, text_of
from tests.conftest import UserFactory, UserHandle

CASES_FILE = Path(__file__).parent / "utterances-dev.jsonl"
CASES = [json.loads(line) for line in CASES_FILE.read_text().splitlines() if line.strip()]
HELP_CASES = [case for case in CASES if "help" in case]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def test_the_dev_set_has_help_cases() -> None:
    assert len(HELP_CASES) >= 4


def expected_day(spec: str, today: date) -> date | None:
    """The day a `due` expectation names (None for `none`); `overdue` is checked apart."""
    if spec == "none":
        return None
    if spec == "today":
        return today
    if spec == "tomorrow":
        return today + timedelta(days=1)
    if match := re.fullmatch(r"([+-]\d+)d", spec):
        return today + timedelta(days=int(match.group(1)))
    if spec.startswith("weekday:"):
        wanted = WEEKDAYS.index(spec.split(":", 1)[1][:3])
        return today + timedelta(days=(wanted - today.weekday()) % 7)
    if spec == "next_week":
        return today + timedelta(days=7 - today.weekday())
    if spec == "end_of_month":
        following = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following - timedelta(days=1)
    if spec == "overdue":
        return today - timedelta(days=2)
    raise ValueError(f"unknown due spec {spec!r}")


def setup_due(spec: str, today: date) -> str | None:
    day = expected_day(spec, today)
    return None if day is None else datetime.combine(day, time(23, 59), UTC).isoformat()


def problems_with(task: dict[str, Any] | None, expect: dict[str, Any], today: date) -> list[str]:
    """What in `task` does not meet a `created` or `changed` expectation."""
    if task is None:
        return ["the task is gone"]
    found: list[str] = []
    title = task["title"].lower()
    found += [f"title lacks {word!r}" for word in expect.get("title_has", []) if word.lower() not in title]
    found += [f"title has {word!r}" for word in expect.get("title_lacks", []) if word.lower() in title]
    for field in ("priority", "status"):
        if field in expect and task[field] != expect[field]:
            found.append(f"{field} is {task[field]!r}, not {expect[field]!r}")
    due = datetime.fromisoformat(task["due_date"]).astimezone(UTC) if task["due_date"] else None
    if "due" in expect:
        if expect["due"] == "overdue":
            if due is None or due.date() >= today:
                found.append(f"due {due} is not overdue")
        elif (due.date() if due else None) != expected_day(expect["due"], today):
            found.append(f"due {due} is not {expect['due']}")
    if "due_time" in expect and (due is None or due.strftime("%H:%M") != expect["due_time"]):
        found.append(f"due time {due} is not {expect['due_time']}")
    return found


@pytest.mark.parametrize("case", HELP_CASES, ids=[case["id"] for case in HELP_CASES])
async def test_help_case(client: httpx.AsyncClient, make_user: UserFactory, case: dict[str, Any]) -> None:
    user: UserHandle = await make_user()
    today = datetime.now(UTC).date()
    setup: list[dict[str, Any]] = []
    for spec in case.get("setup", []):
        body = {key: spec[key] for key in ("title", "priority", "status") if key in spec}
        if "due" in spec:
            body["due_date"] = setup_due(spec["due"], today)
        response = await client.post("/tasks", json=body, headers=user.headers)
        assert response.status_code == 201, response.text
        setup.append(response.json())
    ids = {f"{{id{index}}}": str(task["id"]) for index, task in enumerate(setup)}

    request = case["help"]
    query = request["query"]
    for placeholder, value in ids.items():
        query = query.replace(placeholder, value)
    response = await client.post(
        f"/tasks/{setup[request['task']]['id']}/help", json={"query": query}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    events = parse_sse(response.text)
    assert [event.name for event in events][-1] == "done", events
    reply = text_of(events).lower()

    tasks = {
        task["id"]: task
        for task in (await client.get("/tasks", params={"limit": 200}, headers=user.headers)).json()
    }
    expect = case["expect"]
    problems: list[str] = []
    if "specialist" in expect and last(events, "done")["specialist"] != expect["specialist"]:
        problems.append(f"specialist {last(events, 'done')['specialist']} is not {expect['specialist']}")
    problems += [f"reply lacks {word!r}" for word in expect.get("reply_has", []) if word.lower() not in reply]
    problems += [f"reply has {word!r}" for word in expect.get("reply_lacks", []) if word.lower() in reply]
    for index in expect.get("unchanged", []):
        if tasks.get(setup[index]["id"]) != setup[index]:
            problems.append(f"setup task {index} changed")
    for index in expect.get("deleted", []):
        if setup[index]["id"] in tasks:
            problems.append(f"setup task {index} still exists")
    for change in expect.get("changed", []):
        problems += [
            f"task {change['task']}: {p}"
            for p in problems_with(tasks.get(setup[change["task"]]["id"]), change, today)
        ]
    setup_ids = {task["id"] for task in setup}
    new = [task for task_id, task in tasks.items() if task_id not in setup_ids]
    wanted = expect.get("created", [])
    if len(new) != expect.get("created_count", len(wanted)):
        problems.append(f"{len(new)} tasks created, expected {expect.get('created_count', len(wanted))}")
    unmatched = list(new)
    for spec in wanted:
        match = next((task for task in unmatched if not problems_with(task, spec, today)), None)
        if match is None:
            problems.append(f"no new task matches {spec}")
        else:
            unmatched.remove(match)
    assert not problems, (problems, reply)
