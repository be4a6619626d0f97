"""A real minikube_py server in a subprocess, and the real clients that drive it."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

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


@contextlib.contextmanager
def temporary_dir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def wait_until(predicate: object, timeout: float = 10.0, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
