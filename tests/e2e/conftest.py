"""Shared e2e fixtures: one server for the session; each test gets its own namespace."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator

import pytest
from kubernetes import config
from kubernetes.client import ApiClient

from tests.e2e.harness import (
    Kubectl,
    PodLog,
    ServerProcess,
    default_kubectl,
    kubectl_binaries,
    running_server,
    simulated_args,
)

# The versions the acceptance points name; whichever exist on this machine run.
WANTED_KUBECTL = ("1.27", "1.30", "1.33")


@pytest.fixture(scope="session")
def server() -> Iterator[ServerProcess]:
    with running_server("minikube-py-e2e-") as process:
        yield process


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


@pytest.fixture(scope="session")
def kubectl(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    """The kubectl on PATH."""
    return default_kubectl(server, tmp_path_factory)


@contextlib.contextmanager
def _python_client(server: ServerProcess) -> Iterator[ApiClient]:
    """The official Python client, as the admin of `server`."""
    api = config.new_client_from_config(config_file=str(server.kubeconfig))
    try:
        yield api
    finally:
        api.close()


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
    with running_server("minikube-py-e2e-sim-", simulated_args(SIMULATED_NODES)) as process:
        yield process


@pytest.fixture(scope="session")
def sim_kubectl(sim_server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    """The kubectl on PATH, against the simulated-node server."""
    return default_kubectl(sim_server, tmp_path_factory)


@pytest.fixture
def sim_namespace(sim_kubectl: Kubectl) -> Iterator[str]:
    """A namespace of the simulated-node server, for one test."""
    with _fresh_namespace(sim_kubectl) as name:
        yield name


@pytest.fixture(scope="session")
def sim_api_client(sim_server: ServerProcess) -> Iterator[ApiClient]:
    with _python_client(sim_server) as api:
        yield api


@pytest.fixture
def pod_log(sim_api_client: ApiClient, sim_namespace: str) -> Iterator[PodLog]:
    """Every pod event of the test's namespace on the simulated-node server, in order."""
    log = PodLog(sim_api_client, sim_namespace)
    thread = threading.Thread(target=log.run, daemon=True)
    thread.start()
    try:
        yield log
    finally:
        log.stop()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def api_client(server: ServerProcess) -> Iterator[ApiClient]:
    with _python_client(server) as api:
        yield api
