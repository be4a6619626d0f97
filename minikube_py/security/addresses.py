"""The node's own IP addresses, read from /proc: the serving certificate must name them."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

# /proc/net/if_inet6 flags of addresses that come and go (privacy addresses rotate daily): in a
# certificate they would force a re-issue each time. IFA_F_TEMPORARY, DADFAILED, DEPRECATED.
_UNSTABLE_IPV6 = 0x01 | 0x08 | 0x20


def node_addresses() -> list[str]:
    """The host's own global IPv4 and IPv6 addresses (no loopback, no link-local), sorted.

    Read from /proc (a few hundred µs; a netlink library costs ~200 ms to import). Includes the
    addresses of bridges (docker0, the pod bridge): leave the pod range out before putting the
    list in a certificate, or the cert is re-issued when the bridge comes up.
    """
    try:
        v4 = _parse_fib_trie(Path("/proc/net/fib_trie").read_text())
    except OSError:
        v4 = _resolve_hostname()
    try:
        v6 = _parse_if_inet6(Path("/proc/net/if_inet6").read_text())
    except OSError:
        v6 = []  # IPv6 disabled
    found = {ip for ip in map(ipaddress.ip_address, v4 + v6) if _is_global_unicast(ip)}
    return [str(ip) for ip in sorted(found, key=lambda ip: (ip.version, ip))]


def _is_global_unicast(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not (ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified)


def _parse_fib_trie(text: str) -> list[str]:
    """The local IPv4 addresses: the trie leaves marked `/32 host LOCAL`."""
    found, leaf = [], ""
    for line in text.splitlines():
        parts = line.split()
        if parts[:1] == ["|--"]:
            leaf = parts[1]
        elif parts == ["/32", "host", "LOCAL"]:
            found.append(leaf)
    return found


def _parse_if_inet6(text: str) -> list[str]:
    """Global, stable IPv6 addresses: `addr ifindex prefixlen scope flags name` per line."""
    found = []
    for line in text.splitlines():
        addr, _index, _plen, scope, flags, _name = line.split()
        if int(scope, 16) == 0 and not int(flags, 16) & _UNSTABLE_IPV6:
            found.append(str(ipaddress.IPv6Address(bytes.fromhex(addr))))
    return found


def _resolve_hostname() -> list[str]:
    """Fallback where /proc is not readable; may ask DNS."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return [str(info[4][0]) for info in infos]
