"""How long one chat turn takes on the server, in a thread of 20 items and in one of 2,000.

    .venv/bin/python bench/chat_turn.py [--turns 30] [--backend sqlite|postgres|both]

In process: the app is driven through its ASGI interface (httpx's ASGITransport), so the figure is the
server's time for `threads.add_user_message` from the request to the last byte of the stream: auth, the
store, the history and summary, the offline engine's run (the default model, no network) and every write.
The 2,000-item thread is seeded as a long life of turns would have left it (items in the table, the
summary folded up to the recent window); each measured turn then reads the same bounded window.

Also counted per turn: SQL statements and thread-item rows loaded. Results are printed and written to
bench/results/chat_turn-<time>.json.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from support import drop_database, new_database  # noqa: E402 - bench/support.py, beside this script

from taskagent import migrations  # noqa: E402
from taskagent.app import create_app  # noqa: E402
from taskagent.auth import tokens  # noqa: E402
from taskagent.auth.models import User  # noqa: E402
from taskagent.config import Settings, to_async_url  # noqa: E402
from taskagent.conversations.history import WINDOW_ITEMS  # noqa: E402
from taskagent.conversations.models import Thread, ThreadItem  # noqa: E402
from taskagent.conversations.summary import fold  # noqa: E402
from taskagent.db import session_scope  # noqa: E402
from taskagent.resources import app_resources  # noqa: E402

RESULTS = ROOT / "bench" / "results"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SIZES = (20, 2_000)


def items_for(thread_id: str, count: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC).isoformat()
    items: list[dict[str, Any]] = []
    n = 0
    while len(items) < count:
        base = {"thread_id": thread_id, "created_at": now}
        items += [
            {
                **base,
                "id": f"msg_u{n}_{uuid.uuid4().hex[:12]}",
                "type": "user_message",
                "attachments": [],
                "inference_options": {},
                "content": [{"type": "input_text", "text": f"Create a task to prepare report number {n}"}],
            },
            {
                **base,
                "id": f"tsk_{n}_{uuid.uuid4().hex[:12]}",
                "type": "task",
                "task": {"type": "custom", "title": f"Created task #{1000 + n}: Prepare report number {n}"},
            },
            {
                **base,
                "id": f"msg_a{n}_{uuid.uuid4().hex[:12]}",
                "type": "assistant_message",
                "content": [
                    {
                        "type": "output_text",
                        "annotations": [],
                        "text": f"Created task #{1000 + n} Prepare report number {n}.",
                    }
                ],
            },
        ]
        n += 1
    return items[:count]


async def seed(app: Any, user_id: int, thread_id: str, count: int) -> None:
    async with session_scope(app_resources(app).session_factory) as session:
        thread = (await session.execute(select(Thread).where(Thread.id == thread_id))).scalar_one()
        rows = (
            (await session.execute(select(ThreadItem).where(ThreadItem.thread_id == thread_id)))
            .scalars()
            .all()
        )
        start = max((row.seq for row in rows), default=0)
        data = items_for(thread_id, count)
        session.add_all(
            ThreadItem(
                id=item["id"],
                thread_id=thread_id,
                owner_id=user_id,
                seq=start + i + 1,
                type=item["type"],
                data=item,
            )
            for i, item in enumerate(data)
        )
        if count > WINDOW_ITEMS:
            older = [row.data for row in sorted(rows, key=lambda row: row.seq)] + data[: count - WINDOW_ITEMS]
            thread.summary, thread.summary_through_seq = fold(None, older), start + count - WINDOW_ITEMS


def sse_events(body: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


async def run_backend(name: str, database_url: str, turns: int) -> dict[str, Any]:
    engine = create_async_engine(to_async_url(database_url))
    await migrations.upgrade(engine)
    await engine.dispose()
    data_dir = Path(tempfile.mkdtemp(prefix="chat-bench-"))
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        data_dir=data_dir,
        secret_key="bench-secret-key-that-is-long-enough-for-hs256-0123456789",  # noqa: S106 - throwaway
        taskagent_env="test",
        rate_limit_enabled=False,
    )
    app = create_app(settings)
    results: dict[str, Any] = {"backend": name}
    async with app.router.lifespan_context(app):
        async with session_scope(app_resources(app).session_factory) as session:
            email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
            user = User(email=email, password_hash="unused", timezone="UTC")  # noqa: S106 - signs in by token
            session.add(user)
            await session.flush()
            user_id = user.id
        headers = {"Authorization": f"Bearer {tokens.issue(settings, user_id, 'access').token}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as client:

            async def post(body: dict[str, Any]) -> list[dict[str, Any]]:
                response = await client.post("/chatkit", json=body, headers=headers)
                response.raise_for_status()
                events = sse_events(response.text)
                assert not [e for e in events if e["type"] == "error"], events
                return events

            def message(said: str) -> dict[str, Any]:
                return {
                    "content": [{"type": "input_text", "text": said}],
                    "attachments": [],
                    "inference_options": {},
                }

            threads = {}
            for size in SIZES:
                events = await post({"type": "threads.create", "params": {"input": message("hi")}})
                threads[size] = events[0]["thread"]["id"]
                await seed(app, user_id, threads[size], size - 2)  # "hi" and its answer are 2 items

            statements = 0
            item_rows = 0

            def on_statement(*_: Any) -> None:
                nonlocal statements
                statements += 1

            def on_load(*_: Any) -> None:
                nonlocal item_rows
                item_rows += 1

            event.listen(app_resources(app).engine.sync_engine, "before_cursor_execute", on_statement)
            event.listen(ThreadItem, "load", on_load)
            for size in SIZES:
                timings, counts = [], []
                for turn in range(turns + 3):
                    statements = item_rows = 0
                    started = time.perf_counter()
                    await post(
                        {
                            "type": "threads.add_user_message",
                            "params": {"thread_id": threads[size], "input": message("What tasks do I have?")},
                        }
                    )
                    elapsed = time.perf_counter() - started
                    if turn >= 3:  # warm-up turns are not counted
                        timings.append(elapsed * 1000)
                        counts.append((statements, item_rows))
                timings.sort()
                results[f"{size} items"] = {
                    "turns": len(timings),
                    "p50_ms": round(statistics.median(timings), 1),
                    "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1),
                    "max_ms": round(timings[-1], 1),
                    "sql_statements_per_turn": max(count[0] for count in counts),
                    "item_rows_read_per_turn": max(count[1] for count in counts),
                }
            event.remove(app_resources(app).engine.sync_engine, "before_cursor_execute", on_statement)
            event.remove(ThreadItem, "load", on_load)
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()

    runs = []
    if args.backend in {"sqlite", "both"}:
        path = Path(tempfile.mkdtemp(prefix="chat-bench-")) / "bench.db"
        runs.append(await run_backend("sqlite", f"sqlite:///{path}", args.turns))
    if args.backend in {"postgres", "both"}:
        name, url = await new_database(POSTGRES, "chat_bench")
        try:
            runs.append(await run_backend("postgres", url, args.turns))
        finally:
            await drop_database(POSTGRES, name)

    header = ("backend", "thread", "p50 ms", "p95 ms", "max ms", "SQL/turn", "item rows")
    print(f"{header[0]:<10} {header[1]:<12} " + " ".join(f"{name:>9}" for name in header[2:]))
    for run in runs:
        for size in SIZES:
            row = run[f"{size} items"]
            values = (row["p50_ms"], row["p95_ms"], row["max_ms"])
            counts = (row["sql_statements_per_turn"], row["item_rows_read_per_turn"])
            print(
                f"{run['backend']:<10} {size:>5} items "
                + " ".join(f"{value:>9}" for value in (*values, *counts))
            )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    output = RESULTS / f"chat_turn-{stamp}.json"
    output.write_text(json.dumps({"runs": runs, "python": sys.version.split()[0]}, indent=2))
    print(f"written to {output.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
