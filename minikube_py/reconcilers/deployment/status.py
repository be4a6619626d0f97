"""A Deployment's status: the ReplicaSets' counts summed, and its conditions.

Available (enough pods available), Progressing (with `progressDeadlineSeconds`: created, found,
updated, available, or timed out) and ReplicaFailure (copied from a ReplicaSet); pure functions
of the objects and the time (k8s `deployment/sync.go`, `progress.go`, `util/deployment_util.go`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from minikube_py.reconcilers.deployment.rollout import (
    count,
    generation,
    max_unavailable,
    number,
    replicas,
    total,
)
from minikube_py.reconcilers.podcontrol import format_time, parse_time
from minikube_py.resources import Obj

NO_DEADLINE = 2**31 - 1  # progressDeadlineSeconds meaning "never"

AVAILABLE, PROGRESSING, REPLICA_FAILURE = "Available", "Progressing", "ReplicaFailure"
NEW_RS_CREATED, FOUND_NEW_RS = "NewReplicaSetCreated", "FoundNewReplicaSet"
RS_UPDATED, NEW_RS_AVAILABLE = "ReplicaSetUpdated", "NewReplicaSetAvailable"
TIMED_OUT, RS_CREATE_ERROR = "ProgressDeadlineExceeded", "ReplicaSetCreateError"
PAUSED, RESUMED = "DeploymentPaused", "DeploymentResumed"


def get_condition(status: Obj, kind: str) -> Obj | None:
    return next((c for c in status.get("conditions") or [] if c.get("type") == kind), None)


def set_condition(status: Obj, condition: Obj) -> None:
    """SetDeploymentCondition: a condition of the same status and reason stays as it is; a
    status that does not change keeps its lastTransitionTime."""
    current = get_condition(status, condition["type"])
    if current is not None and current["status"] == condition["status"]:
        if current.get("reason") == condition["reason"]:
            return
        condition["lastTransitionTime"] = current.get("lastTransitionTime")
    remove_condition(status, condition["type"])
    status["conditions"] = [*status.get("conditions", []), condition]


def remove_condition(status: Obj, kind: str) -> None:
    kept = [c for c in status.get("conditions") or [] if c.get("type") != kind]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)


def condition(kind: str, status: str, reason: str, message: str, now: datetime) -> Obj:
    stamp = format_time(now)
    return {
        "type": kind,
        "status": status,
        "lastUpdateTime": stamp,
        "lastTransitionTime": stamp,
        "reason": reason,
        "message": message,
    }


def has_deadline(d: Obj) -> bool:
    deadline = d["spec"].get("progressDeadlineSeconds")
    return deadline is not None and deadline != NO_DEADLINE


def deployment_status(d: Obj, rss: list[Obj], new: Obj | None, now: datetime) -> Obj:
    """calculateStatus: the ReplicaSets' counts summed and the Available condition; zero
    counts are left out, as Go's omitempty does."""
    available = total(rss, "availableReplicas")
    counts = {
        "observedGeneration": generation(d),
        "replicas": total(rss, "replicas"),
        "updatedReplicas": count(new, "replicas"),
        "readyReplicas": total(rss, "readyReplicas"),
        "availableReplicas": available,
        "unavailableReplicas": max(total(rss) - available, 0),
    }
    status: Obj = {k: v for k, v in counts.items() if v}
    old = d.get("status") or {}
    if "collisionCount" in old:
        status["collisionCount"] = old["collisionCount"]
    if old.get("conditions"):
        status["conditions"] = [dict(c) for c in old["conditions"]]
    if available >= replicas(d) - max_unavailable(d):
        message = "Deployment has minimum availability."
        set_condition(
            status, condition(AVAILABLE, "True", "MinimumReplicasAvailable", message, now)
        )
    else:
        message = "Deployment does not have minimum availability."
        set_condition(
            status, condition(AVAILABLE, "False", "MinimumReplicasUnavailable", message, now)
        )
    return status


def complete(d: Obj, status: Obj) -> bool:
    """DeploymentComplete: every replica updated and available, and the spec observed."""
    wanted = replicas(d)
    return (
        number(status, "updatedReplicas") == wanted
        and number(status, "replicas") == wanted
        and number(status, "availableReplicas") == wanted
        and number(status, "observedGeneration") >= generation(d)
    )


def progressed(d: Obj, status: Obj) -> bool:
    """DeploymentProgressing: more updated, ready or available pods, or fewer old ones."""
    old = d.get("status") or {}

    def grew(field: str) -> bool:
        return number(status, field) > number(old, field)

    def olds(s: Obj) -> int:
        return number(s, "replicas") - number(s, "updatedReplicas")

    return (
        grew("updatedReplicas")
        or olds(status) < olds(old)
        or grew("readyReplicas")
        or grew("availableReplicas")
    )


def timed_out(d: Obj, status: Obj, now: datetime) -> bool:
    """DeploymentTimedOut: no progress for progressDeadlineSeconds since the last one."""
    current = get_condition(status, PROGRESSING)
    if not has_deadline(d) or current is None or current.get("reason") == NEW_RS_AVAILABLE:
        return False
    if current.get("reason") == TIMED_OUT:
        return True
    since = parse_time(current.get("lastUpdateTime"))
    deadline = timedelta(seconds=int(d["spec"]["progressDeadlineSeconds"]))
    return since is not None and since + deadline < now


def rollout_status(d: Obj, rss: list[Obj], new: Obj | None, now: datetime) -> Obj:
    """syncRolloutStatus: `deployment_status` plus the Progressing condition of a rollout and
    the ReplicaSets' ReplicaFailure."""
    status = deployment_status(d, rss, new, now)
    current = get_condition(d.get("status") or {}, PROGRESSING)
    if not has_deadline(d):
        remove_condition(status, PROGRESSING)
    finished = (
        number(status, "replicas") == number(status, "updatedReplicas")
        and current is not None
        and current.get("reason") == NEW_RS_AVAILABLE
    )
    if has_deadline(d) and not finished:
        _progress(d, status, new, current, now)
    failure = _replica_failure(rss, new)
    if failure is not None:
        set_condition(status, failure)
    else:
        remove_condition(status, REPLICA_FAILURE)
    return status


def _progress(d: Obj, status: Obj, new: Obj | None, current: Obj | None, now: datetime) -> None:
    subject = (
        f'ReplicaSet "{new["metadata"]["name"]}"'
        if new
        else f'Deployment "{d["metadata"]["name"]}"'
    )
    if complete(d, status):
        message = f"{subject} has successfully progressed."
        set_condition(status, condition(PROGRESSING, "True", NEW_RS_AVAILABLE, message, now))
    elif progressed(d, status):
        # Progress refreshes lastUpdateTime even with the same reason: the deadline restarts.
        update = condition(PROGRESSING, "True", RS_UPDATED, f"{subject} is progressing.", now)
        if current is not None and current["status"] == "True":
            update["lastTransitionTime"] = current["lastTransitionTime"]
        remove_condition(status, PROGRESSING)
        set_condition(status, update)
    elif timed_out(d, status, now):
        message = f"{subject} has timed out progressing."
        set_condition(status, condition(PROGRESSING, "False", TIMED_OUT, message, now))


def _replica_failure(rss: list[Obj], new: Obj | None) -> Obj | None:
    """getReplicaFailures: the new ReplicaSet's failure, else any other's, as a Deployment
    condition."""
    for rs in [*([new] if new else []), *rss]:
        found = get_condition(rs.get("status") or {}, REPLICA_FAILURE)
        if found is not None:
            since = found.get("lastTransitionTime")
            return {
                "type": REPLICA_FAILURE,
                "status": found["status"],
                "lastUpdateTime": since,
                "lastTransitionTime": since,
                "reason": found.get("reason", ""),
                "message": found.get("message", ""),
            }
    return None


def progress_check_delay(d: Obj, status: Obj, now: datetime) -> float | None:
    """requeueStuckDeployment: when to look again whether a rollout without news timed out."""
    current = get_condition(d.get("status") or {}, PROGRESSING)
    if not has_deadline(d) or current is None:
        return None
    if complete(d, status) or current.get("reason") == TIMED_OUT:
        return None
    since = parse_time(current.get("lastUpdateTime")) or now
    deadline = since + timedelta(seconds=int(d["spec"]["progressDeadlineSeconds"]))
    return max((deadline - now).total_seconds(), 0.0) + 1.0
