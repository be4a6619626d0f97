"""Command line: `python -m minikube_py [server|version]` and its flags.

Only argument parsing lives here; the start-up order and shutdown are in `server.py`, which is
imported lazily so that `--help` and `version` answer instantly.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from minikube_py import KUBERNETES_VERSION, __version__
from minikube_py.scheduling import MOST_ALLOCATED, SCORING_STRATEGIES

DEFAULT_POD_CIDR = "10.244.0.0/16"
DEFAULT_SERVICE_CIDR = "10.96.0.0/12"
DEFAULT_NODE_CAPACITY = "cpu=8,memory=32Gi,pods=110,ephemeral-storage=100Gi"


def default_data_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/var/lib/minikube-py")
    return Path.home() / ".local" / "share" / "minikube-py"


@dataclass(frozen=True, slots=True)
class ServerConfig:
    data_dir: Path
    bind_address: str
    port: int
    node_name: str
    pod_cidr: ipaddress.IPv4Network
    service_cidr: ipaddress.IPv4Network
    cluster_dns: ipaddress.IPv4Address
    cluster_domain: str
    runtime: str
    simulated_nodes: int
    simulated_node_capacity: Mapping[str, str]
    simulated_job_seconds: float
    node_monitor_grace_period: float  # seconds
    event_ttl: float  # seconds an Event is kept after its last write
    scheduler_scoring: str  # MostAllocated (bin-packing) or LeastAllocated (spreading)
    kubelet: bool
    offline: bool
    write_kubeconfig: Path | None
    log_level: str

    @property
    def first_service_ip(self) -> ipaddress.IPv4Address:
        """The `kubernetes` Service's ClusterIP (the API server's address inside the cluster)."""
        return self.service_cidr.network_address + 1


def _network(text: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(text, strict=True)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an IPv4 CIDR: {exc}") from None


def _address(text: str) -> ipaddress.IPv4Address:
    try:
        return ipaddress.IPv4Address(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an IPv4 address: {exc}") from None


def _capacity(text: str) -> dict[str, str]:
    """`cpu=8,memory=32Gi`: resource name -> canonical quantity."""
    from minikube_py.apiserver.specs import QuantityError, canonical_quantity

    given = {}
    for item in filter(None, text.split(",")):
        name, _, amount = item.partition("=")
        if name not in ("cpu", "memory", "pods", "ephemeral-storage"):
            raise argparse.ArgumentTypeError(
                f"{name!r} is not one of cpu, memory, pods, ephemeral-storage"
            )
        try:
            given[name] = canonical_quantity(amount)
        except QuantityError:
            raise argparse.ArgumentTypeError(f"{amount!r} is not a quantity") from None
    if not given.get("pods", "1").isdigit():
        raise argparse.ArgumentTypeError("pods must be a whole number")
    return given


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def _duration(text: str) -> float:
    """A Go duration (`40s`, `1m30s`, `500ms`) in seconds."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(a + u for a, u in parts) != text:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 40s, 1m or 500ms")
    return sum(float(amount) * _DURATION_UNITS[unit] for amount, unit in parts)


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (1-65535)")
    return int(text)


def _add_server_flags(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add(
        "--data-dir",
        type=Path,
        default=None,
        help="where the store, certificates and kubeconfig live "
        "(default: /var/lib/minikube-py as root, else ~/.local/share/minikube-py)",
    )
    add("--bind-address", default="127.0.0.1", help="address the API server listens on")
    add("--port", type=_port, default=6443, help="API server port (default: 6443)")
    add("--node-name", default=socket.gethostname(), help="name of this node (default: hostname)")
    add(
        "--pod-cidr",
        type=_network,
        default=_network(DEFAULT_POD_CIDR),
        help=f"pod network (default: {DEFAULT_POD_CIDR})",
    )
    add(
        "--service-cidr",
        type=_network,
        default=_network(DEFAULT_SERVICE_CIDR),
        help=f"ClusterIP range (default: {DEFAULT_SERVICE_CIDR})",
    )
    add(
        "--cluster-dns",
        type=_address,
        default=None,
        help="cluster DNS Service IP (default: the 10th address of --service-cidr)",
    )
    add("--cluster-domain", default="cluster.local", help="DNS domain of the cluster")
    add(
        "--runtime",
        choices=("docker", "simulated"),
        default="docker",
        help="how pods run: real containers through dockerd, or simulated nodes (no containers)",
    )
    add(
        "--simulated-nodes",
        type=int,
        default=0,
        metavar="N",
        help="with --runtime simulated: how many simulated nodes to register",
    )
    add(
        "--simulated-node-capacity",
        type=_capacity,
        default=DEFAULT_NODE_CAPACITY,
        metavar="LIST",
        help="capacity of each simulated node; resources not named keep their default "
        f"(default: {DEFAULT_NODE_CAPACITY})",
    )
    add(
        "--simulated-job-seconds",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how long the containers of pods that run to completion (restartPolicy Never or "
        "OnFailure) run on simulated nodes before they exit 0 (default: 5)",
    )
    add(
        "--node-monitor-grace-period",
        type=_duration,
        default=_duration("40s"),
        metavar="DURATION",
        help="how long a node may go without a heartbeat before it is marked NotReady "
        "(Ready=Unknown) and its pods are evicted (default: 40s)",
    )
    add(
        "--event-ttl",
        type=_duration,
        default=_duration("1h"),
        metavar="DURATION",
        help="how long an Event is kept after it was last written, as kube-apiserver's flag "
        "(default: 1h)",
    )
    add(
        "--scheduler-scoring",
        choices=SCORING_STRATEGIES,
        default=MOST_ALLOCATED,
        help="how the scheduler ranks nodes that fit: MostAllocated packs pods onto the fewest "
        "nodes, LeastAllocated spreads them (default: MostAllocated)",
    )
    add(
        "--no-kubelet",
        dest="kubelet",
        action="store_false",
        help="run the control plane only, with no node on this machine",
    )
    add("--offline", action="store_true", help="never pull images; use only local ones")
    add(
        "--write-kubeconfig",
        type=Path,
        default=None,
        metavar="PATH",
        help="also write (or merge into) a kubeconfig at PATH",
    )
    add(
        "--log-level",
        default="info",
        choices=("debug", "info", "warning", "error"),
        help="log verbosity (default: info)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m minikube_py",
        description="A single-node Kubernetes in one Python process.",
    )
    commands = parser.add_subparsers(dest="command", metavar="{server,version}")
    server = commands.add_parser(
        "server",
        help="start the cluster (the default command)",
        description="Start the API server, store and the components of a one-node cluster.",
    )
    _add_server_flags(server)
    commands.add_parser("version", help="print the version", description="Print the version.")
    return parser


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    service_cidr: ipaddress.IPv4Network = args.service_cidr
    cluster_dns = args.cluster_dns or service_cidr.network_address + 10
    if cluster_dns not in service_cidr:
        raise SystemExit(
            f"error: --cluster-dns {cluster_dns} is outside --service-cidr {service_cidr}"
        )
    if args.simulated_nodes < 0:
        raise SystemExit("error: --simulated-nodes must be 0 or more")
    if args.simulated_nodes and args.runtime != "simulated":
        raise SystemExit("error: --simulated-nodes needs --runtime simulated")
    _check_node_subnets(args.pod_cidr, args.simulated_nodes)
    if args.simulated_job_seconds < 0:
        raise SystemExit("error: --simulated-job-seconds must be 0 or more")
    if args.node_monitor_grace_period <= 0:
        raise SystemExit("error: --node-monitor-grace-period must be more than 0s")
    if args.event_ttl <= 0:
        raise SystemExit("error: --event-ttl must be more than 0s")
    return ServerConfig(
        data_dir=(args.data_dir or default_data_dir()).expanduser().absolute(),
        bind_address=args.bind_address,
        port=args.port,
        node_name=args.node_name.lower(),
        pod_cidr=args.pod_cidr,
        service_cidr=service_cidr,
        cluster_dns=cluster_dns,
        cluster_domain=args.cluster_domain,
        runtime=args.runtime,
        simulated_nodes=args.simulated_nodes,
        simulated_node_capacity={
            **_capacity(DEFAULT_NODE_CAPACITY),
            **args.simulated_node_capacity,
        },
        simulated_job_seconds=args.simulated_job_seconds,
        node_monitor_grace_period=args.node_monitor_grace_period,
        event_ttl=args.event_ttl,
        scheduler_scoring=args.scheduler_scoring,
        kubelet=args.kubelet,
        offline=args.offline,
        write_kubeconfig=args.write_kubeconfig,
        log_level=args.log_level,
    )


def _check_node_subnets(pod_cidr: ipaddress.IPv4Network, nodes: int) -> None:
    """Each node takes a /24 of the pod network: there must be one for each."""
    from minikube_py.kubelet.ipam import subnet_count

    available = subnet_count(pod_cidr)
    if nodes > available:
        raise SystemExit(
            f"error: --pod-cidr {pod_cidr} has {available} node subnets (/24) for "
            f"{nodes} --simulated-nodes: use a larger one, e.g. --pod-cidr 10.0.0.0/8"
        )


def version_text() -> str:
    python = ".".join(map(str, sys.version_info[:3]))
    return f"minikube_py {__version__} (Kubernetes API v{KUBERNETES_VERSION}, Python {python})"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # `server` is the default command: bare flags go to it.
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["server", *argv]
    args = build_parser().parse_args(argv)
    if args.command == "version":
        print(version_text())
        return 0
    from minikube_py.server import run

    return run(config_from_args(args))
