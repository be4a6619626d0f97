"""Start-up, TLS and authentication, restart, and the start-up failures a user can hit."""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.harness import Kubectl, ServerProcess, free_port, temporary_dir


def _request(server: ServerProcess, path: str, token: str | None = None) -> tuple[int, dict]:
    """A raw HTTPS request that trusts only the cluster's CA and sends no client certificate."""
    context = ssl.create_default_context(cafile=str(server.data_dir / "pki" / "ca.crt"))
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=10)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(body)
    except ValueError:
        return response.status, {"text": body.decode()}


def _start_failure(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minikube_py", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_anonymous_request_is_refused(server: ServerProcess) -> None:
    status, body = _request(server, "/api/v1/namespaces")
    assert status == 401
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }


def test_wrong_token_is_refused(server: ServerProcess) -> None:
    status, body = _request(server, "/api/v1/namespaces", token="not-the-token")
    assert (status, body["reason"]) == (401, "Unauthorized")


def test_admin_token_is_accepted(server: ServerProcess) -> None:
    token = (server.data_dir / "pki" / "admin.token").read_text().strip()
    status, body = _request(server, "/api/v1/namespaces", token=token)
    assert status == 200
    assert body["kind"] == "NamespaceList"


@pytest.mark.parametrize("path", ["/livez", "/readyz", "/healthz", "/version"])
def test_public_endpoints_need_no_credentials(server: ServerProcess, path: str) -> None:
    status, _ = _request(server, path)
    assert status == 200


def test_kubectl_verifies_the_serving_certificate(server: ServerProcess, kubectl: Kubectl) -> None:
    config = server.kubeconfig.read_text()
    assert "insecure-skip-tls-verify" not in config
    assert "certificate-authority-data" in config
    names = kubectl("get", "namespaces", "-o", "name").split()
    for wanted in ("default", "kube-system", "kube-public", "kube-node-lease"):
        assert f"namespace/{wanted}" in names


def test_private_files_are_private(server: ServerProcess) -> None:
    pki = server.data_dir / "pki"
    for private in ("ca.key", "serving.key", "admin.key", "admin.token"):
        assert (pki / private).stat().st_mode & 0o777 == 0o600, private
    assert server.kubeconfig.stat().st_mode & 0o777 == 0o600


def test_restart_keeps_every_object(kubectl: Kubectl) -> None:
    with temporary_dir("minikube-py-restart-") as data_dir:
        first = ServerProcess(data_dir).start()
        try:
            ctl = Kubectl(kubectl.binary, first.kubeconfig, data_dir / "cache")
            ctl.run("create", "--validate=false", "-f", "-", input=_CONFIGMAP)
            before = json.loads(ctl("get", "configmap", "kept", "-o", "json"))
        finally:
            assert first.stop() == 0
        assert "Traceback" not in "".join(first.output)
        assert any(line.startswith("shutdown:") for line in first.output)
        second = ServerProcess(data_dir, port=first.port).start()
        try:
            after = json.loads(ctl("get", "configmap", "kept", "-o", "json"))
        finally:
            second.stop()
    assert after == before


_CONFIGMAP = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: kept
  namespace: default
data:
  greeting: hello
"""


def test_busy_port_is_reported() -> None:
    with socket.socket() as busy, temporary_dir("minikube-py-port-") as data_dir:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _start_failure("--no-kubelet", "--data-dir", str(data_dir), "--port", str(port))
    assert result.returncode == 1
    assert (
        f"error: cannot listen on 127.0.0.1:{port}: the address is already in use" in result.stderr
    )
    assert "Traceback" not in result.stderr + result.stdout


def test_unwritable_data_dir_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = _start_failure(
        "--no-kubelet", "--data-dir", str(blocker / "data"), "--port", str(free_port())
    )
    assert result.returncode == 1
    assert f"error: the data dir {blocker / 'data'} is not writable" in result.stderr
    assert "Traceback" not in result.stderr


def test_incompatible_data_dir_is_reported(tmp_path: Path) -> None:
    (tmp_path / "state.db").write_bytes(b"this is not a database" * 100)
    result = _start_failure("--no-kubelet", "--data-dir", str(tmp_path), "--port", str(free_port()))
    assert result.returncode == 1
    assert str(tmp_path / "state.db") in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_dockerd_is_reported(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("the dockerd check comes after the root check")
    result = _start_failure(
        "--data-dir",
        str(tmp_path),
        "--port",
        str(free_port()),
        env={"DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"},
    )
    assert result.returncode == 1
    assert "dockerd is not reachable" in result.stderr
    assert "--runtime simulated" in result.stderr


def _world_usable(path: Path) -> bool:
    """Whether an unprivileged user can reach and run `path` (every parent must be o+x)."""
    real = Path(os.path.realpath(path))
    folders_ok = all(p.stat().st_mode & 0o001 for p in real.parents)
    return folders_ok and bool(real.stat().st_mode & 0o005)


def _python_for_nobody() -> tuple[str, dict[str, str]]:
    """A Python an unprivileged user may run, seeing this project and its installed packages."""
    site_packages = [p for p in sys.path if p.endswith("site-packages")]
    project = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([project, *site_packages])}
    if not all(_world_usable(Path(p)) for p in [project, *site_packages]):
        # e.g. a checkout inside a `mktemp -d` folder (mode 0700)
        pytest.skip("this checkout or its packages are not readable by an unprivileged user")
    for candidate in (
        sys.executable,
        f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}",
    ):
        if Path(candidate).exists() and _world_usable(Path(candidate)):
            return candidate, env
    pytest.skip("no Python of this version is usable by an unprivileged user here")


def test_docker_runtime_needs_root() -> None:
    with temporary_dir("minikube-py-nobody-") as home:
        home.chmod(0o777)  # the unprivileged user's home and data dir
        command = ["-m", "minikube_py", "--data-dir", str(home / "d"), "--port", str(free_port())]
        if os.geteuid() != 0:
            result = _start_failure(*command[2:])
        else:
            python, env = _python_for_nobody()
            nobody = 65534
            result = subprocess.run(
                [python, *command],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
                env={**env, "HOME": str(home)},
                user=nobody,
                group=nobody,
                cwd=home,
            )
    assert result.returncode == 1, result.stderr
    assert "need root" in result.stderr
    assert "Traceback" not in result.stderr


def test_version_and_help() -> None:
    version = _start_failure("version")
    assert version.returncode == 0
    assert version.stdout.startswith("minikube_py ")
    for args in (["--help"], ["server", "--help"], ["version", "--help"]):
        result = _start_failure(*args)
        assert result.returncode == 0
        assert "usage:" in result.stdout
