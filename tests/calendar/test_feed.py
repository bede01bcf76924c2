"""The calendar feed: its secret URL, rotation, and the feed parsed back event by event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from icalendar import Calendar, vCategory

from tests.access_tokens.conftest import new_token
from tests.conftest import UserHandle
from tests.tasks.conftest import create

pytestmark = pytest.mark.usefixtures("backend")


async def feed_url(client: httpx.AsyncClient, user: UserHandle) -> str:
    response = await client.get("/users/me/calendar", headers=user.headers)
    assert response.status_code == 200, response.text
    url: str = response.json()["url"]
    return url


async def test_the_feed_holds_each_dated_task_as_an_event(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    report = await create(
        client,
        alice,
        title="Security report",
        description="For the board",
        due_date="2026-12-10T17:00:00+01:00",
        priority="urgent",
        tags=["work", "audit"],
        estimate_minutes=90,
    )
    milk = await create(client, alice, title="Buy milk", due_date="2026-12-11T08:00:00Z", status="completed")
    await create(client, alice, title="Someday, no date")
    await create(client, bob, title="Bob's dated task", due_date="2026-12-10T09:00:00Z")

    url = await feed_url(client, alice)
    assert url == await feed_url(client, alice)  # the same address until rotated
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    response = await client.get(url)  # no credentials: the address is the secret
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"

    calendar = Calendar.from_ical(response.content)
    assert str(calendar["version"]) == "2.0" and "TaskAgent" in str(calendar["prodid"])
    events = {str(event["uid"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {f"task-{report['id']}@taskagent", f"task-{milk['id']}@taskagent"}

    first = events[f"task-{report['id']}@taskagent"]
    assert str(first["summary"]) == "Security report"
    assert str(first["description"]) == "For the board"
    assert first.decoded("dtstart") == datetime(2026, 12, 10, 16, 0, tzinfo=UTC)
    assert first.decoded("duration") == timedelta(minutes=90)
    assert first.decoded("priority") == 1
    categories = first["categories"]
    assert isinstance(categories, vCategory) and [str(tag) for tag in categories.cats] == ["work", "audit"]

    second = events[f"task-{milk['id']}@taskagent"]
    assert str(second["summary"]) == "✓ Buy milk"
    assert second.decoded("dtstart") == datetime(2026, 12, 11, 8, 0, tzinfo=UTC)
    assert second.decoded("duration") == timedelta(minutes=30)
    assert second.decoded("priority") == 5
    assert "description" not in second and "categories" not in second


async def test_each_user_has_their_own_feed(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    await create(client, bob, title="Bob's", due_date="2026-12-10T09:00:00Z")
    alices, bobs = await feed_url(client, alice), await feed_url(client, bob)
    assert alices != bobs
    assert Calendar.from_ical((await client.get(alices)).content).walk("VEVENT") == []
    assert len(Calendar.from_ical((await client.get(bobs)).content).walk("VEVENT")) == 1


async def test_rotating_kills_the_old_address_at_once(client: httpx.AsyncClient, alice: UserHandle) -> None:
    old = await feed_url(client, alice)
    response = await client.post("/users/me/calendar/rotate", headers=alice.headers)
    assert response.status_code == 200
    new = response.json()["url"]
    assert new != old and new == await feed_url(client, alice)
    assert (await client.get(old)).status_code == 404
    assert (await client.get(new)).status_code == 200


async def test_rotating_before_the_first_look_makes_an_address(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    response = await client.post("/users/me/calendar/rotate", headers=alice.headers)
    assert response.status_code == 200 and response.json()["url"] == await feed_url(client, alice)


@pytest.mark.parametrize(
    "path",
    ["/calendar/nothing.ics", "/calendar/" + "A" * 43 + ".ics", "/calendar/" + "A" * 43, "/calendar/.ics"],
)
async def test_unknown_addresses_are_404(client: httpx.AsyncClient, alice: UserHandle, path: str) -> None:
    await feed_url(client, alice)
    assert (await client.get(path)).status_code == 404


async def test_a_feed_address_without_ics_is_404(client: httpx.AsyncClient, alice: UserHandle) -> None:
    url = await feed_url(client, alice)
    assert (await client.get(url.removesuffix(".ics"))).status_code == 404


async def test_access_tokens_with_the_calendar_scope_read_the_address_only(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    calendar = await new_token(client, alice, "calendar")
    tasks = await new_token(client, alice, "tasks:read", "tasks:write", "mcp")
    response = await client.get("/users/me/calendar", headers=calendar["headers"])
    assert response.status_code == 200 and response.json()["url"] == await feed_url(client, alice)
    assert (await client.get("/users/me/calendar", headers=tasks["headers"])).status_code == 403
    refused = await client.post("/users/me/calendar/rotate", headers=calendar["headers"])
    assert refused.status_code == 403
    assert (await client.get(response.json()["url"])).status_code == 200


async def test_signed_out_callers_get_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/users/me/calendar")).status_code == 401
    assert (await client.post("/users/me/calendar/rotate")).status_code == 401
