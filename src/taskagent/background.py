"""The one background loop every serving process runs for each kind of work (reminders, webhooks): a pass
every `poll_seconds` (with jitter, so that workers started together do not poll together) until closed.
What the last pass left is `backlog` (shown by /health); a failed pass is logged and the next one tries
again (each pass is safe to repeat: claims are made in the database)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

log = logging.getLogger(__name__)


class PollingWorker:
    """Subclasses implement `run_pass`, which returns the backlog it left."""

    name = "background"

    def __init__(self, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self.backlog: int | None = None  # None: no pass has finished yet
        self._task: asyncio.Task[None] | None = None

    async def run_pass(self) -> int:
        raise NotImplementedError

    def start(self) -> None:
        if self.poll_seconds > 0 and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def _run(self) -> None:
        while True:
            try:
                self.backlog = await self.run_pass()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database is down or busy: the next pass tries again, and nothing was sent twice.
                log.warning("%s pass failed; retrying on the next one", self.name, exc_info=True)
            await asyncio.sleep(self.poll_seconds * random.uniform(0.8, 1.2))  # noqa: S311 - jitter

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
