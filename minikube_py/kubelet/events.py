"""Events written behind the work that caused them, a batch at a time."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from minikube_py.aio import cancel
from minikube_py.client import EventRecorder
from minikube_py.resources import Obj

BATCH = 128  # events written concurrently: the store commits them as one transaction
BUSY_PAUSE_SECONDS = 0.25  # while pods wait for their kubelet, one batch per pause at most


@dataclass(frozen=True, slots=True)
class _Event:
    recorder: EventRecorder
    obj: Obj
    type: str
    reason: str
    message: str

    async def record(self) -> None:
        # record() never raises for API errors: it logs them and drops the event.
        await self.recorder.record(self.obj, self.type, self.reason, self.message)


class EventPump:
    """Queues events and records them in the background.

    Recording an event is a write to the store. Queueing it keeps that write off the path that
    makes a pod Running, and writing a batch at once lets the store's group commit absorb it.
    While `busy()` says pods are waiting, the pump slows down so that they come first.
    """

    def __init__(self, busy: Callable[[], bool]) -> None:
        self.busy = busy
        self._pending: deque[_Event] = deque()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def emit(
        self, recorder: EventRecorder, obj: Obj, event_type: str, reason: str, message: str
    ) -> None:
        self._pending.append(_Event(recorder, obj, event_type, reason, message))
        self._wakeup.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="kubelet-events")

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                count = min(len(self._pending), BATCH)
                batch = [self._pending.popleft() for _ in range(count)]
                await asyncio.gather(*(event.record() for event in batch))
                if self.busy():
                    await asyncio.sleep(BUSY_PAUSE_SECONDS)
