"""Printers of the networking kinds.

Services, endpoints, endpoint slices, ingresses, ingress classes and network policies.
"""

from __future__ import annotations

from typing import Any

from minikube_py.apiserver.printers._cells import (
    AGE,
    _col,
    _has,
    _int,
    _list,
    _optional,
    _selector,
    _str,
    _text,
    dig,
    format_label_selector,
    format_labels,
)
from minikube_py.apiserver.printers._docs import _DOCS
from minikube_py.resources import Obj

# --- services and networking -----------------------------------------------------------------


def _first_three(items: list[str], empty: str) -> str:
    """The first three items, then ` + N more...`: how the printers shorten long lists."""
    text = ",".join(items[:3])
    if len(items) > 3:
        return f"{text} + {len(items) - 3} more..."
    return text or empty


def _ingress_points(ingress: list[Any]) -> list[str]:
    """Load-balancer ingress points (IP, else hostname), sorted and unique (a Go string set)."""
    points = {_str(point, "ip") or _str(point, "hostname") for point in ingress}
    return sorted(points - {""})


def _cluster_ip(svc: Obj) -> str:
    ips = _list(svc, "spec", "clusterIPs")
    return str(ips[0]) if ips else "<none>"


def _external_ip(svc: Obj) -> str:
    external = [str(ip) for ip in _list(svc, "spec", "externalIPs")]
    kind = _str(svc, "spec", "type")
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "LoadBalancer":
        points = _ingress_points(_list(svc, "status", "loadBalancer", "ingress"))
        return ",".join(points + external) or "<pending>"
    if kind == "ExternalName":
        return _str(svc, "spec", "externalName")
    return "<unknown>"


def _service_ports(svc: Obj) -> str:
    pieces = []
    for port in _list(svc, "spec", "ports"):
        number, protocol, node_port = (
            _int(port, "port"),
            _str(port, "protocol"),
            _int(port, "nodePort"),
        )
        pieces.append(
            f"{number}:{node_port}/{protocol}" if node_port > 0 else f"{number}/{protocol}"
        )
    return ",".join(pieces) or "<none>"


def _endpoints(obj: Obj) -> str:
    """`ip:port` per address and port (bare IPs for port-less subsets), shortened."""
    subsets = _list(obj, "subsets")
    if not subsets:
        return "<none>"
    points = [
        _host_port(_str(address, "ip"), port)
        for subset in subsets
        for port in _list(subset, "ports") or [None]
        for address in _list(subset, "addresses")
    ]
    return _first_three(points, "")


def _host_port(ip: str, port: Any) -> str:
    """`net.JoinHostPort`: IPv6 addresses go in brackets."""
    if port is None:
        return ip
    return f"[{ip}]:{_int(port, 'port')}" if ":" in ip else f"{ip}:{_int(port, 'port')}"


def _slice_ports(obj: Obj) -> str:
    return _first_three([_slice_port(port) for port in _list(obj, "ports")], "<unset>")


def _slice_port(port: Any) -> str:
    if dig(port, "port") is not None:
        return str(dig(port, "port"))
    return _str(port, "name") if _has(port, "name") else "*"


def _slice_endpoints(obj: Obj) -> str:
    addresses = [str(a) for e in _list(obj, "endpoints") for a in _list(e, "addresses")]
    return _first_three(addresses, "<unset>")


def _ingress_hosts(ingress: Obj) -> str:
    """Up to three hosts; ` + N more...` counts the rules left once three hosts are found."""
    rules = _list(ingress, "spec", "rules")
    hosts: list[str] = []
    for rule in rules:
        if len(hosts) == 3:
            return ",".join(hosts) + f" + {len(rules) - 3} more..."
        if host := _str(rule, "host"):
            hosts.append(host)
    return ",".join(hosts) or "*"


def _ingress_ports(ingress: Obj) -> str:
    return "80, 443" if _list(ingress, "spec", "tls") else "80"


def _ingress_class_parameters(obj: Obj) -> str:
    parameters = dig(obj, "spec", "parameters")
    if not isinstance(parameters, dict):
        return "<none>"
    kind = _str(parameters, "kind")
    if _has(parameters, "apiGroup"):
        kind += "." + _str(parameters, "apiGroup")
    return f"{kind}/{_str(parameters, 'name')}"


# --- column definitions ----------------------------------------------------------------------


SERVICE_COLUMNS = (
    _col("Type", _DOCS["ServiceSpec.type"], _text("spec", "type")),
    _col("Cluster-IP", _DOCS["ServiceSpec.clusterIP"], _cluster_ip),
    _col("External-IP", _DOCS["ServiceSpec.externalIPs"], _external_ip),
    _col("Port(s)", _DOCS["ServiceSpec.ports"], _service_ports),
    AGE,
    _selector("ServiceSpec.selector", lambda obj: format_labels(dig(obj, "spec", "selector"))),
)

INGRESS_COLUMNS = (
    _col(
        "Class",
        "The name of the IngressClass resource that should be used for additional configuration",
        _optional("spec", "ingressClassName", unset="<none>"),
    ),
    _col(
        "Hosts",
        "Hosts that incoming requests are matched against before the ingress rule",
        _ingress_hosts,
    ),
    _col(
        "Address",
        "Address is a list containing ingress points for the load-balancer",
        lambda obj: ",".join(_ingress_points(_list(obj, "status", "loadBalancer", "ingress"))),
    ),
    _col("Ports", "Ports of TLS configurations that open", _ingress_ports),
    AGE,
)

INGRESS_CLASS_COLUMNS = (
    _col(
        "Controller",
        "Controller that is responsible for handling this class",
        _text("spec", "controller"),
    ),
    _col(
        "Parameters",
        "A reference to a resource with additional parameters",
        _ingress_class_parameters,
    ),
    AGE,
)


ENDPOINTS_COLUMNS = (_col("Endpoints", _DOCS["Endpoints.subsets"], _endpoints), AGE)


NETWORK_POLICY_COLUMNS = (
    _col(
        "Pod-Selector",
        _DOCS["NetworkPolicySpec.podSelector"],
        lambda obj: format_label_selector(dig(obj, "spec", "podSelector")),
    ),
    AGE,
)


ENDPOINT_SLICE_COLUMNS = (
    _col("AddressType", _DOCS["EndpointSlice.addressType"], _text("addressType")),
    _col("Ports", _DOCS["EndpointSlice.ports"], _slice_ports),
    _col("Endpoints", _DOCS["EndpointSlice.endpoints"], _slice_endpoints),
    AGE,
)
