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
from typing import Any

from minikube_py.patching.values import go_json, go_quote

_MEMBER = "."


class PathElement(str):
    """One step of a path. The string is its FieldsV1 key (`f:name`, `k:{"name":"a"}`), which
    also makes hashing and comparing paths as cheap as for tuples of strings."""

    order: tuple[Any, ...]  # smd's sort order
    shown: str  # as conflict messages write it: `.name`, `[name="a"]`

    def __new__(cls, text: str, order: tuple[Any, ...], shown: str) -> PathElement:
        element = super().__new__(cls, text)
        element.order = order
        element.shown = shown
        return element

    @property
    def field_name(self) -> str | None:
        return self[2:] if self.startswith("f:") else None


Path = tuple[PathElement, ...]
FieldSet = frozenset[Path]


def field_element(name: str) -> PathElement:
    return PathElement("f:" + name, (0, name), "." + name)


def key_element(keys: dict[str, Any]) -> PathElement:
    ordered = sorted(keys.items())
    shown = ",".join(f"{name}={_value_string(value)}" for name, value in ordered)
    order = tuple((name, _value_order(value)) for name, value in ordered)
    return PathElement("k:" + go_json(dict(ordered)), (1, order), f"[{shown}]")


def value_element(value: Any) -> PathElement:
    return PathElement(
        "v:" + go_json(value), (2, _value_order(value)), f"[={_value_string(value)}]"
    )


def index_element(index: int) -> PathElement:
    return PathElement(f"i:{index}", (3, index), f"[{index}]")


def path_string(path: Path) -> str:
    """`.spec.template.spec.containers[name="nginx"].image`, as conflicts name fields."""
    return "".join(element.shown for element in path)


def parse_element(text: str) -> PathElement | None:
    """The element a FieldsV1 key names; None for unknown kinds (skipped, as smd does).

    Raises ValueError for a malformed key.
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
    if not isinstance(fields, dict):
        raise ValueError("fieldsV1 must be an object")
    return frozenset(_decode(fields, ()))


def _decode(fields: dict[str, Any], prefix: Path) -> Iterator[Path]:
    for text, nested in fields.items():
        if text == _MEMBER:
            continue
        element = parse_element(text)
        if element is None:
            continue
        if not isinstance(nested, dict):
            raise ValueError(f"invalid fieldsV1 value under {text!r}")
        path = (*prefix, element)
        children = list(_decode(nested, path))
        # `{}` (or only unknown keys) is a leaf; `".": {}` marks a node with children as a member.
        if not children or _MEMBER in nested:
            yield path
        yield from children


def encode_fields(paths: Iterable[Path]) -> dict[str, Any]:
    return _encode(tree(paths))


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
            node = node.children.setdefault(element, Node())
        node.member = True
    return root.children


def _encode(children: dict[PathElement, Node]) -> dict[str, Any]:
    encoded: dict[str, Any] = {}
    for element in sorted(children, key=lambda e: e.order):
        node = children[element]
        nested: dict[str, Any] = {_MEMBER: {}} if node.member and node.children else {}
        encoded[str(element)] = {**nested, **_encode(node.children)}
    return encoded


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
