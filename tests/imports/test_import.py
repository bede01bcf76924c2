"""POST /users/me/import: our JSON export and Todoist's CSV, all or nothing, only ever the caller's tasks."""

from __future__ import annotations

import gc
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from taskagent.security import IMPORT_MAX_BODY_BYTES
from tests.access_tokens.conftest import new_token
from tests.conftest import UserFactory, UserHandle
from tests.tasks.conftest import create

pytestmark = pytest.mark.usefixtures("backend")

TODOIST_SAMPLE = Path(__file__).parents[1] / "exports" / "todoist-sample.csv"
CSV = {"Content-Type": "text/csv"}
# What a task is, apart from where it is stored (ids, owner, last change).
KEPT = (
    *("title", "description", "status", "priority", "due_date", "tags"),
    *("estimate_minutes", "position", "created_at", "completed_at"),
)


async def tasks_of(client: httpx.AsyncClient, user: UserHandle) -> list[dict[str, Any]]:
    response = await client.get("/tasks", params={"limit": 200}, headers=user.headers)
    assert response.status_code == 200, response.text
    tasks: list[dict[str, Any]] = response.json()
    return tasks


async def post_import(
    client: httpx.AsyncClient,
    user: UserHandle | dict[str, str],
    body: bytes | str | dict[str, Any],
    **params: Any,
) -> httpx.Response:
    headers = user if isinstance(user, dict) else user.headers
    if isinstance(body, dict):
        return await client.post("/users/me/import", params=params, json=body, headers=headers)
    content_type = CSV if params.get("format") == "todoist" else {"Content-Type": "application/json"}
    return await client.post(
        "/users/me/import", params=params, content=body, headers={**headers, **content_type}
    )


def document(*tasks: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"format": "taskagent-export", "version": 1, "tasks": list(tasks), **extra}


def shape(tasks: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Each task's fields and its parent's title (the structure, whatever the ids)."""
    titles = {task["id"]: task["title"] for task in tasks}
    return sorted(
        (*(json.dumps(task[field]) for field in KEPT), titles.get(task["parent_id"])) for task in tasks
    )


async def test_an_export_imported_into_a_fresh_account_gives_the_same_tasks(
    client: httpx.AsyncClient, alice: UserHandle, make_user: UserFactory
) -> None:
    trip = await create(
        client,
        alice,
        title="Plan trip ✈️",
        description='Budget: "about 1,200 €"\nsecond line',
        priority="urgent",
        due_date="2026-12-20T10:00:00Z",
        tags=["travel", "family"],
        estimate_minutes=90,
    )
    train = await create(client, alice, title="Book train", parent_id=trip["id"], status="completed")
    await create(client, alice, title="Pick seats", parent_id=train["id"], priority="low")
    await create(client, alice, title="Pack", status="in_progress", parent_id=trip["id"])
    await create(client, alice, title="Unrelated", due_date="2027-01-31T23:59:00Z")
    exported = (await client.get("/users/me/export", headers=alice.headers)).json()

    carol = await make_user()
    response = await post_import(client, carol, exported)
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["dry_run"] is False and result["format"] == "json"
    assert result["created"] == {"tasks": 5, "subtasks": 3, "completed": 1}
    assert result["skipped"] == {"conversations": 0, "notes": 0}

    imported = await tasks_of(client, carol)
    assert shape(imported) == shape(exported["tasks"])
    # The answer lists the new tasks in the file's order; all of them are carol's own, none alice's.
    title_of = {task["id"]: task["title"] for task in imported}
    assert [title_of[i] for i in result["task_ids"]] == [task["title"] for task in exported["tasks"]]
    assert {task["owner_id"] for task in imported} == {carol.id}
    assert not set(result["task_ids"]) & {task["id"] for task in exported["tasks"]}
    assert len(await tasks_of(client, alice)) == 5


async def test_a_dry_run_counts_and_stores_nothing(client: httpx.AsyncClient, alice: UserHandle) -> None:
    body = document(
        {"id": 1, "title": "Parent"},
        {"id": 2, "title": "Child", "parent_id": 1, "status": "completed"},
        conversations=[{"id": "thr_1", "items": []}],
    )
    response = await post_import(client, alice, body, dry_run="true")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "dry_run": True,
        "format": "json",
        "created": {"tasks": 2, "subtasks": 1, "completed": 1},
        "skipped": {"conversations": 1, "notes": 0},
        "task_ids": None,
    }
    assert await tasks_of(client, alice) == []
    # The same file, not dry: what the dry run announced.
    stored = await post_import(client, alice, body)
    assert stored.status_code == 201 and stored.json()["created"] == response.json()["created"]
    assert len(await tasks_of(client, alice)) == 2


async def test_a_todoist_csv_export_imports(client: httpx.AsyncClient, alice: UserHandle) -> None:
    response = await post_import(client, alice, TODOIST_SAMPLE.read_bytes(), format="todoist")
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["created"] == {"tasks": 9, "subtasks": 3, "completed": 0}
    assert result["skipped"] == {"conversations": 0, "notes": 1}  # the project's own note
    tasks = {task["title"]: task for task in await tasks_of(client, alice)}
    assert list(tasks) == [
        "Renew passport",
        "Call the plumber",
        "Pick tiles",
        "Order samples",
        "Compare prices: Shop A, Shop B",
        "Book the tiler",
        "Choose paint colour",
        "Réserver l'hôtel près de la gare",
        "本を読む",
    ]
    passport = tasks["Renew passport"]
    assert passport["priority"] == "urgent" and passport["tags"] == ["errands", "admin"]
    assert passport["description"] == (
        "Bring the old passport and two photos\n\nNote: Photo booth at the station takes cards, not cash"
    )
    assert passport["due_date"] == "2026-12-10T23:59:00Z"  # a date alone: 23:59 in TIMEZONE (London)
    assert passport["estimate_minutes"] == 30 and passport["parent_id"] is None

    plumber = tasks["Call the plumber"]
    due = datetime.fromisoformat(plumber["due_date"]).astimezone(ZoneInfo("Europe/London"))
    assert (due.weekday(), due.hour, due.minute) == (0, 9, 0)  # the next "every monday at 9am"
    assert plumber["description"] == "Repeats (in Todoist): every monday at 9am\nDeadline: 2026-12-31"
    assert plumber["priority"] == "normal" and plumber["tags"] == []

    tiles = tasks["Pick tiles"]
    assert tiles["description"] == 'Options: matte, glossy, or "terracotta"'
    assert tiles["priority"] == "high" and tiles["tags"] == ["Kitchen renovation"]
    assert tiles["due_date"] == "2026-12-15T17:30:00Z"
    assert tasks["Order samples"]["parent_id"] == tiles["id"]
    assert tasks["Compare prices: Shop A, Shop B"]["parent_id"] == tasks["Order samples"]["id"]
    assert tasks["Compare prices: Shop A, Shop B"]["description"] == "Note: Shop A: €12/m², Shop B: €15/m²"
    tiler = tasks["Book the tiler"]
    assert tiler["parent_id"] == tiles["id"] and tiler["estimate_minutes"] == 24 * 60
    assert tiler["description"] == "Line one\nLine two, after a break"
    assert tiler["due_date"] == "2027-01-20T23:59:00Z"  # the deadline, as there is no date
    assert tasks["Choose paint colour"]["parent_id"] is None

    hotel = tasks["Réserver l'hôtel près de la gare"]
    assert hotel["due_date"] == "2027-03-01T08:00:00Z" and hotel["priority"] == "urgent"
    assert hotel["tags"] == ["voyage", "Voyage à Paris ✈️"]
    assert tasks["本を読む"]["tags"] == ["読書", "Voyage à Paris ✈️"]


async def test_todoist_dates_without_a_zone_are_read_in_the_users(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    tokyo = await make_user(timezone="Asia/Tokyo")
    body = "TYPE,CONTENT,PRIORITY,INDENT,DATE\ntask,Morning call,4,1,2026-12-10 09:00\n"
    assert (await post_import(client, tokyo, body, format="todoist")).status_code == 201
    [task] = await tasks_of(client, tokyo)
    assert task["due_date"] == "2026-12-10T00:00:00Z"


TODOIST_HEADER = "TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,DATE,TIMEZONE,DURATION,DURATION_UNIT,DEADLINE\n"


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("task,Bad priority,,7,1,,,,,", "PRIORITY", "PRIORITY must be 1"),
        ("task,Jumps,,4,3,,,,,", "INDENT", "INDENT 3 follows a task at INDENT 1"),
        ("task,Bad indent,,4,zero,,,,,", "INDENT", "INDENT must be"),
        ("task,Odd date,,4,1,someday maybe,,,,", "DATE", "cannot read the date"),
        ("task,Odd zone,,4,1,2026-12-01,Mars/Olympus,,,", "TIMEZONE", "unknown time zone"),
        ("task,Long,,4,1,,,5,fortnight,", "DURATION_UNIT", "DURATION_UNIT must be"),
        ("task,Odd deadline,,4,1,,,,,soon", "DEADLINE", "DEADLINE must be"),
        ("task,@only-labels,,4,1,,,,,", "CONTENT", "the title"),
        (f"task,{'x' * 201},,4,1,,,,,", "CONTENT", "at most 200"),
        ("project,Something,,4,1,,,,,", "TYPE", "TYPE must be"),
    ],
)
async def test_an_invalid_todoist_line_is_named_and_nothing_is_stored(
    client: httpx.AsyncClient, alice: UserHandle, line: str, column: str, message: str
) -> None:
    body = TODOIST_HEADER + "task,Fine,,1,1,,,,,\nnote,A note,,,,,,,,\n" + line + "\n"
    response = await post_import(client, alice, body, format="todoist")
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "line", 4, column]
    assert problem["msg"].startswith("line 4: ") and message in problem["msg"], problem["msg"]
    assert await tasks_of(client, alice) == []


async def test_an_invalid_task_in_an_export_is_named_and_nothing_is_stored(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    body = document(
        {"id": 1, "title": "Fine"},
        {"id": 2, "title": "Also fine", "parent_id": 1},
        {"id": 3, "title": "   ", "priority": "someday"},
    )
    response = await post_import(client, alice, body)
    assert response.status_code == 422, response.text
    locations = [problem["loc"] for problem in response.json()["detail"]]
    assert locations == [["body", "tasks", 2, "title"], ["body", "tasks", 2, "priority"]]
    assert "input" not in response.text
    assert await tasks_of(client, alice) == []


@pytest.mark.parametrize(
    ("tasks", "loc", "message"),
    [
        ([{"id": 1, "title": "A"}, {"id": 1, "title": "B"}], ["body", "tasks", 1, "id"], "used by two"),
        ([{"id": 1, "title": "A", "parent_id": 9}], ["body", "tasks", 0, "parent_id"], "not the id"),
        (
            [{"id": 1, "title": "A", "parent_id": 2}, {"id": 2, "title": "B", "parent_id": 1}],
            ["body", "tasks", 0, "parent_id"],
            "cycle",
        ),
        ([{"id": 1, "title": "A", "parent_id": 1}], ["body", "tasks", 0, "parent_id"], "cycle"),
        ([{"title": "A", "due_date": "2026-12-01T10:00:00"}], ["body", "tasks", 0, "due_date"], "offset"),
        ([{"title": "A", "estimate_minutes": True}], ["body", "tasks", 0, "estimate_minutes"], "integer"),
        ([{"title": "A", "position": True}], ["body", "tasks", 0, "position"], "number"),
        ([{"title": "A"}, {"title": "B", "position": 1e16}], ["body", "tasks", 1, "position"], "less"),
    ],
)
async def test_bad_links_and_values_in_an_export_are_422(
    client: httpx.AsyncClient, alice: UserHandle, tasks: list[dict[str, Any]], loc: list[Any], message: str
) -> None:
    response = await post_import(client, alice, document(*tasks))
    assert response.status_code == 422, response.text
    problem = response.json()["detail"][0]
    assert problem["loc"] == loc and message in problem["msg"], problem
    assert await tasks_of(client, alice) == []


@pytest.mark.parametrize(
    ("body", "params", "loc", "message"),
    [
        (b'{"format": "taskagent-export", "tasks": [', {}, ["body"], "not valid JSON"),
        (b"[" * 100_000, {}, ["body"], "not valid JSON"),
        (b"\xff\xfe not text", {}, ["body"], "not UTF-8"),
        (b'{"format": "something-else", "tasks": []}', {}, ["body", "format"], "not a TaskAgent export"),
        (b'{"format": "taskagent-export", "version": 2, "tasks": []}', {}, ["body", "version"], "version 1"),
        (b'{"format": "taskagent-export", "version": 1, "tasks": {}}', {}, ["body", "tasks"], "valid list"),
        (TODOIST_SAMPLE.read_bytes(), {}, ["body"], "not valid JSON"),  # a CSV sent as our JSON
        (b'{"format": "taskagent-export"}', {"format": "todoist"}, ["body", "line", 1], "not a Todoist"),
        (b"", {"format": "todoist"}, ["body", "line", 1], "not a Todoist"),
        (b'TYPE,CONTENT\ntask,"never closed\n', {"format": "todoist"}, ["body", "line", 2], "not valid CSV"),
        (b"{}", {"format": "xml"}, ["query", "format"], "'json' or 'todoist'"),
    ],
)
async def test_malformed_files_and_wrong_formats_are_clear_422s(
    client: httpx.AsyncClient,
    alice: UserHandle,
    body: bytes,
    params: dict[str, str],
    loc: list[Any],
    message: str,
) -> None:
    response = await post_import(client, alice, body, **params)
    assert response.status_code == 422, response.text
    problem = response.json()["detail"][0]
    assert problem["loc"] == loc and message in problem["msg"], problem
    assert await tasks_of(client, alice) == []


async def test_a_body_over_10_mb_is_413(client: httpx.AsyncClient, alice: UserHandle) -> None:
    title = "t" * 100
    body = json.dumps(document(*({"title": title} for _ in range(IMPORT_MAX_BODY_BYTES // 100))))
    assert len(body) > IMPORT_MAX_BODY_BYTES
    response = await post_import(client, alice, body)
    assert response.status_code == 413, response.text
    assert response.json() == {"detail": f"The request body is larger than {IMPORT_MAX_BODY_BYTES} bytes"}
    # 9 MB passes the limit (and here, the count of tasks).
    small = json.dumps(document(*({"title": title} for _ in range(90))))
    assert (await post_import(client, alice, small, dry_run="true")).status_code == 200


async def test_more_than_50000_tasks_is_413(client: httpx.AsyncClient, alice: UserHandle) -> None:
    many = document(*({"title": "t"} for _ in range(50_001)))
    response = await post_import(client, alice, json.dumps(many))
    assert response.status_code == 413, response.text
    assert "more than 50,000 tasks" in response.json()["detail"]
    rows = "TYPE,CONTENT\n" + "task,t\n" * 50_001
    response = await post_import(client, alice, rows, format="todoist")
    assert response.status_code == 413, response.text
    assert await tasks_of(client, alice) == []


async def test_signed_out_callers_and_tokens_without_tasks_write_are_refused(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    body = document({"title": "From a script"})
    response = await client.post("/users/me/import", json=body)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    for scope in ("tasks:read", "mcp", "calendar"):
        token = await new_token(client, alice, scope)
        refused = await post_import(client, token["headers"], body)
        assert refused.status_code == 403, refused.text
        assert 'scope="tasks:write"' in refused.headers["WWW-Authenticate"]
    assert await tasks_of(client, alice) == []
    writer = await new_token(client, alice, "tasks:write")
    response = await post_import(client, writer["headers"], body)
    assert response.status_code == 201, response.text
    assert [task["title"] for task in await tasks_of(client, alice)] == ["From a script"]


async def test_another_users_ids_in_a_file_only_label_the_callers_new_tasks(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    secret = await create(client, bob, title="Bob's secret")
    bob_child = await create(client, bob, title="Bob's child", parent_id=secret["id"])
    before = await tasks_of(client, bob)
    crafted = document(
        {"id": secret["id"], "title": "Overwrite?", "owner_id": bob.id},
        {"id": bob_child["id"], "title": "Mine", "parent_id": secret["id"], "owner_id": bob.id},
    )
    response = await post_import(client, alice, crafted)
    assert response.status_code == 201, response.text
    new_ids = response.json()["task_ids"]
    assert not set(new_ids) & {secret["id"], bob_child["id"]}
    mine = await tasks_of(client, alice)
    assert [(task["title"], task["owner_id"]) for task in mine] == [
        ("Overwrite?", alice.id),
        ("Mine", alice.id),
    ]
    assert mine[1]["parent_id"] == mine[0]["id"] == new_ids[0]
    assert await tasks_of(client, bob) == before
    # A parent link to Bob's task that the file does not hold is refused, not followed.
    response = await post_import(client, alice, document({"title": "Sneaky", "parent_id": secret["id"]}))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "tasks", 0, "parent_id"]
    assert len(await tasks_of(client, alice)) == 2
    assert await tasks_of(client, bob) == before


async def test_the_route_is_in_the_openapi(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    operation = schema["paths"]["/users/me/import"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json", "text/csv"}
    assert {"200", "201", "401", "403", "413", "422"} <= set(operation["responses"])
    assert "ImportDocument" in schema["components"]["schemas"]
    assert "ImportedTask" in schema["components"]["schemas"]
    assert "task_ids" in schema["components"]["schemas"]["ImportResult"]["properties"]


async def test_the_garbage_collector_runs_again_after_an_import(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    """Imports pause automatic collection (full collections over their objects stalled the event loop);
    it resumes after each, refused or not, and a pause never turns on a collector someone turned off."""
    assert gc.isenabled()
    assert (await post_import(client, alice, document({"title": "t"}))).status_code == 201
    assert (await post_import(client, alice, b"not json")).status_code == 422
    assert gc.isenabled()
    gc.disable()
    try:
        assert (await post_import(client, alice, document({"title": "t"}))).status_code == 201
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_the_web_pages_session_imports_with_its_csrf_header_only(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    login = await client.post("/auth/login", json={"email": alice.email, "password": alice.password})
    assert login.status_code == 200, login.text
    csrf = login.json()["csrf_token"]
    body = TODOIST_SAMPLE.read_bytes()
    refused = await client.post("/users/me/import", params={"format": "todoist"}, content=body, headers=CSV)
    assert refused.status_code == 403, refused.text
    assert await tasks_of(client, alice) == []
    response = await client.post(
        "/users/me/import", params={"format": "todoist"}, content=body, headers={**CSV, "X-CSRF-Token": csrf}
    )
    assert response.status_code == 201, response.text
    assert len(await tasks_of(client, alice)) == 9
    trail = await client.get(f"/tasks/{response.json()['task_ids'][0]}/history", headers=alice.headers)
    assert [entry["channel"] for entry in trail.json()] == ["web"]


async def test_a_todoist_file_with_a_bom_and_crlf_lines_reads_the_same(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    sample = TODOIST_SAMPLE.read_bytes()
    windows = b"\xef\xbb\xbf" + sample.replace(b"\n", b"\r\n")
    assert (await post_import(client, alice, sample, format="todoist")).status_code == 201
    assert (await post_import(client, bob, windows, format="todoist")).status_code == 201
    strip = ("id", "owner_id", "parent_id", "created_at", "updated_at")
    mine = [{k: v for k, v in task.items() if k not in strip} for task in await tasks_of(client, alice)]
    theirs = [{k: v for k, v in task.items() if k not in strip} for task in await tasks_of(client, bob)]
    assert theirs == mine


async def test_imported_tasks_begin_their_trail_with_a_created_entry(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    body = document(
        {"id": 1, "title": "Parent", "priority": "high", "due_date": "2026-12-10T17:00:00Z", "tags": ["x"]},
        {"id": 2, "title": "Child", "parent_id": 1},
    )
    parent_id, child_id = (await post_import(client, alice, body)).json()["task_ids"]
    for task_id in (parent_id, child_id):
        response = await client.get(f"/tasks/{task_id}/history", headers=alice.headers)
        assert response.status_code == 200, response.text
        [created] = response.json()
        assert (created["action"], created["channel"]) == ("created", "rest")
        assert created["actor"] == {"id": alice.id, "email": alice.email}
        # The same record as POST /tasks makes: each field the task sets.
        made = await create(client, alice, title="Twin", parent_id=parent_id if task_id == child_id else None)
        twin = (await client.get(f"/tasks/{made['id']}/history", headers=alice.headers)).json()[0]
        if task_id == parent_id:
            assert created["changes"] == {
                "title": {"from": None, "to": "Parent"},
                "status": {"from": None, "to": "pending"},
                "priority": {"from": None, "to": "high"},
                "due_date": {"from": None, "to": "2026-12-10T17:00:00Z"},
                "tags": {"from": None, "to": ["x"]},
            }
        else:
            assert created["changes"] == {**twin["changes"], "title": {"from": None, "to": "Child"}}
            assert created["changes"]["parent_id"] == {"from": None, "to": parent_id}


async def test_imported_tasks_without_a_position_go_after_the_users_own_in_the_files_order(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    await create(client, alice, title="mine", position=10)
    body = document({"title": "one"}, {"title": "placed", "position": -2}, {"title": "two"})
    assert (await post_import(client, alice, body)).status_code == 201
    listed = await client.get("/tasks", params={"sort": "position"}, headers=alice.headers)
    assert [(t["title"], t["position"]) for t in listed.json()] == [
        ("placed", -2),
        ("mine", 10),
        ("one", 11),
        ("two", 13),
    ]
