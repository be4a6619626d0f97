"""Spec validation: each check once valid, once invalid, with Kubernetes' exact field and text.

Messages follow pkg/apis/{core,apps,batch}/validation of Kubernetes 1.32 and apimachinery's
field.Error rendering (Go's %q / %v / %#v of the bad value).
"""

# ruff: noqa: E501 - expected messages are kept whole, as Kubernetes prints them

from __future__ import annotations

import copy
import datetime
from fractions import Fraction
from typing import Any

import pytest

from minikube_py.apiserver.defaults import apply_defaults
from minikube_py.apiserver.errors import invalid
from minikube_py.apiserver.specs import (
    QuantityError,
    base64_error,
    canonical_quantity,
    cron_schedule_error,
    parse_quantity,
    validate_spec,
)

Obj = dict[str, Any]
UID = "0f3a0c1e-5a8f-4c3e-9d59-8f0b2c7a6d10"
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def errors(group: str, kind: str, obj: Obj, old: Obj | None = None) -> list[str]:
    """`field: message` of each cause, after defaulting (as the API server validates)."""
    new = copy.deepcopy(obj)
    apply_defaults(group, kind, new)
    if old is not None:
        old = copy.deepcopy(old)
        apply_defaults(group, kind, old)
    return [
        f"{c.field}: {c.message}" if c.field else c.message
        for c in validate_spec(group, kind, new, old)
    ]


# ---- quantities ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "canonical"),
    [
        ("500m", Fraction(1, 2), "500m"),
        ("0.5", Fraction(1, 2), "500m"),
        (0.5, Fraction(1, 2), "500m"),
        ("1", 1, "1"),
        (2, 2, "2"),
        ("1000m", 1, "1"),
        ("1500m", Fraction(3, 2), "1500m"),
        ("1000", 1000, "1k"),
        ("1Gi", 2**30, "1Gi"),
        ("1024Mi", 2**30, "1Gi"),
        ("1.5Gi", 1536 * 2**20, "1536Mi"),
        ("0.5Ki", 512, "512"),
        ("2e3", 2000, "2e3"),
        ("1.5e3", 1500, "1500"),
        ("128974848", 128974848, "128974848"),
        ("129e6", 129 * 10**6, "129e6"),
        ("1n", Fraction(1, 10**9), "1n"),
        ("0.1n", Fraction(1, 10**9), "1n"),  # rounded up to the smallest amount
        ("0", 0, "0"),
        ("-1", -1, "-1"),
        ("+1", 1, "+1"),  # already canonical input is kept verbatim, as Go does
    ],
)
def test_quantities(text: str | int | float, value: Fraction | int, canonical: str) -> None:
    assert parse_quantity(text) == value
    assert canonical_quantity(text) == canonical


@pytest.mark.parametrize(
    ("text", "rounded"), [("100u", "1m"), ("1n", "1m"), ("1500u", "2m"), ("1", "1")]
)
def test_resource_lists_round_up_to_milli(text: str, rounded: str) -> None:
    assert canonical_quantity(text, round_to_milli=True) == rounded


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "",
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
        (
            "1Gb",
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
        (
            "abc",
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
        ("1kk", "unable to parse quantity's suffix"),
        (
            "1Mx",
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
    ],
)
def test_bad_quantities(text: str, message: str) -> None:
    with pytest.raises(QuantityError) as raised:
        parse_quantity(text)
    assert str(raised.value) == message


def test_a_boolean_is_no_quantity_even_after_the_number_one_was_parsed() -> None:
    assert parse_quantity(1) == 1
    with pytest.raises(QuantityError):
        parse_quantity(True)  # JSON true where a quantity belongs


# ---- pods ----------------------------------------------------------------------------------


def pod(*containers: Obj, **spec: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"containers": list(containers) or [{"name": "c", "image": "nginx"}], **spec},
        "status": {},
    }


def ctr(**fields: Any) -> Obj:
    return {"name": "c", "image": "nginx", **fields}


POD_CASES: list[tuple[str, Obj, list[str]]] = [
    ("valid", pod(), []),
    ("no containers", {**pod(), "spec": {"containers": []}}, ["spec.containers: Required value"]),
    ("container name required", pod(ctr(name="")), ["spec.containers[0].name: Required value"]),
    (
        "container name not a DNS label",
        pod(ctr(name="Web_1")),
        [f'spec.containers[0].name: Invalid value: "Web_1": {LABEL_MSG}'],
    ),
    (
        "duplicate container names",
        pod(ctr(), ctr(image="busybox")),
        ['spec.containers[1].name: Duplicate value: "c"'],
    ),
    (
        "init container named like a container",
        pod(ctr(), initContainers=[ctr(image="busybox")]),
        ['spec.initContainers[0].name: Duplicate value: "c"'],
    ),
    ("image required", pod(ctr(image="")), ["spec.containers[0].image: Required value"]),
    (
        "image whitespace",
        pod(ctr(image=" nginx")),
        [
            'spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace'
        ],
    ),
    (
        "port out of range",
        pod(ctr(ports=[{"containerPort": 70000}])),
        [
            "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"
        ],
    ),
    (
        "port required",
        pod(ctr(ports=[{"name": "http"}])),
        ["spec.containers[0].ports[0].containerPort: Required value"],
    ),
    (
        "bad protocol",
        pod(ctr(ports=[{"containerPort": 80, "protocol": "XYZ"}])),
        [
            'spec.containers[0].ports[0].protocol: Unsupported value: "XYZ": supported values: "SCTP", "TCP", "UDP"'
        ],
    ),
    (
        "bad port name",
        pod(ctr(ports=[{"containerPort": 80, "name": "HTTP"}])),
        [
            'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain only alpha-numeric '
            "characters (a-z, 0-9), and hyphens (-)",
            'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain at least one letter (a-z)',
        ],
    ),
    (
        "duplicate host ports",
        pod(
            ctr(ports=[{"containerPort": 80, "hostPort": 8080}]),
            ctr(name="d", ports=[{"containerPort": 81, "hostPort": 8080}]),
        ),
        ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
    ),
    (
        "restart policy",
        pod(restartPolicy="Sometimes"),
        [
            'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'
        ],
    ),
    (
        "dns policy",
        pod(dnsPolicy="Google"),
        [
            'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", '
            '"ClusterFirst", "Default", "None"'
        ],
    ),
    (
        "pull policy",
        pod(ctr(imagePullPolicy="Sometimes")),
        [
            'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: '
            '"Always", "IfNotPresent", "Never"'
        ],
    ),
    (
        "requests above limits",
        pod(ctr(resources={"requests": {"cpu": "2"}, "limits": {"cpu": "1000m"}})),
        [
            'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'
        ],
    ),
    (
        "requests within limits",
        pod(
            ctr(
                resources={
                    "requests": {"cpu": "500m", "memory": "1Gi"},
                    "limits": {"cpu": "1", "memory": "1Gi"},
                }
            )
        ),
        [],
    ),
    (
        "negative quantity",
        pod(ctr(resources={"requests": {"memory": "-1Gi"}})),
        [
            'spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must be greater than or equal to 0'
        ],
    ),
    (
        "unknown resource",
        pod(ctr(resources={"requests": {"gpu": "1"}})),
        [
            'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource type '
            "or fully qualified",
            'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for '
            "containers",
        ],
    ),
    (
        "extended resource request without limit",
        pod(ctr(resources={"requests": {"example.com/gpu": "1"}})),
        [
            "spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources"
        ],
    ),
    (
        "extended resource request below limit",
        pod(
            ctr(
                resources={"requests": {"example.com/gpu": "1"}, "limits": {"example.com/gpu": "2"}}
            )
        ),
        [
            'spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2'
        ],
    ),
    (
        "unparsable quantity",
        pod(ctr(resources={"requests": {"memory": "1Gb"}})),
        [
            'spec.containers[0].resources.requests[memory]: Invalid value: "1Gb": quantities must match the '
            "regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        ],
    ),
    (
        "mount of a missing volume",
        pod(ctr(volumeMounts=[{"name": "data", "mountPath": "/data"}])),
        ['spec.containers[0].volumeMounts[0].name: Not found: "data"'],
    ),
    (
        "mount of a volume",
        pod(ctr(volumeMounts=[{"name": "data", "mountPath": "/data"}]), volumes=[{"name": "data"}]),
        [],
    ),
    (
        "mount paths unique",
        pod(
            ctr(volumeMounts=[{"name": "a", "mountPath": "/x"}, {"name": "a", "mountPath": "/x"}]),
            volumes=[{"name": "a"}],
        ),
        ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/x": must be unique'],
    ),
    (
        "duplicate volumes",
        pod(volumes=[{"name": "a"}, {"name": "a", "emptyDir": {}}]),
        ['spec.volumes[1].name: Duplicate value: "a"'],
    ),
    (
        "two volume sources",
        pod(volumes=[{"name": "a", "emptyDir": {}, "hostPath": {"path": "/x"}}]),
        ["spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type"],
    ),
    (
        "liveness success threshold",
        pod(ctr(livenessProbe={"exec": {"command": ["true"]}, "successThreshold": 2})),
        ["spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"],
    ),
    (
        "probe without handler",
        pod(ctr(readinessProbe={"periodSeconds": 5})),
        ["spec.containers[0].readinessProbe: Required value: must specify a handler type"],
    ),
    (
        "probe with two handlers",
        pod(ctr(readinessProbe={"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}})),
        [
            "spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"
        ],
    ),
    (
        "negative probe period",
        pod(ctr(readinessProbe={"tcpSocket": {"port": "http"}, "periodSeconds": -1})),
        [
            "spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0"
        ],
    ),
    (
        "probes on init containers",
        pod(initContainers=[ctr(name="init", readinessProbe={"exec": {"command": ["x"]}})]),
        [
            "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without "
            "restartPolicy=Always"
        ],
    ),
    (
        "sidecar probes",
        pod(
            initContainers=[
                ctr(
                    name="side", restartPolicy="Always", readinessProbe={"exec": {"command": ["x"]}}
                )
            ]
        ),
        [],
    ),
    (
        "env var name",
        pod(ctr(env=[{"name": "A=B", "value": "x"}])),
        [
            'spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must '
            "consist only of printable ASCII characters other than '='"
        ],
    ),
    (
        "env var value and valueFrom",
        pod(
            ctr(
                env=[
                    {
                        "name": "A",
                        "value": "x",
                        "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
                    }
                ]
            )
        ),
        [
            'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty'
        ],
    ),
    (
        "active deadline",
        pod(activeDeadlineSeconds=0),
        [
            "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"
        ],
    ),
    (
        "toleration operator",
        pod(tolerations=[{"key": "k", "operator": "Has"}]),
        [
            'spec.tolerations[0].operator: Unsupported value: "Has": supported values: "Equal", "Exists"'
        ],
    ),
    (
        "node selector label",
        pod(nodeSelector={"zone": "a b"}),
        [
            'spec.nodeSelector: Invalid value: "a b": a valid label must be an empty string or consist of '
            "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
            "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        ],
    ),
    (
        "ephemeral containers on create",
        pod(ephemeralContainers=[{"name": "debug", "image": "busybox"}]),
        ["spec.ephemeralContainers: Forbidden: cannot be set on create"],
    ),
]


@pytest.mark.parametrize(("case", "manifest", "expected"), POD_CASES, ids=[c[0] for c in POD_CASES])
def test_pod_spec(case: str, manifest: Obj, expected: list[str]) -> None:
    assert errors("", "Pod", manifest) == expected


def test_a_spec_seen_before_is_reported_at_each_objects_own_paths() -> None:
    bad = ctr(ports=[{"containerPort": 70000}])
    message = "Invalid value: 70000: must be between 1 and 65535, inclusive"
    assert errors("", "Pod", pod(bad)) == [f"spec.containers[0].ports[0].containerPort: {message}"]
    assert errors("", "Pod", pod(bad)) == [f"spec.containers[0].ports[0].containerPort: {message}"]
    template = {"metadata": {"labels": {"app": "a"}}, "spec": pod(bad)["spec"]}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "a"}}, "template": template},
    }
    field = "spec.template.spec.containers[0].ports[0].containerPort"
    assert errors("apps", "Deployment", deployment) == [f"{field}: {message}"]


def test_a_spec_from_yaml_that_json_cannot_hold_is_still_checked() -> None:
    manifest = pod(ctr(image=datetime.date(2024, 1, 1)))  # `image: 2024-01-01` in YAML
    assert errors("", "Pod", manifest) == ["spec.containers[0].image: Required value"]


POD_UPDATE_PREFIX = (
    "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions "
    "to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
    "previously negative)\n"
)


def test_pod_updates() -> None:
    old = pod(ctr(image="nginx:1.26"))
    assert (
        errors("", "Pod", pod(ctr(image="nginx:1.27", imagePullPolicy="IfNotPresent")), old) == []
    )
    added = copy.deepcopy(old)
    added["spec"]["tolerations"] = [{"key": "x", "operator": "Exists"}]
    assert errors("", "Pod", added, old) == []
    [message] = errors("", "Pod", pod(ctr(image="nginx:1.26", workingDir="/srv")), old)
    assert message.startswith(POD_UPDATE_PREFIX)
    assert "WorkingDir" not in message and "Containers" in message
    more = pod(ctr(image="nginx:1.26"), ctr(name="d"))
    assert errors("", "Pod", more, old) == [
        "spec.containers: Forbidden: pod updates may not add or remove containers"
    ]
    removed = copy.deepcopy(added)
    removed["spec"]["tolerations"] = []  # admission re-adds its own, not the user's
    assert errors("", "Pod", removed, added) == [
        "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"
    ]


# ---- workloads -----------------------------------------------------------------------------


def template(labels: Obj | None = None, **spec: Any) -> Obj:
    return {
        "metadata": {"labels": {"app": "web"} if labels is None else labels},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}], **spec},
    }


def workload(kind: str, **spec: Any) -> Obj:
    base = {"selector": {"matchLabels": {"app": "web"}}, "template": template()}
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {**base, **spec},
    }


NO_MATCH = (
    'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: '
    "`selector` does not match template `labels`"
)
WORKLOAD_CASES: list[tuple[str, str, Obj, list[str]]] = [
    *(
        (f"{k} valid", k, workload(k), [])
        for k in ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet")
    ),
    (
        "negative replicas",
        "Deployment",
        workload("Deployment", replicas=-1),
        ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"],
    ),
    (
        "negative replicas",
        "StatefulSet",
        workload("StatefulSet", replicas=-1),
        ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"],
    ),
    (
        "selector required",
        "Deployment",
        workload("Deployment", selector=None),
        ["spec.selector: Required value", NO_MATCH],
    ),
    (
        "selector required",
        "ReplicaSet",
        workload("ReplicaSet", selector=None),
        ["spec.selector: Required value", NO_MATCH],
    ),
    (
        "selector required",
        "StatefulSet",
        workload("StatefulSet", selector=None),
        ["spec.selector: Required value", NO_MATCH],
    ),
    ("selector missing", "DaemonSet", workload("DaemonSet", selector=None), [NO_MATCH]),
    (
        "selector mismatch",
        "Deployment",
        workload("Deployment", selector={"matchLabels": {"app": "db"}}),
        [NO_MATCH],
    ),
    (
        "selector mismatch",
        "DaemonSet",
        workload("DaemonSet", selector={"matchLabels": {"app": "db"}}),
        [NO_MATCH],
    ),
    (
        "selector expressions",
        "Deployment",
        workload(
            "Deployment",
            selector={
                "matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]
            },
        ),
        [],
    ),
    (
        "bad selector operator",
        "Deployment",
        workload("Deployment", selector={"matchExpressions": [{"key": "app", "operator": "Has"}]}),
        [
            'spec.selector.matchExpressions[0].operator: Invalid value: "Has": not a valid selector operator',
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
            'MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", '
            'Operator:"Has", Values:[]string(nil)}}}: invalid label selector',
        ],
    ),
    (
        "empty selector",
        "Deployment",
        workload("Deployment", selector={}),
        [
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
            "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"
        ],
    ),
    (
        "template spec validated",
        "Deployment",
        workload("Deployment", template=template(containers=[{"name": "web"}])),
        ["spec.template.spec.containers[0].image: Required value"],
    ),
    (
        "template spec not validated for statefulsets",
        "StatefulSet",
        workload("StatefulSet", template=template(containers=[{"name": "web"}])),
        [],
    ),
    (
        "template labels path",
        "ReplicaSet",
        workload(
            "ReplicaSet",
            selector={"matchLabels": {"app": "we b"}},
            template=template({"app": "we b"}),
        ),
        [
            'spec.selector.matchLabels: Invalid value: "we b": a valid label must be an empty string or consist '
            "of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
            "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
            'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"we b"}, '
            "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: invalid label selector",
        ],
    ),
    (
        "restart policy",
        "DaemonSet",
        workload("DaemonSet", template=template(restartPolicy="Never")),
        [
            'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'
        ],
    ),
    (
        "restart policy",
        "Deployment",
        workload("Deployment", template=template(restartPolicy="OnFailure")),
        [
            'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'
        ],
    ),
    (
        "strategy type",
        "Deployment",
        workload("Deployment", strategy={"type": "BlueGreen"}),
        [
            'spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", '
            'RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"'
        ],
    ),
    (
        "surge and unavailable both zero",
        "Deployment",
        workload("Deployment", strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}),
        [
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, "
            'StrVal:"0%"}: may not be 0 when `maxSurge` is 0'
        ],
    ),
    (
        "bad percentage",
        "Deployment",
        workload("Deployment", strategy={"rollingUpdate": {"maxSurge": "x%"}}),
        [
            'spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"x%"}: '
            "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', "
            "regex used for validation is '[0-9]+%')"
        ],
    ),
    (
        "unavailable above 100%",
        "Deployment",
        workload(
            "Deployment", strategy={"rollingUpdate": {"maxUnavailable": "150%", "maxSurge": "200%"}}
        ),
        [
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, "
            'StrVal:"150%"}: must not be greater than 100%'
        ],
    ),
    (
        "recreate with rolling update",
        "Deployment",
        workload("Deployment", strategy={"type": "Recreate", "rollingUpdate": {}}),
        [
            "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"
        ],
    ),
    (
        "progress deadline",
        "Deployment",
        workload("Deployment", minReadySeconds=700),
        ["spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"],
    ),
    (
        "daemonset surge and unavailable",
        "DaemonSet",
        workload(
            "DaemonSet", updateStrategy={"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}}
        ),
        [
            "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, "
            'StrVal:""}: may not be set when maxUnavailable is non-zero'
        ],
    ),
    (
        "daemonset strategy",
        "DaemonSet",
        workload("DaemonSet", updateStrategy={"type": "Sometimes"}),
        [
            'spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Sometimes", '
            'RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", "OnDelete"'
        ],
    ),
    (
        "pod management policy",
        "StatefulSet",
        workload("StatefulSet", podManagementPolicy="Random"),
        [
            "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"
        ],
    ),
    (
        "negative partition",
        "StatefulSet",
        workload(
            "StatefulSet",
            updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": -1}},
        ),
        [
            "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0"
        ],
    ),
]


@pytest.mark.parametrize(
    ("case", "kind", "manifest", "expected"),
    WORKLOAD_CASES,
    ids=[f"{c[1]}: {c[0]}" for c in WORKLOAD_CASES],
)
def test_workloads(case: str, kind: str, manifest: Obj, expected: list[str]) -> None:
    manifest = copy.deepcopy(manifest)
    if manifest["spec"].get("selector") is None:
        manifest["spec"].pop("selector")
    assert errors("apps", kind, manifest) == expected


@pytest.mark.parametrize("kind", ["Deployment", "ReplicaSet", "DaemonSet"])
def test_selector_is_immutable(kind: str) -> None:
    old = workload(kind)
    relabelled = workload(
        kind, selector={"matchLabels": {"app": "api"}}, template=template({"app": "api"})
    )
    assert errors("apps", kind, relabelled, old) == [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"api"}, '
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
    ]
    assert errors("apps", kind, workload(kind, template=template(hostname="web")), old) == []


def test_statefulset_updates() -> None:
    old = workload("StatefulSet", serviceName="web")
    assert (
        errors("apps", "StatefulSet", workload("StatefulSet", serviceName="web", replicas=3), old)
        == []
    )
    assert errors("apps", "StatefulSet", workload("StatefulSet", serviceName="db"), old) == [
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
        "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
        "forbidden"
    ]


def test_replication_controller() -> None:
    rc: Obj = {
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"app": "web"}, "template": template()},
    }
    assert errors("", "ReplicationController", rc) == []
    rc["spec"]["selector"] = {"app": "db"}
    assert errors("", "ReplicationController", rc) == [NO_MATCH]


# ---- jobs and cronjobs -----------------------------------------------------------------------


def job(**spec: Any) -> Obj:
    base = {"template": template(restartPolicy="Never")}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi", "namespace": "default", "uid": UID},
        "spec": {**base, **spec},
    }


JOB_CASES: list[tuple[str, Obj, list[str]]] = [
    ("valid", job(), []),
    (
        "restart policy always",
        job(template=template(restartPolicy="Always")),
        ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    ),
    (
        "restart policy unset",
        job(template=template()),
        ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    ),
    (
        "negative parallelism and completions",
        job(parallelism=-1, completions=-2),
        [
            "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
            "spec.completions: Invalid value: -2: must be greater than or equal to 0",
        ],
    ),
    (
        "completion mode",
        job(completionMode="Sometimes"),
        [
            'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"'
        ],
    ),
    (
        "indexed needs completions",
        job(completionMode="Indexed", parallelism=2),
        ["spec.completions: Required value: when completion mode is Indexed"],
    ),
    (
        "manual selector must match",
        job(manualSelector=True, selector={"matchLabels": {"app": "other"}}),
        [NO_MATCH],
    ),
    (
        "generated label tampered",
        job(template=template({"job-name": "other"}, restartPolicy="Never")),
        [
            "spec.template.metadata.labels[job-name]: Invalid value: map[string]string{"
            f'"batch.kubernetes.io/controller-uid":"{UID}", "batch.kubernetes.io/job-name":"pi", '
            f'"controller-uid":"{UID}", "job-name":"other"}}: must be \'pi\'',
        ],
    ),
]


@pytest.mark.parametrize(("case", "manifest", "expected"), JOB_CASES, ids=[c[0] for c in JOB_CASES])
def test_jobs(case: str, manifest: Obj, expected: list[str]) -> None:
    assert errors("batch", "Job", manifest) == expected


def test_job_updates() -> None:
    old = job()
    scaled = copy.deepcopy(old)
    apply_defaults("batch", "Job", scaled)  # clients send back the stored object
    scaled["spec"]["parallelism"] = 4
    assert errors("batch", "Job", scaled, old) == []
    assert errors("batch", "Job", job(completions=3), old) == [
        "spec.completions: Invalid value: 3: field is immutable"
    ]
    changed = job(template=template(restartPolicy="OnFailure"))
    assert errors("batch", "Job", changed, old) == [
        "spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable"
    ]


def cronjob(schedule: str = "*/5 * * * *", **spec: Any) -> Obj:
    job_template = {"spec": {"template": template(restartPolicy="OnFailure")}}
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "hello", "namespace": "default"},
        "spec": {"schedule": schedule, "jobTemplate": job_template, **spec},
    }


CRONJOB_CASES: list[tuple[str, Obj, list[str]]] = [
    ("valid", cronjob(), []),
    ("descriptor", cronjob("@hourly"), []),
    ("names", cronjob("0 9 * jan-mar mon,fri"), []),
    ("schedule required", cronjob(""), ["spec.schedule: Required value"]),
    (
        "fields",
        cronjob("* * *"),
        ['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]'],
    ),
    (
        "range",
        cronjob("0 25 * * *"),
        ['spec.schedule: Invalid value: "0 25 * * *": end of range (25) above maximum (23): 25'],
    ),
    (
        "TZ in schedule",
        cronjob("TZ=UTC 0 * * * *"),
        [
            'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, '
            "use timeZone field instead"
        ],
    ),
    ("time zone", cronjob(timeZone="Europe/Berlin"), []),
    (
        "bad time zone",
        cronjob(timeZone="Mars/Olympus"),
        ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'],
    ),
    (
        "concurrency policy",
        cronjob(concurrencyPolicy="Sometimes"),
        [
            'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'
        ],
    ),
    (
        "job template validated",
        cronjob(jobTemplate={"spec": {"template": template()}}),
        [
            'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'
        ],
    ),
    (
        "job template selector",
        cronjob(
            jobTemplate={
                "spec": {
                    "selector": {"matchLabels": {"a": "b"}},
                    "template": template(restartPolicy="Never"),
                }
            }
        ),
        [
            'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, '
            "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated"
        ],
    ),
]


@pytest.mark.parametrize(
    ("case", "manifest", "expected"), CRONJOB_CASES, ids=[c[0] for c in CRONJOB_CASES]
)
def test_cronjobs(case: str, manifest: Obj, expected: list[str]) -> None:
    assert errors("batch", "CronJob", manifest) == expected


@pytest.mark.parametrize(
    ("schedule", "error"),
    [
        ("0 0 1 1 *", None),
        ("*/15 9-17 * * 1-5", None),
        ("@every 1h30m", None),
        ("@weekly", None),
        ("@fortnightly", "unrecognized descriptor: @fortnightly"),
        ("@every soon", 'failed to parse duration @every soon: time: invalid duration "soon"'),
        ("60 * * * *", "end of range (60) above maximum (59): 60"),
        ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
        ("* * * * 7", "end of range (7) above maximum (6): 7"),
        ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
        ("*/0 * * * *", "step of range should be a positive number: */0"),
        ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
        ("*/2/3 * * * *", "too many slashes: */2/3"),
        ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
        ("* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]"),
    ],
)
def test_cron_schedules(schedule: str, error: str | None) -> None:
    assert cron_schedule_error(schedule) == error


# ---- services --------------------------------------------------------------------------------


def service(**spec: Any) -> Obj:
    base = {"selector": {"app": "web"}, "ports": [{"port": 80}]}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {**base, **spec},
        "status": {},
    }


SERVICE_CASES: list[tuple[str, Obj, list[str]]] = [
    ("valid", service(), []),
    ("headless without ports", service(clusterIP="None", ports=[]), []),
    (
        "external name",
        service(type="ExternalName", externalName="db.example.com.", ports=[], selector=None),
        [],
    ),
    ("ports required", service(ports=[]), ["spec.ports: Required value"]),
    (
        "port range",  # the defaulted targetPort copies the bad port
        service(ports=[{"port": 0}]),
        [
            "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
        ],
    ),
    (
        "target port name",
        service(ports=[{"port": 80, "targetPort": "web_http"}]),
        [
            'spec.ports[0].targetPort: Invalid value: "web_http": must contain only alpha-numeric characters '
            "(a-z, 0-9), and hyphens (-)"
        ],
    ),
    (
        "port names required",
        service(ports=[{"port": 80}, {"port": 443, "name": "https"}]),
        ["spec.ports[0].name: Required value"],
    ),
    (
        "duplicate port names",
        service(ports=[{"port": 80, "name": "web"}, {"port": 443, "name": "web"}]),
        ['spec.ports[1].name: Duplicate value: "web"'],
    ),
    (
        "duplicate ports",
        service(ports=[{"port": 80, "name": "a"}, {"port": 80, "name": "b"}]),
        [
            'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), '
            'Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'
        ],
    ),
    (
        "type",
        service(type="Internal"),
        [
            'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'
        ],
    ),
    ("node port in range", service(type="NodePort", ports=[{"port": 80, "nodePort": 30080}]), []),
    (
        "node port range",
        service(type="NodePort", ports=[{"port": 80, "nodePort": 8080}]),
        [
            "spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of "
            "valid ports is 30000-32767"
        ],
    ),
    (
        "node port on cluster IP",
        service(ports=[{"port": 80, "nodePort": 30080}]),
        ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    ),
    (
        "selector labels",
        service(selector={"app": "we b"}),
        [
            'spec.selector: Invalid value: "we b": a valid label must be an empty string or consist of '
            "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
            "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        ],
    ),
    (
        "external name required",
        service(type="ExternalName", ports=[]),
        ["spec.externalName: Required value"],
    ),
    (
        "cluster IP",
        service(clusterIP="10.96.0.300"),
        [
            'spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'
        ],
    ),
    (
        "headless node port",
        service(type="NodePort", clusterIP="None"),
        [
            "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"
        ],
    ),
]


@pytest.mark.parametrize(
    ("case", "manifest", "expected"), SERVICE_CASES, ids=[c[0] for c in SERVICE_CASES]
)
def test_services(case: str, manifest: Obj, expected: list[str]) -> None:
    manifest = copy.deepcopy(manifest)
    if manifest["spec"].get("selector") is None:
        manifest["spec"].pop("selector")
    assert errors("", "Service", manifest) == expected


def test_cluster_ip_cannot_change() -> None:
    old = service(clusterIP="10.96.0.10")
    assert errors("", "Service", service(clusterIP="10.96.0.10", ports=[{"port": 81}]), old) == []
    assert errors("", "Service", service(clusterIP="10.96.0.11"), old) == [
        'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set'
    ]


# ---- configmaps and secrets -----------------------------------------------------------------

CONFIG_KEY_MSG = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
    "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)


def config_map(**fields: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg", "namespace": "default"},
        **fields,
    }


def secret(**fields: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "default"},
        **fields,
    }


DATA_CASES: list[tuple[str, str, Obj, Obj | None, list[str]]] = [
    ("valid", "ConfigMap", config_map(data={"app.conf": "x", "KEY_1": "y"}), None, []),
    (
        "bad key",
        "ConfigMap",
        config_map(data={"a b": "x"}),
        None,
        [f'data[a b]: Invalid value: "a b": {CONFIG_KEY_MSG}'],
    ),
    (
        "dot key",
        "ConfigMap",
        config_map(data={"..": "x"}),
        None,
        ["data[..]: Invalid value: \"..\": must not be '..'"],
    ),
    (
        "key in both",
        "ConfigMap",
        config_map(data={"a": "x"}, binaryData={"a": "eA=="}),
        None,
        ['data[a]: Invalid value: "a": duplicate of key present in binaryData'],
    ),
    (
        "too big",
        "ConfigMap",
        config_map(data={"a": "x" * (1024 * 1024 + 1)}),
        None,
        ["Too long: may not be more than 1048576 bytes"],
    ),
    (
        "immutable",
        "ConfigMap",
        config_map(data={"a": "y"}, immutable=True),
        config_map(data={"a": "x"}, immutable=True),
        ["data: Forbidden: field is immutable when `immutable` is set"],
    ),
    ("valid", "Secret", secret(data={"token": "c2VjcmV0"}), None, []),
    ("string data", "Secret", secret(stringData={"password": "hunter2"}), None, []),
    (
        "bad base64",
        "Secret",
        secret(data={"token": "c2VjcmV0!"}),
        None,
        [
            'data[token]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 8'
        ],
    ),
    (
        "bad key",
        "Secret",
        secret(data={"a/b": "eA=="}),
        None,
        [f'data[a/b]: Invalid value: "a/b": {CONFIG_KEY_MSG}'],
    ),
    (
        "tls keys",
        "Secret",
        secret(type="kubernetes.io/tls", data={"tls.crt": "eA=="}),
        None,
        ["data[tls.key]: Required value"],
    ),
    (
        "type immutable",
        "Secret",
        secret(type="kubernetes.io/basic-auth", data={"username": "eA=="}),
        secret(data={"username": "eA=="}),
        ['type: Invalid value: "kubernetes.io/basic-auth": field is immutable'],
    ),
]


@pytest.mark.parametrize(
    ("case", "kind", "manifest", "old", "expected"),
    DATA_CASES,
    ids=[f"{c[1]}: {c[0]}" for c in DATA_CASES],
)
def test_config_maps_and_secrets(
    case: str, kind: str, manifest: Obj, old: Obj | None, expected: list[str]
) -> None:
    assert errors("", kind, manifest, old) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("aGVsbG8=", None),
        ("aGVs\nbG8=", None),
        ("", None),
        ("aGVsbG8", "illegal base64 data at input byte 4"),
        ("abc", "illegal base64 data at input byte 0"),
        ("ab=", "illegal base64 data at input byte 3"),
        ("ab=x", "illegal base64 data at input byte 2"),
        ("ab==x", "illegal base64 data at input byte 4"),
        ("a=", "illegal base64 data at input byte 1"),
        ("ab!d", "illegal base64 data at input byte 2"),
    ],
)
def test_base64_errors(text: str, error: str | None) -> None:
    assert base64_error(text) == error


# ---- the whole 422 ---------------------------------------------------------------------------


def test_causes_make_the_real_invalid_status() -> None:
    manifest = workload("Deployment", replicas=-1, template=template(containers=[{"name": "web"}]))
    apply_defaults("apps", "Deployment", manifest)
    causes = validate_spec("apps", "Deployment", manifest, None)
    status = invalid("Deployment", "apps", "web", causes).status()
    assert status["message"] == (
        'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal '
        "to 0, spec.template.spec.containers[0].image: Required value]"
    )
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": "Invalid value: -1: must be greater than or equal to 0",
            "field": "spec.replicas",
        },
        {
            "reason": "FieldValueRequired",
            "message": "Required value",
            "field": "spec.template.spec.containers[0].image",
        },
    ]


@pytest.mark.parametrize(
    ("group", "kind"), [("", "Namespace"), ("", "ServiceAccount"), ("coordination.k8s.io", "Lease")]
)
def test_kinds_without_spec_checks(group: str, kind: str) -> None:
    assert (
        validate_spec(group, kind, {"metadata": {"name": "x"}, "spec": {"anything": True}}, None)
        == []
    )
