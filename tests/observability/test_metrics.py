"""/metrics: off without METRICS_TOKEN, behind it otherwise, and what it counts, read with the Prometheus
client's own parser."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.chat.conftest import user_input
from tests.conftest import (
    TEST_SECRET,
    UserHandle,
    drop_postgres_database,
    new_postgres_database,
    require_service,
)
from tests.observability.conftest import METRICS_TOKEN
from tests.services import POSTGRES_AVAILABLE
from tests.test_cli import cli_env, serving

SCRAPE = {"Authorization": f"Bearer {METRICS_TOKEN}"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics", headers=SCRAPE)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return parse(response.text)


class TestOff:
    async def test_without_a_token_there_is_no_metrics_route(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/metrics")).status_code == 404
        assert (await client.get("/metrics", headers=SCRAPE)).status_code == 404


class TestOn:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"metrics_token": METRICS_TOKEN, "token_rate_limit": 2}

    async def test_a_missing_or_wrong_token_gets_401(self, client: httpx.AsyncClient) -> None:
        for headers in (
            {},
            {"Authorization": f"Basic {METRICS_TOKEN}"},
            {"Authorization": "Bearer not-the-token"},
            {"Authorization": f"Bearer {METRICS_TOKEN}x"},
        ):
            response = await client.get("/metrics", headers=headers)
            assert response.status_code == 401, headers
            assert response.headers["www-authenticate"] == "Bearer"
            assert "taskagent_http" not in response.text
        assert "/metrics" not in (await client.get("/openapi.json")).text

    async def test_requests_by_route_template_and_status_with_latency(
        self, client: httpx.AsyncClient, alice: UserHandle
    ) -> None:
        task = (await client.post("/tasks", json={"title": "Counted"}, headers=alice.headers)).json()
        for _ in range(3):  # the same route each time: one series
            assert (await client.get(f"/tasks/{task['id']}", headers=alice.headers)).status_code == 200
        await client.get("/tasks/999999", headers=alice.headers)
        await client.get("/nowhere/1")
        await client.request("BREW", "/tasks")

        samples = await scrape(client)
        read = {"method": "GET", "route": "/tasks/{task_id}"}
        assert value(samples, "taskagent_http_requests_total", **read, status="200") == 3
        assert value(samples, "taskagent_http_requests_total", **read, status="404") == 1
        assert (
            value(samples, "taskagent_http_requests_total", method="POST", route="/tasks", status="201") == 1
        )
        assert (
            value(samples, "taskagent_http_requests_total", method="GET", route="unmatched", status="404")
            == 1
        )
        assert (
            value(samples, "taskagent_http_requests_total", method="other", route="/tasks", status="405") == 1
        )
        assert value(samples, "taskagent_http_request_duration_seconds_count", **read) == 4
        assert value(samples, "taskagent_http_request_duration_seconds_bucket", **read, le="+Inf") == 4
        assert 0 < value(samples, "taskagent_http_request_duration_seconds_sum", **read) < 60
        assert not any("999999" in str(labels) or "nowhere" in str(labels) for _, labels in samples)

    async def test_rate_limit_refusals_by_policy(self, client: httpx.AsyncClient) -> None:
        form = {"username": "nobody@example.com", "password": "wrong password"}
        statuses = [(await client.post("/token", data=form)).status_code for _ in range(4)]
        assert statuses == [401, 401, 429, 429]
        samples = await scrape(client)
        assert value(samples, "taskagent_rate_limit_refusals_total", policy="token") == 2
        assert value(samples, "taskagent_rate_limit_refusals_total", policy="signup") == 0

    async def test_database_pool_use(
        self, client: httpx.AsyncClient, backend: str, alice: UserHandle
    ) -> None:
        await client.get("/tasks", headers=alice.headers)
        samples = await scrape(client)
        # Every connection went back after its request; PostgreSQL keeps DB_POOL_SIZE open, SQLite none.
        assert value(samples, "taskagent_db_pool_checked_out") == 0
        assert value(samples, "taskagent_db_pool_size") == (30 if backend == "postgres" else 0)

    async def test_agent_turns_by_agent_and_outcome_model_use_and_queue_waits(
        self, client: httpx.AsyncClient, alice: UserHandle
    ) -> None:
        for title, query in [
            ("File taxes", "When should I do this?"),
            ("Redesign the website", "Help me break this down into steps"),
        ]:
            task = (await client.post("/tasks", json={"title": title}, headers=alice.headers)).json()
            help_url = f"/tasks/{task['id']}/help"
            asked = await client.post(help_url, json={"query": query}, headers=alice.headers)
            assert asked.status_code == 200 and "event: done" in asked.text, asked.text
        chat = {"type": "threads.create", "params": {"input": user_input("What tasks do I have?")}}
        assert (await client.post("/chatkit", json=chat, headers=alice.headers)).status_code == 200

        samples = await scrape(client)
        help_turns = {"workflow": "help", "outcome": "complete"}
        assert value(samples, "taskagent_agent_runs_total", agent="scheduler", **help_turns) == 1
        assert value(samples, "taskagent_agent_runs_total", agent="breakdown", **help_turns) == 1
        chat_turns = [
            (labels, count)
            for (name, labels), count in samples.items()
            if name == "taskagent_agent_runs_total" and ("workflow", "chat") in labels
        ]
        assert [count for _, count in chat_turns] == [1] and ("outcome", "complete") in chat_turns[0][0]
        assert value(samples, "taskagent_agent_queue_wait_seconds_count", workflow="help") == 2
        assert value(samples, "taskagent_agent_queue_wait_seconds_count", workflow="chat") == 1
        # The offline engine ("local") counts its calls and its own token estimates, as hosted models do.
        assert value(samples, "taskagent_model_calls_total", model="local") >= 3
        assert value(samples, "taskagent_model_tokens_total", model="local", direction="input") > 0
        assert value(samples, "taskagent_model_tokens_total", model="local", direction="output") > 0


@pytest.mark.slow
@pytest.mark.postgres
def test_several_workers_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, whichever worker answers the scrape reports every worker's counts."""
    require_service("PostgreSQL", POSTGRES_AVAILABLE)
    database = new_postgres_database()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = cli_env(
        DATABASE_URL=database,
        SECRET_KEY=TEST_SECRET,
        METRICS_TOKEN=METRICS_TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        DB_POOL_SIZE="3",
        RATE_LIMIT_KEY_PREFIX=f"taskagent-metrics-test-{uuid.uuid4().hex}",
    )
    try:
        with serving(tmp_path, env, "--workers", "2") as server:
            probes = 40  # fresh connections: the kernel spreads them over both workers
            for _ in range(probes):
                assert httpx.get(f"{server.base_url}/health").status_code == 200
            scrapes = [parse(httpx.get(f"{server.base_url}/metrics", headers=SCRAPE).text) for _ in range(4)]
            pids = {f.name.rsplit("_", 1)[-1] for f in metrics_dir.iterdir() if f.name.startswith("counter")}
    finally:
        drop_postgres_database(database)
    # serving() waited for /health once before handing over; the count includes that probe too.
    for samples in scrapes:
        count = value(samples, "taskagent_http_requests_total", method="GET", route="/health", status="200")
        assert count >= probes + 1
        assert value(samples, "taskagent_db_pool_size") == 6  # 3 per worker, both workers
    assert len(pids) == 2, pids
