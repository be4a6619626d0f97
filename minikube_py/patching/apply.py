"""Server-side apply and managed-fields tracking, after apimachinery's FieldManager chain and
structured-merge-diff's Updater.

Every write records who changed which fields in `metadata.managedFields`:

- non-apply writes (create, update, patch): `update_managed_fields` gives the writer an Update
  entry owning the fields it added or changed, and takes them away from the other entries;
  fields it removed leave every entry. An object that exists but has no managedFields stays
  untracked (as on real servers);
- apply (`server_side_apply`): the applied configuration's fields become the manager's Apply
  entry; fields it applied before but no longer applies are removed from the object unless
  another manager owns them; changing a field another manager owns is a 409 conflict unless
  `force`, which takes ownership. With manager "kubectl", conflicts a client-side apply left
  behind (fields equal in `last-applied-configuration` and live) are forced, and that
  annotation is kept up to date, as kubectl's apply migration expects.

Ordering for the API server: pass `update_managed_fields` the object with defaults applied
(real servers default while decoding, so writers own defaulted fields); apply defaults after
`server_side_apply` (nobody owns them). Not done here: stamping uid, resourceVersion and
timestamps; dropping reset fields first (e.g. `status` for the main resource, all but
`status` for `/status`), which real servers filter out of both the object and the field sets.
Entries at other apiVersions are compared as if written at the request's version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from minikube_py.apiserver.errors import ApiError, Cause, bad_request, invalid
from minikube_py.patching.fieldpath import (
    FieldSet,
    Path,
    field_element,
    iterate,
    path_string,
)
from minikube_py.patching.managed import (
    APPLY,
    UPDATE,
    Entry,
    Managed,
    ManagerId,
    cap_update_managers,
    decode,
    encode,
    encode_entry,
    is_reset,
)
from minikube_py.patching.schemas import TypeInfo, root_type
from minikube_py.patching.typed import (
    ABSENT,
    Comparison,
    ItemError,
    compare,
    created_fields,
    field_set,
    merge,
    remove_items,
    validate,
    with_named_fields,
    zero_object,
)
from minikube_py.patching.values import clone, go_json, json_equal, server_error
from minikube_py.resources import Obj

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_KUBECTL = "kubectl"
_BEFORE_FIRST_APPLY = "before-first-apply"
# Fields no entry ever owns (apimachinery's stripMetaManager).
_UNOWNED_TOP = ("f:apiVersion", "f:kind", "f:metadata")
_UNOWNED_METADATA = tuple(
    "f:" + name
    for name in (
        "name",
        "namespace",
        "creationTimestamp",
        "selfLink",
        "uid",
        "clusterName",
        "generation",
        "managedFields",
        "resourceVersion",
    )
)
_METADATA = "f:metadata"
_UNOWNED: FieldSet = frozenset(
    (
        *((field_element(name[2:]),) for name in _UNOWNED_TOP),
        *((field_element("metadata"), field_element(name[2:])) for name in _UNOWNED_METADATA),
    )
)


class _Conflicts(Exception):
    def __init__(self, conflicts: dict[ManagerId, FieldSet]) -> None:
        super().__init__("apply conflicts")
        self.conflicts = conflicts


# --- non-apply writes -------------------------------------------------------------------------


def update_managed_fields(
    old: Obj | None,
    new: Obj,
    *,
    manager: str,
    operation: str,
    api_version: str,
    now: str,
    subresource: str = "",
    copy: bool = True,
) -> Obj:
    """`new` (a copy) with managedFields recording a create/update/patch by `manager`.

    `old` is the stored object (None on create); `new` is what will be stored, after the
    request's changes. `operation` must be "Update" (apply goes through server_side_apply). On
    failure the stored object's managedFields are kept, as UpdateNoErrors does.

    With `copy=False` only the top level and metadata are new: the rest is shared with `new`,
    for callers that own `new` and drop it (a deep copy per write is a large part of the cost).
    """
    if operation != UPDATE:
        raise ValueError(f"non-apply writes record Update entries, not {operation!r}")
    result = _without_managed_fields(new)
    if copy:
        result = clone(result)
    try:
        managed = _managed_for_update(old, new, subresource)
        if managed.entries or not _meta(old).get("uid"):
            who = ManagerId.of(manager or "unknown", UPDATE, api_version, subresource)
            root = root_type(api_version, str(new.get("kind", "")))
            if old is None and not managed.entries:
                return _with_managed_fields(result, _created_entry(result, who, root, now))
            before = _without_managed_fields(old) if old else zero_object(result, root)
            _record_update(managed, before, result, who, root, now)
            cap_update_managers(managed)
    except ItemError:
        return _with_managed_fields(result, clone(_meta(old).get("managedFields")))
    return _with_managed_fields(result, encode(managed))


def _managed_for_update(old: Obj | None, new: Obj, subresource: str) -> Managed:
    """The entries to start from: those the request sent, else the stored ones (a subresource
    write always starts from the stored ones)."""
    if not subresource:
        sent = _meta(new).get("managedFields")
        if is_reset(sent):
            return Managed()
        try:
            managed = decode(sent)
        except ValueError:
            managed = Managed()
        if managed.entries:
            return managed
    try:
        return decode(_meta(old).get("managedFields"))
    except ValueError:
        return Managed()


def _record_update(
    managed: Managed, old: Obj, new: Obj, who: ManagerId, root: TypeInfo, now: str
) -> None:
    changes = compare(old, new, root)
    _release(managed, changes, applier=None, force=True)
    taken = (changes.modified | changes.added) - _UNOWNED
    if taken:
        previous = managed.entries.get(who)
        owned = taken | (previous.fields if previous else frozenset())
        managed.entries[who] = Entry(owned, who.api_version, applied=False)
        managed.times[who] = now


def _created_entry(
    created: Obj, who: ManagerId, root: TypeInfo, now: str
) -> list[dict[str, Any]] | None:
    """managedFields of a create with nothing recorded before: the writer owns what the object
    sets, the fields nobody owns aside (what `_record_update` against the zero object gives
    when there are no other entries to release fields from). Raises ItemError as it does."""
    fields, root_changed = created_fields(created, root)
    _drop_unowned(fields)
    if not fields and not root_changed:
        return None
    return [encode_entry(who, False, who.api_version, now, fields)]


def _drop_unowned(fields: dict[str, Any]) -> None:
    """Take `_UNOWNED` out of an encoded field set (`{}`: a leaf in the set; `"."`: a node
    with children that is itself in the set)."""
    metadata = fields.get(_METADATA)
    if metadata is not None:
        for name in _UNOWNED_METADATA:
            _drop_member(metadata, name)
    for name in _UNOWNED_TOP:
        _drop_member(fields, name)


def _drop_member(fields: dict[str, Any], key: str) -> None:
    node = fields.get(key)
    if node is None:
        return
    node.pop(".", None)
    if not node:  # a leaf, or nothing left below: no longer in the set
        del fields[key]


def _release(managed: Managed, changes: Comparison, applier: ManagerId | None, force: bool) -> None:
    """Take changed fields from every entry but the applier's; removed fields leave all.

    Without `force`, changing fields another entry owns raises _Conflicts instead.
    """
    changed = changes.modified | changes.added
    clashes = {m: e.fields & changed for m, e in managed.entries.items() if m != applier}
    conflicts = {manager: fields for manager, fields in clashes.items() if fields}
    if conflicts and not force:
        raise _Conflicts(conflicts)
    for manager, entry in managed.entries.items():
        if manager != applier:
            kept = entry.fields - conflicts.get(manager, frozenset()) - changes.removed
            if len(kept) != len(entry.fields):  # else the same Entry: see Entry.raw
                managed.entries[manager] = Entry(kept, entry.api_version, entry.applied)
    managed.drop_empty()


# --- apply ------------------------------------------------------------------------------------


def server_side_apply(
    live: Obj | None,
    applied: Obj,
    *,
    manager: str,
    force: bool,
    api_version: str,
    kind: str,
    now: str,
    subresource: str = "",
) -> tuple[Obj, bool]:
    """(the object after applying `applied` as `manager`, whether it is created).

    `live` is the stored object, None if there is none (apply creates it).
    """
    _require_manager(manager)
    root = root_type(api_version, kind)
    config = _checked_config(applied, api_version, kind, root)
    current = _without_managed_fields(live or {})
    try:
        managed = decode(_meta(live).get("managedFields"))
    except ValueError as exc:
        raise server_error(f"failed to decode managed fields: {exc}") from None
    who = ManagerId.of(manager, APPLY, api_version, subresource)
    try:
        result, managed = _apply(current, config, managed, who, root, force, now)
    except ItemError as exc:
        raise server_error(f"failed to merge config: {exc}") from None
    result = _with_managed_fields(_drop_nulls(result), encode(managed))
    if manager == _KUBECTL:
        _refresh_last_applied(result, config)
    return result, live is None


def _require_manager(manager: str) -> None:
    if not manager:
        problem = "Required value: is required for apply patch"
        raise invalid(
            "PatchOptions",
            "meta.k8s.io",
            "",
            [Cause("FieldValueRequired", problem, "fieldManager")],
        )


def _checked_config(applied: Any, api_version: str, kind: str, root: TypeInfo) -> Obj:
    if not isinstance(applied, dict):
        raise bad_request(
            "error decoding patch: error unmarshaling JSON: while decoding JSON: json: cannot "
            "unmarshal array into Go value of type map[string]interface {}"
        )
    if applied.get("apiVersion") != api_version or applied.get("kind") != kind:
        raise bad_request(f"invalid object type: {_gvk(applied)}")
    if _meta(applied).get("managedFields") is not None:
        raise bad_request("metadata.managedFields must be nil")
    errors = validate(applied, root)
    if errors:
        detail = errors[0] if len(errors) == 1 else "errors:\n  " + "\n  ".join(errors)
        raise server_error(f"failed to create typed patch object ({_gvknn(applied)}): {detail}")
    return applied


def _apply(
    live: Obj,
    config: Obj,
    managed: Managed,
    who: ManagerId,
    root: TypeInfo,
    force: bool,
    now: str,
) -> tuple[Obj, Managed]:
    """Apply, letting "kubectl" take over what its client-side applies left behind."""
    try:
        return _apply_once(live, config, managed.copy(), who, root, force, now)
    except _Conflicts as exc:
        conflicts = exc.conflicts
        allowed = _last_applied_fields(live, config, root) if who.manager == _KUBECTL else None
        remaining = {
            manager: fields - allowed if allowed is not None else fields
            for manager, fields in conflicts.items()
        }
        if allowed is None or any(remaining.values()):
            raise _conflict_error({m: f for m, f in remaining.items() if f}) from None
        return _apply_once(live, config, managed.copy(), who, root, True, now)


def _apply_once(
    live: Obj,
    config: Obj,
    managed: Managed,
    who: ManagerId,
    root: TypeInfo,
    force: bool,
    now: str,
) -> tuple[Obj, Managed]:
    version = _version(config)  # checked: the request's version
    if not managed.entries:  # untracked so far: what exists belongs to "before-first-apply"
        before = ManagerId.of(_BEFORE_FIRST_APPLY, UPDATE, version, who.subresource)
        _record_update(managed, zero_object(live, root), live, before, root, now)
    previous = managed.entries.get(who)
    managed.entries[who] = Entry(field_set(config, root), version, applied=True)
    merged = merge(live, config, root)
    merged = {} if merged is ABSENT else merged
    if previous is not None and previous.fields:
        merged = _prune(merged, managed, previous.fields, root)
    _release(managed, compare(live, merged, root), applier=who, force=force)
    if who in managed.entries:
        mine = managed.entries[who]
        managed.entries[who] = Entry(mine.fields - _UNOWNED, mine.api_version, mine.applied)
        managed.drop_empty()
    if json_equal(merged, live):
        return live, managed  # a no-op apply keeps the entry's time
    managed.times[who] = now
    return merged, managed


def _prune(merged: Obj, managed: Managed, last: FieldSet, root: TypeInfo) -> Obj:
    """Remove what the applier applied last time but not now, unless someone else owns it."""
    last_named = with_named_fields(last, root)
    merged_named = with_named_fields(field_set(merged, root), root)
    pruned = remove_items(merged, last_named, root)
    owned = with_named_fields(_union(e.fields for e in managed.entries.values()), root)
    pruned_named = with_named_fields(field_set(pruned, root), root)
    # Add back what anyone (the new configuration included) owns...
    pruned = remove_items(merged, merged_named - (pruned_named | owned), root)
    pruned_named = with_named_fields(field_set(pruned, root), root)
    # ...and anything that was not the applier's to begin with.
    result = remove_items(merged, (merged_named - pruned_named) & last_named, root)
    return result if isinstance(result, dict) else {}


def _union(sets: Iterable[FieldSet]) -> FieldSet:
    return frozenset[Path]().union(*sets)


def _last_applied_fields(live: Obj, config: Obj, root: TypeInfo) -> FieldSet | None:
    """Fields of `last-applied-configuration` whose values the live object still has."""
    annotation = (_meta(live).get("annotations") or {}).get(LAST_APPLIED)
    if not isinstance(annotation, str) or not annotation:
        return None
    try:
        last = json.loads(annotation)
    except ValueError:
        return None
    if not isinstance(last, dict) or _version(last) != _version(config) or validate(last, root):
        return None
    try:
        changes = compare(last, live, root)
    except ItemError:
        return None
    return field_set(last, root) - changes.modified - changes.added - changes.removed


def _conflict_error(conflicts: dict[ManagerId, FieldSet]) -> ApiError:
    found: list[tuple[ManagerId, Path]] = [
        (manager, path) for manager in sorted(conflicts) for path in iterate(conflicts[manager])
    ]
    causes = [
        Cause("FieldManagerConflict", f"conflict with {m.describe()}", path_string(p))
        for m, p in found
    ]
    if len(found) == 1:
        manager, path = found[0]
        where = f"{manager.describe()}: {path_string(path)}"
        message = f"Apply failed with 1 conflict: conflict with {where}"
    else:
        lines: list[str] = []
        for manager in sorted(conflicts):
            lines.append(f"conflicts with {manager.describe()}:")
            lines += [f"- {path_string(path)}" for m, path in found if m == manager]
        message = f"Apply failed with {len(found)} conflicts: " + "\n".join(lines)
    return ApiError("Conflict", message, causes=causes)


def _refresh_last_applied(result: Obj, config: Obj) -> None:
    """Keep a client-side apply annotation in step with what "kubectl" now applies."""
    annotations = _meta(result).get("annotations")
    if not isinstance(annotations, dict) or not annotations.get(LAST_APPLIED):
        return
    source = dict(config)
    metadata = _meta(config)
    if isinstance(metadata.get("annotations"), dict):
        kept = {k: v for k, v in metadata["annotations"].items() if k != LAST_APPLIED}
        source["metadata"] = {**metadata, "annotations": kept}
    annotations[LAST_APPLIED] = go_json(source) + "\n"  # Go's json.Encoder adds the newline


# --- object helpers ---------------------------------------------------------------------------


def _meta(obj: Obj | None) -> dict[str, Any]:
    metadata = (obj or {}).get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def _without_managed_fields(obj: Obj) -> Obj:
    """A copy of the object's top level and metadata, without metadata.managedFields."""
    result = dict(obj)
    if isinstance(obj.get("metadata"), dict):
        result["metadata"] = {k: v for k, v in obj["metadata"].items() if k != "managedFields"}
    return result


def _with_managed_fields(obj: Obj, managed_fields: Any) -> Obj:
    if managed_fields is not None:
        obj["metadata"] = {**_meta(obj), "managedFields": managed_fields}
    return obj


def _drop_nulls(value: Any) -> Any:
    """A fresh copy without null members (nulls mean "unset" once decoded into Go types)."""
    if isinstance(value, dict):
        return {key: _drop_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_drop_nulls(item) for item in value]
    return value


def _version(obj: Obj) -> str:
    return str(obj.get("apiVersion", ""))


def _gvk(obj: Obj) -> str:
    group, _, version = str(obj.get("apiVersion", "")).rpartition("/")
    return f"{group}/{version}, Kind={obj.get('kind', '')}"


def _gvknn(obj: Obj) -> str:
    metadata = _meta(obj)
    return f"{metadata.get('namespace', '')}/{metadata.get('name', '')}; {_gvk(obj)}"
