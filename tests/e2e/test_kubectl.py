"""kubectl 1.27, 1.30 and 1.33 against the server: the seed's manifests and everyday commands."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.e2e.harness import Kubectl, wait_until
from tests.e2e.manifests import POD, SEED


@pytest.fixture
def seeded(each_kubectl: Kubectl) -> Iterator[tuple[Kubectl, str]]:
    """A fresh namespace holding the seed's Pod, Deployment and Service."""
    ctl = each_kubectl
    ns = f"k{ctl.version.replace('.', '')}-{uuid.uuid4().hex[:6]}"
    ctl.run(
        "create",
        "--validate=false",
        "-f",
        "-",
        input=f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n",
    )
    out = ctl("create", "--validate=false", "-n", ns, "-f", "-", input=SEED)
    assert out.split("\n")[:3] == [
        "pod/nginx created",
        "deployment.apps/nginx-deployment created",
        "service/my-service created",
    ]
    yield ctl, ns
    ctl.run("delete", "namespace", ns, "--wait=false", check=False)


def _lines(text: str) -> list[list[str]]:
    return [line.split() for line in text.strip().splitlines()]


def test_get_prints_real_columns(seeded: tuple[Kubectl, str]) -> None:
    ctl, ns = seeded
    pods = _lines(ctl("get", "pods", "-n", ns))
    assert pods[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert pods[1][:4] == ["nginx", "0/1", "Pending", "0"]

    wide = ctl("get", "pods", "-n", ns, "-o", "wide").splitlines()[0].split()
    assert wide == [
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
        "IP",
        "NODE",
        "NOMINATED",
        "NODE",
        "READINESS",
        "GATES",
    ]

    deployments = _lines(ctl("get", "deployments", "-n", ns, "-o", "wide"))
    assert deployments[0] == [
        "NAME",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ]
    assert deployments[1][0] == "nginx-deployment"
    assert deployments[1][1] == "0/3"
    assert deployments[1][-3:] == ["nginx", "nginx:1.14.2", "app=nginx"]

    services = _lines(ctl("get", "services", "-n", ns))
    assert services[0] == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert services[1][0:2] == ["my-service", "ClusterIP"]
    assert services[1][3:5] == ["<none>", "80/TCP"]


def test_get_output_formats(seeded: tuple[Kubectl, str]) -> None:
    ctl, ns = seeded
    as_json = json.loads(ctl("get", "deployment", "nginx-deployment", "-n", ns, "-o", "json"))
    assert as_json["kind"] == "Deployment" and as_json["spec"]["replicas"] == 3
    assert "resourceVersion: " in ctl("get", "pod", "nginx", "-n", ns, "-o", "yaml")
    assert ctl("get", "pod", "nginx", "-n", ns, "-o", "name").split() == ["pod/nginx"]
    jsonpath = ctl(
        "get", "svc", "my-service", "-n", ns, "-o", "jsonpath={.spec.ports[0].targetPort}"
    )
    assert jsonpath == "9376"
    columns = "custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image"
    custom = _lines(ctl("get", "pod", "nginx", "-n", ns, "-o", columns))
    assert custom == [["NAME", "IMAGE"], ["nginx", "nginx:1.14.2"]]
    labels = _lines(ctl("get", "deploy", "-n", ns, "--show-labels"))
    assert labels[0][-1] == "LABELS" and labels[1][-1] == "app=nginx"


def test_get_all_and_namespaces_column(seeded: tuple[Kubectl, str]) -> None:
    ctl, ns = seeded
    names = {row[0] for row in _lines(ctl("get", "all", "-n", ns)) if row and row[0] != "NAME"}
    assert {"pod/nginx", "service/my-service", "deployment.apps/nginx-deployment"} <= names
    everywhere = _lines(ctl("get", "pods", "-A"))
    assert everywhere[0][0] == "NAMESPACE"
    assert [ns, "nginx"] in [row[:2] for row in everywhere]


def test_get_watch_prints_later_changes(seeded: tuple[Kubectl, str]) -> None:
    ctl, ns = seeded
    cmd = [
        ctl.binary,
        f"--kubeconfig={ctl.kubeconfig}",
        f"--cache-dir={ctl.cache_dir}",
        "get",
        "configmaps",
        "-n",
        ns,
        "-w",
        "--request-timeout=20s",
    ]
    watcher = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)
        manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n"
        ctl("create", "--validate=false", "-n", ns, "-f", "-", input=manifest)
        ctl("delete", "configmap", "watched", "-n", ns)
        time.sleep(1.0)
    finally:
        watcher.terminate()
        out, _ = watcher.communicate(timeout=10)
    rows = [line.split()[0] for line in out.strip().splitlines()[1:]]
    assert rows.count("watched") >= 2  # added, then deleted (kubectl prints both)


def test_describe(seeded: tuple[Kubectl, str]) -> None:
    ctl, ns = seeded
    pod = ctl("describe", "pod", "nginx", "-n", ns)
    assert "Name:         nginx" in pod or "Name:             nginx" in pod
    assert "Namespace:" in pod and ns in pod
    assert "nginx:1.14.2" in pod
    assert "Events:" in pod
    deployment = ctl("describe", "deployment", "nginx-deployment", "-n", ns)
    assert "Replicas:" in deployment and "RollingUpdate" in deployment
    assert "25% max unavailable, 25% max surge" in deployment


def test_delete_background(seeded: tuple[Kubectl, str]) -> None:
    ctl, ns = seeded
    assert (
        ctl("delete", "deployment", "nginx-deployment", "-n", ns).strip()
        == 'deployment.apps "nginx-deployment" deleted'
    )
    assert ctl.run("get", "deployment", "nginx-deployment", "-n", ns, check=False).returncode == 1
    assert ctl("delete", "pod", "nginx", "-n", ns).strip() == 'pod "nginx" deleted'


def test_api_resources_and_versions(each_kubectl: Kubectl) -> None:
    rows = _lines(each_kubectl("api-resources"))
    assert rows[0] == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert ["pods", "po", "v1", "true", "Pod"] in rows
    assert ["deployments", "deploy", "apps/v1", "true", "Deployment"] in rows
    assert ["namespaces", "ns", "v1", "false", "Namespace"] in rows
    versions = each_kubectl("api-versions").split()
    for wanted in ("v1", "apps/v1", "batch/v1", "rbac.authorization.k8s.io/v1"):
        assert wanted in versions


def test_create_generators_with_json_kubectl(seeded: tuple[Kubectl, str]) -> None:
    ctl, ns = seeded
    if ctl.version >= "1.32":
        pytest.skip("kubectl 1.32+ sends these as protobuf (the compatibility issue)")
    assert (
        ctl("create", "configmap", "cm", "-n", ns, "--from-literal=a=b").strip()
        == "configmap/cm created"
    )
    assert (
        ctl("create", "secret", "generic", "s", "-n", ns, "--from-literal=p=q").strip()
        == "secret/s created"
    )
    assert (
        ctl("create", "serviceaccount", "robot", "-n", ns).strip() == "serviceaccount/robot created"
    )
    other = f"{ns}-x"
    assert ctl("create", "namespace", other).strip() == f"namespace/{other} created"
    ctl.run("delete", "namespace", other, "--wait=false")
    secret = json.loads(ctl("get", "secret", "s", "-n", ns, "-o", "json"))
    assert secret["type"] == "Opaque" and secret["data"] == {"p": "cQ=="}


def test_dry_run_server_stores_nothing(seeded: tuple[Kubectl, str]) -> None:
    ctl, ns = seeded
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\n"
    out = ctl("create", "--validate=false", "--dry-run=server", "-n", ns, "-f", "-", input=manifest)
    assert out.strip() == "configmap/dry created (server dry run)"
    assert ctl.run("get", "configmap", "dry", "-n", ns, check=False).returncode == 1


def test_namespace_must_exist(each_kubectl: Kubectl) -> None:
    result = each_kubectl.run(
        "create", "--validate=false", "-n", "no-such-ns", "-f", "-", input=POD, check=False
    )
    assert result.returncode == 1
    assert 'namespaces "no-such-ns" not found' in result.stderr


def test_already_exists(seeded: tuple[Kubectl, str]) -> None:
    ctl, ns = seeded
    result = ctl.run("create", "--validate=false", "-n", ns, "-f", "-", input=POD, check=False)
    expected = 'error when creating "STDIN": pods "nginx" already exists'
    assert f"Error from server (AlreadyExists): {expected}" in result.stderr


def test_wait_for_delete_uses_watch(seeded: tuple[Kubectl, str]) -> None:
    """kubectl delete waits with a field-selector informer (list + watch) until DELETED."""
    ctl, ns = seeded
    ctl("delete", "service", "my-service", "-n", ns, "--wait=true", "--timeout=20s")
    wait_until(lambda: ctl.run("get", "svc", "my-service", "-n", ns, check=False).returncode == 1)


def _owned_replicaset(owner: dict, name: str) -> str:
    """A ReplicaSet manifest owned by `owner` (no deployment controller is needed for GC)."""
    ref = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
    return json.dumps(
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": name, "labels": {"app": "nginx"}, "ownerReferences": [ref]},
            "spec": {
                "replicas": 0,
                "selector": {"matchLabels": {"app": "nginx"}},
                "template": {
                    "metadata": {"labels": {"app": "nginx"}},
                    "spec": {"containers": [{"name": "nginx", "image": "nginx"}]},
                },
            },
        }
    )


@pytest.mark.parametrize("cascade", ["background", "foreground", "orphan"])
def test_delete_cascade_modes(seeded: tuple[Kubectl, str], cascade: str) -> None:
    ctl, ns = seeded
    owner = json.loads(ctl("get", "deployment", "nginx-deployment", "-n", ns, "-o", "json"))
    ctl("create", "--validate=false", "-n", ns, "-f", "-", input=_owned_replicaset(owner, "rs-1"))
    out = ctl(
        "delete",
        "deployment",
        "nginx-deployment",
        "-n",
        ns,
        f"--cascade={cascade}",
        "--timeout=30s",
    )
    assert out.strip() == 'deployment.apps "nginx-deployment" deleted'
    assert ctl.run("get", "deployment", "nginx-deployment", "-n", ns, check=False).returncode == 1

    def replicaset() -> dict | None:
        result = ctl.run("get", "replicaset", "rs-1", "-n", ns, "-o", "json", check=False)
        return json.loads(result.stdout) if result.returncode == 0 else None

    if cascade == "orphan":
        left = replicaset()
        assert left is not None and not left["metadata"].get("ownerReferences")
    elif cascade == "foreground":
        assert replicaset() is None  # the owner went only after its dependent
    else:
        wait_until(lambda: replicaset() is None, timeout=15)


def test_label_annotate_scale(seeded: tuple[Kubectl, str]) -> None:
    ctl, ns = seeded
    assert ctl("label", "pod", "nginx", "tier=web", "-n", ns).strip() == "pod/nginx labeled"
    # kubectl 1.27 prints "annotate", later ones "annotated": client-side wording
    assert ctl("annotate", "pod", "nginx", "note=hi", "-n", ns).startswith("pod/nginx annotate")
    rows = _lines(ctl("get", "pods", "-n", ns, "-L", "tier"))
    assert rows[0][-1] == "TIER" and rows[1][-1] == "web"
    out = ctl("scale", "deployment", "nginx-deployment", "--replicas=5", "-n", ns)
    assert out.strip() == "deployment.apps/nginx-deployment scaled"
    spec = json.loads(ctl("get", "deployment", "nginx-deployment", "-n", ns, "-o", "json"))["spec"]
    assert spec["replicas"] == 5
