"""The Job controller (k8s `pkg/controller/job`), with the TTL-after-finished controller's one job.

A Job runs pods until `completions` of them succeed (or, without completions, until one does),
at most `parallelism` at a time; Indexed Jobs give each pod a completion index (annotation,
label, `JOB_COMPLETION_INDEX`, hostname `<job>-<index>`) and need one success per index.

Pods are counted exactly once, even if the controller crashes or a pod is deleted early, through
the `batch.kubernetes.io/job-tracking` finalizer (Kubernetes 1.26+): each pod is created with it;
a finished pod's uid is first written to `status.uncountedTerminatedPods`, then its finalizer is
removed, then the uid moves into `succeeded`/`failed`. A deleted pod that never finished counts
as failed.

Failures beyond `backoffLimit`, or running longer than `activeDeadlineSeconds`, fail the Job;
replacement pods wait an exponential backoff (10 s, doubling, at most 6 min) after failures.
As in 1.31+, the interim `FailureTarget` / `SuccessCriteriaMet` condition comes first and the
terminal `Failed` / `Complete` once no pod is left running. `ttlSecondsAfterFinished` deletes a
finished Job (and, in the foreground, its pods).

The package: `rules` holds the pure rules (conditions, which pods count as failed, completion
indexes, backoff, how many pods to run, the new pod, the TTL, and `Sync`, one sync's view) and
`controller` the `JobController` (informers, expectations, pod creation and deletion, counting
through the finalizer, the status writes). This module re-exports their public names.
"""

from __future__ import annotations

from minikube_py.reconcilers.job.controller import KIND, ORPHAN_PREFIX, RETRY_SECONDS, JobController
from minikube_py.reconcilers.job.rules import (
    DEFAULT_BACKOFF,
    INDEX_ENV,
    INDEX_KEY,
    MAX_BACKOFF,
    TRACKING_FINALIZER,
    Backoff,
    Sync,
    backoff_delay,
    complete,
    completion_index,
    condition,
    counts_as_failed,
    finish_time,
    finished,
    format_indexes,
    has_finalizer,
    indexed,
    move_counted,
    new_condition,
    new_pod,
    parse_indexes,
    past_deadline,
    pending_indexes,
    suspended,
    terminating,
    ttl_remaining,
    wanted_active,
)

__all__ = [
    "DEFAULT_BACKOFF",
    "INDEX_ENV",
    "INDEX_KEY",
    "KIND",
    "MAX_BACKOFF",
    "ORPHAN_PREFIX",
    "RETRY_SECONDS",
    "TRACKING_FINALIZER",
    "Backoff",
    "JobController",
    "Sync",
    "backoff_delay",
    "complete",
    "completion_index",
    "condition",
    "counts_as_failed",
    "finish_time",
    "finished",
    "format_indexes",
    "has_finalizer",
    "indexed",
    "move_counted",
    "new_condition",
    "new_pod",
    "parse_indexes",
    "past_deadline",
    "pending_indexes",
    "suspended",
    "terminating",
    "ttl_remaining",
    "wanted_active",
]
