"""The node lifecycle controller: nodes that stop heartbeating are marked, tainted and emptied.

After k8s `pkg/controller/nodelifecycle/node_lifecycle_controller.go` and
`pkg/controller/tainteviction/taint_eviction.go`:

- Health. A node shows it is alive by renewing its Lease or updating its status; the
  controller notes, on its own clock, when it last saw either change. A node silent for longer
  than the grace period (`--node-monitor-grace-period`, 40 s; half as long again for a node
  that never reported) gets its kubelet's conditions set to Unknown, a NodeNotReady event, and
  its pods' Ready condition set to False, so that Services stop sending them traffic.
- Taints follow the conditions (TaintNodesByCondition): Ready=False → `not-ready`,
  Ready=Unknown → `unreachable`, each NoSchedule and NoExecute; pressure conditions and
  `spec.unschedulable` → their NoSchedule taints. A kubelet reporting Ready again lifts them.
- Eviction. A pod on a node with a NoExecute taint it does not tolerate is deleted at once; one
  that tolerates it for `tolerationSeconds` is deleted that long after the taint was added
  (admission gives every pod 300 s for `not-ready` and `unreachable`).

Work-queue keys are node names, and `namespace/name` for pods waiting for eviction.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import ClassVar

from minikube_py.aio import cancel
from minikube_py.apiserver.errors import ApiError
from minikube_py.client import Client, EventRecorder, object_key
from minikube_py.controllers import Controller
from minikube_py.kubelet.nodestatus import LEASE_NAMESPACE
from minikube_py.resources import Obj, Registry, clone
from minikube_py.runtime import format_time, parse_time
from minikube_py.scheduling.podinfo import tolerates

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
# (condition, status) -> taint key, as nodeConditionToTaintKeyStatusMap.
CONDITION_TAINTS = {
    ("Ready", "False"): NOT_READY,
    ("Ready", "Unknown"): UNREACHABLE,
    ("MemoryPressure", "True"): "node.kubernetes.io/memory-pressure",
    ("DiskPressure", "True"): "node.kubernetes.io/disk-pressure",
    ("PIDPressure", "True"): "node.kubernetes.io/pid-pressure",
    ("NetworkUnavailable", "True"): "node.kubernetes.io/network-unavailable",
}
MANAGED_TAINTS = frozenset({*CONDITION_TAINTS.values(), UNSCHEDULABLE})
EXECUTE_TAINTS = (NOT_READY, UNREACHABLE)  # also NoExecute: their pods are evicted
KUBELET_CONDITIONS = ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")
STARTUP_GRACE_FACTOR = 1.5  # nodeStartupGracePeriod (60 s) over nodeMonitorGracePeriod (40 s)
MAX_MONITOR_PERIOD = 5.0  # nodeMonitorPeriod


class NodeLifecycleController(Controller):
    name = "node-lifecycle-controller"
    workers = 4
    # How long a node may be silent; the server sets it from --node-monitor-grace-period.
    grace_period: ClassVar[float] = 40.0

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.node_resource = self.resource("", "v1", "nodes")
        self.pod_resource = self.resource("", "v1", "pods")
        self.nodes = self.watch(self.node_resource)
        leases = self.resource("coordination.k8s.io", "v1", "leases")
        self.leases = self.watch(leases, LEASE_NAMESPACE)
        self.pods = self.watch(self.pod_resource, field_selector="spec.nodeName!=")
        self.recorder = EventRecorder(client, self.resource("", "v1", "events"), "node-controller")
        self.nodes.add_handler(self._on_node)
        self.leases.add_handler(self._on_lease)
        self.pods.add_handler(self._on_pod)
        self._last_seen: dict[str, float] = {}  # node -> monotonic time of its last sign of life
        self._pods_on_node: dict[str, set[str]] = {}
        self._monitor: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await super().start()
        self._monitor = asyncio.create_task(self._monitor_health(), name=f"{self.name}-monitor")

    async def stop(self) -> None:
        await cancel(self._monitor)
        await super().stop()

    # ---- events ------------------------------------------------------------------------------

    def _on_node(self, event: str, node: Obj, old: Obj | None) -> None:
        name = node["metadata"]["name"]
        if event == "DELETED":
            self._last_seen.pop(name, None)
            return
        if old is None or _heartbeat(node) != _heartbeat(old):
            self._last_seen[name] = time.monotonic()
        self.queue.add(name)

    def _on_lease(self, event: str, lease: Obj, old: Obj | None) -> None:
        renewed = lease.get("spec", {}).get("renewTime")
        if event != "DELETED" and (old is None or renewed != old.get("spec", {}).get("renewTime")):
            self._last_seen[lease["metadata"]["name"]] = time.monotonic()

    def _on_pod(self, event: str, pod: Obj, old: Obj | None) -> None:
        key, node = object_key(pod), pod["spec"].get("nodeName", "")
        keys = self._pods_on_node.setdefault(node, set())
        if event == "DELETED":
            keys.discard(key)
            if not keys:
                del self._pods_on_node[node]
        else:
            keys.add(key)
            self.queue.add(key)  # it may have landed on a tainted node

    async def _monitor_health(self) -> None:
        """Look for nodes that went silent: silence makes no event of its own."""
        period = min(MAX_MONITOR_PERIOD, self.grace_period / 5)
        while True:
            await asyncio.sleep(period)
            for node in self.nodes.list():
                if self._silent_too_long(node) and _condition_status(node, "Ready") != "Unknown":
                    self.queue.add(node["metadata"]["name"])

    def _silent_too_long(self, node: Obj) -> bool:
        name = node["metadata"]["name"]
        last_seen = self._last_seen.setdefault(name, time.monotonic())
        grace = self.grace_period
        if _condition_status(node, "Ready") is None:
            grace *= STARTUP_GRACE_FACTOR
        return time.monotonic() - last_seen > grace

    # ---- reconcile ---------------------------------------------------------------------------

    async def reconcile(self, key: str) -> None:
        if "/" in key:
            await self._evict_if_due(key)
        else:
            await self._sync_node(key)

    async def _sync_node(self, name: str) -> None:
        node = self.nodes.get(name)
        if node is None:
            return
        if self._silent_too_long(node) and _condition_status(node, "Ready") != "Unknown":
            await self._mark_unknown(node)
            return  # the write comes back as an event, and the taints follow it
        taints = wanted_taints(node, time.time())
        if taints != (node.get("spec", {}).get("taints") or []):
            updated = clone(node)
            updated["spec"]["taints"] = taints
            if not taints:
                del updated["spec"]["taints"]
            await self._write(updated)
            return
        if any(t.get("effect") == "NoExecute" for t in taints):
            for key in self._pods_on_node.get(name, ()):
                self.queue.add(key)

    async def _mark_unknown(self, node: Obj) -> None:
        updated = clone(node)
        status = updated.setdefault("status", {})
        status["conditions"] = unknown_conditions(node, time.time())
        await self._write(updated, subresource="status")
        name = node["metadata"]["name"]
        message = f"Node {name} status is now: NodeNotReady"
        await self.recorder.record(node, "Normal", "NodeNotReady", message)
        for key in list(self._pods_on_node.get(name, ())):
            await self._mark_pod_not_ready(key)

    async def _mark_pod_not_ready(self, key: str) -> None:
        pod = self.pods.get(key)
        if pod is None or _condition_status(pod, "Ready") != "True":
            return
        updated = clone(pod)
        for condition in updated["status"]["conditions"]:
            if condition.get("type") == "Ready":
                condition["status"] = "False"
                condition["lastTransitionTime"] = format_time(time.time())
        await self._write(updated, subresource="status")
        await self.recorder.record(pod, "Warning", "NodeNotReady", "Node is not ready")

    async def _evict_if_due(self, key: str) -> None:
        pod = self.pods.get(key)
        if pod is None or pod["metadata"].get("deletionTimestamp"):
            return
        node = self.nodes.get(pod["spec"]["nodeName"])
        taints = (node or {}).get("spec", {}).get("taints") or []
        wait = eviction_delay(pod, taints, time.time())
        if wait is None:
            return
        if wait > 0:
            self.queue.add_after(key, wait)
            return
        meta = pod["metadata"]
        message = f"Marking for deletion Pod {key}"
        await self.recorder.record(pod, "Normal", "TaintManagerEviction", message)
        with contextlib.suppress(ApiError):  # gone already, or deleting: either is fine
            await self.client.delete(self.pod_resource, meta["namespace"], meta["name"])

    async def _write(self, obj: Obj, *, subresource: str = "") -> None:
        """Update with the cached resourceVersion; a conflict waits for the newer version."""
        resource = self.pod_resource if obj.get("kind") == "Pod" else self.node_resource
        namespace = obj["metadata"].get("namespace")
        try:
            await self.client.update(resource, namespace, obj, subresource=subresource)
        except ApiError as exc:
            if exc.reason not in ("Conflict", "NotFound"):
                raise


# ---- the pure part -----------------------------------------------------------------------------


def wanted_taints(node: Obj, now: float) -> list[Obj]:
    """The node's taints with the condition taints made to match its conditions; those it
    keeps keep their timeAdded."""
    current = node.get("spec", {}).get("taints") or []
    keys = {
        CONDITION_TAINTS[(c.get("type"), c.get("status"))]
        for c in (node.get("status") or {}).get("conditions") or []
        if (c.get("type"), c.get("status")) in CONDITION_TAINTS
    }
    if node.get("spec", {}).get("unschedulable"):
        keys.add(UNSCHEDULABLE)
    wanted = [(key, "NoSchedule") for key in sorted(keys)]
    wanted += [(key, "NoExecute") for key in sorted(keys) if key in EXECUTE_TAINTS]
    existing = {(t.get("key"), t.get("effect")): t for t in current}
    added = format_time(now)
    return [t for t in current if t.get("key") not in MANAGED_TAINTS] + [
        existing.get((key, effect)) or {"key": key, "effect": effect, "timeAdded": added}
        for key, effect in wanted
    ]


def unknown_conditions(node: Obj, now: float) -> list[Obj]:
    """The kubelet's conditions set to Unknown, as when the kubelet stopped posting (or never
    posted) its status; other conditions are kept."""
    stamp = format_time(now)
    conditions = [dict(c) for c in (node.get("status") or {}).get("conditions") or []]
    present = {c.get("type"): c for c in conditions}
    for kind in KUBELET_CONDITIONS:
        condition = present.get(kind)
        if condition is None:
            created = node["metadata"].get("creationTimestamp", stamp)
            condition = {"type": kind, "lastHeartbeatTime": created}
            conditions.append(condition)
            reason, message = "NodeStatusNeverUpdated", "Kubelet never posted node status."
        else:
            reason, message = "NodeStatusUnknown", "Kubelet stopped posting node status."
        condition.update(status="Unknown", reason=reason, message=message, lastTransitionTime=stamp)
    return conditions


def eviction_delay(pod: Obj, taints: list[Obj], now: float) -> float | None:
    """Seconds until the pod must go for the node's NoExecute taints: 0 for now, None for
    never (no such taint, or each is tolerated without a time limit)."""
    tolerations = pod.get("spec", {}).get("tolerations") or []
    deadlines: list[float] = []
    for taint in taints:
        if taint.get("effect") != "NoExecute":
            continue
        matching = [t for t in tolerations if tolerates(t, taint)]
        if not matching:
            return 0.0
        limits = [
            t["tolerationSeconds"] for t in matching if t.get("tolerationSeconds") is not None
        ]
        if limits:
            deadlines.append(parse_time(taint.get("timeAdded")) + max(min(limits), 0))
    if not deadlines:
        return None
    return max(min(deadlines) - now, 0.0)


def _condition(obj: Obj, kind: str) -> Obj:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind:
            return condition  # type: ignore[no-any-return]
    return {}


def _condition_status(obj: Obj, kind: str) -> str | None:
    return _condition(obj, kind).get("status")


def _heartbeat(node: Obj) -> str | None:
    return _condition(node, "Ready").get("lastHeartbeatTime")
