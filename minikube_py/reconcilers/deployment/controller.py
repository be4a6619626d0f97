"""The `DeploymentController`: informers that enqueue keys, and one step of a rollout per sync.

It reads the cached Deployment and its ReplicaSets, plans the step with `rollout` and `status`,
and makes the writes: ReplicaSets created and resized, old ones cleaned up, the Deployment's
revision annotation and its status.
"""

from __future__ import annotations

from datetime import UTC, datetime

from minikube_py.apiserver.errors import ApiError
from minikube_py.client import Client, EventRecorder, delete_if_present, object_key
from minikube_py.controllers import Controller
from minikube_py.reconcilers.deployment.rollout import (
    DESIRED_REPLICAS,
    REVISION,
    active,
    active_or_latest,
    annotation,
    count,
    created,
    equal_ignore_hash,
    find_new,
    generation,
    is_rolling,
    is_saturated,
    max_revision,
    new_replica_set,
    new_rs_target,
    old_scale_downs,
    proportional_sizes,
    replicas,
    revision,
    set_new_rs_annotations,
    set_replicas_annotations,
    total,
)
from minikube_py.reconcilers.deployment.status import (
    FOUND_NEW_RS,
    NEW_RS_CREATED,
    PAUSED,
    PROGRESSING,
    RESUMED,
    RS_CREATE_ERROR,
    TIMED_OUT,
    complete,
    condition,
    deployment_status,
    get_condition,
    has_deadline,
    progress_check_delay,
    rollout_status,
    set_condition,
)
from minikube_py.reconcilers.podcontrol import (
    OwnedIndex,
    claim,
    controller_of,
    is_conflict,
    is_terminal,
    labels_of,
    namespace_terminating,
    selector_of,
)
from minikube_py.resources import Obj, Registry, clone

RETRY_SECONDS = 0.2  # after a write lost a race with our own lagging cache


class DeploymentController(Controller):
    """Rolls each Deployment's ReplicaSets towards its template and replica count."""

    name = "deployment-controller"
    workers = 5

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.deployments_resource = self.resource("apps", "v1", "deployments")
        self.rs_resource = self.resource("apps", "v1", "replicasets")
        self.deployments = self.watch(self.deployments_resource)
        self.deployments.add_handler(lambda event, obj, old: self.queue.add(object_key(obj)))
        self.replica_sets = self.watch(self.rs_resource)
        self.rs_index = self.replica_sets.index(OwnedIndex)
        self.replica_sets.add_handler(self._on_replica_set)
        pods = self.watch(self.resource("", "v1", "pods"))
        # pods by ReplicaSet: Recreate waits for old ones to go
        self.pod_index = pods.index(OwnedIndex)
        pods.add_handler(self._on_pod)
        self.events = EventRecorder(client, self.resource("", "v1", "events"), self.name)

    # ---- events: only enqueue keys -----------------------------------------------------------

    def _on_replica_set(self, event: str, rs: Obj, old: Obj | None) -> None:
        for obj in (rs, old):
            key = self._deployment_key(obj) if obj is not None else None
            if key is not None:
                self.queue.add(key)
        released = old is not None and controller_of(old) is not None
        changed = old is None or released or labels_of(old) != labels_of(rs)
        if controller_of(rs) is None and event != "DELETED" and changed:
            for d in self.deployments.list(rs["metadata"]["namespace"]):
                if selector_of(d).matches(labels_of(rs)):
                    self.queue.add(object_key(d))  # an orphan to adopt

    def _on_pod(self, event: str, pod: Obj, old: Obj | None) -> None:
        """A Recreate rollout waits until the old pods are gone."""
        ref = controller_of(pod)
        if event != "DELETED" or ref is None or ref.get("kind") != "ReplicaSet":
            return
        rs = self.replica_sets.get(f"{pod['metadata']['namespace']}/{ref.get('name')}")
        key = self._deployment_key(rs) if rs is not None else None
        d = self.deployments.get(key) if key is not None else None
        if key is not None and d is not None and not is_rolling(d):
            self.queue.add(key)

    def _deployment_key(self, obj: Obj) -> str | None:
        """The key of the cached Deployment that controls `obj`."""
        ref = controller_of(obj)
        if ref is None or ref.get("kind") != "Deployment":
            return None
        key = f"{obj['metadata']['namespace']}/{ref.get('name')}"
        d = self.deployments.get(key)
        return key if d is not None and d["metadata"]["uid"] == ref.get("uid") else None

    # ---- sync --------------------------------------------------------------------------------

    async def reconcile(self, key: str) -> None:
        cached = self.deployments.get(key)
        if cached is None:
            return
        try:
            await self.sync(clone(cached))
        except ApiError as exc:
            if not is_conflict(exc):
                raise
            self.queue.add_after(key, RETRY_SECONDS)

    async def sync(self, d: Obj) -> None:
        """syncDeployment; `d` is a private copy that follows every write."""
        rss = await claim(
            self.client,
            self.rs_resource,
            d,
            self.rs_index,
            owner_resource=self.deployments_resource,
        )
        if d["metadata"].get("deletionTimestamp"):  # syncStatusOnly
            new, olds = await self._new_and_old(d, rss)
            await self._write_status(d, deployment_status(d, _with(olds, new), new, _now()))
            return
        await self._note_pause(d)
        new, olds = await self._new_and_old(d, rss)
        if d["spec"].get("paused") or self._scaled(d, [*olds, new]):
            await self._scale(d, new, olds)
        elif is_rolling(d):
            await self._roll(d, new, olds)
        else:
            await self._recreate(d, new, olds)

    def _scaled(self, d: Obj, rss: list[Obj | None]) -> bool:
        """isScalingEvent: an active ReplicaSet was sized for another spec.replicas."""
        sized_for = (annotation(rs, DESIRED_REPLICAS) for rs in active(rss))
        return any(size.isdigit() and int(size) != replicas(d) for size in sized_for)

    async def _note_pause(self, d: Obj) -> None:
        """checkPausedConditions: Progressing is Unknown while paused, so that the time spent
        paused never counts against the progress deadline."""
        if d["spec"].get("progressDeadlineSeconds") is None:
            return
        current = get_condition(d.get("status") or {}, PROGRESSING)
        if current is not None and current.get("reason") == TIMED_OUT:
            return
        noted = current is not None and current.get("reason") == PAUSED
        paused = bool(d["spec"].get("paused"))
        if paused == noted:
            return
        reason, message = (
            (PAUSED, "Deployment is paused") if paused else (RESUMED, "Deployment is resumed")
        )
        status = clone(d.get("status") or {})
        set_condition(status, condition(PROGRESSING, "Unknown", reason, message, _now()))
        await self._write_status(d, status)

    # ---- the new and the old ReplicaSets -----------------------------------------------------

    async def _new_and_old(self, d: Obj, rss: list[Obj]) -> tuple[Obj | None, list[Obj]]:
        """getAllReplicaSetsAndSyncRevision without creating: the new ReplicaSet (its revision
        and annotations brought up to date) and the old ones."""
        new = find_new(d, rss)
        olds = [rs for rs in rss if rs is not new]
        if new is not None:
            new = await self._sync_new(d, new, max_revision(olds) + 1)
        return new, olds

    async def _sync_new(self, d: Obj, new: Obj, next_revision: int) -> Obj:
        """Bring the new ReplicaSet's annotations and minReadySeconds up to date, then the
        Deployment's revision and (if it has none) its Progressing condition."""
        updated = clone(new)
        min_ready = int(d["spec"].get("minReadySeconds") or 0)
        annotated = set_new_rs_annotations(d, updated, next_revision, exists=True)
        if annotated or int(new["spec"].get("minReadySeconds") or 0) != min_ready:
            if min_ready or "minReadySeconds" in updated["spec"]:
                updated["spec"]["minReadySeconds"] = min_ready
            return await self.client.update(self.rs_resource, d["metadata"]["namespace"], updated)
        await self._set_revision(d, annotation(new, REVISION))
        if has_deadline(d) and get_condition(d.get("status") or {}, PROGRESSING) is None:
            message = f'Found new replica set "{new["metadata"]["name"]}"'
            status = clone(d.get("status") or {})
            set_condition(status, condition(PROGRESSING, "True", FOUND_NEW_RS, message, _now()))
            await self._write_status(d, status)
        return new

    async def _create_new(self, d: Obj, olds: list[Obj]) -> Obj:
        """Create the ReplicaSet of the Deployment's template with the next revision."""
        next_revision = max_revision(olds) + 1
        rs = new_replica_set(d, olds, next_revision)
        name = rs["metadata"]["name"]
        try:
            created = await self.client.create(self.rs_resource, d["metadata"]["namespace"], rs)
        except ApiError as exc:
            if exc.reason != "AlreadyExists":
                await self._report_create_failure(d, name, exc)
                raise
            existing = await self._existing_new(d, name, exc)
            await self._set_revision(d, str(next_revision))
            return existing
        if replicas(created) > 0:
            message = f"Scaled up replica set {name} from 0 to {replicas(created)}"
            await self.events.record(d, "Normal", "ScalingReplicaSet", message)
        await self._set_revision(d, str(next_revision))
        if has_deadline(d):
            message = f'Created new replica set "{name}"'
            status = clone(d.get("status") or {})
            set_condition(status, condition(PROGRESSING, "True", NEW_RS_CREATED, message, _now()))
            await self._write_status(d, status)
        return created

    async def _existing_new(self, d: Obj, name: str, exc: ApiError) -> Obj:
        """The name is taken: ours (a lagging cache), or a hash collision, which bumps
        status.collisionCount so that the next sync tries another name."""
        existing = await self.client.get(self.rs_resource, d["metadata"]["namespace"], name)
        ref = controller_of(existing)
        if (
            ref is not None
            and ref.get("uid") == d["metadata"]["uid"]
            and equal_ignore_hash(d["spec"]["template"], existing["spec"]["template"])
        ):
            return existing
        status = clone(d.get("status") or {})
        status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
        await self._write_status(d, status)
        raise exc

    async def _report_create_failure(self, d: Obj, name: str, exc: ApiError) -> None:
        if namespace_terminating(exc):
            return
        message = f'Failed to create new replica set "{name}": {exc}'
        if has_deadline(d):
            status = clone(d.get("status") or {})
            set_condition(status, condition(PROGRESSING, "False", RS_CREATE_ERROR, message, _now()))
            await self._write_status(d, status)
        await self.events.record(d, "Warning", RS_CREATE_ERROR, message)

    # ---- steps -------------------------------------------------------------------------------

    async def _scale(self, d: Obj, new: Obj | None, olds: list[Obj]) -> None:
        """sync: a paused or scaled Deployment is resized without a rollout step."""
        target = active_or_latest(new, olds)
        if target is not None:
            await self._resize(d, target, replicas(d))
        elif is_saturated(d, new):
            for old in active(olds):
                await self._resize(d, old, 0)
        elif is_rolling(d):
            direction, sizes = proportional_sizes(d, active([*olds, new]))
            for rs, size in sizes:
                await self._scale_rs(d, rs, size, direction)
        if d["spec"].get("paused"):
            await self._clean_up(d, olds)
        await self._write_status(d, deployment_status(d, _with(olds, new), new, _now()))

    async def _roll(self, d: Obj, new: Obj | None, olds: list[Obj]) -> None:
        """rolloutRolling: grow the new ReplicaSet, else shrink old ones, else clean up."""
        if new is None:
            new = await self._create_new(d, olds)
        target = new_rs_target(d, [*olds, new], new)
        if target != replicas(new):
            new = await self._resize(d, new, target)
        elif sizes := old_scale_downs(d, new, olds):
            olds = [
                await self._resize(d, rs, sizes[rs["metadata"]["name"]])
                if rs["metadata"]["name"] in sizes
                else rs
                for rs in olds
            ]
        elif complete(d, d.get("status") or {}):
            await self._clean_up(d, olds)
        await self._sync_rollout(d, [*olds, new], new)

    async def _recreate(self, d: Obj, new: Obj | None, olds: list[Obj]) -> None:
        """rolloutRecreate: old ReplicaSets to 0, wait for their pods to go, then the new one."""
        if active(olds):
            olds = [await self._resize(d, rs, 0) for rs in olds]
        elif not self._old_pods_running(olds):
            if new is None:
                new = await self._create_new(d, olds)
            new = await self._resize(d, new, replicas(d))
            if complete(d, d.get("status") or {}):
                await self._clean_up(d, olds)
        await self._sync_rollout(d, _with(olds, new), new)

    def _old_pods_running(self, olds: list[Obj]) -> bool:
        """oldPodsRunning: an old ReplicaSet counts pods, or a pod of one has not finished."""
        if total(olds, "replicas"):
            return True
        return any(
            not is_terminal(pod)
            for rs in olds
            for pod in self.pod_index.owned_by(rs["metadata"]["uid"])
        )

    async def _clean_up(self, d: Obj, olds: list[Obj]) -> None:
        """cleanupDeployment: delete the oldest ReplicaSets without pods beyond
        revisionHistoryLimit."""
        limit = d["spec"].get("revisionHistoryLimit")
        alive = [rs for rs in olds if not rs["metadata"].get("deletionTimestamp")]
        if limit is None or len(alive) <= limit:
            return
        oldest = sorted(alive, key=lambda rs: (revision(rs), *created(rs)))
        for rs in oldest[: len(alive) - int(limit)]:
            observed = count(rs, "observedGeneration") >= generation(rs)
            if count(rs, "replicas") or replicas(rs) or not observed:
                continue
            namespace = rs["metadata"]["namespace"]
            await delete_if_present(
                self.client, self.rs_resource, namespace, rs["metadata"]["name"]
            )

    # ---- writes ------------------------------------------------------------------------------

    async def _resize(self, d: Obj, rs: Obj, size: int) -> Obj:
        """scaleReplicaSetAndRecordEvent: resize `rs` if its size differs."""
        if replicas(rs) == size:
            return rs
        return await self._scale_rs(d, rs, size, "up" if size > replicas(rs) else "down")

    async def _scale_rs(self, d: Obj, rs: Obj, size: int, direction: str) -> Obj:
        """scaleReplicaSet: set the size and the sizes it is meant for; an Event if it grew
        or shrank."""
        updated = clone(rs)
        updated["spec"]["replicas"] = size
        if not set_replicas_annotations(d, updated) and size == replicas(rs):
            return rs
        result = await self.client.update(self.rs_resource, rs["metadata"]["namespace"], updated)
        if size != replicas(rs):
            name, before = rs["metadata"]["name"], replicas(rs)
            message = f"Scaled {direction} replica set {name} from {before} to {size}"
            await self.events.record(d, "Normal", "ScalingReplicaSet", message)
        return result

    async def _set_revision(self, d: Obj, value: str) -> None:
        """The Deployment carries its new ReplicaSet's revision. (The real controller writes it
        with the status; here a status write changes nothing but the status.)"""
        annotations = d["metadata"].setdefault("annotations", {})
        if not value or annotations.get(REVISION) == value:
            return
        annotations[REVISION] = value
        stored = await self.client.update(self.deployments_resource, d["metadata"]["namespace"], d)
        _follow(d, stored)

    async def _sync_rollout(self, d: Obj, rss: list[Obj], new: Obj | None) -> None:
        """syncRolloutStatus, and a later look for a rollout that may miss its deadline."""
        now = _now()
        status = rollout_status(d, rss, new, now)
        if status != d.get("status"):
            await self._write_status(d, status)
            return
        delay = progress_check_delay(d, status, now)
        if delay is not None:
            self.queue.add_after(object_key(d), delay)

    async def _write_status(self, d: Obj, status: Obj) -> None:
        if d.get("status") == status:
            return
        stored = await self.client.update(
            self.deployments_resource,
            d["metadata"]["namespace"],
            {**d, "status": status},
            subresource="status",
        )
        _follow(d, stored)


def _follow(d: Obj, stored: Obj) -> None:
    """Make the private copy `d` the object just stored (for the next write's resourceVersion)."""
    d.clear()
    d.update(clone(stored))


def _with(olds: list[Obj], new: Obj | None) -> list[Obj]:
    return [*olds, new] if new is not None else olds


def _now() -> datetime:
    return datetime.now(UTC)
