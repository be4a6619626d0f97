"""Clients of the API, and the informer and work queue every component is built on.

`LocalClient` (in-process, no HTTP) and `HttpClient` (over HTTPS) implement the same `Client`
interface; both go through the API server's admission path, so a component cannot tell them
apart and can move out of the process without changing its code.

This module is the one to import from: the informers, the work queue and the EventRecorder live
in `minikube_py/clients/` and are re-exported here.
"""

from __future__ import annotations

import base64
import ssl
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import orjson
import yaml

from minikube_py.apiserver import subresources
from minikube_py.apiserver.errors import ApiError
from minikube_py.apiserver.rest import DeleteOptions, RestStorage, WriteOptions, selected
from minikube_py.apiserver.selectors import FieldSelector, LabelSelector, field_selector_for
from minikube_py.apiserver.watch import visible_type
from minikube_py.clients.informers import EventHandler, Informer, SharedInformers, object_key
from minikube_py.clients.recorder import EventRecorder
from minikube_py.clients.workqueue import QueueShutDown, WorkQueue, run_worker
from minikube_py.patching.media import MERGE_PATCH
from minikube_py.resources import Obj, Resource
from minikube_py.store import ExpiredError, WatcherTooSlowError

__all__ = [
    "Client",
    "EventHandler",
    "EventRecorder",
    "HttpClient",
    "Informer",
    "LocalClient",
    "ObjectList",
    "QueueShutDown",
    "SharedInformers",
    "WatchEvent",
    "WorkQueue",
    "binding",
    "delete_if_present",
    "object_key",
    "resource_path",
    "run_worker",
]


@dataclass(frozen=True, slots=True)
class WatchEvent:
    type: str  # ADDED, MODIFIED, DELETED
    object: Obj


@dataclass(frozen=True, slots=True)
class ObjectList:
    items: list[Obj]
    resource_version: str
    continue_token: str | None = None


class Client(Protocol):
    """The verbs every in-process component uses; objects are plain dicts.

    `informers` are shared by everyone who uses the same client (one component, such as the
    controller manager), as client-go's SharedInformerFactory is.
    """

    informers: SharedInformers

    async def get(self, resource: Resource, namespace: str | None, name: str) -> Obj: ...

    async def list(
        self,
        resource: Resource,
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_token: str | None = None,
    ) -> ObjectList: ...

    def watch(
        self,
        resource: Resource,
        namespace: str | None = None,
        *,
        resource_version: str,
        label_selector: str = "",
        field_selector: str = "",
    ) -> AsyncIterator[WatchEvent]:
        """Events after `resource_version`; raises ApiError(Expired) when it is too old."""
        ...

    async def create(
        self, resource: Resource, namespace: str | None, obj: Obj, *, dry_run: bool = False
    ) -> Obj: ...

    async def update(
        self, resource: Resource, namespace: str | None, obj: Obj, *, subresource: str = ""
    ) -> Obj: ...

    async def merge_patch(
        self, resource: Resource, namespace: str | None, name: str, patch: Obj
    ) -> Obj:
        """A JSON merge patch (RFC 7386) of the named object."""
        ...

    async def delete(
        self,
        resource: Resource,
        namespace: str | None,
        name: str,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
    ) -> Obj: ...

    async def bind(self, pods: Resource, namespace: str, name: str, node: str) -> None:
        """Assign a pod to a node through pods/binding; Conflict if it already has one."""
        ...


async def delete_if_present(
    client: Client,
    resource: Resource,
    namespace: str | None,
    name: str,
    *,
    propagation_policy: str | None = None,
    grace_period_seconds: int | None = None,
) -> bool:
    """Delete the object; False when it was gone already (someone else's delete won)."""
    try:
        await client.delete(
            resource,
            namespace,
            name,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
        )
    except ApiError as exc:
        if exc.reason != "NotFound":
            raise
        return False
    return True


def binding(namespace: str, name: str, node: str) -> Obj:
    """The v1 Binding the scheduler posts to assign pod `name` to `node`."""
    return {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": name, "namespace": namespace},
        "target": {"apiVersion": "v1", "kind": "Node", "name": node},
    }


def _selectors(
    resource: Resource, label_selector: str, field_selector: str
) -> tuple[LabelSelector | None, FieldSelector | None]:
    labels = LabelSelector.parse(label_selector) if label_selector else None
    fields = field_selector_for(resource, field_selector) if field_selector else None
    return labels, fields


class LocalClient:
    """The API in-process: the same admission path as HTTP, without encoding or sockets."""

    def __init__(self, rest: RestStorage, field_manager: str = "minikube-py") -> None:
        self.rest = rest
        self.field_manager = field_manager
        self.informers = SharedInformers(self)

    async def get(self, resource: Resource, namespace: str | None, name: str) -> Obj:
        return self.rest.get(resource, namespace, name).value

    async def list(
        self,
        resource: Resource,
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_token: str | None = None,
    ) -> ObjectList:
        labels, fields = _selectors(resource, label_selector, field_selector)
        page = self.rest.list(
            resource,
            namespace,
            label_selector=labels,
            field_selector=fields,
            limit=limit,
            continue_token=continue_token,
        )
        return ObjectList([e.value for e in page.entries], str(page.revision), page.continue_token)

    async def watch(
        self,
        resource: Resource,
        namespace: str | None = None,
        *,
        resource_version: str,
        label_selector: str = "",
        field_selector: str = "",
    ) -> AsyncIterator[WatchEvent]:
        labels, fields = _selectors(resource, label_selector, field_selector)
        prefix = resource.key_prefix(namespace if resource.namespaced else None)
        try:
            watch = self.rest.store.watch(prefix, int(resource_version or 0))
        except ExpiredError as exc:
            raise ApiError("Expired", f"too old resource version: {exc.requested}") from None
        with watch:
            try:
                async for event in watch:
                    event_type = visible_type(event, lambda o: selected(o, labels, fields))
                    if event_type:
                        yield WatchEvent(event_type, event.entry.value)
            except (ExpiredError, WatcherTooSlowError):
                raise ApiError("Expired", "the watch fell behind; list again") from None

    async def create(
        self, resource: Resource, namespace: str | None, obj: Obj, *, dry_run: bool = False
    ) -> Obj:
        options = WriteOptions(dry_run=dry_run, field_manager=self.field_manager)
        return (await self.rest.create(resource, namespace, obj, options)).obj

    async def update(
        self, resource: Resource, namespace: str | None, obj: Obj, *, subresource: str = ""
    ) -> Obj:
        options = WriteOptions(field_manager=self.field_manager)
        name = obj["metadata"]["name"]
        result = await self.rest.update(
            resource, namespace, name, obj, options, subresource=subresource or None
        )
        return result.obj

    async def merge_patch(
        self, resource: Resource, namespace: str | None, name: str, patch: Obj
    ) -> Obj:
        options = WriteOptions(field_manager=self.field_manager)
        result = await self.rest.patch(resource, namespace, name, MERGE_PATCH, patch, options)
        return result.obj

    async def delete(
        self,
        resource: Resource,
        namespace: str | None,
        name: str,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
    ) -> Obj:
        options = DeleteOptions(
            grace_period_seconds=grace_period_seconds, propagation_policy=propagation_policy
        )
        result = await self.rest.delete(resource, namespace, name, options)
        return result.obj

    async def bind(self, pods: Resource, namespace: str, name: str, node: str) -> None:
        options = WriteOptions(field_manager=self.field_manager)
        await subresources.bind_pod(
            self.rest, pods, namespace, name, binding(namespace, name, node), options
        )


def resource_path(
    resource: Resource, namespace: str | None, name: str = "", subresource: str = ""
) -> str:
    """The REST path of a resource's collection, object or subresource."""
    root = f"/apis/{resource.group}/{resource.version}" if resource.group else "/api/v1"
    scope = f"/namespaces/{namespace}" if resource.namespaced and namespace else ""
    path = f"{root}{scope}/{resource.plural}"
    if name:
        path += f"/{name}"
    if subresource:
        path += f"/{subresource}"
    return path


class HttpClient:
    """The same `Client` over HTTPS, for components outside the process (agents, tests)."""

    def __init__(self, base_url: str, ssl_context: ssl.SSLContext, token: str = "") -> None:
        from aiohttp import ClientSession, ClientTimeout, TCPConnector

        self.base_url = base_url.rstrip("/")
        self.informers = SharedInformers(self)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.session = ClientSession(
            connector=TCPConnector(ssl=ssl_context),
            headers=headers,
            timeout=ClientTimeout(total=None, sock_connect=10),
        )

    @classmethod
    def from_kubeconfig(cls, path: str | Path) -> HttpClient:
        """A client for the current context of a kubeconfig with embedded certificates."""
        config = yaml.safe_load(Path(path).read_text())
        context_name = config["current-context"]
        context = _named(config["contexts"], context_name)["context"]
        cluster = _named(config["clusters"], context["cluster"])["cluster"]
        user = _named(config["users"], context["user"])["user"]
        ctx = ssl.create_default_context(
            cadata=base64.b64decode(cluster["certificate-authority-data"]).decode()
        )
        if "client-certificate-data" in user:
            _load_client_cert(ctx, user["client-certificate-data"], user["client-key-data"])
        return cls(cluster["server"], ctx, user.get("token", ""))

    async def close(self) -> None:
        await self.session.close()

    async def _request(
        self,
        method: str,
        path: str,
        body: Obj | None = None,
        query: Obj | None = None,
        content_type: str = "application/json",
    ) -> Obj:
        params = {k: str(v) for k, v in (query or {}).items() if v not in (None, "", 0)}
        data = orjson.dumps(body) if body is not None else None
        headers = {"Content-Type": content_type} if data is not None else {}
        async with self.session.request(
            method, self.base_url + path, params=params, data=data, headers=headers
        ) as response:
            payload = orjson.loads(await response.read())
        if response.status >= 400:
            raise _api_error(payload, response.status)
        return payload  # type: ignore[no-any-return]

    async def get(self, resource: Resource, namespace: str | None, name: str) -> Obj:
        return await self._request("GET", resource_path(resource, namespace, name))

    async def list(
        self,
        resource: Resource,
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_token: str | None = None,
    ) -> ObjectList:
        query = {
            "labelSelector": label_selector,
            "fieldSelector": field_selector,
            "limit": limit,
            "continue": continue_token,
        }
        body = await self._request("GET", resource_path(resource, namespace), query=query)
        meta = body["metadata"]
        for item in body["items"]:
            item.setdefault("kind", resource.kind)
            item.setdefault("apiVersion", resource.api_version)
        return ObjectList(body["items"], meta["resourceVersion"], meta.get("continue"))

    async def watch(
        self,
        resource: Resource,
        namespace: str | None = None,
        *,
        resource_version: str,
        label_selector: str = "",
        field_selector: str = "",
    ) -> AsyncIterator[WatchEvent]:
        params = {"watch": "true", "resourceVersion": resource_version or "0"}
        if label_selector:
            params["labelSelector"] = label_selector
        if field_selector:
            params["fieldSelector"] = field_selector
        url = self.base_url + resource_path(resource, namespace)
        async with self.session.get(url, params=params) as response:
            if response.status >= 400:
                raise _api_error(orjson.loads(await response.read()), response.status)
            async for line in response.content:
                event = orjson.loads(line)
                if event["type"] == "ERROR":
                    raise _api_error(event["object"], event["object"].get("code", 500))
                if event["type"] != "BOOKMARK":
                    yield WatchEvent(event["type"], event["object"])

    async def create(
        self, resource: Resource, namespace: str | None, obj: Obj, *, dry_run: bool = False
    ) -> Obj:
        path = resource_path(resource, namespace)
        return await self._request("POST", path, obj, {"dryRun": "All" if dry_run else None})

    async def update(
        self, resource: Resource, namespace: str | None, obj: Obj, *, subresource: str = ""
    ) -> Obj:
        path = resource_path(resource, namespace, obj["metadata"]["name"], subresource)
        return await self._request("PUT", path, obj)

    async def merge_patch(
        self, resource: Resource, namespace: str | None, name: str, patch: Obj
    ) -> Obj:
        path = resource_path(resource, namespace, name)
        return await self._request("PATCH", path, patch, content_type=MERGE_PATCH)

    async def delete(
        self,
        resource: Resource,
        namespace: str | None,
        name: str,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
    ) -> Obj:
        options: Obj = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation_policy:
            options["propagationPolicy"] = propagation_policy
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        return await self._request("DELETE", resource_path(resource, namespace, name), options)

    async def bind(self, pods: Resource, namespace: str, name: str, node: str) -> None:
        path = resource_path(pods, namespace, name, "binding")
        await self._request("POST", path, binding(namespace, name, node))


def _named(entries: list[Obj], name: str) -> Obj:
    for entry in entries:
        if entry["name"] == name:
            return entry
    raise ValueError(f"kubeconfig has no entry named {name!r}")


def _load_client_cert(ctx: ssl.SSLContext, cert_b64: str, key_b64: str) -> None:
    # ssl can only load a certificate chain from files.
    with tempfile.TemporaryDirectory() as folder:
        cert, key = Path(folder) / "client.crt", Path(folder) / "client.key"
        cert.write_bytes(base64.b64decode(cert_b64))
        key.write_bytes(base64.b64decode(key_b64))
        ctx.load_cert_chain(cert, key)


def _api_error(status: Obj, code: int) -> ApiError:
    details = status.get("details") or {}
    return ApiError(
        status.get("reason") or "InternalError",
        status.get("message") or f"HTTP {code}",
        code=code,
        name=details.get("name"),
        group=details.get("group"),
        kind=details.get("kind"),
    )
