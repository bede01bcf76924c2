"""Argon2id hashing off the event loop, with bounded concurrency (each hash takes 64 MiB and ~0.1-0.3 s)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from pwdlib import PasswordHash

_DUMMY_PASSWORD = "taskagent-dummy-password-for-timing"  # noqa: S105 - hashed only to spend the time
_recommended = PasswordHash.recommended()  # Argon2id t=3, m=64 MiB, p=4
# Verified against when the email is unknown, so both paths do the same work: made with the same
# parameters as every stored hash. Computed once per process, at import, not on a request's event loop.
_RECOMMENDED_DUMMY_HASH = _recommended.hash(_DUMMY_PASSWORD)

# The hashing threads' niceness (Linux, per thread): the event loop's thread goes first when both want
# the CPU. Logins wait a little longer under load; every other request stops waiting on them (bench/run.py:
# read p99 while 8 clients log in without pause).
HASHING_NICENESS = 19


def _lower_thread_priority() -> None:
    # Only ever raised (an unprivileged process may do that); where unsupported, threads keep the default.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


class PasswordHasher:
    """Hashes and verifies in its own threads (argon2 releases the GIL), at most `concurrency` at once,
    the rest waiting their turn in order.

    `context` is the pwdlib configuration; the default is pwdlib's recommended Argon2id. Tests that do
    not measure hashing pass cheaper Argon2id parameters.
    """

    def __init__(self, concurrency: int, context: PasswordHash | None = None) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=concurrency, thread_name_prefix="argon2", initializer=_lower_thread_priority
        )
        self.context = context or _recommended
        self._dummy_hash = _RECOMMENDED_DUMMY_HASH if context is None else context.hash(_DUMMY_PASSWORD)

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._executor, self.context.hash, password)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Check a password; with no hash (unknown user) do the same work and return False."""
        target = password_hash if password_hash is not None else self._dummy_hash
        loop = asyncio.get_running_loop()
        matches = await loop.run_in_executor(self._executor, self._verify, password, target)
        return matches and password_hash is not None

    def _verify(self, password: str, password_hash: str) -> bool:
        try:
            return self.context.verify(password, password_hash)
        except Exception:  # a malformed stored hash is a failed check, not a 500
            return False

    def close(self) -> None:
        """Stop the threads once the hashes under way are done; hashes not started are dropped."""
        self._executor.shutdown(wait=False, cancel_futures=True)
