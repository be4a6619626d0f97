"""Where a server's memory goes: `.venv/bin/python bench/memory_profile.py [--pods N]`.

Starts a real server (`--runtime simulated`, 1,000 nodes), creates the pods over HTTPS as
bench/control_plane.py does, waits until all are Running, then asks the server (SIGUSR1) to
describe its heap: counts of live objects by type, what the store holds (live entries per
resource, raw and decoded sizes, the history), and what else holds decoded objects (event
recorders, informers). `--trace` adds tracemalloc's allocations by file and line; tracing costs
time (30k pods take over 15 min) and memory of its own. It asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import os
import signal
import ssl
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.control_plane import CREATORS, WIDE_POD_CIDR, pod_body, rss_mb
from tests.e2e.harness import ServerProcess, temporary_dir

REPORT_NAME = "memory-report.txt"
POLL_SECONDS = 5.0


# ---- inside the server process ----------------------------------------------------------------


def describe_heap(out: Path) -> None:
    """Write the heap's description to `out` (run in the server, from the SIGUSR1 handler)."""
    gc.unfreeze()  # the server froze what start-up built (the store among it): see all of it
    gc.collect()
    lines = [f"RSS {rss_mb(os.getpid()):,.0f} MB"]
    if tracemalloc.is_tracing():
        lines += _traced_allocations()
    lines.append("\n== live objects by type")
    objects = gc.get_objects()
    counts = collections.Counter(type(o).__name__ for o in objects)
    lines += [f"{n:>9} {name}" for name, n in counts.most_common(20)]
    lines.append("\n== store (decoded sizes: each object counted once, first holder wins)")
    seen: set[int] = set()
    lines += _describe_stores(objects, seen)
    lines.append("\n== other holders (decoded objects not counted above)")
    lines += _describe_holders(objects, seen)
    partial = out.with_suffix(".partial")
    partial.write_text("\n".join(lines) + "\n")
    partial.replace(out)  # the driver waits for the name: it appears complete


def _traced_allocations() -> list[str]:
    snapshot = tracemalloc.take_snapshot()
    lines = ["\n== traced allocations by file"]
    by_file = snapshot.statistics("filename")[:25]
    lines += [f"{_mb(s.size)} {s.count:>9} {s.traceback}" for s in by_file]
    lines.append("\n== traced allocations by line")
    by_line = snapshot.statistics("lineno")[:50]
    lines += [f"{_mb(s.size)} {s.count:>9} {s.traceback}" for s in by_line]
    return lines


def _describe_stores(objects: list[Any], seen: set[int]) -> list[str]:
    from minikube_py.store import Store

    lines = []
    for store in (o for o in objects if isinstance(o, Store)):
        count: collections.Counter[str] = collections.Counter()
        raw: collections.Counter[str] = collections.Counter()
        decoded: collections.Counter[str] = collections.Counter()
        for key, entry in store._current.items():
            resource = "/".join(key.split("/")[:3])
            count[resource] += 1
            raw[resource] += sys.getsizeof(entry.raw)
            decoded[resource] += _deep_size(entry.decoded, seen)
        for resource, n in count.most_common(8):
            lines.append(
                f"{n:>9} live {resource:<28} raw {_mb(raw[resource])}  "
                f"decoded {_mb(decoded[resource])}"
            )
        lines += _describe_history(store, seen)
    return lines


def _describe_history(store: Any, seen: set[int]) -> list[str]:
    history = store._history
    versions = {id(e.entry): e.entry for e in history}
    versions.update({id(e.prev): e.prev for e in history if e.prev is not None})
    superseded = [v for v in versions.values() if v.decoded is None]
    by_resource: collections.Counter[str] = collections.Counter()
    for version in superseded:
        by_resource["/".join(version.key.split("/")[:3])] += sys.getsizeof(version.raw)
    lines = [
        f"history: {len(history)} events, revisions {store.compacted_revision}..{store.revision};"
        f" {len(superseded)} superseded versions kept as bytes"
    ]
    lines += [
        f"    {resource:<28} raw {_mb(size)}" for resource, size in by_resource.most_common(5)
    ]
    return lines


def _describe_holders(objects: list[Any], seen: set[int]) -> list[str]:
    from minikube_py.client import EventRecorder, Informer
    from minikube_py.kubelet.events import EventPump

    lines = []
    recorders = [o for o in objects if isinstance(o, EventRecorder)]
    remembered = [e for r in recorders for e in r._seen.values()]
    lines.append(
        f"EventRecorders: {len(recorders)} remember {len(remembered)} Events (name, count), "
        f"{_mb(sum(_deep_size(e, seen) for e in remembered))} beyond the store's"
    )
    for pump in (o for o in objects if isinstance(o, EventPump)):
        pending = [e.obj for e in pump._pending]
        size = sum(_deep_size(o, seen) for o in pending)
        lines.append(f"EventPump: {len(pending)} pending, their objects {_mb(size)}")
    for informer in (o for o in objects if isinstance(o, Informer)):
        size = sum(_deep_size(o, seen) for o in informer._cache.values())
        lines.append(
            f"Informer {informer.resource.plural} {informer.field_selector!r}: "
            f"{len(informer._cache)} objects, {_mb(size)} not shared with the store"
        )
    return lines


def _deep_size(obj: Any, seen: set[int]) -> int:
    """Bytes of obj and everything it holds that `seen` does not hold yet."""
    if obj is None or id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(_deep_size(k, seen) + _deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, list):
        size += sum(_deep_size(v, seen) for v in obj)
    return size


def _mb(size: int) -> str:
    return f"{size / 2**20:8.1f} MB"


def serve(argv: list[str]) -> int:
    """The server's entry point under tracing: `python -X tracemalloc=1 ... --serve <flags>`."""
    from minikube_py.cli import main

    report = Path(os.environ["MEMORY_REPORT"])
    signal.signal(signal.SIGUSR1, lambda *_: describe_heap(report))
    return main(argv)


# ---- the driver ---------------------------------------------------------------------------------


@dataclass
class ProfiledServer(ServerProcess):
    trace: bool = False

    def command(self) -> list[str]:
        # -X tracemalloc=1: traced from the first import, one frame per allocation
        tracing = ["-X", "tracemalloc=1"] if self.trace else []
        return [
            sys.executable,
            *tracing,
            __file__,
            "--serve",
            "server",
            "--data-dir",
            str(self.data_dir),
            "--port",
            str(self.port),
            *self.extra_args,
        ]


async def create_pods_until_running(server: ServerProcess, count: int) -> float:
    """Create `count` pods (32 clients) and poll until all are Running: seconds it took.

    Polled, not watched: a watch that falls behind a loaded server is cut off, and a profile
    must not wait for an event it will never see.
    """
    context = ssl.create_default_context(cafile=str(server.data_dir / "pki" / "ca.crt"))
    token = (server.data_dir / "pki" / "admin.token").read_text().strip()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    url = f"{server.url}/api/v1/namespaces/default/pods"
    names = iter(range(count))
    started = time.perf_counter()
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=context, limit=0), headers=headers
    ) as session:

        async def creator() -> None:
            for i in names:
                body = orjson.dumps(pod_body(f"e2e-{i:05d}"))
                async with session.post(url, data=body) as r:
                    assert r.status == 201, await r.text()

        await asyncio.gather(*(creator() for _ in range(CREATORS)))
        while await _running(session, url) < count:
            await asyncio.sleep(POLL_SECONDS)
    return time.perf_counter() - started


async def _running(session: aiohttp.ClientSession, url: str) -> int:
    params = {"fieldSelector": "status.phase=Running"}
    table = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
    async with session.get(url, params=params, headers=table) as r:
        return len((await r.json())["rows"])


def profile(pods: int, nodes: int, trace: bool) -> None:
    args = ("--runtime", "simulated", "--simulated-nodes", str(nodes), "--pod-cidr", WIDE_POD_CIDR)
    with temporary_dir("minikube-py-memprofile-") as data_dir:
        report = data_dir / REPORT_NAME
        os.environ["MEMORY_REPORT"] = str(report)
        server = ProfiledServer(data_dir, extra_args=args, trace=trace).start()
        try:
            elapsed = asyncio.run(create_pods_until_running(server, pods))
            assert server.process is not None
            pid = server.process.pid
            print(f"{pods:,} pods Running in {elapsed:.0f} s; RSS {rss_mb(pid):,.0f} MB")
            os.kill(pid, signal.SIGUSR1)
            while not report.exists():
                time.sleep(1)
            print(report.read_text())
        finally:
            server.stop()


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        sys.exit(serve(sys.argv[2:]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=30_000)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--trace", action="store_true", help="tracemalloc: slow, ~3x memory")
    args = parser.parse_args()
    profile(args.pods, args.nodes, args.trace)


if __name__ == "__main__":
    main()
