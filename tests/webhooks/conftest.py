"""Webhook tests: a real receiver on loopback (an http.server thread) and helpers over the HTTP API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from standardwebhooks import Webhook

from taskagent.resources import app_resources
from taskagent.webhooks.sending import Pass, send_due
from tests.conftest import UserHandle


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def verified(self, secret: str) -> dict[str, Any]:
        """The payload, after the Standard Webhooks library checked its signature (raises if wrong)."""
        payload: dict[str, Any] = Webhook(secret).verify(self.body, self.headers)
        return payload

    @property
    def json(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document


@dataclass
class Receiver:
    """Records every POST; answers the statuses queued in `answers` (then 200)."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def events(self) -> list[str]:
        return [each.json["type"] for each in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            with state.lock:
                state.received.append(Received(self.path, headers, body))
                status = state.answers.pop(0) if state.answers else 200
            answer = b"x" * 5000 if status >= 500 else b"ok"
            self.send_response(status)
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


async def register(
    client: httpx.AsyncClient, user: UserHandle, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    body = {"url": url, "events": events or ["task.created"]}
    response = await client.post("/webhooks", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def send(app: FastAPI, now: datetime | None = None, **settings: Any) -> Pass:
    """One sending pass at `now`, with the app's settings (changed by `settings`)."""
    resources = app_resources(app)
    used = resources.settings.model_copy(update=settings) if settings else resources.settings
    return await send_due(resources.session_factory, resources.webhooks.http_client, used, now)


async def deliveries(client: httpx.AsyncClient, user: UserHandle, webhook_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"/webhooks/{webhook_id}/deliveries", headers=user.headers)
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()
    return listed
