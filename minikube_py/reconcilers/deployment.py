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
`progressDeadlineSeconds` pass without progress).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import orjson

from minikube_py.apiserver.errors import ApiError
from minikube_py.client import Client, EventRecorder, object_key
from minikube_py.controllers import Controller
from minikube_py.reconcilers import revisions
from minikube_py.reconcilers.podcontrol import (
    OwnedIndex,
    claim,
    controller_of,
    controller_ref,
    delete_ignoring_missing,
    format_time,
    is_conflict,
    is_terminal,
    labels_of,
    namespace_terminating,
    parse_time,
    selector_of,
)
from minikube_py.resources import Obj, Registry, clone

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
# Annotations a Deployment does not pass on to its ReplicaSets (skipCopyAnnotation).
NOT_COPIED = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        REVISION_HISTORY,
        DESIRED_REPLICAS,
        MAX_REPLICAS,
        "deprecated.deployment.rollback.to",
    }
)
MAX_REVISION_HISTORY_CHARS = 2000
NO_DEADLINE = 2**31 - 1  # progressDeadlineSeconds meaning "never"
RETRY_SECONDS = 0.2  # after a write lost a race with our own lagging cache

AVAILABLE, PROGRESSING, REPLICA_FAILURE = "Available", "Progressing", "ReplicaFailure"
NEW_RS_CREATED, FOUND_NEW_RS = "NewReplicaSetCreated", "FoundNewReplicaSet"
RS_UPDATED, NEW_RS_AVAILABLE = "ReplicaSetUpdated", "NewReplicaSetAvailable"
TIMED_OUT, RS_CREATE_ERROR = "ProgressDeadlineExceeded", "ReplicaSetCreateError"
PAUSED, RESUMED = "DeploymentPaused", "DeploymentResumed"

_FNV_OFFSET, _FNV_PRIME = 0x811C9DC5, 0x01000193


# ---- counts and names ------------------------------------------------------------------------


def replicas(obj: Obj) -> int:
    """spec.replicas of a Deployment or ReplicaSet."""
    return int(obj.get("spec", {}).get("replicas") or 0)


def number(status: Obj, field: str) -> int:
    """A count in a status; absent (Go's omitempty) means 0."""
    return int(status.get(field) or 0)


def count(obj: Obj | None, field: str) -> int:
    """A status count of a ReplicaSet or Deployment."""
    return number((obj or {}).get("status") or {}, field)


def generation(obj: Obj) -> int:
    return int(obj["metadata"].get("generation") or 0)


def total(rss: Iterable[Obj], field: str = "") -> int:
    """The sum of spec.replicas, or of a status count, over ReplicaSets."""
    return sum(count(rs, field) if field else replicas(rs) for rs in rss)


def active(rss: Iterable[Obj | None]) -> list[Obj]:
    """FilterActiveReplicaSets: the ReplicaSets meant to have pods."""
    return [rs for rs in rss if rs is not None and replicas(rs) > 0]


def annotation(obj: Obj, name: str) -> str:
    return str((obj["metadata"].get("annotations") or {}).get(name, ""))


def revision(rs: Obj) -> int:
    text = annotation(rs, REVISION)
    return int(text) if text.isdigit() else 0


def created(rs: Obj) -> tuple[str, str]:
    """ReplicaSetsByCreationTimestamp: oldest first, then by name."""
    return str(rs["metadata"].get("creationTimestamp") or ""), rs["metadata"]["name"]


def template_hash(template: Obj, collision_count: int | None) -> str:
    """ComputeHash: FNV-32a of the template (canonical JSON here, Go's struct dump there) and
    the collision count, as a decimal string made name-safe."""
    data = orjson.dumps(template, option=orjson.OPT_SORT_KEYS)
    if collision_count is not None:
        data += struct.pack("<Q", collision_count & 0xFFFFFFFF)
    value = _FNV_OFFSET
    for byte in data:
        value = ((value ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return revisions.safe_encode(str(value))


def without_hash(template: Obj) -> Obj:
    copied = clone(template)
    labels = (copied.get("metadata") or {}).get("labels")
    if labels:
        labels.pop(HASH_LABEL, None)
    return copied


def equal_ignore_hash(a: Obj, b: Obj) -> bool:
    return without_hash(a) == without_hash(b)


# ---- surge and unavailability ----------------------------------------------------------------


def scaled_value(value: int | str, whole: int, *, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: a number, or a percentage of `whole`."""
    if isinstance(value, int):
        return value
    percent = int(value.rstrip("%"))
    exact = percent * whole
    return -(-exact // 100) if round_up else exact // 100


def fenceposts(d: Obj) -> tuple[int, int]:
    """ResolveFenceposts: (maxSurge, maxUnavailable) in pods; surge rounds up, unavailability
    down, and both 0 would mean no progress, so unavailability becomes 1."""
    if not is_rolling(d):
        return 0, 0
    rolling = d["spec"]["strategy"].get("rollingUpdate") or {}
    desired = replicas(d)
    surge = scaled_value(rolling.get("maxSurge", "25%"), desired, round_up=True)
    unavailable = scaled_value(rolling.get("maxUnavailable", "25%"), desired, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: Obj) -> int:
    return fenceposts(d)[0]


def max_unavailable(d: Obj) -> int:
    if replicas(d) == 0:
        return 0
    return min(fenceposts(d)[1], replicas(d))


def is_rolling(d: Obj) -> bool:
    strategy = d["spec"].get("strategy") or {}
    return str(strategy.get("type", "RollingUpdate")) == "RollingUpdate"


# ---- which ReplicaSet is which, and their sizes ----------------------------------------------


def find_new(d: Obj, rss: list[Obj]) -> Obj | None:
    """FindNewReplicaSet: the oldest ReplicaSet with the Deployment's template."""
    template = d["spec"]["template"]
    matching = [rs for rs in rss if equal_ignore_hash(rs["spec"]["template"], template)]
    return min(matching, key=created, default=None)


def new_rs_target(d: Obj, rss: list[Obj], new: Obj) -> int:
    """reconcileNewReplicaSet: the new ReplicaSet's size after this step."""
    if replicas(new) >= replicas(d):
        return replicas(d)
    return new_rs_replicas(d, rss, new)


def new_rs_replicas(d: Obj, rss: list[Obj], new: Obj) -> int:
    """NewRSNewReplicas: how far the new ReplicaSet may grow now."""
    if not is_rolling(d):
        return replicas(d)
    room = replicas(d) + max_surge(d) - total(rss)
    if room <= 0:
        return replicas(new)
    return replicas(new) + min(room, replicas(d) - replicas(new))


def is_saturated(d: Obj, rs: Obj | None) -> bool:
    """The ReplicaSet runs all the Deployment's replicas, available."""
    return (
        rs is not None
        and annotation(rs, DESIRED_REPLICAS) == str(replicas(d))
        and replicas(rs) == replicas(d)
        and count(rs, "availableReplicas") == replicas(d)
    )


def active_or_latest(new: Obj | None, olds: list[Obj]) -> Obj | None:
    """FindActiveOrLatest: the only active ReplicaSet, or the newest when none is active;
    None when several are (a rollout is under way)."""
    running = active([new, *olds])
    if len(running) == 1:
        return running[0]
    if running:
        return None
    return new if new is not None else max(olds, key=created, default=None)


def proportional_sizes(d: Obj, rss: list[Obj]) -> tuple[str, list[tuple[Obj, int]]]:
    """The scaling part of `scale`: spread a change of spec.replicas over the active
    ReplicaSets in proportion to their size, larger ones first (newer first when growing,
    older first when shrinking); the rounding leftover goes to the first."""
    allowed = replicas(d) + max_surge(d) if replicas(d) > 0 else 0
    to_add = allowed - total(rss)
    if to_add > 0:
        direction, ordered = "up", sorted(rss, key=lambda rs: (replicas(rs), *created(rs)))[::-1]
    elif to_add < 0:
        direction, ordered = "down", sorted(rss, key=lambda rs: (-replicas(rs), *created(rs)))
    else:
        return "", [(rs, replicas(rs)) for rs in rss]
    added, sizes = 0, []
    for rs in ordered:
        share = _proportion(d, rs, to_add, added)
        sizes.append(replicas(rs) + share)
        added += share
    sizes[0] = max(sizes[0] + to_add - added, 0)
    return direction, list(zip(ordered, sizes, strict=True))


def _proportion(d: Obj, rs: Obj, to_add: int, added: int) -> int:
    """GetProportion: this ReplicaSet's share, never past what is left to add or remove."""
    if replicas(rs) == 0 or to_add == added:
        return 0
    fraction = _fraction(d, rs)
    return min(fraction, to_add - added) if to_add > 0 else max(fraction, to_add - added)


def _fraction(d: Obj, rs: Obj) -> int:
    """getReplicaSetFraction: its size scaled by new max / old max replicas, minus its size."""
    if replicas(d) == 0:
        return -replicas(rs)
    before = annotation(rs, MAX_REPLICAS)
    max_before = int(before) if before.isdigit() and int(before) else count(d, "replicas")
    if max_before == 0:
        return 0
    exact = replicas(rs) * (replicas(d) + max_surge(d)) / max_before
    return int(exact + 0.5) - replicas(rs)  # math.Round for the positive sizes here


def old_scale_downs(d: Obj, new: Obj, olds: list[Obj]) -> dict[str, int]:
    """reconcileOldReplicaSets: new sizes of the old ReplicaSets (by name) that shrink now.

    First their unavailable pods go, as far as `replicas - maxUnavailable` stay possible; then
    available ones while more than that many are available. Oldest ReplicaSets first."""
    olds = sorted(active(olds), key=created)
    all_pods = total(olds) + replicas(new)
    min_available = replicas(d) - max_unavailable(d)
    new_unavailable = replicas(new) - count(new, "availableReplicas")
    budget = all_pods - min_available - new_unavailable
    if not olds or budget <= 0:
        return {}
    before = {rs["metadata"]["name"]: replicas(rs) for rs in olds}
    sizes = dict(before)
    for rs in olds:
        name, available = rs["metadata"]["name"], count(rs, "availableReplicas")
        cut = min(budget, sizes[name] - available)
        if cut > 0:
            sizes[name] -= cut
            budget -= cut
    available = count(new, "availableReplicas") + total(olds, "availableReplicas")
    surplus = available - min_available
    for rs in olds:
        name = rs["metadata"]["name"]
        cut = min(sizes[name], surplus)
        if cut > 0:
            sizes[name] -= cut
            surplus -= cut
    return {name: size for name, size in sizes.items() if size != before[name]}


def max_revision(rss: Iterable[Obj]) -> int:
    return max((revision(rs) for rs in rss), default=0)


def new_replica_set(d: Obj, olds: list[Obj], next_revision: int) -> Obj:
    """The new ReplicaSet of `d`'s template: hash-labelled, owned, sized for this step."""
    meta, spec = d["metadata"], d["spec"]
    template = clone(spec["template"])
    pod_hash = template_hash(template, (d.get("status") or {}).get("collisionCount"))
    labels = {**((template.get("metadata") or {}).get("labels") or {}), HASH_LABEL: pod_hash}
    template.setdefault("metadata", {})["labels"] = labels
    selector = clone(spec["selector"])
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: pod_hash}
    rs_spec: Obj = {"replicas": 0, "selector": selector, "template": template}
    if spec.get("minReadySeconds"):
        rs_spec["minReadySeconds"] = spec["minReadySeconds"]
    rs: Obj = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{meta['name']}-{pod_hash}",
            "namespace": meta["namespace"],
            "labels": dict(labels),
            "ownerReferences": [controller_ref(d)],
        },
        "spec": rs_spec,
    }
    rs_spec["replicas"] = new_rs_replicas(d, [*olds, rs], rs)
    set_new_rs_annotations(d, rs, next_revision, exists=False)
    return rs


def set_replicas_annotations(d: Obj, rs: Obj) -> bool:
    """SetReplicasAnnotations: record the sizes the ReplicaSet was scaled for; True if changed."""
    wanted = {DESIRED_REPLICAS: str(replicas(d)), MAX_REPLICAS: str(replicas(d) + max_surge(d))}
    annotations = rs["metadata"].setdefault("annotations", {})
    if all(annotations.get(k) == v for k, v in wanted.items()):
        return False
    annotations.update(wanted)
    return True


def set_new_rs_annotations(d: Obj, rs: Obj, new_revision: int, *, exists: bool) -> bool:
    """SetNewReplicaSetAnnotations: the Deployment's own annotations, the revision (never
    lowered; a raised one keeps the old in revision-history, as a rollback does) and, for a
    ReplicaSet about to be created, its sizes. True if anything changed."""
    annotations = rs["metadata"].setdefault("annotations", {})
    changed = False
    for key, value in (d["metadata"].get("annotations") or {}).items():
        if key not in NOT_COPIED and annotations.get(key) != value:
            annotations[key] = value
            changed = True
    old_text = annotations.get(REVISION, "")
    old_revision = int(old_text) if old_text.isdigit() else 0
    if old_revision < new_revision:
        annotations[REVISION] = str(new_revision)
        changed = True
        if old_text:
            _append_revision_history(annotations, old_text)
    if not exists:
        changed = set_replicas_annotations(d, rs) or changed
    return changed


def _append_revision_history(annotations: dict[str, str], old: str) -> None:
    history = [r for r in annotations.get(REVISION_HISTORY, "").split(",") if r] + [old]
    while len(",".join(history)) > MAX_REVISION_HISTORY_CHARS:
        history.pop(0)
    annotations[REVISION_HISTORY] = ",".join(history)


# ---- status and conditions -------------------------------------------------------------------


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


# ---- the controller --------------------------------------------------------------------------


class DeploymentController(Controller):
    """Rolls each Deployment's ReplicaSets towards its template and replica count."""

    name = "deployment-controller"
    workers = 5

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.deployments_resource = self.resource("apps", "v1", "deployments")
        self.rs_resource = self.resource("apps", "v1", "replicasets")
        self.deployments = self.watch(self.deployments_resource)
        self.deployments.add_handler(lambda event, obj, old: self.queue.add(object_key(obj)))
        self.rs_index = OwnedIndex()
        self.replica_sets = self.watch(self.rs_resource)
        self.replica_sets.add_handler(self.rs_index)
        self.replica_sets.add_handler(self._on_replica_set)
        self.pod_index = OwnedIndex()  # pods by ReplicaSet: Recreate waits for old ones to go
        pods = self.watch(self.resource("", "v1", "pods"))
        pods.add_handler(self.pod_index)
        pods.add_handler(self._on_pod)
        self.events = EventRecorder(client, self.resource("", "v1", "events"), self.name)

    # ---- events: only enqueue keys -----------------------------------------------------------

    def _on_replica_set(self, event: str, rs: Obj, old: Obj | None) -> None:
        for obj in (rs, old):
            key = self._deployment_key(obj) if obj is not None else None
            if key is not None:
                self.queue.add(key)
        released = old is not None and controller_of(old) is not None
        changed = old is None or released or labels_of(old) != labels_of(rs)
        if controller_of(rs) is None and event != "DELETED" and changed:
            for d in self.deployments.list(rs["metadata"]["namespace"]):
                if selector_of(d).matches(labels_of(rs)):
                    self.queue.add(object_key(d))  # an orphan to adopt

    def _on_pod(self, event: str, pod: Obj, old: Obj | None) -> None:
        """A Recreate rollout waits until the old pods are gone."""
        ref = controller_of(pod)
        if event != "DELETED" or ref is None or ref.get("kind") != "ReplicaSet":
            return
        rs = self.replica_sets.get(f"{pod['metadata']['namespace']}/{ref.get('name')}")
        key = self._deployment_key(rs) if rs is not None else None
        d = self.deployments.get(key) if key is not None else None
        if key is not None and d is not None and not is_rolling(d):
            self.queue.add(key)

    def _deployment_key(self, obj: Obj) -> str | None:
        """The key of the cached Deployment that controls `obj`."""
        ref = controller_of(obj)
        if ref is None or ref.get("kind") != "Deployment":
            return None
        key = f"{obj['metadata']['namespace']}/{ref.get('name')}"
        d = self.deployments.get(key)
        return key if d is not None and d["metadata"]["uid"] == ref.get("uid") else None

    # ---- sync --------------------------------------------------------------------------------

    async def reconcile(self, key: str) -> None:
        cached = self.deployments.get(key)
        if cached is None:
            return
        try:
            await self.sync(clone(cached))
        except ApiError as exc:
            if not is_conflict(exc):
                raise
            self.queue.add_after(key, RETRY_SECONDS)

    async def sync(self, d: Obj) -> None:
        """syncDeployment; `d` is a private copy that follows every write."""
        rss = await claim(
            self.client,
            self.rs_resource,
            d,
            self.rs_index,
            owner_resource=self.deployments_resource,
        )
        if d["metadata"].get("deletionTimestamp"):  # syncStatusOnly
            new, olds = await self._new_and_old(d, rss)
            await self._write_status(d, deployment_status(d, _with(olds, new), new, _now()))
            return
        await self._note_pause(d)
        new, olds = await self._new_and_old(d, rss)
        if d["spec"].get("paused") or self._scaled(d, [*olds, new]):
            await self._scale(d, new, olds)
        elif is_rolling(d):
            await self._roll(d, new, olds)
        else:
            await self._recreate(d, new, olds)

    def _scaled(self, d: Obj, rss: list[Obj | None]) -> bool:
        """isScalingEvent: an active ReplicaSet was sized for another spec.replicas."""
        sized_for = (annotation(rs, DESIRED_REPLICAS) for rs in active(rss))
        return any(size.isdigit() and int(size) != replicas(d) for size in sized_for)

    async def _note_pause(self, d: Obj) -> None:
        """checkPausedConditions: Progressing is Unknown while paused, so that the time spent
        paused never counts against the progress deadline."""
        if d["spec"].get("progressDeadlineSeconds") is None:
            return
        current = get_condition(d.get("status") or {}, PROGRESSING)
        if current is not None and current.get("reason") == TIMED_OUT:
            return
        noted = current is not None and current.get("reason") == PAUSED
        paused = bool(d["spec"].get("paused"))
        if paused == noted:
            return
        reason, message = (
            (PAUSED, "Deployment is paused") if paused else (RESUMED, "Deployment is resumed")
        )
        status = clone(d.get("status") or {})
        set_condition(status, condition(PROGRESSING, "Unknown", reason, message, _now()))
        await self._write_status(d, status)

    # ---- the new and the old ReplicaSets -----------------------------------------------------

    async def _new_and_old(self, d: Obj, rss: list[Obj]) -> tuple[Obj | None, list[Obj]]:
        """getAllReplicaSetsAndSyncRevision without creating: the new ReplicaSet (its revision
        and annotations brought up to date) and the old ones."""
        new = find_new(d, rss)
        olds = [rs for rs in rss if rs is not new]
        if new is not None:
            new = await self._sync_new(d, new, max_revision(olds) + 1)
        return new, olds

    async def _sync_new(self, d: Obj, new: Obj, next_revision: int) -> Obj:
        """Bring the new ReplicaSet's annotations and minReadySeconds up to date, then the
        Deployment's revision and (if it has none) its Progressing condition."""
        updated = clone(new)
        min_ready = int(d["spec"].get("minReadySeconds") or 0)
        annotated = set_new_rs_annotations(d, updated, next_revision, exists=True)
        if annotated or int(new["spec"].get("minReadySeconds") or 0) != min_ready:
            if min_ready or "minReadySeconds" in updated["spec"]:
                updated["spec"]["minReadySeconds"] = min_ready
            return await self.client.update(self.rs_resource, d["metadata"]["namespace"], updated)
        await self._set_revision(d, annotation(new, REVISION))
        if has_deadline(d) and get_condition(d.get("status") or {}, PROGRESSING) is None:
            message = f'Found new replica set "{new["metadata"]["name"]}"'
            status = clone(d.get("status") or {})
            set_condition(status, condition(PROGRESSING, "True", FOUND_NEW_RS, message, _now()))
            await self._write_status(d, status)
        return new

    async def _create_new(self, d: Obj, olds: list[Obj]) -> Obj:
        """Create the ReplicaSet of the Deployment's template with the next revision."""
        next_revision = max_revision(olds) + 1
        rs = new_replica_set(d, olds, next_revision)
        name = rs["metadata"]["name"]
        try:
            created = await self.client.create(self.rs_resource, d["metadata"]["namespace"], rs)
        except ApiError as exc:
            if exc.reason != "AlreadyExists":
                await self._report_create_failure(d, name, exc)
                raise
            existing = await self._existing_new(d, name, exc)
            await self._set_revision(d, str(next_revision))
            return existing
        if replicas(created) > 0:
            message = f"Scaled up replica set {name} from 0 to {replicas(created)}"
            await self.events.record(d, "Normal", "ScalingReplicaSet", message)
        await self._set_revision(d, str(next_revision))
        if has_deadline(d):
            message = f'Created new replica set "{name}"'
            status = clone(d.get("status") or {})
            set_condition(status, condition(PROGRESSING, "True", NEW_RS_CREATED, message, _now()))
            await self._write_status(d, status)
        return created

    async def _existing_new(self, d: Obj, name: str, exc: ApiError) -> Obj:
        """The name is taken: ours (a lagging cache), or a hash collision, which bumps
        status.collisionCount so that the next sync tries another name."""
        existing = await self.client.get(self.rs_resource, d["metadata"]["namespace"], name)
        ref = controller_of(existing)
        if (
            ref is not None
            and ref.get("uid") == d["metadata"]["uid"]
            and equal_ignore_hash(d["spec"]["template"], existing["spec"]["template"])
        ):
            return existing
        status = clone(d.get("status") or {})
        status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
        await self._write_status(d, status)
        raise exc

    async def _report_create_failure(self, d: Obj, name: str, exc: ApiError) -> None:
        if namespace_terminating(exc):
            return
        message = f'Failed to create new replica set "{name}": {exc}'
        if has_deadline(d):
            status = clone(d.get("status") or {})
            set_condition(status, condition(PROGRESSING, "False", RS_CREATE_ERROR, message, _now()))
            await self._write_status(d, status)
        await self.events.record(d, "Warning", RS_CREATE_ERROR, message)

    # ---- steps -------------------------------------------------------------------------------

    async def _scale(self, d: Obj, new: Obj | None, olds: list[Obj]) -> None:
        """sync: a paused or scaled Deployment is resized without a rollout step."""
        target = active_or_latest(new, olds)
        if target is not None:
            await self._resize(d, target, replicas(d))
        elif is_saturated(d, new):
            for old in active(olds):
                await self._resize(d, old, 0)
        elif is_rolling(d):
            direction, sizes = proportional_sizes(d, active([*olds, new]))
            for rs, size in sizes:
                await self._scale_rs(d, rs, size, direction)
        if d["spec"].get("paused"):
            await self._clean_up(d, olds)
        await self._write_status(d, deployment_status(d, _with(olds, new), new, _now()))

    async def _roll(self, d: Obj, new: Obj | None, olds: list[Obj]) -> None:
        """rolloutRolling: grow the new ReplicaSet, else shrink old ones, else clean up."""
        if new is None:
            new = await self._create_new(d, olds)
        target = new_rs_target(d, [*olds, new], new)
        if target != replicas(new):
            new = await self._resize(d, new, target)
        elif sizes := old_scale_downs(d, new, olds):
            olds = [
                await self._resize(d, rs, sizes[rs["metadata"]["name"]])
                if rs["metadata"]["name"] in sizes
                else rs
                for rs in olds
            ]
        elif complete(d, d.get("status") or {}):
            await self._clean_up(d, olds)
        await self._sync_rollout(d, [*olds, new], new)

    async def _recreate(self, d: Obj, new: Obj | None, olds: list[Obj]) -> None:
        """rolloutRecreate: old ReplicaSets to 0, wait for their pods to go, then the new one."""
        if active(olds):
            olds = [await self._resize(d, rs, 0) for rs in olds]
        elif not self._old_pods_running(olds):
            if new is None:
                new = await self._create_new(d, olds)
            new = await self._resize(d, new, replicas(d))
            if complete(d, d.get("status") or {}):
                await self._clean_up(d, olds)
        await self._sync_rollout(d, _with(olds, new), new)

    def _old_pods_running(self, olds: list[Obj]) -> bool:
        """oldPodsRunning: an old ReplicaSet counts pods, or a pod of one has not finished."""
        if total(olds, "replicas"):
            return True
        return any(
            not is_terminal(pod)
            for rs in olds
            for pod in self.pod_index.owned_by(rs["metadata"]["uid"])
        )

    async def _clean_up(self, d: Obj, olds: list[Obj]) -> None:
        """cleanupDeployment: delete the oldest ReplicaSets without pods beyond
        revisionHistoryLimit."""
        limit = d["spec"].get("revisionHistoryLimit")
        alive = [rs for rs in olds if not rs["metadata"].get("deletionTimestamp")]
        if limit is None or len(alive) <= limit:
            return
        oldest = sorted(alive, key=lambda rs: (revision(rs), *created(rs)))
        for rs in oldest[: len(alive) - int(limit)]:
            observed = count(rs, "observedGeneration") >= generation(rs)
            if count(rs, "replicas") or replicas(rs) or not observed:
                continue
            namespace = rs["metadata"]["namespace"]
            await delete_ignoring_missing(
                self.client, self.rs_resource, namespace, rs["metadata"]["name"]
            )

    # ---- writes ------------------------------------------------------------------------------

    async def _resize(self, d: Obj, rs: Obj, size: int) -> Obj:
        """scaleReplicaSetAndRecordEvent: resize `rs` if its size differs."""
        if replicas(rs) == size:
            return rs
        return await self._scale_rs(d, rs, size, "up" if size > replicas(rs) else "down")

    async def _scale_rs(self, d: Obj, rs: Obj, size: int, direction: str) -> Obj:
        """scaleReplicaSet: set the size and the sizes it is meant for; an Event if it grew
        or shrank."""
        updated = clone(rs)
        updated["spec"]["replicas"] = size
        if not set_replicas_annotations(d, updated) and size == replicas(rs):
            return rs
        result = await self.client.update(self.rs_resource, rs["metadata"]["namespace"], updated)
        if size != replicas(rs):
            name, before = rs["metadata"]["name"], replicas(rs)
            message = f"Scaled {direction} replica set {name} from {before} to {size}"
            await self.events.record(d, "Normal", "ScalingReplicaSet", message)
        return result

    async def _set_revision(self, d: Obj, value: str) -> None:
        """The Deployment carries its new ReplicaSet's revision. (The real controller writes it
        with the status; here a status write changes nothing but the status.)"""
        annotations = d["metadata"].setdefault("annotations", {})
        if not value or annotations.get(REVISION) == value:
            return
        annotations[REVISION] = value
        stored = await self.client.update(self.deployments_resource, d["metadata"]["namespace"], d)
        _follow(d, stored)

    async def _sync_rollout(self, d: Obj, rss: list[Obj], new: Obj | None) -> None:
        """syncRolloutStatus, and a later look for a rollout that may miss its deadline."""
        now = _now()
        status = rollout_status(d, rss, new, now)
        if status != d.get("status"):
            await self._write_status(d, status)
            return
        delay = progress_check_delay(d, status, now)
        if delay is not None:
            self.queue.add_after(object_key(d), delay)

    async def _write_status(self, d: Obj, status: Obj) -> None:
        if d.get("status") == status:
            return
        stored = await self.client.update(
            self.deployments_resource,
            d["metadata"]["namespace"],
            {**d, "status": status},
            subresource="status",
        )
        _follow(d, stored)


def _follow(d: Obj, stored: Obj) -> None:
    """Make the private copy `d` the object just stored (for the next write's resourceVersion)."""
    d.clear()
    d.update(clone(stored))


def _with(olds: list[Obj], new: Obj | None) -> list[Obj]:
    return [*olds, new] if new is not None else olds


def _now() -> datetime:
    return datetime.now(UTC)
