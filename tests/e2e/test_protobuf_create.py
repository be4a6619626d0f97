"""kubectl 1.32+ sends `create <generator>` and `autoscale` bodies as protobuf; what the server
stores (or answers for `--dry-run=server`) equals what the same command sent as JSON gives.

The JSON reference is the same kubectl's `--dry-run=client -o json` output sent back through
`create -f` (JSON), and, for the kinds it creates the same way, kubectl 1.30 running the same
command (it sends JSON). Bad protobuf bodies get a 400 naming the problem, never a 500.
"""

from __future__ import annotations

import copy
import json
import shlex
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.harness import Kubectl, Raw, ServerProcess, kubectl_binaries

PROTOBUF_KUBECTL = ("1.32", "1.33")
JSON_KUBECTL = "1.30"
PROTOBUF_HEADER = "Content-Type: application/vnd.kubernetes.protobuf"


@dataclass(frozen=True)
class Case:
    command: str  # shell words
    resource: str  # what `kubectl get` names the created object by (NAME: a namespace's own)


CASES = {
    "deployment": Case("create deployment nginx --image nginx --replicas 2", "deployment/nginx"),
    "deployment-zero": Case(
        "create deployment zero --image nginx --replicas 0 --port 80", "deployment/zero"
    ),
    "configmap": Case(
        "create configmap cm --from-literal=a=b --from-literal=empty=", "configmap/cm"
    ),
    "secret": Case("create secret generic s --from-literal=k=v --from-literal=e=", "secret/s"),
    "namespace": Case("create namespace NAME", "namespace/NAME"),
    "service": Case("create service clusterip web --tcp=80:8080", "service/web"),
    "job": Case("create job j --image busybox -- echo hi", "job/j"),
    "cronjob": Case(
        "create cronjob cj --image busybox --schedule '*/5 * * * *' -- echo hi", "cronjob/cj"
    ),
    "role": Case("create role r --verb get,list --resource pods,deployments.apps", "role/r"),
    "rolebinding": Case("create rolebinding rb --role r --user bob --group devs", "rolebinding/rb"),
    "serviceaccount": Case("create serviceaccount sa", "serviceaccount/sa"),
    # 1.32 posts autoscaling/v1, 1.33 autoscaling/v2 (1.30 always v1)
    "autoscale": Case(
        "autoscale deployment web --min 1 --max 3 --cpu-percent 50", "horizontalpodautoscalers/web"
    ),
}
# Server-assigned values that differ between two creations of the same object.
_VOLATILE_META = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "namespace")


def _kubectl(version: str, server: ServerProcess, factory: pytest.TempPathFactory) -> Kubectl:
    path = kubectl_binaries().get(version)
    if path is None:
        pytest.skip(f"kubectl {version} is not on this machine")
    return Kubectl(path, server.kubeconfig, factory.mktemp(f"kube-pb-{version}"), version)


@pytest.fixture(scope="module", params=PROTOBUF_KUBECTL)
def pb_kubectl(
    request: pytest.FixtureRequest, server: ServerProcess, tmp_path_factory: pytest.TempPathFactory
) -> Kubectl:
    return _kubectl(request.param, server, tmp_path_factory)


@pytest.fixture(scope="module")
def json_kubectl(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Kubectl | None:
    path = kubectl_binaries().get(JSON_KUBECTL)
    if path is None:
        return None
    return Kubectl(path, server.kubeconfig, tmp_path_factory.mktemp("kube-json"), JSON_KUBECTL)


def _create_namespace(kubectl: Kubectl, name: str) -> None:
    manifest = json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    kubectl.run("create", "--validate=false", "-f", "-", input=manifest)


@pytest.fixture
def spaces(kubectl: Kubectl) -> Iterator[dict[str, str]]:
    """One namespace per way of creating: protobuf, client JSON, kubectl 1.30."""
    suffix = uuid.uuid4().hex[:6]
    names = {way: f"pb-{way}-{suffix}" for way in ("proto", "json", "old")}
    for name in names.values():
        _create_namespace(kubectl, name)
        # the autoscale case scales this Deployment (created as JSON everywhere)
        deployment = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx"}]},
                },
            },
        }
        kubectl.run("create", "-n", name, "-f", "-", input=json.dumps(deployment))
    yield names
    for name in names.values():
        kubectl.run("delete", "namespace", name, "--wait=false", check=False)


def _command(case: Case, name: str, *flags: str) -> list[str]:
    """The command with `flags` (before any `--`), and its own name for `create namespace`."""
    words = [name if part == "NAME" else part for part in shlex.split(case.command)]
    cut = words.index("--") if "--" in words else len(words)
    return [*words[:cut], *flags, *words[cut:]]


def _normalize(obj: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """Drop what differs between any two creations; own uid and names become placeholders."""
    obj = copy.deepcopy(obj)
    meta = obj.get("metadata", {})
    uid = meta.get("uid")
    for key in _VOLATILE_META:
        meta.pop(key, None)
    spec = obj.get("spec", {})
    if obj.get("kind") == "Service":
        spec.pop("clusterIP", None)
        spec.pop("clusterIPs", None)
    text = json.dumps(obj, sort_keys=True)
    if uid:
        text = text.replace(uid, "<uid>")
    for name in names:
        text = text.replace(name, "<ns>")
    result: dict[str, Any] = json.loads(text)
    return result


def _create(
    kubectl: Kubectl, case: Case, namespace: str, dry_run: bool, *, expect_protobuf: bool
) -> dict[str, Any]:
    """Run a generator command; the object as stored by the create (or the dry-run answer).

    The create's own answer, not a later GET: controllers start changing status at once.
    """
    flags = ["--dry-run=server", "-o", "json"] if dry_run else ["-o", "json"]
    if expect_protobuf:
        flags.append("-v=8")
    result = kubectl.run("-n", namespace, *_command(case, namespace, *flags))
    if expect_protobuf:
        assert PROTOBUF_HEADER in result.stderr, "kubectl did not send protobuf"
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def _create_from_client_json(
    kubectl: Kubectl, case: Case, namespace: str, dry_run: bool
) -> dict[str, Any]:
    """The JSON equivalent: the generator's object printed client-side, created with `-f`."""
    printed = kubectl("-n", namespace, *_command(case, namespace, "--dry-run=client", "-o", "json"))
    args = ["create", "-n", namespace, "--validate=false", "-f", "-"]
    if case.command.startswith("create namespace"):
        args = ["create", "--validate=false", "-f", "-"]
    args += ["--dry-run=server", "-o", "json"] if dry_run else ["-o", "json"]
    answer: dict[str, Any] = json.loads(kubectl.run(*args, input=printed).stdout)
    return answer


@pytest.mark.parametrize("dry_run", [False, True], ids=["stored", "dry-run"])
@pytest.mark.parametrize("name", list(CASES))
def test_protobuf_create_matches_json(
    pb_kubectl: Kubectl,
    json_kubectl: Kubectl | None,
    spaces: dict[str, str],
    name: str,
    dry_run: bool,
) -> None:
    case = CASES[name]
    scope = tuple(spaces.values())
    proto_ns, json_ns, old_ns = spaces["proto"], spaces["json"], spaces["old"]
    if case.command.startswith("create namespace"):  # the created namespace needs a name of its own
        proto_ns, json_ns, old_ns = (f"{n}-ns" for n in (proto_ns, json_ns, old_ns))
        scope = (proto_ns, json_ns, old_ns, *scope)
    proto = _create(pb_kubectl, case, proto_ns, dry_run, expect_protobuf=True)
    assert proto["metadata"].get("uid")
    reference = _create_from_client_json(pb_kubectl, case, json_ns, dry_run)
    assert _normalize(proto, scope) == _normalize(reference, scope)
    # kubectl 1.30 autoscales with an autoscaling/v1 HPA, 1.33 with v2: not the same object
    same_api_version = name != "autoscale" or pb_kubectl.version == "1.32"
    if json_kubectl is not None and same_api_version:
        old = _create(json_kubectl, case, old_ns, dry_run, expect_protobuf=False)
        assert _normalize(proto, scope) == _normalize(old, scope)
    if dry_run:  # nothing was stored
        resource = case.resource.replace("NAME", proto_ns)
        missing = pb_kubectl.run("get", "-n", spaces["proto"], resource, check=False)
        assert missing.returncode != 0 and "NotFound" in missing.stderr
    else:
        for namespace in (proto_ns, json_ns, old_ns):
            if case.command.startswith("create namespace"):
                pb_kubectl.run("delete", "namespace", namespace, "--wait=false", check=False)


def test_zero_replicas_survive_the_protobuf_path(
    pb_kubectl: Kubectl, spaces: dict[str, str]
) -> None:
    stored = _create(
        pb_kubectl, CASES["deployment-zero"], spaces["proto"], False, expect_protobuf=True
    )
    assert stored["spec"]["replicas"] == 0
    assert stored["spec"]["template"]["spec"]["containers"][0]["ports"] == [
        {"containerPort": 80, "protocol": "TCP"}
    ]


# ---- bad protobuf bodies ----------------------------------------------------------------------


PROTOBUF = "application/vnd.kubernetes.protobuf"


@pytest.fixture
def raw(server: ServerProcess) -> Callable[..., tuple[int, dict[str, Any]]]:
    """Raw admin requests whose body is protobuf unless another Content-Type is given."""
    client = Raw(server)

    def send(
        method: str, path: str, body: bytes, content_type: str = PROTOBUF
    ) -> tuple[int, dict[str, Any]]:
        return client(method, path, body, content_type)

    return send


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _ld(number: int, *parts: bytes | str) -> bytes:
    data = b"".join(p.encode() if isinstance(p, str) else p for p in parts)
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _body(api_version: str, kind: str, raw: bytes) -> bytes:
    return b"k8s\x00" + _ld(1, _ld(1, api_version), _ld(2, kind)) + _ld(2, raw)


def _configmap(name: str) -> bytes:
    return _body("v1", "ConfigMap", _ld(1, _ld(1, name)) + _ld(2, _ld(1, "k"), _ld(2, "v")))


def test_a_hand_made_protobuf_configmap_is_created(raw: Raw, namespace: str) -> None:
    status, body = raw("POST", f"/api/v1/namespaces/{namespace}/configmaps", _configmap("hand"))
    assert status == 201, body
    assert (body["kind"], body["metadata"]["name"], body["data"]) == (
        "ConfigMap",
        "hand",
        {"k": "v"},
    )


def test_garbage_is_a_bad_request_naming_the_prefix(raw: Raw, namespace: str) -> None:
    status, body = raw("POST", f"/api/v1/namespaces/{namespace}/configmaps", b"garbage\x00\x01")
    assert (status, body["reason"]) == (400, "BadRequest")
    assert "provided data does not appear to be a protobuf message" in body["message"]
    assert "expected prefix [107 56 115 0]" in body["message"]


def test_a_truncated_body_is_a_bad_request(raw: Raw, namespace: str) -> None:
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    whole = _body("apps/v1", "Deployment", _ld(1, _ld(1, "d")) + _ld(2, b"\x08\x02"))
    for cut in (6, len(whole) // 2, len(whole) - 1):
        status, body = raw("POST", path, whole[:cut])
        assert (status, body["reason"]) == (400, "BadRequest"), body
        assert "unexpected EOF" in body["message"]


def test_a_wrong_wire_type_is_a_bad_request(raw: Raw, namespace: str) -> None:
    bad = _body("v1", "ConfigMap", b"\x08\x01")  # metadata as a varint
    status, body = raw("POST", f"/api/v1/namespaces/{namespace}/configmaps", bad)
    assert (status, body["reason"]) == (400, "BadRequest")
    assert body["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: '
        "proto: wrong wireType = 0 for field Metadata"
    )


def test_an_envelope_of_another_kind_is_a_bad_request(raw: Raw, namespace: str) -> None:
    status, body = raw("POST", f"/apis/apps/v1/namespaces/{namespace}/deployments", _configmap("x"))
    assert (status, body["reason"]) == (400, "BadRequest")
    assert "ConfigMap" in body["message"] and "Deployment" in body["message"]


def test_a_kind_without_protobuf_support_is_unsupported_media_type(
    raw: Raw, namespace: str
) -> None:
    widget = _body("example.com/v1", "Widget", _ld(1, _ld(1, "w")))
    status, body = raw("POST", f"/api/v1/namespaces/{namespace}/configmaps", widget)
    assert (status, body["reason"]) == (415, "UnsupportedMediaType")
    assert "accepted media types include: application/json, application/yaml" in body["message"]


def test_delete_options_may_come_as_protobuf(raw: Raw, namespace: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    assert raw("POST", path, _configmap("kept"))[0] == 201
    options = _body("v1", "DeleteOptions", _ld(5, "All"))  # dryRun: [All]
    status, body = raw("DELETE", f"{path}/kept", options)
    assert status == 200, body
    status, _ = raw("GET", f"{path}/kept", b"", "application/json")
    assert status == 200  # a dry run: still there
