"""Deliveries through HTTP to a real receiver on loopback (so WEBHOOK_ALLOW_PRIVATE is on here), each
signature checked by the `standardwebhooks` library; passes run with the time they take as "now"."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import httpx2
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from taskagent.resources import app_resources
from taskagent.webhooks.models import WebhookDelivery
from taskagent.webhooks.sending import LEASE, MAX_ATTEMPTS, RETRY_SCHEDULE, send_due
from tests.conftest import UserHandle
from tests.notifications.test_reminders import deliver, iso, soon
from tests.tasks.conftest import create
from tests.webhooks.conftest import Receiver, deliveries, register, send

pytestmark = pytest.mark.usefixtures("backend")

ALL = ["task.created", "task.updated", "task.completed", "task.deleted", "reminder.due"]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"webhook_allow_private": True}


def later(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


async def test_task_events_arrive_signed(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, receiver: Receiver
) -> None:
    hook = await register(client, alice, receiver.url, ALL)
    task = await create(client, alice, title="Water plants", tags=["home"])
    patched = await client.patch(f"/tasks/{task['id']}", json={"priority": "high"}, headers=alice.headers)
    assert patched.status_code == 200
    assert (await client.patch(f"/tasks/{task['id']}", json={}, headers=alice.headers)).status_code == 200
    done = await client.patch(f"/tasks/{task['id']}", json={"status": "completed"}, headers=alice.headers)
    assert (await client.delete(f"/tasks/{task['id']}", headers=alice.headers)).status_code == 204

    assert (await send(app, later(seconds=1))).succeeded == 4
    # Sent at once, they may arrive in any order; their ids grow in the order of the changes.
    receiver.received.sort(key=lambda each: int(each.headers["webhook-id"].removeprefix("msg_")))
    assert receiver.events() == ["task.created", "task.updated", "task.completed", "task.deleted"]
    payloads = [each.verified(hook["secret"]) for each in receiver.received]
    assert payloads[0]["data"] == task  # the task as the REST API shows it
    assert payloads[1]["data"]["priority"] == "high"
    assert payloads[2]["data"] == done.json()
    assert payloads[3]["data"]["id"] == task["id"] and payloads[3]["data"]["title"] == "Water plants"
    for each in receiver.received:
        assert each.path == "/hook" and each.headers["content-type"] == "application/json"
        assert each.headers["webhook-id"].startswith("msg_")
        assert abs(int(each.headers["webhook-timestamp"]) - datetime.now(UTC).timestamp()) < 60
        datetime.fromisoformat(each.json["timestamp"])
    assert len({each.headers["webhook-id"] for each in receiver.received}) == 4

    log = await deliveries(client, alice, hook["id"])
    newest_first = ["task.deleted", "task.completed", "task.updated", "task.created"]
    assert [entry["event"] for entry in log] == newest_first
    assert all(entry["status"] == "succeeded" and entry["attempts"] == 1 for entry in log)
    assert all(entry["last_response_status"] == 200 and entry["delivered_at"] for entry in log)
    assert all(entry["next_attempt_at"] is None and entry["last_error"] is None for entry in log)
    assert (await send(app, later(hours=1))).succeeded == 0  # nothing twice


async def test_only_the_chosen_events_of_the_owner_are_sent(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle, receiver: Receiver
) -> None:
    await register(client, alice, receiver.url, ["task.completed"])
    task = await create(client, alice)
    await create(client, bob)
    await client.patch(f"/tasks/{task['id']}", json={"title": "Renamed"}, headers=alice.headers)
    await client.patch(f"/tasks/{task['id']}", json={"status": "completed"}, headers=alice.headers)
    await send(app, later(seconds=1))
    assert receiver.events() == ["task.completed"]


async def test_a_reminder_that_comes_due_is_sent(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, receiver: Receiver
) -> None:
    hook = await register(client, alice, receiver.url, ["reminder.due"])
    at, due = soon(minutes=30), soon(hours=2)
    task = await create(client, alice, title="Call mom", due_date=iso(due), reminders=[{"at": iso(at)}])
    assert (await deliver(app, at)).sent == 1
    assert (await deliver(app, at + timedelta(minutes=1))).sent == 0
    await send(app, at + timedelta(seconds=1))
    [received] = receiver.received
    payload = received.verified(hook["secret"])
    assert payload["type"] == "reminder.due"
    assert payload["data"] == {
        "task_id": task["id"],
        "title": "Call mom",
        "due_date": iso(due),
        "remind_at": iso(at),
        "late": False,
    }


async def test_a_failed_delivery_is_retried_with_the_same_id_until_it_succeeds(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, receiver: Receiver
) -> None:
    hook = await register(client, alice, receiver.url)
    await create(client, alice)
    receiver.answers = [500, 503]
    start = later(seconds=1)
    first = await send(app, start)
    assert (first.succeeded, first.failed) == (0, 1)
    [entry] = await deliveries(client, alice, hook["id"])
    assert entry["status"] == "pending" and entry["attempts"] == 1 and entry["last_response_status"] == 500
    assert entry["last_error"].startswith("HTTP 500: xxx") and len(entry["last_error"]) <= 220
    assert entry["next_attempt_at"] == iso(start + RETRY_SCHEDULE[0])
    assert (await send(app, start + RETRY_SCHEDULE[0] - timedelta(seconds=1))).failed == 0  # not yet
    assert (await send(app, start + RETRY_SCHEDULE[0])).failed == 1  # the 503
    third = start + RETRY_SCHEDULE[0] + RETRY_SCHEDULE[1]
    assert (await send(app, third)).succeeded == 1
    assert len(receiver.received) == 3
    assert len({each.headers["webhook-id"] for each in receiver.received}) == 1
    assert len({each.body for each in receiver.received}) == 1
    for each in receiver.received:
        each.verified(hook["secret"])
    [entry] = await deliveries(client, alice, hook["id"])
    assert entry["status"] == "succeeded" and entry["attempts"] == 3 and entry["last_response_status"] == 200
    assert entry["last_error"] is None and entry["next_attempt_at"] is None


async def test_a_delivery_fails_for_good_after_the_schedule(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, receiver: Receiver
) -> None:
    hook = await register(client, alice, receiver.url)
    await create(client, alice)
    receiver.answers = [500] * 20
    moment = later(seconds=1)
    for wait in (timedelta(0), *RETRY_SCHEDULE):
        moment += wait
        assert (await send(app, moment)).failed == 1
    assert (await send(app, moment + timedelta(days=2))).failed == 0
    assert len(receiver.received) == MAX_ATTEMPTS == 7
    [entry] = await deliveries(client, alice, hook["id"])
    assert entry["status"] == "failed" and entry["attempts"] == 7 and entry["next_attempt_at"] is None


async def test_redirects_and_unreachable_receivers_are_failures(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, receiver: Receiver
) -> None:
    hook = await register(client, alice, receiver.url)
    gone = await register(client, alice, "http://127.0.0.1:9/nothing-listens")
    receiver.answers = [302]
    await create(client, alice)
    assert (await send(app, later(seconds=1))).failed == 2
    [redirected] = await deliveries(client, alice, hook["id"])
    assert redirected["last_response_status"] == 302 and redirected["last_error"].startswith("HTTP 302")
    [refused] = await deliveries(client, alice, gone["id"])
    assert refused["last_response_status"] is None and refused["last_error"].startswith("ConnectError")


async def test_the_address_is_checked_again_when_sending(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, receiver: Receiver
) -> None:
    hook = await register(client, alice, receiver.url)  # allowed then
    await create(client, alice)
    sent = await send(app, later(seconds=1), webhook_allow_private=False)  # the operator turned it off
    assert sent.failed == 1 and receiver.received == []
    [entry] = await deliveries(client, alice, hook["id"])
    assert entry["status"] == "failed" and entry["next_attempt_at"] is None
    assert entry["last_error"] == "not sent: 127.0.0.1 is not a public address"


async def test_deleting_a_webhook_deletes_its_deliveries(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, receiver: Receiver
) -> None:
    hook = await register(client, alice, receiver.url)
    await create(client, alice)
    assert (await client.delete(f"/webhooks/{hook['id']}", headers=alice.headers)).status_code == 204
    async with app_resources(app).session_factory() as session:
        assert (await session.execute(select(func.count()).select_from(WebhookDelivery))).scalar_one() == 0
    assert (await send(app, later(seconds=1))).succeeded == 0


async def test_the_log_is_newest_first_and_limited(
    client: httpx.AsyncClient, alice: UserHandle, receiver: Receiver
) -> None:
    hook = await register(client, alice, receiver.url)
    for number in range(3):
        await create(client, alice, title=f"T{number}")
    response = await client.get(f"/webhooks/{hook['id']}/deliveries?limit=2", headers=alice.headers)
    log = response.json()
    assert len(log) == 2 and log[0]["id"] > log[1]["id"]
    assert log[0]["status"] == "pending" and log[0]["attempts"] == 0
    for bad in ("0", "201", "x"):
        bad_limit = await client.get(f"/webhooks/{hook['id']}/deliveries?limit={bad}", headers=alice.headers)
        assert bad_limit.status_code == 422


async def test_health_shows_the_backlog(client: httpx.AsyncClient) -> None:
    body = (await client.get("/health")).json()
    assert "webhooks_backlog" in body and body["webhooks_backlog"] is None  # no loop in tests


@pytest.mark.backends("postgres")
async def test_concurrent_passes_send_each_message_once(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, receiver: Receiver
) -> None:
    hook = await register(client, alice, receiver.url)
    for number in range(30):
        await create(client, alice, title=f"Task {number}")
    moment = later(seconds=1)
    passes = await asyncio.gather(*(send(app, moment) for _ in range(3)))
    assert sum(each.succeeded for each in passes) == 30
    ids = [each.headers["webhook-id"] for each in receiver.received]
    assert len(ids) == 30 == len(set(ids))
    assert all(entry["status"] == "succeeded" for entry in await deliveries(client, alice, hook["id"]))


async def test_a_change_that_is_refused_sends_nothing(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, receiver: Receiver
) -> None:
    hook = await register(client, alice, receiver.url, ALL)
    task = await create(client, alice)
    stale = await client.patch(
        f"/tasks/{task['id']}", json={"title": "New"}, headers={**alice.headers, "If-Match": '"0-0"'}
    )
    assert stale.status_code == 412
    assert [entry["event"] for entry in await deliveries(client, alice, hook["id"])] == ["task.created"]


async def test_a_worker_that_dies_mid_send_leaves_its_claim_to_the_next_after_the_lease(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, receiver: Receiver
) -> None:
    hook = await register(client, alice, receiver.url)
    await create(client, alice)

    def crash(_: httpx2.Request) -> httpx2.Response:
        raise RuntimeError("the worker died")

    resources = app_resources(app)
    moment = later(seconds=1)
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(crash)) as dying:
        with pytest.raises(RuntimeError):
            await send_due(resources.session_factory, dying, resources.settings, moment)
    assert (await send(app, moment + timedelta(seconds=30))).succeeded == 0  # still claimed
    assert (await send(app, moment + LEASE)).succeeded == 1
    [entry] = await deliveries(client, alice, hook["id"])
    assert entry["status"] == "succeeded" and entry["attempts"] == 1
    assert len(receiver.received) == 1
