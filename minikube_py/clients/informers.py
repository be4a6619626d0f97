"""Informers: list+watch caches of one resource that tell their handlers about every change.

`Informer` lists, then watches from the list's resourceVersion, and lists again when the watch
expires or falls behind; `SharedInformers` gives every user of one client the same informer for
the same resource, namespace and selectors (client-go's SharedInformerFactory). `Informer.index`
hands out indexes (handlers that keep the cache in some order) shared the same way.
Import these from `minikube_py.client`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

from minikube_py.aio import cancel
from minikube_py.apiserver.errors import ApiError
from minikube_py.resources import Obj, Resource

if TYPE_CHECKING:
    from minikube_py.client import Client

log = logging.getLogger(__name__)


EventHandler = Callable[[str, Obj, Obj | None], None]  # (type, object, old object)


class _Index(Protocol):
    """A handler that keeps an informer's objects in some order (see Informer.index)."""

    def __call__(self, event: str, obj: Obj, old: Obj | None) -> None: ...


Index = TypeVar("Index", bound=_Index)
Objects = list[Obj]  # an alias: inside Informer, `list` names the cache's list method
RELIST_BATCH = 500  # handler calls between yields to the loop when a relist reports changes


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
