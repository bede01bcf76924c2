"""POST /tasks/parse: one line read as a task (the quick add's preview), in the user's zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from taskagent.config import Settings
from tests.access_tokens.conftest import new_token
from tests.conftest import UserHandle, signed_in_session

ZONE = "America/New_York"


async def parse(client: httpx.AsyncClient, user: UserHandle, text: str, **body: Any) -> httpx.Response:
    return await client.post("/tasks/parse", json={"text": text, **body}, headers=user.headers)


async def read(client: httpx.AsyncClient, user: UserHandle, text: str, **body: Any) -> dict[str, Any]:
    response = await parse(client, user, text, **body)
    assert response.status_code == 200, response.text
    parsed: dict[str, Any] = response.json()
    # Each recognised entry points at the words it names in what was typed.
    for words in parsed["recognised"]:
        assert text[words["start"] : words["end"]] == words["text"] or words["field"] == "due_date"
    return parsed


async def set_zone(client: httpx.AsyncClient, user: UserHandle, zone: str) -> ZoneInfo:
    response = await client.patch("/users/me", json={"timezone": zone}, headers=user.headers)
    assert response.status_code == 200, response.text
    return ZoneInfo(zone)


def utc(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def local_moment(zone: ZoneInfo, days: int, at: time) -> datetime:
    today = datetime.now(zone).date()
    return datetime.combine(today + timedelta(days=days), at, tzinfo=zone).astimezone(UTC)


def next_at(zone: ZoneInfo, at: time, weekdays: range = range(7)) -> datetime:
    """The next moment at wall time `at` on one of `weekdays`, after now."""
    now = datetime.now(zone)
    for ahead in range(8):
        moment = datetime.combine(now.date() + timedelta(days=ahead), at, tzinfo=zone)
        if moment > now and moment.weekday() in weekdays:
            return moment.astimezone(UTC)
    raise AssertionError("no such day")


async def assert_nothing_created(client: httpx.AsyncClient, user: UserHandle) -> None:
    listed = await client.get("/tasks", headers=user.headers)
    assert listed.status_code == 200 and listed.json() == []


async def test_dates_priorities_and_tags_are_read_in_the_users_zone(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    zone = await set_zone(client, alice, ZONE)
    parsed = await read(client, alice, "Pay rent tomorrow !high")
    assert parsed == {
        "title": "Pay rent",
        "due_date": parsed["due_date"],
        "priority": "high",
        "tags": [],
        "recurrence": None,
        "repeat_from": None,
        "estimate_minutes": None,
        "description": None,
        "reminders": [],
        "recognised": [
            {"field": "due_date", "text": "tomorrow", "start": 9, "end": 17},
            {"field": "priority", "text": "!high", "start": 18, "end": 23},
        ],
    }
    # A date without a time is the end of that day where the user lives, returned in UTC.
    assert utc(parsed["due_date"]) == local_moment(zone, 1, time(23, 59))
    assert parsed["due_date"].endswith("Z")

    call = await read(client, alice, "Call mom at 5pm #family")
    assert (call["title"], call["tags"], utc(call["due_date"])) == (
        "Call mom",
        ["family"],
        next_at(zone, time(17)),
    )
    assert [(words["field"], words["text"]) for words in call["recognised"]] == [
        ("due_date", "at 5pm"),
        ("tags", "#family"),
    ]

    full = await read(client, alice, "Pay rent tomorrow 5pm !high #home")
    assert (full["title"], full["priority"], full["tags"]) == ("Pay rent", "high", ["home"])
    assert utc(full["due_date"]) == local_moment(zone, 1, time(17))
    await assert_nothing_created(client, alice)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Buy milk", {"title": "Buy milk"}),
        ("Fix the roof !urgent", {"title": "Fix the roof", "priority": "urgent"}),
        ("!1 Fix the roof", {"title": "Fix the roof", "priority": "urgent"}),
        ("Call the bank !2", {"title": "Call the bank", "priority": "high"}),
        ("Tidy the shed !4", {"title": "Tidy the shed", "priority": "low"}),
        ("Renew the passport, urgent", {"title": "Renew the passport", "priority": "urgent"}),
        ("Wow!high jump practice", {"title": "Wow!high jump practice"}),
        ("Book flights #travel #family", {"title": "Book flights", "tags": ["travel", "family"]}),
        (
            "Remind me to call the dentist, takes 30 min, notes: ask about the crown",
            {
                "title": "Remind me to call the dentist",
                "estimate_minutes": 30,
                "description": "ask about the crown",
            },
        ),
        ("Read chapter 9000 of the saga", {"title": "Read chapter 9000 of the saga"}),
        # The words left are the title as typed: no command words dropped, no capital added.
        ("Make dinner", {"title": "Make dinner"}),
        ("add milk to the cart #shop", {"title": "add milk to the cart", "tags": ["shop"]}),
        ("Reply to Sam!", {"title": "Reply to Sam!"}),
        ("Buy   milk \t #home", {"title": "Buy milk", "tags": ["home"]}),
        ("Plant a tree in 9000 years", {"title": "Plant a tree in 9000 years"}),  # past the calendar
    ],
)
async def test_phrasings(
    client: httpx.AsyncClient, alice: UserHandle, text: str, expected: dict[str, Any]
) -> None:
    parsed = await read(client, alice, text)
    nothing: dict[str, Any] = {
        "due_date": None,
        "priority": None,
        "tags": [],
        "recurrence": None,
        "repeat_from": None,
        "estimate_minutes": None,
        "description": None,
        "reminders": [],
    }
    assert {key: value for key, value in parsed.items() if key != "recognised"} == nothing | expected
    read_fields = {words["field"] for words in parsed["recognised"]}
    assert read_fields == {key for key in expected if key not in ("title", "repeat_from")}
    await assert_nothing_created(client, alice)


@pytest.mark.parametrize(
    ("text", "title", "rule", "repeat_from"),
    [
        ("water plants every 3 days", "water plants", "FREQ=DAILY;INTERVAL=3", "due"),
        ("Back up the laptop every two weeks", "Back up the laptop", "FREQ=WEEKLY;INTERVAL=2", "due"),
        ("water plants every 3 days after I do it", "water plants", "FREQ=DAILY;INTERVAL=3", "completion"),
    ],
)
async def test_a_repetition_without_a_day_starts_today(
    client: httpx.AsyncClient, alice: UserHandle, text: str, title: str, rule: str, repeat_from: str
) -> None:
    """ "every 3 days" counts from its due date, which is today (the end of it); "after I do it" counts
    from completion."""
    parsed = await read(client, alice, text)
    assert (parsed["title"], parsed["recurrence"], parsed["repeat_from"]) == (title, rule, repeat_from)
    assert utc(parsed["due_date"]) == local_moment(ZoneInfo("UTC"), 0, time(23, 59))
    assert [words["field"] for words in parsed["recognised"]] == ["recurrence"]


async def test_relative_reminders_are_read_with_the_due_date(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    """ "remind me 30 minutes before" is relative to the due date, so it moves with each occurrence;
    "the day before at 9" is the minutes from 09:00 the day before to the due time."""
    zone = await set_zone(client, alice, ZONE)
    soon = await read(client, alice, "Dentist on Friday at 3pm, remind me 30 minutes before")
    assert (soon["title"], soon["reminders"]) == ("Dentist", [{"before_minutes": 30}])
    rent = await read(client, alice, "pay rent every month on the 1st with a reminder the day before at 9")
    assert rent["title"] == "pay rent" and rent["recurrence"] == "FREQ=MONTHLY;BYMONTHDAY=1"
    due = utc(rent["due_date"])
    assert due is not None
    day_before = datetime.combine(due.astimezone(zone).date() - timedelta(days=1), time(9), tzinfo=zone)
    assert rent["reminders"] == [{"before_minutes": round((due - day_before).total_seconds() / 60)}]
    assert [words["field"] for words in rent["recognised"]] == ["recurrence", "reminders"]
    undated = await read(client, alice, "Call Sam, remind me an hour before")
    assert (undated["title"], undated["due_date"], undated["reminders"]) == ("Call Sam", None, [])


async def test_repetition_with_a_time_starts_on_a_day_of_the_rule(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    zone = await set_zone(client, alice, ZONE)
    standup = await read(client, alice, "standup every weekday at 9:30")
    assert (standup["title"], standup["recurrence"], standup["repeat_from"]) == (
        "standup",
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        "due",
    )
    assert utc(standup["due_date"]) == next_at(zone, time(9, 30), range(5))
    friday = await read(client, alice, "Review the budget every Friday at 5pm")
    assert friday["recurrence"] == "FREQ=WEEKLY;BYDAY=FR"
    assert utc(friday["due_date"]) == next_at(zone, time(17), range(4, 5))
    # What it read is what POST /tasks takes.
    fields = {key: value for key, value in standup.items() if key != "recognised" and value is not None}
    created = await client.post("/tasks", json=fields, headers=alice.headers)
    assert created.status_code == 201, created.text
    assert created.json()["recurrence"] == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


async def test_the_same_words_name_another_moment_in_another_zone(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    auckland = await set_zone(client, alice, "Pacific/Auckland")
    in_auckland = utc((await read(client, alice, "Pay rent tomorrow 5pm"))["due_date"])
    in_utc = utc((await read(client, bob, "Pay rent tomorrow 5pm"))["due_date"])
    assert in_auckland == local_moment(auckland, 1, time(17))
    assert in_utc == local_moment(ZoneInfo("UTC"), 1, time(17))
    assert in_auckland != in_utc


async def test_ignored_fields_keep_their_words_in_the_title(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    literal = await read(client, alice, "Call mom at 5pm #family", ignore=["due_date"])
    assert (literal["title"], literal["due_date"], literal["tags"]) == ("Call mom at 5pm", None, ["family"])
    assert [words["field"] for words in literal["recognised"]] == ["tags"]
    # An ignored rule is not read as a due date either.
    plants = await read(client, alice, "Water plants every Friday", ignore=["recurrence"])
    assert (plants["title"], plants["due_date"], plants["recurrence"]) == (
        "Water plants every Friday",
        None,
        None,
    )
    everything = await read(
        client, alice, "Pay rent tomorrow !high #home", ignore=["due_date", "priority", "tags"]
    )
    assert everything["title"] == "Pay rent tomorrow !high #home" and everything["recognised"] == []


async def test_a_text_that_is_only_a_date_has_no_title(client: httpx.AsyncClient, alice: UserHandle) -> None:
    parsed = await read(client, alice, "tomorrow")
    assert parsed["title"] is None and parsed["due_date"] is not None
    assert (await read(client, alice, "#home !high"))["title"] is None
    await assert_nothing_created(client, alice)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": ""}, "empty"),
        ({"text": "   \n "}, "empty"),
        ({"text": "x" * 2001}, "2000 characters"),
        ({"text": "a" * 201}, "at most 200"),
        ({"text": "word " * 60 + "tomorrow !high"}, "at most 200"),
        ({"text": "Buy milk #" + "a" * 40}, "tags"),
        ({"text": "Buy milk\x00"}, "NUL"),
        ({"text": "Buy milk", "ignore": ["title"]}, "Input should be"),
        ({"text": "Buy milk", "create": True}, "Extra inputs"),
        ({}, "Field required"),
        ({"text": 5}, "valid string"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, alice: UserHandle, body: dict[str, Any], message: str
) -> None:
    response = await client.post("/tasks/parse", json=body, headers=alice.headers)
    assert response.status_code == 422, response.text
    assert message in str(response.json()["detail"])
    await assert_nothing_created(client, alice)


async def test_a_long_text_is_fine_when_the_title_left_is_short(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    parsed = await read(client, alice, "Pay rent tomorrow, notes: " + "landlord details " * 20)
    assert parsed["title"] == "Pay rent" and len(parsed["description"]) > 200


async def test_callers(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, alice: UserHandle
) -> None:
    body = {"text": "Buy milk tomorrow"}
    anonymous = await client.post("/tasks/parse", json=body)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Bearer")
    forged = await client.post("/tasks/parse", json=body, headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401

    # The page: its session cookie, with the CSRF header like any other POST.
    session = await signed_in_session(app, settings, alice.id)
    assert session.csrf is not None
    cookie = {"Cookie": f"taskagent_session={session.token}"}
    assert (await client.post("/tasks/parse", json=body, headers=cookie)).status_code == 403
    by_page = await client.post("/tasks/parse", json=body, headers=cookie | {"X-CSRF-Token": session.csrf})
    assert by_page.status_code == 200 and by_page.json()["title"] == "Buy milk"

    # Access tokens: reading is what it does, so `tasks:read` is the scope it needs.
    reader = await new_token(client, alice, "tasks:read")
    as_reader = await client.post("/tasks/parse", json=body, headers=reader["headers"])
    assert as_reader.status_code == 200, as_reader.text
    for scope in ("tasks:write", "mcp", "calendar"):
        other = await new_token(client, alice, scope, name=scope)
        refused = await client.post("/tasks/parse", json=body, headers=other["headers"])
        assert refused.status_code == 403, scope
        assert "tasks:read" in refused.headers["www-authenticate"]
    await assert_nothing_created(client, alice)


async def test_the_route_is_not_a_task_id(client: httpx.AsyncClient, alice: UserHandle) -> None:
    assert (await client.get("/tasks/parse", headers=alice.headers)).status_code == 405
    assert (await client.patch("/tasks/parse", json={"title": "x"}, headers=alice.headers)).status_code == 405
    schema = (await client.get("/openapi.json")).json()
    assert "/tasks/parse" in schema["paths"] and "post" in schema["paths"]["/tasks/parse"]
