"""Subresources served by the generic API: status, scale, binding, eviction and token."""

from __future__ import annotations

from aiohttp import web

from minikube_py.apiserver.errors import (
    ApiError,
    Cause,
    bad_request,
    conflict,
    invalid,
    not_found,
)
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
from minikube_py.apiserver.rest import (
    MAX_WRITE_ATTEMPTS,
    DeleteOptions,
    RestStorage,
    WriteOptions,
    now_rfc3339,
)
from minikube_py.patch import APPLY_PATCH, PATCH_TYPES, accepted_patch_types, apply_patch
from minikube_py.resources import Obj, Resource, clone
from minikube_py.store import ConflictError, KeyNotFoundError
from minikube_py.tokens import ServiceAccountTokens

# Set by the server at start-up: who signs ServiceAccount tokens.
TOKENS = web.AppKey("service_account_tokens", ServiceAccountTokens)


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
    del scale["metadata"]["resourceVersion"]  # a precondition only if the patch sets one
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
    expected = (scale.get("metadata") or {}).get("resourceVersion")

    async def attempt() -> Obj:
        entry = rest.get(path.resource, path.namespace, name)
        if expected and expected != entry.value["metadata"]["resourceVersion"]:
            raise conflict(path.resource.plural, path.resource.group, name)
        new = clone(entry.value)
        new.setdefault("spec", {})["replicas"] = replicas
        if options.dry_run:
            return to_scale(new)
        return to_scale(await rest.write_object(path.resource, new, entry))

    # Without a resourceVersion the scale applies to whatever is latest, as a patch does.
    return await rest.guaranteed_update(path.resource, name, attempt, retry=not expected)


# ---- binding and eviction (pods) -------------------------------------------------------------


async def _post_binding(
    rest: RestStorage, request: web.Request, path: ResourcePath, options: WriteOptions
) -> Obj:
    body = await read_body(request)
    return await bind_pod(rest, path.resource, path.namespace, _name(path), body, options)


async def create_binding(
    rest: RestStorage, namespace: str | None, binding: Obj, options: WriteOptions
) -> Obj:
    """POST .../bindings (the legacy form of pods/binding): binds the pod the Binding names."""
    if not isinstance(binding, dict):
        raise bad_request("the body must be a v1 Binding")
    name = (binding.get("metadata") or {}).get("name")
    if not name:
        raise invalid(
            "Binding", "", "", [Cause("FieldValueRequired", "Required value", "metadata.name")]
        )
    pods = rest.registry.get("", "v1", "pods")
    assert pods is not None
    return await bind_pod(rest, pods, namespace, str(name), binding, options)


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
    annotations = ((binding or {}).get("metadata") or {}).get("annotations") or {}
    for _ in range(MAX_WRITE_ATTEMPTS):  # GuaranteedUpdate: read, change, write if unchanged
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
        if options.dry_run:
            return _success_status()
        # Straight to the store, as BindingREST does: pod update validation forbids setting
        # spec.nodeName, which only a binding may do.
        try:
            await rest.store.update(
                entry.key, _assigned(entry.value, node, annotations), entry.revision
            )
        except ConflictError:
            continue
        except KeyNotFoundError:
            raise not_found(pods.plural, pods.group, name) from None
        return _success_status()
    raise conflict(pods.plural, pods.group, name)


def _assigned(pod: Obj, node: str, annotations: Obj) -> Obj:
    """setPodNodeAndMetadata: the node, the binding's annotations, and PodScheduled=True."""
    new = clone(pod)
    new["spec"]["nodeName"] = node
    if annotations:
        new["metadata"]["annotations"] = {
            **(new["metadata"].get("annotations") or {}),
            **annotations,
        }
    conditions = new.setdefault("status", {}).setdefault("conditions", [])
    scheduled = {"type": "PodScheduled", "status": "True", "lastProbeTime": None}
    for i, condition in enumerate(conditions):
        if condition.get("type") == "PodScheduled":
            kept = condition.get("status") == "True" and condition.get("lastTransitionTime")
            conditions[i] = {**scheduled, "lastTransitionTime": kept or now_rfc3339()}
            break
    else:
        conditions.append({**scheduled, "lastTransitionTime": now_rfc3339()})
    return new


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


# ---- token (serviceaccounts) -----------------------------------------------------------------


async def _post_token(
    rest: RestStorage, request: web.Request, path: ResourcePath, options: WriteOptions
) -> Obj:
    """TokenRequest, as `kubectl create token` sends it: a signed, expiring token."""
    body = await read_body(request)
    return request.app[TOKENS].token_request(path.namespace or "", _name(path), body)


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
    ("token", "POST"): _post_token,
}
