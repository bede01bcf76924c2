"""What a fake provider does for one request: a scripted turn.

A fake holds a queue of turns and consumes one per request (retries included), so a test that
expects the client to retry a failure queues the failure as many times as it should be seen.
The same turn types drive all three wire formats.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    """One function call the model makes (a tool or a hand-off tool)."""

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    id: str | None = None  # the provider's call id; the fake makes one when None

    @property
    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments)


@dataclass(frozen=True)
class Reply:
    """A successful model turn: optional text, then zero or more calls (several = parallel)."""

    text: str = ""
    calls: tuple[Call, ...] = ()
    delay: float = 0.0  # seconds to wait before each streamed chunk (benchmarks: 0.02)
    chunks: tuple[str, ...] | None = None  # explicit text chunks; default: one per word
    input_tokens: int = 12
    cached_tokens: int = 0  # prompt tokens read from the provider's cache
    cache_write_tokens: int = 0  # prompt tokens written to it (Anthropic reports these)

    def text_chunks(self) -> list[str]:
        if self.chunks is not None:
            return list(self.chunks)
        return split_words(self.text)


@dataclass(frozen=True)
class HttpError:
    """Answer with an HTTP error in the provider's error format."""

    status: int = 500
    message: str = "The server had an error while processing your request."
    retry_after: float | None = None  # sent as the Retry-After header


@dataclass(frozen=True)
class Hang:
    """Say nothing for `seconds` (longer than the client's timeout), then drop the connection.

    With `after_text` the stream starts and the text streams before the stall; without it the
    response headers never come.
    """

    seconds: float = 30.0
    after_text: str | None = None


@dataclass(frozen=True)
class Malformed:
    """Stream `after_text`, then an event whose data is not JSON."""

    after_text: str = "Partial"


@dataclass(frozen=True)
class Cut:
    """Stream `after_text`, then close the connection without ending the response body.

    With `clean` the body ends properly but the stream's closing events never come (a proxy that
    gave up, a server that crashed between events).
    """

    after_text: str = "The answer is"
    clean: bool = False


Turn = Reply | HttpError | Hang | Malformed | Cut


def text(content: str, *, delay: float = 0.0) -> Reply:
    return Reply(text=content, delay=delay)


def tool_call(name: str, arguments: Mapping[str, Any] | str | None = None, *, text: str = "") -> Reply:
    return Reply(text=text, calls=(Call(name, arguments if arguments is not None else {}),))


def tool_calls(*calls: Call, text: str = "") -> Reply:
    """Several calls in one turn: the model's parallel tool calls."""
    return Reply(text=text, calls=calls)


def split_words(content: str) -> list[str]:
    """Word-sized chunks that join back to the exact text (roughly one token each)."""
    return re.findall(r"\S+\s*|\s+", content)


def failure_text_prefix(turn: Turn) -> str:
    """The text a failing stream sends before it fails."""
    if isinstance(turn, Hang):
        return turn.after_text or ""
    if isinstance(turn, Malformed | Cut):
        return turn.after_text
    return ""
