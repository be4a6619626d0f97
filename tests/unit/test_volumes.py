"""Persistent volumes (`minikube_py.reconcilers.volumes`): matching, binding, provisioning."""

from __future__ import annotations

from pathlib import Path

import pytest

from minikube_py.reconcilers import volumes
from minikube_py.resources import Obj, clone
from tests.unit.inprocess import eventually, in_process_api


def claim(**spec: object) -> Obj:
    return {
        "metadata": {"name": "data", "namespace": "ns", "uid": "claim-uid"},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}},
            "storageClassName": "",
            **spec,
        },
    }


def volume(
    name: str, size: str = "1Gi", *, labels: dict[str, str] | None = None, **spec: object
) -> Obj:
    return {
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {
            "capacity": {"storage": size},
            "accessModes": ["ReadWriteOnce"],
            "volumeMode": "Filesystem",
            **spec,
        },
        "status": {"phase": "Available"},
    }


def node(name: str, **labels: str) -> Obj:
    return {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **labels}}}


def test_default_class_is_the_newest_marked() -> None:
    """Among classes marked default (GA or beta annotation) the newest wins."""
    marked = {"storageclass.kubernetes.io/is-default-class": "true"}
    beta = {"storageclass.beta.kubernetes.io/is-default-class": "true"}
    classes: list[Obj] = [
        {
            "metadata": {
                "name": "old",
                "annotations": marked,
                "creationTimestamp": "2024-01-01T00:00:00Z",
            }
        },
        {
            "metadata": {
                "name": "new",
                "annotations": beta,
                "creationTimestamp": "2025-01-01T00:00:00Z",
            }
        },
        {"metadata": {"name": "plain", "creationTimestamp": "2026-01-01T00:00:00Z"}},
    ]
    assert volumes.default_class(classes) == "new"
    assert volumes.default_class(classes[2:]) is None


@pytest.mark.parametrize(
    ("candidate", "fits"),
    [
        pytest.param(volume("v"), True, id="fits"),
        pytest.param(volume("v", "512Mi"), False, id="too-small"),
        pytest.param(volume("v", accessModes=["ReadOnlyMany"]), False, id="access-modes"),
        pytest.param(volume("v", storageClassName="fast"), False, id="other-class"),
        pytest.param(volume("v", volumeMode="Block"), False, id="volume-mode"),
        pytest.param({**volume("v"), "status": {"phase": "Released"}}, False, id="released"),
        pytest.param(volume("v", claimRef={"namespace": "ns", "name": "other"}), False, id="taken"),
        pytest.param(
            {**volume("v", "10Gi", claimRef={"namespace": "ns", "name": "data"}), "status": {}},
            True,
            id="pre-bound",
        ),
    ],
)
def test_find_volume_conditions(candidate: Obj, fits: bool) -> None:
    """Capacity, access modes, class, volume mode, phase and claimRef decide a match."""
    found = volumes.find_volume(claim(), [candidate], delayed=False, node=None)
    assert (found is candidate) == fits


def test_find_volume_prefers_smallest_and_selector() -> None:
    """The smallest fitting volume wins, among those the claim's selector accepts."""
    candidates = [
        volume("big", "10Gi", labels={"tier": "gold"}),
        volume("small", "2Gi", labels={"tier": "gold"}),
        volume("smallest", "1Gi", labels={"tier": "bronze"}),
    ]
    assert volumes.find_volume(claim(), candidates, delayed=False, node=None) is candidates[2]
    picky = claim(selector={"matchLabels": {"tier": "gold"}})
    assert volumes.find_volume(picky, candidates, delayed=False, node=None) is candidates[1]


def test_delayed_binding_waits_for_the_node() -> None:
    """WaitForFirstConsumer: no binding before the scheduler picked a node; then only volumes
    whose node affinity allows that node."""
    affinity = {
        "required": {
            "nodeSelectorTerms": [
                {
                    "matchExpressions": [
                        {"key": "kubernetes.io/hostname", "operator": "In", "values": ["n2"]}
                    ]
                }
            ]
        }
    }
    local = volume("local", nodeAffinity=affinity)
    assert volumes.find_volume(claim(), [local], delayed=True, node=None) is None
    assert volumes.find_volume(claim(), [local], delayed=True, node=node("n1")) is None
    assert volumes.find_volume(claim(), [local], delayed=True, node=node("n2")) is local


@pytest.mark.parametrize(
    ("expression", "allowed"),
    [
        pytest.param({"key": "zone", "operator": "In", "values": ["a", "b"]}, True, id="in"),
        pytest.param({"key": "zone", "operator": "NotIn", "values": ["a"]}, False, id="not-in"),
        pytest.param({"key": "zone", "operator": "Exists"}, True, id="exists"),
        pytest.param({"key": "gpu", "operator": "DoesNotExist"}, True, id="does-not-exist"),
        pytest.param({"key": "cores", "operator": "Gt", "values": ["4"]}, True, id="gt"),
        pytest.param({"key": "cores", "operator": "Lt", "values": ["4"]}, False, id="lt"),
    ],
)
def test_node_affinity_operators(expression: Obj, allowed: bool) -> None:
    subject = volume(
        "v", nodeAffinity={"required": {"nodeSelectorTerms": [{"matchExpressions": [expression]}]}}
    )
    assert volumes.node_affinity_allows(subject, node("n1", zone="a", cores="8")) == allowed


async def test_default_storage_class_admission(tmp_path: Path) -> None:
    """A claim naming no class gets the default one at create; "" stays "" (no class)."""
    async with in_process_api(tmp_path) as api:
        claims = api.resource("", "persistentvolumeclaims")
        api.rest.preparers[("", "PersistentVolumeClaim")] = volumes.DefaultStorageClass(
            api.rest.store, api.rest.registry
        )
        classes = api.rest.registry.get("storage.k8s.io", "v1", "storageclasses")
        assert classes is not None
        await api.client.create(classes, None, volumes.default_storage_class_body())
        unnamed = claim()
        del unnamed["spec"]["storageClassName"]
        created = await api.client.create(claims, "ns", unnamed)
        assert created["spec"]["storageClassName"] == "local-path"
        explicit = claim()
        explicit["metadata"]["name"] = "none"
        created = await api.client.create(claims, "ns", explicit)
        assert created["spec"]["storageClassName"] == ""


async def test_provision_bind_and_delete(tmp_path: Path) -> None:
    """A local-path claim waits for its first consumer, is provisioned on the selected node as
    a directory, binds, and on deletion takes volume and directory with it."""
    async with in_process_api(tmp_path) as api:
        claims, pvs = (
            api.resource("", "persistentvolumeclaims"),
            api.resource("", "persistentvolumes"),
        )
        await api.client.create(api.resource("", "nodes"), None, node("n1"))
        await api.run(volumes.LocalPathProvisioner)
        await api.run(volumes.PersistentVolumeController)
        created = await api.client.create(claims, "ns", claim(storageClassName="local-path"))
        events = api.resource("", "events")

        def reasons() -> set[str]:
            return {e.value["reason"] for e in api.rest.list(events, "ns").entries}

        await eventually(lambda: "WaitForFirstConsumer" in reasons())
        assert not api.rest.list(pvs, None).entries
        current = clone(api.rest.get(claims, "ns", "data").value)  # the store's copy is shared
        current["metadata"].setdefault("annotations", {})[volumes.SELECTED_NODE] = "n1"
        await api.client.update(claims, "ns", current)

        def bound() -> bool:
            value = api.rest.get(claims, "ns", "data").value
            return bool(value.get("status", {}).get("phase") == "Bound")

        await eventually(bound)
        name = f"pvc-{created['metadata']['uid']}"
        pv = api.rest.get(pvs, None, name).value
        assert pv["status"]["phase"] == "Bound"
        assert pv["spec"]["hostPath"]["path"] == str(tmp_path / "volumes" / name)
        terms = pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
        assert terms[0]["matchExpressions"][0]["values"] == ["n1"]
        assert (tmp_path / "volumes" / name).is_dir()
        assert "ProvisioningSucceeded" in reasons()
        await api.client.delete(claims, "ns", "data")
        await eventually(lambda: not api.rest.list(pvs, None).entries)
        assert not (tmp_path / "volumes" / name).exists()


async def test_retained_volume_is_released(tmp_path: Path) -> None:
    """A hand-made Retain volume binds to a fitting claim and is Released, not deleted, after."""
    async with in_process_api(tmp_path) as api:
        claims, pvs = (
            api.resource("", "persistentvolumeclaims"),
            api.resource("", "persistentvolumes"),
        )
        await api.run(volumes.PersistentVolumeController)
        static = volume("static", "5Gi", hostPath={"path": "/srv/static"})
        static["spec"]["storageClassName"] = ""
        await api.client.create(pvs, None, static)
        await api.client.create(claims, "ns", claim())

        def phase() -> str:
            return str(api.rest.get(pvs, None, "static").value.get("status", {}).get("phase"))

        await eventually(lambda: phase() == "Bound")
        bound = api.rest.get(claims, "ns", "data").value
        assert bound["spec"]["volumeName"] == "static"
        assert bound["status"]["capacity"] == {"storage": "5Gi"}
        await api.client.delete(claims, "ns", "data")
        await eventually(lambda: phase() == "Released")
