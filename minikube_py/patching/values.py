"""JSON-value helpers shared by the patch engines: copying, equality and Go-style rendering.

Several error messages of the real API server embed values printed by Go's `fmt` (`%v`) or
encoded by Go's JSON encoder; the `go_*` helpers reproduce those renderings.
"""

from __future__ import annotations

import json
from typing import Any

from minikube_py.apiserver.errors import ApiError


def clone(value: Any) -> Any:
    """A deep copy of a JSON value (several times faster than `copy.deepcopy`)."""
    if isinstance(value, dict):
        return {key: clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clone(item) for item in value]
    return value


def json_equal(left: Any, right: Any) -> bool:
    """JSON equality: `1 == 1.0`, but `True != 1` (Python's `==` conflates bools and ints)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, dict):
        return (
            isinstance(right, dict)
            and left.keys() == right.keys()
            and all(json_equal(item, right[key]) for key, item in left.items())
        )
    if isinstance(left, list):
        return (
            isinstance(right, list)
            and len(left) == len(right)
            and all(map(json_equal, left, right))
        )
    if isinstance(right, dict | list):
        return False
    return bool(left == right)


def go_value(value: Any) -> str:
    """`fmt.Sprintf("%v", v)` of a decoded JSON value: `map[image:nginx name:web]`, `[a b]`."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{key}:{go_value(value[key])}" for key in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_value(item) for item in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))  # Go prints whole floats without a fraction
    return str(value)


def go_type(value: Any) -> str:
    """The Go type name a decoded JSON value has (`reflect.TypeOf(v)`)."""
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return "<nil>"


def json_kind(value: Any) -> str:
    """How Go's JSON decoder names a value's type in its errors (`cannot unmarshal array`)."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "bool"
    return "string" if isinstance(value, str) else "number"


def go_json(value: Any) -> str:
    """Compact JSON as Go's encoder writes it (HTML-sensitive characters escaped)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def go_quote(text: str) -> str:
    """`fmt.Sprintf("%q", s)` for the strings that reach messages (names, keys)."""
    return json.dumps(text, ensure_ascii=False)


def server_error(message: str) -> ApiError:
    """A plain Go error surfacing from the API server: HTTP 500 with an empty reason."""
    return ApiError("", message, code=500)
