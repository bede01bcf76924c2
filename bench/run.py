"""TaskAgent load benchmark: `make bench` (or `.venv/bin/python bench/run.py --help`).

What it does, in one run, against real `taskagent serve` processes on loopback:

1. creates a PostgreSQL database of its own, migrates it with `taskagent migrate` (dropped at the end);
2. starts `taskagent serve --workers 1` (Redis for the rate limits when it answers), signs a user up through
   the API and creates 10,000 tasks for them through the API;
3. measures requests per second and p50/p99 latency of `GET /health`, authenticated `GET /tasks/{id}` and
   `GET /tasks` (first page, 50 tasks) at 32 and 256 concurrent keep-alive connections; /health and
   `GET /tasks/{id}` alternate for `--rounds` rounds, and their ratio is the median of the rounds' ratios;
4. measures `GET /tasks/{id}` while 8 connections log in (`POST /token`, Argon2id) without pause, taking
   turns with the same reads without logins for `--rounds` rounds (p99 ratio: the rounds' median);
5. restarts with `--workers 2` and measures `/health` and `GET /tasks/{id}` again: the 2-vs-1 ratio.

The load generator is a small asyncio HTTP/1.1 client (keep-alive, one request in flight per connection),
on uvloop when installed, so it runs anywhere the project does. It shares the machine with the server:
on a 2-core machine the figures are for one core of server against one core of client, and the 2-worker
ratio is bounded by that. Results are printed as a table and written to bench/results/<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from support import admin_sql, free_port, reachable

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TASKAGENT = str(Path(sys.executable).parent / "taskagent")
DEFAULT_POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DEFAULT_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
QUIET_READS = "GET /tasks/{id} (no logins)"
BUSY_READS = "GET /tasks/{id} + 8 logins"
PASSWORD = "bench password 123"  # noqa: S105 - a throwaway user in a throwaway database


# --- a minimal HTTP/1.1 keep-alive client -------------------------------------------------------------------


class HTTPError(Exception):
    pass


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = 0
        chunked = close = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, body


def build_request(
    method: str, path: str, host: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method in {"POST", "PUT", "PATCH"}:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def call(
    host: str, port: int, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, bytes]:
    connection = Connection(host, port)
    try:
        return await connection.request(build_request(method, path, f"{host}:{port}", headers, body))
    finally:
        connection.close()


# --- load ----------------------------------------------------------------------------------------------


@dataclass
class Measurement:
    name: str
    workers: int
    concurrency: int
    seconds: float
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_us_per_request: float = float("nan")
    postgres_cpu_us_per_request: float = float("nan")
    statuses: dict[str, int] = field(default_factory=dict)
    background: dict[str, Any] = field(default_factory=dict)
    round: int = 1


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


async def drive(
    host: str,
    port: int,
    requests: list[bytes],
    concurrency: int,
    warmup: float,
    duration: float,
    request_timeout: float = 30.0,
) -> tuple[list[float], dict[str, int], int, float]:
    """`concurrency` connections, each sending the next request as soon as the last answer is read.

    Returns (latencies in seconds of requests completed inside the measured window, statuses, errors,
    measured seconds).
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    measure_from = start + warmup
    stop_at = measure_from + duration
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors = 0

    async def worker(index: int) -> None:
        nonlocal errors
        connection = Connection(host, port)
        position = index * 7919
        try:
            while True:
                now = loop.time()
                if now >= stop_at:
                    return
                raw = requests[position % len(requests)]
                position += 1
                began = time.perf_counter()
                try:
                    status, _ = await asyncio.wait_for(connection.request(raw), request_timeout)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                    connection.close()
                    if loop.time() >= measure_from:
                        errors += 1
                    continue
                elapsed = time.perf_counter() - began
                if measure_from <= loop.time() <= stop_at:
                    latencies.append(elapsed)
                    statuses[str(status)] = statuses.get(str(status), 0) + 1
        finally:
            connection.close()

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return latencies, statuses, errors, duration


@dataclass
class Target:
    host: str
    port: int
    workers: int
    pid: int
    database: str


async def measure(
    name: str,
    target: Target,
    requests: list[bytes],
    concurrency: int,
    warmup: float,
    duration: float,
    background: Callable[[asyncio.Event], Coroutine[Any, Any, dict[str, Any]]] | None = None,
    round_number: int = 1,
) -> Measurement:
    stop = asyncio.Event()
    side = asyncio.create_task(background(stop)) if background is not None else None
    loop = asyncio.get_running_loop()
    cpu_before: list[tuple[float, float]] = []
    # Sample CPU at the start of the measured window (after the warm-up), not before it.
    loop.call_later(warmup, lambda: cpu_before.append(cpu_seconds(target.pid, target.database)))
    try:
        latencies, statuses, errors, seconds = await drive(
            target.host, target.port, requests, concurrency, warmup, duration
        )
    finally:
        stop.set()
    cpu_after = cpu_seconds(target.pid, target.database)
    side_result = await side if side is not None else {}
    latencies.sort()
    handled = len(latencies)  # with logins alongside, their CPU is charged to the reads
    server_us = postgres_us = float("nan")
    if cpu_before and handled:
        server_us = (cpu_after[0] - cpu_before[0][0]) / handled * 1e6
        postgres_us = (cpu_after[1] - cpu_before[0][1]) / handled * 1e6
    ok = sum(count for status, count in statuses.items() if status.startswith("2"))
    result = Measurement(
        name=name,
        workers=target.workers,
        concurrency=concurrency,
        seconds=seconds,
        requests=len(latencies),
        errors=errors + (len(latencies) - ok),
        rps=ok / seconds,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        max_ms=(latencies[-1] * 1000) if latencies else float("nan"),
        server_cpu_us_per_request=round(server_us, 1),
        postgres_cpu_us_per_request=round(postgres_us, 1),
        statuses=statuses,
        background=side_result,
        round=round_number,
    )
    print(
        f"  {name:<28} w={target.workers} c={concurrency:<4} r={round_number} {result.rps:7.0f} req/s  "
        f"p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms  errors {result.errors}  "
        f"CPU/req server {server_us:6.0f} us, postgres {postgres_us:5.0f} us",
        flush=True,
    )
    return result


def login_loop(
    host: str, port: int, email: str, connections: int
) -> Callable[[asyncio.Event], Coroutine[Any, Any, dict[str, Any]]]:
    body = urlencode({"username": email, "password": PASSWORD}).encode()
    raw = build_request(
        "POST", "/token", f"{host}:{port}", {"Content-Type": "application/x-www-form-urlencoded"}, body
    )

    async def run(stop: asyncio.Event) -> dict[str, Any]:
        latencies: list[float] = []
        statuses: dict[str, int] = {}

        async def one() -> None:
            connection = Connection(host, port)
            try:
                while not stop.is_set():
                    began = time.perf_counter()
                    try:
                        status, _ = await connection.request(raw)
                    except (OSError, asyncio.IncompleteReadError):
                        connection.close()
                        continue
                    latencies.append(time.perf_counter() - began)
                    statuses[str(status)] = statuses.get(str(status), 0) + 1
            finally:
                connection.close()

        began = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(connections)))
        elapsed = time.perf_counter() - began
        latencies.sort()
        return {
            "logins": len(latencies),
            "logins_per_second": round(len(latencies) / elapsed, 1),
            "login_p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
            "login_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
            "login_statuses": statuses,
        }

    return run


# --- CPU accounting (Linux /proc): what each request costs, whatever else the machine is doing ----------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_seconds(root_pid: int, database: str) -> tuple[float, float]:
    """CPU seconds used so far by the server (the process and its workers) and by PostgreSQL backends
    connected to `database`."""
    server = postgres = 0.0
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is None:
            continue
        parents[int(entry.name)], times[int(entry.name)] = stat
        if database:
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"postgres: ") and f" {database} ".encode() in cmdline:
                postgres += stat[1]
    for pid, cpu in times.items():
        ancestor = pid
        while ancestor > 1:
            if ancestor == root_pid:
                server += cpu
                break
            ancestor = parents.get(ancestor, 0)
    return server, postgres


# --- the server and its database -----------------------------------------------------------------------


@contextlib.contextmanager
def own_database(admin_url: str) -> Iterator[str]:
    name = f"taskagent_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(admin_sql(admin_url, f'CREATE DATABASE "{name}"'))
    parts = urlsplit(admin_url)
    url = parts._replace(path=f"/{name}").geturl()
    try:
        yield url
    finally:
        asyncio.run(admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def server(env: dict[str, str], workers: int, log_dir: Path) -> Iterator[Target]:
    port = free_port()
    log_path = log_dir / f"serve-w{workers}-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [TASKAGENT, "serve", "--port", str(port), "--workers", str(workers), "--no-access-log"],
            env=env,
            cwd=log_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited ({process.returncode}):\n{log_path.read_text()}")
            started = log_path.read_text().count("Application startup complete")
            if started >= workers:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready in 180 s:\n{log_path.read_text()}")
            time.sleep(0.2)
        database = urlsplit(env["DATABASE_URL"]).path.lstrip("/")
        yield Target("127.0.0.1", port, workers, process.pid, database)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


# --- the scenario --------------------------------------------------------------------------------------


async def seed(host: str, port: int, email: str, tasks: int) -> tuple[str, list[int]]:
    status, body = await call(
        host,
        port,
        "POST",
        "/users/signup",
        {"Content-Type": "application/json"},
        json.dumps({"email": email, "password": PASSWORD}).encode(),
    )
    if status != 201:
        raise HTTPError(f"signup: {status} {body[:200]!r}")
    status, body = await call(
        host,
        port,
        "POST",
        "/token",
        {"Content-Type": "application/x-www-form-urlencoded"},
        urlencode({"username": email, "password": PASSWORD}).encode(),
    )
    if status != 200:
        raise HTTPError(f"token: {status} {body[:200]!r}")
    token = json.loads(body)["access_token"]
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    priorities = ["low", "normal", "high", "urgent"]
    ids: list[int] = []
    queue = list(range(tasks))

    async def creator() -> None:
        connection = Connection(host, port)
        try:
            while queue:
                n = queue.pop()
                payload = {
                    "title": f"Benchmark task {n}",
                    "description": "Seeded by bench/run.py " * 4,
                    "priority": priorities[n % 4],
                    "tags": ["bench", f"group-{n % 20}"],
                }
                raw = build_request("POST", "/tasks", f"{host}:{port}", auth, json.dumps(payload).encode())
                status, body = await connection.request(raw)
                if status != 201:
                    raise HTTPError(f"create task: {status} {body[:200]!r}")
                ids.append(json.loads(body)["id"])
        finally:
            connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(creator() for _ in range(16)))
    print(
        f"  seeded 1 user and {len(ids)} tasks through the API in {time.perf_counter() - began:.1f} s",
        flush=True,
    )
    return token, ids


def read_requests(target: Target, token: str, ids: list[int]) -> dict[str, list[bytes]]:
    address = f"{target.host}:{target.port}"
    auth = {"Authorization": f"Bearer {token}"}
    sample = random.Random(7).sample(ids, min(2000, len(ids)))
    return {
        "GET /health": [build_request("GET", "/health", address)],
        "GET /tasks/{id}": [build_request("GET", f"/tasks/{task_id}", address, auth) for task_id in sample],
        "GET /tasks (50 of 10,000)": [build_request("GET", "/tasks?limit=50", address, auth)],
    }


async def scenario(args: argparse.Namespace, env: dict[str, str], log_dir: Path) -> dict[str, Any]:
    results: list[Measurement] = []
    concurrencies = [32, 256]
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"

    with server(env, 1, log_dir) as target:
        print(f"server: 1 worker on port {target.port}", flush=True)
        token, ids = await seed(target.host, target.port, email, args.tasks)
        requests = read_requests(target, token, ids)
        # /health and GET /tasks/{id} take turns, round after round: on a shared machine the speed drifts
        # by tens of percent within minutes, and a ratio of two points measured minutes apart drifts with it.
        for c in concurrencies:
            for number in range(1, args.rounds + 1):
                for name in ("GET /health", "GET /tasks/{id}"):
                    results.append(
                        await measure(
                            name, target, requests[name], c, args.warmup, args.duration, None, number
                        )
                    )
        for c in concurrencies:
            name = "GET /tasks (50 of 10,000)"
            results.append(await measure(name, target, requests[name], c, args.warmup, args.duration))
        # Reads with and without logins alongside take turns too; their p99 ratio is the rounds' median.
        for number in range(1, args.rounds + 1):
            for name, logins in (
                (QUIET_READS, None),
                (BUSY_READS, login_loop(target.host, target.port, email, 8)),
            ):
                results.append(
                    await measure(
                        name,
                        target,
                        requests["GET /tasks/{id}"],
                        32,
                        args.warmup,
                        args.duration,
                        background=logins,
                        round_number=number,
                    )
                )
    if not args.skip_workers:
        with server(env, 2, log_dir) as target:
            print(f"server: 2 workers on port {target.port}", flush=True)
            requests = read_requests(target, token, ids)
            for name in ("GET /health", "GET /tasks/{id}"):
                for c in concurrencies:
                    results.append(await measure(name, target, requests[name], c, args.warmup, args.duration))
    return summarise(results)


def find_all(results: list[Measurement], name: str, workers: int, concurrency: int) -> list[Measurement]:
    return [r for r in results if (r.name, r.workers, r.concurrency) == (name, workers, concurrency)]


def find(results: list[Measurement], name: str, workers: int, concurrency: int) -> Measurement | None:
    """The measurement of this point; of several rounds, the one with the median rate."""
    found = sorted(find_all(results, name, workers, concurrency), key=lambda r: r.rps)
    return found[(len(found) - 1) // 2] if found else None


def summarise(results: list[Measurement]) -> dict[str, Any]:
    ratios: dict[str, float] = {}
    for c in (32, 256):
        # The ratio of each round (both measured within seconds of each other), then their median.
        healths = {r.round: r for r in find_all(results, "GET /health", 1, c)}
        per_round = [
            task.rps / healths[task.round].rps
            for task in find_all(results, "GET /tasks/{id}", 1, c)
            if task.round in healths and healths[task.round].rps
        ]
        if per_round:
            ratios[f"tasks_id_over_health_c{c}"] = round(statistics.median(per_round), 3)
            ratios[f"tasks_id_over_health_c{c}_lowest_round"] = round(min(per_round), 3)
        for name, key in (("GET /health", "health"), ("GET /tasks/{id}", "tasks_id")):
            one, two = find(results, name, 1, c), find(results, name, 2, c)
            if one and two and one.rps:
                ratios[f"{key}_workers2_over_1_c{c}"] = round(two.rps / one.rps, 3)
    quiets = {r.round: r for r in find_all(results, QUIET_READS, 1, 32)}
    p99_ratios = [
        busy.p99_ms / quiets[busy.round].p99_ms
        for busy in find_all(results, BUSY_READS, 1, 32)
        if busy.round in quiets and quiets[busy.round].p99_ms
    ]
    if p99_ratios:
        ratios["tasks_id_p99_with_logins_over_without"] = round(statistics.median(p99_ratios), 2)
        ratios["tasks_id_p99_with_logins_over_without_highest_round"] = round(max(p99_ratios), 2)
    return {"measurements": [asdict(r) for r in results], "ratios": ratios}


def table(summary: dict[str, Any]) -> str:
    rows = [
        "| endpoint | workers | connections | round | req/s | p50 ms | p99 ms | max ms | errors "
        "| server CPU µs/req | PostgreSQL CPU µs/req |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in summary["measurements"]:
        rows.append(
            f"| {m['name']} | {m['workers']} | {m['concurrency']} | {m['round']} | {m['rps']:.0f} | "
            f"{m['p50_ms']:.1f} | "
            f"{m['p99_ms']:.1f} | {m['max_ms']:.0f} | {m['errors']} | {m['server_cpu_us_per_request']:.0f} "
            f"| {m['postgres_cpu_us_per_request']:.0f} |"
        )
        if m["background"]:
            b = m["background"]
            failed = sum(v for k, v in b["login_statuses"].items() if k != "200")
            rows.append(
                f"| ↳ POST /token alongside | 1 | 8 | | {b['logins_per_second']:.1f} | "
                f"{b['login_p50_ms']:.1f} | {b['login_p99_ms']:.1f} | | {failed} | | |"
            )
    rows.append("")
    for name, value in summary["ratios"].items():
        rows.append(f"- {name}: {value}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=8.0, help="measured seconds per point (default 8)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first (default 2)")
    parser.add_argument(
        "--tasks", type=int, default=10_000, help="tasks seeded for the user (default 10,000)"
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="admin URL used to create the database")
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="Redis for the rate limits ('' for none)")
    parser.add_argument("--skip-workers", action="store_true", help="skip the 2-worker measurements")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating /health and GET /tasks/{id} rounds (default 3)"
    )
    args = parser.parse_args(argv)

    if not reachable(args.postgres):
        print(f"bench: PostgreSQL not reachable at {args.postgres} (set BENCH_POSTGRES_URL)", file=sys.stderr)
        return 1
    redis = args.redis if args.redis and reachable(args.redis) else ""
    if args.redis and not redis:
        print(f"bench: Redis not reachable at {args.redis}: rate limits in memory", file=sys.stderr)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    log_dir = Path(tempfile.mkdtemp(prefix="taskagent-bench-"))
    started = datetime.now(UTC)
    try:
        with own_database(args.postgres) as database_url:
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": os.environ.get("HOME", str(log_dir)),
                # To measure another checkout of the code with this script (before/after comparisons).
                **({"PYTHONPATH": os.environ["PYTHONPATH"]} if os.environ.get("PYTHONPATH") else {}),
                "DATABASE_URL": database_url,
                "REDIS_URL": redis,
                "RATE_LIMIT_KEY_PREFIX": f"taskagent-bench-{uuid.uuid4().hex}",
                "SECRET_KEY": "bench-secret-" + uuid.uuid4().hex + uuid.uuid4().hex,
                "TASKAGENT_ENV": "production",
                "TASKAGENT_DATA_DIR": str(log_dir / "data"),
                # The logins are the load here, not something to refuse.
                "TOKEN_RATE_LIMIT": "1000000",
            }
            migrated = subprocess.run(
                [TASKAGENT, "migrate"], env=env, cwd=log_dir, capture_output=True, text=True, check=False
            )
            if migrated.returncode != 0:
                print(migrated.stderr, file=sys.stderr)
                return 1
            print(
                f"database: {database_url.rsplit('/', 1)[1]} (migrated); redis: {redis or 'none'}", flush=True
            )
            summary = asyncio.run(scenario(args, env, log_dir))
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)

    summary["meta"] = {
        "started": started.isoformat(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_at_end": list(os.getloadavg()),
        "duration": args.duration,
        "warmup": args.warmup,
        "tasks": args.tasks,
        "rounds": args.rounds,
        "redis": bool(redis),
        "access_log": False,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(summary, indent=2))
    print()
    print(table(summary))
    print(f"\nwritten: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
