"""A tiny HTTP/1.1 server on 127.0.0.1 in a background thread, for fake AI providers.

Hand-written on asyncio streams rather than uvicorn because the fakes must misbehave in ways a
framework prevents: stall before the headers, write a broken event, or drop the connection in
the middle of a chunked body. A thread with its own event loop makes a fake usable from sync
code, from any pytest-asyncio loop scope and from bench scripts alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

logger = logging.getLogger(__name__)

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    529: "Overloaded",
}


@dataclass(frozen=True)
class Request:
    """A request as the fake received it (headers with lower-case names)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def size(self) -> int:
        return len(self.body)


class Exchange:
    """Writes one response: JSON, or a chunked stream that may end cleanly or be cut."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self.started = False
        self.closed = False  # the connection cannot carry another request

    async def send(
        self,
        status: int,
        body: bytes,
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        content_length: int | None = None,
    ) -> None:
        head = self._head(status, {"content-type": content_type, **(headers or {})})
        length = len(body) if content_length is None else content_length
        self._writer.write(head + f"content-length: {length}\r\n\r\n".encode() + body)
        self.started = True
        await self._writer.drain()

    async def send_json(self, status: int, payload: Any, *, headers: dict[str, str] | None = None) -> None:
        await self.send(status, json.dumps(payload).encode(), headers=headers)

    async def start_stream(self, *, content_type: str, headers: dict[str, str] | None = None) -> None:
        head = self._head(200, {"content-type": content_type, "cache-control": "no-cache", **(headers or {})})
        self._writer.write(head + b"transfer-encoding: chunked\r\n\r\n")
        self.started = True
        await self._writer.drain()

    async def write(self, data: str | bytes) -> None:
        """One chunk of a chunked body, flushed at once (each SSE event arrives on its own)."""
        raw = data.encode() if isinstance(data, str) else data
        self._writer.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
        await self._writer.drain()

    async def finish(self) -> None:
        self._writer.write(b"0\r\n\r\n")
        await self._writer.drain()

    def abort(self) -> None:
        """Drop the connection, leaving whatever was being sent incomplete."""
        self.closed = True
        self._writer.transport.abort()

    @staticmethod
    def _head(status: int, headers: dict[str, str]) -> bytes:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n").encode()


class FakeServer:
    """Base class: subclasses implement `handle`. Use as a context manager or start()/stop()."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[Any]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, request: Request, exchange: Exchange) -> None:
        raise NotImplementedError

    # Lifecycle ------------------------------------------------------------------------------------

    def start(self) -> Self:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._serve_connection, "127.0.0.1", 0)
                )
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name=f"{type(self).__name__}", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # Connections ------------------------------------------------------------------------------------

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:  # keep-alive: one request after another on the same connection
                request = await self._read_request(reader)
                if request is None:
                    break
                self.requests.append(request)
                exchange = Exchange(writer)
                try:
                    await self.handle(request, exchange)
                except (ConnectionError, asyncio.IncompleteReadError):
                    break
                except Exception:
                    logger.exception("fake provider failed on %s %s", request.method, request.path)
                    if not exchange.started:
                        await exchange.send_json(500, {"error": {"message": "fake provider bug"}})
                    break
                if exchange.closed:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            # Swallowed: on 3.11 asyncio's stream callback logs an error for a cancelled task.
            pass
        finally:
            self._connections.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, path, _version = request_line.split(" ", 2)
        headers: dict[str, str] = {}
        for line in header_lines:
            if not line:
                continue
            name, _, value = line.partition(":")
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
        body = b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = await _read_chunked(reader)
        elif length := int(headers.get("content-length", "0")):
            body = await reader.readexactly(length)
        return Request(method=method, path=path.split("?", 1)[0], headers=headers, body=body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
