"""The part of a fake provider that does not depend on the wire format: the script and failures."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from tests.fakes.script import Cut, Hang, HttpError, Malformed, Reply, Turn, failure_text_prefix
from tests.fakes.server import Exchange, FakeServer, Request

Default = Turn | Callable[[Any], Turn]


@dataclass(frozen=True)
class Frame:
    """One server-sent event of a stream."""

    data: Any
    event: str | None = None
    delta: bool = False  # a text delta: the reply's delay is spent before it


class ScriptedProvider(FakeServer):
    """A fake that answers its endpoint from a queue of turns.

    `default` is what an empty script does: a turn, or a function of the request body that
    returns one (None: echo the start of the last user message, so benchmarks run forever).
    `default_delay` is the per-chunk delay of that echo. Every request is recorded in
    `requests` (headers and body); `bodies` has the parsed JSON of the endpoint's requests.
    """

    endpoint: ClassVar[str]
    stream_content_type: ClassVar[str] = "text/event-stream; charset=utf-8"

    def __init__(
        self,
        *turns: Turn,
        default: Default | None = None,
        default_delay: float = 0.0,
        api_key: str | None = None,
    ) -> None:
        super().__init__()
        self.script: deque[Turn] = deque(turns)
        self.default = default
        self.default_delay = default_delay
        self.api_key = api_key  # when set, any other key gets the provider's 401

    def queue(self, *turns: Turn) -> None:
        self.script.extend(turns)

    @property
    def bodies(self) -> list[Any]:
        """The JSON bodies posted to the endpoint, in order."""
        return [request.json for request in self.requests if request.path == self.endpoint]

    @property
    def last_body(self) -> Any:
        return self.bodies[-1]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{uuid.uuid4().hex[:24]}"

    # Wire format: implemented by each provider ---------------------------------------------------

    def error_body(self, status: int, message: str) -> Any:
        raise NotImplementedError

    def presented_key(self, request: Request) -> str | None:
        raise NotImplementedError

    def auth_error_message(self, key: str | None) -> str:
        raise NotImplementedError

    def stream_frames(self, reply: Reply, body: Any) -> list[Frame]:
        raise NotImplementedError

    def completion(self, reply: Reply, body: Any) -> Any:
        raise NotImplementedError

    def last_user_text(self, body: Any) -> str:
        raise NotImplementedError

    def response_headers(self) -> dict[str, str]:
        return {}

    def encode(self, frame: Frame) -> str:
        prefix = f"event: {frame.event}\n" if frame.event else ""
        return f"{prefix}data: {json.dumps(frame.data)}\n\n"

    def stream_end(self) -> str | None:
        return None

    def malformed_frame(self) -> str:
        return 'data: {"type": "broken", "text": "unterminated\n\n'

    # Serving ---------------------------------------------------------------------------------------

    def next_turn(self, body: Any) -> Turn:
        try:
            return self.script.popleft()
        except IndexError:
            pass
        if self.default is None:
            words = self.last_user_text(body).split()[:8]
            return Reply(text="You said: " + " ".join(words), delay=self.default_delay)
        if callable(self.default):
            return self.default(body)
        return self.default

    async def handle(self, request: Request, exchange: Exchange) -> None:
        if request.method != "POST" or request.path != self.endpoint:
            message = f"Unknown request: {request.method} {request.path}"
            await exchange.send_json(404, self.error_body(404, message))
            return
        if self.api_key is not None and (key := self.presented_key(request)) != self.api_key:
            await exchange.send_json(401, self.error_body(401, self.auth_error_message(key)))
            return
        body = request.json
        turn = self.next_turn(body)
        if isinstance(turn, HttpError):
            headers = self.response_headers()
            if turn.retry_after is not None:
                headers["retry-after"] = f"{turn.retry_after:g}"
            await exchange.send_json(turn.status, self.error_body(turn.status, turn.message), headers=headers)
        elif isinstance(turn, Hang) and turn.after_text is None:
            await asyncio.sleep(turn.seconds)
            exchange.abort()
        elif isinstance(body, dict) and body.get("stream"):
            await self._stream(turn, body, exchange)
        else:
            await self._complete(turn, body, exchange)

    async def _stream(self, turn: Turn, body: Any, exchange: Exchange) -> None:
        reply = turn if isinstance(turn, Reply) else Reply(text=failure_text_prefix(turn))
        frames = self.stream_frames(reply, body)
        if not isinstance(turn, Reply):
            # A failing stream stops right after its last text delta (or its first event).
            deltas = [index for index, frame in enumerate(frames) if frame.delta]
            frames = frames[: deltas[-1] + 1 if deltas else 1]
        await exchange.start_stream(content_type=self.stream_content_type, headers=self.response_headers())
        for frame in frames:
            if frame.delta and reply.delay:
                await asyncio.sleep(reply.delay)
            await exchange.write(self.encode(frame))
        if isinstance(turn, Reply):
            if (end := self.stream_end()) is not None:
                await exchange.write(end)
            await exchange.finish()
        elif isinstance(turn, Hang):
            await asyncio.sleep(turn.seconds)
            exchange.abort()
        elif isinstance(turn, Malformed):
            await exchange.write(self.malformed_frame())
            await exchange.finish()
        elif isinstance(turn, Cut) and turn.clean:
            await exchange.finish()
        elif isinstance(turn, Cut):
            exchange.abort()

    async def _complete(self, turn: Turn, body: Any, exchange: Exchange) -> None:
        headers = self.response_headers()
        if isinstance(turn, Reply):
            await exchange.send_json(200, self.completion(turn, body), headers=headers)
        elif isinstance(turn, Malformed):
            await exchange.send(200, b'{"id": "broken', headers=headers)
        elif isinstance(turn, Cut):
            partial = json.dumps(self.completion(Reply(text=turn.after_text), body)).encode()
            await exchange.send(
                200, partial[: len(partial) // 2], headers=headers, content_length=len(partial)
            )
            exchange.abort()
        elif isinstance(turn, Hang):
            await asyncio.sleep(turn.seconds)
            exchange.abort()
