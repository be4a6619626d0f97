"""Deployments (`reconcilers.deployment`): the rollout arithmetic, the status and conditions,
and the controller in process with a stand-in kubelet that makes pods ready."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from minikube_py.reconcilers import deployment, replicaset
from minikube_py.reconcilers.deployment import (
    DESIRED_REPLICAS,
    HASH_LABEL,
    MAX_REPLICAS,
    REVISION,
    REVISION_HISTORY,
)
from minikube_py.reconcilers.podcontrol import format_time, is_active, is_ready
from minikube_py.resources import Obj, clone
from tests.unit.inprocess import Api, eventually, in_process_api

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


def deploy(
    replicas: int = 10,
    surge: int | str = "25%",
    unavailable: int | str = "25%",
    *,
    strategy: str = "RollingUpdate",
    status: Obj | None = None,
    **spec: object,
) -> Obj:
    rolling = {"maxSurge": surge, "maxUnavailable": unavailable}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "ns", "uid": "uid-web", "generation": 1},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": strategy, "rollingUpdate": rolling}
            if strategy == "RollingUpdate"
            else {"type": strategy},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}},
            "progressDeadlineSeconds": 600,
            **spec,
        },
        "status": status or {},
    }


def rs(
    name: str,
    replicas: int,
    *,
    available: int = 0,
    age: int = 100,
    max_replicas: int | None = None,
    revision: int = 0,
) -> Obj:
    annotations = {REVISION: str(revision)} if revision else {}
    if max_replicas is not None:
        annotations[MAX_REPLICAS] = str(max_replicas)
    return {
        "metadata": {
            "name": name,
            "namespace": "ns",
            "uid": f"uid-{name}",
            "creationTimestamp": format_time(NOW - timedelta(seconds=age)),
            "annotations": annotations,
        },
        "spec": {"replicas": replicas},
        "status": {"replicas": replicas, "availableReplicas": available},
    }


# ---- names and hashes ------------------------------------------------------------------------


def test_template_hash() -> None:
    """Stable, name-safe, and different for another template or collision count."""
    template = deploy()["spec"]["template"]
    first = deployment.template_hash(template, None)
    assert first == deployment.template_hash(clone(template), None)
    assert set(first) <= set("bcdfghjklmnpqrstvwxz2456789") and 1 <= len(first) <= 10
    other = clone(template)
    other["spec"]["containers"] = [{"name": "c", "image": "nginx"}]
    hashes = {
        first,
        deployment.template_hash(other, None),
        deployment.template_hash(template, 0),
        deployment.template_hash(template, 1),
    }
    assert len(hashes) == 4


def test_new_replica_set() -> None:
    """`<deployment>-<hash>`, hash-labelled everywhere, owned, annotated and sized."""
    d = deploy(3)
    d["metadata"]["annotations"] = {"kubernetes.io/change-cause": "v1", REVISION: "4"}
    new = deployment.new_replica_set(d, [], 5)
    pod_hash = new["metadata"]["labels"][HASH_LABEL]
    assert new["metadata"]["name"] == f"web-{pod_hash}"
    assert new["spec"]["selector"] == {"matchLabels": {"app": "web", HASH_LABEL: pod_hash}}
    assert new["spec"]["template"]["metadata"]["labels"] == {"app": "web", HASH_LABEL: pod_hash}
    assert new["metadata"]["ownerReferences"][0]["uid"] == "uid-web"
    assert new["metadata"]["annotations"] == {
        "kubernetes.io/change-cause": "v1",
        REVISION: "5",
        DESIRED_REPLICAS: "3",
        MAX_REPLICAS: "4",
    }
    assert new["spec"]["replicas"] == 3
    assert deployment.equal_ignore_hash(new["spec"]["template"], d["spec"]["template"])


def test_revision_is_raised_never_lowered() -> None:
    """A ReplicaSet brought back (a rollback) gets the next revision and keeps its old ones."""
    d = deploy()
    old = rs("a", 0, revision=2)
    old["metadata"]["annotations"][REVISION_HISTORY] = "1"
    assert deployment.set_new_rs_annotations(d, old, 5, exists=True)
    assert old["metadata"]["annotations"][REVISION] == "5"
    assert old["metadata"]["annotations"][REVISION_HISTORY] == "1,2"
    assert not deployment.set_new_rs_annotations(d, old, 3, exists=True)


# ---- surge and unavailability ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("replicas", "surge", "unavailable", "expected"),
    [
        pytest.param(3, "25%", "25%", (1, 0), id="default-3"),
        pytest.param(10, "25%", "25%", (3, 2), id="surge-rounds-up-unavailable-down"),
        pytest.param(4, "0%", "0%", (0, 1), id="never-both-zero"),
        pytest.param(5, 2, "100%", (2, 5), id="numbers-and-percent"),
        pytest.param(2, 0, 5, (0, 2), id="unavailable-at-most-replicas"),
        pytest.param(0, "25%", "25%", (0, 0), id="zero-replicas"),
    ],
)
def test_surge_and_unavailable(
    replicas: int, surge: int | str, unavailable: int | str, expected: tuple[int, int]
) -> None:
    d = deploy(replicas, surge, unavailable)
    assert (deployment.max_surge(d), deployment.max_unavailable(d)) == expected


def test_recreate_has_no_surge() -> None:
    d = deploy(4, strategy="Recreate")
    assert (deployment.max_surge(d), deployment.max_unavailable(d)) == (0, 0)


# ---- rollout steps ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(10, 0, 3, id="first-step-up-to-surge"),
        pytest.param(8, 3, 5, id="room-freed-by-old"),
        pytest.param(10, 3, 3, id="no-room"),
        pytest.param(0, 8, 10, id="never-past-replicas"),
        pytest.param(0, 12, 10, id="scaled-back-down"),
    ],
)
def test_new_replica_set_target(old: int, new: int, expected: int) -> None:
    """Replicas 10, maxSurge 3: at most 13 pods, the new ReplicaSet at most 10."""
    d = deploy(10, "25%", "25%")
    new_rs = rs("new", new)
    assert deployment.new_rs_target(d, [rs("old", old), new_rs], new_rs) == expected


def test_new_replica_set_target_recreate() -> None:
    d = deploy(4, strategy="Recreate")
    new_rs = rs("new", 0)
    assert deployment.new_rs_target(d, [new_rs], new_rs) == 4


@pytest.mark.parametrize(
    ("olds", "new", "expected"),
    [
        pytest.param(
            [rs("old", 10, available=10)], rs("new", 3), {"old": 8}, id="available-surplus"
        ),
        pytest.param([rs("old", 10, available=4)], rs("new", 0), {"old": 8}, id="unhealthy-first"),
        pytest.param([rs("old", 8, available=8)], rs("new", 3), {}, id="nothing-to-spare"),
        pytest.param(
            [rs("older", 2, available=2, age=200), rs("old", 8, available=8)],
            rs("new", 3, available=3),
            {"older": 0, "old": 5},
            id="oldest-first",
        ),
    ],
)
def test_old_scale_downs(olds: list[Obj], new: Obj, expected: dict[str, int]) -> None:
    """Replicas 10, maxUnavailable 2: at least 8 stay available."""
    assert deployment.old_scale_downs(deploy(10), new, olds) == expected


def test_proportional_scaling_mid_rollout() -> None:
    """Scaled from 5 (max 7) to 10 (max 13) mid-rollout: both ReplicaSets grow in proportion
    (4 -> 7, 3 -> 6), the larger first."""
    d = deploy(10, status={"replicas": 7})
    old, new = rs("old", 4, max_replicas=7, age=200), rs("new", 3, max_replicas=7)
    direction, sizes = deployment.proportional_sizes(d, [old, new])
    assert direction == "up"
    assert [(r["metadata"]["name"], size) for r, size in sizes] == [("old", 7), ("new", 6)]
    direction, sizes = deployment.proportional_sizes(deploy(0), [old, new])
    assert (direction, [size for _, size in sizes]) == ("down", [0, 0])


def test_active_or_latest() -> None:
    only = rs("a", 3)
    assert deployment.active_or_latest(None, [only, rs("b", 0)]) is only
    assert deployment.active_or_latest(rs("n", 1), [only]) is None
    newest = rs("b", 0, age=10)
    assert deployment.active_or_latest(None, [rs("a", 0), newest]) is newest


# ---- status and conditions -------------------------------------------------------------------


def test_status_while_rolling() -> None:
    """Counts summed over the ReplicaSets; Available once replicas - maxUnavailable are."""
    new = rs("new", 3, available=1)
    new["status"]["readyReplicas"] = 2
    status = deployment.deployment_status(deploy(10), [rs("old", 8, available=8), new], new, NOW)
    assert {k: v for k, v in status.items() if k != "conditions"} == {
        "observedGeneration": 1,
        "replicas": 11,
        "updatedReplicas": 3,
        "readyReplicas": 2,
        "availableReplicas": 9,
        "unavailableReplicas": 2,
    }
    (available,) = status["conditions"]
    assert (available["type"], available["status"], available["reason"]) == (
        "Available",
        "True",
        "MinimumReplicasAvailable",
    )


def progressing(status: Obj) -> tuple[str, str, str]:
    """The Progressing condition's status, reason and message; empty when there is none."""
    found = deployment.get_condition(status, "Progressing") or {}
    return found.get("status", ""), found.get("reason", ""), found.get("message", "")


def test_progressing_condition() -> None:
    """Progress refreshes ReplicaSetUpdated; all updated and available is
    NewReplicaSetAvailable; no progress past the deadline is ProgressDeadlineExceeded."""
    new = rs("new", 10, available=10)
    started = deployment.condition("Progressing", "True", "NewReplicaSetCreated", "x", NOW)
    before = deploy(10, status={"conditions": [started]})
    done = deployment.rollout_status(before, [new], new, NOW)
    assert progressing(done) == (
        "True",
        "NewReplicaSetAvailable",
        'ReplicaSet "new" has successfully progressed.',
    )
    partial = rs("new", 10, available=4)
    moving = deployment.rollout_status(before, [partial], partial, NOW + timedelta(seconds=5))
    assert progressing(moving) == ("True", "ReplicaSetUpdated", 'ReplicaSet "new" is progressing.')
    updated = deployment.get_condition(moving, "Progressing")
    assert updated is not None and updated["lastTransitionTime"] == started["lastTransitionTime"]
    stuck = deploy(10, status=moving)
    later = NOW + timedelta(seconds=5 + 601)
    assert deployment.progress_check_delay(stuck, moving, NOW + timedelta(seconds=5)) == 601
    timed_out = deployment.rollout_status(stuck, [partial], partial, later)
    assert progressing(timed_out) == (
        "False",
        "ProgressDeadlineExceeded",
        'ReplicaSet "new" has timed out progressing.',
    )


def test_replica_failure_surfaces() -> None:
    """A ReplicaSet's ReplicaFailure becomes the Deployment's, and goes with it."""
    new = rs("new", 3)
    failure = {
        "type": "ReplicaFailure",
        "status": "True",
        "lastTransitionTime": "2025-01-01T00:00:00Z",
        "reason": "FailedCreate",
        "message": "quota",
    }
    new["status"]["conditions"] = [failure]
    status = deployment.rollout_status(deploy(3), [new], new, NOW)
    found = deployment.get_condition(status, "ReplicaFailure")
    assert found is not None and (found["reason"], found["message"]) == ("FailedCreate", "quota")
    new["status"].pop("conditions")
    assert (
        deployment.get_condition(
            deployment.rollout_status(deploy(3, status=status), [new], new, NOW), "ReplicaFailure"
        )
        is None
    )


# ---- the controller, in process --------------------------------------------------------------


@contextlib.asynccontextmanager
async def stand_in_kubelet(api: Api) -> AsyncIterator[None]:
    """Marks every new pod Running and Ready, as the simulated kubelet would once bound."""
    pods = api.resource("", "pods")

    async def run() -> None:
        while True:
            for entry in api.rest.list(pods, "ns").entries:
                pod = entry.value
                if is_ready(pod) or pod["metadata"].get("deletionTimestamp"):
                    continue
                ready = clone(pod)
                now = format_time(datetime.now(UTC))
                ready["status"] = {
                    "phase": "Running",
                    "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": now}],
                }
                with contextlib.suppress(Exception):
                    await api.client.update(pods, "ns", ready, subresource="status")
            await asyncio.sleep(0.01)

    task = asyncio.create_task(run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def manifest(replicas: int, image: str, **spec: object) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": image}]},
            },
            **spec,
        },
    }


def stored_deployment(api: Api) -> Obj:
    entry = api.rest.store.get(api.resource("apps", "deployments").key("ns", "web"))
    assert entry is not None
    return entry.value


def rolled_out(api: Api) -> bool:
    d = stored_deployment(api)
    status, wanted = d.get("status") or {}, d["spec"]["replicas"]
    return (
        status.get("observedGeneration") == d["metadata"]["generation"]
        and status.get("updatedReplicas") == status.get("replicas") == wanted
        and status.get("availableReplicas") == wanted
    )


async def set_template(api: Api, image: str, **spec: object) -> None:
    deployments = api.resource("apps", "deployments")
    current = clone(await api.client.get(deployments, "ns", "web"))
    current["spec"]["template"]["spec"]["containers"][0]["image"] = image
    current["spec"].update(spec)
    await api.client.update(deployments, "ns", current)


def replica_sets(api: Api) -> dict[str, Obj]:
    entries = api.rest.list(api.resource("apps", "replicasets"), "ns").entries
    return {e.value["spec"]["template"]["spec"]["containers"][0]["image"]: e.value for e in entries}


async def test_rolling_update_respects_surge_and_unavailability(tmp_path: Path) -> None:
    """4 replicas, maxSurge 1, maxUnavailable 1: at every pod change of two rollouts at most 5
    pods exist and at least 3 are ready; revisions count up and history is trimmed to 1."""
    async with in_process_api(tmp_path) as api:
        await api.run(replicaset.ReplicaSetController)
        await api.run(deployment.DeploymentController)
        strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}}
        body = manifest(4, "v1", strategy=strategy, revisionHistoryLimit=1)
        async with stand_in_kubelet(api):
            await api.client.create(api.resource("apps", "deployments"), "ns", body)
            await eventually(lambda: rolled_out(api))
            seen: list[tuple[int, int]] = []
            watcher = asyncio.create_task(count_pods(api, seen))
            await set_template(api, "v2")
            await eventually(lambda: rolled_out(api) and "v2" in replica_sets(api))
            await set_template(api, "v3")
            await eventually(lambda: rolled_out(api) and "v3" in replica_sets(api))
            await eventually(lambda: sorted(replica_sets(api)) == ["v2", "v3"])
            watcher.cancel()
        assert seen and max(total for total, _ in seen) <= 5
        assert min(ready for _, ready in seen) >= 3
        by_image = replica_sets(api)
        assert by_image["v3"]["metadata"]["annotations"][REVISION] == "3"
        assert by_image["v2"]["spec"]["replicas"] == 0
        assert stored_deployment(api)["metadata"]["annotations"][REVISION] == "3"
        progressing_now = deployment.get_condition(stored_deployment(api)["status"], "Progressing")
        assert progressing_now is not None and progressing_now["reason"] == "NewReplicaSetAvailable"


async def count_pods(api: Api, seen: list[tuple[int, int]]) -> None:
    """(pods, ready pods) after every pod event; pods being deleted count as gone."""
    pods = api.resource("", "pods")
    with api.rest.store.watch(pods.key_prefix("ns"), api.rest.store.revision) as watch:
        async for _ in watch:
            alive = [e.value for e in api.rest.list(pods, "ns").entries if is_active(e.value)]
            seen.append((len(alive), sum(1 for p in alive if is_ready(p))))


async def test_paused_deployment_does_not_roll_out(tmp_path: Path) -> None:
    """A template change while paused makes no ReplicaSet; resuming rolls it out."""
    async with in_process_api(tmp_path) as api:
        await api.run(replicaset.ReplicaSetController)
        await api.run(deployment.DeploymentController)
        async with stand_in_kubelet(api):
            await api.client.create(api.resource("apps", "deployments"), "ns", manifest(2, "v1"))
            await eventually(lambda: rolled_out(api))
            await set_template(api, "v2", paused=True)
            await eventually(
                lambda: progressing(stored_deployment(api)["status"])[1] == "DeploymentPaused"
            )
            assert sorted(replica_sets(api)) == ["v1"]
            await set_template(api, "v2", paused=False)
            await eventually(lambda: rolled_out(api) and "v2" in replica_sets(api))


async def test_progress_deadline(tmp_path: Path) -> None:
    """With no kubelet, pods never become ready: after progressDeadlineSeconds the rollout is
    reported as failed."""
    async with in_process_api(tmp_path) as api:
        await api.run(replicaset.ReplicaSetController)
        await api.run(deployment.DeploymentController)
        body = manifest(2, "v1", progressDeadlineSeconds=1)
        await api.client.create(api.resource("apps", "deployments"), "ns", body)
        await eventually(
            lambda: (
                progressing(stored_deployment(api).get("status") or {"conditions": []})[1]
                == "ProgressDeadlineExceeded"
            ),
            timeout=8,
        )


async def test_recreate(tmp_path: Path) -> None:
    """Recreate: the old pods are all gone before the first new one exists."""
    async with in_process_api(tmp_path) as api:
        await api.run(replicaset.ReplicaSetController)
        await api.run(deployment.DeploymentController)
        body = manifest(3, "v1", strategy={"type": "Recreate"})
        async with stand_in_kubelet(api):
            await api.client.create(api.resource("apps", "deployments"), "ns", body)
            await eventually(lambda: rolled_out(api))
            seen: list[tuple[int, int]] = []
            watcher = asyncio.create_task(images_seen(api, seen))
            await set_template(api, "v2")
            await eventually(lambda: rolled_out(api) and "v2" in replica_sets(api))
            watcher.cancel()
        assert all(not (old and new) for old, new in seen)


async def images_seen(api: Api, seen: list[tuple[int, int]]) -> None:
    """(v1 pods, v2 pods) after every pod event."""
    pods = api.resource("", "pods")
    with api.rest.store.watch(pods.key_prefix("ns"), api.rest.store.revision) as watch:
        async for _ in watch:
            images = [
                e.value["spec"]["containers"][0]["image"] for e in api.rest.list(pods, "ns").entries
            ]
            seen.append((images.count("v1"), images.count("v2")))
