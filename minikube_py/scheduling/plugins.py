"""The filter and score plugins of the default profile, one class each, in kube-scheduler's order.

A filter's `pre_filter(pod)` runs once per pod and returns the filter to run on the candidate
nodes (a closure over what it parsed from the pod), a `Rejection` of the pod on every node, or
None when the plugin has nothing to check for this pod (PreFilter's Skip). The filter splits the
nodes it is given into those that pass, in order, and one `Rejection` per node that does not;
the framework hands each filter only the nodes the previous ones passed, so every node is
rejected by its first failing plugin, as in kube-scheduler. Filters look at whole lists so that
the common case is one comprehension per plugin rather than a call per node and plugin.

A score plugin returns each feasible node's score normalised to 0-100, or None when it cannot
tell the nodes apart (then it costs nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from minikube_py.resources import Obj
from minikube_py.scheduling import MOST_ALLOCATED
from minikube_py.scheduling.cache import NodeInfo
from minikube_py.scheduling.podinfo import (
    NO_SCHEDULE,
    PREFER_NO_SCHEDULE,
    NodeSelector,
    PodInfo,
    Resources,
    Taint,
    tolerated,
)

SELECTED_NODE = "volume.kubernetes.io/selected-node"  # read by the volume provisioners
WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer"


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a pod does not fit a node; `resolvable` when evicting pods could make room."""

    reasons: tuple[str, ...]
    resolvable: bool = False


NodeFilter = Callable[[list[NodeInfo]], tuple[list[NodeInfo], list[Rejection]]]


class FilterPlugin(Protocol):
    name: str

    def pre_filter(self, pod: PodInfo) -> NodeFilter | Rejection | None: ...


class ScorePlugin(Protocol):
    name: str
    weight: int  # the default profile's weight

    def score(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> list[float] | None: ...


def _split(
    nodes: list[NodeInfo], passed: list[NodeInfo], reject: Callable[[NodeInfo], Rejection]
) -> tuple[list[NodeInfo], list[Rejection]]:
    """(passed, a rejection for each node of `nodes` not in `passed`)."""
    if len(passed) == len(nodes):
        return passed, []
    kept = set(passed)
    return passed, [reject(node) for node in nodes if node not in kept]


# ---- filters ---------------------------------------------------------------------------------


class NodeUnschedulable:
    """A cordoned node (spec.unschedulable) takes only pods that tolerate being cordoned."""

    name = "NodeUnschedulable"
    REJECTION = Rejection(("node(s) were unschedulable",))
    TAINT = Taint("node.kubernetes.io/unschedulable", "", NO_SCHEDULE)

    def pre_filter(self, pod: PodInfo) -> NodeFilter | None:
        if tolerated(self.TAINT, pod.tolerations):
            return None
        return self._filter

    def _filter(self, nodes: list[NodeInfo]) -> tuple[list[NodeInfo], list[Rejection]]:
        passed = [node for node in nodes if not node.unschedulable]
        return _split(nodes, passed, lambda _: self.REJECTION)


class TaintToleration:
    """Every NoSchedule and NoExecute taint of the node must be tolerated; the first that is
    not is named."""

    name = "TaintToleration"

    def pre_filter(self, pod: PodInfo) -> NodeFilter:
        tolerations = pod.tolerations

        def untolerated(node: NodeInfo) -> Taint | None:
            return next((t for t in node.taints if not tolerated(t, tolerations)), None)

        def reject(node: NodeInfo) -> Rejection:
            taint = untolerated(node)
            assert taint is not None
            return Rejection((f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}",))

        def filter_nodes(nodes: list[NodeInfo]) -> tuple[list[NodeInfo], list[Rejection]]:
            passed = [n for n in nodes if not n.taints or untolerated(n) is None]
            return _split(nodes, passed, reject)

        return filter_nodes


class NodeAffinity:
    """spec.nodeSelector and the required node affinity."""

    name = "NodeAffinity"
    REJECTION = Rejection(("node(s) didn't match Pod's node affinity/selector",))

    def pre_filter(self, pod: PodInfo) -> NodeFilter | None:
        required = pod.required
        if required is None:
            return None

        def filter_nodes(nodes: list[NodeInfo]) -> tuple[list[NodeInfo], list[Rejection]]:
            passed = [n for n in nodes if required.matches(n.name, n.labels)]
            return _split(nodes, passed, lambda _: self.REJECTION)

        return filter_nodes


class NodePorts:
    """The host ports the pod asks for must be free on the node."""

    name = "NodePorts"
    REJECTION = Rejection(("node(s) didn't have free ports for the requested pod ports",), True)

    def pre_filter(self, pod: PodInfo) -> NodeFilter | None:
        ports = pod.host_ports
        if not ports:
            return None

        def filter_nodes(nodes: list[NodeInfo]) -> tuple[list[NodeInfo], list[Rejection]]:
            passed = [n for n in nodes if not n.ports or not any(n.port_conflict(p) for p in ports)]
            return _split(nodes, passed, lambda _: self.REJECTION)

        return filter_nodes


class NodeResourcesFit:
    """Requests must fit in allocatable minus what the node's pods request (fitsRequest)."""

    name = "NodeResourcesFit"

    def pre_filter(self, pod: PodInfo) -> NodeFilter:
        wanted = pod.requests
        cpu, memory, storage = wanted.cpu, wanted.memory, wanted.ephemeral_storage
        scalars = [(name, amount) for name, amount in sorted(wanted.scalars.items()) if amount]

        def filter_nodes(nodes: list[NodeInfo]) -> tuple[list[NodeInfo], list[Rejection]]:
            passed = [
                n
                for n in nodes
                if len(n.pods) < n.allowed_pods
                and (not cpu or cpu <= n.allocatable.cpu - n.requested.cpu)
                and (not memory or memory <= n.allocatable.memory - n.requested.memory)
                and (
                    not storage
                    or storage <= n.allocatable.ephemeral_storage - n.requested.ephemeral_storage
                )
                and (not scalars or not _short_scalars(n, scalars))
            ]
            return _split(nodes, passed, lambda n: Rejection(_insufficient(n, wanted), True))

        return filter_nodes


def _short_scalars(node: NodeInfo, wanted: list[tuple[str, int]]) -> list[str]:
    free, used = node.allocatable.scalars, node.requested.scalars
    return [name for name, amount in wanted if amount > free.get(name, 0) - used.get(name, 0)]


def _insufficient(node: NodeInfo, wanted: Resources) -> tuple[str, ...]:
    free, used = node.allocatable, node.requested
    reasons = []
    if len(node.pods) + 1 > node.allowed_pods:
        reasons.append("Too many pods")
    if wanted.cpu > 0 and wanted.cpu > free.cpu - used.cpu:
        reasons.append("Insufficient cpu")
    if wanted.memory > 0 and wanted.memory > free.memory - used.memory:
        reasons.append("Insufficient memory")
    if wanted.ephemeral_storage > 0 and (
        wanted.ephemeral_storage > free.ephemeral_storage - used.ephemeral_storage
    ):
        reasons.append("Insufficient ephemeral-storage")
    scalars = sorted((name, amount) for name, amount in wanted.scalars.items() if amount > 0)
    reasons += [f"Insufficient {name}" for name in _short_scalars(node, scalars)]
    return tuple(reasons)


class Volumes(Protocol):
    """The claims, volumes and classes the scheduler's informers hold."""

    def claim(self, namespace: str, name: str) -> Obj | None: ...

    def volume(self, name: str) -> Obj | None: ...

    def storage_class(self, name: str) -> Obj | None: ...


class VolumeBinding:
    """A pod's bound claims pin it to where their volumes are (the volumes' node affinity);
    unbound claims of WaitForFirstConsumer classes follow the pod and are provisioned on the
    node it is bound to; other unbound claims keep it waiting."""

    name = "VolumeBinding"
    CONFLICT = Rejection(("node(s) had volume node affinity conflict",))
    UNBOUND_IMMEDIATE = Rejection(("pod has unbound immediate PersistentVolumeClaims",))

    def __init__(self, volumes: Volumes) -> None:
        self.volumes = volumes

    def pre_filter(self, pod: PodInfo) -> NodeFilter | Rejection | None:
        if not pod.claims:
            return None
        pinned: list[NodeSelector] = []
        for name in pod.claims:
            claim = self.volumes.claim(pod.namespace, name)
            if claim is None:
                return Rejection((_missing_claim(name, pod),))
            if (problem := _claim_problem(claim, name)) is not None:
                return Rejection((problem,))
            volume_name = (claim.get("spec") or {}).get("volumeName")
            if not volume_name:
                if not self._delayed(claim):
                    return self.UNBOUND_IMMEDIATE
                continue
            volume = self.volumes.volume(volume_name)
            if volume is None:
                return Rejection((f'persistentvolume "{volume_name}" not found',))
            affinity = (volume.get("spec") or {}).get("nodeAffinity") or {}
            if (selector := NodeSelector.from_spec(affinity.get("required"))) is not None:
                pinned.append(selector)
        if not pinned:
            return None

        def filter_nodes(nodes: list[NodeInfo]) -> tuple[list[NodeInfo], list[Rejection]]:
            passed = [n for n in nodes if all(s.matches(n.name, n.labels) for s in pinned)]
            return _split(nodes, passed, lambda _: self.CONFLICT)

        return filter_nodes

    def claims_to_provision(self, pod: PodInfo, node_name: str) -> list[Obj]:
        """PreBind: the unbound delayed claims that do not name the chosen node yet."""
        claims = [self.volumes.claim(pod.namespace, name) for name in pod.claims]
        return [
            claim
            for claim in claims
            if claim is not None
            and not (claim.get("spec") or {}).get("volumeName")
            and self._delayed(claim)
            and (claim["metadata"].get("annotations") or {}).get(SELECTED_NODE) != node_name
        ]

    def _delayed(self, claim: Obj) -> bool:
        class_name = (claim.get("spec") or {}).get("storageClassName")
        storage_class = self.volumes.storage_class(class_name) if class_name else None
        return (storage_class or {}).get("volumeBindingMode") == WAIT_FOR_FIRST_CONSUMER


def _missing_claim(name: str, pod: PodInfo) -> str:
    if name in pod.ephemeral_claims:  # normal right after the pod was created
        return (
            f'waiting for ephemeral volume controller to create the persistentvolumeclaim "{name}"'
        )
    return f'persistentvolumeclaim "{name}" not found'


def _claim_problem(claim: Obj, name: str) -> str | None:
    """podHasPVCs: why a claim the pod mounts keeps it from being scheduled, if it does."""
    if (claim.get("status") or {}).get("phase") == "Lost":
        volume = (claim.get("spec") or {}).get("volumeName", "")
        return f'persistentvolumeclaim "{name}" bound to non-existent persistentvolume "{volume}"'
    if claim["metadata"].get("deletionTimestamp"):
        return f'persistentvolumeclaim "{name}" is being deleted'
    return None


# ---- scores ----------------------------------------------------------------------------------


class ResourceAllocation:
    """NodeResourcesFit's score: how full the node's CPU and memory would be with the pod
    (MostAllocated, bin-packing) or how empty (LeastAllocated), weighted equally.

    Requests count with defaults for containers that set none, and the ratio is kept as a
    fraction instead of kube-scheduler's integer percent, so that pods far smaller than 1% of a
    node still pack."""

    name = "NodeResourcesFit"
    weight = 1

    def __init__(self, strategy: str) -> None:
        self._node_score = _most_allocated if strategy == MOST_ALLOCATED else _least_allocated

    def score(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> list[float]:
        node_score, cpu, memory = self._node_score, pod.nonzero_cpu, pod.nonzero_memory
        return [node_score(node, cpu, memory) for node in nodes]


def _most_allocated(node: NodeInfo, cpu: int, memory: int) -> float:
    """The mean over CPU and memory of requested/allocatable (capped at 1), as a percentage;
    a resource the node does not report is left out."""
    return _mean_percent(
        _filled(node.nonzero_cpu + cpu, node.allocatable.cpu),
        _filled(node.nonzero_memory + memory, node.allocatable.memory),
    )


def _least_allocated(node: NodeInfo, cpu: int, memory: int) -> float:
    """The mean of the fractions left free (0 where the pod would overcommit), as a percentage."""
    cpu_filled = _filled(node.nonzero_cpu + cpu, node.allocatable.cpu)
    memory_filled = _filled(node.nonzero_memory + memory, node.allocatable.memory)
    return _mean_percent(
        None if cpu_filled is None else 1.0 - cpu_filled,
        None if memory_filled is None else 1.0 - memory_filled,
    )


def _filled(requested: int, allocatable: int) -> float | None:
    """requested/allocatable capped at 1; None when the node reports none of the resource."""
    if not allocatable:
        return None
    return 1.0 if requested >= allocatable else requested / allocatable


def _mean_percent(cpu: float | None, memory: float | None) -> float:
    if cpu is None or memory is None:
        known = cpu if memory is None else memory
        return 0.0 if known is None else 100.0 * known
    return 50.0 * (cpu + memory)


class NodeAffinityScore:
    """The weights of the preferred node affinity terms a node matches."""

    name = "NodeAffinity"
    weight = 2

    def score(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> list[float] | None:
        if not pod.preferred:
            return None
        raw = [
            sum(w for w, term in pod.preferred if term.matches(node.name, node.labels))
            for node in nodes
        ]
        return _normalized(raw, reverse=False)


class TaintTolerationScore:
    """Fewer untolerated PreferNoSchedule taints is better."""

    name = "TaintToleration"
    weight = 3

    def score(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> list[float] | None:
        if not any(node.prefer_taints for node in nodes):
            return None
        tolerations = [t for t in pod.tolerations if t.effect in ("", PREFER_NO_SCHEDULE)]
        raw = [
            sum(1 for taint in node.prefer_taints if not tolerated(taint, tolerations))
            for node in nodes
        ]
        return _normalized(raw, reverse=True)


def _normalized(raw: list[int], *, reverse: bool) -> list[float] | None:
    """DefaultNormalizeScore: the best node gets 100; None when all nodes score the same."""
    highest = max(raw)
    if highest == 0:
        return None
    scores = [100.0 * r / highest for r in raw]
    return [100.0 - s for s in scores] if reverse else scores


def default_filters(volume_binding: VolumeBinding) -> tuple[FilterPlugin, ...]:
    """The filters in the default profile's order: a node's first rejection is the one shown."""
    return (
        NodeUnschedulable(),
        TaintToleration(),
        NodeAffinity(),
        NodePorts(),
        NodeResourcesFit(),
        volume_binding,
    )


def default_scores(strategy: str) -> tuple[ScorePlugin, ...]:
    return (ResourceAllocation(strategy), NodeAffinityScore(), TaintTolerationScore())
