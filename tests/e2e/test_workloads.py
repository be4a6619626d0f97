"""StatefulSets, DaemonSets, Jobs and CronJobs on simulated nodes (with the scheduler), through
kubectl and the Python client, as a user sees them."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.e2e.harness import (
    Kubectl,
    PodLog,
    default_kubectl,
    running_server,
    simulated_args,
    simulated_node,
    table,
    wait_until,
)
from tests.e2e.manifests import WEB


def names(kubectl: Kubectl, namespace: str, kind: str, *extra: str) -> list[str]:
    out = kubectl("get", kind, "-n", namespace, *extra, "-o", "jsonpath={.items[*].metadata.name}")
    return sorted(out.split())


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


# The acceptance point's cluster: five simulated nodes, and nothing else to count.
DAEMON_NODES = 5
DEDICATED = {"key": "dedicated", "value": "db", "effect": "NoSchedule"}


@pytest.fixture(scope="module")
def daemon_kubectl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kubectl]:
    """kubectl against a server of its own with DAEMON_NODES simulated nodes: a DaemonSet runs
    on every node, so it must not share a cluster whose nodes other tests add and remove."""
    with running_server("minikube-py-e2e-ds-", simulated_args(DAEMON_NODES)) as server:
        yield default_kubectl(server, tmp_path_factory)


def daemon_nodes(kubectl: Kubectl, app: str) -> list[str]:
    """The NODE column of `kubectl get pods -o wide` for the DaemonSet's pods, when all of
    them are Running and Ready; pods being deleted are left out."""
    rows = table(kubectl("get", "pods", "-l", f"app={app}", "-o", "wide"))
    rows = [row for row in rows if row["STATUS"] != "Terminating"]
    if any((row["READY"], row["STATUS"]) != ("1/1", "Running") for row in rows):
        return []
    return sorted(row["NODE"] for row in rows)


def daemon_counts(kubectl: Kubectl) -> dict[str, list[str]]:
    """DESIRED, CURRENT, READY, UP-TO-DATE and AVAILABLE of each row of `kubectl get ds`."""
    columns = ("DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE")
    return {row["NAME"]: [row[c] for c in columns] for row in table(kubectl("get", "ds"))}


def test_daemonset_follows_nodes_and_taints(daemon_kubectl: Kubectl) -> None:
    """A pod on each of the five nodes and on a sixth added later; a tainted node gets one only
    from the DaemonSet that tolerates its taint; a deleted node loses its pods."""
    ctl = daemon_kubectl
    nodes = table(ctl("get", "nodes"))
    assert [row["STATUS"] for row in nodes] == ["Ready"] * DAEMON_NODES
    five = sorted(row["NAME"] for row in nodes)
    plain = DAEMONS.format(name="plain", tolerations="[]")
    tolerant = DAEMONS.format(name="tolerant", tolerations="[{key: dedicated, operator: Exists}]")
    ctl("apply", "-f", "-", input=plain + "---" + tolerant)
    ctl("rollout", "status", "ds/plain", "--timeout=30s")
    ctl("rollout", "status", "ds/tolerant", "--timeout=30s")
    assert daemon_nodes(ctl, "plain") == daemon_nodes(ctl, "tolerant") == five
    assert daemon_counts(ctl) == {"plain": ["5"] * 5, "tolerant": ["5"] * 5}

    with simulated_node(ctl) as sixth:
        six = sorted([*five, sixth])
        wait_until(lambda: daemon_nodes(ctl, "plain") == daemon_nodes(ctl, "tolerant") == six, 30)
        wait_until(lambda: daemon_counts(ctl) == {"plain": ["6"] * 5, "tolerant": ["6"] * 5})

        with simulated_node(ctl, taints=(DEDICATED,)) as tainted:
            seven = sorted([*six, tainted])
            wait_until(lambda: daemon_nodes(ctl, "tolerant") == seven, timeout=30)
            wait_until(lambda: daemon_counts(ctl) == {"plain": ["6"] * 5, "tolerant": ["7"] * 5})
            assert daemon_nodes(ctl, "plain") == six

    wait_until(lambda: daemon_nodes(ctl, "plain") == daemon_nodes(ctl, "tolerant") == five, 30)
    wait_until(lambda: daemon_counts(ctl) == {"plain": ["5"] * 5, "tolerant": ["5"] * 5})


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
