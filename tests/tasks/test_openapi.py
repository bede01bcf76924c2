"""/openapi.json documents every response the auth and task endpoints give, errors included, with a body
schema, and the headers clients need (WWW-Authenticate, Location, ETag, Link, Retry-After)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from taskagent.app import create_app
from tests.conftest import build_settings

EXPECTED: dict[tuple[str, str], set[str]] = {
    ("post", "/users/signup"): {"201", "409", "422", "429"},
    ("post", "/token"): {"200", "401", "422", "429"},
    ("get", "/users/me"): {"200", "401"},
    ("patch", "/users/me"): {"200", "401", "403", "422"},
    ("post", "/auth/login"): {"200", "401", "422", "429"},
    ("post", "/auth/logout"): {"204"},
    ("post", "/tasks"): {"201", "401", "403", "422"},
    ("get", "/tasks"): {"200", "401", "422"},
    ("get", "/tasks/{task_id}"): {"200", "401", "404", "422"},
    ("patch", "/tasks/{task_id}"): {"200", "401", "403", "404", "409", "412", "422"},
    ("put", "/tasks/{task_id}"): {"200", "401", "403", "404", "409", "412", "422"},
    ("delete", "/tasks/{task_id}"): {"204", "401", "403", "404", "409", "412", "422"},
}


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp: Path = tmp_path_factory.mktemp("openapi")
    schema: dict[str, Any] = create_app(build_settings(f"sqlite:///{tmp}/unused.db", tmp)).openapi()
    return schema


def app_wide_codes(openapi: dict[str, Any]) -> set[str]:
    """The error codes every operation of the app documents."""
    operations = [op for item in openapi["paths"].values() for op in item.values() if "responses" in op]
    common: set[str] = set.intersection(*(set(op["responses"]) for op in operations))
    return {code for code in common if not code.startswith("2")}


@pytest.mark.parametrize(("method", "path"), list(EXPECTED))
def test_every_response_is_documented(openapi: dict[str, Any], method: str, path: str) -> None:
    responses = openapi["paths"][path][method]["responses"]
    # Codes app.py documents on every operation (400 for an unreadable body, say) come on top.
    assert set(responses) - app_wide_codes(openapi) == EXPECTED[(method, path)]
    for code, response in responses.items():
        assert response.get("description"), (code, response)
        if code.startswith(("4", "5")):
            schema = response["content"]["application/json"]["schema"]
            assert "$ref" in schema, (code, schema)


def test_error_bodies_and_headers(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    assert schemas["ErrorResponse"]["required"] == ["detail"]
    paths = openapi["paths"]
    for (method, path), codes in EXPECTED.items():
        responses = paths[path][method]["responses"]
        if "401" in codes:
            assert "WWW-Authenticate" in responses["401"]["headers"], (method, path)
        if "429" in codes:
            assert "Retry-After" in responses["429"]["headers"], (method, path)
        for code in codes & {"401", "403", "404", "409", "412", "429"}:
            assert responses[code]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorResponse"
            }, (method, path, code)
    assert set(paths["/tasks"]["post"]["responses"]["201"]["headers"]) == {"Location", "ETag"}
    assert "Link" in paths["/tasks"]["get"]["responses"]["200"]["headers"]
    assert "ETag" in paths["/tasks/{task_id}"]["get"]["responses"]["200"]["headers"]
    assert "ETag" in paths["/tasks/{task_id}"]["patch"]["responses"]["200"]["headers"]
    signup = paths["/users/signup"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert "password" not in str(schemas[signup["$ref"].rsplit("/", 1)[1]])
    parameters = {p["name"] for p in paths["/tasks"]["get"]["parameters"]}
    assert parameters == {
        "status",
        "priority",
        "tag",
        "parent_id",
        "due_before",
        "due_after",
        "q",
        "repeating",
        "sort",
        "limit",
        "cursor",
    }
