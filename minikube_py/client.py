"""Clients of the API, and the informer and work queue every component is built on.

`LocalClient` (in-process, no HTTP) and `HttpClient` (over HTTPS) implement the same `Client`
interface; both go through the API server's admission path, so a component cannot tell them
apart and can move out of the process without changing its code.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import ssl
import tempfile
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar, cast

import orjson
import yaml

from minikube_py.aio import cancel
from minikube_py.apiserver import subresources
from minikube_py.apiserver.errors import ApiError
from minikube_py.apiserver.rest import DeleteOptions, RestStorage, WriteOptions, selected
from minikube_py.apiserver.selectors import FieldSelector, LabelSelector, field_selector_for
from minikube_py.apiserver.watch import visible_type
from minikube_py.patching.media import MERGE_PATCH
from minikube_py.resources import Obj, Resource
from minikube_py.store import ExpiredError, WatcherTooSlowError

log = logging.getLogger(__name__)


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


# ---- informers -------------------------------------------------------------------------------

EventHandler = Callable[[str, Obj, Obj | None], None]  # (type, object, old object)


class _Index(Protocol):
    """A handler that keeps an informer's objects in some order (see Informer.index)."""

    def __call__(self, event: str, obj: Obj, old: Obj | None) -> None: ...


Index = TypeVar("Index", bound=_Index)
Objects = list[Obj]  # an alias: inside Informer, `list` names the cache's list method
RELIST_BATCH = 500  # handler calls between yields to the loop when a relist reports changes
EVENT_CACHE_SIZE = 4096  # recent Events an EventRecorder remembers to count repeats


def object_key(obj: Obj) -> str:
    """`namespace/name`, or `name` for cluster-scoped objects: the work-queue key convention."""
    meta = obj["metadata"]
    namespace = meta.get("namespace")
    return f"{namespace}/{meta['name']}" if namespace else str(meta["name"])


class Informer:
    """A list+watch cache of one resource that tells its handlers about every change.

    On a watch that expired or fell behind it lists again, and reports what changed in between
    (deletions included), so handlers see every object's final state exactly once per change.
    Several users may share one (see SharedInformers): each `start` is matched by a `stop`,
    and the watch ends with the last user's `stop`.
    """

    RETRY_DELAY = 1.0

    def __init__(
        self,
        client: Client,
        resource: Resource,
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
    ) -> None:
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self._cache: dict[str, Obj] = {}
        self._handlers: list[EventHandler] = []
        self._synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._users = 0
        self._indexes: dict[type[_Index], _Index] = {}

    def add_handler(self, handler: EventHandler) -> None:
        """Call `handler` on every change; one added late first hears of the cached objects."""
        self._handlers.append(handler)
        for obj in self._cache.values():
            _call(handler, self.resource, "ADDED", obj, None)

    def index(self, index_type: type[Index]) -> Index:
        """This informer's index of `index_type`, made and added as a handler on first ask:
        its users share one, as client-go's indexers share a shared informer's cache."""
        found = self._indexes.get(index_type)
        if found is None:
            found = self._indexes[index_type] = index_type()
            self.add_handler(found)
        return cast(Index, found)  # made by index_type

    def get(self, key: str) -> Obj | None:
        return self._cache.get(key)

    def list(self, namespace: str | None = None) -> list[Obj]:
        if namespace is None:
            return list(self._cache.values())
        return [o for o in self._cache.values() if o["metadata"].get("namespace") == namespace]

    @property
    def synced(self) -> bool:
        return self._synced.is_set()

    async def wait_synced(self) -> None:
        await self._synced.wait()

    def start(self) -> None:
        self._users += 1
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"informer-{self.resource.plural}")

    async def stop(self) -> None:
        self._users = max(0, self._users - 1)
        if self._users == 0:
            await cancel(self._task)
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                revision = await self._relist()
                await self._follow(revision)
            except ApiError as exc:
                log.debug("%s informer restarts: %s", self.resource.plural, exc)
            except (TimeoutError, OSError) as exc:
                log.warning("%s informer lost its watch: %s", self.resource.plural, exc)
                await asyncio.sleep(self.RETRY_DELAY)

    async def _relist(self) -> str:
        items: list[Obj] = []
        token: str | None = None
        while True:
            page = await self.client.list(
                self.resource,
                self.namespace,
                label_selector=self.label_selector,
                field_selector=self.field_selector,
                limit=500,
                continue_token=token,
            )
            items.extend(page.items)
            token = page.continue_token
            if not token:
                break
        await self._replace(items)
        self._synced.set()
        return page.resource_version

    async def _replace(self, items: Objects) -> None:
        fresh = {object_key(o): o for o in items}
        for key in self._cache.keys() - fresh.keys():
            self._notify("DELETED", self._cache.pop(key), None)
        for count, (key, obj) in enumerate(fresh.items(), 1):
            old = self._cache.get(key)
            self._cache[key] = obj
            if old is None:
                self._notify("ADDED", obj, None)
            elif old["metadata"].get("resourceVersion") != obj["metadata"].get("resourceVersion"):
                self._notify("MODIFIED", obj, old)
            if count % RELIST_BATCH == 0:
                await asyncio.sleep(0)  # thousands of handler calls must not stall the loop

    async def _follow(self, revision: str) -> None:
        async for event in self.client.watch(
            self.resource,
            self.namespace,
            resource_version=revision,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
        ):
            key = object_key(event.object)
            old = self._cache.get(key)
            if event.type == "DELETED":
                self._cache.pop(key, None)
                self._notify("DELETED", event.object, old)
            else:
                self._cache[key] = event.object
                self._notify("MODIFIED" if old is not None else "ADDED", event.object, old)

    def _notify(self, event_type: str, obj: Obj, old: Obj | None) -> None:
        for handler in self._handlers:
            _call(handler, self.resource, event_type, obj, old)


def _call(handler: EventHandler, resource: Resource, event: str, obj: Obj, old: Obj | None) -> None:
    """A failing handler is logged, and the others still hear of the change."""
    try:
        handler(event, obj, old)
    except Exception:
        log.exception("%s informer handler failed", resource.plural)


class SharedInformers:
    """One Informer per resource, namespace and selectors for all users of a client.

    The controllers of the controller manager watch the same few resources (pods above all):
    sharing means each change is followed and cached once, not once per controller.
    """

    def __init__(self, client: Client) -> None:
        self.client = client
        self._informers: dict[tuple[str, str | None, str, str], Informer] = {}  # by what it watches

    def informer(
        self,
        resource: Resource,
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
    ) -> Informer:
        watched = f"{resource.plural}.{resource.api_version}"
        key = (watched, namespace, label_selector, field_selector)
        found = self._informers.get(key)
        if found is None:
            found = Informer(
                self.client,
                resource,
                namespace,
                label_selector=label_selector,
                field_selector=field_selector,
            )
            self._informers[key] = found
        return found


# ---- work queue ------------------------------------------------------------------------------

K = TypeVar("K", bound=Hashable)


class QueueShutDown(Exception):
    pass


class WorkQueue(Generic[K]):
    """A de-duplicating queue of keys with per-key exponential retry, as in client-go.

    A key is never handed to two workers at once: one added while it is being processed is
    queued again when the worker calls `done`.
    """

    def __init__(self, base_delay: float = 0.005, max_delay: float = 300.0) -> None:
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._queue: deque[K] = deque()
        self._dirty: set[K] = set()
        self._processing: set[K] = set()
        self._failures: dict[K, int] = {}
        self._wakeup = asyncio.Event()
        self._timers: set[asyncio.TimerHandle] = set()
        self._shut_down = False

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, key: K) -> None:
        if self._shut_down or key in self._dirty:
            return
        self._dirty.add(key)
        if key not in self._processing:
            self._queue.append(key)
            self._wakeup.set()

    def add_after(self, key: K, delay: float) -> None:
        if delay <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self._timers.discard(timer)
            self.add(key)

        timer = loop.call_later(delay, fire)
        self._timers.add(timer)

    def add_rate_limited(self, key: K) -> None:
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        self.add_after(key, min(self.base_delay * 2**failures, self.max_delay))

    def forget(self, key: K) -> None:
        self._failures.pop(key, None)

    async def get(self) -> K:
        while not self._queue:
            if self._shut_down:
                raise QueueShutDown
            self._wakeup.clear()
            await self._wakeup.wait()
        key = self._queue.popleft()
        self._dirty.discard(key)
        self._processing.add(key)
        return key

    def done(self, key: K) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
            self._wakeup.set()

    def shutdown(self) -> None:
        self._shut_down = True
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self._wakeup.set()


async def run_worker(queue: WorkQueue[K], reconcile: Callable[[K], Awaitable[None]]) -> None:
    """Take keys until the queue shuts down; a failed key is retried with backoff."""
    while True:
        try:
            key = await queue.get()
        except QueueShutDown:
            return
        try:
            await reconcile(key)
            queue.forget(key)
        except Exception:
            log.exception("reconcile of %s failed; retrying", key)
            queue.add_rate_limited(key)
        finally:
            queue.done(key)


# ---- events ----------------------------------------------------------------------------------


class EventRecorder:
    """Records core/v1 Events about objects, counting repeats as real components do.

    Like client-go's event correlator it remembers of each recent Event only its name and count,
    and records a repeat as a patch of count and lastTimestamp: a recorder per node must not
    hold thousands of whole Events.
    """

    def __init__(self, client: Client, events: Resource, component: str, host: str = "") -> None:
        self.client = client
        self.events = events
        self.component = component
        self.host = host
        # (uid, type, reason, message) -> (the Event's name, its count)
        self._seen: OrderedDict[tuple[str, str, str, str], tuple[str, int]] = OrderedDict()

    async def record(self, obj: Obj, event_type: str, reason: str, message: str) -> None:
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        identity = (meta.get("uid", ""), event_type, reason, message)
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        previous = self._seen.get(identity)
        try:
            if previous is not None:
                name, count = previous[0], previous[1] + 1
                repeat = {"count": count, "lastTimestamp": now}
                await self.client.merge_patch(self.events, namespace, name, repeat)
            else:
                event = self._new_event(obj, namespace, event_type, reason, message, now)
                created = await self.client.create(self.events, namespace, event)
                name, count = created["metadata"]["name"], 1
        except ApiError as exc:
            log.debug("could not record event %s on %s: %s", reason, meta.get("name"), exc)
            self._seen.pop(identity, None)
            return
        self._seen[identity] = (name, count)
        self._seen.move_to_end(identity)
        if len(self._seen) > EVENT_CACHE_SIZE:  # the oldest repeat counts start afresh
            self._seen.popitem(last=False)

    def _new_event(
        self, obj: Obj, namespace: str, event_type: str, reason: str, message: str, now: str
    ) -> Obj:
        meta = obj["metadata"]
        return {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{meta['name']}.{time.time_ns():x}", "namespace": namespace},
            "involvedObject": {
                "kind": obj.get("kind"),
                "namespace": meta.get("namespace"),
                "name": meta["name"],
                "uid": meta.get("uid"),
                "apiVersion": obj.get("apiVersion"),
                "resourceVersion": meta.get("resourceVersion"),
            },
            "reason": reason,
            "message": message,
            "source": {"component": self.component, **({"host": self.host} if self.host else {})},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": event_type,
            "reportingComponent": self.component,
            "reportingInstance": self.host,
        }
