"""Endpoints and EndpointSlices: which pod addresses stand behind each Service.

Both controllers start from the same computation, a Service's *backends*
(k8s `pkg/controller/endpoint`, `staging/src/k8s.io/endpointslice`): every pod its selector
matches that has an IP and has not finished, with its readiness and the ports the Service's
targetPorts resolve to in that pod (a named targetPort can differ pod by pod, so a pod that
lacks the name is left out of that port).

- `EndpointsController` writes one core/v1 Endpoints per Service: ready `addresses` and
  `notReadyAddresses`, grouped into subsets by port set. Terminating pods are left out unless
  the Service publishes not-ready addresses.
- `EndpointSliceController` writes discovery.k8s.io/v1 EndpointSlices named `<service>-<random>`,
  owned by the Service: one set per address family and port set, at most 100 endpoints each,
  with ready/serving/terminating conditions, node, zone and target pod.

Services without a selector are left alone: their Endpoints belong to the user. The exception is
`default/kubernetes`, which the API server itself maintains in Kubernetes; here the controllers
point it at the API server (the node's first address, the Service's targetPort).
"""

from __future__ import annotations

import ipaddress
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from minikube_py import security
from minikube_py.client import Client, delete_if_present, object_key
from minikube_py.controllers import Controller
from minikube_py.resources import Obj, Registry, clone

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
MANAGED_BY = "endpointslice-controller.k8s.io"
HEADLESS_LABEL = "service.kubernetes.io/headless"
SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror"
ZONE_LABEL = "topology.kubernetes.io/zone"
MAX_ENDPOINTS_PER_SLICE = 100
API_SERVICE = "default/kubernetes"
# How long a slice write may stay unseen by the informer before it is assumed lost.
STALE_CACHE_SECONDS = 5.0


# ---- backends: the pure part -----------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Port:
    """One resolved port of a backend (an EndpointPort)."""

    name: str
    port: int
    protocol: str
    app_protocol: str = ""

    def endpoints_port(self) -> Obj:
        port: Obj = {"port": self.port, "protocol": self.protocol}
        if self.name:
            port["name"] = self.name
        if self.app_protocol:
            port["appProtocol"] = self.app_protocol
        return port

    def slice_port(self) -> Obj:
        return {**self.endpoints_port(), "name": self.name}


@dataclass(frozen=True, slots=True)
class Backend:
    """One address behind a Service, with what both kinds of endpoint object say about it."""

    ip: str
    ports: tuple[Port, ...]
    ready: bool  # counted as ready: Endpoints `addresses`, slice `conditions.ready`
    serving: bool
    terminating: bool
    node_name: str = ""
    hostname: str = ""
    target_ref: tuple[str, str, str] | None = None  # the pod: (namespace, name, uid)

    @property
    def family(self) -> str:
        return "IPv6" if ipaddress.ip_address(self.ip).version == 6 else "IPv4"

    def target(self) -> Obj | None:
        if self.target_ref is None:
            return None
        namespace, name, uid = self.target_ref
        return {"kind": "Pod", "namespace": namespace, "name": name, "uid": uid}

    def address(self) -> Obj:
        address: Obj = {"ip": self.ip}
        if self.hostname:
            address["hostname"] = self.hostname
        if self.node_name:
            address["nodeName"] = self.node_name
        if target := self.target():
            address["targetRef"] = target
        return address

    def slice_endpoint(self, zones: Mapping[str, str]) -> Obj:
        endpoint: Obj = {
            "addresses": [self.ip],
            "conditions": {
                "ready": self.ready,
                "serving": self.serving,
                "terminating": self.terminating,
            },
        }
        if self.hostname:
            endpoint["hostname"] = self.hostname
        if self.node_name:
            endpoint["nodeName"] = self.node_name
            if zones.get(self.node_name):
                endpoint["zone"] = zones[self.node_name]
        if target := self.target():
            endpoint["targetRef"] = target
        return endpoint


def has_selector(service: Obj) -> bool:
    return bool(service.get("spec", {}).get("selector"))


def selects(service: Obj, pod: Obj) -> bool:
    selector = service.get("spec", {}).get("selector") or {}
    labels = pod["metadata"].get("labels") or {}
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def pod_ready(pod: Obj) -> bool:
    conditions = pod.get("status", {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def find_port(pod: Obj, service_port: Obj) -> int | None:
    """The pod port a Service port's targetPort means (podutil.FindPort), or None."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    protocol = service_port.get("protocol", "TCP")
    spec = pod.get("spec", {})
    sidecars = [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    for container in [*(spec.get("containers") or []), *sidecars]:
        for port in container.get("ports") or []:
            if port.get("name") == target and port.get("protocol", "TCP") == protocol:
                return int(port["containerPort"])
    return None


def _pod_ips(pod: Obj) -> list[str]:
    status = pod.get("status", {})
    ips = [entry.get("ip") for entry in status.get("podIPs") or [] if entry.get("ip")]
    return ips or ([status["podIP"]] if status.get("podIP") else [])


def _in_endpoints(pod: Obj, *, include_terminating: bool) -> bool:
    """endpointsliceutil.ShouldPodBeInEndpoints."""
    if pod.get("status", {}).get("phase") in ("Succeeded", "Failed") or not _pod_ips(pod):
        return False
    return include_terminating or not pod["metadata"].get("deletionTimestamp")


def _resolved_ports(service: Obj, pod: Obj) -> tuple[Port, ...] | None:
    """The pod's ports for the Service; None when the pod serves none of them."""
    ports = []
    for service_port in service.get("spec", {}).get("ports") or []:
        number = find_port(pod, service_port)
        if number is not None:
            ports.append(
                Port(
                    service_port.get("name", ""),
                    number,
                    service_port.get("protocol", "TCP"),
                    service_port.get("appProtocol", ""),
                )
            )
    if ports or _headless_without_ports(service):
        return tuple(sorted(ports))
    return None


def _headless_without_ports(service: Obj) -> bool:
    spec = service.get("spec", {})
    return spec.get("clusterIP") == "None" and not spec.get("ports")


def pod_backends(service: Obj, pods: Iterable[Obj], *, include_terminating: bool) -> list[Backend]:
    """Every address of the selected pods, one per pod IP, in pod-name order."""
    meta, spec = service["metadata"], service.get("spec", {})
    publish_not_ready = bool(spec.get("publishNotReadyAddresses"))
    backends = []
    for pod in sorted(pods, key=lambda p: str(p["metadata"]["name"])):
        if not selects(service, pod) or not _in_endpoints(
            pod, include_terminating=include_terminating or publish_not_ready
        ):
            continue
        ports = _resolved_ports(service, pod)
        if ports is None:
            continue
        pod_meta, pod_spec = pod["metadata"], pod.get("spec", {})
        serving = pod_ready(pod)
        terminating = bool(pod_meta.get("deletionTimestamp"))
        sets_hostname = pod_spec.get("hostname") and pod_spec.get("subdomain") == meta["name"]
        for ip in _pod_ips(pod):
            backends.append(
                Backend(
                    ip=ip,
                    ports=ports,
                    ready=publish_not_ready or (serving and not terminating),
                    serving=publish_not_ready or serving,
                    terminating=terminating,
                    node_name=pod_spec.get("nodeName", ""),
                    hostname=pod_spec["hostname"] if sets_hostname else "",
                    target_ref=(pod_meta["namespace"], pod_meta["name"], pod_meta.get("uid", "")),
                )
            )
    return backends


def apiserver_backends(service: Obj, addresses: list[str]) -> list[Backend]:
    """`default/kubernetes`: the API server's address and port, always ready."""
    ports = tuple(
        Port(p.get("name", ""), int(p.get("targetPort", p["port"])), p.get("protocol", "TCP"))
        for p in service.get("spec", {}).get("ports") or []
    )
    ip = next((a for a in addresses if ipaddress.ip_address(a).version == 4), "127.0.0.1")
    return [Backend(ip=ip, ports=ports, ready=True, serving=True, terminating=False)]


def endpoint_subsets(backends: Iterable[Backend], families: list[str]) -> list[Obj]:
    """Endpoints subsets: addresses grouped by port set (endpoints.RepackSubsets), sorted.

    An Endpoints object speaks one address family: the Service's first."""
    groups: dict[tuple[Port, ...], dict[str, list[Obj]]] = {}
    for backend in backends:
        if backend.family != families[0]:
            continue
        group = groups.setdefault(backend.ports, {"addresses": [], "notReadyAddresses": []})
        group["addresses" if backend.ready else "notReadyAddresses"].append(backend.address())
    subsets = []
    for ports, group in sorted(groups.items()):
        subset: Obj = {k: sorted(v, key=lambda a: a["ip"]) for k, v in group.items() if v}
        if ports:
            subset["ports"] = [p.endpoints_port() for p in ports]
        subsets.append(subset)
    return subsets


def service_families(service: Obj) -> list[str]:
    return list(service.get("spec", {}).get("ipFamilies") or ["IPv4"])


SliceKey = tuple[str, tuple[Port, ...]]  # (addressType, ports): what one slice set shares


def slice_contents(
    backends: Iterable[Backend], families: list[str], zones: Mapping[str, str]
) -> dict[SliceKey, list[list[Obj]]]:
    """Endpoints per slice, by (addressType, ports), in chunks of at most 100.

    With no endpoint at all there is one empty placeholder slice, as in Kubernetes, so that
    a Service is never without slices."""
    grouped: defaultdict[SliceKey, list[Obj]] = defaultdict(list)
    for backend in backends:
        if backend.family in families:
            grouped[(backend.family, backend.ports)].append(backend.slice_endpoint(zones))
    if not grouped:
        return {(families[0], ()): [[]]}
    return {
        key: [
            endpoints[i : i + MAX_ENDPOINTS_PER_SLICE]
            for i in range(0, len(endpoints), MAX_ENDPOINTS_PER_SLICE)
        ]
        for key, endpoints in grouped.items()
    }


def _service_labels(service: Obj) -> dict[str, str]:
    labels = dict(service["metadata"].get("labels") or {})
    if service.get("spec", {}).get("clusterIP") == "None":
        labels[HEADLESS_LABEL] = ""
    return labels


# ---- the controllers -------------------------------------------------------------------------


class _ServiceBackendsController(Controller):
    """Informers on Services and pods; a pod's change enqueues the Services selecting it."""

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.services = self.watch(self.resource("", "v1", "services"))
        self.pods = self.watch(self.resource("", "v1", "pods"))
        self.services.add_handler(self._on_service)
        self.pods.add_handler(self._on_pod)
        # Read once: the addresses of the node the API server runs on.
        self.api_addresses = security.node_addresses()

    def _on_service(self, event: str, obj: Obj, old: Obj | None) -> None:
        self.queue.add(object_key(obj))

    def _on_pod(self, event: str, obj: Obj, old: Obj | None) -> None:
        if event == "MODIFIED" and old is not None and _endpoint_view(old) == _endpoint_view(obj):
            return  # e.g. a container restart count: nothing an endpoint shows
        namespace = obj["metadata"]["namespace"]
        for service in self.services.list(namespace):
            if selects(service, obj) or (old is not None and selects(service, old)):
                self.queue.add(object_key(service))

    def backends(self, service: Obj, *, include_terminating: bool) -> list[Backend] | None:
        """What the Service's endpoints should list; None for a Service we leave alone."""
        if object_key(service) == API_SERVICE:
            return apiserver_backends(service, self.api_addresses)
        spec = service.get("spec", {})
        if not has_selector(service) or spec.get("type") == "ExternalName":
            return None
        pods = self.pods.list(service["metadata"]["namespace"])
        return pod_backends(service, pods, include_terminating=include_terminating)


def _endpoint_view(pod: Obj) -> tuple[object, ...]:
    """The parts of a pod that endpoints depend on."""
    meta, spec, status = pod["metadata"], pod.get("spec", {}), pod.get("status", {})
    return (
        meta.get("labels"),
        meta.get("deletionTimestamp"),
        spec.get("nodeName"),
        spec.get("hostname"),
        spec.get("subdomain"),
        status.get("phase"),
        _pod_ips(pod),
        pod_ready(pod),
    )


class EndpointsController(_ServiceBackendsController):
    """One core/v1 Endpoints per Service with a selector, named after it."""

    name = "endpoints-controller"

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.endpoints_resource = self.resource("", "v1", "endpoints")
        self.endpoints = self.watch(self.endpoints_resource)
        self.endpoints.add_handler(self._on_endpoints)

    def _on_endpoints(self, event: str, obj: Obj, old: Obj | None) -> None:
        # Only deletions: Endpoints a user made for a Service of their own must stay untouched.
        if event == "DELETED":
            self.queue.add(object_key(obj))

    async def reconcile(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        service = self.services.get(key)
        current = self.endpoints.get(key)
        if service is None:
            if current is not None:
                await delete_if_present(self.client, self.endpoints_resource, namespace, name)
            return
        backends = self.backends(service, include_terminating=False)
        if backends is None:
            return
        desired = self._desired(service, backends, current)
        if current is None:
            await self.client.create(self.endpoints_resource, namespace, desired)
        elif desired != current:
            await self.client.update(self.endpoints_resource, namespace, desired)

    def _desired(self, service: Obj, backends: list[Backend], current: Obj | None) -> Obj:
        meta = service["metadata"]
        labels = _service_labels(service)
        if object_key(service) == API_SERVICE:
            labels = {SKIP_MIRROR_LABEL: "true"}  # as the API server writes it
        desired: Obj = clone(current) if current else {"apiVersion": "v1", "kind": "Endpoints"}
        desired.setdefault("metadata", {}).update(name=meta["name"], namespace=meta["namespace"])
        desired["metadata"]["labels"] = labels
        subsets = endpoint_subsets(backends, service_families(service))
        if subsets:
            desired["subsets"] = subsets
        else:
            desired.pop("subsets", None)
        return desired


class EndpointSliceController(_ServiceBackendsController):
    """EndpointSlices for every Service with a selector, owned by it."""

    name = "endpointslice-controller"

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.slices_resource = self.resource("discovery.k8s.io", "v1", "endpointslices")
        self.slices = self.watch(self.slices_resource)
        self.nodes = self.watch(self.resource("", "v1", "nodes"))
        self.slices.add_handler(self._on_slice)
        self.nodes.add_handler(self._on_node)
        # service key -> {slice name: (resourceVersion we wrote or None if we deleted it, when)}:
        # writes the informer has not shown yet. Until it has, a sync would see stale slices and
        # could create duplicates (the real controller's endpointSliceTracker).
        self._unseen: dict[str, dict[str, tuple[str | None, float]]] = {}

    def _on_slice(self, event: str, obj: Obj, old: Obj | None) -> None:
        meta = obj["metadata"]
        service = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
        if not service:
            return
        key = f"{meta['namespace']}/{service}"
        unseen = self._unseen.get(key, {})
        written = unseen.get(meta["name"])
        if written is not None and (
            event == "DELETED" or (written[0] and _revision(obj) >= int(written[0]))
        ):
            del unseen[meta["name"]]
        self.queue.add(key)

    def _on_node(self, event: str, obj: Obj, old: Obj | None) -> None:
        zone = (obj["metadata"].get("labels") or {}).get(ZONE_LABEL)
        if (
            event == "MODIFIED"
            and old is not None
            and zone == (old["metadata"].get("labels") or {}).get(ZONE_LABEL)
        ):
            return
        for service in self.services.list():
            self.queue.add(object_key(service))  # zones change seldom: resync everything

    def _zones(self) -> dict[str, str]:
        return {
            node["metadata"]["name"]: zone
            for node in self.nodes.list()
            if (zone := (node["metadata"].get("labels") or {}).get(ZONE_LABEL))
        }

    def _cache_behind(self, key: str) -> bool:
        now = time.monotonic()
        unseen = self._unseen.get(key, {})
        for name, (_, written_at) in list(unseen.items()):
            if now - written_at > STALE_CACHE_SECONDS:
                del unseen[name]  # never seen (deleted again meanwhile?): stop waiting
        if not unseen:
            self._unseen.pop(key, None)
            return False
        self.queue.add_after(key, STALE_CACHE_SECONDS)
        return True

    async def reconcile(self, key: str) -> None:
        if self._cache_behind(key):
            return
        namespace, name = key.split("/", 1)
        service = self.services.get(key)
        existing = [
            s
            for s in self.slices.list(namespace)
            if (s["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL) == name
            and (key == API_SERVICE or _managed(s))
        ]
        backends = self.backends(service, include_terminating=True) if service else None
        if service is None or backends is None:
            for stale in existing:
                if _managed(stale):
                    await self._delete(key, stale)
            return
        if key == API_SERVICE:
            await self._sync_apiserver_slice(service, backends, existing)
            return
        contents = slice_contents(backends, service_families(service), self._zones())
        await self._sync(service, contents, existing)

    async def _sync(
        self, service: Obj, contents: dict[SliceKey, list[list[Obj]]], existing: list[Obj]
    ) -> None:
        writes, leftovers = plan_slices(contents, existing, service["metadata"].get("uid", ""))
        for current, slice_key, chunk in writes:
            await self._write(service, current, _slice_body(service, slice_key, chunk))
        for stale in leftovers:
            await self._delete(object_key(service), stale)

    async def _sync_apiserver_slice(
        self, service: Obj, backends: list[Backend], existing: list[Obj]
    ) -> None:
        """The `kubernetes` slice: a fixed name and no owner, as the API server writes it."""
        families = service_families(service)
        (slice_key, chunks), *_ = slice_contents(backends, families, {}).items()
        body = _slice_body(service, slice_key, chunks[0])
        body["metadata"] = {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {SERVICE_NAME_LABEL: "kubernetes"},
        }
        current = next((s for s in existing if s["metadata"]["name"] == "kubernetes"), None)
        await self._write(service, current, body)

    async def _write(self, service: Obj, current: Obj | None, body: Obj) -> None:
        namespace = service["metadata"]["namespace"]
        if current is None:
            created = await self.client.create(self.slices_resource, namespace, body)
            self._remember(
                object_key(service), created["metadata"], created["metadata"]["resourceVersion"]
            )
            return
        desired = clone(current)
        desired["metadata"]["labels"] = body["metadata"]["labels"]
        if "ownerReferences" in body["metadata"]:
            desired["metadata"]["ownerReferences"] = body["metadata"]["ownerReferences"]
        desired.update(ports=body["ports"], endpoints=body["endpoints"])
        if desired != current:
            updated = await self.client.update(self.slices_resource, namespace, desired)
            self._remember(
                object_key(service), updated["metadata"], updated["metadata"]["resourceVersion"]
            )

    async def _delete(self, key: str, stale: Obj) -> None:
        meta = stale["metadata"]
        await delete_if_present(self.client, self.slices_resource, meta["namespace"], meta["name"])
        self._remember(key, meta, None)

    def _remember(self, key: str, meta: Obj, resource_version: str | None) -> None:
        """Wait for the informer to show a write (None: a deletion) unless it already does."""
        cached = self.slices.get(f"{meta['namespace']}/{meta['name']}")
        if resource_version is None:
            seen = cached is None
        else:
            seen = cached is not None and _revision(cached) >= int(resource_version)
        if not seen:
            entry = (resource_version, time.monotonic())
            self._unseen.setdefault(key, {})[meta["name"]] = entry


SliceWrite = tuple[Obj | None, SliceKey, list[Obj]]  # (slice to update or None: create, …)


def plan_slices(
    contents: dict[SliceKey, list[list[Obj]]], existing: list[Obj], service_uid: str
) -> tuple[list[SliceWrite], list[Obj]]:
    """Which slice takes which chunk of endpoints, and which slices go.

    Chunks fill the existing slices of their own kind first; a chunk left over takes a slice
    that would otherwise be deleted (the real reconciler turns create+delete into an update),
    so that slice names stay stable as endpoints come and go."""
    by_key: defaultdict[SliceKey, list[Obj]] = defaultdict(list)
    for current in sorted(existing, key=lambda s: str(s["metadata"]["name"])):
        by_key[_slice_key(current)].append(current)
    writes: list[SliceWrite] = []
    homeless: list[tuple[SliceKey, list[Obj]]] = []
    for slice_key, chunks in contents.items():
        same_kind = by_key[slice_key]
        for chunk in chunks:
            if same_kind:
                writes.append((same_kind.pop(0), slice_key, chunk))
            else:
                homeless.append((slice_key, chunk))
    leftovers = [s for group in by_key.values() for s in group]
    for slice_key, chunk in homeless:
        reused = next((s for s in leftovers if _reusable(s, slice_key[0], service_uid)), None)
        if reused is not None:
            leftovers.remove(reused)
        writes.append((reused, slice_key, chunk))
    return writes, leftovers


def _revision(obj: Obj) -> int:
    return int(obj["metadata"]["resourceVersion"])


def _managed(slice_: Obj) -> bool:
    return (slice_["metadata"].get("labels") or {}).get(MANAGED_BY_LABEL) == MANAGED_BY


def _slice_key(slice_: Obj) -> SliceKey:
    ports = tuple(
        sorted(
            Port(
                p.get("name", ""),
                int(p.get("port", 0)),
                p.get("protocol", "TCP"),
                p.get("appProtocol", ""),
            )
            for p in slice_.get("ports") or []
        )
    )
    return slice_.get("addressType", ""), ports


def _reusable(slice_: Obj, address_type: str, service_uid: str) -> bool:
    """A slice may take other content if it has the same (immutable) addressType and belongs
    to this very Service, not to a deleted namesake awaiting garbage collection."""
    owners = slice_["metadata"].get("ownerReferences") or []
    owned = any(ref.get("uid") == service_uid for ref in owners)
    return slice_.get("addressType") == address_type and owned


def _slice_body(service: Obj, slice_key: SliceKey, endpoints: list[Obj]) -> Obj:
    meta = service["metadata"]
    address_type, ports = slice_key
    labels = {
        **_service_labels(service),
        SERVICE_NAME_LABEL: meta["name"],
        MANAGED_BY_LABEL: MANAGED_BY,
    }
    owner = {
        "apiVersion": "v1",
        "kind": "Service",
        "name": meta["name"],
        "uid": meta.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "generateName": f"{meta['name']}-",
            "namespace": meta["namespace"],
            "labels": labels,
            "ownerReferences": [owner],
        },
        "addressType": address_type,
        "endpoints": endpoints,
        "ports": [p.slice_port() for p in ports],
    }
