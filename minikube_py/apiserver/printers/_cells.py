"""What every printer builds on: reading objects, ages, label formatting, column helpers.

Objects are read with `dig` and its typed variants, which turn a missing or mistyped field into
Go's zero value. Time-based cells are computed at request time against `now()`, a hook tests
can replace; the printers read it through this module (`_cells.now()`), so patch it here.
The column helpers build the shared Name/Age columns and a pod template's Containers, Images
and Selector columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from minikube_py.apiserver.printers._docs import _DOCS
from minikube_py.resources import Column, Obj


def _utcnow() -> datetime:
    return datetime.now(UTC)


# The clock every time-based cell reads; tests replace it to get stable ages.
now: Callable[[], datetime] = _utcnow


# --- reading objects -------------------------------------------------------------------------


def dig(obj: Any, *path: str) -> Any:
    """The value at `path` in nested dicts, or None where a step is missing or not an object."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _str(obj: Any, *path: str) -> str:
    value = dig(obj, *path)
    return value if isinstance(value, str) else ""


def _int(obj: Any, *path: str) -> int:
    value = dig(obj, *path)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _list(obj: Any, *path: str) -> list[Any]:
    value = dig(obj, *path)
    return value if isinstance(value, list) else []


def _map(obj: Any, *path: str) -> dict[str, Any]:
    value = dig(obj, *path)
    return value if isinstance(value, dict) else {}


def _has(obj: Any, *path: str) -> bool:
    """Whether the field is set at all; Go pointers distinguish `{}` from absent."""
    return dig(obj, *path) is not None


def _condition_true(conditions: list[Any], kind: str) -> bool:
    """Whether the first condition of this type is True."""
    for condition in conditions:
        if _str(condition, "type") == kind:
            return _str(condition, "status") == "True"
    return False


# --- time ------------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 (micro)timestamp as an aware datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def human_duration(seconds: float) -> str:
    """Kubernetes' `duration.HumanDuration`: about two significant figures ("3m2s", "2d3h")."""
    secs = int(seconds)  # truncates towards zero, as Go's int(d.Seconds()) does
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"  # up to a second of clock skew counts as now
    if secs < 120:
        return f"{secs}s"
    minutes, hours, days = secs // 60, secs // 3600, secs // 86400
    if minutes < 10:
        return _two_units(minutes, "m", secs % 60, "s")
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return _two_units(hours, "h", minutes % 60, "m")
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return _two_units(days, "d", hours % 24, "h")
    if hours < 24 * 365 * 2:
        return f"{days}d"
    if hours < 24 * 365 * 8:
        return _two_units(days // 365, "y", days % 365, "d")
    return f"{days // 365}y"


def _two_units(big: int, big_unit: str, small: int, small_unit: str) -> str:
    return f"{big}{big_unit}{small}{small_unit}" if small else f"{big}{big_unit}"


def since(value: Any) -> str:
    """Time elapsed since a timestamp field, or `<unknown>` when it is unset."""
    moment = parse_time(value)
    if moment is None:
        return "<unknown>"
    return human_duration((now() - moment).total_seconds())


def age(obj: Obj) -> str:
    return since(dig(obj, "metadata", "creationTimestamp"))


def created_at(obj: Obj) -> str:
    """The default table's `Created At` cell: the creation time in UTC, RFC 3339, seconds."""
    moment = parse_time(dig(obj, "metadata", "creationTimestamp"))
    if moment is None:
        return "0001-01-01T00:00:00Z"  # Go's zero time
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _name(obj: Obj) -> str:
    return _str(obj, "metadata", "name")


# --- shared formatting -----------------------------------------------------------------------


def format_labels(labels: Any) -> str:
    """`labels.FormatLabels`: sorted `k=v` pairs, or `<none>`."""
    pairs = sorted(f"{k}={v}" for k, v in labels.items()) if isinstance(labels, dict) else []
    return ",".join(pairs) or "<none>"


def label_selector_string(selector: Any) -> str | None:
    """A `metav1.LabelSelector` as `Selector.String()`, requirements sorted by key; None if invalid.

    An absent selector selects nothing and an empty one everything: both print as "".
    """
    if not isinstance(selector, dict):
        return ""
    requirements = [(str(k), f"{k}={v}") for k, v in _map(selector, "matchLabels").items()]
    for expr in _list(selector, "matchExpressions"):
        text = _expression(expr)
        if text is None:
            return None
        requirements.append((_str(expr, "key"), text))
    return ",".join(text for _, text in sorted(requirements, key=lambda r: r[0]))


def _expression(expr: Any) -> str | None:
    key, operator, values = _str(expr, "key"), _str(expr, "operator"), _list(expr, "values")
    if operator in ("In", "NotIn") and values:
        joined = ",".join(sorted(str(v) for v in values))
        return f"{key} {operator.lower()} ({joined})"
    if operator in ("Exists", "DoesNotExist") and not values:
        return key if operator == "Exists" else f"!{key}"
    return None


def format_label_selector(selector: Any) -> str:
    """`metav1.FormatLabelSelector`: the selector, `<none>` if empty, `<error>` if invalid."""
    text = label_selector_string(selector)
    return "<error>" if text is None else text or "<none>"


def _joined(items: Iterable[Any], key: str) -> str:
    return ",".join(_str(item, key) for item in items)


def _template_cells(pod_spec: Callable[[Obj], Any]) -> tuple[Callable[[Obj], str], ...]:
    """Cells listing a pod template's container names and images (the `-o wide` columns)."""

    def names(obj: Obj) -> str:
        return _joined(_list(pod_spec(obj), "containers"), "name")

    def images(obj: Obj) -> str:
        return _joined(_list(pod_spec(obj), "containers"), "image")

    return names, images


def _path(*path: str) -> Callable[[Obj], Any]:
    return lambda obj: dig(obj, *path)


def _text(*path: str) -> Callable[[Obj], str]:
    return lambda obj: _str(obj, *path)


def _count(*path: str) -> Callable[[Obj], int]:
    return lambda obj: _int(obj, *path)


def _or(cell: Callable[[Obj], str], fallback: str) -> Callable[[Obj], str]:
    """The cell, or `fallback` where it is empty."""
    return lambda obj: cell(obj) or fallback


def _optional(*path: str, unset: str) -> Callable[[Obj], str]:
    """A string pointer field: its value (even ""), or `unset` where it is absent."""
    return lambda obj: _str(obj, *path) if _has(obj, *path) else unset


# --- column definitions ----------------------------------------------------------------------


def _col(
    name: str,
    description: str,
    cell: Callable[[Obj], Any],
    *,
    kind: str = "string",
    wide: bool = False,
) -> Column:
    return Column(name=name, type=kind, description=description, cell=cell, priority=int(wide))


def _size(*path: str) -> Callable[[Obj], int]:
    """How many entries a list or map field holds."""
    return lambda obj: len(dig(obj, *path) or ())


NAME = Column("Name", "string", _DOCS["ObjectMeta.name"], _name, format="name")
AGE = _col("Age", _DOCS["ObjectMeta.creationTimestamp"], age)
# The default table of resources without a printer (`rest.NewDefaultTableConvertor`).
CREATED_AT = _col("Created At", _DOCS["ObjectMeta.creationTimestamp"], created_at, kind="date")

_CONTAINERS = "Names of each container in the template."
_IMAGES = "Images referenced by each container in the template."


def _template(
    pod_spec: Callable[[Obj], Any], selector: Column | None = None, *, wide: bool = True
) -> tuple[Column, ...]:
    """A pod template's Containers and Images columns, then its Selector if given."""
    names, images = _template_cells(pod_spec)
    columns = (
        _col("Containers", _CONTAINERS, names, wide=wide),
        _col("Images", _IMAGES, images, wide=wide),
    )
    return columns if selector is None else (*columns, selector)


def _selector(doc: str, cell: Callable[[Obj], str]) -> Column:
    return _col("Selector", _DOCS[doc], cell, wide=True)


def _label_selector(doc: str, *path: str) -> Column:
    return _selector(doc, lambda obj: format_label_selector(dig(obj, *path)))
