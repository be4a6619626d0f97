"""The store's memory as rebuilt from its log at open: current state, key index and history."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass

import orjson
from sortedcontainers import SortedList

from minikube_py.storage.types import ADDED, DELETED, MODIFIED, Entry, Event, LoadedLog


@dataclass(frozen=True, slots=True)
class Memory:
    """What the store keeps in memory besides the watches."""

    current: dict[str, Entry]  # live keys
    keys: SortedList  # the same keys in order, for prefix ranges and pages
    history: list[Event]  # every event after the compacted revision, in revision order


def rebuild(loaded: LoadedLog, bytes_only_prefixes: tuple[str, ...]) -> Memory:
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
        return Memory(current, SortedList(current), history)


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
