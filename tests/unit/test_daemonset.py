"""DaemonSets (`minikube_py.reconcilers.daemonset`): eligibility, plans, the controller."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from minikube_py.reconcilers import daemonset
from minikube_py.reconcilers.daemonset import Rollout
from minikube_py.resources import Obj, Resource, clone
from tests.unit.inprocess import Api, eventually, in_process_api

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def node(name: str, *, taints: list[Obj] | None = None, **labels: str) -> Obj:
    return {
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **labels}},
        "spec": {"taints": taints or []},
    }


def taint(key: str, effect: str = "NoSchedule", value: str = "") -> Obj:
    return {"key": key, "value": value, "effect": effect}


@pytest.mark.parametrize(
    ("spec", "target", "expected"),
    [
        pytest.param({}, node("n1"), (True, True), id="plain"),
        pytest.param({"nodeSelector": {"disk": "ssd"}}, node("n1"), (False, False), id="selector"),
        pytest.param(
            {"nodeSelector": {"disk": "ssd"}}, node("n1", disk="ssd"), (True, True), id="selected"
        ),
        pytest.param({}, node("n1", taints=[taint("gpu")]), (False, True), id="no-schedule"),
        pytest.param(
            {}, node("n1", taints=[taint("gpu", "NoExecute")]), (False, False), id="no-execute"
        ),
        pytest.param(
            {}, node("n1", taints=[taint("gpu", "PreferNoSchedule")]), (True, True), id="prefer"
        ),
        pytest.param(
            {"tolerations": [{"key": "gpu", "operator": "Exists"}]},
            node("n1", taints=[taint("gpu", "NoExecute")]),
            (True, True),
            id="tolerated",
        ),
        pytest.param(
            {"tolerations": [{"key": "gpu", "value": "a", "effect": "NoSchedule"}]},
            node("n1", taints=[taint("gpu", value="b")]),
            (False, True),
            id="value-differs",
        ),
        pytest.param(
            {},
            node("n1", taints=[taint("node.kubernetes.io/unschedulable")]),
            (True, True),
            id="default-unschedulable",
        ),
        pytest.param(
            {},
            node("n1", taints=[taint("node.kubernetes.io/not-ready", "NoExecute")]),
            (True, True),
            id="default-not-ready",
        ),
        pytest.param(
            {},
            node("n1", taints=[taint("node.kubernetes.io/network-unavailable")]),
            (False, True),
            id="network-unavailable",
        ),
        pytest.param(
            {"hostNetwork": True},
            node("n1", taints=[taint("node.kubernetes.io/network-unavailable")]),
            (True, True),
            id="network-unavailable-host-network",
        ),
        pytest.param({"nodeName": "n2"}, node("n1"), (False, False), id="node-name"),
        pytest.param(
            {
                "affinity": {
                    "nodeAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": {
                            "nodeSelectorTerms": [
                                {
                                    "matchExpressions": [
                                        {"key": "zone", "operator": "In", "values": ["a"]}
                                    ]
                                }
                            ]
                        }
                    }
                }
            },
            node("n1", zone="b"),
            (False, False),
            id="affinity",
        ),
    ],
)
def test_should_run(spec: Obj, target: Obj, expected: tuple[bool, bool]) -> None:
    """Selectors, affinity and taints decide; daemon pods tolerate the node conditions."""
    assert daemonset.should_run(spec, target) == expected


def test_default_tolerations_replace_same_key() -> None:
    spec = {
        "tolerations": [
            {
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 30,
            }
        ]
    }
    tolerations = daemonset.with_default_tolerations(spec)
    assert len(tolerations) == 6
    assert "tolerationSeconds" not in tolerations[0]


def test_pod_is_pinned_to_its_node() -> None:
    """The required affinity becomes metadata.name In [node]; target_node reads it back."""
    ds = daemon_set()
    ds["metadata"]["uid"] = "ds-uid"
    pod = daemonset.node_template(ds, "n2", hash_="abc")
    assert daemonset.target_node(pod) == "n2"
    assert pod["metadata"]["labels"]["controller-revision-hash"] == "abc"
    assert pod["metadata"]["labels"]["pod-template-generation"] == "1"
    assert len(pod["spec"]["tolerations"]) == 6


def dpod(
    name: str, node_name: str, *, hash_: str = "new", ready: bool = True, **extra: object
) -> Obj:
    return {
        "metadata": {
            "name": name,
            "labels": {"controller-revision-hash": hash_},
            "creationTimestamp": extra.pop("created", "2025-01-01T00:00:00Z"),
            **extra,
        },
        "spec": {"nodeName": node_name},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


def test_manage_creates_removes_and_dedupes() -> None:
    """Missing pods are created, surplus ones (older kept) and ones on gone nodes removed."""
    nodes = [node("n1"), node("n2"), node("n3", taints=[taint("x", "NoExecute")])]
    pods = [
        dpod("a", "n1", created="2025-01-01T00:00:00Z"),
        dpod("b", "n1", created="2025-01-02T00:00:00Z"),
        dpod("c", "n3"),
        dpod("d", "gone"),
    ]
    plan = daemonset.manage({}, nodes, daemonset.pods_by_node(pods))
    assert plan.create == ["n2"]
    assert sorted(plan.delete) == ["b", "c", "d"]


def test_manage_replaces_failed_pods() -> None:
    failed = dpod("a", "n1")
    failed["status"]["phase"] = "Failed"
    plan = daemonset.manage({}, [node("n1")], daemonset.pods_by_node([failed]))
    assert plan.failed == [failed] and not plan.create


def rollout() -> Rollout:
    return Rollout(hash="new", generation="", min_ready_seconds=0, now=NOW)


def test_rolling_update_respects_max_unavailable() -> None:
    """With maxUnavailable 1, one available old pod goes at a time; unavailable old pods go
    at once."""
    ds = daemon_set()
    nodes = [node(f"n{i}") for i in range(3)]
    pods = [dpod(f"p{i}", f"n{i}", hash_="old") for i in range(3)]
    plan = daemonset.rolling_update(ds, nodes, daemonset.pods_by_node(pods), rollout())
    assert plan.delete == ["p0"]
    pods[1]["status"]["conditions"][0]["status"] = "False"
    plan = daemonset.rolling_update(ds, nodes, daemonset.pods_by_node(pods), rollout())
    assert plan.delete == ["p1", "p0"]
    pods[0] = dpod("p0", "n0", ready=False)  # replaced, not yet ready: holds the rest
    plan = daemonset.rolling_update(ds, nodes, daemonset.pods_by_node(pods), rollout())
    assert plan.delete == ["p1"]


def test_rolling_update_with_surge() -> None:
    """maxSurge starts new pods beside old ones, then removes the old once the new is ready."""
    ds = daemon_set()
    ds["spec"]["updateStrategy"]["rollingUpdate"] = {"maxSurge": 1, "maxUnavailable": 0}
    nodes = [node("n0"), node("n1")]
    pods = [dpod("p0", "n0", hash_="old"), dpod("p1", "n1", hash_="old")]
    plan = daemonset.rolling_update(ds, nodes, daemonset.pods_by_node(pods), rollout())
    assert (plan.create, plan.delete) == (["n0"], [])
    pods.append(dpod("q0", "n0", ready=False))
    plan = daemonset.rolling_update(ds, nodes, daemonset.pods_by_node(pods), rollout())
    assert (plan.create, plan.delete) == ([], [])
    pods[-1] = dpod("q0", "n0")
    plan = daemonset.rolling_update(ds, nodes, daemonset.pods_by_node(pods), rollout())
    assert (plan.create, plan.delete) == (["n1"], ["p0"])


def test_status_counts() -> None:
    nodes = [node("n0"), node("n1"), node("n2", taints=[taint("x")])]
    pods = [dpod("p0", "n0"), dpod("p1", "n1", hash_="old", ready=False), dpod("p2", "n2")]
    status = daemonset.compute_status(
        daemon_set(), nodes, daemonset.pods_by_node(pods), rollout(), 0
    )
    assert status == {
        "currentNumberScheduled": 2,
        "numberMisscheduled": 1,
        "desiredNumberScheduled": 2,
        "numberReady": 1,
        "observedGeneration": 1,
        "updatedNumberScheduled": 1,
        "numberAvailable": 1,
        "numberUnavailable": 1,
    }


# ---- the controller, in process --------------------------------------------------------------


def daemon_set() -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {
            "name": "agent",
            "namespace": "ns",
            "generation": 1,
            "annotations": {"deprecated.daemonset.template.generation": "1"},
        },
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "template": {
                "metadata": {"labels": {"app": "agent"}},
                "spec": {"containers": [{"name": "agent", "image": "busybox"}]},
            },
        },
    }


async def run_on_two_nodes(api: Api) -> tuple[Resource, Resource, Resource]:
    """Nodes n1 and n2, the DaemonSet `agent` in `ns`, and its controller running."""
    nodes, pods = api.resource("", "nodes"), api.resource("", "pods")
    sets = api.rest.registry.get("apps", "v1", "daemonsets")
    assert sets is not None
    for name in ("n1", "n2"):
        await api.client.create(nodes, None, node(name))
    await api.client.create(sets, "ns", daemon_set())
    await api.run(daemonset.DaemonSetController)
    return nodes, pods, sets


async def test_controller_follows_nodes(tmp_path: Path) -> None:
    """One pod per node; a new node gets one, a deleted or tainted node loses it."""
    async with in_process_api(tmp_path) as api:
        nodes, pods, sets = await run_on_two_nodes(api)

        def placement() -> list[str]:
            entries = api.rest.list(pods, "ns").entries
            return sorted(daemonset.target_node(e.value) for e in entries)

        await eventually(lambda: placement() == ["n1", "n2"])
        await api.client.create(nodes, None, node("n3"))
        await eventually(lambda: placement() == ["n1", "n2", "n3"])
        await api.client.delete(nodes, None, "n1")
        await eventually(lambda: placement() == ["n2", "n3"])
        tainted = clone(await api.client.get(nodes, None, "n3"))
        tainted["spec"]["taints"] = [taint("dedicated", "NoExecute")]
        await api.client.update(nodes, None, tainted)
        await eventually(lambda: placement() == ["n2"])

        def status() -> Obj:
            entry = api.rest.store.get(sets.key("ns", "agent"))
            assert entry is not None
            return dict(entry.value.get("status") or {})

        await eventually(lambda: status().get("desiredNumberScheduled") == 1)
        assert status()["currentNumberScheduled"] == 1


async def test_controller_rolls_out_a_new_template(tmp_path: Path) -> None:
    """A template change replaces the pods (unavailable ones at once) with the new revision."""
    async with in_process_api(tmp_path) as api:
        _, pods, sets = await run_on_two_nodes(api)

        def images() -> list[str]:
            entries = api.rest.list(pods, "ns").entries
            return sorted(e.value["spec"]["containers"][0]["image"] for e in entries)

        await eventually(lambda: images() == ["busybox", "busybox"])
        current = clone(await api.client.get(sets, "ns", "agent"))
        current["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:2"
        await api.client.update(sets, "ns", current)
        await eventually(lambda: images() == ["busybox:2", "busybox:2"])
        stored = await api.client.get(sets, "ns", "agent")
        assert stored["metadata"]["annotations"][daemonset.GENERATION_ANNOTATION] == "2"
        labels = [e.value["metadata"]["labels"] for e in api.rest.list(pods, "ns").entries]
        assert {lbl[daemonset.GENERATION_LABEL] for lbl in labels} == {"2"}
