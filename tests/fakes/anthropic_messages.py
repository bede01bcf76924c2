"""A fake Anthropic Messages API: `POST /v1/messages`, streamed as Anthropic sends it.

message_start, content_block_start / content_block_delta (text_delta, input_json_delta) /
content_block_stop per block, a ping, message_delta with the stop reason and output tokens,
message_stop. Errors are `{"type": "error", "error": {"type", "message"}}`.
"""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.provider import Frame, ScriptedProvider
from tests.fakes.script import Call, Reply
from tests.fakes.server import Request

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


class FakeAnthropic(ScriptedProvider):
    """Point `AsyncAnthropic(base_url=fake.base_url)` (or ANTHROPIC_BASE_URL) at it."""

    endpoint = "/v1/messages"

    @property
    def base_url(self) -> str:
        return self.url

    def presented_key(self, request: Request) -> str | None:
        # SDK 2.x sends the key as a bearer token; older clients and curl use x-api-key.
        authorization = request.headers.get("authorization", "")
        if authorization.startswith("Bearer "):
            return authorization[len("Bearer ") :]
        return request.headers.get("x-api-key")

    def response_headers(self) -> dict[str, str]:
        return {"request-id": self.new_id("req")}

    def error_body(self, status: int, message: str) -> Any:
        kind = _ERROR_TYPES.get(status, "api_error")
        return {
            "type": "error",
            "error": {"type": kind, "message": message},
            "request_id": self.new_id("req"),
        }

    def auth_error_message(self, key: str | None) -> str:
        return f"invalid x-api-key: {key}"

    def last_user_text(self, body: Any) -> str:
        for message in reversed(body.get("messages", [])):
            if message.get("role") != "user":
                continue
            content = message.get("content", "")
            if isinstance(content, str):
                return content
            texts = [block.get("text", "") for block in content if block.get("type") == "text"]
            if texts:
                return " ".join(texts)
        return ""

    def malformed_frame(self) -> str:
        return (
            "event: content_block_delta\n"
            'data: {"type": "content_block_delta", "index": 0, '
            '"delta": {"type": "text_delta", "text": "oo\n\n'
        )

    def stream_frames(self, reply: Reply, body: Any) -> list[Frame]:
        frames: list[Frame] = []

        def add(data: dict[str, Any], *, delta: bool = False) -> None:
            frames.append(Frame(data, event=data["type"], delta=delta))

        started = self._message(reply, body, content=[], stop_reason=None)
        started["usage"]["output_tokens"] = 1
        add({"type": "message_start", "message": started})
        index = 0
        if reply.text:
            add(
                {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}
            )
            add({"type": "ping"})
            for chunk in reply.text_chunks():
                text_delta = {"type": "text_delta", "text": chunk}
                add({"type": "content_block_delta", "index": index, "delta": text_delta}, delta=True)
            add({"type": "content_block_stop", "index": index})
            index += 1
        for call in reply.calls:
            block = {**self._tool_use(call), "input": {}}
            add({"type": "content_block_start", "index": index, "content_block": block})
            arguments = call.arguments_json
            half = len(arguments) // 2
            for piece in ("", arguments[:half], arguments[half:]):
                json_delta = {"type": "input_json_delta", "partial_json": piece}
                add({"type": "content_block_delta", "index": index, "delta": json_delta})
            add({"type": "content_block_stop", "index": index})
            index += 1
        stop = {"stop_reason": _stop_reason(reply), "stop_sequence": None}
        add({"type": "message_delta", "delta": stop, "usage": {"output_tokens": _output_tokens(reply)}})
        add({"type": "message_stop"})
        return frames

    def completion(self, reply: Reply, body: Any) -> Any:
        content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
        content += [self._tool_use(call) for call in reply.calls]
        return self._message(reply, body, content=content, stop_reason=_stop_reason(reply))

    def _tool_use(self, call: Call) -> dict[str, Any]:
        try:
            arguments = json.loads(call.arguments_json)
        except ValueError:
            arguments = {}
        return {
            "type": "tool_use",
            "id": call.id or self.new_id("toolu"),
            "name": call.name,
            "input": arguments,
        }

    def _message(
        self, reply: Reply, body: Any, *, content: list[Any], stop_reason: str | None
    ) -> dict[str, Any]:
        return {
            "id": self.new_id("msg"),
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-test"),
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": reply.input_tokens,
                "cache_creation_input_tokens": reply.cache_write_tokens,
                "cache_read_input_tokens": reply.cached_tokens,
                "output_tokens": _output_tokens(reply),
                "service_tier": "standard",
            },
        }


def _stop_reason(reply: Reply) -> str:
    return "tool_use" if reply.calls else "end_turn"


def _output_tokens(reply: Reply) -> int:
    return len(reply.text_chunks()) + 10 * len(reply.calls)
