"""The eval cases and their expectations, as ../shared/eval/README.md defines them, for both runners
(chat cases through POST /chatkit, help cases through POST /tasks/{id}/help)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
from tests.agents.support import last, parse_sse, text_of
from tests.chat.conftest import ChatClient
from tests.conftest import UserHandle


def load_cases(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


CASES = load_cases(Path(__file__).parent / "utterances-dev.jsonl")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def day_of(spec: str, today: date) -> date | None:
    """The day a `due` value names, in the user's zone; None for `none`. `overdue` names a past day
    (for setup); as an expectation it is checked apart, by `mismatches`."""
    if spec == "none":
        return None
    if spec == "today":
        return today
    if spec == "tomorrow":
        return today + timedelta(days=1)
    if match := re.fullmatch(r"([+-]\d+)d", spec):
        return today + timedelta(days=int(match.group(1)))
    if spec.startswith("weekday:"):
        wanted = WEEKDAYS.index(spec.removeprefix("weekday:")[:3])
        return today + timedelta(days=(wanted - today.weekday()) % 7)  # today too, on that weekday
    if spec == "next_week":
        return today + timedelta(days=7 - today.weekday())  # next Monday
    if spec == "end_of_month":
        first_of_next = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
        return first_of_next - timedelta(days=1)
    if spec == "overdue":
        return today - timedelta(days=2)
    raise ValueError(f"unknown due {spec!r}")


async def make_setup_task(
    client: httpx.AsyncClient, user: UserHandle, spec: dict[str, Any], today: date
) -> dict[str, Any]:
    """A setup task made by REST: POST /tasks, then PATCH for the status."""
    body: dict[str, Any] = {"title": spec["title"]}
    if "priority" in spec:
        body["priority"] = spec["priority"]
    if "due" in spec:
        day = day_of(spec["due"], today)
        body["due_date"] = None if day is None else datetime.combine(day, time(23, 59), UTC).isoformat()
    created = await client.post("/tasks", json=body, headers=user.headers)
    assert created.status_code == 201, created.text
    task: dict[str, Any] = created.json()
    if "status" in spec:
        patched = await client.patch(
            f"/tasks/{task['id']}", json={"status": spec["status"]}, headers=user.headers
        )
        assert patched.status_code == 200, patched.text
        task = patched.json()
    return task


def mismatches(task: dict[str, Any], expect: dict[str, Any], today: date) -> list[str]:
    """How `task` fails a `created` / `changed` expectation (empty: it meets it)."""
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
        elif (due.date() if due else None) != day_of(expect["due"], today):
            found.append(f"due {due} is not {expect['due']} ({day_of(expect['due'], today)})")
    if "due_time" in expect and (due is None or due.strftime("%H:%M") != expect["due_time"]):
        found.append(f"due time of {due} is not {expect['due_time']}")
    return found


def assign(
    expected: list[dict[str, Any]], tasks: list[dict[str, Any]], today: date
) -> list[dict[str, Any]] | None:
    """Distinct tasks meeting each expectation, in order, or None (a small backtracking match)."""
    if not expected:
        return []
    head, rest = expected[0], expected[1:]
    for index, task in enumerate(tasks):
        if not mismatches(task, head, today):
            tail = assign(rest, tasks[:index] + tasks[index + 1 :], today)
            if tail is not None:
                return [task, *tail]
    return None


async def problems_after(
    client: httpx.AsyncClient,
    user: UserHandle,
    setup: list[dict[str, Any]],
    expect: dict[str, Any],
    reply: str,
    today: date,
) -> list[str]:
    """Every expectation of a case that the user's tasks (read by REST) or the last reply miss."""
    listed = await client.get("/tasks", params={"limit": 200}, headers=user.headers)
    assert listed.status_code == 200, listed.text
    tasks = {task["id"]: task for task in listed.json()}
    setup_ids = {task["id"] for task in setup}
    new = [task for task_id, task in tasks.items() if task_id not in setup_ids]
    problems: list[str] = []

    created = expect.get("created", [])
    if assign(created, new, today) is None:
        problems.append(f"created: no distinct new tasks match {created}; new tasks: {new}")
    count = expect.get("created_count", len(created))
    if len(new) != count:
        problems.append(f"created {len(new)} tasks, expected {count}: {[task['title'] for task in new]}")
    for change in expect.get("changed", []):
        task = tasks.get(setup[change["task"]]["id"])
        if task is None:
            problems.append(f"changed: setup task {change['task']} is gone")
        elif found := mismatches(task, change, today):
            problems.append(f"changed: setup task {change['task']}: {found}")
    for index in expect.get("deleted", []):
        if setup[index]["id"] in tasks:
            problems.append(f"deleted: setup task {index} still exists")
    for index in expect.get("unchanged", []):
        if tasks.get(setup[index]["id"]) != setup[index]:  # every field, timestamps included
            problems.append(
                f"unchanged: setup task {index} changed: {setup[index]} -> {tasks.get(setup[index]['id'])}"
            )
    lowered = reply.lower()
    problems += [
        f"reply lacks {word!r}" for word in expect.get("reply_has", []) if word.lower() not in lowered
    ]
    problems += [f"reply has {word!r}" for word in expect.get("reply_lacks", []) if word.lower() in lowered]
    return problems


async def run_case(client: httpx.AsyncClient, user: UserHandle, case: dict[str, Any]) -> list[str]:
    """Play one case through the public API (a chat case through POST /chatkit in one thread, a help case
    through POST /tasks/{id}/help) for a fresh `user`, and return every expectation it misses."""
    today = datetime.now(UTC).date()
    setup = [await make_setup_task(client, user, spec, today) for spec in case.get("setup", [])]
    ids = {f"id{index}": task["id"] for index, task in enumerate(setup)}
    expect = case["expect"]
    if "help" in case:
        request = case["help"]
        response = await client.post(
            f"/tasks/{setup[request['task']]['id']}/help",
            json={"query": request["query"].format(**ids)},
            headers=user.headers,
        )
        assert response.status_code == 200, response.text
        events = parse_sse(response.text)
        assert [event.name for event in events][-1] == "done", events
        reply = text_of(events)
        problems = await problems_after(client, user, setup, expect, reply, today)
        specialist = last(events, "done")["specialist"]
        if "specialist" in expect and specialist != expect["specialist"]:
            problems.append(f"specialist {specialist} is not {expect['specialist']}")
        return problems
    me = ChatClient(client, user)
    thread_id: str | None = None
    reply = ""
    for said in case["say"]:
        text = said.format(**ids)
        turn = await (me.create(text) if thread_id is None else me.say(thread_id, text))
        assert not turn.errors, f"{text!r}: {turn.errors}"
        thread_id = turn.thread_id
        reply = turn.reply
    problems = await problems_after(client, user, setup, expect, reply, today)
    return [f"replied {reply!r}", *problems] if problems else []
