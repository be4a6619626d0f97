"""Endpoints and EndpointSlices (`minikube_py.reconcilers.endpoints`) from Services and pods."""

from __future__ import annotations

from pathlib import Path

import pytest

from minikube_py.reconcilers import endpoints
from minikube_py.reconcilers.endpoints import Backend, Port
from minikube_py.resources import Obj
from tests.unit.inprocess import eventually, in_process_api


def service(**spec: object) -> Obj:
    return {
        "metadata": {"name": "web", "namespace": "ns", "uid": "svc-uid", "labels": {"a": "b"}},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}], **spec},
    }


def pod(
    name: str,
    ip: str | None = "10.0.0.1",
    *,
    ready: bool = True,
    labels: dict[str, str] | None = None,
    phase: str = "Running",
    ports: list[Obj] | None = None,
    deleting: bool = False,
    **spec: object,
) -> Obj:
    meta: Obj = {"name": name, "namespace": "ns", "uid": f"{name}-uid"}
    meta["labels"] = labels if labels is not None else {"app": "web"}
    if deleting:
        meta["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    status: Obj = {"phase": phase, "conditions": [{"type": "Ready", "status": str(ready)}]}
    if ip:
        status |= {"podIP": ip, "podIPs": [{"ip": ip}]}
    containers = [{"name": "c", "image": "busybox", "ports": ports or []}]
    return {"metadata": meta, "spec": {"containers": containers, **spec}, "status": status}


# ---- ports -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "protocol", "expected"),
    [
        pytest.param(9000, "TCP", 9000, id="number-even-if-undeclared"),
        pytest.param("http", "TCP", 8080, id="name"),
        pytest.param("http", "UDP", None, id="name-other-protocol"),
        pytest.param("grpc", "TCP", 7000, id="name-of-sidecar"),
        pytest.param("nope", "TCP", None, id="unknown-name"),
    ],
)
def test_find_port(target: object, protocol: str, expected: int | None) -> None:
    """targetPort resolves as podutil.FindPort: numbers as is, names against container ports."""
    subject = pod("a", ports=[{"name": "http", "containerPort": 8080, "protocol": "TCP"}])
    subject["spec"]["initContainers"] = [
        {
            "name": "side",
            "restartPolicy": "Always",
            "ports": [{"name": "grpc", "containerPort": 7000}],
        }
    ]
    port = {"port": 80, "targetPort": target, "protocol": protocol}
    assert endpoints.find_port(subject, port) == expected


# ---- backends --------------------------------------------------------------------------------


def test_backends_follow_selector_ip_and_phase() -> None:
    """Only selected pods with an IP that have not finished stand behind the Service."""
    pods = [
        pod("ok", "10.0.0.1"),
        pod("other-app", "10.0.0.2", labels={"app": "db"}),
        pod("no-ip", None),
        pod("done", "10.0.0.3", phase="Succeeded"),
    ]
    backends = endpoints.pod_backends(service(), pods, include_terminating=False)
    assert [b.ip for b in backends] == ["10.0.0.1"]
    assert backends[0].ports == (Port("", 8080, "TCP"),)
    assert backends[0].target_ref == ("ns", "ok", "ok-uid")


def test_readiness_and_termination() -> None:
    """Unready pods are listed not ready; terminating ones only where asked (slices)."""
    pods = [pod("ready", "10.0.0.1"), pod("unready", "10.0.0.2", ready=False)]
    pods.append(pod("leaving", "10.0.0.3", deleting=True))
    for_endpoints = endpoints.pod_backends(service(), pods, include_terminating=False)
    assert [(b.ip, b.ready) for b in for_endpoints] == [("10.0.0.1", True), ("10.0.0.2", False)]
    for_slices = endpoints.pod_backends(service(), pods, include_terminating=True)
    leaving = next(b for b in for_slices if b.ip == "10.0.0.3")
    assert (leaving.ready, leaving.serving, leaving.terminating) == (False, True, True)


def test_publish_not_ready_addresses() -> None:
    """publishNotReadyAddresses makes every listed pod ready, terminating ones included."""
    svc = service(publishNotReadyAddresses=True)
    pods = [pod("unready", "10.0.0.2", ready=False), pod("leaving", "10.0.0.3", deleting=True)]
    backends = endpoints.pod_backends(svc, pods, include_terminating=False)
    assert [(b.ip, b.ready) for b in backends] == [("10.0.0.3", True), ("10.0.0.2", True)]


def test_named_ports_split_subsets() -> None:
    """Pods resolving a named port differently land in different subsets; a pod without the
    name keeps its other ports, and one serving none of them is left out."""
    svc = service(
        ports=[
            {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
            {"name": "metrics", "port": 9000, "targetPort": 9000, "protocol": "TCP"},
        ]
    )
    pods = [
        pod("a", "10.0.0.1", ports=[{"name": "http", "containerPort": 8080}]),
        pod("b", "10.0.0.2", ports=[{"name": "http", "containerPort": 8081}], ready=False),
        pod("c", "10.0.0.3"),
    ]
    backends = endpoints.pod_backends(svc, pods, include_terminating=False)
    subsets = endpoints.endpoint_subsets(backends, ["IPv4"])
    simplified = [
        (
            [a["ip"] for a in s.get("addresses", [])],
            [a["ip"] for a in s.get("notReadyAddresses", [])],
            [(p["name"], p["port"]) for p in s["ports"]],
        )
        for s in subsets
    ]
    assert simplified == [
        (["10.0.0.1"], [], [("http", 8080), ("metrics", 9000)]),
        ([], ["10.0.0.2"], [("http", 8081), ("metrics", 9000)]),
        (["10.0.0.3"], [], [("metrics", 9000)]),
    ]


def test_headless_service_without_ports() -> None:
    """A headless Service without ports still lists its pods, with hostnames for its subdomain."""
    svc = service(clusterIP="None", ports=[])
    subject = pod("a", "10.0.0.1", hostname="a", subdomain="web")
    backends = endpoints.pod_backends(svc, [subject], include_terminating=False)
    assert endpoints.endpoint_subsets(backends, ["IPv4"]) == [
        {
            "addresses": [
                {
                    "ip": "10.0.0.1",
                    "hostname": "a",
                    "targetRef": {"kind": "Pod", "namespace": "ns", "name": "a", "uid": "a-uid"},
                }
            ]
        }
    ]


def test_slices_are_chunked_and_placeholder() -> None:
    """At most 100 endpoints per slice; no endpoints at all still gives one empty slice."""
    backends = [
        Backend(f"10.0.{i // 250}.{i % 250}", (Port("", 80, "TCP"),), True, True, False)
        for i in range(250)
    ]
    contents = endpoints.slice_contents(backends, ["IPv4"], {})
    assert [len(chunk) for chunk in contents[("IPv4", (Port("", 80, "TCP"),))]] == [100, 100, 50]
    assert endpoints.slice_contents([], ["IPv4"], {}) == {("IPv4", ()): [[]]}


def test_slice_endpoint_fields() -> None:
    """A slice endpoint carries conditions, node, zone and the pod reference."""
    backend = Backend(
        "10.0.0.1", (), False, True, True, node_name="n1", target_ref=("ns", "a", "u")
    )
    assert backend.slice_endpoint({"n1": "zone-a"}) == {
        "addresses": ["10.0.0.1"],
        "conditions": {"ready": False, "serving": True, "terminating": True},
        "nodeName": "n1",
        "zone": "zone-a",
        "targetRef": {"kind": "Pod", "namespace": "ns", "name": "a", "uid": "u"},
    }


def test_plan_reuses_slices() -> None:
    """Existing slices keep their names: same kind first, then a leftover of the same family
    owned by this Service; one of a deleted namesake is not reused."""
    http = ("IPv4", (Port("http", 80, "TCP"),))
    owned = {"ownerReferences": [{"uid": "svc-uid"}]}
    placeholder = {"metadata": {"name": "web-aaaaa", **owned}, "addressType": "IPv4", "ports": []}
    foreign = {
        "metadata": {"name": "web-bbbbb", "ownerReferences": [{"uid": "old"}]},
        "addressType": "IPv4",
        "ports": [],
    }
    writes, leftovers = endpoints.plan_slices(
        {http: [[{"e": 1}]]}, [placeholder, foreign], "svc-uid"
    )
    assert writes == [(placeholder, http, [{"e": 1}])]
    assert leftovers == [foreign]


def test_apiserver_backends() -> None:
    """`default/kubernetes` points at the node's first IPv4 address and the API port."""
    svc = {"spec": {"ports": [{"name": "https", "port": 443, "targetPort": 6443}]}}
    assert endpoints.apiserver_backends(svc, ["2001:db8::1", "192.0.2.7"]) == [
        Backend("192.0.2.7", (Port("https", 6443, "TCP"),), True, True, False)
    ]
    assert endpoints.apiserver_backends(svc, [])[0].ip == "127.0.0.1"


# ---- the controllers, in process -------------------------------------------------------------


async def test_controllers_follow_pods(tmp_path: Path) -> None:
    """250 ready pods give one Endpoints and three slices, without duplicates; removing the
    selector's pods leaves one placeholder slice."""
    async with in_process_api(tmp_path) as api:
        pods, slices = api.resource("", "pods"), api.resource("discovery.k8s.io", "endpointslices")
        svc = service()
        svc["metadata"].pop("uid")
        await api.client.create(api.resource("", "services"), "ns", svc)
        for i in range(250):
            created = await api.client.create(pods, "ns", pod(f"p{i:03}", None))
            created["status"] = pod("x", f"10.1.{i // 200}.{i % 200}")["status"]
            await api.client.update(pods, "ns", created, subresource="status")
        await api.run(endpoints.EndpointsController)
        await api.run(endpoints.EndpointSliceController)

        def slice_sizes() -> list[int]:
            items = api.rest.list(slices, "ns").entries
            return sorted(len(e.value["endpoints"]) for e in items)

        def endpoint_count() -> int:
            entry = api.rest.store.get(api.resource("", "endpoints").key("ns", "web"))
            subsets = entry.value.get("subsets", []) if entry else []
            return sum(len(s.get("addresses", [])) for s in subsets)

        await eventually(lambda: slice_sizes() == [50, 100, 100] and endpoint_count() == 250)
        for i in range(250):
            await api.client.delete(pods, "ns", f"p{i:03}")
        await eventually(lambda: slice_sizes() == [0] and endpoint_count() == 0)
