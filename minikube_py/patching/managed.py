"""`metadata.managedFields`: decoding, encoding and capping, as apimachinery's field manager.

Entries are keyed by manager identity: (manager, operation, apiVersion, subresource), except
that Apply entries ignore the apiVersion (a manager applying at another version replaces its
entry). Encoded entries are sorted by operation (Apply first), time, manager, apiVersion and
subresource; their keys follow ManagedFieldsEntry's field order, empty ones omitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson

from minikube_py.patching.fieldpath import FieldSet, decode_fields_checked, encode_fields
from minikube_py.patching.values import go_quote

APPLY = "Apply"
UPDATE = "Update"
FIELDS_V1 = "FieldsV1"
MAX_UPDATE_MANAGERS = 10
_ANCIENT_CHANGES = "ancient-changes"


@dataclass(frozen=True, slots=True, order=True)
class ManagerId:
    manager: str
    operation: str
    api_version: str  # "" for Apply entries
    subresource: str = ""

    @classmethod
    def of(cls, manager: str, operation: str, api_version: str, subresource: str = "") -> ManagerId:
        return cls(manager, operation, "" if operation == APPLY else api_version, subresource)

    def describe(self) -> str:
        """As conflict messages name a manager: `"kubectl" using apps/v1`."""
        text = go_quote(self.manager)
        if self.subresource:
            text += f" with subresource {go_quote(self.subresource)}"
        return f"{text} using {self.api_version}" if self.operation == UPDATE else text


@dataclass(frozen=True, slots=True)
class Entry:
    fields: FieldSet
    api_version: str
    applied: bool
    # The decoded `fieldsV1` when it is already what encoding `fields` writes: an entry a
    # write leaves alone (the same Entry object) is copied out instead of re-encoded.
    raw: Any = field(default=None, compare=False, repr=False)


@dataclass(slots=True)
class Managed:
    entries: dict[ManagerId, Entry] = field(default_factory=dict)
    times: dict[ManagerId, str | None] = field(default_factory=dict)

    def copy(self) -> Managed:
        return Managed(dict(self.entries), dict(self.times))

    def drop_empty(self) -> None:
        for manager in [m for m, entry in self.entries.items() if not entry.fields]:
            del self.entries[manager]


def is_reset(managed_fields: Any) -> bool:
    """`[]` or `[{}]`: the client asks to clear all managed fields."""
    return bool(managed_fields == [] or managed_fields == [{}])


def decode(managed_fields: Any) -> Managed:
    """The entries of a managedFields list; ValueError names the first malformed one."""
    managed = Managed()
    if managed_fields is None:
        return managed
    if not isinstance(managed_fields, list):
        raise ValueError("managedFields must be a list")
    for index, raw in enumerate(managed_fields):
        manager, entry = _decode_entry(index, raw)
        managed.entries[manager] = entry
        managed.times[manager] = raw.get("time")
    return managed


def _decode_entry(index: int, raw: Any) -> tuple[ManagerId, Entry]:
    if not isinstance(raw, dict):
        raise ValueError(f"managed fields entry {index} must be an object")
    operation = raw.get("operation")
    if operation not in (APPLY, UPDATE):
        raise ValueError("operation must be `Apply` or `Update`")
    api_version = raw.get("apiVersion")
    if not api_version:
        raise ValueError("apiVersion must not be empty")
    fields_type = raw.get("fieldsType") or ""
    if fields_type == "":
        raise ValueError(f"missing fieldsType in managed fields entry {index}")
    if fields_type != FIELDS_V1:
        raise ValueError(f'invalid fieldsType "{fields_type}" in managed fields entry {index}')
    manager = ManagerId.of(
        raw.get("manager") or "", operation, api_version, raw.get("subresource") or ""
    )
    fields_v1 = raw.get("fieldsV1") or {}
    fields, canonical = decode_fields_checked(fields_v1)
    entry = Entry(fields, api_version, operation == APPLY, fields_v1 if canonical else None)
    return manager, entry


def encode(managed: Managed) -> list[dict[str, Any]] | None:
    """The managedFields list; None (field absent) when nothing is managed."""
    if not managed.entries:
        return None
    return [
        _encode_entry(manager, managed.entries[manager], managed.times.get(manager))
        for manager in sorted(managed.entries, key=lambda m: _sort_key(managed, m))
    ]


def _sort_key(managed: Managed, manager: ManagerId) -> tuple[Any, ...]:
    entry = managed.entries[manager]
    operation = APPLY if entry.applied else UPDATE
    seconds = _seconds(managed.times.get(manager))
    return (operation, seconds, manager.manager, entry.api_version, manager.subresource)


def _encode_entry(manager: ManagerId, entry: Entry, time: str | None) -> dict[str, Any]:
    return encode_entry(manager, entry.applied, entry.api_version, time, _fields_v1(entry))


def _fields_v1(entry: Entry) -> dict[str, Any]:
    """The entry's `fieldsV1`: a canonical one it was decoded from is copied (results are new
    objects), as a JSON round trip, exact for that content (dicts with str keys) and much
    faster than encoding again; else, or if nested too deep for orjson, it is encoded."""
    if entry.raw is not None:
        try:
            copied: dict[str, Any] = orjson.loads(orjson.dumps(entry.raw))
            return copied
        except orjson.JSONEncodeError:
            pass
    return encode_fields(entry.fields)


def encode_entry(
    manager: ManagerId, applied: bool, api_version: str, time: str | None, fields_v1: Any
) -> dict[str, Any]:
    """One encoded entry, its `fieldsV1` already encoded; keys in ManagedFieldsEntry's order."""
    encoded: dict[str, Any] = {"manager": manager.manager} if manager.manager else {}
    encoded["operation"] = APPLY if applied else UPDATE
    encoded["apiVersion"] = api_version
    if time:
        encoded["time"] = time
    encoded["fieldsType"] = FIELDS_V1
    encoded["fieldsV1"] = fields_v1
    if manager.subresource:
        encoded["subresource"] = manager.subresource
    return encoded


def _seconds(time: str | None) -> int:
    # Sorting and capping parse each entry's time on every write: memoized for strings (other
    # values, from malformed entries, fail or not exactly as they always did).
    return _seconds_of_text(time) if type(time) is str else _parse_seconds(time)


@lru_cache(maxsize=4096)
def _seconds_of_text(time: str) -> int:
    return _parse_seconds(time)


def _parse_seconds(time: str | None) -> int:
    if not time:
        return 0
    try:
        return int(datetime.fromisoformat(time).timestamp())
    except ValueError:
        return 0


def cap_update_managers(managed: Managed) -> None:
    """Fold the oldest Update entries into "ancient-changes" (one per apiVersion) beyond ten."""
    updaters = sorted(
        (m for m, entry in managed.entries.items() if not entry.applied),
        key=lambda m: (_seconds(managed.times.get(m)), m),
    )
    excess = len(updaters) - MAX_UPDATE_MANAGERS
    first_of_version: dict[str, ManagerId] = {}
    for manager in updaters:
        if excess <= 0:
            return
        entry = managed.entries[manager]
        bucket = ManagerId.of(_ANCIENT_CHANGES, UPDATE, entry.api_version)
        if entry.api_version not in first_of_version:
            first_of_version[entry.api_version] = manager  # folded once a second one comes
            continue
        if bucket not in managed.entries:
            managed.entries[bucket] = managed.entries.pop(first_of_version[entry.api_version])
        merged = entry.fields | managed.entries[bucket].fields
        managed.entries[bucket] = Entry(merged, entry.api_version, entry.applied)
        managed.times[bucket] = managed.times.get(manager)
        del managed.entries[manager]
        excess -= 1
