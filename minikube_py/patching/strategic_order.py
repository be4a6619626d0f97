"""List helpers of strategic merge patch: element checks, directive stripping and ordering.

Ordering follows apimachinery (and the "preserve order in strategic merge patch" proposal):
items named by the patch (or by `$setElementOrder`) come in that order; items only the server
has keep their relative live order and are slotted in before the first patched item that
follows them in the live list.
"""

from __future__ import annotations

from typing import Any

from minikube_py.apiserver.errors import ApiError
from minikube_py.patching.jsonpatch import REJECTED
from minikube_py.patching.values import go_type, go_value, server_error

PATCH_DIRECTIVE = "$patch"


def go_equal(left: Any, right: Any) -> bool:
    """Go's `==` on decoded JSON scalars: same type and value (int64 1 != float64 1)."""
    return go_type(left) == go_type(right) and left == right


def no_merge_key(item: Any, merge_key: str) -> ApiError:
    return server_error(f"map: {go_value(item)} does not contain declared merge key: {merge_key}")


def elements_are_maps(*lists: list[Any]) -> bool:
    """Whether the lists hold maps; all their elements must share one JSON type."""
    kinds = {go_type(item) for items in lists for item in items}
    if not kinds:
        raise server_error("no elements in any of the given slices")
    first = go_type(next(item for items in lists for item in items))
    if first == "[]interface {}":
        raise ApiError("Invalid", REJECTED)  # ErrNoListOfLists, answered as a generic 422
    if len(kinds) > 1:
        raise server_error(f"list element types are not identical: {go_value(list(lists))}")
    return first == "map[string]interface {}"


def dedupe(items: list[Any]) -> list[Any]:
    kept: list[Any] = []
    for item in items:
        if not any(go_equal(item, seen) for seen in kept):
            kept.append(item)
    return kept


def discard_nulls(value: Any) -> Any:
    """The value without null object members, at any depth."""
    if isinstance(value, dict):
        return {key: discard_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [discard_nulls(item) for item in value]
    return value


def remove_directives(value: Any) -> tuple[Any, bool]:
    """The value without `$patch` maps, and whether the value itself survives."""
    if isinstance(value, dict):
        if PATCH_DIRECTIVE in value:
            return None, False
        kept = {key: remove_directives(item) for key, item in value.items()}
        return {key: item for key, (item, keep) in kept.items() if keep}, True
    if isinstance(value, list):
        cleaned = (remove_directives(item) for item in value)
        return [item for item, keep in cleaned if keep], True
    return value, True


def position(items: list[Any], wanted: Any, merge_key: str) -> int:
    """Index of `wanted` in `items`, by merge key value for maps; -1 if absent."""
    probe = wanted.get(merge_key) if merge_key else wanted
    for index, item in enumerate(items):
        value = (item.get(merge_key) if isinstance(item, dict) else None) if merge_key else item
        if go_equal(value, probe):
            return index
    return -1


def partition(merged: list[Any], named: list[Any], merge_key: str) -> tuple[list[Any], list[Any]]:
    """(items named in `named`, the others), each in `merged` order."""
    if merge_key:
        for item in merged:
            if not isinstance(item, dict) or merge_key not in item:
                raise no_merge_key(item, merge_key)
    inside = [item for item in merged if position(named, item, merge_key) >= 0]
    outside = [item for item in merged if position(named, item, merge_key) < 0]
    return inside, outside


def normalize_order(
    patched: list[Any],
    server_only: list[Any],
    patch_order: list[Any],
    server_order: list[Any],
    merge_key: str,
) -> list[Any]:
    """Patched items sorted by the patch's order, server-only ones by the live order, merged."""
    left = _sort_by(server_only, server_order, merge_key)
    right = _sort_by(patched, patch_order, merge_key)
    merged: list[Any] = []
    while left and right:
        left_at = position(server_order, left[0], merge_key)
        right_at = position(server_order, right[0], merge_key)
        # A live-only item goes first only if it precedes the patched item in the live list.
        source = left if 0 <= left_at < right_at else right
        merged.append(source.pop(0))
    return merged + left + right


def _sort_by(items: list[Any], order: list[Any], merge_key: str) -> list[Any]:
    if merge_key:
        for item in (*items, *order):
            if not isinstance(item, dict) or merge_key not in item:
                raise no_merge_key(item, merge_key)
        deleted = [item for item in items if item.get(PATCH_DIRECTIVE) == "delete"]
        items = [item for item in items if item.get(PATCH_DIRECTIVE) != "delete"]
    else:
        deleted = []

    def rank(item: Any) -> int:
        found = position(order, item, merge_key)
        return found if found >= 0 else len(order)

    return sorted(items, key=rank) + deleted
