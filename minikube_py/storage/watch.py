"""Watches: one consumer's ordered stream of events, and the hub that fans commits out to them."""

from __future__ import annotations

import asyncio
import enum
from collections import deque
from collections.abc import AsyncIterator, Callable
from types import TracebackType

from minikube_py.storage.types import Event, WatcherTooSlowError


class _WatchState(enum.Enum):
    OPEN = enum.auto()
    OVERFLOWED = enum.auto()  # cut off: the next iteration raises WatcherTooSlowError
    ENDED = enum.auto()  # the store closed: deliver what is buffered, then stop
    CLOSED = enum.auto()  # closed by its owner: stop now


class Watch:
    """Events with revision > from_revision under one prefix, in revision order, no gaps.

    One consumer iterates it. Past events (the replay) come from the history captured when the
    watch was created; live ones are pushed into a bounded buffer by the hub. A consumer that lets
    the buffer overflow is cut off (WatcherTooSlowError) so that it never slows anyone else.
    """

    def __init__(
        self,
        prefix: str,
        from_revision: int,
        *,
        replay: list[Event],
        buffer: int,
        unsubscribe: Callable[[Watch], None],
    ) -> None:
        self.prefix = prefix
        self._after = from_revision
        self._replay = replay
        self._replay_index = 0
        self._buffer: deque[Event] = deque()
        self._capacity = buffer
        self._unsubscribe = unsubscribe
        self._waiter: asyncio.Future[None] | None = None
        self._state = _WatchState.OPEN

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        while True:
            event = self._next_ready()
            if event is not None:
                return event
            if self._state is _WatchState.OVERFLOWED:
                self._state = _WatchState.CLOSED
                raise WatcherTooSlowError(
                    f"watch on {self.prefix} fell more than {self._capacity} events behind and "
                    "was cut off; list again and watch from the listed revision"
                )
            if self._state is not _WatchState.OPEN:
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def close(self) -> None:
        """End the iteration now; buffered events are dropped."""
        if self._state is _WatchState.OPEN:
            self._unsubscribe(self)
        self._state = _WatchState.CLOSED
        self._drop_buffers()
        self._wake()

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Watch:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _next_ready(self) -> Event | None:
        if self._replay:
            while self._replay_index < len(self._replay):
                event = self._replay[self._replay_index]
                self._replay_index += 1
                if event.entry.key.startswith(self.prefix):
                    return event
            self._replay = []  # caught up: let the captured history go
            self._replay_index = 0
        while self._buffer:
            event = self._buffer.popleft()
            if event.entry.revision > self._after:  # only matters for a future from_revision
                return event
        return None

    def _offer(self, events: list[Event]) -> bool:
        """Take live events (already matched to the prefix); False once cut off."""
        self._buffer.extend(events)
        if len(self._buffer) > self._capacity:
            self._state = _WatchState.OVERFLOWED
            self._drop_buffers()
        self._wake()
        return self._state is _WatchState.OPEN

    def _end(self) -> None:
        if self._state is _WatchState.OPEN:
            self._state = _WatchState.ENDED
        self._wake()

    def _drop_buffers(self) -> None:
        self._buffer.clear()
        self._replay = []
        self._replay_index = 0

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class WatchHub:
    """Fans events out to watches, grouped by prefix: matching costs O(prefixes), not O(watches)."""

    def __init__(self) -> None:
        self._by_prefix: dict[str, set[Watch]] = {}

    def subscribe(self, watch: Watch) -> None:
        self._by_prefix.setdefault(watch.prefix, set()).add(watch)

    def unsubscribe(self, watch: Watch) -> None:
        watches = self._by_prefix.get(watch.prefix)
        if watches is None:
            return
        watches.discard(watch)
        if not watches:
            del self._by_prefix[watch.prefix]

    def publish(self, events: list[Event]) -> None:
        cut_off: list[Watch] = []
        for prefix, watches in self._by_prefix.items():
            matching = [e for e in events if e.entry.key.startswith(prefix)]
            if matching:
                cut_off.extend(w for w in watches if not w._offer(matching))
        for watch in cut_off:
            self.unsubscribe(watch)

    def end_all(self) -> None:
        for watches in self._by_prefix.values():
            for watch in watches:
                watch._end()
        self._by_prefix.clear()
