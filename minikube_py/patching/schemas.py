"""Schema lookups for the patch engines, on top of `minikube_py.schema`'s JSON Schema definitions.

Two views of the same definitions:

- strategic merge patch reads a property's `x-kubernetes-patch-strategy` / `-merge-key`
  (`property_schema`, `patch_meta`);
- server-side apply reads list and map topology (`TypeInfo`): struct fields, granular or atomic
  maps, and atomic, set or map (keyed) lists, as structured-merge-diff's schema does.

Extensions sit next to a `$ref` on the referring property (`{"$ref": ..., "x-kubernetes-patch-
strategy": "retainKeys"}`) or on the definition itself (`x-kubernetes-map-type`), so `resolve`
merges the two, the property's keys winning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from minikube_py import schema

Schema = dict[str, Any]

_REF_PREFIX = "#/$defs/"
# List-map key defaults real Kubernetes publishes (`+default="TCP"`) but the shipped definitions
# lack; without them a port applied without `protocol` would not match the defaulted live port.
_KEY_DEFAULTS: dict[str, dict[str, Any]] = {
    "io.k8s.api.core.v1.ContainerPort": {"protocol": "TCP"},
    "io.k8s.api.core.v1.ServicePort": {"protocol": "TCP"},
}


def resolve(node: Schema) -> Schema:
    """`node` with its `$ref` followed; the referring node's own keys win."""
    ref = node.get("$ref")
    if ref is None:
        return node
    target = schema.definitions()[ref[len(_REF_PREFIX) :]]
    return {**target, **{key: value for key, value in node.items() if key != "$ref"}}


def property_schema(resolved: Schema, key: str) -> Schema | None:
    """The (unresolved) schema of `key` in an object schema; None if the schema has no such key."""
    properties: dict[str, Schema] = resolved.get("properties") or {}
    if key in properties:
        return properties[key]
    extra = resolved.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


def item_schema(resolved: Schema) -> Schema | None:
    items = resolved.get("items")
    return items if isinstance(items, dict) else None


def patch_meta(node: Schema | None) -> tuple[str, str, bool]:
    """(strategy, merge key, retainKeys) of a property, as strategic merge patch reads them.

    The strategy is "merge", "replace" or "" (none); `merge,retainKeys` splits into "merge" and
    retainKeys=True, as apimachinery's extractRetainKeysPatchStrategy does.
    """
    if node is None:
        return "", "", False
    strategies = [s for s in str(node.get("x-kubernetes-patch-strategy", "")).split(",") if s]
    retain = "retainKeys" in strategies
    others = [s for s in strategies if s != "retainKeys"]
    return (others[0] if others else ""), str(node.get("x-kubernetes-patch-merge-key", "")), retain


class Kind(Enum):
    STRUCT = "struct"  # an object with declared properties
    MAP = "map"  # an object of arbitrary keys (labels, data, opaque objects)
    LIST = "list"
    SCALAR = "scalar"
    UNTYPED = "untyped"  # no schema: the value's own shape decides ("deduced" in smd)


@dataclass(frozen=True, slots=True, eq=False)
class TypeInfo:
    """How server-side apply treats a value: its kind and list/map topology."""

    kind: Kind
    atomic: bool = False  # atomic maps and lists are owned and replaced as a whole
    fields: Mapping[str, Schema] = field(default_factory=dict)  # declared struct properties
    element: Schema | None = None  # map values / list items
    open: bool = False  # a struct that accepts undeclared keys (preserve-unknown-fields)
    required: tuple[str, ...] = ()  # struct fields Go always serialises (no omitempty)
    keys: tuple[str, ...] = ()  # list-map keys; empty for a set
    key_defaults: Mapping[str, Any] = field(default_factory=dict)
    scalar: str = "untyped"  # numeric, string, boolean or untyped (int-or-string, quantity)
    # Derived once: the walks ask these for every node they visit.
    granular_list: bool = field(init=False, repr=False)
    granular_map: bool = field(init=False, repr=False)
    # Types of declared fields by name, filled as they are asked for (schemas are recursive,
    # so not all at once); undeclared names are not cached, as map keys are open-ended.
    _children: dict[str, TypeInfo] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        granular_list = self.kind is Kind.LIST and not self.atomic
        granular_map = self.kind in (Kind.STRUCT, Kind.MAP) and not self.atomic
        object.__setattr__(self, "granular_list", granular_list)  # frozen: set once, here
        object.__setattr__(self, "granular_map", granular_map)

    def declares(self, name: str) -> bool:
        return self.kind is Kind.STRUCT and name in self.fields

    def child(self, name: str) -> TypeInfo | None:
        """The type of field/key `name`; None if a closed struct does not declare it."""
        known = self._children.get(name)
        if known is not None:
            return known
        declared = self.fields.get(name)
        if declared is not None:
            known = self._children[name] = type_of(declared)
            return known
        if self.element is not None:
            return type_of(self.element)
        return UNTYPED if self.kind is not Kind.STRUCT or self.open else None

    def item(self) -> TypeInfo:
        return UNTYPED if self.element is None else type_of(self.element)

    def for_value(self, value: Any) -> TypeInfo:
        """This type, or for UNTYPED the one the value's shape implies (maps granular, lists
        atomic: smd's deduced type, which also reads null as a map)."""
        if self.kind is not Kind.UNTYPED:
            return self
        if isinstance(value, dict) or value is None:
            return _UNTYPED_MAP
        if isinstance(value, list):
            return _ATOMIC_LIST
        return _UNTYPED_SCALAR


UNTYPED = TypeInfo(Kind.UNTYPED)
_UNTYPED_MAP = TypeInfo(Kind.MAP)
_ATOMIC_LIST = TypeInfo(Kind.LIST, atomic=True)
_UNTYPED_SCALAR = TypeInfo(Kind.SCALAR)
# id(node) -> (node, info); the node is kept so that its id cannot be reused.
_cache: dict[int, tuple[Schema, TypeInfo]] = {}


def root_type(api_version: str, kind: str) -> TypeInfo:
    """The type of a whole object; UNTYPED for kinds without a built-in schema (CRDs)."""
    definition = schema.definition_for(api_version, kind)
    return UNTYPED if definition is None else type_of(definition)


def type_of(node: Schema) -> TypeInfo:
    cached = _cache.get(id(node))
    if cached is None or cached[0] is not node:
        cached = (node, _build(node))
        _cache[id(node)] = cached
    return cached[1]


def _build(node: Schema) -> TypeInfo:
    resolved = resolve(node)
    types = _types(resolved)
    extra = resolved.get("additionalProperties")
    element = extra if isinstance(extra, dict) else None
    atomic_map = resolved.get("x-kubernetes-map-type") == "atomic"
    if "properties" in resolved:
        open_struct = bool(resolved.get("x-kubernetes-preserve-unknown-fields"))
        required = tuple(resolved.get("required", ()))
        properties = resolved["properties"]
        return TypeInfo(Kind.STRUCT, atomic_map, properties, element, open_struct, required)
    if "object" in types or element is not None:
        return TypeInfo(Kind.MAP, atomic_map, element=element)
    if "array" in types:
        return _list_type(resolved)
    if types or "oneOf" in resolved or "anyOf" in resolved:
        return TypeInfo(Kind.SCALAR, scalar=_scalar_kind(types))
    return UNTYPED


def _list_type(resolved: Schema) -> TypeInfo:
    items = item_schema(resolved)
    list_type = resolved.get("x-kubernetes-list-type")
    strategy, merge_key, _ = patch_meta(resolved)
    if list_type is None and strategy == "merge":
        # Older schemas only carry patch metadata; kube-openapi derives the topology from it.
        list_type = "map" if merge_key else "set"
    if list_type == "map":
        keys = tuple(resolved.get("x-kubernetes-list-map-keys") or (merge_key,))
        return TypeInfo(Kind.LIST, element=items, keys=keys, key_defaults=_defaults(items, keys))
    return TypeInfo(Kind.LIST, atomic=list_type != "set", element=items)


def _defaults(items: Schema | None, keys: tuple[str, ...]) -> dict[str, Any]:
    if items is None:
        return {}
    ref = str(items.get("$ref", ""))
    known = _KEY_DEFAULTS.get(ref[len(_REF_PREFIX) :], {})
    properties = resolve(items).get("properties") or {}
    published = {key: properties[key] for key in keys if key in properties}
    found = {key: prop["default"] for key, prop in published.items() if "default" in prop}
    return {**known, **found}


def _types(resolved: Schema) -> set[str]:
    declared = resolved.get("type", [])
    names = [declared] if isinstance(declared, str) else list(declared)
    return {name for name in names if name != "null"}


def _scalar_kind(types: set[str]) -> str:
    if types <= {"integer", "number"} and types:
        return "numeric"
    if types == {"string"}:
        return "string"
    if types == {"boolean"}:
        return "boolean"
    return "untyped"
