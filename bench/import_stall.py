"""How long an import holds the event loop: `.venv/bin/python bench/import_stall.py [--postgres]`.

Runs the app in this process (ASGI calls straight into the full middleware stack, as bench/profile_routes.py)
on a fresh SQLite file (or, with `--postgres`, a PostgreSQL database of its own), posts one JSON import of
`--tasks` tasks (four subtasks under every fifth task) and, meanwhile, a ticker on the same event loop asks to
wake every 5 ms: the longest gaps between its wake-ups are how long other requests would have waited.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

from profile_routes import DEFAULT_POSTGRES, asgi_caller, seed
from support import own_database, reachable

from taskagent.app import create_app
from taskagent.auth import tokens
from taskagent.config import Settings


def export_document(count: int) -> bytes:
    tasks = []
    for n in range(count):
        task = {"id": n + 1, "title": f"Imported {n}", "tags": ["a", "b"], "due_date": "2026-12-01T10:00:00Z"}
        if n % 5:
            task["parent_id"] = n // 5 * 5 + 1
        tasks.append(task)
    return json.dumps({"format": "taskagent-export", "version": 1, "tasks": tasks}).encode()


async def run(database_url: str, count: int) -> None:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        secret_key="import-" + uuid.uuid4().hex * 2,
        redis_url=None,
        TASKAGENT_DATA_DIR=Path(tempfile.mkdtemp(prefix="taskagent-import-bench-")),
    )
    user_id = await seed(settings, 1)
    token = tokens.issue(settings, user_id).token
    body = export_document(count)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        call = asgi_caller(app, "POST", "/users/me/import", token, body)
        gaps: list[float] = []
        done = False

        async def ticker() -> None:
            last = time.perf_counter()
            while not done:
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                gaps.append(now - last - 0.005)
                last = now

        ticking = asyncio.create_task(ticker())
        began = time.perf_counter()
        status = await call()
        took = time.perf_counter() - began
        done = True
        await ticking
    gaps.sort(reverse=True)
    backend = database_url.split(":")[0]
    print(f"{backend}: {count:,} tasks, {len(body) / 1e6:.1f} MB -> {status} in {took:.2f} s")
    print("longest event-loop stalls (ms): " + ", ".join(f"{gap * 1000:.0f}" for gap in gaps[:5]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_POSTGRES, help="admin URL; default SQLite")
    args = parser.parse_args()
    if args.postgres is None:
        asyncio.run(run(f"sqlite:///{tempfile.mkdtemp(prefix='taskagent-import-db-')}/bench.db", args.tasks))
        return 0
    if not reachable(args.postgres):
        print(f"PostgreSQL not reachable at {args.postgres}", file=sys.stderr)
        return 1
    with own_database(args.postgres, "taskagent_import") as database_url:
        asyncio.run(run(database_url, args.tasks))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
