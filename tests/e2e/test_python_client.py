"""The official `kubernetes` Python client, unchanged, against the real server."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException


def _configmap(name: str, labels: dict[str, str] | None = None) -> client.V1ConfigMap:
    return client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name=name, labels=labels or {}), data={"k": "v"}
    )


def _deployment(name: str, replicas: int = 2) -> client.V1Deployment:
    labels = {"app": name}
    container = client.V1Container(
        name="web", image="nginx:1.25", ports=[client.V1ContainerPort(container_port=80)]
    )
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1DeploymentSpec(
            replicas=replicas,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[container]),
            ),
        ),
    )


def test_core_create_read_replace_delete(api_client: ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api_client)
    created = core.create_namespaced_config_map(namespace, _configmap("settings"))
    assert created.metadata.uid and created.metadata.resource_version
    assert created.metadata.creation_timestamp is not None

    read = core.read_namespaced_config_map("settings", namespace)
    assert read.data == {"k": "v"}

    read.data["k"] = "changed"
    replaced = core.replace_namespaced_config_map("settings", namespace, read)
    assert replaced.data == {"k": "changed"}
    assert int(replaced.metadata.resource_version) > int(created.metadata.resource_version)

    stale = read  # still carries the old resourceVersion
    stale.data["k"] = "lost update"
    with pytest.raises(ApiException) as conflict:
        core.replace_namespaced_config_map("settings", namespace, stale)
    assert conflict.value.status == 409

    core.delete_namespaced_config_map("settings", namespace)
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_config_map("settings", namespace)
    assert gone.value.status == 404


def test_apps_deployment_defaults_and_generation(api_client: ApiClient, namespace: str) -> None:
    apps = client.AppsV1Api(api_client)
    created = apps.create_namespaced_deployment(namespace, _deployment("web"))
    assert created.metadata.generation == 1
    assert created.spec.strategy.type == "RollingUpdate"
    assert created.spec.strategy.rolling_update.max_surge == "25%"
    assert created.spec.revision_history_limit == 10
    assert created.spec.progress_deadline_seconds == 600
    container = created.spec.template.spec.containers[0]
    assert container.image_pull_policy == "IfNotPresent"
    assert container.ports[0].protocol == "TCP"
    assert created.spec.template.spec.restart_policy == "Always"

    updated = _replace_deployment(apps, namespace, "web", lambda d: setattr(d.spec, "replicas", 5))
    assert updated.metadata.generation == 2
    assert updated.spec.replicas == 5

    relabelled = _replace_deployment(
        apps, namespace, "web", lambda d: d.metadata.labels.update(extra="label")
    )
    assert relabelled.metadata.generation == 2  # metadata changes do not bump generation


def _replace_deployment(
    apps: client.AppsV1Api, namespace: str, name: str, change: Callable[[Any], None]
) -> Any:
    """Read-modify-replace, again on 409: the deployment controller writes status meanwhile."""
    for _ in range(10):
        current = apps.read_namespaced_deployment(name, namespace)
        change(current)
        try:
            return apps.replace_namespaced_deployment(name, namespace, current)
        except ApiException as exc:
            if exc.status != 409:
                raise
    raise AssertionError(f"deployment {name} kept changing under the test")


def test_list_with_label_and_field_selectors(api_client: ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api_client)
    for name, tier in (("a", "web"), ("b", "web"), ("c", "db")):
        core.create_namespaced_config_map(namespace, _configmap(name, {"tier": tier}))

    def names(**selectors: str) -> list[str]:
        items = core.list_namespaced_config_map(namespace, **selectors).items
        return sorted(i.metadata.name for i in items)

    assert names(label_selector="tier=web") == ["a", "b"]
    assert names(label_selector="tier!=web") == ["c"]
    assert names(label_selector="tier in (db,cache)") == ["c"]
    assert names(label_selector="tier notin (db)") == ["a", "b"]
    assert names(label_selector="tier") == ["a", "b", "c"]
    assert names(label_selector="!tier") == []
    assert names(field_selector="metadata.name=b") == ["b"]
    assert names(field_selector="metadata.name!=b", label_selector="tier=web") == ["a"]


def test_pagination_is_consistent(api_client: ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api_client)
    for i in range(7):
        core.create_namespaced_config_map(namespace, _configmap(f"page-{i}"))
    first = core.list_namespaced_config_map(namespace, limit=3)
    assert len(first.items) == 3 and first.metadata._continue
    core.create_namespaced_config_map(namespace, _configmap("page-late"))  # after the snapshot
    seen = [i.metadata.name for i in first.items]
    token = first.metadata._continue
    while token:
        page = core.list_namespaced_config_map(namespace, limit=3, _continue=token)
        assert page.metadata.resource_version == first.metadata.resource_version
        seen += [i.metadata.name for i in page.items]
        token = page.metadata._continue
    assert seen == [f"page-{i}" for i in range(7)]


def test_watch_resumes_from_a_resource_version(api_client: ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api_client)
    listing = core.list_namespaced_config_map(namespace)
    start = listing.metadata.resource_version
    core.create_namespaced_config_map(namespace, _configmap("w1"))
    changed = core.read_namespaced_config_map("w1", namespace)
    changed.data = {"k": "2"}
    core.replace_namespaced_config_map("w1", namespace, changed)
    core.delete_namespaced_config_map("w1", namespace)

    events = []
    stream = watch.Watch()
    for event in stream.stream(
        core.list_namespaced_config_map, namespace, resource_version=start, timeout_seconds=5
    ):
        events.append((event["type"], event["object"].metadata.name))
        if len(events) == 3:
            stream.stop()
    assert events == [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]


def test_watch_sees_live_changes(api_client: ApiClient, namespace: str) -> None:
    apps = client.AppsV1Api(api_client)
    seen: list[tuple[str, str]] = []
    stream = watch.Watch()

    def consume() -> None:
        for event in stream.stream(apps.list_namespaced_deployment, namespace, timeout_seconds=10):
            seen.append((event["type"], event["object"].metadata.name))
            if event["type"] == "DELETED":
                stream.stop()

    reader = threading.Thread(target=consume)
    reader.start()
    apps.create_namespaced_deployment(namespace, _deployment("live", 1))
    apps.delete_namespaced_deployment("live", namespace)
    reader.join(15)
    assert ("ADDED", "live") in seen and seen[-1] == ("DELETED", "live")


def test_dynamic_client_uses_legacy_discovery(api_client: ApiClient, namespace: str) -> None:
    from kubernetes.dynamic import DynamicClient

    dynamic = DynamicClient(api_client)
    deployments = dynamic.resources.get(api_version="apps/v1", kind="Deployment")
    assert deployments.namespaced and "deploy" in deployments.short_names
    configmaps = dynamic.resources.get(api_version="v1", kind="ConfigMap")
    configmaps.create(body={"metadata": {"name": "dyn"}, "data": {"x": "1"}}, namespace=namespace)
    assert configmaps.get(name="dyn", namespace=namespace).data.x == "1"


def test_legacy_bindings_endpoint_binds_the_pod(api_client: ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api_client)
    pod = {"metadata": {"name": "bind-me"}, "spec": {"containers": [{"name": "c", "image": "x"}]}}
    core.create_namespaced_pod(namespace, pod)
    binding = client.V1Binding(
        metadata=client.V1ObjectMeta(name="bind-me"),
        target=client.V1ObjectReference(kind="Node", name="somewhere"),
    )
    core.create_namespaced_binding(namespace, binding, _preload_content=False)
    assert core.read_namespaced_pod("bind-me", namespace).spec.node_name == "somewhere"
    with pytest.raises(ApiException) as again:
        core.create_namespaced_binding(namespace, binding, _preload_content=False)
    assert again.value.status == 409
    core.delete_namespaced_pod("bind-me", namespace, grace_period_seconds=0)
