"""Argon2id hashing off the event loop, with bounded concurrency (each hash takes 64 MiB and ~0.1-0.3 s)."""

from __future__ import annotations

import anyio
from pwdlib import PasswordHash

_hasher = PasswordHash.recommended()
# Verified against when the email is unknown, so both paths do the same work.
_DUMMY_HASH = _hasher.hash("taskagent-dummy-password-for-timing")


class PasswordHasher:
    def __init__(self, concurrency: int) -> None:
        self._limiter = anyio.CapacityLimiter(concurrency)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(_hasher.hash, password, limiter=self._limiter)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Check a password; with no hash (unknown user) spend the same time and return False."""
        target = password_hash if password_hash is not None else _DUMMY_HASH
        matches = await anyio.to_thread.run_sync(_verify, password, target, limiter=self._limiter)
        return matches and password_hash is not None


def _verify(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # a malformed stored hash is a failed check, not a 500
        return False
