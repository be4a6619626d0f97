"""What the workload controllers share about the objects they own (k8s `controller_utils.go`,
`controller_ref_manager.go`, `podutil`).

- Ownership: `controller_ref` is the reference a controller puts on what it makes. `OwnedIndex`,
  an informer handler, finds an owner's objects by its uid and a namespace's orphans without
  scanning; `claim` adopts the orphans an owner's selector matches and releases what no longer
  matches.
- `Expectations` remember the creations and deletions the informer has not shown yet: until it
  has, a sync would count from a stale cache and create duplicates or delete too many.
- `PodControl` creates pods from a template and deletes them with the Events `kubectl describe`
  shows on the owner; `slow_start` creates in growing batches, so that a template the API
  refuses costs one request, not five hundred.
- Pod predicates (active, ready, available) and `pods_to_delete`, the order in which a
  controller gives up pods: the ones whose loss costs least first.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from minikube_py.apiserver.errors import ApiError
from minikube_py.apiserver.selectors import LabelSelector
from minikube_py.client import Client, EventRecorder, object_key
from minikube_py.reconcilers.endpoints import pod_ready
from minikube_py.resources import Obj, Resource, clone

EXPECTATIONS_TIMEOUT = (
    300.0  # ExpectationsTimeout: a lost watch event cannot block an owner forever
)
DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"


# ---- ownership -------------------------------------------------------------------------------


def controller_ref(owner: Obj) -> Obj:
    """metav1.NewControllerRef: the owner reference a controller puts on what it creates."""
    return {
        "apiVersion": owner.get("apiVersion", ""),
        "kind": owner.get("kind", ""),
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controller_of(obj: Obj) -> Obj | None:
    """metav1.GetControllerOf: the owner reference marked `controller`, if any."""
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return dict(ref)
    return None


def labels_of(obj: Obj) -> dict[str, str]:
    return obj["metadata"].get("labels") or {}


def selector_of(owner: Obj) -> LabelSelector:
    """The owner's selector; a ReplicationController's is a plain label map."""
    selector = owner.get("spec", {}).get("selector")
    if owner.get("kind") == "ReplicationController":
        selector = {"matchLabels": selector or {}}
    return LabelSelector.from_label_selector(selector)


class OwnedIndex:
    """An informer handler that indexes objects by their controller's uid, orphans by namespace.

    Objects are the informer's own (shared, never to be changed). Take it with
    `informer.index(OwnedIndex)`: the controllers watching one informer share one index."""

    def __init__(self) -> None:
        self._owned: defaultdict[str, dict[str, Obj]] = defaultdict(dict)  # owner uid -> objects
        self._orphans: defaultdict[str, dict[str, Obj]] = defaultdict(dict)  # namespace -> objects

    def __call__(self, event: str, obj: Obj, old: Obj | None) -> None:
        key = object_key(obj)
        if old is not None:
            self._remove(old, key)
        self._remove(obj, key)
        if event != "DELETED":
            buckets, bucket = self._bucket(obj)
            buckets[bucket][key] = obj

    def _bucket(self, obj: Obj) -> tuple[defaultdict[str, dict[str, Obj]], str]:
        ref = controller_of(obj)
        if ref is None:
            return self._orphans, str(obj["metadata"].get("namespace", ""))
        return self._owned, str(ref.get("uid", ""))

    def _remove(self, obj: Obj, key: str) -> None:
        buckets, bucket = self._bucket(obj)
        found = buckets.get(bucket)
        if found is not None:
            found.pop(key, None)
            if not found:
                del buckets[bucket]

    def owned_by(self, uid: str) -> list[Obj]:
        return list(self._owned.get(uid, {}).values())

    def orphans(self, namespace: str) -> list[Obj]:
        return list(self._orphans.get(namespace, {}).values())


async def claim(
    client: Client,
    resource: Resource,
    owner: Obj,
    index: OwnedIndex,
    *,
    owner_resource: Resource,
) -> list[Obj]:
    """ClaimPods / ClaimReplicaSets: the objects `owner` controls once it has adopted the
    orphans its selector matches and released its objects that no longer match. An owner being
    deleted does neither. Before adopting, the owner is read again from the API: a stale cache
    must not let a deleted (or deleted and re-created) owner take objects."""
    meta = owner["metadata"]
    owned = index.owned_by(meta["uid"])
    if meta.get("deletionTimestamp"):
        return owned
    selector = selector_of(owner)
    kept = []
    for obj in owned:
        if selector.matches(labels_of(obj)):
            kept.append(obj)
        else:
            await _set_controller(client, resource, obj, None)
    orphans = [
        o
        for o in index.orphans(meta["namespace"])
        if not o["metadata"].get("deletionTimestamp") and selector.matches(labels_of(o))
    ]
    if orphans and await _may_adopt(client, owner_resource, owner):
        for orphan in orphans:
            adopted = await _set_controller(client, resource, orphan, controller_ref(owner))
            if adopted is not None:
                kept.append(adopted)
    return kept


async def _may_adopt(client: Client, owner_resource: Resource, owner: Obj) -> bool:
    """RecheckDeletionTimestamp: the owner still exists, is the same one, and is not leaving."""
    meta = owner["metadata"]
    try:
        fresh = await client.get(owner_resource, meta["namespace"], meta["name"])
    except ApiError as exc:
        if exc.reason == "NotFound":
            return False
        raise
    return fresh["metadata"]["uid"] == meta["uid"] and not fresh["metadata"].get(
        "deletionTimestamp"
    )


async def _set_controller(
    client: Client, resource: Resource, obj: Obj, ref: Obj | None
) -> Obj | None:
    """Adopt (`ref`) or release (None) `obj`; None when it changed or went away meanwhile (the
    event that tells of it queues the owner again)."""
    updated = clone(obj)
    refs = [r for r in updated["metadata"].get("ownerReferences") or [] if not r.get("controller")]
    updated["metadata"]["ownerReferences"] = [*refs, ref] if ref is not None else refs
    try:
        return await client.update(resource, obj["metadata"]["namespace"], updated)
    except ApiError as exc:
        if exc.reason in ("Conflict", "NotFound"):
            return None
        raise


# ---- expectations ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Pending:
    creations: int
    deletions: set[str]  # keys of the objects expected to go
    since: float


@dataclass
class Expectations:
    """ControllerExpectations with UID-tracked deletions, per owner key.

    A controller sets them before it writes and acts again only once they are met: every
    creation and deletion observed by its informer, or EXPECTATIONS_TIMEOUT passed. Deletions
    are tracked by object key, so that a pod someone else deletes is not taken for ours."""

    clock: Callable[[], float] = time.monotonic
    _pending: dict[str, _Pending] = field(default_factory=dict)

    def expect_creations(self, key: str, count: int) -> None:
        self._pending[key] = _Pending(count, set(), self.clock())

    def expect_deletions(self, key: str, deleted: Iterable[str]) -> None:
        self._pending[key] = _Pending(0, set(deleted), self.clock())

    def creation_observed(self, key: str, count: int = 1) -> None:
        """A creation was seen, or (`count` of them) will never come because it failed."""
        pending = self._pending.get(key)
        if pending is not None:
            pending.creations -= count

    def deletion_observed(self, key: str, deleted: str) -> None:
        pending = self._pending.get(key)
        if pending is not None:
            pending.deletions.discard(deleted)

    def satisfied(self, key: str) -> bool:
        pending = self._pending.get(key)
        if pending is None:
            return True
        met = pending.creations <= 0 and not pending.deletions
        return met or self.clock() - pending.since > EXPECTATIONS_TIMEOUT

    def forget(self, key: str) -> None:
        self._pending.pop(key, None)


# ---- creating and deleting pods --------------------------------------------------------------


def pod_from_template(template: Obj, owner: Obj, *, name: str = "", generate_name: str = "") -> Obj:
    """GetPodFromTemplate: the template's labels, annotations, finalizers and spec, owned by
    `owner`, named `name` or `<owner>-<5 random characters>`."""
    meta = template.get("metadata") or {}
    pod_meta: Obj = {
        "namespace": owner["metadata"]["namespace"],
        "labels": dict(meta.get("labels") or {}),
        "annotations": dict(meta.get("annotations") or {}),
        "ownerReferences": [controller_ref(owner)],
    }
    if meta.get("finalizers"):
        pod_meta["finalizers"] = list(meta["finalizers"])
    if name:
        pod_meta["name"] = name
    else:
        pod_meta["generateName"] = generate_name or f"{owner['metadata']['name']}-"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": pod_meta,
        "spec": clone(template.get("spec") or {}),
    }


def namespace_terminating(exc: ApiError) -> bool:
    """The create failed because the namespace is going away: nothing to retry or report."""
    return exc.reason == "Forbidden" and "is being terminated" in exc.message


@dataclass(frozen=True, slots=True)
class PodControl:
    """RealPodControl: pod writes with the owner's SuccessfulCreate/FailedCreate and
    SuccessfulDelete/FailedDelete Events."""

    client: Client
    pods: Resource
    recorder: EventRecorder

    async def create(self, owner: Obj, template: Obj, *, name: str = "") -> Obj:
        pod = pod_from_template(template, owner, name=name)
        try:
            created = await self.client.create(self.pods, owner["metadata"]["namespace"], pod)
        except ApiError as exc:
            if not namespace_terminating(exc):
                await self.recorder.record(
                    owner, "Warning", "FailedCreate", f"Error creating: {exc}"
                )
            raise
        message = f"Created pod: {created['metadata']['name']}"
        await self.recorder.record(owner, "Normal", "SuccessfulCreate", message)
        return created

    async def delete(self, owner: Obj, pod: Obj) -> bool:
        """Delete `pod`; False when it was gone already."""
        name = pod["metadata"]["name"]
        try:
            await self.client.delete(self.pods, pod["metadata"]["namespace"], name)
        except ApiError as exc:
            if exc.reason == "NotFound":
                return False
            await self.recorder.record(owner, "Warning", "FailedDelete", f"Error deleting: {exc}")
            raise
        await self.recorder.record(owner, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")
        return True


async def slow_start(
    count: int, attempt: Callable[[], Awaitable[object]], initial_batch: int = 1
) -> tuple[int, Exception | None]:
    """slowStartBatch: run `attempt` `count` times in concurrent batches of 1, 2, 4, ...,
    stopping after the first batch with a failure. Returns the successes and the first error."""
    succeeded = 0
    batch = min(count, initial_batch)
    while batch > 0:
        results = await asyncio.gather(*(attempt() for _ in range(batch)), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        succeeded += batch - len(errors)
        if errors:
            if not isinstance(errors[0], Exception):
                raise errors[0]  # cancellation: not an outcome to report
            return succeeded, errors[0]
        batch = min(2 * batch, count - succeeded)
    return succeeded, None


async def write_status(client: Client, resource: Resource, obj: Obj, status: Obj) -> Obj:
    """Write `status` if it differs from what `obj` has; a stale `obj` raises Conflict."""
    if obj.get("status") == status:
        return obj
    updated = {**obj, "status": status}
    return await client.update(
        resource, obj["metadata"].get("namespace"), updated, subresource="status"
    )


def is_conflict(exc: ApiError) -> bool:
    """A write lost a race with another writer or with our own lagging cache: sync again."""
    return exc.reason in ("Conflict", "AlreadyExists")


# ---- what a pod's status means to its controller ---------------------------------------------


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def phase(pod: Obj) -> str:
    return str(pod.get("status", {}).get("phase") or "")


def is_terminal(pod: Obj) -> bool:
    return phase(pod) in ("Succeeded", "Failed")


def is_active(pod: Obj) -> bool:
    """controller.IsPodActive: not finished and not being deleted."""
    return not is_terminal(pod) and not pod["metadata"].get("deletionTimestamp")


def is_ready(pod: Obj) -> bool:
    return pod_ready(pod)


def ready_since(pod: Obj) -> datetime | None:
    for condition in pod.get("status", {}).get("conditions") or []:
        if condition.get("type") == "Ready" and condition.get("status") == "True":
            return parse_time(condition.get("lastTransitionTime"))
    return None


def is_available(pod: Obj, min_ready_seconds: int, now: datetime) -> bool:
    """podutil.IsPodAvailable: ready for more than minReadySeconds."""
    if not is_ready(pod):
        return False
    if min_ready_seconds <= 0:
        return True
    since = ready_since(pod)
    return since is not None and (now - since).total_seconds() > min_ready_seconds


_PHASE_ORDER = {"Pending": 0, "Unknown": 1, "Running": 2}


def pods_to_delete(
    pods: list[Obj], count: int, *, related: Iterable[Obj] = (), now: datetime
) -> list[Obj]:
    """getPodsToDelete: the `count` pods to lose first, ranked as controller.ActivePodsWithRanks:
    unscheduled, then pending, not ready, cheaper by pod-deletion-cost, on a node crowded with
    `related` pods (the owner's and its siblings'), ready for less time, restarted more, newer.
    Times compare in powers of two (LogarithmicScaleDown) with the uid as tie-break."""
    if count >= len(pods):
        return pods[:count]
    per_node: defaultdict[str, int] = defaultdict(int)
    for pod in related:
        if is_active(pod):
            per_node[pod.get("spec", {}).get("nodeName", "")] += 1
    return sorted(pods, key=lambda pod: _deletion_rank(pod, per_node, now))[:count]


def _deletion_rank(pod: Obj, per_node: dict[str, int], now: datetime) -> tuple[object, ...]:
    node = pod.get("spec", {}).get("nodeName", "")
    ready = is_ready(pod)
    statuses = pod.get("status", {})
    return (
        bool(node),
        _PHASE_ORDER.get(phase(pod), 0),
        ready,
        _deletion_cost(pod),
        -per_node.get(node, 0),
        _age_bucket(ready_since(pod), now) if ready else 0,
        -_max_restarts(statuses.get("containerStatuses")),
        -_max_restarts(statuses.get("initContainerStatuses")),
        _age_bucket(parse_time(pod["metadata"].get("creationTimestamp")), now),
        pod["metadata"].get("uid", ""),
    )


def _deletion_cost(pod: Obj) -> int:
    text = (pod["metadata"].get("annotations") or {}).get(DELETION_COST, "0")
    try:
        return int(text)
    except ValueError:
        return 0


def _age_bucket(moment: datetime | None, now: datetime) -> int:
    """floor(log2(age in ns)): pods of about the same age rank alike; younger ranks lower."""
    if moment is None:
        return -2  # no time at all sorts first, as afterOrZero does
    age_ns = (now - moment).total_seconds() * 1e9
    return int(math.log2(age_ns)) if age_ns > 0 else -1


def _max_restarts(statuses: list[Obj] | None) -> int:
    return max((int(s.get("restartCount") or 0) for s in statuses or []), default=0)
