"""Agent runs take turns (`RunSlots`): at most AGENT_MAX_CONCURRENT_RUNS stream at once per worker, the
others wait in arrival order up to AGENT_QUEUE_SECONDS and are then told the assistant is busy, with their
message kept; the database work around runs takes turns too (`AgentRuntime.setup`). The help endpoint is
driven through HTTP with the offline engine."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from taskagent.agents.admission import BUSY_MESSAGE, RunQueueTimeout, RunSlots
from taskagent.agents.runner import SETUP_AT_ONCE
from tests.agents.support import (
    ask_events,
    create_task,
    install_settings,
    item_text,
    last,
    names,
    thread_items,
)
from tests.conftest import UserHandle

pytestmark = pytest.mark.backends("postgres")


async def _until(condition: object, what: str) -> None:
    for _ in range(500):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


async def test_slots_are_given_in_arrival_order_and_never_exceed_the_size() -> None:
    slots = RunSlots(2, queue_seconds=30)
    order: list[int] = []
    release = asyncio.Event()
    peak = 0

    async def run(number: int) -> None:
        nonlocal peak
        async with slots.take():
            order.append(number)
            peak = max(peak, slots.running)
            await release.wait()

    tasks = []
    for number in range(6):
        tasks.append(asyncio.create_task(run(number)))
        await asyncio.sleep(0)  # each arrives after the previous one asked
    await _until(lambda: order == [0, 1] and slots.waiting == 4, "two running, four waiting")
    assert slots.would_wait()
    release.set()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4, 5] and peak == 2
    assert slots.running == 0 and slots.waiting == 0 and not slots.would_wait()


async def test_a_wait_longer_than_the_queue_time_is_refused() -> None:
    slots = RunSlots(1, queue_seconds=0.05)
    async with slots.take():
        with pytest.raises(RunQueueTimeout, match="busy"):
            async with slots.take():
                raise AssertionError("no slot was free")
    async with slots.take():  # the refused waiter left nothing behind
        assert slots.running == 1
    assert slots.running == 0


async def test_a_waiter_that_gives_up_passes_its_turn_on() -> None:
    slots = RunSlots(1, queue_seconds=30)
    entered: list[str] = []

    async def run(name: str) -> None:
        async with slots.take():
            entered.append(name)

    async with slots.take():
        leaving = asyncio.create_task(run("leaving"))
        staying = asyncio.create_task(run("staying"))
        await _until(lambda: slots.waiting == 2, "two waiting")
        leaving.cancel()
        await asyncio.gather(leaving, return_exceptions=True)
        assert slots.waiting == 1
    await staying
    assert entered == ["staying"] and slots.running == 0


async def test_a_slot_handed_to_a_waiter_that_is_cancelled_goes_to_the_next() -> None:
    slots = RunSlots(1, queue_seconds=30)
    entered: list[str] = []

    async def run(name: str) -> None:
        async with slots.take():
            entered.append(name)

    first = asyncio.create_task(run("first"))
    second = asyncio.create_task(run("second"))
    async with slots.take():
        await _until(lambda: slots.waiting == 2, "two waiting")
    first.cancel()  # handed the slot on release, cancelled before it could use it
    await asyncio.gather(first, second, return_exceptions=True)
    assert entered == ["second"] and slots.running == 0


async def test_a_help_request_that_waits_too_long_is_told_the_assistant_is_busy(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    runtime = install_settings(app, agent_max_concurrent_runs=1, agent_queue_seconds=0.2)
    task = await create_task(client, alice, title="Write the launch post")
    async with runtime.slots.take():  # another answer is streaming
        events = await ask_events(client, alice, task["id"], "When should I do this?")
    assert names(events) == ["error"]
    assert last(events, "error")["message"] == BUSY_MESSAGE
    items = await thread_items(app, alice.id, task["id"])
    assert [item["type"] for item in items] == ["user_message"]  # the question is kept
    assert item_text(items[0]) == "When should I do this?"
    assert runtime.slots.running == 0

    events = await ask_events(client, alice, task["id"], "When should I do this?")  # free again
    assert names(events)[-1] == "done"


async def test_a_help_request_runs_once_a_slot_frees(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    runtime = install_settings(app, agent_max_concurrent_runs=1, agent_queue_seconds=30)
    task = await create_task(client, alice, title="Plan the offsite")
    async with runtime.slots.take():
        waiting = asyncio.create_task(ask_events(client, alice, task["id"], "Break this down into steps"))
        await _until(lambda: runtime.slots.waiting == 1, "the help request waiting")
        assert not waiting.done()
    events = await waiting
    assert names(events)[-1] == "done" and "error" not in names(events)
    assert runtime.slots.running == 0


async def test_the_database_work_that_sets_up_a_run_takes_its_turn(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    runtime = install_settings(app, agent_max_concurrent_runs=4)
    task = await create_task(client, alice, title="Book the venue")
    for _ in range(SETUP_AT_ONCE):  # every turn taken, as by a burst of other requests
        await runtime.setup.acquire()
    try:
        asking = asyncio.create_task(ask_events(client, alice, task["id"], "When should I do this?"))
        await asyncio.sleep(0.3)
        assert not asking.done()
        assert await thread_items(app, alice.id, task["id"]) == []  # not even stored yet: it waits its turn
    finally:
        for _ in range(SETUP_AT_ONCE):
            runtime.setup.release()
    events = await asking
    assert names(events)[-1] == "done" and "error" not in names(events)
    items = await thread_items(app, alice.id, task["id"])
    assert [item["type"] for item in items] == ["user_message", "assistant_message"]
    assert runtime.setup._value == SETUP_AT_ONCE  # every turn given back
