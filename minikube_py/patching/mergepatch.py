"""RFC 7386 JSON merge patch, and the inverse: the merge patch turning one object into another.

kube-apiserver applies merge patches with evanphx/json-patch's MergePatch: a null patch is
400 `Invalid JSON Patch`; a patch that is not an object replaces the document, which then
fails to decode as an object (422). Values are merged per RFC 7386 (the library additionally
drops nulls inside objects nested in arrays, which decoding into Go types would drop anyway).
"""

from __future__ import annotations

from typing import Any

from minikube_py.apiserver.errors import ApiError, bad_request
from minikube_py.patching.jsonpatch import REJECTED
from minikube_py.patching.values import clone, json_equal
from minikube_py.resources import Obj


def merge_patch(doc: Obj, patch: Any) -> Obj:
    """Apply the decoded merge patch `patch` to a copy of `doc`."""
    if patch is None:
        raise bad_request("Invalid JSON Patch")
    if not isinstance(patch, dict):
        raise ApiError("Invalid", REJECTED)
    merged: Obj = merge_values(doc, patch)
    return merged


def merge_values(target: Any, patch: Any) -> Any:
    """RFC 7386 MergePatch(target, patch) on JSON values; the inputs are not modified."""
    if not isinstance(patch, dict):
        return clone(patch)
    result = clone(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_values(result.get(key), value)
    return result


def create_merge_patch(original: Obj, modified: Obj) -> Obj:
    """The merge patch `p` with `merge_patch(original, p) == modified`.

    Exact unless `modified` holds null object members, which a merge patch cannot express
    (null means "delete"); those come out absent.
    """
    patch: Obj = {key: None for key in original if key not in modified}
    for key, value in modified.items():
        if key not in original:
            patch[key] = clone(value)
        elif isinstance(value, dict) and isinstance(original[key], dict):
            nested = create_merge_patch(original[key], value)
            if nested:
                patch[key] = nested
        elif not json_equal(original[key], value):
            patch[key] = clone(value)
    return patch
