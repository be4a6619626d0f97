"""The work queue every controller is built on, and the worker loop that drains it.

As client-go's workqueue: a key is queued once however often it is added, never handed to two
workers at once, and retried with per-key exponential backoff when its reconcile fails.
Import these from `minikube_py.client`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)


class QueueShutDown(Exception):
    pass


class WorkQueue(Generic[K]):
    """A de-duplicating queue of keys with per-key exponential retry, as in client-go.

    A key is never handed to two workers at once: one added while it is being processed is
    queued again when the worker calls `done`.
    """

    def __init__(self, base_delay: float = 0.005, max_delay: float = 300.0) -> None:
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._queue: deque[K] = deque()
        self._dirty: set[K] = set()
        self._processing: set[K] = set()
        self._failures: dict[K, int] = {}
        self._wakeup = asyncio.Event()
        self._timers: set[asyncio.TimerHandle] = set()
        self._shut_down = False

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, key: K) -> None:
        if self._shut_down or key in self._dirty:
            return
        self._dirty.add(key)
        if key not in self._processing:
            self._queue.append(key)
            self._wakeup.set()

    def add_after(self, key: K, delay: float) -> None:
        if delay <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self._timers.discard(timer)
            self.add(key)

        timer = loop.call_later(delay, fire)
        self._timers.add(timer)

    def add_rate_limited(self, key: K) -> None:
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        self.add_after(key, min(self.base_delay * 2**failures, self.max_delay))

    def forget(self, key: K) -> None:
        self._failures.pop(key, None)

    async def get(self) -> K:
        while not self._queue:
            if self._shut_down:
                raise QueueShutDown
            self._wakeup.clear()
            await self._wakeup.wait()
        key = self._queue.popleft()
        self._dirty.discard(key)
        self._processing.add(key)
        return key

    def done(self, key: K) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
            self._wakeup.set()

    def shutdown(self) -> None:
        self._shut_down = True
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self._wakeup.set()


async def run_worker(queue: WorkQueue[K], reconcile: Callable[[K], Awaitable[None]]) -> None:
    """Take keys until the queue shuts down; a failed key is retried with backoff."""
    while True:
        try:
            key = await queue.get()
        except QueueShutDown:
            return
        try:
            await reconcile(key)
            queue.forget(key)
        except Exception:
            log.exception("reconcile of %s failed; retrying", key)
            queue.add_rate_limited(key)
        finally:
            queue.done(key)
