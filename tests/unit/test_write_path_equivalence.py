"""The write path's fast paths give exactly what the straightforward algorithms give.

Creates, updates and patches run through managedFields bookkeeping, the schema check, defaulting
and validation; those were made cheaper with walks specialised for the common cases, caches and
skipped copies. Each is checked here against the algorithm it replaces (kept below, verbatim, as
the reference) on real manifests (`write_path_corpus.json`: what kubectl create/run/expose
send, the e2e seed's Pod/Deployment/Service, objects as the server stores them, the API
benchmark's Pod, edge cases with lists of maps, sets, atomic lists, duplicates, nulls and empty
maps) and on seeded random mutations of each.
"""

from __future__ import annotations

import copy
import datetime
import json
import random
from collections.abc import Iterator
from pathlib import Path as FilePath
from typing import Any

import pytest

from minikube_py import schema
from minikube_py.apiserver import specs
from minikube_py.apiserver import validation as meta_validation
from minikube_py.apiserver.errors import Cause
from minikube_py.apiserver.specs import _checks, pods
from minikube_py.patch import update_managed_fields
from minikube_py.patching import apply, managed
from minikube_py.patching.fieldpath import (
    FieldSet,
    Node,
    Path,
    decode_fields,
    decode_fields_checked,
    encode_fields,
    field_element,
    key_element,
    parse_element,
    tree,
    value_element,
)
from minikube_py.patching.schemas import UNTYPED, TypeInfo, root_type, type_of
from minikube_py.patching.typed import (
    ABSENT,
    ItemError,
    compare,
    created_fields,
    field_set,
    holds_granular_lists,
    item_element,
    zero_object,
)
from minikube_py.patching.values import json_equal
from minikube_py.resources import exact_json

Obj = dict[str, Any]
CORPUS: dict[str, Obj] = json.loads(
    (FilePath(__file__).parent / "write_path_corpus.json").read_text()
)
MUTATIONS = 40  # random variants of each corpus object per test
NOW = "2026-01-01T00:00:00Z"


# --- random variants ---------------------------------------------------------------------------

_VALUES: list[Any] = [
    "a",
    "",
    1,
    0,
    1.0,
    2.5,
    True,
    False,
    None,
    {},
    [],
    {"name": "x"},
    ["q"],
    {"a": "b"},
    [{"name": "n1", "image": "i"}],
    [{"containerPort": 80}],
    "TCP",
]
_KEYS = [
    "labels",
    "annotations",
    "image",
    "ports",
    "status",
    "phase",
    "containers",
    "name",
    "finalizers",
    "spec",
    "nodeName",
    "env",
    "value",
    "protocol",
    "containerPort",
    "zzz",
    "conditions",
    "type",
    "replicas",
    "selector",
    "data",
    "tolerations",
    "key",
    "args",
]


def _containers(value: Any, found: list[Any]) -> list[Any]:
    if isinstance(value, dict | list):
        found.append(value)
        for item in value.values() if isinstance(value, dict) else value:
            _containers(item, found)
    return found


def mutated(obj: Obj, rnd: random.Random) -> Obj:
    """`obj` with one to three random edits: keys set, added or removed, list items
    duplicated, dropped, reordered or replaced."""
    result = copy.deepcopy(obj)
    for _ in range(rnd.randint(1, 3)):
        node = rnd.choice(_containers(result, []))
        if isinstance(node, dict):
            _edit_map(node, rnd)
        else:
            _edit_list(node, rnd)
    return result


def _edit_map(node: dict[str, Any], rnd: random.Random) -> None:
    roll = rnd.random()
    if node and roll < 0.3:
        del node[rnd.choice(list(node))]
    elif node and roll < 0.6:
        node[rnd.choice(list(node))] = copy.deepcopy(rnd.choice(_VALUES))
    else:
        node[rnd.choice(_KEYS)] = copy.deepcopy(rnd.choice(_VALUES))


def _edit_list(node: list[Any], rnd: random.Random) -> None:
    roll = rnd.random()
    if node and roll < 0.25:
        node.append(copy.deepcopy(rnd.choice(node)))
    elif node and roll < 0.45:
        node.pop(rnd.randrange(len(node)))
    elif roll < 0.6:
        node.reverse()
    elif node and roll < 0.8:
        node[rnd.randrange(len(node))] = copy.deepcopy(rnd.choice(_VALUES))
    else:
        node.append(copy.deepcopy(rnd.choice(_VALUES)))


def variants(name: str) -> Iterator[Obj]:
    """The corpus object and its random variants (seeded by name: reproducible)."""
    rnd = random.Random(name)
    obj = CORPUS[name]
    yield obj
    for _ in range(MUTATIONS):
        yield mutated(obj, rnd)


def root_of(obj: Any) -> TypeInfo:
    if not isinstance(obj, dict):
        return UNTYPED
    return root_type(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))


# --- the reference algorithms (as they were before the fast paths) ---------------------------


def reference_compare(old: Any, new: Any, info: TypeInfo) -> tuple[FieldSet, ...]:
    """(added, modified, removed), walking both sides everywhere; raises ItemError."""
    found: dict[str, set[Path]] = {"added": set(), "modified": set(), "removed": set()}
    _ref_compare(old, new, info, (), found)
    return tuple(frozenset(found[name]) for name in ("added", "modified", "removed"))


def _ref_compare(
    old: Any, new: Any, info: TypeInfo, path: Path, found: dict[str, set[Path]]
) -> None:
    shape = info.for_value(old if new is ABSENT else new)
    if _ref_walks(shape, old, new, dict):
        _ref_compare_maps(_ref_as(old, dict), _ref_as(new, dict), shape, path, found)
    elif _ref_walks(shape, old, new, list):
        _ref_compare_lists(_ref_as(old, list), _ref_as(new, list), shape, path, found)
    else:
        if old is ABSENT:
            found["added"].add(path)
        elif new is ABSENT:
            found["removed"].add(path)
        elif not json_equal(old, new):
            found["modified"].add(path)
        return
    if old is ABSENT:
        found["added"].add(path)
    elif new is ABSENT:
        found["removed"].add(path)


def _ref_walks(info: TypeInfo, old: Any, new: Any, kind: type) -> bool:
    granular = info.granular_map if kind is dict else info.granular_list
    sides = (old, new)
    return (
        granular
        and all(side is ABSENT or side is None or isinstance(side, kind) for side in sides)
        and any(isinstance(side, kind) and side for side in sides)
    )


def _ref_as(value: Any, kind: type) -> Any:
    return value if isinstance(value, kind) else kind()


def _ref_compare_maps(
    old: Obj, new: Obj, info: TypeInfo, path: Path, found: dict[str, set[Path]]
) -> None:
    for key in {**old, **new}:
        child = info.child(key) or UNTYPED
        element = field_element(key)
        _ref_compare(old.get(key, ABSENT), new.get(key, ABSENT), child, (*path, element), found)


def _ref_compare_lists(
    old: list[Any], new: list[Any], info: TypeInfo, path: Path, found: dict[str, set[Path]]
) -> None:
    old_items, new_items = _ref_index(old, info), _ref_index(new, info)
    for element in {**old_items, **new_items}:
        before, after = old_items.get(element, []), new_items.get(element, [])
        child = (*path, element)
        if len(before) <= 1 and len(after) <= 1:
            one_before = before[0] if before else ABSENT
            _ref_compare(one_before, after[0] if after else ABSENT, info.item(), child, found)
        elif len(before) >= 2 and len(after) >= 2:
            if len(before) != len(after) or not all(map(json_equal, before, after)):
                found["modified"].add(child)
        elif len(before) >= 2:
            if after:
                _ref_compare(ABSENT, after[0], info.item(), child, found)
            found["removed"].add(child)
        else:
            if before:
                _ref_compare(before[0], ABSENT, info.item(), child, found)
            found["added"].add(child)


def _ref_index(items: list[Any], info: TypeInfo) -> dict[Any, list[Any]]:
    index: dict[Any, list[Any]] = {}
    for item in items:
        index.setdefault(item_element(info, item), []).append(item)
    return index


def reference_encode(paths: FieldSet) -> Obj:
    """FieldsV1 through a tree of Nodes, sorted level by level."""
    return _ref_encode(tree(paths))


def _ref_encode(children: dict[Any, Node]) -> Obj:
    encoded: Obj = {}
    for element in sorted(children, key=lambda e: e.order):
        node = children[element]
        nested: Obj = {".": {}} if node.member and node.children else {}
        encoded[str(element)] = {**nested, **_ref_encode(node.children)}
    return encoded


def reference_decode(fields: Any) -> FieldSet:
    if not isinstance(fields, dict):
        raise ValueError("fieldsV1 must be an object")
    return frozenset(_ref_decode(fields, ()))


def _ref_decode(fields: Obj, prefix: Path) -> Iterator[Path]:
    for text, nested in fields.items():
        if text == ".":
            continue
        element = parse_element(text)
        if element is None:
            continue
        if not isinstance(nested, dict):
            raise ValueError(f"invalid fieldsV1 value under {text!r}")
        path = (*prefix, element)
        children = list(_ref_decode(nested, path))
        if not children or "." in nested:
            yield path
        yield from children


def outcome(function: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    """("ok", result) or ("error", type and message): fast and reference paths fail alike."""
    try:
        return "ok", function(*args, **kwargs)
    except (ItemError, ValueError, TypeError, KeyError) as exc:
        return "error", (type(exc).__name__, str(exc))


# --- managedFields on create --------------------------------------------------------------------


def _reference_created(obj: Obj) -> tuple[Obj, bool]:
    added, modified, _ = reference_compare(zero_object(obj, root_of(obj)), obj, root_of(obj))
    return reference_encode(added | modified), () in (added | modified)


@pytest.mark.parametrize("name", CORPUS)
def test_created_fields_are_the_comparison_with_the_zero_object(name: str) -> None:
    for obj in variants(name):
        fast = outcome(created_fields, obj, root_of(obj))
        slow = outcome(_reference_created, obj)
        assert fast == slow, obj


def _general_create_path(obj: Obj, manager: str, subresource: str) -> Any:
    """update_managed_fields' general path for a create, as it ran for every create before."""
    result = copy.deepcopy(apply._without_managed_fields(obj))
    root = root_of(obj)
    records = managed.Managed()
    who = managed.ManagerId.of(manager or "unknown", "Update", obj["apiVersion"], subresource)
    try:
        apply._record_update(records, zero_object(result, root), result, who, root, NOW)
    except ItemError:
        return result
    return apply._with_managed_fields(result, managed.encode(records))


@pytest.mark.parametrize(
    "name", [n for n, obj in CORPUS.items() if "managedFields" not in str(obj)]
)
def test_create_entries_match_the_general_path(name: str) -> None:
    for obj in variants(name):
        if not isinstance(obj.get("metadata"), dict) or not isinstance(obj.get("apiVersion"), str):
            continue
        for manager, subresource in (("kubectl-create", ""), ("", "status")):
            fast = update_managed_fields(
                None,
                obj,
                manager=manager,
                operation="Update",
                api_version=obj["apiVersion"],
                now=NOW,
                subresource=subresource,
            )
            assert fast == _general_create_path(obj, manager, subresource), obj


def test_copy_false_shares_the_input_but_gives_the_same_object() -> None:
    for obj in variants("bench-pod"):
        before = copy.deepcopy(obj)
        options: Any = {"manager": "m", "operation": "Update", "api_version": "v1", "now": NOW}
        copied = update_managed_fields(None, obj, **options)
        shared = update_managed_fields(None, obj, copy=False, **options)
        assert shared == copied
        assert obj == before  # the input is still not modified
        assert shared is not obj
        if isinstance(obj.get("metadata"), dict):
            assert shared["metadata"] is not obj["metadata"]


# --- comparison and field sets ----------------------------------------------------------------


@pytest.mark.parametrize("name", CORPUS)
def test_compare_matches_the_two_sided_walk(name: str) -> None:
    rnd = random.Random("compare" + name)
    previous = CORPUS[name]
    for obj in variants(name):
        info = root_of(obj)
        for old, new in ((previous, obj), (obj, previous), (obj, copy.deepcopy(obj))):
            fast = outcome(three_sets, old, new, info)
            assert fast == outcome(reference_compare, old, new, info), (old, new)
        previous = obj if rnd.random() < 0.5 else previous


def three_sets(old: Any, new: Any, info: TypeInfo) -> tuple[FieldSet, ...]:
    comparison = compare(old, new, info)
    return comparison.added, comparison.modified, comparison.removed


@pytest.mark.parametrize("name", CORPUS)
def test_fields_v1_encoding_and_decoding_match_the_tree_walks(name: str) -> None:
    rnd = random.Random("fields" + name)
    for obj in variants(name):
        found = outcome(field_set, obj, root_of(obj))
        if found[0] != "ok":
            continue
        paths: FieldSet = found[1]
        subset = frozenset(p for p in paths if rnd.random() < 0.7)
        for fields in (paths, subset):
            encoded = encode_fields(fields)
            assert encoded == reference_encode(fields)
            assert list(encoded) == list(reference_encode(fields))  # same key order
            assert decode_fields_checked(encoded) == (fields, True)


@pytest.mark.parametrize(
    "fields_v1",
    [
        {"f:b": {}, "f:a": {}},  # out of order
        {"f:a": {".": {}}},  # "." on a leaf
        {"f:a": {"f:c": {}, ".": {}}},  # "." not first
        {"f:a": {".": {"x": {}}, "f:c": {}}},  # "." not empty
        {".": {}, "f:a": {}},  # "." at the root
        {"x:unknown": {}, "f:a": {}},  # an unknown kind of element
        {"f:spec": {"f:containers": {'k:{"name": "a"}': {}}}},  # keys not as Go writes them
        {"f:a": {"v:1": {}, "v:1.0": {}}},  # equal in order: sorted by chance only
    ],
)
def test_non_canonical_fields_v1_are_not_reused(fields_v1: Obj) -> None:
    fields, canonical = decode_fields_checked(fields_v1)
    assert fields == reference_decode(fields_v1)
    assert not canonical


@pytest.mark.parametrize(
    "fields_v1", [{}, {"f:a": {}}, {"f:a": {".": {}, "f:b": {}}, "f:c": {"v:1": {}, "v:2": {}}}]
)
def test_canonical_fields_v1_are_recognised(fields_v1: Obj) -> None:
    assert decode_fields_checked(fields_v1) == (reference_decode(fields_v1), True)
    assert encode_fields(decode_fields(fields_v1)) == fields_v1


def test_cached_elements_keep_json_types_apart() -> None:
    assert key_element({"a": 1}) != key_element({"a": True})
    assert key_element({"a": 1}) != key_element({"a": 1.0})
    assert value_element(0.0) != value_element(-0.0)
    assert value_element(1) != value_element(True)
    assert key_element({"b": "x", "a": 1}) == key_element({"a": 1, "b": "x"})
    assert key_element({"a": [1]}) == key_element({"a": [1]})  # unhashable: not cached


# --- managedFields on updates -----------------------------------------------------------------


def _without_reuse(records: managed.Managed) -> managed.Managed:
    plain = managed.Managed()
    for manager, entry in records.entries.items():
        plain.entries[manager] = managed.Entry(entry.fields, entry.api_version, entry.applied)
        plain.times[manager] = records.times.get(manager)
    return plain


@pytest.mark.parametrize("name", CORPUS)
def test_update_chains_encode_as_without_reusing_entries(name: str) -> None:
    """Entries an update leaves alone are copied from the stored object: the same as
    encoding them again."""
    rnd = random.Random("updates" + name)
    obj = CORPUS[name]
    version = str(obj.get("apiVersion", ""))
    options: Any = {"operation": "Update", "api_version": version}
    stored = outcome(update_managed_fields, None, obj, manager="creator", now=NOW, **options)
    for step in range(MUTATIONS):
        if stored[0] != "ok":
            return
        old = stored[1]
        now = f"2026-01-01T00:{step // 60:02d}:{step % 60:02d}Z"
        manager = rnd.choice(["a", "b", "creator", "kubelet"])
        subresource = rnd.choice(["", "", "status"])
        new = mutated(old, rnd)
        stored = outcome(
            update_managed_fields,
            old,
            new,
            manager=manager,
            now=now,
            subresource=subresource,
            **options,
        )
        metadata = old.get("metadata")
        entries = metadata.get("managedFields") if isinstance(metadata, dict) else None
        records = outcome(managed.decode, entries)
        if records[0] == "ok":
            assert managed.encode(records[1]) == managed.encode(_without_reuse(records[1]))


# --- the schema check ---------------------------------------------------------------------------


class _ReferenceWalk:
    """schema._Walk as it was: resolving every node on every visit."""

    def __init__(self) -> None:
        self.defs = schema.definitions()
        self.unknown: list[str] = []
        self.stopping: list[str] = []
        self.noted: list[str] = []

    def value(self, node: Obj, value: Any, path: str, struct: str, field: str) -> None:
        if value is None:
            return
        target, name, kind = schema._resolve(node, self.defs)
        value_type = type(value)
        if value_type is dict and (kind is None or kind == "object"):
            owner = name.rpartition(".")[2] if name else struct
            self._object(target, value, path, owner, field)
        elif value_type is list and (kind is None or kind == "array"):
            items = target.get("items")
            if isinstance(items, dict):
                for index, item in enumerate(value):
                    self.value(items, item, f"{path}[{index}]", struct, field)
        elif kind == schema._QUANTITY:
            self._error(name, schema._quantity_error(value))
        elif not schema._fits(kind, target, value):
            self._error(name, schema._type_error(value, node, struct, field, self.defs))

    def _error(self, name: str, error: str | None) -> None:
        if error is not None:
            (self.stopping if name in schema._CUSTOM_KINDS else self.noted).append(error)

    def _object(self, node: Obj, value: Obj, path: str, struct: str, field: str) -> None:
        properties = node.get("properties")
        if properties is None:
            values = node.get("additionalProperties")
            if isinstance(values, dict):
                for key, item in value.items():
                    self.value(values, item, schema._join(path, key), struct, field)
            return
        preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
        embedded = node.get("x-kubernetes-embedded-resource") is True
        for key, item in value.items():
            known = properties.get(key)
            if known is not None:
                self.value(known, item, schema._join(path, key), struct, schema._join(field, key))
            elif not (preserve or (embedded and key in schema._EMBEDDED_KEYS)):
                self.unknown.append(schema._join(path, key))


def reference_check(api_version: str, kind: str, obj: Obj) -> schema.CheckResult:
    definition = schema.definition_for(api_version, kind)
    if definition is None:
        return schema.CheckResult([], [])
    walk = _ReferenceWalk()
    walk.value(definition, obj, "", kind, "")
    return schema.CheckResult(walk.unknown[:100], (walk.stopping + walk.noted)[:100])


@pytest.mark.parametrize("name", CORPUS)
def test_schema_check_matches_resolving_every_node(name: str) -> None:
    for obj in variants(name):
        version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
        assert schema.check(version, kind, obj) == reference_check(version, kind, obj)


# --- validation caches ----------------------------------------------------------------------------


def test_memoized_name_checks_hand_out_fresh_lists() -> None:
    first = meta_validation.is_qualified_name("a/b/c")
    first.append("changed by a caller")
    assert meta_validation.is_qualified_name("a/b/c") == first[:-1]
    with pytest.raises(AttributeError):  # not a string: as unmemoized (no TypeError on hashing)
        meta_validation.is_qualified_name(["x"])


def test_quantity_text_is_memoized_per_string_only() -> None:
    assert specs.canonical_quantity("16Mi") == "16Mi"
    assert specs.canonical_quantity("1024Mi") == "1Gi"
    assert specs.canonical_quantity("0.5") == specs.canonical_quantity(0.5) == "500m"
    assert specs.canonical_quantity("1100m", round_to_milli=True) == "1100m"


def _reference_pod_update(spec: Obj, old: Obj) -> list[Cause]:
    """pods._pod_update as it was: both specs normalized on every update."""
    out: list[Cause] = []
    for key in ("containers", "initContainers"):
        if len(_checks._list(spec.get(key))) != len(_checks._list(old.get(key))):
            _checks._forbidden(out, f"spec.{key}", "pod updates may not add or remove containers")
            return out
    deadline = _checks._int(spec.get("activeDeadlineSeconds"))
    old_deadline = _checks._int(old.get("activeDeadlineSeconds"))
    if deadline is not None and old_deadline is not None and old_deadline < deadline:
        _checks._invalid(
            out,
            "spec.activeDeadlineSeconds",
            deadline,
            "must be less than or equal to previous value",
        )
        return out
    if deadline is None and old_deadline is not None:
        _checks._invalid(
            out,
            "spec.activeDeadlineSeconds",
            None,
            "must not update from a positive integer to nil value",
        )
    new_tols = [_checks._normalized(t) for t in _checks._list(spec.get("tolerations"))]
    for tol in _checks._list(old.get("tolerations")):
        wanted = _checks._normalized({**_checks._dict(tol), "tolerationSeconds": None})
        if not any(
            _checks._normalized({**_checks._dict(t), "tolerationSeconds": None}) == wanted
            for t in new_tols
        ):
            _checks._forbidden(
                out,
                "spec.tolerations",
                "existing toleration can not be modified except its tolerationSeconds",
            )
            break
    munged = dict(spec)
    for key in ("containers", "initContainers"):
        if spec.get(key):
            pairs = zip(_checks._list(spec.get(key)), _checks._list(old.get(key)), strict=True)
            munged[key] = [
                {**_checks._dict(c), "image": _checks._dict(o).get("image")} for c, o in pairs
            ]
    for key in ("activeDeadlineSeconds", "tolerations", "schedulingGates"):
        munged[key] = old.get(key)
    if _checks._normalized(munged) != _checks._normalized(old):
        detail = f"pod updates may not change fields other than {pods._UPDATABLE_POD_FIELDS}\n"
        _checks._forbidden(out, "spec", detail + pods._spec_diff(old, munged))
    return out


@pytest.mark.parametrize("name", [n for n, obj in CORPUS.items() if obj.get("kind") == "Pod"])
def test_pod_update_validation_matches_normalizing_both_specs(name: str) -> None:
    rnd = random.Random("pod-update" + name)
    for obj in variants(name):
        old = _checks._dict(obj.get("spec"))
        for new in (copy.deepcopy(old), _checks._dict(mutated({"spec": old}, rnd).get("spec"))):
            fast: list[Cause] = []
            pods._pod_update(new, old, fast)
            assert fast == _reference_pod_update(new, old)


NAN = float("nan")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({"spec": {"hostNetwork": True}}, {"spec": {"hostNetwork": 1}}),  # == but not JSON-equal
        ({"spec": {"priority": 1}}, {"spec": {"priority": 1.0}}),  # JSON-equal, other text
        ({"spec": {"nodeSelector": {"a": (1, 2)}}}, {"spec": {"nodeSelector": {"a": [1, 2]}}}),
        ({"spec": {"overhead": {"cpu": NAN}}}, {"spec": {"overhead": {"cpu": NAN}}}),  # one NaN
        ({"spec": {"containers": [{"image": "x"}]}}, {"spec": {"containers": [{"image": "x"}]}}),
        ({"spec": {"containers": [None]}}, {"spec": {"containers": [None]}}),
        (
            {"spec": {"volumes": [{"name": "v"}, {"name": "v"}]}},
            {"spec": {"volumes": [{"name": "v"}, {"name": "v"}]}},
        ),
        (
            {"spec": {"containers": [{"name": "c", "ports": [{}]}]}},
            {"spec": {"containers": [{"name": "c", "ports": [{}]}]}},
        ),
        (  # duplicates are owned as a whole: what is inside them is never looked at
            {"spec": {"containers": [{"name": "c", "ports": ["bad"]}] * 2}},
            {"spec": {"containers": [{"name": "c", "ports": ["bad"]}] * 2}},
        ),
    ],
)
def test_equal_subtrees_are_skipped_exactly(old: Obj, new: Obj) -> None:
    info = root_type("v1", "Pod")
    assert outcome(three_sets, old, new, info) == outcome(reference_compare, old, new, info)


def test_recursive_types_are_checked_for_items() -> None:
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition"}
    props = {
        "type": "object",
        "properties": {
            "a": {
                "type": "array",
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["k"],
                "items": {"type": "object"},
            }
        },
    }
    schema_ = {"openAPIV3Schema": {"type": "object", "properties": {"spec": props}}}
    for versions in ([{"name": "v1", "schema": schema_}], [{"name": "v1"}, {"name": "v1"}]):
        obj = {**crd, "spec": {"versions": versions}}
        info = root_of(obj)
        twin = copy.deepcopy(obj)
        assert outcome(three_sets, obj, twin, info) == outcome(reference_compare, obj, twin, info)


def test_lists_reached_only_through_a_recursive_type_are_checked() -> None:
    """A -> B -> A, where only A has a keyed list: B's values can hold one (through A)."""
    keyed = {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"]}
    a: Obj = {"type": "object", "properties": {"b": None}}  # B first: met before the list
    b: Obj = {"type": "object", "properties": {"a": a}}
    a["properties"] = {"b": b, "list": {**keyed, "items": {"type": "object"}}}
    info = type_of(a)
    value = {"b": {"a": {"list": [{"x": 1}]}}}  # an item without its key, two levels down
    assert holds_granular_lists(info) and holds_granular_lists(type_of(b))
    twin = copy.deepcopy(value)
    assert outcome(three_sets, value, twin, info) == outcome(reference_compare, value, twin, info)
    assert outcome(three_sets, value, twin, info)[0] == "error"


def test_fields_v1_too_deep_to_copy_is_encoded_again() -> None:
    deep: Obj = {}
    node = deep
    for _ in range(300):  # orjson stops at 254 levels
        node["f:a"] = {}
        node = node["f:a"]
    entry = {"manager": "x", "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1"}
    records = managed.decode([{**entry, "fieldsV1": deep}])
    assert managed.encode(records) == managed.encode(_without_reuse(records))


def test_memoized_created_fields_hand_out_fresh_copies() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "a"},
        "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}]},
    }
    first, _ = created_fields(pod, root_of(pod))
    expected = copy.deepcopy(first)
    first["f:spec"].clear()  # the caller's to edit (managedFields drops unowned fields so)
    assert created_fields(copy.deepcopy(pod), root_of(pod))[0] == expected


@pytest.mark.parametrize(
    "value",
    [
        {"a": float("nan")},  # orjson writes NaN and infinities as null
        {"a": None},
        {"when": datetime.date(2024, 1, 1)},  # YAML dates
        {1: "x"},  # YAML keys that are no strings
        {"b": b"binary"},
    ],
)
def test_values_json_cannot_hold_exactly_have_no_memo_key(value: Obj) -> None:
    assert exact_json(value) is None
    assert exact_json({"a": [1, 1.0, True, "x"]}) == b'{"a":[1,1.0,true,"x"]}'
