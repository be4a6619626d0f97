"""The Deployment controller (k8s `pkg/controller/deployment`).

A Deployment owns one ReplicaSet per pod template it has had, named `<deployment>-<hash>`: the
hash (FNV-32a of the template and `status.collisionCount`, made name-safe) is also the
`pod-template-hash` label of the ReplicaSet, of its selector and template, and so of its pods.
The ReplicaSet whose template equals the Deployment's (ignoring that label) is the *new* one;
the others are *old*. Each sync takes one step, in kube-controller-manager's order:

- a Deployment being deleted only gets its status;
- paused, or scaled (`spec.replicas` differs from the `desired-replicas` annotation the active
  ReplicaSets were sized for): the active ReplicaSets are resized in proportion, no rollout;
- RollingUpdate: scale the new ReplicaSet up while all pods stay within `replicas + maxSurge`,
  else scale old ones down while `replicas - maxUnavailable` stay available (unhealthy first);
- Recreate: scale every old ReplicaSet to 0, wait until their pods are gone, then create and
  scale up the new one;
- once a rollout is complete, old ReplicaSets without pods beyond `revisionHistoryLimit` go.

Revisions: the new ReplicaSet's `deployment.kubernetes.io/revision` is one more than any old
one's, and the Deployment carries it too; `kubectl rollout history/undo` read exactly that (undo
copies an old template back, and that ReplicaSet becomes the new one with the next revision).
The status sums the ReplicaSets' counts and keeps two conditions: Available (at least
`replicas - maxUnavailable` available) and Progressing (NewReplicaSetCreated,
FoundNewReplicaSet, ReplicaSetUpdated, NewReplicaSetAvailable, or ProgressDeadlineExceeded when

The package: `rollout` holds the pure arithmetic of one step (counts, the template hash, surge
and unavailability, which ReplicaSet is new, the sizes of a step, the new ReplicaSet and its
revision annotations), `status` the status sums and the Available / Progressing / ReplicaFailure
conditions, and `controller` the `DeploymentController` (informers, the steps, the writes). This
module re-exports their public names; no module here imports another's underscored names.
"""

from __future__ import annotations

from minikube_py.reconcilers.deployment.controller import RETRY_SECONDS, DeploymentController
from minikube_py.reconcilers.deployment.rollout import (
    DESIRED_REPLICAS,
    HASH_LABEL,
    MAX_REPLICAS,
    MAX_REVISION_HISTORY_CHARS,
    NOT_COPIED,
    REVISION,
    REVISION_HISTORY,
    active,
    active_or_latest,
    annotation,
    count,
    created,
    equal_ignore_hash,
    fenceposts,
    find_new,
    generation,
    is_rolling,
    is_saturated,
    max_revision,
    max_surge,
    max_unavailable,
    new_replica_set,
    new_rs_replicas,
    new_rs_target,
    number,
    old_scale_downs,
    proportional_sizes,
    replicas,
    revision,
    scaled_value,
    set_new_rs_annotations,
    set_replicas_annotations,
    template_hash,
    total,
    without_hash,
)
from minikube_py.reconcilers.deployment.status import (
    AVAILABLE,
    FOUND_NEW_RS,
    NEW_RS_AVAILABLE,
    NEW_RS_CREATED,
    NO_DEADLINE,
    PAUSED,
    PROGRESSING,
    REPLICA_FAILURE,
    RESUMED,
    RS_CREATE_ERROR,
    RS_UPDATED,
    TIMED_OUT,
    complete,
    condition,
    deployment_status,
    get_condition,
    has_deadline,
    progress_check_delay,
    progressed,
    remove_condition,
    rollout_status,
    set_condition,
    timed_out,
)

__all__ = [
    "AVAILABLE",
    "DESIRED_REPLICAS",
    "FOUND_NEW_RS",
    "HASH_LABEL",
    "MAX_REPLICAS",
    "MAX_REVISION_HISTORY_CHARS",
    "NEW_RS_AVAILABLE",
    "NEW_RS_CREATED",
    "NOT_COPIED",
    "NO_DEADLINE",
    "PAUSED",
    "PROGRESSING",
    "REPLICA_FAILURE",
    "RESUMED",
    "RETRY_SECONDS",
    "REVISION",
    "REVISION_HISTORY",
    "RS_CREATE_ERROR",
    "RS_UPDATED",
    "TIMED_OUT",
    "DeploymentController",
    "active",
    "active_or_latest",
    "annotation",
    "complete",
    "condition",
    "count",
    "created",
    "deployment_status",
    "equal_ignore_hash",
    "fenceposts",
    "find_new",
    "generation",
    "get_condition",
    "has_deadline",
    "is_rolling",
    "is_saturated",
    "max_revision",
    "max_surge",
    "max_unavailable",
    "new_replica_set",
    "new_rs_replicas",
    "new_rs_target",
    "number",
    "old_scale_downs",
    "progress_check_delay",
    "progressed",
    "proportional_sizes",
    "remove_condition",
    "replicas",
    "revision",
    "rollout_status",
    "scaled_value",
    "set_condition",
    "set_new_rs_annotations",
    "set_replicas_annotations",
    "template_hash",
    "timed_out",
    "total",
    "without_hash",
]
