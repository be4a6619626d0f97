"""The EventRecorder: components record core/v1 Events about the objects they act on.

Import it from `minikube_py.client`.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

from minikube_py.apiserver.errors import ApiError
from minikube_py.resources import Obj, Resource

if TYPE_CHECKING:
    from minikube_py.client import Client

log = logging.getLogger(__name__)
EVENT_CACHE_SIZE = 4096  # recent Events an EventRecorder remembers to count repeats


class EventRecorder:
    """Records core/v1 Events about objects, counting repeats as real components do.

    Like client-go's event correlator it remembers of each recent Event only its name and count,
    and records a repeat as a patch of count and lastTimestamp: a recorder per node must not
    hold thousands of whole Events.
    """

    def __init__(self, client: Client, events: Resource, component: str, host: str = "") -> None:
        self.client = client
        self.events = events
        self.component = component
        self.host = host
        # (uid, type, reason, message) -> (the Event's name, its count)
        self._seen: OrderedDict[tuple[str, str, str, str], tuple[str, int]] = OrderedDict()

    async def record(self, obj: Obj, event_type: str, reason: str, message: str) -> None:
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        identity = (meta.get("uid", ""), event_type, reason, message)
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        previous = self._seen.pop(identity, None)  # back in below, as the newest
        try:
            recorded = None if previous is None else await self._repeat(previous, namespace, now)
            if recorded is None:  # new, or its Event is gone (expired, deleted): a fresh one
                event = self._new_event(obj, namespace, event_type, reason, message, now)
                created = await self.client.create(self.events, namespace, event)
                recorded = (created["metadata"]["name"], 1)
        except ApiError as exc:
            log.debug("could not record event %s on %s: %s", reason, meta.get("name"), exc)
            return
        self._seen[identity] = recorded
        if len(self._seen) > EVENT_CACHE_SIZE:  # the oldest repeat counts start afresh
            self._seen.popitem(last=False)

    async def _repeat(
        self, previous: tuple[str, int], namespace: str, now: str
    ) -> tuple[str, int] | None:
        """Count one more of a recorded Event; None when that Event is gone."""
        name, count = previous[0], previous[1] + 1
        repeat = {"count": count, "lastTimestamp": now}
        try:
            await self.client.merge_patch(self.events, namespace, name, repeat)
        except ApiError as exc:
            if exc.reason != "NotFound":
                raise
            return None
        return name, count

    def _new_event(
        self, obj: Obj, namespace: str, event_type: str, reason: str, message: str, now: str
    ) -> Obj:
        meta = obj["metadata"]
        return {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{meta['name']}.{time.time_ns():x}", "namespace": namespace},
            "involvedObject": {
                "kind": obj.get("kind"),
                "namespace": meta.get("namespace"),
                "name": meta["name"],
                "uid": meta.get("uid"),
                "apiVersion": obj.get("apiVersion"),
                "resourceVersion": meta.get("resourceVersion"),
            },
            "reason": reason,
            "message": message,
            "source": {"component": self.component, **({"host": self.host} if self.host else {})},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": event_type,
            "reportingComponent": self.component,
            "reportingInstance": self.host,
        }
