"""A separate process for the store tests: `python store_writer.py MODE PATH [KEY]`.

crash   write forever with 8 concurrent tasks; after each acknowledged write print
        "<revision> <event type> <key>" on its own flushed line (the test SIGKILLs us).
reopen  print the state as one JSON line {"revision", "entries": {key: [revision,
        create_revision, raw]}}, then create KEY and print its revision.
"""

from __future__ import annotations

import asyncio
import os
import sys

import orjson

from minikube_py.store import Store

WRITERS = 8


def acknowledge(revision: int, event_type: str, key: str) -> None:
    sys.stdout.write(f"{revision} {event_type} {key}\n")
    sys.stdout.flush()


async def write_forever(store: Store, task: int) -> None:
    for n in range(sys.maxsize):
        key = f"/crash/{os.getpid()}/{task}-{n}"
        created = await store.create(key, {"metadata": {"name": key}, "n": n})
        acknowledge(created.revision, "ADDED", key)
        value = {"metadata": {"name": key}, "n": n + 1}
        updated = await store.update(key, value, expected_revision=created.revision)
        acknowledge(updated.revision, "MODIFIED", key)
        if n % 2:
            deleted = await store.delete(key, expected_revision=updated.revision)
            acknowledge(deleted.revision, "DELETED", key)


async def crash(path: str) -> None:
    store = await Store.open(path)
    print("ready", store.revision, flush=True)
    await asyncio.gather(*(write_forever(store, task) for task in range(WRITERS)))


async def reopen(path: str, key: str) -> None:
    store = await Store.open(path)
    entries = store.list("/").entries
    state = {
        "revision": store.revision,
        "entries": {e.key: [e.revision, e.create_revision, e.raw.decode()] for e in entries},
    }
    print(orjson.dumps(state).decode(), flush=True)
    created = await store.create(key, {"metadata": {"name": key}})
    print(created.revision, flush=True)
    await store.close()


def main() -> None:
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "crash":
        asyncio.run(crash(path))
    else:
        asyncio.run(reopen(path, sys.argv[3]))


if __name__ == "__main__":
    main()
