"""Every error in one body shape, through HTTP: `{"detail": message}`, or for a 422 `{"detail": [problems]}`
whose problems say where and what, and never echo what was sent (passwords, megabytes)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import UserHandle

pytestmark = pytest.mark.backends("sqlite")  # the handler does not depend on the database

SECRET = "hunter2-secret-password"


def problems(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    detail: list[dict[str, Any]] = response.json()["detail"]
    assert detail, response.text
    for problem in detail:
        assert set(problem) == {"loc", "msg", "type"}, problem
    return detail


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/users/signup", {"email": "not-an-email", "password": SECRET, "extra": SECRET}),
        ("/users/signup", {"email": "a@example.com", "password": [SECRET]}),
        ("/auth/login", {"email": SECRET, "password": {"value": SECRET}}),
        ("/auth/login", [SECRET]),
    ],
)
async def test_a_422_never_echoes_a_password(client: httpx.AsyncClient, path: str, body: Any) -> None:
    response = await client.post(path, json=body)
    problems(response)
    assert SECRET not in response.text


async def test_the_token_form_never_echoes_a_password(client: httpx.AsyncClient) -> None:
    response = await client.post("/token", data={"password": SECRET})  # no username
    assert [problem["loc"] for problem in problems(response)] == [["body", "username"]]
    assert SECRET not in response.text


async def test_a_large_body_is_answered_in_a_few_bytes(client: httpx.AsyncClient, alice: UserHandle) -> None:
    # As large as each route's body limit lets through (16 KiB for sign-in, 1 MiB elsewhere): larger
    # bodies get a 413 before anything parses them (tests/security/test_body_limit.py).
    big, small = "x" * 300_000, "x" * 5_000
    cases = [
        client.post("/auth/login", json=[small] * 2),  # a list where an object was expected
        client.post("/auth/login", json={"email": small, "password": small}),
        client.post("/tasks", json={"title": big, big: big}, headers=alice.headers),  # a 300 kB unknown key
        client.post("/tasks", json={"title": "t", "tags": [big[:15_000]] * 50}, headers=alice.headers),
        client.get("/tasks", params={"sort": big[:4000], "limit": big[:4000]}, headers=alice.headers),
    ]
    for request in cases:
        response = await request
        found = problems(response)
        assert len(response.content) < 5_000, response.content[:300]
        assert len(found) <= 10
        assert "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" not in response.text
    unknown_key = await client.post("/tasks", json={"title": "t", big: 1}, headers=alice.headers)
    [problem] = problems(unknown_key)
    assert problem["loc"][0] == "body" and problem["type"] == "extra_forbidden"


async def test_a_lone_surrogate_in_a_key_is_answered_not_a_500(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    headers = {**alice.headers, "Content-Type": "application/json"}
    response = await client.post("/tasks", content=b'{"title": "t", "\\ud800": 1}', headers=headers)
    assert problems(response)[0]["loc"][0] == "body"


async def test_every_route_answers_errors_in_the_one_shape(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    def message(response: httpx.Response, status: int) -> str:
        assert response.status_code == status, response.text
        body = response.json()
        assert set(body) == {"detail"} and isinstance(body["detail"], str), body
        return str(body["detail"])

    assert message(await client.get("/no-such-route"), 404) == "Not Found"
    assert message(await client.delete("/health"), 405) == "Method Not Allowed"
    assert message(await client.get("/tasks"), 401) == "Not authenticated"
    assert message(await client.get("/tasks/999", headers=alice.headers), 404) == "Task 999 not found"
    chat = await client.post("/chatkit", json={"type": "threads.explode"}, headers=alice.headers)
    [problem] = problems(chat)  # ChatKit's own checks: the same list as any other 422
    assert problem["loc"] == ["body", "type"] and "'threads.explode' is unknown" in problem["msg"]
    help_request = await client.post("/tasks/1/help", json={"query": "  "}, headers=alice.headers)
    assert problems(help_request)[0]["loc"][0] == "body"


def test_the_openapi_declares_the_shapes_once(app: FastAPI) -> None:
    document = app.openapi()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert set(schemas["ValidationIssue"]["properties"]) == {"loc", "msg", "type"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")):
                    wanted = "ValidationErrorResponse" if code == "422" else "ErrorResponse"
                    if (path, code) == ("/health", "503"):
                        wanted = "Health"  # its 503 is the health report itself
                    assert set(response["content"]) == {"application/json"}, (method, path, code)
                    schema = json.dumps(response["content"]["application/json"]["schema"])
                    assert schema == json.dumps({"$ref": f"#/components/schemas/{wanted}"}), (
                        method,
                        path,
                        code,
                    )
