"""The store's treatment of Events: kept as bytes while live, and expired after a time to live."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from minikube_py.storage.expiry import Expiries
from minikube_py.store import Event, Store

EVENTS = "/core/events/default/"
PODS = "/core/pods/default/"


def event(name: str, count: int = 1) -> dict[str, Any]:
    meta = {"name": name, "namespace": "default"}
    return {"kind": "Event", "metadata": meta, "reason": "Started", "count": count}


def pod(name: str) -> dict[str, Any]:
    return {"kind": "Pod", "metadata": {"name": name, "namespace": "default"}}


async def take(watch: AsyncIterator[Event], count: int, seconds: float = 30) -> list[Event]:
    async with asyncio.timeout(seconds):
        return [await anext(watch) for _ in range(count)]


# --- bytes-only live objects


async def test_live_objects_under_a_bytes_only_prefix_read_back_equal(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = await Store.open(path, bytes_only_prefixes=[EVENTS])
    try:
        written = await store.create(EVENTS + "e1", event("e1"))
        shared = await store.create(PODS + "p1", pod("p1"))
        with store.watch(EVENTS, written.revision) as live:
            updated = await store.update(EVENTS + "e1", event("e1", count=2))
            (seen,) = await take(live, 1)
        assert seen.entry.value == updated.value
        assert updated.value["count"] == 2
        assert updated.value["metadata"]["resourceVersion"] == str(updated.revision)

        current = store.get(EVENTS + "e1")
        assert current is not None and current.value == updated.value
        again = store.get(EVENTS + "e1")
        assert again is not None and again.value is not current.value  # decoded on each read
        assert [e.value for e in store.list(EVENTS).entries] == [updated.value]
        (then,) = store.list(EVENTS, revision=written.revision).entries
        assert then.value == written.value
        pod_now = store.get(PODS + "p1")
        assert pod_now is not None and pod_now.value is shared.value  # other keys stay decoded
    finally:
        await store.close()

    reopened = await Store.open(path, bytes_only_prefixes=[EVENTS])
    try:
        current = reopened.get(EVENTS + "e1")
        assert current is not None and current.value == updated.value
        with reopened.watch(EVENTS, 0) as replay:
            events = await take(replay, 2)
        assert [e.entry.value for e in events] == [written.value, updated.value]
    finally:
        await reopened.close()


# --- time to live


async def test_a_key_expires_its_ttl_after_its_last_write(tmp_path: Path) -> None:
    ttl = 1.0
    store = await Store.open(tmp_path / "store.db", ttl_by_prefix={EVENTS: ttl})
    try:
        started = time.monotonic()
        first = await store.create(EVENTS + "renewed", event("renewed"))
        await store.create(PODS + "p1", pod("p1"))
        with store.watch(EVENTS, first.revision) as watch:
            await asyncio.sleep(ttl / 2)
            renewed = await store.update(EVENTS + "renewed", event("renewed", count=2))
            await store.create(EVENTS + "single", event("single"))
            await asyncio.sleep(max(0.0, started + ttl * 1.2 - time.monotonic()))
            # past the first write's deadline: the update started its time afresh
            assert store.get(EVENTS + "renewed") is not None
            seen = await take(watch, 4, seconds=ttl * 10)
        deleted = sorted(e.entry.key for e in seen if e.type == "DELETED")
        assert deleted == [EVENTS + "renewed", EVENTS + "single"]
        assert time.monotonic() - started >= ttl * 1.5
        gone = next(e for e in seen if e.entry.key == EVENTS + "renewed" and e.type == "DELETED")
        assert gone.prev is not None and gone.prev.value == renewed.value
        assert store.list(EVENTS).entries == []
        assert store.get(PODS + "p1") is not None  # keys under no TTL prefix stay
    finally:
        await store.close()


async def test_a_reopened_store_gives_each_key_its_full_ttl_again(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = await Store.open(path)  # written with no TTL configured
    await store.create(EVENTS + "old", event("old"))
    await store.close()

    ttl = 0.5
    reopened = await Store.open(path, ttl_by_prefix={EVENTS: ttl})
    try:
        opened = time.monotonic()
        with reopened.watch(EVENTS, reopened.revision) as watch:
            (gone,) = await take(watch, 1, seconds=ttl * 20)
        assert gone.type == "DELETED" and gone.entry.key == EVENTS + "old"
        assert time.monotonic() - opened >= ttl
    finally:
        await reopened.close()


def test_expiries_come_due_in_deadline_order_per_prefix() -> None:
    expiries = Expiries({EVENTS: 10.0, "/events.k8s.io/events/": 5.0})
    expiries.written(EVENTS + "a", 1, now=0.0)
    expiries.written("/events.k8s.io/events/default/b", 2, now=0.0)
    expiries.written(PODS + "p", 3, now=0.0)  # no TTL: not tracked
    assert len(expiries) == 2
    assert expiries.due(4.9) == []
    assert expiries.due(5.0) == [("/events.k8s.io/events/default/b", 2)]
    assert expiries.due(100.0) == [(EVENTS + "a", 1)]
    assert expiries.due(100.0) == []


def test_a_ttl_must_be_positive() -> None:
    with pytest.raises(ValueError, match="more than 0"):
        Expiries({EVENTS: 0})
