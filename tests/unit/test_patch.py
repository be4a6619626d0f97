"""JSON patch, merge patch and strategic merge patch, checked against kube-apiserver's behaviour."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minikube_py.apiserver.errors import ApiError
from minikube_py.patch import (
    PATCH_TYPES,
    accepted_patch_types,
    apply_patch,
    create_merge_patch,
    json_patch,
    merge_patch,
    strategic_merge_patch,
)
from minikube_py.patching.mergepatch import merge_values

Obj = dict[str, Any]
REJECTED = "the server rejected our request due to an error in our request"


def pod(**spec: Any) -> Obj:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


def smp(original: Obj, patch: Obj, api_version: str = "v1", kind: str = "Pod") -> Obj:
    before = copy.deepcopy((original, patch))
    result = strategic_merge_patch(original, patch, api_version, kind)
    assert (original, patch) == before, "inputs must not be modified"
    return result


def error(call: Any, *args: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args)
    return caught.value


# --- strategic merge patch ---------------------------------------------------------------------

NGINX = {"name": "nginx", "image": "nginx:1.27"}
SIDECAR = {"name": "log", "image": "busybox"}

SMP_CASES: list[tuple[str, Obj, Obj, Obj]] = [
    (
        "containers merge by name",
        pod(containers=[NGINX, SIDECAR]),
        {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}},
        pod(containers=[{"name": "nginx", "image": "nginx:1.28"}, SIDECAR]),
    ),
    (
        "a new container is appended",
        pod(containers=[NGINX]),
        {"spec": {"containers": [{"name": "extra", "image": "redis"}]}},
        pod(containers=[{"name": "extra", "image": "redis"}, NGINX]),
    ),
    (
        "ports merge by containerPort",
        pod(containers=[{**NGINX, "ports": [{"containerPort": 80}, {"containerPort": 443}]}]),
        {
            "spec": {
                "containers": [{"name": "nginx", "ports": [{"containerPort": 443, "name": "tls"}]}]
            }
        },
        pod(
            containers=[
                {**NGINX, "ports": [{"containerPort": 80}, {"containerPort": 443, "name": "tls"}]}
            ]
        ),
    ),
    (
        "env merges by name; $patch delete removes an entry",
        pod(
            containers=[
                {**NGINX, "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
            ]
        ),
        {
            "spec": {
                "containers": [
                    {
                        "name": "nginx",
                        "env": [{"name": "B", "$patch": "delete"}, {"name": "A", "value": "9"}],
                    }
                ]
            }
        },
        pod(containers=[{**NGINX, "env": [{"name": "A", "value": "9"}]}]),
    ),
    (
        "volumeMounts merge by mountPath",
        pod(containers=[{**NGINX, "volumeMounts": [{"name": "a", "mountPath": "/a"}]}]),
        {
            "spec": {
                "containers": [
                    {"name": "nginx", "volumeMounts": [{"mountPath": "/a", "readOnly": True}]}
                ]
            }
        },
        pod(
            containers=[
                {**NGINX, "volumeMounts": [{"name": "a", "mountPath": "/a", "readOnly": True}]}
            ]
        ),
    ),
    (
        "volumes merge by name; $retainKeys drops the other volume source",
        pod(
            volumes=[
                {"name": "data", "emptyDir": {}},
                {"name": "cfg", "secret": {"secretName": "s"}},
            ]
        ),
        {
            "spec": {
                "volumes": [
                    {
                        "$retainKeys": ["configMap", "name"],
                        "name": "data",
                        "configMap": {"name": "c"},
                    }
                ]
            }
        },
        pod(
            volumes=[
                {"name": "data", "configMap": {"name": "c"}},
                {"name": "cfg", "secret": {"secretName": "s"}},
            ]
        ),
    ),
    (
        "tolerations are atomic",
        pod(tolerations=[{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "Exists"}]),
        {"spec": {"tolerations": [{"key": "c", "operator": "Exists"}]}},
        pod(tolerations=[{"key": "c", "operator": "Exists"}]),
    ),
    (
        "args and command are atomic",
        pod(containers=[{**NGINX, "args": ["a", "b"], "command": ["sh"]}]),
        {"spec": {"containers": [{"name": "nginx", "args": ["c"]}]}},
        pod(containers=[{**NGINX, "args": ["c"], "command": ["sh"]}]),
    ),
    (
        "imagePullSecrets merge by name",
        pod(imagePullSecrets=[{"name": "a"}]),
        {"spec": {"imagePullSecrets": [{"name": "b"}]}},
        pod(imagePullSecrets=[{"name": "b"}, {"name": "a"}]),
    ),
    (
        "$patch replace in a list replaces it",
        pod(containers=[NGINX, SIDECAR]),
        {"spec": {"containers": [{"name": "only", "image": "x"}, {"$patch": "replace"}]}},
        pod(containers=[{"name": "only", "image": "x"}]),
    ),
    (
        "$patch replace in a map replaces it",
        pod(nodeSelector={"a": "1", "b": "2"}),
        {"spec": {"nodeSelector": {"$patch": "replace", "c": "3"}}},
        pod(nodeSelector={"c": "3"}),
    ),
    (
        "$patch delete in a map deletes it",
        pod(securityContext={"runAsUser": 1}, hostname="h"),
        {"spec": {"securityContext": {"$patch": "delete"}}},
        pod(securityContext={}, hostname="h"),
    ),
    (
        "null deletes a key",
        pod(hostname="h", subdomain="s"),
        {"spec": {"hostname": None}},
        pod(subdomain="s"),
    ),
    (
        "a new map drops nulls and directives",
        pod(),
        {"spec": {"nodeSelector": {"a": "1", "b": None}, "affinity": {"$patch": "delete"}}},
        pod(nodeSelector={"a": "1"}),
    ),
]


@pytest.mark.parametrize(
    ("name", "original", "patch", "expected"), SMP_CASES, ids=[c[0] for c in SMP_CASES]
)
def test_strategic_merge_patch(name: str, original: Obj, patch: Obj, expected: Obj) -> None:
    assert smp(original, patch) == expected


def test_set_element_order_as_kubectl_set_image_sends() -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "spec": {"template": {"spec": {"containers": [SIDECAR, NGINX]}}},
    }
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "nginx"}, {"name": "log"}],
                    "containers": [{"image": "nginx:1.28", "name": "nginx"}],
                }
            }
        }
    }
    result = smp(deployment, patch, "apps/v1", "Deployment")
    assert result["spec"]["template"]["spec"]["containers"] == [
        {"name": "nginx", "image": "nginx:1.28"},
        SIDECAR,
    ]


def test_set_element_order_slots_unlisted_live_items_by_live_order() -> None:
    # "b" is live-only; it goes before the first listed item that follows it live ("c").
    original = pod(containers=[{"name": "a"}, {"name": "b"}, {"name": "c"}])
    patch = {"spec": {"$setElementOrder/containers": [{"name": "c"}, {"name": "a"}]}}
    names = [c["name"] for c in smp(original, patch)["spec"]["containers"]]
    assert names == ["b", "c", "a"]


def test_finalizers_merge_as_a_set_and_delete_from_primitive_list() -> None:
    original = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"finalizers": ["a", "b"]}}
    merged = smp(original, {"metadata": {"finalizers": ["c", "a"]}}, "v1", "ConfigMap")
    assert merged["metadata"]["finalizers"] == ["c", "a", "b"]
    gone = {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}
    assert smp(original, gone, "v1", "ConfigMap")["metadata"]["finalizers"] == ["b"]
    ordered = {"metadata": {"$setElementOrder/finalizers": ["b", "a"]}}
    assert smp(original, ordered, "v1", "ConfigMap")["metadata"]["finalizers"] == ["b", "a"]


def test_retain_keys_strategy_on_deployment_strategy() -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}},
    }
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    assert smp(deployment, patch, "apps/v1", "Deployment")["spec"]["strategy"] == {
        "type": "Recreate"
    }


def test_replace_strategy_field_is_replaced_whole() -> None:
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "spec": {"selector": {"matchLabels": {"a": "1"}}},
    }
    patch = {"spec": {"selector": {"matchLabels": {"b": "2"}}}}
    result = smp(pdb, patch, "policy/v1", "PodDisruptionBudget")
    assert result["spec"]["selector"] == {"matchLabels": {"b": "2"}}


@pytest.mark.parametrize(
    ("patch", "code", "reason", "message"),
    [
        (
            {"spec": {"containers": [{"image": "x"}]}},
            500,
            "",
            "map: map[image:x] does not contain declared merge key: name",
        ),
        (
            {"spec": {"$retainKeys": "hostname"}},
            400,
            "BadRequest",
            "invalid patch format of retainKeys",
        ),
        (
            {"spec": {"$retainKeys": ["hostname"], "subdomain": "x"}},
            400,
            "BadRequest",
            "invalid patch format of retainKeys",
        ),
        (
            {"metadata": {"$deleteFromPrimitiveListfinalizers": ["a"]}},
            400,
            "BadRequest",
            "invalid patch format of primitive list",
        ),
        (
            {"spec": {"containers": [{"name": "nginx", "$patch": "merge"}]}},
            500,
            "",
            "merging lists cannot yet be specified in the patch",
        ),
        (
            {"spec": {"$patch": "bogus"}},
            500,
            "",
            "unknown patch type: bogus in map: map[$patch:bogus]",
        ),
        ({"metadata": {"finalizers": [["a"]]}}, 422, "Invalid", REJECTED),
    ],
)
def test_strategic_merge_patch_errors(patch: Obj, code: int, reason: str, message: str) -> None:
    original = pod(containers=[NGINX])
    original["metadata"]["finalizers"] = []
    failure = error(smp, original, patch)
    assert (failure.code, failure.reason, failure.message) == (code, reason, message)


def test_strategic_merge_patch_body_must_be_an_object() -> None:
    failure = error(smp, pod(), [{"op": "add"}])
    assert failure.code == 400
    assert (
        failure.message
        == "json: cannot unmarshal array into Go value of type map[string]interface {}"
    )


def test_strategic_merge_patch_is_unsupported_for_custom_resources() -> None:
    failure = error(
        smp, {"apiVersion": "example.com/v1", "kind": "Widget"}, {}, "example.com/v1", "Widget"
    )
    assert failure.code == 415
    assert failure.reason == "UnsupportedMediaType"
    assert failure.message == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    )


# --- JSON patch (RFC 6902 appendix A) ----------------------------------------------------------

JSON_PATCH_CASES: list[tuple[str, Obj, list[Obj], Obj]] = [
    (
        "add object member",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux"}],
        {"foo": "bar", "baz": "qux"},
    ),
    (
        "add array element",
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
    ),
    ("append with -", {"foo": [1]}, [{"op": "add", "path": "/foo/-", "value": 2}], {"foo": [1, 2]}),
    (
        "remove object member",
        {"baz": "qux", "foo": "bar"},
        [{"op": "remove", "path": "/baz"}],
        {"foo": "bar"},
    ),
    (
        "remove array element",
        {"foo": ["bar", "qux", "baz"]},
        [{"op": "remove", "path": "/foo/1"}],
        {"foo": ["bar", "baz"]},
    ),
    (
        "replace",
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
    ),
    (
        "replace of a missing key adds it (json-patch v4)",
        {"metadata": {}},
        [{"op": "replace", "path": "/metadata/managedFields", "value": []}],
        {"metadata": {"managedFields": []}},
    ),
    (
        "move",
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
    ),
    (
        "move array element",
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
    ),
    (
        "copy",
        {"a": {"b": 1}},
        [{"op": "copy", "from": "/a", "path": "/c"}],
        {"a": {"b": 1}, "c": {"b": 1}},
    ),
    (
        "test then act",
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [
            {"op": "test", "path": "/baz", "value": "qux"},
            {"op": "test", "path": "/foo/1", "value": 2.0},
        ],
        {"baz": "qux", "foo": ["a", 2, "c"]},
    ),
    (
        "escaped pointer tokens",
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": 10}, {"op": "replace", "path": "/~1", "value": 0}],
        {"/": 0, "~1": 10},
    ),
    (
        "negative index counts from the end",
        {"a": [1, 2, 3]},
        [{"op": "remove", "path": "/a/-1"}],
        {"a": [1, 2]},
    ),
    (
        "test of a missing key with null passes",
        {},
        [{"op": "test", "path": "/x", "value": None}],
        {},
    ),
    ("null body is no patch", {"a": 1}, [], {"a": 1}),
]


@pytest.mark.parametrize(
    ("name", "doc", "ops", "expected"), JSON_PATCH_CASES, ids=[c[0] for c in JSON_PATCH_CASES]
)
def test_json_patch(name: str, doc: Obj, ops: list[Obj], expected: Obj) -> None:
    before = copy.deepcopy((doc, ops))
    assert json_patch(doc, ops) == expected
    assert (doc, ops) == before


def test_json_patch_does_not_alias_patch_values() -> None:
    value = {"b": 1}
    result = json_patch(
        {}, [{"op": "add", "path": "/a", "value": value}, {"op": "add", "path": "/a/c", "value": 2}]
    )
    assert result == {"a": {"b": 1, "c": 2}}
    assert value == {"b": 1}


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "test", "path": "/spec/replicas", "value": 3}],
        [{"op": "add", "path": "/missing/child", "value": 1}],
        [{"op": "remove", "path": "/nope"}],
        [{"op": "replace", "path": "/list/5", "value": 1}],
        [{"op": "add", "path": "/list/x", "value": 1}],
        [{"op": "move", "from": "/nope", "path": "/x"}],
        [{"op": "frobnicate", "path": "/x"}],
        [{"path": "/x"}],
        [{"op": "add", "value": 1}],
        [{"op": "add", "path": "no-slash", "value": 1}],
        [{"op": "replace", "path": "", "value": [1]}],
    ],
)
def test_json_patch_failures_are_a_generic_422(ops: list[Obj]) -> None:
    failure = error(json_patch, {"spec": {"replicas": 1}, "list": [0]}, ops)
    assert (failure.code, failure.reason, failure.message) == (422, "Invalid", REJECTED)


def test_failed_test_operation_keeps_the_library_message_as_cause() -> None:
    failure = error(
        json_patch,
        {"spec": {"replicas": 1}},
        [{"op": "test", "path": "/spec/replicas", "value": 3}],
    )
    assert str(failure.__cause__) == "testing value /spec/replicas failed: test failed"


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ({"op": "add"}, "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
        (["add"], "json: cannot unmarshal string into Go value of type jsonpatch.Operation"),
    ],
)
def test_json_patch_body_must_be_a_list_of_objects(ops: Any, message: str) -> None:
    failure = error(json_patch, {}, ops)
    assert (failure.code, failure.message) == (400, message)


def test_json_patch_operation_limit() -> None:
    failure = error(json_patch, {}, [{"op": "test", "path": "/a"}] * 10001)
    assert failure.code == 413
    assert failure.message == "The allowed maximum operations in a JSON patch is 10000, got 10001"


# --- merge patch (RFC 7386 appendix A) ---------------------------------------------------------

RFC7386 = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "expected"), RFC7386)
def test_merge_patch_rfc7386_examples(target: Any, patch: Any, expected: Any) -> None:
    before = copy.deepcopy((target, patch))
    assert merge_values(target, patch) == expected
    assert (target, patch) == before


def test_merge_patch_on_objects() -> None:
    doc = {"metadata": {"labels": {"env": "dev", "app": "x"}}}
    assert merge_patch(doc, {"metadata": {"labels": {"env": None}}}) == {
        "metadata": {"labels": {"app": "x"}}
    }


@pytest.mark.parametrize(
    ("patch", "code", "message"), [(None, 400, "Invalid JSON Patch"), ([1], 422, REJECTED)]
)
def test_merge_patch_needs_an_object(patch: Any, code: int, message: str) -> None:
    failure = error(merge_patch, {"a": 1}, patch)
    assert (failure.code, failure.message) == (code, message)


def test_create_merge_patch() -> None:
    original = {"a": 1, "b": {"c": 2, "d": 3}, "e": [1]}
    modified = {"a": 1, "b": {"c": 4}, "f": True}
    assert create_merge_patch(original, modified) == {
        "b": {"c": 4, "d": None},
        "e": None,
        "f": True,
    }


# Objects whose members are never null (a merge patch cannot set null); arrays hold anything.
scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
)
keys = st.text(max_size=4)
anything = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=12,
)
no_null_members = st.recursive(
    scalars.filter(lambda v: v is not None),
    lambda inner: st.lists(anything, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=12,
)
objects = st.dictionaries(keys, no_null_members, max_size=5)


@given(objects, objects)
def test_create_merge_patch_round_trips(original: Obj, modified: Obj) -> None:
    assert merge_patch(original, create_merge_patch(original, modified)) == modified


# --- dispatch ----------------------------------------------------------------------------------


def test_apply_patch_dispatches_on_media_type() -> None:
    doc = pod(containers=[NGINX])
    smp_body = {"spec": {"containers": [{"name": "nginx", "image": "v2"}]}}
    merged = apply_patch(
        "application/strategic-merge-patch+json; charset=utf-8", doc, smp_body, "v1", "Pod"
    )
    assert merged["spec"]["containers"] == [{"name": "nginx", "image": "v2"}]
    replaced = apply_patch("application/merge-patch+json", doc, smp_body, "v1", "Pod")
    assert replaced["spec"]["containers"] == [{"name": "nginx", "image": "v2"}]
    ops = [{"op": "replace", "path": "/metadata/name", "value": "q"}]
    assert (
        apply_patch("application/json-patch+json", doc, ops, "v1", "Pod")["metadata"]["name"] == "q"
    )


def test_apply_patch_rejects_other_media_types() -> None:
    failure = error(apply_patch, "application/json", {}, {}, "v1", "Pod")
    assert failure.code == 415
    assert failure.message.endswith(", ".join(PATCH_TYPES))
    assert accepted_patch_types("v1", "Pod") == PATCH_TYPES
    custom = error(
        apply_patch, "application/strategic-merge-patch+json", {}, {}, "x.io/v1", "Widget"
    )
    assert custom.code == 415
    with pytest.raises(ValueError, match="server_side_apply"):
        apply_patch("application/apply-patch+yaml", {}, {}, "v1", "Pod")
