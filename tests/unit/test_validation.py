"""ObjectMeta validation: name rules, labels, annotations and update immutability, with the real
API server's reasons, field paths and messages."""

from __future__ import annotations

from typing import Any

import pytest

from minikube_py.apiserver.errors import Cause, invalid
from minikube_py.apiserver.validation import (
    NAME_RULES,
    NameRule,
    generate_name,
    go_quote,
    name_errors,
    validate_object_meta,
    validate_object_meta_update,
)

SUBDOMAIN_HELP = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_HELP = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1035_HELP = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
LABEL_VALUE_HELP = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
NAME_PART_HELP = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


def meta(**fields: Any) -> dict[str, Any]:
    return {"metadata": fields}


# --- name rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "name", "errors"),
    [
        ("subdomain", "my-app.example", []),
        ("subdomain", "a" * 253, []),
        ("subdomain", "a" * 254, ["must be no more than 253 characters"]),
        ("subdomain", "Foo_Bar", [SUBDOMAIN_HELP]),
        ("subdomain", "-a", [SUBDOMAIN_HELP]),
        ("label", "kube-system", []),
        ("label", "a.b", ["must not contain dots"]),
        ("label", "a" * 64, ["must be no more than 63 characters"]),
        ("label", "Web", [LABEL_HELP]),
        ("dns1035", "my-svc", []),
        ("dns1035", "1svc", [DNS1035_HELP]),
        ("dns1035", "my.svc", [DNS1035_HELP]),
        ("path-segment", "system:controller:foo", []),
        ("path-segment", "Upper_Case", []),
        ("path-segment", "a/b%c", ["may not contain '/'", "may not contain '%'"]),
        ("path-segment", ".", ["may not be '.'"]),
        ("path-segment", "..", ["may not be '..'"]),
    ],
)
def test_name_rules(rule: NameRule, name: str, errors: list[str]) -> None:
    assert name_errors(rule, name) == errors


@pytest.mark.parametrize(
    ("rule", "prefix", "errors"),
    [
        ("subdomain", "web-", []),
        ("label", "web-", []),
        ("dns1035", "web-", []),
        ("subdomain", "Web-", [SUBDOMAIN_HELP]),
        ("subdomain", "-", [SUBDOMAIN_HELP]),
        ("path-segment", "..", []),  # a prefix can still become a valid name
        ("path-segment", "a/", ["may not contain '/'"]),
    ],
)
def test_generate_name_prefixes(rule: NameRule, prefix: str, errors: list[str]) -> None:
    assert name_errors(rule, prefix, prefix=True) == errors


def test_generate_name_truncates_to_a_valid_label() -> None:
    name = generate_name("x" * 70)
    assert len(name) == 63 and name.startswith("x" * 58)
    assert name_errors("label", name) == []


@pytest.mark.parametrize(
    ("group", "kind", "rule"),
    [
        ("", "Namespace", "label"),
        ("", "Service", "dns1035"),
        ("apps", "StatefulSet", "label"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding", "path-segment"),
    ],
)
def test_name_rule_table(group: str, kind: str, rule: str) -> None:
    assert NAME_RULES[(group, kind)] == rule


@pytest.mark.parametrize(
    ("group", "kind", "namespaced", "name", "message"),
    [
        ("", "ConfigMap", True, "Foo_Bar", f'Invalid value: "Foo_Bar": {SUBDOMAIN_HELP}'),
        ("", "Pod", True, "web.1", None),
        ("", "Service", True, "web.1", f'Invalid value: "web.1": {DNS1035_HELP}'),
        ("", "Namespace", False, "a.b", 'Invalid value: "a.b": must not contain dots'),
        ("apps", "Deployment", True, "web.v2", None),
        ("rbac.authorization.k8s.io", "ClusterRole", False, "system:aggregate-to-view", None),
        (
            "rbac.authorization.k8s.io",
            "Role",
            True,
            "a/b",
            "Invalid value: \"a/b\": may not contain '/'",
        ),
        ("batch", "CronJob", True, "c" * 52, None),
        (
            "batch",
            "CronJob",
            True,
            "c" * 53,
            f'Invalid value: "{"c" * 53}": must be no more than 52 characters',
        ),
    ],
)
def test_name_validated_per_kind(
    group: str, kind: str, namespaced: bool, name: str, message: str | None
) -> None:
    obj = meta(name=name, namespace="default" if namespaced else "")
    causes = validate_object_meta(obj, group=group, kind=kind, namespaced=namespaced)
    expected = [Cause("FieldValueInvalid", message, "metadata.name")] if message else []
    assert causes == expected


def test_invalid_name_renders_the_real_422_message() -> None:
    causes = validate_object_meta(
        meta(name="Foo_Bar", namespace="default"), group="", kind="ConfigMap", namespaced=True
    )
    assert invalid("ConfigMap", "", "Foo_Bar", causes).message == (
        f'ConfigMap "Foo_Bar" is invalid: metadata.name: Invalid value: "Foo_Bar": {SUBDOMAIN_HELP}'
    )


# --- name, generateName, namespace -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "namespaced", "expected"),
    [
        (
            {"namespace": "default"},
            True,
            [
                Cause(
                    "FieldValueRequired",
                    "Required value: name or generateName is required",
                    "metadata.name",
                )
            ],
        ),
        ({"generateName": "web-", "namespace": "default"}, True, []),
        (
            {"generateName": "Web-", "name": "Web-x7k2p", "namespace": "default"},
            True,
            [
                Cause(
                    "FieldValueInvalid",
                    f'Invalid value: "Web-": {SUBDOMAIN_HELP}',
                    "metadata.generateName",
                ),
                Cause(
                    "FieldValueInvalid",
                    f'Invalid value: "Web-x7k2p": {SUBDOMAIN_HELP}',
                    "metadata.name",
                ),
            ],
        ),
        (
            {"name": "a"},
            True,
            [Cause("FieldValueRequired", "Required value", "metadata.namespace")],
        ),
        (
            {"name": "a", "namespace": "Bad_NS"},
            True,
            [
                Cause(
                    "FieldValueInvalid",
                    f'Invalid value: "Bad_NS": {LABEL_HELP}',
                    "metadata.namespace",
                )
            ],
        ),
        (
            {"name": "a", "namespace": "default"},
            False,
            [
                Cause(
                    "FieldValueForbidden",
                    "Forbidden: not allowed on this type",
                    "metadata.namespace",
                )
            ],
        ),
        (
            {"name": "a", "namespace": "d", "generation": -1},
            True,
            [
                Cause(
                    "FieldValueInvalid",
                    "Invalid value: -1: must be greater than or equal to 0",
                    "metadata.generation",
                )
            ],
        ),
    ],
)
def test_name_and_namespace_presence(
    fields: dict[str, Any], namespaced: bool, expected: list[Cause]
) -> None:
    kind = "ConfigMap" if namespaced else "Node"
    assert (
        validate_object_meta(meta(**fields), group="", kind=kind, namespaced=namespaced) == expected
    )


# --- labels, annotations, owner references, finalizers -------------------------------------


def causes_for(**fields: Any) -> list[Cause]:
    obj = meta(name="a", namespace="d", **fields)
    return validate_object_meta(obj, group="", kind="ConfigMap", namespaced=True)


@pytest.mark.parametrize(
    ("labels", "messages"),
    [
        ({"app": "web", "example.com/tier": "", "a.b_c-D": "x" * 63}, []),
        ({"app": "x" * 64}, [f'Invalid value: "{"x" * 64}": must be no more than 63 characters']),
        ({"app": "bad value"}, [f'Invalid value: "bad value": {LABEL_VALUE_HELP}']),
        ({"-app": "v"}, [f'Invalid value: "-app": {NAME_PART_HELP}']),
        (
            {"k" * 64: "v"},
            [f'Invalid value: "{"k" * 64}": name part must be no more than 63 characters'],
        ),
        ({"/app": "v"}, ['Invalid value: "/app": prefix part must be non-empty']),
        (
            {"example.com/": "v"},
            [
                'Invalid value: "example.com/": name part must be non-empty',
                f'Invalid value: "example.com/": {NAME_PART_HELP}',
            ],
        ),
        (
            {"Example.com/app": "v"},
            [f'Invalid value: "Example.com/app": prefix part {SUBDOMAIN_HELP}'],
        ),
    ],
)
def test_labels(labels: dict[str, str], messages: list[str]) -> None:
    expected = [Cause("FieldValueInvalid", m, "metadata.labels") for m in messages]
    assert causes_for(labels=labels) == expected


def test_annotation_keys_are_case_insensitive_qualified_names() -> None:
    assert causes_for(annotations={"Example.COM/Some-Key": "any value at all\n"}) == []
    assert causes_for(annotations={"a b": "v"}) == [
        Cause(
            "FieldValueInvalid", f'Invalid value: "a b": {NAME_PART_HELP}', "metadata.annotations"
        )
    ]


@pytest.mark.parametrize(("size", "too_long"), [(256 * 1024, False), (256 * 1024 + 1, True)])
def test_annotations_total_size(size: int, too_long: bool) -> None:
    causes = causes_for(annotations={"k": "v" * (size - 1)})
    expected = Cause(
        "FieldValueTooLong", "Too long: may not be more than 262144 bytes", "metadata.annotations"
    )
    assert causes == ([expected] if too_long else [])


def test_owner_reference_shape() -> None:
    refs = [{"apiVersion": "apps/", "kind": "", "name": "", "uid": ""}]
    path = "metadata.ownerReferences"
    assert causes_for(ownerReferences=refs) == [
        Cause(
            "FieldValueInvalid",
            'Invalid value: "apps/": version must not be empty',
            f"{path}.apiVersion",
        ),
        Cause("FieldValueInvalid", 'Invalid value: "": kind must not be empty', f"{path}.kind"),
        Cause("FieldValueInvalid", 'Invalid value: "": name must not be empty', f"{path}.name"),
        Cause("FieldValueInvalid", 'Invalid value: "": uid must not be empty', f"{path}.uid"),
    ]


def test_owner_references_allow_one_controller() -> None:
    ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "uid": "u", "controller": True}
    refs = [{**ref, "name": "a"}, {**ref, "name": "b"}]
    [cause] = causes_for(ownerReferences=refs)
    assert cause.field == "metadata.ownerReferences"
    assert cause.message.endswith(
        'Only one reference can have Controller set to true. Found "true" in references for '
        "ReplicaSet/a and ReplicaSet/b"
    )
    assert cause.message.startswith(
        'Invalid value: []v1.OwnerReference{v1.OwnerReference{APIVersion:"apps/v1"'
    )


def test_events_cannot_own_objects() -> None:
    refs = [{"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "u"}]
    [cause] = causes_for(ownerReferences=refs)
    assert cause.message == (
        'Invalid value: v1.OwnerReference{APIVersion:"v1", Kind:"Event", Name:"e", UID:"u", '
        "Controller:(*bool)(nil), BlockOwnerDeletion:(*bool)(nil)}: "
        "/v1, Kind=Event is disallowed from being an owner"
    )


@pytest.mark.parametrize(
    ("finalizers", "messages"),
    [
        (["kubernetes", "example.com/cleanup", "orphan"], []),
        (
            ["a/b/c"],
            [
                'Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '
                "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
                "'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
                "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix "
                "and '/' (e.g. 'example.com/MyName')"
            ],
        ),
        (
            ["orphan", "foregroundDeletion"],
            [
                'Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and '
                "foregroundDeletion cannot be both set"
            ],
        ),
    ],
)
def test_finalizers(finalizers: list[str], messages: list[str]) -> None:
    expected = [Cause("FieldValueInvalid", m, "metadata.finalizers") for m in messages]
    assert causes_for(finalizers=finalizers) == expected


# --- updates ---------------------------------------------------------------------------------

OLD = meta(name="a", namespace="d", uid="u1", creationTimestamp="2024-01-02T03:04:05Z")


def immutable(path: str, shown: str) -> Cause:
    return Cause("FieldValueInvalid", f"Invalid value: {shown}: field is immutable", path)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"labels": {"app": "web"}, "annotations": {"note": "x"}}, []),
        ({"name": "b"}, [immutable("metadata.name", '"b"')]),
        ({"namespace": "e"}, [immutable("metadata.namespace", '"e"')]),
        ({"uid": "u2"}, [immutable("metadata.uid", '"u2"')]),
        (
            {"creationTimestamp": "2024-01-02T03:04:06Z"},
            [immutable("metadata.creationTimestamp", "2024-01-02 03:04:06 +0000 UTC")],
        ),
        (
            {"deletionTimestamp": "2024-01-02T03:04:06Z"},
            [immutable("metadata.deletionTimestamp", "2024-01-02 03:04:06 +0000 UTC")],
        ),
        (
            {"deletionGracePeriodSeconds": 30},
            [immutable("metadata.deletionGracePeriodSeconds", "30")],
        ),
        (
            {"labels": {"app": "bad value"}},  # reported once, as the real message shows it
            [
                Cause(
                    "FieldValueInvalid",
                    f'Invalid value: "bad value": {LABEL_VALUE_HELP}',
                    "metadata.labels",
                )
            ],
        ),
        (
            {"name": "a/b"},
            [
                Cause(
                    "FieldValueInvalid",
                    "Invalid value: \"a/b\": may not contain '/'",
                    "metadata.name",
                ),
                immutable("metadata.name", '"a/b"'),
            ],
        ),
    ],
)
def test_meta_update(changes: dict[str, Any], expected: list[Cause]) -> None:
    new = {"metadata": {**OLD["metadata"], **changes}}
    assert validate_object_meta_update(new, OLD) == expected


def test_no_new_finalizers_while_deleting() -> None:
    old = {
        "metadata": {
            **OLD["metadata"],
            "deletionTimestamp": "2024-01-02T03:04:06Z",
            "finalizers": ["a.io/x"],
        }
    }
    new = {"metadata": {**old["metadata"], "finalizers": ["a.io/x", "b.io/z", "b.io/y"]}}
    assert validate_object_meta_update(new, old) == [
        Cause(
            "FieldValueForbidden",
            "Forbidden: no new finalizers can be added if the object is being deleted, found new "
            'finalizers []string{"b.io/y", "b.io/z"}',
            "metadata.finalizers",
        )
    ]
    removing = {"metadata": {**old["metadata"], "finalizers": []}}
    assert validate_object_meta_update(removing, old) == []


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("plain", '"plain"'),
        ('a"b\\c', '"a\\"b\\\\c"'),
        ("tab\there\n", '"tab\\there\\n"'),
        ("\x01", '"\\x01"'),
        ("é", '"é"'),
        ("\u200b", '"\\u200b"'),
    ],
)
def test_go_quote(text: str, quoted: str) -> None:
    assert go_quote(text) == quoted
