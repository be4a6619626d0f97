"""The store as its callers see it: revisions, preconditions, lists, watches, restarts, crashes."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from minikube_py.store import (
    Backend,
    ConflictError,
    Event,
    ExpiredError,
    FutureRevisionError,
    InvalidContinueTokenError,
    KeyExistsError,
    KeyNotFoundError,
    LoadedLog,
    Row,
    SQLiteBackend,
    Store,
    StoreError,
    StoreOpenError,
    WatcherTooSlowError,
)

PODS = "/core/pods/default/"
WRITER_SCRIPT = Path(__file__).with_name("store_writer.py")
REPO_ROOT = Path(__file__).resolve().parents[2]


def pod(name: str, **fields: Any) -> dict[str, Any]:
    return {"kind": "Pod", "metadata": {"name": name, "namespace": "default"}, **fields}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "store.db")
    yield opened
    await opened.close()


async def take(watch: AsyncIterator[Event], count: int) -> list[Event]:
    async with asyncio.timeout(30):
        return [await anext(watch) for _ in range(count)]


async def run_writer(*args: str) -> list[str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(WRITER_SCRIPT),
        *args,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    return out.decode().splitlines()


# --- writes and preconditions


async def test_create_get_update_delete_stamp_the_revision(store: Store) -> None:
    """Each write gets the next revision, stamped into a copy; the caller's dict is untouched."""
    value = pod("a", spec={"x": 1})
    created = await store.create(PODS + "a", value)
    assert created.revision == created.create_revision == store.revision == 1
    assert created.value["metadata"]["resourceVersion"] == "1"
    assert orjson.loads(created.raw) == created.value
    assert "resourceVersion" not in value["metadata"]
    assert store.get(PODS + "a") == created

    updated = await store.update(PODS + "a", pod("a", spec={"x": 2}))
    assert (updated.revision, updated.create_revision) == (2, 1)
    assert updated.value["metadata"]["resourceVersion"] == "2"

    deleted = await store.delete(PODS + "a", expected_revision=2)
    assert (deleted.revision, deleted.create_revision) == (3, 1)
    assert deleted.value["spec"] == {"x": 2}
    assert deleted.value["metadata"]["resourceVersion"] == "3"
    assert store.get(PODS + "a") is None


async def test_preconditions_raise_typed_errors(store: Store) -> None:
    """AlreadyExists, NotFound and Conflict, with the stored entry on a Conflict."""
    first = await store.create(PODS + "a", pod("a"))
    with pytest.raises(KeyExistsError):
        await store.create(PODS + "a", pod("a"))
    with pytest.raises(KeyNotFoundError):
        await store.update(PODS + "missing", pod("missing"))
    with pytest.raises(KeyNotFoundError):
        await store.delete(PODS + "missing")
    second = await store.update(PODS + "a", pod("a", n=2), expected_revision=first.revision)
    with pytest.raises(ConflictError) as conflict:
        await store.update(PODS + "a", pod("a", n=3), expected_revision=first.revision)
    assert conflict.value.current == second
    with pytest.raises(ConflictError):
        await store.delete(PODS + "a", expected_revision=first.revision)
    assert store.revision == second.revision  # failed writes use no revision


async def test_writes_in_one_batch_are_checked_in_order(store: Store) -> None:
    """Writes submitted together see the earlier writes of their batch."""
    results = await asyncio.gather(
        store.create(PODS + "a", pod("a")),
        store.create(PODS + "a", pod("a")),
        store.update(PODS + "a", pod("a", n=1), expected_revision=1),
        store.delete(PODS + "a", expected_revision=1),
        store.delete(PODS + "a", expected_revision=2),
        store.create(PODS + "a", pod("a", n=2)),
        return_exceptions=True,
    )
    kinds = [type(r).__name__ if isinstance(r, BaseException) else r.revision for r in results]
    assert kinds == [1, "KeyExistsError", 2, "ConflictError", 3, 4]
    recreated = store.get(PODS + "a")
    assert recreated is not None and recreated.create_revision == 4


async def test_a_value_that_is_not_json_fails_only_its_own_write(store: Store) -> None:
    results = await asyncio.gather(
        store.create(PODS + "a", pod("a", bad={1, 2})),
        store.create(PODS + "b", pod("b")),
        return_exceptions=True,
    )
    assert isinstance(results[0], TypeError)
    assert store.get(PODS + "a") is None and store.revision == 1
    with pytest.raises(TypeError):
        await store.create(PODS + "c", ["not", "a", "dict"])  # type: ignore[arg-type]


async def test_fifty_tasks_of_guarded_increments_end_at_exactly_5000(store: Store) -> None:
    """Read-modify-write with revision preconditions never loses an increment."""
    key = PODS + "counter"
    await store.create(key, pod("counter", count=0))

    async def increment_100_times() -> None:
        for _ in range(100):
            while True:
                entry = store.get(key)
                assert entry is not None
                value = {**entry.value, "count": entry.value["count"] + 1}
                try:
                    await store.update(key, value, expected_revision=entry.revision)
                    break
                except ConflictError:
                    continue

    await asyncio.gather(*(increment_100_times() for _ in range(50)))
    final = store.get(key)
    assert final is not None and final.value["count"] == 5000
    assert final.revision == 5001


async def test_a_failed_transaction_fails_its_callers_and_changes_nothing(tmp_path: Path) -> None:
    """A failed commit fails its callers; memory, watches and revisions stay as they were."""
    backend = FlakyBackend(SQLiteBackend(tmp_path / "store.db"))
    store = await Store.open(tmp_path / "store.db", backend=backend)
    try:
        await store.create(PODS + "a", pod("a"))
        watch = store.watch(PODS, store.revision)
        backend.failing = True
        results = await asyncio.gather(
            store.create(PODS + "b", pod("b")),
            store.update(PODS + "a", pod("a", n=1)),
            return_exceptions=True,
        )
        assert all(isinstance(r, StoreError) for r in results)
        assert store.get(PODS + "b") is None and store.revision == 1
        backend.failing = False
        after = await store.create(PODS + "c", pod("c"))
        assert after.revision == 2
        [event] = await take(watch, 1)
        assert event.entry == after
    finally:
        await store.close()


class FlakyBackend:
    """An SQLiteBackend whose appends fail on demand."""

    def __init__(self, inner: SQLiteBackend) -> None:
        self.inner = inner
        self.failing = False

    async def open(self) -> LoadedLog:
        return await self.inner.open()

    async def append(self, rows: Sequence[Row]) -> None:
        if self.failing:
            raise StoreError("disk full")
        await self.inner.append(rows)

    async def compact(self, revision: int) -> None:
        await self.inner.compact(revision)

    async def close(self) -> None:
        await self.inner.close()


_: type[Backend] = FlakyBackend  # the test double satisfies the Backend protocol


# --- lists


async def test_list_and_count_by_prefix(store: Store) -> None:
    for name in ("b", "a", "c"):
        await store.create(PODS + name, pod(name))
    await store.create("/core/pods/other/a", pod("a"))
    await store.create("/core/podsx/default/a", pod("a"))
    listing = store.list(PODS)
    assert [e.key for e in listing.entries] == [PODS + "a", PODS + "b", PODS + "c"]
    assert (listing.revision, listing.continue_token, listing.remaining) == (5, None, 0)
    assert store.count(PODS) == 3
    assert store.count("/core/pods/") == 4
    assert store.count("/") == 5
    assert store.list(PODS + "b").entries == [store.get(PODS + "b")]


async def test_pages_stay_at_the_first_page_revision_while_others_write(store: Store) -> None:
    """No duplicates, no misses, no later changes: the listing as of its first page."""
    names = [f"p{i:03d}" for i in range(200)]
    for name in names:
        await store.create(PODS + name, pod(name))
    expected = [(e.key, e.revision) for e in store.list(PODS).entries]

    async def churn() -> None:
        for i, name in enumerate(names):
            await store.create(PODS + name + "x", pod(name + "x"))  # lands between listed keys
            if i % 3:
                await store.update(PODS + name, pod(name, n=i))
            else:
                await store.delete(PODS + name)

    churning = asyncio.create_task(churn())
    page = store.list(PODS, limit=7)
    first_revision, listed = page.revision, []
    while True:
        listed += [(e.key, e.revision) for e in page.entries]
        assert page.revision == first_revision
        assert page.remaining == len(expected) - len(listed)
        if page.continue_token is None:
            break
        await asyncio.sleep(0.001)  # let the churn commit between pages
        page = store.list(PODS, limit=7, continue_token=page.continue_token)
    churn_revisions = store.revision - first_revision
    await churning
    assert listed == expected
    assert churn_revisions > 20


async def test_list_at_any_retained_revision_matches_what_was_there(store: Store) -> None:
    """Rolling back with the history reproduces every past state, whole and paginated."""
    rng = random.Random(7)
    snapshots: dict[int, list[tuple[str, int]]] = {0: []}
    for _ in range(150):
        name = f"k{rng.randrange(20):02d}"
        if store.get(PODS + name) is None:
            await store.create(PODS + name, pod(name))
        elif rng.random() < 0.3:
            await store.delete(PODS + name)
        else:
            await store.update(PODS + name, pod(name, n=rng.random()))
        await store.create(f"/core/pods/other/{store.revision}", pod("noise"))
        snapshots[store.revision] = [(e.key, e.revision) for e in store.list(PODS).entries]
    for revision, expected in snapshots.items():
        whole = store.list(PODS, revision=revision)
        assert [(e.key, e.revision) for e in whole.entries] == expected
        assert all_pages(store, revision, limit=3) == expected


async def test_superseded_versions_decode_to_the_same_objects(tmp_path: Path) -> None:
    """History keeps superseded versions as bytes; the live state stays decoded and shared."""
    path = tmp_path / "store.db"
    store = await Store.open(path)
    try:
        first = await store.create(PODS + "a", pod("a", spec={"n": 1, "list": [1, {"x": None}]}))
        with store.watch(PODS, first.revision) as live:
            second = await store.update(PODS + "a", pod("a", spec={"n": 2}))
            third = await store.update(PODS + "a", pod("a", spec={"n": 3}))
            live_events = await take(live, 2)
        # Live delivery hands out the decoded versions themselves, prev included.
        assert live_events[0].prev is not None and live_events[0].prev.value is first.value
        assert live_events[1].entry.value is third.value
        # The current state is served from memory: the same dict every time, not a new decode.
        current = store.get(PODS + "a")
        assert current is not None and current.value is third.value
        again = store.get(PODS + "a")
        assert again is not None and again.value is current.value
        assert store.list(PODS).entries[0].value is third.value

        # Superseded versions read back equal to what was written, at every retained revision.
        for version in (first, second):
            (then,) = store.list(PODS, revision=version.revision).entries
            assert then == version
            assert then.value == version.value == orjson.loads(version.raw)
            assert then.raw is version.raw
            assert then.value is not version.value  # kept as bytes only, decoded when read
        with store.watch(PODS, 0) as replay:
            events = await take(replay, 3)
        assert [e.entry.value for e in events] == [first.value, second.value, third.value]
        assert [e.prev and e.prev.value for e in events] == [None, first.value, second.value]
        assert events[2].entry.value is third.value  # the live version is shared, still decoded

        deleted = await store.delete(PODS + "a")
        with store.watch(PODS, third.revision) as replay:
            (gone,) = await take(replay, 1)
        assert gone.type == "DELETED" and gone.entry.value == deleted.value
        assert gone.prev is not None and gone.prev.value == third.value
        recreated = await store.create(PODS + "a", pod("a", spec={"n": 4}))
    finally:
        await store.close()

    reopened = await Store.open(path)  # the rebuilt history is kept the same way
    try:
        current = reopened.get(PODS + "a")
        assert current is not None and current.value == recreated.value
        again = reopened.get(PODS + "a")
        assert again is not None and again.value is current.value
        with reopened.watch(PODS, 0) as replay:
            events = await take(replay, 5)
        assert [e.entry.value for e in events] == [
            first.value,
            second.value,
            third.value,
            deleted.value,
            recreated.value,
        ]
        assert events[4].entry.value is current.value
        (then,) = reopened.list(PODS, revision=second.revision).entries
        assert then == second and then.value == second.value
    finally:
        await reopened.close()


def all_pages(store: Store, revision: int, *, limit: int) -> list[tuple[str, int]]:
    page = store.list(PODS, limit=limit, revision=revision)
    listed: list[tuple[str, int]] = []
    while True:
        listed += [(e.key, e.revision) for e in page.entries]
        assert page.remaining == len(store.list(PODS, revision=revision).entries) - len(listed)
        if page.continue_token is None:
            return listed
        page = store.list(PODS, limit=limit, continue_token=page.continue_token)


async def test_list_refuses_compacted_future_and_foreign_revisions(store: Store) -> None:
    for name in ("a", "b", "c"):
        await store.create(PODS + name, pod(name))
    token = store.list(PODS, limit=1).continue_token
    assert token is not None
    await store.update(PODS + "a", pod("a", n=1))
    await store.compact(store.revision)
    with pytest.raises(ExpiredError) as expired:
        store.list(PODS, limit=1, continue_token=token)
    assert (expired.value.requested, expired.value.compacted) == (3, 4)
    with pytest.raises(ExpiredError):
        store.list(PODS, revision=3)
    with pytest.raises(FutureRevisionError):
        store.list(PODS, revision=5)
    with pytest.raises(InvalidContinueTokenError):
        store.list(PODS, continue_token="not a token")
    fresh = store.list(PODS, limit=1).continue_token
    assert fresh is not None
    with pytest.raises(InvalidContinueTokenError):
        store.list("/core/services/", continue_token=fresh)


# --- watches


async def test_watch_from_a_past_revision_replays_the_missing_events_then_goes_live(
    store: Store,
) -> None:
    for name in ("a", "b", "c"):
        await store.create(PODS + name, pod(name))
    mark = store.revision
    await store.update(PODS + "a", pod("a", n=1))
    await store.create("/core/services/default/s", pod("s"))  # outside the prefix
    await store.delete(PODS + "b")
    watch = store.watch(PODS, mark)
    await store.create(PODS + "d", pod("d"))

    events = await take(watch, 3)
    assert [(e.type, e.entry.key, e.entry.revision) for e in events] == [
        ("MODIFIED", PODS + "a", 4),
        ("DELETED", PODS + "b", 6),
        ("ADDED", PODS + "d", 7),
    ]
    assert events[0].prev is not None and events[0].prev.revision == 1
    assert events[1].entry.value["metadata"]["resourceVersion"] == "6"
    assert events[2].prev is None

    with pytest.raises(TimeoutError):  # a timed-out wait (as the API's bookmarks do) loses nothing
        await asyncio.wait_for(anext(watch), 0.05)
    await store.update(PODS + "d", pod("d", n=1))
    [event] = await take(watch, 1)
    assert event.entry.revision == 8
    watch.close()
    with pytest.raises(StopAsyncIteration):
        await anext(watch)


async def test_watch_from_a_compacted_revision_raises_expired(store: Store) -> None:
    for name in ("a", "b", "c"):
        await store.create(PODS + name, pod(name))
    await store.compact(2)
    with pytest.raises(ExpiredError) as expired:
        store.watch(PODS, 1)
    assert (expired.value.requested, expired.value.compacted) == (1, 2)
    with store.watch(PODS, 2) as watch:
        [event] = await take(watch, 1)
        assert event.entry.revision == 3


async def test_watches_end_when_the_store_closes(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "store.db")
    await store.create(PODS + "a", pod("a"))
    watch = store.watch(PODS, 0)
    waiting = asyncio.create_task(take(watch, 2))
    await asyncio.sleep(0.01)
    await store.close()
    with pytest.raises(StopAsyncIteration):
        await waiting
    with pytest.raises(StoreError):
        await store.create(PODS + "b", pod("b"))


async def test_hundred_watchers_each_receive_ten_thousand_events_in_order(store: Store) -> None:
    start = store.revision
    watches = [store.watch("/core/pods/", start) for _ in range(100)]

    async def revisions_seen(watch: AsyncIterator[Event]) -> list[int]:
        return [event.entry.revision for event in await take(watch, 10_000)]

    seen = [asyncio.create_task(revisions_seen(watch)) for watch in watches]

    async def write(first: int) -> None:
        for i in range(first, 10_000, 50):
            await store.create(f"/core/pods/ns{i % 7}/p{i}", pod(f"p{i}"))

    await asyncio.gather(*(write(i) for i in range(50)))
    expected = list(range(start + 1, start + 10_001))
    for received in await asyncio.gather(*seen):
        assert received == expected


async def test_a_slow_watcher_is_cut_off_while_writers_and_others_go_on(store: Store) -> None:
    slow = store.watch(PODS, 0, buffer=10)
    fast = store.watch(PODS, 0, buffer=50)
    received = asyncio.create_task(take(fast, 500))

    async def write(first: int) -> None:
        for i in range(first, 500, 20):
            await store.create(PODS + f"p{i}", pod(f"p{i}"))

    async with asyncio.timeout(10):  # the writers never wait for the slow watcher
        await asyncio.gather(*(write(i) for i in range(20)))
    assert [e.entry.revision for e in await received] == list(range(1, 501))
    with pytest.raises(WatcherTooSlowError):
        await anext(slow)
    with pytest.raises(StopAsyncIteration):
        await anext(slow)


# --- on disk: restarts, crashes, compaction, open errors


async def test_a_new_process_sees_the_same_state_and_continues_the_revisions(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.db"
    store = await Store.open(path)
    for name in ("a", "b", "c"):
        await store.create(PODS + name, pod(name, spec={"n": name}))
    await store.update(PODS + "a", pod("a", spec={"n": "A"}))
    await store.delete(PODS + "b")
    expected = {
        e.key: [e.revision, e.create_revision, e.raw.decode()] for e in store.list("/").entries
    }
    revision = store.revision
    await store.close()

    state_line, created_line = await run_writer("reopen", str(path), PODS + "later")
    assert orjson.loads(state_line) == {"revision": revision, "entries": expected}
    assert int(created_line) == revision + 1

    reopened = await Store.open(path)
    try:
        assert reopened.revision == revision + 1
        later = reopened.get(PODS + "later")
        assert later is not None and later.revision == revision + 1
        with reopened.watch(PODS, 1) as watch:  # history survives the restart
            events = await take(watch, 5)
        assert [(e.type, e.entry.revision) for e in events] == [
            ("ADDED", 2),
            ("ADDED", 3),
            ("MODIFIED", 4),
            ("DELETED", 5),
            ("ADDED", 6),
        ]
    finally:
        await reopened.close()


@pytest.mark.slow
async def test_sigkill_loses_no_acknowledged_write_and_reuses_no_revision(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.db"
    acknowledged: dict[int, tuple[str, str]] = {}
    rng = random.Random()
    for _ in range(20):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(WRITER_SCRIPT),
            "crash",
            str(path),
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )
        assert process.stdout is not None
        ready, opened_at = (await process.stdout.readline()).split()
        assert ready == b"ready"
        assert int(opened_at) >= max(acknowledged, default=0)  # nothing acknowledged was lost
        output = asyncio.create_task(process.stdout.read())
        await asyncio.sleep(rng.uniform(0.05, 0.3))
        process.send_signal(signal.SIGKILL)
        lines = (await output).decode().split("\n")[:-1]  # drop a half-written last line
        await process.wait()
        for line in lines:
            revision, event_type, key = line.split()
            assert int(revision) > int(opened_at) and int(revision) not in acknowledged
            acknowledged[int(revision)] = (event_type, key)
    assert len(acknowledged) > 100

    store = await Store.open(path)
    try:
        with store.watch("/", 0) as watch:
            history = await take(watch, store.revision)
        logged = {e.entry.revision: (e.type, e.entry.key) for e in history}
        assert [e.entry.revision for e in history] == list(range(1, store.revision + 1))
        assert {r: logged[r] for r in acknowledged} == acknowledged
    finally:
        await store.close()


async def test_compaction_keeps_the_latest_rows_and_the_revision_counter(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = await Store.open(path)
    for name in ("a", "b", "c"):
        await store.create(PODS + name, pod(name))
    for n in range(5):
        await store.update(PODS + "a", pod("a", n=n))
    await store.delete(PODS + "b")
    state = store.list("/").entries
    await store.compact(store.revision)
    assert store.compacted_revision == store.revision == 9
    await store.close()
    assert log_rows(path) == [(3, PODS + "c"), (8, PODS + "a")]

    store = await Store.open(path)
    assert (store.revision, store.compacted_revision) == (9, 9)
    assert store.list("/").entries == state
    for entry in state:
        await store.delete(entry.key)
    await store.compact(store.revision)  # nothing left in the log at all
    await store.close()
    assert log_rows(path) == []

    store = await Store.open(path)
    try:
        assert store.revision == 11
        assert (await store.create(PODS + "a", pod("a"))).revision == 12
    finally:
        await store.close()


def log_rows(path: Path) -> list[tuple[int, str]]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT revision, key FROM log ORDER BY revision").fetchall()
    finally:
        db.close()


async def test_background_compaction_keeps_the_newest_revisions(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "store.db", history_seconds=0, history_min_revisions=5)
    try:
        await store.create(PODS + "a", pod("a"))
        for n in range(19):
            await store.update(PODS + "a", pod("a", n=n))
        async with asyncio.timeout(5):
            while store.compacted_revision < 15:
                await asyncio.sleep(0.02)
        assert store.compacted_revision == 15
        with store.watch(PODS, 15) as watch:
            assert [e.entry.revision for e in await take(watch, 5)] == [16, 17, 18, 19, 20]
    finally:
        await store.close()


async def test_durability_full_stores_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = await Store.open(path, durability="full")
    created = await asyncio.gather(*(store.create(PODS + f"p{i}", pod(f"p{i}")) for i in range(50)))
    await store.close()
    store = await Store.open(path, durability="full")
    try:
        assert store.list(PODS).entries == sorted(created, key=lambda e: e.key)
    finally:
        await store.close()
    with pytest.raises(ValueError):
        await Store.open(path, durability="sometimes")


async def test_an_unknown_schema_version_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    await (await Store.open(path)).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = 99 WHERE name = 'schema_version'")
    db.commit()
    db.close()
    with pytest.raises(StoreOpenError) as refused:
        await Store.open(path)
    assert str(path) in str(refused.value)
    assert "schema version 99" in str(refused.value)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(os.urandom(16384), id="random-bytes"),
        pytest.param(b"SQLite format 3\x00" + b"\xff" * 4000, id="damaged-header"),
    ],
)
async def test_a_corrupt_file_is_refused_naming_the_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "store.db"
    path.write_bytes(content)
    with pytest.raises(StoreOpenError) as refused:
        await Store.open(path)
    assert str(path) in str(refused.value)
    assert "move it aside" in str(refused.value)


async def test_a_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE things (x)")
    db.close()
    with pytest.raises(StoreOpenError, match="not a minikube_py store"):
        await Store.open(path)


async def test_a_file_in_use_is_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(StoreOpenError, match="another process"):
        await Store.open(tmp_path / "store.db")
    assert (await store.create(PODS + "a", pod("a"))).revision == 1  # the owner is unaffected
