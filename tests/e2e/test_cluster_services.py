"""ServiceAccounts and their tokens, Endpoints/EndpointSlices and persistent volumes, as a user
of a real cluster sees them through kubectl."""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import Kubectl, ServerProcess, wait_until

ENDPOINT_APP = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
---
apiVersion: v1
kind: Pod
metadata: {name: web-a, labels: {app: web}}
spec:
  containers:
  - {name: c, image: busybox, ports: [{name: http, containerPort: 8080}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-b, labels: {app: web}}
spec:
  containers:
  - {name: c, image: busybox, ports: [{name: http, containerPort: 8081}]}
"""
CLAIM = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
"""
CLAIM_USER = """
apiVersion: v1
kind: Pod
metadata: {name: user}
spec:
  containers:
  - {name: c, image: busybox, command: [sleep, "3600"], volumeMounts: [{name: d, mountPath: /d}]}
  volumes:
  - {name: d, persistentVolumeClaim: {claimName: data}}
"""


def status_with_token(server: ServerProcess, token: str, path: str) -> int:
    """The HTTP status of a GET made with nothing but a bearer token."""
    context = ssl.create_default_context(cafile=str(server.data_dir / "pki" / "ca.crt"))
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=10)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    return response.status


def get_json(kubectl: Kubectl, *args: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(kubectl(*args, "-o", "json"))
    return result


# ---- ServiceAccounts and tokens --------------------------------------------------------------


def test_default_service_account(kubectl: Kubectl, namespace: str) -> None:
    """A new namespace gets a `default` ServiceAccount, made again if deleted."""
    wait_until(lambda: "default" in kubectl("get", "sa", "-n", namespace))
    uid = kubectl("get", "sa", "default", "-n", namespace, "-o", "jsonpath={.metadata.uid}")
    kubectl("delete", "sa", "default", "-n", namespace)
    wait_until(
        lambda: kubectl.run("get", "sa", "default", "-n", namespace, check=False).returncode == 0
    )
    again = kubectl("get", "sa", "default", "-n", namespace, "-o", "jsonpath={.metadata.uid}")
    assert again != uid


def test_created_token_authenticates_until_the_account_goes(
    server: ServerProcess, kubectl: Kubectl, namespace: str
) -> None:
    """`kubectl create token` gives a token the API accepts; deleting the account (even if a new
    one of the same name replaces it) revokes it."""
    kubectl("create", "serviceaccount", "robot", "-n", namespace)
    token = kubectl("create", "token", "robot", "-n", namespace).strip()
    path = f"/api/v1/namespaces/{namespace}/serviceaccounts"
    assert status_with_token(server, token, path) == 200
    assert status_with_token(server, token[:-2] + "xx", path) == 401
    kubectl("delete", "serviceaccount", "robot", "-n", namespace)
    kubectl("create", "serviceaccount", "robot", "-n", namespace)
    assert status_with_token(server, token, path) == 401


def test_create_token_with_each_kubectl(each_kubectl: Kubectl, server: ServerProcess) -> None:
    """Every kubectl version gets a token (1.32+ sends the TokenRequest as protobuf)."""
    token = each_kubectl("create", "token", "default", "-n", "default", "--duration=15m").strip()
    assert status_with_token(server, token, "/api/v1/namespaces/default/pods") == 200
    refused = each_kubectl.run("create", "token", "default", "--duration=1m", check=False)
    assert "may not specify a duration less than 10 minutes" in refused.stderr


def test_legacy_token_secret(server: ServerProcess, kubectl: Kubectl, namespace: str) -> None:
    """A service-account-token Secret is filled with a token, CA and namespace, and is deleted
    (revoking the token) with its account."""
    kubectl("create", "serviceaccount", "legacy", "-n", namespace)
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: legacy-token\n  annotations:\n"
        "    kubernetes.io/service-account.name: legacy\n"
        "type: kubernetes.io/service-account-token\n"
    )
    kubectl("apply", "-n", namespace, "-f", "-", input=secret)

    def data() -> dict[str, str]:
        secret = get_json(kubectl, "get", "secret", "legacy-token", "-n", namespace)
        return dict(secret.get("data") or {})

    wait_until(lambda: {"token", "ca.crt", "namespace"} <= data().keys())
    assert base64.b64decode(data()["namespace"]).decode() == namespace
    ca = (server.data_dir / "pki" / "ca.crt").read_bytes()
    assert base64.b64decode(data()["ca.crt"]) == ca
    token = base64.b64decode(data()["token"]).decode()
    assert status_with_token(server, token, f"/api/v1/namespaces/{namespace}/secrets") == 200
    kubectl("delete", "serviceaccount", "legacy", "-n", namespace)
    wait_until(
        lambda: (
            kubectl.run("get", "secret", "legacy-token", "-n", namespace, check=False).returncode
            != 0
        )
    )
    assert status_with_token(server, token, f"/api/v1/namespaces/{namespace}/secrets") == 401


# ---- Endpoints and EndpointSlices ------------------------------------------------------------


def make_ready(kubectl: Kubectl, namespace: str, pod: str, ip: str, *, ready: bool) -> None:
    """What a kubelet reports: Running, an IP, and readiness."""
    status = {
        "status": {
            "phase": "Running",
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "conditions": [{"type": "Ready", "status": str(ready)}],
        }
    }
    kubectl(
        "patch", "pod", pod, "-n", namespace, "--subresource=status", "--type=merge",
        "-p", json.dumps(status),
    )  # fmt: skip


def test_endpoints_follow_pod_readiness(kubectl: Kubectl, namespace: str) -> None:
    """Ready pods are addresses, unready ones notReadyAddresses; named targetPorts resolve per
    pod; the EndpointSlices say the same, owned by the Service."""
    kubectl("apply", "-n", namespace, "-f", "-", input=ENDPOINT_APP)
    make_ready(kubectl, namespace, "web-a", "10.244.7.1", ready=True)
    make_ready(kubectl, namespace, "web-b", "10.244.7.2", ready=False)

    def subsets() -> list[tuple[list[str], list[str], list[int]]]:
        endpoints = get_json(kubectl, "get", "endpoints", "web", "-n", namespace)
        return [
            (
                [a["ip"] for a in s.get("addresses", [])],
                [a["ip"] for a in s.get("notReadyAddresses", [])],
                [p["port"] for p in s["ports"]],
            )
            for s in endpoints.get("subsets") or []
        ]

    wait_until(
        lambda: sorted(subsets()) == [([], ["10.244.7.2"], [8081]), (["10.244.7.1"], [], [8080])]
    )
    assert "10.244.7.1:8080" in kubectl("get", "endpoints", "web", "-n", namespace)

    def slice_endpoints() -> dict[str, tuple[bool, int]]:
        slices = get_json(
            kubectl,
            "get",
            "endpointslices",
            "-n",
            namespace,
            "-l",
            "kubernetes.io/service-name=web",
        )["items"]
        return {
            e["addresses"][0]: (e["conditions"]["ready"], s["ports"][0]["port"])
            for s in slices
            for e in s.get("endpoints") or []
        }

    wait_until(
        lambda: slice_endpoints() == {"10.244.7.1": (True, 8080), "10.244.7.2": (False, 8081)}
    )
    slices = get_json(kubectl, "get", "endpointslices", "-n", namespace)["items"]
    for item in slices:
        assert item["metadata"]["name"].startswith("web-")
        labels = item["metadata"]["labels"]
        assert labels["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
        assert item["metadata"]["ownerReferences"][0]["kind"] == "Service"
    kubectl("delete", "pod", "web-a", "web-b", "-n", namespace)
    wait_until(lambda: subsets() == [])


def test_kubernetes_service_endpoints(kubectl: Kubectl, server: ServerProcess) -> None:
    """`default/kubernetes` points at the API server's port."""
    wait_until(lambda: f":{server.port}" in kubectl("get", "endpoints", "kubernetes"))
    slice_ = get_json(kubectl, "get", "endpointslice", "kubernetes", "-n", "default")
    assert slice_["ports"] == [{"name": "https", "port": server.port, "protocol": "TCP"}]


# ---- persistent volumes ----------------------------------------------------------------------


@pytest.fixture
def volume_node(kubectl: Kubectl) -> Iterator[str]:
    """A Node object for the control-plane-only server, labelled as a kubelet labels its node."""
    name = f"volume-node-{uuid.uuid4().hex[:6]}"
    manifest = (
        f"apiVersion: v1\nkind: Node\nmetadata:\n  name: {name}\n"
        f"  labels: {{kubernetes.io/hostname: {name}}}\n"
    )
    kubectl("apply", "-f", "-", input=manifest)
    try:
        yield name
    finally:
        kubectl.run("delete", "node", name, check=False)


def wait_bound_and_delete(kubectl: Kubectl, server: ServerProcess, namespace: str) -> None:
    """The claim binds to a new local-path volume whose directory exists; deleting the claim
    deletes volume and directory (reclaim policy Delete)."""
    phase = ("get", "pvc", "data", "-n", namespace, "-o", "jsonpath={.status.phase}")
    wait_until(lambda: kubectl(*phase) == "Bound", timeout=20)
    claim = get_json(kubectl, "get", "pvc", "data", "-n", namespace)
    assert claim["spec"]["storageClassName"] == "local-path"
    volume = f"pvc-{claim['metadata']['uid']}"
    assert claim["spec"]["volumeName"] == volume
    pv = get_json(kubectl, "get", "pv", volume)
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    directory = Path(pv["spec"]["hostPath"]["path"])
    assert directory == server.data_dir / "volumes" / volume and directory.is_dir()
    events = kubectl("get", "events", "-n", namespace)
    assert "ProvisioningSucceeded" in events
    kubectl("delete", "pod", "user", "-n", namespace, "--ignore-not-found", "--wait=false")
    kubectl("delete", "pvc", "data", "-n", namespace, "--wait=false")
    wait_until(lambda: kubectl.run("get", "pv", volume, check=False).returncode != 0, timeout=30)
    assert not directory.exists()


def test_claim_binds_on_the_selected_node(
    server: ServerProcess, kubectl: Kubectl, namespace: str, volume_node: str
) -> None:
    """A default-class claim waits for its first consumer; once a node is selected for it (what
    the scheduler does) it is provisioned there and binds."""
    wait_until(lambda: "local-path (default)" in kubectl("get", "storageclass"))
    kubectl("apply", "-n", namespace, "-f", "-", input=CLAIM)
    wait_until(lambda: "WaitForFirstConsumer" in kubectl("get", "events", "-n", namespace))
    assert kubectl("get", "pv", "-o", "name").count(namespace) == 0
    selected = f"volume.kubernetes.io/selected-node={volume_node}"
    kubectl("annotate", "pvc", "data", "-n", namespace, selected)
    wait_bound_and_delete(kubectl, server, namespace)


def test_claim_binds_when_its_pod_is_scheduled(
    sim_server: ServerProcess, sim_kubectl: Kubectl, sim_namespace: str
) -> None:
    """With simulated nodes and the scheduler: a pod using the claim gets it bound."""
    if not sim_kubectl("get", "nodes", "-o", "name").strip():
        pytest.skip("this build registers no simulated nodes yet")
    sim_kubectl("apply", "-n", sim_namespace, "-f", "-", input=CLAIM + "---" + CLAIM_USER)
    wait_bound_and_delete(sim_kubectl, sim_server, sim_namespace)
