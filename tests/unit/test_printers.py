"""Server-side printing: the cells `kubectl get` shows, as a real 1.32 API server computes them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from minikube_py.apiserver import printers
from minikube_py.apiserver.builtin import builtin_resources
from minikube_py.resources import Obj, Resource

NOW = datetime(2026, 1, 1, 1, 0, 0, tzinfo=UTC)
CREATED = "2026-01-01T00:00:00Z"  # an hour before NOW: Age "60m"
RESOURCES = {(r.api_version, r.plural): r for r in builtin_resources()}


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(printers._cells, "now", lambda: NOW)
    yield


def ago(seconds: int) -> str:
    return datetime.fromtimestamp(NOW.timestamp() - seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def row(api_version: str, plural: str, obj: Obj) -> dict[str, Any]:
    """One object's row as {column name: cell}."""
    resource = RESOURCES[(api_version, plural)]
    names = [c.name for c in printers.table_columns(resource)]
    return dict(zip(names, printers.table_row(resource, obj), strict=True))


def meta(name: str = "x", **extra: Any) -> Obj:
    return {"name": name, "creationTimestamp": CREATED, **extra}


# --- durations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-3, "<invalid>"),
        (-1.5, "0s"),
        (0, "0s"),
        (5, "5s"),
        (119, "119s"),
        (120, "2m"),
        (182, "3m2s"),
        (599, "9m59s"),
        (600, "10m"),
        (179 * 60 + 59, "179m"),
        (3 * 3600, "3h"),
        (7 * 3600 + 30 * 60, "7h30m"),
        (8 * 3600, "8h"),
        (47 * 3600 + 59 * 60, "47h"),
        (48 * 3600, "2d"),
        (2 * 86400 + 3 * 3600, "2d3h"),
        (7 * 86400 + 23 * 3600, "7d23h"),
        (8 * 86400, "8d"),
        (729 * 86400, "729d"),
        (730 * 86400, "2y"),
        (2 * 365 * 86400 + 40 * 86400, "2y40d"),
        (5 * 365 * 86400, "5y"),
        (8 * 365 * 86400 + 100 * 86400, "8y"),
    ],
    ids=str,
)
def test_human_duration(seconds: float, text: str) -> None:
    """Same text as duration.HumanDuration for each of its ranges."""
    assert printers.human_duration(seconds) == text


def test_age_and_created_at() -> None:
    """Age is relative to now; `Created At` (default table) is the UTC timestamp itself."""
    obj = {"metadata": {"creationTimestamp": "2026-01-01T02:00:00+02:00"}}
    assert printers.age(obj) == "60m"
    assert printers.created_at(obj) == "2026-01-01T00:00:00Z"
    assert printers.age({"metadata": {}}) == "<unknown>"


# --- pods ------------------------------------------------------------------------------------


def container(name: str = "app", **status: Any) -> Obj:
    return {"name": name, "image": f"{name}:1", **status}


def pod(*statuses: Obj, phase: str = "Running", init: tuple[Obj, ...] = (), **extra: Any) -> Obj:
    """A pod with one container per status, a Ready condition when all are ready."""
    ready = all(s.get("ready") for s in statuses) and bool(statuses)
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    conditions += extra.pop("conditions", [])
    return {
        "metadata": meta("web", **extra.pop("metadata", {})),
        "spec": {
            "containers": [container(s["name"]) for s in statuses] or [container()],
            "initContainers": list(extra.pop("init_specs", [])),
            **extra.pop("spec", {}),
        },
        "status": {
            "phase": phase,
            "conditions": conditions,
            "containerStatuses": list(statuses),
            "initContainerStatuses": list(init),
            **extra,
        },
    }


RUNNING = container(ready=True, restartCount=0, state={"running": {"startedAt": CREATED}})


@pytest.mark.parametrize(
    ("obj", "ready", "status", "restarts"),
    [
        pytest.param(pod(phase="Pending"), "0/1", "Pending", "0", id="pending-no-status"),
        pytest.param(pod(RUNNING), "1/1", "Running", "0", id="running"),
        pytest.param(
            pod(
                container(
                    ready=False,
                    restartCount=5,
                    state={"waiting": {"reason": "CrashLoopBackOff"}},
                    lastState={"terminated": {"exitCode": 1, "finishedAt": ago(150)}},
                )
            ),
            "0/1",
            "CrashLoopBackOff",
            "5 (2m30s ago)",
            id="crash-loop",
        ),
        pytest.param(
            pod(container(state={"waiting": {"reason": "ContainerCreating"}}), phase="Pending"),
            "0/1",
            "ContainerCreating",
            "0",
            id="creating",
        ),
        pytest.param(
            pod(
                container(state={"terminated": {"exitCode": 0, "reason": "Completed"}}),
                phase="Succeeded",
            ),
            "0/1",
            "Completed",
            "0",
            id="completed",
        ),
        pytest.param(
            pod(container(state={"terminated": {"exitCode": 137, "signal": 9}}), phase="Failed"),
            "0/1",
            "Signal:9",
            "0",
            id="signal",
        ),
        pytest.param(
            pod(container(state={"terminated": {"exitCode": 3}}), phase="Failed"),
            "0/1",
            "ExitCode:3",
            "0",
            id="exit-code",
        ),
        pytest.param(
            pod(
                RUNNING,
                container("sidecar", state={"terminated": {"exitCode": 0, "reason": "Completed"}}),
            ),
            "1/2",
            "NotReady",
            "0",
            id="completed-with-running-not-ready",
        ),
        pytest.param(
            pod(
                container(state={"waiting": {"reason": "PodInitializing"}}),
                phase="Pending",
                init=(container("setup", state={"waiting": {}}),),
                init_specs=[container("setup")],
            ),
            "0/1",
            "Init:0/1",
            "0",
            id="init-pending",
        ),
        pytest.param(
            pod(
                phase="Pending",
                init=(
                    container("a", state={"terminated": {"exitCode": 0}}),
                    container(
                        "b", restartCount=2, state={"waiting": {"reason": "CrashLoopBackOff"}}
                    ),
                ),
                init_specs=[container("a"), container("b")],
            ),
            "0/1",
            "Init:CrashLoopBackOff",
            "2",
            id="init-crash-loop",
        ),
        pytest.param(
            pod(
                phase="Pending",
                init=(container("a", state={"terminated": {"exitCode": 1, "reason": "Error"}}),),
                init_specs=[container("a")],
            ),
            "0/1",
            "Init:Error",
            "0",
            id="init-error",
        ),
        pytest.param(
            pod(
                RUNNING,
                init=(container("proxy", started=True, ready=True, state={"running": {}}),),
                init_specs=[container("proxy", restartPolicy="Always")],
                conditions=[{"type": "Initialized", "status": "True"}],
            ),
            "2/2",
            "Running",
            "0",
            id="sidecar-counts-as-a-container",
        ),
        pytest.param(
            pod(RUNNING, metadata={"deletionTimestamp": CREATED}),
            "1/1",
            "Terminating",
            "0",
            id="terminating",
        ),
        pytest.param(
            pod(RUNNING, reason="NodeLost", metadata={"deletionTimestamp": CREATED}),
            "1/1",
            "Unknown",
            "0",
            id="node-lost",
        ),
        pytest.param(
            pod(
                phase="Pending",
                conditions=[
                    {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}
                ],
            ),
            "0/1",
            "SchedulingGated",
            "0",
            id="scheduling-gated",
        ),
        pytest.param(
            pod(container(state={"running": {}}, ready=False), reason="Evicted", phase="Failed"),
            "0/1",
            "Evicted",
            "0",
            id="pod-reason",
        ),
    ],
)
def test_pod_ready_status_restarts(obj: Obj, ready: str, status: str, restarts: str) -> None:
    """READY, STATUS and RESTARTS as `kubectl get pods` shows them."""
    cells = row("v1", "pods", obj)
    assert (cells["Ready"], cells["Status"], cells["Restarts"]) == (ready, status, restarts)


def test_pod_wide_columns() -> None:
    """IP, NODE, NOMINATED NODE, READINESS GATES; `<none>` where unset."""
    obj = pod(RUNNING, podIPs=[{"ip": "10.1.0.5"}, {"ip": "fd00::5"}])
    obj["spec"] |= {"nodeName": "node-1", "readinessGates": [{"conditionType": "example.com/lb"}]}
    obj["status"]["conditions"].append({"type": "example.com/lb", "status": "True"})
    cells = row("v1", "pods", obj)
    assert [cells["IP"], cells["Node"], cells["Nominated Node"], cells["Readiness Gates"]] == [
        "10.1.0.5",
        "node-1",
        "<none>",
        "1/1",
    ]
    bare = row("v1", "pods", pod(phase="Pending"))
    assert [bare["IP"], bare["Node"], bare["Readiness Gates"]] == ["<none>"] * 3


def test_pod_columns_are_the_real_ones() -> None:
    """Column names, types and priorities of the real pod table."""
    columns = printers.table_columns(RESOURCES[("v1", "pods")])
    assert [(c.name, c.type, c.priority) for c in columns] == [
        ("Name", "string", 0),
        ("Ready", "string", 0),
        ("Status", "string", 0),
        ("Restarts", "string", 0),
        ("Age", "string", 0),
        ("IP", "string", 1),
        ("Node", "string", 1),
        ("Nominated Node", "string", 1),
        ("Readiness Gates", "string", 1),
    ]
    assert columns[0].definition() == {
        "name": "Name",
        "type": "string",
        "format": "name",
        "description": columns[0].description,
        "priority": 0,
    }
    assert columns[0].description.startswith("Name must be unique within a namespace.")
    assert columns[4].description.startswith("CreationTimestamp is a timestamp representing")


# --- workloads -------------------------------------------------------------------------------

TEMPLATE = {"spec": {"containers": [container("web"), container("log")]}}


def test_deployment_row() -> None:
    """READY UP-TO-DATE AVAILABLE AGE | CONTAINERS IMAGES SELECTOR."""
    deployment = {
        "metadata": meta("web"),
        "spec": {
            "replicas": 3,
            "selector": {
                "matchLabels": {"app": "web"},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}],
            },
            "template": TEMPLATE,
        },
        "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
    }
    assert printers.table_row(RESOURCES[("apps/v1", "deployments")], deployment) == [
        "web",
        "2/3",
        3,
        2,
        "60m",
        "web,log",
        "web:1,log:1",
        "app=web,tier in (a,b)",
    ]


def test_replica_set_and_statefulset_and_daemonset_rows() -> None:
    rs = {
        "metadata": meta("web-1"),
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE},
        "status": {"replicas": 2, "readyReplicas": 1},
    }
    assert printers.table_row(RESOURCES[("apps/v1", "replicasets")], rs)[1:] == [
        2,
        2,
        1,
        "60m",
        "web,log",
        "web:1,log:1",
        "app=web",
    ]
    sts = {"metadata": meta("db"), "spec": {"replicas": 3, "template": TEMPLATE}}
    assert row("apps/v1", "statefulsets", sts)["Ready"] == "0/3"
    ds = {
        "metadata": meta("agent"),
        "spec": {"template": {"spec": {"nodeSelector": {"os": "linux"}, "containers": []}}},
        "status": {"desiredNumberScheduled": 1, "numberReady": 1},
    }
    cells = row("apps/v1", "daemonsets", ds)
    assert cells["Node Selector"] == "os=linux"
    assert cells["Selector"] == "<none>"
    assert (cells["Desired"], cells["Current"], cells["Ready"]) == (1, 0, 1)


@pytest.mark.parametrize(
    ("job", "status", "completions", "duration"),
    [
        pytest.param(
            {"spec": {"completions": 1}, "status": {"startTime": ago(30)}},
            "Running",
            "0/1",
            "30s",
            id="running",
        ),
        pytest.param(
            {
                "spec": {"completions": 3},
                "status": {
                    "succeeded": 3,
                    "startTime": ago(400),
                    "completionTime": ago(100),
                    "conditions": [{"type": "Complete", "status": "True"}],
                },
            },
            "Complete",
            "3/3",
            "5m",
            id="complete",
        ),
        pytest.param(
            {"spec": {"parallelism": 2}, "status": {"succeeded": 1}},
            "Running",
            "1/1 of 2",
            "",
            id="work-queue",
        ),
        pytest.param(
            {"spec": {}, "status": {"conditions": [{"type": "Failed", "status": "True"}]}},
            "Failed",
            "0/1",
            "",
            id="failed",
        ),
        pytest.param(
            {
                "spec": {"suspend": True},
                "status": {"conditions": [{"type": "Suspended", "status": "True"}]},
            },
            "Suspended",
            "0/1",
            "",
            id="suspended",
        ),
    ],
)
def test_job_row(job: Obj, status: str, completions: str, duration: str) -> None:
    cells = row("batch/v1", "jobs", {"metadata": meta(), **job})
    assert (cells["Status"], cells["Completions"], cells["Duration"]) == (
        status,
        completions,
        duration,
    )


def test_cronjob_row() -> None:
    cronjob = {
        "metadata": meta("nightly"),
        "spec": {
            "schedule": "0 3 * * *",
            "suspend": False,
            "jobTemplate": {"spec": {"template": TEMPLATE}},
        },
        "status": {"active": [{"name": "nightly-1"}], "lastScheduleTime": ago(90)},
    }
    assert printers.table_row(RESOURCES[("batch/v1", "cronjobs")], cronjob) == [
        "nightly",
        "0 3 * * *",
        "<none>",
        "False",
        1,
        "90s",
        "60m",
        "web,log",
        "web:1,log:1",
        "<none>",
    ]


# --- services and networking -----------------------------------------------------------------


def service(kind: str, **spec: Any) -> Obj:
    return {"metadata": meta("web"), "spec": {"type": kind, "clusterIPs": ["10.96.0.10"], **spec}}


@pytest.mark.parametrize(
    ("obj", "external", "ports"),
    [
        pytest.param(
            service("ClusterIP", ports=[{"port": 80, "protocol": "TCP"}]),
            "<none>",
            "80/TCP",
            id="cluster-ip",
        ),
        pytest.param(
            service(
                "NodePort",
                ports=[
                    {"port": 80, "nodePort": 30080, "protocol": "TCP"},
                    {"port": 53, "protocol": "UDP"},
                ],
                externalIPs=["192.0.2.1"],
            ),
            "192.0.2.1",
            "80:30080/TCP,53/UDP",
            id="node-port",
        ),
        pytest.param(service("LoadBalancer"), "<pending>", "<none>", id="lb-pending"),
        pytest.param(
            {
                **service("LoadBalancer", externalIPs=["192.0.2.9"]),
                "status": {
                    "loadBalancer": {"ingress": [{"ip": "192.0.2.2"}, {"hostname": "a.example"}]}
                },
            },
            "192.0.2.2,a.example,192.0.2.9",
            "<none>",
            id="lb-ready",
        ),
        pytest.param(
            service("ExternalName", externalName="db.example"),
            "db.example",
            "<none>",
            id="external-name",
        ),
    ],
)
def test_service_row(obj: Obj, external: str, ports: str) -> None:
    """TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE | SELECTOR."""
    cells = row("v1", "services", obj)
    assert (cells["External-IP"], cells["Port(s)"]) == (external, ports)
    assert (cells["Type"], cells["Cluster-IP"], cells["Selector"]) == (
        obj["spec"]["type"],
        "10.96.0.10",
        "<none>",
    )


def test_service_selector_and_missing_cluster_ip() -> None:
    obj = {"metadata": meta(), "spec": {"type": "ClusterIP", "selector": {"b": "2", "a": "1"}}}
    cells = row("v1", "services", obj)
    assert (cells["Cluster-IP"], cells["Selector"]) == ("<none>", "a=1,b=2")


def test_endpoints_and_endpoint_slices_show_three_then_more() -> None:
    endpoints = {
        "metadata": meta(),
        "subsets": [
            {
                "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "fd00::3"}],
                "ports": [{"port": 80}, {"port": 443}],
            }
        ],
    }
    assert row("v1", "endpoints", endpoints)["Endpoints"] == (
        "10.0.0.1:80,10.0.0.2:80,[fd00::3]:80 + 3 more..."
    )
    assert row("v1", "endpoints", {"metadata": meta()})["Endpoints"] == "<none>"
    slice_ = {
        "metadata": meta(),
        "addressType": "IPv4",
        "ports": [{"port": 80}, {"name": "https"}],
        "endpoints": [{"addresses": [f"10.0.0.{i}"]} for i in range(5)],
    }
    cells = row("discovery.k8s.io/v1", "endpointslices", slice_)
    assert (cells["AddressType"], cells["Ports"], cells["Endpoints"]) == (
        "IPv4",
        "80,https",
        "10.0.0.0,10.0.0.1,10.0.0.2 + 2 more...",
    )
    empty = row("discovery.k8s.io/v1", "endpointslices", {"metadata": meta()})
    assert (empty["Ports"], empty["Endpoints"]) == ("<unset>", "<unset>")


def test_ingress_row() -> None:
    ingress = {
        "metadata": meta(),
        "spec": {
            "ingressClassName": "nginx",
            "rules": [{}, {"host": "a.example"}, {"host": "b.example"}, {"host": "c.example"}, {}],
            "tls": [{"hosts": ["a.example"]}],
        },
        "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.7"}]}},
    }
    assert printers.table_row(RESOURCES[("networking.k8s.io/v1", "ingresses")], ingress) == [
        "x",
        "nginx",
        "a.example,b.example,c.example + 2 more...",
        "192.0.2.7",
        "80, 443",
        "60m",
    ]
    bare = row("networking.k8s.io/v1", "ingresses", {"metadata": meta()})
    assert (bare["Class"], bare["Hosts"], bare["Ports"]) == ("<none>", "*", "80")


# --- nodes -----------------------------------------------------------------------------------


def test_node_row() -> None:
    """STATUS ROLES AGE VERSION, then the wide address and node-info columns."""
    node = {
        "metadata": meta(
            "node-1",
            labels={"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "x"},
        ),
        "spec": {"unschedulable": True},
        "status": {
            "conditions": [
                {"type": "MemoryPressure", "status": "False"},
                {"type": "Ready", "status": "True"},
            ],
            "addresses": [{"type": "InternalIP", "address": "192.168.1.10"}],
            "nodeInfo": {"kubeletVersion": "v1.32.0", "osImage": "Debian GNU/Linux 12 (bookworm)"},
        },
    }
    assert printers.table_row(RESOURCES[("v1", "nodes")], node) == [
        "node-1",
        "Ready,SchedulingDisabled",
        "control-plane,x",
        "60m",
        "v1.32.0",
        "192.168.1.10",
        "<none>",
        "Debian GNU/Linux 12 (bookworm)",
        "<unknown>",
        "<unknown>",
    ]
    assert row("v1", "nodes", {"metadata": meta()})["Status"] == "Unknown"
    not_ready = {
        "metadata": meta(),
        "status": {"conditions": [{"type": "Ready", "status": "Unknown"}]},
    }
    assert row("v1", "nodes", not_ready)["Status"] == "NotReady"


# --- events ----------------------------------------------------------------------------------


def test_core_event_row() -> None:
    """LAST SEEN TYPE REASON OBJECT MESSAGE | SUBOBJECT SOURCE FIRST SEEN COUNT NAME."""
    event = {
        "metadata": meta("web.1"),
        "involvedObject": {"kind": "Pod", "name": "web", "fieldPath": "spec.containers{app}"},
        "type": "Normal",
        "reason": "Pulled",
        "message": "Successfully pulled image\n",
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": ago(600),
        "lastTimestamp": ago(65),
        "count": 4,
    }
    columns = printers.table_columns(RESOURCES[("v1", "events")])
    assert [(c.name, c.priority) for c in columns] == [
        ("Last Seen", 0),
        ("Type", 0),
        ("Reason", 0),
        ("Object", 0),
        ("Subobject", 1),
        ("Source", 1),
        ("Message", 0),
        ("First Seen", 1),
        ("Count", 1),
        ("Name", 1),
    ]
    assert printers.table_row(RESOURCES[("v1", "events")], event) == [
        "65s",
        "Normal",
        "Pulled",
        "pod/web",
        "spec.containers{app}",
        "kubelet, node-1",
        "Successfully pulled image",
        "10m",
        4,
        "web.1",
    ]


def test_series_events_and_events_v1_shape() -> None:
    """A new-style event: times from eventTime/series, source from reportingController."""
    event = {
        "metadata": meta("web.2"),
        "regarding": {"kind": "Node", "name": "node-1"},
        "type": "Warning",
        "reason": "Rebooted",
        "note": "Node rebooted",
        "reportingController": "kubelet",
        "eventTime": "2026-01-01T00:30:00.000000Z",
        "series": {"count": 7, "lastObservedTime": "2026-01-01T00:59:00.000000Z"},
    }
    cells = row("events.k8s.io/v1", "events", event)
    assert [
        cells[n] for n in ("Last Seen", "Object", "Message", "Source", "First Seen", "Count")
    ] == [
        "60s",
        "node/node-1",
        "Node rebooted",
        "kubelet",
        "30m",
        7,
    ]
    singleton = row("v1", "events", {"metadata": meta(), "involvedObject": {"kind": "Node"}})
    assert (singleton["Object"], singleton["Count"], singleton["Last Seen"]) == (
        "node",
        1,
        "<unknown>",
    )


# --- storage, config, RBAC, autoscaling ------------------------------------------------------


def test_persistent_volume_and_claim_rows() -> None:
    pv = {
        "metadata": meta("pv-1"),
        "spec": {
            "capacity": {"storage": "10Gi"},
            "accessModes": ["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain",
            "claimRef": {"namespace": "default", "name": "data"},
            "storageClassName": "local",
            "volumeMode": "Filesystem",
        },
        "status": {"phase": "Bound"},
    }
    assert printers.table_row(RESOURCES[("v1", "persistentvolumes")], pv) == [
        "pv-1",
        "10Gi",
        "RWO,RWX",
        "Retain",
        "Bound",
        "default/data",
        "local",
        "<unset>",
        "",
        "60m",
        "Filesystem",
    ]
    pvc = {
        "metadata": meta("data", annotations={"volume.beta.kubernetes.io/storage-class": "old"}),
        "spec": {"storageClassName": "local", "resources": {"requests": {"storage": "1Gi"}}},
        "status": {"phase": "Pending", "capacity": {"storage": "1Gi"}},
    }
    assert printers.table_row(RESOURCES[("v1", "persistentvolumeclaims")], pvc) == [
        "data",
        "Pending",
        "",
        "",
        "",
        "old",
        "<unset>",
        "60m",
        "<unset>",
    ]


def test_storage_class_marks_the_default_in_its_name() -> None:
    resource = RESOURCES[("storage.k8s.io/v1", "storageclasses")]
    default = {
        "metadata": meta(
            "standard", annotations={"storageclass.kubernetes.io/is-default-class": "true"}
        ),
        "provisioner": "rancher.io/local-path",
        "volumeBindingMode": "WaitForFirstConsumer",
    }
    assert printers.table_row(resource, default) == [
        "standard (default)",
        "rancher.io/local-path",
        "Delete",
        "WaitForFirstConsumer",
        False,
        "60m",
    ]
    assert [c.name for c in printers.table_columns(resource)].count("Name") == 1


def test_config_secret_and_service_account_rows() -> None:
    cm = {"metadata": meta(), "data": {"a": "1"}, "binaryData": {"b": "AA=="}}
    assert printers.table_row(RESOURCES[("v1", "configmaps")], cm) == ["x", 2, "60m"]
    secret = {"metadata": meta(), "type": "Opaque", "data": {"a": "MQ=="}}
    assert printers.table_row(RESOURCES[("v1", "secrets")], secret) == ["x", "Opaque", 1, "60m"]
    sa = {"metadata": meta("default")}
    assert printers.table_row(RESOURCES[("v1", "serviceaccounts")], sa) == ["default", 0, "60m"]


def test_role_binding_row() -> None:
    binding = {
        "metadata": meta("admins"),
        "roleRef": {"kind": "ClusterRole", "name": "admin"},
        "subjects": [
            {"kind": "User", "name": "alice"},
            {"kind": "User", "name": "bob"},
            {"kind": "Group", "name": "ops"},
            {"kind": "ServiceAccount", "namespace": "kube-system", "name": "ci"},
        ],
    }
    assert printers.table_row(
        RESOURCES[("rbac.authorization.k8s.io/v1", "rolebindings")], binding
    ) == [
        "admins",
        "ClusterRole/admin",
        "60m",
        "alice, bob",
        "ops",
        "kube-system/ci",
    ]


def test_resource_quota_splits_requests_and_limits() -> None:
    quota = {
        "metadata": meta(),
        "status": {
            "hard": {"pods": "10", "limits.cpu": "2", "requests.cpu": "1"},
            "used": {"pods": "3", "requests.cpu": "500m"},
        },
    }
    cells = row("v1", "resourcequotas", quota)
    assert (cells["Request"], cells["Limit"]) == (
        "pods: 3/10, requests.cpu: 500m/1",
        "limits.cpu: 0/2",
    )


def test_controller_revision_names_its_controller() -> None:
    revision = {
        "metadata": meta(
            "web-7f8",
            ownerReferences=[
                {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "controller": True}
            ],
        ),
        "revision": 3,
    }
    assert printers.table_row(RESOURCES[("apps/v1", "controllerrevisions")], revision) == [
        "web-7f8",
        "statefulset.apps/web",
        3,
        "60m",
    ]


def test_hpa_targets_in_both_versions() -> None:
    v2 = {
        "metadata": meta("web"),
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "web"},
            "minReplicas": 1,
            "maxReplicas": 5,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 80},
                    },
                },
                {"type": "Pods", "pods": {"target": {"averageValue": "1k"}}},
                {"type": "External", "external": {"target": {"value": "10"}}},
            ],
        },
        "status": {
            "currentReplicas": 2,
            "currentMetrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "current": {"averageUtilization": 42}},
                }
            ],
        },
    }
    assert printers.table_row(RESOURCES[("autoscaling/v2", "horizontalpodautoscalers")], v2) == [
        "web",
        "Deployment/web",
        "cpu: 42%/80%, <unknown>/1k + 1 more...",
        "1",
        5,
        2,
        "60m",
    ]
    v1 = {"metadata": meta("web"), "spec": {"targetCPUUtilizationPercentage": 50, "maxReplicas": 3}}
    cells = row("autoscaling/v1", "horizontalpodautoscalers", v1)
    assert (cells["Targets"], cells["MinPods"]) == ("cpu: <unknown>/50%", "<unset>")


def test_pdb_and_namespace_and_lease_rows() -> None:
    pdb = {"metadata": meta(), "spec": {"minAvailable": "50%"}, "status": {"disruptionsAllowed": 1}}
    assert printers.table_row(RESOURCES[("policy/v1", "poddisruptionbudgets")], pdb) == [
        "x",
        "50%",
        "N/A",
        1,
        "60m",
    ]
    ns = {"metadata": meta("default"), "status": {"phase": "Active"}}
    assert printers.table_row(RESOURCES[("v1", "namespaces")], ns) == ["default", "Active", "60m"]
    lease = {"metadata": meta("node-1"), "spec": {"holderIdentity": "node-1"}}
    assert printers.table_row(RESOURCES[("coordination.k8s.io/v1", "leases")], lease) == [
        "node-1",
        "node-1",
        "60m",
    ]


def test_default_table_for_resources_without_a_printer() -> None:
    """Name and `Created At` (a date), as `rest.NewDefaultTableConvertor` prints."""
    resource = RESOURCES[("rbac.authorization.k8s.io/v1", "clusterroles")]
    columns = printers.table_columns(resource)
    assert [(c.name, c.type, c.format) for c in columns] == [
        ("Name", "string", "name"),
        ("Created At", "date", ""),
    ]
    assert printers.table_row(resource, {"metadata": meta("admin")}) == ["admin", CREATED]


# --- selectors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "text"),
    [
        pytest.param(None, "<none>", id="absent"),
        pytest.param({}, "<none>", id="empty"),
        pytest.param({"matchLabels": {"b": "2", "a": "1"}}, "a=1,b=2", id="labels"),
        pytest.param(
            {
                "matchLabels": {"z": "1"},
                "matchExpressions": [
                    {"key": "env", "operator": "NotIn", "values": ["prod", "dev"]},
                    {"key": "gpu", "operator": "Exists"},
                    {"key": "spot", "operator": "DoesNotExist"},
                ],
            },
            "env notin (dev,prod),gpu,!spot,z=1",
            id="expressions",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "In"}]}, "<error>", id="invalid"
        ),
    ],
)
def test_format_label_selector(selector: Any, text: str) -> None:
    assert printers.format_label_selector(selector) == text


# --- every resource ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "resource", builtin_resources(), ids=lambda r: f"{r.group_resource}/{r.version}"
)
def test_minimal_object_has_a_cell_per_column(resource: Resource) -> None:
    """No printer crashes on an object with nothing but a name and a creation time."""
    obj = {"metadata": {"name": "x", "creationTimestamp": "2026-01-01T00:00:00Z"}}
    columns = printers.table_columns(resource)
    cells = printers.table_row(resource, obj)
    assert len(cells) == len(columns)
    assert "x" in cells
    assert [c for c in columns if c.format == "name"] != []
    for column in columns:
        assert column.type in ("string", "integer", "number", "boolean", "date")
        assert column.description
        assert column.priority in (0, 1)
