"""A pod's status as the kubelet reports it, computed from what the runtime says (pure).

The rules are the kubelet's (`pkg/kubelet/kubelet_pods.go` getPhase and generateAPIPodStatus,
`pkg/kubelet/status/generate.go`): the phase follows the containers and the restart policy;
the kubelet owns five conditions and keeps everyone else's (readiness gates, DisruptionTarget)
ahead of them; a condition's lastTransitionTime changes only when its status does. With no
probes simulated, a running container is ready, and a pod is Ready when all its containers are
and every readiness gate's condition is True.
"""

from __future__ import annotations

from dataclasses import dataclass

from minikube_py.resources import Obj
from minikube_py.runtime import ContainerState, PodSandbox, format_time

KUBELET_CONDITIONS = (
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
)
# What the kubelet writes; every other status field (qosClass, nominatedNodeName, …) is kept.
KUBELET_FIELDS = frozenset(
    {
        "phase",
        "conditions",
        "hostIP",
        "hostIPs",
        "podIP",
        "podIPs",
        "startTime",
        "containerStatuses",
        "initContainerStatuses",
    }
)
TERMINAL_PHASES = ("Succeeded", "Failed")


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the pod runs: its node's address and its own."""

    host_ip: str
    pod_ip: str


def pod_phase(pod: Obj, sandbox: PodSandbox | None) -> str:
    """getPhase: Running while a container runs or will be restarted, then Succeeded/Failed."""
    if sandbox is None:
        return "Pending"
    main = [c for c in sandbox.containers if not c.init]
    if not main or any(c.running for c in main):
        return "Running" if main else "Pending"
    policy = pod.get("spec", {}).get("restartPolicy", "Always")
    succeeded = all(c.exit_code == 0 for c in main)
    # A pod being deleted is terminal whatever its policy: nothing restarts any more.
    if succeeded and (sandbox.stopping or policy != "Always"):
        return "Succeeded"
    if not succeeded and (sandbox.stopping or policy == "Never"):
        return "Failed"
    return "Running"


def pod_status(pod: Obj, sandbox: PodSandbox, placement: Placement, now: float) -> Obj:
    """The full status to write: the kubelet's fields computed, everyone else's kept."""
    old: Obj = pod.get("status") or {}
    phase = pod_phase(pod, sandbox)
    status = {k: v for k, v in old.items() if k not in KUBELET_FIELDS}
    status["phase"] = phase
    status["conditions"] = pod_conditions(pod, sandbox, phase, now)
    status["hostIP"] = placement.host_ip
    status["hostIPs"] = [{"ip": placement.host_ip}]
    status["podIP"] = placement.pod_ip
    status["podIPs"] = [{"ip": placement.pod_ip}]
    status["startTime"] = old.get("startTime") or format_time(now)
    init = sorted((c for c in sandbox.containers if c.init), key=lambda c: c.name)
    main = sorted((c for c in sandbox.containers if not c.init), key=lambda c: c.name)
    if init:
        status["initContainerStatuses"] = [container_status(c) for c in init]
    status["containerStatuses"] = [container_status(c) for c in main]
    return status


def container_status(container: ContainerState) -> Obj:
    state: Obj
    if container.running:
        state = {"running": {"startedAt": format_time(container.started_at)}}
    else:
        state = {
            "terminated": {
                "exitCode": container.exit_code,
                "reason": container.reason,
                "startedAt": format_time(container.started_at),
                "finishedAt": format_time(container.finished_at or container.started_at),
                "containerID": container.container_id,
            }
        }
    # A completed init container counts as ready, as the kubelet reports it.
    ready = container.running or (container.init and container.exit_code == 0)
    return {
        "name": container.name,
        "state": state,
        "lastState": {},
        "ready": ready,
        "restartCount": 0,
        "image": container.image,
        "imageID": container.image_id,
        "containerID": container.container_id,
        "started": container.running,
    }


def pod_conditions(pod: Obj, sandbox: PodSandbox, phase: str, now: float) -> list[Obj]:
    old = pod.get("status", {}).get("conditions") or []
    foreign = [c for c in old if c.get("type") not in KUBELET_CONDITIONS]
    containers_ready = _containers_ready(sandbox, phase)
    ready = containers_ready
    if containers_ready[0] == "True":
        ready = _readiness_gates(pod, foreign)
    terminal = phase in TERMINAL_PHASES
    wanted = {
        "PodReadyToStartContainers": ("False", "", "") if terminal else ("True", "", ""),
        "Initialized": ("True", "", ""),
        "Ready": ready,
        "ContainersReady": containers_ready,
        "PodScheduled": ("True", "", ""),
    }
    previous = {c.get("type"): c for c in old}
    return foreign + [
        _condition(kind, *wanted[kind], previous.get(kind), now) for kind in KUBELET_CONDITIONS
    ]


def _containers_ready(sandbox: PodSandbox, phase: str) -> tuple[str, str, str]:
    if phase == "Succeeded":
        return "False", "PodCompleted", ""
    if phase == "Failed":
        return "False", "PodFailed", ""
    unready = sorted(c.name for c in sandbox.containers if not c.init and not c.running)
    if unready:
        return (
            "False",
            "ContainersNotReady",
            f"containers with unready status: [{' '.join(unready)}]",
        )
    return "True", "", ""


def _readiness_gates(pod: Obj, conditions: list[Obj]) -> tuple[str, str, str]:
    by_type = {c.get("type"): c for c in conditions}
    for gate in pod.get("spec", {}).get("readinessGates") or []:
        kind = gate.get("conditionType", "")
        found = by_type.get(kind)
        if found is None:
            message = f'corresponding condition of pod readiness gate "{kind}" does not exist.'
            return "False", "ReadinessGatesNotReady", message
        if found.get("status") != "True":
            message = (
                f'the status of pod readiness gate "{kind}" is not "True", '
                f"but {found.get('status')}"
            )
            return "False", "ReadinessGatesNotReady", message
    return "True", "", ""


def _condition(
    kind: str, status: str, reason: str, message: str, previous: Obj | None, now: float
) -> Obj:
    unchanged = previous is not None and previous.get("status") == status
    condition: Obj = {
        "type": kind,
        "status": status,
        "lastProbeTime": None,
        "lastTransitionTime": (
            previous.get("lastTransitionTime") if previous and unchanged else format_time(now)
        ),
    }
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition
