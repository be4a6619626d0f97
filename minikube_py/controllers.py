"""The controller manager: each controller is informers + a work queue + `reconcile(key)`.

Controllers are level-triggered: events only enqueue keys, and `reconcile` reads the current
state from the informer caches and takes one step towards the desired state, so running it
twice, or after a missed event, is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from minikube_py.aio import cancel
from minikube_py.apiserver.builtin import EVENT_RESOURCES
from minikube_py.apiserver.errors import ApiError
from minikube_py.client import (
    Client,
    EventHandler,
    Informer,
    WorkQueue,
    delete_if_present,
    run_worker,
)
from minikube_py.resources import Obj, Registry, Resource, clone

log = logging.getLogger(__name__)
NAMESPACE_FINALIZER = "kubernetes"
ORPHAN_FINALIZER = "orphan"
FOREGROUND_FINALIZER = "foregroundDeletion"
RETRY_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class ControllerSettings:
    """The server configuration some controllers need; the manager hands it to every one."""

    data_dir: Path  # node-local state: provisioned volumes, the ServiceAccount signing key


class Controller:
    """Runs `workers` tasks that take keys from `queue` and reconcile them."""

    name = "controller"
    workers = 1
    settings: ControllerSettings  # set by the ControllerManager (or a test) before start()

    def __init__(self, client: Client, registry: Registry) -> None:
        self.client = client
        self.registry = registry
        self.queue: WorkQueue[str] = WorkQueue()
        self.informers: list[Informer] = []
        self._tasks: list[asyncio.Task[None]] = []

    def resource(self, group: str, version: str, plural: str) -> Resource:
        found = self.registry.get(group, version, plural)
        if found is None:
            raise LookupError(f"{self.name}: resource {plural} is not served")
        return found

    def watch(
        self, resource: Resource, namespace: str | None = None, *, field_selector: str = ""
    ) -> Informer:
        """The informer shared by every user of this controller's client (the manager's)."""
        informer = self.client.informers.informer(
            resource, namespace, field_selector=field_selector
        )
        self.informers.append(informer)
        return informer

    async def start(self) -> None:
        for informer in self.informers:
            informer.start()
        await asyncio.gather(*(i.wait_synced() for i in self.informers))
        self._tasks = [
            asyncio.create_task(run_worker(self.queue, self.reconcile), name=f"{self.name}-{n}")
            for n in range(self.workers)
        ]

    async def stop(self) -> None:
        self.queue.shutdown()
        await cancel(*self._tasks)
        for informer in self.informers:
            await informer.stop()

    async def reconcile(self, key: str) -> None:
        raise NotImplementedError


def deletable_namespaced(registry: Registry) -> list[Resource]:
    return [r for r in registry if r.namespaced and {"list", "delete"} <= set(r.verbs)]


class NamespaceController(Controller):
    """Empties a terminating namespace, then releases it by finalizing it."""

    name = "namespace-controller"

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.namespaces = self.resource("", "v1", "namespaces")
        informer = self.watch(self.namespaces)
        informer.add_handler(self._on_namespace)
        self._informer = informer

    def _on_namespace(self, event: str, obj: Obj, old: Obj | None) -> None:
        if event != "DELETED" and obj["metadata"].get("deletionTimestamp"):
            self.queue.add(obj["metadata"]["name"])

    async def reconcile(self, key: str) -> None:
        namespace = self._informer.get(key)
        if namespace is None or not namespace["metadata"].get("deletionTimestamp"):
            return
        remaining = 0
        for resource in deletable_namespaced(self.registry):
            remaining += await self._delete_all(resource, key)
        if remaining:
            self.queue.add_after(key, RETRY_SECONDS)
            return
        finalizers = namespace.get("spec", {}).get("finalizers") or []
        if NAMESPACE_FINALIZER in finalizers:
            released = clone(namespace)
            released["spec"]["finalizers"] = [f for f in finalizers if f != NAMESPACE_FINALIZER]
            await self.client.update(self.namespaces, None, released, subresource="finalize")

    async def _delete_all(self, resource: Resource, namespace: str) -> int:
        """Delete what is left of `resource` in the namespace; return how many objects remain."""
        items = (await self.client.list(resource, namespace)).items
        for item in items:
            if item["metadata"].get("deletionTimestamp"):
                continue
            with contextlib.suppress(ApiError):
                await self.client.delete(
                    resource, namespace, item["metadata"]["name"], propagation_policy="Background"
                )
        return len(items)


# As kube-controller-manager's DefaultIgnoredResources: Events are many, short-lived (see
# --event-ttl) and owned by nobody; caching every one of them would cost more than all pods.
GC_IGNORED_RESOURCES = EVENT_RESOURCES


class GarbageCollector(Controller):
    """Deletes objects whose owners are gone, and carries out orphan and foreground deletion.

    It keeps a graph of ownerReferences from informers on every deletable resource. Before it
    deletes a dependent it asks the API whether the owner is really gone: a cache that lags
    must never cost a user their pods.
    """

    name = "garbage-collector"
    workers = 2

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.objects: dict[str, tuple[Resource, Obj]] = {}  # uid -> (resource, object)
        self.dependents: defaultdict[str, set[str]] = defaultdict(set)  # owner uid -> uids
        for resource in registry:
            ignored = (resource.group, resource.plural) in GC_IGNORED_RESOURCES
            if not ignored and {"list", "watch", "delete"} <= set(resource.verbs):
                self.watch(resource).add_handler(self._handler(resource))

    def _handler(self, resource: Resource) -> EventHandler:
        def on_event(event: str, obj: Obj, old: Obj | None) -> None:
            uid = obj["metadata"].get("uid", "")
            for owner in _owner_uids(old):
                self.dependents[owner].discard(uid)
            if event == "DELETED":
                self.objects.pop(uid, None)
                for dependent in self.dependents.pop(uid, set()):
                    self.queue.add(dependent)  # it may have lost its last owner
            else:
                self.objects[uid] = (resource, obj)
                for owner in _owner_uids(obj):
                    self.dependents[owner].add(uid)
                self.queue.add(uid)
            for owner in _owner_uids(obj) | _owner_uids(old):
                self.queue.add(owner)  # an owner deleting in foreground may now be free

        return on_event

    async def reconcile(self, uid: str) -> None:
        known = self.objects.get(uid)
        if known is None:
            return
        resource, obj = known
        finalizers = obj["metadata"].get("finalizers") or []
        if obj["metadata"].get("deletionTimestamp"):
            if ORPHAN_FINALIZER in finalizers:
                await self._orphan_dependents(uid)
                await self._remove_finalizer(resource, obj, ORPHAN_FINALIZER)
            elif FOREGROUND_FINALIZER in finalizers:
                await self._delete_in_foreground(resource, obj, uid)
            return
        if obj["metadata"].get("ownerReferences") and await self._all_owners_gone(obj):
            await self._delete(resource, obj, "Background")

    async def _orphan_dependents(self, uid: str) -> None:
        for dependent_uid in list(self.dependents.get(uid, ())):
            known = self.objects.get(dependent_uid)
            if known is None:
                continue
            resource, dependent = known
            updated = clone(dependent)
            updated["metadata"]["ownerReferences"] = [
                ref for ref in dependent["metadata"].get("ownerReferences", []) if ref["uid"] != uid
            ]
            with contextlib.suppress(ApiError):
                await self.client.update(resource, _namespace(dependent), updated)

    async def _delete_in_foreground(self, resource: Resource, obj: Obj, uid: str) -> None:
        waiting = False
        for dependent_uid in list(self.dependents.get(uid, ())):
            known = self.objects.get(dependent_uid)
            if known is None:
                continue
            dep_resource, dependent = known
            if _blocks_owner(dependent, uid):
                waiting = True
            if not dependent["metadata"].get("deletionTimestamp"):
                await self._delete(dep_resource, dependent, "Foreground")
        if not waiting:
            await self._remove_finalizer(resource, obj, FOREGROUND_FINALIZER)

    async def _all_owners_gone(self, obj: Obj) -> bool:
        refs = obj["metadata"].get("ownerReferences", [])
        if any(ref.get("uid") in self.objects for ref in refs):
            return False  # the cache knows a live owner: no need to ask
        for ref in refs:
            owner_resource = self.registry.by_kind(ref.get("apiVersion", ""), ref.get("kind", ""))
            if owner_resource is None:
                continue  # an owner kind we do not serve: never collect on a guess
            namespace = _namespace(obj) if owner_resource.namespaced else None
            try:
                owner = await self.client.get(owner_resource, namespace, ref["name"])
            except ApiError as exc:
                if exc.reason == "NotFound":
                    continue
                raise
            if owner["metadata"].get("uid") == ref["uid"]:
                return False
        return True

    async def _remove_finalizer(self, resource: Resource, obj: Obj, finalizer: str) -> None:
        current = await self.client.get(resource, _namespace(obj), obj["metadata"]["name"])
        updated = clone(current)
        updated["metadata"]["finalizers"] = [
            f for f in current["metadata"].get("finalizers", []) if f != finalizer
        ]
        try:
            await self.client.update(resource, _namespace(obj), updated)
        except ApiError as exc:
            if exc.reason != "NotFound":
                raise

    async def _delete(self, resource: Resource, obj: Obj, policy: str) -> None:
        name = obj["metadata"]["name"]
        await delete_if_present(
            self.client, resource, _namespace(obj), name, propagation_policy=policy
        )


def _owner_uids(obj: Obj | None) -> set[str]:
    if obj is None:
        return set()
    return {ref["uid"] for ref in obj["metadata"].get("ownerReferences") or [] if "uid" in ref}


def _blocks_owner(dependent: Obj, owner_uid: str) -> bool:
    return any(
        ref.get("uid") == owner_uid and ref.get("blockOwnerDeletion")
        for ref in dependent["metadata"].get("ownerReferences") or []
    )


def _namespace(obj: Obj) -> str | None:
    namespace = obj["metadata"].get("namespace")
    return str(namespace) if namespace else None


class ControllerManager:
    """Starts every controller and stops them in reverse order."""

    def __init__(self, client: Client, registry: Registry, settings: ControllerSettings) -> None:
        from minikube_py.reconcilers import controller_classes

        classes: list[type[Controller]] = [
            NamespaceController,
            GarbageCollector,
            *controller_classes(),
        ]
        self.controllers: list[Controller] = [cls(client, registry) for cls in classes]
        for controller in self.controllers:
            controller.settings = settings

    async def start(self) -> None:
        for controller in self.controllers:
            await controller.start()

    async def stop(self) -> None:
        for controller in reversed(self.controllers):
            await controller.stop()
