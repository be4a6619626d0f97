"""Printers of the core kinds: pods, nodes, events, namespaces and the config objects.

Pods get printers.go's Ready/Status/Restarts tally over init, sidecar and app containers; events
are printed alike for core/v1 and events.k8s.io/v1, which spell their fields apart. Also here:
pod templates, config maps, secrets, service accounts, resource quotas and leases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from minikube_py.apiserver.printers import _cells
from minikube_py.apiserver.printers._cells import (
    AGE,
    _col,
    _condition_true,
    _has,
    _int,
    _list,
    _map,
    _name,
    _or,
    _path,
    _size,
    _str,
    _template,
    _text,
    dig,
    format_labels,
    human_duration,
    parse_time,
    since,
)
from minikube_py.apiserver.printers._docs import _DOCS
from minikube_py.resources import Column, Obj

# --- pods ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _PodTally:
    """What the pod printer accumulates while it walks the container statuses."""

    reason: str
    ready: int = 0
    restarts: int = 0
    last_restart: datetime | None = None
    # restartable ("sidecar") init containers count again once the pod has initialised
    sidecar_restarts: int = 0
    sidecar_last_restart: datetime | None = None
    initializing: bool = False
    has_running: bool = False

    def count_restarts(self, status: Any, sidecar: bool) -> None:
        self.restarts += _int(status, "restartCount")
        finished = parse_time(dig(status, "lastState", "terminated", "finishedAt"))
        self.last_restart = _latest(self.last_restart, finished)
        if sidecar:
            self.sidecar_restarts += _int(status, "restartCount")
            self.sidecar_last_restart = _latest(self.sidecar_last_restart, finished)


def _latest(current: datetime | None, candidate: datetime | None) -> datetime | None:
    if candidate is None or (current is not None and current >= candidate):
        return current
    return candidate


def _restartable(container: Any) -> bool:
    return _str(container, "restartPolicy") == "Always"


def _pod_tally(pod: Obj) -> _PodTally:
    status = _map(pod, "status")
    reason = _str(status, "reason") or _str(status, "phase")
    if any(_str(c, "reason") == "SchedulingGated" for c in _scheduled_conditions(status)):
        reason = "SchedulingGated"
    tally = _PodTally(reason=reason)
    _tally_init_containers(pod, tally)
    if not tally.initializing or _condition_true(_list(status, "conditions"), "Initialized"):
        _tally_containers(pod, tally)
    return tally


def _scheduled_conditions(status: dict[str, Any]) -> list[Any]:
    return [c for c in _list(status, "conditions") if _str(c, "type") == "PodScheduled"]


def _tally_init_containers(pod: Obj, tally: _PodTally) -> None:
    """Walk init containers up to the first one still holding the pod back."""
    specs = _list(pod, "spec", "initContainers")
    sidecars = {_str(c, "name") for c in specs if _restartable(c)}
    for index, status in enumerate(_list(pod, "status", "initContainerStatuses")):
        sidecar = _str(status, "name") in sidecars
        tally.count_restarts(status, sidecar)
        terminated, waiting = dig(status, "state", "terminated"), dig(status, "state", "waiting")
        if terminated is not None and _int(terminated, "exitCode") == 0:
            continue
        if sidecar and dig(status, "started") is True:
            tally.ready += 1 if dig(status, "ready") is True else 0
            continue
        tally.initializing = True
        if terminated is not None:
            tally.reason = "Init:" + _termination(terminated)
        elif _str(waiting, "reason") not in ("", "PodInitializing"):
            tally.reason = "Init:" + _str(waiting, "reason")
        else:
            tally.reason = f"Init:{index}/{len(specs)}"
        return


def _termination(terminated: Any) -> str:
    """A terminated state's reason, else its signal or exit code."""
    if reason := _str(terminated, "reason"):
        return reason
    if signal := _int(terminated, "signal"):
        return f"Signal:{signal}"
    return f"ExitCode:{_int(terminated, 'exitCode')}"


def _tally_containers(pod: Obj, tally: _PodTally) -> None:
    """App containers, last to first, so the first container's state wins the reason."""
    tally.restarts, tally.last_restart = tally.sidecar_restarts, tally.sidecar_last_restart
    for status in reversed(_list(pod, "status", "containerStatuses")):
        tally.count_restarts(status, sidecar=False)
        waiting, terminated = dig(status, "state", "waiting"), dig(status, "state", "terminated")
        if _str(waiting, "reason"):
            tally.reason = _str(waiting, "reason")
        elif terminated is not None:
            tally.reason = _termination(terminated)
        elif dig(status, "ready") is True and _has(status, "state", "running"):
            tally.has_running = True
            tally.ready += 1
    if tally.reason == "Completed" and tally.has_running:
        ready = _condition_true(_list(pod, "status", "conditions"), "Ready")
        tally.reason = "Running" if ready else "NotReady"


def pod_ready(pod: Obj) -> str:
    total = len(_list(pod, "spec", "containers"))
    total += sum(1 for c in _list(pod, "spec", "initContainers") if _restartable(c))
    return f"{_pod_tally(pod).ready}/{total}"


def pod_status(pod: Obj) -> str:
    reason = _pod_tally(pod).reason
    if not _has(pod, "metadata", "deletionTimestamp"):
        return reason
    if _str(pod, "status", "reason") == "NodeLost":
        return "Unknown"
    if _str(pod, "status", "phase") in ("Succeeded", "Failed"):
        return reason
    return "Terminating"


def pod_restarts(pod: Obj) -> str:
    tally = _pod_tally(pod)
    if tally.restarts and tally.last_restart is not None:
        elapsed = human_duration((_cells.now() - tally.last_restart).total_seconds())
        return f"{tally.restarts} ({elapsed} ago)"
    return str(tally.restarts)


def _pod_ip(pod: Obj) -> str:
    ips = _list(pod, "status", "podIPs")
    return (_str(ips[0], "ip") if ips else "") or "<none>"


def _readiness_gates(pod: Obj) -> str:
    gates = _list(pod, "spec", "readinessGates")
    if not gates:
        return "<none>"
    conditions = _list(pod, "status", "conditions")
    met = sum(1 for g in gates if _condition_true(conditions, _str(g, "conditionType")))
    return f"{met}/{len(gates)}"


# --- nodes -----------------------------------------------------------------------------------


def _node_status(node: Obj) -> str:
    states = []
    for condition in _list(node, "status", "conditions"):
        if _str(condition, "type") == "Ready":
            states = ["Ready" if _str(condition, "status") == "True" else "NotReady"]
    states = states or ["Unknown"]
    if dig(node, "spec", "unschedulable") is True:
        states.append("SchedulingDisabled")
    return ",".join(states)


def _node_roles(node: Obj) -> str:
    roles = set()
    for key, value in _map(node, "metadata", "labels").items():
        if key.startswith("node-role.kubernetes.io/"):
            roles.add(key.removeprefix("node-role.kubernetes.io/"))
        elif key == "kubernetes.io/role":
            roles.add(str(value))
    return ",".join(sorted(roles - {""})) or "<none>"


def _node_address(kind: str) -> Callable[[Obj], str]:
    def cell(node: Obj) -> str:
        for address in _list(node, "status", "addresses"):
            if _str(address, "type") == kind:
                return _str(address, "address")
        return "<none>"

    return cell


# --- config and quotas -----------------------------------------------------------------------


def _quota(limits: bool) -> Callable[[Obj], str]:
    """`name: used/hard` per resource of the quota: the `limits.*` ones or all the others."""

    def cell(quota: Obj) -> str:
        hard, used = _map(quota, "status", "hard"), _map(quota, "status", "used")
        names = [n for n in sorted(hard) if (n.split(".")[0] == "limits" and "." in n) == limits]
        return ", ".join(f"{n}: {used.get(n, '0')}/{hard[n]}" for n in names)

    return cell


def _data_count(obj: Obj) -> int:
    return len(_map(obj, "data")) + len(_map(obj, "binaryData"))


# --- events ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _EventShape:
    """Where an Event keeps each printed field: core/v1 and events.k8s.io/v1 spell them apart."""

    regarding: str
    note: str
    first: str
    last: str
    count: str
    source: str
    controller: str


_CORE_EVENT = _EventShape(
    "involvedObject", "message", "firstTimestamp", "lastTimestamp", "count", "source",
    "reportingComponent",
)  # fmt: skip
_EVENTS_V1 = _EventShape(
    "regarding", "note", "deprecatedFirstTimestamp", "deprecatedLastTimestamp",
    "deprecatedCount", "deprecatedSource", "reportingController",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _EventCells:
    """The event printer's cells for one event shape."""

    shape: _EventShape

    def first_seen(self, event: Obj) -> str:
        if _has(event, self.shape.first):
            return since(dig(event, self.shape.first))
        return since(dig(event, "eventTime"))

    def last_seen(self, event: Obj) -> str:
        if _has(event, "series"):
            return since(dig(event, "series", "lastObservedTime"))
        if _has(event, self.shape.last):
            return since(dig(event, self.shape.last))
        return self.first_seen(event)

    def count(self, event: Obj) -> int:
        if _has(event, "series"):
            return _int(event, "series", "count")
        return _int(event, self.shape.count) or 1  # singleton events carry no count

    def target(self, event: Obj) -> str:
        kind = _str(event, self.shape.regarding, "kind").lower()
        name = _str(event, self.shape.regarding, "name")
        return f"{kind}/{name}" if name else kind

    def subobject(self, event: Obj) -> str:
        return _str(event, self.shape.regarding, "fieldPath")

    def source(self, event: Obj) -> str:
        """`component, host`, else the reporting controller and instance."""
        shape = self.shape
        component = _str(event, shape.source, "component") or _str(event, shape.controller)
        instance = _str(event, shape.source, "host") or _str(event, "reportingInstance")
        return f"{component}, {instance}" if instance else component

    def message(self, event: Obj) -> str:
        return _str(event, self.shape.note).strip()


# --- column definitions ----------------------------------------------------------------------


POD_COLUMNS = (
    _col("Ready", "The aggregate readiness state of this pod for accepting traffic.", pod_ready),
    _col("Status", "The aggregate status of the containers in this pod.", pod_status),
    _col(
        "Restarts",
        "The number of times the containers in this pod have been restarted and when the last "
        "container in this pod has restarted.",
        pod_restarts,
    ),
    AGE,
    _col("IP", _DOCS["PodStatus.podIP"], _pod_ip, wide=True),
    _col("Node", _DOCS["PodSpec.nodeName"], _or(_text("spec", "nodeName"), "<none>"), wide=True),
    _col(
        "Nominated Node",
        _DOCS["PodStatus.nominatedNodeName"],
        _or(_text("status", "nominatedNodeName"), "<none>"),
        wide=True,
    ),
    _col("Readiness Gates", _DOCS["PodSpec.readinessGates"], _readiness_gates, wide=True),
)

POD_TEMPLATE_COLUMNS = (
    *_template(_path("template", "spec"), wide=False),
    _col(
        "Pod Labels",
        "The labels for the pod template.",
        lambda obj: format_labels(dig(obj, "template", "metadata", "labels")),
    ),
)


def _node_info(name: str, field_name: str, *, wide: bool) -> Column:
    """A `status.nodeInfo` column; the wide ones print `<unknown>` when the field is empty."""
    cell = _text("status", "nodeInfo", field_name)
    return _col(
        name,
        _DOCS[f"NodeSystemInfo.{field_name}"],
        _or(cell, "<unknown>") if wide else cell,
        wide=wide,
    )


NODE_COLUMNS = (
    _col("Status", "The status of the node", _node_status),
    _col("Roles", "The roles of the node", _node_roles),
    AGE,
    _node_info("Version", "kubeletVersion", wide=False),
    _col("Internal-IP", _DOCS["NodeStatus.addresses"], _node_address("InternalIP"), wide=True),
    _col("External-IP", _DOCS["NodeStatus.addresses"], _node_address("ExternalIP"), wide=True),
    _node_info("OS-Image", "osImage", wide=True),
    _node_info("Kernel-Version", "kernelVersion", wide=True),
    _node_info("Container-Runtime", "containerRuntimeVersion", wide=True),
)


def _event_columns(shape: _EventShape) -> tuple[Column, ...]:
    """The event table; its Name column comes last and only with `-o wide`."""
    cells = _EventCells(shape)
    return (
        _col("Last Seen", _DOCS["Event.lastTimestamp"], cells.last_seen),
        _col("Type", _DOCS["Event.type"], _text("type")),
        _col("Reason", _DOCS["Event.reason"], _text("reason")),
        _col("Object", _DOCS["Event.involvedObject"], cells.target),
        _col("Subobject", _DOCS["ObjectReference.fieldPath"], cells.subobject, wide=True),
        _col("Source", _DOCS["Event.source"], cells.source, wide=True),
        _col("Message", _DOCS["Event.message"], cells.message),
        _col("First Seen", _DOCS["Event.firstTimestamp"], cells.first_seen, wide=True),
        _col("Count", _DOCS["Event.count"], cells.count, wide=True),
        Column("Name", "string", _DOCS["ObjectMeta.name"], _name, format="name", priority=1),
    )


EVENT_COLUMNS = _event_columns(_CORE_EVENT)
# events.k8s.io shares the core event storage and printer; only the field names differ.
EVENTS_V1_COLUMNS = _event_columns(_EVENTS_V1)

NAMESPACE_COLUMNS = (_col("Status", "The status of the namespace", _text("status", "phase")), AGE)

SECRET_COLUMNS = (
    _col("Type", _DOCS["Secret.type"], _text("type")),
    _col("Data", _DOCS["Secret.data"], _size("data")),
    AGE,
)

SERVICE_ACCOUNT_COLUMNS = (_col("Secrets", _DOCS["ServiceAccount.secrets"], _size("secrets")), AGE)


CONFIG_MAP_COLUMNS = (_col("Data", _DOCS["ConfigMap.data"], _data_count), AGE)


LEASE_COLUMNS = (
    _col("Holder", _DOCS["LeaseSpec.holderIdentity"], _text("spec", "holderIdentity")),
    AGE,
)


RESOURCE_QUOTA_COLUMNS = (
    _col(
        "Request",
        "Request represents a minimum amount of cpu/memory that a container may consume.",
        _quota(limits=False),
    ),
    _col(
        "Limit",
        "Limits control the maximum amount of cpu/memory that a container may use independent of "
        "contention on the node.",
        _quota(limits=True),
    ),
    AGE,
)
