"""The rules of a Job, as pure functions of the Job and its pods (no API calls).

Predicates (finished, suspended, Indexed, holding the tracking finalizer, counted as failed),
the `completedIndexes` text form, the backoff before a replacement pod, how many pods to run,
the pod to create, the TTL after finishing, and `Sync`, what one sync knows and decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from minikube_py.reconcilers.podcontrol import (
    format_time,
    is_active,
    is_terminal,
    parse_time,
    phase,
    pod_from_template,
)
from minikube_py.resources import Obj, clone

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
INDEX_KEY = "batch.kubernetes.io/job-completion-index"
INDEX_ENV = "JOB_COMPLETION_INDEX"
DEFAULT_BACKOFF = timedelta(seconds=10)
MAX_BACKOFF = timedelta(minutes=6)


# ---- small predicates ------------------------------------------------------------------------


def condition(job: Obj, kind: str) -> Obj | None:
    for item in job.get("status", {}).get("conditions") or []:
        if item.get("type") == kind and item.get("status") == "True":
            return dict(item)
    return None


def finished(job: Obj) -> str:
    """ "Complete", "Failed", or "" for a Job still running (IsJobFinished)."""
    for kind in ("Complete", "Failed"):
        if condition(job, kind):
            return kind
    return ""


def suspended(job: Obj) -> bool:
    return bool(job["spec"].get("suspend"))


def indexed(job: Obj) -> bool:
    return bool(job["spec"].get("completionMode") == "Indexed")


def has_finalizer(pod: Obj) -> bool:
    return TRACKING_FINALIZER in (pod["metadata"].get("finalizers") or [])


def counts_as_failed(pod: Obj, job: Obj) -> bool:
    """isPodFailed: Failed, or deleted before it finished (unless only Failed pods count)."""
    if phase(pod) == "Failed":
        return True
    if job["spec"].get("podReplacementPolicy") == "Failed":
        return False
    return bool(pod["metadata"].get("deletionTimestamp")) and phase(pod) != "Succeeded"


def terminating(pod: Obj) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp")) and not is_terminal(pod)


def completion_index(pod: Obj, completions: int) -> int | None:
    """The pod's valid completion index, or None."""
    text = str((pod["metadata"].get("annotations") or {}).get(INDEX_KEY, ""))
    if not text.isdigit() or int(text) >= completions:
        return None
    return int(text)


def new_condition(kind: str, reason: str, message: str, now: datetime) -> Obj:
    stamp = format_time(now)
    return {
        "type": kind,
        "status": "True",
        "lastProbeTime": stamp,
        "lastTransitionTime": stamp,
        "reason": reason,
        "message": message,
    }


# ---- indexes ---------------------------------------------------------------------------------


def parse_indexes(text: str, completions: int) -> set[int]:
    """`1,3-5,7` (status.completedIndexes) as a set, ignoring out-of-range entries."""
    found: set[int] = set()
    for part in filter(None, text.split(",")):
        low, _, high = part.partition("-")
        if low.isdigit() and (not high or high.isdigit()):
            found.update(i for i in range(int(low), int(high or low) + 1) if i < completions)
    return found


def format_indexes(indexes: Iterable[int]) -> str:
    """The compressed form: consecutive indexes as ranges."""
    ranges: list[list[int]] = []
    for index in sorted(set(indexes)):
        if ranges and index == ranges[-1][1] + 1:
            ranges[-1][1] = index
        else:
            ranges.append([index, index])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


# ---- backoff ---------------------------------------------------------------------------------


def backoff_delay(
    failures: int, base: timedelta = DEFAULT_BACKOFF, cap: timedelta = MAX_BACKOFF
) -> timedelta:
    """The wait before a replacement after `failures` failures in a row: 10 s, 20 s, 40 s, ..."""
    if failures <= 0:
        return timedelta(0)
    delay: timedelta = base * 2 ** (failures - 1)
    return min(delay, cap)


def finish_time(pod: Obj, now: datetime) -> datetime:
    """getFinishedTime: when the last container ended, else when the pod was deleted."""
    ends = [
        parse_time((status.get("state", {}).get("terminated") or {}).get("finishedAt"))
        for status in pod.get("status", {}).get("containerStatuses") or []
    ]
    known = [t for t in ends if t is not None]
    if known:
        return max(known)
    return parse_time(pod["metadata"].get("deletionTimestamp")) or now


@dataclass(frozen=True, slots=True)
class Backoff:
    """backoffRecord: failures since the last success, and when the last one happened."""

    failures: int = 0
    last_failure: datetime | None = None

    def after(self, succeeded: list[Obj], failed: list[Obj], now: datetime) -> Backoff:
        """The record once newly finished pods are counted: a success resets it."""
        if not succeeded and not failed:
            return self
        times = sorted(
            [(finish_time(p, now), False) for p in succeeded]
            + [(finish_time(p, now), True) for p in failed]
        )
        last_success = max((t for t, bad in times if not bad), default=None)
        later = [t for t, bad in times if bad and (last_success is None or t > last_success)]
        if last_success is None:
            return Backoff(self.failures + len(later), later[-1])
        return Backoff(len(later), later[-1] if later else None)

    def remaining(self, now: datetime) -> timedelta:
        if self.failures == 0 or self.last_failure is None:
            return timedelta(0)
        return max(backoff_delay(self.failures) - (now - self.last_failure), timedelta(0))


# ---- how many pods ---------------------------------------------------------------------------


def wanted_active(job: Obj, *, succeeded: int, active: int) -> int:
    """manageJob's target: parallelism, bounded by the completions still missing."""
    spec = job["spec"]
    parallelism = int(spec.get("parallelism") or 0)
    completions = spec.get("completions")
    if completions is None:
        return active if succeeded > 0 else parallelism
    return max(min(int(completions) - succeeded, parallelism), 0)


def complete(job: Obj, *, succeeded: int, active: int) -> bool:
    completions = job["spec"].get("completions")
    if completions is None:
        return succeeded > 0 and active == 0
    return succeeded >= int(completions) and active == 0


def past_deadline(job: Obj, now: datetime) -> timedelta | None:
    """How long until activeDeadlineSeconds runs out (<= 0: it has), or None without one."""
    deadline = job["spec"].get("activeDeadlineSeconds")
    started = parse_time(job.get("status", {}).get("startTime"))
    if deadline is None or started is None or suspended(job):
        return None
    return started + timedelta(seconds=int(deadline)) - now


def pending_indexes(job: Obj, pods: list[Obj], done: set[int], count: int) -> list[int]:
    """firstPendingIndexes: the lowest indexes neither succeeded nor running."""
    completions = int(job["spec"]["completions"])
    running = {completion_index(p, completions) for p in pods if is_active(p)}
    free = (i for i in range(completions) if i not in done and i not in running)
    return [i for _, i in zip(range(count), free, strict=False)]


def new_pod(job: Obj, index: int | None) -> Obj:
    """A Job pod: the template with the tracking finalizer, and for Indexed Jobs the index."""
    template = clone(job["spec"]["template"])
    meta = template.setdefault("metadata", {})
    if TRACKING_FINALIZER not in (meta.get("finalizers") or []):
        meta["finalizers"] = [*(meta.get("finalizers") or []), TRACKING_FINALIZER]
    name = job["metadata"]["name"]
    if index is None:
        return pod_from_template(template, job, generate_name=f"{name}-")
    meta.setdefault("annotations", {})[INDEX_KEY] = str(index)
    meta.setdefault("labels", {})[INDEX_KEY] = str(index)
    spec = template.setdefault("spec", {})
    spec["hostname"] = f"{name}-{index}"
    env = {
        "name": INDEX_ENV,
        "valueFrom": {"fieldRef": {"fieldPath": f"metadata.annotations['{INDEX_KEY}']"}},
    }
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        if all(e.get("name") != INDEX_ENV for e in container.get("env") or []):
            container["env"] = [*(container.get("env") or []), env]
    return pod_from_template(template, job, generate_name=f"{name}-{index}-")


def ttl_remaining(job: Obj, now: datetime) -> timedelta | None:
    """Time until a finished Job with ttlSecondsAfterFinished is due for deletion."""
    ttl = job["spec"].get("ttlSecondsAfterFinished")
    kind = finished(job)
    if ttl is None or not kind:
        return None
    done = condition(job, kind) or {}
    at = parse_time(job["status"].get("completionTime") or done.get("lastTransitionTime")) or now
    return at + timedelta(seconds=int(ttl)) - now


# ---- one sync's view -------------------------------------------------------------------------


@dataclass(slots=True)
class Sync:
    """What one sync of a Job knows and decides (syncJobCtx)."""

    job: Obj
    status: Obj  # the status being written, a private copy
    pods: list[Obj]
    expected_removals: set[str]  # pod uids whose finalizer removal is not yet observed
    finished_condition: Obj | None = None
    terminating: int = 0

    @property
    def uncounted(self) -> Obj:
        uncounted: Obj = self.status.setdefault("uncountedTerminatedPods", {})
        return uncounted

    def tracked(self) -> list[Obj]:
        """Pods still holding the finalizer whose removal we are not already waiting for."""
        return [
            p
            for p in self.pods
            if has_finalizer(p) and p["metadata"]["uid"] not in self.expected_removals
        ]


def move_counted(status: Obj, with_finalizer: set[str]) -> bool:
    """cleanUncountedPodsWithoutFinalizers: uids whose finalizer is gone become counts."""
    uncounted = status.setdefault("uncountedTerminatedPods", {})
    changed = False
    for field, counter in (("succeeded", "succeeded"), ("failed", "failed")):
        uids = uncounted.get(field) or []
        kept = [u for u in uids if u in with_finalizer]
        if len(kept) != len(uids):
            status[counter] = int(status.get(counter) or 0) + len(uids) - len(kept)
            changed = True
        if kept:
            uncounted[field] = kept
        else:
            uncounted.pop(field, None)
    return changed
