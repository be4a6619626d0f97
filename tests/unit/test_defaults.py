"""Defaulting: minimal manifests come out exactly as a Kubernetes 1.32 cluster stores them.

The expected objects are what `kubectl create -f` + `kubectl get -o json` shows on a real cluster
(server-set metadata such as uid/resourceVersion and the allocated clusterIP left aside), checked
against pkg/apis/*/v1/defaults.go, zz_generated.defaults.go, the registry strategies and the
ServiceAccount / DefaultTolerationSeconds / Priority admission plugins.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from minikube_py.apiserver.defaults import (
    apply_defaults,
    image_pull_policy,
    pod_qos_class,
    prepare_for_update,
)

Obj = dict[str, Any]

UID = "9c1c6a4e-2b5d-4d1e-9f58-3c8b1a7f0e11"

CONTAINER_DEFAULTS = {
    "resources": {},
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
}
POD_SPEC_DEFAULTS = {
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "schedulerName": "default-scheduler",
    "securityContext": {},
    "terminationGracePeriodSeconds": 30,
}
ADMISSION_TOLERATIONS = [
    {
        "effect": "NoExecute",
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "tolerationSeconds": 300,
    },
    {
        "effect": "NoExecute",
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "tolerationSeconds": 300,
    },
]


def defaulted(group: str, kind: str, obj: Obj) -> Obj:
    """Default a copy, as the API server does on create (status reset to {} first)."""
    out = copy.deepcopy(obj)
    apply_defaults(group, kind, out)
    return out


def web_template(**spec: Any) -> Obj:
    return {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}], **spec},
    }


def defaulted_web_template(**spec: Any) -> Obj:
    return {
        "metadata": {"creationTimestamp": None, "labels": {"app": "web"}},
        "spec": {
            "containers": [
                {
                    "image": "nginx:1.27",
                    "imagePullPolicy": "IfNotPresent",
                    "name": "web",
                    **CONTAINER_DEFAULTS,
                }
            ],
            **POD_SPEC_DEFAULTS,
            **spec,
        },
    }


META = {"name": "web", "namespace": "default"}

# (group, kind, manifest as sent, object as stored)
CASES: list[tuple[str, str, Obj, Obj]] = [
    (
        "",
        "Pod",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "nginx", "namespace": "default"},
            "spec": {"containers": [{"name": "nginx", "image": "nginx"}]},
            "status": {},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "nginx", "namespace": "default"},
            "spec": {
                "containers": [
                    {
                        "image": "nginx",
                        "imagePullPolicy": "Always",
                        "name": "nginx",
                        **CONTAINER_DEFAULTS,
                    }
                ],
                **POD_SPEC_DEFAULTS,
                "enableServiceLinks": True,
                "preemptionPolicy": "PreemptLowerPriority",
                "priority": 0,
                "serviceAccount": "default",
                "serviceAccountName": "default",
                "tolerations": ADMISSION_TOLERATIONS,
            },
            "status": {"phase": "Pending", "qosClass": "BestEffort"},
        },
    ),
    (
        "apps",
        "Deployment",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": META,
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": web_template()},
            "status": {},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": META,
            "spec": {
                "progressDeadlineSeconds": 600,
                "replicas": 1,
                "revisionHistoryLimit": 10,
                "selector": {"matchLabels": {"app": "web"}},
                "strategy": {
                    "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                    "type": "RollingUpdate",
                },
                "template": defaulted_web_template(),
            },
            "status": {},
        },
    ),
    (
        "apps",
        "StatefulSet",
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": META,
            "spec": {
                "serviceName": "web",
                "selector": {"matchLabels": {"app": "web"}},
                "template": web_template(),
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "www"},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": "1024Mi"}},
                        },
                    }
                ],
            },
            "status": {},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": META,
            "spec": {
                "persistentVolumeClaimRetentionPolicy": {
                    "whenDeleted": "Retain",
                    "whenScaled": "Retain",
                },
                "podManagementPolicy": "OrderedReady",
                "replicas": 1,
                "revisionHistoryLimit": 10,
                "selector": {"matchLabels": {"app": "web"}},
                "serviceName": "web",
                "template": defaulted_web_template(),
                "updateStrategy": {"rollingUpdate": {"partition": 0}, "type": "RollingUpdate"},
                "volumeClaimTemplates": [
                    {
                        "apiVersion": "v1",
                        "kind": "PersistentVolumeClaim",
                        "metadata": {"creationTimestamp": None, "name": "www"},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": "1Gi"}},
                            "volumeMode": "Filesystem",
                        },
                        "status": {"phase": "Pending"},
                    }
                ],
            },
            "status": {"availableReplicas": 0, "replicas": 0},
        },
    ),
    (
        "apps",
        "DaemonSet",
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": META,
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": web_template()},
            "status": {},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {
                **META,
                "annotations": {"deprecated.daemonset.template.generation": "1"},
            },
            "spec": {
                "revisionHistoryLimit": 10,
                "selector": {"matchLabels": {"app": "web"}},
                "template": defaulted_web_template(),
                "updateStrategy": {
                    "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1},
                    "type": "RollingUpdate",
                },
            },
            "status": {
                "currentNumberScheduled": 0,
                "desiredNumberScheduled": 0,
                "numberMisscheduled": 0,
                "numberReady": 0,
            },
        },
    ),
    (
        "batch",
        "Job",
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "pi", "namespace": "default", "uid": UID},
            "spec": {
                "template": {
                    "spec": {
                        "containers": [{"name": "pi", "image": "perl:5.34.0"}],
                        "restartPolicy": "Never",
                    }
                }
            },
            "status": {},
        },
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "labels": {
                    "batch.kubernetes.io/controller-uid": UID,
                    "batch.kubernetes.io/job-name": "pi",
                    "controller-uid": UID,
                    "job-name": "pi",
                },
                "name": "pi",
                "namespace": "default",
                "uid": UID,
            },
            "spec": {
                "backoffLimit": 6,
                "completionMode": "NonIndexed",
                "completions": 1,
                "manualSelector": False,
                "parallelism": 1,
                "podReplacementPolicy": "TerminatingOrFailed",
                "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": UID}},
                "suspend": False,
                "template": {
                    "metadata": {
                        "creationTimestamp": None,
                        "labels": {
                            "batch.kubernetes.io/controller-uid": UID,
                            "batch.kubernetes.io/job-name": "pi",
                            "controller-uid": UID,
                            "job-name": "pi",
                        },
                    },
                    "spec": {
                        "containers": [
                            {
                                "image": "perl:5.34.0",
                                "imagePullPolicy": "IfNotPresent",
                                "name": "pi",
                                **CONTAINER_DEFAULTS,
                            }
                        ],
                        **POD_SPEC_DEFAULTS,
                        "restartPolicy": "Never",
                    },
                },
            },
            "status": {},
        },
    ),
    (
        "batch",
        "CronJob",
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "hello", "namespace": "default"},
            "spec": {
                "schedule": "* * * * *",
                "jobTemplate": {
                    "spec": {
                        "template": {
                            "spec": {
                                "containers": [{"name": "hello", "image": "busybox:1.28"}],
                                "restartPolicy": "OnFailure",
                            }
                        }
                    }
                },
            },
            "status": {},
        },
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "hello", "namespace": "default"},
            "spec": {
                "concurrencyPolicy": "Allow",
                "failedJobsHistoryLimit": 1,
                "jobTemplate": {
                    "metadata": {"creationTimestamp": None},
                    "spec": {
                        "template": {
                            "metadata": {"creationTimestamp": None},
                            "spec": {
                                "containers": [
                                    {
                                        "image": "busybox:1.28",
                                        "imagePullPolicy": "IfNotPresent",
                                        "name": "hello",
                                        **CONTAINER_DEFAULTS,
                                    }
                                ],
                                **POD_SPEC_DEFAULTS,
                                "restartPolicy": "OnFailure",
                            },
                        }
                    },
                },
                "schedule": "* * * * *",
                "successfulJobsHistoryLimit": 3,
                "suspend": False,
            },
            "status": {},
        },
    ),
    (
        "",
        "Service",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": META,
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
            "status": {},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": META,
            "spec": {
                "internalTrafficPolicy": "Cluster",
                "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
                "selector": {"app": "web"},
                "sessionAffinity": "None",
                "type": "ClusterIP",
            },
            "status": {"loadBalancer": {}},
        },
    ),
    (
        "",
        "Namespace",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}, "status": {}},
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"labels": {"kubernetes.io/metadata.name": "team-a"}, "name": "team-a"},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        },
    ),
    (
        "",
        "ReplicationController",
        {
            "apiVersion": "v1",
            "kind": "ReplicationController",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"template": web_template()},
            "status": {},
        },
        {
            "apiVersion": "v1",
            "kind": "ReplicationController",
            "metadata": {"labels": {"app": "web"}, "name": "web", "namespace": "default"},
            "spec": {
                "replicas": 1,
                "selector": {"app": "web"},
                "template": defaulted_web_template(),
            },
            "status": {"replicas": 0},
        },
    ),
    (
        "",
        "Secret",
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": META,
            "data": {"a": "YQ==", "b": "Y\nQ=="},
            "stringData": {"a": "overrides", "c": "plain"},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": META,
            "data": {"a": "b3ZlcnJpZGVz", "b": "YQ==", "c": "cGxhaW4="},
            "type": "Opaque",
        },
    ),
    (
        "",
        "PersistentVolumeClaim",
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": META,
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1073741824"}},
            },
            "status": {},
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": META,
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1073741824"}},
                "volumeMode": "Filesystem",
            },
            "status": {"phase": "Pending"},
        },
    ),
    (
        "storage.k8s.io",
        "StorageClass",
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": "standard"},
            "provisioner": "rancher.io/local-path",
        },
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": "standard"},
            "provisioner": "rancher.io/local-path",
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate",
        },
    ),
    (
        "networking.k8s.io",
        "NetworkPolicy",
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": META,
            "spec": {"egress": [{"ports": [{"port": 53}]}]},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": META,
            "spec": {
                "egress": [{"ports": [{"port": 53, "protocol": "TCP"}]}],
                "podSelector": {},
                "policyTypes": ["Ingress", "Egress"],
            },
        },
    ),
    (
        "rbac.authorization.k8s.io",
        "RoleBinding",
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": META,
            "roleRef": {"kind": "Role", "name": "reader"},
            "subjects": [
                {"kind": "User", "name": "jane"},
                {"kind": "ServiceAccount", "name": "default", "namespace": "default"},
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": META,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
            "subjects": [
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "jane"},
                {"kind": "ServiceAccount", "name": "default", "namespace": "default"},
            ],
        },
    ),
    (
        "discovery.k8s.io",
        "EndpointSlice",
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": META,
            "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.244.0.5"]}],
            "ports": [{"port": 80}],
        },
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": META,
            "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.244.0.5"], "conditions": {}}],
            "ports": [{"name": "", "port": 80, "protocol": "TCP"}],
        },
    ),
]


@pytest.mark.parametrize(("group", "kind", "manifest", "stored"), CASES, ids=[c[1] for c in CASES])
def test_minimal_manifests_are_stored_like_a_real_cluster(
    group: str, kind: str, manifest: Obj, stored: Obj
) -> None:
    assert defaulted(group, kind, manifest) == stored


@pytest.mark.parametrize(("group", "kind", "manifest", "stored"), CASES, ids=[c[1] for c in CASES])
def test_defaulting_is_idempotent(group: str, kind: str, manifest: Obj, stored: Obj) -> None:
    assert defaulted(group, kind, stored) == stored


def test_unknown_kinds_are_left_alone() -> None:
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": META, "spec": {}}
    assert defaulted("coordination.k8s.io", "Lease", lease) == lease


# ---- pods -------------------------------------------------------------------------------------


def pod(**spec: Any) -> Obj:
    base = {"containers": [{"name": "c", "image": "busybox:1.36"}]}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {**base, **spec},
        "status": {},
    }


def test_container_defaults_reach_probes_ports_env_and_quantities() -> None:
    container = {
        "name": "c",
        "image": "registry.local:5000/team/app@sha256:" + "a" * 64,
        "ports": [{"containerPort": 8080}],
        "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "resources": {"limits": {"cpu": "1000m", "memory": "1.5Gi"}, "requests": {"cpu": 0.25}},
        "livenessProbe": {"httpGet": {"port": 8080}},
        "readinessProbe": {"grpc": {"port": 9000}, "timeoutSeconds": 5},
        "lifecycle": {"preStop": {"httpGet": {"port": 8080, "path": "/quit"}}},
    }
    out = defaulted("", "Pod", pod(containers=[container]))["spec"]["containers"][0]
    assert out["imagePullPolicy"] == "IfNotPresent"
    assert out["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    assert out["env"][0]["valueFrom"]["fieldRef"] == {
        "apiVersion": "v1",
        "fieldPath": "metadata.name",
    }
    # limits fill the missing requests (pods only), all re-serialised canonically
    assert out["resources"] == {
        "limits": {"cpu": "1", "memory": "1536Mi"},
        "requests": {"cpu": "250m", "memory": "1536Mi"},
    }
    probe = {"failureThreshold": 3, "periodSeconds": 10, "successThreshold": 1}
    assert out["livenessProbe"] == {
        "httpGet": {"path": "/", "port": 8080, "scheme": "HTTP"},
        "timeoutSeconds": 1,
        **probe,
    }
    assert out["readinessProbe"] == {
        "grpc": {"port": 9000, "service": ""},
        "timeoutSeconds": 5,
        **probe,
    }
    assert out["lifecycle"]["preStop"]["httpGet"] == {
        "path": "/quit",
        "port": 8080,
        "scheme": "HTTP",
    }


def test_volume_defaults() -> None:
    volumes = [
        {"name": "scratch"},
        {"name": "cfg", "configMap": {"name": "cfg"}},
        {"name": "sec", "secret": {"secretName": "s", "defaultMode": 256}},
        {"name": "host", "hostPath": {"path": "/data"}},
        {"name": "mem", "emptyDir": {"medium": "Memory", "sizeLimit": "1024Mi"}},
        {
            "name": "token",
            "projected": {
                "sources": [
                    {"serviceAccountToken": {"path": "token"}},
                    {"downwardAPI": {"items": [{"path": "n", "fieldRef": {"fieldPath": "x"}}]}},
                ]
            },
        },
    ]
    out = defaulted("", "Pod", pod(volumes=volumes))["spec"]["volumes"]
    assert out == [
        {"name": "scratch", "emptyDir": {}},
        {"name": "cfg", "configMap": {"name": "cfg", "defaultMode": 420}},
        {"name": "sec", "secret": {"secretName": "s", "defaultMode": 256}},
        {"name": "host", "hostPath": {"path": "/data", "type": ""}},
        {"name": "mem", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
        {
            "name": "token",
            "projected": {
                "defaultMode": 420,
                "sources": [
                    {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}},
                    {
                        "downwardAPI": {
                            "items": [
                                {"path": "n", "fieldRef": {"fieldPath": "x", "apiVersion": "v1"}}
                            ]
                        }
                    },
                ],
            },
        },
    ]


def test_pod_templates_get_no_pod_only_defaults() -> None:
    """enableServiceLinks, requests-from-limits and admission defaults are for pods only."""
    limited = {"name": "web", "image": "nginx:1.27", "resources": {"limits": {"cpu": "1"}}}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": META,
        "spec": {"template": {"spec": {"containers": [limited]}}},
    }
    spec = defaulted("apps", "Deployment", deployment)["spec"]["template"]["spec"]
    assert spec["containers"][0]["resources"] == {"limits": {"cpu": "1"}}
    for pod_only in ("enableServiceLinks", "serviceAccountName", "tolerations", "priority"):
        assert pod_only not in spec


def test_service_account_alias_is_mirrored() -> None:
    spec = defaulted("", "Pod", pod(serviceAccount="builder"))["spec"]
    assert (spec["serviceAccount"], spec["serviceAccountName"]) == ("builder", "builder")
    template = web_template(serviceAccountName="runner")
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": META,
        "spec": {"template": template},
    }
    spec = defaulted("apps", "ReplicaSet", rs)["spec"]["template"]["spec"]
    assert (spec["serviceAccount"], spec["serviceAccountName"]) == ("runner", "runner")


def test_mirror_pods_get_no_service_account() -> None:
    mirror = pod()
    mirror["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "abc"}
    assert "serviceAccountName" not in defaulted("", "Pod", mirror)["spec"]
    assert defaulted("", "Pod", pod())["spec"]["serviceAccountName"] == "default"  # same spec


def test_pods_of_one_spec_are_defaulted_alike_and_own_their_objects() -> None:
    first = defaulted("", "Pod", pod())
    expected = copy.deepcopy(first)
    first["spec"]["containers"][0]["image"] = "changed by its owner"
    first["spec"]["tolerations"].clear()
    assert defaulted("", "Pod", pod()) == expected


@pytest.mark.parametrize(
    ("tolerations", "added"),
    [
        ([], ADMISSION_TOLERATIONS),
        ([{"operator": "Exists"}], []),  # tolerates everything already
        (
            [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}],
            ADMISSION_TOLERATIONS[1:],
        ),
    ],
)
def test_default_toleration_seconds(tolerations: list[Obj], added: list[Obj]) -> None:
    spec = defaulted("", "Pod", pod(tolerations=tolerations))["spec"]
    assert spec["tolerations"] == tolerations + added


@pytest.mark.parametrize(
    ("priority_class", "priority"),
    [(None, 0), ("system-node-critical", 2000001000), ("system-cluster-critical", 2000000000)],
)
def test_priority_admission(priority_class: str | None, priority: int) -> None:
    spec = defaulted("", "Pod", pod(priorityClassName=priority_class))["spec"]
    assert (spec["priority"], spec["preemptionPolicy"]) == (priority, "PreemptLowerPriority")


def test_host_network_pods_publish_container_ports_on_the_host() -> None:
    spec = pod(
        hostNetwork=True, containers=[{"name": "c", "image": "x", "ports": [{"containerPort": 53}]}]
    )
    ports = defaulted("", "Pod", spec)["spec"]["containers"][0]["ports"]
    assert ports == [{"containerPort": 53, "hostPort": 53, "protocol": "TCP"}]


def test_pod_status_is_only_initialised_once() -> None:
    running = pod()
    running["status"] = {"phase": "Running", "qosClass": "BestEffort", "podIP": "10.244.0.7"}
    assert defaulted("", "Pod", running)["status"] == running["status"]
    gated = defaulted("", "Pod", pod(schedulingGates=[{"name": "wait"}]))["status"]
    condition = gated["conditions"][0]
    assert (condition["type"], condition["status"], condition["reason"]) == (
        "PodScheduled",
        "False",
        "SchedulingGated",
    )


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("docker.io/library/nginx:latest", "Always"),
        ("nginx:1.27", "IfNotPresent"),
        ("localhost:5000/app", "Always"),
        ("localhost:5000/app:v2", "IfNotPresent"),
        ("nginx@sha256:" + "0" * 64, "IfNotPresent"),
        ("nginx:latest@sha256:" + "0" * 64, "Always"),
        ("Nginx", "IfNotPresent"),  # not a valid reference: ParseImageName fails
        ("", "IfNotPresent"),
    ],
)
def test_image_pull_policy(image: str, policy: str) -> None:
    assert image_pull_policy(image) == policy


def _resources(requests: Obj | None = None, limits: Obj | None = None) -> Obj:
    return {k: v for k, v in (("requests", requests), ("limits", limits)) if v is not None}


@pytest.mark.parametrize(
    ("containers", "qos"),
    [
        ([{}], "BestEffort"),
        ([_resources({"ephemeral-storage": "1Gi"})], "BestEffort"),
        ([_resources({"cpu": "100m"})], "Burstable"),
        ([_resources(limits={"cpu": "1", "memory": "1Gi"})], "Guaranteed"),
        (
            [_resources({"cpu": "1000m", "memory": "1Gi"}, {"cpu": "1", "memory": "1024Mi"})],
            "Guaranteed",
        ),
        ([_resources({"cpu": "500m"}, {"cpu": "1", "memory": "1Gi"})], "Burstable"),
        ([_resources(limits={"cpu": "1", "memory": "1Gi"}), {}], "Burstable"),
    ],
)
def test_qos_class(containers: list[Obj], qos: str) -> None:
    manifest = pod(
        containers=[
            {"name": f"c{i}", "image": "x", "resources": r} for i, r in enumerate(containers)
        ]
    )
    assert defaulted("", "Pod", manifest)["status"]["qosClass"] == qos
    assert pod_qos_class(defaulted("", "Pod", manifest)) == qos


# ---- workloads ---------------------------------------------------------------------------------


def test_recreate_deployments_get_no_rolling_update() -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": META,
        "spec": {"strategy": {"type": "Recreate"}, "template": web_template()},
    }
    assert defaulted("apps", "Deployment", deployment)["spec"]["strategy"] == {"type": "Recreate"}


def test_job_selector_respects_manual_selector_and_existing_labels() -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j", "namespace": "default", "uid": UID, "labels": {"team": "a"}},
        "spec": {
            "manualSelector": True,
            "selector": {"matchLabels": {"app": "j"}},
            "parallelism": 3,
            "backoffLimitPerIndex": 1,
            "completionMode": "Indexed",
            "template": web_template(restartPolicy="Never"),
        },
    }
    out = defaulted("batch", "Job", job)
    assert out["metadata"]["labels"] == {"team": "a"}
    assert out["spec"]["selector"] == {"matchLabels": {"app": "j"}}
    assert out["spec"]["template"]["metadata"]["labels"] == {"app": "web"}
    assert "completions" not in out["spec"]  # only defaulted when parallelism is unset too
    assert out["spec"]["backoffLimit"] == 2147483647  # per-index limits make the global one moot


def test_job_with_pod_failure_policy() -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j", "namespace": "default", "uid": UID},
        "spec": {
            "podFailurePolicy": {
                "rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]
            },
            "template": web_template(restartPolicy="Never"),
        },
    }
    spec = defaulted("batch", "Job", job)["spec"]
    assert spec["podReplacementPolicy"] == "Failed"
    condition = spec["podFailurePolicy"]["rules"][0]["onPodConditions"][0]
    assert condition == {"type": "DisruptionTarget", "status": "True"}


def test_daemonset_template_generation_follows_template_changes() -> None:
    ds = defaulted(
        "apps",
        "DaemonSet",
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": META,
            "spec": {"template": web_template()},
        },
    )
    same = copy.deepcopy(ds)
    prepare_for_update("apps", "DaemonSet", same, ds)
    assert same["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "1"
    changed = copy.deepcopy(ds)
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    changed["metadata"]["annotations"].pop("deprecated.daemonset.template.generation")
    prepare_for_update("apps", "DaemonSet", changed, ds)
    assert changed["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "2"


# ---- services, namespaces, other kinds ---------------------------------------------------------


def service(**spec: Any) -> Obj:
    return {"apiVersion": "v1", "kind": "Service", "metadata": META, "spec": spec, "status": {}}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {
                "type": "NodePort",
                "selector": {"app": "web"},
                "ports": [{"port": 80, "targetPort": "http"}],
            },
            {
                "externalTrafficPolicy": "Cluster",
                "internalTrafficPolicy": "Cluster",
                "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "ports": [{"port": 80, "protocol": "TCP", "targetPort": "http"}],
                "selector": {"app": "web"},
                "sessionAffinity": "None",
                "type": "NodePort",
            },
        ),
        (
            {
                "type": "LoadBalancer",
                "ports": [{"port": 443, "protocol": "UDP"}],
                "sessionAffinity": "ClientIP",
            },
            {
                "allocateLoadBalancerNodePorts": True,
                "externalTrafficPolicy": "Cluster",
                "internalTrafficPolicy": "Cluster",
                "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "ports": [{"port": 443, "protocol": "UDP", "targetPort": 443}],
                "sessionAffinity": "ClientIP",
                "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}},
                "type": "LoadBalancer",
            },
        ),
        (
            {"clusterIP": "None", "ports": [{"port": 80}]},  # headless, selectorless
            {
                "clusterIP": "None",
                "clusterIPs": ["None"],
                "internalTrafficPolicy": "Cluster",
                "ipFamilies": ["IPv4", "IPv6"],
                "ipFamilyPolicy": "RequireDualStack",
                "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
                "sessionAffinity": "None",
                "type": "ClusterIP",
            },
        ),
        (
            {"type": "ExternalName", "externalName": "db.example.com"},
            {"externalName": "db.example.com", "sessionAffinity": "None", "type": "ExternalName"},
        ),
    ],
    ids=["NodePort", "LoadBalancer", "headless", "ExternalName"],
)
def test_service_types(spec: Obj, expected: Obj) -> None:
    out = defaulted("", "Service", service(**spec))
    assert out["spec"] == expected
    assert out["status"] == {"loadBalancer": {}}
    assert defaulted("", "Service", out) == out


def test_namespace_finalizer_is_only_added_to_a_new_namespace() -> None:
    """The namespace controller removes it while terminating; updates must not bring it back."""
    terminating = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "gone", "labels": {"kubernetes.io/metadata.name": "gone"}},
        "spec": {},
        "status": {"phase": "Terminating"},
    }
    assert defaulted("", "Namespace", terminating) == terminating


def test_persistent_volume() -> None:
    pv = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": "pv1"},
        "spec": {
            "capacity": {"storage": "10Gi"},
            "hostPath": {"path": "/data"},
            "accessModes": ["ReadWriteOnce"],
        },
        "status": {},
    }
    out = defaulted("", "PersistentVolume", pv)
    assert out["spec"] == {
        "accessModes": ["ReadWriteOnce"],
        "capacity": {"storage": "10Gi"},
        "hostPath": {"path": "/data", "type": ""},
        "persistentVolumeReclaimPolicy": "Retain",
        "volumeMode": "Filesystem",
    }
    assert out["status"]["phase"] == "Pending"
    assert out["status"]["lastPhaseTransitionTime"].endswith("Z")


@pytest.mark.parametrize(
    ("api_version", "spec", "status"),
    [
        (
            "autoscaling/v2",
            {
                "maxReplicas": 5,
                "minReplicas": 1,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 80},
                        },
                    }
                ],
                "behavior": {
                    "scaleUp": {
                        "policies": [
                            {"periodSeconds": 15, "type": "Pods", "value": 4},
                            {"periodSeconds": 15, "type": "Percent", "value": 100},
                        ],
                        "selectPolicy": "Max",
                        "stabilizationWindowSeconds": 0,
                    },
                    "scaleDown": {
                        "policies": [{"periodSeconds": 15, "type": "Percent", "value": 100}],
                        "selectPolicy": "Max",
                        "stabilizationWindowSeconds": 60,
                    },
                },
            },
            {"currentMetrics": None, "desiredReplicas": 0},
        ),
        (
            "autoscaling/v1",
            {"maxReplicas": 5, "minReplicas": 1, "targetCPUUtilizationPercentage": 80},
            {"currentReplicas": 0, "desiredReplicas": 0},
        ),
    ],
)
def test_horizontal_pod_autoscaler(api_version: str, spec: Obj, status: Obj) -> None:
    manifest_spec: Obj = {"maxReplicas": 5}
    if api_version == "autoscaling/v2":
        manifest_spec["behavior"] = {"scaleDown": {"stabilizationWindowSeconds": 60}, "scaleUp": {}}
    hpa = {
        "apiVersion": api_version,
        "kind": "HorizontalPodAutoscaler",
        "metadata": META,
        "spec": manifest_spec,
        "status": {},
    }
    out = defaulted("autoscaling", "HorizontalPodAutoscaler", hpa)
    assert (out["spec"], out["status"]) == (spec, status)


def test_core_event_zero_fields() -> None:
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "e", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "p"},
        "reason": "Started",
    }
    out = defaulted("", "Event", event)
    assert out == {
        **event,
        "eventTime": None,
        "firstTimestamp": None,
        "lastTimestamp": None,
        "reportingComponent": "",
        "reportingInstance": "",
        "source": {},
    }


def test_limit_range_container_defaults() -> None:
    limits = {
        "type": "Container",
        "max": {"cpu": "2"},
        "min": {"memory": "64Mi"},
        "default": {"memory": "0.5Gi"},
    }
    lr = {"apiVersion": "v1", "kind": "LimitRange", "metadata": META, "spec": {"limits": [limits]}}
    item = defaulted("", "LimitRange", lr)["spec"]["limits"][0]
    assert item["default"] == {"cpu": "2", "memory": "512Mi"}
    assert item["defaultRequest"] == {"cpu": "2", "memory": "512Mi"}
