"""The ReplicaSet and ReplicationController controllers (k8s `pkg/controller/replicaset`).

Each sync of an owner, level-triggered from the informer caches:

1. claim its pods: those it controls plus the orphans its selector matches (`OwnedIndex`: no
   namespace scan), releasing those that no longer match;
2. only once the informer has shown every pod its previous sync created or deleted
   (`Expectations`), create the missing pods (at most BURST_REPLICAS per sync, in slow-start
   batches) or delete the surplus, cheapest first (`pods_to_delete`). Pods that finished or are
   being deleted do not count, so they are replaced;
3. write the status when it changed: replicas, fullyLabeledReplicas, readyReplicas,
   availableReplicas (ready for minReadySeconds), observedGeneration, and a ReplicaFailure
   condition while creating or deleting fails.

A ReplicationController is the same controller over another resource; its selector is a plain
label map (`podcontrol.selector_of`).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from minikube_py.apiserver.errors import ApiError
from minikube_py.client import Client, EventRecorder, object_key
from minikube_py.controllers import Controller
from minikube_py.reconcilers.podcontrol import (
    EXPECTATIONS_TIMEOUT,
    Expectations,
    OwnedIndex,
    PodControl,
    claim,
    controller_of,
    format_time,
    is_active,
    is_available,
    is_conflict,
    is_ready,
    labels_of,
    namespace_terminating,
    pods_to_delete,
    selector_of,
    slow_start,
    write_status,
)
from minikube_py.resources import Obj, Registry

BURST_REPLICAS = 500  # the most pods one sync creates or deletes
RETRY_SECONDS = 0.2  # after a write lost a race with our own lagging cache
REPLICA_FAILURE = "ReplicaFailure"


def replicas(owner: Obj) -> int:
    return int(owner.get("spec", {}).get("replicas") or 0)


def replica_status(owner: Obj, pods: list[Obj], error: Exception | None, now: datetime) -> Obj:
    """calculateStatus over the owner's active pods; zero counts are left out, as Go's
    omitempty does, except `replicas`."""
    spec = owner["spec"]
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    min_ready = int(spec.get("minReadySeconds") or 0)
    ready = [p for p in pods if is_ready(p)]
    counts = {
        "fullyLabeledReplicas": sum(
            1 for p in pods if labels_of(p).items() >= template_labels.items()
        ),
        "readyReplicas": len(ready),
        "availableReplicas": sum(1 for p in ready if is_available(p, min_ready, now)),
        "observedGeneration": int(owner["metadata"].get("generation") or 0),
    }
    status: Obj = {"replicas": len(pods), **{k: v for k, v in counts.items() if v}}
    conditions = _conditions(owner, len(pods), error, now)
    if conditions:
        status["conditions"] = conditions
    return status


def _conditions(owner: Obj, active: int, error: Exception | None, now: datetime) -> list[Obj]:
    """The owner's conditions with ReplicaFailure added on a failed sync, removed on a good one
    (an existing one is kept as it is while the failure lasts)."""
    conditions = list(owner.get("status", {}).get("conditions") or [])
    failing = any(c.get("type") == REPLICA_FAILURE for c in conditions)
    if error is None:
        return [c for c in conditions if c.get("type") != REPLICA_FAILURE]
    if not failing:
        diff = active - replicas(owner)
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        conditions.append(
            {
                "type": REPLICA_FAILURE,
                "status": "True",
                "lastTransitionTime": format_time(now),
                "reason": reason,
                "message": str(error),
            }
        )
    return conditions


class ReplicaSetController(Controller):
    """Keeps `spec.replicas` active pods for every ReplicaSet."""

    name = "replicaset-controller"
    workers = 5
    group, plural = "apps", "replicasets"

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.owners_resource = self.resource(self.group, "v1", self.plural)
        self.kind = self.owners_resource.kind
        self.owners = self.watch(self.owners_resource)
        # owners by *their* controller (a Deployment): siblings whose pods weigh in on ranking
        self.owner_index = self.owners.index(OwnedIndex)
        self.owners.add_handler(self._on_owner)
        self.pods_resource = self.resource("", "v1", "pods")
        pods = self.watch(self.pods_resource)
        self.pod_index = pods.index(OwnedIndex)
        pods.add_handler(self._on_pod)
        self.expectations = Expectations()
        recorder = EventRecorder(client, self.resource("", "v1", "events"), self.name)
        self.pod_control = PodControl(client, self.pods_resource, recorder)

    # ---- events: only enqueue keys (and count what expectations wait for) --------------------

    def _on_owner(self, event: str, obj: Obj, old: Obj | None) -> None:
        key = object_key(obj)
        if event == "DELETED":
            self.expectations.forget(key)
        self.queue.add(key)

    def _on_pod(self, event: str, pod: Obj, old: Obj | None) -> None:
        gone = event == "DELETED" or bool(pod["metadata"].get("deletionTimestamp"))
        key = self._owner_key(pod)
        old_key = self._owner_key(old) if old is not None else None
        if old_key is not None and old_key != key:
            self.queue.add(old_key)  # it lost its pod to a label or owner change
        if key is None:
            released = old is not None and controller_of(old) is not None
            if not gone and (old is None or released or labels_of(old) != labels_of(pod)):
                self._enqueue_selecting(pod)  # an orphan someone may adopt
            return
        if gone:
            self.expectations.deletion_observed(key, object_key(pod))
        elif event == "ADDED":
            self.expectations.creation_observed(key)
        self.queue.add(key)
        self._recheck_after_min_ready(key, pod, old)

    def _owner_key(self, pod: Obj) -> str | None:
        """resolveControllerRef: the key of the cached owner that controls `pod`."""
        ref = controller_of(pod)
        if ref is None or ref.get("kind") != self.kind:
            return None
        key = f"{pod['metadata']['namespace']}/{ref.get('name')}"
        owner = self.owners.get(key)
        return key if owner is not None and owner["metadata"]["uid"] == ref.get("uid") else None

    def _enqueue_selecting(self, pod: Obj) -> None:
        for owner in self.owners.list(pod["metadata"]["namespace"]):
            if selector_of(owner).matches(labels_of(pod)):
                self.queue.add(object_key(owner))

    def _recheck_after_min_ready(self, key: str, pod: Obj, old: Obj | None) -> None:
        """A pod just became ready: it becomes available minReadySeconds later, with no event."""
        owner = self.owners.get(key)
        min_ready = int((owner or {}).get("spec", {}).get("minReadySeconds") or 0)
        if min_ready and old is not None and not is_ready(old) and is_ready(pod):
            self.queue.add_after(key, min_ready + 1)

    # ---- sync --------------------------------------------------------------------------------

    async def reconcile(self, key: str) -> None:
        owner = self.owners.get(key)
        if owner is None:
            self.expectations.forget(key)
            return
        try:
            await self.sync(key, owner)
        except ApiError as exc:
            if not is_conflict(exc):
                raise
            self.queue.add_after(key, RETRY_SECONDS)

    async def sync(self, key: str, owner: Obj) -> None:
        needs_sync = self.expectations.satisfied(key)  # before claiming, as the real one reads it
        owned = await claim(
            self.client,
            self.pods_resource,
            owner,
            self.pod_index,
            owner_resource=self.owners_resource,
        )
        pods = [p for p in owned if is_active(p)]
        error = None
        if needs_sync and not owner["metadata"].get("deletionTimestamp"):
            error = await self._manage(key, owner, pods)
        now = datetime.now(UTC)
        status = replica_status(owner, pods, error, now)
        await write_status(self.client, self.owners_resource, owner, status)
        if error is not None:
            raise error  # retried with backoff
        min_ready = int(owner["spec"].get("minReadySeconds") or 0)
        wanted = replicas(owner)
        if min_ready and status.get("readyReplicas") == wanted != status.get("availableReplicas"):
            self.queue.add_after(key, min_ready)

    async def _manage(self, key: str, owner: Obj, pods: list[Obj]) -> Exception | None:
        """manageReplicas: one step towards spec.replicas active pods; the first error."""
        diff = len(pods) - replicas(owner)
        if diff == 0:
            return None
        # Should the informer never show these writes, look again once the expectations expire.
        self.queue.add_after(key, EXPECTATIONS_TIMEOUT + 1)
        if diff < 0:
            return await self._create(key, owner, min(-diff, BURST_REPLICAS))
        return await self._delete(key, owner, pods, min(diff, BURST_REPLICAS))

    async def _create(self, key: str, owner: Obj, count: int) -> Exception | None:
        template = owner["spec"].get("template") or {}
        self.expectations.expect_creations(key, count)
        created, error = await slow_start(count, lambda: self._create_one(owner, template))
        self.expectations.creation_observed(key, count - created)  # failed or never tried
        return error

    async def _create_one(self, owner: Obj, template: Obj) -> None:
        try:
            await self.pod_control.create(owner, template)
        except ApiError as exc:
            if not namespace_terminating(exc):  # every later create would fail the same way
                raise

    async def _delete(self, key: str, owner: Obj, pods: list[Obj], count: int) -> Exception | None:
        victims = pods_to_delete(
            pods, count, related=self._related_pods(owner, pods), now=datetime.now(UTC)
        )
        self.expectations.expect_deletions(key, [object_key(p) for p in victims])
        results = await asyncio.gather(
            *(self._delete_one(key, owner, pod) for pod in victims), return_exceptions=True
        )
        return next((r for r in results if isinstance(r, Exception)), None)

    async def _delete_one(self, key: str, owner: Obj, pod: Obj) -> None:
        try:
            deleted = await self.pod_control.delete(owner, pod)
        except Exception:
            self.expectations.deletion_observed(key, object_key(pod))  # no event will come
            raise
        if not deleted:
            self.expectations.deletion_observed(key, object_key(pod))

    def _related_pods(self, owner: Obj, pods: list[Obj]) -> list[Obj]:
        """getIndirectlyRelatedPods: the pods of every ReplicaSet of the owner's Deployment."""
        ref = controller_of(owner)
        if ref is None:
            return pods
        siblings = self.owner_index.owned_by(str(ref.get("uid", "")))
        return [p for s in siblings for p in self.pod_index.owned_by(s["metadata"]["uid"])]


class ReplicationManager(ReplicaSetController):
    """The same controller for core/v1 ReplicationControllers."""

    name = "replication-controller"
    group, plural = "", "replicationcontrollers"
