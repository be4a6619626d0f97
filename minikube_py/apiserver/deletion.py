"""How a DELETE proceeds: preconditions, finalizers and propagation policy, and grace.

An object held by finalizers (its own, one its propagation policy adds, or a namespace's
spec.finalizers) or by a grace period (a pod on a node, waiting for its kubelet) is not removed
but given a deletionTimestamp; `RestStorage` removes it once nothing holds it any longer.
"""

from __future__ import annotations

from minikube_py.apiserver.errors import ApiError
from minikube_py.apiserver.rest_types import DeleteOptions
from minikube_py.resources import Obj, Resource


def check_delete_preconditions(resource: Resource, meta: Obj, options: DeleteOptions) -> None:
    checks = (
        ("UID", options.precondition_uid, meta.get("uid")),
        ("ResourceVersion", options.precondition_resource_version, meta["resourceVersion"]),
    )
    for label, wanted, actual in checks:
        if wanted and wanted != actual:
            raise ApiError(
                "Conflict",
                f"Operation cannot be fulfilled on {resource.group_resource} "
                f'"{meta["name"]}": Precondition failed: {label} in precondition: {wanted}, '
                f"{label} in object meta: {actual}",
                name=meta["name"],
                group=resource.group or None,
                kind=resource.plural,
            )


def grace_period(resource: Resource, obj: Obj, options: DeleteOptions) -> int:
    """Only pods on a node wait for their kubelet; everything else goes at once."""
    if resource.group != "" or resource.plural != "pods":
        return 0
    spec, status = obj.get("spec", {}), obj.get("status", {})
    if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
        return 0
    if options.grace_period_seconds is not None:
        return max(options.grace_period_seconds, 0)
    return int(spec.get("terminationGracePeriodSeconds", 30))


def pending_finalizers(resource: Resource, obj: Obj) -> list[str]:
    """What still holds a deleted object: its finalizers, and a namespace's spec.finalizers."""
    pending = list(obj["metadata"].get("finalizers") or [])
    if "finalize" in resource.subresources:
        pending += obj.get("spec", {}).get("finalizers") or []
    return pending


def propagation_finalizers(policy: str | None, present: list[str]) -> list[str]:
    wanted = {"Foreground": "foregroundDeletion", "Orphan": "orphan"}.get(policy or "")
    return [wanted] if wanted and wanted not in present else []
