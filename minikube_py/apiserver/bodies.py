"""A write's body checked before it becomes an object: against its endpoint and the schema.

`decode_body` checks kind, apiVersion and namespace against the URL the body was sent to and
returns a private copy; `check_fields` rejects wrongly typed fields and, per fieldValidation,
unknown ones, as the real server's strict decoder does.
"""

from __future__ import annotations

from minikube_py import schema
from minikube_py.apiserver.errors import bad_request
from minikube_py.resources import Obj, Resource, clone


def decode_body(resource: Resource, namespace: str | None, body: Obj) -> Obj:
    """Check kind/apiVersion/namespace against the endpoint and return a private copy."""
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON or YAML object")
    api_version = body.get("apiVersion", resource.api_version)
    kind = body.get("kind", resource.kind)
    if kind != resource.kind or api_version != resource.api_version:
        raise bad_request(
            f"the {'kind' if kind != resource.kind else 'API version'} in the data "
            f"({kind if kind != resource.kind else api_version}) does not match the expected "
            f"{'kind' if kind != resource.kind else 'API version'} "
            f"({resource.kind if kind != resource.kind else resource.api_version})"
        )
    obj = clone(body)
    obj["apiVersion"], obj["kind"] = resource.api_version, resource.kind
    meta = obj.get("metadata")
    if meta is None:
        meta = obj["metadata"] = {}
    elif not isinstance(meta, dict):
        raise bad_request("metadata must be an object")
    if resource.namespaced:
        body_namespace = meta.get("namespace")
        if body_namespace and namespace and body_namespace != namespace:
            raise bad_request(
                "the namespace of the provided object does not match the namespace sent "
                "on the request"
            )
        meta["namespace"] = namespace or body_namespace or "default"
    else:
        meta.pop("namespace", None)
    return obj


def check_fields(resource: Resource, obj: Obj, mode: str) -> list[str]:
    """Reject wrongly typed fields (always) and unknown ones (per fieldValidation), as the
    real server's strict decoder does; warnings are what Warn mode reports instead. Unknown
    fields a write keeps going with are dropped: the real server's Go structs have no
    place for them."""
    result = schema.check(resource.api_version, resource.kind, obj)
    if result.type_errors:
        raise bad_request(
            schema.decode_error_message(resource.api_version, resource.kind, result.type_errors[0])
        )
    if not result.unknown:
        return []
    messages = [f'unknown field "{path}"' for path in result.unknown]
    if mode == "Strict":
        problem = "strict decoding error: " + ", ".join(messages)
        raise bad_request(schema.decode_error_message(resource.api_version, resource.kind, problem))
    result.drop_unknown()
    return [] if mode == "Ignore" else messages
