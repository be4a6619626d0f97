"""Parsing of API request paths, query options, bodies and Accept headers."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import yaml
from aiohttp import web

from minikube_py.apiserver import protobuf
from minikube_py.apiserver.errors import ApiError, bad_request
from minikube_py.apiserver.rest import FIELD_VALIDATION_MODES, DeleteOptions, WriteOptions
from minikube_py.patch import APPLY_PATCH
from minikube_py.resources import Obj, Registry, Resource

MAX_BODY_BYTES = 3 * 1024 * 1024  # the real API server's limit for a request body
JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = protobuf.MEDIA_TYPE
TABLE_MARKER = "as=Table"
# Request body types the API accepts (patch types join them in the patch issue).
BODY_TYPES = (JSON, YAML, PROTOBUF)


@dataclass(frozen=True, slots=True)
class ResourcePath:
    """A request path resolved against the registry."""

    resource: Resource
    namespace: str | None  # None: cluster-scoped, or all namespaces for a namespaced list
    name: str | None
    subresource: str | None


def resolve(registry: Registry, parts: list[str]) -> ResourcePath:
    """Resolve `['api','v1','namespaces','ns','pods','x','status']` and the like."""
    if parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    else:
        group, version, rest = parts[1], parts[2], parts[3:]
    namespace = None
    if (
        len(rest) >= 3
        and rest[0] == "namespaces"
        and not _is_namespace_subresource(registry, group, version, rest[2])
    ):
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        raise not_found_path()
    resource = registry.get(group, version, rest[0])
    if resource is None:
        raise not_found_path()
    if namespace is not None and not resource.namespaced:
        raise not_found_path()
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else None
    if subresource is not None and subresource not in resource.subresources:
        raise not_found_path()
    return ResourcePath(resource, namespace, name, subresource)


def _is_namespace_subresource(registry: Registry, group: str, version: str, word: str) -> bool:
    """`/api/v1/namespaces/x/status` addresses the namespace itself, not a resource `status`."""
    if group != "":
        return False
    namespaces = registry.get("", version, "namespaces")
    return namespaces is not None and word in namespaces.subresources


def not_found_path() -> ApiError:
    return ApiError("NotFound", "the server could not find the requested resource")


def query_int(request: web.Request, name: str, default: int | None = None) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise bad_request(f'invalid value for {name}: "{raw}": must be an integer') from None


def query_bool(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in ("true", "1")


def dry_run(request: web.Request) -> bool:
    values = request.query.getall("dryRun", [])
    for value in values:
        if value != "All":
            raise bad_request(f'Invalid dryRun parameter "{value}": only "All" is supported')
    return bool(values)


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


async def read_body(request: web.Request, allowed: tuple[str, ...] = BODY_TYPES) -> Any:
    """The decoded request body; a missing Content-Type means JSON, as clients assume."""
    content_type = media_type(request.headers.get("Content-Type", "")) or JSON
    if content_type not in allowed:
        raise ApiError(
            "UnsupportedMediaType",
            f"the body of the request was in an unknown format - accepted media types include: "
            f"{', '.join(allowed)}",
        )
    raw = await read_raw_body(request)
    return decode(raw, content_type)


async def read_raw_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise too_large()
    raw = await request.content.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise too_large()
    return raw


def too_large() -> ApiError:
    return ApiError("RequestEntityTooLarge", "the request body is larger than 3145728 bytes")


class _JsonCompatibleLoader(yaml.SafeLoader):
    """YAML that yields only JSON types: unquoted dates stay strings, as Kubernetes reads them."""


_JsonCompatibleLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def decode(raw: bytes, content_type: str) -> Any:
    if content_type == PROTOBUF:
        return protobuf.decode_object(raw)  # its JSON form; errors are 400 (or 415: no table)
    if not raw.strip():
        raise bad_request("the request body is empty")
    try:
        if content_type in (YAML, APPLY_PATCH):
            return yaml.load(raw, Loader=_JsonCompatibleLoader)
        return orjson.loads(raw)
    except (orjson.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise bad_request(f"error decoding the request body: {problem}") from None


def wants_table(request: web.Request) -> bool:
    return TABLE_MARKER in request.headers.get("Accept", "")


def check_acceptable(request: web.Request) -> None:
    """406 unless the Accept header admits JSON (protobuf clients always also accept JSON)."""
    accept = request.headers.get("Accept", "")
    if not accept:
        return
    for entry in accept.split(","):
        kind = media_type(entry)
        if kind in ("*/*", "application/*", JSON, "application/json-seq") or kind == "":
            return
    raise ApiError(
        "NotAcceptable",
        f"only the following media types are accepted: {JSON}, {JSON};stream=watch",
    )


LARGE_BODY_BYTES = 1024 * 1024
BODY_CHUNK_BYTES = 256 * 1024


async def send_json(
    request: web.Request, body: bytes, headers: Mapping[str, str] | None = None
) -> web.StreamResponse:
    """A 200 JSON response; a large one goes out in chunks, yielding to the loop in between,
    because encrypting megabytes in one callback would stall every other client."""
    if len(body) <= LARGE_BODY_BYTES:
        return json_response(body, headers=headers)
    response = web.StreamResponse(headers=headers)
    response.content_type = JSON
    response.content_length = len(body)
    await response.prepare(request)
    view = memoryview(body)
    for start in range(0, len(body), BODY_CHUNK_BYTES):
        await response.write(view[start : start + BODY_CHUNK_BYTES])
        await asyncio.sleep(0)
    await response.write_eof()
    return response


def json_response(
    body: Obj | bytes, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return web.Response(body=data, status=status, content_type=JSON, headers=headers)


def write_options(request: web.Request) -> WriteOptions:
    # None given means Warn, as kube-apiserver has it; kubectl sends Strict unless told not to.
    validation = request.query.get("fieldValidation") or "Warn"
    if validation not in FIELD_VALIDATION_MODES:
        raise bad_request(
            f'fieldValidation must be one of "Ignore", "Warn", or "Strict", got "{validation}"'
        )
    return WriteOptions(
        dry_run=dry_run(request),
        field_validation=validation,
        field_manager=request.query.get("fieldManager", ""),
        user_agent=request.headers.get("User-Agent", ""),
    )


async def delete_options(request: web.Request) -> DeleteOptions:
    """DeleteOptions from the body (kubectl) or from query parameters (the Python client)."""
    body: Obj = {}
    if request.can_read_body:
        raw = await read_body(request)
        if raw is not None and not isinstance(raw, dict):
            raise bad_request("DeleteOptions must be an object")
        body = raw or {}
    for name in ("propagationPolicy",):
        if name in request.query:
            body.setdefault(name, request.query[name])
    grace = query_int(request, "gracePeriodSeconds")
    if grace is not None:
        body.setdefault("gracePeriodSeconds", grace)
    if "orphanDependents" in request.query:
        body.setdefault("orphanDependents", query_bool(request, "orphanDependents"))
    return DeleteOptions.from_body(body, dry_run(request))


def method_not_allowed() -> ApiError:
    return ApiError(
        "MethodNotAllowed", "the server does not allow this method on the requested resource"
    )
