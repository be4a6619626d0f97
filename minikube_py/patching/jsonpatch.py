"""RFC 6902 JSON patch, as kube-apiserver applies it (gopkg.in/evanphx/json-patch.v4).

Quirks of that library are kept because clients depend on them:

- `replace` of a missing object key adds it (kubectl's managed-fields migration replaces
  `/metadata/managedFields` whether or not the object has any);
- negative array indexes count from the end (`-1` is the last element; for `add`, the end);
- `test` of a missing or null location passes when `value` is absent or null;
- `add` and `replace` without `value` write null; `copy` from a missing object key copies null.

Errors: a body that is not a list of objects is 400 BadRequest with the Go decoder's message;
more than 10000 operations is 413. Any failing operation, a failed `test` included, is 422
Invalid with the fixed message below: kube-apiserver wraps the library's error with
NewGenericServerResponse(422, ...), which discards it. The library's message is kept as the
exception's cause for logs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from minikube_py.apiserver.errors import ApiError, bad_request
from minikube_py.patching.values import clone, json_equal, json_kind
from minikube_py.resources import Obj

MAX_OPERATIONS = 10000
REJECTED = "the server rejected our request due to an error in our request"
_GO_INT = re.compile(r"[+-]?[0-9]+")


class OperationError(Exception):
    """An operation that does not apply; the API answers 422 (see the module docstring)."""


def json_patch(doc: Obj, ops: Any) -> Obj:
    """Apply the decoded RFC 6902 patch `ops` to a copy of `doc`."""
    operations = _decode(ops)
    if len(operations) > MAX_OPERATIONS:
        raise ApiError(
            "RequestEntityTooLarge",
            f"The allowed maximum operations in a JSON patch is {MAX_OPERATIONS}, "
            f"got {len(operations)}",
        )
    result: Any = clone(doc)
    try:
        for operation in operations:
            result = _apply(result, operation)
    except OperationError as exc:
        raise ApiError("Invalid", REJECTED) from exc
    if not isinstance(result, dict):  # `replace ""` with an array: no object to decode
        raise ApiError("Invalid", REJECTED)
    return result


def _decode(ops: Any) -> list[dict[str, Any]]:
    # json.Unmarshal into []map[string]*json.RawMessage: null is an empty patch / operation.
    if ops is None:
        return []
    if not isinstance(ops, list):
        raise bad_request(_unmarshal_error(ops, "jsonpatch.Patch"))
    decoded: list[dict[str, Any]] = []
    for op in ops:
        if op is not None and not isinstance(op, dict):
            raise bad_request(_unmarshal_error(op, "jsonpatch.Operation"))
        decoded.append(op or {})
    return decoded


def _unmarshal_error(value: Any, go_type: str) -> str:
    return f"json: cannot unmarshal {json_kind(value)} into Go value of type {go_type}"


def _apply(doc: Any, op: dict[str, Any]) -> Any:
    kind = op.get("op")
    handler = _OPERATIONS.get(kind) if isinstance(kind, str) else None
    if handler is None:
        raise OperationError(f"Unexpected kind: {kind if isinstance(kind, str) else 'unknown'}")
    return handler(doc, op)


def _add(doc: Any, op: dict[str, Any]) -> Any:
    container, key = _locate(doc, _pointer(op, "path"), "add")
    _insert(container, key, clone(op.get("value")))
    return doc


def _remove(doc: Any, op: dict[str, Any]) -> Any:
    container, key = _locate(doc, _pointer(op, "path"), "remove")
    _take(container, key)
    return doc


def _replace(doc: Any, op: dict[str, Any]) -> Any:
    path = _pointer(op, "path")
    value = clone(op.get("value"))
    if path == "":
        if not isinstance(value, dict | list):
            raise OperationError("replace operation value must be object or array")
        return value
    container, key = _locate(doc, path, "replace")
    if isinstance(container, dict):
        container[key] = value  # no existence check: a missing key is added (v4 behaviour)
    else:
        container[_index(key, len(container))] = value
    return doc


def _move(doc: Any, op: dict[str, Any]) -> Any:
    source, key = _locate(doc, _pointer(op, "from"), "move")
    value = _take(source, key)
    target, target_key = _locate(doc, _pointer(op, "path"), "move")
    _insert(target, target_key, value)
    return doc


def _copy(doc: Any, op: dict[str, Any]) -> Any:
    source, key = _locate(doc, _pointer(op, "from"), "copy")
    value = _read(source, key)
    target, target_key = _locate(doc, _pointer(op, "path"), "copy")
    _insert(target, target_key, clone(value))
    return doc


def _test(doc: Any, op: dict[str, Any]) -> Any:
    path = _pointer(op, "path")
    current = doc if path == "" else _read(*_locate(doc, path, "test"))
    expected = op.get("value")
    if current is None and expected is None:
        return doc
    if current is None or "value" not in op or not json_equal(current, expected):
        raise OperationError(f"testing value {path} failed: test failed")
    return doc


_OPERATIONS: dict[str, Callable[[Any, dict[str, Any]], Any]] = {
    "add": _add,
    "remove": _remove,
    "replace": _replace,
    "move": _move,
    "copy": _copy,
    "test": _test,
}


def _pointer(op: dict[str, Any], name: str) -> str:
    value = op.get(name)
    if not isinstance(value, str):
        raise OperationError(f"operation missing {name} field: missing value")
    return value


def _locate(doc: Any, path: str, verb: str) -> tuple[Any, str]:
    """The container holding the last token of `path`, and that token (unescaped).

    Like the v4 library, only the tokens after the first "/" are walked: a path without "/" is
    missing, and a leading token before the first "/" is ignored.
    """
    tokens = path.split("/")
    node = doc if len(tokens) >= 2 else None
    for token in tokens[1:-1]:
        node = _child(node, _unescape(token))
    if not isinstance(node, dict | list):
        raise OperationError(f'{verb} operation does not apply: doc is missing path: "{path}"')
    return node, _unescape(tokens[-1])


def _child(node: Any, token: str) -> Any:
    if isinstance(node, dict):
        return node.get(token)
    if isinstance(node, list):
        try:
            return node[_index(token, len(node))]
        except OperationError:
            return None
    return None


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _insert(container: Any, key: str, value: Any) -> None:
    if isinstance(container, dict):
        container[key] = value
    elif key == "-":
        container.append(value)
    else:
        container.insert(_index(key, len(container) + 1), value)


def _read(container: Any, key: str) -> Any:
    """The value at `key`; a missing object key reads as null (v4 behaviour)."""
    if isinstance(container, dict):
        return container.get(key)
    return container[_index(key, len(container))]


def _take(container: Any, key: str) -> Any:
    if isinstance(container, dict):
        if key not in container:
            raise OperationError(f"Unable to remove nonexistent key: {key}: missing value")
        return container.pop(key)
    return container.pop(_index(key, len(container)))


def _index(token: str, length: int) -> int:
    """An array index in [0, length); negative ones count from the end (v4 behaviour)."""
    if not _GO_INT.fullmatch(token):
        raise OperationError(f"value was not a proper array index: '{token}'")
    index = int(token)
    if not -length <= index < length:
        raise OperationError(f"Unable to access invalid index: {index}: invalid index referenced")
    return index % length
