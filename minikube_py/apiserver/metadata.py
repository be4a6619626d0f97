"""What the server owns in a stored object, whoever writes it.

On create: a fresh uid and creationTimestamp, and generation 1 for kinds that track spec changes.
On update: the server's metadata and what the write may not change (status, for a PUT of the
object; everything but status or a namespace's spec.finalizers, for the status and finalize
subresources) are kept from the stored object, and generation goes up when the spec changed.
"""

from __future__ import annotations

import functools
import time
import uuid
from typing import Any

from minikube_py.resources import Obj, Resource, clone

# Kinds whose metadata.generation tracks spec changes (their strategies set it on create).
GENERATION_KINDS = frozenset(
    {
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "ReplicationController",
        "Job",
        "CronJob",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "Ingress",
        "HorizontalPodAutoscaler",
        "CustomResourceDefinition",
        "PodTemplate",
    }
)


def now_rfc3339() -> str:
    return _rfc3339(int(time.time()))  # whole seconds, as gmtime() takes the current time


@functools.lru_cache(maxsize=1)  # every write stamps the current second, often twice
def _rfc3339(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def stamp_new_metadata(resource: Resource, obj: Obj) -> None:
    meta = obj["metadata"]
    for server_field in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
        meta.pop(server_field, None)
    meta["uid"] = str(uuid.uuid4())
    meta["creationTimestamp"] = now_rfc3339()
    if resource.kind in GENERATION_KINDS:
        meta["generation"] = 1
    else:
        meta.pop("generation", None)


def merge_for_update(resource: Resource, obj: Obj, old: Obj, subresource: str | None) -> Obj:
    """The stored object after a PUT: server-owned metadata and the other half kept."""
    if subresource in ("status", "finalize"):
        # status writes change only status; a namespace's finalize only spec.finalizers
        new = clone(old)
        if subresource == "status":
            new["status"] = obj.get("status", {})
        else:
            new.setdefault("spec", {})["finalizers"] = obj.get("spec", {}).get("finalizers", [])
        return new
    meta, old_meta = obj["metadata"], old["metadata"]
    for kept in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
        if kept in old_meta and kept not in meta:
            meta[kept] = old_meta[kept]
    if resource.has_status:
        if "status" in old:
            obj["status"] = old["status"]
        else:
            obj.pop("status", None)
    if "finalize" in resource.subresources:
        obj.setdefault("spec", {})["finalizers"] = old.get("spec", {}).get("finalizers", [])
    return obj


def bump_generation(resource: Resource, new: Obj, old: Obj) -> None:
    if resource.kind not in GENERATION_KINDS:
        return
    generation = old["metadata"].get("generation", 1)
    if _spec_part(new) != _spec_part(old):
        generation += 1
    new["metadata"]["generation"] = generation


def _spec_part(obj: Obj) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}
