"""Repeating tasks: `recurrence` (an RRULE) and `repeat_from`; completing one makes the next occurrence
(`next_id`), keeps the completed one as history; rules read on the user's wall clock (DST); refusals."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from agents import Runner
from fastapi import FastAPI

from taskagent.agents import tools
from taskagent.agents.context import AgentContext
from taskagent.agents.definitions import build_agents
from taskagent.agents.offline import OfflineModel
from taskagent.resources import app_resources
from tests.agents.support import call_tool
from tests.conftest import UserFactory, UserHandle
from tests.tasks.conftest import create, fetch


async def complete(client: httpx.AsyncClient, user: UserHandle, task_id: int) -> dict[str, Any]:
    response = await client.patch(f"/tasks/{task_id}", json={"status": "completed"}, headers=user.headers)
    assert response.status_code == 200, response.text
    done: dict[str, Any] = response.json()
    assert done["status"] == "completed"
    return done


async def read(client: httpx.AsyncClient, user: UserHandle, task_id: int) -> dict[str, Any]:
    response = await fetch(client, user, task_id)
    assert response.status_code == 200, response.text
    task: dict[str, Any] = response.json()
    return task


async def all_tasks(client: httpx.AsyncClient, user: UserHandle, query: str = "") -> list[dict[str, Any]]:
    response = await client.get(f"/tasks?limit=200{query}", headers=user.headers)
    assert response.status_code == 200, response.text
    tasks: list[dict[str, Any]] = response.json()
    return tasks


async def next_dues(
    client: httpx.AsyncClient, user: UserHandle, task: dict[str, Any], times: int
) -> list[str]:
    """Complete the task, then its next occurrence, `times` times: the due dates made, in order."""
    dues = []
    for _ in range(times):
        done = await complete(client, user, task["id"])
        assert done["next_id"] is not None
        task = await read(client, user, done["next_id"])
        dues.append(task["due_date"])
    return dues


async def test_weekly_on_friday_makes_the_next_occurrence_with_the_same_fields(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(
        client,
        alice,
        title="Weekly review",
        description="Look back",
        priority="high",
        tags=["work", "review"],
        estimate_minutes=45,
        due_date="2026-12-04T17:00:00Z",  # a Friday
        recurrence="freq=weekly;byday=FR",
    )
    assert task["recurrence"] == "FREQ=WEEKLY;BYDAY=FR"  # stored upper case
    assert task["repeat_from"] == "due"
    assert task["next_id"] is None

    done = await complete(client, alice, task["id"])
    assert done["id"] == task["id"]
    assert done["recurrence"] is None  # the rule moved on: the completed task is history
    nxt = await read(client, alice, done["next_id"])
    assert nxt["due_date"] == "2026-12-11T17:00:00Z"
    assert nxt["status"] == "pending" and nxt["completed_at"] is None
    same = (
        "title",
        "description",
        "priority",
        "tags",
        "estimate_minutes",
        "recurrence",
        "repeat_from",
        "position",
    )
    assert {k: nxt[k] for k in same} == {k: task[k] for k in same}

    history = await read(client, alice, task["id"])
    assert history["status"] == "completed" and history["completed_at"] is not None
    assert history["due_date"] == "2026-12-04T17:00:00Z"
    assert history["recurrence"] is None

    trail = await client.get(f"/tasks/{nxt['id']}/history", headers=alice.headers)
    assert trail.status_code == 200, trail.text
    assert [entry["changes"].get("title") for entry in trail.json()] == [
        {"from": None, "to": "Weekly review"}
    ]


async def test_a_due_date_off_the_rule_moves_to_the_first_rule_date(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(
        client, alice, due_date="2026-12-02T12:00:00Z", recurrence="FREQ=WEEKLY;BYDAY=FR"
    )  # a Wednesday
    assert await next_dues(client, alice, task, 2) == ["2026-12-04T12:00:00Z", "2026-12-11T12:00:00Z"]


async def test_monthly_on_the_31st_skips_the_months_without_one(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    # RFC 5545 (and dateutil): an invalid date is ignored, so February, April and June are skipped.
    task = await create(
        client, alice, due_date="2027-01-31T09:00:00Z", recurrence="FREQ=MONTHLY;BYMONTHDAY=31"
    )
    assert await next_dues(client, alice, task, 3) == [
        "2027-03-31T09:00:00Z",
        "2027-05-31T09:00:00Z",
        "2027-07-31T09:00:00Z",
    ]


async def test_the_last_day_of_every_month(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create(
        client, alice, due_date="2027-01-31T09:00:00Z", recurrence="FREQ=MONTHLY;BYMONTHDAY=-1"
    )
    assert await next_dues(client, alice, task, 3) == [
        "2027-02-28T09:00:00Z",
        "2027-03-31T09:00:00Z",
        "2027-04-30T09:00:00Z",
    ]


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        # 09:00 in Paris the day before each change, then 09:00 again: the UTC hour moves by one.
        ("2027-03-27T08:00:00Z", ["2027-03-28T07:00:00Z", "2027-03-29T07:00:00Z"]),
        ("2027-10-30T07:00:00Z", ["2027-10-31T08:00:00Z", "2027-11-01T08:00:00Z"]),
    ],
)
async def test_nine_in_the_morning_stays_nine_across_daylight_saving_changes(
    client: httpx.AsyncClient, make_user: UserFactory, due: str, expected: list[str]
) -> None:
    paris = await make_user(timezone="Europe/Paris")
    task = await create(client, paris, due_date=due, recurrence="FREQ=DAILY")
    assert await next_dues(client, paris, task, 2) == expected


async def test_the_same_rule_in_utc_keeps_the_utc_hour(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create(client, alice, due_date="2027-03-27T08:00:00Z", recurrence="FREQ=DAILY")
    assert await next_dues(client, alice, task, 1) == ["2027-03-28T08:00:00Z"]


async def test_repeat_from_completion_counts_from_the_day_it_was_done(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(
        client,
        alice,
        title="Water the plants",
        due_date="2026-01-01T10:30:00Z",  # long overdue: the due date's day plays no part
        recurrence="FREQ=DAILY;INTERVAL=3",
        repeat_from="completion",
    )
    done = await complete(client, alice, task["id"])
    completed = datetime.fromisoformat(done["completed_at"])
    nxt = await read(client, alice, done["next_id"])
    expected = (completed + timedelta(days=3)).replace(hour=10, minute=30, second=0, microsecond=0)
    assert datetime.fromisoformat(nxt["due_date"]) == expected  # the due date's time of day is kept
    assert nxt["repeat_from"] == "completion"


async def test_repeat_from_completion_needs_no_due_date(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create(client, alice, recurrence="FREQ=DAILY;INTERVAL=3", repeat_from="completion")
    done = await complete(client, alice, task["id"])
    completed = datetime.fromisoformat(done["completed_at"])
    nxt = await read(client, alice, done["next_id"])
    expected = (completed + timedelta(days=3)).replace(hour=23, minute=59, second=0, microsecond=0)
    assert datetime.fromisoformat(nxt["due_date"]) == expected


async def test_subtasks_are_copied_as_new_open_subtasks(client: httpx.AsyncClient, alice: UserHandle) -> None:
    parent = await create(
        client, alice, title="Rent", due_date="2027-01-01T09:00:00Z", recurrence="FREQ=MONTHLY"
    )
    first = await create(
        client, alice, title="Transfer", parent_id=parent["id"], due_date="2026-12-31T09:00:00Z"
    )
    second = await create(client, alice, title="File the receipt", parent_id=parent["id"])
    nested = await create(client, alice, title="Scan it", parent_id=second["id"], status="completed")
    await complete(client, alice, first["id"])

    done = await complete(client, alice, parent["id"])
    copies = await all_tasks(client, alice, f"&parent_id={done['next_id']}")
    assert [(t["title"], t["status"], t["due_date"]) for t in copies] == [
        ("Transfer", "pending", "2027-01-31T09:00:00Z"),  # moved as far as its parent
        ("File the receipt", "pending", None),
    ]
    assert all(t["recurrence"] is None for t in copies)
    nested_copies = await all_tasks(client, alice, f"&parent_id={copies[1]['id']}")
    assert [(t["title"], t["status"]) for t in nested_copies] == [("Scan it", "pending")]
    # The history keeps its own subtasks, as they were.
    originals = await all_tasks(client, alice, f"&parent_id={parent['id']}")
    assert [(t["id"], t["status"]) for t in originals] == [
        (first["id"], "completed"),
        (second["id"], "pending"),
    ]
    assert (await read(client, alice, nested["id"]))["parent_id"] == second["id"]


async def test_reopening_and_completing_the_history_does_not_fork_the_series(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(client, alice, due_date="2027-01-01T09:00:00Z", recurrence="FREQ=DAILY")
    done = await complete(client, alice, task["id"])
    reopened = await client.patch(f"/tasks/{task['id']}", json={"status": "pending"}, headers=alice.headers)
    assert reopened.status_code == 200
    again = await complete(client, alice, task["id"])
    assert again["next_id"] is None
    assert len(await all_tasks(client, alice)) == 2
    # Completing an already completed task makes nothing either.
    nxt = await complete(client, alice, done["next_id"])
    assert (await complete(client, alice, done["next_id"]))["next_id"] is None
    assert len(await all_tasks(client, alice)) == 3
    assert nxt["next_id"] is not None


async def test_count_counts_down_and_the_last_occurrence_does_not_repeat(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(client, alice, due_date="2027-01-01T09:00:00Z", recurrence="FREQ=DAILY;COUNT=3")
    second = await read(client, alice, (await complete(client, alice, task["id"]))["next_id"])
    assert second["recurrence"] == "FREQ=DAILY;COUNT=2"
    third = await read(client, alice, (await complete(client, alice, second["id"]))["next_id"])
    assert third["recurrence"] is None and third["due_date"] == "2027-01-03T09:00:00Z"
    assert (await complete(client, alice, third["id"]))["next_id"] is None


async def test_until_ends_the_series(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create(
        client, alice, due_date="2027-01-01T09:00:00Z", recurrence="FREQ=DAILY;UNTIL=20270102"
    )
    second = await read(client, alice, (await complete(client, alice, task["id"]))["next_id"])
    assert second["due_date"] == "2027-01-02T09:00:00Z"
    assert (await complete(client, alice, second["id"]))["next_id"] is None


async def test_completing_a_task_that_does_not_repeat_names_no_next(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(client, alice, due_date="2027-01-01T09:00:00Z")
    assert task["recurrence"] is None
    assert (await complete(client, alice, task["id"]))["next_id"] is None
    assert len(await all_tasks(client, alice)) == 1


async def test_the_repeating_filter(client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle) -> None:
    repeating = await create(
        client, alice, title="R", due_date="2027-01-01T09:00:00Z", recurrence="FREQ=DAILY"
    )
    plain = await create(client, alice, title="P")
    await create(client, bob, title="Bob's", due_date="2027-01-01T09:00:00Z", recurrence="FREQ=DAILY")
    assert [t["id"] for t in await all_tasks(client, alice, "&repeating=true")] == [repeating["id"]]
    assert [t["id"] for t in await all_tasks(client, alice, "&repeating=false")] == [plain["id"]]
    bad = await client.get("/tasks?repeating=maybe", headers=alice.headers)
    assert bad.status_code == 422


async def test_stopping_a_repetition(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create(client, alice, due_date="2027-01-01T09:00:00Z", recurrence="FREQ=DAILY")
    stopped = await client.patch(f"/tasks/{task['id']}", json={"recurrence": None}, headers=alice.headers)
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["recurrence"] is None
    assert (await complete(client, alice, task["id"]))["next_id"] is None
    assert len(await all_tasks(client, alice)) == 1


async def test_a_rule_can_be_added_and_changed_by_update(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(client, alice, due_date="2027-01-01T09:00:00Z")
    response = await client.put(
        f"/tasks/{task['id']}",
        json={"recurrence": "FREQ=YEARLY", "repeat_from": "due"},
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["recurrence"] == "FREQ=YEARLY"
    assert await next_dues(client, alice, response.json(), 1) == ["2028-01-01T09:00:00Z"]


REFUSED = [
    ("RRULE:FREQ=DAILY", "without the RRULE: prefix"),
    ("DTSTART:20260101T090000Z;FREQ=DAILY", "DTSTART"),
    ("FREQ=HOURLY", "thousands"),
    ("FREQ=MINUTELY;INTERVAL=5", "thousands"),
    (
        "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,30",
        "thousands",
    ),
    ("FREQ=DAILY;COUNT=1", "COUNT"),
    ("FREQ=DAILY;UNTIL=20261201T000000Z", "no date after"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "no date after"),
    ("every friday", "not a valid RRULE"),
    ("FREQ=WEEKLY;BYDAY=XX", "not a valid RRULE"),
    ("INTERVAL=2", "FREQ is required"),
    ("FREQ=DAILY;INTERVAL=2;INTERVAL=3", "twice"),
    ("", "empty"),
    ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be a whole number"),  # dateutil would loop forever
    ("FREQ=DAILY;INTERVAL=-1", "INTERVAL must be a whole number"),
    ("FREQ=DAILY;COUNT=2;UNTIL=20271231", "cannot both"),
    ("FREQ=MONTHLY;BYDAY=9MO", "not a valid RRULE"),  # fails only while dateutil walks the calendar
    ("FREQ=DAILY;UNTIL=00010101T000000Z", "no date after"),
    ("FREQ=YEARLY;BYYEARDAY=100", "not supported"),
    ("FREQ=DAILY;BYMONTH=13", "BYMONTH takes numbers from 1 to 12"),
    ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "no date after"),  # refused before dateutil walks to 9999
    ("FREQ=DAILY;BYSETPOS=2", "BYSETPOS needs"),
    ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6", "no date after"),
]


@pytest.mark.parametrize(("rule", "message"), REFUSED)
async def test_refused_rules_are_a_422_that_creates_nothing(
    client: httpx.AsyncClient, alice: UserHandle, rule: str, message: str
) -> None:
    response = await client.post(
        "/tasks",
        json={"title": "T", "due_date": "2027-01-01T09:00:00Z", "recurrence": rule},
        headers=alice.headers,
    )
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"][:2] == ["body", "recurrence"]
    assert message in problem["msg"]
    assert await all_tasks(client, alice) == []


@pytest.mark.parametrize(("rule", "message"), REFUSED[:8:3])
async def test_refused_rules_change_nothing_on_update(
    client: httpx.AsyncClient, alice: UserHandle, rule: str, message: str
) -> None:
    task = await create(client, alice, due_date="2027-01-01T09:00:00Z")
    response = await client.patch(f"/tasks/{task['id']}", json={"recurrence": rule}, headers=alice.headers)
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"][0]["msg"]
    assert await read(client, alice, task["id"]) == task


async def test_a_repeating_task_needs_a_due_date(client: httpx.AsyncClient, alice: UserHandle) -> None:
    response = await client.post(
        "/tasks", json={"title": "T", "recurrence": "FREQ=DAILY"}, headers=alice.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["msg"].startswith("a repeating task needs a due date")
    assert await all_tasks(client, alice) == []

    task = await create(client, alice, due_date="2027-01-01T09:00:00Z", recurrence="FREQ=DAILY")
    cleared = await client.patch(f"/tasks/{task['id']}", json={"due_date": None}, headers=alice.headers)
    assert cleared.status_code == 422, cleared.text
    assert cleared.json()["detail"][0]["loc"] == ["body", "due_date"]
    back = await client.patch(f"/tasks/{task['id']}", json={"repeat_from": "due"}, headers=alice.headers)
    assert back.status_code == 200
    assert (await read(client, alice, task["id"]))["due_date"] == "2027-01-01T09:00:00Z"


async def test_bad_repeat_from_is_refused(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create(client, alice, due_date="2027-01-01T09:00:00Z", recurrence="FREQ=DAILY")
    for value in ("later", None):
        response = await client.patch(
            f"/tasks/{task['id']}", json={"repeat_from": value}, headers=alice.headers
        )
        assert response.status_code == 422, response.text
    assert await read(client, alice, task["id"]) == task


async def test_another_users_task_is_not_found(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    task = await create(client, alice, due_date="2027-01-01T09:00:00Z", recurrence="FREQ=DAILY")
    for body in ({"recurrence": None}, {"status": "completed"}, {"recurrence": "FREQ=WEEKLY"}):
        response = await client.patch(f"/tasks/{task['id']}", json=body, headers=bob.headers)
        assert response.status_code == 404, response.text
    assert await read(client, alice, task["id"]) == task
    assert await all_tasks(client, bob) == []


async def test_export_and_import_carry_the_rule(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    await create(client, alice, title="Rent", due_date="2027-01-01T09:00:00Z", recurrence="FREQ=MONTHLY")
    await create(client, alice, title="Plants", recurrence="FREQ=DAILY;INTERVAL=3", repeat_from="completion")
    exported = await client.get("/users/me/export", headers=alice.headers)
    assert exported.status_code == 200, exported.text
    csv_text = (await client.get("/tasks/export.csv", headers=alice.headers)).text
    assert "FREQ=DAILY;INTERVAL=3,completion" in csv_text

    imported = await client.post("/users/me/import", json=exported.json(), headers=bob.headers)
    assert imported.status_code == 201, imported.text
    tasks = await all_tasks(client, bob, "&repeating=true")
    assert sorted((t["title"], t["recurrence"], t["repeat_from"]) for t in tasks) == [
        ("Plants", "FREQ=DAILY;INTERVAL=3", "completion"),
        ("Rent", "FREQ=MONTHLY", "due"),
    ]


@pytest.mark.parametrize(
    ("task", "message"),
    [
        ({"recurrence": "FREQ=HOURLY", "due_date": "2027-01-01T09:00:00Z"}, "thousands"),
        ({"recurrence": "FREQ=DAILY"}, "needs a due date"),
    ],
)
async def test_an_import_with_a_refused_rule_stores_nothing(
    client: httpx.AsyncClient, alice: UserHandle, task: dict[str, Any], message: str
) -> None:
    body = {"format": "taskagent-export", "version": 1, "tasks": [{"title": "T", **task}]}
    response = await client.post("/users/me/import", json=body, headers=alice.headers)
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"][0]["msg"]
    assert await all_tasks(client, alice) == []


async def test_the_assistants_tools_complete_through_the_same_rules(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    context = AgentContext(user_id=alice.id, session_factory=app_resources(app).session_factory)
    task = await create(client, alice, due_date="2027-01-01T09:00:00Z", recurrence="FREQ=WEEKLY")
    cleared = await call_tool(tools.update_task, context, {"task_id": task["id"], "due_date": None})
    assert "needs a due date" in cleared["error"]
    done = await call_tool(tools.update_task, context, {"task_id": task["id"], "status": "completed"})
    assert done["task"]["status"] == "completed" and done["task"]["recurrence"] is None
    nxt = await read(client, alice, done["task"]["next_id"])
    assert nxt["due_date"] == "2027-01-08T09:00:00Z" and nxt["recurrence"] == "FREQ=WEEKLY"


async def test_the_assistants_tools_set_and_stop_a_rule(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    context = AgentContext(user_id=alice.id, session_factory=app_resources(app).session_factory)
    refused = await call_tool(
        tools.create_tasks, context, {"tasks": [{"title": "Standup", "recurrence": "FREQ=DAILY"}]}
    )
    assert "needs a due date" in refused["error"]
    assert await all_tasks(client, alice) == []
    made = await call_tool(
        tools.create_tasks,
        context,
        {"tasks": [{"title": "Plants", "recurrence": "FREQ=DAILY;INTERVAL=3", "repeat_from": "completion"}]},
    )
    [task] = made["created"]
    assert (task["recurrence"], task["repeat_from"]) == ("FREQ=DAILY;INTERVAL=3", "completion")
    bad = await call_tool(tools.update_task, context, {"task_id": task["id"], "recurrence": "FREQ=HOURLY"})
    assert "thousands" in bad["error"]
    stopped = await call_tool(tools.update_task, context, {"task_id": task["id"], "recurrence": None})
    assert stopped["task"]["recurrence"] is None
    assert (await read(client, alice, task["id"]))["recurrence"] is None


@pytest.mark.parametrize(
    ("request_text", "rule", "repeat_from"),
    [
        ("Add a task to take out the bins every Friday", "FREQ=WEEKLY;BYDAY=FR", "due"),
        # The first date is the rule's next day (today for a rule without days), counted from due dates
        # unless the words say "after I do it".
        ("Add a task: stand-up notes every weekday", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "due"),
        ("Add a task to water the plants every day", "FREQ=DAILY", "due"),
        ("Add a task to water the plants every 3 days after I do it", "FREQ=DAILY;INTERVAL=3", "completion"),
    ],
)
async def test_the_offline_assistant_makes_a_repeating_task(
    app: FastAPI,
    client: httpx.AsyncClient,
    alice: UserHandle,
    request_text: str,
    rule: str,
    repeat_from: str,
) -> None:
    team = build_agents(app_resources(app).settings, lambda settings, role: OfflineModel(role))
    context = AgentContext(user_id=alice.id, session_factory=app_resources(app).session_factory)
    result = await Runner.run(team.task_manager, request_text, context=context, max_turns=6)
    assert "repeats" in str(result.final_output)
    [task] = await all_tasks(client, alice)
    assert (task["recurrence"], task["repeat_from"]) == (rule, repeat_from)
