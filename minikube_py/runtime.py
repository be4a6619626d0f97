"""Container runtimes: what the kubelet asks of one, and a simulated one that runs nothing.

The kubelet speaks to a `Runtime` in pod sandboxes named by the pod's UID: start a pod's
containers, read their states, ask them to stop (the runtime reports back when they have
stopped, as dockerd's event stream does), remove them, and list what exists, so that a
restarted kubelet adopts the pods already running instead of starting them again.

`SimulatedRuntime` starts no process: containers "start" at once and run until stopped, except
those of pods that run to completion (restartPolicy Never or OnFailure), which exit 0 after a
configured time. It holds no task per pod: a pending exit is one timer handle. A Docker runtime
implements the same protocol.
"""

from __future__ import annotations

import asyncio
import calendar
import dataclasses
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from minikube_py.resources import Obj

STOP_SECONDS = 0.5  # how long a simulated container takes to stop: small, but not instant
RUNTIME_VERSION = "simulated://1.0"

# Called with the UID of a pod whose containers changed state by themselves (exited, stopped).
ChangeListener = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ContainerState:
    """One container of a sandbox, as `docker inspect` would describe it."""

    name: str
    container_id: str
    image: str
    image_id: str
    started_at: float  # epoch seconds
    init: bool = False  # an init container (sidecars among them keep running)
    finished_at: float | None = None
    exit_code: int = 0
    reason: str = ""  # why it finished: Completed or Error

    @property
    def running(self) -> bool:
        return self.finished_at is None


@dataclass(frozen=True, slots=True)
class PodSandbox:
    """A pod as the runtime knows it: its containers, init containers first."""

    uid: str
    namespace: str
    name: str
    containers: tuple[ContainerState, ...]
    stopping: bool = False

    @property
    def running(self) -> bool:
        return any(c.running for c in self.containers)


class Runtime(Protocol):
    """What a kubelet needs from a container runtime."""

    version: str  # the node's containerRuntimeVersion, e.g. "docker://27.1.1"

    def listen(self, on_change: ChangeListener) -> None:
        """Report every pod whose containers change state without being asked to."""

    async def start_pod(self, pod: Obj) -> PodSandbox:
        """Create the pod's sandbox and start its containers; idempotent per pod UID."""
        ...

    async def pod(self, uid: str) -> PodSandbox | None: ...

    async def list_pods(self) -> list[PodSandbox]: ...

    async def stop_pod(self, uid: str, grace_seconds: float) -> None:
        """Ask the containers to stop; `listen`ers hear when they have."""

    async def remove_pod(self, uid: str) -> None:
        """Forget a pod's sandbox and containers, stopped or not."""


class SimulatedRuntime:
    """Containers that exist only here: no processes, no images, no network."""

    version = RUNTIME_VERSION

    def __init__(self, job_seconds: float, stop_seconds: float = STOP_SECONDS) -> None:
        self.job_seconds = job_seconds
        self.stop_seconds = stop_seconds
        self._pods: dict[str, PodSandbox] = {}
        self._exits: dict[str, asyncio.TimerHandle] = {}
        self._listeners: list[ChangeListener] = []

    def listen(self, on_change: ChangeListener) -> None:
        self._listeners.append(on_change)

    async def start_pod(self, pod: Obj) -> PodSandbox:
        meta = pod["metadata"]
        uid = meta["uid"]
        existing = self._pods.get(uid)
        if existing is not None:
            return existing
        sandbox = PodSandbox(uid, meta["namespace"], meta["name"], simulated_containers(pod))
        self._pods[uid] = sandbox
        if runs_to_completion(pod) and sandbox.running:
            start = min(c.started_at for c in sandbox.containers if c.running)
            self._exit_at(uid, start + self.job_seconds)
        return sandbox

    async def pod(self, uid: str) -> PodSandbox | None:
        return self._pods.get(uid)

    async def list_pods(self) -> list[PodSandbox]:
        return list(self._pods.values())

    async def stop_pod(self, uid: str, grace_seconds: float) -> None:
        sandbox = self._pods.get(uid)
        if sandbox is None or sandbox.stopping:
            return
        self._pods[uid] = dataclasses.replace(sandbox, stopping=True)
        self._exit_at(uid, time.time() + min(max(grace_seconds, 0), self.stop_seconds))

    async def remove_pod(self, uid: str) -> None:
        self._cancel_exit(uid)
        self._pods.pop(uid, None)

    def _exit_at(self, uid: str, when: float) -> None:
        self._cancel_exit(uid)
        delay = max(when - time.time(), 0)
        self._exits[uid] = asyncio.get_running_loop().call_later(delay, self._exit, uid)

    def _cancel_exit(self, uid: str) -> None:
        timer = self._exits.pop(uid, None)
        if timer is not None:
            timer.cancel()

    def _exit(self, uid: str) -> None:
        """Every running container of the pod exits 0, as a process that handles SIGTERM does."""
        self._exits.pop(uid, None)
        sandbox = self._pods.get(uid)
        if sandbox is None:
            return
        now = time.time()
        containers = tuple(
            dataclasses.replace(c, finished_at=now, reason="Completed") if c.running else c
            for c in sandbox.containers
        )
        self._pods[uid] = dataclasses.replace(sandbox, containers=containers)
        for listener in self._listeners:
            listener(uid)


def runs_to_completion(pod: Obj) -> bool:
    """Pods of Jobs and bare run-once pods: their containers are expected to exit."""
    return pod.get("spec", {}).get("restartPolicy", "Always") in ("Never", "OnFailure")


def simulated_containers(pod: Obj) -> tuple[ContainerState, ...]:
    """The pod's containers, just started; or, for a pod that ran before this process did, as
    its status last described them (a simulated container outlives the kubelet, as a real one
    outlives a kubelet restart)."""
    spec, status = pod.get("spec", {}), pod.get("status", {})
    uid = pod["metadata"]["uid"]
    now = time.time()
    init = _containers(uid, spec.get("initContainers") or [], status, "initContainerStatuses", now)
    main = _containers(uid, spec.get("containers") or [], status, "containerStatuses", now)
    # Init containers ran to completion before the others; sidecars (restartPolicy Always) run on.
    init = tuple(
        dataclasses.replace(c, init=True, finished_at=c.finished_at or now, reason="Completed")
        if c.running and container_restart_policy(spec, c.name) != "Always"
        else dataclasses.replace(c, init=True)
        for c in init
    )
    return init + main


def container_restart_policy(spec: Obj, name: str) -> str:
    for container in spec.get("initContainers") or []:
        if container.get("name") == name:
            return str(container.get("restartPolicy", ""))
    return ""


def _containers(
    uid: str, containers: Iterable[Obj], status: Obj, field: str, now: float
) -> tuple[ContainerState, ...]:
    known = {s.get("name"): s for s in status.get(field) or []}
    states = []
    for container in containers:
        name = container["name"]
        image = normalized_image(container.get("image", ""))
        container_id = f"simulated://{_digest(f'{uid}/{name}')}"  # stable: found again on adoption
        fresh = ContainerState(name, container_id, image, image_id(image), started_at=now)
        states.append(_as_reported(fresh, known.get(name)))
    return tuple(states)


def _as_reported(fresh: ContainerState, reported: Obj | None) -> ContainerState:
    """The container as its last reported status says, when that status is of this container."""
    if reported is None or reported.get("containerID") != fresh.container_id:
        return fresh
    state = reported.get("state") or {}
    if "running" in state:
        return dataclasses.replace(fresh, started_at=parse_time(state["running"].get("startedAt")))
    if "terminated" in state:
        done = state["terminated"]
        return dataclasses.replace(
            fresh,
            started_at=parse_time(done.get("startedAt")),
            finished_at=parse_time(done.get("finishedAt")),
            exit_code=int(done.get("exitCode", 0)),
            reason=str(done.get("reason", "")),
        )
    return fresh


def normalized_image(image: str) -> str:
    """`nginx` → `docker.io/library/nginx:latest`, as container runtimes report images."""
    name, _, digest = image.partition("@")
    first, _, rest = name.partition("/")
    if not rest:
        name = f"docker.io/library/{name}"
    elif "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}"
    if not digest and ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    return f"{name}@{digest}" if digest else name


def image_id(image: str) -> str:
    """A stable, made-up digest: a simulated node holds no image to take a real one from."""
    if "@" in image:
        return image  # pinned by digest already
    repository = image.partition("@")[0]
    path, _, last = repository.rpartition("/")
    return f"{path}/{last.partition(':')[0]}@sha256:{_digest(image)}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def format_time(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def parse_time(text: object) -> float:
    """An RFC 3339 time as the API writes it (UTC, whole seconds); now if it is missing."""
    try:
        return float(calendar.timegm(time.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        return time.time()
