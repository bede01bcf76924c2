"""Argon2id with the production parameters runs off the event loop: the hash and the verification run in
the hashing threads, never the loop's, and while a signup hashes the loop keeps answering /health."""

from __future__ import annotations

import asyncio
import os
import threading

import httpx
import pytest
from fastapi import FastAPI
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from taskagent.auth.passwords import HASHING_NICENESS, PasswordHasher
from taskagent.resources import app_resources
from tests.auth.conftest import PASSWORD

REAL_HASHING = True  # this module runs the real thing: no cheap parameters (see conftest)


def record_threads(monkeypatch: pytest.MonkeyPatch, hasher: PasswordHasher, method: str) -> list[int]:
    """The threads that run `hasher.context.<method>` from now on (the real work still runs)."""
    threads: list[int] = []
    original = getattr(hasher.context, method)

    def recorded(*args: object, **kwargs: object) -> object:
        threads.append(threading.get_ident())
        return original(*args, **kwargs)

    monkeypatch.setattr(hasher.context, method, recorded)
    return threads


async def test_signup_hashes_off_the_event_loop(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hash runs in another thread than the event loop's, and /health is answered while it runs.

    Checked by which thread hashes, not by timing the loop's stalls: a timed check failed under load (two
    suites on two cores), and speed is measured in bench/, not in tests."""
    hasher: PasswordHasher = app_resources(app).password_hasher
    hashing_threads = record_threads(monkeypatch, hasher, "hash")
    loop_thread = threading.get_ident()
    health_answered = 0
    done = asyncio.Event()

    async def health_prober() -> None:
        nonlocal health_answered
        while not done.is_set():
            response = await client.get("/health")
            assert response.status_code == 200
            health_answered += 1
            await asyncio.sleep(0.005)

    async def signup() -> httpx.Response:
        try:
            return await client.post(
                "/users/signup", json={"email": "loop@example.com", "password": PASSWORD}
            )
        finally:
            done.set()

    probe = asyncio.create_task(health_prober())
    await asyncio.sleep(0.02)  # the prober is running before the signup starts
    answered_before = health_answered
    response = await signup()
    await probe

    assert response.status_code == 201, response.text
    assert hashing_threads, "the signup did not hash"
    assert loop_thread not in hashing_threads
    # A real Argon2id hash (m=64 MiB, t=3) takes a good part of a second: /health kept being answered.
    assert health_answered - answered_before >= 2, "/health was not answered while the signup hashed"
    stored = await asyncio.to_thread(hasher.context.hash, "a password to check the parameters")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # the production parameters


async def test_login_verifies_off_the_event_loop(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    await client.post("/users/signup", json={"email": "loop@example.com", "password": PASSWORD})
    hasher: PasswordHasher = app_resources(app).password_hasher
    verifying_threads = record_threads(monkeypatch, hasher, "verify")
    loop_thread = threading.get_ident()

    unknown = await client.post("/token", data={"username": "nobody@example.com", "password": PASSWORD})
    known = await client.post("/token", data={"username": "loop@example.com", "password": PASSWORD})

    assert unknown.status_code == 401 and known.status_code == 200
    # Both verify (an unknown user against a stand-in hash, so the answer takes as long), neither on the loop.
    assert len(verifying_threads) == 2
    assert loop_thread not in verifying_threads


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
