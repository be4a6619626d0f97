"""Kubernetes' built-in API schemas: the project's single source of schema knowledge.

The schemas come from the `kubernetes-validate` package, which ships each release's OpenAPI
definitions converted to one JSON Schema (2020-12) document: `_definitions.json`, whose `$defs`
maps definition names (`io.k8s.api.apps.v1.Deployment`) to schemas. References are
`{"$ref": "#/$defs/<name>"}`, nullable types are spelled `["string", "null"]`, and descriptions
and the `x-kubernetes-*` extensions (group-version-kind, patch strategy and merge key, list type
and map keys) are kept.

`check` reports what the API server's Go decoder would about a request body: fields the kind does
not have (strict field validation) and values of the wrong JSON type (always a 400, worded by
`decode_error_message`).

Nothing is read at import. The first use loads the file once (~10 ms); a server calls `preload()`
from a worker thread at start-up so that the event loop never waits on it.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

# The Kubernetes release whose schemas are used (a directory of kubernetes-validate).
SCHEMA_VERSION = "1.32.0"

_PACKAGE = "kubernetes_validate"
_REF_PREFIX = "#/$defs/"
# sigs.k8s.io/json stops collecting strict errors after this many.
_MAX_ERRORS = 100
# Keys an `x-kubernetes-embedded-resource` object has even when its schema does not list them.
_EMBEDDED_KEYS = frozenset({"apiVersion", "kind", "metadata"})

# Definitions whose Go types have their own UnmarshalJSON, and the kind of JSON each accepts
# (see `_resolve`; None is any). Their errors stop the decoder.
_INT_OR_STRING = "int-or-string"
_QUANTITY = "quantity"
_CUSTOM_KINDS: dict[str, str | None] = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": _INT_OR_STRING,
    "io.k8s.apimachinery.pkg.api.resource.Quantity": _QUANTITY,
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "string",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "string",
    "io.k8s.apimachinery.pkg.runtime.RawExtension": None,  # kept as raw JSON
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": None,  # kept as raw JSON
}
# The Python types of parsed JSON each scalar kind takes; matched by `type()`, so bool is no int.
_FITTING_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "number": (int, float),
}
_INT_BITS = {"int32": 32, "int64": 64}
# How encoding/json names a JSON value in an UnmarshalTypeError, and Go types in it.
_JSON_NAMES: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "bool",
    int: "number",
    float: "number",
}
_KIND_GO_TYPES: dict[str | None, str] = {
    "string": "string",
    "integer": "int64",
    "number": "float64",
    "boolean": "bool",
}
_FORMAT_GO_TYPES = {"byte": "[]uint8", "int32": "int32", "int64": "int64", "double": "float64"}
# resource.ParseQuantity: a signed decimal, then a suffix of these letters and an optional
# signed integer; the suffix must be a known one or an exponent.
_QUANTITY_FORMAT = re.compile(r"[+-]?[0-9]*(?:\.[0-9]*)?([eEinumkKMGTP]*[-+]?[0-9]*)")
_QUANTITY_SUFFIXES = frozenset(
    {"", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}
)
_QUANTITY_EXPONENT = re.compile(r"[eE][-+]?[0-9]+")
_QUANTITY_FORMAT_ERROR = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
_QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix"

Schema = dict[str, Any]
GroupVersionKind = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class _Loaded:
    definitions: dict[str, Schema]
    gvk_index: dict[GroupVersionKind, str]


_loaded: _Loaded | None = None
_load_lock = threading.Lock()


def preload() -> None:
    """Load the definitions now; run it in a worker thread (`asyncio.to_thread`)."""
    _load()


def definitions() -> dict[str, Schema]:
    """Every definition by name, as shipped (refs are `#/$defs/<name>`). Do not mutate."""
    return _load().definitions


def gvk_index() -> dict[GroupVersionKind, str]:
    """(group, version, kind) -> definition name, from `x-kubernetes-group-version-kind`."""
    return _load().gvk_index


def definition_for(api_version: str, kind: str) -> Schema | None:
    """The schema of a built-in kind, e.g. ("apps/v1", "Deployment"); None if not built in."""
    loaded = _load()
    name = loaded.gvk_index.get((*_split_api_version(api_version), kind))
    return None if name is None else loaded.definitions[name]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What decoding a body into its kind's Go struct reports, at most 100 of each.

    `unknown`: paths of fields the kind does not have, as strict field validation names them.
    `type_errors`: the decoder's errors in Go's wording; the API server fails the request with
    the first one whatever the fieldValidation mode. Go returns the first error of a type with
    its own decoder (int-or-string, quantity, time), which stops decoding, else the first of the
    type errors it noted on the way; so those come first, then these, each in document order.
    """

    unknown: list[str]
    type_errors: list[str]
    # Every unknown field as (the dict holding it, its key), for `drop_unknown`.
    unknown_keys: list[tuple[dict[str, Any], str]] = field(
        default_factory=list, compare=False, repr=False
    )

    def drop_unknown(self) -> None:
        """Remove the unknown fields from the checked value, as decoding into the Go struct
        loses them (fieldValidation Warn and Ignore store the object without them)."""
        for holder, key in self.unknown_keys:
            holder.pop(key, None)


def check(api_version: str, kind: str, obj: dict[str, Any]) -> CheckResult:
    """Check `obj` as the Go decoder would decode it into the built-in kind's struct.

    Unknown paths are sigs.k8s.io/json's: `spec.foo`, `spec.template.spec.containers[0].bar`,
    map keys joined with `.`; the API server wraps each as `unknown field "<path>"` after
    `strict decoding error: `. Type errors read like
    `json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string`
    (the innermost struct, then the json names of the struct fields on the way, without list
    indices or map keys). Null is accepted anywhere, as Go decodes it into the zero value. Kinds
    without a built-in schema give nothing (there is nothing to check against).
    """
    schema = definition_for(api_version, kind)
    return CheckResult([], []) if schema is None else _check(schema, obj, kind)


def check_in(schema: Schema, value: Any) -> CheckResult:
    """Like `check` against any schema whose refs point into `definitions()`.

    An object schema without `properties` or `additionalProperties` accepts any key, as Go's
    opaque types (RawExtension, FieldsV1) do; note that custom-resource pruning would instead
    drop such keys. `x-kubernetes-preserve-unknown-fields` accepts any value and any extra key,
    `x-kubernetes-int-or-string` an integer or a string.
    """
    return _check(schema, value, "")


def unknown_fields(api_version: str, kind: str, obj: dict[str, Any]) -> list[str]:
    """`check(...).unknown`: the paths of the fields of `obj` its kind does not have."""
    return check(api_version, kind, obj).unknown


def unknown_fields_in(schema: Schema, value: Any) -> list[str]:
    """`check_in(...).unknown`."""
    return check_in(schema, value).unknown


def decode_error_message(api_version: str, kind: str, error: str) -> str:
    """The API server's 400 message for a body that does not decode, e.g. a type error."""
    version = _split_api_version(api_version)[1]
    return f'{kind} in version "{version}" cannot be handled as a {kind}: {error}'


def _check(schema: Schema, value: Any, struct: str) -> CheckResult:
    walk = _Walk(_load().definitions)
    walk.value(schema, value, "", struct, "")
    type_errors = walk.stopping + walk.noted
    return CheckResult(walk.unknown[:_MAX_ERRORS], type_errors[:_MAX_ERRORS], walk.unknown_keys)


class _Walk:
    """One pass of a value against a schema, collecting what the Go decoder would complain about.

    `path` is the strict-decoding path (with list indices and map keys); `struct` and `field` are
    the decoder's type-error context: the struct type holding the current field and the json
    names of the struct fields from the root.
    """

    __slots__ = ("defs", "noted", "stopping", "unknown", "unknown_keys")

    def __init__(self, defs: dict[str, Schema]) -> None:
        self.defs = defs
        self.unknown: list[str] = []
        self.unknown_keys: list[tuple[dict[str, Any], str]] = []
        self.stopping: list[str] = []  # from types' own decoders
        self.noted: list[str] = []  # from the decoder itself

    def value(self, schema: Schema, value: Any, path: str, struct: str, field: str) -> None:
        if value is not None:  # Go decodes null into the zero value
            self._value(_compiled(schema, self.defs), value, path, struct, field)

    def _value(self, node: _Node, value: Any, path: str, struct: str, field: str) -> None:
        value_type = type(value)
        if value_type in node.accepted:
            return
        kind = node.kind
        if value_type is dict and (kind is None or kind == "object"):
            # The fields of a definition are fields of its Go struct.
            owner = struct if node.owner is None else node.owner
            self._object(node, value, path, owner, field)
        elif value_type is list and (kind is None or kind == "array"):
            if node.items is not None:
                items = _compiled(node.items, self.defs)
                for index, item in enumerate(value):
                    if item is not None:
                        self._value(items, item, f"{path}[{index}]", struct, field)
        elif kind == _QUANTITY:
            self._error(node.name, _quantity_error(value))
        elif not _fits(kind, node.target, value):
            error = _type_error(value, node.schema, struct, field, self.defs)
            self._error(node.name, error)

    def _error(self, name: str, error: str | None) -> None:
        if error is not None:
            (self.stopping if name in _CUSTOM_KINDS else self.noted).append(error)

    def _object(
        self, node: _Node, value: dict[str, Any], path: str, struct: str, field: str
    ) -> None:
        properties = node.properties
        if properties is None:
            # A map (labels, data, resources) checks only its values; an object without
            # properties (RawExtension, FieldsV1) is opaque to the Go decoder: any key goes.
            if node.values is not None:
                values = _compiled(node.values, self.defs)
                for key, item in value.items():
                    if item is not None and type(item) not in values.accepted:
                        self._value(values, item, _join(path, key), struct, field)
            return
        children = node.children
        for key, item in value.items():
            child = children.get(key)
            if child is None:
                known = properties.get(key)
                if known is None:
                    if not (node.preserve or (node.embedded and key in _EMBEDDED_KEYS)):
                        self.unknown.append(_join(path, key))
                        self.unknown_keys.append((value, key))
                    continue
                child = children[key] = _compiled(known, self.defs)
            if item is not None and type(item) not in child.accepted:
                # Paths are built only to go on (or to report).
                self._value(child, item, _join(path, key), struct, _join(field, key))


@dataclass(frozen=True, slots=True)
class _Node:
    """A schema node as the walk reads it, worked out once per node (see `_compiled`)."""

    schema: Schema  # as referred to (type errors name its Go type)
    target: Schema  # behind the ref
    name: str  # the definition's name, "" if none
    kind: str | None  # see `_resolve`
    owner: str | None  # the Go struct a definition's fields belong to; None: no definition
    properties: dict[str, Schema] | None
    values: Schema | None  # additionalProperties, for a map
    items: Schema | None
    preserve: bool
    embedded: bool
    # Value types the node takes with nothing to report and nothing inside to walk.
    accepted: frozenset[type]
    # The compiled nodes of the properties, filled as they are met (undeclared keys are not).
    children: dict[str, _Node] = field(default_factory=dict, compare=False, repr=False)


# id(schema) -> the schema (so that its id is not reused while cached) and its _Node.
_nodes: dict[int, tuple[Schema, _Node]] = {}
_MAX_CACHED_NODES = 100_000  # the built-in definitions have far fewer; a guard for check_in


def _compiled(schema: Schema, defs: dict[str, Schema]) -> _Node:
    cached = _nodes.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    if len(_nodes) >= _MAX_CACHED_NODES:
        _nodes.clear()
    node = _compile(schema, defs)
    _nodes[id(schema)] = (schema, node)
    return node


def _compile(schema: Schema, defs: dict[str, Schema]) -> _Node:
    target, name, kind = _resolve(schema, defs)
    properties = target.get("properties")
    values = target.get("additionalProperties")
    items = target.get("items")
    return _Node(
        schema=schema,
        target=target,
        name=name,
        kind=kind,
        owner=name.rpartition(".")[2] if name else None,
        properties=properties,
        values=values if isinstance(values, dict) else None,
        items=items if isinstance(items, dict) else None,
        preserve=target.get("x-kubernetes-preserve-unknown-fields") is True,
        embedded=target.get("x-kubernetes-embedded-resource") is True,
        accepted=_accepted(kind),
    )


def _accepted(kind: str | None) -> frozenset[type]:
    """The value types `_Walk._value` lets through at once for a kind (see `_fits`)."""
    if kind is None:
        return frozenset({str, int, float, bool})  # objects and arrays are walked into
    if kind == _QUANTITY:
        return frozenset({int, float})  # a number's text always parses; strings are checked
    if kind == _INT_OR_STRING:
        return frozenset({str})  # integers are range checked
    return frozenset(_FITTING_TYPES.get(kind, ()))  # "integer" is absent: range checked


def _resolve(schema: Schema, defs: dict[str, Schema]) -> tuple[Schema, str, str | None]:
    """The schema behind a ref, its definition name ("" if none), and the JSON it decodes from.

    The kind is a JSON Schema type, `_INT_OR_STRING`, `_QUANTITY`, or None for any JSON value.
    """
    ref = schema.get("$ref")
    if ref is None:
        return schema, "", _kind(schema)
    name = ref[len(_REF_PREFIX) :]
    target = defs[name]
    return target, name, _CUSTOM_KINDS[name] if name in _CUSTOM_KINDS else _kind(target)


def _kind(schema: Schema) -> str | None:
    if schema.get("x-kubernetes-preserve-unknown-fields") is True:
        return None
    if schema.get("x-kubernetes-int-or-string") is True:
        return _INT_OR_STRING
    kind = schema.get("type")
    return kind[0] if isinstance(kind, list) else kind  # nullable: ["string", "null"]


def _fits(kind: str | None, schema: Schema, value: Any) -> bool:
    """Whether Go decodes the value (not an object or list of the right kind) into the type."""
    if kind == "integer":
        return _int_fits(value, _INT_BITS.get(schema.get("format", ""), 64))
    if kind == _INT_OR_STRING:
        return type(value) is str or _int_fits(value, 32)
    return kind is None or type(value) in _FITTING_TYPES.get(kind, ())


def _int_fits(value: Any, bits: int) -> bool:
    # A fraction (even `1.0`) or an out-of-range integer fails like a string would.
    limit = 1 << (bits - 1)
    return type(value) is int and -limit <= value < limit


def _type_error(
    value: Any, schema: Schema, struct: str, field: str, defs: dict[str, Schema]
) -> str:
    """encoding/json's UnmarshalTypeError.Error(), as sigs.k8s.io/json fills it in."""
    go_type = _go_type(schema, defs)
    described = _JSON_NAMES.get(type(value), type(value).__name__)
    if described == "number" and go_type in _INT_BITS:
        described = f"number {value}"  # integer parsing quotes the literal
    where = f"Go struct field {struct}.{field}"
    return f"json: cannot unmarshal {described} into {where} of type {go_type}"


def _go_type(schema: Schema, defs: dict[str, Schema]) -> str:
    """The Go type behind a schema as reflect spells it: `[]v1.Container`, `map[string]string`.

    Named Go types with an underlying scalar or map (`v1.Protocol`, `v1.ResourceList`) are
    spelled by that underlying type: the schema does not carry their names.
    """
    target, name, kind = _resolve(schema, defs)
    if kind == _INT_OR_STRING:
        return "int32"  # IntOrString decodes anything but a string into its int32
    if kind == "array":
        return "[]" + _element_type(target.get("items"), defs)
    if kind == "object":
        if name:
            return ".".join(name.rsplit(".", 2)[1:])  # io.k8s.api.core.v1.Pod -> v1.Pod
        return "map[string]" + _element_type(target.get("additionalProperties"), defs)
    go_type = _FORMAT_GO_TYPES.get(target.get("format", ""))
    return go_type or _KIND_GO_TYPES.get(kind, "interface {}")


def _element_type(schema: Any, defs: dict[str, Schema]) -> str:
    return _go_type(schema, defs) if isinstance(schema, dict) else "interface {}"


def _quantity_error(value: Any) -> str | None:
    """resource.Quantity's UnmarshalJSON error: it parses the trimmed text of the JSON value."""
    if type(value) in (int, float):
        return None  # a JSON number's text is always a valid quantity
    text = value.strip() if type(value) is str else ""  # true, [...], {...} never parse
    parsed = _QUANTITY_FORMAT.fullmatch(text)
    if not text or parsed is None:
        return _QUANTITY_FORMAT_ERROR
    if parsed[1] in _QUANTITY_SUFFIXES or _QUANTITY_EXPONENT.fullmatch(parsed[1]):
        return None
    return _QUANTITY_SUFFIX_ERROR


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def _load() -> _Loaded:
    global _loaded
    if _loaded is None:
        with _load_lock:  # preload() in a worker thread may race the first request
            if _loaded is None:
                defs = orjson.loads(_definitions_file().read_bytes())["$defs"]
                _loaded = _Loaded(defs, _index_by_gvk(defs))
    return _loaded


def _definitions_file() -> Path:
    # find_spec locates the package without importing it (its import pulls in jsonschema).
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("kubernetes-validate is not installed; it ships the API schemas")
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "kubernetes-json-schema" / f"v{SCHEMA_VERSION}-local" / "_definitions.json"


def _index_by_gvk(defs: dict[str, Schema]) -> dict[GroupVersionKind, str]:
    index: dict[GroupVersionKind, str] = {}
    for name, schema in defs.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", ()):
            index[(gvk["group"], gvk["version"], gvk["kind"])] = name
    return index
