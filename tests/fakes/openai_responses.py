"""A fake OpenAI Responses API: `POST /v1/responses`, streamed as OpenAI sends it (`event:` + `data:`)."""

from __future__ import annotations

import time
from typing import Any

from tests.fakes.provider import Frame, ScriptedProvider
from tests.fakes.script import Call, Reply
from tests.fakes.server import Request


class FakeOpenAIResponses(ScriptedProvider):
    """Point `AsyncOpenAI(base_url=fake.base_url)` (or OPENAI_BASE_URL) at it."""

    endpoint = "/v1/responses"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def presented_key(self, request: Request) -> str | None:
        return _bearer(request)

    def response_headers(self) -> dict[str, str]:
        return {"x-request-id": self.new_id("req"), "openai-processing-ms": "12"}

    def error_body(self, status: int, message: str) -> Any:
        kind, code = {
            401: ("invalid_request_error", "invalid_api_key"),
            404: ("invalid_request_error", "model_not_found"),
            429: ("requests", "rate_limit_exceeded"),
        }.get(status, ("server_error" if status >= 500 else "invalid_request_error", None))
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}

    def auth_error_message(self, key: str | None) -> str:
        # OpenAI echoes a masked key; echoing it whole makes the leak tests stricter.
        return f"Incorrect API key provided: {key}. You can find your API key at https://platform.openai.com."

    def last_user_text(self, body: Any) -> str:
        items = body.get("input", [])
        if isinstance(items, str):
            return items
        for item in reversed(items):
            if item.get("role") == "user":
                content = item.get("content", "")
                if isinstance(content, str):
                    return content
                return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        return ""

    def malformed_frame(self) -> str:
        return (
            'event: response.output_text.delta\ndata: {"type": "response.output_text.delta", "delta": "oo\n\n'
        )

    # Payloads ---------------------------------------------------------------------------------------

    def stream_frames(self, reply: Reply, body: Any) -> list[Frame]:
        frames: list[Frame] = []

        def add(data: dict[str, Any], *, delta: bool = False) -> None:
            frames.append(Frame({**data, "sequence_number": len(frames)}, event=data["type"], delta=delta))

        response_id = self.new_id("resp")
        started = self._response(body, response_id, status="in_progress", output=[], usage=None)
        add({"type": "response.created", "response": started})
        add({"type": "response.in_progress", "response": started})
        output: list[dict[str, Any]] = []
        if reply.text:
            item_id, index = self.new_id("msg"), len(output)
            where = {"item_id": item_id, "output_index": index, "content_index": 0}
            add({"type": "response.output_item.added", "output_index": index, "item": _message(item_id, [])})
            add({"type": "response.content_part.added", **where, "part": _text_part("")})
            for chunk in reply.text_chunks():
                delta = {"delta": chunk, "logprobs": [], "obfuscation": "x"}
                add({"type": "response.output_text.delta", **where, **delta}, delta=True)
            add({"type": "response.output_text.done", **where, "text": reply.text, "logprobs": []})
            add({"type": "response.content_part.done", **where, "part": _text_part(reply.text)})
            message = _message(item_id, [_text_part(reply.text)], status="completed")
            add({"type": "response.output_item.done", "output_index": index, "item": message})
            output.append(message)
        for call in reply.calls:
            item, index = self._function_call(call), len(output)
            where = {"item_id": item["id"], "output_index": index}
            opened = {**item, "status": "in_progress", "arguments": ""}
            add({"type": "response.output_item.added", "output_index": index, "item": opened})
            arguments = item["arguments"]
            half = len(arguments) // 2
            for piece in (arguments[:half], arguments[half:]):
                add(
                    {
                        "type": "response.function_call_arguments.delta",
                        **where,
                        "delta": piece,
                        "obfuscation": "x",
                    }
                )
            add(
                {
                    "type": "response.function_call_arguments.done",
                    **where,
                    "name": call.name,
                    "arguments": arguments,
                }
            )
            add({"type": "response.output_item.done", "output_index": index, "item": item})
            output.append(item)
        final = self._response(body, response_id, status="completed", output=output, usage=_usage(reply))
        add({"type": "response.completed", "response": final})
        return frames

    def completion(self, reply: Reply, body: Any) -> Any:
        output: list[dict[str, Any]] = []
        if reply.text:
            output.append(_message(self.new_id("msg"), [_text_part(reply.text)], status="completed"))
        output.extend(self._function_call(call) for call in reply.calls)
        return self._response(
            body, self.new_id("resp"), status="completed", output=output, usage=_usage(reply)
        )

    def _function_call(self, call: Call) -> dict[str, Any]:
        return {
            "id": self.new_id("fc"),
            "type": "function_call",
            "status": "completed",
            "arguments": call.arguments_json,
            "call_id": call.id or self.new_id("call"),
            "name": call.name,
        }

    def _response(
        self, body: Any, response_id: str, *, status: str, output: list[Any], usage: Any
    ) -> dict[str, Any]:
        return {
            "id": response_id,
            "object": "response",
            "created_at": int(time.time()),
            "status": status,
            "background": False,
            "error": None,
            "incomplete_details": None,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "model": body.get("model", "gpt-test"),
            "output": output,
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": body.get("previous_response_id"),
            "reasoning": {"effort": None, "summary": None},
            "store": body.get("store", True),
            "temperature": body.get("temperature", 1.0),
            "text": {"format": {"type": "text"}, "verbosity": "medium"},
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": body.get("tools", []),
            "top_p": body.get("top_p", 1.0),
            "truncation": "disabled",
            "usage": usage,
            "user": None,
            "metadata": {},
        }


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    return value[len("Bearer ") :] if value.startswith("Bearer ") else None


def _message(item_id: str, content: list[Any], *, status: str = "in_progress") -> dict[str, Any]:
    return {"id": item_id, "type": "message", "status": status, "content": content, "role": "assistant"}


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}


def _usage(reply: Reply) -> dict[str, Any]:
    output_tokens = len(reply.text_chunks()) + 10 * len(reply.calls)
    return {
        "input_tokens": reply.input_tokens,
        "input_tokens_details": {"cached_tokens": reply.cached_tokens},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": reply.input_tokens + output_tokens,
    }
