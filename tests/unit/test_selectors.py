"""Label and field selectors: grammar, matching and the API server's exact error texts."""

from __future__ import annotations

from typing import Any

import pytest

from minikube_py.apiserver.errors import ApiError
from minikube_py.apiserver.selectors import (
    DEFAULT_FIELDS,
    FIELD_LABEL_NOT_SUPPORTED,
    POD_FIELD_ALIASES,
    FieldSelector,
    LabelSelector,
    field_value,
    selected_names,
    selected_namespace,
)

SUBDOMAIN_HELP = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
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

# --- label selectors: matching -----------------------------------------------------------------

WEB = {"app": "web", "tier": "frontend", "replicas": "3"}


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("", WEB, True),
        ("", None, True),
        ("app=web", WEB, True),
        ("app==web", WEB, True),
        ("app=db", WEB, False),
        ("app=web", {}, False),
        ("app!=db", WEB, True),
        ("app!=web", WEB, False),
        ("app!=web", {}, True),  # != matches objects without the label
        ("app in (web,db)", WEB, True),
        ("app in (db)", WEB, False),
        ("app in (web)", None, False),
        ("app notin (db)", WEB, True),
        ("app notin (web,db)", WEB, False),
        ("app notin (web)", {}, True),  # notin matches objects without the label
        ("app", WEB, True),
        ("app", {"other": "x"}, False),
        ("!app", WEB, False),
        ("!app", None, True),
        ("app=web,tier=frontend", WEB, True),
        ("app=web,tier=backend", WEB, False),
        ("  app = web ,\t!missing ", WEB, True),
        ("app=", {"app": ""}, True),
        ("app=", WEB, False),
        ("app in ()", {"app": ""}, True),
        ("app in (,web)", {"app": ""}, True),
        ("replicas>2", WEB, True),
        ("replicas<3", WEB, False),
        ("replicas>2", {"replicas": "many"}, False),
        ("replicas>2", {}, False),
        ("in in (in)", {"in": "in"}, True),  # keywords are identifiers where a value fits
    ],
)
def test_label_selector_matches(
    selector: str, labels: dict[str, str] | None, expected: bool
) -> None:
    assert LabelSelector.parse(selector).matches(labels) is expected


@pytest.mark.parametrize(
    ("selector", "canonical"),
    [
        ("b=2,a=1", "a=1,b=2"),
        ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
        ("a==b,!c,d!=e", "a==b,!c,d!=e"),
        ("n>5,m<1", "m<1,n>5"),
    ],
)
def test_label_selector_string_form(selector: str, canonical: str) -> None:
    assert str(LabelSelector.parse(selector)) == canonical


# --- label selectors: errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("=a", "found '=', expected: !, identifier, or 'end of string'"),
        (",a", "found ',', expected: !, identifier, or 'end of string'"),
        ("a,", "found '', expected: identifier after ','"),
        ("a=b c", "found 'c', expected: ',' or 'end of string'"),
        ("a in b", "unable to parse requirement: found 'b' expected: '('"),
        ("a in (", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
        ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"),
        ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("a in (b,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
        ("a=(b)", "unable to parse requirement: found '(', expected: identifier"),
        ("!=a", "found '!=', expected: !, identifier, or 'end of string'"),
        ("!(a)", "unable to parse requirement: found '(', expected: identifier"),
        (
            "a!b",
            "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt",
        ),
        (
            "Foo_Bar/x=y",
            'unable to parse requirement: <nil>: Invalid value: "Foo_Bar/x": prefix part '
            + SUBDOMAIN_HELP,
        ),
        (
            "a=b$",
            'unable to parse requirement: values[0][a]: Invalid value: "b$": ' + LABEL_VALUE_HELP,
        ),
        (
            "a>x",
            'unable to parse requirement: values[0]: Invalid value: "x": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
    ],
)
def test_label_selector_parse_errors(selector: str, message: str) -> None:
    with pytest.raises(ApiError) as caught:
        LabelSelector.parse(selector)
    assert (caught.value.code, caught.value.reason) == (400, "BadRequest")
    assert caught.value.message == message


# --- metav1.LabelSelector ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        (None, {"app": "web"}, False),  # a nil selector selects nothing
        ({}, {"app": "web"}, True),  # an empty one selects everything
        ({"matchLabels": {"app": "web"}}, {"app": "web", "x": "y"}, True),
        ({"matchLabels": {"app": "web"}}, {"app": "db"}, False),
        (
            {"matchExpressions": [{"key": "app", "operator": "In", "values": ["a", "web"]}]},
            {"app": "web"},
            True,
        ),
        ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}, {}, True),
        ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, {"app": ""}, True),
        ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, {"app": ""}, False),
    ],
)
def test_from_label_selector_matches(
    selector: dict[str, Any] | None, labels: dict[str, str], expected: bool
) -> None:
    assert LabelSelector.from_label_selector(selector).matches(labels) is expected


def test_from_label_selector_string_form_is_sorted() -> None:
    selector = {
        "matchLabels": {"tier": "web"},
        "matchExpressions": [{"key": "app", "operator": "In", "values": ["b", "a"]}],
    }
    assert str(LabelSelector.from_label_selector(selector)) == "app in (a,b),tier=web"


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            {"matchExpressions": [{"key": "a", "operator": "In"}]},
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set "
            "can't be empty",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
            'values: Invalid value: []string{"x"}: values set must be empty for exists and does '
            "not exist",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]},
            '"Gt" is not a valid label selector operator',
        ),
        (
            {"matchLabels": {"bad key": "v$"}},
            f'[key: Invalid value: "bad key": {NAME_PART_HELP}, '
            f'values[0][bad key]: Invalid value: "v$": {LABEL_VALUE_HELP}]',
        ),
    ],
)
def test_from_label_selector_errors(selector: dict[str, Any], message: str) -> None:
    with pytest.raises(ApiError) as caught:
        LabelSelector.from_label_selector(selector)
    assert caught.value.message == message


# --- field selectors -----------------------------------------------------------------------------

POD_FIELDS = DEFAULT_FIELDS | {"spec.nodeName", "spec.hostNetwork", "status.phase", "status.podIP"}
POD_FIELDS |= {"status.podIPs", "spec.restartPolicy"}
POD: dict[str, Any] = {
    "kind": "Pod",
    "metadata": {"name": "web-1", "namespace": "default"},
    "spec": {"nodeName": "node-a", "restartPolicy": "Always"},
    "status": {"phase": "Running", "podIP": "10.0.0.5", "podIPs": [{"ip": "10.0.0.5"}]},
}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("", True),
        ("metadata.name=web-1", True),
        ("metadata.name==web-1", True),
        ("metadata.name!=web-1", False),
        ("metadata.name=web-1,status.phase=Running", True),
        ("metadata.name=web-1,status.phase!=Running", False),
        ("spec.nodeName=node-a", True),
        ("spec.host=node-a", True),  # the legacy alias
        ("spec.nodeName=", False),
        ("spec.hostNetwork=false", True),  # omitted bool reads "false", as Go renders it
        ("status.podIP=10.0.0.5", True),
        ("status.podIPs=10.0.0.5", False),  # accepted, but never in the pod's field set
        ("status.podIPs=", True),
        ("metadata.namespace=default", True),
        ("metadata.namespace!=kube-system", True),
        (",,", True),
    ],
)
def test_field_selector_matches_pod(selector: str, expected: bool) -> None:
    parsed = FieldSelector.parse(selector, POD_FIELDS, aliases=POD_FIELD_ALIASES)
    assert parsed.matches(POD) is expected


@pytest.mark.parametrize(
    ("obj", "path", "expected"),
    [
        ({"spec": {"unschedulable": True}, "kind": "Node"}, "spec.unschedulable", "true"),
        ({"spec": {}, "kind": "Node"}, "spec.unschedulable", "false"),
        ({"kind": "ReplicaSet", "status": {"replicas": 3}}, "status.replicas", "3"),
        ({"kind": "ReplicaSet"}, "status.replicas", "0"),
        ({"kind": "Job", "status": {"succeeded": 2}}, "status.successful", "2"),
        ({"kind": "Job"}, "status.successful", "0"),
        ({"kind": "Event", "source": {"component": "kubelet"}}, "source", "kubelet"),
        ({"kind": "Event", "reportingComponent": "ctrl"}, "source", "ctrl"),
        ({"kind": "Event", "reportingComponent": "ctrl"}, "reportingComponent", "ctrl"),
        ({"kind": "Namespace", "metadata": {"name": "x"}}, "metadata.namespace", ""),
        ({"spec": {"flag": True, "count": 7, "ratio": 2.0}}, "spec.flag", "true"),
        ({"spec": {"flag": False}}, "spec.flag", "false"),
        ({"spec": {"count": 7}}, "spec.count", "7"),
        ({"spec": {"ratio": 2.0}}, "spec.ratio", "2"),
        ({"spec": {"nested": {"a": 1}}}, "spec.nested", ""),
        ({"spec": None}, "spec.missing", ""),
        ({"kind": "Pod", "status": {"podIP": "10.1.1.1"}}, "status.podIP", "10.1.1.1"),
    ],
)
def test_field_value_rendering(obj: dict[str, Any], path: str, expected: str) -> None:
    assert field_value(obj, path) == expected


@pytest.mark.parametrize(
    ("selector", "value"),
    [
        ("metadata.name=a\\,b", "a,b"),
        ("metadata.name=a\\=b", "a=b"),
        ("metadata.name=a\\\\b", "a\\b"),
        ("metadata.name=a!b", "a!b"),
    ],
)
def test_field_selector_unescapes_values(selector: str, value: str) -> None:
    parsed = FieldSelector.parse(selector)
    assert parsed.matches({"metadata": {"name": value}})
    assert str(parsed) == selector


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            "spec.nodeName=x",
            '"spec.nodeName" is not a known field selector: only "metadata.name", '
            '"metadata.namespace"',
        ),
        (
            " metadata.name=x",  # no whitespace is trimmed
            '" metadata.name" is not a known field selector: only "metadata.name", '
            '"metadata.namespace"',
        ),
        ("foo", "invalid selector: 'foo'; can't understand 'foo'"),
        ("metadata.name=a,bar", "invalid selector: 'metadata.name=a,bar'; can't understand 'bar'"),
        ("metadata.name=a=b", "invalid field selector: unescaped character in value: 61"),
        ("metadata.name=a\\b", "invalid field selector: invalid escape sequence: \\b"),
        ("metadata.name=a\\", "invalid field selector: invalid escape sequence: \\"),
        # the whole selector parses before any field is checked
        ("a.b=1,zzz", "invalid selector: 'a.b=1,zzz'; can't understand 'zzz'"),
    ],
)
def test_field_selector_errors(selector: str, message: str) -> None:
    with pytest.raises(ApiError) as caught:
        FieldSelector.parse(selector)
    assert (caught.value.code, caught.value.reason) == (400, "BadRequest")
    assert caught.value.message == message


def test_field_selector_kind_specific_unknown_field_message() -> None:
    with pytest.raises(ApiError) as caught:
        FieldSelector.parse(
            "status.phase=x,spec.bogus=1", POD_FIELDS, unsupported=FIELD_LABEL_NOT_SUPPORTED
        )
    assert caught.value.message == "field label not supported: spec.bogus"


@pytest.mark.parametrize(
    ("selector", "name", "namespace"),
    [
        ("metadata.name=web", "web", None),
        ("metadata.name==web,metadata.namespace=prod", "web", "prod"),
        ("metadata.name!=web", None, None),
        ("metadata.namespace=prod", None, "prod"),
        ("", None, None),
    ],
)
def test_selected_name_and_namespace(
    selector: str, name: str | None, namespace: str | None
) -> None:
    parsed = FieldSelector.parse(selector)
    assert selected_names(parsed) == name
    assert selected_namespace(parsed) == namespace
