"""Argon2id with the production parameters runs off the event loop: while a signup hashes, the loop keeps
answering. The stall is measured with a ticker task and compared with the time one hash takes."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from taskagent.auth.passwords import HASHING_NICENESS, PasswordHasher
from taskagent.resources import app_resources
from tests.auth.conftest import PASSWORD

REAL_HASHING = True  # this module measures the real thing: no cheap parameters (see conftest)


@pytest.fixture(autouse=True)
def no_full_garbage_collection() -> Iterator[None]:
    """A full collection of this process's ~400,000 objects (the agent SDKs are large) takes about half a
    second, in whichever thread triggers it, holding the GIL: it would stall the loop whatever the hashing
    does. Freezing the objects that exist now keeps such pauses out of the measurement."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def test_signup_hashes_off_the_event_loop(client: httpx.AsyncClient, app: FastAPI) -> None:
    hasher: PasswordHasher = app_resources(app).password_hasher

    async def time_one_hash() -> float:
        """How long one hash takes here, in a thread like the service does it."""
        started = time.perf_counter()
        sample = await asyncio.to_thread(hasher.context.hash, "a password to time")
        assert sample.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # the production parameters
        return time.perf_counter() - started

    hash_before = await time_one_hash()

    stalls: list[float] = []
    health_latencies: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.002)
            now = time.perf_counter()
            stalls.append(now - last - 0.002)
            last = now

    async def health_prober() -> None:
        while not done.is_set():
            sent = time.perf_counter()
            response = await client.get("/health")
            assert response.status_code == 200
            health_latencies.append(time.perf_counter() - sent)
            await asyncio.sleep(0.01)

    async def signup() -> httpx.Response:
        try:
            return await client.post(
                "/users/signup", json={"email": "loop@example.com", "password": PASSWORD}
            )
        finally:
            done.set()

    tick, probe = asyncio.create_task(ticker()), asyncio.create_task(health_prober())
    await asyncio.sleep(0.05)  # both watchers are running before the signup starts
    signup_started = time.perf_counter()
    response = await signup()
    signup_seconds = time.perf_counter() - signup_started
    await asyncio.gather(tick, probe)
    # The machine's load varies (other suites run beside this one): one hash is timed before and after.
    hash_after = await time_one_hash()
    hash_seconds = max(hash_before, hash_after)

    assert response.status_code == 201, response.text
    assert signup_seconds > 0.5 * min(hash_before, hash_after), "the signup did not hash while we watched"
    max_stall = max(stalls)
    # One hash run on the loop would stall it for about hash_seconds; off the loop, stalls are the
    # ordinary scheduling noise of a busy machine.
    assert max_stall < hash_seconds / 3, (max_stall, hash_seconds)
    assert max(health_latencies) < 0.5 * hash_seconds, (health_latencies, hash_seconds)
    assert len(health_latencies) >= 3, "/health was not answered while the signup hashed"


async def test_login_verifies_off_the_event_loop(client: httpx.AsyncClient, app: FastAPI) -> None:
    await client.post("/users/signup", json={"email": "loop@example.com", "password": PASSWORD})
    stalls: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.002)
            now = time.perf_counter()
            stalls.append(now - last - 0.002)
            last = now

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)
    started = time.perf_counter()
    unknown = await client.post("/token", data={"username": "nobody@example.com", "password": PASSWORD})
    known = await client.post("/token", data={"username": "loop@example.com", "password": PASSWORD})
    elapsed = time.perf_counter() - started
    done.set()
    await tick
    assert unknown.status_code == 401 and known.status_code == 200
    # Two full verifications took `elapsed`; on the loop, the stall would be one of them (elapsed / 2).
    # Off it, the loop never stopped for a third of one.
    assert max(stalls) < elapsed / 6, (max(stalls), elapsed)


async def test_hashing_threads_give_way_to_the_event_loop() -> None:
    """The hashing threads run at the lowest priority; the event loop's thread keeps its own."""
    hasher = PasswordHasher(2, PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),)))
    try:

        def own_niceness() -> int:
            return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

        loop_niceness = own_niceness()
        hashing_niceness = await asyncio.get_running_loop().run_in_executor(hasher._executor, own_niceness)
        assert hashing_niceness == max(loop_niceness, HASHING_NICENESS)
        assert own_niceness() == loop_niceness
        assert await hasher.verify("a password", await hasher.hash("a password"))
    finally:
        hasher.close()
