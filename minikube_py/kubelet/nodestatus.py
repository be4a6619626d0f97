"""A simulated node's Node object, status and Lease, as a kubelet would register them (pure).

The conditions, addresses and nodeInfo are those `kubelet_node_status.go` reports; the kubelet
owns its four conditions and leaves everyone else's (NetworkUnavailable, …) where they are.
A condition's lastHeartbeatTime moves with every status update, its lastTransitionTime only
when its status changes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from minikube_py import KUBERNETES_VERSION
from minikube_py.resources import Obj
from minikube_py.runtime import format_time

SIMULATED_ANNOTATION = "minikube-py.io/simulated"  # "true": the fleet runs this node
HEARTBEAT_ANNOTATION = "minikube-py.io/simulated-heartbeat"  # "stopped": its kubelet goes silent
LEASE_NAMESPACE = "kube-node-lease"
OS_IMAGE = "minikube_py simulated node"
KUBELET_PORT = 10250
# (type, status, reason, message) of a healthy kubelet's conditions, in the kubelet's order.
HEALTHY_CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory "
     "available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class NodeProfile:
    """What every node of a simulated fleet looks like."""

    capacity: Mapping[str, str]  # cpu, memory, pods, ephemeral-storage
    arch: str  # amd64, arm64
    kernel_version: str
    runtime_version: str
    boot_id: str  # one per start of the fleet, as a machine gets one per boot


def is_simulated(node: Obj) -> bool:
    return _annotations(node).get(SIMULATED_ANNOTATION) == "true"


def heartbeat_stopped(node: Obj) -> bool:
    return _annotations(node).get(HEARTBEAT_ANNOTATION) == "stopped"


def default_labels(name: str, arch: str) -> dict[str, str]:
    return {
        "beta.kubernetes.io/arch": arch,
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": arch,
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "simulated",
        "type": "simulated",
    }


def new_node(name: str, pod_cidr: str | None, arch: str) -> Obj:
    node: Obj = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "annotations": {SIMULATED_ANNOTATION: "true"}},
        "spec": {},
    }
    return registered_node(node, pod_cidr, arch) or node


def registered_node(node: Obj, pod_cidr: str | None, arch: str) -> Obj | None:
    """The node with the labels, podCIDR and providerID a kubelet registers it with filled in
    where missing (a copy); None when nothing is missing."""
    meta, spec = node["metadata"], node.get("spec") or {}
    labels = {**default_labels(meta["name"], arch), **(meta.get("labels") or {})}
    wanted_spec = {"providerID": f"simulated://{meta['name']}", **spec}
    if pod_cidr and not spec.get("podCIDR"):
        wanted_spec.update(podCIDR=pod_cidr, podCIDRs=[pod_cidr])
    if labels == meta.get("labels") and wanted_spec == spec:
        return None
    return {**node, "metadata": {**meta, "labels": labels}, "spec": wanted_spec}


def node_status(node: Obj, profile: NodeProfile, host_ip: str, now: float) -> Obj:
    """The status a healthy kubelet posts, keeping the fields and conditions it does not own."""
    name = node["metadata"]["name"]
    old = node.get("status") or {}
    status = dict(old)
    status["capacity"] = dict(profile.capacity)
    status["allocatable"] = dict(profile.capacity)
    status["conditions"] = _conditions(old.get("conditions") or [], now)
    status["addresses"] = [
        {"type": "InternalIP", "address": host_ip},
        {"type": "Hostname", "address": name},
    ]
    status["daemonEndpoints"] = {"kubeletEndpoint": {"Port": KUBELET_PORT}}
    status["nodeInfo"] = {
        "machineID": uuid.uuid5(uuid.NAMESPACE_DNS, name).hex,
        "systemUUID": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
        "bootID": str(uuid.uuid5(uuid.NAMESPACE_OID, f"{profile.boot_id}/{name}")),
        "kernelVersion": profile.kernel_version,
        "osImage": OS_IMAGE,
        "containerRuntimeVersion": profile.runtime_version,
        "kubeletVersion": f"v{KUBERNETES_VERSION}",
        "kubeProxyVersion": "",
        "operatingSystem": "linux",
        "architecture": profile.arch,
    }
    return status


def _conditions(old: list[Obj], now: float) -> list[Obj]:
    stamp = format_time(now)
    wanted = {
        kind: (status, reason, message) for kind, status, reason, message in HEALTHY_CONDITIONS
    }
    conditions = []
    for condition in old:
        kind = condition.get("type", "")
        if kind not in wanted:
            conditions.append(condition)
            continue
        status, reason, message = wanted.pop(kind)
        changed = condition.get("status") != status
        transition = stamp if changed else condition.get("lastTransitionTime", stamp)
        conditions.append(_condition(kind, status, reason, message, stamp, transition))
    for kind, (status, reason, message) in wanted.items():
        conditions.append(_condition(kind, status, reason, message, stamp, stamp))
    return conditions


def _condition(
    kind: str, status: str, reason: str, message: str, heartbeat: str, transition: str
) -> Obj:
    return {
        "type": kind,
        "status": status,
        "lastHeartbeatTime": heartbeat,
        "lastTransitionTime": transition,
        "reason": reason,
        "message": message,
    }


def status_changed(old: Obj, new: Obj) -> bool:
    """Whether a status differs in more than its heartbeat times."""
    return _without_heartbeats(old) != _without_heartbeats(new)


def _without_heartbeats(status: Obj) -> Obj:
    conditions = [
        {k: v for k, v in c.items() if k != "lastHeartbeatTime"}
        for c in status.get("conditions") or []
    ]
    return {**status, "conditions": conditions}


def node_ready(node: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (node.get("status") or {}).get("conditions") or []
    )


def node_lease(name: str, node_uid: str, duration: float, now: float) -> Obj:
    owner = {"apiVersion": "v1", "kind": "Node", "name": name, "uid": node_uid}
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": name, "namespace": LEASE_NAMESPACE, "ownerReferences": [owner]},
        "spec": {
            "holderIdentity": name,
            "leaseDurationSeconds": max(round(duration), 1),
            "renewTime": micro_time(now),
        },
    }


def renewed_lease(lease: Obj, now: float) -> Obj:
    return {**lease, "spec": {**lease.get("spec", {}), "renewTime": micro_time(now)}}


def micro_time(epoch: float) -> str:
    """A MicroTime, as Leases carry: RFC 3339 with microseconds."""
    micros = int(epoch * 1_000_000) % 1_000_000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{micros:06d}Z"


def _annotations(obj: Obj) -> dict[str, str]:
    return obj["metadata"].get("annotations") or {}
