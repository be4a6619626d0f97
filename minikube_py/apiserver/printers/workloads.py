"""Printers of the workload kinds (apps, batch, autoscaling, policy).

Deployments, replica sets, replication controllers, stateful sets, daemon sets, jobs, cron jobs,
controller revisions, horizontal pod autoscalers (v1 seen as the v2 metric it converts to) and
pod disruption budgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minikube_py.apiserver.printers import _cells
from minikube_py.apiserver.printers._cells import (
    AGE,
    _col,
    _condition_true,
    _count,
    _has,
    _int,
    _label_selector,
    _list,
    _map,
    _optional,
    _path,
    _selector,
    _size,
    _str,
    _template,
    _text,
    dig,
    format_labels,
    human_duration,
    label_selector_string,
    parse_time,
    since,
)
from minikube_py.apiserver.printers._docs import _DOCS
from minikube_py.resources import Column, Obj

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
    end = parse_time(dig(job, "status", "completionTime")) or _cells.now()
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


def _deployment_selector(deployment: Obj) -> str:
    """Deployments print the raw selector string (no `<none>`), `<invalid>` on error."""
    text = label_selector_string(dig(deployment, "spec", "selector"))
    return "<invalid>" if text is None else text


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


# --- column definitions ----------------------------------------------------------------------


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


STATEFUL_SET_COLUMNS = (
    _col("Ready", "Number of the pod with ready state", _ready_of_desired),
    AGE,
    *_template(_path("spec", "template", "spec")),
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


CONTROLLER_REVISION_COLUMNS = (
    _col("Controller", "Controller of the object", _controller),
    _col("Revision", _DOCS["ControllerRevision.revision"], _count("revision")),
    AGE,
)
