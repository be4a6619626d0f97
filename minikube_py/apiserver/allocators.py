"""ClusterIP and NodePort allocation for Services, as the real Service REST storage does it.

The set of addresses and ports in use is derived from the stored Services (the store is the only
source of truth), so a deleted Service frees its addresses with nothing else to clean up.
"""

from __future__ import annotations

import ipaddress
import itertools

from minikube_py.apiserver.errors import Cause
from minikube_py.resources import Obj
from minikube_py.store import Store

SERVICES_PREFIX = "/core/services/"
NODE_PORT_RANGE = range(30000, 32768)
_PORT_TYPES = ("NodePort", "LoadBalancer")


class ServiceAllocator:
    """Assigns `spec.clusterIP(s)` and node ports on create; keeps them across updates."""

    def __init__(self, store: Store, service_cidr: ipaddress.IPv4Network) -> None:
        self.store = store
        self.cidr = service_cidr
        self._next_ip = 1  # rotate through the range, as real allocators avoid quick reuse

    def prepare_for_create(self, service: Obj) -> list[Cause]:
        spec = service.setdefault("spec", {})
        causes = self._assign_cluster_ip(spec)
        if spec.get("type") in _PORT_TYPES:
            causes += self._assign_node_ports(spec)
        return causes

    def prepare_for_update(self, service: Obj, old: Obj) -> list[Cause]:
        """An update that leaves allocated values out keeps them (real PrepareForUpdate)."""
        spec, old_spec = service.setdefault("spec", {}), old.get("spec", {})
        if spec.get("type") == "ExternalName":  # a name, not an address: it releases its IPs
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
            return []
        for key in ("clusterIP", "clusterIPs"):
            if not spec.get(key) and old_spec.get(key):
                spec[key] = old_spec[key]
        old_ports = {
            (p.get("port"), p.get("protocol", "TCP")): p for p in old_spec.get("ports", [])
        }
        for port in spec.get("ports", []):
            previous = old_ports.get((port.get("port"), port.get("protocol", "TCP")))
            if previous and "nodePort" not in port and "nodePort" in previous:
                port["nodePort"] = previous["nodePort"]
        if spec.get("type") in _PORT_TYPES:
            return self._assign_node_ports(spec, exclude=old)
        return []

    # ---- cluster IPs -------------------------------------------------------------------------

    def _assign_cluster_ip(self, spec: Obj) -> list[Cause]:
        if spec.get("type") == "ExternalName":
            return []
        requested = spec.get("clusterIP") or (spec.get("clusterIPs") or [None])[0]
        if requested == "None":  # headless
            spec["clusterIP"], spec["clusterIPs"] = "None", ["None"]
            return []
        used = self._used_ips()
        if requested:
            problem = self._check_requested_ip(requested, used)
            if problem:
                field = "spec.clusterIPs" if spec.get("clusterIPs") else "spec.clusterIP"
                return [Cause("FieldValueInvalid", problem, field)]
            address = requested
        else:
            found = self._free_ip(used)
            if found is None:
                return [Cause("FieldValueInvalid", "range is full", "spec.clusterIPs")]
            address = found
        spec["clusterIP"], spec["clusterIPs"] = address, [address]
        return []

    def _check_requested_ip(self, requested: str, used: set[str]) -> str | None:
        try:
            address = ipaddress.IPv4Address(requested)
        except ValueError:
            return f'Invalid value: "{requested}": must be a valid IP address'
        prefix = f'Invalid value: []string{{"{requested}"}}: failed to allocate IP {requested}'
        if address not in self.cidr or address in (
            self.cidr.network_address,
            self.cidr.broadcast_address,
        ):
            return (
                f"{prefix}: the provided IP ({requested}) is not in the valid range. "
                f"The range of valid IPs is {self.cidr}"
            )
        if requested in used:
            return f"{prefix}: provided IP is already allocated"
        return None

    def _free_ip(self, used: set[str]) -> str | None:
        size = self.cidr.num_addresses - 2  # no network or broadcast address
        for offset in itertools.chain(range(self._next_ip, size + 1), range(1, self._next_ip)):
            candidate = str(self.cidr.network_address + offset)
            if candidate not in used:
                self._next_ip = offset + 1 if offset < size else 1
                return candidate
        return None

    def _used_ips(self) -> set[str]:
        used: set[str] = set()
        for entry in self.store.list(SERVICES_PREFIX).entries:
            used.update(entry.value.get("spec", {}).get("clusterIPs") or [])
        return used

    # ---- node ports --------------------------------------------------------------------------

    def _assign_node_ports(self, spec: Obj, exclude: Obj | None = None) -> list[Cause]:
        used = self._used_node_ports(exclude)
        causes = []
        free = (p for p in NODE_PORT_RANGE if p not in used)
        for index, port in enumerate(spec.get("ports", [])):
            wanted = port.get("nodePort")
            if wanted:
                if wanted in used:
                    causes.append(
                        Cause(
                            "FieldValueInvalid",
                            f"Invalid value: {wanted}: provided port is already allocated",
                            f"spec.ports[{index}].nodePort",
                        )
                    )
                used.add(wanted)
                continue
            chosen = next(free, None)
            if chosen is None:
                causes.append(
                    Cause("FieldValueInvalid", "range is full", f"spec.ports[{index}].nodePort")
                )
                continue
            port["nodePort"] = chosen
            used.add(chosen)
        return causes

    def _used_node_ports(self, exclude: Obj | None) -> set[int]:
        skip = exclude["metadata"].get("uid") if exclude else None
        ports: set[int] = set()
        for entry in self.store.list(SERVICES_PREFIX).entries:
            if entry.value["metadata"].get("uid") == skip:
                continue
            for port in entry.value.get("spec", {}).get("ports", []):
                if port.get("nodePort"):
                    ports.add(port["nodePort"])
        return ports
