"""Addresses of simulated nodes and their pods.

Each node gets a /24 of the pod network (`spec.podCIDR`, as the node IPAM controller carves it)
and its pods get addresses inside it. A node's own address comes from 198.18.0.0/15, the range
RFC 2544 sets aside for benchmarks: it is never routed, and nothing ever connects to it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Container, Iterable

NODE_SUBNET_PREFIX = 24
NODE_ADDRESS_RANGE = ipaddress.IPv4Network("198.18.0.0/15")


def free_indices(taken: Container[int], count: int, limit: int) -> list[int]:
    """The `count` lowest indices below `limit` not taken; fewer when the range runs out."""
    found: list[int] = []
    index = 0
    while len(found) < count and index < limit:
        if index not in taken:
            found.append(index)
        index += 1
    return found


class Claims:
    """Indices (node subnets, node addresses) handed to nodes whose objects the cache may not
    show yet, so that two nodes registered at once never get the same one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._owner: dict[int, str] = {}
        self._index: dict[str, int] = {}

    def take(
        self, names: Iterable[str], in_use: Callable[[], Iterable[int | None]]
    ) -> dict[str, int]:
        """Name -> its index: the one it holds already, else a free one as far as the range
        goes. `in_use` (what other nodes hold) is asked only when new indices are needed."""
        held = {name: self._index[name] for name in names if name in self._index}
        new = [name for name in names if name not in held]
        if not new:
            return held
        taken = {i for i in in_use() if i is not None} | self._owner.keys()
        for name, index in zip(new, free_indices(taken, len(new), self.limit), strict=False):
            self._owner[index], self._index[name] = name, index
            held[name] = index
        return held

    def release(self, name: str) -> None:
        index = self._index.pop(name, None)
        if index is not None:
            del self._owner[index]


def subnet_count(pod_cidr: ipaddress.IPv4Network) -> int:
    return 1 << max(NODE_SUBNET_PREFIX - pod_cidr.prefixlen, 0)


def node_subnet(pod_cidr: ipaddress.IPv4Network, index: int) -> ipaddress.IPv4Network:
    size = 1 << (32 - max(NODE_SUBNET_PREFIX, pod_cidr.prefixlen))
    base = int(pod_cidr.network_address) + index * size
    return ipaddress.IPv4Network((base, max(NODE_SUBNET_PREFIX, pod_cidr.prefixlen)))


def subnet_index(pod_cidr: ipaddress.IPv4Network, subnet: str) -> int | None:
    """Which of the pod network's node subnets `subnet` is (None if it is not one of them)."""
    try:
        network = ipaddress.IPv4Network(subnet)
    except ValueError:
        return None
    if not network.subnet_of(pod_cidr):
        return None
    size = 1 << (32 - max(NODE_SUBNET_PREFIX, pod_cidr.prefixlen))
    return (int(network.network_address) - int(pod_cidr.network_address)) // size


def node_address(index: int) -> str:
    return str(NODE_ADDRESS_RANGE.network_address + index + 1)


def address_index(address: str) -> int | None:
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return None
    if ip not in NODE_ADDRESS_RANGE:
        return None
    return int(ip) - int(NODE_ADDRESS_RANGE.network_address) - 1


NODE_ADDRESS_LIMIT = NODE_ADDRESS_RANGE.num_addresses - 2


class AddressPool:
    """Pod IPs of one node's podCIDR, handed out as host-local IPAM does.

    The network address, the gateway (the first address, the bridge's) and the broadcast
    address are never given to a pod. The search for a free address starts after the last one
    given, so that an address just freed is not reused at once.
    """

    def __init__(self, cidr: ipaddress.IPv4Network) -> None:
        self.cidr = cidr
        self._first = int(cidr.network_address) + 2
        self._last = int(cidr.broadcast_address) - 1
        self._owners: dict[int, str] = {}
        self._next = self._first

    def __len__(self) -> int:
        return len(self._owners)

    def allocate(self, owner: str) -> str | None:
        size = self._last - self._first + 1
        for step in range(max(size, 0)):
            candidate = self._first + (self._next - self._first + step) % size
            if candidate not in self._owners:
                self._owners[candidate] = owner
                self._next = candidate + 1 if candidate < self._last else self._first
                return str(ipaddress.IPv4Address(candidate))
        return None

    def claim(self, address: str, owner: str) -> bool:
        """Take a given address (a pod's, found again after a restart); False if not free."""
        try:
            ip = int(ipaddress.IPv4Address(address))
        except ValueError:
            return False
        if not self._first <= ip <= self._last:
            return False
        holder = self._owners.setdefault(ip, owner)
        return holder == owner

    def release(self, address: str, owner: str) -> None:
        ip = int(ipaddress.IPv4Address(address))
        if self._owners.get(ip) == owner:
            del self._owners[ip]
