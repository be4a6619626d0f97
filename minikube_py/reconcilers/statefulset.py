"""The StatefulSet controller (k8s `pkg/controller/statefulset`).

A StatefulSet owns pods with stable identities: `<set>-<ordinal>`, hostname = pod name,
subdomain = the governing Service, and one PersistentVolumeClaim per claim template and ordinal
(`<template>-<set>-<ordinal>`), created before the pod and kept when the pod goes (unless the
retention policy says Delete), so that a pod that comes back finds its data.

Each sync takes the steps `plan` computes from the cache. With OrderedReady (`monotonic`) that is
at most one step: create the lowest missing ordinal once all below it are Running and Ready,
remove the highest surplus ordinal once it is the only unhealthy one, then update (delete, so
that it comes back from the new template) the highest outdated ordinal at or above the
partition, one at a time, each after the previous is healthy again. Parallel creates and removes
all at once but still updates one at a time.

Templates are versioned as ControllerRevisions (`revisions.py`); pods carry the name of theirs
in `controller-revision-hash`, and the status names the `currentRevision` (what pods below the
partition run) and the `updateRevision` (the spec's template).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from minikube_py.apiserver.errors import ApiError
from minikube_py.client import Client, EventRecorder, delete_if_present, object_key
from minikube_py.controllers import Controller
from minikube_py.reconcilers import revisions
from minikube_py.reconcilers.podcontrol import (
    OwnedIndex,
    claim,
    controller_of,
    is_available,
    is_conflict,
    is_ready,
    is_terminal,
    phase,
    pod_from_template,
    selector_of,
    write_status,
)
from minikube_py.resources import Obj, Registry, clone

log = logging.getLogger(__name__)

KIND = "StatefulSet"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"
RETRY_SECONDS = 0.2


# ---- identities ------------------------------------------------------------------------------


def pod_name(set_name: str, ordinal: int) -> str:
    return f"{set_name}-{ordinal}"


def claim_name(template_name: str, set_name: str, ordinal: int) -> str:
    return f"{template_name}-{set_name}-{ordinal}"


def ordinal_of(set_name: str, name: str) -> int | None:
    """The ordinal in `<set>-<ordinal>`, or None for a name that is not one of the set's."""
    prefix, _, suffix = name.rpartition("-")
    if prefix != set_name or not suffix.isdigit() or (len(suffix) > 1 and suffix[0] == "0"):
        return None
    return int(suffix)


def start_ordinal(sts: Obj) -> int:
    return int((sts["spec"].get("ordinals") or {}).get("start") or 0)


def revision_of(pod: Obj) -> str:
    return str((pod["metadata"].get("labels") or {}).get(REVISION_LABEL, ""))


def terminating(pod: Obj) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def healthy(pod: Obj, min_ready_seconds: int, now: datetime) -> bool:
    """Running, Ready (for minReadySeconds) and not terminating: the next step may proceed."""
    return (
        phase(pod) == "Running"
        and not terminating(pod)
        and is_available(pod, min_ready_seconds, now)
    )


# ---- the plan: pure --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Create:
    ordinal: int


@dataclass(frozen=True, slots=True)
class Delete:
    pod: str
    reason: str  # "condemned" (scale down), "update" (outdated revision), "finished"


Step = Create | Delete


def plan(sts: Obj, pods: list[Obj], *, update_revision: str, now: datetime) -> list[Step]:
    """The next steps towards `sts`'s spec (updateStatefulSet's slow path)."""
    spec = sts["spec"]
    name = sts["metadata"]["name"]
    start, replicas = start_ordinal(sts), int(spec.get("replicas") or 0)
    monotonic = spec.get("podManagementPolicy") != "Parallel"
    min_ready = int(spec.get("minReadySeconds") or 0)
    slots: dict[int, Obj] = {}
    condemned: list[tuple[int, Obj]] = []
    for pod in pods:
        ordinal = ordinal_of(name, pod["metadata"]["name"])
        if ordinal is None:
            continue
        if start <= ordinal < start + replicas:
            slots[ordinal] = pod
        else:
            condemned.append((ordinal, pod))
    condemned.sort(key=lambda pair: pair[0], reverse=True)
    steps: list[Step] = []

    def is_healthy(pod: Obj) -> bool:
        return healthy(pod, min_ready, now)

    for ordinal in range(start, start + replicas):
        replica = slots.get(ordinal)
        if replica is None:
            steps.append(Create(ordinal))
        elif is_terminal(replica) and not terminating(replica):
            steps.append(Delete(replica["metadata"]["name"], "finished"))  # recreated once gone
        elif is_healthy(replica):
            continue
        if monotonic:
            return steps
    by_ordinal = [p for _, p in sorted(slots.items())] + [p for _, p in reversed(condemned)]
    first_unhealthy = next((p for p in by_ordinal if not is_healthy(p)), None)
    for _, pod in condemned:
        if terminating(pod):
            if monotonic:
                return steps
            continue
        if monotonic and first_unhealthy is not None and first_unhealthy is not pod:
            return steps
        steps.append(Delete(pod["metadata"]["name"], "condemned"))
        if monotonic:
            return steps
    return steps + _update_steps(sts, slots, update_revision, is_healthy)


def _update_steps(
    sts: Obj, slots: dict[int, Obj], update_revision: str, is_healthy: Callable[[Obj], bool]
) -> list[Step]:
    """RollingUpdate: the highest outdated ordinal at or above the partition, one at a time."""
    strategy = sts["spec"].get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return []  # OnDelete: pods take the new template when a user deletes them
    partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
    start, replicas = start_ordinal(sts), int(sts["spec"].get("replicas") or 0)
    for ordinal in range(start + replicas - 1, start + partition - 1, -1):
        pod = slots.get(ordinal)
        if pod is None:
            return []
        if revision_of(pod) != update_revision and not terminating(pod):
            return [Delete(pod["metadata"]["name"], "update")]
        if not is_healthy(pod):
            return []
    return []


def uses_current_revision(sts: Obj, ordinal: int) -> bool:
    """newVersionedStatefulSetPod: ordinals below the partition are (re)created from the current
    revision, the rest from the update revision."""
    strategy = sts["spec"].get("updateStrategy") or {}
    rolling = strategy.get("rollingUpdate")
    if strategy.get("type", "RollingUpdate") != "RollingUpdate" or rolling is None:
        return False
    return ordinal < start_ordinal(sts) + int(rolling.get("partition") or 0)


# ---- pods and claims -------------------------------------------------------------------------


def claims_for(sts: Obj, ordinal: int) -> list[Obj]:
    """The claims of one ordinal (getPersistentVolumeClaims): the templates, named and labelled
    with the set's selector."""
    match_labels = (sts["spec"].get("selector") or {}).get("matchLabels") or {}
    claims = []
    for template in sts["spec"].get("volumeClaimTemplates") or []:
        meta = template.get("metadata") or {}
        body: Obj = {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {
                "name": claim_name(meta["name"], sts["metadata"]["name"], ordinal),
                "namespace": sts["metadata"]["namespace"],
                "labels": {**(meta.get("labels") or {}), **match_labels},
            },
            "spec": clone(template.get("spec") or {}),
        }
        if meta.get("annotations"):
            body["metadata"]["annotations"] = dict(meta["annotations"])
        claims.append(body)
    return claims


def new_pod(sts: Obj, template: Obj, ordinal: int, revision_name: str) -> Obj:
    """newStatefulSetPod: identity (name, labels, hostname, subdomain) and storage."""
    name = pod_name(sts["metadata"]["name"], ordinal)
    pod = pod_from_template(template, sts, name=name)
    pod["metadata"]["labels"].update(
        {POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal), REVISION_LABEL: revision_name}
    )
    spec = pod["spec"]
    spec["hostname"] = name
    if sts["spec"].get("serviceName"):
        spec["subdomain"] = sts["spec"]["serviceName"]
    templates = [t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates") or []]
    claim_volumes = [
        {
            "name": template_name,
            "persistentVolumeClaim": {
                "claimName": claim_name(template_name, sts["metadata"]["name"], ordinal)
            },
        }
        for template_name in templates
    ]
    others = [v for v in spec.get("volumes") or [] if v.get("name") not in templates]
    if claim_volumes or others:
        spec["volumes"] = claim_volumes + others
    return pod


def claim_owner_refs(claim_obj: Obj, sts: Obj, pod: Obj | None, *, in_range: bool) -> list[Obj]:
    """updateClaimOwnerRefForSetAndPod: whenDeleted=Delete makes the set an owner of the claim,
    whenScaled=Delete makes the pod of a surplus ordinal one; the garbage collector does the
    rest. Retain (the default) leaves the claim unowned."""
    policy = sts["spec"].get("persistentVolumeClaimRetentionPolicy") or {}
    set_uid = sts["metadata"]["uid"]
    pod_uid = pod["metadata"].get("uid") if pod is not None else None
    refs = [
        r
        for r in claim_obj["metadata"].get("ownerReferences") or []
        if r.get("uid") not in (set_uid, pod_uid)
    ]
    scaled_away = not in_range and policy.get("whenScaled") == "Delete"
    if policy.get("whenDeleted") == "Delete" and not scaled_away:
        refs.append(_owner_ref(sts, "apps/v1", KIND))
    if scaled_away and pod is not None:
        refs.append(_owner_ref(pod, "v1", "Pod"))
    return refs


def _owner_ref(owner: Obj, api_version: str, kind: str) -> Obj:
    meta = owner["metadata"]
    return {"apiVersion": api_version, "kind": kind, "name": meta["name"], "uid": meta["uid"]}


# ---- status ----------------------------------------------------------------------------------


def compute_status(
    sts: Obj, pods: list[Obj], *, current: str, update: str, collision_count: int, now: datetime
) -> Obj:
    """The replica counts as the controller reports them (computeReplicaStatus), with the
    rollout completed once every pod runs the update revision and is ready."""
    min_ready = int(sts["spec"].get("minReadySeconds") or 0)
    counts = dict.fromkeys(
        ("replicas", "readyReplicas", "availableReplicas", "currentReplicas", "updatedReplicas"),
        0,
    )
    for pod in pods:
        if phase(pod):
            counts["replicas"] += 1
        if phase(pod) == "Running" and is_ready(pod):
            counts["readyReplicas"] += 1
            counts["availableReplicas"] += is_available(pod, min_ready, now)
        if phase(pod) and not terminating(pod):
            counts["currentReplicas"] += revision_of(pod) == current
            counts["updatedReplicas"] += revision_of(pod) == update
    strategy = (sts["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate")
    if (
        strategy == "RollingUpdate"
        and counts["updatedReplicas"] == counts["replicas"]
        and counts["readyReplicas"] == counts["replicas"]
    ):
        counts["currentReplicas"], current = counts["updatedReplicas"], update
    status: Obj = {
        "observedGeneration": sts["metadata"].get("generation", 1),
        "replicas": counts["replicas"],
        **{k: v for k, v in counts.items() if v and k not in ("replicas", "availableReplicas")},
        "currentRevision": current,
        "updateRevision": update,
        "collisionCount": collision_count,
        "availableReplicas": counts["availableReplicas"],
    }
    if sts.get("status", {}).get("conditions"):
        status["conditions"] = sts["status"]["conditions"]
    return status


# ---- the controller --------------------------------------------------------------------------


class StatefulSetController(Controller):
    """Keeps each StatefulSet's pods, claims and revisions as its spec says."""

    name = "statefulset-controller"
    workers = 2

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.sets_resource = self.resource("apps", "v1", "statefulsets")
        self.pods_resource = self.resource("", "v1", "pods")
        self.claims_resource = self.resource("", "v1", "persistentvolumeclaims")
        self.revisions_resource = self.resource("apps", "v1", "controllerrevisions")
        self.sets = self.watch(self.sets_resource)
        self.sets.add_handler(lambda event, obj, old: self.queue.add(object_key(obj)))
        pods = self.watch(self.pods_resource)
        self.pod_index = pods.index(OwnedIndex)
        pods.add_handler(self._on_owned)
        revisions_informer = self.watch(self.revisions_resource)
        self.revision_index = revisions_informer.index(OwnedIndex)
        revisions_informer.add_handler(self._on_owned)
        self.claims = self.watch(self.claims_resource)
        self.events = EventRecorder(client, self.resource("", "v1", "events"), self.name)

    def _on_owned(self, event: str, obj: Obj, old: Obj | None) -> None:
        """Enqueue the set that controls `obj`, or for an orphan every set that selects it."""
        namespace = obj["metadata"].get("namespace", "")
        for candidate in (obj, old):
            ref = controller_of(candidate) if candidate is not None else None
            if ref is not None and ref.get("kind") == KIND:
                self.queue.add(f"{namespace}/{ref['name']}")
        if controller_of(obj) is None and event != "DELETED":
            for sts in self.sets.list(namespace):
                if selector_of(sts).matches(obj["metadata"].get("labels")):
                    self.queue.add(object_key(sts))

    async def reconcile(self, key: str) -> None:
        sts = self.sets.get(key)
        if sts is None:
            return
        try:
            await self.sync(sts)
        except ApiError as exc:
            if not is_conflict(exc):
                raise
            self.queue.add_after(key, RETRY_SECONDS)  # our cache lags our own write: again soon

    async def sync(self, sts: Obj) -> None:
        pods = await claim(
            self.client, self.pods_resource, sts, self.pod_index, owner_resource=self.sets_resource
        )
        owned_revisions = await claim(
            self.client,
            self.revisions_resource,
            sts,
            self.revision_index,
            owner_resource=self.sets_resource,
        )
        update = await revisions.ensure_update_revision(
            self.client, self.revisions_resource, sts, owned_revisions, revisions.STATEFULSET
        )
        update_name = update.revision["metadata"]["name"]
        history = {r["metadata"]["name"]: r for r in [*owned_revisions, update.revision]}
        current = history.get(sts.get("status", {}).get("currentRevision", ""), update.revision)
        now = datetime.now(UTC)
        if not sts["metadata"].get("deletionTimestamp"):
            await self._fix_claims(sts, pods)
            for step in plan(sts, pods, update_revision=update_name, now=now):
                await self._take(sts, step, current=current, update=update.revision)
        status = compute_status(
            sts,
            pods,
            current=current["metadata"]["name"],
            update=update_name,
            collision_count=update.collision_count,
            now=now,
        )
        live = {status["currentRevision"], update_name, *(revision_of(p) for p in pods)}
        limit = int(sts["spec"].get("revisionHistoryLimit", 10))
        await revisions.truncate(
            self.client, self.revisions_resource, history.values(), live, limit
        )
        await write_status(self.client, self.sets_resource, sts, status)
        self._requeue_for_min_ready(sts, pods, now)

    def _requeue_for_min_ready(self, sts: Obj, pods: list[Obj], now: datetime) -> None:
        min_ready = int(sts["spec"].get("minReadySeconds") or 0)
        if min_ready and any(is_ready(p) and not is_available(p, min_ready, now) for p in pods):
            self.queue.add_after(object_key(sts), min_ready)

    async def _take(self, sts: Obj, step: Step, *, current: Obj, update: Obj) -> None:
        namespace, set_name = sts["metadata"]["namespace"], sts["metadata"]["name"]
        log.debug("STEP statefulset %s/%s: %s", namespace, set_name, step)
        if isinstance(step, Delete):
            if await delete_if_present(self.client, self.pods_resource, namespace, step.pod):
                await self.events.record(
                    sts,
                    "Normal",
                    "SuccessfulDelete",
                    f"delete Pod {step.pod} in StatefulSet {set_name} successful",
                )
            return
        revision = current if uses_current_revision(sts, step.ordinal) else update
        pod = new_pod(
            sts, revisions.template_of(revision), step.ordinal, revision["metadata"]["name"]
        )
        await self._create_claims(sts, step.ordinal, pod["metadata"]["name"])
        try:
            await self.client.create(self.pods_resource, namespace, pod)
        except ApiError as exc:
            if exc.reason == "AlreadyExists":
                return  # our cache had not seen it yet
            await self.events.record(
                sts,
                "Warning",
                "FailedCreate",
                f"create Pod {pod['metadata']['name']} in StatefulSet {set_name} failed "
                f"error: {exc}",
            )
            raise
        await self.events.record(
            sts,
            "Normal",
            "SuccessfulCreate",
            f"create Pod {pod['metadata']['name']} in StatefulSet {set_name} successful",
        )

    async def _create_claims(self, sts: Obj, ordinal: int, pod: str) -> None:
        """createPersistentVolumeClaims: each missing claim of the ordinal, before its pod."""
        namespace, set_name = sts["metadata"]["namespace"], sts["metadata"]["name"]
        for body in claims_for(sts, ordinal):
            name = body["metadata"]["name"]
            if self.claims.get(f"{namespace}/{name}") is not None:
                continue
            body["metadata"]["ownerReferences"] = claim_owner_refs(body, sts, None, in_range=True)
            try:
                await self.client.create(self.claims_resource, namespace, body)
            except ApiError as exc:
                if exc.reason == "AlreadyExists":
                    continue
                await self.events.record(
                    sts,
                    "Warning",
                    "FailedCreate",
                    f"create Claim {name} for Pod {pod} in StatefulSet {set_name} failed "
                    f"error: {exc}",
                )
                raise
            await self.events.record(
                sts,
                "Normal",
                "SuccessfulCreate",
                f"create Claim {name} Pod {pod} in StatefulSet {set_name} success",
            )

    async def _fix_claims(self, sts: Obj, pods: list[Obj]) -> None:
        """Keep the claims' owners as the retention policy says, before any pod is removed."""
        namespace, set_name = sts["metadata"]["namespace"], sts["metadata"]["name"]
        start, replicas = start_ordinal(sts), int(sts["spec"].get("replicas") or 0)
        for pod in pods:
            ordinal = ordinal_of(set_name, pod["metadata"]["name"])
            if ordinal is None:
                continue
            for body in claims_for(sts, ordinal):
                existing = self.claims.get(f"{namespace}/{body['metadata']['name']}")
                if existing is None or existing["metadata"].get("deletionTimestamp"):
                    continue
                in_range = start <= ordinal < start + replicas
                refs = claim_owner_refs(existing, sts, pod, in_range=in_range)
                if refs != (existing["metadata"].get("ownerReferences") or []):
                    updated = clone(existing)
                    updated["metadata"]["ownerReferences"] = refs
                    await self.client.update(self.claims_resource, namespace, updated)
