"""OpenAPI documents of the served API, as kubectl reads them to validate, explain and apply.

`/openapi/v3` lists one OpenAPI 3.0 document per group-version; `/openapi/v2` is the whole API in
Swagger 2.0, as JSON or as gnostic's protobuf (`openapi_v2_proto`), the only form kubectl 1.27 and
1.28 read. Schemas are Kubernetes' own definitions (`schema.py`) converted to each dialect; paths
and operations come from the registry. What kubectl relies on:

* each kind's PATCH operation, tagged `x-kubernetes-group-version-kind` (an object) and listing a
  `fieldValidation` query parameter: without both kubectl validates on the client side instead of
  leaving it to the server's `fieldValidation`;
* `x-kubernetes-group-version-kind` (a list) on kind schemas, by which `explain` finds a kind;
* the PATCH media types and the `x-kubernetes-patch-*` markers, to compute strategic merge patches.

Documents are built in a worker thread on the first request after a registry change (for the
built-in resources: all v3 documents ~10-40 ms, 1.9 MB; v2 ~60 ms, 1.1 MB of JSON and 0.9 MB of
protobuf) and then served from memory, with hash-named URLs and caching headers as the real
server sends them.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

import orjson
from aiohttp import web

from minikube_py import KUBERNETES_VERSION, schema
from minikube_py.apiserver import openapi_v2_proto
from minikube_py.apiserver.discovery import SUBRESOURCE_GROUP_VERSION, SUBRESOURCE_VERBS
from minikube_py.apiserver.errors import ApiError
from minikube_py.apiserver.request import JSON, media_type, not_found_path
from minikube_py.resources import Obj, Registry, Resource

Schema = dict[str, Any]
# A request or response body: a definition name, or an inline schema.
Payload = str | Schema

# What kubectl asks for; "@" is no token character, so the answer says the dotted spelling
# (Go's mime parser rejects the other, failing the request).
V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
_V2_PROTOBUF_TYPES = frozenset(
    {V2_PROTOBUF, "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"}
)
_JSON_TYPES = frozenset({JSON, "*/*", "application/*", ""})
_ONE_YEAR = 365 * 24 * 3600
_INFO = {"title": "Kubernetes", "version": f"v{KUBERNETES_VERSION}"}

# ---- schemas ---------------------------------------------------------------------------------

_SOURCE_REF = "#/$defs/"
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_STATUS = _META + "Status"
_DELETE_OPTIONS = _META + "DeleteOptions"
_PATCH = _META + "Patch"
_INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_INT_OR_STRING_TEXT = (
    "An int32 or a string, such as a port number or name, or a count or percentage."
)
_QUANTITY_TEXT = (
    "A fixed-point number with an optional SI (m, k, M, G...), binary (Ki, Mi, Gi...) or "
    "exponent suffix, such as 100m, 1.5Gi or 1e3; written as a string (a number is accepted)."
)
_TEXT: Schema = {"type": "string"}
_ANY_OBJECT: Schema = {"type": "object"}


@dataclass(frozen=True, slots=True, eq=False)  # eq=False: hashed by identity, for @cache
class Dialect:
    """How one OpenAPI version writes what the JSON Schema definitions say."""

    ref_prefix: str
    # OpenAPI 3.0 ignores the siblings of a `$ref`, so real servers put the ref in an allOf.
    wrap_refs: bool
    # Definitions kubernetes-validate writes as JSON Schema `oneOf`s, as each version spells them.
    replaced: dict[str, Schema]


OPENAPI_V2 = Dialect(
    "#/definitions/",
    wrap_refs=False,
    replaced={
        _INT_OR_STRING: {
            "description": _INT_OR_STRING_TEXT,
            "type": "string",
            "format": "int-or-string",
        },
        _QUANTITY: {"description": _QUANTITY_TEXT, "type": "string"},
    },
)
OPENAPI_V3 = Dialect(
    "#/components/schemas/",
    wrap_refs=True,
    replaced={
        _INT_OR_STRING: {
            "description": _INT_OR_STRING_TEXT,
            "format": "int-or-string",
            "oneOf": [{"type": "integer"}, {"type": "string"}],
        },
        _QUANTITY: {
            "description": _QUANTITY_TEXT,
            "oneOf": [{"type": "string"}, {"type": "number"}],
        },
    },
)


@cache
def _converted(dialect: Dialect) -> dict[str, Schema]:
    """Every definition in the dialect's form (built once: definitions never change)."""
    return {
        name: dialect.replaced.get(name) or convert_schema(definition, dialect)
        for name, definition in schema.definitions().items()
    }


def convert_schema(node: Schema, dialect: Dialect) -> Schema:
    """One JSON Schema (2020-12) node of `schema.definitions()` in OpenAPI form."""
    out: Schema = {}
    ref = None
    for key, value in node.items():
        if key == "$ref":
            ref = dialect.ref_prefix + value.removeprefix(_SOURCE_REF)
        elif key == "type":
            out[key] = _single_type(value)
        elif key == "properties":
            out[key] = {name: _property(name, prop, dialect) for name, prop in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = convert_schema(value, dialect)
        else:
            out[key] = value
    if ref is None:
        return out
    if dialect.wrap_refs and out:
        return {"allOf": [{"$ref": ref}], **out}
    return {"$ref": ref, **out}


def _single_type(value: str | list[str]) -> str:
    """`["string", "null"]` -> "string": OpenAPI 2 and 3.0 have no null type."""
    if isinstance(value, str):
        return value
    return next(t for t in value if t != "null")


def _property(name: str, node: Schema, dialect: Dialect) -> Schema:
    converted = convert_schema(node, dialect)
    if name in ("apiVersion", "kind"):
        converted.pop("enum", None)  # added by kubernetes-validate; real servers have none
    return converted


@cache
def _references() -> dict[str, frozenset[str]]:
    """Definition name -> the names its schema refers to."""
    return {name: frozenset(_refs_in(node)) for name, node in schema.definitions().items()}


def _refs_in(node: Schema) -> Iterator[str]:
    """The refs of a schema, walked by structure (JSONSchemaProps has a property named $ref)."""
    ref = node.get("$ref")
    if ref is not None:
        yield ref.removeprefix(_SOURCE_REF)
    children = list(node.get("properties", {}).values())
    children += [
        node[key] for key in ("items", "additionalProperties") if isinstance(node.get(key), dict)
    ]
    for child in children:
        yield from _refs_in(child)


def _closure(roots: Iterable[str]) -> list[str]:
    """The roots and every definition they reach, sorted (the real documents' order)."""
    references = _references()
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending.extend(references[name])
    return sorted(seen)


# ---- paths and operations --------------------------------------------------------------------

_PARAMETERS: dict[str, tuple[str, str]] = {  # name -> (type, description)
    "allowWatchBookmarks": ("boolean", "Ask a watch for BOOKMARK events."),
    "continue": ("string", "The continue token of the previous page of a paged list."),
    "dryRun": ("string", 'With "All", run every stage of the request but persist nothing.'),
    "fieldManager": ("string", "The name of the actor making the change (managedFields)."),
    "fieldSelector": ("string", "Select objects by field values."),
    "fieldValidation": (
        "string",
        "How to treat unknown and duplicate fields: Ignore, Warn or Strict.",
    ),
    "force": ("boolean", "Let an apply take over fields that other managers own."),
    "gracePeriodSeconds": ("integer", "Seconds before the object is deleted."),
    "labelSelector": ("string", "Select objects by labels."),
    "limit": ("integer", "The most objects to return; more come with a continue token."),
    "name": ("string", "The object's name."),
    "namespace": ("string", "The object's namespace."),
    "orphanDependents": ("boolean", "Deprecated: use propagationPolicy."),
    "propagationPolicy": (
        "string",
        "What happens to dependents: Orphan, Background or Foreground.",
    ),
    "resourceVersion": ("string", "The resource version to read at or watch from."),
    "resourceVersionMatch": ("string", "How resourceVersion applies: Exact or NotOlderThan."),
    "sendInitialEvents": ("boolean", "Start a watch with the current objects, then a bookmark."),
    "timeoutSeconds": ("integer", "End the list or watch after this many seconds."),
    "watch": ("boolean", "Stream changes instead of listing."),
}
_READ_QUERY = ("continue", "fieldSelector", "labelSelector", "limit", "resourceVersion",
               "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds")  # fmt: skip
_LIST_QUERY = tuple(sorted((*_READ_QUERY, "allowWatchBookmarks", "watch")))
_WRITE_QUERY = ("dryRun", "fieldManager", "fieldValidation")
_DELETE_QUERY = ("dryRun", "gracePeriodSeconds", "orphanDependents", "propagationPolicy")
_STRATEGIC = "application/strategic-merge-patch+json"
_PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    _STRATEGIC,
    "application/apply-patch+yaml",
)
_CODE_TEXT = {"200": "OK", "201": "Created", "202": "Accepted"}
# Subresources that stream rather than exchange objects.
_CONNECT = frozenset({"exec", "attach", "portforward", "proxy"})
_TEXT_RESPONSES = _CONNECT | {"log"}


@dataclass(frozen=True, slots=True)
class _Verb:
    """How one API verb appears as an operation."""

    method: str
    action: str  # x-kubernetes-action
    id_verb: str  # the operationId's first word
    query: tuple[str, ...]
    codes: tuple[str, ...]  # success status codes
    body: str  # "", "object", "patch" or "delete"
    response: str  # "object", "list" or "status"
    id_infix: str = ""  # after the group-version in the operationId


_VERBS = {
    "get": _Verb("get", "get", "read", (), ("200",), "", "object"),
    "list": _Verb("get", "list", "list", _LIST_QUERY, ("200",), "", "list"),
    "create": _Verb(
        "post", "post", "create", _WRITE_QUERY, ("200", "201", "202"), "object", "object"
    ),
    "update": _Verb("put", "put", "replace", _WRITE_QUERY, ("200", "201"), "object", "object"),
    "patch": _Verb(
        "patch", "patch", "patch", (*_WRITE_QUERY, "force"), ("200", "201"), "patch", "object"
    ),
    "delete": _Verb(
        "delete", "delete", "delete", _DELETE_QUERY, ("200", "202"), "delete", "status"
    ),
    "deletecollection": _Verb(
        "delete",
        "deletecollection",
        "delete",
        tuple(sorted({*_DELETE_QUERY, *_READ_QUERY})),
        ("200",),
        "delete",
        "status",
        id_infix="Collection",
    ),
}
# exec, attach, portforward and proxy: their "get" and "create" are connections.
_CONNECT_VERBS = {
    "get": _Verb("get", "connect", "connect", (), ("200",), "", "object", id_infix="Get"),
    "create": _Verb("post", "connect", "connect", (), ("200",), "", "object", id_infix="Post"),
}
_COLLECTION_VERBS = ("list", "create", "deletecollection")
_ITEM_VERBS = ("get", "update", "patch", "delete")


@dataclass(frozen=True, slots=True)
class _Operation:
    method: str
    action: str
    operation_id: str
    description: str
    gvk: dict[str, str]
    query: tuple[str, ...]
    codes: tuple[str, ...]
    response: Payload
    body: Payload | None
    body_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Path:
    path: str
    parameters: tuple[str, ...]  # path parameters
    tag: str
    operations: tuple[_Operation, ...]


@dataclass(frozen=True, slots=True)
class _Target:
    """What a path addresses: a resource, or one of its subresources and the kind it speaks."""

    resource: Resource
    kind: str
    group: str
    version: str
    subresource: str = ""

    def definition(self, kind: str | None = None) -> str | None:
        return schema.gvk_index().get((self.group, self.version, kind or self.kind))


def _resource_paths(resource: Resource) -> Iterator[_Path]:
    prefix = _api_prefix(resource.group, resource.version)
    scope = "/namespaces/{namespace}" if resource.namespaced else ""
    scope_parameters = ("namespace",) if resource.namespaced else ()
    collection = f"{prefix}{scope}/{resource.plural}"
    tag = _tag(resource.group, resource.version)
    main = _Target(resource, resource.kind, resource.group, resource.version)
    yield _Path(
        collection, scope_parameters, tag, _operations(main, _COLLECTION_VERBS, resource.namespaced)
    )
    if resource.namespaced and "list" in resource.verbs:
        every = _operation(main, _VERBS["list"], namespaced=False, suffix="ForAllNamespaces")
        yield _Path(f"{prefix}/{resource.plural}", (), tag, (every,))
    item_parameters = ("name", *scope_parameters)
    yield _Path(
        f"{collection}/{{name}}",
        item_parameters,
        tag,
        _operations(main, _ITEM_VERBS, resource.namespaced),
    )
    for sub, kind in sorted(resource.subresources.items()):
        group, version = SUBRESOURCE_GROUP_VERSION.get(kind, (resource.group, resource.version))
        target = _Target(resource, kind, group, version, sub)
        verbs = _CONNECT_VERBS if sub in _CONNECT else _VERBS
        ops = tuple(
            _operation(target, verbs[verb], resource.namespaced)
            for verb in SUBRESOURCE_VERBS.get(sub, ["get"])
        )
        yield _Path(f"{collection}/{{name}}/{sub}", item_parameters, tag, ops)


def _operations(target: _Target, verbs: Iterable[str], namespaced: bool) -> tuple[_Operation, ...]:
    allowed = target.resource.verbs
    return tuple(_operation(target, _VERBS[v], namespaced) for v in verbs if v in allowed)


def _operation(target: _Target, verb: _Verb, namespaced: bool, suffix: str = "") -> _Operation:
    """`namespaced`: the path has a namespace, which operation ids say ("Namespaced")."""
    resource, sub = target.resource, target.subresource
    words = [
        verb.id_verb,
        _camel(resource.group or "core") + resource.version.capitalize(),
        verb.id_infix,
        "Namespaced" if namespaced else "",
        resource.kind,
        sub.capitalize(),
        suffix,
    ]
    description = " ".join(
        w for w in (verb.id_verb, verb.id_infix.lower(), resource.kind, sub) if w
    )
    return _Operation(
        method=verb.method,
        action=verb.action,
        operation_id="".join(words),
        description=description,
        gvk={"group": target.group, "version": target.version, "kind": target.kind},
        query=verb.query,
        codes=verb.codes,
        response=_response(target, verb),
        body=_body(target, verb),
        body_types=_body_types(target, verb),
    )


def _response(target: _Target, verb: _Verb) -> Payload:
    if target.subresource in _TEXT_RESPONSES:
        return _TEXT
    if verb.response == "status":
        return _STATUS
    kind = target.resource.list_kind if verb.response == "list" else None
    return target.definition(kind) or _ANY_OBJECT


def _body(target: _Target, verb: _Verb) -> Payload | None:
    if verb.body == "patch":
        return _PATCH
    if verb.body == "delete":
        return _DELETE_OPTIONS
    if verb.body == "object":
        return target.definition() or _ANY_OBJECT
    return None


def _body_types(target: _Target, verb: _Verb) -> tuple[str, ...]:
    if verb.body != "patch":
        return ("*/*",)
    if target.definition() is None:  # no patch strategies without a Go type (custom resources)
        return tuple(t for t in _PATCH_TYPES if t != _STRATEGIC)
    return _PATCH_TYPES


def _api_prefix(group: str, version: str) -> str:
    return f"/apis/{group}/{version}" if group else f"/api/{version}"


def _camel(group: str) -> str:
    """`rbac.authorization.k8s.io` -> `RbacAuthorization`, as operation ids spell groups."""
    words = re.split(r"[.-]", group.removesuffix(".k8s.io"))
    return "".join(w[:1].upper() + w[1:] for w in words)


def _tag(group: str, version: str) -> str:
    camel = _camel(group or "core")
    return f"{camel[:1].lower()}{camel[1:]}_{version}"


def _definitions_used(paths: Iterable[_Path]) -> Iterator[str]:
    for path in paths:
        for op in path.operations:
            for payload in (op.response, op.body):
                if isinstance(payload, str):
                    yield payload


# ---- OpenAPI 3.0 -----------------------------------------------------------------------------


def _v3_document(resources: Iterable[Resource]) -> Obj:
    paths = [path for resource in resources for path in _resource_paths(resource)]
    converted = _converted(OPENAPI_V3)
    return {
        "openapi": "3.0.0",
        "info": _INFO,
        "paths": {path.path: _v3_path_item(path) for path in paths if path.operations},
        "components": {
            "schemas": {name: converted[name] for name in _closure(_definitions_used(paths))}
        },
    }


def _v3_path_item(path: _Path) -> Obj:
    item: Obj = {op.method: _v3_operation(op, path.tag) for op in path.operations}
    if path.parameters:
        item["parameters"] = [_v3_parameter(name, "path") for name in path.parameters]
    return item


def _v3_operation(op: _Operation, tag: str) -> Obj:
    out: Obj = {"description": op.description, "operationId": op.operation_id}
    if op.query:
        out["parameters"] = [_v3_parameter(name, "query") for name in op.query]
    if op.body is not None:
        body = _schema_ref(op.body, OPENAPI_V3)
        out["requestBody"] = {
            "content": {media: {"schema": body} for media in op.body_types},
            "required": op.method != "delete",
        }
    response = {JSON: {"schema": _schema_ref(op.response, OPENAPI_V3)}}
    out["responses"] = {
        **{code: {"content": response, "description": _CODE_TEXT[code]} for code in op.codes},
        "401": {"description": "Unauthorized"},
    }
    out["tags"] = [tag]
    out["x-kubernetes-action"] = op.action
    out["x-kubernetes-group-version-kind"] = op.gvk
    return out


def _v3_parameter(name: str, where: str) -> Obj:
    kind, description = _PARAMETERS[name]
    parameter: Obj = {"description": description, "in": where, "name": name}
    if where == "path":
        parameter["required"] = True
    parameter["schema"] = {"type": kind, "uniqueItems": True}
    return parameter


def _schema_ref(payload: Payload, dialect: Dialect) -> Schema:
    return {"$ref": dialect.ref_prefix + payload} if isinstance(payload, str) else payload


# ---- Swagger 2.0 -----------------------------------------------------------------------------


def v2_document(resources: Iterable[Resource]) -> Obj:
    """The whole API as one Swagger 2.0 document (parsed JSON)."""
    paths = [path for resource in resources for path in _resource_paths(resource)]
    converted = _converted(OPENAPI_V2)
    return {
        "swagger": "2.0",
        "info": _INFO,
        "paths": {path.path: _v2_path_item(path) for path in paths if path.operations},
        "definitions": {name: converted[name] for name in _closure(_definitions_used(paths))},
    }


def _v2_path_item(path: _Path) -> Obj:
    item: Obj = {op.method: _v2_operation(op, path.tag) for op in path.operations}
    if path.parameters:
        item["parameters"] = [_v2_parameter(name, "path") for name in path.parameters]
    return item


def _v2_operation(op: _Operation, tag: str) -> Obj:
    parameters = [_v2_parameter(name, "query") for name in op.query]
    if op.body is not None:
        body = {"name": "body", "in": "body", "required": op.method != "delete"}
        parameters.insert(0, {**body, "schema": _schema_ref(op.body, OPENAPI_V2)})
    out: Obj = {
        "description": op.description,
        "consumes": list(op.body_types),
        "produces": [JSON],
        "schemes": ["https"],
        "tags": [tag],
        "operationId": op.operation_id,
    }
    if parameters:
        out["parameters"] = parameters
    response = _schema_ref(op.response, OPENAPI_V2)
    out["responses"] = {
        **{code: {"description": _CODE_TEXT[code], "schema": response} for code in op.codes},
        "401": {"description": "Unauthorized"},
    }
    out["x-kubernetes-action"] = op.action
    out["x-kubernetes-group-version-kind"] = op.gvk
    return out


def _v2_parameter(name: str, where: str) -> Obj:
    kind, description = _PARAMETERS[name]
    parameter: Obj = {
        "uniqueItems": True,
        "type": kind,
        "description": description,
        "name": name,
        "in": where,
    }
    if where == "path":
        parameter["required"] = True
    return parameter


# ---- built documents -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Document:
    """An encoded document and its hash (the ETag, and the `?hash=` of v3 URLs)."""

    body: bytes
    hash: str

    @classmethod
    def of(cls, body: bytes) -> Document:
        return cls(body, hashlib.sha512(body).hexdigest().upper())


@dataclass(frozen=True, slots=True)
class V3Documents:
    root: bytes
    group_versions: dict[str, Document]  # "api/v1", "apis/apps/v1" -> document


@dataclass(frozen=True, slots=True)
class V2Documents:
    json: Document
    protobuf: Document


def build_v3(resources: Iterable[Resource]) -> V3Documents:
    by_group_version: dict[str, list[Resource]] = {}
    for resource in resources:
        key = _api_prefix(resource.group, resource.version).lstrip("/")
        by_group_version.setdefault(key, []).append(resource)
    docs = {
        key: Document.of(orjson.dumps(_v3_document(members)))
        for key, members in by_group_version.items()
    }
    root = {
        "paths": {
            key: {"serverRelativeURL": f"/openapi/v3/{key}?hash={doc.hash}"}
            for key, doc in docs.items()
        }
    }
    return V3Documents(orjson.dumps(root), docs)


def build_v2(resources: Iterable[Resource]) -> V2Documents:
    document = v2_document(resources)
    return V2Documents(
        Document.of(orjson.dumps(document)),
        Document.of(openapi_v2_proto.encode_document(document)),
    )


# ---- serving ---------------------------------------------------------------------------------

T = TypeVar("T")


class _Lazy(Generic[T]):
    """A value built from the registry on first use after each change, in a worker thread.

    Building takes far longer than an event-loop turn should (see the module docstring).
    Concurrent requests share one build; a change during a build starts a new one on next use.
    """

    def __init__(self, build: Callable[[list[Resource]], T]) -> None:
        self._build = build
        self._future: asyncio.Future[T] | None = None

    def clear(self) -> None:
        self._future = None

    async def get(self, registry: Registry) -> T:
        if self._future is None:
            # Snapshot on the loop: the registry may change while the thread builds.
            resources = list(registry)
            self._future = asyncio.ensure_future(asyncio.to_thread(self._build, resources))
        # Shielded: a client going away must not cancel the build other requests wait for.
        return await asyncio.shield(self._future)


class OpenApi:
    """The `/openapi/v3`, `/openapi/v2` and `/swagger-2.0.0.pb-v1` endpoints of one registry."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._v3 = _Lazy(build_v3)
        self._v2 = _Lazy(build_v2)
        registry.on_change(self._clear)

    def _clear(self) -> None:
        self._v3.clear()
        self._v2.clear()

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/openapi/v3", self.v3_root)
        router.add_get("/openapi/v3/{group_version:.+}", self.v3_group_version)
        router.add_get("/openapi/v2", self.v2)
        router.add_get("/swagger-2.0.0.pb-v1", self.v2_protobuf)

    async def v3_root(self, request: web.Request) -> web.Response:
        docs = await self._v3.get(self._registry)
        return web.Response(body=docs.root, content_type=JSON)

    async def v3_group_version(self, request: web.Request) -> web.Response:
        docs = await self._v3.get(self._registry)
        key = request.match_info["group_version"]
        doc = docs.group_versions.get(key)
        if doc is None:
            raise not_found_path()
        wanted = request.query.get("hash")
        if wanted and wanted != doc.hash:
            # An outdated hash: send the client to the current document, as real servers do.
            location = f"/openapi/v3/{key}?hash={doc.hash}"
            return web.Response(status=301, headers={"Location": location})
        return _document_response(request, doc, JSON, immutable=bool(wanted))

    async def v2(self, request: web.Request) -> web.Response:
        protobuf = _wants_protobuf(request.headers.get("Accept", ""))
        docs = await self._v2.get(self._registry)
        if protobuf:
            return _document_response(request, docs.protobuf, V2_PROTOBUF, immutable=False)
        return _document_response(request, docs.json, JSON, immutable=False)

    async def v2_protobuf(self, request: web.Request) -> web.Response:
        docs = await self._v2.get(self._registry)
        return _document_response(request, docs.protobuf, V2_PROTOBUF, immutable=False)


def _wants_protobuf(accept: str) -> bool:
    """Whether the first media type of Accept that we serve is the v2 protobuf; 406 if none."""
    for entry in accept.split(","):
        kind = media_type(entry)
        if kind in _V2_PROTOBUF_TYPES:
            return True
        if kind in _JSON_TYPES:
            return False
    raise ApiError(
        "NotAcceptable",
        f"only the following media types are accepted: {JSON}, {V2_PROTOBUF}",
    )


def _document_response(
    request: web.Request, doc: Document, content_type: str, *, immutable: bool
) -> web.Response:
    """The document with its ETag; a hash-named URL never changes, so clients may keep it."""
    headers = {"ETag": f'"{doc.hash}"', "Vary": "Accept"}
    if immutable:
        headers["Cache-Control"] = "public, immutable"
        headers["Expires"] = email.utils.formatdate(time.time() + _ONE_YEAR, usegmt=True)
    else:
        headers["Cache-Control"] = "no-cache, private"
    if request.headers.get("If-None-Match") == headers["ETag"]:
        return web.Response(status=304, headers=headers)
    return web.Response(body=doc.body, content_type=content_type, headers=headers)
