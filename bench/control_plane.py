"""Control-plane figures, in-process: `.venv/bin/python bench/control_plane.py`.

Scheduling: a store, the REST layer, an in-process client and the scheduler, with 100 Node
objects written directly (no kubelet). It prints
- the cost of one scheduling decision (filters and scores, no binding) at 100 and 1,000 nodes;
- throughput of a backlog: 1,000 pending pods, then the scheduler starts; pods bound per second
  (each binding and its `Scheduled` Event written), against kube-scheduler's scheduler_perf
  floor of 680 pods/s and our target of 1,000;
- streaming: the scheduler runs while 1,000 pods are created (32 concurrent creators); pods/s
  from the first create to the last binding, and create-to-bound latency p50/p99 (request
  start to the binding seen on a watch).
End to end, a real server (`--runtime simulated`) over HTTPS, pods created by 32 clients and
placed by the scheduler: create-to-Running latency p50/p99 for 1,000 pods on 100 nodes; time to
all Running for 10,000 pods on 1,000 nodes (target <= 30 s; kwok's CI allows 60 s); RSS of the
whole process after 30,000 pods on 1,000 nodes (target <= 1.5 GB). `--quick` skips the last two;
`--only-30k` runs the last alone.
It asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from minikube_py.apiserver.bootstrap import ensure_namespaces
from minikube_py.apiserver.builtin import builtin_resources
from minikube_py.apiserver.rest import RestStorage
from minikube_py.client import LocalClient
from minikube_py.resources import Obj, Registry, Resource, clone
from minikube_py.sched import Scheduler
from minikube_py.scheduling.cache import NodeInfo
from minikube_py.scheduling.framework import Framework
from minikube_py.scheduling.plugins import VolumeBinding, default_filters, default_scores
from minikube_py.scheduling.podinfo import PodInfo
from minikube_py.store import Store
from tests.e2e.harness import ServerProcess, temporary_dir

NAMESPACE = "bench"
CREATORS = 32
THROUGHPUT_TARGET = 1000.0
UPSTREAM_FLOOR = 680.0  # scheduler_perf's SchedulingThroughput threshold for this shape


def node_body(i: int) -> Obj:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"node-{i:04d}"}}


def node_status() -> Obj:
    amounts = {"cpu": "32", "memory": "128Gi", "pods": "110", "ephemeral-storage": "100Gi"}
    return {
        "capacity": amounts,
        "allocatable": amounts,
        "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
    }


def pod_body(name: str) -> Obj:
    requests = {"cpu": "100m", "memory": "128Mi"}
    container = {"name": "app", "image": "app:1", "resources": {"requests": requests}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [container]},
    }


class Cluster:
    """The in-process control plane the scheduler talks to."""

    def __init__(self, rest: RestStorage) -> None:
        self.rest = rest
        self.client = LocalClient(rest)
        self.pods = self.resource("pods")
        self.nodes = self.resource("nodes")

    def resource(self, plural: str) -> Resource:
        found = self.rest.registry.get("", "v1", plural)
        assert found is not None
        return found

    async def add_nodes(self, count: int) -> None:
        for i in range(count):
            node = clone(await self.client.create(self.nodes, None, node_body(i)))
            node["status"] = node_status()  # the status subresource, as a kubelet writes it
            await self.client.update(self.nodes, None, node, subresource="status")

    async def create_pods(self, prefix: str, count: int, started: dict[str, float]) -> None:
        async def creator(first: int) -> None:
            for i in range(first, count, CREATORS):
                name = f"{prefix}-{i:05d}"
                started[name] = time.perf_counter()
                await self.client.create(self.pods, NAMESPACE, pod_body(name))

        await asyncio.gather(*(creator(c) for c in range(CREATORS)))

    async def watch_bound(self, count: int, bound: dict[str, float]) -> None:
        """Record when each pod's binding is seen, until `count` are."""
        revision = str(self.rest.store.revision)
        async for event in self.client.watch(self.pods, NAMESPACE, resource_version=revision):
            name = event.object["metadata"]["name"]
            if event.object["spec"].get("nodeName") and name not in bound:
                bound[name] = time.perf_counter()
                if len(bound) == count:
                    return


@asynccontextmanager
async def control_plane(nodes: int) -> AsyncIterator[Cluster]:
    with tempfile.TemporaryDirectory(prefix="minikube-py-bench-") as folder:
        store = await Store.open(Path(folder) / "state.db")
        rest = RestStorage(store, Registry(builtin_resources()))
        await ensure_namespaces(rest, ["default", NAMESPACE])
        cluster = Cluster(rest)
        await cluster.add_nodes(nodes)
        try:
            yield cluster
        finally:
            await store.close()


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def decision_cost_us(nodes: int, decisions: int = 2000) -> float:
    """Microseconds per scheduling decision (pod parsing, filters, scores), without binding."""
    infos = []
    for i in range(nodes):
        info = NodeInfo(f"node-{i:04d}")
        info.set_node({**node_body(i), "status": node_status()})
        infos.append(info)
    framework = Framework(
        default_filters(VolumeBinding(_NoVolumes())), default_scores("MostAllocated")
    )
    pod = {**pod_body("p"), "metadata": {"name": "p", "namespace": NAMESPACE, "uid": "u"}}
    started = time.perf_counter()
    for _ in range(decisions):
        chosen = framework.schedule(PodInfo.from_pod(pod), infos)
        assert isinstance(chosen, NodeInfo)
    return (time.perf_counter() - started) / decisions * 1e6


class _NoVolumes:
    def claim(self, namespace: str, name: str) -> Obj | None:
        return None

    def volume(self, name: str) -> Obj | None:
        return None

    def storage_class(self, name: str) -> Obj | None:
        return None


async def backlog_throughput(nodes: int, pods: int) -> float:
    """Pods bound per second when the scheduler starts with `pods` pending."""
    async with control_plane(nodes) as cluster:
        await cluster.create_pods("backlog", pods, {})
        bound: dict[str, float] = {}
        watcher = asyncio.create_task(cluster.watch_bound(pods, bound))
        await asyncio.sleep(0)
        started = time.perf_counter()
        scheduler = Scheduler(cluster.client, cluster.rest.registry)
        await scheduler.start()
        await watcher
        elapsed = max(bound.values()) - started
        await scheduler.stop()
        return pods / elapsed


async def streaming_figures(nodes: int, pods: int) -> tuple[float, list[float]]:
    """(pods/s from first create to last binding, create-to-bound latencies in ms)."""
    async with control_plane(nodes) as cluster:
        scheduler = Scheduler(cluster.client, cluster.rest.registry)
        await scheduler.start()
        started: dict[str, float] = {}
        bound: dict[str, float] = {}
        watcher = asyncio.create_task(cluster.watch_bound(pods, bound))
        await asyncio.sleep(0)
        await cluster.create_pods("stream", pods, started)
        await watcher
        await scheduler.stop()
        rate = pods / (max(bound.values()) - min(started.values()))
        return rate, [(bound[name] - started[name]) * 1000 for name in started]


async def scheduling(nodes: int, pods: int) -> None:
    print(f"scheduling, in-process, {nodes} nodes, {pods} pods (100m CPU, 128Mi each):")
    for count in (nodes, 1000):
        print(f"  one decision at {count} nodes: {decision_cost_us(count):.0f} us")
    rate = await backlog_throughput(nodes, pods)
    print(
        f"  backlog: {rate:,.0f} pods/s bound   target >= {THROUGHPUT_TARGET:,.0f}, "
        f"upstream floor {UPSTREAM_FLOOR:,.0f} ({rate / UPSTREAM_FLOOR:.2f}x)"
    )
    rate, latencies = await streaming_figures(nodes, pods)
    print(
        f"  streaming: {rate:,.0f} pods/s created and bound; create-to-bound "
        f"p50 {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms"
    )


# ---- end to end, over HTTPS ------------------------------------------------------------------

WIDE_POD_CIDR = "10.240.0.0/12"  # room for 1,000 nodes' /24s; simulated nodes route nothing


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def pods_to_running(server: ServerProcess, count: int) -> tuple[float, list[float]]:
    """Create `count` unbound pods (32 clients); seconds until all Running, and each pod's
    create-to-Running latency in ms, as seen on a watch."""
    context = ssl.create_default_context(cafile=str(server.data_dir / "pki" / "ca.crt"))
    token = (server.data_dir / "pki" / "admin.token").read_text().strip()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(ssl=context, limit=0)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        url = f"{server.url}/api/v1/namespaces/default/pods"
        async with session.get(url) as r:
            revision = (await r.json())["metadata"]["resourceVersion"]
        started: dict[str, float] = {}
        running: dict[str, float] = {}
        done = asyncio.Event()

        def seen_running(name: str) -> None:
            if name not in running:
                running[name] = time.perf_counter()
                if len(running) == count:
                    done.set()

        async def watch_from(revision: str) -> None:
            """Until the stream ends or reports an error (a loaded server cuts off a watch
            that falls behind)."""
            params = {"watch": "true", "resourceVersion": revision, "timeoutSeconds": "900"}
            async with session.get(url, params=params) as r:
                async for line in r.content:
                    event = orjson.loads(line)
                    if event["type"] == "ERROR":
                        return
                    pod = event["object"]
                    if pod.get("status", {}).get("phase") == "Running":
                        seen_running(pod["metadata"]["name"])
                        if done.is_set():
                            return

        async def relist_running() -> str:
            """Pods Running now (their latency then counts to now); the list's revision."""
            params = {"fieldSelector": "status.phase=Running"}
            table = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
            async with session.get(url, params=params, headers=table) as r:
                listed = await r.json()
            for row in listed["rows"]:
                seen_running(row["cells"][0])
            return str(listed["metadata"]["resourceVersion"])

        async def watch() -> None:
            await watch_from(revision)
            while not done.is_set():
                await watch_from(await relist_running())

        watcher = asyncio.create_task(watch())
        names = iter(range(count))

        async def creator() -> None:
            for i in names:
                name = f"e2e-{i:05d}"
                started[name] = time.perf_counter()
                async with session.post(url, data=orjson.dumps(pod_body(name))) as r:
                    assert r.status == 201, await r.text()

        first = time.perf_counter()
        await asyncio.gather(*(creator() for _ in range(32)))
        await asyncio.wait_for(done.wait(), 900)
        watcher.cancel()
    latencies = [(running[n] - started[n]) * 1000 for n in started]
    return max(running.values()) - first, latencies


def end_to_end(nodes: int, pods: int, label: str) -> None:
    args = ("--runtime", "simulated", "--simulated-nodes", str(nodes), "--pod-cidr", WIDE_POD_CIDR)
    with temporary_dir("minikube-py-bench-cp-") as data_dir:
        server = ServerProcess(data_dir, extra_args=args).start()
        try:
            elapsed, latencies = asyncio.run(pods_to_running(server, pods))
            assert server.process is not None
            rss = rss_mb(server.process.pid)
        finally:
            server.stop()
    print(
        f"  {label}: {pods:,} pods on {nodes:,} nodes all Running in {elapsed:.1f} s; "
        f"create-to-Running p50 {statistics.median(latencies):.0f} ms, "
        f"p99 {percentile(latencies, 0.99):.0f} ms; RSS {rss:,.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="skip the 10k and 30k pod runs")
    parser.add_argument("--only-30k", action="store_true", help="run the 30k pod RSS run alone")
    args = parser.parse_args()
    if args.only_30k:
        end_to_end(1000, 30_000, "30k (target RSS <= 1,500 MB)")
        return
    asyncio.run(scheduling(args.nodes, args.pods))
    print("end to end over HTTPS (scheduler + simulated kubelet):")
    end_to_end(args.nodes, args.pods, "latency")
    if not args.quick:
        end_to_end(1000, 10_000, "10k (target <= 30 s)")
        end_to_end(1000, 30_000, "30k (target RSS <= 1,500 MB)")


if __name__ == "__main__":
    main()
