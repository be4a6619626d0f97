"""The scheduler's view of the nodes, kept up to date incrementally.

Each node's allocatable resources are parsed when its status changes; the sums of what its pods
request, the host ports they hold and how many pods of each owner it runs change by one pod at
a time as pods are placed, bound or go away. A scheduling cycle therefore never looks at pods,
only at one `NodeInfo` per node.

A pod the scheduler has chosen a node for is *assumed* there at once, before its binding is
written, so that the next cycle already sees the node's resources as taken (kube-scheduler's
AssumePod); the informer later confirms it, or a failed binding forgets it.
"""

from __future__ import annotations

from minikube_py.resources import Obj
from minikube_py.scheduling.podinfo import (
    ALL_ADDRESSES,
    NO_EXECUTE,
    NO_SCHEDULE,
    PODS,
    PREFER_NO_SCHEDULE,
    HostPort,
    PodInfo,
    Resources,
    Taint,
    units,
)


class NodeInfo:
    """One node as the plugins see it: its properties and the sums over its pods."""

    __slots__ = (
        "_raw_allocatable",
        "allocatable",
        "allowed_pods",
        "labels",
        "name",
        "node",
        "nonzero_cpu",
        "nonzero_memory",
        "owners",
        "pods",
        "ports",
        "prefer_taints",
        "requested",
        "taints",
        "unschedulable",
    )

    def __init__(self, name: str) -> None:
        self.name = name
        self.node: Obj | None = None  # None while only its pods are known
        self.labels: dict[str, str] = {}
        self.taints: tuple[Taint, ...] = ()  # NoSchedule and NoExecute: filters
        self.prefer_taints: tuple[Taint, ...] = ()  # PreferNoSchedule: scores
        self.unschedulable = False
        self.allocatable = Resources()
        self.allowed_pods = 0
        self._raw_allocatable: Obj | None = None
        self.requested = Resources()
        self.nonzero_cpu = 0
        self.nonzero_memory = 0
        self.pods: dict[str, PodInfo] = {}  # uid -> pod
        self.ports: dict[tuple[str, int], dict[str, int]] = {}  # (protocol, port) -> ip -> users
        self.owners: dict[str, int] = {}  # controller uid -> pods here

    def set_node(self, node: Obj) -> bool:
        """Take the node's new state; True when that may change where pods fit."""
        spec, status = node.get("spec") or {}, node.get("status") or {}
        labels = node["metadata"].get("labels") or {}
        # Readiness is read from taints only, as kube-scheduler does: the node lifecycle
        # controller turns conditions into taints (TaintNodesByCondition).
        taints = [Taint.from_spec(t) for t in spec.get("taints") or ()]
        hard = tuple(t for t in taints if t.effect in (NO_SCHEDULE, NO_EXECUTE))
        prefer = tuple(t for t in taints if t.effect == PREFER_NO_SCHEDULE)
        unschedulable = bool(spec.get("unschedulable"))
        changed = (
            self.node is None
            or labels != self.labels
            or hard != self.taints
            or prefer != self.prefer_taints
            or unschedulable != self.unschedulable
        )
        raw_allocatable = status.get("allocatable") or {}
        if raw_allocatable != self._raw_allocatable:  # heartbeats leave it alone: skip parsing
            amounts = units(raw_allocatable)
            self.allowed_pods = amounts.pop(PODS, 0)
            self.allocatable = Resources.from_units(amounts)
            self._raw_allocatable = raw_allocatable
            changed = True
        self.node, self.labels, self.taints, self.prefer_taints = node, labels, hard, prefer
        self.unschedulable = unschedulable
        return changed

    def add_pod(self, pod: PodInfo) -> None:
        self.pods[pod.uid] = pod
        self._account(pod, 1)

    def remove_pod(self, pod: PodInfo) -> None:
        del self.pods[pod.uid]
        self._account(pod, -1)

    def _account(self, pod: PodInfo, sign: int) -> None:
        self.requested.add(pod.requests, sign)
        self.nonzero_cpu += sign * pod.nonzero_cpu
        self.nonzero_memory += sign * pod.nonzero_memory
        for port in pod.host_ports:
            users = self.ports.setdefault((port.protocol, port.port), {})
            _count(users, port.ip, sign)
            if not users:
                del self.ports[(port.protocol, port.port)]
        if pod.owner:
            _count(self.owners, pod.owner, sign)

    def port_conflict(self, port: HostPort) -> bool:
        """HostPortInfo.CheckConflict: 0.0.0.0 clashes with every address of the same port."""
        users = self.ports.get((port.protocol, port.port))
        if not users:
            return False
        return port.ip == ALL_ADDRESSES or ALL_ADDRESSES in users or port.ip in users


def _count(counts: dict[str, int], key: str, sign: int) -> None:
    remaining = counts.get(key, 0) + sign
    if remaining > 0:
        counts[key] = remaining
    else:
        counts.pop(key, None)


class Cache:
    """Every node's NodeInfo, and on which node each known pod is counted."""

    def __init__(self) -> None:
        self.nodes: dict[str, NodeInfo] = {}
        self._placed: dict[str, str] = {}  # pod uid -> node name
        self._assumed: set[str] = set()  # chosen by us, binding not yet seen
        self._schedulable: list[NodeInfo] | None = None  # nodes with a Node object, in order

    def set_node(self, node: Obj) -> bool:
        """Add or update a node; True when pods that did not fit may fit now."""
        name = node["metadata"]["name"]
        info = self.nodes.get(name)
        if info is None:
            info = self.nodes[name] = NodeInfo(name)
        if info.node is None:
            self._schedulable = None
        return info.set_node(node)

    def remove_node(self, name: str) -> None:
        info = self.nodes.get(name)
        if info is None:
            return
        info.node = None
        self._schedulable = None
        if not info.pods:
            del self.nodes[name]
        # Otherwise its pods stay counted: the node may come back before they are gone.

    def node_list(self) -> list[NodeInfo]:
        if self._schedulable is None:
            self._schedulable = [n for n in self.nodes.values() if n.node is not None]
        return self._schedulable

    def placed_on(self, uid: str) -> str | None:
        return self._placed.get(uid)

    def assume(self, pod: PodInfo, node_name: str) -> None:
        self.place(pod, node_name)
        self._assumed.add(pod.uid)

    def confirm(self, uid: str) -> None:
        """The informer saw the binding of a pod we assumed."""
        self._assumed.discard(uid)

    def forget(self, uid: str) -> None:
        """The binding failed: give the node's resources back, unless the pod was seen bound."""
        if uid in self._assumed:
            self.remove_pod(uid)

    def place(self, pod: PodInfo, node_name: str) -> None:
        """Count a bound pod on its node (moving it if it was counted elsewhere)."""
        self.remove_pod(pod.uid)
        info = self.nodes.get(node_name)
        if info is None:
            info = self.nodes[node_name] = NodeInfo(node_name)
        info.add_pod(pod)
        self._placed[pod.uid] = node_name

    def remove_pod(self, uid: str) -> bool:
        """Stop counting a pod; True if it was counted on a node."""
        self._assumed.discard(uid)
        node_name = self._placed.pop(uid, None)
        if node_name is None:
            return False
        info = self.nodes[node_name]
        info.remove_pod(info.pods[uid])
        if info.node is None and not info.pods:
            del self.nodes[node_name]
        return True
