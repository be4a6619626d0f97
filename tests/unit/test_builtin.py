"""The built-in resource catalogue: what discovery and `kubectl api-resources` show."""

from __future__ import annotations

from collections import Counter

import pytest

from minikube_py.apiserver import discovery
from minikube_py.apiserver.builtin import builtin_resources
from minikube_py.resources import ALL_VERBS, Registry, Resource

RESOURCES = builtin_resources()
REGISTRY = Registry(RESOURCES)


def _by(api_version: str, plural: str) -> Resource:
    matches = [r for r in RESOURCES if r.api_version == api_version and r.plural == plural]
    assert len(matches) == 1, (api_version, plural)
    return matches[0]


def _api_resources() -> list[tuple[str, str, str, bool, str]]:
    """`kubectl api-resources` rows: each group's preferred (first) version only."""
    rows = []
    for group, versions in REGISTRY.group_versions().items():
        for r in REGISTRY.in_group_version(group, versions[0]):
            rows.append((r.plural, ",".join(r.short_names), r.api_version, r.namespaced, r.kind))
    return rows


# Rows of `kubectl api-resources` on a 1.32 cluster, for the resources served here (checked
# against kubernetes/kubernetes api/discovery/*.json).
REAL_API_RESOURCES = [
    ("bindings", "", "v1", True, "Binding"),
    ("configmaps", "cm", "v1", True, "ConfigMap"),
    ("endpoints", "ep", "v1", True, "Endpoints"),
    ("events", "ev", "v1", True, "Event"),
    ("limitranges", "limits", "v1", True, "LimitRange"),
    ("namespaces", "ns", "v1", False, "Namespace"),
    ("nodes", "no", "v1", False, "Node"),
    ("persistentvolumeclaims", "pvc", "v1", True, "PersistentVolumeClaim"),
    ("persistentvolumes", "pv", "v1", False, "PersistentVolume"),
    ("pods", "po", "v1", True, "Pod"),
    ("podtemplates", "", "v1", True, "PodTemplate"),
    ("replicationcontrollers", "rc", "v1", True, "ReplicationController"),
    ("resourcequotas", "quota", "v1", True, "ResourceQuota"),
    ("secrets", "", "v1", True, "Secret"),
    ("serviceaccounts", "sa", "v1", True, "ServiceAccount"),
    ("services", "svc", "v1", True, "Service"),
    ("controllerrevisions", "", "apps/v1", True, "ControllerRevision"),
    ("daemonsets", "ds", "apps/v1", True, "DaemonSet"),
    ("deployments", "deploy", "apps/v1", True, "Deployment"),
    ("replicasets", "rs", "apps/v1", True, "ReplicaSet"),
    ("statefulsets", "sts", "apps/v1", True, "StatefulSet"),
    ("events", "ev", "events.k8s.io/v1", True, "Event"),
    ("horizontalpodautoscalers", "hpa", "autoscaling/v2", True, "HorizontalPodAutoscaler"),
    ("cronjobs", "cj", "batch/v1", True, "CronJob"),
    ("jobs", "", "batch/v1", True, "Job"),
    ("ingressclasses", "", "networking.k8s.io/v1", False, "IngressClass"),
    ("ingresses", "ing", "networking.k8s.io/v1", True, "Ingress"),
    ("networkpolicies", "netpol", "networking.k8s.io/v1", True, "NetworkPolicy"),
    ("poddisruptionbudgets", "pdb", "policy/v1", True, "PodDisruptionBudget"),
    ("clusterrolebindings", "", "rbac.authorization.k8s.io/v1", False, "ClusterRoleBinding"),
    ("clusterroles", "", "rbac.authorization.k8s.io/v1", False, "ClusterRole"),
    ("rolebindings", "", "rbac.authorization.k8s.io/v1", True, "RoleBinding"),
    ("roles", "", "rbac.authorization.k8s.io/v1", True, "Role"),
    ("storageclasses", "sc", "storage.k8s.io/v1", False, "StorageClass"),
    (
        "customresourcedefinitions",
        "crd,crds",
        "apiextensions.k8s.io/v1",
        False,
        "CustomResourceDefinition",
    ),
    ("leases", "", "coordination.k8s.io/v1", True, "Lease"),
    ("endpointslices", "", "discovery.k8s.io/v1", True, "EndpointSlice"),
]


def test_api_resources_rows_match_a_real_cluster() -> None:
    """Every `kubectl api-resources` row, in discovery order, as a 1.32 server lists it."""
    assert _api_resources() == REAL_API_RESOURCES


def test_every_resource_is_registered_once() -> None:
    """No two entries share a group, version and plural (the registry would drop one)."""
    keys = Counter((r.group, r.version, r.plural) for r in RESOURCES)
    assert [k for k, n in keys.items() if n > 1] == []
    assert len(list(REGISTRY)) == len(RESOURCES)


def test_groups_follow_the_real_apis_order() -> None:
    """Core first, then the named groups in the order of a real `/apis`."""
    assert list(REGISTRY.group_versions()) == [
        "",
        "apps",
        "events.k8s.io",
        "autoscaling",
        "batch",
        "networking.k8s.io",
        "policy",
        "rbac.authorization.k8s.io",
        "storage.k8s.io",
        "apiextensions.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
    ]


def test_autoscaling_prefers_v2() -> None:
    """Versions are registered most-preferred first: autoscaling lists v2, then v1."""
    assert REGISTRY.group_versions()["autoscaling"] == ["v2", "v1"]


@pytest.mark.parametrize(
    ("group", "version"),
    sorted({(r.group, r.version) for r in RESOURCES}),
    ids=lambda v: v or "core",
)
def test_resources_of_a_group_version_are_sorted_by_name(group: str, version: str) -> None:
    """Real discovery sorts the resources of a group-version by name."""
    plurals = [r.plural for r in REGISTRY.in_group_version(group, version)]
    assert plurals == sorted(plurals)


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.group_resource + "/" + r.version)
def test_entry_is_consistent(resource: Resource) -> None:
    """Names agree with each other and verbs and subresources are ones discovery knows."""
    assert resource.singular == resource.kind.lower()
    assert resource.plural == resource.plural.lower()
    assert resource.plural.startswith(resource.singular[:-1])
    assert list(resource.verbs) == sorted(set(resource.verbs))
    assert set(resource.verbs) <= set(ALL_VERBS)
    assert list(resource.subresources) == sorted(resource.subresources)
    assert set(resource.subresources) <= set(discovery.SUBRESOURCE_VERBS)
    if resource.has_status:
        assert resource.subresources["status"] == resource.kind
    if "scale" in resource.subresources:
        assert resource.subresources["scale"] == "Scale"


def test_short_names_are_unique_but_for_the_two_event_apis() -> None:
    """A short name means one resource; `ev` names core and events.k8s.io events, as in K8s."""
    owners: dict[str, set[str]] = {}
    for r in RESOURCES:
        for short in r.short_names:
            owners.setdefault(short, set()).add(r.group_resource)
    shared = {short: groups for short, groups in owners.items() if len(groups) > 1}
    assert shared == {"ev": {"events", "events.events.k8s.io"}}


def test_all_category_is_what_kubectl_get_all_lists() -> None:
    """`kubectl get all` covers exactly these resources."""
    in_all = {r.group_resource for r in RESOURCES if "all" in r.categories}
    assert in_all == {
        "pods",
        "services",
        "replicationcontrollers",
        "deployments.apps",
        "replicasets.apps",
        "statefulsets.apps",
        "daemonsets.apps",
        "jobs.batch",
        "cronjobs.batch",
        "horizontalpodautoscalers.autoscaling",
    }
    assert _by("apiextensions.k8s.io/v1", "customresourcedefinitions").categories == (
        "api-extensions",
    )


@pytest.mark.parametrize(
    ("api_version", "plural", "verbs"),
    [
        pytest.param("v1", "bindings", ("create",), id="bindings"),
        pytest.param(
            "v1",
            "namespaces",
            ("create", "delete", "get", "list", "patch", "update", "watch"),
            id="namespaces",
        ),
        pytest.param("v1", "events", ALL_VERBS, id="events"),
        pytest.param("apps/v1", "deployments", ALL_VERBS, id="deployments"),
    ],
)
def test_verbs_match_real_discovery(api_version: str, plural: str, verbs: tuple[str, ...]) -> None:
    """Verbs as discovery lists them: bindings are create-only, namespaces lack deletecollection."""
    assert _by(api_version, plural).verbs == verbs


@pytest.mark.parametrize(
    ("api_version", "plural", "subresources"),
    [
        pytest.param(
            "v1",
            "pods",
            {
                "attach": "PodAttachOptions",
                "binding": "Binding",
                "eviction": "Eviction",
                "exec": "PodExecOptions",
                "log": "Pod",
                "portforward": "PodPortForwardOptions",
                "status": "Pod",
            },
            id="pods",
        ),
        pytest.param("v1", "serviceaccounts", {"token": "TokenRequest"}, id="serviceaccounts"),
        pytest.param(
            "v1",
            "replicationcontrollers",
            {"scale": "Scale", "status": "ReplicationController"},
            id="replicationcontrollers",
        ),
        pytest.param(
            "apps/v1", "statefulsets", {"scale": "Scale", "status": "StatefulSet"}, id="sts"
        ),
        pytest.param("apps/v1", "daemonsets", {"status": "DaemonSet"}, id="daemonsets"),
        pytest.param("apps/v1", "controllerrevisions", {}, id="controllerrevisions"),
        pytest.param("v1", "configmaps", {}, id="configmaps"),
    ],
)
def test_subresources_match_real_discovery(
    api_version: str, plural: str, subresources: dict[str, str]
) -> None:
    """Subresources and the kinds they speak, as `/api/v1` and `/apis/apps/v1` list them."""
    assert _by(api_version, plural).subresources == subresources


@pytest.mark.parametrize(
    ("api_version", "plural", "fields"),
    [
        pytest.param(
            "v1",
            "pods",
            {
                "spec.nodeName",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "spec.hostNetwork",
                "status.phase",
                "status.podIP",
                "status.podIPs",
                "status.nominatedNodeName",
            },
            id="pods",
        ),
        pytest.param(
            "v1",
            "events",
            {
                "involvedObject.kind",
                "involvedObject.namespace",
                "involvedObject.name",
                "involvedObject.uid",
                "involvedObject.apiVersion",
                "involvedObject.resourceVersion",
                "involvedObject.fieldPath",
                "reason",
                "reportingComponent",
                "source",
                "type",
            },
            id="events",
        ),
        pytest.param(
            "events.k8s.io/v1",
            "events",
            {
                "regarding.kind",
                "regarding.namespace",
                "regarding.name",
                "regarding.uid",
                "regarding.apiVersion",
                "regarding.resourceVersion",
                "regarding.fieldPath",
                "reason",
                "reportingController",
                "source",
                "type",
            },
            id="events.k8s.io",
        ),
        pytest.param("v1", "nodes", {"spec.unschedulable"}, id="nodes"),
        pytest.param("v1", "namespaces", {"status.phase"}, id="namespaces"),
        pytest.param("v1", "secrets", {"type"}, id="secrets"),
        pytest.param("v1", "services", {"spec.clusterIP", "spec.type"}, id="services"),
        pytest.param("v1", "replicationcontrollers", {"status.replicas"}, id="rc"),
        pytest.param("apps/v1", "replicasets", {"status.replicas"}, id="replicasets"),
        pytest.param("batch/v1", "jobs", {"status.successful"}, id="jobs"),
        pytest.param("apps/v1", "statefulsets", set(), id="statefulsets"),
        pytest.param("v1", "serviceaccounts", set(), id="serviceaccounts"),
        pytest.param("v1", "persistentvolumes", set(), id="persistentvolumes"),
    ],
)
def test_field_selectors_match_the_real_conversions(
    api_version: str, plural: str, fields: set[str]
) -> None:
    """The fields each kind's field-label conversion accepts besides metadata.name/namespace."""
    resource = _by(api_version, plural)
    assert set(resource.field_selectors) == fields
    assert len(resource.field_selectors) == len(fields)


@pytest.mark.parametrize(
    ("api_version", "plural"),
    [
        ("v1", "bindings"),
        ("v1", "limitranges"),
        ("rbac.authorization.k8s.io/v1", "roles"),
        ("rbac.authorization.k8s.io/v1", "clusterroles"),
        ("apiextensions.k8s.io/v1", "customresourcedefinitions"),
    ],
)
def test_resources_without_a_printer_use_the_default_table(api_version: str, plural: str) -> None:
    """Kinds the real server prints with `NewDefaultTableConvertor` declare no columns."""
    assert _by(api_version, plural).columns == ()


def test_every_other_resource_has_printer_columns() -> None:
    defaults = {"bindings", "limitranges", "roles", "clusterroles", "customresourcedefinitions"}
    assert all(r.columns for r in RESOURCES if r.plural not in defaults)
