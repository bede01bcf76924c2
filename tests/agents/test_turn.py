"""One agent turn for help and chat: both routes go through `AgentTurn`, read their thread with the same
window loader and converter, and fail with the same messages."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from taskagent.agents.runner import AgentRuntime
from taskagent.conversations.history import TASK_CARD_PREFIX
from taskagent.resources import app_resources
from tests.agents.support import ask_events, create_task, install_settings, last, text_of
from tests.chat.conftest import ChatClient
from tests.conftest import UserHandle
from tests.fakes import FakeChatCompletions, HttpError, Reply, tool_call


def _observe(runtime: AgentRuntime) -> list[list[Any]]:
    seen: list[list[Any]] = []
    runtime.input_observers.append(lambda items: seen.append(list(items)))
    return seen


async def test_help_and_chat_replay_their_threads_alike(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    inputs = _observe(app_resources(app).agent_runtime)
    task = await create_task(client, alice, title="Write the annual report")
    for query in ("Break it down", "And now?"):
        events = await ask_events(client, alice, task["id"], query)
        assert last(events, "done")
    chat = ChatClient(client, alice)
    thread_id = (await chat.create("Break it down")).thread_id
    assert not (await chat.say(thread_id, "And now?")).errors

    help_second, chat_second = inputs[1], inputs[3]
    for second in (help_second, chat_second):  # the first exchange, then the request, all plain text
        second = [item for item in second if not str(item["content"]).startswith(TASK_CARD_PREFIX)]
        assert [(item["role"], type(item["content"])) for item in second] == [
            ("user", str),
            ("assistant", str),
            ("user", str),
        ]
        assert [second[0]["content"], second[-1]["content"]] == ["Break it down", "And now?"]


async def test_a_provider_failure_reads_the_same_on_both_routes(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    task = await create_task(client, alice, title="Integrate the payment API")
    with FakeChatCompletions(tool_call("transfer_to_blocker_agent"), HttpError(500), HttpError(500)) as fake:
        install_settings(app, taskagent_model="openai-compatible:test", openai_base_url=fake.base_url)
        help_error = last(await ask_events(client, alice, task["id"], "I'm stuck"), "error")["message"]
    with FakeChatCompletions(HttpError(500), HttpError(500)) as fake:
        install_settings(app, taskagent_model="openai-compatible:test", openai_base_url=fake.base_url)
        turn = await ChatClient(client, alice).create("What tasks do I have?")
    # The same words (each fake listens on a port of its own).
    assert turn.errors and turn.errors[-1]["message"].split(" had ")[1] == help_error.split(" had ")[1]
    assert help_error.endswith("had a server error (HTTP 500). Try again shortly.")


async def test_a_model_that_cannot_be_built_says_so_on_both_routes(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    install_settings(app, taskagent_model="openai:gpt-test", openai_api_key=None)
    task = await create_task(client, alice, title="Plan the offsite")
    help_error = last(await ask_events(client, alice, task["id"], "When?"), "error")["message"]
    turn = await ChatClient(client, alice).create("What tasks do I have?")
    assert help_error.startswith("The assistant is not configured: OPENAI_API_KEY must be set")
    assert turn.errors[-1]["message"] == help_error and turn.errors[-1]["allow_retry"] is False


async def test_a_turn_past_its_deadline_keeps_what_was_said_on_both_routes(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    words = " ".join(f"word{n}" for n in range(100))
    task = await create_task(client, alice, title="Write the annual report")
    with FakeChatCompletions(tool_call("transfer_to_breakdown_agent"), Reply(text=words, delay=0.05)) as fake:
        install_settings(
            app,
            taskagent_model="openai-compatible:test",
            openai_base_url=fake.base_url,
            agent_max_run_seconds=1.5,
        )
        events = await ask_events(client, alice, task["id"], "Break it down")
    said = text_of(events)
    assert said.startswith("word0") and len(said) < len(words)
    assert "AGENT_MAX_RUN_SECONDS" in last(events, "error")["message"]
