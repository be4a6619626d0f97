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
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import bisect
import contextlib
import enum
import gc
import heapq
import itertools
import logging
import sqlite3
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, cast

import aiosqlite
import orjson
from sortedcontainers import SortedList

from minikube_py.aio import cancel
from minikube_py.expiry import Expiries

log = logging.getLogger(__name__)

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"

SCHEMA_VERSION = 1
DURABILITY_PRAGMAS = {"normal": "NORMAL", "full": "FULL"}
MAX_BATCH = 256  # writes per transaction: big enough to amortise a commit, small enough to be short
COMPACT_BATCH = 1000  # revisions per compaction transaction, so writes interleave (as kine does)
COMMIT_TIME_SAMPLE_SECONDS = 1.0  # resolution of "how old is this revision" for compaction
HISTORY_TRIM_SLICE = 2000  # compacted events freed per loop iteration
EXPIRY_CHECK_SECONDS = 1.0  # how late past its deadline an expiring key may be deleted


# ---------------------------------------------------------------------------------------------
# Errors


class StoreError(Exception):
    """Base class of every error the store raises."""


class KeyExistsError(StoreError):
    """A create of a key that is live."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} already exists")
        self.key = key


class KeyNotFoundError(StoreError):
    """An update or delete of a key that is not live."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} not found")
        self.key = key


class ConflictError(StoreError):
    """The key's revision is not the one the caller expected; `current` is what is stored."""

    def __init__(self, key: str, expected_revision: int, current: Entry) -> None:
        super().__init__(
            f"{key}: expected revision {expected_revision}, current is {current.revision}"
        )
        self.key = key
        self.current = current


class ExpiredError(StoreError):
    """A list or watch at a revision whose history was compacted away (HTTP 410)."""

    def __init__(self, requested: int, compacted: int) -> None:
        super().__init__(f"too old resource version: {requested} ({compacted})")
        self.requested = requested
        self.compacted = compacted


class FutureRevisionError(StoreError):
    """A list at a revision the store has not reached yet."""

    def __init__(self, requested: int, current: int) -> None:
        super().__init__(f"too large resource version: {requested}, current: {current}")
        self.requested = requested
        self.current = current


class InvalidContinueTokenError(StoreError):
    """A continue token that this store did not issue for this prefix."""


class WatcherTooSlowError(StoreError):
    """The watch fell further behind than its buffer and was cut off; list again."""


class StoreOpenError(StoreError):
    """The store's file cannot be used; the message names the file and what to do."""


# ---------------------------------------------------------------------------------------------
# What callers get


@dataclass(frozen=True, slots=True)
class Entry:
    """One version of one object.

    Live versions keep their decoded object, except under the store's bytes-only prefixes.
    Superseded versions kept in the history (for watch replays and lists at older revisions) keep
    only `raw`: they are rarely read, and a decoded pod costs several times its bytes. A version
    without its decoded object decodes `value` on each access (an equal, fresh dict).
    """

    key: str
    revision: int  # mod revision == the object's metadata.resourceVersion
    create_revision: int
    decoded: dict[str, Any] | None = field(compare=False, repr=False)  # None: decode from raw
    raw: bytes  # orjson encoding of value: LIST and watch splice these bytes

    @property
    def value(self) -> dict[str, Any]:
        """The decoded object; SHARED when kept decoded, so callers treat it as immutable."""
        decoded = self.decoded
        if decoded is None:
            return cast("dict[str, Any]", orjson.loads(self.raw))
        return decoded

    def bytes_only(self) -> Entry:
        """This version without its decoded object, as the history keeps superseded ones."""
        if self.decoded is None:
            return self
        return Entry(self.key, self.revision, self.create_revision, None, self.raw)


@dataclass(frozen=True, slots=True)
class Event:
    """One revision as a watcher sees it."""

    type: str  # ADDED | MODIFIED | DELETED
    entry: Entry  # for DELETED: the last object, its resourceVersion = the deletion revision
    prev: Entry | None  # the version this one replaced (None for ADDED)


@dataclass(frozen=True, slots=True)
class ListResult:
    """One page of a listing; every page of one listing is consistent at `revision`."""

    entries: list[Entry]
    revision: int
    continue_token: str | None  # None on the last page
    remaining: int  # matching entries after this page (remainingItemCount)


# ---------------------------------------------------------------------------------------------
# The backend: where the log is kept


@dataclass(frozen=True, slots=True)
class Row:
    """One record of the log, one per revision."""

    revision: int
    key: str
    create_revision: int
    prev_revision: int  # the row this one supersedes, 0 for a create: compaction follows it
    deleted: bool  # a tombstone; raw is then the last object, stamped with this revision
    raw: bytes


@dataclass(frozen=True, slots=True)
class LoadedLog:
    """What a backend hands the store on open."""

    rows: list[Row]  # revision order; rows at or below compacted_revision form the base state
    revision: int  # last committed revision (never goes back, even if its row was compacted)
    compacted_revision: int


class Backend(Protocol):
    """Durable storage under the store. One append at a time; a compact may run beside it."""

    async def open(self) -> LoadedLog:
        """Open (creating if new) and read back the log. Raise StoreOpenError if unusable."""
        ...

    async def append(self, rows: Sequence[Row]) -> None:
        """Store the rows in ONE transaction, durably when it returns. Raise StoreError."""
        ...

    async def compact(self, revision: int) -> None:
        """Delete rows superseded at or below `revision`, and tombstones at or below it."""
        ...

    async def close(self) -> None: ...


_SCHEMA = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE log (revision INTEGER PRIMARY KEY, key TEXT NOT NULL,"
    " create_revision INTEGER NOT NULL, prev_revision INTEGER NOT NULL,"
    " deleted INTEGER NOT NULL, value BLOB NOT NULL)",
)
_INSERT_ROWS = (
    "INSERT INTO log (revision, key, create_revision, prev_revision, deleted, value) VALUES "
)
_ROW_VALUES = "(?, ?, ?, ?, ?, ?)"
_SELECT_ROWS = (
    "SELECT revision, key, create_revision, prev_revision, deleted, value FROM log"
    " ORDER BY revision"
)
# Rows in (lo, hi] supersede their prev rows; tombstones in (lo, hi] are no longer needed.
_DELETE_SUPERSEDED = (
    "DELETE FROM log WHERE revision IN (SELECT prev_revision FROM log"
    " WHERE revision > ? AND revision <= ? AND prev_revision > 0)"
)
_DELETE_TOMBSTONES = "DELETE FROM log WHERE revision > ? AND revision <= ? AND deleted = 1"
_SET_META = "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)"


class SQLiteBackend:
    """The log in one SQLite file: WAL mode, one connection, locked against other processes."""

    def __init__(self, path: str | Path, *, durability: str = "normal") -> None:
        self._path = Path(path)
        self._synchronous = _synchronous_pragma(durability)
        self._db: aiosqlite.Connection | None = None
        self._transaction_lock = asyncio.Lock()  # one connection: transactions must not interleave
        self._compacted = 0

    async def open(self) -> LoadedLog:
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._db = await aiosqlite.connect(self._path, isolation_level=None, timeout=1.0)
            await self._configure()
            await self._check_schema()
            return await self._read_log()
        except (sqlite3.Error, OSError) as exc:
            await self.close()
            raise _open_error(self._path, exc) from exc
        except StoreOpenError:
            await self.close()
            raise

    async def _configure(self) -> None:
        # EXCLUSIVE: a second server on the same file would fork history; refuse it at open.
        await self._connection.execute("PRAGMA locking_mode=EXCLUSIVE")
        await self._connection.execute("PRAGMA journal_mode=WAL")
        await self._connection.execute(f"PRAGMA synchronous={self._synchronous}")
        await self._connection.execute("BEGIN IMMEDIATE")  # takes the lock now, not on first write
        await self._connection.execute("COMMIT")

    async def _check_schema(self) -> None:
        tables = {
            name
            for (name,) in await self._connection.execute_fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        }
        if not tables:
            await self._create_schema()
            return
        version = await self._read_meta("schema_version") if "meta" in tables else None
        if version is None or "log" not in tables:
            raise StoreOpenError(
                f"{self._path}: not a minikube_py store (a SQLite file without its tables); "
                "move it aside or choose another data directory"
            )
        if version != SCHEMA_VERSION:
            raise StoreOpenError(
                f"{self._path}: data was written by schema version {version}, this minikube_py "
                f"understands {SCHEMA_VERSION}; run the minikube_py release that wrote it, or move "
                "the file aside to start with an empty store"
            )

    async def _create_schema(self) -> None:
        async with self._transaction():
            for statement in _SCHEMA:
                await self._connection.execute(statement)
            await self._connection.executemany(
                _SET_META, [("schema_version", SCHEMA_VERSION), ("compacted_revision", 0)]
            )

    async def _read_meta(self, name: str) -> int | None:
        rows = await self._connection.execute_fetchall(
            "SELECT value FROM meta WHERE name = ?", (name,)
        )
        for (value,) in rows:
            return int(value)
        return None

    async def _read_log(self) -> LoadedLog:
        self._compacted = await self._read_meta("compacted_revision") or 0
        # Build Rows in the worker thread (aiosqlite types row_factory as a class; callables work).
        self._connection.row_factory = _row_from_sql  # type: ignore[assignment]
        try:
            rows = cast("list[Row]", await self._connection.execute_fetchall(_SELECT_ROWS))
        finally:
            self._connection.row_factory = None
        last = rows[-1].revision if rows else 0
        return LoadedLog(rows, max(last, self._compacted), self._compacted)

    async def append(self, rows: Sequence[Row]) -> None:
        # One statement (atomic by itself) is one trip to the connection's thread, where
        # BEGIN, executemany and COMMIT were three: it halves the loop's cost of a commit.
        # MAX_BATCH rows stay far below SQLite's limit of 32,766 parameters.
        statement = _INSERT_ROWS + ", ".join([_ROW_VALUES] * len(rows))
        params = [
            value
            for r in rows
            for value in (r.revision, r.key, r.create_revision, r.prev_revision, r.deleted, r.raw)
        ]
        try:
            async with self._transaction_lock:
                await self._connection.execute(statement, params)
        except sqlite3.Error as exc:
            raise StoreError(f"{self._path}: write failed: {exc}") from exc

    async def compact(self, revision: int) -> None:
        try:
            while self._compacted < revision:
                await self._compact_batch(
                    self._compacted, min(revision, self._compacted + COMPACT_BATCH)
                )
        except sqlite3.Error as exc:
            raise StoreError(f"{self._path}: compaction failed: {exc}") from exc

    async def _compact_batch(self, low: int, high: int) -> None:
        async with self._transaction():
            await self._connection.execute(_DELETE_SUPERSEDED, (low, high))
            await self._connection.execute(_DELETE_TOMBSTONES, (low, high))
            await self._connection.execute(_SET_META, ("compacted_revision", high))
        self._compacted = high

    async def close(self) -> None:
        if self._db is None:
            return
        db, self._db = self._db, None
        try:
            await db.close()
        except sqlite3.Error:
            log.exception("closing %s failed", self._path)

    @property
    def _connection(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreError(f"{self._path}: the store is closed")
        return self._db

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        async with self._transaction_lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield
                await self._connection.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise

    async def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            await self._connection.execute("ROLLBACK")


_: type[Backend] = SQLiteBackend  # the type checker proves the contract


def _synchronous_pragma(durability: str) -> str:
    if durability not in DURABILITY_PRAGMAS:
        raise ValueError(f"durability must be 'normal' or 'full', not {durability!r}")
    return DURABILITY_PRAGMAS[durability]


def _row_from_sql(_cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> Row:
    revision, key, create_revision, prev_revision, deleted, raw = values
    return Row(revision, key, create_revision, prev_revision, bool(deleted), raw)


def _open_error(path: Path, exc: BaseException) -> StoreOpenError:
    """Turn a low-level failure at open into a message that says what to do."""
    detail = str(exc)
    if "locked" in detail:
        advice = "another process is using it; stop that process or choose another data directory"
    elif isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        advice = (
            "the file is corrupt or not a minikube_py store; move it aside to start empty, "
            "or restore it from a backup"
        )
    else:
        advice = (
            "check that the file and its directory exist and that this user may read and write them"
        )
    return StoreOpenError(f"{path}: cannot open the store ({detail}); {advice}")


# ---------------------------------------------------------------------------------------------
# Watches


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


class _WatchHub:
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


# ---------------------------------------------------------------------------------------------
# The store


class _Op(enum.Enum):
    CREATE = enum.auto()
    UPDATE = enum.auto()
    DELETE = enum.auto()


@dataclass(slots=True)
class _Write:
    """A write waiting for the writer task."""

    op: _Op
    key: str
    value: dict[str, Any]  # empty for a delete
    expected_revision: int | None
    done: asyncio.Future[Entry]


class Store:
    """Current state in memory, a durable log in a Backend, a hub of ordered watches.

    Build it with `await Store.open(path)` and finish with `await store.close()`.
    """

    def __init__(
        self,
        backend: Backend,
        loaded: LoadedLog,
        memory: _Memory,
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
        self._hub = _WatchHub()
        self._pending: deque[_Write] = deque()
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
        write (see expiry.py); watchers see them DELETED.
        """
        _synchronous_pragma(durability)
        if history_seconds < 0 or history_min_revisions < 0:
            raise ValueError("history_seconds and history_min_revisions must be >= 0")
        if backend is None:
            backend = SQLiteBackend(path, durability=durability)
        loaded = await backend.open()
        try:
            memory = await asyncio.to_thread(_rebuild, loaded, tuple(bytes_only_prefixes))
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
        return await self._submit(_Op.CREATE, key, _checked(key, value), None)

    async def update(
        self, key: str, value: dict[str, Any], expected_revision: int | None = None
    ) -> Entry:
        """Replace a live key; KeyNotFoundError, or ConflictError if its revision differs."""
        return await self._submit(_Op.UPDATE, key, _checked(key, value), expected_revision)

    async def delete(self, key: str, expected_revision: int | None = None) -> Entry:
        """Delete a live key and return the deletion entry (the last object, stamped)."""
        return await self._submit(_Op.DELETE, key, {}, expected_revision)

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
        self, op: _Op, key: str, value: dict[str, Any], expected_revision: int | None
    ) -> asyncio.Future[Entry]:
        if self._closing:
            raise StoreError("the store is closed")
        done: asyncio.Future[Entry] = asyncio.get_running_loop().create_future()
        self._pending.append(_Write(op, key, value, expected_revision, done))
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
                    _fail(write.done, _write_failed(write.key, exc))

    async def _commit(self, batch: list[_Write]) -> None:
        planned = self._plan(batch)
        if not planned:
            return
        try:
            await self._backend.append([_row_of(event) for _, event in planned])
        except Exception as exc:
            for write, _ in planned:
                _fail(write.done, _write_failed(write.key, exc))
            return
        events = [event for _, event in planned]
        self._apply(events)
        self._hub.publish(events)
        for write, event in planned:
            _resolve(write.done, event.entry)

    def _plan(self, batch: list[_Write]) -> list[tuple[_Write, Event]]:
        """Check each write in order against committed state plus the batch's earlier writes."""
        planned: list[tuple[_Write, Event]] = []
        staged: dict[str, Entry | None] = {}
        revision = self._revision
        for write in batch:
            if write.done.done():  # its caller was cancelled before the write was committed
                continue
            current = staged[write.key] if write.key in staged else self._current.get(write.key)
            try:
                event = _event_for(write, current, revision + 1)
            except (StoreError, orjson.JSONEncodeError) as exc:
                _fail(write.done, exc)
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
        end = _prefix_end(prefix)
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
        end = _prefix_end(prefix)
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
            revision, start_after = _decode_continue(continue_token, prefix)
        at = self._revision if revision is None else revision
        self._check_retained(at)
        older = self._entries_before(prefix, at)
        page = [*itertools.islice(self._entries_at(prefix, start_after, older), limit or None)]
        if not limit or len(page) < limit:
            return ListResult(page, at, None, 0)
        remaining = self._count_after(prefix, page[-1].key, older)
        token = _encode_continue(at, page[-1].key) if remaining else None
        return ListResult(page, at, token, remaining)


def _checked(key: str, value: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"{key}: the value must be a dict, not {type(value).__name__}")
    return value


def _event_for(write: _Write, current: Entry | None, revision: int) -> Event:
    """The event `write` makes at `revision`, or the error its precondition gives."""
    if write.op is _Op.CREATE:
        if current is not None:
            raise KeyExistsError(write.key)
        return Event(ADDED, _stamped(write.key, write.value, revision, revision), None)
    if current is None:
        raise KeyNotFoundError(write.key)
    if write.expected_revision is not None and write.expected_revision != current.revision:
        raise ConflictError(write.key, write.expected_revision, current)
    if write.op is _Op.UPDATE:
        entry = _stamped(write.key, write.value, revision, current.create_revision)
        return Event(MODIFIED, entry, current)
    entry = _stamped(write.key, current.value, revision, current.create_revision)
    return Event(DELETED, entry, current)


def _stamped(key: str, value: dict[str, Any], revision: int, create_revision: int) -> Entry:
    """The stored copy of `value`, its metadata.resourceVersion set; `value` is not mutated."""
    metadata = value.get("metadata")
    stamped_metadata = dict(metadata) if isinstance(metadata, dict) else {}
    stamped_metadata["resourceVersion"] = str(revision)
    stored = {**value, "metadata": stamped_metadata}
    # orjson's bytes keep the capacity of its write buffer (measured: 32 KB for a 2.6 KB
    # object); raw is kept for the object's lifetime and in the history, so keep an exact copy.
    raw = memoryview(orjson.dumps(stored)).tobytes()
    return Entry(key, revision, create_revision, stored, raw)


def _row_of(event: Event) -> Row:
    entry = event.entry
    prev_revision = event.prev.revision if event.prev is not None else 0
    deleted = event.type == DELETED
    return Row(entry.revision, entry.key, entry.create_revision, prev_revision, deleted, entry.raw)


@dataclass(frozen=True, slots=True)
class _Memory:
    """What the store keeps in memory besides the watches."""

    current: dict[str, Entry]  # live keys
    keys: SortedList  # the same keys in order, for prefix ranges and pages
    history: list[Event]  # every event after the compacted revision, in revision order


def _rebuild(loaded: LoadedLog, bytes_only_prefixes: tuple[str, ...]) -> _Memory:
    """Replay the log into the current state and the retained history (runs in a thread)."""
    current: dict[str, Entry] = {}
    history: list[Event] = []
    last_revision = {row.key: row.revision for row in loaded.rows}
    with _long_lived_objects():
        for row in loaded.rows:
            value = orjson.loads(row.raw)  # every row: a corrupt one fails the open, not a read
            live = not row.deleted and last_revision[row.key] == row.revision
            decoded = live and not row.key.startswith(bytes_only_prefixes)
            entry = Entry(
                row.key, row.revision, row.create_revision, value if decoded else None, row.raw
            )
            prev = current.get(row.key)
            if row.deleted:
                current.pop(row.key, None)
                event = Event(DELETED, entry, prev)
            else:
                current[row.key] = entry
                event = Event(ADDED if prev is None else MODIFIED, entry, prev)
            if row.revision > loaded.compacted_revision:
                history.append(event)
        return _Memory(current, SortedList(current), history)


@contextlib.contextmanager
def _long_lived_objects() -> Iterator[None]:
    """Keep the garbage collector off objects made to be kept.

    While decoding, collections would only rescan the growing heap and free nothing. Afterwards
    the first young collection would scan them all at once: a stall of hundreds of ms on the loop
    (measured at 70k objects). gc.freeze() moves them out of its sight instead; they hold no
    cycles, so reference counting still frees them once superseded.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if was_enabled:
            gc.enable()


def _revision_of(event: Event) -> int:
    return event.entry.revision


def _prefix_end(prefix: str) -> str | None:
    """The smallest string above every string that starts with `prefix` (None: no bound)."""
    if not prefix:
        return None
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _encode_continue(revision: int, last_key: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"rv": revision, "start": last_key})).decode()


def _decode_continue(token: str, prefix: str) -> tuple[int, str]:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token.encode()))
        revision, start = data["rv"], data["start"]
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise InvalidContinueTokenError(f"malformed continue token {token!r}") from exc
    if not isinstance(revision, int) or not isinstance(start, str) or not start.startswith(prefix):
        raise InvalidContinueTokenError(
            f"continue token {token!r} is not for a listing of {prefix}"
        )
    return revision, start


def _write_failed(key: str, cause: Exception) -> StoreError:
    error = StoreError(f"write of {key} failed: {cause}")
    error.__cause__ = cause
    return error


def _resolve(done: asyncio.Future[Entry], entry: Entry) -> None:
    if not done.done():
        done.set_result(entry)


def _fail(done: asyncio.Future[Entry], error: BaseException) -> None:
    if not done.done():
        done.set_exception(error)
