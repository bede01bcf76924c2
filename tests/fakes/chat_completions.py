"""A fake OpenAI-compatible Chat Completions server (what Ollama, vLLM, LM Studio, llama.cpp serve).

`POST /v1/chat/completions`, streamed as `data: {chunk}` lines ending with `data: [DONE]`.
"""

from __future__ import annotations

import json
import time
from typing import Any

from tests.fakes.openai_responses import FakeOpenAIResponses
from tests.fakes.provider import Frame
from tests.fakes.script import Reply


class FakeChatCompletions(FakeOpenAIResponses):
    """Errors, auth and ids as OpenAI's; only the endpoint and the payloads differ."""

    endpoint = "/v1/chat/completions"

    def last_user_text(self, body: Any) -> str:
        for message in reversed(body.get("messages", [])):
            if message.get("role") == "user":
                content = message.get("content") or ""
                if isinstance(content, str):
                    return content
                return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        return ""

    def encode(self, frame: Frame) -> str:
        return f"data: {json.dumps(frame.data)}\n\n"

    def stream_end(self) -> str | None:
        return "data: [DONE]\n\n"

    def malformed_frame(self) -> str:
        return 'data: {"id": "chatcmpl-broken", "choices": [{"index": 0, "delta": {"content": "oo\n\n'

    def stream_frames(self, reply: Reply, body: Any) -> list[Frame]:
        chunk_id, created, model = self.new_id("chatcmpl"), int(time.time()), body.get("model", "test")
        with_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(choices: list[Any], usage: Any = None) -> dict[str, Any]:
            data = {
                "id": chunk_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": choices,
            }
            return {**data, "usage": usage} if with_usage else data

        def delta(content: dict[str, Any], finish_reason: str | None = None) -> list[Any]:
            return [{"index": 0, "delta": content, "logprobs": None, "finish_reason": finish_reason}]

        frames = [Frame(chunk(delta({"role": "assistant", "content": "", "refusal": None})))]
        frames += [Frame(chunk(delta({"content": piece})), delta=True) for piece in reply.text_chunks()]
        for index, call in enumerate(reply.calls):
            opened = {
                "index": index,
                "id": call.id or self.new_id("call"),
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            frames.append(Frame(chunk(delta({"tool_calls": [opened]}))))
            arguments = call.arguments_json
            half = len(arguments) // 2
            for piece in (arguments[:half], arguments[half:]):
                piece_delta = {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                frames.append(Frame(chunk(delta(piece_delta))))
        frames.append(Frame(chunk(delta({}, "tool_calls" if reply.calls else "stop"))))
        if with_usage:
            frames.append(Frame(chunk([], _usage(reply))))
        return frames

    def completion(self, reply: Reply, body: Any) -> Any:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None, "refusal": None}
        if reply.calls:
            message["tool_calls"] = [
                {
                    "id": call.id or self.new_id("call"),
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments_json},
                }
                for call in reply.calls
            ]
        return {
            "id": self.new_id("chatcmpl"),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "test"),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": "tool_calls" if reply.calls else "stop",
                }
            ],
            "usage": _usage(reply),
        }


def _usage(reply: Reply) -> dict[str, Any]:
    completion_tokens = len(reply.text_chunks()) + 10 * len(reply.calls)
    return {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": reply.input_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": reply.cached_tokens},
    }
