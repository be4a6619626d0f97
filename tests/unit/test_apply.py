"""Server-side apply and managedFields, checked against kube-apiserver's field manager."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from minikube_py.apiserver.errors import ApiError
from minikube_py.patch import server_side_apply, update_managed_fields
from minikube_py.patching.fieldpath import decode_fields, encode_fields

Obj = dict[str, Any]
T0, T1, T2, T3 = (f"2026-01-01T00:0{i}:00Z" for i in range(4))


def deployment(replicas: int = 2, image: str = "nginx:1.27", **labels: str) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "nginx", "namespace": "default", "labels": {"app": "nginx", **labels}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {
                    "containers": [
                        {"name": "nginx", "image": image, "ports": [{"containerPort": 80}]}
                    ]
                },
            },
        },
    }


def apply(live: Obj | None, config: Obj, manager: str = "kubectl", **options: Any) -> Obj:
    before = copy.deepcopy((live, config))
    result, created = server_side_apply(
        live,
        config,
        manager=manager,
        force=options.get("force", False),
        api_version="apps/v1",
        kind="Deployment",
        now=options.get("now", T0),
    )
    assert (live, config) == before, "inputs must not be modified"
    assert created is (live is None)
    if live is None:
        result["metadata"]["uid"] = "uid-1"  # as the API server stamps it on create
    return result


def update(old: Obj | None, new: Obj, manager: str, now: str = T1, **options: Any) -> Obj:
    return update_managed_fields(
        old, new, manager=manager, operation="Update", api_version="apps/v1", now=now, **options
    )


def entries(obj: Obj) -> dict[tuple[str, str], Obj]:
    return {(e["manager"], e["operation"]): e for e in obj["metadata"].get("managedFields", [])}


def conflict(live: Obj, config: Obj, manager: str = "kubectl") -> ApiError:
    with pytest.raises(ApiError) as caught:
        apply(live, config, manager)
    return caught.value


# The field set kubectl's `apply --server-side` of `deployment()` yields on a real cluster.
APPLIED_FIELDS = {
    "f:metadata": {"f:labels": {"f:app": {}}},
    "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:containers": {
                    'k:{"name":"nginx"}': {
                        ".": {},
                        "f:image": {},
                        "f:name": {},
                        "f:ports": {
                            'k:{"containerPort":80,"protocol":"TCP"}': {
                                ".": {},
                                "f:containerPort": {},
                            }
                        },
                    }
                }
            },
        },
    },
}


def test_apply_creates_with_a_kubectl_shaped_entry() -> None:
    created = apply(None, deployment())
    assert created["spec"] == deployment()["spec"]
    assert created["metadata"]["managedFields"] == [
        {
            "manager": "kubectl",
            "operation": "Apply",
            "apiVersion": "apps/v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": APPLIED_FIELDS,
        }
    ]
    # The FieldsV1 JSON keeps smd's key order.
    assert json.dumps(created["metadata"]["managedFields"][0]["fieldsV1"]).startswith(
        '{"f:metadata": {"f:labels": {"f:app": {}}}, "f:spec": {"f:replicas": {}, "f:selector"'
    )


def test_reapply_changes_a_field_and_refreshes_the_time() -> None:
    live = apply(None, deployment())
    again = apply(live, deployment(replicas=5), now=T1)
    assert again["spec"]["replicas"] == 5
    assert entries(again)[("kubectl", "Apply")]["time"] == T1


def test_noop_reapply_keeps_the_time() -> None:
    live = apply(None, deployment())
    again = apply(live, deployment(), now=T1)
    assert entries(again)[("kubectl", "Apply")]["time"] == T0
    assert again == live


def test_fields_no_longer_applied_are_removed() -> None:
    live = apply(None, deployment(tier="web"))
    config = deployment()
    del config["spec"]["replicas"]
    again = apply(live, config, now=T1)
    assert again["metadata"]["labels"] == {"app": "nginx"}
    assert "replicas" not in again["spec"]
    assert again["metadata"]["uid"] == "uid-1"  # unowned server fields are not pruned
    fields = entries(again)[("kubectl", "Apply")]["fieldsV1"]
    assert "f:replicas" not in fields["f:spec"]


def test_fields_no_longer_applied_stay_when_another_manager_owns_them() -> None:
    live = apply(None, deployment(tier="web"))
    labelled = copy.deepcopy(live)
    labelled["metadata"]["labels"]["tier"] = "db"
    live = update(live, labelled, "kubectl-label")
    again = apply(live, deployment(), now=T2)
    assert again["metadata"]["labels"] == {"app": "nginx", "tier": "db"}


def test_containers_no_longer_applied_are_removed() -> None:
    config = deployment()
    containers = config["spec"]["template"]["spec"]["containers"]
    containers.append({"name": "sidecar", "image": "busybox"})
    live = apply(None, config)
    again = apply(live, deployment(), now=T1)
    assert again["spec"]["template"]["spec"] == deployment()["spec"]["template"]["spec"]


def test_two_appliers_share_fields_with_equal_values() -> None:
    live = apply(None, deployment())
    shared = apply(live, deployment(), manager="ci")
    assert set(entries(shared)) == {("kubectl", "Apply"), ("ci", "Apply")}


def test_conflict_with_another_manager() -> None:
    live = apply(None, deployment())
    scaled = copy.deepcopy(live)
    scaled["spec"]["replicas"] = 4
    live = update(live, scaled, "kubectl-scale")
    failure = conflict(live, deployment(replicas=3))
    assert failure.code == 409
    assert failure.reason == "Conflict"
    assert failure.message == (
        'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas'
    )
    assert failure.status()["details"] == {
        "causes": [
            {
                "reason": "FieldManagerConflict",
                "message": 'conflict with "kubectl-scale" using apps/v1',
                "field": ".spec.replicas",
            }
        ]
    }


def test_several_conflicts_are_listed_per_manager() -> None:
    live = apply(None, deployment(), manager="ci")
    failure = conflict(live, deployment(replicas=3, image="nginx:1.28"))
    assert failure.message == (
        'Apply failed with 2 conflicts: conflicts with "ci":\n'
        "- .spec.replicas\n"
        '- .spec.template.spec.containers[name="nginx"].image'
    )
    fields = [cause.field for cause in failure.causes]
    assert fields == [".spec.replicas", '.spec.template.spec.containers[name="nginx"].image']
    assert {cause.message for cause in failure.causes} == {'conflict with "ci"'}


def test_force_takes_ownership() -> None:
    live = apply(None, deployment(), manager="ci")
    forced = apply(live, deployment(replicas=3), force=True, now=T1)
    assert forced["spec"]["replicas"] == 3
    ci_fields = entries(forced)[("ci", "Apply")]["fieldsV1"]
    assert "f:replicas" not in ci_fields["f:spec"]
    assert "f:replicas" in entries(forced)[("kubectl", "Apply")]["fieldsV1"]["f:spec"]


def test_kubectl_takes_over_fields_a_client_side_apply_left() -> None:
    csa = deployment()
    last_applied = json.dumps(csa, sort_keys=True)
    csa["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": last_applied
    }
    live = update(None, csa, "kubectl-client-side-apply", now=T0)
    live["metadata"]["uid"] = "uid-1"
    # replicas equals the last applied value: the conflict is forgiven, and the annotation follows.
    result = apply(live, deployment(replicas=3), now=T1)
    assert result["spec"]["replicas"] == 3
    annotation = result["metadata"]["annotations"][
        "kubectl.kubernetes.io/last-applied-configuration"
    ]
    assert json.loads(annotation)["spec"]["replicas"] == 3
    assert annotation.endswith("\n")
    # Another manager is not forgiven.
    with pytest.raises(ApiError, match='conflict with "kubectl-client-side-apply"'):
        apply(live, deployment(replicas=3), manager="other")


def test_untracked_objects_get_a_before_first_apply_owner() -> None:
    live = deployment()
    live["metadata"]["uid"] = "uid-1"
    failure = conflict(live, deployment(replicas=3))
    assert failure.message == (
        'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: '
        ".spec.replicas"
    )


def test_apply_list_merge_keeps_live_only_items_and_config_order() -> None:
    live = apply(None, deployment(), manager="ci")
    config = deployment()
    config["spec"]["template"]["spec"]["containers"] = [{"name": "sidecar", "image": "busybox"}]
    result = apply(live, config, manager="other")
    names = [c["name"] for c in result["spec"]["template"]["spec"]["containers"]]
    assert names == ["nginx", "sidecar"]


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        (
            lambda c: c.update(kind="StatefulSet"),
            400,
            "invalid object type: apps/v1, Kind=StatefulSet",
        ),
        (
            lambda c: c["metadata"].update(managedFields=[]),
            400,
            "metadata.managedFields must be nil",
        ),
        (
            lambda c: c["spec"].update(replicaz=1),
            500,
            "failed to create typed patch object (default/nginx; apps/v1, Kind=Deployment): "
            ".spec.replicaz: field not declared in schema",
        ),
        (
            lambda c: c["spec"]["template"]["spec"]["containers"].append({"image": "x"}),
            500,
            "failed to create typed patch object (default/nginx; apps/v1, Kind=Deployment): "
            ".spec.template.spec.containers: element 1: associative list with keys has an "
            'element that omits all key fields ["name"] (and doesn\'t have default values for '
            "any key fields)",
        ),
    ],
)
def test_invalid_apply_configurations(change: Any, code: int, message: str) -> None:
    config = deployment()
    change(config)
    with pytest.raises(ApiError) as caught:
        apply(None, config)
    assert (caught.value.code, caught.value.message) == (code, message)


def test_apply_requires_a_field_manager() -> None:
    with pytest.raises(ApiError) as caught:
        apply(None, deployment(), manager="")
    status = caught.value.status()
    assert status["code"] == 422
    assert status["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for '
        "apply patch"
    )
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueRequired",
            "message": "Required value: is required for apply patch",
            "field": "fieldManager",
        }
    ]


def test_custom_resources_apply_with_deduced_types() -> None:
    widget = {
        "apiVersion": "x.io/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"a": 1, "l": [1]},
    }
    result, created = server_side_apply(
        None, widget, manager="m", force=False, api_version="x.io/v1", kind="Widget", now=T0
    )
    assert created
    # Without a schema every key is a map key (owned itself, hence "."), and lists are atomic.
    fields: Obj = {"f:spec": {".": {}, "f:a": {}, "f:l": {}}}
    assert result["metadata"]["managedFields"][0]["fieldsV1"] == fields


# --- non-apply writes --------------------------------------------------------------------------


def test_create_records_an_update_entry() -> None:
    created = update(None, deployment(), "kubectl-create", now=T0)
    assert created["metadata"]["managedFields"] == [
        {
            "manager": "kubectl-create",
            "operation": "Update",
            "apiVersion": "apps/v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                "f:spec": {
                    "f:replicas": {},
                    "f:selector": {},
                    "f:template": {
                        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                        "f:spec": {
                            "f:containers": {
                                'k:{"name":"nginx"}': {
                                    ".": {},
                                    "f:image": {},
                                    "f:name": {},
                                    "f:ports": {
                                        ".": {},
                                        'k:{"containerPort":80,"protocol":"TCP"}': {
                                            ".": {},
                                            "f:containerPort": {},
                                        },
                                    },
                                }
                            }
                        },
                    },
                },
            },
        }
    ]


def test_update_moves_fields_between_managers() -> None:
    live = update(None, deployment(), "kubectl-create", now=T0)
    live["metadata"]["uid"] = "uid-1"
    changed = copy.deepcopy(live)
    changed["spec"]["replicas"] = 7
    result = update(live, changed, "kubectl-scale", now=T1)
    owners = entries(result)
    assert "f:replicas" not in owners[("kubectl-create", "Update")]["fieldsV1"]["f:spec"]
    assert owners[("kubectl-scale", "Update")]["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert owners[("kubectl-scale", "Update")]["time"] == T1
    # Entries are sorted by operation, then time.
    assert [e["manager"] for e in result["metadata"]["managedFields"]] == [
        "kubectl-create",
        "kubectl-scale",
    ]


def test_update_that_changes_nothing_records_nothing() -> None:
    live = update(None, deployment(), "kubectl-create", now=T0)
    live["metadata"]["uid"] = "uid-1"
    result = update(live, copy.deepcopy(live), "kubectl-edit", now=T1)
    assert result["metadata"]["managedFields"] == live["metadata"]["managedFields"]


def test_removed_fields_leave_every_entry() -> None:
    live = update(None, deployment(tier="web"), "kubectl-create", now=T0)
    live["metadata"]["uid"] = "uid-1"
    unlabelled = copy.deepcopy(live)
    del unlabelled["metadata"]["labels"]["tier"]
    result = update(live, unlabelled, "kubectl-label", now=T1)
    labels = entries(result)[("kubectl-create", "Update")]["fieldsV1"]["f:metadata"]["f:labels"]
    assert labels == {".": {}, "f:app": {}}
    assert ("kubectl-label", "Update") not in entries(result)


def test_existing_untracked_objects_stay_untracked() -> None:
    live = deployment()
    live["metadata"]["uid"] = "uid-1"
    changed = deployment(replicas=9)
    changed["metadata"]["uid"] = "uid-1"
    assert "managedFields" not in update(live, changed, "kubectl-edit")["metadata"]


def test_clients_can_reset_or_replace_managed_fields() -> None:
    live = update(None, deployment(), "kubectl-create", now=T0)
    live["metadata"]["uid"] = "uid-1"
    reset = copy.deepcopy(live)
    reset["metadata"]["managedFields"] = []
    assert "managedFields" not in update(live, reset, "x")["metadata"]
    migrated = copy.deepcopy(live)
    migrated["metadata"]["managedFields"][0]["manager"] = "kubectl"
    result = update(live, migrated, "kubectl")
    assert [e["manager"] for e in result["metadata"]["managedFields"]] == ["kubectl"]


def test_status_writes_record_the_subresource() -> None:
    live = update(None, deployment(), "kubectl-create", now=T0)
    live["metadata"]["uid"] = "uid-1"
    with_status = copy.deepcopy(live)
    with_status["status"] = {"replicas": 2}
    result = update(live, with_status, "kube-controller-manager", now=T1, subresource="status")
    entry = entries(result)[("kube-controller-manager", "Update")]
    assert entry["subresource"] == "status"
    assert list(entry) == [
        "manager",
        "operation",
        "apiVersion",
        "time",
        "fieldsType",
        "fieldsV1",
        "subresource",
    ]
    assert entry["fieldsV1"] == {"f:status": {".": {}, "f:replicas": {}}}


def test_update_managers_are_capped_at_ten() -> None:
    live = update(None, deployment(), "creator", now=T0)
    live["metadata"]["uid"] = "uid-1"
    for index in range(11):
        labelled = copy.deepcopy(live)
        labelled["metadata"]["labels"][f"l{index}"] = "x"
        live = update(live, labelled, f"m{index:02d}", now=f"2026-01-01T01:{index:02d}:00Z")
    managers = [e["manager"] for e in live["metadata"]["managedFields"]]
    assert len(managers) == 10
    assert "ancient-changes" in managers
    assert "creator" not in managers and "m00" not in managers


def test_only_update_operations_go_through_update_managed_fields() -> None:
    with pytest.raises(ValueError, match="Update"):
        update_managed_fields(
            None, deployment(), manager="m", operation="Apply", api_version="apps/v1", now=T0
        )


def test_fields_v1_round_trips() -> None:
    fields = APPLIED_FIELDS
    assert encode_fields(decode_fields(fields)) == fields
    assert decode_fields({"f:a": {"x:unknown": {}}}) == decode_fields({"f:a": {}})
