"""TaskAgent load benchmark: `make bench` (or `.venv/bin/python bench/run.py --help`).

What it does, in one run, against real `taskagent serve` processes on loopback:

1. creates a PostgreSQL database of its own, migrates it with `taskagent migrate` (dropped at the end);
2. starts `taskagent serve --workers 1` (Redis for the rate limits when it answers), signs a user up through
   the API and creates 10,000 tasks for them through the API;
3. at 32 and 256 concurrent keep-alive connections, for `--rounds` rounds, takes turns between `GET /health`,
   `GET /tasks` pages (50 of the 10,000, in several sorts and filters), `GET /tasks/{id}` and the mixed
   workload a client makes: per 100 requests 45 pages, 25 reads, 15 `PATCH`, 10 `POST`, 5 `DELETE`. Each
   kind's rate against `/health`'s in the same round, then the median and spread of the rounds; the mix's
   latency per kind (p99: no kind starves while others are served);
4. measures each write alone (`PATCH`, `POST`, `DELETE` at 32 connections): the server CPU of every kind;
5. measures `GET /tasks/{id}` while 8 connections log in (`POST /token`, Argon2id) without pause, taking
   turns with the same reads without logins (p99 ratio: the rounds' median; `--skip-logins` skips it);
6. restarts with `--workers 2` and measures `/health` and the mix again: the 2-vs-1 ratio.

Server CPU per request is read from /proc (the server process and its workers, and PostgreSQL's backends
for the database) at both ends of the measured window. The load generator is a small asyncio HTTP/1.1
client (keep-alive, one request in flight per connection), on uvloop when installed, so it runs anywhere
the project does. It shares the machine with the server: on a 2-core machine the figures are for one core
of server against one core of client. Results are printed as a table and written to
bench/results/<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
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

from support import admin_sql, free_port, own_database, reachable

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TASKAGENT = str(Path(sys.executable).parent / "taskagent")
DEFAULT_POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DEFAULT_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
HEALTH = "GET /health"
PAGE = "GET /tasks"
READ = "GET /tasks/{id}"
UPDATE = "PATCH /tasks/{id}"
CREATE = "POST /tasks"
DELETE = "DELETE /tasks/{id}"
MIX = "mix"
CONCURRENCIES = (32, 256)
# Per 100 requests of the mixed workload.
MIX_SHARES = {PAGE: 45, READ: 25, UPDATE: 15, CREATE: 10, DELETE: 5}
# The pages the mix asks for: 50 tasks in several sorts and filters, as a client's list views do.
PAGE_QUERIES = (
    "limit=50",
    "limit=50&sort=-updated_at",
    "limit=50&sort=-priority",
    "limit=50&sort=due_date&status=pending",
    "limit=50&priority=high",
    "limit=50&tag=group-3&sort=title",
)
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
    kinds: dict[str, dict[str, float]] = field(default_factory=dict)  # a mix's figures per kind


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


class Requests:
    """The requests of each kind, made as they are sent: a DELETE takes a task no one else deletes (one
    of the seeded tasks never read, or one a POST made), reads and updates go to a fixed sample."""

    def __init__(self, target: Target, token: str, ids: list[int]) -> None:
        self.address = f"{target.host}:{target.port}"
        self.auth = {"Authorization": f"Bearer {token}"}
        self.json_auth = {**self.auth, "Content-Type": "application/json"}
        self.kept = random.Random(7).sample(ids, min(2000, len(ids) // 2))  # read and changed, never deleted
        kept = set(self.kept)
        self.deletable = collections.deque(task_id for task_id in ids if task_id not in kept)
        self.sent: collections.Counter[str] = collections.Counter()

    def aim(self, target: Target) -> None:
        """Send the same requests to another server (of the same database)."""
        self.address = f"{target.host}:{target.port}"

    def make(self, kind: str) -> bytes:
        n = self.sent[kind]
        self.sent[kind] += 1
        if kind == HEALTH:
            return build_request("GET", "/health", self.address)
        if kind == PAGE:
            return build_request(
                "GET", f"/tasks?{PAGE_QUERIES[n % len(PAGE_QUERIES)]}", self.address, self.auth
            )
        if kind in (READ, QUIET_READS, BUSY_READS):
            return build_request("GET", f"/tasks/{self.kept[n % len(self.kept)]}", self.address, self.auth)
        if kind == UPDATE:
            change = {"priority": PRIORITIES[n % 4], "status": STATUSES[n % 3]}
            path = f"/tasks/{self.kept[(n * 31) % len(self.kept)]}"
            return build_request("PATCH", path, self.address, self.json_auth, json.dumps(change).encode())
        if kind == CREATE:
            return build_request(
                "POST", "/tasks", self.address, self.json_auth, json.dumps(new_task(n)).encode()
            )
        if kind == DELETE:
            # None left (a very long run): a missing task, answered 404 and counted as an error.
            task_id = self.deletable.popleft() if self.deletable else 2**31 - 1
            return build_request("DELETE", f"/tasks/{task_id}", self.address, self.auth)
        raise ValueError(kind)

    def answered(self, kind: str, status: int, body: bytes) -> None:
        if kind == CREATE and status == 201:
            self.deletable.append(json.loads(body)["id"])


def schedule(name: str) -> list[str]:
    """The kinds a point sends, in order (each connection starts at its own place in the cycle)."""
    if name != MIX:
        return [name]
    kinds = [kind for kind, share in MIX_SHARES.items() for _ in range(share)]
    random.Random(11).shuffle(kinds)
    return kinds


async def drive(
    host: str,
    port: int,
    requests: Requests,
    kinds: list[str],
    concurrency: int,
    warmup: float,
    duration: float,
    request_timeout: float = 30.0,
) -> tuple[dict[str, list[float]], dict[str, int], dict[str, int], dict[str, int], float]:
    """`concurrency` connections, each sending the next request as soon as the last answer is read.

    Returns (latencies in seconds per kind of requests sent and answered inside the measured window,
    requests answered inside it per kind, statuses, errors per kind, measured seconds). The rates count
    every answer inside the window; the latencies leave out requests sent during the warm-up, which
    include opening the connection while all the others open theirs (a cold start, not the steady state).
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    measure_from = start + warmup
    stop_at = measure_from + duration
    latencies: dict[str, list[float]] = {kind: [] for kind in kinds}
    completed: dict[str, int] = {kind: 0 for kind in kinds}
    statuses: dict[str, int] = {}
    errors: dict[str, int] = {kind: 0 for kind in kinds}

    async def worker(index: int) -> None:
        connection = Connection(host, port)
        position = index * 7919
        try:
            while True:
                now = loop.time()
                if now >= stop_at:
                    return
                kind = kinds[position % len(kinds)]
                position += 1
                raw = requests.make(kind)
                sent_in_window = now >= measure_from
                began = time.perf_counter()
                try:
                    status, body = await asyncio.wait_for(connection.request(raw), request_timeout)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                    connection.close()
                    if loop.time() >= measure_from:
                        errors[kind] += 1
                    continue
                elapsed = time.perf_counter() - began
                requests.answered(kind, status, body)
                if measure_from <= loop.time() <= stop_at:
                    completed[kind] += 1
                    if sent_in_window:
                        latencies[kind].append(elapsed)
                    statuses[str(status)] = statuses.get(str(status), 0) + 1
                    if not 200 <= status < 300:
                        errors[kind] += 1
        finally:
            connection.close()

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return latencies, completed, statuses, errors, duration


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
    requests: Requests,
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
        by_kind, completed, statuses, errors, seconds = await drive(
            target.host, target.port, requests, schedule(name), concurrency, warmup, duration
        )
    finally:
        stop.set()
    cpu_after = cpu_seconds(target.pid, target.database)
    side_result = await side if side is not None else {}
    latencies = sorted(value for values in by_kind.values() for value in values)
    handled = sum(completed.values())  # with logins alongside, their CPU is charged to the reads
    server_us = postgres_us = float("nan")
    if cpu_before and handled:
        server_us = (cpu_after[0] - cpu_before[0][0]) / handled * 1e6
        postgres_us = (cpu_after[1] - cpu_before[0][1]) / handled * 1e6
    error_count = sum(errors.values())
    kinds: dict[str, dict[str, float]] = {}
    if len(by_kind) > 1:
        for kind, values in by_kind.items():
            values.sort()
            kinds[kind] = {
                "requests": completed[kind],
                "errors": errors[kind],
                "p50_ms": round(percentile(values, 0.50) * 1000, 1),
                "p99_ms": round(percentile(values, 0.99) * 1000, 1),
                "max_ms": round((values[-1] * 1000) if values else float("nan"), 1),
            }
    result = Measurement(
        name=name,
        workers=target.workers,
        concurrency=concurrency,
        seconds=seconds,
        requests=handled,
        errors=error_count,
        rps=(handled - error_count) / seconds,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        max_ms=(latencies[-1] * 1000) if latencies else float("nan"),
        server_cpu_us_per_request=round(server_us, 1),
        postgres_cpu_us_per_request=round(postgres_us, 1),
        statuses=statuses,
        background=side_result,
        round=round_number,
        kinds=kinds,
    )
    print(
        f"  {name:<28} w={target.workers} c={concurrency:<4} r={round_number} {result.rps:7.0f} req/s  "
        f"p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms  errors {result.errors}  "
        f"CPU/req server {server_us:6.0f} us, postgres {postgres_us:5.0f} us",
        flush=True,
    )
    for kind, figures in kinds.items():
        print(
            f"    {kind:<26} {figures['requests']:6.0f} done  p50 {figures['p50_ms']:7.1f} ms  "
            f"p99 {figures['p99_ms']:7.1f} ms  max {figures['max_ms']:7.1f} ms  "
            f"errors {figures['errors']:.0f}",
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

PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("pending", "in_progress", "completed")


def new_task(n: int) -> dict[str, Any]:
    """A task as a client makes one: every third one due some day in the next year, two tags."""
    task: dict[str, Any] = {
        "title": f"Benchmark task {n}",
        "description": "Seeded by bench/run.py " * 4,
        "priority": PRIORITIES[n % 4],
        "status": STATUSES[n % 3],
        "tags": ["bench", f"group-{n % 20}"],
    }
    if n % 3 == 0:
        task["due_date"] = f"2027-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00Z"
    return task


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
    ids: list[int] = []
    queue = list(range(tasks))

    async def creator() -> None:
        connection = Connection(host, port)
        try:
            while queue:
                n = queue.pop()
                raw = build_request(
                    "POST", "/tasks", f"{host}:{port}", auth, json.dumps(new_task(n)).encode()
                )
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


async def scenario(args: argparse.Namespace, env: dict[str, str], log_dir: Path) -> dict[str, Any]:
    results: list[Measurement] = []
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"

    async def point(
        name: str, target: Target, requests: Requests, c: int, number: int = 1, **extra: Any
    ) -> None:
        results.append(
            await measure(name, target, requests, c, args.warmup, args.duration, round_number=number, **extra)
        )

    with server(env, 1, log_dir) as target:
        print(f"server: 1 worker on port {target.port}", flush=True)
        token, ids = await seed(target.host, target.port, email, args.tasks)
        # What autovacuum does after such a load; it is off on some machines (this project's development
        # one), and without statistics PostgreSQL plans every page as a scan and sort of all the user's tasks.
        await admin_sql(env["DATABASE_URL"], "ANALYZE")
        requests = Requests(target, token, ids)
        # The kinds take turns with /health, round after round: on a shared machine the speed drifts by tens
        # of percent within minutes, and a ratio of two points measured minutes apart drifts with it.
        for c in CONCURRENCIES:
            for number in range(1, args.rounds + 1):
                for name in (HEALTH, PAGE, READ, MIX):
                    await point(name, target, requests, c, number)
        # The writes alone, for their CPU (creates first: the deletes take what they made).
        for number in range(1, args.rounds + 1):
            for name in (UPDATE, CREATE, DELETE):
                await point(name, target, requests, 32, number)
        if not args.skip_logins:
            # Reads with and without logins alongside take turns; their p99 ratio is the rounds' median.
            for number in range(1, args.rounds + 1):
                await point(QUIET_READS, target, requests, 32, number)
                await point(
                    BUSY_READS,
                    target,
                    requests,
                    32,
                    number,
                    background=login_loop(target.host, target.port, email, 8),
                )
    if not args.skip_workers:
        with server(env, 2, log_dir) as target:
            print(f"server: 2 workers on port {target.port}", flush=True)
            requests.aim(target)
            for name in (HEALTH, MIX):
                for c in CONCURRENCIES:
                    await point(name, target, requests, c)
    return summarise(results)


def find_all(results: list[Measurement], name: str, workers: int, concurrency: int) -> list[Measurement]:
    return [r for r in results if (r.name, r.workers, r.concurrency) == (name, workers, concurrency)]


def find(results: list[Measurement], name: str, workers: int, concurrency: int) -> Measurement | None:
    """The measurement of this point; of several rounds, the one with the median rate."""
    found = sorted(find_all(results, name, workers, concurrency), key=lambda r: r.rps)
    return found[(len(found) - 1) // 2] if found else None


def spread(values: list[float], digits: int = 3) -> dict[str, float]:
    """The median of the rounds and their lowest and highest."""
    return {
        "median": round(statistics.median(values), digits),
        "lowest": round(min(values), digits),
        "highest": round(max(values), digits),
    }


def summarise(results: list[Measurement]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for c in CONCURRENCIES:
        # The ratio of each round (both measured within seconds of each other), then their median.
        healths = {r.round: r for r in find_all(results, HEALTH, 1, c)}
        for name, key in ((PAGE, "page"), (READ, "read"), (MIX, "mix")):
            per_round = [
                m.rps / healths[m.round].rps
                for m in find_all(results, name, 1, c)
                if m.round in healths and healths[m.round].rps
            ]
            if per_round:
                figures[f"{key}_over_health_c{c}"] = spread(per_round)
        mixes = find_all(results, MIX, 1, c)
        if mixes:
            figures[f"mix_p99_ms_c{c}"] = spread([m.p99_ms for m in mixes], 1)
            figures[f"mix_slowest_kind_p99_ms_c{c}"] = spread(
                [max(kind["p99_ms"] for kind in m.kinds.values()) for m in mixes], 1
            )
        one, two = find(results, MIX, 1, c), find(results, MIX, 2, c)
        if one and two and one.rps:
            figures[f"mix_workers2_over_1_c{c}"] = round(two.rps / one.rps, 3)
    for name in (HEALTH, PAGE, READ, UPDATE, CREATE, DELETE, MIX):
        cpu = [
            m.server_cpu_us_per_request
            for m in results
            if m.name == name and m.workers == 1 and m.concurrency == 32
        ]
        if cpu:
            figures[f"server_cpu_us {name} c32"] = spread(cpu, 0)
    quiets = {r.round: r for r in find_all(results, QUIET_READS, 1, 32)}
    p99_ratios = [
        busy.p99_ms / quiets[busy.round].p99_ms
        for busy in find_all(results, BUSY_READS, 1, 32)
        if busy.round in quiets and quiets[busy.round].p99_ms
    ]
    if p99_ratios:
        figures["read_p99_with_logins_over_without"] = spread(p99_ratios, 2)
    return {"measurements": [asdict(r) for r in results], "figures": figures}


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
        for kind, k in m["kinds"].items():
            rows.append(
                f"| ↳ {kind} | | | | {k['requests'] / m['seconds']:.0f} | {k['p50_ms']:.1f} "
                f"| {k['p99_ms']:.1f} | {k['max_ms']:.0f} | {k['errors']:.0f} | | |"
            )
        if m["background"]:
            b = m["background"]
            failed = sum(v for k, v in b["login_statuses"].items() if k != "200")
            rows.append(
                f"| ↳ POST /token alongside | 1 | 8 | | {b['logins_per_second']:.1f} | "
                f"{b['login_p50_ms']:.1f} | {b['login_p99_ms']:.1f} | | {failed} | | |"
            )
    rows.append("")
    for name, value in summary["figures"].items():
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
    parser.add_argument("--skip-logins", action="store_true", help="skip the reads-with-logins measurements")
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
        with own_database(args.postgres, "taskagent_bench") as database_url:
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
