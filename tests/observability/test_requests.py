"""A request id on every response and in its JSON log line; nothing secret in any log line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_SECRET, UserHandle
from tests.observability.conftest import METRICS_TOKEN, LogLines
from tests.test_cli import cli_env, serving


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"metrics_token": METRICS_TOKEN}


def only_line(log: LogLines, request_id: str) -> dict[str, Any]:
    lines = [line for line in log.requests() if line["request_id"] == request_id]
    assert len(lines) == 1, log.lines
    return lines[0]


async def test_every_response_gets_an_id_that_its_log_line_carries(
    client: httpx.AsyncClient, alice: UserHandle, log_lines: LogLines
) -> None:
    created = await client.post("/tasks", json={"title": "Logged"}, headers=alice.headers)
    assert created.status_code == 201
    request_id = created.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)

    line = only_line(log_lines, request_id)
    assert line["method"] == "POST" and line["route"] == "/tasks" and line["path"] == "/tasks"
    assert line["status"] == 201 and line["user_id"] == alice.id
    assert isinstance(line["duration_ms"], float) and 0 < line["duration_ms"] < 60_000
    assert line["level"] == "info" and line["message"] == "POST /tasks 201"

    other = await client.get("/health")
    assert other.headers["x-request-id"] != request_id


async def test_route_is_the_template_also_on_the_fast_path_and_for_unknown_paths(
    client: httpx.AsyncClient, alice: UserHandle, log_lines: LogLines
) -> None:
    task = (await client.post("/tasks", json={"title": "Hot"}, headers=alice.headers)).json()
    # Two reads with the same token: each has its own line and request id.
    first = await client.get(f"/tasks/{task['id']}", headers=alice.headers)
    second = await client.get(f"/tasks/{task['id']}", headers=alice.headers)
    missing = await client.get("/no/such/path/12345")
    for response, route, status in (
        (first, "/tasks/{task_id}", 200),
        (second, "/tasks/{task_id}", 200),
        (missing, "unmatched", 404),
    ):
        line = only_line(log_lines, response.headers["x-request-id"])
        assert (line["route"], line["status"]) == (route, status)
    assert only_line(log_lines, second.headers["x-request-id"])["user_id"] == alice.id
    assert only_line(log_lines, missing.headers["x-request-id"])["user_id"] is None


async def test_a_sane_incoming_id_is_kept_and_anything_else_replaced(
    client: httpx.AsyncClient, log_lines: LogLines
) -> None:
    kept = "Root=1-67891233-abcdef012345678912345678"
    response = await client.get("/health", headers={"X-Request-ID": kept})
    assert response.headers["x-request-id"] == kept
    assert only_line(log_lines, kept)["route"] == "/health"

    for bad in (b"has spaces in it", b"x" * 129, b'{"json":1}', "évil".encode()):
        response = await client.get("/health", headers={b"X-Request-ID": bad})
        replaced = response.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", replaced), bad
        only_line(log_lines, replaced)
    assert all(bad not in line for line in log_lines.lines for bad in ("has spaces", "x" * 129))


async def test_a_refused_request_still_gets_its_id_and_line(
    client: httpx.AsyncClient, log_lines: LogLines
) -> None:
    response = await client.get("/tasks")
    assert response.status_code == 401
    line = only_line(log_lines, response.headers["x-request-id"])
    assert (line["route"], line["status"], line["user_id"]) == ("/tasks", 401, None)


async def test_no_password_token_cookie_or_metrics_token_in_any_log_line(
    client: httpx.AsyncClient, log_lines: LogLines
) -> None:
    email, password = "secretive@example.com", "hunter2-but-longer-0xDEADBEEF"
    signup = await client.post("/users/signup", json={"email": email, "password": password})
    assert signup.status_code == 201, signup.text
    token = (await client.post("/token", data={"username": email, "password": password})).json()[
        "access_token"
    ]
    bearer = {"Authorization": f"Bearer {token}"}
    login = await client.post("/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    session_cookie = login.cookies["taskagent_session"]
    csrf = login.json()["csrf_token"]

    await client.post("/tasks", json={"title": "mine"}, headers=bearer)
    await client.get("/tasks", params={"access_token": token, "password": password}, headers=bearer)
    client.cookies.set("taskagent_session", session_cookie)
    by_cookie = await client.post("/tasks", json={"title": "by cookie"}, headers={"X-CSRF-Token": csrf})
    assert by_cookie.status_code == 201, by_cookie.text
    await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    await client.post("/token", data={"username": email, "password": password + "-wrong"})

    assert len(log_lines.requests()) >= 8
    user_id = signup.json()["id"]
    assert only_line(log_lines, by_cookie.headers["x-request-id"])["user_id"] == user_id
    # Everything the service logged (httpx's lines are this test client's own).
    everything = "\n".join(line for line in log_lines.lines if '"logger": "httpx"' not in line)
    for secret in (password, token, session_cookie, csrf, METRICS_TOKEN, TEST_SECRET):
        assert secret not in everything
    assert "access_token=" not in everything  # the query string is never logged


@pytest.mark.slow
def test_serve_writes_one_json_line_per_request_on_stdout(tmp_path: Path) -> None:
    env = cli_env(SECRET_KEY=TEST_SECRET, TASKAGENT_DATA_DIR=str(tmp_path / "data"))
    with serving(tmp_path, env) as server:
        response = httpx.get(f"{server.base_url}/health", headers={"X-Request-ID": "probe-1"})
        assert response.headers["x-request-id"] == "probe-1"
        httpx.get(f"{server.base_url}/missing", params={"access_token": "query-secret-123"})
    # Read once the server has stopped: a request's JSON line is written after its response is sent.
    log = server.log()
    assert "query-secret-123" not in log  # neither in the JSON lines nor in uvicorn's access lines
    assert '"GET /missing HTTP/1.1" 404' in log, log
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    probes = [line for line in lines if line.get("request_id") == "probe-1"]
    assert len(probes) == 1, log
    assert probes[0]["logger"] == "taskagent.requests" and probes[0]["route"] == "/health"
    assert any(line["path"] == "/missing" and line["status"] == 404 for line in lines), log
