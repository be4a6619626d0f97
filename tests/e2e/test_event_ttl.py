"""`--event-ttl`: Events of both APIs disappear that long after their last write, as in
kube-apiserver; until then they read back as written, through kubectl."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.e2e.harness import Kubectl, ServerProcess, default_kubectl, running_server

TTL_SECONDS = 4

CORE_EVENT = """
apiVersion: v1
kind: Event
metadata: {name: core-event, namespace: default}
involvedObject: {kind: Pod, name: web, namespace: default}
reason: Started
message: Started container web
type: Normal
count: 1
"""

EVENTS_V1_EVENT = """
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: v1-event, namespace: default}
regarding: {kind: Pod, name: web, namespace: default}
reason: Pulled
note: Container image already present on machine
type: Normal
action: Pull
reportingController: kubelet
reportingInstance: node-a
eventTime: "2024-01-01T00:00:00.000000Z"
"""


@pytest.fixture(scope="module")
def short_ttl_server() -> Iterator[ServerProcess]:
    args = ("--no-kubelet", "--event-ttl", f"{TTL_SECONDS}s")
    with running_server("minikube-py-e2e-ttl-", args) as process:
        yield process


@pytest.fixture(scope="module")
def ttl_kubectl(
    short_ttl_server: ServerProcess, tmp_path_factory: pytest.TempPathFactory
) -> Kubectl:
    return default_kubectl(short_ttl_server, tmp_path_factory)


def event_names(kubectl: Kubectl, resource: str) -> list[str]:
    listed = json.loads(kubectl("get", resource, "-n", "default", "-o", "json"))
    return sorted(item["metadata"]["name"] for item in listed["items"])


def test_events_of_both_apis_expire_after_the_ttl(ttl_kubectl: Kubectl) -> None:
    created = time.monotonic()
    ttl_kubectl("apply", "-f", "-", input=CORE_EVENT)
    ttl_kubectl("apply", "-f", "-", input=EVENTS_V1_EVENT)

    core = json.loads(ttl_kubectl("get", "events.v1.", "core-event", "-n", "default", "-o", "json"))
    assert (core["reason"], core["message"], core["count"]) == (
        "Started",
        "Started container web",
        1,
    )
    assert "core-event" in event_names(ttl_kubectl, "events.v1.")
    assert "v1-event" in event_names(ttl_kubectl, "events.v1.events.k8s.io")

    # An update renews the time to live, as a new lease does in kube-apiserver.
    time.sleep(TTL_SECONDS / 2)
    ttl_kubectl("patch", "events.v1.", "core-event", "-n", "default", "-p", '{"count": 2}')
    renewed = time.monotonic()
    time.sleep(max(0.0, created + TTL_SECONDS + 1.5 - time.monotonic()))
    assert "v1-event" not in event_names(ttl_kubectl, "events.v1.events.k8s.io")
    patched = json.loads(
        ttl_kubectl("get", "events.v1.", "core-event", "-n", "default", "-o", "json")
    )
    assert patched["count"] == 2

    time.sleep(max(0.0, renewed + TTL_SECONDS + 1.5 - time.monotonic()))
    assert "core-event" not in event_names(ttl_kubectl, "events.v1.")


def test_a_ttl_of_zero_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "minikube_py", "server", "--event-ttl", "0s"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "--event-ttl must be more than 0s" in result.stderr
