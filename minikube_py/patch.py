"""PATCH and server-side apply: pure functions on decoded objects, for the API server.

- `apply_patch(content_type, doc, body, api_version, kind)`: JSON patch, merge patch or
  strategic merge patch by media type (apply patches go to `server_side_apply`);
- `server_side_apply(...)`: application/apply-patch+yaml, with field ownership and conflicts;
- `update_managed_fields(...)`: the managedFields bookkeeping every other write needs;
- `accepted_patch_types(api_version, kind)`: the media types PATCH accepts for a kind (415 lists
  them); custom resources have no strategic merge patch.

Inputs are never modified (stored objects are shared); results are new objects. Errors are
`ApiError`s shaped as kube-apiserver's answers; see each engine's module for details.
"""

from __future__ import annotations

from typing import Any

from minikube_py import schema
from minikube_py.patching.apply import server_side_apply, update_managed_fields
from minikube_py.patching.jsonpatch import json_patch
from minikube_py.patching.media import (
    APPLY_PATCH,
    CUSTOM_RESOURCE_PATCH_TYPES,
    JSON_PATCH,
    MERGE_PATCH,
    PATCH_TYPES,
    STRATEGIC_MERGE_PATCH,
    unsupported_media_type,
)
from minikube_py.patching.mergepatch import create_merge_patch, merge_patch
from minikube_py.patching.strategic import strategic_merge_patch
from minikube_py.resources import Obj

__all__ = [
    "APPLY_PATCH",
    "PATCH_TYPES",
    "accepted_patch_types",
    "apply_patch",
    "create_merge_patch",
    "json_patch",
    "merge_patch",
    "server_side_apply",
    "strategic_merge_patch",
    "update_managed_fields",
]


def accepted_patch_types(api_version: str, kind: str) -> tuple[str, ...]:
    """The PATCH media types for a kind, in kube-apiserver's order."""
    if schema.definition_for(api_version, kind) is None:
        return CUSTOM_RESOURCE_PATCH_TYPES
    return PATCH_TYPES


def apply_patch(content_type: str, doc: Obj, body: Any, api_version: str, kind: str) -> Obj:
    """`doc` patched with the decoded `body` according to the Content-Type's media type.

    Raises 415 for a media type the kind does not accept; the apply media type is accepted but
    needs a field manager, so it must go to `server_side_apply` (ValueError here).
    """
    media_type = content_type.split(";", 1)[0].strip().lower()
    accepted = accepted_patch_types(api_version, kind)
    if media_type not in accepted:
        raise unsupported_media_type(accepted)
    if media_type == JSON_PATCH:
        return json_patch(doc, body)
    if media_type == MERGE_PATCH:
        return merge_patch(doc, body)
    if media_type == STRATEGIC_MERGE_PATCH:
        return strategic_merge_patch(doc, body, api_version, kind)
    raise ValueError("apply patches need a field manager: call server_side_apply")
