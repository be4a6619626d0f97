"""Subresources served by the generic API: status, scale, binding and eviction."""

from __future__ import annotations

from aiohttp import web

from minikube_py.apiserver.errors import ApiError, Cause, bad_request, conflict, invalid
from minikube_py.apiserver.printers import label_selector_string
from minikube_py.apiserver.request import (
    ResourcePath,
    dry_run,
    json_response,
    media_type,
    method_not_allowed,
    query_bool,
    read_body,
    write_options,
)
from minikube_py.apiserver.rest import DeleteOptions, RestStorage, WriteOptions
from minikube_py.patch import APPLY_PATCH, PATCH_TYPES, accepted_patch_types, apply_patch
from minikube_py.resources import Obj, Resource, clone


async def handle(rest: RestStorage, request: web.Request, path: ResourcePath) -> web.Response:
    assert path.name is not None and path.subresource is not None
    handler = _HANDLERS.get((path.subresource, request.method))
    if handler is None:
        raise method_not_allowed()
    obj = await handler(rest, request, path, write_options(request))
    status = 201 if request.method == "POST" else 200
    return json_response(obj, status)


async def _get_status(
    rest: RestStorage, request: web.Request, path: ResourcePath, options: WriteOptions
) -> Obj:
    return rest.get(path.resource, path.namespace, _name(path)).value


async def _put_subresource(
    rest: RestStorage, request: web.Request, path: ResourcePath, options: WriteOptions
) -> Obj:
    """PUT of status (or a namespace's finalize): only that part of the object changes."""
    body = await read_body(request)
    result = await rest.update(
        path.resource, path.namespace, _name(path), body, options, subresource=path.subresource
    )
    return result.obj


# ---- scale -----------------------------------------------------------------------------------


def to_scale(obj: Obj) -> Obj:
    meta = obj["metadata"]
    selector = obj.get("spec", {}).get("selector")
    # ReplicationControllers select with a plain map, the apps kinds with a LabelSelector.
    if selector and "matchLabels" not in selector and "matchExpressions" not in selector:
        selector = {"matchLabels": selector}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": obj.get("spec", {}).get("replicas", 0)},
        "status": {
            "replicas": obj.get("status", {}).get("replicas", 0),
            "selector": label_selector_string(selector) or "",
        },
    }


async def _patch_subresource(
    rest: RestStorage, request: web.Request, path: ResourcePath, options: WriteOptions
) -> Obj:
    resource = path.resource
    body = await read_body(request, accepted_patch_types(resource.api_version, resource.kind))
    result = await rest.patch(
        resource,
        path.namespace,
        _name(path),
        media_type(request.headers.get("Content-Type", "")),
        body,
        options,
        subresource=path.subresource,
        force=query_bool(request, "force"),
    )
    return result.obj


async def _get_scale(
    rest: RestStorage, request: web.Request, path: ResourcePath, options: WriteOptions
) -> Obj:
    return to_scale(rest.get(path.resource, path.namespace, _name(path)).value)


async def _put_scale(
    rest: RestStorage, request: web.Request, path: ResourcePath, options: WriteOptions
) -> Obj:
    body = await read_body(request)
    return await apply_scale(rest, path, body, options)


async def _patch_scale(
    rest: RestStorage, request: web.Request, path: ResourcePath, options: WriteOptions
) -> Obj:
    """kubectl scale: a merge patch of the Scale, carried over to spec.replicas."""
    body = await read_body(request, _SCALE_PATCH_TYPES)
    scale = to_scale(rest.get(path.resource, path.namespace, _name(path)).value)
    content_type = media_type(request.headers.get("Content-Type", ""))
    patched = apply_patch(content_type, scale, body, "autoscaling/v1", "Scale")
    return await apply_scale(rest, path, patched, options)


async def apply_scale(
    rest: RestStorage, path: ResourcePath, scale: Obj, options: WriteOptions
) -> Obj:
    """Set spec.replicas from a Scale, honouring its resourceVersion precondition."""
    name = _name(path)
    if not isinstance(scale, dict) or scale.get("kind", "Scale") != "Scale":
        raise bad_request("the body must be an autoscaling/v1 Scale")
    replicas = (scale.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise invalid(
            "Scale",
            "autoscaling",
            name,
            [
                Cause(
                    "FieldValueInvalid",
                    f"Invalid value: {replicas}: must be greater than or equal to 0",
                    "spec.replicas",
                )
            ],
        )
    entry = rest.get(path.resource, path.namespace, name)
    expected = (scale.get("metadata") or {}).get("resourceVersion")
    if expected and expected != entry.value["metadata"]["resourceVersion"]:
        raise conflict(path.resource.plural, path.resource.group, name)
    new = clone(entry.value)
    new.setdefault("spec", {})["replicas"] = replicas
    if options.dry_run:
        return to_scale(new)
    return to_scale(await rest.write_object(path.resource, new, entry))


# ---- binding and eviction (pods) -------------------------------------------------------------


async def _post_binding(
    rest: RestStorage, request: web.Request, path: ResourcePath, options: WriteOptions
) -> Obj:
    body = await read_body(request)
    return await bind_pod(rest, path.resource, path.namespace, _name(path), body, options)


async def bind_pod(
    rest: RestStorage,
    pods: Resource,
    namespace: str | None,
    name: str,
    binding: Obj,
    options: WriteOptions,
) -> Obj:
    """Assign a pod to a node, once; what the scheduler does through pods/binding."""
    target = (binding or {}).get("target") or {}
    node = target.get("name")
    if not node:
        raise invalid(
            "Binding", "", name, [Cause("FieldValueRequired", "Required value", "target.name")]
        )
    entry = rest.get(pods, namespace, name)
    current = entry.value.get("spec", {}).get("nodeName")
    if current:
        raise ApiError(
            "Conflict",
            f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} is already '
            f'assigned to node "{current}"',
            name=name,
            kind="pods/binding",
        )
    if not options.dry_run:
        new = clone(entry.value)
        new["spec"]["nodeName"] = node
        await rest.write_object(pods, new, entry)
    return _success_status()


async def _post_eviction(
    rest: RestStorage, request: web.Request, path: ResourcePath, options: WriteOptions
) -> Obj:
    body = await read_body(request)
    delete_body = (body or {}).get("deleteOptions") or {}
    await rest.delete(
        path.resource,
        path.namespace,
        _name(path),
        DeleteOptions.from_body(delete_body, dry_run(request)),
    )
    return _success_status()


def _success_status() -> Obj:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


def _name(path: ResourcePath) -> str:
    assert path.name is not None
    return path.name


_SCALE_PATCH_TYPES = tuple(t for t in PATCH_TYPES if t != APPLY_PATCH)
_HANDLERS = {
    ("status", "GET"): _get_status,
    ("status", "PUT"): _put_subresource,
    ("finalize", "PUT"): _put_subresource,
    ("status", "PATCH"): _patch_subresource,
    ("scale", "GET"): _get_scale,
    ("scale", "PUT"): _put_scale,
    ("scale", "PATCH"): _patch_scale,
    ("binding", "POST"): _post_binding,
    ("eviction", "POST"): _post_eviction,
}
