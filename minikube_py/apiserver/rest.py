"""Generic REST storage: the verbs every resource shares, on top of the store.

This is the one admission path: the HTTP handlers and the in-process `LocalClient` both call it,
so defaults, validation and metadata rules are the same whoever writes. Resource differences come
only from the registry entry and the per-kind defaulting/validation tables.
"""

from __future__ import annotations

import functools
import ipaddress
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

from minikube_py import patch, schema
from minikube_py.apiserver import defaults, specs, validation
from minikube_py.apiserver.allocators import ServiceAllocator
from minikube_py.apiserver.errors import (
    ApiError,
    Cause,
    already_exists,
    bad_request,
    conflict,
    invalid,
    not_found,
)
from minikube_py.apiserver.selectors import FieldSelector, LabelSelector
from minikube_py.resources import Obj, Registry, Resource, clone
from minikube_py.store import (
    ConflictError,
    Entry,
    ExpiredError,
    FutureRevisionError,
    InvalidContinueTokenError,
    KeyExistsError,
    KeyNotFoundError,
    Store,
)

NAMESPACES_KEY_PREFIX = "/core/namespaces/"
# Characters Kubernetes uses for generateName suffixes (no vowels, no look-alikes).
_NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
# Kinds whose metadata.generation tracks spec changes (their strategies set it on create).
_GENERATION_KINDS = frozenset(
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
# A kubelet registers its Node with status; every other kind's create starts status afresh.
_STATUS_KEPT_ON_CREATE = frozenset({("", "Node")})
# Resources whose DELETE answers with the object rather than a Status (as real Kubernetes).
_RETURNS_DELETED_OBJECT = frozenset({("", "pods"), ("", "namespaces")})
FIELD_VALIDATION_MODES = ("Strict", "Warn", "Ignore")
MAX_WRITE_ATTEMPTS = 8  # redoing a read-modify-write that lost a race, as GuaranteedUpdate does
_T = TypeVar("_T")
Warnings = list[str]  # an alias: inside RestStorage, `list` names the list verb
DEFAULT_SERVICE_CIDR = ipaddress.IPv4Network("10.96.0.0/12")


def too_large_resource_version(requested: int, current: int) -> ApiError:
    """504, as a real server answers after waiting in vain for the revision to appear."""
    return ApiError(
        "Timeout",
        f"Too large resource version: {requested}, current: {current}",
        causes=[Cause("ResourceVersionTooLarge", "Too large resource version", "")],
        retry_after_seconds=1,
    )


def now_rfc3339() -> str:
    return _rfc3339(int(time.time()))  # whole seconds, as gmtime() takes the current time


@functools.lru_cache(maxsize=1)  # every write stamps the current second, often twice
def _rfc3339(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


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


class _StaleRead(Exception):
    """The object changed between our read and our write: another writer won the race."""


def _resource_version_of(body: Obj) -> str:
    meta = body.get("metadata")
    return str(meta.get("resourceVersion") or "") if isinstance(meta, dict) else ""


class Preparer(Protocol):
    """Kind-specific work before a write is validated (e.g. allocating a Service's ClusterIP)."""

    def prepare_for_create(self, obj: Obj) -> list[Cause]: ...

    def prepare_for_update(self, obj: Obj, old: Obj) -> list[Cause]: ...


class RestStorage:
    """create / get / list / watch / update / delete for every registered resource."""

    def __init__(
        self,
        store: Store,
        registry: Registry,
        *,
        service_cidr: ipaddress.IPv4Network = DEFAULT_SERVICE_CIDR,
    ) -> None:
        self.store = store
        self.registry = registry
        self.preparers: dict[tuple[str, str], Preparer] = {
            ("", "Service"): ServiceAllocator(store, service_cidr),
        }

    # ---- reads -------------------------------------------------------------------------------

    def get(self, resource: Resource, namespace: str | None, name: str) -> Entry:
        entry = self.store.get(resource.key(namespace, name))
        if entry is None:
            raise not_found(resource.plural, resource.group, name)
        return entry

    def list(
        self,
        resource: Resource,
        namespace: str | None,
        *,
        label_selector: LabelSelector | None = None,
        field_selector: FieldSelector | None = None,
        limit: int = 0,
        continue_token: str | None = None,
        revision: int | None = None,
    ) -> ListPage:
        """One page of matching objects, filling `limit` past non-matching ones as K8s does."""
        prefix = resource.key_prefix(namespace if resource.namespaced else None)
        matches: list[Entry] = []
        token = continue_token
        try:
            while True:
                want = limit - len(matches) if limit else 0
                page = self.store.list(prefix, limit=want, continue_token=token, revision=revision)
                revision = page.revision
                matches.extend(
                    e for e in page.entries if selected(e.value, label_selector, field_selector)
                )
                token = page.continue_token
                if token is None or (limit and len(matches) >= limit):
                    break
        except FutureRevisionError as exc:
            raise too_large_resource_version(exc.requested, exc.current) from None
        except InvalidContinueTokenError as exc:
            raise bad_request(f"continue key is not valid: {exc}") from None
        except ExpiredError as exc:
            raise ApiError(
                "Expired",
                "The provided continue parameter is too old to display a consistent list result. "
                "You can start a new list without the continue parameter, or use the continue "
                "token in this response to retrieve the remainder of the results. Continuing "
                "with the provided token results in an inconsistent list - objects that were "
                "created, modified, or deleted between the time the first chunk was returned "
                "and now may show up in the list.",
            ) from exc
        filtered = label_selector is not None or field_selector is not None
        remaining = None if filtered or token is None else page.remaining
        return ListPage(matches, revision or self.store.revision, token, remaining)

    # ---- writes ------------------------------------------------------------------------------

    async def create(
        self, resource: Resource, namespace: str | None, body: Obj, options: WriteOptions
    ) -> WriteResult:
        obj = self._decode_body(resource, namespace, body)
        warnings = self._check_fields(resource, obj, options.field_validation)
        return await self._create_object(resource, obj, options, warnings)

    async def _create_object(
        self, resource: Resource, obj: Obj, options: WriteOptions, warnings: Warnings
    ) -> WriteResult:
        meta = obj["metadata"]
        if resource.namespaced:
            self._require_active_namespace(meta["namespace"])
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(
                secrets.choice(_NAME_SUFFIX_ALPHABET) for _ in range(5)
            )
        applied = options.applied
        self._stamp_new_metadata(resource, obj)
        if resource.has_status and (resource.group, resource.kind) not in _STATUS_KEPT_ON_CREATE:
            obj["status"] = {}
        defaults.apply_defaults(resource.group, resource.kind, obj)
        self._validate(resource, obj, None)
        self._prepare(resource, obj, None)
        if not applied:
            # `obj` is this request's own copy (decoded from the body) and is not used again.
            obj = self._record_manager(resource, None, obj, options, private=True)
        key = resource.key(meta.get("namespace"), meta["name"])
        if options.dry_run:
            if self.store.get(key) is not None:
                raise already_exists(resource.plural, resource.group, meta["name"])
            return WriteResult(obj, warnings, created=True)
        try:
            entry = await self.store.create(key, obj)
        except KeyExistsError:
            raise already_exists(resource.plural, resource.group, meta["name"]) from None
        return WriteResult(entry.value, warnings, created=True, raw=entry.raw)

    async def update(
        self,
        resource: Resource,
        namespace: str | None,
        name: str,
        body: Obj,
        options: WriteOptions,
        *,
        subresource: str | None = None,
    ) -> WriteResult:
        """PUT of the object or of its status subresource, with optimistic concurrency.

        A body without resourceVersion is unconditional: if another writer gets in between our
        read and our write, the update is simply redone on the newer object.
        """

        async def attempt() -> WriteResult:
            old = self.get(resource, namespace, name)
            return await self._update_from(
                resource, namespace, name, body, old, options, subresource
            )

        unconditional = not (isinstance(body, dict) and _resource_version_of(body))
        return await self.guaranteed_update(resource, name, attempt, retry=unconditional)

    async def patch(
        self,
        resource: Resource,
        namespace: str | None,
        name: str,
        patch_type: str,
        body: Any,
        options: WriteOptions,
        *,
        subresource: str | None = None,
        force: bool = False,
    ) -> WriteResult:
        """PATCH in any of the four patch media types; apply may create the object."""
        if patch_type == patch.APPLY_PATCH:

            async def attempt() -> WriteResult:
                return await self._apply(
                    resource, namespace, name, body, options, subresource, force
                )

        else:

            async def attempt() -> WriteResult:
                old = self.get(resource, namespace, name)
                patched = patch.apply_patch(
                    patch_type, old.value, body, resource.api_version, resource.kind
                )
                if not isinstance(patched, dict):
                    raise ApiError(
                        "Invalid", "the server rejected our request due to an error in our request"
                    )
                return await self._update_from(
                    resource, namespace, name, patched, old, options, subresource
                )

        # A patch is applied to the latest object: a lost race is redone, never a 409 (a
        # resourceVersion the patch itself sets is still checked as a precondition).
        return await self.guaranteed_update(resource, name, attempt, retry=True)

    async def _apply(
        self,
        resource: Resource,
        namespace: str | None,
        name: str,
        body: Any,
        options: WriteOptions,
        subresource: str | None,
        force: bool,
    ) -> WriteResult:
        """Server-side apply: the manager's fields become its own; conflicts are 409s."""
        applied = self._decode_body(resource, namespace, body)
        if applied["metadata"].get("name", name) != name:
            raise bad_request("the name of the object does not match the name on the URL")
        applied["metadata"]["name"] = name
        warnings = self._check_fields(resource, applied, options.field_validation)
        live = self.store.get(resource.key(namespace, name))
        result, created = patch.server_side_apply(
            live.value if live else None,
            applied,
            manager=options.field_manager,
            force=force,
            api_version=resource.api_version,
            kind=resource.kind,
            now=now_rfc3339(),
            subresource=subresource or "",
        )
        options = replace(options, applied=True)
        if created or live is None:
            return await self._create_object(resource, result, options, warnings)
        new = self._merge_for_update(resource, result, live.value, subresource)
        return await self._write_update(resource, new, live, options, warnings, subresource)

    async def _update_from(
        self,
        resource: Resource,
        namespace: str | None,
        name: str,
        body: Obj,
        old: Entry,
        options: WriteOptions,
        subresource: str | None,
    ) -> WriteResult:
        """The shared tail of PUT and PATCH: `body` is the object the client wants stored."""
        obj = self._decode_body(resource, namespace, body)
        if obj["metadata"].get("name") != name:
            raise bad_request("the name of the object does not match the name on the URL")
        warnings = self._check_fields(resource, obj, options.field_validation)
        expected = obj["metadata"].get("resourceVersion")
        if expected and expected != old.value["metadata"]["resourceVersion"]:
            raise conflict(resource.plural, resource.group, name)
        new = self._merge_for_update(resource, obj, old.value, subresource)
        # A status or finalize write starts from a fresh clone of the stored object and the
        # decoded body, so nothing in `new` is shared: managedFields need not copy it again.
        private = subresource in ("status", "finalize")
        return await self._write_update(
            resource, new, old, options, warnings, subresource, private=private
        )

    async def write_object(self, resource: Resource, new: Obj, old: Entry) -> Obj:
        """Store a server-side change of `old` (e.g. a Scale's replicas); run it inside
        `guaranteed_update`, which redoes it if `old` is no longer the latest."""
        return (await self._write_update(resource, new, old, WriteOptions(), [])).obj

    async def guaranteed_update(
        self,
        resource: Resource,
        name: str,
        attempt: Callable[[], Awaitable[_T]],
        *,
        retry: bool,
    ) -> _T:
        """Run a read-modify-write; redo it on a lost race when `retry`, else answer 409."""
        for _ in range(MAX_WRITE_ATTEMPTS if retry else 1):
            try:
                return await attempt()
            except _StaleRead:
                continue
        raise conflict(resource.plural, resource.group, name)

    async def delete(
        self, resource: Resource, namespace: str | None, name: str, options: DeleteOptions
    ) -> DeleteResult:
        async def attempt() -> DeleteResult:
            return await self._delete_once(resource, namespace, name, options)

        return await self.guaranteed_update(resource, name, attempt, retry=True)

    async def _delete_once(
        self, resource: Resource, namespace: str | None, name: str, options: DeleteOptions
    ) -> DeleteResult:
        entry = self.get(resource, namespace, name)
        obj = entry.value
        meta = obj["metadata"]
        self._check_delete_preconditions(resource, meta, options)
        finalizers = list(meta.get("finalizers") or [])
        finalizers += _propagation_finalizers(options.propagation_policy, finalizers)
        held = bool(finalizers or pending_finalizers(resource, obj))
        grace = self._grace_period(resource, obj, options)
        if not held and not grace:
            if options.dry_run:
                return DeleteResult(obj, removed=True)
            return DeleteResult(await self._remove(resource, entry), removed=True)
        if meta.get("deletionTimestamp"):
            return DeleteResult(obj, removed=False)
        new = clone(obj)
        new["metadata"]["deletionTimestamp"] = now_rfc3339()
        new["metadata"]["deletionGracePeriodSeconds"] = grace
        if finalizers:
            new["metadata"]["finalizers"] = finalizers
        if "finalize" in resource.subresources:  # a namespace: its controller empties it
            new.setdefault("status", {})["phase"] = "Terminating"
        if options.dry_run:
            return DeleteResult(new, removed=False)
        updated = await self._store_update(resource, new, entry)
        return DeleteResult(updated.value, removed=False)

    # ---- helpers -----------------------------------------------------------------------------

    def _decode_body(self, resource: Resource, namespace: str | None, body: Obj) -> Obj:
        """Check kind/apiVersion/namespace against the endpoint and return a private copy."""
        if not isinstance(body, dict):
            raise bad_request("the request body must be a JSON or YAML object")
        api_version = body.get("apiVersion", resource.api_version)
        kind = body.get("kind", resource.kind)
        if kind != resource.kind or api_version != resource.api_version:
            raise bad_request(
                f"the {'kind' if kind != resource.kind else 'API version'} in the data "
                f"({kind if kind != resource.kind else api_version}) does not match the expected "
                f"{'kind' if kind != resource.kind else 'API version'} "
                f"({resource.kind if kind != resource.kind else resource.api_version})"
            )
        obj = clone(body)
        obj["apiVersion"], obj["kind"] = resource.api_version, resource.kind
        meta = obj.get("metadata")
        if meta is None:
            meta = obj["metadata"] = {}
        elif not isinstance(meta, dict):
            raise bad_request("metadata must be an object")
        if resource.namespaced:
            body_namespace = meta.get("namespace")
            if body_namespace and namespace and body_namespace != namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request"
                )
            meta["namespace"] = namespace or body_namespace or "default"
        else:
            meta.pop("namespace", None)
        return obj

    def _check_fields(self, resource: Resource, obj: Obj, mode: str) -> Warnings:
        """Reject wrongly typed fields (always) and unknown ones (per fieldValidation), as the
        real server's strict decoder does; warnings are what Warn mode reports instead. Unknown
        fields a write keeps going with are dropped: the real server's Go structs have no
        place for them."""
        result = schema.check(resource.api_version, resource.kind, obj)
        if result.type_errors:
            raise bad_request(
                schema.decode_error_message(
                    resource.api_version, resource.kind, result.type_errors[0]
                )
            )
        if not result.unknown:
            return []
        messages = [f'unknown field "{path}"' for path in result.unknown]
        if mode == "Strict":
            problem = "strict decoding error: " + ", ".join(messages)
            raise bad_request(
                schema.decode_error_message(resource.api_version, resource.kind, problem)
            )
        result.drop_unknown()
        return [] if mode == "Ignore" else messages

    def _require_active_namespace(self, namespace: str) -> None:
        entry = self.store.get(NAMESPACES_KEY_PREFIX + namespace)
        if entry is None:
            raise not_found("namespaces", "", namespace)
        if entry.value["metadata"].get("deletionTimestamp"):
            raise ApiError(
                "Forbidden",
                f"unable to create new content in namespace {namespace} because it is being "
                "terminated",
                name=namespace,
                kind="namespaces",
            )

    def _stamp_new_metadata(self, resource: Resource, obj: Obj) -> None:
        meta = obj["metadata"]
        for server_field in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
            meta.pop(server_field, None)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_rfc3339()
        if resource.kind in _GENERATION_KINDS:
            meta["generation"] = 1
        else:
            meta.pop("generation", None)

    def _validate(self, resource: Resource, obj: Obj, old: Obj | None) -> None:
        causes = validation.validate_object_meta(
            obj, group=resource.group, kind=resource.kind, namespaced=resource.namespaced
        )
        if old is not None:
            causes += validation.validate_object_meta_update(obj, old)
        causes += specs.validate_spec(resource.group, resource.kind, obj, old)
        if causes:
            name = obj["metadata"].get("name") or obj["metadata"].get("generateName", "")
            raise invalid(resource.kind, resource.group, name, causes)

    def _record_manager(
        self,
        resource: Resource,
        old: Obj | None,
        new: Obj,
        options: WriteOptions,
        subresource: str | None = None,
        *,
        private: bool = False,
    ) -> Obj:
        """managedFields: the writer owns what it set or changed (an Update entry).

        `private`: `new` is ours to give away, so the result may share it instead of a copy.
        """
        return patch.update_managed_fields(
            old,
            new,
            manager=options.manager,
            operation="Update",
            api_version=resource.api_version,
            now=now_rfc3339(),
            subresource=subresource or "",
            copy=not private,
        )

    def _prepare(self, resource: Resource, obj: Obj, old: Obj | None) -> None:
        preparer = self.preparers.get((resource.group, resource.kind))
        if preparer is None:
            return
        if old is None:
            causes = preparer.prepare_for_create(obj)
        else:
            causes = preparer.prepare_for_update(obj, old)
        if causes:
            raise invalid(resource.kind, resource.group, obj["metadata"]["name"], causes)

    def _merge_for_update(
        self, resource: Resource, obj: Obj, old: Obj, subresource: str | None
    ) -> Obj:
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

    async def _write_update(
        self,
        resource: Resource,
        new: Obj,
        old: Entry,
        options: WriteOptions,
        warnings: Warnings,
        subresource: str | None = None,
        *,
        private: bool = False,
    ) -> WriteResult:
        defaults.apply_defaults(resource.group, resource.kind, new)
        defaults.prepare_for_update(resource.group, resource.kind, new, old.value)
        self._bump_generation(resource, new, old.value)
        self._prepare(resource, new, old.value)  # restores allocated values before validation
        self._validate(resource, new, old.value)
        new["metadata"]["resourceVersion"] = old.value["metadata"]["resourceVersion"]
        if not options.applied:
            new = self._record_manager(
                resource, old.value, new, options, subresource, private=private
            )
        if new == old.value or options.dry_run:
            # Real Kubernetes skips no-op writes: the resourceVersion stays, no watch event.
            return WriteResult(new if options.dry_run else old.value, warnings)
        if new["metadata"].get("deletionTimestamp") and not pending_finalizers(resource, new):
            return WriteResult(await self._remove(resource, old), warnings)
        stored = await self._store_update(resource, new, old)
        return WriteResult(stored.value, warnings, raw=stored.raw)

    def _bump_generation(self, resource: Resource, new: Obj, old: Obj) -> None:
        if resource.kind not in _GENERATION_KINDS:
            return
        generation = old["metadata"].get("generation", 1)
        if _spec_part(new) != _spec_part(old):
            generation += 1
        new["metadata"]["generation"] = generation

    async def _store_update(self, resource: Resource, new: Obj, old: Entry) -> Entry:
        try:
            entry = await self.store.update(old.key, new, expected_revision=old.revision)
        except ConflictError:
            raise _StaleRead from None
        except KeyNotFoundError:
            raise not_found(resource.plural, resource.group, new["metadata"]["name"]) from None
        return entry

    async def _remove(self, resource: Resource, entry: Entry) -> Obj:
        try:
            deleted = await self.store.delete(entry.key, expected_revision=entry.revision)
        except ConflictError:
            raise _StaleRead from None
        except KeyNotFoundError:
            raise not_found(resource.plural, resource.group, _name(entry)) from None
        return deleted.value

    def _check_delete_preconditions(
        self, resource: Resource, meta: Obj, options: DeleteOptions
    ) -> None:
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

    def _grace_period(self, resource: Resource, obj: Obj, options: DeleteOptions) -> int:
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


def _propagation_finalizers(policy: str | None, present: list[str]) -> list[str]:
    wanted = {"Foreground": "foregroundDeletion", "Orphan": "orphan"}.get(policy or "")
    return [wanted] if wanted and wanted not in present else []


def _spec_part(obj: Obj) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


def _name(entry: Entry) -> str:
    return str(entry.value["metadata"]["name"])


def selected(obj: Obj, labels: LabelSelector | None, fields: FieldSelector | None) -> bool:
    """Whether an object matches a list or watch request's selectors."""
    if labels is not None and not labels.matches(obj["metadata"].get("labels")):
        return False
    return fields is None or fields.matches(obj)
