"""Deployments, ReplicaSets and their pods as a user sees them through kubectl.

On the control-plane server (no nodes, so pods stay Pending): what the seed's Deployment
creates, scaling, replacing a deleted pod, pause/resume, and deletion with each propagation
policy. On the simulated-node server (pods become Running and Ready): a rolling update checked
against maxSurge/maxUnavailable at every pod event, `rollout status`, `history` and `undo`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from kubernetes import client, watch
from kubernetes.client import ApiClient

from tests.e2e.harness import Kubectl, wait_until
from tests.e2e.manifests import DEPLOYMENT

ROLLING = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 1}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: "busybox:1"}]
"""


def get_json(kubectl: Kubectl, namespace: str, *what: str) -> dict:
    return json.loads(kubectl("get", *what, "-n", namespace, "-o", "json"))  # type: ignore[no-any-return]


def live_pods(kubectl: Kubectl, namespace: str) -> list[dict]:
    """Pods not being deleted."""
    items = get_json(kubectl, namespace, "pods")["items"]
    return [p for p in items if not p["metadata"].get("deletionTimestamp")]


def owner_of(obj: dict) -> dict:
    (ref,) = obj["metadata"]["ownerReferences"]
    return ref  # type: ignore[no-any-return]


def create_seed_deployment(kubectl: Kubectl, namespace: str) -> None:
    kubectl("create", "-n", namespace, "-f", "-", input=DEPLOYMENT)
    wait_until(lambda: len(live_pods(kubectl, namespace)) == 3)


# ---- on the control plane: pods stay Pending -------------------------------------------------


def test_deployment_creates_replicaset_and_pods(kubectl: Kubectl, namespace: str) -> None:
    """One ReplicaSet `<deployment>-<hash>` and three pods `<replicaset>-<5 chars>`, labelled
    with the hash and owned in a chain, as `kubectl get rs` and `describe` show."""
    create_seed_deployment(kubectl, namespace)
    deployment = get_json(kubectl, namespace, "deployment", "nginx-deployment")
    (rs,) = get_json(kubectl, namespace, "rs")["items"]
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"nginx-deployment-{pod_hash}"
    assert rs["metadata"]["labels"] == {"app": "nginx", "pod-template-hash": pod_hash}
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "nginx", "pod-template-hash": pod_hash}
    assert owner_of(rs) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "nginx-deployment",
        "uid": deployment["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
    annotations = rs["metadata"]["annotations"]
    assert annotations["deployment.kubernetes.io/revision"] == "1"
    assert annotations["deployment.kubernetes.io/desired-replicas"] == "3"
    assert annotations["deployment.kubernetes.io/max-replicas"] == "4"
    assert deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    for pod in live_pods(kubectl, namespace):
        prefix, _, suffix = pod["metadata"]["name"].rpartition("-")
        assert prefix == rs["metadata"]["name"] and len(suffix) == 5
        assert pod["metadata"]["labels"] == {"app": "nginx", "pod-template-hash": pod_hash}
        assert owner_of(pod)["uid"] == rs["metadata"]["uid"]

    rows = [line.split() for line in kubectl("get", "rs", "-n", namespace).splitlines()]
    assert rows == [
        ["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
        [rs["metadata"]["name"], "3", "3", "0", rows[1][4]],
    ]
    wait_until(lambda: "0/3" in kubectl("get", "deployment", "-n", namespace))
    described = kubectl("describe", "deployment", "nginx-deployment", "-n", namespace)
    assert f"NewReplicaSet:   {rs['metadata']['name']} (3/3 replicas created)" in described
    assert f"Scaled up replica set {rs['metadata']['name']} from 0 to 3" in described


def test_scale_and_replace_pods(kubectl: Kubectl, namespace: str) -> None:
    """`kubectl scale` to 10 and back to 3 changes the pods; a deleted pod is replaced."""
    create_seed_deployment(kubectl, namespace)
    kubectl("scale", "deployment/nginx-deployment", "--replicas=10", "-n", namespace)
    wait_until(lambda: len(live_pods(kubectl, namespace)) == 10)
    kubectl("scale", "deployment/nginx-deployment", "--replicas=3", "-n", namespace)
    wait_until(lambda: len(live_pods(kubectl, namespace)) == 3)
    victim = live_pods(kubectl, namespace)[0]["metadata"]["name"]
    kubectl("delete", "pod", victim, "-n", namespace)

    def replaced() -> bool:
        names = {p["metadata"]["name"] for p in live_pods(kubectl, namespace)}
        return len(names) == 3 and victim not in names

    wait_until(replaced)
    assert len(get_json(kubectl, namespace, "rs")["items"]) == 1


def test_pause_and_resume(kubectl: Kubectl, namespace: str) -> None:
    """A paused Deployment takes a new template without rolling it out; resume does."""
    create_seed_deployment(kubectl, namespace)
    kubectl("rollout", "pause", "deployment/nginx-deployment", "-n", namespace)
    kubectl("set", "image", "deployment/nginx-deployment", "nginx=nginx:1.16", "-n", namespace)

    def observed_paused() -> bool:
        d = get_json(kubectl, namespace, "deployment", "nginx-deployment")
        reasons = {c["type"]: c["reason"] for c in d["status"].get("conditions", [])}
        seen = d["status"].get("observedGeneration") == d["metadata"]["generation"]
        return seen and reasons.get("Progressing") == "DeploymentPaused"

    wait_until(observed_paused)
    assert len(get_json(kubectl, namespace, "rs")["items"]) == 1
    kubectl("rollout", "resume", "deployment/nginx-deployment", "-n", namespace)
    wait_until(lambda: len(get_json(kubectl, namespace, "rs")["items"]) == 2)


def names_of(kubectl: Kubectl, namespace: str, kind: str) -> list[str]:
    out = kubectl("get", kind, "-n", namespace, "-o", "jsonpath={.items[*].metadata.name}")
    return out.split()


def test_delete_in_background_removes_everything(kubectl: Kubectl, namespace: str) -> None:
    create_seed_deployment(kubectl, namespace)
    kubectl("delete", "deployment", "nginx-deployment", "--cascade=background", "-n", namespace)
    wait_until(lambda: not names_of(kubectl, namespace, "rs,pods"))


def test_delete_orphaning_keeps_replicaset_and_pods(kubectl: Kubectl, namespace: str) -> None:
    """The ReplicaSet stays without its owner reference and keeps its pods."""
    create_seed_deployment(kubectl, namespace)
    kubectl("delete", "deployment", "nginx-deployment", "--cascade=orphan", "-n", namespace)
    wait_until(lambda: not names_of(kubectl, namespace, "deployments"))
    (rs,) = get_json(kubectl, namespace, "rs")["items"]
    assert not rs["metadata"].get("ownerReferences")
    pods = live_pods(kubectl, namespace)
    assert len(pods) == 3 and all(owner_of(p)["uid"] == rs["metadata"]["uid"] for p in pods)


def test_delete_in_foreground_waits_for_dependents(kubectl: Kubectl, namespace: str) -> None:
    """The Deployment goes only after its ReplicaSet, which goes only after its pods: a pod
    held by a finalizer holds them both."""
    create_seed_deployment(kubectl, namespace)
    held = live_pods(kubectl, namespace)[0]["metadata"]["name"]
    hold = '{"metadata": {"finalizers": ["example.com/hold"]}}'
    kubectl("patch", "pod", held, "-n", namespace, "--type=merge", "-p", hold)
    kubectl(
        "delete",
        "deployment",
        "nginx-deployment",
        "--cascade=foreground",
        "--wait=false",
        "-n",
        namespace,
    )
    wait_until(lambda: names_of(kubectl, namespace, "pods") == [held])
    (rs,) = get_json(kubectl, namespace, "rs")["items"]
    deployment = get_json(kubectl, namespace, "deployment", "nginx-deployment")
    assert rs["metadata"].get("deletionTimestamp") and deployment["metadata"].get(
        "deletionTimestamp"
    )
    kubectl(
        "patch",
        "pod",
        held,
        "-n",
        namespace,
        "--type=merge",
        "-p",
        '{"metadata": {"finalizers": null}}',
    )
    wait_until(lambda: not names_of(kubectl, namespace, "deployments,rs,pods"))


# ---- on simulated nodes: pods become ready ---------------------------------------------------


@dataclass
class PodCounts:
    """(pods, ready pods) after every pod event of a namespace, pods being deleted left out;
    one unbroken watch, resumed from the last resourceVersion it saw."""

    api: ApiClient
    namespace: str
    seen: list[tuple[int, int]] = field(default_factory=list)
    _pods: dict[str, tuple[bool, bool]] = field(default_factory=dict)  # name -> (alive, ready)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self, ready: threading.Event) -> None:
        core = client.CoreV1Api(self.api)
        listed = core.list_namespaced_pod(self.namespace)
        for pod in listed.items:
            self._note("ADDED", pod)
        version = listed.metadata.resource_version
        ready.set()
        while not self._stop.is_set():
            stream = watch.Watch()
            for event in stream.stream(
                core.list_namespaced_pod,
                self.namespace,
                resource_version=version,
                timeout_seconds=1,
            ):
                version = event["object"].metadata.resource_version
                self._note(event["type"], event["object"])
                self.seen.append(
                    (
                        sum(alive for alive, _ in self._pods.values()),
                        sum(alive and ready for alive, ready in self._pods.values()),
                    )
                )

    def _note(self, kind: str, pod: client.V1Pod) -> None:
        alive = kind != "DELETED" and pod.metadata.deletion_timestamp is None
        ready = any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])
        self._pods[pod.metadata.name] = (alive, ready)

    def stop(self) -> None:
        self._stop.set()


@pytest.fixture
def pod_counts(sim_api_client: ApiClient, sim_namespace: str) -> Iterator[PodCounts]:
    counts = PodCounts(sim_api_client, sim_namespace)
    started = threading.Event()
    thread = threading.Thread(target=counts.run, args=(started,), daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield counts
    finally:
        counts.stop()
        thread.join(timeout=5)


def rollout_status(kubectl: Kubectl, namespace: str) -> str:
    return kubectl("rollout", "status", "deployment/web", "-n", namespace, "--timeout=30s")


def revisions(kubectl: Kubectl, namespace: str) -> list[str]:
    out = kubectl("rollout", "history", "deployment/web", "-n", namespace)
    return [line.split()[0] for line in out.splitlines()[2:] if line.strip()]


@pytest.mark.usefixtures("pod_log")
def test_rolling_update_history_and_undo(
    sim_kubectl: Kubectl, sim_namespace: str, pod_counts: PodCounts
) -> None:
    """A rolling update never has more than replicas + maxSurge pods nor fewer than
    replicas - maxUnavailable ready ones; `rollout status` ends, `history` lists both
    revisions and `undo` brings the first template back as revision 3."""
    ctl, ns = sim_kubectl, sim_namespace
    ctl("apply", "-n", ns, "-f", "-", input=ROLLING)
    assert "successfully rolled out" in rollout_status(ctl, ns)
    assert ctl("get", "deployment", "web", "-n", ns).splitlines()[1].split()[1:4] == [
        "4/4",
        "4",
        "4",
    ]
    start = len(pod_counts.seen)
    ctl("set", "image", "deployment/web", "c=busybox:2", "-n", ns)
    assert 'deployment "web" successfully rolled out' in rollout_status(ctl, ns)
    during = pod_counts.seen[start:]
    assert during and max(pods for pods, _ in during) <= 5
    assert min(ready for _, ready in during) >= 3
    assert revisions(ctl, ns) == ["1", "2"]

    ctl("rollout", "undo", "deployment/web", "-n", ns)
    assert "successfully rolled out" in rollout_status(ctl, ns)
    image = ctl(
        "get",
        "deployment",
        "web",
        "-n",
        ns,
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    )
    assert image == "busybox:1"
    assert revisions(ctl, ns) == ["2", "3"]
