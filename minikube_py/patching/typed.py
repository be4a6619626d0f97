"""Schema-aware operations on objects for server-side apply (structured-merge-diff's `typed`).

- `validate`: what smd reports converting an applied configuration to a typed value;
- `field_set`: the fields a value sets (its "ToFieldSet");
- `compare`: which fields were added, modified or removed between two values;
- `created_fields`: what a create sets, as `fieldsV1` (`compare` with the zero object, in one
  walk of the object, as every create needs);
- `merge`: an applied configuration merged over the live object;
- `remove_items`: a value without the given fields;
- `with_named_fields`: a field set with the struct fields leading to its members added.

Granular maps and lists are walked item by item; atomic ones (and scalars) are leaves. An empty
or null granular map or list also counts as a leaf ("promoted"), as in smd. Values are never
modified; results may share unchanged parts with the inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from minikube_py.patching.fieldpath import (
    MEMBER,
    FieldSet,
    Node,
    Path,
    PathElement,
    element_order,
    field_element,
    key_element,
    tree,
    value_element,
)
from minikube_py.patching.schemas import UNTYPED, Kind, TypeInfo, type_of
from minikube_py.patching.values import go_quote, go_type, go_value, json_equal
from minikube_py.resources import memoized_by_json


class _Absent:
    """A missing value (as opposed to an explicit null)."""


_SCALARS = (str, int, float, bool)


ABSENT: Any = _Absent()


class ItemError(ValueError):
    """A list item that cannot be identified (missing keys, not a map, null...)."""


@dataclass(frozen=True, slots=True)
class Comparison:
    added: FieldSet
    modified: FieldSet
    removed: FieldSet


def item_element(info: TypeInfo, item: Any) -> PathElement:
    """The path element of an item of a granular (associative) list."""
    if info.keys:
        return _keyed_element(info, item)
    if isinstance(item, dict):
        raise ItemError("associative list without keys has an element that's a map type")
    if isinstance(item, list):
        raise ItemError("not supported: associative list with lists as elements")
    if item is None:
        raise ItemError("associative list without keys has an element that's an explicit null")
    return value_element(item)


def _keyed_element(info: TypeInfo, item: Any) -> PathElement:
    if item is None:
        raise ItemError("associative list with keys may not have a null element")
    if not isinstance(item, dict):
        raise ItemError("associative list with keys may not have non-map elements")
    keys = {name: item[name] for name in info.keys if name in item}
    defaults = {
        n: info.key_defaults[n] for n in info.keys if n not in item and n in info.key_defaults
    }
    if not keys and not defaults:
        names = " ".join(go_quote(name) for name in info.keys)
        raise ItemError(
            f"associative list with keys has an element that omits all key fields [{names}] "
            "(and doesn't have default values for any key fields)"
        )
    return key_element({**keys, **defaults})


def zero_object(like: Any, info: TypeInfo) -> Any:
    """Go's zero value of a kind as JSON, as far as `like` reaches: the "before" of a create.

    Struct fields holding structs are present as `{}` (Go only omits pointers, which the
    schema does not tell apart), fields Go always writes (required ones) are null, the rest is
    absent. It decides which nodes a create "adds" (and so marks with "." in managedFields).
    """
    if info.kind is not Kind.STRUCT or not isinstance(like, dict):
        return {}
    zero: dict[str, Any] = dict.fromkeys(info.required)
    for key, item in like.items():
        child = info.child(key)
        if child is not None and child.kind is Kind.STRUCT and isinstance(item, dict):
            zero[key] = zero_object(item, child)
    return zero


def created_fields(value: Any, info: TypeInfo) -> tuple[dict[str, Any], bool]:
    """What a create sets: the paths `compare(zero_object(value, info), value, info)` finds
    added or modified (not the removed ones), as a `fieldsV1` object, and whether the root
    itself is one of them (the empty path, which has no key to be written under).

    One walk of `value`, no zero object and no paths: keys and items are visited in FieldsV1's
    order, so each level is written sorted. Raises ItemError where that comparison would. The
    cases follow `_compare` against the zero object: a struct holding a struct is compared with
    its zero value (`_struct_vs_zero`), a required field with null (`_vs_null`), anything else
    with nothing (`_all_added`).
    """
    if info.kind is Kind.STRUCT and isinstance(value, dict):
        return _struct_vs_zero(value, info, root=True)
    # The zero object is `{}`: a map's keys are all new; anything else is a modified root.
    shape = info.for_value(value)
    if shape.granular_map and isinstance(value, dict) and value:
        return _added_children(value, shape, {}), False
    return {}, not json_equal({}, value)


# In the helpers below, (fields, member) pairs say what a node contributes: a node compared
# with a zero value or null is in the set only as a leaf, so `member` implies no fields.


FieldsAndMember = tuple[dict[str, Any], bool]


def _struct_vs_zero(value: dict[str, Any], info: TypeInfo, root: bool = False) -> FieldsAndMember:
    if info.atomic:  # a leaf: modified unless it equals the zero value
        return {}, not json_equal(zero_object(value, info), value)
    encoded: dict[str, Any] = {}
    for key in sorted(value):
        item = value[key]
        if type(item) in _SCALARS:  # new or replacing null: a leaf in the set, whatever its type
            encoded["f:" + key] = {}  # field_element(key).key
            continue
        child = info.child(key)
        if child is not None and child.kind is Kind.STRUCT and isinstance(item, dict):
            recurs = root and key != "metadata"  # the pods of one template share spec, status
            fields, member = (_shared_part_vs_zero if recurs else _struct_vs_zero)(item, child)
        elif key in info.required:
            fields, member = _vs_null(item, child or UNTYPED)
        else:
            fields, member = _all_added(item, child or UNTYPED), True
        if fields or member:
            encoded["f:" + key] = fields  # field_element(key).key
    # Required fields the value lacks are "removed" (null to absent): not fields it sets.
    return encoded, False


# `_struct_vs_zero` of a top-level part that recurs across objects (spec, status).
_shared_part_vs_zero = memoized_by_json(_struct_vs_zero)


def _vs_null(value: Any, info: TypeInfo) -> tuple[dict[str, Any], bool]:
    """A present value compared with null: a non-empty granular map or list is walked (its
    items are new), anything else but null is a modified leaf."""
    shape = info.for_value(value)
    if shape.granular_map and isinstance(value, dict) and value:
        return _added_children(value, shape, {}), False
    if shape.granular_list and isinstance(value, list) and value:
        return _added_items(value, shape, {}), False
    return {}, value is not None


def _all_added(value: Any, info: TypeInfo) -> dict[str, Any]:
    """`_all_paths`, encoded: the node is in the set, and so is everything below it."""
    shape = info.for_value(value)
    if shape.granular_map and isinstance(value, dict) and value:
        return _added_children(value, shape, {MEMBER: {}})
    if shape.granular_list and isinstance(value, list) and value:
        return _added_items(value, shape, {MEMBER: {}})
    return {}


def _added_children(
    value: dict[str, Any], info: TypeInfo, encoded: dict[str, Any]
) -> dict[str, Any]:
    for key in sorted(value):
        item = value[key]
        if type(item) in _SCALARS:  # a leaf whatever its type: no need to look it up
            encoded["f:" + key] = {}  # field_element(key).key
        else:
            encoded["f:" + key] = _all_added(item, info.child(key) or UNTYPED)
    return encoded


def _added_items(value: list[Any], info: TypeInfo, encoded: dict[str, Any]) -> dict[str, Any]:
    item_info = info.item()
    index = _index(value, info)
    for element in sorted(index, key=element_order):
        items = index[element]  # duplicates are owned as a whole: a leaf
        encoded[element.key] = _all_added(items[0], item_info) if len(items) == 1 else {}
    return encoded


# --- validation -------------------------------------------------------------------------------


def validate(value: Any, info: TypeInfo, path: str = "") -> list[str]:
    """smd's errors for `value` ("<path>: <problem>"); null is valid anywhere."""
    if value is None:
        return []
    shape = info.for_value(value)
    if shape.kind in (Kind.STRUCT, Kind.MAP):
        if not isinstance(value, dict):
            return [_at(path, f"expected map, got {go_value(value)}")]
        return _validate_map(value, shape, path)
    if shape.kind is Kind.LIST:
        if not isinstance(value, list):
            return [_at(path, f"expected list, got {go_value(value)}")]
        return _validate_list(value, shape, path)
    problem = _scalar_problem(shape.scalar, value)
    return [_at(path, problem)] if problem else []


def _at(path: str, problem: str) -> str:
    return f"{path}: {problem}" if path else problem


def _validate_map(value: dict[str, Any], info: TypeInfo, path: str) -> list[str]:
    errors: list[str] = []
    for key, item in value.items():
        child = info.child(key)
        if child is None:  # smd stops at the first undeclared field of a struct
            return [*errors, _at(f"{path}.{key}", "field not declared in schema")]
        errors += validate(item, child, f"{path}.{key}")
    return errors


def _validate_list(value: list[Any], info: TypeInfo, path: str) -> list[str]:
    errors: list[str] = []
    seen: set[PathElement] = set()
    for index, item in enumerate(value):
        if info.atomic:
            errors += validate(item, info.item(), f"{path}[{index}]")
            continue
        try:
            element = item_element(info, item)
        except ItemError as exc:  # without its key, nothing below the item can be named
            return [*errors, _at(path, f"element {index}: {exc}")]
        if element in seen:
            errors.append(_at(path, f"duplicate entries for key {element.shown}"))
        seen.add(element)
        errors += validate(item, info.item(), path + element.shown)
    return errors


def _scalar_problem(scalar: str, value: Any) -> str:
    if scalar == "numeric" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return f"expected numeric (int or float), got {go_type(value)}"
    if scalar == "string" and not isinstance(value, str):
        return f"expected string, got {go_value(value)}"
    if scalar == "boolean" and not isinstance(value, bool):
        return f"expected boolean, got {go_value(value)}"
    if isinstance(value, dict | list):
        return f"expected any scalar, got {go_value(value)}"
    return ""


# --- field sets -------------------------------------------------------------------------------


def field_set(value: Any, info: TypeInfo) -> FieldSet:
    found: set[Path] = set()
    _collect(value, info, (), found)
    return frozenset(found)


def _collect(value: Any, info: TypeInfo, path: Path, found: set[Path]) -> None:
    shape = info.for_value(value)
    if shape.granular_map:
        if isinstance(value, dict):
            _collect_map(value, shape, path, found)
    elif shape.granular_list:
        if isinstance(value, list):
            _collect_list(value, shape, path, found)
    else:
        found.add(path)


def _collect_map(value: dict[str, Any], info: TypeInfo, path: Path, found: set[Path]) -> None:
    for key, item in value.items():
        child = (*path, field_element(key))
        _collect(item, info.child(key) or UNTYPED, child, found)
        # Struct fields holding content are implied by their leaves; map keys, nulls and empty
        # objects are recorded themselves.
        if item is None or item == {} or not info.declares(key):
            found.add(child)


def _collect_list(value: list[Any], info: TypeInfo, path: Path, found: set[Path]) -> None:
    elements = [_element_or_none(info, item) for item in value]
    duplicated = {e for e in elements if e is not None and elements.count(e) > 1}
    for element, item in zip(elements, value, strict=True):
        if element is None:
            continue
        child = (*path, element)
        if element not in duplicated:  # duplicates are owned as a whole
            _collect(item, info.item(), child, found)
        found.add(child)


def _element_or_none(info: TypeInfo, item: Any) -> PathElement | None:
    try:
        return item_element(info, item)
    except ItemError:
        return None


def with_named_fields(paths: FieldSet, root: TypeInfo) -> FieldSet:
    """`paths` plus every declared struct field on the way to them (smd's
    EnsureNamedFieldsAreMembers), so that removing those fields removes whole subtrees."""
    named = set(paths)
    _name_fields(tree(paths), root, (), named)
    return frozenset(named)


def _name_fields(
    children: dict[PathElement, Node], info: TypeInfo | None, prefix: Path, named: set[Path]
) -> None:
    for element, node in children.items():
        if not node.children:
            continue
        path = (*prefix, element)
        name = element.field_name
        if name is not None and info is not None and info.declares(name):
            named.add(path)
        _name_fields(node.children, _step(info, element), path, named)


def _step(info: TypeInfo | None, element: PathElement) -> TypeInfo | None:
    """The type one path element down; None once the path leaves the schema."""
    name = element.field_name
    if info is None:
        return None
    if info.kind is Kind.LIST:
        return info.item() if name is None else None
    return info.child(name) if name is not None else None


# --- comparison -------------------------------------------------------------------------------


def compare(old: Any, new: Any, info: TypeInfo) -> Comparison:
    """The fields `new` adds, modifies and removes relative to `old`; raises ItemError."""
    found: dict[str, set[Path]] = {"added": set(), "modified": set(), "removed": set()}
    _compare(old, new, info, (), found)
    return Comparison(*(frozenset(found[name]) for name in ("added", "modified", "removed")))


def _compare(old: Any, new: Any, info: TypeInfo, path: Path, found: dict[str, set[Path]]) -> None:
    if old is ABSENT:
        _all_paths(new, info, path, found["added"])
        return
    if new is ABSENT:
        _all_paths(old, info, path, found["removed"])
        return
    shape = info.for_value(new)
    if shape.granular_map and _walked(old, new, dict):
        if _same(old, new):  # e.g. the spec, on a status write: nothing to find but bad items
            _check_items(new, shape)
        else:
            _compare_maps(old or {}, new or {}, shape, path, found)
    elif shape.granular_list and _walked(old, new, list):
        if _same(old, new):
            _check_items(new, shape)
        else:
            _compare_lists(old or [], new or [], shape, path, found)
    elif not json_equal(old, new):
        found["modified"].add(path)


def _same(old: Any, new: Any) -> bool:
    """`json_equal(old, new)`, decided in C for a whole subtree (or False when unsure).

    Python's `==` alone would also take True for 1, and equal JSON text alone a tuple for a
    list; together they are JSON equality, but for NaN: it never equals itself, and hides as
    `null` in the text (so text with a null does not count).
    """
    try:
        if old != new:
            return False
        text = orjson.dumps(old)
        return b"null" not in text and text == orjson.dumps(new)
    except Exception:  # values orjson cannot write, or that cannot be compared: walk them
        return False


def _walked(old: Any, new: Any, kind: type) -> bool:
    """Whether a granular map (kind=dict) or list (kind=list) present on both sides is walked
    item by item: both sides hold one or null, and at least one is non-empty."""
    return (
        (old is None or isinstance(old, kind))
        and (new is None or isinstance(new, kind))
        and bool(old or new)
    )


def _all_paths(value: Any, info: TypeInfo, path: Path, paths: set[Path]) -> None:
    """Every path of a value compared against nothing (all added, or all removed): what the
    two-sided walk finds when one side is absent, in one pass over the present side.

    As there: a non-empty granular map or list is walked, its items' keys must be valid (else
    ItemError), and items that occur more than once are one path, not walked into.
    """
    shape = info.for_value(value)
    if shape.granular_map and isinstance(value, dict):
        for key, item in value.items():
            _all_paths(item, shape.child(key) or UNTYPED, (*path, field_element(key)), paths)
    elif shape.granular_list and isinstance(value, list) and value:
        item_info = shape.item()
        for element, items in _index(value, shape).items():
            if len(items) == 1:
                _all_paths(items[0], item_info, (*path, element), paths)
            else:
                paths.add((*path, element))
    paths.add(path)


def _compare_maps(
    old: dict[str, Any],
    new: dict[str, Any],
    info: TypeInfo,
    path: Path,
    found: dict[str, set[Path]],
) -> None:
    for key, before in old.items():
        after = new.get(key, ABSENT)
        if type(before) is type(after) and type(before) in _SCALARS:
            # What `_compare` finds for two scalars whatever the schema (a leaf json_equal
            # of same-typed values is `==`), without a path for the many that are equal.
            if before != after:
                found["modified"].add((*path, field_element(key)))
            continue
        child = info.child(key) or UNTYPED
        _compare(before, after, child, (*path, field_element(key)), found)
    for key, after in new.items():
        if key not in old:
            child = info.child(key) or UNTYPED
            _compare(ABSENT, after, child, (*path, field_element(key)), found)


def _compare_lists(
    old: list[Any], new: list[Any], info: TypeInfo, path: Path, found: dict[str, set[Path]]
) -> None:
    old_items, new_items = _index(old, info), _index(new, info)
    for element in {**old_items, **new_items}:
        before, after = old_items.get(element, []), new_items.get(element, [])
        child = (*path, element)
        if len(before) <= 1 and len(after) <= 1:
            one_before = before[0] if before else ABSENT
            _compare(one_before, after[0] if after else ABSENT, info.item(), child, found)
        elif len(before) >= 2 and len(after) >= 2:
            if len(before) != len(after) or not all(map(json_equal, before, after)):
                found["modified"].add(child)
        elif len(before) >= 2:
            if after:
                _compare(ABSENT, after[0], info.item(), child, found)
            found["removed"].add(child)
        else:
            if before:
                _compare(before[0], ABSENT, info.item(), child, found)
            found["added"].add(child)


def _check_items(value: Any, info: TypeInfo) -> None:
    """Raise ItemError where comparing `value` with itself would: an unidentifiable item of a
    granular list below (items that occur twice are not walked into, as in `_compare_lists`).
    Only the parts whose type can hold such a list are visited."""
    if info.granular_list:
        if isinstance(value, list) and value:
            item_info = info.item()
            walk = holds_granular_lists(item_info)
            for items in _index(value, info).values():
                if walk and len(items) == 1:
                    _check_items(items[0], item_info.for_value(items[0]))
    elif info.granular_map and isinstance(value, dict):
        fields, others = _list_holders(info)
        for name, child in fields:
            if name in value:
                _check_items(value[name], child.for_value(value[name]))
        if others is not None:  # map values (or undeclared fields) that can hold lists
            for key, item in value.items():
                if key not in info.fields:
                    _check_items(item, others.for_value(item))


# id(info) -> (info, what `_list_holders` answers): types are cached for good by `type_of`;
# the info is kept so that its id cannot be reused.
_HOLDERS: dict[int, tuple[TypeInfo, tuple[tuple[str, TypeInfo], ...], TypeInfo | None]] = {}
_HOLDS_LISTS: dict[int, tuple[TypeInfo, bool]] = {}


def _list_holders(info: TypeInfo) -> tuple[tuple[tuple[str, TypeInfo], ...], TypeInfo | None]:
    """(the declared fields whose values can hold granular lists, with their types; the type
    of the other keys if theirs can, else None), for a granular map type."""
    cached = _HOLDERS.get(id(info))
    if cached is None or cached[0] is not info:
        fields = tuple(
            (name, child)
            for name in info.fields
            if (child := info.child(name)) is not None and holds_granular_lists(child)
        )
        others = None if info.element is None else type_of(info.element)  # as `child` gives
        others = others if others is not None and holds_granular_lists(others) else None
        cached = _HOLDERS[id(info)] = (info, fields, others)
    return cached[1], cached[2]


def holds_granular_lists(info: TypeInfo) -> bool:
    """Whether a value of this type can contain a granular list (whose items must be keyed)."""
    cached = _HOLDS_LISTS.get(id(info))
    if cached is not None and cached[0] is info:
        return cached[1]
    return _holds_lists(info, set())


def _holds_lists(info: TypeInfo, visiting: set[int]) -> bool:
    cached = _HOLDS_LISTS.get(id(info))
    if cached is not None and cached[0] is info:
        return cached[1]
    if id(info) in visiting:
        return True  # a recursive type: assume so (visiting too much is only slower)
    visiting.add(id(info))
    if info.granular_list:
        holds = True
    elif info.granular_map:
        children = [type_of(schema) for schema in info.fields.values()]
        children += [type_of(info.element)] if info.element is not None else []
        holds = any(_holds_lists(child, visiting) for child in children)
    else:  # atomic, scalar or untyped (whose lists are atomic)
        holds = False
    visiting.discard(id(info))
    _HOLDS_LISTS[id(info)] = (info, holds)
    return holds


def _index(items: list[Any], info: TypeInfo) -> dict[PathElement, list[Any]]:
    index: dict[PathElement, list[Any]] = {}
    for item in items:
        index.setdefault(item_element(info, item), []).append(item)
    return index


# --- merge ------------------------------------------------------------------------------------


def merge(live: Any, config: Any, info: TypeInfo) -> Any:
    """`config` merged over `live` (smd's Merge, keeping the config's values); raises ItemError.

    Keyed lists keep live-only items where they are and the config's items in the config's
    order. Returns ABSENT when nothing is left (both sides empty).
    """
    shape = info.for_value(live if config is ABSENT else config)
    if _walks(shape, live, config, dict):
        return _merge_maps(_as(live, dict), _as(config, dict), shape)
    if _walks(shape, live, config, list):
        return _merge_lists(_as(live, list), _as(config, list), shape)
    return live if config is ABSENT else config


def _walks(info: TypeInfo, old: Any, new: Any, kind: type) -> bool:
    """Whether a granular map (kind=dict) or list (kind=list) is walked item by item: both
    sides hold one (or nothing) and at least one is non-empty."""
    granular = info.granular_map if kind is dict else info.granular_list
    sides = (old, new)
    return (
        granular
        and all(side is ABSENT or side is None or isinstance(side, kind) for side in sides)
        and any(isinstance(side, kind) and side for side in sides)
    )


def _as(value: Any, kind: type) -> Any:
    return value if isinstance(value, kind) else kind()


def _merge_maps(live: dict[str, Any], config: dict[str, Any], info: TypeInfo) -> Any:
    merged: dict[str, Any] = {}
    for key in {**live, **config}:
        child = info.child(key) or UNTYPED
        value = merge(live.get(key, ABSENT), config.get(key, ABSENT), child)
        if value is not ABSENT:
            merged[key] = value
    return merged or ABSENT


def _merge_lists(live: list[Any], config: list[Any], info: TypeInfo) -> Any:
    config_elements = [item_element(info, item) for item in config]
    config_items = dict(zip(config_elements, config, strict=True))  # validated: no duplicates
    live_elements = [item_element(info, item) for item in live]
    live_items: dict[PathElement, Any] = {}
    for element, item in zip(live_elements, live, strict=True):
        live_items[element] = None if element in live_items else item  # duplicates merge as null
    merged = _interleave(live_elements, config_elements, live, live_items, config_items, info)
    return merged or ABSENT


def _interleave(
    live_elements: list[PathElement],
    config_elements: list[PathElement],
    live: list[Any],
    live_items: dict[PathElement, Any],
    config_items: dict[PathElement, Any],
    info: TypeInfo,
) -> list[Any]:
    """smd's list merge order: walk both lists; live-only items stay in place, shared and new
    items follow the config's order."""
    shared = iter([e for e in config_elements if e in live_items])
    next_shared = next(shared, None)
    done: set[PathElement] = set()
    merged: list[Any] = []

    def emit(value: Any) -> None:
        if value is not ABSENT:
            merged.append(value)

    at_live = at_config = 0
    while at_live < len(live_elements) or at_config < len(config_elements):
        if at_live < len(live_elements) and at_config < len(config_elements):
            element = live_elements[at_live]
            if element == config_elements[at_config]:
                done.add(element)
                emit(merge(live_items[element], config_items[element], info.item()))
                at_live, at_config = at_live + 1, at_config + 1
                next_shared = next(shared, None)
                continue
            if element in config_items and next_shared is not None and next_shared != element:
                at_live += 1  # a shared item out of order: emitted when the config reaches it
                continue
        if at_live < len(live_elements):
            element = live_elements[at_live]
            if element not in config_items:
                emit(merge(live[at_live], ABSENT, info.item()))
                at_live += 1
                continue
            if element in done:
                at_live += 1
        if at_config < len(config_elements):
            element = config_elements[at_config]
            done.add(element)
            emit(merge(live_items.get(element, ABSENT), config_items[element], info.item()))
            at_config += 1
            if next_shared == element:
                next_shared = next(shared, None)
    return merged


# --- removal ----------------------------------------------------------------------------------


def remove_items(value: Any, paths: FieldSet, info: TypeInfo) -> Any:
    """`value` without the fields in `paths` (a member path drops its whole subtree).

    As in smd, a granular map or list left empty becomes null.
    """
    return _remove(value, tree(paths), info)


def _remove(value: Any, gone: dict[PathElement, Node], info: TypeInfo) -> Any:
    shape = info.for_value(value)
    if shape.granular_map:
        if not isinstance(value, dict):
            return None
        kept = {}
        for key, item in value.items():
            node = gone.get(field_element(key))
            if node is None:
                kept[key] = item
            elif not node.member:
                kept[key] = _remove(item, node.children, shape.child(key) or UNTYPED)
        return kept or None
    if shape.granular_list:
        if not isinstance(value, list):
            return None
        items = []
        for item in value:
            element = _element_or_none(shape, item)
            node = None if element is None else gone.get(element)
            if node is None:
                items.append(item)
            elif not node.member:
                items.append(_remove(item, node.children, shape.item()))
        return items or None
    return None if shape.atomic else value
