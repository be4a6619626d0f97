"""Start-up benchmark: cold start to API ready (and to a Ready node), idle RSS, OpenAPI cost.

Each run starts `python -m minikube_py` on a fresh data dir (certificates and store created:
a cold start), waits until `/readyz` answers over HTTPS, and, with simulated nodes, until the
node reports Ready. Prints medians of 5 runs against the targets: <= 1,000 ms, <= 100 MB.

    .venv/bin/python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import ssl
import statistics
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.harness import ServerProcess, temporary_dir

SIMULATED = ("--runtime", "simulated", "--simulated-nodes", "1")
NODE_READY_TIMEOUT = 30


class Probe:
    """HTTPS GETs against one server as its admin (bearer token)."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.context = ssl.create_default_context(cafile=str(server.data_dir / "pki" / "ca.crt"))
        self.token = (server.data_dir / "pki" / "admin.token").read_text().strip()

    def get(self, path: str, accept: str = "application/json") -> bytes:
        request = urllib.request.Request(
            self.server.url + path,
            headers={"Authorization": f"Bearer {self.token}", "Accept": accept},
        )
        with urllib.request.urlopen(request, context=self.context, timeout=10) as response:
            body: bytes = response.read()
            return body

    def timed(self, path: str, accept: str = "application/json") -> tuple[float, int]:
        started = time.perf_counter()
        body = self.get(path, accept)
        return (time.perf_counter() - started) * 1000, len(body)


def node_ready(probe: Probe) -> bool:
    try:
        nodes = json.loads(probe.get("/api/v1/nodes"))["items"]
    except (urllib.error.URLError, KeyError):
        return False
    return any(
        c["type"] == "Ready" and c["status"] == "True"
        for node in nodes
        for c in node.get("status", {}).get("conditions", [])
    )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cold_start(args: tuple[str, ...], wait_for_node: bool) -> tuple[float, float, float]:
    """(ms to API ready, ms to node Ready or nan, idle RSS MB) of one fresh server."""
    with temporary_dir("minikube-py-startup-") as data_dir:
        started = time.perf_counter()
        server = ServerProcess(data_dir, extra_args=args).start()
        try:
            api_ms = (time.perf_counter() - started) * 1000
            probe = Probe(server)
            node_ms = float("nan")
            if wait_for_node:
                deadline = time.monotonic() + NODE_READY_TIMEOUT
                while not node_ready(probe):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"no node became Ready in {NODE_READY_TIMEOUT} s")
                    time.sleep(0.005)
                node_ms = (time.perf_counter() - started) * 1000
            time.sleep(2)  # idle
            assert server.process is not None
            return api_ms, node_ms, rss_mb(server.process.pid)
        finally:
            server.stop()


def openapi_costs() -> None:
    with temporary_dir("minikube-py-openapi-") as data_dir:
        server = ServerProcess(data_dir).start()
        try:
            probe = Probe(server)
            root_ms, root_size = probe.timed("/openapi/v3")
            paths = json.loads(probe.get("/openapi/v3"))["paths"]
            apps_ms, apps_size = probe.timed(paths["apis/apps/v1"]["serverRelativeURL"])
            again_ms, _ = probe.timed(paths["apis/apps/v1"]["serverRelativeURL"])
            total = sum(len(probe.get(p["serverRelativeURL"])) for p in paths.values())
            protobuf = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
            v2_ms, v2_size = probe.timed("/openapi/v2", protobuf)
            v2_again_ms, _ = probe.timed("/openapi/v2", protobuf)
        finally:
            server.stop()
    print(f"OpenAPI v3 root: {root_size / 1e3:.1f} kB, first request {root_ms:.0f} ms")
    print(
        f"OpenAPI v3 apps/v1: {apps_size / 1e3:.0f} kB, first {apps_ms:.0f} ms, "
        f"cached {again_ms:.1f} ms; all {len(paths)} documents {total / 1e6:.2f} MB"
    )
    print(
        f"OpenAPI v2 protobuf: {v2_size / 1e6:.2f} MB, first {v2_ms:.0f} ms (built on demand), "
        f"cached {v2_again_ms:.1f} ms"
    )


def report(label: str, runs: list[tuple[float, float, float]], with_node: bool) -> None:
    api = statistics.median(r[0] for r in runs)
    rss = statistics.median(r[2] for r in runs)
    line = f"{label}: API ready {api:.0f} ms (median of {len(runs)}; target <= 1,000 ms)"
    if with_node:
        line += f", node Ready {statistics.median(r[1] for r in runs):.0f} ms"
    print(f"{line}; idle RSS {rss:.1f} MB (target <= 100 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    report("control plane", [cold_start(("--no-kubelet",), False) for _ in range(runs)], False)
    try:
        simulated = [cold_start(SIMULATED, True) for _ in range(runs)]
    except RuntimeError as exc:  # a build without simulated nodes says so at start-up
        print(f"simulated node: not measured ({str(exc).splitlines()[-1]})")
    else:
        report("one simulated node", simulated, True)
    openapi_costs()


if __name__ == "__main__":
    main()
