"""Objects every cluster has from its first start."""

from __future__ import annotations

from collections.abc import Iterable

from minikube_py.apiserver.errors import ApiError
from minikube_py.apiserver.rest import RestStorage, WriteOptions


async def ensure_namespaces(rest: RestStorage, names: Iterable[str]) -> None:
    """Create the system namespaces that are missing (a restart keeps the existing ones)."""
    namespaces = rest.registry.get("", "v1", "namespaces")
    assert namespaces is not None
    for name in names:
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        try:
            await rest.create(namespaces, None, body, WriteOptions())
        except ApiError as exc:
            if exc.reason != "AlreadyExists":
                raise
