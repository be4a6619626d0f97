"""Kubernetes' built-in API schemas: the project's single source of schema knowledge.

The schemas come from the `kubernetes-validate` package, which ships each release's OpenAPI
definitions converted to one JSON Schema (2020-12) document: `_definitions.json`, whose `$defs`
maps definition names (`io.k8s.api.apps.v1.Deployment`) to schemas. References are
`{"$ref": "#/$defs/<name>"}`, nullable types are spelled `["string", "null"]`, and descriptions
and the `x-kubernetes-*` extensions (group-version-kind, patch strategy and merge key, list type
and map keys) are kept.

Nothing is read at import. The first use loads the file once (~10 ms); a server calls `preload()`
from a worker thread at start-up so that the event loop never waits on it.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
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


def unknown_fields(api_version: str, kind: str, obj: dict[str, Any]) -> list[str]:
    """Paths of the fields of `obj` its kind does not have, as strict field validation names them.

    The format is sigs.k8s.io/json's: `spec.foo`, `spec.template.spec.containers[0].bar`, map
    keys joined with `.`, in document order, at most 100. The API server wraps each path as
    `unknown field "<path>"` after `strict decoding error: `. Kinds without a built-in schema
    give [] (nothing to check against).
    """
    schema = definition_for(api_version, kind)
    return [] if schema is None else unknown_fields_in(schema, obj)


def unknown_fields_in(schema: Schema, value: Any) -> list[str]:
    """Like `unknown_fields` against any schema whose refs point into `definitions()`.

    An object schema without `properties` accepts any key, as Go's opaque types (RawExtension,
    FieldsV1) do; note that custom-resource pruning would instead drop such keys.
    """
    found: list[str] = []
    _collect(schema, value, "", found, _load().definitions)
    return found[:_MAX_ERRORS]


def _collect(
    schema: Schema, value: Any, path: str, found: list[str], defs: dict[str, Schema]
) -> None:
    # Scalars (strings, numbers, int-or-string, quantities) cannot hold unknown fields.
    if isinstance(value, dict):
        _collect_object(_resolve(schema, defs), value, path, found, defs)
    elif isinstance(value, list):
        items = _resolve(schema, defs).get("items")
        if isinstance(items, dict):
            for index, item in enumerate(value):
                _collect(items, item, f"{path}[{index}]", found, defs)


def _collect_object(
    schema: Schema, value: dict[str, Any], path: str, found: list[str], defs: dict[str, Schema]
) -> None:
    properties = schema.get("properties")
    if properties is None:
        # A map (labels, data, resources) checks only its values; an object without properties
        # (RawExtension, FieldsV1) is opaque to the Go decoder: any key goes.
        values = schema.get("additionalProperties")
        if isinstance(values, dict):
            for key, item in value.items():
                _collect(values, item, _join(path, key), found, defs)
        return
    preserve = schema.get("x-kubernetes-preserve-unknown-fields") is True
    embedded = schema.get("x-kubernetes-embedded-resource") is True
    for key, item in value.items():
        field = properties.get(key)
        if field is not None:
            _collect(field, item, _join(path, key), found, defs)
        elif not (preserve or (embedded and key in _EMBEDDED_KEYS)):
            found.append(_join(path, key))


def _resolve(schema: Schema, defs: dict[str, Schema]) -> Schema:
    ref = schema.get("$ref")
    return defs[ref[len(_REF_PREFIX) :]] if ref else schema


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
