"""The scheduling queue: kube-scheduler's activeQ, backoffQ and unschedulable pods.

- active: pods ready to try, the highest priority first, then in arrival order;
- backoff: pods whose last attempt failed recently wait 1 s, 2 s, 4 s ... up to 10 s;
- parked: pods that fit nowhere wait there until the cluster changes (a node is added or
  changes, a bound pod goes away, a volume appears) or for at most 5 minutes, then go back to
  active (or to backoff if their backoff has not run out).

Keys are `namespace/name`; the scheduler reads the pod itself from its informer when it pops
the key, so a pod updated while it waits is scheduled as it is now.
"""

from __future__ import annotations

import asyncio
import enum
import heapq
import itertools
import time
from dataclasses import dataclass

from minikube_py.client import QueueShutDown

INITIAL_BACKOFF = 1.0
MAX_BACKOFF = 10.0


class _State(enum.Enum):
    ACTIVE = "active"
    BACKOFF = "backoff"
    PARKED = "parked"
    IN_FLIGHT = "in flight"


@dataclass(slots=True)
class _Entry:
    key: str
    priority: int
    state: _State
    attempts: int = 0
    last_failure: float = 0.0  # time.monotonic() of the last failed attempt
    ticket: int = 0  # which heap item is this entry's; older ones are skipped when popped
    timer: asyncio.TimerHandle | None = None


class SchedulingQueue:
    def __init__(
        self, *, initial_backoff: float = INITIAL_BACKOFF, max_backoff: float = MAX_BACKOFF
    ) -> None:
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self._entries: dict[str, _Entry] = {}
        self._active: list[tuple[int, int, str]] = []  # heap of (-priority, ticket, key)
        self._tickets = itertools.count()
        self._wakeup = asyncio.Event()
        self._closed = False

    def add(self, key: str, priority: int) -> None:
        """A pod to schedule appeared or changed: it is tried (again) as soon as its backoff
        allows."""
        entry = self._entries.get(key)
        if entry is None:
            self._push(self._new_entry(key, priority))
        elif entry.state is _State.PARKED or (
            entry.state is _State.ACTIVE and entry.priority != priority
        ):
            entry.priority = priority
            self._activate(entry)
        else:
            entry.priority = priority

    def delete(self, key: str) -> None:
        """The pod was bound, deleted, or is no longer ours."""
        entry = self._entries.pop(key, None)
        if entry is not None and entry.timer is not None:
            entry.timer.cancel()

    async def pop(self) -> str:
        """The next key to try; QueueShutDown once closed."""
        while True:
            while self._active:
                _, ticket, key = heapq.heappop(self._active)
                entry = self._entries.get(key)
                if entry is not None and entry.state is _State.ACTIVE and entry.ticket == ticket:
                    entry.state = _State.IN_FLIGHT
                    return key
            if self._closed:
                raise QueueShutDown
            self._wakeup.clear()
            await self._wakeup.wait()

    def park(self, key: str) -> None:
        """The popped pod fits nowhere: wait for the cluster to change."""
        entry = self._entries.get(key)
        if entry is not None:
            self._fail(entry)
            entry.state = _State.PARKED

    def retry_later(self, key: str, priority: int) -> None:
        """An attempt failed for another reason (e.g. its binding): try again after backoff."""
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = self._new_entry(key, priority)
        self._fail(entry)
        self._activate(entry)

    def move_parked(self) -> None:
        """The cluster changed in a way that may let parked pods fit."""
        for entry in list(self._entries.values()):
            if entry.state is _State.PARKED:
                self._activate(entry)

    def flush_parked(self, older_than: float) -> None:
        """Retry pods parked for longer than `older_than` seconds even without a change."""
        now = time.monotonic()
        for entry in list(self._entries.values()):
            if entry.state is _State.PARKED and now - entry.last_failure >= older_than:
                self._activate(entry)

    def close(self) -> None:
        self._closed = True
        for entry in self._entries.values():
            if entry.timer is not None:
                entry.timer.cancel()
        self._wakeup.set()

    def backoff(self, attempts: int) -> float:
        if attempts <= 0:
            return 0.0
        return float(min(self.initial_backoff * 2 ** (attempts - 1), self.max_backoff))

    def _new_entry(self, key: str, priority: int) -> _Entry:
        entry = self._entries[key] = _Entry(key, priority, _State.ACTIVE)
        return entry

    def _fail(self, entry: _Entry) -> None:
        entry.attempts += 1
        entry.last_failure = time.monotonic()

    def _activate(self, entry: _Entry) -> None:
        """To active, or to backoff until the last failure's backoff has run out."""
        if entry.timer is not None:
            entry.timer.cancel()
            entry.timer = None
        remaining = entry.last_failure + self.backoff(entry.attempts) - time.monotonic()
        if remaining > 0 and entry.attempts:
            entry.state = _State.BACKOFF
            loop = asyncio.get_running_loop()
            entry.timer = loop.call_later(remaining, self._backoff_over, entry.key)
        else:
            self._push(entry)

    def _backoff_over(self, key: str) -> None:
        entry = self._entries.get(key)
        if entry is not None and entry.state is _State.BACKOFF:
            entry.timer = None
            self._push(entry)

    def _push(self, entry: _Entry) -> None:
        entry.state = _State.ACTIVE
        entry.ticket = next(self._tickets)
        heapq.heappush(self._active, (-entry.priority, entry.ticket, entry.key))
        self._wakeup.set()
