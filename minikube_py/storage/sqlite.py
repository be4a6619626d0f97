"""The store's log in one SQLite file (WAL): the schema, its statements and SQLiteBackend."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, cast

import aiosqlite

from minikube_py.storage.types import Backend, LoadedLog, Row, StoreError, StoreOpenError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DURABILITY_PRAGMAS = {"normal": "NORMAL", "full": "FULL"}
COMPACT_BATCH = 1000  # revisions per compaction transaction, so writes interleave (as kine does)


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
        self._synchronous = synchronous_pragma(durability)
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


def synchronous_pragma(durability: str) -> str:
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
