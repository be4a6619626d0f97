"""ControllerRevisions: the template history of StatefulSets and DaemonSets (k8s
`pkg/controller/history`).

Each distinct pod template a workload has had is stored once, as a ControllerRevision named
`<owner>-<hash>` whose `data` is the strategic merge patch that restores it
(`{"spec": {"template": {..., "$patch": "replace"}}}`): `kubectl rollout undo` applies exactly
that patch, and `kubectl rollout history` reads it back. Going back to an earlier template reuses
its revision with a new, highest revision number instead of storing a copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from minikube_py.apiserver.errors import ApiError
from minikube_py.client import Client, delete_if_present
from minikube_py.reconcilers.podcontrol import controller_ref
from minikube_py.resources import Obj, Resource, clone

STATEFULSET_HASH_LABEL = "controller.kubernetes.io/hash"
DAEMONSET_HASH_LABEL = "controller-revision-hash"
MAX_NAME_PREFIX = 223  # ControllerRevisionName keeps names within 253 characters
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # rand.SafeEncodeString: no vowels, no 0/1/3
_FNV_OFFSET, _FNV_PRIME = 0x811C9DC5, 0x01000193


def fnv32(data: bytes) -> int:
    """FNV-1 (not 1a), 32 bits: Go's hash/fnv New32, which Kubernetes' revision hashes use."""
    value = _FNV_OFFSET
    for byte in data:
        value = (value * _FNV_PRIME) & 0xFFFFFFFF
        value ^= byte
    return value


def safe_encode(text: str) -> str:
    return "".join(_SAFE_ALPHABET[ord(c) % len(_SAFE_ALPHABET)] for c in text)


def template_patch(owner: Obj) -> Obj:
    """The revision data of a workload: a patch that replaces its pod template."""
    template = clone(owner.get("spec", {}).get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def template_of(revision: Obj) -> Obj:
    """The pod template a revision restores."""
    template = clone(revision.get("data", {}).get("spec", {}).get("template") or {})
    template.pop("$patch", None)
    return template


def revision_hash(data: Obj, collision_count: int) -> str:
    """HashControllerRevision: FNV-1 of the data (sorted keys, as Go marshals maps) and the
    collision count, as a decimal string made name-safe."""
    digest = fnv32(orjson.dumps(data, option=orjson.OPT_SORT_KEYS) + str(collision_count).encode())
    return safe_encode(str(digest))


def number(revision: Obj) -> int:
    return int(revision.get("revision") or 0)


def by_number(revisions: Iterable[Obj]) -> list[Obj]:
    """Oldest first; ties broken by creation time and name, as history.SortControllerRevisions."""
    return sorted(
        revisions,
        key=lambda r: (
            number(r),
            str(r["metadata"].get("creationTimestamp") or ""),
            r["metadata"]["name"],
        ),
    )


@dataclass(frozen=True, slots=True)
class Kind:
    """How one workload kind labels and annotates its revisions."""

    hash_label: str
    copy_annotations: bool  # DaemonSets copy their own annotations onto each revision


STATEFULSET = Kind(STATEFULSET_HASH_LABEL, copy_annotations=False)
DAEMONSET = Kind(DAEMONSET_HASH_LABEL, copy_annotations=True)


def new_revision(owner: Obj, kind: Kind, *, revision: int, collision_count: int) -> Obj:
    data = template_patch(owner)
    hash_ = revision_hash(data, collision_count)
    meta = owner["metadata"]
    template_labels = (owner["spec"].get("template", {}).get("metadata") or {}).get("labels") or {}
    revision_meta: Obj = {
        "name": f"{meta['name'][:MAX_NAME_PREFIX]}-{hash_}",
        "namespace": meta["namespace"],
        "labels": {**template_labels, kind.hash_label: hash_},
        "ownerReferences": [controller_ref(owner)],
    }
    if kind.copy_annotations and meta.get("annotations"):
        revision_meta["annotations"] = dict(meta["annotations"])
    return {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": revision_meta,
        "data": data,
        "revision": revision,
    }


@dataclass(frozen=True, slots=True)
class Update:
    """The revision of the owner's current template, and the collision count that named it."""

    revision: Obj
    collision_count: int


async def ensure_update_revision(
    client: Client, resource: Resource, owner: Obj, revisions: list[Obj], kind: Kind
) -> Update:
    """The revision of `owner`'s template: the newest already, an older equal one renumbered
    to be the newest (a rollback), or a new one (its hash probed past name collisions)."""
    ordered = by_number(revisions)
    next_number = number(ordered[-1]) + 1 if ordered else 1
    collisions = int(owner.get("status", {}).get("collisionCount") or 0)
    data = template_patch(owner)
    equal = [r for r in ordered if r.get("data") == data]
    if equal and equal[-1] is ordered[-1]:
        return Update(equal[-1], collisions)
    if equal:
        renumbered = {**clone(equal[-1]), "revision": next_number}
        stored = await client.update(resource, owner["metadata"]["namespace"], renumbered)
        return Update(stored, collisions)
    while True:
        body = new_revision(owner, kind, revision=next_number, collision_count=collisions)
        try:
            created = await client.create(resource, owner["metadata"]["namespace"], body)
            return Update(created, collisions)
        except ApiError as exc:
            if exc.reason != "AlreadyExists":
                raise
        existing = await client.get(
            resource, owner["metadata"]["namespace"], body["metadata"]["name"]
        )
        if existing.get("data") == data and _controlled_by(existing, owner):
            return Update(existing, collisions)
        collisions += 1  # another template (or owner) has this name: probe the next hash


def _controlled_by(obj: Obj, owner: Obj) -> bool:
    return any(
        ref.get("uid") == owner["metadata"]["uid"] and ref.get("controller")
        for ref in obj["metadata"].get("ownerReferences") or []
    )


def surplus(revisions: Iterable[Obj], live: set[str], limit: int) -> list[Obj]:
    """The oldest revisions beyond `limit` that no pod or status still names (truncateHistory)."""
    history = [r for r in by_number(revisions) if r["metadata"]["name"] not in live]
    return history[: max(len(history) - limit, 0)]


async def truncate(
    client: Client, resource: Resource, revisions: Iterable[Obj], live: set[str], limit: int
) -> None:
    for revision in surplus(revisions, live, limit):
        meta = revision["metadata"]
        await delete_if_present(client, resource, meta["namespace"], meta["name"])
