"""How many agent runs stream at once in a worker, and the order in which the others start.

A streamed run costs the worker CPU for every token it relays. Past a few dozen runs at once, one core
cannot keep pace: every stream slows down together, and the requests that set up new runs wait behind
them until they time out (bench/streams.py: of 1,000 help requests at once, most failed). Letting a fixed
number of runs stream and the rest wait their turn, first come first served, keeps the running ones
flowing at the provider's pace and lets every request finish. Waiting holds no database connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

BUSY_MESSAGE = "The assistant is busy with other answers; try again in a minute."
WAITING_NOTICE = "Waiting for the assistant: it is busy with other answers"


class RunQueueTimeout(Exception):
    """A run waited its whole `queue_seconds` for a slot."""

    def __init__(self) -> None:
        super().__init__(BUSY_MESSAGE)


class RunSlots:
    """At most `size` holders at once; the others wait in arrival order, each up to `queue_seconds`."""

    def __init__(self, size: int, queue_seconds: float) -> None:
        self.size, self.queue_seconds = size, queue_seconds
        self.running = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return sum(1 for waiter in self._waiters if not waiter.done())

    def would_wait(self) -> bool:
        return self.running >= self.size or self.waiting > 0

    @asynccontextmanager
    async def take(self) -> AsyncIterator[None]:
        """Hold a slot for the block; raises RunQueueTimeout when none came free in time."""
        await self._acquire()
        try:
            yield
        finally:
            self._release()

    async def _acquire(self) -> None:
        if not self.would_wait():
            self.running += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self.queue_seconds):
                await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed a slot just as the wait ended: pass it on
            else:
                waiter.cancel()
                with contextlib.suppress(ValueError):  # already passed over by a release
                    self._waiters.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise RunQueueTimeout from None
            raise

    def _release(self) -> None:
        # A slot passes straight to the first waiter still waiting, so that no newcomer can overtake it.
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.running -= 1
