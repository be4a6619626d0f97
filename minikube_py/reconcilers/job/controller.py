"""The `JobController`: informers that enqueue keys, and one sync of a Job per key.

A sync creates or deletes pods towards the Job's rules (`rules`), records finished pods in
`status.uncountedTerminatedPods`, releases their tracking finalizer, moves them into the counts,
and writes the conditions; finished pods of a Job that is gone are released too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from minikube_py.apiserver.errors import ApiError
from minikube_py.client import Client, EventRecorder, delete_if_present, object_key
from minikube_py.controllers import Controller
from minikube_py.reconcilers.job.rules import (
    TRACKING_FINALIZER,
    Backoff,
    Sync,
    complete,
    completion_index,
    condition,
    counts_as_failed,
    finished,
    format_indexes,
    has_finalizer,
    indexed,
    move_counted,
    new_condition,
    new_pod,
    parse_indexes,
    past_deadline,
    pending_indexes,
    suspended,
    terminating,
    ttl_remaining,
    wanted_active,
)
from minikube_py.reconcilers.podcontrol import (
    Expectations,
    OwnedIndex,
    PodControl,
    claim,
    controller_of,
    format_time,
    is_active,
    is_conflict,
    is_ready,
    phase,
    pods_to_delete,
    selector_of,
)
from minikube_py.resources import Obj, Registry, clone

log = logging.getLogger(__name__)

KIND = "Job"
ORPHAN_PREFIX = "pod:"  # work-queue keys of finished pods whose Job is gone
RETRY_SECONDS = 0.2


class JobController(Controller):
    """Runs each Job's pods to completion and counts them exactly once."""

    name = "job-controller"
    workers = 2

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.jobs_resource = self.resource("batch", "v1", "jobs")
        self.pods_resource = self.resource("", "v1", "pods")
        self.jobs = self.watch(self.jobs_resource)
        self.jobs.add_handler(self._on_job)
        self.pods = self.watch(self.pods_resource)
        self.pod_index = self.pods.index(OwnedIndex)
        self.pods.add_handler(self._on_pod)
        self.expectations = Expectations()
        self.removals: dict[str, set[str]] = {}  # job key -> uids (finalizer expectations)
        self.backoffs: dict[str, Backoff] = {}
        self.events = EventRecorder(client, self.resource("", "v1", "events"), self.name)
        self.pod_control = PodControl(client, self.pods_resource, self.events)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    # ---- events --------------------------------------------------------------------------

    def _on_job(self, event: str, obj: Obj, old: Obj | None) -> None:
        key = object_key(obj)
        if event == "DELETED":
            self.expectations.forget(key)
            self.removals.pop(key, None)
            self.backoffs.pop(key, None)
            for pod in self.pod_index.owned_by(obj["metadata"]["uid"]):
                if has_finalizer(pod):
                    self.queue.add(ORPHAN_PREFIX + object_key(pod))
            return
        self.queue.add(key)

    def _on_pod(self, event: str, obj: Obj, old: Obj | None) -> None:
        ref = controller_of(obj)
        namespace = obj["metadata"].get("namespace", "")
        if ref is None or ref.get("kind") != KIND:
            if has_finalizer(obj) and event != "DELETED":
                self.queue.add(ORPHAN_PREFIX + object_key(obj))
            if ref is None and event != "DELETED":
                for job in self.jobs.list(namespace):
                    if selector_of(job).matches(obj["metadata"].get("labels")):
                        self.queue.add(object_key(job))
            return
        key = f"{namespace}/{ref['name']}"
        if event == "ADDED":
            self.expectations.creation_observed(key)
        if event == "DELETED" or obj["metadata"].get("deletionTimestamp"):
            self.expectations.deletion_observed(key, object_key(obj))
        if event == "DELETED" or not has_finalizer(obj):
            self.removals.get(key, set()).discard(obj["metadata"]["uid"])
        owner = self.jobs.get(key)
        if owner is None or owner["metadata"]["uid"] != ref.get("uid"):
            if has_finalizer(obj) and event != "DELETED":
                self.queue.add(ORPHAN_PREFIX + object_key(obj))
            return
        self.queue.add(key)

    # ---- reconcile -----------------------------------------------------------------------

    async def reconcile(self, key: str) -> None:
        try:
            if key.startswith(ORPHAN_PREFIX):
                await self._release_orphan(key.removeprefix(ORPHAN_PREFIX))
                return
            job = self.jobs.get(key)
            if job is not None:
                await self.sync(job)
        except ApiError as exc:
            if not is_conflict(exc):
                raise
            self.queue.add_after(key, RETRY_SECONDS)

    async def sync(self, job: Obj) -> None:
        key = object_key(job)
        now = self.clock()
        if finished(job):
            await self._after_finish(job, now)
            return
        pods = await claim(
            self.client, self.pods_resource, job, self.pod_index, owner_resource=self.jobs_resource
        )
        state = Sync(
            job=job,
            status=clone(job.get("status") or {}),
            pods=pods,
            expected_removals=set(self.removals.get(key, set())),
            terminating=sum(terminating(p) for p in pods),
        )
        state.finished_condition = self._finish_by_policy(state, now)
        active_pods = [p for p in pods if is_active(p)]
        active = len(active_pods)
        if state.status.get("startTime") is None and not suspended(job):
            state.status["startTime"] = format_time(now)
        if state.finished_condition is not None:
            deleted = await self._delete_pods(job, active_pods, remove_finalizer=False)
            if deleted != active or not self.expectations.satisfied(key):
                state.finished_condition = None  # pods may remain: finish in a later sync
            active -= deleted
            state.terminating += deleted
        else:
            active = await self._manage(state, active_pods, now)
        state.status["active"] = active
        if not active:
            state.status.pop("active")  # omitempty, as Kubernetes writes it
        state.status["ready"] = sum(is_ready(p) for p in active_pods)
        state.status["terminating"] = state.terminating
        await self._track(state, now)

    def _finish_by_policy(self, state: Sync, now: datetime) -> Obj | None:
        """The condition that ends the Job, if one does: an interim one already written, too
        many failures, or the deadline. Success is decided after managing pods."""
        job = state.job
        if existing := condition(job, "SuccessCriteriaMet"):
            return existing
        if existing := condition(job, "FailureTarget"):
            return existing
        uncounted = (job.get("status") or {}).get("uncountedTerminatedPods") or {}
        counted = set(uncounted.get("failed") or [])
        new_failed = [
            p
            for p in state.tracked()
            if p["metadata"]["uid"] not in counted and counts_as_failed(p, job)
        ]
        failed = int(state.status.get("failed") or 0) + len(counted) + len(new_failed)
        if failed > int(job["spec"].get("backoffLimit", 6)):
            return new_condition(
                "FailureTarget",
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
                now,
            )
        left = past_deadline(job, now)
        if left is not None and left <= timedelta(0):
            return new_condition(
                "FailureTarget",
                "DeadlineExceeded",
                "Job was active longer than specified deadline",
                now,
            )
        if left is not None:
            self.queue.add_after(object_key(job), left.total_seconds())
        return None

    def _succeeded(self, state: Sync) -> tuple[int, set[int]]:
        """Succeeded pods so far (counted, uncounted and new) and, for Indexed, the indexes."""
        job = state.job
        if indexed(job):
            completions = int(job["spec"]["completions"])
            done = parse_indexes(str(state.status.get("completedIndexes") or ""), completions)
            for pod in state.tracked():
                index = completion_index(pod, completions)
                if phase(pod) == "Succeeded" and index is not None:
                    done.add(index)
            return len(done), done
        uncounted = set(state.uncounted.get("succeeded") or [])
        new = [
            p
            for p in state.tracked()
            if phase(p) == "Succeeded" and p["metadata"]["uid"] not in uncounted
        ]
        return int(state.status.get("succeeded") or 0) + len(uncounted) + len(new), set()

    async def _manage(self, state: Sync, active_pods: list[Obj], now: datetime) -> int:
        """manageJob: as many pods as wanted, after the backoff; then success or suspension."""
        job, key = state.job, object_key(state.job)
        active = len(active_pods)
        succeeded, done = self._succeeded(state)
        if self.expectations.satisfied(key) and not job["metadata"].get("deletionTimestamp"):
            active = await self._scale(state, active_pods, succeeded, done, now)
            self._suspension(state, now)
        if complete(job, succeeded=succeeded, active=active):
            state.finished_condition = new_condition(
                "SuccessCriteriaMet",
                "CompletionsReached",
                "Reached expected number of succeeded pods",
                now,
            )
        return active

    async def _scale(
        self, state: Sync, active_pods: list[Obj], succeeded: int, done: set[int], now: datetime
    ) -> int:
        job, key = state.job, object_key(state.job)
        active = len(active_pods)
        if suspended(job):
            return active - await self._delete_pods(job, active_pods, remove_finalizer=True)
        want = wanted_active(job, succeeded=succeeded, active=active)
        if active > want:
            doomed = pods_to_delete(active_pods, active - want, related=state.pods, now=now)
            return active - await self._delete_pods(job, doomed, remove_finalizer=True)
        replacing = state.terminating if job["spec"].get("podReplacementPolicy") == "Failed" else 0
        missing = want - replacing - active
        if missing <= 0:
            return active
        wait = self._pending_backoff(state, now).remaining(now)
        if wait > timedelta(0):
            self.queue.add_after(key, wait.total_seconds())
            return active
        indexes: list[int | None] = [None] * missing
        if indexed(job):
            indexes = list(pending_indexes(job, state.pods, done, missing))
        log.debug("CREATE %d pods for job %s (indexes %s)", len(indexes), key, indexes)
        self.expectations.expect_creations(key, len(indexes))
        for index in indexes:
            try:
                created = await self.client.create(
                    self.pods_resource, job["metadata"]["namespace"], new_pod(job, index)
                )
            except ApiError as exc:
                self.expectations.creation_observed(key)
                await self.events.record(job, "Warning", "FailedCreate", f"Error creating: {exc}")
                raise
            active += 1
            await self.events.record(
                job, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}"
            )
        return active

    def _pending_backoff(self, state: Sync, now: datetime) -> Backoff:
        """The backoff record including pods finished since the last count."""
        uncounted = state.uncounted
        seen = set(uncounted.get("succeeded") or []) | set(uncounted.get("failed") or [])
        fresh = [p for p in state.tracked() if p["metadata"]["uid"] not in seen]
        succeeded = [p for p in fresh if phase(p) == "Succeeded"]
        failed = [p for p in fresh if counts_as_failed(p, state.job)]
        record = self.backoffs.get(object_key(state.job), Backoff())
        return record.after(succeeded, failed, now)

    def _suspension(self, state: Sync, now: datetime) -> None:
        """The Suspended condition, and a fresh startTime on resume."""
        conditions = state.status.setdefault("conditions", [])
        current = next((c for c in conditions if c.get("type") == "Suspended"), None)
        if suspended(state.job):
            if current is None or current.get("status") != "True":
                wanted = new_condition("Suspended", "JobSuspended", "Job suspended", now)
                conditions[:] = [c for c in conditions if c is not current] + [wanted]
        elif current is not None and current.get("status") == "True":
            current.update(
                new_condition("Suspended", "JobResumed", "Job resumed", now), status="False"
            )
            state.status["startTime"] = format_time(now)
        if not conditions:
            state.status.pop("conditions")

    async def _delete_pods(self, job: Obj, pods: list[Obj], *, remove_finalizer: bool) -> int:
        """Delete pods (first releasing their finalizer, when they are not to be counted)."""
        key = object_key(job)
        self.expectations.expect_deletions(key, {object_key(p) for p in pods})
        for pod in pods:
            if remove_finalizer:
                await self._remove_finalizer(pod)
            if not await self.pod_control.delete(job, pod):
                self.expectations.deletion_observed(key, object_key(pod))
        return len(pods)

    # ---- counting ------------------------------------------------------------------------

    async def _track(self, state: Sync, now: datetime) -> None:
        """trackJobStatusAndRemoveFinalizers: uncounted first, finalizers next, counts last."""
        job, key = state.job, object_key(state.job)
        new_record = self._pending_backoff(state, now)  # before these pods become uncounted
        with_finalizer = {p["metadata"]["uid"] for p in state.tracked()}
        move_counted(state.status, with_finalizer)
        releasing = self._collect_uncounted(state)
        final = self._interim_condition(state)
        if state.status != (job.get("status") or {}):
            job = await self._write(job, state.status)
            state.status = clone(job.get("status") or {})
            self.backoffs[key] = new_record
        if releasing:
            self.removals.setdefault(key, set()).update(p["metadata"]["uid"] for p in releasing)
            for pod in releasing:
                if await self._remove_finalizer(pod):
                    with_finalizer.discard(pod["metadata"]["uid"])
        flush_again = move_counted(state.status, with_finalizer)
        done = final is not None and self._enact(state, final, now)
        if flush_again or done:
            await self._write(job, state.status)
        if done and final is not None:
            await self._report(job, final)

    def _collect_uncounted(self, state: Sync) -> list[Obj]:
        """Add finished pods to uncountedTerminatedPods; return those whose finalizer can go."""
        job, uncounted = state.job, state.uncounted
        completions = int(job["spec"].get("completions") or 0)
        done = parse_indexes(str(state.status.get("completedIndexes") or ""), completions)
        failing = state.finished_condition is not None and (
            state.finished_condition["type"] != "SuccessCriteriaMet"
        )
        releasing = []
        for pod in state.tracked():
            uid = pod["metadata"]["uid"]
            failed = counts_as_failed(pod, job)
            if not (
                job["metadata"].get("deletionTimestamp")
                or state.finished_condition is not None
                or phase(pod) == "Succeeded"
                or failed
            ):
                continue
            releasing.append(pod)
            if phase(pod) == "Succeeded" and uid not in (uncounted.get("failed") or []):
                if indexed(job):
                    index = completion_index(pod, completions)
                    if index is not None:
                        done.add(index)
                elif uid not in (uncounted.get("succeeded") or []):
                    uncounted.setdefault("succeeded", []).append(uid)
            elif (
                (failed or failing)
                and uid not in (uncounted.get("failed") or [])
                and (not indexed(job) or completion_index(pod, completions) is not None)
            ):
                uncounted.setdefault("failed", []).append(uid)
        if indexed(job):
            state.status["completedIndexes"] = format_indexes(done)
            if not state.status["completedIndexes"]:
                state.status.pop("completedIndexes")
            state.status["succeeded"] = len(done)
        return releasing

    def _interim_condition(self, state: Sync) -> Obj | None:
        """Write FailureTarget / SuccessCriteriaMet now; return the terminal condition to add
        once every pod is counted and gone."""
        found = state.finished_condition
        if found is None:
            return None
        conditions = state.status.setdefault("conditions", [])
        if not any(c.get("type") == found["type"] for c in conditions):
            conditions.append(found)
        terminal = "Complete" if found["type"] == "SuccessCriteriaMet" else "Failed"
        return {**found, "type": terminal}

    def _enact(self, state: Sync, final: Obj, now: datetime) -> bool:
        """enactJobFinished: the terminal condition, once nothing is uncounted or terminating."""
        uncounted = state.status.get("uncountedTerminatedPods") or {}
        if uncounted.get("succeeded") or uncounted.get("failed") or state.terminating:
            return False
        stamp = format_time(now)
        final = {**final, "lastProbeTime": stamp, "lastTransitionTime": stamp}
        conditions = state.status.setdefault("conditions", [])
        conditions[:] = [c for c in conditions if c.get("type") != final["type"]] + [final]
        if final["type"] == "Complete":
            state.status["completionTime"] = stamp
        return True

    async def _report(self, job: Obj, final: Obj) -> None:
        if final["type"] == "Complete":
            await self.events.record(job, "Normal", "Completed", "Job completed")
        else:
            await self.events.record(job, "Warning", final["reason"], final["message"])

    async def _write(self, job: Obj, status: Obj) -> Obj:
        """Status with the cached resourceVersion: a stale view is refused, never written."""
        updated = {**job, "status": status}
        return await self.client.update(
            self.jobs_resource, job["metadata"]["namespace"], updated, subresource="status"
        )

    # ---- finalizers ----------------------------------------------------------------------

    async def _remove_finalizer(self, pod: Obj) -> bool:
        """Release a pod; True when it no longer holds the finalizer (or is gone)."""
        namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        current = pod
        for _ in range(3):
            if not has_finalizer(current):
                return True
            updated = clone(current)
            updated["metadata"]["finalizers"] = [
                f for f in updated["metadata"]["finalizers"] if f != TRACKING_FINALIZER
            ]
            try:
                await self.client.update(self.pods_resource, namespace, updated)
                return True
            except ApiError as exc:
                if exc.reason == "NotFound":
                    return True
                if exc.reason != "Conflict":
                    raise
            try:
                current = await self.client.get(self.pods_resource, namespace, name)
            except ApiError as exc:
                if exc.reason == "NotFound":
                    return True
                raise
        return False

    async def _release_orphan(self, pod_key: str) -> None:
        """A finalized pod whose Job is gone (or never was) must not stay forever."""
        pod = self.pods.get(pod_key)
        if pod is None or not has_finalizer(pod):
            return
        ref = controller_of(pod)
        if ref is not None and ref.get("kind") == KIND:
            try:
                owner = await self.client.get(
                    self.jobs_resource, pod["metadata"]["namespace"], ref["name"]
                )
                if owner["metadata"]["uid"] == ref.get("uid") and not finished(owner):
                    return  # its Job is alive after all: the Job's sync counts it
            except ApiError as exc:
                if exc.reason != "NotFound":
                    raise
        await self._remove_finalizer(pod)

    async def _after_finish(self, job: Obj, now: datetime) -> None:
        """A finished Job: release leftover pods, then honour ttlSecondsAfterFinished."""
        for pod in self.pod_index.owned_by(job["metadata"]["uid"]):
            if has_finalizer(pod):
                await self._remove_finalizer(pod)
        left = ttl_remaining(job, now)
        if left is None:
            return
        if left > timedelta(0):
            self.queue.add_after(object_key(job), left.total_seconds())
            return
        meta = job["metadata"]
        await delete_if_present(
            self.client,
            self.jobs_resource,
            meta["namespace"],
            meta["name"],
            propagation_policy="Foreground",
        )
