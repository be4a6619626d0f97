"""API server benchmark over HTTPS on loopback: creates/s, GET latency, LIST 10k, watch fan-out.

Starts a real server (`--no-kubelet`) in a subprocess with a temporary data dir, drives it with
aiohttp clients and prints figures against the issue's targets:
creates/s >= 2,500 (32 clients), GET p99 <= 5 ms, LIST 10k pods <= 100 ms (JSON),
watch delivery p99 <= 50 ms (100 watchers).

    .venv/bin/python bench/api.py [--pods 10000] [--watchers 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import ssl
import statistics
import sys
import time
from pathlib import Path

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.harness import ServerProcess, temporary_dir

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pod(name: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "bench", "tier": "web"}},
        # No scheduler serves this name: the figures are the API's, not the scheduler's work
        # of marking every pod of a node-less cluster Unschedulable (two more writes a pod).
        "spec": {
            "schedulerName": "benchmark-no-scheduler",
            "containers": [
                {
                    "name": "main",
                    "image": "busybox:1.36",
                    "command": ["sleep", "3600"],
                    "ports": [{"containerPort": 8080}],
                    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                }
            ],
        },
    }


# Pings /healthz over one connection until stdin closes; prints the worst latency (ms).
PROBER = """
import http.client, ssl, sys, threading, time, urllib.parse
url = urllib.parse.urlparse(sys.argv[1])
conn = http.client.HTTPSConnection(url.hostname, url.port,
                                   context=ssl.create_default_context(cafile=sys.argv[2]))
done = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
worst = 0.0
while not done.is_set():
    started = time.perf_counter()
    conn.request("GET", "/healthz")
    conn.getresponse().read()
    worst = max(worst, time.perf_counter() - started)
    time.sleep(0.002)
print(worst * 1000)
"""


class Bench:
    def __init__(self, server: ServerProcess, session: aiohttp.ClientSession) -> None:
        self.base = server.url
        self.ca_file = str(server.data_dir / "pki" / "ca.crt")
        self.session = session

    async def create_pods(self, namespace: str, count: int, clients: int) -> float:
        names = iter(range(count))
        url = f"{self.base}/api/v1/namespaces/{namespace}/pods"

        async def client() -> None:
            for i in names:
                async with self.session.post(url, data=orjson.dumps(pod(f"p-{i:05d}"))) as r:
                    assert r.status == 201, await r.text()
                    await r.read()

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return count / (time.perf_counter() - started)

    async def get_latencies(self, namespace: str, count: int) -> list[float]:
        url = f"{self.base}/api/v1/namespaces/{namespace}/pods/p-00001"
        samples = []
        for _ in range(count):
            started = time.perf_counter()
            async with self.session.get(url) as r:
                await r.read()
            samples.append((time.perf_counter() - started) * 1000)
        return samples

    async def list_ms(self, namespace: str, accept: str, reps: int = 5) -> tuple[float, int, float]:
        """Median LIST time, body size, and the worst /healthz latency meanwhile (a loop stall)."""
        url = f"{self.base}/api/v1/namespaces/{namespace}/pods"
        times, size = [], 0
        # The prober is its own process: this one is busy receiving the LIST meanwhile.
        prober = await asyncio.create_subprocess_exec(
            sys.executable, "-c", PROBER, self.base, self.ca_file,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        await asyncio.sleep(0.5)
        for _ in range(reps):
            started = time.perf_counter()
            async with self.session.get(url, headers={"Accept": accept}) as r:
                body = await r.read()
            times.append((time.perf_counter() - started) * 1000)
            size = len(body)
        out, _ = await prober.communicate(b"")
        return statistics.median(times), size, float(out)

    async def watch_latencies(self, namespace: str, watchers: int, events: int) -> list[float]:
        url = f"{self.base}/api/v1/namespaces/{namespace}/configmaps"
        latencies: list[float] = []
        ready = asyncio.Event()
        opened = 0

        async def watcher() -> None:
            nonlocal opened
            params = {"watch": "true", "resourceVersion": "0", "timeoutSeconds": "120"}
            async with self.session.get(url, params=params) as r:
                opened += 1
                if opened == watchers:
                    ready.set()
                seen = 0
                async for line in r.content:
                    event = orjson.loads(line)
                    sent = float(event["object"]["data"]["sent"])
                    latencies.append((time.perf_counter() - sent) * 1000)
                    seen += 1
                    if seen == events:
                        return

        tasks = [asyncio.create_task(watcher()) for _ in range(watchers)]
        await asyncio.wait_for(ready.wait(), 30)
        await asyncio.sleep(0.5)
        for i in range(events):
            body = {"metadata": {"name": f"w-{i}"}, "data": {"sent": repr(time.perf_counter())}}
            async with self.session.post(url, data=orjson.dumps(body)) as r:
                await r.read()
            await asyncio.sleep(0.01)
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
        return latencies

    async def make_namespace(self, name: str) -> None:
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        async with self.session.post(
            f"{self.base}/api/v1/namespaces", data=orjson.dumps(body)
        ) as r:
            assert r.status == 201, await r.text()


async def run(server: ServerProcess, pods: int, watchers: int) -> None:
    context = ssl.create_default_context(cafile=str(server.data_dir / "pki" / "ca.crt"))
    token = (server.data_dir / "pki" / "admin.token").read_text().strip()
    connector = aiohttp.TCPConnector(ssl=context, limit=0)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        bench = Bench(server, session)
        await bench.make_namespace("bench")
        await bench.make_namespace("watch")
        assert server.process is not None
        cpu_before = cpu_seconds(server.process.pid)
        rate = await bench.create_pods("bench", pods, clients=32)
        cpu_per_create = (cpu_seconds(server.process.pid) - cpu_before) / pods * 1e6
        print(
            f"creates/s (32 clients, {pods} pods): {rate:,.0f}   target >= 2,500"
            f"   (server CPU {cpu_per_create:.0f} us a create)"
        )
        gets = await bench.get_latencies("bench", 2000)
        print(
            f"GET latency: p50 {percentile(gets, 0.5):.2f} ms, p99 {percentile(gets, 0.99):.2f} ms"
            "   target p99 <= 5 ms"
        )
        json_ms, json_size, json_stall = await bench.list_ms("bench", "application/json")
        megabytes = json_size / 1e6
        print(f"LIST {pods} pods, JSON: {json_ms:.1f} ms ({megabytes:.1f} MB)   target <= 100 ms")
        table_ms, table_size, table_stall = await bench.list_ms("bench", TABLE)
        print(f"LIST {pods} pods, Table: {table_ms:.1f} ms ({table_size / 1e6:.1f} MB)")
        print(
            f"worst /healthz latency during the LISTs: JSON {json_stall:.1f} ms, Table"
            f" {table_stall:.1f} ms (an upper bound on loop stalls: CPU contention included;"
            " `--log-level debug` logs each callback over 20 ms)"
        )
        latencies = await bench.watch_latencies("watch", watchers, events=200)
        print(
            f"watch delivery to {watchers} watchers: p50 {percentile(latencies, 0.5):.2f} ms, "
            f"p99 {percentile(latencies, 0.99):.2f} ms   target p99 <= 50 ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--watchers", type=int, default=100)
    args = parser.parse_args()
    with temporary_dir("minikube-py-bench-") as data_dir:
        server = ServerProcess(data_dir).start()
        try:
            asyncio.run(run(server, args.pods, args.watchers))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
