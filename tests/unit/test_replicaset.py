"""ReplicaSets and ReplicationControllers (`reconcilers.replicaset`) and the pod bookkeeping
they share with the other workload controllers (`reconcilers.podcontrol`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from minikube_py.apiserver.errors import ApiError
from minikube_py.reconcilers import podcontrol, replicaset
from minikube_py.reconcilers.podcontrol import Expectations, OwnedIndex
from minikube_py.resources import Obj, Resource, clone
from tests.unit.inprocess import Api, eventually, in_process_api

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


def stamp(seconds_ago: float) -> str:
    return podcontrol.format_time(NOW - timedelta(seconds=seconds_ago))


def pod(
    name: str,
    *,
    node: str = "",
    phase: str = "Pending",
    ready_for: float | None = None,
    age: float = 100,
    owner: str = "",
    labels: dict[str, str] | None = None,
    restarts: int = 0,
    cost: str = "",
) -> Obj:
    """A pod in namespace ns; ready for `ready_for` seconds, not ready when None."""
    meta: Obj = {
        "name": name,
        "namespace": "ns",
        "uid": f"uid-{name}",
        "creationTimestamp": stamp(age),
        "labels": labels if labels is not None else {"app": "web"},
    }
    if cost:
        meta["annotations"] = {podcontrol.DELETION_COST: cost}
    if owner:
        meta["ownerReferences"] = [
            {"kind": "ReplicaSet", "name": owner, "uid": f"uid-{owner}", "controller": True}
        ]
    status: Obj = {"phase": phase, "containerStatuses": [{"restartCount": restarts}]}
    if ready_for is not None:
        status["conditions"] = [
            {"type": "Ready", "status": "True", "lastTransitionTime": stamp(ready_for)}
        ]
    return {"metadata": meta, "spec": {"nodeName": node}, "status": status}


def running(name: str, **kwargs: object) -> Obj:
    return pod(name, node="n1", phase="Running", **kwargs)  # type: ignore[arg-type]


# ---- which pods go first ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cheaper", "dearer"),
    [
        pytest.param(pod("a"), pod("b", node="n1"), id="unscheduled-first"),
        pytest.param(pod("a", node="n1"), running("b"), id="pending-first"),
        pytest.param(running("a"), running("b", ready_for=10), id="not-ready-first"),
        pytest.param(
            running("a", ready_for=10, cost="-5"),
            running("b", ready_for=10),
            id="lower-deletion-cost-first",
        ),
        pytest.param(
            running("a", ready_for=10), running("b", ready_for=10_000), id="ready-for-less-first"
        ),
        pytest.param(
            running("a", ready_for=10, restarts=3),
            running("b", ready_for=10),
            id="more-restarts-first",
        ),
        pytest.param(running("a", age=10), running("b", age=10_000), id="newer-first"),
    ],
)
def test_deletion_rank(cheaper: Obj, dearer: Obj) -> None:
    """pods_to_delete gives up the pod whose loss costs least, whatever the input order."""
    for pods in ([cheaper, dearer], [dearer, cheaper]):
        assert podcontrol.pods_to_delete(pods, 1, now=NOW) == [cheaper]


def test_deletion_prefers_crowded_nodes() -> None:
    """Of two like pods, the one sharing its node with more related pods goes first."""
    alone, crowded = running("a", ready_for=10), pod("b", node="n2", phase="Running", ready_for=10)
    related = [crowded, pod("c", node="n2", phase="Running"), alone]
    assert podcontrol.pods_to_delete([alone, crowded], 1, related=related, now=NOW) == [crowded]


def test_deleting_everything_keeps_order() -> None:
    pods = [running("a"), pod("b")]
    assert podcontrol.pods_to_delete(pods, 5, now=NOW) == pods


# ---- expectations, slow start, the index -----------------------------------------------------


def test_expectations_wait_for_every_creation() -> None:
    """An owner acts again once all its creations are seen, or failed ones written off."""
    expectations = Expectations()
    assert expectations.satisfied("ns/rs")
    expectations.expect_creations("ns/rs", 3)
    expectations.creation_observed("ns/rs")
    assert not expectations.satisfied("ns/rs")
    expectations.creation_observed("ns/rs", 2)
    assert expectations.satisfied("ns/rs")


def test_expectations_track_deletions_by_key() -> None:
    """Someone else's pod going away is not one of ours; a repeated observation counts once."""
    expectations = Expectations()
    expectations.expect_deletions("ns/rs", ["ns/a", "ns/b"])
    expectations.deletion_observed("ns/rs", "ns/other")
    expectations.deletion_observed("ns/rs", "ns/a")
    expectations.deletion_observed("ns/rs", "ns/a")
    assert not expectations.satisfied("ns/rs")
    expectations.deletion_observed("ns/rs", "ns/b")
    assert expectations.satisfied("ns/rs")


def test_expectations_expire() -> None:
    """A lost watch event cannot block an owner forever."""
    clock = [0.0]
    expectations = Expectations(clock=lambda: clock[0])
    expectations.expect_creations("ns/rs", 1)
    clock[0] = podcontrol.EXPECTATIONS_TIMEOUT + 1
    assert expectations.satisfied("ns/rs")


async def test_slow_start_doubles_and_stops_at_a_failure() -> None:
    """Batches of 1, 2, 4, ...; a batch with a failure is the last one."""
    calls = 0

    async def attempt() -> None:
        nonlocal calls
        calls += 1
        if calls == 5:
            raise ApiError("Forbidden", "quota")

    succeeded, error = await podcontrol.slow_start(100, attempt)
    assert (calls, succeeded, str(error)) == (7, 6, "quota")  # 1 + 2 + 4
    calls = 0
    assert await podcontrol.slow_start(10, lambda: _nothing()) == (10, None)


async def _nothing() -> None:
    return None


def test_owned_index_follows_owner_changes() -> None:
    """Objects are found by their controller's uid; orphans by namespace."""
    index = OwnedIndex()
    orphan = pod("a")
    index("ADDED", orphan, None)
    assert index.orphans("ns") == [orphan] and index.orphans("other") == []
    adopted = pod("a", owner="rs1")
    index("MODIFIED", adopted, orphan)
    assert index.orphans("ns") == [] and index.owned_by("uid-rs1") == [adopted]
    index("DELETED", adopted, None)
    assert index.owned_by("uid-rs1") == []


def test_replication_controller_selector_is_a_map() -> None:
    rc = {"kind": "ReplicationController", "spec": {"selector": {"app": "web"}}}
    rs = {"kind": "ReplicaSet", "spec": {"selector": {"matchLabels": {"app": "web"}}}}
    for owner in (rc, rs):
        selector = podcontrol.selector_of(owner)
        assert selector.matches({"app": "web", "x": "y"}) and not selector.matches({"app": "db"})


# ---- status ----------------------------------------------------------------------------------


def owner(replicas: int, *, min_ready: int = 0, status: Obj | None = None) -> Obj:
    return {
        "metadata": {"name": "rs", "namespace": "ns", "uid": "uid-rs", "generation": 2},
        "spec": {
            "replicas": replicas,
            "minReadySeconds": min_ready,
            "template": {"metadata": {"labels": {"app": "web", "tier": "front"}}},
        },
        "status": status or {},
    }


def test_status_counts() -> None:
    """Counts of the active pods; availability waits minReadySeconds; zeros are left out."""
    pods = [
        running("a", ready_for=60, labels={"app": "web", "tier": "front"}),
        running("b", ready_for=5, labels={"app": "web", "tier": "front", "extra": "1"}),
        pod("c"),
    ]
    status = replicaset.replica_status(owner(3, min_ready=30), pods, None, NOW)
    assert status == {
        "replicas": 3,
        "fullyLabeledReplicas": 2,
        "readyReplicas": 2,
        "availableReplicas": 1,
        "observedGeneration": 2,
    }
    assert replicaset.replica_status(owner(0), [], None, NOW) == {
        "replicas": 0,
        "observedGeneration": 2,
    }


def test_replica_failure_condition() -> None:
    """A failed create adds ReplicaFailure (kept as is while failing); success removes it."""
    error = ApiError("Forbidden", 'pods "x" is forbidden: exceeded quota')
    failing = replicaset.replica_status(owner(2), [], error, NOW)
    (condition,) = failing["conditions"]
    assert condition == {
        "type": "ReplicaFailure",
        "status": "True",
        "lastTransitionTime": "2025-01-01T12:00:00Z",
        "reason": "FailedCreate",
        "message": 'pods "x" is forbidden: exceeded quota',
    }
    later = replicaset.replica_status(owner(2, status=failing), [], error, NOW + timedelta(hours=1))
    assert later["conditions"] == [condition]
    assert "conditions" not in replicaset.replica_status(owner(2, status=failing), [], None, NOW)


# ---- the controllers, in process -------------------------------------------------------------


def rs_manifest(name: str, replicas: int, *, kind: str = "ReplicaSet") -> Obj:
    template = {
        "metadata": {"labels": {"app": name}},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    if kind == "ReplicationController":
        return {
            "apiVersion": "v1",
            "kind": kind,
            "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"app": name}, "template": template},
        }
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": template,
        },
    }


def pods_of(api: Api, app: str) -> list[Obj]:
    entries = api.rest.list(api.resource("", "pods"), "ns").entries
    return [e.value for e in entries if e.value["metadata"]["labels"].get("app") == app]


def stored(api: Api, resource: Resource, name: str) -> Obj:
    entry = api.rest.store.get(resource.key("ns", name))
    assert entry is not None, f"{name} is gone"
    return entry.value


async def scale(api: Api, resource_group: str, plural: str, name: str, replicas: int) -> None:
    resource = api.resource(resource_group, plural)
    current = clone(await api.client.get(resource, "ns", name))
    current["spec"]["replicas"] = replicas
    await api.client.update(resource, "ns", current)


@pytest.mark.parametrize(
    ("kind", "group", "plural", "controller"),
    [
        pytest.param("ReplicaSet", "apps", "replicasets", replicaset.ReplicaSetController, id="rs"),
        pytest.param(
            "ReplicationController",
            "",
            "replicationcontrollers",
            replicaset.ReplicationManager,
            id="rc",
        ),
    ],
)
async def test_keeps_replicas(
    tmp_path: Path, kind: str, group: str, plural: str, controller: type
) -> None:
    """Creates owned pods named after the owner, replaces a deleted one, scales down to the
    spec, and reports it all in the status."""
    async with in_process_api(tmp_path) as api:
        await api.run(controller)
        owner_resource = api.resource(group, plural)
        created = await api.client.create(owner_resource, "ns", rs_manifest("web", 3, kind=kind))
        await eventually(lambda: len(pods_of(api, "web")) == 3)
        first = pods_of(api, "web")[0]
        assert first["metadata"]["generateName"] == "web-"
        assert len(first["metadata"]["name"]) == len("web-") + 5
        (ref,) = first["metadata"]["ownerReferences"]
        assert ref == {
            "apiVersion": created["apiVersion"],
            "kind": kind,
            "name": "web",
            "uid": created["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
        await api.client.delete(api.resource("", "pods"), "ns", first["metadata"]["name"])
        await eventually(
            lambda: (
                len(pods_of(api, "web")) == 3
                and first["metadata"]["name"]
                not in {p["metadata"]["name"] for p in pods_of(api, "web")}
            )
        )
        await scale(api, group, plural, "web", 1)
        await eventually(lambda: len(pods_of(api, "web")) == 1)

        await eventually(lambda: stored(api, owner_resource, "web")["status"]["replicas"] == 1)
        assert stored(api, owner_resource, "web")["status"] == {
            "replicas": 1,
            "fullyLabeledReplicas": 1,
            "observedGeneration": 2,
        }


async def test_large_scale_up_never_overshoots(tmp_path: Path) -> None:
    """600 replicas take two bursts (500 + 100) and never one pod more, however the
    informer lags behind the creations."""
    async with in_process_api(tmp_path) as api:
        await api.run(replicaset.ReplicaSetController)
        rs_resource = api.resource("apps", "replicasets")
        await api.client.create(rs_resource, "ns", rs_manifest("big", 600))
        await eventually(lambda: len(pods_of(api, "big")) >= 600, timeout=60)
        await eventually(lambda: stored(api, rs_resource, "big")["status"]["replicas"] == 600)
        assert len(pods_of(api, "big")) == 600


async def test_adopts_orphans_and_releases_strays(tmp_path: Path) -> None:
    """A matching orphan pod is adopted instead of a new one created; a pod whose labels stop
    matching is released and replaced."""
    async with in_process_api(tmp_path) as api:
        pods = api.resource("", "pods")
        orphan = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "orphan", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        }
        await api.client.create(pods, "ns", orphan)
        await api.run(replicaset.ReplicaSetController)
        await api.client.create(api.resource("apps", "replicasets"), "ns", rs_manifest("web", 2))

        def owned() -> list[str]:
            return sorted(
                p["metadata"]["name"]
                for p in pods_of(api, "web")
                if p["metadata"].get("ownerReferences")
            )

        await eventually(lambda: len(owned()) == 2 and "orphan" in owned())
        stray = clone(await api.client.get(pods, "ns", "orphan"))
        stray["metadata"]["labels"] = {"app": "elsewhere"}
        await api.client.update(pods, "ns", stray)
        await eventually(lambda: len(owned()) == 2 and "orphan" not in owned())
        released = await api.client.get(pods, "ns", "orphan")
        assert not released["metadata"].get("ownerReferences")
