"""A write on its way through the store's writer task: its precondition, event and log row."""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass
from typing import Any

import orjson

from minikube_py.storage.types import (
    ADDED,
    DELETED,
    MODIFIED,
    ConflictError,
    Entry,
    Event,
    KeyExistsError,
    KeyNotFoundError,
    Row,
    StoreError,
)


class Op(enum.Enum):
    CREATE = enum.auto()
    UPDATE = enum.auto()
    DELETE = enum.auto()


@dataclass(slots=True)
class Write:
    """A write waiting for the writer task."""

    op: Op
    key: str
    value: dict[str, Any]  # empty for a delete
    expected_revision: int | None
    done: asyncio.Future[Entry]


def checked(key: str, value: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"{key}: the value must be a dict, not {type(value).__name__}")
    return value


def event_for(write: Write, current: Entry | None, revision: int) -> Event:
    """The event `write` makes at `revision`, or the error its precondition gives."""
    if write.op is Op.CREATE:
        if current is not None:
            raise KeyExistsError(write.key)
        return Event(ADDED, stamped(write.key, write.value, revision, revision), None)
    if current is None:
        raise KeyNotFoundError(write.key)
    if write.expected_revision is not None and write.expected_revision != current.revision:
        raise ConflictError(write.key, write.expected_revision, current)
    if write.op is Op.UPDATE:
        entry = stamped(write.key, write.value, revision, current.create_revision)
        return Event(MODIFIED, entry, current)
    entry = stamped(write.key, current.value, revision, current.create_revision)
    return Event(DELETED, entry, current)


def stamped(key: str, value: dict[str, Any], revision: int, create_revision: int) -> Entry:
    """The stored copy of `value`, its metadata.resourceVersion set; `value` is not mutated."""
    metadata = value.get("metadata")
    stamped_metadata = dict(metadata) if isinstance(metadata, dict) else {}
    stamped_metadata["resourceVersion"] = str(revision)
    stored = {**value, "metadata": stamped_metadata}
    # orjson's bytes keep the capacity of its write buffer (measured: 32 KB for a 2.6 KB
    # object); raw is kept for the object's lifetime and in the history, so keep an exact copy.
    raw = memoryview(orjson.dumps(stored)).tobytes()
    return Entry(key, revision, create_revision, stored, raw)


def row_of(event: Event) -> Row:
    entry = event.entry
    prev_revision = event.prev.revision if event.prev is not None else 0
    deleted = event.type == DELETED
    return Row(entry.revision, entry.key, entry.create_revision, prev_revision, deleted, entry.raw)


def write_failed(key: str, cause: Exception) -> StoreError:
    error = StoreError(f"write of {key} failed: {cause}")
    error.__cause__ = cause
    return error


def resolve(done: asyncio.Future[Entry], entry: Entry) -> None:
    if not done.done():
        done.set_result(entry)


def fail(done: asyncio.Future[Entry], error: BaseException) -> None:
    if not done.done():
        done.set_exception(error)
