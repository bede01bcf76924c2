"""Every response, the page's above all, carries a strict CSP, refuses framing and MIME sniffing, and sends
no referrer; `taskagent serve` does not announce itself."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_SECRET, UserHandle
from tests.test_cli import cli_env, serving


def assert_secure_headers(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.backends("sqlite")
async def test_the_page_and_the_api_carry_the_security_headers(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = (await client.post("/tasks", json={"title": "t"}, headers=alice.headers)).json()
    for path in ("/app", "/app/tasks/1", "/health", "/openapi.json", f"/tasks/{task['id']}", "/nowhere"):
        response = await client.get(path, headers=alice.headers)
        assert_secure_headers(response)
    # Twice: a token this worker has already verified takes no other path.
    assert_secure_headers(await client.get(f"/tasks/{task['id']}", headers=alice.headers))


@pytest.mark.slow
@pytest.mark.backends("sqlite")
def test_the_server_does_not_announce_itself(backend: str, tmp_path: Path) -> None:
    env = cli_env(SECRET_KEY=TEST_SECRET, TASKAGENT_DATA_DIR=str(tmp_path / "data"))
    with serving(tmp_path, env) as server:
        response = httpx.get(f"{server.base_url}/health")
    assert "server" not in response.headers, response.headers
    assert_secure_headers(response)
