"""Server-side printer columns: the `Table` a real API server sends for `kubectl get`.

Every column and cell follows Kubernetes 1.32 `pkg/printers/internalversion/printers.go`. The real
server always prints the wide form (kubectl hides `priority > 0` columns unless `-o wide`), so
every row carries every column. Cell JSON types follow what the Go printers put in the cells, which
is not always the column's declared type (e.g. Deployment `Up-to-date` is declared a string but
sent as an integer); kubectl prints cells verbatim, so the values are what matters.

Objects are read as stored (i.e. already defaulted); a missing field prints as Go's zero value.
Cells are computed at request time against `now()`, a hook tests can replace.

Column descriptions are the real ones: the OpenAPI field docs (`SwaggerDoc()`, k8s.io/api v0.32)
or the literal texts of printers.go.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from minikube_py.resources import Column, Obj, Resource


def _utcnow() -> datetime:
    return datetime.now(UTC)


# The clock every time-based cell reads; tests replace it to get stable ages.
now: Callable[[], datetime] = _utcnow


# --- reading objects -------------------------------------------------------------------------


def dig(obj: Any, *path: str) -> Any:
    """The value at `path` in nested dicts, or None where a step is missing or not an object."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _str(obj: Any, *path: str) -> str:
    value = dig(obj, *path)
    return value if isinstance(value, str) else ""


def _int(obj: Any, *path: str) -> int:
    value = dig(obj, *path)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _list(obj: Any, *path: str) -> list[Any]:
    value = dig(obj, *path)
    return value if isinstance(value, list) else []


def _map(obj: Any, *path: str) -> dict[str, Any]:
    value = dig(obj, *path)
    return value if isinstance(value, dict) else {}


def _has(obj: Any, *path: str) -> bool:
    """Whether the field is set at all; Go pointers distinguish `{}` from absent."""
    return dig(obj, *path) is not None


def _condition_true(conditions: list[Any], kind: str) -> bool:
    """Whether the first condition of this type is True."""
    for condition in conditions:
        if _str(condition, "type") == kind:
            return _str(condition, "status") == "True"
    return False


# --- time ------------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 (micro)timestamp as an aware datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def human_duration(seconds: float) -> str:
    """Kubernetes' `duration.HumanDuration`: about two significant figures ("3m2s", "2d3h")."""
    secs = int(seconds)  # truncates towards zero, as Go's int(d.Seconds()) does
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"  # up to a second of clock skew counts as now
    if secs < 120:
        return f"{secs}s"
    minutes, hours, days = secs // 60, secs // 3600, secs // 86400
    if minutes < 10:
        return _two_units(minutes, "m", secs % 60, "s")
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return _two_units(hours, "h", minutes % 60, "m")
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return _two_units(days, "d", hours % 24, "h")
    if hours < 24 * 365 * 2:
        return f"{days}d"
    if hours < 24 * 365 * 8:
        return _two_units(days // 365, "y", days % 365, "d")
    return f"{days // 365}y"


def _two_units(big: int, big_unit: str, small: int, small_unit: str) -> str:
    return f"{big}{big_unit}{small}{small_unit}" if small else f"{big}{big_unit}"


def since(value: Any) -> str:
    """Time elapsed since a timestamp field, or `<unknown>` when it is unset."""
    moment = parse_time(value)
    if moment is None:
        return "<unknown>"
    return human_duration((now() - moment).total_seconds())


def age(obj: Obj) -> str:
    return since(dig(obj, "metadata", "creationTimestamp"))


def created_at(obj: Obj) -> str:
    """The default table's `Created At` cell: the creation time in UTC, RFC 3339, seconds."""
    moment = parse_time(dig(obj, "metadata", "creationTimestamp"))
    if moment is None:
        return "0001-01-01T00:00:00Z"  # Go's zero time
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _name(obj: Obj) -> str:
    return _str(obj, "metadata", "name")


# --- shared formatting -----------------------------------------------------------------------


def format_labels(labels: Any) -> str:
    """`labels.FormatLabels`: sorted `k=v` pairs, or `<none>`."""
    pairs = sorted(f"{k}={v}" for k, v in labels.items()) if isinstance(labels, dict) else []
    return ",".join(pairs) or "<none>"


def label_selector_string(selector: Any) -> str | None:
    """A `metav1.LabelSelector` as `Selector.String()`, requirements sorted by key; None if invalid.

    An absent selector selects nothing and an empty one everything: both print as "".
    """
    if not isinstance(selector, dict):
        return ""
    requirements = [(str(k), f"{k}={v}") for k, v in _map(selector, "matchLabels").items()]
    for expr in _list(selector, "matchExpressions"):
        text = _expression(expr)
        if text is None:
            return None
        requirements.append((_str(expr, "key"), text))
    return ",".join(text for _, text in sorted(requirements, key=lambda r: r[0]))


def _expression(expr: Any) -> str | None:
    key, operator, values = _str(expr, "key"), _str(expr, "operator"), _list(expr, "values")
    if operator in ("In", "NotIn") and values:
        joined = ",".join(sorted(str(v) for v in values))
        return f"{key} {operator.lower()} ({joined})"
    if operator in ("Exists", "DoesNotExist") and not values:
        return key if operator == "Exists" else f"!{key}"
    return None


def format_label_selector(selector: Any) -> str:
    """`metav1.FormatLabelSelector`: the selector, `<none>` if empty, `<error>` if invalid."""
    text = label_selector_string(selector)
    return "<error>" if text is None else text or "<none>"


def _deployment_selector(deployment: Obj) -> str:
    """Deployments print the raw selector string (no `<none>`), `<invalid>` on error."""
    text = label_selector_string(dig(deployment, "spec", "selector"))
    return "<invalid>" if text is None else text


def _joined(items: Iterable[Any], key: str) -> str:
    return ",".join(_str(item, key) for item in items)


def _template_cells(pod_spec: Callable[[Obj], Any]) -> tuple[Callable[[Obj], str], ...]:
    """Cells listing a pod template's container names and images (the `-o wide` columns)."""

    def names(obj: Obj) -> str:
        return _joined(_list(pod_spec(obj), "containers"), "name")

    def images(obj: Obj) -> str:
        return _joined(_list(pod_spec(obj), "containers"), "image")

    return names, images


def _path(*path: str) -> Callable[[Obj], Any]:
    return lambda obj: dig(obj, *path)


def _text(*path: str) -> Callable[[Obj], str]:
    return lambda obj: _str(obj, *path)


def _count(*path: str) -> Callable[[Obj], int]:
    return lambda obj: _int(obj, *path)


def _or(cell: Callable[[Obj], str], fallback: str) -> Callable[[Obj], str]:
    """The cell, or `fallback` where it is empty."""
    return lambda obj: cell(obj) or fallback


def _optional(*path: str, unset: str) -> Callable[[Obj], str]:
    """A string pointer field: its value (even ""), or `unset` where it is absent."""
    return lambda obj: _str(obj, *path) if _has(obj, *path) else unset


def _first_three(items: list[str], empty: str) -> str:
    """The first three items, then ` + N more...`: how the printers shorten long lists."""
    text = ",".join(items[:3])
    if len(items) > 3:
        return f"{text} + {len(items) - 3} more..."
    return text or empty


def _ingress_points(ingress: list[Any]) -> list[str]:
    """Load-balancer ingress points (IP, else hostname), sorted and unique (a Go string set)."""
    points = {_str(point, "ip") or _str(point, "hostname") for point in ingress}
    return sorted(points - {""})


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
        elapsed = human_duration((now() - tally.last_restart).total_seconds())
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


# --- workloads -------------------------------------------------------------------------------


def _ready_of_desired(obj: Obj) -> str:
    return f"{_int(obj, 'status', 'readyReplicas')}/{_int(obj, 'spec', 'replicas')}"


def _job_status(job: Obj) -> str:
    conditions = _list(job, "status", "conditions")
    if _condition_true(conditions, "Complete"):
        return "Complete"
    if _condition_true(conditions, "Failed"):
        return "Failed"
    if _has(job, "metadata", "deletionTimestamp"):
        return "Terminating"
    if _condition_true(conditions, "Suspended"):
        return "Suspended"
    if _condition_true(conditions, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def _job_completions(job: Obj) -> str:
    succeeded = _int(job, "status", "succeeded")
    if _has(job, "spec", "completions"):
        return f"{succeeded}/{_int(job, 'spec', 'completions')}"
    parallelism = _int(job, "spec", "parallelism")
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def _job_duration(job: Obj) -> str:
    start = parse_time(dig(job, "status", "startTime"))
    if start is None:
        return ""
    end = parse_time(dig(job, "status", "completionTime")) or now()
    return human_duration((end - start).total_seconds())


def _bool_pointer(value: Any) -> str:
    """`printBoolPtr`: True/False, or `<unset>`."""
    return "<unset>" if value is None else ("True" if value is True else "False")


def _last_schedule(cronjob: Obj) -> str:
    if not _has(cronjob, "status", "lastScheduleTime"):
        return "<none>"
    return since(dig(cronjob, "status", "lastScheduleTime"))


def _controller(revision: Obj) -> str:
    """The controlling owner as `kind.group/name` in lower case, or `<none>`."""
    for owner in _list(revision, "metadata", "ownerReferences"):
        if dig(owner, "controller") is True:
            group = _str(owner, "apiVersion").rpartition("/")[0]
            kind = _str(owner, "kind")
            group_kind = f"{kind}.{group}" if group else kind
            name = _str(owner, "name")
            return f"{group_kind.lower()}/{name}" if group_kind else name
    return "<none>"


def _int_or_string(value: Any) -> str:
    return "N/A" if value is None else str(value)


# --- services and networking -----------------------------------------------------------------


def _cluster_ip(svc: Obj) -> str:
    ips = _list(svc, "spec", "clusterIPs")
    return str(ips[0]) if ips else "<none>"


def _external_ip(svc: Obj) -> str:
    external = [str(ip) for ip in _list(svc, "spec", "externalIPs")]
    kind = _str(svc, "spec", "type")
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "LoadBalancer":
        points = _ingress_points(_list(svc, "status", "loadBalancer", "ingress"))
        return ",".join(points + external) or "<pending>"
    if kind == "ExternalName":
        return _str(svc, "spec", "externalName")
    return "<unknown>"


def _service_ports(svc: Obj) -> str:
    pieces = []
    for port in _list(svc, "spec", "ports"):
        number, protocol, node_port = (
            _int(port, "port"),
            _str(port, "protocol"),
            _int(port, "nodePort"),
        )
        pieces.append(
            f"{number}:{node_port}/{protocol}" if node_port > 0 else f"{number}/{protocol}"
        )
    return ",".join(pieces) or "<none>"


def _endpoints(obj: Obj) -> str:
    """`ip:port` per address and port (bare IPs for port-less subsets), shortened."""
    subsets = _list(obj, "subsets")
    if not subsets:
        return "<none>"
    points = [
        _host_port(_str(address, "ip"), port)
        for subset in subsets
        for port in _list(subset, "ports") or [None]
        for address in _list(subset, "addresses")
    ]
    return _first_three(points, "")


def _host_port(ip: str, port: Any) -> str:
    """`net.JoinHostPort`: IPv6 addresses go in brackets."""
    if port is None:
        return ip
    return f"[{ip}]:{_int(port, 'port')}" if ":" in ip else f"{ip}:{_int(port, 'port')}"


def _slice_ports(obj: Obj) -> str:
    return _first_three([_slice_port(port) for port in _list(obj, "ports")], "<unset>")


def _slice_port(port: Any) -> str:
    if dig(port, "port") is not None:
        return str(dig(port, "port"))
    return _str(port, "name") if _has(port, "name") else "*"


def _slice_endpoints(obj: Obj) -> str:
    addresses = [str(a) for e in _list(obj, "endpoints") for a in _list(e, "addresses")]
    return _first_three(addresses, "<unset>")


def _ingress_hosts(ingress: Obj) -> str:
    """Up to three hosts; ` + N more...` counts the rules left once three hosts are found."""
    rules = _list(ingress, "spec", "rules")
    hosts: list[str] = []
    for rule in rules:
        if len(hosts) == 3:
            return ",".join(hosts) + f" + {len(rules) - 3} more..."
        if host := _str(rule, "host"):
            hosts.append(host)
    return ",".join(hosts) or "*"


def _ingress_ports(ingress: Obj) -> str:
    return "80, 443" if _list(ingress, "spec", "tls") else "80"


def _ingress_class_parameters(obj: Obj) -> str:
    parameters = dig(obj, "spec", "parameters")
    if not isinstance(parameters, dict):
        return "<none>"
    kind = _str(parameters, "kind")
    if _has(parameters, "apiGroup"):
        kind += "." + _str(parameters, "apiGroup")
    return f"{kind}/{_str(parameters, 'name')}"


# --- nodes, storage, config ------------------------------------------------------------------


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


_ACCESS_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX"}
_ACCESS_MODES["ReadWriteOncePod"] = "RWOP"


def _access_modes(modes: list[Any]) -> str:
    return ",".join(short for mode, short in _ACCESS_MODES.items() if mode in modes)


def _storage(resources: Any) -> str:
    """A `storage` quantity as stored; Go prints a missing quantity as 0."""
    return str(dig(resources, "storage") or "0")


def _terminating_phase(obj: Obj) -> str:
    if _has(obj, "metadata", "deletionTimestamp"):
        return "Terminating"
    return _str(obj, "status", "phase")


def _storage_class(obj: Obj) -> str:
    """The beta annotation wins over `spec.storageClassName`, as in the real helper."""
    annotations = _map(obj, "metadata", "annotations")
    if "volume.beta.kubernetes.io/storage-class" in annotations:
        return str(annotations["volume.beta.kubernetes.io/storage-class"])
    return _str(obj, "spec", "storageClassName")


def _claim(pv: Obj) -> str:
    ref = dig(pv, "spec", "claimRef")
    return f"{_str(ref, 'namespace')}/{_str(ref, 'name')}" if isinstance(ref, dict) else ""


def _bound_only(cell: Callable[[Obj], str]) -> Callable[[Obj], str]:
    """PVC capacity and access modes are shown only once the claim names its volume."""
    return lambda pvc: cell(pvc) if _str(pvc, "spec", "volumeName") else ""


def _quota(limits: bool) -> Callable[[Obj], str]:
    """`name: used/hard` per resource of the quota: the `limits.*` ones or all the others."""

    def cell(quota: Obj) -> str:
        hard, used = _map(quota, "status", "hard"), _map(quota, "status", "used")
        names = [n for n in sorted(hard) if (n.split(".")[0] == "limits" and "." in n) == limits]
        return ", ".join(f"{n}: {used.get(n, '0')}/{hard[n]}" for n in names)

    return cell


def _storage_class_name(obj: Obj) -> str:
    annotations = _map(obj, "metadata", "annotations")
    default = any(
        annotations.get(key) == "true"
        for key in (
            "storageclass.kubernetes.io/is-default-class",
            "storageclass.beta.kubernetes.io/is-default-class",
        )
    )
    return _name(obj) + (" (default)" if default else "")


def _data_count(obj: Obj) -> int:
    return len(_map(obj, "data")) + len(_map(obj, "binaryData"))


# --- RBAC ------------------------------------------------------------------------------------


def _role_ref(binding: Obj) -> str:
    return f"{_str(binding, 'roleRef', 'kind')}/{_str(binding, 'roleRef', 'name')}"


def _subjects(kind: str) -> Callable[[Obj], str]:
    def cell(binding: Obj) -> str:
        subjects = [s for s in _list(binding, "subjects") if _str(s, "kind") == kind]
        if kind == "ServiceAccount":
            return ", ".join(f"{_str(s, 'namespace')}/{_str(s, 'name')}" for s in subjects)
        return ", ".join(_str(s, "name") for s in subjects)

    return cell


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


# --- autoscaling -----------------------------------------------------------------------------


def _quantity(value: Any) -> str:
    """A quantity pointer as Go prints it (`<nil>` when unset)."""
    return "<nil>" if value is None else str(value)


_METRIC_SOURCES = {"External": "external", "Pods": "pods", "Object": "object"}
_METRIC_SOURCES |= {"Resource": "resource", "ContainerResource": "containerResource"}


def _metric(spec: Any, status: Any) -> str:
    """One HPA metric as `current/target` (see `formatHPAMetrics`)."""
    key = _METRIC_SOURCES.get(_str(spec, "type"))
    if key is None:
        return "<unknown type>"
    target, observed = _map(spec, key, "target"), dig(status, key)
    current = _map(observed, "current")
    if key in ("resource", "containerResource"):
        return f"{_str(spec, key, 'name')}: {_resource_metric(target, observed, current)}"
    if key == "pods":
        value = "<unknown>" if observed is None else _quantity(current.get("averageValue"))
        return f"{value}/{_quantity(target.get('averageValue'))}"
    if target.get("averageValue") is not None:
        average = current.get("averageValue")
        return f"{'<unknown>' if average is None else average}/{target['averageValue']} (avg)"
    value = "<unknown>" if observed is None else _quantity(current.get("value"))
    return f"{value}/{_quantity(target.get('value'))}"


def _resource_metric(target: dict[str, Any], observed: Any, current: dict[str, Any]) -> str:
    if target.get("averageValue") is not None:
        value = "<unknown>" if observed is None else _quantity(current.get("averageValue"))
        return f"{value}/{target['averageValue']}"
    used, wanted = current.get("averageUtilization"), target.get("averageUtilization")
    used_text = "<unknown>" if used is None else f"{used}%"
    return used_text + "/" + ("<auto>" if wanted is None else f"{wanted}%")


def _hpa_targets(metrics: Callable[[Obj], tuple[list[Any], list[Any]]]) -> Callable[[Obj], str]:
    def cell(hpa: Obj) -> str:
        specs, statuses = metrics(hpa)
        if not specs:
            return "<none>"
        texts = [
            _metric(s, statuses[i] if i < len(statuses) else None) for i, s in enumerate(specs)
        ]
        more = f" + {len(texts) - 2} more..." if len(texts) > 2 else ""
        return ", ".join(texts[:2]) + more

    return cell


def _v2_metrics(hpa: Obj) -> tuple[list[Any], list[Any]]:
    return _list(hpa, "spec", "metrics"), _list(hpa, "status", "currentMetrics")


def _v1_metrics(hpa: Obj) -> tuple[list[Any], list[Any]]:
    """autoscaling/v1 has one CPU target; seen as the v2 metric it converts to."""
    target = dig(hpa, "spec", "targetCPUUtilizationPercentage")
    current = dig(hpa, "status", "currentCPUUtilizationPercentage")
    specs = [] if target is None else [_cpu_metric({"target": {"averageUtilization": target}})]
    statuses = (
        [] if current is None else [_cpu_metric({"current": {"averageUtilization": current}})]
    )
    return specs, statuses


def _cpu_metric(values: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Resource", "resource": {"name": "cpu", **values}}


def _min_pods(hpa: Obj) -> str:
    return str(_int(hpa, "spec", "minReplicas")) if _has(hpa, "spec", "minReplicas") else "<unset>"


# --- descriptions ----------------------------------------------------------------------------

# Field docs of the k8s.io/api v0.32 types the real printers take their descriptions from
# (`<Type>{}.SwaggerDoc()[field]`), keyed "<Type>.<field>".
_DOCS: dict[str, str] = {
    "ObjectMeta.name": (
        "Name must be unique within a namespace. Is required when creating resources, although "
        "some resources may allow a client to request the generation of an appropriate name "
        "automatically. Name is primarily intended for creation idempotence and configuration "
        "definition. Cannot be updated. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
    ),
    "ObjectMeta.creationTimestamp": (
        "CreationTimestamp is a timestamp representing the server time when this object was "
        "created. It is not guaranteed to be set in happens-before order across separate "
        "operations. Clients may not set this value. It is represented in RFC3339 form and is "
        "in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
        "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
    ),
    "PodStatus.podIP": (
        "podIP address allocated to the pod. Routable at least within the cluster. Empty if "
        "not yet allocated."
    ),
    "PodStatus.nominatedNodeName": (
        "nominatedNodeName is set only when this pod preempts other pods on the node, but it "
        "cannot be scheduled right away as preemption victims receive their graceful "
        "termination periods. This field does not guarantee that the pod will be scheduled on "
        "this node. Scheduler may decide to place the pod elsewhere if other nodes become "
        "available sooner. Scheduler may also decide to give the resources on this node to a "
        "higher priority pod that is created after preemption. As a result, this field may be "
        "different than PodSpec.nodeName when the pod is scheduled."
    ),
    "PodSpec.nodeName": (
        "NodeName indicates in which node this pod is scheduled. If empty, this pod is a "
        "candidate for scheduling by the scheduler defined in schedulerName. Once this field "
        "is set, the kubelet for this node becomes responsible for the lifecycle of this pod. "
        "This field should not be used to express a desire for the pod to be scheduled on a "
        "specific node. "
        "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename"
    ),
    "PodSpec.readinessGates": (
        "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready "
        "when all its containers are ready AND all conditions specified in the readiness gates "
        'have status equal to "True" More info: '
        "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates"
    ),
    "PodSpec.nodeSelector": (
        "NodeSelector is a selector which must be true for the pod to fit on a node. Selector "
        "which must match a node's labels for the pod to be scheduled on that node. More info: "
        "https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"
    ),
    "ReplicationControllerSpec.replicas": (
        "Replicas is the number of desired replicas. This is a pointer to distinguish between "
        "explicit zero and unspecified. Defaults to 1. More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"
    ),
    "ReplicationControllerSpec.selector": (
        "Selector is a label query over pods that should match the Replicas count. If Selector "
        "is empty, it is defaulted to the labels present on the Pod template. Label keys and "
        "values that must match in order to be controlled by this replication controller, if "
        "empty defaulted to labels on Pod template. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"
    ),
    "ReplicationControllerStatus.replicas": (
        "Replicas is the most recently observed number of replicas. More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"
    ),
    "ReplicationControllerStatus.readyReplicas": (
        "The number of ready replicas for this replication controller."
    ),
    "ServiceSpec.type": (
        "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are "
        'ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a '
        "cluster-internal IP address for load-balancing to endpoints. Endpoints are determined "
        "by the selector or if that is not specified, by manual construction of an Endpoints "
        'object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated '
        "and the endpoints are published as a set of endpoints rather than a virtual IP. "
        '"NodePort" builds on ClusterIP and allocates a port on every node which routes to the '
        'same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an '
        "external load-balancer (if supported in the current cloud) which routes to the same "
        'endpoints as the clusterIP. "ExternalName" aliases this service to the specified '
        "externalName. Several other fields do not apply to ExternalName services. More info: "
        "https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types"
    ),
    "ServiceSpec.clusterIP": (
        "clusterIP is the IP address of the service and is usually assigned randomly. If an "
        "address is specified manually, is in-range (as per system configuration), and is not "
        "in use, it will be allocated to the service; otherwise creation of the service will "
        "fail. This field may not be changed through updates unless the type field is also "
        "being changed to ExternalName (which requires this field to be blank) or the type "
        "field is being changed from ExternalName (in which case this field may optionally be "
        'specified, as describe above).  Valid values are "None", empty string (""), or a '
        'valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), '
        "which is useful when direct endpoint connections are preferred and proxying is not "
        "required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field "
        "is specified when creating a Service of type ExternalName, creation will fail. This "
        "field will be wiped when updating a Service to type ExternalName. More info: "
        "https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"
    ),
    "ServiceSpec.externalIPs": (
        "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
        "traffic for this service.  These IPs are not managed by Kubernetes.  The user is "
        "responsible for ensuring that traffic arrives at a node with this IP.  A common "
        "example is external load-balancers that are not part of the Kubernetes system."
    ),
    "ServiceSpec.ports": (
        "The list of ports that are exposed by this service. More info: "
        "https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"
    ),
    "ServiceSpec.selector": (
        "Route service traffic to pods with label keys and values matching this selector. If "
        "empty or not present, the service is assumed to have an external process managing its "
        "endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, "
        "NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: "
        "https://kubernetes.io/docs/concepts/services-networking/service/"
    ),
    "Endpoints.subsets": (
        "The set of all endpoints is the union of all subsets. Addresses are placed into "
        "subsets according to the IPs they share. A single address with multiple ports, some "
        "of which are ready and some of which are not (because they come from different "
        "containers) will result in the address being displayed in different subsets for the "
        "different ports. No address will appear in both Addresses and NotReadyAddresses in "
        "the same subset. Sets of addresses and ports that comprise a service."
    ),
    "NodeSystemInfo.kubeletVersion": "Kubelet Version reported by the node.",
    "NodeSystemInfo.osImage": (
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."
    ),
    "NodeSystemInfo.kernelVersion": (
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."
    ),
    "NodeSystemInfo.containerRuntimeVersion": (
        "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
        "containerd://1.4.2)."
    ),
    "NodeStatus.addresses": (
        "List of addresses reachable to the node. Queried from cloud provider, if available. "
        "More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: "
        "This field is declared as mergeable, but the merge key is not sufficiently unique, "
        "which can cause data corruption when it is merged. Callers should instead use a "
        "full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should "
        "assume that addresses can change during the lifetime of a Node. However, there are "
        "some exceptions where this may not be possible, such as Pods that inherit a Node's "
        "address in its own status or consumers of the downward API (status.hostIP)."
    ),
    "Event.lastTimestamp": (
        "The time at which the most recent occurrence of this event was recorded."
    ),
    "Event.type": ("Type of this event (Normal, Warning), new types could be added in the future"),
    "Event.reason": (
        "This should be a short, machine understandable string that gives the reason for the "
        "transition into the object's current status."
    ),
    "Event.involvedObject": "The object that this event is about.",
    "Event.source": (
        "The component reporting this event. Should be a short machine understandable string."
    ),
    "Event.message": "A human-readable description of the status of this operation.",
    "Event.firstTimestamp": (
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"
    ),
    "Event.count": "The number of times this event has occurred.",
    "ObjectReference.fieldPath": (
        "If referring to a piece of an object instead of an entire object, this string should "
        "contain a valid JSON/Go field access statement, such as "
        "desiredState.manifest.containers[2]. For example, if the object reference is to a "
        'container within a pod, this would take on a value like: "spec.containers{name}" '
        '(where "name" refers to the name of the container that triggered the event) or if no '
        'container name is specified "spec.containers[2]" (container with index 2 in this '
        "pod). This syntax is chosen only to have some well-defined way of referencing a part "
        "of an object."
    ),
    "Secret.type": (
        "Used to facilitate programmatic handling of secret data. More info: "
        "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"
    ),
    "Secret.data": (
        "Data contains the secret data. Each key must consist of alphanumeric characters, '-', "
        "'_' or '.'. The serialized form of the secret data is a base64 encoded string, "
        "representing the arbitrary (possibly non-string) data value here. Described in "
        "https://tools.ietf.org/html/rfc4648#section-4"
    ),
    "ServiceAccount.secrets": (
        "Secrets is a list of the secrets in the same namespace that pods running using this "
        "ServiceAccount are allowed to use. Pods are only limited to this list if this service "
        'account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". The '
        '"kubernetes.io/enforce-mountable-secrets" annotation is deprecated since v1.32. '
        "Prefer separate namespaces to isolate access to mounted secrets. This field should "
        "not be used to find auto-generated service account token secrets for use outside of "
        "pods. Instead, tokens can be requested directly using the TokenRequest API, or "
        "service account token secrets can be manually created. More info: "
        "https://kubernetes.io/docs/concepts/configuration/secret"
    ),
    "PersistentVolumeSpec.capacity": (
        "capacity is the description of the persistent volume's resources and capacity. More "
        "info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"
    ),
    "PersistentVolumeSpec.accessModes": (
        "accessModes contains all ways the volume can be mounted. More info: "
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"
    ),
    "PersistentVolumeSpec.persistentVolumeReclaimPolicy": (
        "persistentVolumeReclaimPolicy defines what happens to a persistent volume when "
        "released from its claim. Valid options are Retain (default for manually created "
        "PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), "
        "and Recycle (deprecated). Recycle must be supported by the volume plugin underlying "
        "this PersistentVolume. More info: "
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"
    ),
    "PersistentVolumeSpec.claimRef": (
        "claimRef is part of a bi-directional binding between PersistentVolume and "
        "PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the "
        "authoritative bind between PV and PVC. More info: "
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"
    ),
    "PersistentVolumeSpec.volumeMode": (
        "volumeMode defines if a volume is intended to be used with a formatted filesystem or "
        "to remain in raw block state. Value of Filesystem is implied when not included in "
        "spec."
    ),
    "PersistentVolumeStatus.phase": (
        "phase indicates if a volume is available, bound to a claim, or released by a claim. "
        "More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"
    ),
    "PersistentVolumeStatus.reason": (
        "reason is a brief CamelCase string that describes any failure and is meant for "
        "machine parsing and tidy display in the CLI."
    ),
    "PersistentVolumeClaimStatus.phase": (
        "phase represents the current phase of PersistentVolumeClaim."
    ),
    "PersistentVolumeClaimStatus.capacity": (
        "capacity represents the actual resources of the underlying volume."
    ),
    "PersistentVolumeClaimStatus.accessModes": (
        "accessModes contains the actual access modes the volume backing the PVC has. More "
        "info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1"
    ),
    "PersistentVolumeClaimSpec.volumeName": (
        "volumeName is the binding reference to the PersistentVolume backing this claim."
    ),
    "PersistentVolumeClaimSpec.volumeMode": (
        "volumeMode defines what type of volume is required by the claim. Value of Filesystem "
        "is implied when not included in claim spec."
    ),
    "ConfigMap.data": (
        "Data contains the configuration data. Each key must consist of alphanumeric "
        "characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the "
        "BinaryData field. The keys stored in Data must not overlap with the keys in the "
        "BinaryData field, this is enforced during validation process."
    ),
    "ReplicaSetSpec.replicas": (
        "Replicas is the number of desired replicas. This is a pointer to distinguish between "
        "explicit zero and unspecified. Defaults to 1. More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller"
    ),
    "ReplicaSetSpec.selector": (
        "Selector is a label query over pods that should match the replica count. If the "
        "selector is empty, it is defaulted to the labels present on the pod template. Label "
        "keys and values that must match in order to be controlled by this replica set. More "
        "info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"
    ),
    "ReplicaSetStatus.replicas": (
        "Replicas is the most recently observed number of replicas. More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller"
    ),
    "ReplicaSetStatus.readyReplicas": ("The number of ready replicas for this replica set."),
    "DaemonSetStatus.desiredNumberScheduled": (
        "The total number of nodes that should be running the daemon pod (including nodes "
        "correctly running the daemon pod). More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"
    ),
    "DaemonSetStatus.currentNumberScheduled": (
        "The number of nodes that are running at least 1 daemon pod and are supposed to run "
        "the daemon pod. More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"
    ),
    "DaemonSetStatus.numberReady": (
        "The number of nodes that should be running the daemon pod and have one or more of the "
        "daemon pod running and ready."
    ),
    "DaemonSetStatus.updatedNumberScheduled": (
        "The total number of nodes that are running updated daemon pod"
    ),
    "DaemonSetStatus.numberAvailable": (
        "The number of nodes that should be running the daemon pod and have one or more of the "
        "daemon pod running and available (ready for at least spec.minReadySeconds)"
    ),
    "DaemonSetSpec.selector": (
        "A label query over pods that are managed by the daemon set. Must match in order to be "
        "controlled. If empty, defaulted to labels on Pod template. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"
    ),
    "DeploymentStatus.updatedReplicas": (
        "Total number of non-terminated pods targeted by this deployment that have the desired "
        "template spec."
    ),
    "DeploymentStatus.availableReplicas": (
        "Total number of available pods (ready for at least minReadySeconds) targeted by this "
        "deployment."
    ),
    "DeploymentSpec.selector": (
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be "
        "the ones affected by this deployment."
    ),
    "NetworkPolicySpec.podSelector": (
        "Selects the pods to which this NetworkPolicy object applies.  The array of ingress "
        "rules is applied to any pods selected by this field. Multiple network policies can "
        "select the same set of pods.  In this case, the ingress rules for each are combined "
        "additively. This field is NOT optional and follows standard label selector semantics. "
        "An empty podSelector matches all pods in this namespace."
    ),
    "JobStatus.succeeded": (
        "The number of pods which reached phase Succeeded. The value increases monotonically "
        "for a given spec. However, it may decrease in reaction to scale down of elastic "
        "indexed jobs."
    ),
    "JobSpec.selector": (
        "A label query over pods that should match the pod count. Normally, the system sets "
        "this field for you. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"
    ),
    "CronJobSpec.schedule": (
        "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."
    ),
    "CronJobSpec.timeZone": (
        "The time zone name for the given schedule, see "
        "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this "
        "will default to the time zone of the kube-controller-manager process. The set of "
        "valid time zone names and the time zone offset is loaded from the system-wide time "
        "zone database by the API server during CronJob validation and the controller manager "
        "during execution. If no system-wide time zone database can be found a bundled version "
        "of the database is used instead. If the time zone name becomes invalid during the "
        "lifetime of a CronJob or due to a change in host configuration, the controller will "
        "stop creating new new Jobs and will create a system event with the reason "
        "UnknownTimeZone. More information can be found in "
        "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones"
    ),
    "CronJobSpec.suspend": (
        "This flag tells the controller to suspend subsequent executions, it does not apply to "
        "already started executions.  Defaults to false."
    ),
    "CronJobStatus.active": "A list of pointers to currently running jobs.",
    "CronJobStatus.lastScheduleTime": (
        "Information when was the last time the job was successfully scheduled."
    ),
    "ControllerRevision.revision": (
        "revision indicates the revision of the state represented by Data."
    ),
    "HorizontalPodAutoscalerSpec.scaleTargetRef": (
        "scaleTargetRef points to the target resource to scale, and is used to the pods for "
        "which metrics should be collected, as well as to actually change the replica count."
    ),
    "HorizontalPodAutoscalerSpec.metrics": (
        "metrics contains the specifications for which to use to calculate the desired replica "
        "count (the maximum replica count across all metrics will be used).  The desired "
        "replica count is calculated multiplying the ratio between the target value and the "
        "current value by the current number of pods.  Ergo, metrics used must decrease as the "
        "pod count is increased, and vice-versa.  See the individual metric source types for "
        "more information about how each type of metric must respond."
    ),
    "HorizontalPodAutoscalerSpec.minReplicas": (
        "minReplicas is the lower limit for the number of replicas to which the autoscaler can "
        "scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha "
        "feature gate HPAScaleToZero is enabled and at least one Object or External metric is "
        "configured.  Scaling is active as long as at least one metric value is available."
    ),
    "HorizontalPodAutoscalerSpec.maxReplicas": (
        "maxReplicas is the upper limit for the number of replicas to which the autoscaler can "
        "scale up. It cannot be less that minReplicas."
    ),
    "HorizontalPodAutoscalerStatus.currentReplicas": (
        "currentReplicas is current number of replicas of pods managed by this autoscaler, as "
        "last seen by the autoscaler."
    ),
    "RoleBinding.roleRef": (
        "RoleRef can reference a Role in the current namespace or a ClusterRole in the global "
        "namespace. If the RoleRef cannot be resolved, the Authorizer must return an error."
    ),
    "ClusterRoleBinding.roleRef": (
        "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef "
        "cannot be resolved, the Authorizer must return an error."
    ),
    "LeaseSpec.holderIdentity": (
        "holderIdentity contains the identity of the holder of a current lease. If Coordinated "
        "Leader Election is used, the holder identity must be equal to the elected "
        "LeaseCandidate.metadata.name field."
    ),
    "StorageClass.provisioner": "provisioner indicates the type of the provisioner.",
    "StorageClass.reclaimPolicy": (
        "reclaimPolicy controls the reclaimPolicy for dynamically provisioned "
        "PersistentVolumes of this storage class. Defaults to Delete."
    ),
    "StorageClass.volumeBindingMode": (
        "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and "
        "bound.  When unset, VolumeBindingImmediate is used. This field is only honored by "
        "servers that enable the VolumeScheduling feature."
    ),
    "StorageClass.allowVolumeExpansion": (
        "allowVolumeExpansion shows whether the storage class allow volume expand."
    ),
    "EndpointSlice.addressType": (
        "addressType specifies the type of address carried by this EndpointSlice. All "
        "addresses in this slice must be the same type. This field is immutable after "
        "creation. The following address types are currently supported: * IPv4: Represents an "
        "IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully "
        "Qualified Domain Name."
    ),
    "EndpointSlice.ports": (
        "ports specifies the list of network ports exposed by each endpoint in this slice. "
        "Each port must have a unique name. When ports is empty, it indicates that there are "
        'no defined ports. When a port is defined with a nil port value, it indicates "all '
        'ports". Each slice may include a maximum of 100 ports.'
    ),
    "EndpointSlice.endpoints": (
        "endpoints is a list of unique endpoints in this slice. Each slice may include a "
        "maximum of 1000 endpoints."
    ),
}


# --- column definitions ----------------------------------------------------------------------


def _col(
    name: str,
    description: str,
    cell: Callable[[Obj], Any],
    *,
    kind: str = "string",
    wide: bool = False,
) -> Column:
    return Column(name=name, type=kind, description=description, cell=cell, priority=int(wide))


def _size(*path: str) -> Callable[[Obj], int]:
    """How many entries a list or map field holds."""
    return lambda obj: len(dig(obj, *path) or ())


NAME = Column("Name", "string", _DOCS["ObjectMeta.name"], _name, format="name")
AGE = _col("Age", _DOCS["ObjectMeta.creationTimestamp"], age)
# The default table of resources without a printer (`rest.NewDefaultTableConvertor`).
CREATED_AT = _col("Created At", _DOCS["ObjectMeta.creationTimestamp"], created_at, kind="date")

_CONTAINERS = "Names of each container in the template."
_IMAGES = "Images referenced by each container in the template."


def _template(
    pod_spec: Callable[[Obj], Any], selector: Column | None = None, *, wide: bool = True
) -> tuple[Column, ...]:
    """A pod template's Containers and Images columns, then its Selector if given."""
    names, images = _template_cells(pod_spec)
    columns = (
        _col("Containers", _CONTAINERS, names, wide=wide),
        _col("Images", _IMAGES, images, wide=wide),
    )
    return columns if selector is None else (*columns, selector)


def _selector(doc: str, cell: Callable[[Obj], str]) -> Column:
    return _col("Selector", _DOCS[doc], cell, wide=True)


def _label_selector(doc: str, *path: str) -> Column:
    return _selector(doc, lambda obj: format_label_selector(dig(obj, *path)))


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

POD_DISRUPTION_BUDGET_COLUMNS = (
    _col(
        "Min Available",
        "The minimum number of pods that must be available.",
        lambda obj: _int_or_string(dig(obj, "spec", "minAvailable")),
    ),
    _col(
        "Max Unavailable",
        "The maximum number of pods that may be unavailable.",
        lambda obj: _int_or_string(dig(obj, "spec", "maxUnavailable")),
    ),
    _col(
        "Allowed Disruptions",
        "Calculated number of pods that may be disrupted at this time.",
        _count("status", "disruptionsAllowed"),
        kind="integer",
    ),
    AGE,
)


def _replica_columns(spec: str, status: str) -> tuple[Column, ...]:
    """Desired, Current and Ready replica counts, described by the given spec/status types."""
    return (
        _col("Desired", _DOCS[f"{spec}.replicas"], _count("spec", "replicas"), kind="integer"),
        _col("Current", _DOCS[f"{status}.replicas"], _count("status", "replicas"), kind="integer"),
        _col(
            "Ready",
            _DOCS[f"{status}.readyReplicas"],
            _count("status", "readyReplicas"),
            kind="integer",
        ),
        AGE,
    )


REPLICATION_CONTROLLER_COLUMNS = (
    *_replica_columns("ReplicationControllerSpec", "ReplicationControllerStatus"),
    *_template(
        _path("spec", "template", "spec"),
        _selector(
            "ReplicationControllerSpec.selector",
            lambda obj: format_labels(dig(obj, "spec", "selector")),
        ),
    ),
)

REPLICA_SET_COLUMNS = (
    *_replica_columns("ReplicaSetSpec", "ReplicaSetStatus"),
    *_template(
        _path("spec", "template", "spec"),
        _label_selector("ReplicaSetSpec.selector", "spec", "selector"),
    ),
)


def _daemon_count(name: str, field_name: str) -> Column:
    return _col(
        name, _DOCS[f"DaemonSetStatus.{field_name}"], _count("status", field_name), kind="integer"
    )


DAEMON_SET_COLUMNS = (
    _daemon_count("Desired", "desiredNumberScheduled"),
    _daemon_count("Current", "currentNumberScheduled"),
    _daemon_count("Ready", "numberReady"),
    _daemon_count("Up-to-date", "updatedNumberScheduled"),
    _daemon_count("Available", "numberAvailable"),
    _col(
        "Node Selector",
        _DOCS["PodSpec.nodeSelector"],
        lambda obj: format_labels(dig(obj, "spec", "template", "spec", "nodeSelector")),
    ),
    AGE,
    *_template(
        _path("spec", "template", "spec"),
        _label_selector("DaemonSetSpec.selector", "spec", "selector"),
    ),
)

JOB_COLUMNS = (
    _col("Status", "Status of the job.", _job_status),
    _col("Completions", _DOCS["JobStatus.succeeded"], _job_completions),
    _col("Duration", "Time required to complete the job.", _job_duration),
    AGE,
    *_template(
        _path("spec", "template", "spec"), _label_selector("JobSpec.selector", "spec", "selector")
    ),
)

CRON_JOB_COLUMNS = (
    _col("Schedule", _DOCS["CronJobSpec.schedule"], _text("spec", "schedule")),
    _col("Timezone", _DOCS["CronJobSpec.timeZone"], _optional("spec", "timeZone", unset="<none>")),
    _col(
        "Suspend",
        _DOCS["CronJobSpec.suspend"],
        lambda obj: _bool_pointer(dig(obj, "spec", "suspend")),
        kind="boolean",
    ),
    _col("Active", _DOCS["CronJobStatus.active"], _size("status", "active"), kind="integer"),
    _col("Last Schedule", _DOCS["CronJobStatus.lastScheduleTime"], _last_schedule),
    AGE,
    *_template(
        _path("spec", "jobTemplate", "spec", "template", "spec"),
        _label_selector("JobSpec.selector", "spec", "jobTemplate", "spec", "selector"),
    ),
)

SERVICE_COLUMNS = (
    _col("Type", _DOCS["ServiceSpec.type"], _text("spec", "type")),
    _col("Cluster-IP", _DOCS["ServiceSpec.clusterIP"], _cluster_ip),
    _col("External-IP", _DOCS["ServiceSpec.externalIPs"], _external_ip),
    _col("Port(s)", _DOCS["ServiceSpec.ports"], _service_ports),
    AGE,
    _selector("ServiceSpec.selector", lambda obj: format_labels(dig(obj, "spec", "selector"))),
)

INGRESS_COLUMNS = (
    _col(
        "Class",
        "The name of the IngressClass resource that should be used for additional configuration",
        _optional("spec", "ingressClassName", unset="<none>"),
    ),
    _col(
        "Hosts",
        "Hosts that incoming requests are matched against before the ingress rule",
        _ingress_hosts,
    ),
    _col(
        "Address",
        "Address is a list containing ingress points for the load-balancer",
        lambda obj: ",".join(_ingress_points(_list(obj, "status", "loadBalancer", "ingress"))),
    ),
    _col("Ports", "Ports of TLS configurations that open", _ingress_ports),
    AGE,
)

INGRESS_CLASS_COLUMNS = (
    _col(
        "Controller",
        "Controller that is responsible for handling this class",
        _text("spec", "controller"),
    ),
    _col(
        "Parameters",
        "A reference to a resource with additional parameters",
        _ingress_class_parameters,
    ),
    AGE,
)

STATEFUL_SET_COLUMNS = (
    _col("Ready", "Number of the pod with ready state", _ready_of_desired),
    AGE,
    *_template(_path("spec", "template", "spec")),
)

ENDPOINTS_COLUMNS = (_col("Endpoints", _DOCS["Endpoints.subsets"], _endpoints), AGE)


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

PERSISTENT_VOLUME_COLUMNS = (
    _col(
        "Capacity",
        _DOCS["PersistentVolumeSpec.capacity"],
        lambda obj: _storage(dig(obj, "spec", "capacity")),
    ),
    _col(
        "Access Modes",
        _DOCS["PersistentVolumeSpec.accessModes"],
        lambda obj: _access_modes(_list(obj, "spec", "accessModes")),
    ),
    _col(
        "Reclaim Policy",
        _DOCS["PersistentVolumeSpec.persistentVolumeReclaimPolicy"],
        _text("spec", "persistentVolumeReclaimPolicy"),
    ),
    _col("Status", _DOCS["PersistentVolumeStatus.phase"], _terminating_phase),
    _col("Claim", _DOCS["PersistentVolumeSpec.claimRef"], _claim),
    _col("StorageClass", "StorageClass of the pv", _storage_class),
    _col(
        "VolumeAttributesClass",
        "VolumeAttributesClass of the pv",
        _optional("spec", "volumeAttributesClassName", unset="<unset>"),
    ),
    _col("Reason", _DOCS["PersistentVolumeStatus.reason"], _text("status", "reason")),
    AGE,
    _col(
        "VolumeMode",
        _DOCS["PersistentVolumeSpec.volumeMode"],
        _optional("spec", "volumeMode", unset="<unset>"),
        wide=True,
    ),
)

PERSISTENT_VOLUME_CLAIM_COLUMNS = (
    _col("Status", _DOCS["PersistentVolumeClaimStatus.phase"], _terminating_phase),
    _col("Volume", _DOCS["PersistentVolumeClaimSpec.volumeName"], _text("spec", "volumeName")),
    _col(
        "Capacity",
        _DOCS["PersistentVolumeClaimStatus.capacity"],
        _bound_only(lambda obj: _storage(dig(obj, "status", "capacity"))),
    ),
    _col(
        "Access Modes",
        _DOCS["PersistentVolumeClaimStatus.accessModes"],
        _bound_only(lambda obj: _access_modes(_list(obj, "status", "accessModes"))),
    ),
    _col("StorageClass", "StorageClass of the pvc", _storage_class),
    _col(
        "VolumeAttributesClass",
        "VolumeAttributesClass of the pvc",
        _optional("spec", "volumeAttributesClassName", unset="<unset>"),
    ),
    AGE,
    _col(
        "VolumeMode",
        _DOCS["PersistentVolumeClaimSpec.volumeMode"],
        _optional("spec", "volumeMode", unset="<unset>"),
        wide=True,
    ),
)

DEPLOYMENT_COLUMNS = (
    _col("Ready", "Number of the pod with ready state", _ready_of_desired),
    _col(
        "Up-to-date", _DOCS["DeploymentStatus.updatedReplicas"], _count("status", "updatedReplicas")
    ),
    _col(
        "Available",
        _DOCS["DeploymentStatus.availableReplicas"],
        _count("status", "availableReplicas"),
    ),
    AGE,
    *_template(
        _path("spec", "template", "spec"),
        _selector("DeploymentSpec.selector", _deployment_selector),
    ),
)


def _hpa_columns(metrics: Callable[[Obj], tuple[list[Any], list[Any]]]) -> tuple[Column, ...]:
    spec, status = "HorizontalPodAutoscalerSpec", "HorizontalPodAutoscalerStatus"
    return (
        _col(
            "Reference",
            _DOCS[f"{spec}.scaleTargetRef"],
            lambda obj: (
                f"{_str(obj, 'spec', 'scaleTargetRef', 'kind')}/"
                f"{_str(obj, 'spec', 'scaleTargetRef', 'name')}"
            ),
        ),
        _col("Targets", _DOCS[f"{spec}.metrics"], _hpa_targets(metrics)),
        _col("MinPods", _DOCS[f"{spec}.minReplicas"], _min_pods),
        _col("MaxPods", _DOCS[f"{spec}.maxReplicas"], _count("spec", "maxReplicas")),
        _col("Replicas", _DOCS[f"{status}.currentReplicas"], _count("status", "currentReplicas")),
        AGE,
    )


HPA_V2_COLUMNS = _hpa_columns(_v2_metrics)
HPA_V1_COLUMNS = _hpa_columns(_v1_metrics)

CONFIG_MAP_COLUMNS = (_col("Data", _DOCS["ConfigMap.data"], _data_count), AGE)

NETWORK_POLICY_COLUMNS = (
    _col(
        "Pod-Selector",
        _DOCS["NetworkPolicySpec.podSelector"],
        lambda obj: format_label_selector(dig(obj, "spec", "podSelector")),
    ),
    AGE,
)


def _binding_columns(kind: str) -> tuple[Column, ...]:
    """RoleBinding / ClusterRoleBinding: the role, then the subjects by kind (wide)."""
    label = kind[0].lower() + kind[1:]
    return (
        _col("Role", _DOCS[f"{kind}.roleRef"], _role_ref),
        AGE,
        _col("Users", f"Users in the {label}", _subjects("User"), wide=True),
        _col("Groups", f"Groups in the {label}", _subjects("Group"), wide=True),
        _col(
            "ServiceAccounts",
            f"ServiceAccounts in the {label}",
            _subjects("ServiceAccount"),
            wide=True,
        ),
    )


ROLE_BINDING_COLUMNS = _binding_columns("RoleBinding")
CLUSTER_ROLE_BINDING_COLUMNS = _binding_columns("ClusterRoleBinding")

LEASE_COLUMNS = (
    _col("Holder", _DOCS["LeaseSpec.holderIdentity"], _text("spec", "holderIdentity")),
    AGE,
)

STORAGE_CLASS_COLUMNS = (
    # The default class is marked in the Name cell itself.
    Column("Name", "string", _DOCS["ObjectMeta.name"], _storage_class_name, format="name"),
    _col("Provisioner", _DOCS["StorageClass.provisioner"], _text("provisioner")),
    _col(
        "ReclaimPolicy", _DOCS["StorageClass.reclaimPolicy"], _or(_text("reclaimPolicy"), "Delete")
    ),
    _col(
        "VolumeBindingMode",
        _DOCS["StorageClass.volumeBindingMode"],
        _or(_text("volumeBindingMode"), "Immediate"),
    ),
    _col(
        "AllowVolumeExpansion",
        _DOCS["StorageClass.allowVolumeExpansion"],
        lambda obj: dig(obj, "allowVolumeExpansion") is True,
    ),
    AGE,
)

CONTROLLER_REVISION_COLUMNS = (
    _col("Controller", "Controller of the object", _controller),
    _col("Revision", _DOCS["ControllerRevision.revision"], _count("revision")),
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

ENDPOINT_SLICE_COLUMNS = (
    _col("AddressType", _DOCS["EndpointSlice.addressType"], _text("addressType")),
    _col("Ports", _DOCS["EndpointSlice.ports"], _slice_ports),
    _col("Endpoints", _DOCS["EndpointSlice.endpoints"], _slice_endpoints),
    AGE,
)


# --- tables ----------------------------------------------------------------------------------


def table_columns(resource: Resource) -> list[Column]:
    """The `columnDefinitions` of the resource's Table, Name column included.

    Resources without columns get the default table (Name, Created At). A resource whose columns
    hold their own name-format column (events put it last, storage classes decorate it) is
    listed as is; every other one gets the plain Name column first.
    """
    if not resource.columns:
        return [NAME, CREATED_AT]
    if any(column.format == "name" for column in resource.columns):
        return list(resource.columns)
    return [NAME, *resource.columns]


def table_row(resource: Resource, obj: Obj) -> list[Any]:
    """The cells of one object's row, one per column of `table_columns`."""
    return [column.cell(obj) for column in table_columns(resource)]
