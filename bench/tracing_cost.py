"""What OpenTelemetry tracing costs a request: `GET /tasks/{id}` and a help request, tracing off and on.

    .venv/bin/python bench/tracing_cost.py [--reads 400] [--helps 40] [--rounds 3] [--backend sqlite|postgres]

In process: the app is driven through its ASGI interface (httpx's ASGITransport), so the figures are the
server's own time and CPU for a request, from its arrival to the last byte (a help request: its whole
stream, the offline engine's run included). Three settings of the same app:

- `off`: OTEL_TRACES_EXPORTER=none, the default (nothing installed);
- `on`: tracing on, every span made, attributed and handed to an exporter that drops it, so that the
  figure is the instrumentation's cost and not a collector's network (the OTLP exporter sends batches from
  a thread of its own);
- `on+content`: the same, with prompts and contents recorded
  (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true).

Each round runs every setting in turn, after a warm-up; the figure of a setting is the median of its
rounds. Spans per request are counted too. Results are printed and written to
bench/results/tracing_cost-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from support import drop_database, new_database  # noqa: E402 - bench/support.py, beside this script

from taskagent import migrations  # noqa: E402
from taskagent.app import create_app  # noqa: E402
from taskagent.auth import tokens  # noqa: E402
from taskagent.auth.models import User  # noqa: E402
from taskagent.config import Settings, to_async_url  # noqa: E402
from taskagent.db import session_scope  # noqa: E402
from taskagent.resources import app_resources  # noqa: E402

RESULTS = ROOT / "bench" / "results"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MODES: dict[str, dict[str, Any]] = {
    "off": {},
    "on": {"otel_traces_exporter": "console"},  # the exporter is replaced by DroppingExporter
    "on+content": {"otel_traces_exporter": "console", "otel_record_content": True},
}
WARMUP = 5


class DroppingExporter(SpanExporter):
    """Counts the spans it is given and keeps none."""

    def __init__(self) -> None:
        self.spans = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans += len(spans)
        return SpanExportResult.SUCCESS


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": round(statistics.median(ordered), 3),
        "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
        "mean": round(statistics.fmean(ordered), 3),
    }


async def one_round(mode: str, database_url: str, reads: int, helps: int) -> dict[str, Any]:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        data_dir=Path(tempfile.mkdtemp(prefix="tracing-bench-")),
        secret_key="bench-secret-key-that-is-long-enough-for-hs256-0123456789",  # noqa: S106 - throwaway
        taskagent_env="test",
        rate_limit_enabled=False,
        **MODES[mode],
    )
    exporter = DroppingExporter()
    app = create_app(settings, span_exporter=exporter)
    result: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        async with session_scope(app_resources(app).session_factory) as session:
            user = User(email=f"bench-{uuid.uuid4().hex[:8]}@example.com", password_hash="unused")  # noqa: S106
            session.add(user)
            await session.flush()
            user_id = user.id
        headers = {"Authorization": f"Bearer {tokens.issue(settings, user_id, 'access').token}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as client:
            created = await client.post(
                "/tasks",
                json={"title": "Prepare the board presentation", "priority": "high"},
                headers=headers,
            )
            created.raise_for_status()
            task_id = created.json()["id"]

            async def read() -> None:
                response = await client.get(f"/tasks/{task_id}", headers=headers)
                response.raise_for_status()

            async def help_request() -> None:
                response = await client.post(
                    f"/tasks/{task_id}/help", json={"query": "When should I work on this?"}, headers=headers
                )
                response.raise_for_status()
                assert "event: done" in response.text, response.text[-300:]

            for name, call, count in (
                ("GET /tasks/{id}", read, reads),
                ("POST /tasks/{id}/help", help_request, helps),
            ):
                for _ in range(WARMUP):
                    await call()
                wall: list[float] = []
                cpu: list[float] = []
                spans_before = exporter.spans
                for _ in range(count):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    await call()
                    wall.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                result[name] = {
                    "wall_ms": summary(wall),
                    "cpu_ms": summary(cpu),
                    "spans_per_request": round((exporter.spans - spans_before) / count, 1),
                }
    return result


def median_of_rounds(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for route in rounds[0]:
        merged[route] = {
            "wall_ms_p50": round(statistics.median(r[route]["wall_ms"]["p50"] for r in rounds), 3),
            "wall_ms_mean": round(statistics.median(r[route]["wall_ms"]["mean"] for r in rounds), 3),
            "cpu_ms_mean": round(statistics.median(r[route]["cpu_ms"]["mean"] for r in rounds), 3),
            "spans_per_request": rounds[0][route]["spans_per_request"],
        }
    return merged


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=400)
    parser.add_argument("--helps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()

    dropped: str | None = None
    if args.backend == "postgres":
        dropped, url = await new_database(POSTGRES, "tracing_bench")
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='tracing-bench-')) / 'bench.db'}"
    try:
        engine = create_async_engine(to_async_url(url))
        await migrations.upgrade(engine)
        await engine.dispose()
        rounds: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
        for _ in range(args.rounds):
            for mode in MODES:
                rounds[mode].append(await one_round(mode, url, args.reads, args.helps))
    finally:
        if dropped is not None:
            await drop_database(POSTGRES, dropped)

    results = {mode: median_of_rounds(runs) for mode, runs in rounds.items()}
    columns = ("wall p50 ms", "wall mean ms", "CPU mean ms", "spans")
    print(f"{'route':<22} {'mode':<11} " + " ".join(f"{name:>12}" for name in columns))
    for route in results["off"]:
        for mode, by_route in results.items():
            row = by_route[route]
            values = (row["wall_ms_p50"], row["wall_ms_mean"], row["cpu_ms_mean"], row["spans_per_request"])
            print(f"{route:<22} {mode:<11} " + " ".join(f"{value:>12}" for value in values))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    output = RESULTS / f"tracing_cost-{stamp}.json"
    output.write_text(
        json.dumps({"backend": args.backend, "results": results, "python": sys.version.split()[0]}, indent=2)
    )
    print(f"written to {output.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
