"""Instructions per request: `.venv/bin/python bench/instructions.py [--kinds page,read] [--requests 60]`.

Counts the CPU instructions the app runs for each request kind of the mixed workload (bench/run.py), with
callgrind (valgrind, Debian's `valgrind` package), in-process as bench/profile_routes.py does (ASGI calls
into the full middleware stack, one request at a time) against a PostgreSQL database of its own holding
one user with 10,000 tasks. Unlike seconds, an instruction count does not depend on what else the machine
is doing: two versions of the code can be compared on a busy machine, a few percent apart. It is not a
rate: sockets, the HTTP parser and PostgreSQL are outside it (bench/run.py measures those). Each kind runs
in its own process under valgrind, counting only the measured requests (about a minute a kind), with the
garbage collector tuned as `taskagent serve` tunes it; enough requests that its collections, which fall
every so many allocations, are counted in their share (with 30 requests a page counted 8.7 million
instructions, with 120 10.4 million: one full collection fell inside).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from support import own_database, reachable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from profile_routes import PAGES, asgi_caller, seed  # noqa: E402

from taskagent.app import create_app  # noqa: E402
from taskagent.auth import tokens  # noqa: E402
from taskagent.config import Settings  # noqa: E402

DEFAULT_POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
KINDS = ("health", "page", "read", "patch", "post")


def settings_for(database_url: str, secret: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        secret_key=secret,
        redis_url=None,
        TASKAGENT_DATA_DIR=Path(tempfile.mkdtemp(prefix="taskagent-instructions-")),
    )


def callgrind(on: bool) -> None:
    """Counting on or off in this process (it runs under valgrind --instr-atstart=no)."""
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], check=True)


async def child(database_url: str, secret: str, user_id: int, kind: str, requests: int) -> None:
    """The measured process: the app, a warm-up, then `requests` requests of `kind` counted."""
    settings = settings_for(database_url, secret)
    token = tokens.issue(settings, user_id).token
    app = create_app(settings, tune_gc=True)  # the collector tuned as `taskagent serve` tunes it
    update = b'{"priority": "high"}'
    created = b'{"title": "Counted", "tags": ["bench"], "description": "Made by bench/instructions.py"}'
    async with app.router.lifespan_context(app):
        calls = {
            "health": [asgi_caller(app, "GET", "/health", token)],
            "page": [asgi_caller(app, "GET", f"/tasks?{query}", token) for query in PAGES],
            "read": [asgi_caller(app, "GET", f"/tasks/{i}", token) for i in range(1, 201)],
            "patch": [asgi_caller(app, "PATCH", f"/tasks/{i}", token, update) for i in range(201, 401)],
            "post": [asgi_caller(app, "POST", "/tasks", token, created)],
        }[kind]
        for call in calls[:24]:  # warm-up: caches, prepared statements, the pool
            await call()
        callgrind(True)
        for n in range(requests):
            status = await calls[(n + 24) % len(calls)]()
            if status >= 400:
                raise RuntimeError(f"{kind}: {status}")
        callgrind(False)


def measure(database_url: str, secret: str, user_id: int, kind: str, requests: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={output}",
            sys.executable,
            __file__,
            "--child",
            database_url,
            secret,
            str(user_id),
            kind,
            str(requests),
        ]
        finished = subprocess.run(command, capture_output=True, text=True, check=False)
        found = re.search(r"Collected : (\d+)", finished.stderr)
        if finished.returncode != 0 or found is None:
            raise RuntimeError(f"{kind}: valgrind failed:\n{finished.stderr[-3000:]}")
        return int(found.group(1)) // requests


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        url, key, owner, kind, requests = sys.argv[2:7]
        asyncio.run(child(url, key, int(owner), kind, int(requests)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="admin URL used to create the database")
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument(
        "--requests", type=int, default=200, help="counted requests of each kind (default 200)"
    )
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}")
    args = parser.parse_args()
    kinds = [kind for kind in args.kinds.split(",") if kind]
    if unknown := set(kinds) - set(KINDS):
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 1
    if not reachable(args.postgres):
        print(f"PostgreSQL not reachable at {args.postgres}", file=sys.stderr)
        return 1
    with own_database(args.postgres, "taskagent_instructions") as database_url:
        secret = "instructions-" + uuid.uuid4().hex * 2
        user_id = asyncio.run(seed(settings_for(database_url, secret), args.tasks))
        counts = {kind: measure(database_url, secret, user_id, kind, args.requests) for kind in kinds}
    health = counts.get("health")
    for kind, count in counts.items():
        against = f"  ({health / count:.3f} of /health's count)" if health and kind != "health" else ""
        print(f"{kind:<8} {count:>12,} instructions a request{against}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
