"""What the store and its parts share: the errors, Entry and Event, and the Backend contract.

`minikube_py.store` re-exports every public name here; import them from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import orjson

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"

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
# The backend: where the log is kept (the contract; SQLiteBackend is in sqlite.py)


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
