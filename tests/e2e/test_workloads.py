"""StatefulSets, DaemonSets, Jobs and CronJobs on simulated nodes (with the scheduler), through
kubectl and the Python client, as a user sees them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from kubernetes import client, watch
from kubernetes.client import ApiClient

from tests.e2e.harness import Kubectl, wait_until

WEB = """
apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels: {app: nginx}
spec:
  ports: [{port: 80, name: web}]
  clusterIP: None
  selector: {app: nginx}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: nginx}
  serviceName: nginx
  replicas: 3
  minReadySeconds: 0
  template:
    metadata:
      labels: {app: nginx}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        ports: [{containerPort: 80, name: web}]
        volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 1Gi}
"""


@dataclass
class PodLog:
    """Every pod event of one namespace, in order, from a watch that starts before the test."""

    api: ApiClient
    namespace: str
    events: list[tuple[str, str, bool, bool]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        # Listing first loads the client's models (seconds, the first time) and gives the
        # revision to watch from, so that no event of the test is missed.
        listed = client.CoreV1Api(self.api).list_namespaced_pod(self.namespace)
        self.resource_version = listed.metadata.resource_version

    def run(self) -> None:
        core = client.CoreV1Api(self.api)
        while not self._stop.is_set():
            stream = watch.Watch()
            for event in stream.stream(
                core.list_namespaced_pod,
                self.namespace,
                resource_version=self.resource_version,
                timeout_seconds=1,
            ):
                pod = event["object"]
                self.resource_version = pod.metadata.resource_version
                ready = any(
                    c.type == "Ready" and c.status == "True" for c in (pod.status.conditions or [])
                )
                terminating = pod.metadata.deletion_timestamp is not None
                self.events.append((event["type"], pod.metadata.name, ready, terminating))
                if self._stop.is_set():
                    stream.stop()

    def first(self, name: str, *, ready: bool | None = None, event: str = "") -> int:
        """Index of the first recorded event of pod `name` matching, or a large number."""
        for index, (kind, pod, is_ready, _) in enumerate(list(self.events)):
            if pod == name and (ready is None or is_ready == ready) and kind.startswith(event):
                return index
        return 1 << 30

    def first_terminating(self, name: str) -> int:
        for index, (_, pod, _, terminating) in enumerate(list(self.events)):
            if pod == name and terminating:
                return index
        return 1 << 30

    def stop(self) -> None:
        self._stop.set()


@pytest.fixture
def pod_log(sim_api_client: ApiClient, sim_namespace: str) -> Iterator[PodLog]:
    log = PodLog(sim_api_client, sim_namespace)
    thread = threading.Thread(target=log.run, daemon=True)
    thread.start()
    try:
        yield log
    finally:
        log.stop()
        thread.join(timeout=5)


def names(kubectl: Kubectl, namespace: str, kind: str, *extra: str) -> list[str]:
    out = kubectl("get", kind, "-n", namespace, *extra, "-o", "jsonpath={.items[*].metadata.name}")
    return sorted(out.split())


def running_pods(kubectl: Kubectl, namespace: str) -> list[str]:
    out = kubectl(
        "get",
        "pods",
        "-n",
        namespace,
        "-o",
        "jsonpath={range .items[*]}{.metadata.name} {.metadata.deletionTimestamp}{'\\n'}{end}",
    )
    return sorted(line.split()[0] for line in out.splitlines() if len(line.split()) == 1)


def test_statefulset_order_scale_claims_and_rollback(
    sim_kubectl: Kubectl, sim_namespace: str, pod_log: PodLog
) -> None:
    """web-0..2 start in order, each after the previous is Ready; scale down removes the
    highest first and keeps the claims; scale up re-attaches them; an update rolls out and
    `rollout undo` brings the old template back."""
    ns = sim_namespace
    sim_kubectl("apply", "-n", ns, "-f", "-", input=WEB)
    sim_kubectl("rollout", "status", "sts/web", "-n", ns, "--timeout=60s")
    assert pod_log.first("web-0", ready=True) < pod_log.first("web-1")
    assert pod_log.first("web-1", ready=True) < pod_log.first("web-2")
    assert names(sim_kubectl, ns, "pvc") == ["www-web-0", "www-web-1", "www-web-2"]
    events = sim_kubectl("get", "events", "-n", ns, "--field-selector", "reason=SuccessfulCreate")
    assert "create Pod web-0 in StatefulSet web successful" in events
    assert "create Claim www-web-0 Pod web-0 in StatefulSet web success" in events

    sim_kubectl("scale", "sts/web", "-n", ns, "--replicas=1")
    wait_until(lambda: names(sim_kubectl, ns, "pods") == ["web-0"], timeout=30)
    assert pod_log.first("web-2", event="DELETED") < pod_log.first_terminating("web-1")
    assert names(sim_kubectl, ns, "pvc") == ["www-web-0", "www-web-1", "www-web-2"]

    sim_kubectl("scale", "sts/web", "-n", ns, "--replicas=3")
    sim_kubectl("rollout", "status", "sts/web", "-n", ns, "--timeout=60s")
    claim = sim_kubectl(
        "get", "pod", "web-2", "-n", ns, "-o", "jsonpath={.spec.volumes[0].persistentVolumeClaim}"
    )
    assert "www-web-2" in claim

    sim_kubectl("set", "image", "sts/web", "-n", ns, "nginx=registry.k8s.io/nginx-slim:0.25")
    sim_kubectl("rollout", "status", "sts/web", "-n", ns, "--timeout=60s")
    sim_kubectl("rollout", "undo", "sts/web", "-n", ns)
    sim_kubectl("rollout", "status", "sts/web", "-n", ns, "--timeout=60s")
    images = sim_kubectl(
        "get", "pods", "-n", ns, "-o", "jsonpath={.items[*].spec.containers[0].image}"
    )
    assert images.split() == ["registry.k8s.io/nginx-slim:0.24"] * 3
    history = sim_kubectl("rollout", "history", "sts/web", "-n", ns)
    assert "REVISION" in history and "3" in history


DAEMONS = """
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      tolerations: {tolerations}
      containers:
      - name: agent
        image: busybox
"""


def daemon_nodes(kubectl: Kubectl, namespace: str, app: str) -> list[str]:
    out = kubectl(
        "get",
        "pods",
        "-n",
        namespace,
        "-l",
        f"app={app}",
        "-o",
        "jsonpath={range .items[*]}{.spec.nodeName}{' '}{.metadata.deletionTimestamp}{'\\n'}{end}",
    )
    return sorted(line.split()[0] for line in out.splitlines() if len(line.split()) == 1)


def sim_nodes(kubectl: Kubectl) -> list[str]:
    return names(kubectl, "default", "nodes")


def test_daemonset_follows_nodes_and_taints(sim_kubectl: Kubectl, sim_namespace: str) -> None:
    """A pod on every node; a node added later gets one unless its taint is not tolerated;
    a deleted node loses it."""
    ns = sim_namespace
    nodes = sim_nodes(sim_kubectl)
    plain = DAEMONS.format(name="plain", tolerations="[]")
    tolerant = DAEMONS.format(name="tolerant", tolerations="[{key: dedicated, operator: Exists}]")
    sim_kubectl("apply", "-n", ns, "-f", "-", input=plain + "---" + tolerant)
    wait_until(lambda: daemon_nodes(sim_kubectl, ns, "plain") == nodes, timeout=30)
    wait_until(lambda: daemon_nodes(sim_kubectl, ns, "tolerant") == nodes, timeout=30)
    sim_kubectl("rollout", "status", "ds/plain", "-n", ns, "--timeout=30s")

    extra = f"{ns}-node"
    manifest = (
        f"apiVersion: v1\nkind: Node\nmetadata:\n  name: {extra}\n"
        f"  annotations: {{minikube-py.io/simulated: 'true'}}\n"
        "spec:\n  taints: [{key: dedicated, value: db, effect: NoSchedule}]\n"
    )
    sim_kubectl("create", "-f", "-", input=manifest)
    try:
        wait_until(
            lambda: daemon_nodes(sim_kubectl, ns, "tolerant") == sorted([*nodes, extra]),
            timeout=30,
        )
        assert daemon_nodes(sim_kubectl, ns, "plain") == nodes
        desired = sim_kubectl(
            "get", "ds", "plain", "-n", ns, "-o", "jsonpath={.status.desiredNumberScheduled}"
        )
        assert desired == str(len(nodes))
    finally:
        sim_kubectl("delete", "node", extra, "--wait=false")
    wait_until(lambda: daemon_nodes(sim_kubectl, ns, "tolerant") == nodes, timeout=30)


JOB = """
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  completions: 3
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: pi
        image: perl
        command: [perl, -Mbignum=bpi, -wle, print bpi(20)]
"""


def test_job_completes(sim_kubectl: Kubectl, sim_namespace: str) -> None:
    """completions 3, parallelism 2: at most two pods at a time, then Complete 3/3."""
    ns = sim_namespace
    sim_kubectl("apply", "-n", ns, "-f", "-", input=JOB)
    sim_kubectl("wait", "--for=condition=complete", "job/pi", "-n", ns, "--timeout=60s")
    table = sim_kubectl("get", "job", "pi", "-n", ns)
    assert "3/3" in table and "Complete" in table
    assert len(names(sim_kubectl, ns, "pods")) == 3
    finalizers = sim_kubectl(
        "get", "pods", "-n", ns, "-o", "jsonpath={.items[*].metadata.finalizers}"
    )
    assert "job-tracking" not in finalizers
    reasons = sim_kubectl("get", "events", "-n", ns, "-o", "jsonpath={.items[*].reason}")
    assert "Completed" in reasons.split() and "SuccessfulCreate" in reasons.split()


CRON = """
apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "*/1 * * * *"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: hello
            image: busybox
"""


def test_cronjob_suspended_and_manual_run(sim_kubectl: Kubectl, sim_namespace: str) -> None:
    """A suspended CronJob starts nothing; `kubectl create job --from=cronjob/...` runs one,
    owned by the CronJob, to completion."""
    ns = sim_namespace
    sim_kubectl("apply", "-n", ns, "-f", "-", input=CRON)
    time.sleep(1)
    assert names(sim_kubectl, ns, "jobs") == []
    sim_kubectl("create", "job", "manual", "--from=cronjob/hello", "-n", ns)
    owner = sim_kubectl(
        "get", "job", "manual", "-n", ns, "-o", "jsonpath={.metadata.ownerReferences[0].name}"
    )
    assert owner == "hello"
    sim_kubectl("wait", "--for=condition=complete", "job/manual", "-n", ns, "--timeout=60s")
    assert "lastScheduleTime" not in sim_kubectl("get", "cronjob", "hello", "-n", ns, "-o", "yaml")
