"""The Kubernetes API server: HTTP routing, authentication, and the generic REST handlers.

Every resource is served by the same handlers from its registry entry (`resources.py`); the
semantics of each verb live in `apiserver/rest.py`, shared with the in-process client.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import platform
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web
from multidict import CIMultiDict

from minikube_py import KUBERNETES_VERSION, __version__
from minikube_py.apiserver import discovery, openapi, subresources
from minikube_py.apiserver.errors import ApiError, bad_request
from minikube_py.apiserver.request import (
    ResourcePath,
    check_acceptable,
    delete_options,
    json_response,
    media_type,
    method_not_allowed,
    not_found_path,
    query_bool,
    query_int,
    read_body,
    resolve,
    send_json,
    wants_table,
    write_options,
)
from minikube_py.apiserver.rest import ListPage, RestStorage, WriteResult
from minikube_py.apiserver.selectors import FieldSelector, LabelSelector, field_selector_for
from minikube_py.apiserver.tables import INCLUDE_OBJECT_POLICIES, table
from minikube_py.apiserver.watch import WatchOptions, WatchStream
from minikube_py.patch import accepted_patch_types
from minikube_py.resources import Obj, Registry, Resource
from minikube_py.security import Authenticator
from minikube_py.store import Store

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Paths anyone may read, as on a real cluster (system:public-info-viewer).
LARGE_PAGE = 200  # list pages with more objects are rendered in a worker thread
PUBLIC_PATHS = frozenset({"/livez", "/readyz", "/healthz", "/version"})


class ApiServer:
    """The aiohttp application serving the Kubernetes REST API for one store and registry."""

    def __init__(
        self,
        store: Store,
        registry: Registry,
        authenticator: Authenticator,
        *,
        server_address: str,
        service_cidr: ipaddress.IPv4Network,
    ) -> None:
        self.store = store
        self.registry = registry
        self.rest = RestStorage(store, registry, service_cidr=service_cidr)
        self.authenticator = authenticator
        self.server_address = server_address
        self.discovery = discovery.build(registry, server_address)
        registry.on_change(self._rebuild_discovery)
        self.openapi = openapi.OpenApi(registry)

    def _rebuild_discovery(self) -> None:
        self.discovery = discovery.build(self.registry, self.server_address)

    def application(self) -> web.Application:
        app = web.Application(
            middlewares=[self._status_errors, self._authenticate],
            client_max_size=64 * 1024 * 1024,  # bodies are bounded by read_body's 3 MiB check
            handler_args={"max_field_size": 65536},
        )
        app.router.add_get("/version", self.version)
        for probe in ("/livez", "/readyz", "/healthz"):
            app.router.add_get(probe, self.health)
        self.openapi.add_routes(app.router)
        app.router.add_route("*", "/api{tail:(/.*)?}", self.dispatch)
        app.router.add_route("*", "/apis{tail:(/.*)?}", self.dispatch)
        return app

    # ---- middlewares -------------------------------------------------------------------------

    @web.middleware
    async def _status_errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every failure is a Kubernetes Status; a bug is a 500 Status, never a traceback."""
        try:
            return await handler(request)
        except ApiError as exc:
            return _error_response(exc)
        except web.HTTPException as exc:
            if exc.status == 404:
                return _error_response(not_found_path())
            if exc.status == 405:
                return _error_response(method_not_allowed())
            return _error_response(ApiError("BadRequest", exc.reason, code=exc.status))
        except Exception:
            log.exception("internal error serving %s %s", request.method, request.path)
            return _error_response(
                ApiError("InternalError", "an internal error occurred; see the server log")
            )

    @web.middleware
    async def _authenticate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path not in PUBLIC_PATHS:
            peercert = request.transport.get_extra_info("peercert") if request.transport else None
            user = self.authenticator.authenticate(peercert, request.headers.get("Authorization"))
            if user is None:
                raise ApiError("Unauthorized", "Unauthorized")
            request["user"] = user
        return await handler(request)

    # ---- fixed endpoints ---------------------------------------------------------------------

    async def version(self, request: web.Request) -> web.Response:
        major, minor, _ = KUBERNETES_VERSION.split(".")
        return json_response(
            {
                "major": major,
                "minor": minor,
                "gitVersion": f"v{KUBERNETES_VERSION}",
                "gitCommit": f"minikube-py-{__version__}",
                "gitTreeState": "clean",
                "buildDate": "2026-01-01T00:00:00Z",
                "goVersion": f"python{platform.python_version()}",
                "compiler": "cpython",
                "platform": f"linux/{_machine()}",
            }
        )

    async def health(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    # ---- the API tree ------------------------------------------------------------------------

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        parts = [p for p in request.path.split("/") if p]
        document = self._discovery_document(request, parts)
        if document is not None:
            return document
        check_acceptable(request)
        path = resolve(self.registry, parts)
        if path.subresource is not None:
            return await subresources.handle(self.rest, request, path)
        if path.name is None:
            return await self._collection(request, path)
        return await self._item(request, path)

    def _discovery_document(self, request: web.Request, parts: list[str]) -> web.Response | None:
        docs = self.discovery
        root = parts[0]
        if len(parts) == 1:
            if request.method != "GET":
                raise method_not_allowed()
            aggregated = _aggregated_version(request.headers.get("Accept", ""))
            if aggregated:
                body = docs.aggregated[(root, aggregated)]
                media = (
                    discovery.AGGREGATED_V2 if aggregated == "v2" else discovery.AGGREGATED_V2BETA1
                )
                return web.Response(body=body, headers={"Content-Type": media})
            return json_response(docs.api_versions if root == "api" else docs.group_list)
        if root == "api" and len(parts) == 2:
            return self._discovery_part(docs.resource_lists, parts[1])
        if root == "apis" and len(parts) == 2:
            return self._discovery_part(docs.groups, parts[1])
        if root == "apis" and len(parts) == 3:
            return self._discovery_part(docs.resource_lists, f"{parts[1]}/{parts[2]}")
        return None

    def _discovery_part(self, documents: dict[str, bytes], key: str) -> web.Response:
        body = documents.get(key)
        if body is None:
            raise not_found_path()
        return json_response(body)

    async def _collection(self, request: web.Request, path: ResourcePath) -> web.StreamResponse:
        resource = path.resource
        if request.method == "GET":
            if query_bool(request, "watch"):
                _require_verb(resource, "watch")
                return await self._watch(request, path)
            _require_verb(resource, "list")
            return await self._list(request, path)
        if request.method == "POST":
            _require_verb(resource, "create")
            if resource.namespaced and path.namespace is None:
                raise method_not_allowed()
            if (resource.group, resource.plural) == ("", "bindings"):
                body = await read_body(request)
                answer = await subresources.create_binding(
                    self.rest, path.namespace, body, write_options(request)
                )
                return json_response(answer, 201)
            result = await self.rest.create(
                resource, path.namespace, await read_body(request), write_options(request)
            )
            return _write_response(result, 201)
        if request.method == "DELETE":
            _require_verb(resource, "deletecollection")
            return await self._delete_collection(request, path)
        raise method_not_allowed()

    async def _item(self, request: web.Request, path: ResourcePath) -> web.StreamResponse:
        resource, name = path.resource, path.name
        assert name is not None
        if request.method == "GET":
            _require_verb(resource, "get")
            entry = self.rest.get(resource, path.namespace, name)
            if wants_table(request):
                return json_response(
                    table(resource, [entry.value], include_object=_include(request))
                )
            return json_response(entry.raw)
        if request.method == "PUT":
            _require_verb(resource, "update")
            result = await self.rest.update(
                resource, path.namespace, name, await read_body(request), write_options(request)
            )
            return _write_response(result, 200)
        if request.method == "PATCH":
            _require_verb(resource, "patch")
            result = await self.rest.patch(
                resource,
                path.namespace,
                name,
                media_type(request.headers.get("Content-Type", "")),
                await read_body(request, accepted_patch_types(resource.api_version, resource.kind)),
                write_options(request),
                force=query_bool(request, "force"),
            )
            return _write_response(result, 201 if result.created else 200)
        if request.method == "DELETE":
            _require_verb(resource, "delete")
            deleted = await self.rest.delete(
                resource, path.namespace, name, await delete_options(request)
            )
            return json_response(deleted.response(resource))
        raise method_not_allowed()

    async def _list(self, request: web.Request, path: ResourcePath) -> web.StreamResponse:
        resource = path.resource
        page = self.rest.list(
            resource,
            path.namespace,
            label_selector=_label_selector(request),
            field_selector=_field_selector(request, resource),
            limit=_limit(request),
            continue_token=request.query.get("continue") or None,
            revision=_list_revision(request),
        )
        render: Callable[[], bytes] = functools.partial(_list_body, resource, page)
        if wants_table(request):
            render = functools.partial(
                _encoded_table, resource, page, _include(request), _list_meta(page)
            )
        # Printing or splicing thousands of objects takes tens of ms: off the loop with them.
        big = len(page.entries) > LARGE_PAGE
        return await send_json(request, await asyncio.to_thread(render) if big else render())

    async def _watch(self, request: web.Request, path: ResourcePath) -> web.StreamResponse:
        initial = request.query.get("sendInitialEvents")
        options = WatchOptions(
            resource_version=request.query.get("resourceVersion", ""),
            timeout_seconds=query_int(request, "timeoutSeconds"),
            bookmarks=query_bool(request, "allowWatchBookmarks"),
            send_initial_events=None if initial is None else initial == "true",
            label_selector=_label_selector(request),
            field_selector=_field_selector(request, path.resource),
            as_table=wants_table(request),
            include_object=_include(request) if wants_table(request) else "Metadata",
        )
        _check_watch_resource_version(options)
        return await WatchStream(self.store, path.resource, path.namespace, options).serve(request)

    async def _delete_collection(
        self, request: web.Request, path: ResourcePath
    ) -> web.StreamResponse:
        resource = path.resource
        options = await delete_options(request)
        page = self.rest.list(
            resource,
            path.namespace,
            label_selector=_label_selector(request),
            field_selector=_field_selector(request, resource),
        )
        deleted = []
        for entry in page.entries:
            meta = entry.value["metadata"]
            try:
                result = await self.rest.delete(
                    resource, meta.get("namespace"), meta["name"], options
                )
            except ApiError as exc:
                if exc.reason != "NotFound":
                    raise
                continue
            deleted.append(result.obj)
        body = {
            "kind": resource.list_kind,
            "apiVersion": resource.api_version,
            "metadata": {"resourceVersion": str(self.store.revision)},
            "items": deleted,
        }
        return json_response(body)


# ---- request option parsing ------------------------------------------------------------------


def _label_selector(request: web.Request) -> LabelSelector | None:
    text = request.query.get("labelSelector", "")
    return LabelSelector.parse(text) if text else None


def _field_selector(request: web.Request, resource: Resource) -> FieldSelector | None:
    text = request.query.get("fieldSelector", "")
    if not text:
        return None
    return field_selector_for(resource, text)


def _limit(request: web.Request) -> int:
    limit = query_int(request, "limit", 0) or 0
    if limit < 0:
        raise bad_request(f"limit: Invalid value: {limit}: must be greater than or equal to 0")
    return limit


def _include(request: web.Request) -> str:
    value = request.query.get("includeObject") or "Metadata"
    if value not in INCLUDE_OBJECT_POLICIES:
        raise bad_request(f'includeObject must be one of None, Metadata, Object, got "{value}"')
    return value


def _list_revision(request: web.Request) -> int | None:
    """The revision an Exact list must be served at; None means the current state."""
    rv = request.query.get("resourceVersion")
    match = request.query.get("resourceVersionMatch")
    if request.query.get("continue") and rv not in (None, "", "0"):
        raise bad_request("specifying resource version is not allowed when using continue")
    if match and not rv:
        raise bad_request("resourceVersionMatch is forbidden unless resourceVersion is provided")
    if match not in (None, "", "NotOlderThan", "Exact"):
        raise bad_request(f'resourceVersionMatch "{match}" is not supported')
    if rv and not rv.isdigit():
        raise bad_request(f'invalid resource version "{rv}"')
    if match == "Exact":
        if rv == "0":
            raise bad_request('resourceVersionMatch "Exact" is forbidden for resourceVersion "0"')
        return int(rv or 0)
    return None


def _check_watch_resource_version(options: WatchOptions) -> None:
    rv = options.resource_version
    if rv and not rv.isdigit():
        raise bad_request(f'invalid resource version "{rv}"')


def _list_meta(page: ListPage) -> Obj:
    meta: Obj = {"resourceVersion": str(page.revision)}
    if page.continue_token:
        meta["continue"] = page.continue_token
        if page.remaining:
            meta["remainingItemCount"] = page.remaining
    return meta


def _encoded_table(
    resource: Resource, page: ListPage, include_object: str, list_meta: Obj
) -> bytes:
    rows = (e.value for e in page.entries)
    return orjson.dumps(table(resource, rows, include_object=include_object, list_meta=list_meta))


def _list_body(resource: Resource, page: ListPage) -> bytes:
    """A list response spliced from the stored bytes (decoding 10k objects costs 100s of ms)."""
    head = (
        f'{{"kind":"{resource.list_kind}","apiVersion":"{resource.api_version}","metadata":'
    ).encode()
    return (
        head
        + orjson.dumps(_list_meta(page))
        + b',"items":['
        + b",".join(e.raw for e in page.entries)
        + b"]}"
    )


def _require_verb(resource: Resource, verb: str) -> None:
    if verb not in resource.verbs:
        raise method_not_allowed()


def _aggregated_version(accept: str) -> str | None:
    """The first aggregated-discovery version the client asks for that we serve."""
    for entry in accept.split(","):
        if "as=APIGroupDiscoveryList" in entry and "g=apidiscovery.k8s.io" in entry:
            for version in ("v2", "v2beta1"):
                if f"v={version};" in entry + ";":
                    return version
    return None


def _write_response(result: WriteResult, status: int) -> web.Response:
    """The written object (its stored bytes when it was stored) and the write's warnings."""
    body = result.obj if result.raw is None else result.raw
    return json_response(body, status, _warning_headers(result.warnings))


def _warning_headers(warnings: list[str]) -> CIMultiDict[str] | None:
    """One `Warning: 299 - "..."` header per warning; kubectl prints each on stderr."""
    if not warnings:
        return None
    return CIMultiDict(("Warning", f'299 - "{_quoted(w)}"') for w in warnings)


def _quoted(text: str) -> str:
    """The body of an HTTP quoted-string: backslashes and quotes escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _error_response(error: ApiError) -> web.Response:
    headers = None
    if error.retry_after_seconds is not None:
        headers = {"Retry-After": str(error.retry_after_seconds)}
    return json_response(error.body(), error.code, headers)


def _machine() -> str:
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
