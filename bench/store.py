"""Store figures, side by side with etcd 3.4 on the same machine: `python bench/store.py`.

Prints writes/s (1 KB JSON values, 32 concurrent writers) at durability normal and full, point
reads/s, LIST of 10,000 objects (with the byte splice the API does), watch fan-out latency to 100
watchers, and the same write workload against a throwaway etcd (grpc-gateway `POST /v3/kv/put`).
It asserts nothing. etcd is installed with apt if missing; it listens on loopback only, on free
ports, with a temporary data directory, and is stopped and removed afterwards.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from minikube_py.store import Store

WRITERS = 32
WRITES = 30_000
REPS = 3
LIST_SIZE = 10_000
WATCHERS = 100
ETCD_WRITES = 10_000


def pod(i: int) -> dict[str, Any]:
    """A Pod-like object of about 1 KB once encoded."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"web-{i}",
            "namespace": "default",
            "uid": f"6f1c3a52-0000-4000-8000-{i:012d}",
            "labels": {"app": "web", "tier": "frontend", "pod-template-hash": "5d9c7b8f6d"},
            "annotations": {"note": "x" * 400},
        },
        "spec": {
            "nodeName": "minikube",
            "containers": [
                {
                    "name": "web",
                    "image": "local/busybox:1",
                    "command": ["httpd", "-f", "-p", "8080"],
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                }
            ],
        },
        "status": {"phase": "Running", "podIP": "10.244.0.17", "hostIP": "10.0.0.2"},
    }


def key_of(i: int) -> str:
    return f"/core/pods/default/web-{i:06d}"


async def run_writers(write: Callable[[int], Awaitable[object]], total: int) -> float:
    """Writes/s of `total` writes spread over WRITERS concurrent tasks."""

    async def writer(first: int) -> None:
        for i in range(first, total, WRITERS):
            await write(i)

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(WRITERS)))
    return total / (time.perf_counter() - started)


async def store_writes(directory: Path, durability: str) -> float:
    rates = []
    for rep in range(REPS):
        store = await Store.open(directory / f"{durability}-{rep}.db", durability=durability)
        rates.append(await run_writers(creator(store), WRITES))
        await store.close()
    report(f"writes/s, durability={durability}", rates, "/s")
    return statistics.median(rates)


def creator(store: Store) -> Callable[[int], Awaitable[object]]:
    async def create(i: int) -> object:
        return await store.create(key_of(i), pod(i))

    return create


def point_reads(store: Store) -> None:
    keys = [key_of(i) for i in range(LIST_SIZE)] * 50
    started = time.perf_counter()
    for key in keys:
        store.get(key)
    print(f"point reads/s: {len(keys) / (time.perf_counter() - started):,.0f}")


def list_and_splice(store: Store) -> None:
    timings = []
    for _ in range(10):
        started = time.perf_counter()
        listing = store.list("/core/pods/default/")
        body = b'{"items":[' + b",".join(e.raw for e in listing.entries) + b"]}"
        timings.append((time.perf_counter() - started) * 1000)
    size = len(body) / 1e6
    report(f"LIST {len(listing.entries):,} objects + splice ({size:.1f} MB)", timings, " ms")


async def fan_out(directory: Path) -> None:
    store = await Store.open(directory / "fanout.db")
    try:
        for label, rate, total in (("paced 1,000 writes/s", 1000, 3000), ("burst", None, 3000)):
            latencies = await fan_out_latencies(store, rate, total)
            p50, p99 = (statistics.quantiles(latencies, n=100)[i] for i in (49, 98))
            print(
                f"watch fan-out to {WATCHERS} watchers, {label}, {total:,} events: "
                f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {max(latencies):.2f} ms"
            )
    finally:
        await store.close()


async def fan_out_latencies(store: Store, rate: int | None, total: int) -> list[float]:
    """Milliseconds from submitting each write to each watcher receiving its event."""
    start = store.revision
    latencies: list[float] = []

    async def watcher() -> None:
        with store.watch("/fanout/", start) as watch:
            async for event in watch:
                latencies.append((time.perf_counter() - event.entry.value["sent"]) * 1000)
                if event.entry.revision == start + total:
                    return

    watchers = [asyncio.create_task(watcher()) for _ in range(WATCHERS)]
    await asyncio.sleep(0)

    async def write(i: int) -> None:
        await store.create(f"/fanout/{start}-{i}", {"sent": time.perf_counter(), **pod(i)})

    if rate is None:
        await run_writers(write, total)
    else:
        for i in range(total):
            await write(i)
            await asyncio.sleep(1 / rate)
    await asyncio.gather(*watchers)
    return latencies


async def etcd_writes() -> float | None:
    etcd = find_etcd()
    if etcd is None:
        print("etcd: not available (apt-get install etcd-server failed); our figures only")
        return None
    async with running_etcd(etcd) as url:
        connector = aiohttp.TCPConnector(limit=WRITERS * 2)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def put(i: int) -> None:
                body = {"key": b64(key_of(i).encode()), "value": b64(orjson.dumps(pod(i)))}
                async with session.post(f"{url}/v3/kv/put", data=orjson.dumps(body)) as response:
                    response.raise_for_status()
                    await response.read()

            await run_writers(put, 500)  # warm up connections
            rates = [await run_writers(put, ETCD_WRITES) for _ in range(REPS)]
    report("etcd 3.4 writes/s (grpc-gateway, aiohttp)", rates, "/s")
    return statistics.median(rates)


def find_etcd() -> str | None:
    if shutil.which("etcd") is None:
        print("etcd not on PATH: apt-get install -y etcd-server")
        subprocess.run(
            ["apt-get", "install", "-y", "etcd-server"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return shutil.which("etcd")


@contextlib.asynccontextmanager
async def running_etcd(etcd: str) -> AsyncIterator[str]:
    """A single-member etcd on loopback, free ports, a temporary data dir; gone afterwards."""
    client_port, peer_port = free_port(), free_port()
    client, peer = f"http://127.0.0.1:{client_port}", f"http://127.0.0.1:{peer_port}"
    data_dir = tempfile.mkdtemp(prefix="bench-etcd-")
    process = await asyncio.create_subprocess_exec(
        etcd,
        "--name=bench",
        f"--data-dir={data_dir}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=bench={peer}",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await wait_healthy(client)
        yield client
    finally:
        process.terminate()  # by its pid: only the etcd this benchmark started
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


async def wait_healthy(url: str) -> None:
    async with aiohttp.ClientSession() as session, asyncio.timeout(30):
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{url}/health") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def report(label: str, values: list[float], unit: str) -> None:
    low, mid, high = min(values), statistics.median(values), max(values)
    print(f"{label}: {low:,.1f} / {mid:,.1f} / {high:,.1f}{unit} (min / median / max)")


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        directory = Path(tmp)
        normal = await store_writes(directory, "normal")
        full = await store_writes(directory, "full")
        store = await Store.open(directory / "reads.db")
        for first in range(0, LIST_SIZE, 1000):
            await asyncio.gather(
                *(store.create(key_of(i), pod(i)) for i in range(first, first + 1000))
            )
        point_reads(store)
        list_and_splice(store)
        await store.close()
        await fan_out(directory)
    etcd = await etcd_writes()
    if etcd is not None:
        print(f"ratio ours(full)/etcd: {full / etcd:.1f}x; ours(normal)/etcd: {normal / etcd:.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
