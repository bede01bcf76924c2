"""The fake providers themselves: echo by default, delays, records, usable from plain sync code."""

from __future__ import annotations

import itertools
import time

import httpx

from tests.fakes import Call, FakeAnthropic, FakeChatCompletions, FakeOpenAIResponses, HttpError, Reply


def sse_data(body: str) -> list[str]:
    return [line[len("data: ") :] for line in body.splitlines() if line.startswith("data: ")]


def test_an_empty_script_echoes_so_benchmarks_can_run_forever() -> None:
    with FakeChatCompletions() as fake:
        for _ in range(3):
            response = httpx.post(
                f"{fake.base_url}/chat/completions",
                json={"model": "m", "messages": [{"role": "user", "content": "plan my week please"}]},
            )
            assert response.json()["choices"][0]["message"]["content"] == "You said: plan my week please"
    assert len(fake.bodies) == 3


def test_chunks_are_delayed_one_by_one() -> None:
    reply = Reply(text="one two three four five", delay=0.02)
    with FakeAnthropic(reply) as fake:
        started = time.monotonic()
        arrivals: list[float] = []
        body = {
            "model": "m",
            "max_tokens": 10,
            "stream": True,
            "messages": [{"role": "user", "content": "x"}],
        }
        with httpx.stream("POST", f"{fake.base_url}/v1/messages", json=body) as response:
            for line in response.iter_lines():
                if "text_delta" in line:
                    arrivals.append(time.monotonic() - started)
    assert len(arrivals) == 5
    assert arrivals[-1] >= 0.1
    assert all(later - earlier >= 0.015 for earlier, later in itertools.pairwise(arrivals))


def test_requests_are_recorded_with_headers_and_size() -> None:
    with FakeOpenAIResponses(Reply(calls=(Call("get_task", {"task_id": 1}),))) as fake:
        response = httpx.post(
            f"{fake.base_url}/responses",
            json={"model": "m", "input": "hi", "stream": True},
            headers={"authorization": "Bearer sk-test"},
        )
    events = sse_data(response.text)
    assert '"response.function_call_arguments.delta"' in response.text
    assert events[-1].startswith('{"type": "response.completed"')
    [request] = fake.requests
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.size == len(request.body) > 0
    assert fake.last_body["input"] == "hi"


def test_errors_use_the_provider_format_and_retry_after() -> None:
    with FakeAnthropic(HttpError(429, "Slow down", retry_after=3)) as fake:
        response = httpx.post(f"{fake.base_url}/v1/messages", json={"model": "m", "messages": []})
        assert response.status_code == 429
        assert response.headers["retry-after"] == "3"
        assert response.json()["error"] == {"type": "rate_limit_error", "message": "Slow down"}
        assert httpx.get(f"{fake.base_url}/v1/models").status_code == 404


def test_chat_streams_end_with_done_and_usage_when_asked() -> None:
    with FakeChatCompletions(Reply(text="Hi there")) as fake:
        response = httpx.post(
            f"{fake.base_url}/chat/completions",
            json={"model": "m", "messages": [], "stream": True, "stream_options": {"include_usage": True}},
        )
    events = sse_data(response.text)
    assert events[-1] == "[DONE]"
    assert '"usage": {"prompt_tokens"' in events[-2]
    assert '"finish_reason": "stop"' in events[-3]
