"""Strategic merge patch (application/strategic-merge-patch+json), as apimachinery applies it.

Maps merge recursively (null deletes a key). A list merges only when its field's patch strategy
is `merge`: lists of maps element-wise by the field's merge key, lists of scalars as a union;
other lists are replaced. The patch metadata comes from the kind's schema (the
`x-kubernetes-patch-*` extensions mirror the Go struct tags the real server reads).

Directives: `$patch: replace|delete` in a map or list element (`merge` only as a strategy),
`$retainKeys`, `$deleteFromPrimitiveList/<list>`, `$setElementOrder/<list>`.

Errors are answered as kube-apiserver does: bad directive formats are 400 BadRequest; lists of
lists are a generic 422; other failures (an element without its merge key, an unknown `$patch`
value...) surface as plain Go errors, HTTP 500 with no reason. One deliberate leniency: the
real server fails ("unable to find api field", "data type is not struct") when a key unknown to
the schema, or a map of structs, holds maps on both sides; here they merge like any map.
"""

from __future__ import annotations

from typing import Any

from minikube_py import schema
from minikube_py.apiserver.errors import ApiError, bad_request
from minikube_py.patching.media import CUSTOM_RESOURCE_PATCH_TYPES, unsupported_media_type
from minikube_py.patching.schemas import Schema, item_schema, patch_meta, property_schema, resolve
from minikube_py.patching.strategic_order import (
    PATCH_DIRECTIVE,
    dedupe,
    discard_nulls,
    elements_are_maps,
    go_equal,
    no_merge_key,
    normalize_order,
    partition,
    remove_directives,
)
from minikube_py.patching.values import clone, go_type, go_value, json_kind, server_error
from minikube_py.resources import Obj

RETAIN_KEYS = "$retainKeys"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList"
SET_ELEMENT_ORDER = "$setElementOrder"


def strategic_merge_patch(doc: Obj, patch: Any, api_version: str, kind: str) -> Obj:
    """Apply the decoded strategic merge patch `patch` to a copy of `doc`."""
    root = schema.definition_for(api_version, kind)
    if root is None:
        raise unsupported_media_type(CUSTOM_RESOURCE_PATCH_TYPES)
    if not isinstance(patch, dict):
        raise bad_request(
            f"json: cannot unmarshal {json_kind(patch)} into Go value of type "
            "map[string]interface {}"
        )
    # The merge below works in place, as apimachinery's does, so it gets private copies.
    return _merge_map(clone(doc), clone(patch), root)


def _merge_map(original: Obj | None, patch: Obj, node: Schema | None) -> Obj:
    if PATCH_DIRECTIVE in patch:
        return _map_directive(patch)
    result: Obj = {} if original is None else original
    resolved = resolve(node) if node is not None else {}
    _retain_keys(result, patch)
    _apply_element_orders(result, patch, resolved)
    for key, value in patch.items():
        _merge_field(result, key, value, resolved)
    return result


def _map_directive(patch: Obj) -> Obj:
    directive = patch[PATCH_DIRECTIVE]
    if directive == "replace":
        del patch[PATCH_DIRECTIVE]
        return patch
    if directive == "delete":
        return {}
    raise _unknown_directive(directive, patch)


def _unknown_directive(directive: Any, where: Obj) -> ApiError:
    return server_error(f"unknown patch type: {go_value(directive)} in map: {go_value(where)}")


def _retain_keys(result: Obj, patch: Obj) -> None:
    """`$retainKeys: [...]`: clear the live keys not listed (union types such as volumes)."""
    if RETAIN_KEYS not in patch:
        return
    listed = patch.pop(RETAIN_KEYS)
    if not isinstance(listed, list):
        raise bad_request("invalid patch format of retainKeys")
    kept = {key for key in listed if isinstance(key, str)}
    for key, value in patch.items():
        if value is None or key.startswith((DELETE_FROM_PRIMITIVE_LIST, SET_ELEMENT_ORDER)):
            continue
        if key not in kept:
            raise bad_request("invalid patch format of retainKeys")
    for key in [key for key in result if key not in kept]:
        del result[key]


def _merge_field(result: Obj, key: str, value: Any, resolved: Schema) -> None:
    deleting = key.startswith(DELETE_FROM_PRIMITIVE_LIST)
    if deleting:
        key = _directive_target(key, DELETE_FROM_PRIMITIVE_LIST)
    if value is None:
        result.pop(key, None)
        return
    current: Any = result.get(key)
    if key not in result or _shape(current) != _shape(value):
        if not deleting:
            _take_patch_value(result, key, discard_nulls(value))
        return
    node = property_schema(resolved, key)
    if isinstance(value, dict):
        strategy = patch_meta(node)[0]
        result[key] = value if strategy == "replace" else _merge_map(current, value, node)
    elif isinstance(value, list):
        result[key] = _merge_list(current, value, node, deleting)[0]
    else:
        _take_patch_value(result, key, value)


def _take_patch_value(result: Obj, key: str, value: Any) -> None:
    cleaned, keep = remove_directives(value)
    if keep:
        result[key] = cleaned
    else:
        result.pop(key, None)


def _shape(value: Any) -> str:
    return "map" if isinstance(value, dict) else "list" if isinstance(value, list) else "scalar"


def _directive_target(key: str, prefix: str) -> str:
    """`$setElementOrder/containers` -> `containers`."""
    head, separator, target = key.partition("/")
    if head != prefix or not separator:
        which = "primitive list" if prefix == DELETE_FROM_PRIMITIVE_LIST else "setElementOrder list"
        raise bad_request(f"invalid patch format of {which}")
    return target


def _merge_list(
    original: list[Any], patch: list[Any], node: Schema | None, deleting: bool
) -> tuple[list[Any], list[Any]]:
    """(the merged list, the live list as a later `$setElementOrder` step orders against).

    apimachinery deletes and appends in the live list's own storage, so that step sees the
    first len(live) slots of the list as merged so far, not the live list; kept for parity.
    """
    strategy, merge_key, _ = patch_meta(node)
    if strategy != "merge" and not deleting:
        return patch, original
    if not original and not patch:
        return original, original
    if not elements_are_maps(original, patch):
        if deleting:  # `$deleteFromPrimitiveList/<list>`: drop the listed values, keep order
            kept = [item for item in original if not any(go_equal(item, x) for x in patch)]
            return kept, original
        merged = dedupe(original + patch)
        inside, outside = partition(merged, patch, "")
        return normalize_order(inside, outside, patch, original, ""), original
    if not merge_key:
        raise server_error("cannot merge lists without merge key for struct")
    remaining, plain, replace = _list_directives(original, patch, merge_key)
    base, additions = (plain, []) if replace else (remaining, plain)
    items = item_schema(resolve(node)) if node is not None else None
    merged = _merge_by_key(base, additions, merge_key, items)
    inside, outside = partition(merged, additions, merge_key)
    seen_live = (remaining if replace else merged)[: len(original)]
    return normalize_order(inside, outside, additions, base, merge_key), seen_live


def _list_directives(
    original: list[Any], patch: list[Any], merge_key: str
) -> tuple[list[Any], list[Any], bool]:
    """Handle `$patch` elements: (the live list after deletions, the patch's plain elements,
    whether `$patch: replace` makes those the whole list)."""
    plain: list[Any] = []
    replace = False
    for item in patch:
        directive = item.get(PATCH_DIRECTIVE)
        if PATCH_DIRECTIVE not in item:
            plain.append(item)
        elif directive == "delete":
            if merge_key not in item:
                raise no_merge_key(item, merge_key)
            original = [o for o in original if not go_equal(o.get(merge_key), item[merge_key])]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise server_error("merging lists cannot yet be specified in the patch")
        else:
            raise _unknown_directive(directive, item)
    return original, plain, replace


def _merge_by_key(
    original: list[Any], patch: list[Any], merge_key: str, items: Schema | None
) -> list[Any]:
    merged = list(original)
    for item in patch:
        if merge_key not in item:
            raise no_merge_key(item, merge_key)
        at = next(
            (i for i, live in enumerate(merged) if go_equal(live.get(merge_key), item[merge_key])),
            None,
        )
        if at is None:
            merged.append(item)
        else:
            merged[at] = _merge_map(merged[at], item, items)
    return merged


def _apply_element_orders(result: Obj, patch: Obj, resolved: Schema) -> None:
    """`$setElementOrder/<list>`: merge that list now and put it in the given order."""
    for key in [key for key in patch if key.startswith(SET_ELEMENT_ORDER)]:
        order = patch.pop(key)
        if not isinstance(order, list):
            raise server_error(f"expected a []interface {{}}, but received a {go_type(order)}")
        name = _directive_target(key, SET_ELEMENT_ORDER)
        live = _list_or_none(result, name)
        patched = _list_or_none(patch, name)
        if live is None and patched is None:
            continue
        node = property_schema(resolved, name)
        merge_key = patch_meta(node)[1]
        _check_order(patched or [], order, merge_key)
        seen_live = live or []
        if patched is None:
            merged = seen_live
        elif live is None:
            merged = remove_directives(patched)[0]
        else:
            merged, seen_live = _merge_list(live, patched, node, False)
        if not elements_are_maps(live or [], patched or []):
            merge_key = ""
        inside, outside = partition(merged, order, merge_key)
        result[name] = normalize_order(inside, outside, order, seen_live, merge_key)
        patch.pop(name, None)


def _list_or_none(container: Obj, key: str) -> list[Any] | None:
    if key not in container:
        return None
    value = container[key]
    if not isinstance(value, list):
        raise server_error(f"expected a []interface {{}}, but received a {go_type(value)}")
    return value


def _check_order(patched: list[Any], order: list[Any], merge_key: str) -> None:
    """The patch list's plain items must appear in the order list, in the same order."""
    if not patched or not order:
        return
    items = [
        item
        for item in patched
        if not (merge_key and isinstance(item, dict) and item.get(PATCH_DIRECTIVE) == "delete")
    ]
    at_item = at_order = 0
    while at_item < len(items) and at_order < len(order):
        item = items[at_item]
        if isinstance(item, dict) and PATCH_DIRECTIVE in item:
            at_item += 1
            continue
        if _same_entry(item, order[at_order], merge_key):
            at_item += 1
        at_order += 1
    if at_item < len(items):
        raise server_error(
            f"The order in patch list:\n{go_value(patched)}\n doesn't match "
            f"{SET_ELEMENT_ORDER} list:\n{go_value(order)}\n"
        )


def _same_entry(item: Any, entry: Any, merge_key: str) -> bool:
    if not merge_key:
        return go_equal(item, entry)
    for value in (item, entry):
        if not isinstance(value, dict) or merge_key not in value:
            raise no_merge_key(value, merge_key)
    return go_equal(item[merge_key], entry[merge_key])
