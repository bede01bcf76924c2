"""The pages of `GET /tasks` that used to read and sort all of a user's matching tasks on PostgreSQL (a
due-date order, a tag filter) are served by indexes (migration 0013): checked on the statement the route
really sends, with PostgreSQL's own plan of it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from taskagent.resources import app_resources
from taskagent.tasks.models import Task
from tests.conftest import UserHandle

pytestmark = pytest.mark.backends("postgres")

TASKS = 3000


async def _seed(engine: AsyncEngine, owner_id: int) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "owner_id": owner_id,
            "title": f"Task {n}",
            "status": ("pending", "in_progress", "completed")[n % 3],
            "priority": "normal",
            "due_date": now + timedelta(hours=n) if n % 3 else None,
            "tags": ["all", f"group-{n % 20}"],
            "created_at": now,
            "updated_at": now,
        }
        for n in range(TASKS)
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(Task), rows)
        await connection.execute(text("ANALYZE tasks"))  # what autovacuum does after such a load


async def _plan_of_page(
    client: httpx.AsyncClient, engine: AsyncEngine, user: UserHandle, url: str
) -> tuple[str, httpx.Response]:
    sent: list[tuple[str, Any]] = []

    def record(_c: Connection, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        response = await client.get(url, headers=user.headers)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.text
    (statement, parameters) = next(each for each in sent if "FROM tasks" in each[0])
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        plan = await driver.fetchval(f"EXPLAIN (FORMAT JSON) {statement}", *parameters)
    return json.dumps(json.loads(plan) if isinstance(plan, str) else plan), response


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("sort=due_date&status=pending", "ix_tasks_owner_due_up"),
        ("sort=-due_date", "ix_tasks_owner_due_down"),
    ],
)
async def test_due_date_pages_walk_an_index_first_page_and_next(
    client: httpx.AsyncClient, app: Any, alice: UserHandle, query: str, index: str
) -> None:
    engine = app_resources(app).engine
    await _seed(engine, alice.id)
    plan, response = await _plan_of_page(client, engine, alice, f"/tasks?{query}&limit=50")
    assert index in plan and '"Seq Scan"' not in plan and '"Sort"' not in plan, plan
    # The next page too, which starts after a dated task (a comparison) ...
    next_url = response.links["next"]["url"]
    plan, _ = await _plan_of_page(client, engine, alice, next_url)
    assert index in plan and '"Sort"' not in plan, plan


async def test_a_page_after_an_undated_task_sorts_nothing(
    client: httpx.AsyncClient, app: Any, alice: UserHandle
) -> None:
    engine = app_resources(app).engine
    await _seed(engine, alice.id)
    url: str | None = "/tasks?sort=due_date&limit=200"
    # Undated tasks come last: walk to the pages after the first undated one.
    for _ in range(TASKS // 200 - 2):
        assert url is not None
        response = await client.get(url, headers=alice.headers)
        url = response.links.get("next", {}).get("url")
    assert url is not None
    plan, response = await _plan_of_page(client, engine, alice, url)
    assert response.json() and all(task["due_date"] is None for task in response.json())
    # An index in the page's order (the due-date one, or the primary key: only ids vary there).
    assert '"Sort"' not in plan and '"Seq Scan"' not in plan, plan


async def test_a_tag_filter_reads_no_whole_table(
    client: httpx.AsyncClient, app: Any, alice: UserHandle
) -> None:
    engine = app_resources(app).engine
    await _seed(engine, alice.id)
    plan, response = await _plan_of_page(client, engine, alice, "/tasks?tag=group-3&sort=title&limit=50")
    assert '"Seq Scan"' not in plan, plan
    assert len(response.json()) == 50 and all("group-3" in task["tags"] for task in response.json())
