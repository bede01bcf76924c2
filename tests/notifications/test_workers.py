"""The reminder loop in real `taskagent serve` processes on PostgreSQL: two workers racing send each
reminder once, and a reminder that came due while the server was stopped is sent when it is back."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_SECRET
from tests.notifications.test_email import Mailbox, mailbox
from tests.test_cli import cli_env, serving
from tests.test_workers import own_postgres, wait_for_workers

__all__ = ["mailbox", "own_postgres"]  # the fixtures, used by name

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return cli_env(
        DATABASE_URL=database_url,
        SECRET_KEY=TEST_SECRET,
        TASKAGENT_DATA_DIR=str(tmp_path / "data"),
        REMINDER_POLL_SECONDS="0.2",
        RATE_LIMIT_KEY_PREFIX=f"taskagent-reminders-test-{uuid.uuid4().hex}",
    )


def _sign_up(base: str) -> dict[str, str]:
    email, password = f"r-{uuid.uuid4().hex[:8]}@example.com", "correct horse battery"
    assert httpx.post(f"{base}/users/signup", json={"email": email, "password": password}).status_code == 201
    token = httpx.post(f"{base}/token", data={"username": email, "password": password}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _in(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def _wait_for(base: str, headers: dict[str, str], count: int, seconds: float = 30) -> list[dict[str, object]]:
    deadline = time.monotonic() + seconds
    while True:
        listed = httpx.get(f"{base}/notifications?limit=200", headers=headers).json()["notifications"]
        if len(listed) >= count or time.monotonic() > deadline:
            return list(listed)
        time.sleep(0.2)


def test_two_workers_send_each_reminder_once(own_postgres: str, tmp_path: Path) -> None:
    with serving(tmp_path, _env(own_postgres, tmp_path), "--workers", "2") as server:
        wait_for_workers(server, 2)
        base = server.base_url
        headers = _sign_up(base)
        count = 30
        for number in range(count):
            body = {"title": f"Reminder {number}", "reminders": [{"at": _in(2)}]}
            assert httpx.post(f"{base}/tasks", json=body, headers=headers).status_code == 201
        sent = _wait_for(base, headers, count)
        time.sleep(1.5)  # several more passes of both workers: anything sent twice would show now
        sent = httpx.get(f"{base}/notifications?limit=200", headers=headers).json()["notifications"]
        assert Counter(note["title"] for note in sent) == {f"Reminder {n}": 1 for n in range(count)}
        assert not any(note["late"] for note in sent)
        assert httpx.get(f"{base}/health").json()["reminders_backlog"] == 0


def test_two_workers_email_each_reminder_once(
    own_postgres: str, tmp_path: Path, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    env = _env(own_postgres, tmp_path) | {"SMTP_URL": f"smtp://127.0.0.1:{port}"}
    with serving(tmp_path, env, "--workers", "2") as server:
        wait_for_workers(server, 2)
        base = server.base_url
        headers = _sign_up(base)
        assert (
            httpx.patch(f"{base}/users/me", json={"notify_email": True}, headers=headers).status_code == 200
        )
        count = 10
        for number in range(count):
            body = {"title": f"Mail {number}", "reminders": [{"at": _in(2)}]}
            assert httpx.post(f"{base}/tasks", json=body, headers=headers).status_code == 201
        deadline = time.monotonic() + 30
        while len(box.received) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)  # more passes of both workers: a message sent twice would arrive now
        assert Counter(message["Subject"] for message in box.received) == {
            f"Reminder: Mail {n}": 1 for n in range(count)
        }
        sent = httpx.get(f"{base}/notifications?limit=200", headers=headers).json()["notifications"]
        assert {note["email"] for note in sent} == {"sent"}


def test_a_reminder_due_while_the_server_was_down_is_sent_when_it_is_back(
    own_postgres: str, tmp_path: Path
) -> None:
    env = _env(own_postgres, tmp_path)
    with serving(tmp_path, env) as server:
        headers = _sign_up(server.base_url)
        body = {"title": "While you were out", "reminders": [{"at": _in(3)}]}
        assert httpx.post(f"{server.base_url}/tasks", json=body, headers=headers).status_code == 201
    time.sleep(4)  # its time passes with no server running
    with serving(tmp_path, env) as server:
        [note] = _wait_for(server.base_url, headers, 1)
        assert note["title"] == "While you were out"
