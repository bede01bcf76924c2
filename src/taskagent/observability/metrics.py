"""Prometheus metrics, served at `/metrics` to whoever holds METRICS_TOKEN (unset: no `/metrics` at all).

Each app has a registry of its own (tests build many apps in one process). With several workers, each
worker counts on its own; a scrape reaches one of them. Set `PROMETHEUS_MULTIPROC_DIR` (prometheus_client's
own variable) to an empty folder, as compose.yaml does, and every scrape adds up all the workers instead.
"""

from __future__ import annotations

import asyncio
import atexit
import hmac
import os
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from taskagent.errors import Unauthorized
from taskagent.resources import request_resources

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

# Seconds: from a cached read (~1 ms) to an agent stream (a minute or two).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
QUEUE_WAIT_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class ModelUsage(Protocol):
    """What a turn used (the Agents SDK's `Usage`)."""

    requests: int
    input_tokens: int
    output_tokens: int


class Metrics:
    """The service's instruments, in a registry of this app's own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "taskagent_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "taskagent_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response (streams: the whole stream)",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rate_limit_refusals = Counter(
            "taskagent_rate_limit_refusals",
            "Requests refused with 429 by a rate-limit policy",
            ["policy"],
            registry=self.registry,
        )
        self.pool_checked_out = Gauge(
            "taskagent_db_pool_checked_out",
            "Database connections in use by requests (all workers added up in multiprocess mode)",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.pool_size = Gauge(
            "taskagent_db_pool_size",
            "Database connections the pool keeps open (0 on SQLite, which opens one per use)",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        # Fed by every agent turn (`agents/turn.py`), help and chat alike.
        self.agent_queue_wait = Histogram(
            "taskagent_agent_queue_wait_seconds",
            "Time an agent turn waited for a free run slot (0 when one was free)",
            ["workflow"],
            buckets=QUEUE_WAIT_BUCKETS,
            registry=self.registry,
        )
        self.agent_runs = Counter(
            "taskagent_agent_runs",
            "Agent turns by workflow (help, chat), the agent that answered last and outcome "
            "(complete, failed, stopped: the client left, refused: never started)",
            ["workflow", "agent", "outcome"],
            registry=self.registry,
        )
        self.model_calls = Counter(
            "taskagent_model_calls",
            "Model calls made by agent turns, by model",
            ["model"],
            registry=self.registry,
        )
        self.model_tokens = Counter(
            "taskagent_model_tokens",
            "Model tokens used by agent turns, by model and direction (input, output)",
            ["model", "direction"],
            registry=self.registry,
        )
        self._watched_engine: AsyncEngine | None = None
        if MULTIPROCESS:
            atexit.register(multiprocess.mark_process_dead, os.getpid())

    def observe_agent_queue_wait(self, workflow: str, seconds: float) -> None:
        self.agent_queue_wait.labels(workflow).observe(seconds)

    def observe_agent_turn(
        self, workflow: str, agent: str, outcome: str, model: str, usage: ModelUsage | None
    ) -> None:
        self.agent_runs.labels(workflow, agent, outcome).inc()
        if usage is not None and usage.requests:
            self.model_calls.labels(model).inc(usage.requests)
            self.model_tokens.labels(model, "input").inc(usage.input_tokens)
            self.model_tokens.labels(model, "output").inc(usage.output_tokens)

    def watch_pool(self, engine: AsyncEngine) -> None:
        """Count the engine's checked-out connections as they come and go (cheap, and right for every
        worker in multiprocess mode, where a scrape-time reading would see only the scraping worker)."""
        if engine is self._watched_engine:
            return
        self._watched_engine = engine
        pool: Any = engine.sync_engine.pool
        size = getattr(pool, "size", None)
        self.pool_size.set(size() if callable(size) else 0)
        self.pool_checked_out.set(pool.checkedout() if hasattr(pool, "checkedout") else 0)
        event.listen(pool, "checkout", lambda *_: self.pool_checked_out.inc())
        event.listen(pool, "checkin", lambda *_: self.pool_checked_out.dec())

    def exposition(self) -> bytes:
        if MULTIPROCESS:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)


def metrics_token(request: Request) -> None:
    """`Authorization: Bearer <METRICS_TOKEN>` or a 401 (the route exists only when the token is set)."""
    settings = request_resources(request).settings
    assert settings.metrics_token is not None
    expected = settings.metrics_token.get_secret_value().encode()
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        sent.strip().encode("utf-8", "replace"), expected
    ):
        raise Unauthorized("/metrics needs Authorization: Bearer <METRICS_TOKEN>")


router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def metrics_endpoint(request: Request, _: Annotated[None, Depends(metrics_token)]) -> Response:
    metrics = request_resources(request).metrics
    # Off the event loop: in multiprocess mode the scrape reads every worker's files.
    body = await asyncio.to_thread(metrics.exposition)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
