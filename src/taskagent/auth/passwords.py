"""Argon2id hashing off the event loop, with bounded concurrency (each hash takes 64 MiB and ~0.1-0.3 s)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from pwdlib import PasswordHash
from zxcvbn import zxcvbn  # type: ignore[import-untyped]  # ships no type hints

from taskagent.errors import InvalidRequest

# The one password policy: every route that reads a password caps it at MAX_PASSWORD_LENGTH, and every
# route that sets one (signup, password change) calls check_new_password.
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
# zxcvbn's score 0-1 means under a million guesses: the common-password lists (SecLists/xato top passwords,
# shipped with zxcvbn), keyboard walks, repeats such as eight spaces, dates and plain words.
_MIN_STRENGTH = 2
_ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; a password that long is not a common one anyway


def password_weakness(password: str) -> str | None:
    """Why this new password is refused, or None if it is acceptable. CPU-bound (~3-12 ms): call it off
    the event loop, as check_new_password does."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"the password must have at most {MAX_PASSWORD_LENGTH} characters"
    result = zxcvbn(password[:_ZXCVBN_MAX_LENGTH])
    if result["score"] >= _MIN_STRENGTH:
        return None
    warning = result["feedback"]["warning"] or "It is too easy to guess."
    return f"this password is too common or too easy to guess: {warning} Choose a longer, less common one."


async def check_new_password(password: str, loc: Sequence[str | int] = ("body", "password")) -> None:
    """Refuse (422 at `loc`) a password a user is about to set: too short, too long or too common."""
    weakness = await asyncio.to_thread(password_weakness, password)
    if weakness is not None:
        raise InvalidRequest.at(loc, weakness)


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
