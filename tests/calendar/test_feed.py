"""The calendar feed: its secret URL, rotation, and the feed parsed back event by event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice

import httpx
import pytest
from dateutil.rrule import rrule, rrulestr
from icalendar import Calendar, Component, vCategory

from tests.access_tokens.conftest import new_token
from tests.conftest import UserFactory, UserHandle
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


async def events_by_title(client: httpx.AsyncClient, user: UserHandle) -> dict[str, Component]:
    calendar = Calendar.from_ical((await client.get(await feed_url(client, user))).content)
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def rule_of(event: Component) -> str:
    value = event["rrule"].to_ical()
    return value.decode() if isinstance(value, bytes) else str(value)


def occurrences(event: Component, count: int) -> list[datetime]:
    """The event's first `count` dates as a calendar app expands them, in UTC."""
    rule = rrulestr(rule_of(event), dtstart=event.decoded("dtstart"))
    assert isinstance(rule, rrule)
    return [moment.astimezone(UTC) for moment in islice(rule, count)]


async def test_a_repeating_task_carries_its_rule_in_the_users_zone(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    berlin = await make_user(timezone="Europe/Berlin")
    # 09:30 in Berlin, two days before summer time begins (28 March 2027).
    standup = await create(
        client, berlin, title="Standup", due_date="2027-03-26T08:30:00Z", recurrence="FREQ=DAILY;COUNT=4"
    )
    await create(
        client, berlin, title="Until", due_date="2027-03-26T08:30:00Z", recurrence="FREQ=DAILY;UNTIL=20270328"
    )
    await create(
        client,
        berlin,
        title="Plants",
        due_date="2027-03-26T08:30:00Z",
        recurrence="FREQ=DAILY;INTERVAL=3",
        repeat_from="completion",
    )
    calendar = Calendar.from_ical((await client.get(await feed_url(client, berlin))).content)
    assert [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    events = await events_by_title(client, berlin)

    event = events["Standup"]
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert rule_of(event) == "FREQ=DAILY;COUNT=4"
    # 09:30 local each day: 08:30 UTC before the change, 07:30 after.
    assert [moment.strftime("%d %H:%M") for moment in occurrences(event, 10)] == [
        "26 08:30",
        "27 08:30",
        "28 07:30",
        "29 07:30",
    ]
    # The service makes the next occurrence where the calendar showed it, and the feed moves on with it.
    response = await client.patch(
        f"/tasks/{standup['id']}", json={"status": "completed"}, headers=berlin.headers
    )
    assert response.status_code == 200
    following = (await client.get(f"/tasks/{response.json()['next_id']}", headers=berlin.headers)).json()
    assert datetime.fromisoformat(following["due_date"]) == occurrences(event, 2)[1]
    after = Calendar.from_ical((await client.get(await feed_url(client, berlin))).content).walk("VEVENT")
    done = [e for e in after if str(e["summary"]) == "✓ Standup"]
    ahead = [e for e in after if str(e["summary"]) == "Standup"]
    assert len(done) == 1 and "rrule" not in done[0]
    assert len(ahead) == 1 and occurrences(ahead[0], 10) == occurrences(event, 10)[1:]

    # A stored UNTIL (a local date, the whole day) is given in UTC, as RFC 5545 asks beside a TZID.
    until = events["Until"]
    assert rule_of(until) == "FREQ=DAILY;UNTIL=20270328T215959Z"
    assert occurrences(until, 10)[-1] == datetime(2027, 3, 28, 7, 30, tzinfo=UTC)
    # From completion: no dates to show ahead, so a single event.
    assert "rrule" not in events["Plants"]
    assert events["Plants"].decoded("dtstart") == datetime(2027, 3, 26, 8, 30, tzinfo=UTC)
