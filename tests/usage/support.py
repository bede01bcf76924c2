"""Helpers of the usage tests: a counting offline model, GET /users/me/usage, the quota refusal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from agents import Model
from fastapi import FastAPI

from taskagent.agents.offline import OfflineModel
from taskagent.config import Settings
from tests.agents.support import install_model
from tests.conftest import UserHandle


class CountingModel(OfflineModel):
    """The offline engine, counting the calls it answers (to show that a refused request made none)."""

    calls = 0

    async def stream_response(self, *args: Any, **kwargs: Any) -> Any:
        type(self).calls += 1
        async for event in super().stream_response(*args, **kwargs):
            yield event


def install_counting(app: FastAPI) -> type[CountingModel]:
    class Counting(CountingModel):
        calls = 0

    def factory(settings: Settings, role: str) -> Model:
        return Counting(role)

    install_model(app, factory)
    return Counting


async def usage(client: httpx.AsyncClient, user: UserHandle, **params: str) -> dict[str, Any]:
    response = await client.get("/users/me/usage", params=params, headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def this_month() -> str:
    now = datetime.now(UTC)
    return f"{now.year:04d}-{now.month:02d}"


def assert_quota_refusal(response: httpx.Response, limit: str) -> None:
    assert response.status_code == 429, response.text
    body = response.json()
    assert set(body) == {"detail", "limit", "resets_at"}
    assert body["limit"] == limit and "Monthly quota reached" in body["detail"]
    resets = datetime.fromisoformat(body["resets_at"])
    assert resets.day == 1 and resets.hour == 0 and resets > datetime.now(UTC)
    assert int(response.headers["Retry-After"]) >= 1
