"""Provider failures end the run with an exception that `describe_failure` turns into a useful message.

Failing turns are queued twice because the clients retry once (MAX_RETRIES); an unexpected third
request would get the fake's echo and make the run succeed, failing the test.
"""

from __future__ import annotations

import socket

import pytest

from taskagent.agents.errors import describe_failure
from taskagent.agents.model_selection import MAX_RETRIES
from tests.agents.providers.conftest import Case
from tests.agents.providers.helpers import Outcome, run_streamed, specialist
from tests.fakes import Cut, FakeAnthropic, Hang, HttpError, Malformed, ScriptedProvider, Turn

TIMEOUT = 0.5
ATTEMPTS = MAX_RETRIES + 1


async def fail_with(case: Case, fake: ScriptedProvider, turn: Turn, **settings: object) -> Outcome:
    fake.queue(*[turn] * ATTEMPTS)
    agent = specialist(case.settings(fake, model_timeout_seconds=TIMEOUT, **settings))
    outcome = await run_streamed(agent, "When should I do this?")
    assert outcome.error is not None, "the run should have failed"
    return outcome


def message(outcome: Outcome) -> str:
    assert outcome.error is not None
    return describe_failure(outcome.error, TIMEOUT)


def names_provider(case: Case, text: str) -> bool:
    return "Anthropic" in text if case.provider == "anthropic" else "127.0.0.1" in text


async def test_http_500_is_retried_once_then_reported(case: Case, fake: ScriptedProvider) -> None:
    outcome = await fail_with(case, fake, HttpError(500))

    assert len(fake.requests) == ATTEMPTS
    text = message(outcome)
    assert "server error (HTTP 500)" in text
    assert names_provider(case, text)


async def test_http_429_reports_the_retry_after(case: Case, fake: ScriptedProvider) -> None:
    outcome = await fail_with(case, fake, HttpError(429, "Rate limit reached for requests", retry_after=0.2))

    assert len(fake.requests) == ATTEMPTS
    text = message(outcome)
    assert "rate limiting requests (HTTP 429)" in text
    assert "try again in 0.2 s" in text.lower()


async def test_overloaded_anthropic_says_so() -> None:
    case = Case("anthropic", FakeAnthropic, "sk-ant-test-key-for-overload-0000")
    with FakeAnthropic() as fake:
        outcome = await fail_with(case, fake, HttpError(529, "Overloaded"))
    assert "overloaded" in message(outcome)


async def test_a_hang_fails_within_the_timeout(case: Case, fake: ScriptedProvider) -> None:
    outcome = await fail_with(case, fake, Hang(seconds=10))

    # Two attempts of 0.5 s and one short back-off, far from the 10 s the server would stall.
    assert outcome.seconds < 4
    text = message(outcome)
    assert "did not answer within 0.5 s" in text
    assert names_provider(case, text)


async def test_a_stall_mid_answer_fails_within_the_timeout(case: Case, fake: ScriptedProvider) -> None:
    outcome = await fail_with(case, fake, Hang(seconds=10, after_text="Friday would"))

    assert outcome.seconds < 2
    assert "".join(outcome.deltas) == "Friday would"
    assert "did not answer within 0.5 s" in message(outcome)


async def test_a_malformed_event_is_reported(case: Case, fake: ScriptedProvider) -> None:
    outcome = await fail_with(case, fake, Malformed(after_text="Partial"))

    assert outcome.deltas == ["Partial"]
    text = message(outcome)
    assert "malformed" in text
    assert names_provider(case, text)


async def test_a_stream_cut_mid_answer_is_reported(case: Case, fake: ScriptedProvider) -> None:
    outcome = await fail_with(case, fake, Cut(after_text="The best day is"))

    # What streamed before the cut reached the consumer (the endpoints store it).
    assert "".join(outcome.deltas) == "The best day is"
    text = message(outcome)
    assert "broke before the answer was complete" in text
    assert names_provider(case, text)


async def test_a_stream_that_ends_without_its_closing_events_is_reported(
    case: Case, fake: ScriptedProvider
) -> None:
    if case.provider == "openai-compatible":
        pytest.skip("Chat Completions streams have no closing event to miss: a short answer is complete")
    outcome = await fail_with(case, fake, Cut(after_text="The best day is", clean=True))

    assert "".join(outcome.deltas) == "The best day is"
    text = message(outcome)
    assert "broke before the answer was complete" in text
    assert names_provider(case, text)


async def test_a_rejected_key_is_reported_without_the_key(case: Case) -> None:
    if case.key is None:
        pytest.skip("OpenAI-compatible servers take no key")
    with case.fake_class(api_key="sk-the-right-key-000000000000") as fake:
        outcome = await run_streamed(specialist(case.settings(fake)), "hello")
    assert outcome.error is not None
    assert case.key in str(outcome.error)  # the fake echoes it, as a careless provider might
    text = message(outcome)
    assert "rejected the API key (HTTP 401)" in text
    assert ("ANTHROPIC_API_KEY" if case.provider == "anthropic" else "OPENAI_API_KEY") in text
    assert case.key not in text
    assert "SECRET" not in text


async def test_a_server_that_is_not_running_is_reported(case: Case, fake: ScriptedProvider) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = fake.base_url.replace(str(fake.port), str(port))  # type: ignore[attr-defined]
    field = "anthropic_base_url" if case.provider == "anthropic" else "openai_base_url"
    settings = case.settings(fake, model_timeout_seconds=TIMEOUT, **{field: url})

    outcome = await run_streamed(specialist(settings), "hello")

    assert outcome.error is not None
    text = message(outcome)
    assert text.startswith("Could not connect to")
    assert str(port) in text
