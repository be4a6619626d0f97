"""Shared e2e fixtures: one server for the session; each test gets its own namespace."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest
from kubernetes import config
from kubernetes.client import ApiClient

from tests.e2e.harness import Kubectl, ServerProcess, kubectl_binaries, temporary_dir

# The versions the acceptance points name; whichever exist on this machine run.
WANTED_KUBECTL = ("1.27", "1.30", "1.33")


@pytest.fixture(scope="session")
def server() -> Iterator[ServerProcess]:
    with temporary_dir("minikube-py-e2e-") as data_dir:
        process = ServerProcess(data_dir).start()
        try:
            yield process
        finally:
            process.stop()


@pytest.fixture(scope="session", params=WANTED_KUBECTL)
def each_kubectl(
    request: pytest.FixtureRequest, server: ServerProcess, tmp_path_factory: pytest.TempPathFactory
) -> Kubectl:
    """Each kubectl version the acceptance points name, when this machine has it."""
    version = request.param
    path = kubectl_binaries().get(version)
    if path is None:
        pytest.skip(f"kubectl {version} is not on this machine")
    print(f"\n[kubectl {version}: {path}]")
    return Kubectl(path, server.kubeconfig, tmp_path_factory.mktemp(f"kube-{version}"), version)


def _default_kubectl(server: ServerProcess, factory: pytest.TempPathFactory) -> Kubectl:
    """The kubectl on PATH against `server`, with a discovery cache of its own."""
    binaries = kubectl_binaries()
    if not binaries:
        pytest.skip("kubectl is not installed")
    return Kubectl(binaries["default"], server.kubeconfig, factory.mktemp("kube"))


@pytest.fixture(scope="session")
def kubectl(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    """The kubectl on PATH."""
    return _default_kubectl(server, tmp_path_factory)


@contextlib.contextmanager
def _fresh_namespace(kubectl: Kubectl) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    manifest = f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n"
    kubectl.run("create", "-f", "-", input=manifest)
    try:
        yield name
    finally:
        kubectl.run("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture
def namespace(kubectl: Kubectl) -> Iterator[str]:
    """A namespace of the control-plane-only server, for one test."""
    with _fresh_namespace(kubectl) as name:
        yield name


# A second server whose pods run: the scheduler, the controllers and SIMULATED_NODES simulated
# nodes (no containers). Tests of workloads use it; each isolates itself in its own namespace.
SIMULATED_NODES = 3


@pytest.fixture(scope="session")
def sim_server() -> Iterator[ServerProcess]:
    args = ("--runtime", "simulated", "--simulated-nodes", str(SIMULATED_NODES))
    args += ("--node-monitor-grace-period", "5s")  # node-failure tests wait seconds, not 40 s
    with temporary_dir("minikube-py-e2e-sim-") as data_dir:
        process = ServerProcess(data_dir, extra_args=args).start()
        try:
            yield process
        finally:
            process.stop()


@pytest.fixture(scope="session")
def sim_kubectl(sim_server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    """The kubectl on PATH, against the simulated-node server."""
    return _default_kubectl(sim_server, tmp_path_factory)


@pytest.fixture
def sim_namespace(sim_kubectl: Kubectl) -> Iterator[str]:
    """A namespace of the simulated-node server, for one test."""
    with _fresh_namespace(sim_kubectl) as name:
        yield name


@pytest.fixture(scope="session")
def sim_api_client(sim_server: ServerProcess) -> Iterator[ApiClient]:
    api = config.new_client_from_config(config_file=str(sim_server.kubeconfig))
    try:
        yield api
    finally:
        api.close()


@pytest.fixture(scope="session")
def api_client(server: ServerProcess) -> Iterator[ApiClient]:
    api = config.new_client_from_config(config_file=str(server.kubeconfig))
    try:
        yield api
    finally:
        api.close()
