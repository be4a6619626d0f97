"""The rollout arithmetic of a Deployment, pure functions of the objects (no API calls).

Counts and names, the pod-template hash, maxSurge / maxUnavailable, which ReplicaSet is the new
one, how far it may grow and the old ones must shrink in one step, proportional scaling, and the
new ReplicaSet with its revision and size annotations (k8s `deployment/util`, `rolling.go`,
`sync.go`).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

import orjson

from minikube_py.reconcilers import revisions
from minikube_py.reconcilers.podcontrol import controller_ref
from minikube_py.resources import Obj, clone

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
