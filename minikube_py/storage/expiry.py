"""Keys that expire a fixed time after their last write, for the store.

This is what etcd's leases give kube-apiserver for Events: each write of an Event attaches a
lease of `--event-ttl` (default 1h), so an Event disappears that long after it was last
created or updated, and watchers see it DELETED. etcd renews every lease when it restarts;
here a reopened store likewise starts each key's time afresh.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping


class Expiries:
    """Deadlines of the keys under prefixes with a time to live, soonest first.

    Each write pushes (deadline, revision, key); a key written again has a newer entry, and
    the older one is recognised as stale by its revision when it comes due.
    """

    def __init__(self, ttl_by_prefix: Mapping[str, float]) -> None:
        if any(ttl <= 0 for ttl in ttl_by_prefix.values()):
            raise ValueError("a time to live must be more than 0 seconds")
        self._ttls = tuple(ttl_by_prefix.items())
        self._deadlines: list[tuple[float, int, str]] = []

    @property
    def shortest_ttl(self) -> float | None:
        return min((ttl for _, ttl in self._ttls), default=None)

    def ttl_of(self, key: str) -> float | None:
        for prefix, ttl in self._ttls:
            if key.startswith(prefix):
                return ttl
        return None

    def written(self, key: str, revision: int, now: float) -> None:
        """`key` was written at `revision`: its time starts again from `now`."""
        ttl = self.ttl_of(key)
        if ttl is not None:
            heapq.heappush(self._deadlines, (now + ttl, revision, key))

    def written_all(self, keys: Iterable[tuple[str, int]], now: float) -> None:
        for key, revision in keys:
            self.written(key, revision, now)

    def due(self, now: float) -> list[tuple[str, int]]:
        """(key, revision written) of every deadline at or before `now`, removed from the heap.

        The caller deletes a key only if it is still at that revision.
        """
        deadlines = self._deadlines
        expired = []
        while deadlines and deadlines[0][0] <= now:
            _, revision, key = heapq.heappop(deadlines)
            expired.append((key, revision))
        return expired

    def __len__(self) -> int:
        return len(self._deadlines)
