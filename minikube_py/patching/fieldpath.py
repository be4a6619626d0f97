"""Field paths and field sets, and their `FieldsV1` encoding (managedFields' `fieldsV1`).

A path is a tuple of path elements, as in structured-merge-diff: `f:<field>` (a struct field or
map key), `k:{...}` (an associative list item by its keys), `v:<value>` (a set item) and
`i:<index>`. A field set is a frozenset of paths.

`FieldsV1` nests path elements as object keys; `{}` marks a leaf, and `".": {}` marks a node that
is itself in the set besides having children: `{"f:spec":{"f:containers":{"k:{\"name\":\"a\"}":
{".":{},"f:image":{}}}}}` holds `.spec.containers[name="a"]` and its `.image`. Keys are written in
smd's order: fields, then keys, values and indexes, each sorted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import Any

from minikube_py.patching.values import go_json, go_quote

_MEMBER = "."
MEMBER = _MEMBER  # the key that marks a node with children as itself in the set
# Elements are immutable and every write builds the same few hundred of them (field names,
# container keys), so the constructors are memoized; bounded because map keys are open-ended.
_ELEMENT_CACHE_SIZE = 1 << 14
# Scalar types whose elements may be cached by (type, value): floats are left out because 0.0
# and -0.0 are equal as cache keys but encode differently ("0" vs "-0").
_CACHEABLE_SCALARS = (str, int, bool, type(None))
element_order = attrgetter("order")  # a sort key: smd's order of the elements of one level


class PathElement(str):
    """One step of a path. The string is its FieldsV1 key (`f:name`, `k:{"name":"a"}`), which
    also makes hashing and comparing paths as cheap as for tuples of strings."""

    order: tuple[Any, ...]  # smd's sort order
    shown: str  # as conflict messages write it: `.name`, `[name="a"]`
    key: str  # the same text as a plain str, as encoded FieldsV1 objects are keyed

    def __new__(cls, text: str, order: tuple[Any, ...], shown: str) -> PathElement:
        element = super().__new__(cls, text)
        element.order = order
        element.shown = shown
        element.key = str.__str__(text)  # plain even if `text` were a subclass
        return element

    @property
    def field_name(self) -> str | None:
        return self[2:] if self.startswith("f:") else None


Path = tuple[PathElement, ...]
FieldSet = frozenset[Path]


@lru_cache(maxsize=_ELEMENT_CACHE_SIZE)
def field_element(name: str) -> PathElement:
    return PathElement("f:" + name, (0, name), "." + name)


def key_element(keys: dict[str, Any]) -> PathElement:
    cache_key = _scalars_key(keys.items())
    if cache_key is None:
        return _key_element(tuple(sorted(keys.items())))
    return _cached_key_element(cache_key)


@lru_cache(maxsize=_ELEMENT_CACHE_SIZE)
def _cached_key_element(cache_key: tuple[tuple[str, type, Any], ...]) -> PathElement:
    return _key_element(tuple(sorted((name, value) for name, _, value in cache_key)))


def _key_element(ordered: tuple[tuple[str, Any], ...]) -> PathElement:
    shown = ",".join(f"{name}={_value_string(value)}" for name, value in ordered)
    order = tuple((name, _value_order(value)) for name, value in ordered)
    return PathElement("k:" + go_json(dict(ordered)), (1, order), f"[{shown}]")


def _scalars_key(items: Iterable[tuple[str, Any]]) -> tuple[tuple[str, type, Any], ...] | None:
    """A cache key telling apart values Python finds equal but JSON does not (1, True); None
    if some value cannot be cached."""
    key = []
    for name, value in items:
        if type(value) not in _CACHEABLE_SCALARS:
            return None
        key.append((name, type(value), value))
    return tuple(sorted(key, key=lambda entry: entry[0]))


def value_element(value: Any) -> PathElement:
    if type(value) in _CACHEABLE_SCALARS:
        return _cached_value_element(type(value).__name__, value)
    return _value_element(value)


@lru_cache(maxsize=_ELEMENT_CACHE_SIZE)
def _cached_value_element(_kind: str, value: Any) -> PathElement:
    return _value_element(value)  # `_kind` keeps 1 and True apart in the cache


def _value_element(value: Any) -> PathElement:
    return PathElement(
        "v:" + go_json(value), (2, _value_order(value)), f"[={_value_string(value)}]"
    )


def index_element(index: int) -> PathElement:
    return PathElement(f"i:{index}", (3, index), f"[{index}]")


def path_string(path: Path) -> str:
    """`.spec.template.spec.containers[name="nginx"].image`, as conflicts name fields."""
    return "".join(element.shown for element in path)


@lru_cache(maxsize=_ELEMENT_CACHE_SIZE)
def parse_element(text: str) -> PathElement | None:
    """The element a FieldsV1 key names; None for unknown kinds (skipped, as smd does).

    Raises ValueError for a malformed key (not cached: lru_cache keeps no exceptions).
    """
    if len(text) < 2 or text[1] != ":":
        raise ValueError(f"invalid path element {text!r}")
    kind, body = text[0], text[2:]
    if kind == "f":
        return field_element(body)
    if kind == "k":
        keys = json.loads(body)
        if not isinstance(keys, dict):
            raise ValueError(f"invalid key element {text!r}")
        return key_element(keys)
    if kind == "v":
        return value_element(json.loads(body))
    if kind == "i":
        return index_element(int(body))
    return None


def decode_fields(fields: Any) -> FieldSet:
    """The field set a `fieldsV1` object encodes; ValueError if it is malformed."""
    return decode_fields_checked(fields)[0]


def decode_fields_checked(fields: Any) -> tuple[FieldSet, bool]:
    """`decode_fields`, and whether `fields` is exactly what `encode_fields` writes for that set
    (the usual case: the server wrote it), so that it can be reused instead of re-encoded."""
    if not isinstance(fields, dict):
        raise ValueError("fieldsV1 must be an object")
    found: list[Path] = []
    canonical = _decode(fields, (), found) and _MEMBER not in fields  # the root has no "."
    return frozenset(found), canonical


def _decode(fields: dict[str, Any], prefix: Path, found: list[Path]) -> bool:
    """Collect the paths below `prefix`; True if this level and all below are canonical.

    Depth first in document order, so that the first malformed key is the one reported.
    Canonical: keys are exact strings in their encoded spelling, in smd's order with no ties,
    and `".": {}` comes first and only in a node that also has children.
    """
    canonical = _MEMBER not in fields or _member_first(fields)
    previous: PathElement | None = None
    for text, nested in fields.items():
        if text == _MEMBER:
            continue
        element = parse_element(text)
        if element is None:
            canonical = False  # unknown kinds are skipped, so not written back
            continue
        if not isinstance(nested, dict):
            raise ValueError(f"invalid fieldsV1 value under {text!r}")
        if canonical and (
            element.key != text
            or type(text) is not str
            or (previous is not None and previous.order >= element.order)
        ):
            canonical = False
        previous = element
        path = (*prefix, element)
        if not nested:  # a leaf (most nodes): just its own path, nothing below to check
            found.append(path)
            continue
        before = len(found)
        if not _decode(nested, path, found):
            canonical = False
        # `{}` (or only unknown keys) is a leaf; `".": {}` marks a node with children as a member.
        if len(found) == before or _MEMBER in nested:
            found.append(path)
    return canonical


def _member_first(fields: dict[str, Any]) -> bool:
    """Whether a node's `"."` is as written when encoding: first, `{}`, beside children."""
    mark = fields[_MEMBER]
    return len(fields) > 1 and next(iter(fields)) == _MEMBER and isinstance(mark, dict) and not mark


def encode_fields(paths: Iterable[Path]) -> dict[str, Any]:
    """The `fieldsV1` object of a field set.

    Built as nested dicts keyed by element (`_MEMBER` marking members), then sorted level by
    level: the same as encoding `tree(paths)`, without a Node per element.
    """
    nested: dict[Any, Any] = {}
    for path in paths:
        node = nested
        for element in path:
            child = node.get(element)
            if child is None:
                child = node[element] = {}
            node = child
        node[_MEMBER] = None
    nested.pop(_MEMBER, None)  # the empty path (the root) has no key to be written under
    return _encode_nested(nested)


def _encode_nested(node: dict[Any, Any]) -> dict[str, Any]:
    member = _MEMBER in node
    if member:
        del node[_MEMBER]
    encoded: dict[str, Any] = {_MEMBER: {}} if member and node else {}
    elements: list[PathElement] = sorted(node, key=element_order) if len(node) > 1 else list(node)
    for element in elements:
        encoded[element.key] = _encode_nested(node[element])
    return encoded


@dataclass(slots=True)
class Node:
    """A field set as a tree: `member` says the path ending here is itself in the set."""

    member: bool = False
    children: dict[PathElement, Node] = field(default_factory=dict)


def tree(paths: Iterable[Path]) -> dict[PathElement, Node]:
    root = Node()
    for path in paths:
        node = root
        for element in path:
            child = node.children.get(element)
            if child is None:  # not setdefault: that would build a Node per element
                child = node.children[element] = Node()
            node = child
        node.member = True
    return root.children


def iterate(paths: Iterable[Path]) -> list[Path]:
    """The paths in smd's iteration order: at each level the members, then the children."""
    return list(_iterate(tree(paths), ()))


def _iterate(children: dict[PathElement, Node], prefix: Path) -> Iterator[Path]:
    ordered = sorted(children, key=lambda e: e.order)
    for element in ordered:
        if children[element].member:
            yield (*prefix, element)
    for element in ordered:
        yield from _iterate(children[element].children, (*prefix, element))


def _value_order(value: Any) -> tuple[Any, ...]:
    """smd's value ordering: numbers, strings, bools, lists, maps, null."""
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, int | float):
        return (0, float(value))
    if isinstance(value, str):
        return (1, value)
    if isinstance(value, list):
        return (3, tuple(_value_order(item) for item in value))
    if isinstance(value, dict):
        return (4, tuple((key, _value_order(item)) for key, item in sorted(value.items())))
    return (5,)


def _value_string(value: Any) -> str:
    """smd's value.ToString: strings quoted, maps as `k=v` runs."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ",".join(_value_string(item) for item in value) + "]"
    if isinstance(value, dict):
        return "".join(f"{key}={_value_string(item)}" for key, item in value.items())
    return str(value)
