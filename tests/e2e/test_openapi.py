"""kubectl's default validation, explain and apply, which need the server's OpenAPI documents.

No test passes `--validate`: kubectl 1.29+ read `/openapi/v3`, 1.27 and 1.28 the protobuf of
`/openapi/v2`, and without them `create -f`, `replace`, `apply` and `explain` fail.
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
from pathlib import Path

import pytest

from tests.e2e.harness import Kubectl, ServerProcess

# One kubectl per OpenAPI path: v2 protobuf (1.27, 1.28), v3 (1.30 on), the newest ones.
KUBECTL_VERSIONS = ("1.27", "1.28", "1.30", "1.32", "1.33")
each_version = pytest.mark.parametrize("each_kubectl", KUBECTL_VERSIONS, indirect=True)
PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"


def _deployment(name: str, replicas: int = 1, **spec_extra: object) -> str:
    manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": "nginx"}]},
            },
            **spec_extra,
        },
    }
    return json.dumps(manifest)


def _replicas(kubectl: Kubectl, namespace: str, name: str) -> int:
    out = kubectl("get", "deployment", name, "-n", namespace, "-o", "jsonpath={.spec.replicas}")
    return int(out)


@each_version
def test_create_and_replace_from_a_manifest(each_kubectl: Kubectl, namespace: str) -> None:
    created = each_kubectl("create", "-n", namespace, "-f", "-", input=_deployment("web"))
    assert "deployment.apps/web created" in created
    replaced = each_kubectl("replace", "-n", namespace, "-f", "-", input=_deployment("web", 3))
    assert "deployment.apps/web replaced" in replaced
    assert _replicas(each_kubectl, namespace, "web") == 3


@each_version
def test_an_unknown_field_is_rejected_by_name(each_kubectl: Kubectl, namespace: str) -> None:
    manifest = _deployment("typo", bogus=1)
    result = each_kubectl.run("create", "-n", namespace, "-f", "-", input=manifest, check=False)
    assert result.returncode != 0
    assert 'unknown field "spec.bogus"' in result.stderr
    missing = each_kubectl.run("get", "deployment", "typo", "-n", namespace, check=False)
    assert "NotFound" in missing.stderr


@each_version
def test_an_unknown_field_is_only_warned_about_with_validate_warn(
    each_kubectl: Kubectl, namespace: str
) -> None:
    manifest = _deployment("warned", bogus=1)
    result = each_kubectl.run(
        "create", "--validate=warn", "-n", namespace, "-f", "-", input=manifest
    )
    assert 'unknown field "spec.bogus"' in result.stderr
    assert "deployment.apps/warned created" in result.stdout


@each_version
def test_explain_shows_the_real_descriptions(each_kubectl: Kubectl) -> None:
    out = each_kubectl("explain", "deployment.spec.template.spec.containers")
    assert "List of containers belonging to the pod." in out
    assert "KIND:" in out and "Deployment" in out
    for field in ("image", "livenessProbe", "resources", "volumeMounts"):
        assert field in out
    strategy = each_kubectl("explain", "deployment.spec.strategy.rollingUpdate.maxSurge")
    assert "IntOrString" in strategy


@each_version
def test_explain_recursive(each_kubectl: Kubectl) -> None:
    out = each_kubectl("explain", "pod", "--recursive")
    for field in ("terminationGracePeriodSeconds", "matchExpressions", "containerStatuses"):
        assert field in out


@each_version
def test_apply_creates_then_updates(each_kubectl: Kubectl, namespace: str) -> None:
    applied = each_kubectl("apply", "-n", namespace, "-f", "-", input=_deployment("applied"))
    assert "deployment.apps/applied created" in applied
    again = each_kubectl("apply", "-n", namespace, "-f", "-", input=_deployment("applied", 2))
    assert "deployment.apps/applied configured" in again
    assert _replicas(each_kubectl, namespace, "applied") == 2


@each_version
def test_edit_with_default_validation(
    each_kubectl: Kubectl, namespace: str, tmp_path: Path
) -> None:
    each_kubectl("create", "-n", namespace, "-f", "-", input=_deployment("edited"))
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/replicas: 1/replicas: 4/' \"$1\"\n")
    editor.chmod(0o755)
    result = each_kubectl.run(
        "edit", "deployment/edited", "-n", namespace, env={**os.environ, "KUBE_EDITOR": str(editor)}
    )
    assert "deployment.apps/edited edited" in result.stdout
    assert _replicas(each_kubectl, namespace, "edited") == 4


@each_version
def test_explain_deployment_strategy(each_kubectl: Kubectl) -> None:
    out = each_kubectl("explain", "deployment.spec.strategy")
    assert "FIELD: strategy <DeploymentStrategy>" in out or "RESOURCE: strategy" in out
    assert "The deployment strategy to use to replace existing pods with new ones." in out
    assert "rollingUpdate" in out and "type" in out


@each_version
def test_kubectl_uses_aggregated_discovery(each_kubectl: Kubectl, tmp_path: Path) -> None:
    """1.30+ get discovery v2 and 1.27-1.29 v2beta1, in one request each for /api and /apis."""
    fresh_cache = f"--cache-dir={tmp_path}"
    log = each_kubectl.run("get", "deployments", "-A", "-v=8", fresh_cache).stderr
    version = "v2beta1" if each_kubectl.version < "1.30" else "v2"
    answer = (
        f"Content-Type: application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"
    )
    assert answer in log
    # no legacy fallback: the per-group-version discovery documents are never fetched
    assert "/apis/apps/v1?timeout=" not in log and "/api/v1?timeout=" not in log


# ---- the endpoints themselves ----------------------------------------------------------------


def _get(
    server: ServerProcess, path: str, headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    context = ssl.create_default_context(cafile=str(server.data_dir / "pki" / "ca.crt"))
    token = (server.data_dir / "pki" / "admin.token").read_text().strip()
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=10)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def test_v3_documents_are_served_by_hash(server: ServerProcess) -> None:
    status, headers, body = _get(server, "/openapi/v3")
    assert (status, headers["Content-Type"]) == (200, "application/json")
    paths = json.loads(body)["paths"]
    assert {"api/v1", "apis/apps/v1", "apis/batch/v1"} <= set(paths)
    status, headers, body = _get(server, paths["apis/apps/v1"]["serverRelativeURL"])
    assert status == 200
    assert headers["Cache-Control"] == "public, immutable"
    assert headers["ETag"]
    doc = json.loads(body)
    assert doc["openapi"] == "3.0.0"
    assert "io.k8s.api.apps.v1.Deployment" in doc["components"]["schemas"]


def test_an_unknown_group_version_is_a_not_found_status(server: ServerProcess) -> None:
    status, _, body = _get(server, "/openapi/v3/apis/nothing.example.com/v1")
    assert status == 404
    assert json.loads(body)["kind"] == "Status"
    assert json.loads(body)["reason"] == "NotFound"


def test_v2_as_json_and_as_protobuf(server: ServerProcess) -> None:
    status, headers, body = _get(server, "/openapi/v2", {"Accept": "application/json"})
    assert (status, headers["Content-Type"]) == (200, "application/json")
    assert json.loads(body)["swagger"] == "2.0"
    status, headers, body = _get(server, "/openapi/v2", {"Accept": PROTOBUF})
    assert status == 200
    assert headers["Content-Type"] == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
    assert body.startswith(b"\x0a\x032.0")  # field 1 (swagger), 3 bytes
    status, _, body = _get(server, "/openapi/v2", {"Accept": "text/html"})
    assert (status, json.loads(body)["reason"]) == (406, "NotAcceptable")
