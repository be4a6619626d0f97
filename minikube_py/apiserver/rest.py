"""Generic REST storage: the verbs every resource shares, on top of the store.

This is the one admission path: the HTTP handlers and the in-process `LocalClient` both call it,
so defaults, validation and metadata rules are the same whoever writes. Resource differences come
only from the registry entry and the per-kind defaulting/validation tables.

The verbs and the write pipeline are here; the rules they apply sit beside this module:
`bodies` (a body checked against its endpoint and the schema), `metadata` (what the server owns
in a stored object), `deletion` (preconditions, finalizers, grace) and `rest_types` (the options
and results, re-exported here with the other names importers use).
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Protocol, TypeVar

from minikube_py import patch
from minikube_py.apiserver import bodies, defaults, deletion, metadata, specs, validation
from minikube_py.apiserver.allocators import ServiceAllocator
from minikube_py.apiserver.deletion import pending_finalizers
from minikube_py.apiserver.errors import (
    ApiError,
    Cause,
    already_exists,
    bad_request,
    conflict,
    invalid,
    not_found,
)
from minikube_py.apiserver.metadata import now_rfc3339
from minikube_py.apiserver.rest_types import (
    FIELD_VALIDATION_MODES,
    DeleteOptions,
    DeleteResult,
    ListPage,
    WriteOptions,
    WriteResult,
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

__all__ = [
    "DEFAULT_SERVICE_CIDR",
    "FIELD_VALIDATION_MODES",
    "MAX_WRITE_ATTEMPTS",
    "NAMESPACES_KEY_PREFIX",
    "DeleteOptions",
    "DeleteResult",
    "ListPage",
    "Preparer",
    "RestStorage",
    "WriteOptions",
    "WriteResult",
    "now_rfc3339",
    "pending_finalizers",
    "selected",
    "too_large_resource_version",
]

NAMESPACES_KEY_PREFIX = "/core/namespaces/"
# Characters Kubernetes uses for generateName suffixes (no vowels, no look-alikes).
_NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
# A kubelet registers its Node with status; every other kind's create starts status afresh.
_STATUS_KEPT_ON_CREATE = frozenset({("", "Node")})
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
        obj = bodies.decode_body(resource, namespace, body)
        warnings = bodies.check_fields(resource, obj, options.field_validation)
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
        metadata.stamp_new_metadata(resource, obj)
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
        applied = bodies.decode_body(resource, namespace, body)
        if applied["metadata"].get("name", name) != name:
            raise bad_request("the name of the object does not match the name on the URL")
        applied["metadata"]["name"] = name
        warnings = bodies.check_fields(resource, applied, options.field_validation)
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
        new = metadata.merge_for_update(resource, result, live.value, subresource)
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
        obj = bodies.decode_body(resource, namespace, body)
        if obj["metadata"].get("name") != name:
            raise bad_request("the name of the object does not match the name on the URL")
        warnings = bodies.check_fields(resource, obj, options.field_validation)
        expected = obj["metadata"].get("resourceVersion")
        if expected and expected != old.value["metadata"]["resourceVersion"]:
            raise conflict(resource.plural, resource.group, name)
        new = metadata.merge_for_update(resource, obj, old.value, subresource)
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
        deletion.check_delete_preconditions(resource, meta, options)
        finalizers = list(meta.get("finalizers") or [])
        finalizers += deletion.propagation_finalizers(options.propagation_policy, finalizers)
        held = bool(finalizers or pending_finalizers(resource, obj))
        grace = deletion.grace_period(resource, obj, options)
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
        metadata.bump_generation(resource, new, old.value)
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


def _name(entry: Entry) -> str:
    return str(entry.value["metadata"]["name"])


def selected(obj: Obj, labels: LabelSelector | None, fields: FieldSelector | None) -> bool:
    """Whether an object matches a list or watch request's selectors."""
    if labels is not None and not labels.matches(obj["metadata"].get("labels")):
        return False
    return fields is None or fields.matches(obj)
