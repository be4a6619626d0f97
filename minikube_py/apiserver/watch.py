"""Watch streaming: chunked JSON lines, one per event, spliced from the stored bytes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson
from aiohttp import web

from minikube_py.apiserver.errors import ApiError
from minikube_py.apiserver.rest import selected
from minikube_py.apiserver.selectors import FieldSelector, LabelSelector
from minikube_py.apiserver.tables import table
from minikube_py.resources import Obj, Resource
from minikube_py.store import Entry, Event, ExpiredError, Store, Watch, WatcherTooSlowError

MAX_WATCH_SECONDS = 1800  # the real server's cap is a random 30-60 min; clients re-watch
BOOKMARK_INTERVAL = 30.0
INITIAL_EVENTS_CHUNK = 500
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


@dataclass(slots=True)
class WatchOptions:
    resource_version: str = ""
    timeout_seconds: int | None = None
    bookmarks: bool = False
    send_initial_events: bool | None = None
    label_selector: LabelSelector | None = None
    field_selector: FieldSelector | None = None
    as_table: bool = False
    include_object: str = "Metadata"


def visible_type(event: Event, matches: Callable[[Obj], bool]) -> str | None:
    """The event type a filtered watcher sees: objects leaving its selector are DELETED to it."""
    now_matches = matches(event.entry.value)
    if event.type == "DELETED":
        return "DELETED" if now_matches else None
    was_matching = event.prev is not None and matches(event.prev.value)
    if now_matches:
        return "MODIFIED" if was_matching else "ADDED"
    return "DELETED" if was_matching else None


class WatchStream:
    """One client's watch: initial state (when asked for), then live events, until timeout."""

    def __init__(
        self,
        store: Store,
        resource: Resource,
        namespace: str | None,
        options: WatchOptions,
    ) -> None:
        self.store = store
        self.resource = resource
        self.prefix = resource.key_prefix(namespace if resource.namespaced else None)
        self.options = options
        self.columns_sent = False

    async def serve(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        timeout = min(self.options.timeout_seconds or MAX_WATCH_SECONDS, MAX_WATCH_SECONDS)
        with contextlib.suppress(TimeoutError, ConnectionError, asyncio.CancelledError):
            async with asyncio.timeout(timeout):
                await self._stream(response)
        with contextlib.suppress(ConnectionError):
            await response.write_eof()
        return response

    async def _stream(self, response: web.StreamResponse) -> None:
        start = self._start_revision()
        if start is None:  # initial events: the current state first
            listing = self.store.list(self.prefix)
            start = listing.revision
            await self._send_initial(response, listing.entries, start)
        try:
            watch = self.store.watch(self.prefix, start)
        except ExpiredError as exc:
            await response.write(self._error_line(exc))
            return
        with watch:
            await self._send_live(response, watch)

    def _start_revision(self) -> int | None:
        """The revision to watch after, or None when the current state must be sent first."""
        rv = self.options.resource_version
        if self.options.send_initial_events:
            return None
        if self.options.send_initial_events is None and rv in ("", "0"):
            return None
        if rv in ("", "0"):
            return self.store.revision
        return int(rv)

    async def _send_initial(
        self, response: web.StreamResponse, entries: list[Entry], revision: int
    ) -> None:
        selected = [e for e in entries if self._matches(e.value)]
        for start in range(0, len(selected), INITIAL_EVENTS_CHUNK):
            chunk = selected[start : start + INITIAL_EVENTS_CHUNK]
            await response.write(b"".join(self._line("ADDED", e) for e in chunk))
        if self.options.send_initial_events:
            await response.write(self._bookmark_line(revision, initial_events_end=True))

    async def _send_live(self, response: web.StreamResponse, watch: Watch) -> None:
        iterator = aiter(watch)
        while True:
            try:
                event = await asyncio.wait_for(anext(iterator), BOOKMARK_INTERVAL)
            except TimeoutError:
                if self.options.bookmarks:
                    await response.write(self._bookmark_line(self.store.revision))
                continue
            except (StopAsyncIteration, WatcherTooSlowError):
                return  # the client re-watches from its last revision
            line = self._event_line(event)
            if line:
                await response.write(line)

    def _event_line(self, event: Event) -> bytes | None:
        event_type = visible_type(event, self._matches)
        return self._line(event_type, event.entry) if event_type else None

    def _matches(self, obj: Obj) -> bool:
        return selected(obj, self.options.label_selector, self.options.field_selector)

    def _line(self, event_type: str, entry: Entry) -> bytes:
        body = orjson.dumps(self._table([entry.value])) if self.options.as_table else entry.raw
        return b'{"type":"' + event_type.encode() + b'","object":' + body + b"}\n"

    def _table(self, objects: Iterable[Obj]) -> Obj:
        with_columns = not self.columns_sent
        self.columns_sent = True
        return table(
            self.resource,
            objects,
            include_object=self.options.include_object,
            list_meta={"resourceVersion": ""},
            with_columns=with_columns,
        )

    def _bookmark_line(self, revision: int, initial_events_end: bool = False) -> bytes:
        meta: Obj = {"resourceVersion": str(revision)}
        if initial_events_end:
            meta["annotations"] = {INITIAL_EVENTS_END: "true"}
        body = {
            "kind": self.resource.kind,
            "apiVersion": self.resource.api_version,
            "metadata": meta,
        }
        return orjson.dumps({"type": "BOOKMARK", "object": body}) + b"\n"

    def _error_line(self, exc: ExpiredError) -> bytes:
        error = ApiError("Expired", f"too old resource version: {exc.requested} ({exc.compacted})")
        return orjson.dumps({"type": "ERROR", "object": error.status()}) + b"\n"
