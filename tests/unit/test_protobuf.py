"""Protobuf request bodies decode to the dict the same object's JSON would have given."""

from __future__ import annotations

import base64
import struct
from typing import Any

import pytest

from minikube_py.apiserver import protobuf, request
from minikube_py.apiserver.errors import ApiError
from minikube_py.apiserver.proto_messages import ANY_VERSION_KINDS, KINDS

# ---- a tiny encoder for the tests -------------------------------------------------------------


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative numbers: ten bytes of two's complement, as Go writes them
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key(number: int, wire: int) -> bytes:
    return varint(number << 3 | wire)


def num(number: int, value: int) -> bytes:
    """A varint field (int32, int64, bool, enum-like ints)."""
    return key(number, 0) + varint(value)


def ld(number: int, *parts: bytes | str) -> bytes:
    """A length-delimited field: a string, bytes, or a message made of the given fields."""
    data = b"".join(p.encode() if isinstance(p, str) else p for p in parts)
    return key(number, 2) + varint(len(data)) + data


def entry(number: int, name: str, value: bytes | str) -> bytes:
    """One map entry (key = 1, value = 2)."""
    return ld(number, ld(1, name), ld(2, value))


def envelope(api_version: str, kind: str, *fields: bytes) -> bytes:
    raw = b"".join(fields)
    return protobuf.MAGIC + ld(1, ld(1, api_version), ld(2, kind)) + ld(2, raw)


def meta(name: str, *more: bytes) -> bytes:
    """ObjectMeta as Go writes it: every non-pointer field, zero or not."""
    zeros = ld(2, "") + ld(3, "") + ld(4, "") + ld(5, "") + ld(6, "") + num(7, 0) + ld(8)
    return ld(1, ld(1, name), zeros, *more)


def decode(body: bytes) -> dict[str, Any]:
    return protobuf.decode_object(body)


def failure(body: bytes) -> ApiError:
    with pytest.raises(ApiError) as caught:
        protobuf.decode_object(body)
    return caught.value


# ---- bodies kubectl 1.33.1 sent (from `kubectl -v=9`) ------------------------------------------

KUBECTL_DEPLOYMENT = bytes.fromhex(
    "6b387300 0a150a0761707073 2f763112 0a4465706c6f796d656e74 12b8010a25"
    "0a066e67696e783212001a0022002a00 3200380042005a0d0a036170701206 6e"
    "67696e7832128001 0800120f0a0d0a03 6170701206 6e67696e78321a630a1f0a"
    "00120 01a0022002a00 3200380042005a 0d0a036170701206 6e67696e78321240"
    "12220a056e67696e 7812056e67696e78 2a0042006a007200 8001008801009001"
    "00a201001a003200 42004a0052005800 6000680082010 08a01009a0100c20100"
    "22020a0028003800 1a0c080010001800 2000280038001a00 2200".replace(" ", "")
)
KUBECTL_SERVICE = bytes.fromhex(
    "6b3873000a0d0a027631120753657276696365126c0a1f0a0377656212001a0022002a00320038004200"
    "5a0a0a03617070120377656212450a1e0a0738302d6874747012035443501850220a080110001a046874"
    "74702800120a0a0361707012037765621a002209436c757374657249503a00420052005a00600068001a"
    "020a001a002200"
)
KUBECTL_SECRET = bytes.fromhex(
    "6b3873000a0c0a0276311206536563726574121f0a130a0373656312001a0022002a0032003800420012"
    "060a016b1201761a001a002200"
)


def test_kubectl_create_deployment_decodes_as_its_json_form() -> None:
    # `kubectl create deployment nginx2 --image nginx --replicas 0`: what 1.30 sends as JSON
    assert decode(KUBECTL_DEPLOYMENT) == {
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "metadata": {"name": "nginx2", "creationTimestamp": None, "labels": {"app": "nginx2"}},
        "spec": {
            "replicas": 0,  # a pointer: zero is set, and kept
            "selector": {"matchLabels": {"app": "nginx2"}},
            "template": {
                "metadata": {"creationTimestamp": None, "labels": {"app": "nginx2"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": {}}]},
            },
            "strategy": {},
        },
        "status": {},
    }


def test_kubectl_create_service_decodes_a_named_target_port() -> None:
    assert decode(KUBECTL_SERVICE) == {
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": {"name": "web", "creationTimestamp": None, "labels": {"app": "web"}},
        "spec": {
            "ports": [{"name": "80-http", "protocol": "TCP", "port": 80, "targetPort": "http"}],
            "selector": {"app": "web"},
            "type": "ClusterIP",
        },
        "status": {"loadBalancer": {}},
    }


def test_kubectl_create_secret_carries_base64_data_and_no_empty_type() -> None:
    assert decode(KUBECTL_SECRET) == {
        "kind": "Secret",
        "apiVersion": "v1",
        "metadata": {"name": "sec", "creationTimestamp": None},
        "data": {"k": "dg=="},
    }


def test_read_body_decoding_accepts_protobuf() -> None:
    assert request.PROTOBUF in request.BODY_TYPES
    assert request.decode(KUBECTL_SECRET, request.PROTOBUF)["data"] == {"k": "dg=="}


# ---- message families -------------------------------------------------------------------------


def test_configmap_maps_keep_empty_values_and_binary_data_is_base64() -> None:
    body = envelope(
        "v1",
        "ConfigMap",
        meta("cm"),
        entry(2, "a", "b"),
        entry(2, "empty", ""),
        entry(3, "bin", b"\x00\xff"),
        num(4, 0),  # immutable: a *bool set to false stays
    )
    assert decode(body) == {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"name": "cm", "creationTimestamp": None},
        "data": {"a": "b", "empty": ""},
        "binaryData": {"bin": base64.b64encode(b"\x00\xff").decode()},
        "immutable": False,
    }


def test_secret_data_bytes_become_base64_and_string_data_stays_text() -> None:
    body = envelope(
        "v1",
        "Secret",
        meta("s"),
        entry(2, "tls.key", b"\x01\x02secret"),
        ld(3, "kubernetes.io/tls"),
        entry(4, "plain", "text"),
    )
    obj = decode(body)
    assert obj["data"] == {"tls.key": base64.b64encode(b"\x01\x02secret").decode()}
    assert obj["type"] == "kubernetes.io/tls"
    assert obj["stringData"] == {"plain": "text"}


def test_object_meta_full() -> None:
    owner = ld(13, ld(5, "apps/v1"), ld(1, "ReplicaSet"), ld(3, "rs"), ld(4, "u1"), num(6, 1))
    body = envelope(
        "v1",
        "Namespace",
        ld(
            1,
            ld(1, "n"),
            ld(2, "gen-"),
            num(7, 3),
            ld(8, num(1, 1767225600)),  # 2026-01-01T00:00:00Z
            ld(9, num(1, 1767225601), num(2, 500)),
            num(10, 0),  # deletionGracePeriodSeconds: a pointer, zero kept
            entry(11, "l", "v"),
            entry(12, "a", ""),
            owner,
            ld(14, "f1"),
            ld(14, "f2"),
            ld(17, ld(1, "kubectl"), ld(2, "Update"), ld(7, ld(1, b'{"f:data":{}}'))),
        ),
        ld(2, ld(1, "kubernetes")),
        ld(3, ld(1, "Active")),
    )
    assert decode(body) == {
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {
            "name": "n",
            "generateName": "gen-",
            "generation": 3,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "deletionTimestamp": "2026-01-01T00:00:01Z",
            "deletionGracePeriodSeconds": 0,
            "labels": {"l": "v"},
            "annotations": {"a": ""},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "rs",
                    "uid": "u1",
                    "controller": True,
                }
            ],
            "finalizers": ["f1", "f2"],
            "managedFields": [
                {"manager": "kubectl", "operation": "Update", "fieldsV1": {"f:data": {}}}
            ],
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def test_service_ports_keep_zero_port_and_both_target_port_forms() -> None:
    int_port = ld(1, ld(1, "a"), ld(2, "TCP"), num(3, 0), ld(4, num(1, 0), num(2, 8080)), num(5, 0))
    str_port = ld(1, ld(1, "b"), ld(2, "UDP"), num(3, 53), ld(4, num(1, 1), ld(3, "dns")))
    spec = ld(2, int_port, str_port, ld(3, ""), ld(4, "NodePort"), entry(2, "app", "x"))
    obj = decode(envelope("v1", "Service", meta("svc"), spec))
    assert obj["spec"] == {
        "ports": [
            {"name": "a", "protocol": "TCP", "port": 0, "targetPort": 8080},  # port: no omitempty
            {"name": "b", "protocol": "UDP", "port": 53, "targetPort": "dns"},
        ],
        "selector": {"app": "x"},
        "type": "NodePort",  # clusterIP "" left out: omitempty
    }


def test_deployment_strategy_and_pod_spec() -> None:
    rolling = ld(2, ld(1, num(1, 0), num(2, 0)), ld(2, num(1, 1), ld(3, "25%")))
    container = ld(
        2,
        ld(1, "app"),
        ld(2, "nginx:1"),
        ld(3, "sleep"),
        ld(4, "1"),
        ld(6, ld(1, "http"), num(3, 80), ld(4, "TCP")),
        ld(7, ld(1, "A"), ld(2, "1")),
        ld(7, ld(1, "B"), ld(3, ld(3, ld(1, ld(1, "cm")), ld(2, "k")))),
        ld(8, entry(1, "cpu", ld(1, "100m")), entry(2, "memory", ld(1, "64Mi"))),
        ld(9, ld(1, "data"), num(2, 1), ld(3, "/data")),
        ld(10, ld(1, ld(2, ld(1, "/healthz"), ld(2, num(1, 0), num(2, 8080)))), num(2, 5)),
        ld(14, "IfNotPresent"),
        ld(15, num(5, 0), num(4, 1000)),
    )
    volume = ld(1, ld(1, "data"), ld(2, ld(2, ld(1, "Memory"))))
    pod_spec = ld(
        2,
        volume,
        container,
        ld(3, "Always"),
        num(4, 30),
        ld(14, num(3, 1)),
        ld(22, ld(1, "node-role"), ld(2, "Exists"), ld(4, "NoSchedule")),
    )
    spec = ld(
        2,
        num(1, 3),
        ld(2, entry(1, "app", "a")),
        ld(3, ld(1, ld(1, ""), entry(11, "app", "a")), pod_spec),
        ld(4, ld(1, "RollingUpdate"), rolling),
        num(5, 0),
        num(6, 10),
        num(7, 0),
    )
    obj = decode(envelope("apps/v1", "Deployment", meta("d"), spec))
    assert obj["spec"] == {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "a"}},
        "template": {
            "metadata": {"labels": {"app": "a"}},
            "spec": {
                "volumes": [{"name": "data", "emptyDir": {"medium": "Memory"}}],
                "containers": [
                    {
                        "name": "app",
                        "image": "nginx:1",
                        "command": ["sleep"],
                        "args": ["1"],
                        "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}],
                        "env": [
                            {"name": "A", "value": "1"},
                            {
                                "name": "B",
                                "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}},
                            },
                        ],
                        "resources": {"limits": {"cpu": "100m"}, "requests": {"memory": "64Mi"}},
                        "volumeMounts": [{"name": "data", "readOnly": True, "mountPath": "/data"}],
                        "livenessProbe": {
                            "httpGet": {"path": "/healthz", "port": 8080},
                            "initialDelaySeconds": 5,
                        },
                        "imagePullPolicy": "IfNotPresent",
                        "securityContext": {"runAsNonRoot": False, "runAsUser": 1000},
                    }
                ],
                "restartPolicy": "Always",
                "terminationGracePeriodSeconds": 30,
                "securityContext": {"runAsNonRoot": True},
                "tolerations": [{"key": "node-role", "operator": "Exists", "effect": "NoSchedule"}],
            },
        },
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"},
        },
        "revisionHistoryLimit": 10,
    }


def test_job_and_cron_job() -> None:
    template = ld(6, ld(1, ld(1, "")), ld(2, ld(2, ld(1, "c"), ld(2, "busybox")), ld(3, "Never")))
    job_spec = ld(2, num(2, 1), num(7, 0), num(10, 0), template)  # the .spec field
    cron = envelope(
        "batch/v1",
        "CronJob",
        meta("cj"),
        ld(2, ld(1, "*/1 * * * *"), num(4, 0), ld(5, ld(1, ld(1, "cj")), job_spec)),
    )
    obj = decode(cron)
    assert obj["spec"] == {
        "schedule": "*/1 * * * *",
        "suspend": False,
        "jobTemplate": {
            "metadata": {"name": "cj"},
            "spec": {
                "completions": 1,
                "backoffLimit": 0,
                "suspend": False,
                "template": {
                    "metadata": {},
                    "spec": {
                        "containers": [{"name": "c", "image": "busybox"}],
                        "restartPolicy": "Never",
                    },
                },
            },
        },
    }
    job = decode(envelope("batch/v1", "Job", meta("j"), job_spec))
    assert job["spec"]["backoffLimit"] == 0


def test_rbac_kinds() -> None:
    rule = ld(2, ld(1, "get"), ld(1, "list"), ld(2, ""), ld(3, "pods"))
    assert decode(envelope("rbac.authorization.k8s.io/v1", "Role", meta("r"), rule))["rules"] == [
        {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}
    ]
    binding = envelope(
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        meta("rb"),
        ld(2, ld(1, "User"), ld(2, "rbac.authorization.k8s.io"), ld(3, "bob"), ld(4, "")),
        ld(3, ld(1, "rbac.authorization.k8s.io"), ld(2, "Role"), ld(3, "r")),
    )
    obj = decode(binding)
    assert obj["subjects"] == [
        {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob"}
    ]
    assert obj["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"}
    # an aggregated ClusterRole has no rules: Go's JSON writes `"rules": null` (no omitempty)
    aggregated = envelope(
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        meta("agg"),
        ld(3, ld(1, entry(1, "a", "b"))),
    )
    obj = decode(aggregated)
    assert obj["aggregationRule"] == {"clusterRoleSelectors": [{"matchLabels": {"a": "b"}}]}
    assert obj["rules"] is None
    # a RoleRef whose apiGroup is empty keeps it: no omitempty
    empty_ref = envelope(
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        meta("crb"),
        ld(3, ld(1, ""), ld(2, "ClusterRole"), ld(3, "x")),
    )
    assert decode(empty_ref)["roleRef"] == {"apiGroup": "", "kind": "ClusterRole", "name": "x"}


def test_horizontal_pod_autoscalers_v2_and_v1() -> None:
    target = ld(1, ld(1, "Deployment"), ld(2, "web"), ld(3, "apps/v1"))  # v1 and v2 alike
    cpu = ld(4, ld(1, "cpu"), ld(2, ld(1, "Utilization"), num(4, 50)))
    memory = ld(4, ld(1, "memory"), ld(2, ld(1, "AverageValue"), ld(3, ld(1, "1Gi"))))
    metric = ld(4, ld(1, "Resource"), cpu)
    value_metric = ld(4, ld(1, "Resource"), memory)
    v2 = envelope(
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        meta("web"),
        ld(2, target, num(2, 1), num(3, 3), metric, value_metric),
        ld(3, num(3, 0), num(4, 0)),
    )
    obj = decode(v2)
    assert obj["spec"] == {
        "scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
        "minReplicas": 1,
        "maxReplicas": 3,
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 50},
                },
            },
            {
                "type": "Resource",
                "resource": {
                    "name": "memory",
                    "target": {"type": "AverageValue", "averageValue": "1Gi"},
                },
            },
        ],
    }
    # status fields without omitempty: zero kept, an absent slice is null
    assert obj["status"] == {"desiredReplicas": 0, "currentMetrics": None}
    v1 = envelope(
        "autoscaling/v1",
        "HorizontalPodAutoscaler",
        meta("web"),
        ld(2, target, num(2, 1), num(3, 3), num(4, 80)),
    )
    assert decode(v1)["spec"] == {
        "scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
        "minReplicas": 1,
        "maxReplicas": 3,
        "targetCPUUtilizationPercentage": 80,
    }


def test_pdb_ingress_priority_class_token_request_and_quota() -> None:
    pdb = envelope(
        "policy/v1", "PodDisruptionBudget", meta("p"), ld(2, ld(1, num(1, 0), num(2, 0)), ld(2))
    )
    assert decode(pdb)["spec"] == {"minAvailable": 0, "selector": {}}
    backend = ld(4, ld(1, "svc1"), ld(2, num(2, 8080)))
    path = ld(1, ld(1, "/bar"), ld(3, "Exact"), ld(2, backend))
    ingress = envelope(
        "networking.k8s.io/v1",
        "Ingress",
        meta("ing"),
        ld(
            2,
            ld(2, ld(1, "foo.com"), ld(2, "my-cert")),
            ld(3, ld(1, "foo.com"), ld(2, ld(1, path))),
            ld(4, "c"),
        ),
    )
    assert decode(ingress)["spec"] == {
        "tls": [{"hosts": ["foo.com"], "secretName": "my-cert"}],
        "rules": [
            {
                "host": "foo.com",
                "http": {
                    "paths": [
                        {
                            "path": "/bar",
                            "pathType": "Exact",
                            "backend": {"service": {"name": "svc1", "port": {"number": 8080}}},
                        }
                    ]
                },
            }
        ],
        "ingressClassName": "c",
    }
    priority = envelope(
        "scheduling.k8s.io/v1", "PriorityClass", meta("pc"), num(2, -5), num(3, 0), ld(4, "")
    )
    assert decode(priority) == {
        "kind": "PriorityClass",
        "apiVersion": "scheduling.k8s.io/v1",
        "metadata": {"name": "pc", "creationTimestamp": None},
        "value": -5,  # int32 sent as a ten-byte varint
    }
    token = envelope(
        "authentication.k8s.io/v1",
        "TokenRequest",
        meta("sa"),
        ld(2, ld(1, "api"), num(4, 3600)),
        ld(3, ld(1, ""), ld(2)),
    )
    assert decode(token)["spec"] == {
        "audiences": ["api"],
        "expirationSeconds": 3600,
        "boundObjectRef": None,  # a pointer without omitempty
    }
    assert decode(token)["status"] == {"token": "", "expirationTimestamp": None}
    quota = envelope(
        "v1",
        "ResourceQuota",
        meta("q"),
        ld(2, entry(1, "cpu", ld(1, "1")), entry(1, "pods", ld(1, "2")), ld(2, "BestEffort")),
    )
    assert decode(quota)["spec"] == {"hard": {"cpu": "1", "pods": "2"}, "scopes": ["BestEffort"]}


def test_delete_options_eviction_and_scale() -> None:
    options = (
        protobuf.MAGIC
        + ld(1, ld(1, "v1"), ld(2, "DeleteOptions"))
        + ld(2, num(1, 0), ld(2, ld(1, "u")), ld(4, "Foreground"), ld(5, "All"))
    )
    assert decode(options) == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "gracePeriodSeconds": 0,
        "preconditions": {"uid": "u"},
        "propagationPolicy": "Foreground",
        "dryRun": ["All"],
    }
    eviction = envelope("policy/v1", "Eviction", meta("p"), ld(2, num(1, 30)))
    assert decode(eviction)["deleteOptions"] == {"gracePeriodSeconds": 30}
    scale = envelope("autoscaling/v1", "Scale", meta("d"), ld(2, num(1, 0)))
    assert decode(scale)["spec"] == {}  # Scale's replicas is a plain int32 with omitempty


# ---- value types ------------------------------------------------------------------------------


def lease(*spec: bytes) -> dict[str, Any]:
    spec_dict: dict[str, Any] = decode(
        envelope("coordination.k8s.io/v1", "Lease", meta("l"), ld(2, *spec))
    )["spec"]
    return spec_dict


def test_times() -> None:
    assert protobuf.format_time(1767225600, 0) == "2026-01-01T00:00:00Z"
    assert protobuf.format_time(1767225600, 999_999_999) == "2026-01-01T00:00:00Z"
    assert protobuf.format_time(0, 0) == "1970-01-01T00:00:00Z"  # the epoch is no zero time
    assert protobuf.format_time(-62135596800, 0) is None  # Go's zero time
    assert protobuf.format_time(1, -1, micro=True) == "1970-01-01T00:00:00.999999Z"
    assert protobuf.format_time(1767225600, 123_456_789, micro=True) == (
        "2026-01-01T00:00:00.123456Z"
    )
    # MicroTime fields; an empty message is the zero time, written as null
    assert lease(ld(3, num(1, 1767225600), num(2, 1000)), ld(4)) == {
        "acquireTime": "2026-01-01T00:00:00.000001Z",
        "renewTime": None,
    }
    assert lease(ld(3, num(1, 0))) == {"acquireTime": "1970-01-01T00:00:00.000000Z"}


def test_time_out_of_range_is_a_bad_request() -> None:
    error = failure(envelope("v1", "ConfigMap", ld(1, ld(8, num(1, 1 << 50)))))
    assert error.code == 400
    assert "out of range" in error.message


@pytest.mark.parametrize(
    ("nanoseconds", "text"),
    [
        (0, "0s"),
        (1, "1ns"),
        (1_500, "1.5µs"),
        (1_500_000, "1.5ms"),
        (1_000_000_000, "1s"),
        (90 * 1_000_000_000, "1m30s"),
        (3_600 * 1_000_000_000, "1h0m0s"),
        (3_723_500_000_000, "1h2m3.5s"),
        (-2_000_000_000, "-2s"),
    ],
)
def test_go_duration_strings(nanoseconds: int, text: str) -> None:
    assert protobuf.go_duration(nanoseconds) == text


def test_value_type_messages_directly() -> None:
    # `value` starts at a field's length prefix (its key already read)
    duration = ld(1, num(1, 3_600_000_000_000))[1:]
    field = protobuf.Field("d", "duration", "D")
    assert protobuf._Decoder(duration).value(0, 8, 2, field) == ("1h0m0s", 8)
    empty = ld(1)[1:]
    quantity = protobuf.Field("q", "quantity", "Q")
    assert protobuf._Decoder(empty).value(0, 1, 2, quantity)[0] == "0"  # the zero Quantity


def test_int_or_string_with_an_impossible_type_is_a_bad_request() -> None:
    pdb = envelope("policy/v1", "PodDisruptionBudget", meta("p"), ld(2, ld(1, num(1, 7))))
    error = failure(pdb)
    assert error.code == 400
    assert error.message.endswith("impossible IntOrString.Type")


def test_raw_extension_is_embedded_json() -> None:
    revision = envelope(
        "apps/v1", "ControllerRevision", meta("r"), ld(2, ld(1, b'{"spec":{"a":1}}')), num(3, 0)
    )
    assert decode(revision) == {
        "kind": "ControllerRevision",
        "apiVersion": "apps/v1",
        "metadata": {"name": "r", "creationTimestamp": None},
        "data": {"spec": {"a": 1}},
        "revision": 0,  # no omitempty
    }
    bad = envelope("apps/v1", "ControllerRevision", meta("r"), ld(2, ld(1, b"{nope")))
    assert failure(bad).code == 400


# ---- wire details -----------------------------------------------------------------------------


def test_unknown_fields_of_every_wire_type_are_skipped() -> None:
    unknown = (
        num(99, 5)
        + key(98, 1) + b"\x00" * 8
        + key(97, 5) + b"\x00" * 4
        + ld(96, "ignored")
        + key(95, 3) + num(1, 1) + ld(2, "x") + key(2, 3) + key(2, 4) + key(95, 4)
    )  # fmt: skip
    body = envelope("v1", "ConfigMap", unknown, meta("cm", unknown), entry(2, "a", "b"), unknown)
    assert decode(body)["data"] == {"a": "b"}
    assert decode(body)["metadata"] == {"name": "cm", "creationTimestamp": None}


def test_packed_and_unpacked_repeated_numbers() -> None:
    on_exit = ld(
        1, ld(1, "FailJob"), ld(2, ld(2, "In"), num(3, 1), num(3, 2), ld(3, varint(3) + varint(4)))
    )
    job = envelope("batch/v1", "Job", meta("j"), ld(2, ld(11, on_exit)))
    rule = decode(job)["spec"]["podFailurePolicy"]["rules"][0]
    assert rule == {"action": "FailJob", "onExitCodes": {"operator": "In", "values": [1, 2, 3, 4]}}


def test_a_repeated_singular_message_merges_and_the_last_scalar_wins() -> None:
    body = envelope(
        "v1",
        "ConfigMap",
        ld(1, ld(1, "a"), entry(11, "x", "1")),
        ld(1, ld(1, "b"), entry(11, "y", "2")),
    )
    assert decode(body)["metadata"] == {"name": "b", "labels": {"x": "1", "y": "2"}}
    # a later zero for an omitempty scalar clears it, as the Go value would be zero
    body = envelope("v1", "ConfigMap", ld(1, ld(1, "a"), ld(2, "g")), ld(1, ld(2, "")))
    assert decode(body)["metadata"] == {"name": "a"}


def test_absent_fields_without_omitempty_take_their_go_json_form() -> None:
    # Container.name has no omitempty (""), PolicyRule.verbs is a slice without it (null)
    body = envelope("rbac.authorization.k8s.io/v1", "Role", ld(1), ld(2, ld(3, "pods")))
    assert decode(body)["rules"] == [{"verbs": None, "resources": ["pods"]}]
    pod = envelope("v1", "Pod", ld(1), ld(2, ld(2, ld(2, "img"))))
    assert decode(pod)["spec"] == {"containers": [{"name": "", "image": "img"}]}


def test_invalid_utf8_is_replaced_as_go_json_does() -> None:
    body = envelope("v1", "ConfigMap", meta("cm"), entry(2, "k", b"\xff"))
    assert decode(body)["data"] == {"k": "\ufffd"}


def test_every_kind_and_referenced_message_has_a_table() -> None:
    tables = protobuf.messages()
    for message in [*KINDS.values(), *ANY_VERSION_KINDS.values()]:
        assert message in tables
    for name, fields in tables.items():
        for field in fields.values():
            known = field.type in tables or field.type in protobuf._SCALAR_WIRE
            assert known or field.type in protobuf._VALUE_TYPES, (name, field)


def test_message_graph_is_acyclic_so_nesting_is_bounded() -> None:
    tables = protobuf.messages()
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, path
        if name in done:
            return
        for field in tables[name].values():
            if field.type in tables:
                visit(field.type, (*path, name))
        done.add(name)

    for name in tables:
        visit(name, ())


# ---- errors -----------------------------------------------------------------------------------


def test_a_body_without_the_magic_is_a_bad_request_naming_the_prefix() -> None:
    error = failure(b'{"kind":"ConfigMap"}')
    assert (error.code, error.reason) == (400, "BadRequest")
    assert error.message == (
        "the object provided is unrecognized: provided data does not appear to be a protobuf "
        'message, expected prefix [107 56 115 0] ({"kind":"ConfigMap"})'
    )
    garbage = failure(bytes(range(40)))
    assert "expected prefix [107 56 115 0]" in garbage.message
    assert garbage.message.endswith(f"({bytes(range(30)).hex()} ...)")


def test_empty_bodies() -> None:
    assert "empty data" in failure(b"").message
    assert "empty body" in failure(protobuf.MAGIC).message


@pytest.mark.parametrize("cut", [5, 10, 20, 30, len(KUBECTL_DEPLOYMENT) - 1])
def test_a_truncated_body_is_a_bad_request(cut: int) -> None:
    error = failure(KUBECTL_DEPLOYMENT[:cut])
    assert (error.code, error.reason) == (400, "BadRequest")
    assert "unexpected EOF" in error.message


def test_truncation_inside_the_object() -> None:
    # the envelope is whole but the Deployment inside it ends in the middle of a field
    raw = meta("d") + ld(2, num(1, 2))
    body = protobuf.MAGIC + ld(1, ld(1, "apps/v1"), ld(2, "Deployment")) + ld(2, raw[:-1])
    assert failure(body).message == (
        'Deployment in version "v1" cannot be handled as a Deployment: unexpected EOF'
    )
    body = envelope("apps/v1", "Deployment", meta("d"), key(2, 2) + b"\xff")  # varint cut short
    assert failure(body).message.endswith(": unexpected EOF")


def test_wire_errors_name_the_problem() -> None:
    wrong = failure(envelope("apps/v1", "Deployment", num(1, 5)))
    assert wrong.message == (
        'Deployment in version "v1" cannot be handled as a Deployment: '
        "proto: wrong wireType = 0 for field Metadata"
    )
    replicas = failure(envelope("apps/v1", "Deployment", ld(2, ld(1, "x"))))
    assert replicas.message.endswith("proto: wrong wireType = 2 for field Replicas")
    tag0 = failure(envelope("v1", "ConfigMap", b"\x00\x00"))
    assert tag0.message.endswith("proto: ConfigMap: illegal tag 0 (wire type 0)")
    end_group = failure(envelope("v1", "ConfigMap", key(1, 4)))
    assert end_group.message.endswith("proto: ConfigMap: wiretype end group for non-group")
    illegal = failure(envelope("v1", "ConfigMap", key(50, 7)))
    assert illegal.message.endswith("proto: illegal wireType 7")
    overflow = failure(envelope("v1", "ConfigMap", key(50, 0) + b"\xff" * 10 + b"\x01"))
    assert overflow.message.endswith("proto: integer overflow")
    negative = failure(envelope("v1", "ConfigMap", key(50, 2) + varint(-1)))
    assert negative.message.endswith("proto: negative length found during unmarshaling")
    envelope_error = failure(protobuf.MAGIC + num(1, 1))
    assert envelope_error.message.startswith(
        "the object provided is unrecognized: proto: wrong wireType = 0 for field TypeMeta"
    )


def test_a_kind_without_a_table_is_unsupported_media_type() -> None:
    error = failure(envelope("example.com/v1", "Widget", meta("w")))
    assert (error.code, error.reason) == (415, "UnsupportedMediaType")
    assert error.message == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json, application/yaml"
    )


def test_a_missing_kind_or_version_is_a_bad_request() -> None:
    no_kind = protobuf.MAGIC + ld(1, ld(1, "v1")) + ld(2, meta("x"))
    assert "Object 'Kind' is missing" in failure(no_kind).message
    no_version = protobuf.MAGIC + ld(1, ld(2, "ConfigMap")) + ld(2, meta("x"))
    assert "Object 'apiVersion' is missing" in failure(no_version).message


def test_double_and_float_wire_types_decode() -> None:
    decoder = protobuf._Decoder(struct.pack("<d", 1.5) + struct.pack("<f", 0.25))
    assert decoder.value(0, 8, 1, protobuf.Field("d", "double", "D")) == (1.5, 8)
    assert decoder.value(8, 12, 5, protobuf.Field("f", "float", "F")) == (0.25, 12)
