"""The scheduler (`minikube_py.sched`, `minikube_py.scheduling`): requests, filters, scores,
kube-scheduler's messages, the queue, and the whole loop against an in-process API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from minikube_py.apiserver.bootstrap import ensure_namespaces
from minikube_py.apiserver.builtin import builtin_resources
from minikube_py.apiserver.rest import RestStorage
from minikube_py.client import LocalClient, QueueShutDown
from minikube_py.resources import Obj, Registry, Resource, clone
from minikube_py.sched import Scheduler
from minikube_py.scheduling import LEAST_ALLOCATED, MOST_ALLOCATED
from minikube_py.scheduling.cache import Cache, NodeInfo
from minikube_py.scheduling.framework import Framework, Unschedulable
from minikube_py.scheduling.plugins import (
    SELECTED_NODE,
    Rejection,
    VolumeBinding,
    default_filters,
    default_scores,
)
from minikube_py.scheduling.podinfo import PodInfo, pod_requests
from minikube_py.scheduling.queue import SchedulingQueue
from minikube_py.store import Store
from tests.unit.inprocess import eventually

GI = 1024**3
MI = 1024**2


def container(cpu: str | None = None, memory: str | None = None, **extra: object) -> Obj:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    return {"name": "c", "image": "busybox", "resources": {"requests": requests}, **extra}


def pod(
    name: str = "p", *, cpu: str | None = "100m", memory: str | None = "64Mi", **spec: object
) -> Obj:
    body: Obj = {"containers": [container(cpu, memory)], **spec}
    return {"metadata": {"name": name, "namespace": "ns", "uid": f"{name}-uid"}, "spec": body}


def node_object(
    name: str,
    *,
    cpu: str = "4",
    memory: str = "8Gi",
    pods: str = "110",
    labels: dict[str, str] | None = None,
    taints: list[Obj] | None = None,
    unschedulable: bool = False,
    **allocatable: str,
) -> Obj:
    spec: Obj = {"unschedulable": True} if unschedulable else {}
    if taints:
        spec["taints"] = taints
    amounts = {"cpu": cpu, "memory": memory, "pods": pods, **allocatable}
    return {
        "metadata": {"name": name, "labels": labels or {}},
        "spec": spec,
        "status": {"allocatable": amounts, "capacity": amounts},
    }


def node(name: str, **options: object) -> NodeInfo:
    info = NodeInfo(name)
    info.set_node(node_object(name, **options))  # type: ignore[arg-type]
    return info


class NoVolumes:
    def __init__(self, objects: dict[str, Obj] | None = None) -> None:
        self.objects = objects or {}

    def claim(self, namespace: str, name: str) -> Obj | None:
        return self.objects.get(f"claim:{namespace}/{name}")

    def volume(self, name: str) -> Obj | None:
        return self.objects.get(f"volume:{name}")

    def storage_class(self, name: str) -> Obj | None:
        return self.objects.get(f"class:{name}")


def framework(strategy: str = MOST_ALLOCATED, volumes: NoVolumes | None = None) -> Framework:
    filters = default_filters(VolumeBinding(volumes or NoVolumes()))
    return Framework(filters, default_scores(strategy))


def fitting(subject: Obj, nodes: list[NodeInfo]) -> list[str] | list[tuple[str, ...]]:
    """The names of the nodes the pod fits, or each node's rejection reasons if none."""
    found = framework().find_feasible(PodInfo.from_pod(subject), nodes)
    assert not isinstance(found, Rejection)
    feasible, rejections = found
    return [n.name for n in feasible] if feasible else [r.reasons for r in rejections]


# ---- requests --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "requests", "nonzero"),
    [
        pytest.param(
            {"containers": [container("2", "1G"), container("1", "1G")]},
            {"cpu": 3000, "memory": 2 * 10**9},
            {"cpu": 3000, "memory": 2 * 10**9},
            id="containers-add-up",
        ),
        pytest.param(
            {
                "containers": [container("2", "1G"), container("1", "1G")],
                "initContainers": [container("2", "1G"), container("2", "3G")],
            },
            {"cpu": 3000, "memory": 3 * 10**9},
            {"cpu": 3000, "memory": 3 * 10**9},
            id="largest-init-container",
        ),
        pytest.param(
            {
                "containers": [container("1")],
                "initContainers": [
                    container("1", restartPolicy="Always"),
                    container("2"),
                ],
            },
            {"cpu": 3000},
            {"cpu": 3000, "memory": 400 * MI},
            id="sidecar-runs-beside-later-init-containers",
        ),
        pytest.param(
            {"containers": [container("500m", "1Gi")], "overhead": {"cpu": "250m"}},
            {"cpu": 750, "memory": GI},
            {"cpu": 750, "memory": GI},
            id="overhead",
        ),
        pytest.param(
            {"containers": [container(), container("10m")]},
            {"cpu": 10},
            {"cpu": 110, "memory": 400 * MI},
            id="defaults-for-scores-only",
        ),
        pytest.param(
            {"containers": [container(**{"resources": {"requests": {"example.com/gpu": "2"}}})]},
            {"example.com/gpu": 2},
            {"cpu": 100, "memory": 200 * MI, "example.com/gpu": 2},
            id="extended-resource",
        ),
    ],
)
def test_pod_requests(spec: Obj, requests: dict[str, int], nonzero: dict[str, int]) -> None:
    """resourcehelper.PodRequests: sums, the init-container maximum, sidecars, overhead."""
    assert pod_requests(spec) == (requests, nonzero)


# ---- filters ---------------------------------------------------------------------------------


def test_resources_fit() -> None:
    """Requests are compared with allocatable minus what the node's pods already request."""
    busy = node("busy", cpu="1")
    busy.add_pod(PodInfo.from_pod(pod("running", cpu="900m")))
    nodes = [busy, node("free", cpu="1")]
    assert fitting(pod(cpu="200m"), nodes) == ["free"]


@pytest.mark.parametrize(
    ("subject", "options", "reasons"),
    [
        pytest.param(pod(cpu="5"), {}, ("Insufficient cpu",), id="cpu"),
        pytest.param(pod(memory="9Gi"), {}, ("Insufficient memory",), id="memory"),
        pytest.param(
            pod(cpu="5", memory="9Gi"), {}, ("Insufficient cpu", "Insufficient memory"), id="both"
        ),
        pytest.param(pod(cpu=None, memory=None), {"pods": "0"}, ("Too many pods",), id="pods"),
        pytest.param(
            {
                **pod(),
                "spec": {
                    "containers": [container(resources={"requests": {"ephemeral-storage": "2Gi"}})]
                },
            },
            {"ephemeral-storage": "1Gi"},
            ("Insufficient ephemeral-storage",),
            id="ephemeral-storage",
        ),
        pytest.param(
            {
                **pod(),
                "spec": {"containers": [container(resources={"requests": {"x.io/gpu": "1"}})]},
            },
            {},
            ("Insufficient x.io/gpu",),
            id="extended-resource-absent",
        ),
        pytest.param(
            pod(initContainers=[container("5")]), {}, ("Insufficient cpu",), id="init-container"
        ),
        pytest.param(pod(overhead={"cpu": "4"}), {}, ("Insufficient cpu",), id="overhead"),
    ],
)
def test_resources_do_not_fit(
    subject: Obj, options: dict[str, str], reasons: tuple[str, ...]
) -> None:
    """Each missing resource is named, as NodeResourcesFit words it."""
    assert fitting(subject, [node("n", **options)]) == [reasons]  # type: ignore[arg-type]


def test_extended_resource_fits_where_offered() -> None:
    gpu = {"resources": {"requests": {"x.io/gpu": "1"}}}
    subject = {**pod(), "spec": {"containers": [container(**gpu)]}}
    nodes = [node("plain"), node("gpu", **{"x.io/gpu": "2"})]
    assert fitting(subject, nodes) == ["gpu"]


ZONES = {"a": {"zone": "a", "size": "4"}, "b": {"zone": "b", "size": "16"}, "c": {}}


def required(*terms: Obj) -> Obj:
    return {
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}
            }
        }
    }


def expression(key: str, operator: str, *values: str) -> Obj:
    return {"matchExpressions": [{"key": key, "operator": operator, "values": list(values)}]}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({"nodeSelector": {"zone": "a"}}, ["a"], id="nodeSelector"),
        pytest.param({"nodeSelector": {"zone": "a", "size": "16"}}, [], id="nodeSelector-all"),
        pytest.param(required(expression("zone", "In", "a", "b")), ["a", "b"], id="In"),
        pytest.param(required(expression("zone", "NotIn", "a")), ["b", "c"], id="NotIn"),
        pytest.param(required(expression("zone", "Exists")), ["a", "b"], id="Exists"),
        pytest.param(required(expression("zone", "DoesNotExist")), ["c"], id="DoesNotExist"),
        pytest.param(required(expression("size", "Gt", "8")), ["b"], id="Gt"),
        pytest.param(required(expression("size", "Lt", "8")), ["a"], id="Lt"),
        pytest.param(
            required(expression("zone", "In", "a"), expression("zone", "In", "b")),
            ["a", "b"],
            id="terms-ORed",
        ),
        pytest.param(
            required(
                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["c"]}]}
            ),
            ["c"],
            id="matchFields-name",
        ),
        pytest.param(required({}), [], id="empty-term-matches-nothing"),
        pytest.param(
            {"nodeSelector": {"zone": "b"}, **required(expression("size", "Lt", "8"))},
            [],
            id="selector-AND-affinity",
        ),
    ],
)
def test_node_affinity(spec: Obj, expected: list[str]) -> None:
    """nodeSelector and required node affinity, every operator; a miss is worded as upstream."""
    nodes = [node(name, labels=labels) for name, labels in ZONES.items()]
    result = fitting(pod(**spec), nodes)
    if expected:
        assert result == expected
    else:
        assert result == [("node(s) didn't match Pod's node affinity/selector",)] * 3


GPU_TAINT = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}


@pytest.mark.parametrize(
    ("taint", "tolerations", "fits"),
    [
        pytest.param(GPU_TAINT, [], False, id="untolerated"),
        pytest.param(
            GPU_TAINT,
            [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}],
            True,
            id="equal",
        ),
        pytest.param(GPU_TAINT, [{"key": "dedicated", "value": "cpu"}], False, id="other-value"),
        pytest.param(GPU_TAINT, [{"key": "dedicated", "operator": "Exists"}], True, id="exists"),
        pytest.param(GPU_TAINT, [{"operator": "Exists"}], True, id="empty-key-exists"),
        pytest.param(
            GPU_TAINT,
            [{"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}],
            False,
            id="other-effect",
        ),
        pytest.param({**GPU_TAINT, "effect": "NoExecute"}, [], False, id="no-execute"),
        pytest.param(
            {**GPU_TAINT, "effect": "PreferNoSchedule"}, [], True, id="prefer-only-scores"
        ),
    ],
)
def test_taints(taint: Obj, tolerations: list[Obj], fits: bool) -> None:
    """TaintToleration: NoSchedule and NoExecute taints need a matching toleration."""
    result = fitting(pod(tolerations=tolerations), [node("n", taints=[taint])])
    if fits:
        assert result == ["n"]
    else:
        assert result == [("node(s) had untolerated taint {dedicated: gpu}",)]


def test_unschedulable_node() -> None:
    """A cordoned node takes only pods that tolerate node.kubernetes.io/unschedulable."""
    cordoned = [node("n", unschedulable=True)]
    assert fitting(pod(), cordoned) == [("node(s) were unschedulable",)]
    toleration = {"key": "node.kubernetes.io/unschedulable", "operator": "Exists"}
    assert fitting(pod(tolerations=[toleration]), cordoned) == ["n"]


def with_port(host_port: int, protocol: str = "TCP", host_ip: str = "") -> Obj:
    port: Obj = {"containerPort": 80, "hostPort": host_port, "protocol": protocol}
    if host_ip:
        port["hostIP"] = host_ip
    return {**pod(), "spec": {"containers": [container("10m", ports=[port])]}}


@pytest.mark.parametrize(
    ("held", "wanted", "fits"),
    [
        pytest.param(with_port(8080), with_port(8080), False, id="same-port"),
        pytest.param(with_port(8080), with_port(8081), True, id="other-port"),
        pytest.param(with_port(53), with_port(53, "UDP"), True, id="other-protocol"),
        pytest.param(
            with_port(80, host_ip="10.0.0.1"),
            with_port(80, host_ip="10.0.0.2"),
            True,
            id="other-ip",
        ),
        pytest.param(with_port(80, host_ip="10.0.0.1"), with_port(80), False, id="wildcard"),
        pytest.param(with_port(80), with_port(80, host_ip="10.0.0.1"), False, id="held-wildcard"),
    ],
)
def test_host_ports(held: Obj, wanted: Obj, fits: bool) -> None:
    """NodePorts: a host port held on 0.0.0.0 clashes with any address of the same port."""
    taken = node("n")
    taken.add_pod(PodInfo.from_pod({**held, "metadata": {**held["metadata"], "uid": "held"}}))
    expected = ["n"] if fits else [("node(s) didn't have free ports for the requested pod ports",)]
    assert fitting(wanted, [taken]) == expected


def claim(name: str, *, volume: str = "", storage_class: str = "") -> Obj:
    spec = {"volumeName": volume} if volume else {}
    if storage_class:
        spec["storageClassName"] = storage_class
    return {"metadata": {"name": name, "namespace": "ns"}, "spec": spec}


def test_volume_node_affinity() -> None:
    """A bound claim's volume pins the pod to the nodes its node affinity allows."""
    selector = expression("kubernetes.io/hostname", "In", "b")
    volume = {
        "metadata": {"name": "pv"},
        "spec": {"nodeAffinity": {"required": {"nodeSelectorTerms": [selector]}}},
    }
    volumes = NoVolumes({"claim:ns/data": claim("data", volume="pv"), "volume:pv": volume})
    subject = pod(volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}])
    nodes = [node(n, labels={"kubernetes.io/hostname": n}) for n in "ab"]
    found = framework(volumes=volumes).find_feasible(PodInfo.from_pod(subject), nodes)
    assert not isinstance(found, Rejection)
    assert [n.name for n in found[0]] == ["b"]
    assert found[1] == [Rejection(("node(s) had volume node affinity conflict",))]


# ---- messages --------------------------------------------------------------------------------


def message(subject: Obj, nodes: list[NodeInfo], volumes: NoVolumes | None = None) -> str:
    outcome = framework(volumes=volumes).schedule(PodInfo.from_pod(subject), nodes)
    assert isinstance(outcome, Unschedulable)
    return outcome.message


CONTROL_PLANE = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


@pytest.mark.parametrize(
    ("subject", "nodes", "volumes", "expected"),
    [
        pytest.param(
            pod(cpu="5"),
            [node("cp", taints=[CONTROL_PLANE]), node("w1"), node("w2")],
            None,
            "0/3 nodes are available: 1 node(s) had untolerated taint "
            "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 "
            "nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption "
            "victims found for incoming pod.",
            id="mixed",
        ),
        pytest.param(
            pod(nodeSelector={"disk": "ssd"}),
            [node("a")],
            None,
            "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. "
            "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
            id="selector",
        ),
        pytest.param(
            pod(cpu="5", preemptionPolicy="Never"),
            [node("a")],
            None,
            "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to "
            "preemptionPolicy=Never.",
            id="never-preempts",
        ),
        pytest.param(
            pod(volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "gone"}}]),
            [node("a"), node("b")],
            None,
            '0/2 nodes are available: persistentvolumeclaim "gone" not found. preemption: 0/2 '
            "nodes are available: 2 Preemption is not helpful for scheduling.",
            id="pre-filter",
        ),
        pytest.param(
            pod(volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]),
            [node("a")],
            NoVolumes({"claim:ns/data": claim("data", storage_class="fast")}),
            "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. "
            "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
            id="unbound-immediate-claim",
        ),
        pytest.param(
            pod(volumes=[{"name": "scratch", "ephemeral": {"volumeClaimTemplate": {}}}]),
            [node("a")],
            None,
            "0/1 nodes are available: waiting for ephemeral volume controller to create the "
            'persistentvolumeclaim "p-scratch". preemption: 0/1 nodes are available: 1 '
            "Preemption is not helpful for scheduling.",
            id="ephemeral-claim-not-made-yet",
        ),
        pytest.param(pod(), [], None, "no nodes available to schedule pods", id="no-nodes"),
    ],
)
def test_unschedulable_message(
    subject: Obj, nodes: list[NodeInfo], volumes: NoVolumes | None, expected: str
) -> None:
    """FitError.Error() and the preemption summary, word for word as kube-scheduler 1.32."""
    assert message(subject, nodes, volumes) == expected


def test_long_message_is_truncated() -> None:
    taints = [{"key": f"k{i}" * 40, "effect": "NoSchedule"} for i in range(30)]
    nodes = [node(f"n{i}", taints=[taints[i]]) for i in range(30)]
    text = message(pod(), nodes)
    assert len(text) == 1024 and text.endswith(" ...")


# ---- scores ----------------------------------------------------------------------------------


def place(strategy: str, pods: list[Obj], nodes: list[NodeInfo]) -> list[str]:
    """Schedule pods one after the other, each assumed on its node, as the scheduler does."""
    chooser, cache = framework(strategy), Cache()
    for info in nodes:
        cache.nodes[info.name] = info
    chosen = []
    for subject in pods:
        info = PodInfo.from_pod(subject)
        outcome = chooser.schedule(info, nodes)
        assert isinstance(outcome, NodeInfo)
        cache.assume(info, outcome.name)
        chosen.append(outcome.name)
    return chosen


def replicas(count: int, owner: str = "rs-uid") -> list[Obj]:
    refs = [{"kind": "ReplicaSet", "name": "rs", "uid": owner, "controller": True}]
    result = []
    for i in range(count):
        subject = pod(f"p{i}")
        subject["metadata"]["ownerReferences"] = refs
        result.append(subject)
    return result


@pytest.mark.parametrize(
    ("strategy", "nodes_used", "most_on_one"),
    [
        pytest.param(MOST_ALLOCATED, 1, 10, id="MostAllocated-packs"),
        pytest.param(LEAST_ALLOCATED, 5, 2, id="LeastAllocated-spreads"),
    ],
)
def test_ten_small_pods_on_five_nodes(strategy: str, nodes_used: int, most_on_one: int) -> None:
    """Bin-packing puts a controller's 10 small pods on the fewest nodes (spreading only breaks
    ties); LeastAllocated spreads them evenly."""
    chosen = place(strategy, replicas(10), [node(f"n{i}") for i in range(5)])
    assert len(set(chosen)) == nodes_used
    assert max(chosen.count(n) for n in set(chosen)) == most_on_one


def test_bin_packing_prefers_the_fuller_node() -> None:
    """MostAllocated picks the busier node that fits; LeastAllocated the idler one."""
    idle, busy = node("a"), node("b")
    busy.add_pod(PodInfo.from_pod(pod("running", cpu="2", memory="4Gi")))
    assert place(MOST_ALLOCATED, [pod()], [idle, busy]) == ["b"]
    assert place(LEAST_ALLOCATED, [pod("q")], [idle, busy]) == ["a"]


def test_spreading_breaks_ties() -> None:
    """Between equally loaded nodes, the one with fewer pods of the same controller wins."""
    a, b = node("a"), node("b")
    a.add_pod(PodInfo.from_pod(replicas(1)[0]))
    other = pod("other")
    other["metadata"]["uid"] = "other-uid"
    b.add_pod(PodInfo.from_pod(other))
    assert place(MOST_ALLOCATED, [replicas(2)[1]], [a, b]) == ["b"]


def test_preferred_affinity_and_prefer_no_schedule() -> None:
    """Preferred node affinity (weight 2) and PreferNoSchedule taints (weight 3) steer pods."""
    preferred = {
        "affinity": {
            "nodeAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 50, "preference": expression("disk", "In", "ssd")}
                ]
            }
        }
    }
    nodes = [node("hdd", labels={"disk": "hdd"}), node("ssd", labels={"disk": "ssd"})]
    assert place(MOST_ALLOCATED, [pod(**preferred)], nodes) == ["ssd"]
    soft = {"key": "spot", "value": "true", "effect": "PreferNoSchedule"}
    nodes = [node("spot", taints=[soft]), node("steady")]
    assert place(MOST_ALLOCATED, [pod()], nodes) == ["steady"]


def test_search_rotates_and_stops_early_on_large_clusters() -> None:
    """numFeasibleNodesToFind: 1,000 nodes → 420 looked at; the next pod starts after them."""
    chooser = framework()
    nodes = [node(f"n{i:04}") for i in range(1000)]
    found = chooser.find_feasible(PodInfo.from_pod(pod()), nodes)
    assert not isinstance(found, Rejection)
    assert len(found[0]) == 420 and found[0][0].name == "n0000"
    found = chooser.find_feasible(PodInfo.from_pod(pod()), nodes)
    assert not isinstance(found, Rejection)
    assert found[0][0].name == "n0420"


# ---- cache -----------------------------------------------------------------------------------


def test_cache_assume_confirm_forget() -> None:
    """An assumed pod holds its node's resources until its binding fails; once seen bound,
    a late failure no longer frees them."""
    cache = Cache()
    cache.set_node(node_object("n"))
    info = PodInfo.from_pod(pod(cpu="1"))
    cache.assume(info, "n")
    assert cache.nodes["n"].requested.cpu == 1000
    cache.forget(info.uid)
    assert cache.nodes["n"].requested.cpu == 0 and not cache.nodes["n"].pods
    cache.assume(info, "n")
    cache.confirm(info.uid)
    cache.forget(info.uid)
    assert cache.nodes["n"].requested.cpu == 1000
    cache.remove_node("n")
    assert cache.node_list() == [] and cache.nodes["n"].pods  # its pods stay counted
    assert cache.remove_pod(info.uid) and "n" not in cache.nodes


def test_node_changes_that_matter() -> None:
    """Only changes that can let a pod fit (not heartbeats) report a change."""
    cache = Cache()
    body = node_object("n")
    assert cache.set_node(body)
    heartbeat = {**body, "status": {**body["status"], "conditions": [{"type": "Ready"}]}}
    assert not cache.set_node(heartbeat)
    assert cache.set_node({**body, "metadata": {"name": "n", "labels": {"disk": "ssd"}}})


# ---- queue -----------------------------------------------------------------------------------


async def test_queue_orders_by_priority_then_arrival() -> None:
    queue = SchedulingQueue()
    for key, priority in (("a", 0), ("b", 10), ("c", 0)):
        queue.add(key, priority)
    assert [await queue.pop() for _ in range(3)] == ["b", "a", "c"]


async def test_queue_parks_until_the_cluster_changes() -> None:
    """A parked pod waits for a change, then for what is left of its backoff."""
    queue = SchedulingQueue(initial_backoff=0.05)
    queue.add("p", 0)
    assert await queue.pop() == "p"
    queue.park("p")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(queue.pop(), 0.1)
    queue.move_parked()
    assert await asyncio.wait_for(queue.pop(), 1) == "p"
    queue.park("p")  # second failure: 0.1 s of backoff
    queue.move_parked()
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await asyncio.wait_for(queue.pop(), 1) == "p"
    assert loop.time() - started >= 0.05


async def test_queue_flushes_long_parked_pods_and_forgets_deleted_ones() -> None:
    queue = SchedulingQueue(initial_backoff=0)
    for key in ("old", "gone"):
        queue.add(key, 0)
        assert await queue.pop() == key
        queue.park(key)
    queue.delete("gone")
    queue.flush_parked(older_than=0)
    assert await asyncio.wait_for(queue.pop(), 1) == "old"
    queue.close()
    with pytest.raises(QueueShutDown):
        await queue.pop()


# ---- the scheduler against an in-process API -------------------------------------------------


class Api:
    def __init__(self, rest: RestStorage) -> None:
        self.rest = rest
        self.client = LocalClient(rest)

    def resource(self, plural: str, group: str = "") -> Resource:
        found = self.rest.registry.get(group, "v1", plural)
        assert found is not None
        return found

    async def add_node(self, name: str, **options: object) -> None:
        body = node_object(name, **options)  # type: ignore[arg-type]
        created = clone(await self.client.create(self.resource("nodes"), None, body))
        created["status"] = node_object(name, **options)["status"]  # type: ignore[arg-type]
        created["status"]["conditions"] = [{"type": "Ready", "status": "True"}]
        await self.client.update(self.resource("nodes"), None, created, subresource="status")

    def pod(self, name: str) -> Obj:
        entry = self.rest.store.get(self.resource("pods").key("ns", name))
        assert entry is not None
        return entry.value

    def events(self, name: str) -> list[Obj]:
        items = self.rest.list(self.resource("events"), "ns").entries
        return [e.value for e in items if e.value["involvedObject"]["name"] == name]


@contextlib.asynccontextmanager
async def running_scheduler(tmp_path: Path, scoring: str = MOST_ALLOCATED) -> AsyncIterator[Api]:
    store = await Store.open(tmp_path / "state.db")
    rest = RestStorage(store, Registry(builtin_resources()))
    await ensure_namespaces(rest, ["ns"])
    api = Api(rest)
    scheduler = Scheduler(api.client, rest.registry, scoring=scoring)
    await scheduler.start()
    try:
        yield api
    finally:
        await scheduler.stop()
        await store.close()


def condition(subject: Obj) -> Obj:
    conditions = subject.get("status", {}).get("conditions", [])
    return next((c for c in conditions if c["type"] == "PodScheduled"), {})


async def test_scheduler_binds_and_reports(tmp_path: Path) -> None:
    """A pod that fits is bound with a Scheduled event; one that does not gets PodScheduled=False
    and a FailedScheduling event, and is bound once a node it fits is added."""
    async with running_scheduler(tmp_path) as api:
        await api.add_node("small", cpu="1")
        pods = api.resource("pods")
        await api.client.create(pods, "ns", pod("fits", cpu="500m"))
        await api.client.create(pods, "ns", pod("big", cpu="2"))
        await eventually(lambda: api.pod("fits")["spec"].get("nodeName") == "small")
        assert condition(api.pod("fits"))["status"] == "True"
        await eventually(lambda: api.events("fits"))
        scheduled = api.events("fits")[0]
        assert (scheduled["reason"], scheduled["message"], scheduled["type"]) == (
            "Scheduled",
            "Successfully assigned ns/fits to small",
            "Normal",
        )
        assert scheduled["source"]["component"] == "default-scheduler"
        expected = (
            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
            "1 No preemption victims found for incoming pod."
        )
        await eventually(lambda: condition(api.pod("big")).get("message") == expected)
        assert condition(api.pod("big"))["reason"] == "Unschedulable"
        await eventually(lambda: api.events("big"))
        failed = api.events("big")[0]
        assert (failed["reason"], failed["type"], failed["message"]) == (
            "FailedScheduling",
            "Warning",
            expected,
        )
        await api.add_node("large", cpu="4")
        await eventually(lambda: api.pod("big")["spec"].get("nodeName") == "large")


async def test_scheduler_leaves_other_pods_alone(tmp_path: Path) -> None:
    """Pods for another scheduler and gated pods are not touched."""
    async with running_scheduler(tmp_path) as api:
        await api.add_node("n")
        pods = api.resource("pods")
        await api.client.create(pods, "ns", pod("other", schedulerName="my-scheduler"))
        await api.client.create(pods, "ns", pod("gated", schedulingGates=[{"name": "wait"}]))
        await api.client.create(pods, "ns", pod("ours"))
        await eventually(lambda: api.pod("ours")["spec"].get("nodeName"))
        await asyncio.sleep(0.1)
        for name in ("other", "gated"):
            assert not api.pod(name)["spec"].get("nodeName")
            assert not api.events(name)


async def test_scheduler_selects_node_for_delayed_claims(tmp_path: Path) -> None:
    """A WaitForFirstConsumer claim learns the chosen node (volume.kubernetes.io/selected-node)
    before the pod is bound."""
    async with running_scheduler(tmp_path) as api:
        await api.add_node("n")
        storage_class = {
            "metadata": {"name": "late"},
            "provisioner": "example.com/p",
            "volumeBindingMode": "WaitForFirstConsumer",
        }
        await api.client.create(
            api.resource("storageclasses", "storage.k8s.io"), None, storage_class
        )
        body = {
            "metadata": {"name": "data"},
            "spec": {
                "storageClassName": "late",
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        }
        claims = api.resource("persistentvolumeclaims")
        await api.client.create(claims, "ns", body)
        volume = [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]
        await api.client.create(api.resource("pods"), "ns", pod("user", volumes=volume))
        await eventually(lambda: api.pod("user")["spec"].get("nodeName") == "n")
        stored = await api.client.get(claims, "ns", "data")
        assert stored["metadata"]["annotations"][SELECTED_NODE] == "n"


async def test_least_allocated_spreads(tmp_path: Path) -> None:
    """--scheduler-scoring LeastAllocated: pods go to the emptiest nodes."""
    async with running_scheduler(tmp_path, LEAST_ALLOCATED) as api:
        for name in ("a", "b", "c"):
            await api.add_node(name)
        for i in range(3):
            await api.client.create(api.resource("pods"), "ns", pod(f"p{i}"))
        await eventually(lambda: all(api.pod(f"p{i}")["spec"].get("nodeName") for i in range(3)))
        assert {api.pod(f"p{i}")["spec"]["nodeName"] for i in range(3)} == {"a", "b", "c"}
