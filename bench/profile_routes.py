"""Where a route's time goes: `.venv/bin/python bench/profile_routes.py [--profile NAME]`.

Runs the app in this process (no HTTP client, no sockets: ASGI calls straight into the full middleware
stack) against a PostgreSQL database of its own holding one user with 10,000 tasks, and prints the mean
server time of each request kind of the mixed workload (bench/run.py), one request at a time. With
`--profile NAME` it also prints the cProfile of that kind, to see what the time is spent on (rows, ORM,
validation, JSON, auth, the session). Numbers are in-process and single-connection: for comparisons between
versions of the code, not for the service's rates (bench/run.py measures those).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from support import own_database, reachable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import insert  # noqa: E402

from taskagent import migrations  # noqa: E402
from taskagent.app import create_app  # noqa: E402
from taskagent.auth import tokens  # noqa: E402
from taskagent.auth.models import User  # noqa: E402
from taskagent.config import Settings  # noqa: E402
from taskagent.db import create_engine, utcnow  # noqa: E402
from taskagent.tasks.models import PRIORITY_RANK, Task, TaskPriority  # noqa: E402

DEFAULT_POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
Call = Callable[[], Awaitable[int]]
# The pages of the mixed workload (bench/run.py): 50 of the user's tasks, in several sorts and filters.
PAGES = (
    "limit=50",
    "limit=50&sort=-updated_at",
    "limit=50&sort=-priority",
    "limit=50&sort=due_date&status=pending",
    "limit=50&tag=group-3",
    "limit=50&sort=title&q=task%201",
)


async def seed(settings: Settings, tasks: int) -> int:
    engine = create_engine(settings)
    try:
        await migrations.upgrade(engine)
        async with engine.begin() as connection:
            result = await connection.execute(
                insert(User).values(email="profile@example.com", password_hash="-").returning(User.id)  # noqa: S106 - no login
            )
            user_id = int(result.scalar_one())
            now = utcnow()
            priorities = list(TaskPriority)
            rows = [
                {
                    "owner_id": user_id,
                    "title": f"Benchmark task {n}",
                    "description": "Seeded by bench/profile_routes.py " * 3,
                    "status": "pending",
                    "priority": priorities[n % 4],
                    "priority_rank": PRIORITY_RANK[priorities[n % 4]],
                    "tags": ["bench", f"group-{n % 20}"],
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(tasks)
            ]
            await connection.execute(insert(Task), rows)
        async with engine.connect() as connection:
            # As autovacuum would after such a load (bench/run.py does the same).
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql("ANALYZE tasks")
        return user_id
    finally:
        await engine.dispose()


def asgi_caller(app: Any, method: str, path: str, token: str, body: bytes = b"") -> Call:
    path, _, query = path.partition("?")
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]

    async def call() -> int:
        status = 0
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        await app(scope, receive, send)
        return status

    return call


async def run(args: argparse.Namespace, database_url: str) -> None:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        secret_key="profile-" + uuid.uuid4().hex * 2,
        redis_url=None,
        TASKAGENT_DATA_DIR=Path(tempfile.mkdtemp(prefix="taskagent-profile-")),
    )
    user_id = await seed(settings, args.tasks)
    token = tokens.issue(settings, user_id).token
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        task_ids = list(range(1, args.tasks + 1))
        update = json.dumps({"priority": "high"}).encode()
        created = json.dumps({"title": "Profiled", "tags": ["bench"]}).encode()
        kinds: dict[str, list[Call]] = {
            "GET /health": [asgi_caller(app, "GET", "/health", token)],
            **{f"GET /tasks?{query}": [asgi_caller(app, "GET", f"/tasks?{query}", token)] for query in PAGES},
            "GET /tasks/{id}": [asgi_caller(app, "GET", f"/tasks/{i}", token) for i in task_ids[:200]],
            "PATCH /tasks/{id}": [
                asgi_caller(app, "PATCH", f"/tasks/{i}", token, update) for i in task_ids[200:400]
            ],
            "POST /tasks": [asgi_caller(app, "POST", "/tasks", token, created)],
        }
        for name, calls in kinds.items():
            for call in calls[:20]:  # warm-up: caches, prepared statements, the pool
                await call()
            profiler = cProfile.Profile() if name == args.profile else None
            began = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            for n in range(args.requests):
                status = await calls[n % len(calls)]()
                if status >= 400:
                    raise RuntimeError(f"{name}: {status}")
            if profiler is not None:
                profiler.disable()
            mean_us = (time.perf_counter() - began) / args.requests * 1e6
            print(f"{name:<42} {mean_us:7.0f} µs a request (in-process, one at a time)", flush=True)
            if profiler is not None:
                pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="admin URL used to create the database")
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=1000, help="requests of each kind (default 1000)")
    parser.add_argument("--profile", help="cProfile this kind, e.g. 'GET /tasks?limit=50'")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (default cumulative)")
    parser.add_argument("--lines", type=int, default=45, help="profile lines shown (default 45)")
    args = parser.parse_args()
    if not reachable(args.postgres):
        print(f"PostgreSQL not reachable at {args.postgres}", file=sys.stderr)
        return 1
    with own_database(args.postgres, "taskagent_profile") as database_url:
        asyncio.run(run(args, database_url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
