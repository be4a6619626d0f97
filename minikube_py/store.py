"""The durable, versioned object store and its watch hub.

Every Kubernetes object lives here under a key such as `/apps/deployments/default/nginx`. The
design is etcd's and kine's: a log in which every write appends one revision, and one global
revision counter that is also each object's `metadata.resourceVersion`.

How data flows:

    create/update/delete ─▶ pending queue ─▶ writer task (one): checks preconditions in order,
        assigns revisions, appends the whole batch to the Backend in ONE transaction (group
        commit) ─▶ applies it to memory (current state, sorted key index, event history)
        ─▶ publishes the events to the watches ─▶ resolves the callers.
    get/list/count read memory only. A list at an older revision takes the current state and
    rolls back, with the in-memory history, the keys changed since. Compaction trims that history
    and the superseded rows in the log.

The store knows Kubernetes in one way only: it stamps `metadata.resourceVersion` into the stored
copy of each object. Stored values are shared with every reader: treat them as immutable.

The parts live in `minikube_py/storage/`; this module is the entry point and re-exports the
public names (import them from here):

    storage/types.py    errors, Entry, Event, ListResult, and the Backend contract (Row, LoadedLog)
    storage/sqlite.py   SQLiteBackend: the log in one SQLite file, its schema and statements
    storage/memory.py   rebuilding the current state and the history from the log at open
    storage/paging.py   key ranges under a prefix and continue tokens for paginated lists
    storage/writes.py   a pending write, its precondition check, its event and its log row
    storage/watch.py    Watch and the hub that fans commits out to the watches
    storage/expiry.py   deadlines of keys with a time to live (Events' --event-ttl)
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from minikube_py.aio import cancel
from minikube_py.storage.expiry import Expiries
from minikube_py.storage.memory import Memory, rebuild
from minikube_py.storage.paging import decode_continue, encode_continue, prefix_end
from minikube_py.storage.sqlite import SQLiteBackend, synchronous_pragma
from minikube_py.storage.types import (
    ADDED,
    DELETED,
    MODIFIED,
    Backend,
    ConflictError,
    Entry,
    Event,
    ExpiredError,
    FutureRevisionError,
    InvalidContinueTokenError,
    KeyExistsError,
    KeyNotFoundError,
    ListResult,
    LoadedLog,
    Row,
    StoreError,
    StoreOpenError,
    WatcherTooSlowError,
)
from minikube_py.storage.watch import Watch, WatchHub
from minikube_py.storage.writes import (
    Op,
    Write,
    checked,
    event_for,
    fail,
    resolve,
    row_of,
    write_failed,
)

__all__ = [
    "ADDED",
    "DELETED",
    "MODIFIED",
    "Backend",
    "ConflictError",
    "Entry",
    "Event",
    "ExpiredError",
    "FutureRevisionError",
    "InvalidContinueTokenError",
    "KeyExistsError",
    "KeyNotFoundError",
    "ListResult",
    "LoadedLog",
    "Row",
    "SQLiteBackend",
    "Store",
    "StoreError",
    "StoreOpenError",
    "Watch",
    "WatcherTooSlowError",
]

log = logging.getLogger(__name__)

MAX_BATCH = 256  # writes per transaction: big enough to amortise a commit, small enough to be short
COMMIT_TIME_SAMPLE_SECONDS = 1.0  # resolution of "how old is this revision" for compaction
HISTORY_TRIM_SLICE = 2000  # compacted events freed per loop iteration
EXPIRY_CHECK_SECONDS = 1.0  # how late past its deadline an expiring key may be deleted


# ---------------------------------------------------------------------------------------------
# The store


class Store:
    """Current state in memory, a durable log in a Backend, a hub of ordered watches.

    Build it with `await Store.open(path)` and finish with `await store.close()`.
    """

    def __init__(
        self,
        backend: Backend,
        loaded: LoadedLog,
        memory: Memory,
        *,
        history_seconds: float,
        history_min_revisions: int,
        bytes_only_prefixes: tuple[str, ...] = (),
        ttl_by_prefix: Mapping[str, float] | None = None,
    ) -> None:
        self._backend = backend
        self._bytes_only_prefixes = bytes_only_prefixes
        self._current = memory.current
        self._keys = memory.keys
        self._history = memory.history
        self._revision = loaded.revision
        self._compacted = loaded.compacted_revision
        self._history_seconds = history_seconds
        self._history_min_revisions = history_min_revisions
        # (monotonic time, revision): every revision up to that one was committed by then. One
        # sample a second bounds the memory; the last commit keeps an idle store exact.
        self._last_commit = (time.monotonic(), self._revision)
        self._commit_times: deque[tuple[float, int]] = deque([self._last_commit])
        self._aged_revision = 0  # newest revision known to be older than history_seconds
        self._compact_lock = asyncio.Lock()
        self._hub = WatchHub()
        self._pending: deque[Write] = deque()
        self._wakeup = asyncio.Event()
        self._closing = False
        self._writer = asyncio.create_task(self._write_loop(), name="store-writer")
        self._compactor = asyncio.create_task(self._compact_loop(), name="store-compactor")
        self._expiries = Expiries(ttl_by_prefix or {})
        self._expirer = self._start_expiring()

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        durability: str = "normal",
        history_seconds: float = 300,
        history_min_revisions: int = 10_000,
        bytes_only_prefixes: Sequence[str] = (),
        ttl_by_prefix: Mapping[str, float] | None = None,
        backend: Backend | None = None,
    ) -> Store:
        """Open the store kept at `path`, rebuilding memory from its log.

        With `backend`, the log is kept there and `path` only names the store in messages.

        durability "normal" survives a crash of the process, "full" also a power loss.
        History is kept while younger than history_seconds OR within the newest
        history_min_revisions revisions.

        Live objects under `bytes_only_prefixes` are kept as bytes only and decoded on each
        read: for kinds that are many and rarely read (Events; a decoded one costs ~5 times its
        bytes). Readers see equal objects either way.

        Keys under a prefix of `ttl_by_prefix` are deleted that many seconds after their last
        write (see storage/expiry.py); watchers see them DELETED.
        """
        synchronous_pragma(durability)
        if history_seconds < 0 or history_min_revisions < 0:
            raise ValueError("history_seconds and history_min_revisions must be >= 0")
        if backend is None:
            backend = SQLiteBackend(path, durability=durability)
        loaded = await backend.open()
        try:
            memory = await asyncio.to_thread(rebuild, loaded, tuple(bytes_only_prefixes))
        except orjson.JSONDecodeError as exc:
            await backend.close()
            raise StoreOpenError(
                f"{path}: a stored object is not valid JSON ({exc}); restore it from a backup"
            ) from exc
        log.debug(
            "OPEN %s revision=%d compacted=%d keys=%d",
            path,
            loaded.revision,
            loaded.compacted_revision,
            len(memory.current),
        )
        return cls(
            backend,
            loaded,
            memory,
            history_seconds=history_seconds,
            history_min_revisions=history_min_revisions,
            bytes_only_prefixes=tuple(bytes_only_prefixes),
            ttl_by_prefix=ttl_by_prefix,
        )

    async def close(self) -> None:
        """Commit the writes already submitted, end every watch, release the file."""
        if self._closing:
            return
        await cancel(self._expirer)  # its deletes would meet a closed store
        self._closing = True
        self._wakeup.set()
        await self._writer
        await cancel(self._compactor)
        self._hub.end_all()
        await self._backend.close()

    @property
    def revision(self) -> int:
        """The last committed revision."""
        return self._revision

    @property
    def compacted_revision(self) -> int:
        """Lists and watches at revisions below this one raise ExpiredError."""
        return self._compacted

    # -- reads: from memory, synchronous

    def get(self, key: str) -> Entry | None:
        return self._current.get(key)

    def count(self, prefix: str) -> int:
        count: int = self._keys_end(prefix) - self._keys.bisect_left(prefix)
        return count

    def watch(self, prefix: str, from_revision: int, *, buffer: int = 10_000) -> Watch:
        """Events under `prefix` with revision > from_revision: the retained past, then live.

        Raises ExpiredError here (not on iteration) when from_revision < compacted_revision.
        `buffer` bounds the live events waiting to be read (one commit brings up to MAX_BATCH);
        past it the watch is cut off with WatcherTooSlowError.
        """
        if self._closing:
            raise StoreError("the store is closed")
        if buffer < 1:
            raise ValueError("buffer must be >= 1")
        if from_revision < self._compacted:
            raise ExpiredError(from_revision, self._compacted)
        # Capture the past and subscribe in one synchronous step: no event can fall in between.
        replay = self._history[self._history_index_after(from_revision) :]
        watch = Watch(
            prefix,
            from_revision,
            replay=replay,
            buffer=buffer,
            unsubscribe=self._hub.unsubscribe,
        )
        self._hub.subscribe(watch)
        return watch

    # -- writes: through the writer task

    async def create(self, key: str, value: dict[str, Any]) -> Entry:
        """Store a new key; KeyExistsError if it is live."""
        return await self._submit(Op.CREATE, key, checked(key, value), None)

    async def update(
        self, key: str, value: dict[str, Any], expected_revision: int | None = None
    ) -> Entry:
        """Replace a live key; KeyNotFoundError, or ConflictError if its revision differs."""
        return await self._submit(Op.UPDATE, key, checked(key, value), expected_revision)

    async def delete(self, key: str, expected_revision: int | None = None) -> Entry:
        """Delete a live key and return the deletion entry (the last object, stamped)."""
        return await self._submit(Op.DELETE, key, {}, expected_revision)

    async def compact(self, revision: int) -> None:
        """Forget history at and below `revision` (the state at `revision` stays readable)."""
        if revision > self._revision:
            raise FutureRevisionError(revision, self._revision)
        async with self._compact_lock:
            if revision <= self._compacted:
                return
            await self._backend.compact(revision)
            self._compacted = revision
            await self._forget_history_through(revision)
        log.debug("COMPACT revision=%d history=%d", revision, len(self._history))

    async def _forget_history_through(self, revision: int) -> None:
        # A slice at a time: freeing a large history at once would stall the loop. Events left
        # at or below the compacted revision meanwhile are never read (reads start after it).
        while trim := min(self._history_index_after(revision), HISTORY_TRIM_SLICE):
            del self._history[:trim]
            await asyncio.sleep(0)

    def _submit(
        self, op: Op, key: str, value: dict[str, Any], expected_revision: int | None
    ) -> asyncio.Future[Entry]:
        if self._closing:
            raise StoreError("the store is closed")
        done: asyncio.Future[Entry] = asyncio.get_running_loop().create_future()
        self._pending.append(Write(op, key, value, expected_revision, done))
        self._wakeup.set()
        return done

    async def _write_loop(self) -> None:
        while self._pending or not self._closing:
            if not self._pending:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            batch = [self._pending.popleft() for _ in range(min(MAX_BATCH, len(self._pending)))]
            try:
                await self._commit(batch)
            except Exception as exc:  # a bug here must not leave callers waiting forever
                log.exception("store writer failed on a batch of %d", len(batch))
                for write in batch:
                    fail(write.done, write_failed(write.key, exc))

    async def _commit(self, batch: list[Write]) -> None:
        planned = self._plan(batch)
        if not planned:
            return
        try:
            await self._backend.append([row_of(event) for _, event in planned])
        except Exception as exc:
            for write, _ in planned:
                fail(write.done, write_failed(write.key, exc))
            return
        events = [event for _, event in planned]
        self._apply(events)
        self._hub.publish(events)
        for write, event in planned:
            resolve(write.done, event.entry)

    def _plan(self, batch: list[Write]) -> list[tuple[Write, Event]]:
        """Check each write in order against committed state plus the batch's earlier writes."""
        planned: list[tuple[Write, Event]] = []
        staged: dict[str, Entry | None] = {}
        revision = self._revision
        for write in batch:
            if write.done.done():  # its caller was cancelled before the write was committed
                continue
            current = staged[write.key] if write.key in staged else self._current.get(write.key)
            try:
                event = event_for(write, current, revision + 1)
            except (StoreError, orjson.JSONEncodeError) as exc:
                fail(write.done, exc)
                continue
            staged[write.key] = None if event.type == DELETED else event.entry
            planned.append((write, event))
            revision += 1
        return planned

    def _apply(self, events: list[Event]) -> None:
        """Update the current state and the history; `events` themselves are left as they are.

        The live events (published after this) keep decoded entries for the watchers; the
        history keeps superseded versions as raw bytes only (see Entry), so a version it holds
        decoded is always the live one, shared with the current state.
        """
        history = self._history
        now = time.monotonic()
        for event in events:
            key = event.entry.key
            prev = event.prev
            if prev is None:
                self._keys.add(key)
                entry = self._kept(event.entry)
                self._current[key] = entry
                self._expiries.written(key, entry.revision, now)
                history.append(Event(ADDED, entry, None))
                continue
            old = prev.bytes_only()
            self._supersede_in_history(old)
            if event.type == DELETED:
                del self._current[key]
                self._keys.remove(key)
                history.append(Event(DELETED, event.entry.bytes_only(), old))
            else:
                entry = self._kept(event.entry)
                self._current[key] = entry
                self._expiries.written(key, entry.revision, now)
                history.append(Event(event.type, entry, old))
        self._revision = events[-1].entry.revision
        self._last_commit = (now, self._revision)
        if not self._commit_times or (
            self._last_commit[0] - self._commit_times[-1][0] >= COMMIT_TIME_SAMPLE_SECONDS
        ):
            self._commit_times.append(self._last_commit)

    def _kept(self, live: Entry) -> Entry:
        """The live version as memory keeps it: decoded unless under a bytes-only prefix."""
        return live.bytes_only() if live.key.startswith(self._bytes_only_prefixes) else live

    # -- expiry

    def _start_expiring(self) -> asyncio.Task[None] | None:
        ttl = self._expiries.shortest_ttl
        if ttl is None:
            return None
        live = ((key, entry.revision) for key, entry in self._current.items())
        self._expiries.written_all(live, time.monotonic())  # as etcd renews leases on restart
        period = min(max(ttl / 10, 0.05), EXPIRY_CHECK_SECONDS)
        return asyncio.create_task(self._expire_loop(period), name="store-expirer")

    async def _expire_loop(self, period: float) -> None:
        while True:
            await asyncio.sleep(period)
            await self._expire(self._expiries.due(time.monotonic()))

    async def _expire(self, due: list[tuple[str, int]]) -> None:
        """Delete the keys still at the revision whose time ran out; a later write renewed the
        others. A batch at a time, so that other writes interleave."""
        expired = [(key, rev) for key, rev in due if self._is_at(key, rev)]
        for start in range(0, len(expired), MAX_BATCH):
            batch = expired[start : start + MAX_BATCH]
            results = await asyncio.gather(
                *(self.delete(key, expected_revision=rev) for key, rev in batch),
                return_exceptions=True,
            )
            for (key, _), result in zip(batch, results, strict=True):
                # written or deleted meanwhile: a newer write has its own deadline
                if isinstance(result, Exception) and not isinstance(
                    result, ConflictError | KeyNotFoundError
                ):
                    log.warning("expiry of %s failed: %s", key, result)

    def _is_at(self, key: str, revision: int) -> bool:
        entry = self._current.get(key)
        return entry is not None and entry.revision == revision

    # -- compaction

    async def _compact_loop(self) -> None:
        period = min(max(self._history_seconds / 10, 0.1), 30.0)
        while True:
            await asyncio.sleep(period)
            target = self._compaction_target()
            if target <= self._compacted:
                continue
            try:
                await self.compact(target)
            except StoreError:
                log.exception("background compaction to revision %d failed", target)

    def _compaction_target(self) -> int:
        """The newest revision outside both bounds of the history window."""
        cutoff = time.monotonic() - self._history_seconds
        while self._commit_times and self._commit_times[0][0] <= cutoff:
            self._aged_revision = self._commit_times.popleft()[1]
        if self._last_commit[0] <= cutoff:
            self._aged_revision = self._last_commit[1]
        return min(self._aged_revision, self._revision - self._history_min_revisions)

    # -- reading the past

    def _check_retained(self, revision: int) -> None:
        if revision < self._compacted:
            raise ExpiredError(revision, self._compacted)
        if revision > self._revision:
            raise FutureRevisionError(revision, self._revision)

    def _history_index_after(self, revision: int) -> int:
        return bisect.bisect_right(self._history, revision, key=_revision_of)

    def _supersede_in_history(self, old: Entry) -> None:
        """Swap the history's event at old.revision for one holding `old` (raw bytes only)."""
        history = self._history
        if not history:
            return
        # Revisions in the history are consecutive: try the direct index before a search.
        index = old.revision - history[0].entry.revision
        if not (0 <= index < len(history) and history[index].entry.revision == old.revision):
            index = self._history_index_after(old.revision) - 1
            if index < 0 or history[index].entry.revision != old.revision:
                return  # compacted away
        event = history[index]
        history[index] = Event(event.type, old, event.prev)

    def _entries_before(self, prefix: str, revision: int) -> dict[str, Entry | None]:
        """Each key under `prefix` changed after `revision` -> its entry then (None: absent)."""
        older: dict[str, Entry | None] = {}
        for index in range(self._history_index_after(revision), len(self._history)):
            event = self._history[index]
            key = event.entry.key
            if key not in older and key.startswith(prefix):
                older[key] = event.prev
        return older

    def _entries_at(
        self, prefix: str, start_after: str | None, older: dict[str, Entry | None]
    ) -> Iterator[Entry]:
        end = prefix_end(prefix)
        if start_after is None:
            live_keys: Iterator[str] = self._keys.irange(prefix, end, inclusive=(True, False))
        else:
            live_keys = self._keys.irange(start_after, end, inclusive=(False, False))
        if not older:  # at the current revision: the common, fast case
            return map(self._current.__getitem__, live_keys)
        changed = sorted(k for k in older if start_after is None or k > start_after)
        return self._merge_rolled_back(live_keys, changed, older)

    def _merge_rolled_back(
        self, live_keys: Iterable[str], changed: list[str], older: dict[str, Entry | None]
    ) -> Iterator[Entry]:
        previous = None
        for key in heapq.merge(live_keys, changed):
            if key == previous:
                continue
            previous = key
            entry = older[key] if key in older else self._current[key]
            if entry is not None:
                yield entry

    def _count_after(self, prefix: str, after_key: str, older: dict[str, Entry | None]) -> int:
        count: int = self._keys_end(prefix) - self._keys.bisect_right(after_key)
        for key, entry in older.items():
            if key > after_key:  # +1 if it existed then but not now, -1 the other way round
                count += (entry is not None) - (key in self._current)
        return count

    def _keys_end(self, prefix: str) -> int:
        end = prefix_end(prefix)
        index: int = len(self._keys) if end is None else self._keys.bisect_left(end)
        return index

    # Last in the class: from here on, `list` in the class body names this method.
    def list(
        self,
        prefix: str,
        *,
        limit: int = 0,
        continue_token: str | None = None,
        revision: int | None = None,
    ) -> ListResult:
        """Entries under `prefix` in key order, at `revision` (default: current).

        With `limit`, a page and a continue token; every page of one listing is at the first
        page's revision (a token's revision wins over `revision`). Raises ExpiredError for a
        revision below compacted_revision, FutureRevisionError above the current one, and
        InvalidContinueTokenError for a token not issued for this prefix.
        """
        if limit < 0:
            raise ValueError("limit must be >= 0")
        start_after = None
        if continue_token is not None:
            revision, start_after = decode_continue(continue_token, prefix)
        at = self._revision if revision is None else revision
        self._check_retained(at)
        older = self._entries_before(prefix, at)
        page = [*itertools.islice(self._entries_at(prefix, start_after, older), limit or None)]
        if not limit or len(page) < limit:
            return ListResult(page, at, None, 0)
        remaining = self._count_after(prefix, page[-1].key, older)
        token = encode_continue(at, page[-1].key) if remaining else None
        return ListResult(page, at, token, remaining)


def _revision_of(event: Event) -> int:
    return event.entry.revision
