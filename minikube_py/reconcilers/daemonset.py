"""The DaemonSet controller (k8s `pkg/controller/daemon`).

A DaemonSet runs one pod on every node that its pod template fits: the node selector, the
required node affinity and the node's taints (with the tolerations every daemon pod gets, so
that a not-ready, unreachable, unschedulable or pressured node keeps its daemons). Each pod is
pinned to its node by a required node affinity on `metadata.name`, and the scheduler binds it,
as in real Kubernetes. A node that appears gets a pod; one that goes away, or stops fitting
(an untolerated NoSchedule taint keeps a running pod; NoExecute removes it), loses it.

Updates follow the template's ControllerRevision hash (`controller-revision-hash` on the pods):
RollingUpdate replaces at most `maxUnavailable` available pods at a time, or with `maxSurge`
starts the new pod beside the old one and removes the old one once the new one is available;
OnDelete waits for users to delete pods.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from minikube_py.apiserver.errors import ApiError
from minikube_py.client import Client, EventRecorder, object_key
from minikube_py.controllers import Controller
from minikube_py.reconcilers import revisions
from minikube_py.reconcilers.podcontrol import (
    Expectations,
    OwnedIndex,
    PodControl,
    claim,
    controller_of,
    is_available,
    is_conflict,
    is_ready,
    phase,
    selector_of,
    write_status,
)
from minikube_py.resources import Obj, Registry, clone
from minikube_py.scheduling.podinfo import node_selector_matches, tolerates

log = logging.getLogger(__name__)

KIND = "DaemonSet"
HASH_LABEL = revisions.DAEMONSET_HASH_LABEL
GENERATION_LABEL = "pod-template-generation"
GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"
RETRY_SECONDS = 0.2


def _toleration(key: str, effect: str) -> Obj:
    return {"key": f"node.kubernetes.io/{key}", "operator": "Exists", "effect": effect}


# AddOrUpdateDaemonPodTolerations: daemons survive the conditions that evict other pods.
DEFAULT_TOLERATIONS = (
    _toleration("not-ready", "NoExecute"),
    _toleration("unreachable", "NoExecute"),
    _toleration("disk-pressure", "NoSchedule"),
    _toleration("memory-pressure", "NoSchedule"),
    _toleration("pid-pressure", "NoSchedule"),
    _toleration("unschedulable", "NoSchedule"),
)
HOST_NETWORK_TOLERATION = _toleration("network-unavailable", "NoSchedule")


# ---- eligibility: pure -----------------------------------------------------------------------


def with_default_tolerations(pod_spec: Obj) -> list[Obj]:
    """The pod's tolerations plus the daemon defaults (replacing same key/effect/operator)."""
    defaults = list(DEFAULT_TOLERATIONS)
    if pod_spec.get("hostNetwork"):
        defaults.append(HOST_NETWORK_TOLERATION)
    tolerations = [dict(t) for t in pod_spec.get("tolerations") or []]
    for default in defaults:
        same = [
            i
            for i, t in enumerate(tolerations)
            if (t.get("key"), t.get("effect"), t.get("operator") or "Equal")
            == (default["key"], default["effect"], default["operator"])
        ]
        if same:
            tolerations[same[0]] = dict(default)
        else:
            tolerations.append(dict(default))
    return tolerations


def fits_selectors(pod_spec: Obj, node: Obj) -> bool:
    """The node selector and the required node affinity (nodeaffinity.GetRequiredNodeAffinity)."""
    labels = node["metadata"].get("labels") or {}
    if any(labels.get(k) != v for k, v in (pod_spec.get("nodeSelector") or {}).items()):
        return False
    affinity = (pod_spec.get("affinity") or {}).get("nodeAffinity") or {}
    required = affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if not required:
        return True
    return node_selector_matches(required, node)


def should_run(pod_spec: Obj, node: Obj) -> tuple[bool, bool]:
    """NodeShouldRunDaemonPod: (should a daemon pod run here, may a running one stay)."""
    node_name = pod_spec.get("nodeName")
    if (node_name and node_name != node["metadata"]["name"]) or not fits_selectors(pod_spec, node):
        return False, False
    tolerations = with_default_tolerations(pod_spec)
    untolerated = [
        taint
        for taint in node.get("spec", {}).get("taints") or []
        if taint.get("effect") in ("NoSchedule", "NoExecute")
        and not any(tolerates(t, taint) for t in tolerations)
    ]
    if untolerated:
        return False, all(t.get("effect") != "NoExecute" for t in untolerated)
    return True, True


def pinned_affinity(affinity: Obj | None, node_name: str) -> Obj:
    """ReplaceDaemonSetPodNodeNameNodeAffinity: the required terms become `metadata.name In
    [node]`; preferred terms and pod (anti-)affinity stay."""
    pinned = clone(affinity or {})
    node_affinity = pinned.setdefault("nodeAffinity", {})
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [term]}
    return pinned


def target_node(pod: Obj) -> str:
    """GetTargetNodeName: where the pod runs, or where its affinity pins it before binding."""
    spec = pod.get("spec", {})
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    for term in required.get("nodeSelectorTerms") or []:
        for requirement in term.get("matchFields") or []:
            values = requirement.get("values") or []
            if requirement.get("key") == "metadata.name" and len(values) == 1:
                return str(values[0])
    return ""


def template_generation(ds: Obj) -> str:
    return str((ds["metadata"].get("annotations") or {}).get(GENERATION_ANNOTATION, ""))


def is_updated(pod: Obj, hash_: str, generation: str) -> bool:
    """util.IsPodUpdated: the revision hash or the template generation matches."""
    labels = pod["metadata"].get("labels") or {}
    return bool(hash_ and labels.get(HASH_LABEL) == hash_) or bool(
        generation and labels.get(GENERATION_LABEL) == generation
    )


def node_template(ds: Obj, node_name: str, *, hash_: str) -> Obj:
    """The pod template for one node (CreatePodTemplate): labelled with its revision, pinned
    to the node, with the daemon tolerations."""
    template = clone(ds["spec"]["template"])
    labels = template.setdefault("metadata", {}).setdefault("labels", {})
    labels[HASH_LABEL] = hash_
    if generation := template_generation(ds):
        labels[GENERATION_LABEL] = generation
    spec = template.setdefault("spec", {})
    spec["affinity"] = pinned_affinity(spec.get("affinity"), node_name)
    spec["tolerations"] = with_default_tolerations(spec)
    return template


# ---- the plan: pure --------------------------------------------------------------------------


@dataclass(slots=True)
class Plan:
    """Pods to create (by node) and to delete (by name), one sync's worth."""

    create: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    failed: list[Obj] = field(default_factory=list)  # deleted too; reported as FailedDaemonPod

    def __bool__(self) -> bool:
        return bool(self.create or self.delete or self.failed)


def by_age(pods: Iterable[Obj]) -> list[Obj]:
    return sorted(
        pods,
        key=lambda p: (str(p["metadata"].get("creationTimestamp") or ""), p["metadata"]["name"]),
    )


def pods_by_node(pods: Iterable[Obj]) -> dict[str, list[Obj]]:
    """Live daemon pods per target node (terminal pods that are being deleted do not count)."""
    grouped: defaultdict[str, list[Obj]] = defaultdict(list)
    for pod in pods:
        if pod["metadata"].get("deletionTimestamp") and phase(pod) in ("Succeeded", "Failed"):
            continue
        grouped[target_node(pod)].append(pod)
    return dict(grouped)


def manage(pod_spec: Obj, nodes: list[Obj], grouped: dict[str, list[Obj]]) -> Plan:
    """podsShouldBeOnNode over every node: create where missing, remove where not wanted,
    replace failed pods, keep only the oldest where there are several."""
    plan = Plan()
    known = set()
    for node in nodes:
        name = node["metadata"]["name"]
        known.add(name)
        run, keep = should_run(pod_spec, node)
        pods = [p for p in grouped.get(name, []) if not p["metadata"].get("deletionTimestamp")]
        if run and not pods:
            plan.create.append(name)
        elif keep:
            plan.failed.extend(p for p in pods if phase(p) == "Failed")
            running = by_age(p for p in pods if phase(p) != "Failed")
            plan.delete.extend(p["metadata"]["name"] for p in running[1:])
        else:
            plan.delete.extend(p["metadata"]["name"] for p in pods)
    for name, pods in grouped.items():  # nodes that went away (PodGC's work in Kubernetes)
        if name and name not in known:
            live = (p for p in pods if not p["metadata"].get("deletionTimestamp"))
            plan.delete.extend(p["metadata"]["name"] for p in live)
    return plan


def scaled(value: int | str | None, total: int, default: int | str) -> int:
    """intstr.GetScaledValueFromIntOrPercent, rounding up."""
    value = default if value is None else value
    if isinstance(value, int):
        return value
    return math.ceil(int(str(value).rstrip("%")) * total / 100)


@dataclass(frozen=True, slots=True)
class NodePods:
    """One node's daemon pods, split by revision (findUpdatedPodsOnNode)."""

    new: Obj | None
    old: Obj | None
    ok: bool  # False: more than one pod of a kind, which manage() resolves first


def split(pods: list[Obj], hash_: str, generation: str) -> NodePods:
    live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    new = [p for p in live if is_updated(p, hash_, generation)]
    old = [p for p in live if not is_updated(p, hash_, generation)]
    if len(new) > 1 or len(old) > 1:
        return NodePods(None, None, ok=False)
    return NodePods(new[0] if new else None, old[0] if old else None, ok=True)


@dataclass(frozen=True, slots=True)
class Rollout:
    """What one rolling-update pass sees: per node its pods and whether a daemon should run."""

    hash: str
    generation: str
    min_ready_seconds: int
    now: datetime

    def available(self, pod: Obj | None) -> bool:
        return pod is not None and is_available(pod, self.min_ready_seconds, self.now)


def rolling_update(
    ds: Obj, nodes: list[Obj], grouped: dict[str, list[Obj]], rollout: Rollout
) -> Plan:
    """The rollingUpdate step: which old pods to delete and, with surge, where to start new ones."""
    rolling = (ds["spec"].get("updateStrategy") or {}).get("rollingUpdate") or {}
    runnable = {
        n["metadata"]["name"]: should_run(ds["spec"]["template"].get("spec") or {}, n)[0]
        for n in nodes
    }
    desired = sum(runnable.values())
    max_surge = scaled(rolling.get("maxSurge"), desired, 0)
    max_unavailable = scaled(rolling.get("maxUnavailable"), desired, 1)
    if max_surge == 0 and max_unavailable == 0:
        max_unavailable = 1
    if max_surge == 0:
        return _replace_in_place(grouped, rollout, max_unavailable)
    return _surge(grouped, runnable, rollout, max_surge, desired)


def _replace_in_place(
    grouped: dict[str, list[Obj]], rollout: Rollout, max_unavailable: int
) -> Plan:
    """Without surge: replace unavailable old pods at once, and available ones while fewer
    than maxUnavailable pods are unavailable."""
    unavailable, replace_now, candidates = 0, [], []
    for _, pods in sorted(grouped.items()):
        node = split(pods, rollout.hash, rollout.generation)
        if not node.ok or (node.old is None) == (node.new is None):
            unavailable += 1  # manage() creates or cleans up here first
        elif node.new is not None:
            unavailable += not rollout.available(node.new)
        elif node.old is not None and not rollout.available(node.old):
            replace_now.append(node.old["metadata"]["name"])  # costs no availability
        elif node.old is not None and unavailable < max_unavailable:
            candidates.append(node.old["metadata"]["name"])
    return Plan(delete=replace_now + candidates[: max(max_unavailable - unavailable, 0)])


def _surge(
    grouped: dict[str, list[Obj]],
    runnable: dict[str, bool],
    rollout: Rollout,
    max_surge: int,
    desired: int,
) -> Plan:
    plan = Plan()
    surging, available, candidates, not_wanted = 0, 0, [], []
    for name, pods in sorted(grouped.items()):
        node = split(pods, rollout.hash, rollout.generation)
        if not node.ok:
            surging += 1
            continue
        available += rollout.available(node.old if node.old is not None else node.new)
        if not runnable.get(name, False):
            if node.old is not None:
                not_wanted.append(node.old["metadata"]["name"])
        elif node.old is None:
            continue
        elif node.new is None:
            if rollout.available(node.old):
                candidates.append(name)
            else:
                plan.create.append(name)  # the old pod serves nothing: no need to wait
        elif not rollout.available(node.new):
            surging += 1
        else:
            plan.delete.append(node.old["metadata"]["name"])  # the new one took over
    plan.create.extend(candidates[: max(max_surge - surging, 0)])
    plan.delete.extend(not_wanted[: max(available - desired, 0)])
    return plan


# ---- status ----------------------------------------------------------------------------------


def compute_status(
    ds: Obj, nodes: list[Obj], grouped: dict[str, list[Obj]], rollout: Rollout, collisions: int
) -> Obj:
    """updateDaemonSetStatus: counts over the nodes, judging each by its oldest pod."""
    pod_spec = ds["spec"]["template"].get("spec") or {}
    counts = dict.fromkeys(
        ("desired", "current", "misscheduled", "ready", "available", "updated"), 0
    )
    for node in nodes:
        pods = by_age(grouped.get(node["metadata"]["name"], []))
        if not should_run(pod_spec, node)[0]:
            counts["misscheduled"] += bool(pods)
            continue
        counts["desired"] += 1
        if not pods:
            continue
        counts["current"] += 1
        oldest = pods[0]
        counts["ready"] += is_ready(oldest)
        counts["available"] += is_ready(oldest) and rollout.available(oldest)
        counts["updated"] += is_updated(oldest, rollout.hash, rollout.generation)
    status: Obj = {
        "currentNumberScheduled": counts["current"],
        "numberMisscheduled": counts["misscheduled"],
        "desiredNumberScheduled": counts["desired"],
        "numberReady": counts["ready"],
        "observedGeneration": ds["metadata"].get("generation", 1),
    }
    optional = {
        "updatedNumberScheduled": counts["updated"],
        "numberAvailable": counts["available"],
        "numberUnavailable": counts["desired"] - counts["available"],
        "collisionCount": collisions,
    }
    status.update({k: v for k, v in optional.items() if v})
    if ds.get("status", {}).get("conditions"):
        status["conditions"] = ds["status"]["conditions"]
    return status


# ---- the controller --------------------------------------------------------------------------


class DaemonSetController(Controller):
    """Keeps one pod of each DaemonSet on every node that fits it."""

    name = "daemonset-controller"
    workers = 2

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.sets_resource = self.resource("apps", "v1", "daemonsets")
        self.pods_resource = self.resource("", "v1", "pods")
        self.revisions_resource = self.resource("apps", "v1", "controllerrevisions")
        self.sets = self.watch(self.sets_resource)
        self.sets.add_handler(self._on_set)
        self.nodes = self.watch(self.resource("", "v1", "nodes"))
        self.nodes.add_handler(self._on_node)
        pods = self.watch(self.pods_resource)
        self.pod_index = pods.index(OwnedIndex)
        pods.add_handler(self._on_pod)
        history = self.watch(self.revisions_resource)
        self.revision_index = history.index(OwnedIndex)
        history.add_handler(self._on_revision)
        self.expectations = Expectations()
        self.events = EventRecorder(client, self.resource("", "v1", "events"), self.name)
        self.pod_control = PodControl(client, self.pods_resource, self.events)

    def _on_set(self, event: str, obj: Obj, old: Obj | None) -> None:
        if event == "DELETED":
            self.expectations.forget(object_key(obj))
        self.queue.add(object_key(obj))

    def _on_node(self, event: str, obj: Obj, old: Obj | None) -> None:
        if (
            event == "MODIFIED"
            and old is not None
            and all(
                (old.get(part) or {}).get(item) == (obj.get(part) or {}).get(item)
                for part, item in (
                    ("metadata", "labels"),
                    ("spec", "taints"),
                    ("spec", "unschedulable"),
                )
            )
        ):
            return  # a heartbeat: nothing eligibility looks at changed
        for ds in self.sets.list():
            self.queue.add(object_key(ds))

    def _on_pod(self, event: str, obj: Obj, old: Obj | None) -> None:
        ref = controller_of(obj)
        namespace = obj["metadata"].get("namespace", "")
        if ref is not None and ref.get("kind") == KIND:
            key = f"{namespace}/{ref['name']}"
            if event == "ADDED":
                self.expectations.creation_observed(key)
            if event == "DELETED" or obj["metadata"].get("deletionTimestamp"):
                self.expectations.deletion_observed(key, object_key(obj))
            self.queue.add(key)
        elif ref is None and event != "DELETED":
            for ds in self.sets.list(namespace):
                if selector_of(ds).matches(obj["metadata"].get("labels")):
                    self.queue.add(object_key(ds))
        old_ref = controller_of(old) if old is not None else None
        if old_ref is not None and old_ref.get("kind") == KIND and old_ref != ref:
            self.queue.add(f"{namespace}/{old_ref['name']}")  # released: the old owner resyncs

    def _on_revision(self, event: str, obj: Obj, old: Obj | None) -> None:
        ref = controller_of(obj)
        if ref is not None and ref.get("kind") == KIND:
            self.queue.add(f"{obj['metadata']['namespace']}/{ref['name']}")

    async def reconcile(self, key: str) -> None:
        ds = self.sets.get(key)
        if ds is None:
            return
        try:
            await self.sync(ds)
        except ApiError as exc:
            if not is_conflict(exc):
                raise
            self.queue.add_after(key, RETRY_SECONDS)

    async def sync(self, ds: Obj) -> None:
        key = object_key(ds)
        pods = await claim(
            self.client, self.pods_resource, ds, self.pod_index, owner_resource=self.sets_resource
        )
        owned = await claim(
            self.client,
            self.revisions_resource,
            ds,
            self.revision_index,
            owner_resource=self.sets_resource,
        )
        update = await revisions.ensure_update_revision(
            self.client, self.revisions_resource, ds, owned, revisions.DAEMONSET
        )
        rollout = Rollout(
            hash=str(update.revision["metadata"]["labels"][HASH_LABEL]),
            generation=template_generation(ds),
            min_ready_seconds=int(ds["spec"].get("minReadySeconds") or 0),
            now=datetime.now(UTC),
        )
        nodes = self.nodes.list()
        grouped = pods_by_node(pods)
        if not ds["metadata"].get("deletionTimestamp") and self.expectations.satisfied(key):
            plan = manage(ds["spec"]["template"].get("spec") or {}, nodes, grouped)
            strategy = (ds["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate")
            if not plan and strategy == "RollingUpdate":
                plan = rolling_update(ds, nodes, grouped, rollout)
            await self._carry_out(ds, plan, rollout.hash)
        live = {update.revision["metadata"]["name"]}
        hashes = {str((p["metadata"].get("labels") or {}).get(HASH_LABEL, "")) for p in pods}
        history = [*owned, update.revision]
        live |= {
            r["metadata"]["name"]
            for r in history
            if (r["metadata"].get("labels") or {}).get(HASH_LABEL) in hashes
        }
        limit = int(ds["spec"].get("revisionHistoryLimit", 10))
        await revisions.truncate(self.client, self.revisions_resource, history, live, limit)
        status = compute_status(ds, nodes, grouped, rollout, update.collision_count)
        await write_status(self.client, self.sets_resource, ds, status)
        if rollout.min_ready_seconds and status.get("numberUnavailable"):
            self.queue.add_after(key, rollout.min_ready_seconds)

    async def _carry_out(self, ds: Obj, plan: Plan, hash_: str) -> None:
        """syncNodes: deletions, or else creations, each expected before it is made (one kind
        per sync, so that the expectations say which events are still to come)."""
        key, namespace = object_key(ds), ds["metadata"]["namespace"]
        for pod in plan.failed:
            await self.events.record(
                ds,
                "Warning",
                "FailedDaemonPod",
                f"Found failed daemon pod {namespace}/{pod['metadata']['name']} on node "
                f"{target_node(pod)}, will try to kill it",
            )
        doomed = set(plan.delete) | {p["metadata"]["name"] for p in plan.failed}
        log.debug("SYNC daemonset %s: create on %s, delete %s", key, plan.create, doomed)
        if doomed:
            self.expectations.expect_deletions(key, {f"{namespace}/{name}" for name in doomed})
            for name in sorted(doomed):
                pod = {"metadata": {"name": name, "namespace": namespace}}
                if not await self.pod_control.delete(ds, pod):
                    self.expectations.deletion_observed(key, f"{namespace}/{name}")
            return
        self.expectations.expect_creations(key, len(plan.create))
        for node_name in plan.create:
            try:
                await self.pod_control.create(ds, node_template(ds, node_name, hash_=hash_))
            except ApiError:
                self.expectations.creation_observed(key)  # the informer will never see it
                raise
