"""kubectl apply (client- and server-side), edit, diff, patch, set, label and annotate."""

from __future__ import annotations

import json
import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

from tests.e2e.harness import Kubectl, Raw, ServerProcess, kubectl_binaries
from tests.e2e.manifests import nginx_deployment

BOTH_PORTS = (80, 443)
ONE_PORT = (80,)


def deployment(replicas: int = 3, mode: str = "blue", ports: tuple[int, ...] = BOTH_PORTS) -> str:
    return nginx_deployment(replicas, mode=mode, ports=ports)


@pytest.fixture(params=["1.27", "1.33"])
def ctl(
    request: pytest.FixtureRequest, server: ServerProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Kubectl, str]]:
    """kubectl of one version, and a namespace of its own (cleaned up afterwards)."""
    path = kubectl_binaries().get(request.param)
    if path is None:
        pytest.skip(f"kubectl {request.param} is not on this machine")
    kubectl = Kubectl(path, server.kubeconfig, tmp_path_factory.mktemp("cache"), request.param)
    namespace = f"p{request.param.replace('.', '')}-{uuid.uuid4().hex[:6]}"
    manifest = f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {namespace}\n"
    kubectl("create", "-f", "-", input=manifest)
    yield kubectl, namespace
    kubectl.run("delete", "namespace", namespace, "--wait=false", check=False)


def _get(kubectl: Kubectl, ns: str, *what: str) -> dict:
    return json.loads(kubectl("get", *what, "-n", ns, "-o", "json"))


def test_apply_changes_exactly_the_edited_fields(ctl: tuple[Kubectl, str]) -> None:
    kubectl, ns = ctl
    assert kubectl("apply", "-n", ns, "-f", "-", input=deployment()).strip() == (
        "deployment.apps/nginx-deployment created"
    )
    before = _get(kubectl, ns, "deployment", "nginx-deployment")
    out = kubectl("apply", "-n", ns, "-f", "-", input=deployment(replicas=5, mode="green"))
    assert out.strip() == "deployment.apps/nginx-deployment configured"
    after = _get(kubectl, ns, "deployment", "nginx-deployment")
    assert after["spec"]["replicas"] == 5
    container = after["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == [{"name": "MODE", "value": "green"}]
    for unchanged in ("selector", "strategy", "revisionHistoryLimit", "progressDeadlineSeconds"):
        assert after["spec"][unchanged] == before["spec"][unchanged]
    assert container["ports"] == before["spec"]["template"]["spec"]["containers"][0]["ports"]
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1

    kubectl(
        "apply", "-n", ns, "-f", "-", input=deployment(replicas=5, mode="green", ports=ONE_PORT)
    )
    ports = _get(kubectl, ns, "deployment", "nginx-deployment")["spec"]["template"]["spec"][
        "containers"
    ][0]["ports"]
    assert ports == [{"containerPort": 80, "protocol": "TCP"}]

    unchanged = kubectl("apply", "-n", ns, "-f", "-", input=deployment(5, "green", ONE_PORT))
    assert unchanged.strip() == "deployment.apps/nginx-deployment unchanged"


def test_apply_prune_removes_what_left_the_file_set(ctl: tuple[Kubectl, str]) -> None:
    kubectl, ns = ctl
    two = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n  labels: {set: demo}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: drop\n  labels: {set: demo}\n"
    )
    kubectl("apply", "-n", ns, "-f", "-", input=two)
    one = two.split("---\n")[0]
    out = kubectl("apply", "-n", ns, "--prune", "-l", "set=demo", "-f", "-", input=one)
    assert "configmap/drop pruned" in out
    names = kubectl("get", "configmaps", "-n", ns, "-l", "set=demo", "-o", "name").split()
    assert names == ["configmap/keep"]


def test_server_side_apply_conflicts_and_force(ctl: tuple[Kubectl, str]) -> None:
    kubectl, ns = ctl
    kubectl(
        "apply",
        "--server-side",
        "--field-manager=alice",
        "-n",
        ns,
        "-f",
        "-",
        input=deployment(replicas=2),
    )
    clash = kubectl.run(
        "apply",
        "--server-side",
        "--field-manager=bob",
        "-n",
        ns,
        "-f",
        "-",
        input=deployment(replicas=7),
        check=False,
    )
    assert clash.returncode == 1
    assert 'conflict with "alice"' in clash.stderr
    assert ".spec.replicas" in clash.stderr

    kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=bob",
        "-n",
        ns,
        "-f",
        "-",
        input=deployment(replicas=7),
    )
    live = _get(kubectl, ns, "deployment", "nginx-deployment")
    assert live["spec"]["replicas"] == 7
    managers = {
        entry["manager"]: entry
        for entry in json.loads(
            kubectl(
                "get",
                "deployment",
                "nginx-deployment",
                "-n",
                ns,
                "-o",
                "json",
                "--show-managed-fields",
            )
        )["metadata"]["managedFields"]
    }
    assert managers["bob"]["operation"] == "Apply"
    assert "f:replicas" in managers["bob"]["fieldsV1"]["f:spec"]
    assert "f:replicas" not in managers["alice"]["fieldsV1"].get("f:spec", {})


def test_patch_types_set_label_annotate(ctl: tuple[Kubectl, str]) -> None:
    kubectl, ns = ctl
    kubectl("apply", "-n", ns, "-f", "-", input=deployment())
    name = ("deployment", "nginx-deployment", "-n", ns)
    kubectl("patch", *name, "--type", "merge", "-p", '{"spec":{"replicas":4}}')
    json_patch = '[{"op":"replace","path":"/spec/minReadySeconds","value":3}]'
    kubectl("patch", *name, "--type", "json", "-p", json_patch)
    sidecar = '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}}'
    kubectl("patch", *name, "--type", "strategic", "-p", sidecar)
    kubectl("set", "image", "deployment/nginx-deployment", "nginx=nginx:1.25", "-n", ns)
    kubectl("set", "env", "deployment/nginx-deployment", "-c", "nginx", "LEVEL=debug", "-n", ns)
    kubectl("label", *name, "tier=web")
    kubectl("label", *name, "tier=api", "--overwrite")
    kubectl("annotate", *name, "owner=team-a")
    live = _get(kubectl, ns, "deployment", "nginx-deployment")
    assert live["spec"]["replicas"] == 4 and live["spec"]["minReadySeconds"] == 3
    containers = {c["name"]: c for c in live["spec"]["template"]["spec"]["containers"]}
    assert set(containers) == {"nginx", "sidecar"}
    assert containers["nginx"]["image"] == "nginx:1.25"
    assert {"name": "LEVEL", "value": "debug"} in containers["nginx"]["env"]
    assert live["metadata"]["labels"]["tier"] == "api"
    assert live["metadata"]["annotations"]["owner"] == "team-a"
    refused = kubectl.run("label", *name, "tier=db", check=False)
    assert refused.returncode == 1 and "already has a value (api)" in refused.stderr


def test_scale_and_label_through_subresources(ctl: tuple[Kubectl, str]) -> None:
    kubectl, ns = ctl
    kubectl("apply", "-n", ns, "-f", "-", input=deployment())
    assert kubectl("scale", "deployment/nginx-deployment", "--replicas=9", "-n", ns).strip() == (
        "deployment.apps/nginx-deployment scaled"
    )
    assert _get(kubectl, ns, "deployment", "nginx-deployment")["spec"]["replicas"] == 9
    stale = kubectl.run(
        "scale",
        "deployment/nginx-deployment",
        "--current-replicas=2",
        "--replicas=1",
        "-n",
        ns,
        check=False,
    )
    assert stale.returncode == 1


def test_edit_with_a_scripted_editor(ctl: tuple[Kubectl, str], tmp_path: Path) -> None:
    kubectl, ns = ctl
    kubectl("apply", "-n", ns, "-f", "-", input=deployment())
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/replicas: 3/replicas: 8/' \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    result = kubectl.run(
        "edit",
        "deployment/nginx-deployment",
        "-n",
        ns,
        env={**os.environ, "KUBE_EDITOR": str(editor)},
    )
    assert "deployment.apps/nginx-deployment edited" in result.stdout
    assert _get(kubectl, ns, "deployment", "nginx-deployment")["spec"]["replicas"] == 8


def test_diff_shows_the_change(ctl: tuple[Kubectl, str]) -> None:
    kubectl, ns = ctl
    kubectl("apply", "-n", ns, "-f", "-", input=deployment())
    same = kubectl.run("diff", "-n", ns, "-f", "-", input=deployment(), check=False)
    assert same.returncode == 0 and same.stdout == ""
    changed = kubectl.run("diff", "-n", ns, "-f", "-", input=deployment(replicas=6), check=False)
    assert changed.returncode == 1, changed.stderr
    assert "-  replicas: 3" in changed.stdout and "+  replicas: 6" in changed.stdout
    assert _get(kubectl, ns, "deployment", "nginx-deployment")["spec"]["replicas"] == 3


def test_python_client_patches(api_client: ApiClient, namespace: str) -> None:
    apps = client.AppsV1Api(api_client)
    body = {
        "metadata": {"name": "py"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "py"}},
            "template": {
                "metadata": {"labels": {"app": "py"}},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            },
        },
    }
    apps.create_namespaced_deployment(namespace, body)
    patched = apps.patch_namespaced_deployment(
        "py",
        namespace,
        {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox:2"}]}}}},
    )
    assert patched.spec.template.spec.containers[0].image == "busybox:2"
    scaled = apps.patch_namespaced_deployment_scale("py", namespace, {"spec": {"replicas": 4}})
    assert scaled.spec.replicas == 4
    listed = apps.patch_namespaced_deployment(
        "py", namespace, [{"op": "add", "path": "/metadata/labels", "value": {"via": "json-patch"}}]
    )
    assert listed.metadata.labels == {"via": "json-patch"}
    with pytest.raises(ApiException) as failed:
        apps.patch_namespaced_deployment(
            "py", namespace, [{"op": "test", "path": "/spec/replicas", "value": 99}]
        )
    assert failed.value.status == 422
    applied = apps.patch_namespaced_deployment(
        "py",
        namespace,
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "py"},
            "spec": {"replicas": 2},
        },
        field_manager="py-apply",
        _content_type="application/apply-patch+yaml",
        force=True,
    )
    assert applied.spec.replicas == 2
    with pytest.raises(ApiException) as no_manager:
        apps.patch_namespaced_deployment(
            "py", namespace, {"spec": {"replicas": 3}}, _content_type="application/apply-patch+yaml"
        )
    assert no_manager.value.status == 422


def test_bad_patches_are_4xx(api_client: ApiClient, server: ServerProcess, namespace: str) -> None:
    core = client.CoreV1Api(api_client)
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "cm"}, "data": {"a": "b"}})
    raw = Raw(server)
    path = f"/api/v1/namespaces/{namespace}/configmaps/cm"
    cases = [
        ("application/json-patch+json", "not json", 400),
        ("application/json-patch+json", '{"op": "add"}', 400),
        ("application/merge-patch+json", "{", 400),
        ("application/strategic-merge-patch+json", '{"data": {"a": 1}}', 400),
        ("application/x-unknown-patch", "{}", 415),
    ]
    for content_type, body, wanted in cases:
        status, answer = raw("PATCH", path, body, content_type)
        assert (status, answer["kind"]) == (wanted, "Status"), (content_type, body, answer)
    assert core.read_namespaced_config_map("cm", namespace).data == {"a": "b"}
