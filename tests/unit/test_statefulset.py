"""StatefulSets (`minikube_py.reconcilers.statefulset`): ordinals, the plan, the controller."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from minikube_py.reconcilers import revisions, statefulset
from minikube_py.reconcilers.statefulset import Create, Delete
from minikube_py.resources import Obj, clone
from tests.unit.inprocess import Api, eventually, in_process_api

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def sts(replicas: int = 3, *, policy: str = "OrderedReady", partition: int | None = None) -> Obj:
    strategy: Obj = {"type": "RollingUpdate"}
    if partition is not None:
        strategy["rollingUpdate"] = {"partition": partition}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "ns", "uid": "sts-uid", "generation": 1},
        "spec": {
            "replicas": replicas,
            "serviceName": "nginx",
            "podManagementPolicy": policy,
            "updateStrategy": strategy,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx"}]},
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "www"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            ],
        },
    }


def pod(ordinal: int, *, ready: bool = True, revision: str = "rev2", **meta: object) -> Obj:
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    return {
        "metadata": {
            "name": f"web-{ordinal}",
            "labels": {"controller-revision-hash": revision},
            **meta,
        },
        "status": {"phase": "Running" if ready else "Pending", "conditions": conditions},
    }


@pytest.mark.parametrize(
    ("name", "ordinal"),
    [
        pytest.param("web-0", 0, id="zero"),
        pytest.param("web-12", 12, id="two-digits"),
        pytest.param("web-01", None, id="leading-zero"),
        pytest.param("webby-1", None, id="other-set"),
        pytest.param("web-x", None, id="not-a-number"),
        pytest.param("my-web-1", None, id="longer-prefix"),
    ],
)
def test_ordinal_of(name: str, ordinal: int | None) -> None:
    """Only `<set>-<n>` with a canonical number belongs to the set."""
    assert statefulset.ordinal_of("web", name) == ordinal


@pytest.mark.parametrize(
    ("pods", "policy", "steps"),
    [
        pytest.param([], "OrderedReady", [Create(0)], id="first"),
        pytest.param([pod(0, ready=False)], "OrderedReady", [], id="waits-for-ready"),
        pytest.param([pod(0)], "OrderedReady", [Create(1)], id="next-after-ready"),
        pytest.param([pod(0), pod(2)], "OrderedReady", [Create(1)], id="fills-gap"),
        pytest.param([], "Parallel", [Create(0), Create(1), Create(2)], id="parallel"),
        pytest.param(
            [pod(0), pod(1, ready=False)], "Parallel", [Create(2)], id="parallel-ignores-ready"
        ),
    ],
)
def test_plan_scale_up(pods: list[Obj], policy: str, steps: list[object]) -> None:
    """OrderedReady creates one ordinal at a time after its predecessors are ready."""
    assert statefulset.plan(sts(policy=policy), pods, update_revision="rev2", now=NOW) == steps


def test_plan_scale_down_highest_first_one_at_a_time() -> None:
    """Scale down removes the highest ordinal and waits until it is gone."""
    pods = [pod(0), pod(1), pod(2)]
    assert statefulset.plan(sts(1), pods, update_revision="rev2", now=NOW) == [
        Delete("web-2", "condemned")
    ]
    pods[2]["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    assert statefulset.plan(sts(1), pods, update_revision="rev2", now=NOW) == []
    assert statefulset.plan(sts(1), pods[:2], update_revision="rev2", now=NOW) == [
        Delete("web-1", "condemned")
    ]


def test_plan_scale_down_blocked_by_other_unhealthy_pod() -> None:
    """OrderedReady never removes a pod while a lower one is unhealthy, unless it is the one."""
    unhealthy_low = [pod(0, ready=False), pod(1)]
    assert statefulset.plan(sts(0), unhealthy_low, update_revision="rev2", now=NOW) == []
    unhealthy_high = [pod(0), pod(1, ready=False)]
    assert statefulset.plan(sts(0), unhealthy_high, update_revision="rev2", now=NOW) == [
        Delete("web-1", "condemned")
    ]


@pytest.mark.parametrize(
    ("partition", "revisions_", "steps"),
    [
        pytest.param(None, ["rev1", "rev1", "rev1"], [Delete("web-2", "update")], id="highest"),
        pytest.param(None, ["rev1", "rev1", "rev2"], [Delete("web-1", "update")], id="next"),
        pytest.param(None, ["rev2", "rev2", "rev2"], [], id="done"),
        pytest.param(2, ["rev1", "rev1", "rev2"], [], id="partition-holds"),
        pytest.param(1, ["rev1", "rev1", "rev2"], [Delete("web-1", "update")], id="partition"),
    ],
)
def test_plan_rolling_update(
    partition: int | None, revisions_: list[str], steps: list[object]
) -> None:
    """Updates go from the highest ordinal down to the partition, one at a time."""
    pods = [pod(i, revision=r) for i, r in enumerate(revisions_)]
    got = statefulset.plan(sts(partition=partition), pods, update_revision="rev2", now=NOW)
    assert got == steps


def test_plan_rolling_update_waits_for_health() -> None:
    """An updated pod that is not ready yet holds the rollout."""
    pods = [pod(0, revision="rev1"), pod(1, revision="rev1"), pod(2, ready=False)]
    assert statefulset.plan(sts(policy="Parallel"), pods, update_revision="rev2", now=NOW) == []


def test_on_delete_never_deletes() -> None:
    """OnDelete leaves outdated pods alone."""
    set_ = sts()
    set_["spec"]["updateStrategy"] = {"type": "OnDelete"}
    pods = [pod(i, revision="rev1") for i in range(3)]
    assert statefulset.plan(set_, pods, update_revision="rev2", now=NOW) == []


def test_new_pod_identity_and_storage() -> None:
    """Pods get their name, labels, hostname, subdomain and claim volumes."""
    made = statefulset.new_pod(sts(), sts()["spec"]["template"], 1, "web-abc")
    assert made["metadata"]["name"] == "web-1"
    assert made["metadata"]["labels"] == {
        "app": "nginx",
        "statefulset.kubernetes.io/pod-name": "web-1",
        "apps.kubernetes.io/pod-index": "1",
        "controller-revision-hash": "web-abc",
    }
    assert made["spec"]["hostname"] == "web-1" and made["spec"]["subdomain"] == "nginx"
    assert made["spec"]["volumes"] == [
        {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-1"}}
    ]
    assert made["metadata"]["ownerReferences"][0]["uid"] == "sts-uid"


def test_claims_carry_selector_labels() -> None:
    claims = statefulset.claims_for(sts(), 2)
    assert [c["metadata"]["name"] for c in claims] == ["www-web-2"]
    assert claims[0]["metadata"]["labels"] == {"app": "nginx"}


@pytest.mark.parametrize(
    ("policy", "in_range", "owners"),
    [
        pytest.param({}, False, [], id="retain"),
        pytest.param({"whenDeleted": "Delete"}, True, ["sts-uid"], id="when-deleted"),
        pytest.param({"whenScaled": "Delete"}, False, ["pod-uid"], id="when-scaled"),
        pytest.param({"whenScaled": "Delete"}, True, [], id="when-scaled-in-range"),
        pytest.param(
            {"whenScaled": "Delete", "whenDeleted": "Delete"}, False, ["pod-uid"], id="both"
        ),
    ],
)
def test_claim_owner_refs(policy: Obj, in_range: bool, owners: list[str]) -> None:
    """The retention policy becomes owner references for the garbage collector."""
    set_ = sts()
    set_["spec"]["persistentVolumeClaimRetentionPolicy"] = policy
    the_pod = {"metadata": {"name": "web-2", "uid": "pod-uid"}}
    refs = statefulset.claim_owner_refs({"metadata": {}}, set_, the_pod, in_range=in_range)
    assert [r["uid"] for r in refs] == owners


def test_status_completes_rollout() -> None:
    """currentRevision follows updateRevision once every pod runs it and is ready."""
    pods = [pod(i, revision="rev2") for i in range(3)]
    status = statefulset.compute_status(
        sts(), pods, current="rev1", update="rev2", collision_count=0, now=NOW
    )
    assert status["currentRevision"] == "rev2"
    assert status["readyReplicas"] == status["updatedReplicas"] == status["currentReplicas"] == 3
    pods[0]["metadata"]["labels"]["controller-revision-hash"] = "rev1"
    status = statefulset.compute_status(
        sts(), pods, current="rev1", update="rev2", collision_count=0, now=NOW
    )
    assert (status["currentRevision"], status["currentReplicas"]) == ("rev1", 1)


def test_revision_hash_is_stable_and_probes() -> None:
    """Revision names depend on the template and the collision count only."""
    data = revisions.template_patch(sts())
    assert revisions.revision_hash(data, 0) == revisions.revision_hash(
        revisions.template_patch(sts()), 0
    )
    assert revisions.revision_hash(data, 0) != revisions.revision_hash(data, 1)
    assert set(revisions.revision_hash(data, 0)) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert revisions.template_of({"data": data}) == sts()["spec"]["template"]


def test_surplus_keeps_live_revisions() -> None:
    history = [{"metadata": {"name": f"r{i}"}, "revision": i} for i in range(1, 6)]
    doomed = revisions.surplus(history, {"r1", "r5"}, 1)
    assert [r["metadata"]["name"] for r in doomed] == ["r2", "r3"]


# ---- the controller, in process --------------------------------------------------------------


async def make_ready(api: Api, name: str) -> None:
    pods = api.resource("", "pods")
    current = clone(await api.client.get(pods, "ns", name))  # never change the store's copy
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    current["status"] = {
        **current.get("status", {}),
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": now}],
    }
    await api.client.update(pods, "ns", current, subresource="status")


def names(api: Api, plural: str) -> list[str]:
    resource = api.resource("", plural)
    return sorted(e.value["metadata"]["name"] for e in api.rest.list(resource, "ns").entries)


async def test_controller_orders_scales_and_keeps_claims(tmp_path: Path) -> None:
    """Pods come one by one after the previous is ready, claims first; scale down removes the
    highest ordinal and keeps its claim; scale up re-attaches it."""
    async with in_process_api(tmp_path) as api:
        sets = api.rest.registry.get("apps", "v1", "statefulsets")
        assert sets is not None
        body = sts()
        body["metadata"].pop("uid")
        await api.client.create(sets, "ns", body)
        await api.run(statefulset.StatefulSetController)
        await eventually(lambda: names(api, "pods") == ["web-0"])
        assert names(api, "persistentvolumeclaims") == ["www-web-0"]
        await make_ready(api, "web-0")
        await eventually(lambda: names(api, "pods") == ["web-0", "web-1"])
        await make_ready(api, "web-1")
        await eventually(lambda: names(api, "pods") == ["web-0", "web-1", "web-2"])
        await make_ready(api, "web-2")

        def status() -> Obj:
            entry = api.rest.store.get(sets.key("ns", "web"))
            assert entry is not None
            return dict(entry.value.get("status") or {})

        await eventually(lambda: status().get("readyReplicas") == 3)
        assert status()["currentRevision"] == status()["updateRevision"]
        current = clone(await api.client.get(sets, "ns", "web"))
        current["spec"]["replicas"] = 1
        await api.client.update(sets, "ns", current)
        await eventually(lambda: names(api, "pods") == ["web-0"])
        assert names(api, "persistentvolumeclaims") == ["www-web-0", "www-web-1", "www-web-2"]
        current = clone(await api.client.get(sets, "ns", "web"))
        current["spec"]["replicas"] = 2
        await api.client.update(sets, "ns", current)
        await eventually(lambda: names(api, "pods") == ["web-0", "web-1"])
        web1 = await api.client.get(api.resource("", "pods"), "ns", "web-1")
        assert web1["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "www-web-1"


async def test_controller_rolls_out_a_new_template(tmp_path: Path) -> None:
    """A template change makes a new revision; pods are replaced from the highest ordinal."""
    async with in_process_api(tmp_path) as api:
        sets = api.rest.registry.get("apps", "v1", "statefulsets")
        crs = api.rest.registry.get("apps", "v1", "controllerrevisions")
        assert sets is not None and crs is not None
        body = sts(2, policy="Parallel")
        body["metadata"].pop("uid")
        await api.client.create(sets, "ns", body)
        await api.run(statefulset.StatefulSetController)
        await eventually(lambda: names(api, "pods") == ["web-0", "web-1"])
        for name in ("web-0", "web-1"):
            await make_ready(api, name)
        current = clone(await api.client.get(sets, "ns", "web"))
        current["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
        await api.client.update(sets, "ns", current)

        def images() -> dict[str, str]:
            entries = api.rest.list(api.resource("", "pods"), "ns").entries
            return {
                e.value["metadata"]["name"]: e.value["spec"]["containers"][0]["image"]
                for e in entries
            }

        await eventually(lambda: images().get("web-1") == "nginx:2")
        assert images()["web-0"] == "nginx"  # waits for web-1 to be ready
        await make_ready(api, "web-1")
        await eventually(lambda: images().get("web-0") == "nginx:2")
        stored = sorted(
            (e.value["revision"], e.value["metadata"]["name"])
            for e in api.rest.list(crs, "ns").entries
        )
        assert [number for number, _ in stored] == [1, 2]
        assert all(name.startswith("web-") for _, name in stored)
