"""Objects every cluster has from its first start; a restart keeps the existing ones."""

from __future__ import annotations

from collections.abc import Iterable

from minikube_py.apiserver.errors import ApiError
from minikube_py.apiserver.rest import RestStorage, WriteOptions
from minikube_py.resources import Obj


async def _create_if_missing(
    rest: RestStorage, plural: str, namespace: str | None, body: Obj
) -> None:
    resource = rest.registry.get("", "v1", plural)
    assert resource is not None
    if rest.store.get(resource.key(namespace, body["metadata"]["name"])) is not None:
        return
    try:
        await rest.create(resource, namespace, body, WriteOptions())
    except ApiError as exc:
        if exc.reason != "AlreadyExists":
            raise


async def ensure_namespaces(rest: RestStorage, names: Iterable[str]) -> None:
    for name in names:
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        await _create_if_missing(rest, "namespaces", None, body)


async def ensure_kubernetes_service(rest: RestStorage, cluster_ip: str, api_port: int) -> None:
    """The `default/kubernetes` Service through which pods reach the API server."""
    body = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "clusterIP": cluster_ip,
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": api_port}],
        },
    }
    await _create_if_missing(rest, "services", "default", body)
