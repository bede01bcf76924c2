"""Many help streams on one worker: `.venv/bin/python bench/streams.py [--streams 1000]`.

Three processes on loopback:

- a fake OpenAI-compatible Chat Completions provider (tests/fakes) that answers every request with
  `--tokens` words, one every `--interval` seconds (20 ms), and records when it sent each word;
- `taskagent serve --workers 1` with `TASKAGENT_MODEL=openai-compatible:...` pointed at the fake and
  `AGENT_RATE_LIMIT` raised, on a PostgreSQL database of its own (SQLite when PostgreSQL is not reachable);
- this process: one user, one task per stream, then all the `POST /tasks/{id}/help` streams at once over
  a minimal asyncio HTTP/1.1 client (httpx would cost more CPU than the server it measures). Each read is
  timed in the socket callback and parsed after the stream ends: when 16 streams deliver a word at once,
  timing after a switch to each stream's task and its parsing added the client's own queue to the gaps
  (1,000 streams: p50 delay from provider to client 3.5 ms that way, 1.8-2.6 ms this way).

Reported: whether every stream finished (`done` event, the whole answer), the gaps between words as the
client saw them against the gaps the provider sent them with (p50/p99, and the difference per word), the
delay from the provider writing a word to the client reading it, and the server's memory per open stream
(RSS while all streams are open minus RSS before, divided by the streams). Every process shares the
machine: on 2 cores, the provider, the server and the client each get well under one.
Results are printed and written to bench/results/streams-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from support import free_port, own_database, reachable

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TASKAGENT = str(Path(sys.executable).parent / "taskagent")
DEFAULT_POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench password 123"  # noqa: S105 - a throwaway user in a throwaway database
MARK = "benchstream"
EARLY_GAPS = 5
EVENT = re.compile(rb"event: (\w+)\ndata: ([^\n]*)\n\n")


# --- the fake provider (run as a child process: `streams.py --fake`) -------------------------------------


def run_fake(tokens: int, interval: float) -> int:
    """Serve the fake provider; print its port; on a line on stdin, print when each word was sent."""
    sys.path.insert(0, str(ROOT))
    from tests.fakes import FakeChatCompletions, Reply
    from tests.fakes.provider import Frame

    class RecordingFake(FakeChatCompletions):
        def __init__(self) -> None:
            super().__init__(default=self.answer)
            self.sent: dict[str, float] = {}

        def answer(self, body: Any) -> Reply:
            found = re.search(MARK + r"(\d+)", json.dumps(body))
            stream = found.group(1) if found else "x"
            words = " ".join(f"s{stream}t{n}" for n in range(tokens))
            return Reply(text=words, delay=interval)

        def encode(self, frame: Frame) -> str:
            if frame.delta:
                word = frame.data["choices"][0]["delta"].get("content", "").strip()
                self.sent[word] = time.monotonic()  # written right after this returns
            return super().encode(frame)

    with RecordingFake() as fake:
        print(fake.port, flush=True)
        sys.stdin.readline()
        print(json.dumps({"sent": fake.sent, "requests": len(fake.requests)}), flush=True)
    return 0


@contextlib.contextmanager
def fake_provider(tokens: int, interval: float) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--fake", "--tokens", str(tokens), "--interval", str(interval)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    try:
        port = int(process.stdout.readline())
        yield port, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def fake_report(process: subprocess.Popen[str]) -> dict[str, Any]:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("dump\n")
    process.stdin.flush()
    report: dict[str, Any] = json.loads(process.stdout.readline())
    return report


# --- database and server --------------------------------------------------------------------------------


@contextlib.contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    with own_database(DEFAULT_POSTGRES, "taskagent_streams") as url:
        yield url


@contextlib.contextmanager
def server(env: dict[str, str], workdir: Path) -> Iterator[tuple[int, int]]:
    """`taskagent serve --workers 1`: yields (port, pid); the pid is the worker (one process)."""
    if not env["DATABASE_URL"].startswith("sqlite"):
        subprocess.run([TASKAGENT, "migrate"], env=env, cwd=workdir, check=True, capture_output=True)
    port = free_port()
    log_path = workdir / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [TASKAGENT, "serve", "--port", str(port), "--workers", "1", "--no-access-log"],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        while "Application startup complete" not in log_path.read_text():
            if process.poll() is not None:
                raise RuntimeError(f"server exited ({process.returncode}):\n{log_path.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready in 180 s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield port, process.pid
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- a minimal HTTP/1.1 client --------------------------------------------------------------------------


def _request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _dechunk(raw: bytes) -> bytes:
    out, rest = b"", raw
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2 :]
    return out


async def call(
    port: int, method: str, path: str, headers: dict[str, str], body: Any = None
) -> tuple[int, Any]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    payload = b""
    if isinstance(body, dict) and headers.get("Content-Type") == "application/json":
        payload = json.dumps(body).encode()
    elif isinstance(body, str):
        payload = body.encode()
    writer.write(_request(method, path, headers, payload))
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, content = raw.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        content = _dechunk(content)
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(content) if content else None


@dataclass
class Stream:
    index: int
    started: float = 0.0
    status: int = 0
    words: list[tuple[str, float]] = field(default_factory=list)  # (word, when the client read it)
    done: bool = False
    error: str | None = None
    finished: float = 0.0


class _Reads(asyncio.Protocol):
    """Keeps each read with the time it arrived, taken in the socket callback itself: parsing waits until
    the stream is over, so neither the client's parsing nor a switch to a waiting task shows up as the
    server's delay when many streams deliver a word at the same moment."""

    def __init__(self) -> None:
        self.reads: list[tuple[float, bytes]] = []
        self.error: Exception | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        self.reads.append((time.monotonic(), data))

    def connection_lost(self, exc: Exception | None) -> None:
        self.error = exc
        if not self.closed.done():
            self.closed.set_result(None)


def _read_stream(result: Stream, reads: list[tuple[float, bytes]]) -> None:
    """The status, words (each with the time of the read that completed its event), `done` and errors."""
    buffer = b""
    for now, data in reads:
        buffer += data
        if not result.status:
            head, separator, rest = buffer.partition(b"\r\n\r\n")
            if not separator:
                continue
            result.status, buffer = int(head.split(b" ", 2)[1]), rest
        end = 0
        for match in EVENT.finditer(buffer):
            end = match.end()
            name, payload = match.group(1), json.loads(match.group(2))
            if name == b"delta":
                for word in payload["text"].split():
                    result.words.append((word, now))
            elif name == b"done":
                result.done = True
            elif name == b"error":
                result.error = payload.get("message", "error")
        buffer = buffer[end:]


async def help_stream(port: int, token: str, task_id: int, index: int, open_streams: list[int]) -> Stream:
    result = Stream(index, started=time.monotonic())
    body = json.dumps({"query": f"{MARK}{index}: when should I do this?"}).encode()
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Accept": "text/event-stream",
    }
    try:
        transport, reads = await asyncio.get_running_loop().create_connection(_Reads, "127.0.0.1", port)
    except OSError as exc:
        result.error = f"connect: {exc}"
        return result
    open_streams[0] += 1
    try:
        transport.write(_request("POST", f"/tasks/{task_id}/help", headers, body))
        await reads.closed  # the request says `Connection: close`: the server closes after the answer
    finally:
        transport.close()
        open_streams[0] -= 1
        result.finished = time.monotonic()
    _read_stream(result, reads.reads)
    if reads.error is not None and result.error is None:
        result.error = f"{type(reads.error).__name__}: {reads.error}"
    if result.status != 200 and result.error is None:
        result.error = f"HTTP {result.status}"
    return result


# --- the scenario ---------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def share_within(values: list[float], bound: float) -> float:
    return round(sum(value <= bound for value in values) / len(values), 4) if values else 0.0


def summary_ms(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 0.50) * 1000, 2),
        "p95_ms": round(percentile(values, 0.95) * 1000, 2),
        "p99_ms": round(percentile(values, 0.99) * 1000, 2),
        "max_ms": round(max(values) * 1000, 2) if values else float("nan"),
    }


async def seed(port: int, tasks: int) -> tuple[str, list[int]]:
    email = f"streams-{uuid.uuid4().hex[:8]}@example.com"
    json_headers = {"Content-Type": "application/json"}
    status, _ = await call(
        port, "POST", "/users/signup", json_headers, {"email": email, "password": PASSWORD}
    )
    assert status == 201, status
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, body = await call(
        port, "POST", "/token", form, f"username={email}&password={PASSWORD.replace(' ', '+')}"
    )
    assert status == 200, (status, body)
    token = body["access_token"]
    auth = {**json_headers, "Authorization": f"Bearer {token}"}
    ids: list[int] = []
    semaphore = asyncio.Semaphore(16)

    async def create(n: int) -> None:
        async with semaphore:
            status, task = await call(port, "POST", "/tasks", auth, {"title": f"Stream task {n}"})
            assert status == 201, (status, task)
            ids.append(task["id"])

    await asyncio.gather(*(create(n) for n in range(tasks)))
    return token, ids


async def scenario(
    args: argparse.Namespace, port: int, pid: int, fake: subprocess.Popen[str]
) -> dict[str, Any]:
    token, ids = await seed(port, args.streams + 1)
    warm = await help_stream(port, token, ids[-1], 999_999, [0])  # imports, the model client, the pool
    assert warm.done, warm
    await asyncio.sleep(1.0)
    baseline = rss_bytes(pid)
    cpu_before = cpu_seconds(pid)
    open_streams = [0]
    peak = {"rss": baseline, "open": 0, "rss_with_all_open": 0}
    stop = asyncio.Event()

    async def sample() -> None:
        while not stop.is_set():
            rss = rss_bytes(pid)
            peak["rss"] = max(peak["rss"], rss)
            peak["open"] = max(peak["open"], open_streams[0])
            if open_streams[0] == args.streams:
                peak["rss_with_all_open"] = max(peak["rss_with_all_open"], rss)
            await asyncio.sleep(0.05)

    sampler = asyncio.create_task(sample())
    started = time.monotonic()

    async def start(n: int) -> Stream:
        await asyncio.sleep(args.ramp * n / args.streams)  # --ramp: arrivals spread evenly, 0: all at once
        return await help_stream(port, token, ids[n], n, open_streams)

    streams = await asyncio.gather(*(start(n) for n in range(args.streams)))
    elapsed = time.monotonic() - started
    stop.set()
    await sampler
    cpu_used = cpu_seconds(pid) - cpu_before

    sent: dict[str, float] = fake_report(fake)["sent"]
    client_gaps: list[float] = []
    provider_gaps: list[float] = []
    gap_differences: list[float] = []
    early_differences: list[float] = []  # the first EARLY_GAPS gaps of each stream: while runs start
    delays: list[float] = []
    late_delays: list[float] = []  # the second half of each stream: after the start-up rush
    complete = 0
    for stream in streams:
        words = [word for word, _ in stream.words]
        expected = [f"s{stream.index}t{n}" for n in range(args.tokens)]
        if stream.done and words == expected:
            complete += 1
        pairs = zip(stream.words[1:], stream.words, strict=False)
        for position, ((word, seen), (previous, seen_before)) in enumerate(pairs):
            client_gap = seen - seen_before
            client_gaps.append(client_gap)
            if word in sent and previous in sent:
                provider_gap = sent[word] - sent[previous]
                provider_gaps.append(provider_gap)
                gap_differences.append(abs(client_gap - provider_gap))
                if position < EARLY_GAPS:
                    early_differences.append(abs(client_gap - provider_gap))
        delays += [seen - sent[word] for word, seen in stream.words if word in sent]
        half = len(stream.words) // 2
        late_delays += [seen - sent[word] for word, seen in stream.words[half:] if word in sent]
    errors = [stream.error for stream in streams if stream.error]
    all_open = peak["rss_with_all_open"] or peak["rss"]
    return {
        "streams": args.streams,
        "ramp_seconds": args.ramp,
        "tokens_per_stream": args.tokens,
        "provider_interval_ms": args.interval * 1000,
        "complete": complete,
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "wall_seconds": round(elapsed, 2),
        "ideal_seconds": round(args.tokens * args.interval, 2),
        "max_open_streams": peak["open"],
        "client_gap": summary_ms(client_gaps),
        "provider_gap": summary_ms(provider_gaps),
        "gap_difference": summary_ms(gap_differences),
        "gaps_within_5ms": share_within(gap_differences, 0.005),
        "early_gap_difference": summary_ms(early_differences),
        "early_gaps_within_5ms": share_within(early_differences, 0.005),
        "provider_to_client_delay": summary_ms(delays),
        "provider_to_client_delay_second_half": summary_ms(late_delays),
        "time_to_first_word": summary_ms(
            [stream.words[0][1] - stream.started for stream in streams if stream.words]
        ),
        "server_rss_before_mib": round(baseline / 2**20, 1),
        "server_rss_all_open_mib": round(all_open / 2**20, 1),
        "server_rss_peak_mib": round(peak["rss"] / 2**20, 1),
        "server_kib_per_open_stream": round((all_open - baseline) / args.streams / 1024, 1),
        "server_cpu_seconds": round(cpu_used, 2),
        "server_cpu_share": round(cpu_used / elapsed, 2),
        "words_per_second": round(sum(len(stream.words) for stream in streams) / elapsed),
        "median_stream_seconds": round(
            statistics.median(stream.finished - stream.started for stream in streams), 2
        ),
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{result['streams']} help streams of {result['tokens_per_stream']} words, provider every "
        f"{result['provider_interval_ms']:g} ms, started over {result['ramp_seconds']:g} s, one worker "
        f"({result['database']}, {os.cpu_count()} cores)",
        f"  finished with the whole answer: {result['complete']}/{result['streams']} "
        f"(errors: {result['errors']}) in {result['wall_seconds']} s (ideal {result['ideal_seconds']} s)",
        f"  gap between words, client:   p50 {result['client_gap']['p50_ms']} ms, "
        f"p99 {result['client_gap']['p99_ms']} ms",
        f"  gap between words, provider: p50 {result['provider_gap']['p50_ms']} ms, "
        f"p99 {result['provider_gap']['p99_ms']} ms",
        f"  |client gap - provider gap|:  p50 {result['gap_difference']['p50_ms']} ms, "
        f"p95 {result['gap_difference']['p95_ms']} ms, "
        f"p99 {result['gap_difference']['p99_ms']} ms; within 5 ms: {result['gaps_within_5ms'] * 100:.1f}%",
        f"  the first {EARLY_GAPS} gaps of each stream: p50 {result['early_gap_difference']['p50_ms']} ms, "
        f"p99 {result['early_gap_difference']['p99_ms']} ms; within 5 ms: "
        f"{result['early_gaps_within_5ms'] * 100:.1f}%",
        f"  provider write -> client read: p50 {result['provider_to_client_delay']['p50_ms']} ms, "
        f"p99 {result['provider_to_client_delay']['p99_ms']} ms "
        f"(second half of each stream: p50 {result['provider_to_client_delay_second_half']['p50_ms']} ms, "
        f"p99 {result['provider_to_client_delay_second_half']['p99_ms']} ms)",
        f"  time to first word: p50 {result['time_to_first_word']['p50_ms']} ms, "
        f"p99 {result['time_to_first_word']['p99_ms']} ms",
        f"  server RSS: {result['server_rss_before_mib']} MiB before, "
        f"{result['server_rss_all_open_mib']} MiB with all open: "
        f"{result['server_kib_per_open_stream']} KiB per open stream",
        f"  server CPU: {result['server_cpu_seconds']} s ({result['server_cpu_share']} of a core), "
        f"{result['words_per_second']} words/s delivered",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--tokens", type=int, default=100, help="words per answer")
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between the provider's words")
    parser.add_argument("--database", choices=["auto", "postgres", "sqlite"], default="auto")
    parser.add_argument("--ramp", type=float, default=0.0, help="seconds over which the streams start")
    parser.add_argument(
        "--max-runs", type=int, default=None, help="AGENT_MAX_CONCURRENT_RUNS (default: the server's, 16)"
    )
    parser.add_argument("--fake", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fake:
        return run_fake(args.tokens, args.interval)
    kind = args.database
    if kind == "auto":
        kind = "postgres" if reachable(DEFAULT_POSTGRES) else "sqlite"
    with (
        tempfile.TemporaryDirectory(prefix="taskagent-streams-") as tmp,
        fake_provider(args.tokens, args.interval) as (fake_port, fake),
        database(kind, Path(tmp)) as database_url,
    ):
        workdir = Path(tmp)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-for-hs256-0123456789",
            "TASKAGENT_ENV": "development",
            "TASKAGENT_DATA_DIR": str(workdir / "data"),
            "TASKAGENT_MODEL": "openai-compatible:bench-model",
            "OPENAI_BASE_URL": f"http://127.0.0.1:{fake_port}/v1",
            "OPENAI_API_KEY": "sk-bench",
            "AGENT_RATE_LIMIT": str(10 * (args.streams + 10)),
            "MODEL_TIMEOUT_SECONDS": "120",
            "AGENT_MAX_RUN_SECONDS": "600",
            # Every stream must finish here, however long it waits for its turn.
            "AGENT_QUEUE_SECONDS": "900",
            **({"AGENT_MAX_CONCURRENT_RUNS": str(args.max_runs)} if args.max_runs else {}),
        }
        env.pop("REDIS_URL", None)
        try:
            with server(env, workdir) as (port, pid):
                result = asyncio.run(scenario(args, port, pid, fake))
        finally:
            RESULTS.mkdir(parents=True, exist_ok=True)
            log = workdir / "serve.log"
            if log.exists():
                (RESULTS / "streams-serve.log").write_text(log.read_text())
    result["database"] = kind
    result["cores"] = os.cpu_count()
    print(table(result))
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"streams-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"written to {path.relative_to(ROOT)}")
    return 0 if result["complete"] == result["streams"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
