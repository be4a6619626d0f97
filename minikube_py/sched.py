"""The scheduler: places every pending pod on a node and binds it, as kube-scheduler does.

It watches pods that have no node yet and name `default-scheduler` (pods for other schedulers,
gated pods and pods being deleted are left alone), and the nodes, claims, volumes and storage
classes that decide where they fit. One task takes pods off the queue one at a time; the
decision itself is synchronous and cheap (see `scheduling/`), and each binding is written in the
background while the next pod is already being placed, as kube-scheduler's binding cycle does.

What users see:
- a bound pod (pods/binding), its PodScheduled condition True, and an Event `Scheduled`
  "Successfully assigned <namespace>/<pod> to <node>";
- a pod that fits nowhere: a PodScheduled=False condition with reason Unschedulable and
  kube-scheduler's message (written only when it changes), and a `FailedScheduling` Warning
  Event with the same message (repeats are counted on one Event). It is retried when a node
  is added or changes, a bound pod goes away, or a claim, volume or class changes, and at the
  latest after 5 minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from minikube_py.apiserver.errors import ApiError
from minikube_py.apiserver.rest import now_rfc3339
from minikube_py.client import Client, EventRecorder, Informer, QueueShutDown, object_key
from minikube_py.resources import Obj, Registry, Resource, clone
from minikube_py.scheduling import MOST_ALLOCATED, plugins
from minikube_py.scheduling.cache import Cache
from minikube_py.scheduling.framework import Framework, Unschedulable
from minikube_py.scheduling.podinfo import PodInfo
from minikube_py.scheduling.queue import SchedulingQueue

log = logging.getLogger(__name__)

SCHEDULER_NAME = "default-scheduler"
# kube-scheduler's pod informer leaves out pods that have terminated: they hold no resources,
# and one that terminates looks like one that went away.
ACTIVE_PODS = "status.phase!=Succeeded,status.phase!=Failed"
FLUSH_INTERVAL = 30.0  # how often long-parked pods are looked at (flushUnschedulablePodsLeftover)
MAX_PARKED = 300.0  # podMaxInUnschedulablePodsDuration
MAX_BINDINGS_IN_FLIGHT = 256  # about one store transaction's worth
# Pods are placed back to back for this long before the loop lets others run: long enough to
# keep up with a burst of creations, far below the 20 ms a stall of the loop may last.
TIME_SLICE = 0.005


class _InformerVolumes:
    """`plugins.Volumes` read from the scheduler's informers."""

    def __init__(self, claims: Informer, volumes: Informer, classes: Informer) -> None:
        self._claims, self._volumes, self._classes = claims, volumes, classes

    def claim(self, namespace: str, name: str) -> Obj | None:
        return self._claims.get(f"{namespace}/{name}")

    def volume(self, name: str) -> Obj | None:
        return self._volumes.get(name)

    def storage_class(self, name: str) -> Obj | None:
        return self._classes.get(name)


class Scheduler:
    """`start()` once the API serves; `stop()` ends scheduling and pending bindings."""

    def __init__(
        self, client: Client, registry: Registry, *, scoring: str = MOST_ALLOCATED
    ) -> None:
        self.client = client
        self.pods_resource = _served(registry, "", "pods")
        self.claims_resource = _served(registry, "", "persistentvolumeclaims")
        informers = client.informers
        self.pods = informers.informer(self.pods_resource, field_selector=ACTIVE_PODS)
        self.nodes = informers.informer(_served(registry, "", "nodes"))
        claims = informers.informer(self.claims_resource)
        volumes = informers.informer(_served(registry, "", "persistentvolumes"))
        classes = informers.informer(_served(registry, "storage.k8s.io", "storageclasses"))
        self._informers = (self.nodes, self.pods, claims, volumes, classes)
        self.pods.add_handler(self._on_pod)
        self.nodes.add_handler(self._on_node)
        for informer in (claims, volumes, classes):
            informer.add_handler(self._on_volume_change)
        self.cache = Cache()
        self.queue = SchedulingQueue()
        self.volume_binding = plugins.VolumeBinding(_InformerVolumes(claims, volumes, classes))
        self.framework = Framework(
            plugins.default_filters(self.volume_binding), plugins.default_scores(scoring)
        )
        self.events = EventRecorder(client, _served(registry, "", "events"), SCHEDULER_NAME)
        self._binding_slots = asyncio.Semaphore(MAX_BINDINGS_IN_FLIGHT)
        self._loops: list[asyncio.Task[None]] = []
        self._tasks: set[asyncio.Task[None]] = set()  # bindings and failure reports

    async def start(self) -> None:
        for informer in self._informers:
            informer.start()
        await asyncio.gather(*(i.wait_synced() for i in self._informers))
        self._loops = [
            asyncio.create_task(self._schedule_pods(), name="scheduler"),
            asyncio.create_task(self._flush_parked(), name="scheduler-flush"),
        ]

    async def stop(self) -> None:
        self.queue.close()
        tasks = [*self._loops, *self._tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for informer in self._informers:
            await informer.stop()

    # ---- informer events: update the cache, (re)queue pods -----------------------------------

    def _on_pod(self, event: str, pod: Obj, old: Obj | None) -> None:
        key, uid = object_key(pod), pod["metadata"].get("uid", "")
        if event == "DELETED":
            self.queue.delete(key)
            if self.cache.remove_pod(uid):
                self.queue.move_parked()  # its resources and host ports are free again
            return
        spec = pod.get("spec") or {}
        node_name = spec.get("nodeName")
        if node_name:
            self.queue.delete(key)  # bound, by us or by someone else
            if self.cache.placed_on(uid) == node_name:
                self.cache.confirm(uid)
            else:
                self.cache.place(PodInfo.from_pod(pod), node_name)
        elif not _ours(pod):
            self.queue.delete(key)
        elif self.cache.placed_on(uid) is None and (
            old is None or _changed_for_scheduling(old, pod)
        ):
            # (A pod we placed whose binding is still being written is not tried again.)
            self.queue.add(key, spec.get("priority") or 0)

    def _on_node(self, event: str, node: Obj, old: Obj | None) -> None:
        if event == "DELETED":
            self.cache.remove_node(node["metadata"]["name"])
        elif self.cache.set_node(node):
            self.queue.move_parked()

    def _on_volume_change(self, event: str, obj: Obj, old: Obj | None) -> None:
        if event != "DELETED":
            self.queue.move_parked()

    # ---- the scheduling loop -----------------------------------------------------------------

    async def _schedule_pods(self) -> None:
        loop = asyncio.get_running_loop()
        slice_ends = loop.time() + TIME_SLICE
        while True:
            await self._binding_slots.acquire()  # before pop: a popped pod is never left waiting
            try:
                key = await self.queue.pop()
            except QueueShutDown:
                return
            try:
                binding = self._schedule_one(key)
            except Exception:
                log.exception("scheduling %s failed; retrying", key)
                self.queue.retry_later(key, 0)
                binding = False
            if not binding:
                self._binding_slots.release()
            if loop.time() >= slice_ends:
                await asyncio.sleep(0)  # let the API, informers and bindings run
                slice_ends = loop.time() + TIME_SLICE

    def _schedule_one(self, key: str) -> bool:
        """One scheduling cycle; True when a binding was started (it holds a binding slot)."""
        pod = self.pods.get(key)
        if pod is None or (pod.get("spec") or {}).get("nodeName") or not _ours(pod):
            self.queue.delete(key)
            return False
        info = PodInfo.from_pod(pod)
        outcome = self.framework.schedule(info, self.cache.node_list())
        if isinstance(outcome, Unschedulable):
            self.queue.park(key)
            self._spawn(self._report_failure(pod, "Unschedulable", outcome.message), key)
            return False
        self.cache.assume(info, outcome.name)
        self.queue.delete(key)
        self._spawn(self._bind(pod, info, outcome.name), key)
        return True

    async def _flush_parked(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            self.queue.flush_parked(MAX_PARKED)

    # ---- binding -----------------------------------------------------------------------------

    async def _bind(self, pod: Obj, info: PodInfo, node_name: str) -> None:
        failure: Exception | None = None
        try:
            await self._provision_claims(info, node_name)
            await self.client.bind(self.pods_resource, info.namespace, info.name, node_name)
        except Exception as exc:
            failure = exc
        finally:
            self._binding_slots.release()
        if failure is not None:
            self.cache.forget(info.uid)
            await self._binding_failed(info, failure)
            return
        message = f"Successfully assigned {info.key} to {node_name}"
        await self.events.record(pod, "Normal", "Scheduled", message)

    async def _provision_claims(self, info: PodInfo, node_name: str) -> None:
        """PreBind: tell the provisioner of each WaitForFirstConsumer claim where the pod goes."""
        for claim in self.volume_binding.claims_to_provision(info, node_name):
            updated = clone(claim)
            annotations = updated["metadata"].setdefault("annotations", {})
            annotations[plugins.SELECTED_NODE] = node_name
            await self.client.update(self.claims_resource, info.namespace, updated)

    async def _binding_failed(self, info: PodInfo, exc: Exception) -> None:
        current = self.pods.get(info.key)
        if (
            current is None
            or current["metadata"].get("uid") != info.uid
            or (current.get("spec") or {}).get("nodeName")
        ):
            return  # deleted meanwhile, or bound by someone else: nothing to retry
        if not isinstance(exc, ApiError):
            log.error("binding %s failed", info.key, exc_info=exc)
        self.queue.retry_later(info.key, info.priority)
        message = f"Binding rejected: {exc.message if isinstance(exc, ApiError) else exc}"
        await self._report_failure(current, "SchedulerError", message)

    # ---- failures ----------------------------------------------------------------------------

    async def _report_failure(self, pod: Obj, reason: str, message: str) -> None:
        await self._set_not_scheduled(pod, reason, message)
        await self.events.record(pod, "Warning", "FailedScheduling", message)

    async def _set_not_scheduled(self, pod: Obj, reason: str, message: str) -> None:
        """PodScheduled=False with the reason and message, written only when it changes."""
        for _ in range(3):  # a pod changed meanwhile is read again
            updated = _with_not_scheduled(pod, reason, message)
            if updated is None:
                return
            try:
                await self.client.update(
                    self.pods_resource, _namespace(pod), updated, subresource="status"
                )
                return
            except ApiError as exc:
                if exc.reason != "Conflict":
                    log.debug("PodScheduled of %s not written: %s", object_key(pod), exc)
                    return
            with contextlib.suppress(ApiError):
                pod = await self.client.get(
                    self.pods_resource, _namespace(pod), pod["metadata"]["name"]
                )

    def _spawn(self, work: Coroutine[Any, Any, None], key: str) -> None:
        task = asyncio.create_task(work, name=f"scheduler {key}")
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("%s failed", task.get_name(), exc_info=exc)


def _served(registry: Registry, group: str, plural: str) -> Resource:
    resource = registry.get(group, "v1", plural)
    if resource is None:
        raise LookupError(f"scheduler: resource {plural} is not served")
    return resource


def _ours(pod: Obj) -> bool:
    """An unbound pod this scheduler should place (the caller checked spec.nodeName)."""
    spec = pod.get("spec") or {}
    return (
        spec.get("schedulerName", SCHEDULER_NAME) == SCHEDULER_NAME
        and not pod["metadata"].get("deletionTimestamp")
        and not spec.get("schedulingGates")
    )


def _changed_for_scheduling(old: Obj, new: Obj) -> bool:
    """isPodUpdated: a change other than status (e.g. our own condition) may change where the
    pod fits."""
    old_labels, new_labels = old["metadata"].get("labels"), new["metadata"].get("labels")
    return old.get("spec") != new.get("spec") or old_labels != new_labels


def _with_not_scheduled(pod: Obj, reason: str, message: str) -> Obj | None:
    """The pod with PodScheduled=False set (UpdatePodCondition), or None if already so or if
    the pod is bound by now."""
    if (pod.get("spec") or {}).get("nodeName"):
        return None
    conditions = (pod.get("status") or {}).get("conditions") or []
    index = next((i for i, c in enumerate(conditions) if c.get("type") == "PodScheduled"), None)
    current: Obj = conditions[index] if index is not None else {}
    if (current.get("status"), current.get("reason"), current.get("message")) == (
        "False",
        reason,
        message,
    ):
        return None
    unchanged = current.get("status") == "False" and current.get("lastTransitionTime")
    condition = {
        "type": "PodScheduled",
        "status": "False",
        "lastProbeTime": None,
        "lastTransitionTime": unchanged or now_rfc3339(),
        "reason": reason,
        "message": message,
    }
    updated = clone(pod)
    new_conditions = updated.setdefault("status", {}).setdefault("conditions", [])
    if index is None:
        new_conditions.append(condition)
    else:
        new_conditions[index] = condition
    return updated


def _namespace(pod: Obj) -> str:
    return str(pod["metadata"].get("namespace", ""))
