"""The built-in resources, as a Kubernetes 1.32 API server lists them in discovery.

Groups come in the order of a real `/apis` (the core group first); versions of a group come
most-preferred first (autoscaling v2 before v1); resources of a group-version are sorted by name.
Names, short names, categories, verbs and subresources match the real discovery documents
(kubernetes/kubernetes `api/discovery/*.json`); printer columns come from `printers`; field
selectors are those the real field-label conversions accept.
"""

from __future__ import annotations

from functools import partial

from minikube_py.apiserver import printers
from minikube_py.resources import ALL_VERBS, Column, Resource

# What an Event's object reference offers to field selectors (`involvedObject.*`, `regarding.*`).
_REFERENCE_FIELDS = (
    "kind",
    "namespace",
    "name",
    "uid",
    "apiVersion",
    "resourceVersion",
    "fieldPath",
)


# (group, plural) of the two Event APIs, core/v1 and events.k8s.io/v1: many, short-lived
# objects that the store expires (--event-ttl) and the garbage collector leaves alone.
EVENT_RESOURCES = frozenset({("", "events"), ("events.k8s.io", "events")})


def builtin_resources() -> list[Resource]:
    """Every built-in resource, in discovery order."""
    return [
        *_core(),
        *_apps(),
        *_events(),
        *_autoscaling(),
        *_batch(),
        *_networking(),
        *_policy(),
        *_rbac(),
        *_storage(),
        *_apiextensions(),
        *_coordination(),
        *_discovery(),
    ]


def _core() -> list[Resource]:
    core = partial(_resource, "", "v1")
    return [
        core("Binding", "bindings", verbs=("create",)),
        core("ConfigMap", "configmaps", short=("cm",), columns=printers.CONFIG_MAP_COLUMNS),
        core("Endpoints", "endpoints", short=("ep",), columns=printers.ENDPOINTS_COLUMNS),
        core(
            "Event",
            "events",
            short=("ev",),
            columns=printers.EVENT_COLUMNS,
            fields=(
                *(f"involvedObject.{f}" for f in _REFERENCE_FIELDS),
                *("reason", "reportingComponent", "source", "type"),
            ),
        ),
        core("LimitRange", "limitranges", short=("limits",)),
        core(
            "Namespace",
            "namespaces",
            cluster=True,
            short=("ns",),
            # a namespace is only ever deleted by name (its contents go first)
            verbs=tuple(v for v in ALL_VERBS if v != "deletecollection"),
            sub={"finalize": "Namespace", "status": "Namespace"},
            columns=printers.NAMESPACE_COLUMNS,
            fields=("status.phase",),
        ),
        core(
            "Node",
            "nodes",
            cluster=True,
            short=("no",),
            sub={"status": "Node"},
            columns=printers.NODE_COLUMNS,
            fields=("spec.unschedulable",),
        ),
        core(
            "PersistentVolumeClaim",
            "persistentvolumeclaims",
            short=("pvc",),
            sub={"status": "PersistentVolumeClaim"},
            columns=printers.PERSISTENT_VOLUME_CLAIM_COLUMNS,
        ),
        core(
            "PersistentVolume",
            "persistentvolumes",
            cluster=True,
            short=("pv",),
            sub={"status": "PersistentVolume"},
            columns=printers.PERSISTENT_VOLUME_COLUMNS,
        ),
        core(
            "Pod",
            "pods",
            short=("po",),
            categories=("all",),
            sub={
                "attach": "PodAttachOptions",
                "binding": "Binding",
                "eviction": "Eviction",
                "exec": "PodExecOptions",
                "log": "Pod",
                "portforward": "PodPortForwardOptions",
                "status": "Pod",
            },
            columns=printers.POD_COLUMNS,
            fields=(
                "spec.nodeName",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "spec.hostNetwork",
                "status.phase",
                "status.podIP",
                "status.podIPs",
                "status.nominatedNodeName",
            ),
        ),
        core("PodTemplate", "podtemplates", columns=printers.POD_TEMPLATE_COLUMNS),
        core(
            "ReplicationController",
            "replicationcontrollers",
            short=("rc",),
            categories=("all",),
            sub={"scale": "Scale", "status": "ReplicationController"},
            columns=printers.REPLICATION_CONTROLLER_COLUMNS,
            fields=("status.replicas",),
        ),
        core(
            "ResourceQuota",
            "resourcequotas",
            short=("quota",),
            sub={"status": "ResourceQuota"},
            columns=printers.RESOURCE_QUOTA_COLUMNS,
        ),
        core("Secret", "secrets", columns=printers.SECRET_COLUMNS, fields=("type",)),
        core(
            "ServiceAccount",
            "serviceaccounts",
            short=("sa",),
            sub={"token": "TokenRequest"},
            columns=printers.SERVICE_ACCOUNT_COLUMNS,
        ),
        core(
            "Service",
            "services",
            short=("svc",),
            categories=("all",),
            sub={"status": "Service"},
            columns=printers.SERVICE_COLUMNS,
            fields=("spec.clusterIP", "spec.type"),
        ),
    ]


def _apps() -> list[Resource]:
    apps = partial(_resource, "apps", "v1")
    return [
        apps(
            "ControllerRevision",
            "controllerrevisions",
            columns=printers.CONTROLLER_REVISION_COLUMNS,
        ),
        apps(
            "DaemonSet",
            "daemonsets",
            short=("ds",),
            categories=("all",),
            sub={"status": "DaemonSet"},
            columns=printers.DAEMON_SET_COLUMNS,
        ),
        apps(
            "Deployment",
            "deployments",
            short=("deploy",),
            categories=("all",),
            sub={"scale": "Scale", "status": "Deployment"},
            columns=printers.DEPLOYMENT_COLUMNS,
        ),
        apps(
            "ReplicaSet",
            "replicasets",
            short=("rs",),
            categories=("all",),
            sub={"scale": "Scale", "status": "ReplicaSet"},
            columns=printers.REPLICA_SET_COLUMNS,
            fields=("status.replicas",),
        ),
        apps(
            "StatefulSet",
            "statefulsets",
            short=("sts",),
            categories=("all",),
            sub={"scale": "Scale", "status": "StatefulSet"},
            columns=printers.STATEFUL_SET_COLUMNS,
        ),
    ]


def _events() -> list[Resource]:
    return [
        _resource(
            "events.k8s.io",
            "v1",
            "Event",
            "events",
            short=("ev",),
            columns=printers.EVENTS_V1_COLUMNS,
            fields=(
                *(f"regarding.{f}" for f in _REFERENCE_FIELDS),
                *("reason", "reportingController", "source", "type"),
            ),
        )
    ]


def _autoscaling() -> list[Resource]:
    def hpa(version: str, columns: tuple[Column, ...]) -> Resource:
        return _resource(
            "autoscaling",
            version,
            "HorizontalPodAutoscaler",
            "horizontalpodautoscalers",
            short=("hpa",),
            categories=("all",),
            sub={"status": "HorizontalPodAutoscaler"},
            columns=columns,
        )

    # v2 is the preferred version, so it is registered first
    return [hpa("v2", printers.HPA_V2_COLUMNS), hpa("v1", printers.HPA_V1_COLUMNS)]


def _batch() -> list[Resource]:
    return [
        _resource(
            "batch",
            "v1",
            "CronJob",
            "cronjobs",
            short=("cj",),
            categories=("all",),
            sub={"status": "CronJob"},
            columns=printers.CRON_JOB_COLUMNS,
        ),
        _resource(
            "batch",
            "v1",
            "Job",
            "jobs",
            categories=("all",),
            sub={"status": "Job"},
            columns=printers.JOB_COLUMNS,
            fields=("status.successful",),
        ),
    ]


def _networking() -> list[Resource]:
    networking = partial(_resource, "networking.k8s.io", "v1")
    return [
        networking(
            "IngressClass", "ingressclasses", cluster=True, columns=printers.INGRESS_CLASS_COLUMNS
        ),
        networking(
            "Ingress",
            "ingresses",
            short=("ing",),
            sub={"status": "Ingress"},
            columns=printers.INGRESS_COLUMNS,
        ),
        networking(
            "NetworkPolicy",
            "networkpolicies",
            short=("netpol",),
            columns=printers.NETWORK_POLICY_COLUMNS,
        ),
    ]


def _policy() -> list[Resource]:
    return [
        _resource(
            "policy",
            "v1",
            "PodDisruptionBudget",
            "poddisruptionbudgets",
            short=("pdb",),
            sub={"status": "PodDisruptionBudget"},
            columns=printers.POD_DISRUPTION_BUDGET_COLUMNS,
        )
    ]


def _rbac() -> list[Resource]:
    rbac = partial(_resource, "rbac.authorization.k8s.io", "v1")
    return [
        rbac(
            "ClusterRoleBinding",
            "clusterrolebindings",
            cluster=True,
            columns=printers.CLUSTER_ROLE_BINDING_COLUMNS,
        ),
        rbac("ClusterRole", "clusterroles", cluster=True),
        rbac("RoleBinding", "rolebindings", columns=printers.ROLE_BINDING_COLUMNS),
        rbac("Role", "roles"),
    ]


def _storage() -> list[Resource]:
    return [
        _resource(
            "storage.k8s.io",
            "v1",
            "StorageClass",
            "storageclasses",
            cluster=True,
            short=("sc",),
            columns=printers.STORAGE_CLASS_COLUMNS,
        )
    ]


def _apiextensions() -> list[Resource]:
    return [
        _resource(
            "apiextensions.k8s.io",
            "v1",
            "CustomResourceDefinition",
            "customresourcedefinitions",
            cluster=True,
            short=("crd", "crds"),
            categories=("api-extensions",),
            sub={"status": "CustomResourceDefinition"},
        )
    ]


def _coordination() -> list[Resource]:
    return [
        _resource("coordination.k8s.io", "v1", "Lease", "leases", columns=printers.LEASE_COLUMNS)
    ]


def _discovery() -> list[Resource]:
    return [
        _resource(
            "discovery.k8s.io",
            "v1",
            "EndpointSlice",
            "endpointslices",
            columns=printers.ENDPOINT_SLICE_COLUMNS,
        )
    ]


def _resource(
    group: str,
    version: str,
    kind: str,
    plural: str,
    *,
    cluster: bool = False,
    short: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    verbs: tuple[str, ...] = ALL_VERBS,
    sub: dict[str, str] | None = None,
    columns: tuple[Column, ...] = (),
    fields: tuple[str, ...] = (),
) -> Resource:
    """An entry with what every built-in shares: the singular is the lower-case kind."""
    return Resource(
        group=group,
        version=version,
        kind=kind,
        plural=plural,
        singular=kind.lower(),
        namespaced=not cluster,
        short_names=short,
        categories=categories,
        verbs=verbs,
        subresources=dict(sub or {}),
        columns=columns,
        field_selectors=fields,
    )
