"""The kubelet of simulated nodes: a fleet of nodes that live in this process, with no containers.

One fleet runs every simulated node, so that a thousand of them cost a thousand small records,
not a thousand sets of tasks and caches: one Node informer, one pod informer (`kubelet/pods.py`),
one heartbeat loop. The fleet runs the `--simulated-nodes` it registers at start-up and any Node
created later with the annotation `minikube-py.io/simulated: "true"` (kwok's way); deleting the
Node stops it. Each node, as a kubelet does:

- registers its Node: labels, `spec.podCIDR` (a /24 of `--pod-cidr`), capacity, addresses,
  nodeInfo and the four conditions (`kubelet/nodestatus.py`);
- renews its Lease in `kube-node-lease` four times per lease duration (every 10 s for the
  default 40 s, which is also the node monitor's grace period), and posts its status when it
  changes and at least every 60 s;
- runs the pods bound to it through `SimulatedRuntime`.

`minikube-py.io/simulated-heartbeat: "stopped"` on a Node makes its kubelet go silent, as if
it had lost the network: no lease, no status, its pods left as they are. Removing it resumes.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import platform
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from minikube_py.aio import cancel
from minikube_py.apiserver.errors import ApiError
from minikube_py.cli import ServerConfig
from minikube_py.client import Client, EventRecorder, WorkQueue, run_worker
from minikube_py.kubelet import ipam
from minikube_py.kubelet.events import EventPump
from minikube_py.kubelet.nodestatus import (
    LEASE_NAMESPACE,
    NodeProfile,
    heartbeat_stopped,
    is_simulated,
    new_node,
    node_lease,
    node_ready,
    node_status,
    registered_node,
    renewed_lease,
    status_changed,
)
from minikube_py.kubelet.pods import PodWorkers, SimulatedNode
from minikube_py.resources import Obj, Registry, Resource
from minikube_py.runtime import SimulatedRuntime

log = logging.getLogger(__name__)

RENEWALS_PER_LEASE = 4  # the kubelet renews at a quarter of the lease duration
TICKS_PER_RENEWAL = 10  # how finely the heartbeat loop looks for nodes due
STATUS_REPORT_SECONDS = 60.0
NODE_WORKERS = 16
WRITE_BATCH = 256  # writes in flight at once: about one group commit of the store
ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64"}


@dataclass(frozen=True, slots=True)
class FleetSettings:
    pod_cidr: ipaddress.IPv4Network
    capacity: Mapping[str, str]
    job_seconds: float
    lease_seconds: float  # the Lease's duration; the node monitor waits as long

    @property
    def renew_seconds(self) -> float:
        return self.lease_seconds / RENEWALS_PER_LEASE


class SimulatedFleet:
    """Registers, heartbeats and runs the simulated nodes."""

    def __init__(self, client: Client, registry: Registry, settings: FleetSettings) -> None:
        self.client = client
        self.settings = settings
        self.node_resource = _served(registry, "", "v1", "nodes")
        self.leases = _served(registry, "coordination.k8s.io", "v1", "leases")
        self.event_resource = _served(registry, "", "v1", "events")
        self.runtime = SimulatedRuntime(settings.job_seconds)
        machine = platform.machine()
        self.profile = NodeProfile(
            capacity=settings.capacity,
            arch=ARCHITECTURES.get(machine, machine),
            kernel_version=platform.release(),
            runtime_version=self.runtime.version,
            boot_id=str(uuid.uuid4()),
        )
        self.nodes: dict[str, SimulatedNode] = {}
        self.events = EventPump(busy=lambda: len(self.pods.queue) > 0)
        pods = _served(registry, "", "v1", "pods")
        self.pods = PodWorkers(client, pods, self.runtime, self.nodes, self.events)
        self.informer = client.informers.informer(self.node_resource)
        self.informer.add_handler(self._on_node)
        self.queue: WorkQueue[str] = WorkQueue()
        self.subnets = ipam.Claims(ipam.subnet_count(settings.pod_cidr))
        self.host_addresses = ipam.Claims(ipam.NODE_ADDRESS_LIMIT)
        self._adopted = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Caches first (pods before nodes, so that adopted nodes find their pods), then work."""
        self.events.start()
        await self.pods.start()
        self.informer.start()
        await self.informer.wait_synced()
        self._tasks = [
            asyncio.create_task(run_worker(self.queue, self.reconcile), name=f"kubelet-node-{n}")
            for n in range(NODE_WORKERS)
        ]
        self._tasks.append(asyncio.create_task(self._heartbeats(), name="kubelet-heartbeats"))
        self.pods.run()

    async def register(self, names: list[str]) -> None:
        """Create the Nodes that do not exist yet and wait until every simulated one runs."""
        missing = [name for name in names if self.informer.get(name) is None]
        subnets = self.subnets.take(missing, self._subnets_in_use)
        self.host_addresses.take(missing, self._addresses_in_use)  # in one pass, not one each
        bodies = [
            new_node(name, self._subnet(subnets.get(name)), self.profile.arch) for name in missing
        ]
        for start in range(0, len(bodies), WRITE_BATCH):
            await asyncio.gather(
                *(self._create(body) for body in bodies[start : start + WRITE_BATCH])
            )
        expected = {n for n in names if n in missing or is_simulated(self.informer.get(n) or {})}
        skipped = sorted(set(names) - expected)
        if skipped:
            log.warning("Nodes %s exist without the simulated annotation: left alone", skipped)
        while not expected <= self.nodes.keys():
            self._adopted.clear()
            await self._adopted.wait()
        await self.pods.remove_orphans()

    async def stop(self) -> None:
        self.queue.shutdown()
        await cancel(*self._tasks)
        await self.informer.stop()
        await self.pods.stop()
        await self.events.stop()

    # ---- nodes -------------------------------------------------------------------------------

    def _on_node(self, event: str, obj: Obj, old: Obj | None) -> None:
        name = obj["metadata"]["name"]
        if name in self.nodes or is_simulated(obj):
            self.queue.add(name)

    async def reconcile(self, name: str) -> None:
        obj = self.informer.get(name)
        node = self.nodes.get(name)
        wanted = (
            obj is not None and is_simulated(obj) and not obj["metadata"].get("deletionTimestamp")
        )
        if node is not None and (obj is None or not wanted or obj["metadata"]["uid"] != node.uid):
            self._drop(node)
            node = None
        if obj is None or not wanted:
            return
        if node is None:
            await self._adopt(obj)
            return
        silent, node.silent = node.silent, heartbeat_stopped(obj)
        if node.silent:
            return
        if silent:  # it speaks again: at once, and it catches up with its pods
            await self._heartbeat(node, force=True)
            self.pods.resync(name)
        else:
            await self._post_status(node, obj)  # put back what another writer changed

    async def _adopt(self, obj: Obj) -> None:
        name = obj["metadata"]["name"]
        subnet = None
        if not obj.get("spec", {}).get("podCIDR"):
            subnet = self._subnet(self.subnets.take([name], self._subnets_in_use).get(name))
        registered = registered_node(obj, subnet, self.profile.arch)
        if registered is not None:
            obj = await self.client.update(self.node_resource, None, registered)
        pod_cidr = obj["spec"].get("podCIDR")
        node = SimulatedNode(
            name=name,
            uid=obj["metadata"]["uid"],
            host_ip=self._host_ip(obj),
            addresses=ipam.AddressPool(ipaddress.IPv4Network(pod_cidr)) if pod_cidr else None,
            recorder=EventRecorder(self.client, self.event_resource, "kubelet", host=name),
            silent=heartbeat_stopped(obj),
        )
        if not node.silent:
            self.events.emit(node.recorder, obj, "Normal", "Starting", "Starting kubelet.")
            await self._renew(node)
            await self._post_status(node, obj, force=True)
        # Spread the fleet's heartbeats over their periods rather than all at once.
        node.next_renew = time.monotonic() + random.uniform(0, self.settings.renew_seconds)
        node.next_status = time.monotonic() + random.uniform(0, STATUS_REPORT_SECONDS)
        self.nodes[name] = node
        self.pods.node_added(node)
        self._adopted.set()

    def _drop(self, node: SimulatedNode) -> None:
        del self.nodes[node.name]
        self.subnets.release(node.name)
        self.host_addresses.release(node.name)
        self.pods.resync(node.name)  # its pods' sandboxes and addresses are let go

    async def _create(self, body: Obj) -> None:
        try:
            await self.client.create(self.node_resource, None, body)
        except ApiError as exc:
            if exc.reason != "AlreadyExists":
                raise

    def _subnets_in_use(self) -> list[int | None]:
        return [
            ipam.subnet_index(self.settings.pod_cidr, n.get("spec", {}).get("podCIDR", ""))
            for n in self.informer.list()
        ]

    def _addresses_in_use(self) -> list[int | None]:
        return [ipam.address_index(_internal_ip(n)) for n in self.informer.list()]

    def _subnet(self, index: int | None) -> str | None:
        return None if index is None else str(ipam.node_subnet(self.settings.pod_cidr, index))

    def _host_ip(self, obj: Obj) -> str:
        """The InternalIP it had, or a new one from the range that is never routed."""
        known = _internal_ip(obj)
        if known:
            return known
        name = obj["metadata"]["name"]
        return ipam.node_address(self.host_addresses.take([name], self._addresses_in_use)[name])

    # ---- heartbeats --------------------------------------------------------------------------

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.settings.renew_seconds / TICKS_PER_RENEWAL)
            now = time.monotonic()
            due = [n for n in self.nodes.values() if not n.silent and n.next_renew <= now]
            for start in range(0, len(due), WRITE_BATCH):
                await asyncio.gather(
                    *(self._heartbeat(n) for n in due[start : start + WRITE_BATCH])
                )

    async def _heartbeat(self, node: SimulatedNode, *, force: bool = False) -> None:
        try:
            await self._renew(node)
            obj = self.informer.get(node.name)
            if obj is not None:
                await self._post_status(
                    node, obj, force=force or node.next_status <= time.monotonic()
                )
        except ApiError as exc:
            log.warning("heartbeat of node %s failed: %s", node.name, exc)

    async def _renew(self, node: SimulatedNode) -> None:
        now = time.time()
        node.next_renew = time.monotonic() + self.settings.renew_seconds
        if node.lease is not None:
            try:
                node.lease = await self.client.update(
                    self.leases, LEASE_NAMESPACE, renewed_lease(node.lease, now)
                )
                return
            except ApiError as exc:
                if exc.reason not in ("Conflict", "NotFound"):
                    raise
        try:
            current = await self.client.get(self.leases, LEASE_NAMESPACE, node.name)
        except ApiError as exc:
            if exc.reason != "NotFound":
                raise
            lease = node_lease(node.name, node.uid, self.settings.lease_seconds, now)
            node.lease = await self.client.create(self.leases, LEASE_NAMESPACE, lease)
            return
        node.lease = await self.client.update(
            self.leases, LEASE_NAMESPACE, renewed_lease(current, now)
        )

    async def _post_status(self, node: SimulatedNode, obj: Obj, *, force: bool = False) -> None:
        """Write the node's status when it changed, or when `force`d (the periodic report)."""
        old = obj.get("status") or {}
        status = node_status(obj, self.profile, node.host_ip, time.time())
        if not force and not status_changed(old, status):
            return
        try:
            await self.client.update(
                self.node_resource, None, {**obj, "status": status}, subresource="status"
            )
        except ApiError as exc:
            if exc.reason in ("Conflict", "NotFound"):
                return  # a newer Node is on its way to the cache; it is looked at again then
            raise
        node.next_status = time.monotonic() + STATUS_REPORT_SECONDS
        if not node_ready(obj):
            message = f"Node {node.name} status is now: NodeReady"
            self.events.emit(node.recorder, obj, "Normal", "NodeReady", message)


def _internal_ip(node: Obj) -> str:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            return str(address.get("address", ""))
    return ""


def _served(registry: Registry, group: str, version: str, plural: str) -> Resource:
    found = registry.get(group, version, plural)
    if found is None:
        raise LookupError(f"the kubelet needs {plural}, which is not served")
    return found


async def start_nodes(
    client: Client, registry: Registry, config: ServerConfig
) -> Callable[[], Awaitable[None]]:
    """Start the fleet with its `--simulated-nodes`; returns the function that stops it."""
    settings = FleetSettings(
        pod_cidr=config.pod_cidr,
        capacity=config.simulated_node_capacity,
        job_seconds=config.simulated_job_seconds,
        lease_seconds=config.node_monitor_grace_period,
    )
    fleet = SimulatedFleet(client, registry, settings)
    await fleet.start()
    try:
        await fleet.register([f"{config.node_name}-sim-{i}" for i in range(config.simulated_nodes)])
    except BaseException:
        await fleet.stop()
        raise
    return fleet.stop
