"""Discovery documents, legacy and aggregated, derived from the registry on every change."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import orjson

from minikube_py.resources import Obj, Registry, Resource

# Verbs of each subresource, as real discovery lists them.
SUBRESOURCE_VERBS: dict[str, list[str]] = {
    "status": ["get", "patch", "update"],
    "finalize": ["update"],
    "scale": ["get", "patch", "update"],
    "binding": ["create"],
    "eviction": ["create"],
    "token": ["create"],
    "log": ["get"],
    "exec": ["create", "get"],
    "attach": ["create", "get"],
    "portforward": ["create", "get"],
    "proxy": ["create", "delete", "get", "patch", "update"],
    "ephemeralcontainers": ["get", "patch", "update"],
    "resize": ["get", "patch", "update"],
}
# The group/version a subresource's kind lives in, where it is not the parent's.
SUBRESOURCE_GROUP_VERSION: dict[str, tuple[str, str]] = {
    "Scale": ("autoscaling", "v1"),
    "Eviction": ("policy", "v1"),
    "TokenRequest": ("authentication.k8s.io", "v1"),
}
AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"


def _subresource_group_version(resource: Resource, kind: str) -> tuple[str, str]:
    return SUBRESOURCE_GROUP_VERSION.get(kind, (resource.group, resource.version))


def _group_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


@dataclass(frozen=True, slots=True)
class DiscoveryDocuments:
    """Every discovery body, encoded once per registry change (they cost nothing per request)."""

    api_versions: bytes  # GET /api
    group_list: bytes  # GET /apis
    resource_lists: dict[str, bytes]  # "v1", "apps/v1" -> APIResourceList
    groups: dict[str, bytes]  # "apps" -> APIGroup
    aggregated: dict[tuple[str, str], bytes]  # ("api"|"apis", v2|v2beta1) -> list


def build(registry: Registry, server_address: str) -> DiscoveryDocuments:
    group_versions = registry.group_versions()
    named = [g for g in group_versions if g]
    groups = {g: orjson.dumps(_api_group(g, group_versions[g])) for g in named}
    resource_lists = {
        _group_version(g, v): orjson.dumps(_resource_list(registry, g, v))
        for g, versions in group_versions.items()
        for v in versions
    }
    aggregated = {
        (root, version): orjson.dumps(_aggregated_list(registry, root, version))
        for root in ("api", "apis")
        for version in ("v2", "v2beta1")
    }
    api_versions = {
        "kind": "APIVersions",
        "versions": group_versions.get("", []),
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }
    group_list = {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group_entry(g, group_versions[g]) for g in named],
    }
    return DiscoveryDocuments(
        orjson.dumps(api_versions), orjson.dumps(group_list), resource_lists, groups, aggregated
    )


def _group_entry(group: str, versions: list[str]) -> Obj:
    entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": entries, "preferredVersion": entries[0]}


def _api_group(group: str, versions: list[str]) -> Obj:
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(group, versions)}


def _resource_list(registry: Registry, group: str, version: str) -> Obj:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": _group_version(group, version),
        "resources": [
            entry for r in registry.in_group_version(group, version) for entry in _legacy_entries(r)
        ],
    }


def _legacy_entries(resource: Resource) -> Iterator[Obj]:
    entry: Obj = {
        "name": resource.plural,
        "singularName": resource.singular,
        "namespaced": resource.namespaced,
        "kind": resource.kind,
        "verbs": list(resource.verbs),
    }
    if resource.short_names:
        entry["shortNames"] = list(resource.short_names)
    if resource.categories:
        entry["categories"] = list(resource.categories)
    yield entry
    for sub, kind in sorted(resource.subresources.items()):
        sub_entry: Obj = {
            "name": f"{resource.plural}/{sub}",
            "singularName": "",
            "namespaced": resource.namespaced,
        }
        group, version = _subresource_group_version(resource, kind)
        if (group, version) != (resource.group, resource.version):
            sub_entry["group"], sub_entry["version"] = group, version
        sub_entry["kind"] = kind
        sub_entry["verbs"] = SUBRESOURCE_VERBS.get(sub, ["get"])
        yield sub_entry


def _aggregated_list(registry: Registry, root: str, version: str) -> Obj:
    group_versions = registry.group_versions()
    wanted = [g for g in group_versions if bool(g) == (root == "apis")]
    items = []
    for group in wanted:
        versions = [
            {
                "version": v,
                "resources": [_aggregated_resource(r) for r in registry.in_group_version(group, v)],
                "freshness": "Current",
            }
            for v in group_versions[group]
        ]
        items.append({"metadata": {"name": group} if group else {}, "versions": versions})
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"apidiscovery.k8s.io/{version}",
        "metadata": {},
        "items": items,
    }


def _aggregated_resource(resource: Resource) -> Obj:
    entry: Obj = {
        "resource": resource.plural,
        "responseKind": {
            "group": resource.group,
            "version": resource.version,
            "kind": resource.kind,
        },
        "scope": "Namespaced" if resource.namespaced else "Cluster",
        "singularResource": resource.singular,
        "verbs": list(resource.verbs),
    }
    if resource.short_names:
        entry["shortNames"] = list(resource.short_names)
    if resource.categories:
        entry["categories"] = list(resource.categories)
    if resource.subresources:
        entry["subresources"] = [
            {
                "subresource": sub,
                "responseKind": dict(
                    zip(
                        ("group", "version"),
                        _subresource_group_version(resource, kind),
                        strict=True,
                    ),
                    kind=kind,
                ),
                "verbs": SUBRESOURCE_VERBS.get(sub, ["get"]),
            }
            for sub, kind in sorted(resource.subresources.items())
        ]
    return entry
