"""The resource registry: one entry per served resource, from which every handler works.

A resource differs from another only by its entry (names, scope, verbs, subresources, printer
columns, selectable fields); the handlers in `api.py` are generic. The registry is dynamic so that
CustomResourceDefinitions can add and remove entries at run time; discovery is derived from it.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson

Obj = dict[str, Any]


def clone(obj: Obj) -> Obj:
    """A deep copy of a JSON object; an orjson round trip is several times faster than deepcopy."""
    copied: Obj = orjson.loads(orjson.dumps(obj))
    return copied


def exact_json(value: Any) -> bytes | None:
    """The JSON of `value` when it decodes to an equal value of the same types, else None.

    The key for memoizing work on JSON values by content. Objects decoded from YAML may not
    round-trip: dates, binary, non-string keys, NaN and infinities (which orjson writes as
    null, so any `null` in the bytes disqualifies, even one inside a string: only a memo is
    missed), nesting deeper than orjson's limit.
    """
    try:
        encoded = orjson.dumps(value, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except orjson.JSONEncodeError:
        return None
    return None if b"null" in encoded else encoded


Key = TypeVar("Key", bound=Hashable)
Extra = TypeVar("Extra")


def memoized_by_json(
    compute: Callable[[Obj, Key], tuple[Obj, Extra]],
) -> Callable[[Obj, Key], tuple[Obj, Extra]]:
    """`compute(value, key)`, giving an object and an extra, memoized by the exact JSON of
    `value` (see exact_json): each caller gets a fresh copy of the object to own. Values
    without exact JSON, and objects nested too deep to encode, are computed directly."""

    @functools.lru_cache(maxsize=1024)
    def from_json(encoded: bytes, key: Key) -> tuple[bytes, Extra]:
        obj, extra = compute(orjson.loads(encoded), key)
        return orjson.dumps(obj), extra

    def memoized(value: Obj, key: Key) -> tuple[Obj, Extra]:
        encoded = exact_json(value)
        if encoded is not None:
            with contextlib.suppress(orjson.JSONEncodeError):
                obj, extra = from_json(encoded, key)
                return orjson.loads(obj), extra
        return compute(value, key)

    return memoized


ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True, slots=True)
class Column:
    """One server-side printer column (a `Table` columnDefinition and how to fill its cell)."""

    name: str
    type: str  # string, integer, number, boolean, date
    description: str
    cell: Callable[[Obj], Any]
    format: str = ""
    priority: int = 0  # > 0: shown only with `-o wide`

    def definition(self) -> Obj:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


@dataclass(frozen=True, slots=True)
class Resource:
    """A served resource: what discovery lists and how the generic handlers treat it."""

    group: str  # "" for the core group
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    # subresource name -> the kind it speaks (e.g. {"status": "Pod", "scale": "Scale"})
    subresources: dict[str, str] = field(default_factory=dict)
    # printer columns after the leading Name column (Age is listed explicitly where real K8s has it)
    columns: tuple[Column, ...] = ()
    # field selectors allowed besides metadata.name and metadata.namespace
    field_selectors: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def group_resource(self) -> str:
        """`deployments.apps`, or `pods` for core, as used in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    def key_prefix(self, namespace: str | None = None) -> str:
        """Store key prefix of this resource (of one namespace if given); always ends with `/`.

        The core group is spelled `core`: real group names contain a dot or are one of the
        legacy names (apps, batch, policy, ...), none of which is `core`, so prefixes never collide.
        """
        base = f"/{self.group or 'core'}/{self.plural}/"
        return f"{base}{namespace}/" if namespace else base

    def key(self, namespace: str | None, name: str) -> str:
        return f"{self.key_prefix(namespace if self.namespaced else None)}{name}"


class Registry:
    """All served resources, indexed the ways the API looks them up; changes are observable."""

    def __init__(self, resources: Iterable[Resource] = ()) -> None:
        self._by_path: dict[tuple[str, str, str], Resource] = {}
        self._listeners: list[Callable[[], None]] = []
        for resource in resources:
            self.add(resource)

    def add(self, resource: Resource) -> None:
        self._by_path[(resource.group, resource.version, resource.plural)] = resource
        self._changed()

    def remove(self, group: str, version: str, plural: str) -> None:
        if self._by_path.pop((group, version, plural), None) is not None:
            self._changed()

    def get(self, group: str, version: str, plural: str) -> Resource | None:
        return self._by_path.get((group, version, plural))

    def by_kind(self, api_version: str, kind: str) -> Resource | None:
        for resource in self._by_path.values():
            if resource.api_version == api_version and resource.kind == kind:
                return resource
        return None

    def __iter__(self) -> Iterator[Resource]:
        return iter(self._by_path.values())

    def group_versions(self) -> dict[str, list[str]]:
        """Group -> its versions, in registration order (the preferred version first)."""
        result: dict[str, list[str]] = {}
        for resource in self._by_path.values():
            versions = result.setdefault(resource.group, [])
            if resource.version not in versions:
                versions.append(resource.version)
        return result

    def in_group_version(self, group: str, version: str) -> list[Resource]:
        return [r for r in self._by_path.values() if r.group == group and r.version == version]

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()
