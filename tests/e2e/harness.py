"""A real minikube_py server in a subprocess, and the real clients that drive it."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client import ApiClient

READY_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServerProcess:
    """`python -m minikube_py` with its own data dir and port; stopped by its own pid."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    extra_args: tuple[str, ...] = ("--no-kubelet",)
    process: subprocess.Popen[str] | None = None
    output: list[str] = field(default_factory=list)
    _ready: threading.Event = field(default_factory=threading.Event)

    @property
    def kubeconfig(self) -> Path:
        return self.data_dir / "kubeconfig.yaml"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "minikube_py",
            "server",
            "--data-dir",
            str(self.data_dir),
            "--port",
            str(self.port),
            *self.extra_args,
        ]

    def start(self) -> ServerProcess:
        self._ready.clear()
        self.output.clear()
        self.process = subprocess.Popen(
            self.command(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read_output, daemon=True).start()
        if not self._ready.wait(READY_TIMEOUT):
            self.stop()
            raise RuntimeError("server did not become ready:\n" + "".join(self.output))
        if self.process.poll() is not None:
            raise RuntimeError("server exited during start-up:\n" + "".join(self.output))
        return self

    def _read_output(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            if line.startswith("ready:"):
                self._ready.set()
        self._ready.set()  # exited: let start() report it

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.process = None
        return code


def simulated_args(nodes: int) -> tuple[str, ...]:
    """Server flags for pods that run: the simulated runtime with `nodes` nodes registered."""
    args = ("--runtime", "simulated", "--simulated-nodes", str(nodes))
    return (*args, "--node-monitor-grace-period", "5s")  # node-failure tests wait seconds, not 40 s


@contextlib.contextmanager
def running_server(
    prefix: str, extra_args: tuple[str, ...] | None = None
) -> Iterator[ServerProcess]:
    """A started server with a data dir of its own; stopped and the dir removed afterwards."""
    with temporary_dir(prefix) as data_dir:
        if extra_args is None:
            process = ServerProcess(data_dir).start()
        else:
            process = ServerProcess(data_dir, extra_args=extra_args).start()
        try:
            yield process
        finally:
            process.stop()


class Raw:
    """Raw HTTPS requests as the admin (bearer token), to send what no client library would."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.token = (server.data_dir / "pki" / "admin.token").read_text().strip()
        self.context = ssl.create_default_context(cafile=str(server.data_dir / "pki" / "ca.crt"))

    def __call__(
        self,
        method: str,
        path: str,
        body: bytes | str | None = None,
        content_type: str | None = None,
    ) -> tuple[int, dict]:
        conn = http.client.HTTPSConnection(
            "127.0.0.1", self.server.port, context=self.context, timeout=10
        )
        headers = {"Authorization": f"Bearer {self.token}"}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        return response.status, json.loads(data) if data else {}


def kubectl_binaries() -> dict[str, str]:
    """Version -> path for kubectl on PATH and the versioned ones beside its real file."""
    found: dict[str, str] = {}
    default = shutil.which("kubectl")
    if default is None:
        return found
    folder = Path(os.path.realpath(default)).parent
    for candidate in sorted(folder.glob("kubectl.1.*")):
        found[candidate.name.removeprefix("kubectl.")] = str(candidate)
    found.setdefault("default", default)
    return found


@dataclass
class Kubectl:
    """Runs one kubectl binary against a server, with a private discovery cache."""

    binary: str
    kubeconfig: Path
    cache_dir: Path
    version: str = "default"

    def run(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        timeout: float = 60,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        cmd = [
            self.binary,
            f"--kubeconfig={self.kubeconfig}",
            f"--cache-dir={self.cache_dir}",
            *args,
        ]
        result = subprocess.run(
            cmd, input=input, capture_output=True, text=True, timeout=timeout, check=False, env=env
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def __call__(self, *args: str, input: str | None = None) -> str:
        return self.run(*args, input=input).stdout


def default_kubectl(server: ServerProcess, factory: pytest.TempPathFactory) -> Kubectl:
    """The kubectl on PATH against `server`, with a discovery cache of its own."""
    binaries = kubectl_binaries()
    if not binaries:
        pytest.skip("kubectl is not installed")
    return Kubectl(binaries["default"], server.kubeconfig, factory.mktemp("kube"))


def table(output: str) -> list[dict[str, str]]:
    """The rows of kubectl's table output as {column: cell}, cut where each header starts
    (kubectl aligns columns; a header such as NOMINATED NODE holds single spaces). No rows
    when kubectl printed nothing ("No resources found" goes to stderr)."""
    if not output.strip():
        return []
    header, *rows = output.splitlines()
    starts = [(m.start(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", header)]
    ends = [start for start, _ in starts[1:]] + [None]
    return [
        {name: row[start:end].strip() for (start, name), end in zip(starts, ends, strict=True)}
        for row in rows
    ]


def get_json(kubectl: Kubectl, *args: str) -> Any:
    return json.loads(kubectl("get", *args, "-o", "json"))


def node_ready(kubectl: Kubectl, name: str) -> str:
    conditions = get_json(kubectl, "node", name).get("status", {}).get("conditions", [])
    return next((c["status"] for c in conditions if c["type"] == "Ready"), "")


@contextlib.contextmanager
def simulated_node(
    kubectl: Kubectl,
    labels: dict[str, str] | None = None,
    taints: tuple[dict[str, str], ...] = (),
) -> Iterator[str]:
    """A Node added at run time with the simulated annotation (the server's simulated kubelet
    runs it), Ready when yielded; deleted afterwards, also when the test fails."""
    name = f"extra-{uuid.uuid4().hex[:6]}"
    meta = {"name": name, "annotations": {"minikube-py.io/simulated": "true"}}
    manifest = {"apiVersion": "v1", "kind": "Node", "metadata": {**meta, "labels": labels or {}}}
    if taints:
        manifest["spec"] = {"taints": list(taints)}
    kubectl("create", "-f", "-", input=json.dumps(manifest))
    try:
        wait_until(lambda: node_ready(kubectl, name) == "True", timeout=10)
        yield name
    finally:
        kubectl.run("delete", "node", name, check=False)


@contextlib.contextmanager
def temporary_dir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


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


def wait_until(predicate: object, timeout: float = 10.0, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
