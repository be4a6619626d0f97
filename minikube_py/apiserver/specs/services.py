"""Service validation: types, ports, cluster IPs, node ports and traffic policies.

Node ports outside the range are refused first, as the allocator does before validation; on
update an allocated cluster IP never changes.
"""

from __future__ import annotations

import ipaddress

from minikube_py.apiserver.specs._checks import (
    _PROTOCOLS,
    Obj,
    Out,
    _dict,
    _dup,
    _enum,
    _forbidden,
    _go_strings,
    _int,
    _invalid,
    _items,
    _list,
    _messages,
    _port_num_or_name,
    _port_number,
    _required,
    _str,
    _strmap,
    _unsupported,
)
from minikube_py.apiserver.validation import (
    GoText,
    field_invalid,
    go_quote,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    validate_labels,
)

_SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
_NODE_PORTS = range(30000, 32768)


def validate_service(obj: Obj, old: Obj | None) -> Out:
    spec = _dict(obj.get("spec"))
    kind = spec.get("type")
    ports = _items(spec.get("ports"))
    if kind in ("NodePort", "LoadBalancer"):
        # The allocator runs before validation and stops at the first port out of range.
        for i, port in ports:
            node_port = _int(port.get("nodePort"))
            if node_port and node_port not in _NODE_PORTS:
                detail = (
                    "provided port is not in the valid range. "
                    "The range of valid ports is 30000-32767"
                )
                return [field_invalid(f"spec.ports[{i}].nodePort", node_port, detail)]
    out: Out = []
    headless = _list(spec.get("clusterIPs"))[:1] == ["None"]
    if not ports and not headless and kind != "ExternalName":
        _required(out, "spec.ports")
    _service_type_checks(spec, kind, ports, headless, out)
    names: set[str] = set()
    for i, port in ports:
        _service_port(port, len(ports) > 1, names, f"spec.ports[{i}]", out)
    if isinstance(spec.get("selector"), dict):
        out.extend(validate_labels(_strmap(spec["selector"]), "spec.selector"))
    _enum(spec.get("sessionAffinity"), "spec.sessionAffinity", ("ClientIP", "None"), out)
    if spec.get("sessionAffinity") == "None" and spec.get("sessionAffinityConfig") is not None:
        _forbidden(
            out, "spec.sessionAffinityConfig", "must not be set when session affinity is None"
        )
    if kind != "ExternalName":
        _cluster_ips(spec, out)
    _enum(kind, "spec.type", _SERVICE_TYPES, out)
    _service_node_ports(spec, kind, ports, out)
    _service_traffic(spec, kind, out)
    if old is not None:
        _service_update(spec, _dict(old.get("spec")), out)
    return out


def _service_type_checks(
    spec: Obj, kind: object, ports: list[tuple[int, Obj]], headless: bool, out: Out
) -> None:
    if kind == "LoadBalancer":
        for i, port in ports:
            if port.get("port") == 10250:
                detail = "may not expose port 10250 externally since it is used by kubelet"
                _invalid(out, f"spec.ports[{i}]", 10250, detail)
    if kind in ("LoadBalancer", "NodePort") and headless:
        detail = f"may not be set to 'None' for {kind} services"
        _invalid(out, "spec.clusterIPs[0]", "None", detail)
    if kind != "ExternalName":
        return
    for key in ("clusterIPs", "ipFamilies", "ipFamilyPolicy"):
        if spec.get(key):
            _forbidden(out, f"spec.{key}", "may not be set for ExternalName services")
    cname = _str(spec.get("externalName")).removesuffix(".")
    if cname:
        _messages("spec.externalName", cname, is_dns1123_subdomain(cname), out)
    else:
        _required(out, "spec.externalName")


def _service_port(port: Obj, require_name: bool, names: set[str], path: str, out: Out) -> None:
    name = _str(port.get("name"))
    if require_name and not name:
        _required(out, f"{path}.name")
    elif name:
        _messages(f"{path}.name", name, is_dns1123_label(name), out)
        if name in names:
            _dup(out, f"{path}.name", name)
        names.add(name)
    _port_number(_int(port.get("port")) or 0, f"{path}.port", out)
    _enum(port.get("protocol"), f"{path}.protocol", _PROTOCOLS, out)
    _port_num_or_name(port.get("targetPort"), f"{path}.targetPort", out)
    if isinstance(port.get("appProtocol"), str):
        _messages(
            f"{path}.appProtocol", port["appProtocol"], is_qualified_name(port["appProtocol"]), out
        )


def _cluster_ips(spec: Obj, out: Out) -> None:
    """ValidateServiceClusterIPsRelatedFields (the single-stack subset)."""
    cluster_ip, ips = _str(spec.get("clusterIP")), [str(ip) for ip in _list(spec.get("clusterIPs"))]
    shown = GoText(_go_strings(ips))
    if cluster_ip and not ips:
        _required(out, "spec.clusterIPs")
    elif cluster_ip and ips[0] != cluster_ip:
        _invalid(out, "spec.clusterIPs", shown, "first value must match `clusterIP`")
    elif not cluster_ip and ips:
        _invalid(out, "spec.clusterIPs", shown, "must be empty when `clusterIP` is not specified")
    for i, family in enumerate(_list(spec.get("ipFamilies"))):
        if family not in ("IPv4", "IPv6"):
            _unsupported(out, f"spec.ipFamilies[{i}]", family, ("IPv4", "IPv6"))
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and policy not in ("PreferDualStack", "RequireDualStack", "SingleStack"):
        _unsupported(
            out,
            "spec.ipFamilyPolicy",
            policy,
            ("PreferDualStack", "RequireDualStack", "SingleStack"),
        )
    for i, ip in enumerate(ips):
        if i == 0 and ip == "None":
            if len(ips) > 1:
                _invalid(out, "spec.clusterIPs", shown, "'None' must be the first and only value")
            continue
        if not _is_ip(ip):
            detail = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
            _invalid(out, f"spec.clusterIPs[{i}]", ip, detail)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _service_node_ports(spec: Obj, kind: object, ports: list[tuple[int, Obj]], out: Out) -> None:
    if kind == "ClusterIP":
        for i, port in ports:
            if port.get("nodePort"):
                _forbidden(
                    out, f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"
                )
    node_ports: set[tuple[str, int]] = set()
    for i, port in ports:
        node_port = _int(port.get("nodePort"))
        if node_port:
            key = (_str(port.get("protocol")), node_port)
            if key in node_ports:
                _dup(out, f"spec.ports[{i}].nodePort", node_port)
            node_ports.add(key)
    seen: set[tuple[str, int]] = set()
    for i, port in ports:
        key = (_str(port.get("protocol")), _int(port.get("port")) or 0)
        if key in seen:
            shown = GoText(
                f'core.ServicePort{{Name:"", Protocol:{go_quote(key[0])}, '
                f"AppProtocol:(*string)(nil), Port:{key[1]}, "
                f'TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:""}}, NodePort:0}}'
            )
            _dup(out, f"spec.ports[{i}]", shown)
        seen.add(key)


def _service_traffic(spec: Obj, kind: object, out: Out) -> None:
    if spec.get("allocateLoadBalancerNodePorts") is not None and kind != "LoadBalancer":
        detail = "may only be used when `type` is 'LoadBalancer'"
        _forbidden(out, "spec.allocateLoadBalancerNodePorts", detail)
    external = kind in ("NodePort", "LoadBalancer") or (
        kind == "ClusterIP" and bool(spec.get("externalIPs"))
    )
    policy = spec.get("externalTrafficPolicy")
    if not external and policy:
        detail = "may only be set for externally-accessible services"
        _invalid(out, "spec.externalTrafficPolicy", _str(policy), detail)
    elif external:
        _enum(policy, "spec.externalTrafficPolicy", ("Cluster", "Local"), out)
    internal = spec.get("internalTrafficPolicy")
    if internal is None and kind in ("NodePort", "LoadBalancer", "ClusterIP"):
        _required(out, "spec.internalTrafficPolicy")
    elif internal is not None and internal not in ("Cluster", "Local"):
        _unsupported(out, "spec.internalTrafficPolicy", internal, ("Cluster", "Local"))


def _service_update(spec: Obj, old: Obj, out: Out) -> None:
    """validateUpgradeDowngradeClusterIPs: an allocated address never changes."""
    if "ExternalName" in (spec.get("type"), old.get("type")):
        return
    new_ips, old_ips = _list(spec.get("clusterIPs")), _list(old.get("clusterIPs"))
    if new_ips[:1] == ["None"] and old_ips[:1] == ["None"]:
        return
    shown = GoText(_go_strings([str(ip) for ip in new_ips]))
    if len(new_ips) == len(old_ips):
        for i, (new, was) in enumerate(zip(new_ips, old_ips, strict=True)):
            if new != was:
                _invalid(out, f"spec.clusterIPs[{i}]", shown, "may not change once set")
    elif old_ips and not new_ips:
        _invalid(out, "spec.clusterIPs[0]", shown, "primary clusterIP can not be unset")
    elif old_ips and new_ips and new_ips[0] != old_ips[0]:
        _invalid(out, "spec.clusterIPs[0]", shown, "may not change once set")
