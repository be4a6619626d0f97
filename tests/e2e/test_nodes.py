"""Simulated nodes as kubectl sees them: registration, pods through their phases, deletion,
nodes added at run time, and a node whose heartbeat stops (the server runs with
`--simulated-nodes 3 --node-monitor-grace-period 5s`)."""

from __future__ import annotations

import ipaddress
import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import SIMULATED_NODES
from tests.e2e.harness import Kubectl, get_json, node_ready, simulated_node, wait_until

STARTUP_NODE = re.compile(r"-sim-\d+$")
UNREACHABLE = "node.kubernetes.io/unreachable"


def startup_nodes(kubectl: Kubectl) -> list[dict[str, Any]]:
    nodes = get_json(kubectl, "nodes", "-l", "type=simulated")["items"]
    return [n for n in nodes if STARTUP_NODE.search(n["metadata"]["name"])]


def pod_manifest(name: str, node: str, *, restart: str = "Always", toleration: str = "") -> str:
    spec = {
        "nodeName": node,
        "restartPolicy": restart,
        "containers": [{"name": "app", "image": "nginx:1.27"}],
    }
    if toleration:
        spec["tolerations"] = [
            {"key": toleration, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 1}
        ]
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec})


def pod_row(kubectl: Kubectl, namespace: str, name: str) -> list[str]:
    result = kubectl.run("get", "pod", name, "-n", namespace, "--no-headers", check=False)
    return result.stdout.split()


def run_pod(kubectl: Kubectl, namespace: str, name: str, node: str, **options: str) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", input=pod_manifest(name, node, **options))
    wait_until(lambda: pod_row(kubectl, namespace, name)[1:3] == ["1/1", "Running"], timeout=10)


@pytest.fixture
def extra_node(sim_kubectl: Kubectl) -> Iterator[str]:
    with simulated_node(sim_kubectl) as name:
        yield name


def test_startup_nodes_are_ready_with_the_real_columns(sim_kubectl: Kubectl) -> None:
    header, *rows = sim_kubectl("get", "nodes", "-o", "wide").splitlines()
    assert header.split() == [
        "NAME",
        "STATUS",
        "ROLES",
        "AGE",
        "VERSION",
        "INTERNAL-IP",
        "EXTERNAL-IP",
        "OS-IMAGE",
        "KERNEL-VERSION",
        "CONTAINER-RUNTIME",
    ]
    rows = [r for r in rows if STARTUP_NODE.search(r.split()[0])]
    assert len(rows) == SIMULATED_NODES
    for row in rows:
        cells = row.split()
        assert cells[1:5:3] == ["Ready", "v1.32.0"]
        assert cells[5].startswith("198.18.")
        assert "minikube_py simulated node" in row
        assert cells[-1] == "simulated://1.0"
    subnets = {n["spec"]["podCIDR"] for n in startup_nodes(sim_kubectl)}
    assert len(subnets) == SIMULATED_NODES
    assert all(s.startswith("10.244.") and s.endswith(".0/24") for s in subnets)
    leases = sim_kubectl("get", "leases", "-n", "kube-node-lease", "-o", "name")
    assert all(f"lease.coordination.k8s.io/{r.split()[0]}" in leases for r in rows)


def test_a_bound_pod_runs_with_an_address_of_its_node(
    sim_kubectl: Kubectl, sim_namespace: str
) -> None:
    node = startup_nodes(sim_kubectl)[1]
    run_pod(sim_kubectl, sim_namespace, "web", node["metadata"]["name"])
    status = get_json(sim_kubectl, "pod", "web", "-n", sim_namespace)["status"]
    assert ipaddress.IPv4Address(status["podIP"]) in ipaddress.IPv4Network(node["spec"]["podCIDR"])
    internal = next(a for a in node["status"]["addresses"] if a["type"] == "InternalIP")
    assert status["hostIP"] == internal["address"]
    assert {c["type"]: c["status"] for c in status["conditions"]} == {
        "PodReadyToStartContainers": "True",
        "Initialized": "True",
        "Ready": "True",
        "ContainersReady": "True",
        "PodScheduled": "True",
    }
    (container,) = status["containerStatuses"]
    assert container["containerID"].startswith("simulated://")
    assert container["image"] == "docker.io/library/nginx:1.27"
    events = "get", "events", "-n", sim_namespace, "--field-selector", "involvedObject.name=web"
    wait_until(lambda: "Started container app" in sim_kubectl(*events), timeout=5)


def test_kubectl_delete_pod_returns_promptly(sim_kubectl: Kubectl, sim_namespace: str) -> None:
    run_pod(sim_kubectl, sim_namespace, "gone", startup_nodes(sim_kubectl)[0]["metadata"]["name"])
    started = time.monotonic()
    sim_kubectl("delete", "pod", "gone", "-n", sim_namespace)  # waits until it is gone
    assert time.monotonic() - started < 5
    assert pod_row(sim_kubectl, sim_namespace, "gone") == []


def test_a_pod_that_runs_to_completion_is_completed(
    sim_kubectl: Kubectl, sim_namespace: str
) -> None:
    node = startup_nodes(sim_kubectl)[2]["metadata"]["name"]
    manifest = pod_manifest("once", node, restart="Never")
    sim_kubectl("apply", "-n", sim_namespace, "-f", "-", input=manifest)
    wait_until(lambda: pod_row(sim_kubectl, sim_namespace, "once")[1:3] == ["0/1", "Completed"], 15)
    status = get_json(sim_kubectl, "pod", "once", "-n", sim_namespace)["status"]
    assert status["phase"] == "Succeeded"
    assert status["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 0


def test_a_node_added_with_the_annotation_joins(sim_kubectl: Kubectl, extra_node: str) -> None:
    node = get_json(sim_kubectl, "node", extra_node)
    assert node["spec"]["podCIDR"] not in {n["spec"]["podCIDR"] for n in startup_nodes(sim_kubectl)}
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == extra_node
    lease = ("lease", extra_node, "-n", "kube-node-lease")
    assert get_json(sim_kubectl, *lease)["spec"]["holderIdentity"] == extra_node
    # Deleting the Node stops its kubelet: the Lease goes with its owner and is not renewed.
    sim_kubectl("delete", "node", extra_node)
    wait_until(lambda: sim_kubectl.run("get", *lease, check=False).returncode != 0, timeout=5)
    time.sleep(3)  # more than two renewal periods (1.25 s with a 5 s lease)
    assert sim_kubectl.run("get", *lease, check=False).returncode != 0


def test_a_silent_node_is_marked_tainted_and_emptied(
    sim_kubectl: Kubectl, sim_namespace: str, extra_node: str
) -> None:
    """Stopping a node's heartbeat: within the grace period it is NotReady (Ready=Unknown) and
    tainted unreachable, and a pod tolerating that for 1 s is evicted; resuming heals it."""
    run_pod(sim_kubectl, sim_namespace, "brief", extra_node, toleration=UNREACHABLE)
    stopped = time.monotonic()
    sim_kubectl("annotate", "node", extra_node, "minikube-py.io/simulated-heartbeat=stopped")
    wait_until(lambda: node_ready(sim_kubectl, extra_node) == "Unknown", timeout=15)
    taints = get_json(sim_kubectl, "node", extra_node)["spec"]["taints"]
    assert {(t["key"], t["effect"]) for t in taints} == {
        (UNREACHABLE, "NoSchedule"),
        (UNREACHABLE, "NoExecute"),
    }
    assert "NotReady" in sim_kubectl("get", "node", extra_node)

    def evicted() -> bool:
        pod = get_json(sim_kubectl, "pod", "brief", "-n", sim_namespace)
        return "deletionTimestamp" in pod["metadata"]

    wait_until(evicted, timeout=10)
    assert time.monotonic() - stopped < 30
    # The silent kubelet cannot confirm the deletion; once it speaks again the pod goes.
    sim_kubectl("annotate", "node", extra_node, "minikube-py.io/simulated-heartbeat-")
    wait_until(lambda: node_ready(sim_kubectl, extra_node) == "True", timeout=10)
    wait_until(lambda: not get_json(sim_kubectl, "node", extra_node)["spec"].get("taints"), 10)
    wait_until(lambda: pod_row(sim_kubectl, sim_namespace, "brief") == [], timeout=10)


def healer_deployment(pool: str) -> str:
    toleration = {"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 1}
    template = {
        "metadata": {"labels": {"app": "healer"}},
        "spec": {
            "nodeSelector": {"pool": pool},
            "tolerations": [{**toleration, "key": UNREACHABLE}],
            "containers": [{"name": "app", "image": "nginx:1.27"}],
        },
    }
    spec = {"replicas": 1, "selector": {"matchLabels": {"app": "healer"}}, "template": template}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "healer"}}
    return json.dumps({**deployment, "spec": spec})


def test_a_deployment_pod_on_a_silent_node_is_recreated_elsewhere(
    sim_kubectl: Kubectl, sim_namespace: str
) -> None:
    pool = {"pool": f"p-{uuid.uuid4().hex[:6]}"}
    with simulated_node(sim_kubectl, pool) as first, simulated_node(sim_kubectl, pool) as second:
        sim_kubectl("apply", "-n", sim_namespace, "-f", "-", input=healer_deployment(pool["pool"]))

        def running_on() -> set[str]:
            pods = get_json(sim_kubectl, "pods", "-n", sim_namespace, "-l", "app=healer")
            return {
                p["spec"]["nodeName"]
                for p in pods["items"]
                if p["status"].get("phase") == "Running"
                and "deletionTimestamp" not in p["metadata"]
            }

        wait_until(lambda: len(running_on()) == 1, timeout=15)
        (failing,) = running_on()
        other = second if failing == first else first
        stopped = time.monotonic()
        sim_kubectl("annotate", "node", failing, "minikube-py.io/simulated-heartbeat=stopped")
        wait_until(lambda: running_on() == {other}, timeout=25)
        assert time.monotonic() - stopped < 30
        sim_kubectl("annotate", "node", failing, "minikube-py.io/simulated-heartbeat-")
        sim_kubectl("delete", "deployment", "healer", "-n", sim_namespace)
        wait_until(lambda: not get_json(sim_kubectl, "pods", "-n", sim_namespace)["items"], 15)
