"""The pod workers of a fleet of simulated nodes: one pod informer, one queue, a few workers.

Every pod bound to one of the fleet's nodes is synced level-triggered, as `reconcile(key)` is in
the controllers: read the pod from the shared cache and the runtime, take one step (start it,
report its status, stop it, confirm its deletion). Nothing waits per pod: a simulated exit is a
timer in the runtime, which then puts the pod's key back on the queue. A fixed pool of workers
keeps many status writes in flight, so the store commits them in batches.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from minikube_py.aio import cancel
from minikube_py.apiserver.errors import ApiError
from minikube_py.client import (
    Client,
    EventRecorder,
    WorkQueue,
    delete_if_present,
    object_key,
    run_worker,
)
from minikube_py.kubelet.events import EventPump
from minikube_py.kubelet.ipam import AddressPool
from minikube_py.kubelet.podstatus import TERMINAL_PHASES, Placement, pod_status
from minikube_py.resources import Obj, Resource
from minikube_py.runtime import PodSandbox, Runtime

log = logging.getLogger(__name__)

WORKERS = 32
NO_ADDRESS_RETRY_SECONDS = 5.0
DEFAULT_GRACE_SECONDS = 30


@dataclass(eq=False)
class SimulatedNode:
    """One node of the fleet: what its kubelet knows about itself."""

    name: str
    uid: str
    host_ip: str
    addresses: AddressPool | None  # None: the node has no podCIDR, so its pods get no IP
    recorder: EventRecorder
    silent: bool = False  # its heartbeat is stopped: it reports nothing, touches no pod
    lease: Obj | None = None
    next_renew: float = 0.0  # monotonic times
    next_status: float = 0.0


@dataclass(slots=True)
class PodSlot:
    """A pod the runtime holds on one of the fleet's nodes, and the address it was given."""

    uid: str
    node: str
    ip: str
    host_network: bool


class PodWorkers:
    """Drives the pods bound to the fleet's nodes through their lives."""

    def __init__(
        self,
        client: Client,
        pods: Resource,
        runtime: Runtime,
        nodes: Mapping[str, SimulatedNode],
        events: EventPump,
    ) -> None:
        self.client = client
        self.pods = pods
        self.runtime = runtime
        self.nodes = nodes
        self.events = events
        # Only bound pods: the pending ones are the scheduler's business.
        self.informer = client.informers.informer(pods, field_selector="spec.nodeName!=")
        self.informer.add_handler(self._on_pod)
        self.queue: WorkQueue[str] = WorkQueue()
        self._keys_on_node: dict[str, set[str]] = {}
        self._slots: dict[str, PodSlot] = {}
        self._key_of_uid: dict[str, str] = {}
        self._tasks: list[asyncio.Task[None]] = []
        runtime.listen(self._on_runtime_change)

    async def start(self) -> None:
        """Fill the cache; the workers start later, once the nodes are known."""
        self.informer.start()
        await self.informer.wait_synced()

    def run(self) -> None:
        self._tasks = [
            asyncio.create_task(run_worker(self.queue, self.sync), name=f"kubelet-pods-{n}")
            for n in range(WORKERS)
        ]

    async def stop(self) -> None:
        self.queue.shutdown()
        await cancel(*self._tasks)
        await self.informer.stop()

    async def remove_orphans(self) -> None:
        """Housekeeping at start: sandboxes of pods no longer bound here go."""
        wanted = {_uid(p) for p in self.informer.list() if p["spec"]["nodeName"] in self.nodes}
        for sandbox in await self.runtime.list_pods():
            if sandbox.uid not in wanted:
                await self.runtime.remove_pod(sandbox.uid)

    # ---- what the fleet tells the workers ------------------------------------------------------

    def node_added(self, node: SimulatedNode) -> None:
        """A node joined: its live pods keep their addresses, then each is synced."""
        for key in self._keys_on_node.get(node.name, ()):
            pod = self.informer.get(key)
            status = (pod or {}).get("status") or {}
            if node.addresses and pod and status.get("podIP") and not _finished(pod):
                node.addresses.claim(status["podIP"], _uid(pod))
        self.resync(node.name)

    def resync(self, node_name: str) -> None:
        for key in self._keys_on_node.get(node_name, ()):
            self.queue.add(key)

    # ---- events ------------------------------------------------------------------------------

    def _on_pod(self, event: str, pod: Obj, old: Obj | None) -> None:
        key = object_key(pod)
        node = pod["spec"].get("nodeName", "")
        keys = self._keys_on_node.setdefault(node, set())
        if event == "DELETED":
            keys.discard(key)
            if not keys:
                del self._keys_on_node[node]
        else:
            keys.add(key)
        if node in self.nodes or key in self._slots:
            self.queue.add(key)

    def _on_runtime_change(self, uid: str) -> None:
        key = self._key_of_uid.get(uid)
        if key is not None:
            self.queue.add(key)

    # ---- sync --------------------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        pod = self.informer.get(key)
        slot = self._slots.get(key)
        node = self.nodes.get(pod["spec"]["nodeName"]) if pod else None
        if slot is not None and (pod is None or node is None or _uid(pod) != slot.uid):
            await self._forget(key, slot)  # the pod or its node is gone: free what it held
            slot = None
        if pod is None or node is None or node.silent:
            return
        if pod["metadata"].get("deletionTimestamp"):
            await self._terminate(key, pod, node, slot)
        elif not _finished(pod):
            await self._run(key, pod, node, slot)
        elif slot is not None:
            await self._forget(key, slot)  # finished: its sandbox goes and its address is free

    async def _run(self, key: str, pod: Obj, node: SimulatedNode, slot: PodSlot | None) -> None:
        slot = slot or self._admit(key, pod, node)
        if slot is None:
            return
        sandbox = await self.runtime.pod(slot.uid)
        if sandbox is None:
            sandbox = await self.runtime.start_pod(pod)
            if not (pod.get("status") or {}).get("startTime"):  # first start, not an adoption
                self._record_start(pod, node, sandbox)
        status = pod_status(pod, sandbox, Placement(node.host_ip, slot.ip), time.time())
        if await self._write_status(pod, status) and status["phase"] in TERMINAL_PHASES:
            await self._forget(key, slot)

    def _admit(self, key: str, pod: Obj, node: SimulatedNode) -> PodSlot | None:
        """Give the pod its address; without one it waits, as a pod whose CNI call failed."""
        uid = _uid(pod)
        host_network = bool(pod["spec"].get("hostNetwork"))
        ip = node.host_ip if host_network else _pod_address(pod, node.addresses, uid)
        if ip is None:
            message = f"no free address in the node's podCIDR for pod {key}"
            self.events.emit(node.recorder, pod, "Warning", "FailedCreatePodSandBox", message)
            self.queue.add_after(key, NO_ADDRESS_RETRY_SECONDS)
            return None
        slot = PodSlot(uid, node.name, ip, host_network)
        self._slots[key] = slot
        self._key_of_uid[uid] = key
        return slot

    async def _terminate(
        self, key: str, pod: Obj, node: SimulatedNode, slot: PodSlot | None
    ) -> None:
        """Stop the containers, report them stopped, then let the API delete the pod."""
        sandbox = await self.runtime.pod(slot.uid) if slot else None
        if slot is not None and sandbox is not None:
            if sandbox.running:
                await self._stop(pod, node, slot, sandbox)
                return  # the runtime puts the key back once they have stopped
            status = pod_status(pod, sandbox, Placement(node.host_ip, slot.ip), time.time())
            if not await self._write_status(pod, status):
                return
        if slot is not None:
            await self._forget(key, slot)
        meta = pod["metadata"]
        await delete_if_present(
            self.client, self.pods, meta["namespace"], meta["name"], grace_period_seconds=0
        )

    async def _stop(
        self, pod: Obj, node: SimulatedNode, slot: PodSlot, sandbox: PodSandbox
    ) -> None:
        if sandbox.stopping:
            return
        meta = pod["metadata"]
        grace = meta.get("deletionGracePeriodSeconds")
        if grace is None:
            grace = pod["spec"].get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)
        await self.runtime.stop_pod(slot.uid, float(grace))
        for container in sandbox.containers:
            if container.running:
                message = f"Stopping container {container.name}"
                self.events.emit(node.recorder, pod, "Normal", "Killing", message)

    async def _forget(self, key: str, slot: PodSlot) -> None:
        del self._slots[key]
        self._key_of_uid.pop(slot.uid, None)
        await self.runtime.remove_pod(slot.uid)
        node = self.nodes.get(slot.node)
        if node is not None and node.addresses is not None and not slot.host_network:
            node.addresses.release(slot.ip, slot.uid)

    async def _write_status(self, pod: Obj, status: Obj) -> bool:
        """Write a changed status; False when the pod changed meanwhile (its newer version is
        on its way to the cache and will queue the pod again) or is gone."""
        if status == pod.get("status"):
            return True
        namespace = pod["metadata"]["namespace"]
        try:
            await self.client.update(
                self.pods, namespace, {**pod, "status": status}, subresource="status"
            )
        except ApiError as exc:
            if exc.reason in ("Conflict", "NotFound"):
                return False
            raise
        return True

    def _record_start(self, pod: Obj, node: SimulatedNode, sandbox: PodSandbox) -> None:
        images = {
            c.get("name"): c.get("image", "")
            for c in [*(pod["spec"].get("initContainers") or []), *pod["spec"]["containers"]]
        }
        for container in sandbox.containers:
            name = container.name
            pulled = (
                f'Container image "{images.get(name, container.image)}" already present on machine'
            )
            self.events.emit(node.recorder, pod, "Normal", "Pulled", pulled)
            self.events.emit(node.recorder, pod, "Normal", "Created", f"Created container: {name}")
            self.events.emit(node.recorder, pod, "Normal", "Started", f"Started container {name}")


def _pod_address(pod: Obj, pool: AddressPool | None, uid: str) -> str | None:
    """The address the pod had (kept across a restart), or a new one from the node's pool."""
    if pool is None:
        return None
    previous = (pod.get("status") or {}).get("podIP")
    if previous and pool.claim(previous, uid):
        return str(previous)
    return pool.allocate(uid)


def _finished(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in TERMINAL_PHASES


def _uid(pod: Obj) -> str:
    return str(pod["metadata"]["uid"])
