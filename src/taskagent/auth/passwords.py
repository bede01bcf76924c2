"""Argon2id hashing off the event loop, with bounded concurrency (each hash takes 64 MiB and ~0.1-0.3 s)."""

from __future__ import annotations

import anyio
from pwdlib import PasswordHash

_DUMMY_PASSWORD = "taskagent-dummy-password-for-timing"  # noqa: S105 - hashed only to spend the time
_recommended = PasswordHash.recommended()  # Argon2id t=3, m=64 MiB, p=4
# Verified against when the email is unknown, so both paths do the same work: made with the same
# parameters as every stored hash. Computed once per process, at import, not on a request's event loop.
_RECOMMENDED_DUMMY_HASH = _recommended.hash(_DUMMY_PASSWORD)


class PasswordHasher:
    """Hashes and verifies in worker threads (argon2 releases the GIL), at most `concurrency` at once.

    `context` is the pwdlib configuration; the default is pwdlib's recommended Argon2id. Tests that do
    not measure hashing pass cheaper Argon2id parameters.
    """

    def __init__(self, concurrency: int, context: PasswordHash | None = None) -> None:
        self._limiter = anyio.CapacityLimiter(concurrency)
        self.context = context or _recommended
        self._dummy_hash = _RECOMMENDED_DUMMY_HASH if context is None else context.hash(_DUMMY_PASSWORD)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self.context.hash, password, limiter=self._limiter)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Check a password; with no hash (unknown user) do the same work and return False."""
        target = password_hash if password_hash is not None else self._dummy_hash
        matches = await anyio.to_thread.run_sync(self._verify, password, target, limiter=self._limiter)
        return matches and password_hash is not None

    def _verify(self, password: str, password_hash: str) -> bool:
        try:
            return self.context.verify(password, password_hash)
        except Exception:  # a malformed stored hash is a failed check, not a 500
            return False
