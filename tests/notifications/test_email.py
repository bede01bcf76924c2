"""Reminders by email, received by a real SMTP server the tests start (aiosmtpd), and the user's channels
(`PATCH /users/me {notify_email, notify_web}`). Passes run with the time they take as "now"."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from pydantic import ValidationError

from taskagent.config import Settings
from taskagent.notifications.email import LEASE, RETRY_AFTER
from taskagent.resources import app_resources
from tests.conftest import UserHandle
from tests.notifications.test_reminders import iso, notifications, soon
from tests.tasks.conftest import create

pytestmark = pytest.mark.usefixtures("backend")


class Mailbox:
    """An aiosmtpd handler that keeps what it receives, or refuses it with 451 while `refusing`."""

    def __init__(self) -> None:
        self.received: list[Message] = []
        self.recipients: list[list[str]] = []
        self.refusing = False

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refusing:
            return "451 Requested action aborted: try again later"
        assert isinstance(envelope.content, bytes)
        self.received.append(message_from_bytes(envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def settings_overrides(mailbox: tuple[Mailbox, int]) -> dict[str, Any]:
    return {"smtp_url": f"smtp://127.0.0.1:{mailbox[1]}?from=reminders@taskagent.test"}


async def run_pass(app: FastAPI, at: datetime) -> None:
    """One pass of the serving process's reminder worker (reminders due, then the emails queued)."""
    await app_resources(app).reminders.run_pass(at)


async def channels(client: httpx.AsyncClient, user: UserHandle, **values: bool) -> httpx.Response:
    return await client.patch("/users/me", json=values, headers=user.headers)


async def test_a_reminder_is_emailed_once_to_its_owner(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    turned_on = await channels(client, alice, notify_email=True)
    assert turned_on.status_code == 200, turned_on.text
    assert (turned_on.json()["notify_email"], turned_on.json()["notify_web"]) == (True, True)
    await client.patch("/users/me", json={"timezone": "Europe/Paris"}, headers=alice.headers)
    due = soon(days=2).replace(hour=15, minute=0)
    await create(client, alice, title="Renew passport", due_date=iso(due), reminders=[{"before_minutes": 60}])
    await create(client, bob, title="Bob's own", due_date=iso(due), reminders=[{"before_minutes": 60}])

    at = due - timedelta(minutes=60)
    await run_pass(app, at - timedelta(seconds=1))
    assert box.received == []
    await run_pass(app, at)
    await run_pass(app, at + timedelta(minutes=5))  # never twice
    [message] = box.received
    assert box.recipients == [[alice.email]]  # bob did not ask for email
    assert message["To"] == alice.email and message["From"] == "reminders@taskagent.test"
    assert message["Subject"] == "Reminder: Renew passport"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    local_due = due.astimezone(ZoneInfo("Europe/Paris"))
    assert f"Due {local_due:%a %d %b %Y, %H:%M} (Europe/Paris)." in body.decode()
    assert "late" not in body.decode()

    [note] = (await notifications(client, alice))["notifications"]
    assert note["email"] == "sent" and note["late"] is False
    [bobs] = (await notifications(client, bob))["notifications"]
    assert bobs["email"] is None


async def test_a_reminder_missed_while_down_is_emailed_marked_late(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    await channels(client, alice, notify_email=True)
    at = soon(hours=1)
    await create(client, alice, title="Water plants", reminders=[{"at": iso(at)}])
    await run_pass(app, at + timedelta(hours=3))  # the server was down for three hours
    [message] = box.received
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes) and "and is late: the server was not running." in body.decode()


async def test_web_off_sends_by_email_alone(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    changed = await channels(client, alice, notify_email=True, notify_web=False)
    assert changed.json()["notify_web"] is False
    at = soon(hours=1)
    await create(client, alice, title="Pay rent", reminders=[{"at": iso(at)}])
    await run_pass(app, at)
    assert len(box.received) == 1
    assert await notifications(client, alice) == {"notifications": [], "unread": 0}
    # Turning the page back on shows what comes next, not what went by email alone.
    await channels(client, alice, notify_web=True)
    later = soon(hours=2)
    await create(client, alice, title="Call the bank", reminders=[{"at": iso(later)}])
    await run_pass(app, later)
    listed = await notifications(client, alice)
    assert [note["title"] for note in listed["notifications"]] == ["Call the bank"] and listed["unread"] == 1


async def test_both_off_sends_nothing_but_the_reminder_is_done(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    await channels(client, alice, notify_web=False)
    at = soon(hours=1)
    await create(client, alice, title="Quiet", reminders=[{"at": iso(at)}])
    await run_pass(app, at)
    await channels(client, alice, notify_web=True, notify_email=True)
    await run_pass(app, at + timedelta(minutes=1))
    assert box.received == [] and (await notifications(client, alice))["notifications"] == []


async def test_a_failed_send_is_retried_on_the_schedule_then_marked_failed(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    await channels(client, alice, notify_email=True)
    at = soon(hours=1)
    await create(client, alice, title="Dentist", reminders=[{"at": iso(at)}])
    box.refusing = True
    await run_pass(app, at)
    [note] = (await notifications(client, alice))["notifications"]
    assert note["email"] == "pending" and box.received == []
    await run_pass(app, at + RETRY_AFTER[0] - timedelta(seconds=1))  # not yet
    box.refusing = False
    await run_pass(app, at + RETRY_AFTER[0])
    assert len(box.received) == 1
    assert (await notifications(client, alice))["notifications"][0]["email"] == "sent"

    # A server that keeps refusing: one attempt per step of the schedule, then failed, and no more tries.
    later = soon(hours=2)
    await create(client, alice, title="Vet", reminders=[{"at": iso(later)}])
    box.refusing = True
    moment = later
    await run_pass(app, moment)
    for wait in RETRY_AFTER:
        moment += wait
        await run_pass(app, moment)
    newest = (await notifications(client, alice))["notifications"][0]
    assert (newest["title"], newest["email"]) == ("Vet", "failed")
    box.refusing = False
    await run_pass(app, moment + timedelta(days=1))
    assert len(box.received) == 1


async def test_an_unreachable_smtp_server_is_retried(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    await channels(client, alice, notify_email=True)
    at = soon(hours=1)
    await create(client, alice, title="Garage", reminders=[{"at": iso(at)}])
    worker = app_resources(app).reminders
    assert worker.smtp is not None
    reachable = worker.smtp
    worker.smtp = type(reachable).parse(f"smtp://127.0.0.1:{free_port()}")  # nobody listens there
    await run_pass(app, at)
    assert (await notifications(client, alice))["notifications"][0]["email"] == "pending"
    worker.smtp = reachable
    await run_pass(app, at + RETRY_AFTER[0])
    assert len(box.received) == 1 and box.received[0]["Subject"] == "Reminder: Garage"


@pytest.mark.postgres
async def test_racing_passes_email_each_reminder_once(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, backend: str, mailbox: tuple[Mailbox, int]
) -> None:
    if backend != "postgres":
        pytest.skip("one serving process on SQLite: nothing races")
    box, _ = mailbox
    await channels(client, alice, notify_email=True)
    at = soon(hours=1)
    for number in range(12):
        await create(client, alice, title=f"Race {number}", reminders=[{"at": iso(at)}])
    await asyncio.gather(*(run_pass(app, at) for _ in range(3)))
    await asyncio.gather(*(run_pass(app, at + LEASE + timedelta(seconds=1)) for _ in range(3)))
    assert sorted(message["Subject"] for message in box.received) == sorted(
        f"Reminder: Race {number}" for number in range(12)
    )


# --- the channels ------------------------------------------------------------------------------------


async def test_channel_changes_are_checked(client: httpx.AsyncClient, alice: UserHandle) -> None:
    for body in ({"notify_email": None}, {"notify_web": "yes"}, {"notify_web": 1}, {"notify_sms": True}):
        response = await client.patch("/users/me", json=body, headers=alice.headers)
        assert response.status_code == 422, (body, response.text)
    both = await channels(client, alice, notify_web=False, notify_email=True)
    assert both.status_code == 200
    me = (await client.get("/users/me", headers=alice.headers)).json()
    assert (me["notify_web"], me["notify_email"], me["timezone"]) == (False, True, "UTC")


def test_smtp_url_forms_are_checked() -> None:
    good = Settings(_env_file=None, smtp_url="smtp+starttls://me%40x.org:p%3Ass@mail.x.org?from=a@x.org")
    target = good.smtp
    assert target is not None
    assert (target.host, target.port, target.security) == ("mail.x.org", 587, "starttls")
    assert (target.username, target.password, target.sender) == ("me@x.org", "p:ss", "a@x.org")
    smtps = Settings(_env_file=None, smtp_url="smtps://mail.x.org").smtp
    assert smtps is not None and (smtps.port, smtps.security, smtps.sender) == (
        465,
        "tls",
        "taskagent@mail.x.org",
    )
    for bad, says in (
        ("http://mail.x.org", "must start with smtp://"),
        ("smtp://", "names no host"),
        ("smtp://mail.x.org:99999", "invalid port"),
        ("smtp://mail.x.org?from=nobody", "not an email address"),
    ):
        with pytest.raises(ValidationError, match=says) as raised:
            Settings(_env_file=None, smtp_url=bad)
        assert "secret" not in str(raised.value)
