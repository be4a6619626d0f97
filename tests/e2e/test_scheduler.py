"""The scheduler on the control-plane server, with Node objects made by the tests themselves.

The nodes carry the taint `e2e-scheduler-test=true:NoSchedule` and a label naming their test;
each test's pods tolerate the taint and select that label, so pods of other tests never land
on these nodes and these pods never land on nodes of another test. Nodes are deleted after
each test.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from minikube_py.apiserver.builtin import builtin_resources
from minikube_py.apiserver.errors import ApiError
from minikube_py.client import HttpClient
from tests.e2e.harness import Kubectl, ServerProcess, wait_until

TEST_TAINT = {"key": "e2e-scheduler-test", "value": "true", "effect": "NoSchedule"}
TEST_LABEL = "e2e-scheduler-test"

MakeNode = Callable[..., str]


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex[:6]


@pytest.fixture
def make_node(kubectl: Kubectl, run_id: str) -> Iterator[MakeNode]:
    """Creates a Ready node of this test (as a kubelet would register it); deletes them after."""
    created: list[str] = []

    def make(
        suffix: str,
        *,
        cpu: str = "4",
        memory: str = "8Gi",
        labels: dict[str, str] | None = None,
        taints: tuple[dict[str, str], ...] = (),
    ) -> str:
        name = f"sched-{run_id}-{suffix}"
        all_labels = {TEST_LABEL: run_id, "kubernetes.io/hostname": name, **(labels or {})}
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": all_labels},
            "spec": {"taints": [TEST_TAINT, *taints]},
        }
        kubectl.run("create", "-f", "-", input=json.dumps(node))
        created.append(name)
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        amounts = {"cpu": cpu, "memory": memory, "pods": "110"}
        ready = {
            "type": "Ready",
            "status": "True",
            "reason": "KubeletReady",
            "message": "e2e",
            "lastHeartbeatTime": now,
            "lastTransitionTime": now,
        }
        status = {"status": {"capacity": amounts, "allocatable": amounts, "conditions": [ready]}}
        kubectl(
            "patch", "node", name, "--subresource=status", "--type=merge", "-p", json.dumps(status)
        )
        return name

    yield make
    for name in created:
        kubectl.run("delete", "node", name, "--wait=false", check=False)


def create_pod(
    kubectl: Kubectl,
    namespace: str,
    run_id: str,
    name: str,
    *,
    cpu: str = "100m",
    tolerations: tuple[dict[str, str], ...] = (),
    **spec: object,
) -> None:
    selector = {TEST_LABEL: run_id, **spec.pop("nodeSelector", {})}  # type: ignore[dict-item]
    container = {"name": "app", "image": "busybox", "resources": {"requests": {"cpu": cpu}}}
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "sched-e2e"}},
        "spec": {
            "containers": [container],
            "nodeSelector": selector,
            "tolerations": [{"key": TEST_TAINT["key"], "operator": "Exists"}, *tolerations],
            **spec,
        },
    }
    kubectl.run("create", "-n", namespace, "-f", "-", input=json.dumps(pod))


def node_of(kubectl: Kubectl, namespace: str, pod: str) -> str:
    return kubectl("get", "pod", pod, "-n", namespace, "-o", "jsonpath={.spec.nodeName}")


def wait_bound(kubectl: Kubectl, namespace: str, pod: str) -> str:
    wait_until(lambda: node_of(kubectl, namespace, pod), timeout=10)
    return node_of(kubectl, namespace, pod)


def scheduled_condition(kubectl: Kubectl, namespace: str, pod: str) -> dict[str, str]:
    body = json.loads(kubectl("get", "pod", pod, "-n", namespace, "-o", "json"))
    conditions = body["status"].get("conditions") or []
    return next((c for c in conditions if c["type"] == "PodScheduled"), {})


def test_too_big_pod_stays_pending_and_says_why(
    kubectl: Kubectl, namespace: str, run_id: str, make_node: MakeNode
) -> None:
    """A pod asking for more CPU than any node has stays Pending: `kubectl describe` shows the
    PodScheduled=False condition and a FailedScheduling event from default-scheduler naming
    the reason, in kube-scheduler's words."""
    make_node("a", cpu="2")
    make_node("b", cpu="2")
    create_pod(kubectl, namespace, run_id, "huge", cpu="4")
    expected = (
        "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: "
        "2 No preemption victims found for incoming pod."
    )
    wait_until(lambda: scheduled_condition(kubectl, namespace, "huge").get("message") == expected)
    condition = scheduled_condition(kubectl, namespace, "huge")
    assert (condition["status"], condition["reason"]) == ("False", "Unschedulable")
    events = ("get", "events", "-n", namespace, "--field-selector", "reason=FailedScheduling")
    wait_until(lambda: "Insufficient cpu" in kubectl(*events))
    described = kubectl("describe", "pod", "huge", "-n", namespace)
    assert "Status:           Pending" in described
    assert re.search(r"^\s+PodScheduled\s+False\s*$", described, re.MULTILINE)
    (event_line,) = [line for line in described.splitlines() if "FailedScheduling" in line]
    assert event_line.split()[0] == "Warning"
    assert "default-scheduler" in event_line
    assert event_line.endswith(expected)
    assert node_of(kubectl, namespace, "huge") == ""


def test_bin_packing_fills_the_fewest_nodes(
    kubectl: Kubectl, namespace: str, run_id: str, make_node: MakeNode
) -> None:
    """With the default MostAllocated scoring, 10 small pods share one node."""
    for suffix in ("a", "b", "c"):
        make_node(suffix)
    for i in range(10):
        create_pod(kubectl, namespace, run_id, f"small-{i}")
    nodes = {wait_bound(kubectl, namespace, f"small-{i}") for i in range(10)}
    assert len(nodes) == 1
    events = kubectl("get", "events", "-n", namespace, "--field-selector", "reason=Scheduled")
    assert f"Successfully assigned {namespace}/small-0 to {nodes.pop()}" in events


def test_tainted_node_is_skipped_unless_tolerated(
    kubectl: Kubectl, namespace: str, run_id: str, make_node: MakeNode
) -> None:
    """A NoSchedule taint keeps pods off a node unless they tolerate it."""
    gpu_taint = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    plain = make_node("plain")
    tainted = make_node("gpu", taints=(gpu_taint,))
    create_pod(kubectl, namespace, run_id, "anywhere")
    assert wait_bound(kubectl, namespace, "anywhere") == plain
    pinned = {"kubernetes.io/hostname": tainted}
    toleration = {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}
    create_pod(
        kubectl, namespace, run_id, "tolerant", nodeSelector=pinned, tolerations=(toleration,)
    )
    assert wait_bound(kubectl, namespace, "tolerant") == tainted
    create_pod(kubectl, namespace, run_id, "intolerant", nodeSelector=pinned)
    wait_until(lambda: scheduled_condition(kubectl, namespace, "intolerant").get("message"))
    message = scheduled_condition(kubectl, namespace, "intolerant")["message"]
    assert message.startswith(
        "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
        "1 node(s) had untolerated taint {dedicated: gpu}."
    )


def test_node_selector_is_respected(
    kubectl: Kubectl, namespace: str, run_id: str, make_node: MakeNode
) -> None:
    make_node("hdd", labels={"disk": "hdd"})
    ssd = make_node("ssd", labels={"disk": "ssd"})
    for i in range(3):
        create_pod(kubectl, namespace, run_id, f"fast-{i}", nodeSelector={"disk": "ssd"})
    assert {wait_bound(kubectl, namespace, f"fast-{i}") for i in range(3)} == {ssd}


def test_other_schedulers_pods_are_left_alone(
    kubectl: Kubectl, namespace: str, run_id: str, make_node: MakeNode
) -> None:
    """A pod naming another scheduler gets no node, no condition and no event from ours."""
    make_node("a")
    create_pod(kubectl, namespace, run_id, "theirs", schedulerName="my-scheduler")
    create_pod(kubectl, namespace, run_id, "ours")
    wait_bound(kubectl, namespace, "ours")
    time.sleep(0.5)
    assert node_of(kubectl, namespace, "theirs") == ""
    assert scheduled_condition(kubectl, namespace, "theirs") == {}
    events = kubectl(
        "get", "events", "-n", namespace, "--field-selector", "involvedObject.name=theirs"
    )
    assert "theirs" not in events


def test_pending_pod_is_scheduled_once_a_node_fits(
    kubectl: Kubectl, namespace: str, run_id: str, make_node: MakeNode
) -> None:
    """An unschedulable pod is retried when the cluster changes: a big enough node arrives."""
    make_node("small", cpu="1")
    create_pod(kubectl, namespace, run_id, "waiting", cpu="3")
    wait_until(lambda: scheduled_condition(kubectl, namespace, "waiting").get("reason"))
    big = make_node("big", cpu="8")
    assert wait_bound(kubectl, namespace, "waiting") == big
    assert scheduled_condition(kubectl, namespace, "waiting")["status"] == "True"


def test_a_pod_bound_by_another_scheduler_over_http(
    server: ServerProcess, kubectl: Kubectl, namespace: str, run_id: str, make_node: MakeNode
) -> None:
    """pods/binding over HTTPS (HttpClient.bind), as another scheduler would bind its pod:
    the pod gets its node and PodScheduled=True; a second binding is refused."""
    node = make_node("a")
    create_pod(kubectl, namespace, run_id, "theirs", schedulerName="my-scheduler")

    async def bind_twice() -> str:
        client = HttpClient.from_kubeconfig(server.kubeconfig)
        try:
            pods = next(r for r in builtin_resources() if r.group == "" and r.plural == "pods")
            await client.bind(pods, namespace, "theirs", node)
            try:
                await client.bind(pods, namespace, "theirs", node)
            except ApiError as exc:
                return exc.reason
            return "bound twice"
        finally:
            await client.close()

    assert asyncio.run(bind_twice()) == "Conflict"
    assert node_of(kubectl, namespace, "theirs") == node
    assert scheduled_condition(kubectl, namespace, "theirs")["status"] == "True"
