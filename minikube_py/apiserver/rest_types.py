"""What the REST verbs take and answer: write and delete options, and their results.

`apiserver/request.py` builds the options from a request's query and body; `RestStorage` (in
`rest.py`, which re-exports all of these) answers with the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from minikube_py.apiserver.errors import ApiError, bad_request
from minikube_py.resources import Obj, Resource
from minikube_py.store import Entry

# Resources whose DELETE answers with the object rather than a Status (as real Kubernetes).
_RETURNS_DELETED_OBJECT = frozenset({("", "pods"), ("", "namespaces")})
FIELD_VALIDATION_MODES = ("Strict", "Warn", "Ignore")


@dataclass(slots=True)
class WriteOptions:
    """Query options shared by create, update and patch."""

    dry_run: bool = False
    field_validation: str = "Strict"
    field_manager: str = ""  # as the client gave it: apply requires one
    user_agent: str = ""
    applied: bool = False  # set by server-side apply, which records managedFields itself

    @property
    def manager(self) -> str:
        """Who a non-apply write is recorded as: fieldManager, else the User-Agent's product."""
        return self.field_manager or self.user_agent.split("/", 1)[0][:128] or "unknown"


@dataclass(slots=True)
class DeleteOptions:
    grace_period_seconds: int | None = None
    propagation_policy: str | None = None  # Orphan | Background | Foreground
    precondition_uid: str | None = None
    precondition_resource_version: str | None = None
    dry_run: bool = False

    @classmethod
    def from_body(cls, body: Obj, query_dry_run: bool) -> DeleteOptions:
        preconditions = body.get("preconditions") or {}
        policy = body.get("propagationPolicy")
        if policy is None and body.get("orphanDependents") is not None:
            policy = "Orphan" if body["orphanDependents"] else "Background"
        if policy not in (None, "Orphan", "Background", "Foreground"):
            raise ApiError(
                "Invalid",
                f'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: '
                f'"{policy}": supported values: "Foreground", "Background", "Orphan", "nil"',
            )
        grace = body.get("gracePeriodSeconds")
        if grace is not None and not isinstance(grace, int):
            raise bad_request("gracePeriodSeconds must be an integer")
        return cls(
            grace_period_seconds=grace,
            propagation_policy=policy,
            precondition_uid=preconditions.get("uid"),
            precondition_resource_version=preconditions.get("resourceVersion"),
            dry_run=query_dry_run or "All" in (body.get("dryRun") or []),
        )


@dataclass(slots=True)
class WriteResult:
    obj: Obj
    warnings: list[str] = field(default_factory=list)
    created: bool = False
    raw: bytes | None = None  # `obj` as stored, when it was stored: the reply is ready-made


@dataclass(slots=True)
class DeleteResult:
    obj: Obj
    removed: bool  # False: the object stays with a deletionTimestamp (finalizers, grace)

    def response(self, resource: Resource) -> Obj:
        """What DELETE answers: the object, or a success Status for most removed objects."""
        if not self.removed or (resource.group, resource.plural) in _RETURNS_DELETED_OBJECT:
            return self.obj
        meta = self.obj["metadata"]
        details: Obj = {"name": meta["name"]}
        if resource.group:
            details["group"] = resource.group
        details["kind"] = resource.plural
        details["uid"] = meta.get("uid", "")
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": details,
        }


@dataclass(slots=True)
class ListPage:
    entries: list[Entry]
    revision: int
    continue_token: str | None
    remaining: int | None
