"""What the scheduler needs to know about a pod, parsed once per scheduling attempt.

Quantities become integers as kube-scheduler keeps them: CPU in millicores, everything else in
units, both rounded up (`Quantity.MilliValue()` / `Value()`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from minikube_py.apiserver.selectors import (
    DOES_NOT_EXIST,
    EQUALS,
    EXISTS,
    GREATER_THAN,
    IN,
    LESS_THAN,
    NOT_IN,
    LabelSelector,
    Requirement,
)
from minikube_py.apiserver.specs import parse_quantity
from minikube_py.resources import Obj

CPU, MEMORY, EPHEMERAL_STORAGE, PODS = "cpu", "memory", "ephemeral-storage", "pods"
# What a container without a request counts for when scores compare nodes (schedutil's
# DefaultMilliCPURequest and DefaultMemoryRequest), so that BestEffort pods are spread or packed
# too instead of all landing on one node.
DEFAULT_MILLI_CPU = 100
DEFAULT_MEMORY = 200 * 1024 * 1024
ALL_ADDRESSES = "0.0.0.0"
NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE = "NoSchedule", "NoExecute", "PreferNoSchedule"
_NODE_OPERATORS = {
    "In": IN,
    "NotIn": NOT_IN,
    "Exists": EXISTS,
    "DoesNotExist": DOES_NOT_EXIST,
    "Gt": GREATER_THAN,
    "Lt": LESS_THAN,
}
_NOTHING = LabelSelector(selects_nothing=True)


@dataclass(slots=True)
class Resources:
    """An amount of each resource: CPU in millicores, the rest in units."""

    cpu: int = 0
    memory: int = 0
    ephemeral_storage: int = 0
    scalars: dict[str, int] = field(default_factory=dict)  # extended resources, hugepages

    @classmethod
    def from_units(cls, amounts: Mapping[str, int]) -> Resources:
        scalars = {k: v for k, v in amounts.items() if k not in (CPU, MEMORY, EPHEMERAL_STORAGE)}
        return cls(
            amounts.get(CPU, 0), amounts.get(MEMORY, 0), amounts.get(EPHEMERAL_STORAGE, 0), scalars
        )

    def add(self, other: Resources, sign: int = 1) -> None:
        self.cpu += sign * other.cpu
        self.memory += sign * other.memory
        self.ephemeral_storage += sign * other.ephemeral_storage
        for name, amount in other.scalars.items():
            self.scalars[name] = self.scalars.get(name, 0) + sign * amount


def units(resource_list: Mapping[str, object] | None) -> dict[str, int]:
    """A ResourceList as integers: millicores for CPU, rounded-up units for the rest."""
    result = {}
    for name, raw in (resource_list or {}).items():
        value = parse_quantity(raw)  # type: ignore[arg-type]
        result[name] = math.ceil(value * 1000) if name == CPU else math.ceil(value)
    return result


# ---- taints and tolerations ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Taint:
    key: str
    value: str
    effect: str

    @classmethod
    def from_spec(cls, taint: Obj) -> Taint:
        return cls(taint.get("key") or "", taint.get("value") or "", taint.get("effect") or "")


@dataclass(frozen=True, slots=True)
class Toleration:
    key: str
    operator: str
    value: str
    effect: str

    @classmethod
    def from_spec(cls, toleration: Obj) -> Toleration:
        return cls(
            toleration.get("key") or "",
            toleration.get("operator") or "Equal",
            toleration.get("value") or "",
            toleration.get("effect") or "",
        )

    def tolerates(self, taint: Taint) -> bool:
        """v1.Toleration.ToleratesTaint: an empty key with Exists tolerates every taint."""
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator == "Exists":
            return True
        return self.operator in ("", "Equal") and self.value == taint.value


def tolerated(taint: Taint, tolerations: Iterable[Toleration]) -> bool:
    return any(t.tolerates(taint) for t in tolerations)


def tolerates(toleration: Obj, taint: Obj) -> bool:
    """Toleration.tolerates on API objects, for controllers that hold the raw specs."""
    return Toleration.from_spec(toleration).tolerates(Taint.from_spec(taint))


# ---- node selectors --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodeSelectorTerm:
    """matchExpressions on the node's labels AND matchFields (metadata.name) on the node."""

    expressions: LabelSelector
    fields: LabelSelector

    @classmethod
    def from_spec(cls, term: Obj | None) -> NodeSelectorTerm:
        term = term or {}
        expressions, fields = term.get("matchExpressions") or [], term.get("matchFields") or []
        if not expressions and not fields:
            return cls(_NOTHING, _NOTHING)  # an empty term matches no node
        return cls(_selector(expressions), _selector(fields))

    def matches(self, name: str, labels: Mapping[str, str]) -> bool:
        if not self.expressions.matches(labels):
            return False
        return not self.fields.requirements or self.fields.matches({"metadata.name": name})


def _selector(expressions: list[Obj]) -> LabelSelector:
    requirements = []
    for expression in expressions:
        operator = _NODE_OPERATORS.get(expression.get("operator", ""))
        if operator is None:
            return _NOTHING  # kube-scheduler ignores a term it cannot parse
        values = tuple(str(v) for v in expression.get("values") or ())
        requirements.append(Requirement(str(expression.get("key", "")), operator, values))
    return LabelSelector(tuple(requirements))


@dataclass(frozen=True, slots=True)
class NodeSelector:
    """A v1.NodeSelector: its terms are ORed."""

    terms: tuple[NodeSelectorTerm, ...]

    @classmethod
    def from_spec(cls, selector: Obj | None) -> NodeSelector | None:
        """None when there is nothing to require (no selector, or no terms)."""
        terms = (selector or {}).get("nodeSelectorTerms")
        if not terms:
            return None
        return cls(tuple(NodeSelectorTerm.from_spec(t) for t in terms))

    def matches(self, name: str, labels: Mapping[str, str]) -> bool:
        return any(term.matches(name, labels) for term in self.terms)


def node_selector_matches(selector: Obj | None, node: Obj) -> bool:
    """A v1.NodeSelector against a Node object; no selector (or no terms) matches every node."""
    parsed = NodeSelector.from_spec(selector)
    meta = node["metadata"]
    return parsed is None or parsed.matches(meta["name"], meta.get("labels") or {})


@dataclass(frozen=True, slots=True)
class RequiredAffinity:
    """spec.nodeSelector AND the required node affinity (nodeaffinity.RequiredNodeAffinity)."""

    labels: LabelSelector | None
    selector: NodeSelector | None

    def matches(self, name: str, labels: Mapping[str, str]) -> bool:
        if self.labels is not None and not self.labels.matches(labels):
            return False
        return self.selector is None or self.selector.matches(name, labels)


# ---- the pod ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HostPort:
    ip: str
    protocol: str
    port: int


@dataclass(frozen=True, slots=True)
class PodInfo:
    key: str  # namespace/name, the queue's key
    uid: str
    namespace: str
    name: str
    priority: int
    preemption_policy: str
    requests: Resources  # what the fit filter compares with free resources
    nonzero_cpu: int  # what scores count: requests with defaults for missing ones
    nonzero_memory: int
    host_ports: tuple[HostPort, ...]
    tolerations: tuple[Toleration, ...]
    required: RequiredAffinity | None
    preferred: tuple[tuple[int, NodeSelectorTerm], ...]  # (weight, term)
    owner: str  # uid of the controlling owner, "" if none
    claims: tuple[str, ...]  # PersistentVolumeClaim names
    ephemeral_claims: frozenset[str]  # those a generic ephemeral volume's controller makes

    @classmethod
    def from_pod(cls, pod: Obj) -> PodInfo:
        meta, spec = pod["metadata"], pod.get("spec") or {}
        namespace, name = meta.get("namespace", ""), meta["name"]
        requests, nonzero = pod_requests(spec)
        return cls(
            key=f"{namespace}/{name}",
            uid=meta.get("uid", ""),
            namespace=namespace,
            name=name,
            priority=spec.get("priority") or 0,
            preemption_policy=spec.get("preemptionPolicy") or "PreemptLowerPriority",
            requests=Resources.from_units(requests),
            nonzero_cpu=nonzero.get(CPU, 0),
            nonzero_memory=nonzero.get(MEMORY, 0),
            host_ports=_host_ports(spec),
            tolerations=tuple(Toleration.from_spec(t) for t in spec.get("tolerations") or ()),
            required=_required_affinity(spec),
            preferred=_preferred_affinity(spec),
            owner=_controller_uid(meta),
            claims=_claim_names(name, spec),
            ephemeral_claims=frozenset(
                f"{name}-{v['name']}" for v in spec.get("volumes") or () if v.get("ephemeral")
            ),
        )


def pod_requests(spec: Obj) -> tuple[dict[str, int], dict[str, int]]:
    """resourcehelper.PodRequests: (requests, requests with defaults for missing CPU/memory).

    Containers run together, so their requests add up; init containers run one at a time, so
    the pod needs the largest of them, counting the sidecars (restartable init containers)
    started before each; the overhead of the pod's runtime class comes on top.
    """
    main = [_container_units(c) for c in spec.get("containers") or ()]
    init = [
        (_container_units(c), c.get("restartPolicy") == "Always")
        for c in spec.get("initContainers") or ()
    ]
    overhead = units(spec.get("overhead"))
    requests = _pod_total(main, init_containers=init, overhead=overhead)
    defaulted_init = [(_with_defaults(c), is_sidecar) for c, is_sidecar in init]
    nonzero = _pod_total(
        [_with_defaults(c) for c in main], init_containers=defaulted_init, overhead=overhead
    )
    return requests, nonzero


def _container_units(container: Obj) -> dict[str, int]:
    return units((container.get("resources") or {}).get("requests"))


def _with_defaults(requests: dict[str, int]) -> dict[str, int]:
    return {CPU: DEFAULT_MILLI_CPU, MEMORY: DEFAULT_MEMORY, **requests}


def _pod_total(
    containers: list[dict[str, int]],
    *,
    init_containers: list[tuple[dict[str, int], bool]],
    overhead: dict[str, int],
) -> dict[str, int]:
    total: dict[str, int] = {}
    for requests in containers:
        _add_into(total, requests)
    sidecars: dict[str, int] = {}
    peak: dict[str, int] = {}
    for requests, is_sidecar in init_containers:
        if is_sidecar:
            _add_into(total, requests)
            _add_into(sidecars, requests)
            running = sidecars
        else:
            running = dict(requests)
            _add_into(running, sidecars)
        _max_into(peak, running)
    _max_into(total, peak)
    _add_into(total, overhead)
    return total


def _add_into(total: dict[str, int], amounts: Mapping[str, int]) -> None:
    for name, amount in amounts.items():
        total[name] = total.get(name, 0) + amount


def _max_into(total: dict[str, int], amounts: Mapping[str, int]) -> None:
    for name, amount in amounts.items():
        total[name] = max(total.get(name, 0), amount)


def _host_ports(spec: Obj) -> tuple[HostPort, ...]:
    return tuple(
        HostPort(port.get("hostIP") or ALL_ADDRESSES, port.get("protocol") or "TCP", host_port)
        for container in spec.get("containers") or ()
        for port in container.get("ports") or ()
        if (host_port := port.get("hostPort") or 0) > 0
    )


def _required_affinity(spec: Obj) -> RequiredAffinity | None:
    node_selector = spec.get("nodeSelector") or {}
    labels = (
        LabelSelector(tuple(Requirement(k, EQUALS, (v,)) for k, v in node_selector.items()))
        if node_selector
        else None
    )
    affinity = (spec.get("affinity") or {}).get("nodeAffinity") or {}
    selector = NodeSelector.from_spec(
        affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    )
    if labels is None and selector is None:
        return None
    return RequiredAffinity(labels, selector)


def _preferred_affinity(spec: Obj) -> tuple[tuple[int, NodeSelectorTerm], ...]:
    affinity = (spec.get("affinity") or {}).get("nodeAffinity") or {}
    return tuple(
        (int(term.get("weight") or 0), NodeSelectorTerm.from_spec(term.get("preference")))
        for term in affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or ()
        if term.get("weight")
    )


def _controller_uid(meta: Obj) -> str:
    for ref in meta.get("ownerReferences") or ():
        if ref.get("controller"):
            return str(ref.get("uid", ""))
    return ""


def _claim_names(pod_name: str, spec: Obj) -> tuple[str, ...]:
    """The claims a pod mounts; a generic ephemeral volume's claim is named `<pod>-<volume>`."""
    names = []
    for volume in spec.get("volumes") or ():
        if claim := volume.get("persistentVolumeClaim"):
            names.append(str(claim.get("claimName", "")))
        elif volume.get("ephemeral"):
            names.append(f"{pod_name}-{volume['name']}")
    return tuple(names)
