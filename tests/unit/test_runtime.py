"""Simulated nodes, piece by piece: the runtime, addresses, pod and node status, taints."""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import replace
from typing import Any

import pytest

from minikube_py.kubelet import ipam
from minikube_py.kubelet.nodestatus import (
    NodeProfile,
    micro_time,
    new_node,
    node_status,
    registered_node,
    status_changed,
)
from minikube_py.kubelet.podstatus import Placement, pod_phase, pod_status
from minikube_py.reconcilers.nodelifecycle import (
    eviction_delay,
    tolerates,
    unknown_conditions,
    wanted_taints,
)
from minikube_py.runtime import (
    PodSandbox,
    SimulatedRuntime,
    format_time,
    image_id,
    normalized_image,
)

NOW = 1_700_000_000.0
PLACEMENT = Placement(host_ip="198.18.0.1", pod_ip="10.244.0.2")


def pod(uid: str = "u1", restart_policy: str = "Always", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "ns", "uid": uid},
        "spec": {
            "nodeName": "n",
            "restartPolicy": restart_policy,
            "containers": [{"name": "main", "image": "nginx"}],
            **spec,
        },
        "status": {"phase": "Pending", "qosClass": "BestEffort"},
    }


def conditions(status: dict[str, Any]) -> dict[str, str]:
    return {c["type"]: c["status"] for c in status["conditions"]}


# ---- addresses ---------------------------------------------------------------------------------


def test_pod_addresses_skip_network_gateway_and_broadcast() -> None:
    pool = ipam.AddressPool(ipaddress.IPv4Network("10.244.3.0/24"))
    given = [pool.allocate(f"pod-{i}") for i in range(253)]
    assert given[0] == "10.244.3.2"
    assert given[-1] == "10.244.3.254"
    assert pool.allocate("one-too-many") is None


def test_freed_pod_address_is_not_reused_at_once() -> None:
    pool = ipam.AddressPool(ipaddress.IPv4Network("10.244.0.0/24"))
    first = pool.allocate("a")
    assert first is not None
    pool.release(first, "a")
    assert pool.allocate("b") == "10.244.0.3"


def test_claimed_address_belongs_to_its_pod_only() -> None:
    pool = ipam.AddressPool(ipaddress.IPv4Network("10.244.0.0/24"))
    assert pool.claim("10.244.0.7", "a")
    assert pool.claim("10.244.0.7", "a")  # the same pod, synced again
    assert not pool.claim("10.244.0.7", "b")
    assert not pool.claim("10.244.1.7", "b")  # outside the node's podCIDR
    pool.release("10.244.0.7", "b")  # not b's to release
    assert len(pool) == 1


def test_node_subnets_are_slash_24s_of_the_pod_network() -> None:
    network = ipaddress.IPv4Network("10.244.0.0/16")
    assert ipam.subnet_count(network) == 256
    assert str(ipam.node_subnet(network, 5)) == "10.244.5.0/24"
    assert ipam.subnet_index(network, "10.244.5.0/24") == 5
    assert ipam.subnet_index(network, "10.9.0.0/24") is None
    assert ipam.subnet_index(network, "") is None
    small = ipaddress.IPv4Network("192.168.1.0/26")
    assert ipam.subnet_count(small) == 1
    assert ipam.node_subnet(small, 0) == small


def test_claims_hand_out_free_indices_once() -> None:
    claims = ipam.Claims(limit=5)
    assert claims.take(["a", "b"], lambda: [0, None, 2]) == {"a": 1, "b": 3}
    assert claims.take(["a"], lambda: []) == {"a": 1}  # held already: kept
    assert claims.take(["c", "d", "e"], lambda: [0, 2]) == {"c": 4}  # the range runs out
    claims.release("a")
    assert claims.take(["f"], lambda: [0, 2]) == {"f": 1}


def test_node_addresses_come_from_the_benchmark_range() -> None:
    assert ipam.node_address(0) == "198.18.0.1"
    assert ipam.address_index("198.18.1.0") == 255
    assert ipam.address_index("10.0.0.1") is None


# ---- the simulated runtime ---------------------------------------------------------------------


def test_images_are_reported_as_runtimes_do() -> None:
    assert normalized_image("nginx") == "docker.io/library/nginx:latest"
    assert normalized_image("bitnami/redis:7") == "docker.io/bitnami/redis:7"
    assert normalized_image("localhost:5000/app") == "localhost:5000/app:latest"
    assert normalized_image("quay.io/a/b@sha256:ab") == "quay.io/a/b@sha256:ab"
    assert image_id("docker.io/library/nginx:1.25").startswith("docker.io/library/nginx@sha256:")
    assert image_id("quay.io/a/b@sha256:ab") == "quay.io/a/b@sha256:ab"


async def test_containers_start_at_once_and_run_on() -> None:
    runtime = SimulatedRuntime(job_seconds=0.01)
    sandbox = await runtime.start_pod(pod())
    assert [c.name for c in sandbox.containers] == ["main"]
    assert sandbox.running
    assert sandbox.containers[0].container_id.startswith("simulated://")
    assert await runtime.start_pod(pod()) is sandbox  # idempotent
    await asyncio.sleep(0.05)
    assert (await runtime.pod("u1")) is sandbox


async def test_pods_that_run_to_completion_exit_0_and_say_so() -> None:
    runtime = SimulatedRuntime(job_seconds=0.02)
    changed: list[str] = []
    runtime.listen(changed.append)
    await runtime.start_pod(pod(restart_policy="Never"))
    await asyncio.sleep(0.1)
    sandbox = await runtime.pod("u1")
    assert sandbox is not None and not sandbox.running
    assert (sandbox.containers[0].exit_code, sandbox.containers[0].reason) == (0, "Completed")
    assert changed == ["u1"]


async def test_stop_takes_the_shorter_of_grace_and_stop_time() -> None:
    runtime = SimulatedRuntime(job_seconds=60, stop_seconds=0.02)
    changed: list[str] = []
    runtime.listen(changed.append)
    await runtime.start_pod(pod())
    await runtime.stop_pod("u1", grace_seconds=30)
    stopping = await runtime.pod("u1")
    assert stopping is not None and stopping.stopping and stopping.running
    await asyncio.sleep(0.1)
    stopped = await runtime.pod("u1")
    assert stopped is not None and not stopped.running and changed == ["u1"]
    await runtime.remove_pod("u1")
    assert await runtime.list_pods() == []


async def test_removing_a_pod_cancels_its_exit() -> None:
    runtime = SimulatedRuntime(job_seconds=0.01)
    changed: list[str] = []
    runtime.listen(changed.append)
    await runtime.start_pod(pod(restart_policy="OnFailure"))
    await runtime.remove_pod("u1")
    await asyncio.sleep(0.05)
    assert changed == []


async def test_init_containers_complete_and_sidecars_keep_running() -> None:
    runtime = SimulatedRuntime(job_seconds=60)
    init = [{"name": "setup", "image": "busybox"}]
    init.append({"name": "proxy", "image": "envoy", "restartPolicy": "Always"})
    sandbox = await runtime.start_pod(pod(initContainers=init))
    states = {c.name: (c.init, c.running) for c in sandbox.containers}
    assert states == {"setup": (True, False), "proxy": (True, True), "main": (False, True)}


async def test_a_pod_that_ran_before_a_restart_keeps_its_containers() -> None:
    first = await SimulatedRuntime(job_seconds=60).start_pod(pod())
    reported = pod()
    reported["status"] = pod_status(reported, first, PLACEMENT, NOW)
    again = await SimulatedRuntime(job_seconds=60).start_pod(reported)
    assert again.containers[0].container_id == first.containers[0].container_id
    assert again.containers[0].started_at == int(first.containers[0].started_at)


# ---- pod phase and status ----------------------------------------------------------------------


async def sandbox_of(spec_pod: dict[str, Any], *, exit_code: int | None = None) -> PodSandbox:
    """The pod's sandbox, running, or with its containers exited with `exit_code`."""
    sandbox = await SimulatedRuntime(job_seconds=60).start_pod(spec_pod)
    if exit_code is None:
        return sandbox
    reason = "Completed" if exit_code == 0 else "Error"
    exited = tuple(
        replace(c, finished_at=NOW, exit_code=exit_code, reason=reason) for c in sandbox.containers
    )
    return replace(sandbox, containers=exited)


@pytest.mark.parametrize(
    ("policy", "exit_code", "phase"),
    [
        ("Never", 0, "Succeeded"),
        ("OnFailure", 0, "Succeeded"),
        ("Never", 1, "Failed"),
        ("OnFailure", 1, "Running"),  # it would be restarted
        ("Always", 0, "Running"),
    ],
)
async def test_phase_follows_containers_and_restart_policy(
    policy: str, exit_code: int, phase: str
) -> None:
    spec_pod = pod(restart_policy=policy)
    assert pod_phase(spec_pod, await sandbox_of(spec_pod, exit_code=exit_code)) == phase


async def test_phase_before_start_and_while_running() -> None:
    assert pod_phase(pod(), None) == "Pending"
    assert pod_phase(pod(), await sandbox_of(pod())) == "Running"


async def test_a_stopped_pod_being_deleted_is_terminal_whatever_its_policy() -> None:
    runtime = SimulatedRuntime(job_seconds=60, stop_seconds=0)
    await runtime.start_pod(pod())
    await runtime.stop_pod("u1", 30)
    await asyncio.sleep(0.01)
    stopped = await runtime.pod("u1")
    assert stopped is not None
    assert pod_phase(pod(), stopped) == "Succeeded"


async def test_running_pod_status() -> None:
    spec_pod = pod()
    status = pod_status(spec_pod, await sandbox_of(spec_pod), PLACEMENT, NOW)
    assert status["phase"] == "Running"
    assert status["qosClass"] == "BestEffort"  # not the kubelet's: kept
    assert (status["hostIP"], status["podIP"]) == ("198.18.0.1", "10.244.0.2")
    assert status["podIPs"] == [{"ip": "10.244.0.2"}]
    assert status["startTime"] == format_time(NOW)
    assert [c["type"] for c in status["conditions"]] == [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    assert set(conditions(status).values()) == {"True"}
    (container,) = status["containerStatuses"]
    assert container["ready"] and container["started"] and container["restartCount"] == 0
    assert container["image"] == "docker.io/library/nginx:latest"
    assert "running" in container["state"]


async def test_unchanged_status_is_equal_so_nothing_is_written() -> None:
    spec_pod = pod()
    sandbox = await sandbox_of(spec_pod)
    spec_pod["status"] = pod_status(spec_pod, sandbox, PLACEMENT, NOW)
    assert pod_status(spec_pod, sandbox, PLACEMENT, NOW + 100) == spec_pod["status"]


async def test_completed_pod_status() -> None:
    spec_pod = pod(restart_policy="Never")
    status = pod_status(spec_pod, await sandbox_of(spec_pod, exit_code=0), PLACEMENT, NOW)
    assert status["phase"] == "Succeeded"
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "PodCompleted")
    assert conditions(status)["PodReadyToStartContainers"] == "False"
    terminated = status["containerStatuses"][0]["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (0, "Completed")


async def test_readiness_gates_hold_ready_back_and_others_conditions_are_kept() -> None:
    spec_pod = pod(readinessGates=[{"conditionType": "example.com/lb"}])
    sandbox = await sandbox_of(spec_pod)
    status = pod_status(spec_pod, sandbox, PLACEMENT, NOW)
    assert conditions(status)["Ready"] == "False"
    assert conditions(status)["ContainersReady"] == "True"
    gate = {"type": "example.com/lb", "status": "True", "lastTransitionTime": format_time(NOW)}
    spec_pod["status"] = {**status, "conditions": [gate, *status["conditions"]]}
    status = pod_status(spec_pod, sandbox, PLACEMENT, NOW + 5)
    assert status["conditions"][0] == gate  # the gate's owner's condition, first, untouched
    assert conditions(status)["Ready"] == "True"
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert ready["lastTransitionTime"] == format_time(NOW + 5)


# ---- nodes -------------------------------------------------------------------------------------

PROFILE = NodeProfile(
    capacity={"cpu": "8", "memory": "32Gi", "pods": "110"},
    arch="amd64",
    kernel_version="6.1.0",
    runtime_version="simulated://1.0",
    boot_id="boot",
)


def registered(name: str = "n1") -> dict[str, Any]:
    node = new_node(name, "10.244.1.0/24", "amd64")
    node["metadata"]["uid"] = "uid-1"
    return node


def test_a_new_node_carries_what_a_kubelet_registers() -> None:
    node = registered()
    labels = node["metadata"]["labels"]
    assert labels["kubernetes.io/hostname"] == "n1"
    assert labels["kubernetes.io/os"] == "linux"
    assert labels["type"] == "simulated"
    assert node["spec"]["podCIDRs"] == ["10.244.1.0/24"]
    assert node["metadata"]["annotations"]["minikube-py.io/simulated"] == "true"
    assert registered_node(node, "10.244.9.0/24", "amd64") is None  # nothing missing


def test_a_node_added_by_hand_keeps_its_labels_and_gets_the_rest() -> None:
    node = {"metadata": {"name": "edge", "labels": {"type": "mine"}}, "spec": {}}
    filled = registered_node(node, "10.244.2.0/24", "arm64")
    assert filled is not None
    assert filled["metadata"]["labels"]["type"] == "mine"
    assert filled["metadata"]["labels"]["kubernetes.io/arch"] == "arm64"
    assert filled["spec"]["podCIDR"] == "10.244.2.0/24"
    assert node["spec"] == {}  # a copy


def test_node_status_reports_a_healthy_kubelet() -> None:
    status = node_status(registered(), PROFILE, "198.18.0.1", NOW)
    assert conditions(status) == {
        "MemoryPressure": "False",
        "DiskPressure": "False",
        "PIDPressure": "False",
        "Ready": "True",
    }
    assert status["allocatable"] == status["capacity"] == dict(PROFILE.capacity)
    assert status["addresses"][0] == {"type": "InternalIP", "address": "198.18.0.1"}
    info = status["nodeInfo"]
    assert info["kubeletVersion"] == "v1.32.0"
    assert info["containerRuntimeVersion"] == "simulated://1.0"


def test_node_heartbeats_alone_are_no_change() -> None:
    node = registered()
    node["status"] = node_status(node, PROFILE, "198.18.0.1", NOW)
    later = node_status(node, PROFILE, "198.18.0.1", NOW + 30)
    assert later["conditions"][0]["lastHeartbeatTime"] == format_time(NOW + 30)
    assert later["conditions"][0]["lastTransitionTime"] == format_time(NOW)
    assert not status_changed(node["status"], later)
    node["status"]["conditions"] = unknown_conditions(node, NOW + 60)
    back = node_status(node, PROFILE, "198.18.0.1", NOW + 90)
    assert status_changed(node["status"], back)
    assert conditions(back)["Ready"] == "True"
    ready = next(c for c in back["conditions"] if c["type"] == "Ready")
    assert ready["lastTransitionTime"] == format_time(NOW + 90)


def test_micro_time() -> None:
    assert micro_time(NOW + 0.25) == "2023-11-14T22:13:20.250000Z"


# ---- the node lifecycle controller's rules -----------------------------------------------------


def test_unknown_conditions_when_the_kubelet_stops_or_never_posted() -> None:
    node = registered()
    node["metadata"]["creationTimestamp"] = format_time(NOW)
    never = unknown_conditions(node, NOW + 60)
    assert {c["reason"] for c in never} == {"NodeStatusNeverUpdated"}
    node["status"] = node_status(node, PROFILE, "198.18.0.1", NOW)
    stopped = unknown_conditions(node, NOW + 60)
    assert conditions({"conditions": stopped})["Ready"] == "Unknown"
    ready = next(c for c in stopped if c["type"] == "Ready")
    assert ready["message"] == "Kubelet stopped posting node status."
    assert ready["lastHeartbeatTime"] == format_time(NOW)  # kept: when it was last heard


def test_taints_follow_ready_and_keep_their_time_and_the_users_taints() -> None:
    node = registered()
    node["spec"]["taints"] = [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    node["status"] = {"conditions": [{"type": "Ready", "status": "Unknown"}]}
    taints = wanted_taints(node, NOW)
    assert [(t["key"], t["effect"]) for t in taints] == [
        ("dedicated", "NoSchedule"),
        ("node.kubernetes.io/unreachable", "NoSchedule"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
    ]
    node["spec"]["taints"] = taints
    assert wanted_taints(node, NOW + 10) == taints  # timeAdded kept
    node["status"] = {"conditions": [{"type": "Ready", "status": "False"}]}
    assert {t["key"] for t in wanted_taints(node, NOW)} == {
        "dedicated",
        "node.kubernetes.io/not-ready",
    }
    node["status"] = {"conditions": [{"type": "Ready", "status": "True"}]}
    node["spec"]["unschedulable"] = True
    assert [t["key"] for t in wanted_taints(node, NOW)] == [
        "dedicated",
        "node.kubernetes.io/unschedulable",
    ]


@pytest.mark.parametrize(
    ("toleration", "expected"),
    [
        ({"operator": "Exists"}, True),
        ({"key": "k", "operator": "Exists", "effect": "NoExecute"}, True),
        ({"key": "k", "operator": "Exists", "effect": "NoSchedule"}, False),
        ({"key": "k", "value": "v", "effect": "NoExecute"}, True),
        ({"key": "k", "operator": "Equal", "value": "w"}, False),
        ({"key": "other", "operator": "Exists"}, False),
    ],
)
def test_tolerates(toleration: dict[str, Any], expected: bool) -> None:
    assert tolerates(toleration, {"key": "k", "value": "v", "effect": "NoExecute"}) is expected


def test_eviction_delay() -> None:
    taint = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}
    taint["timeAdded"] = format_time(NOW)
    tolerate = {"key": taint["key"], "operator": "Exists", "effect": "NoExecute"}
    assert eviction_delay(pod(), [taint], NOW) == 0  # not tolerated: at once
    forever = pod(tolerations=[tolerate])
    assert eviction_delay(forever, [taint], NOW) is None
    for_a_while = pod(tolerations=[{**tolerate, "tolerationSeconds": 300}])
    assert eviction_delay(for_a_while, [taint], NOW + 100) == 200
    assert eviction_delay(for_a_while, [taint], NOW + 400) == 0
    assert eviction_delay(pod(), [{**taint, "effect": "NoSchedule"}], NOW) is None
