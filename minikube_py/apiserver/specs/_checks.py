"""The building blocks every spec validator shares.

- field errors, each appended to `out` and rendered like Go's `field.Error` (`_invalid`,
  `_required`, `_forbidden`, `_unsupported`, `_dup`, `_missing`);
- Go's `%#v` printing of bad values (`_go_map`, `_go_selector`, `_go_intstr`, …);
- JSON accessors that never crash on a mistyped field (`_dict`, `_list`, `_items`, `_str`,
  `_int`, `_strmap`) and the common value checks (`_nonnegative`, `_enum`, `_normalized`);
- port checks shared by containers and services, and label-selector validation and matching.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from minikube_py.apiserver.errors import Cause
from minikube_py.apiserver.validation import (
    GoText,
    field_forbidden,
    field_invalid,
    field_required,
    go_quote,
    is_label_value,
    is_qualified_name,
    validate_labels,
)

Obj = dict[str, Any]
Out = list[Cause]


# =============================================================================================
# Field errors and Go value printing
# =============================================================================================

_OMIT = GoText("")


def _shown(value: object) -> str:
    if isinstance(value, GoText):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return go_quote(value if isinstance(value, str) else str(value))


# Each helper appends one field.Error, rendered like field.Error.ErrorBody().


def _invalid(out: Out, path: str, value: object, detail: str) -> None:
    out.append(field_invalid(path, value, detail))


def _required(out: Out, path: str, detail: str = "") -> None:
    out.append(field_required(path, detail))


def _forbidden(out: Out, path: str, detail: str) -> None:
    out.append(field_forbidden(path, detail))


def _unsupported(out: Out, path: str, value: object, supported: Sequence[str]) -> None:
    detail = "supported values: " + ", ".join(go_quote(s) for s in supported)
    out.append(
        Cause("FieldValueNotSupported", f"Unsupported value: {_shown(value)}: {detail}", path)
    )


def _dup(out: Out, path: str, value: object) -> None:
    out.append(Cause("FieldValueDuplicate", f"Duplicate value: {_shown(value)}", path))


def _missing(out: Out, path: str, value: object) -> None:
    out.append(Cause("FieldValueNotFound", f"Not found: {_shown(value)}", path))


def _go_map(labels: object) -> GoText:
    """`%#v` of a map[string]string (Go prints keys sorted)."""
    if not isinstance(labels, dict):
        return GoText("map[string]string(nil)")
    pairs = ", ".join(f"{go_quote(str(k))}:{go_quote(str(v))}" for k, v in sorted(labels.items()))
    return GoText(f"map[string]string{{{pairs}}}")


def _go_strings(values: object) -> str:
    if not isinstance(values, list):
        return "[]string(nil)"
    return "[]string{" + ", ".join(go_quote(str(v)) for v in values) + "}"


def _go_selector(selector: object) -> GoText:
    """`%#v` of a metav1.LabelSelector (as in "field is immutable" for spec.selector)."""
    sel = _dict(selector)
    exprs = sel.get("matchExpressions")
    shown = "[]v1.LabelSelectorRequirement(nil)"
    if isinstance(exprs, list):
        items = [
            f"v1.LabelSelectorRequirement{{Key:{go_quote(_str(e.get('key')))}, "
            f"Operator:{go_quote(_str(e.get('operator')))}, Values:{_go_strings(e.get('values'))}}}"
            for e in map(_dict, exprs)
        ]
        shown = "[]v1.LabelSelectorRequirement{" + ", ".join(items) + "}"
    return GoText(
        f"v1.LabelSelector{{MatchLabels:{_go_map(sel.get('matchLabels')).text}, "
        f"MatchExpressions:{shown}}}"
    )


def _go_intstr(value: object) -> GoText:
    if isinstance(value, str):
        return GoText(f"intstr.IntOrString{{Type:1, IntVal:0, StrVal:{go_quote(value)}}}")
    return GoText(f'intstr.IntOrString{{Type:0, IntVal:{_int(value) or 0}, StrVal:""}}')


# =============================================================================================
# JSON accessors: decoding has checked the types, but never trust them to the point of crashing
# =============================================================================================


def _dict(value: object) -> Obj:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _items(value: object) -> list[tuple[int, Obj]]:
    return [(i, x) for i, x in enumerate(_list(value)) if isinstance(x, dict)]


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _strmap(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in _dict(value).items()}


def _nonnegative(value: object, path: str, out: Out) -> None:
    number = _int(value)
    if number is not None and number < 0:
        _invalid(out, path, number, "must be greater than or equal to 0")


def _enum(value: object, path: str, supported: Sequence[str], out: Out) -> None:
    """Required when empty, NotSupported when unknown (the usual enum-field pattern)."""
    if value in (None, ""):
        _required(out, path)
    elif value not in supported:
        _unsupported(out, path, value, supported)


def _messages(path: str, value: str, messages: Sequence[str], out: Out) -> None:
    out.extend(field_invalid(path, value, m) for m in messages)


def _normalized(value: object) -> object:
    """Semantic equality treats null, [] and {} like absent fields (apiequality.Semantic)."""
    if isinstance(value, dict):
        kept = {k: _normalized(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    return value


# =============================================================================================
# Ports (of containers and of services)
# =============================================================================================

_PROTOCOLS = ("SCTP", "TCP", "UDP")
_PORT_NAME_CHARS = re.compile(r"[-a-z0-9]+")


def _port_name_errors(name: str) -> list[str]:
    """validation.IsValidPortName."""
    errs = ["must be no more than 15 characters"] if len(name) > 15 else []
    if not _PORT_NAME_CHARS.fullmatch(name):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", name):
        errs.append("must contain at least one letter (a-z)")
    if "--" in name:
        errs.append("must not contain consecutive hyphens")
    if name.startswith("-") or name.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def _port_number(value: object, path: str, out: Out) -> None:
    number = _int(value)
    if number is not None and not 1 <= number <= 65535:
        _invalid(out, path, number, "must be between 1 and 65535, inclusive")


def _port_num_or_name(value: object, path: str, out: Out) -> None:
    if isinstance(value, str):
        _messages(path, value, _port_name_errors(value), out)
    else:
        _port_number(_int(value) or 0, path, out)


# =============================================================================================
# Label selectors
# =============================================================================================

_SELECTOR_OPS = ("In", "NotIn", "Exists", "DoesNotExist")


def _validate_selector(selector: Obj, path: str, out: Out) -> bool:
    """ValidateLabelSelector; False when LabelSelectorAsSelector would also fail."""
    before = len(out)
    out.extend(validate_labels(_strmap(selector.get("matchLabels")), f"{path}.matchLabels"))
    for i, expr in _items(selector.get("matchExpressions")):
        p = f"{path}.matchExpressions[{i}]"
        op, values = expr.get("operator"), _list(expr.get("values"))
        if op in ("In", "NotIn") and not values:
            _required(out, f"{p}.values", "must be specified when `operator` is 'In' or 'NotIn'")
        elif op in ("Exists", "DoesNotExist") and values:
            detail = "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
            _forbidden(out, f"{p}.values", detail)
        elif op not in _SELECTOR_OPS:
            _invalid(out, f"{p}.operator", _str(op), "not a valid selector operator")
        _messages(f"{p}.key", _str(expr.get("key")), is_qualified_name(_str(expr.get("key"))), out)
        for j, v in enumerate(values):
            _messages(f"{p}.values[{j}]", str(v), is_label_value(str(v)), out)
    return len(out) == before


def _selector_matches(selector: object, labels: Mapping[str, str]) -> bool:
    """metav1.LabelSelectorAsSelector(...).Matches: a missing selector matches nothing."""
    if not isinstance(selector, dict):
        return False
    if any(labels.get(k) != str(v) for k, v in _strmap(selector.get("matchLabels")).items()):
        return False
    for _, expr in _items(selector.get("matchExpressions")):
        key, op = _str(expr.get("key")), expr.get("operator")
        values = [str(v) for v in _list(expr.get("values"))]
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if (op == "Exists") != present and op in ("Exists", "DoesNotExist"):
            return False
    return True


def _selector_is_empty(selector: Obj) -> bool:
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def _template_matches(selector: object, template: Obj, path: str, out: Out) -> None:
    if isinstance(selector, dict) and _selector_is_empty(selector):
        return  # selects everything
    labels = _dict(_dict(template.get("metadata")).get("labels"))
    if not _selector_matches(selector, _strmap(labels)):
        detail = "`selector` does not match template `labels`"
        _invalid(out, f"{path}.metadata.labels", _go_map(labels or None), detail)
