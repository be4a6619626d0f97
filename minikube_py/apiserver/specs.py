"""Spec validation of built-in kinds with Kubernetes' own field paths, reasons and messages.

Mirrors the `Validate<Kind>` / `Validate<Kind>Update` functions of Kubernetes 1.32
(`pkg/apis/{core,apps,batch}/validation`, plus the Service allocator's node-port range check)
for the checks clients actually hit. Objects arrive already defaulted, as in the real API server;
ObjectMeta is validated by `validation.py`. Bad values are printed the way Go prints them
(`%q`, `%v`, `%#v`), because clients and tests compare the messages.

Also home of the `resource.Quantity` parser, shared with defaulting, the scheduler and the kubelet.
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import json
import math
import re
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import orjson

from minikube_py.apiserver.errors import Cause
from minikube_py.apiserver.validation import (
    GoText,
    field_forbidden,
    field_invalid,
    field_required,
    field_too_long,
    go_quote,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_label_value,
    is_qualified_name,
    validate_labels,
)
from minikube_py.resources import exact_json

Obj = dict[str, Any]
Out = list[Cause]

# =============================================================================================
# resource.Quantity
# =============================================================================================


class QuantityError(ValueError):
    """resource.ParseQuantity's error; its text is what Kubernetes answers."""


_FORMAT_WRONG = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
_BAD_SUFFIX = "unable to parse quantity's suffix"
_QUANTITY_RE = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)")
_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12}
_DECIMAL_SUFFIXES |= {"P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_NAMES = {exp: name for name, exp in _DECIMAL_SUFFIXES.items()}
_BINARY_NAMES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]


@dataclass(frozen=True, slots=True)
class _Quantity:
    value: Fraction
    format: str  # DecimalSI, BinarySI or DecimalExponent: chosen by the suffix
    text: str | None  # the input, where Go keeps it because it is already canonical
    scale: int  # decimal exponent of the last digit written (rounding past it drops `text`)


def _round_away(value: Fraction) -> int:
    """inf.RoundUp: away from zero."""
    return math.ceil(value) if value >= 0 else math.floor(value)


def _suffix(suffix: str) -> tuple[int, int, str]:
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], "DecimalSI"
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], "BinarySI"
    if len(suffix) > 1 and suffix[0] in "eE" and re.fullmatch(r"[+-]?[0-9]+", suffix[1:]):
        return 10, int(suffix[1:]), "DecimalExponent"
    raise QuantityError(_BAD_SUFFIX)


def _keeps_text(num: str, denom: str, exp: int, fmt: str) -> bool:
    """ParseQuantity's fast path: input already in canonical form is kept verbatim."""
    shifted = num + denom
    if fmt == "BinarySI":
        precision = 15 - len(num) - int(exp * 3 / 10) - 1
        return not denom and precision >= 0 and int(num) & 7 != 0
    fits = 18 - len(shifted) >= 0 and exp - len(denom) >= -9
    return fits and (exp - len(denom)) % 3 == 0 and not shifted.endswith("000") and num[0] != "0"


@functools.lru_cache(maxsize=4096, typed=True)  # recurring strings; typed: True, 1 and 1.0 differ
def _parse(raw: object) -> _Quantity:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise QuantityError(_FORMAT_WRONG)
    text = raw.strip() if isinstance(raw, str) else repr(raw)
    if text == "0":
        return _Quantity(Fraction(0), "DecimalSI", text, 0)
    match = _QUANTITY_RE.fullmatch(text)
    if not text or match is None:
        raise QuantityError(_FORMAT_WRONG)
    sign, num, denom, suffix = match.group(1), match.group(2), match.group(3) or "", match.group(4)
    num = num.lstrip("0") or "0"  # Go strips leading zeros before anything else
    base, exp, fmt = _suffix(suffix)
    value = Fraction(int(num + denom), 10 ** len(denom)) * Fraction(base) ** exp
    if sign == "-":
        value = -value
    nanos = value * 10**9
    if nanos.denominator != 1:  # rounded up to the smallest representable amount
        value = Fraction(_round_away(nanos), 10**9)
    kept = text if _keeps_text(num, denom, exp, fmt) else None
    return _Quantity(value, fmt, kept, exp - len(denom) if base == 10 else 0)


def _format_quantity(value: Fraction, fmt: str) -> str:
    """Quantity.String() when the input is not kept: the canonical form for its format."""
    if value == 0:
        return "0"
    sign, magnitude = ("-" if value < 0 else ""), abs(value)
    if fmt == "BinarySI" and (magnitude < 1024 or magnitude.denominator != 1):
        fmt = "DecimalSI"  # small or fractional binary amounts are shown in decimal
    if fmt == "BinarySI":
        amount, power = int(magnitude), 0
        while amount % 1024 == 0 and power < len(_BINARY_NAMES) - 1:
            amount, power = amount // 1024, power + 1
        return f"{sign}{amount}{_BINARY_NAMES[power]}"
    amount, exp = _round_away(magnitude * 10**9), -9
    while amount % 10 == 0:
        amount, exp = amount // 10, exp + 1
    while exp % 3:
        amount, exp = amount * 10, exp - 1
    suffix = "" if exp == 0 else f"e{exp}"
    if fmt == "DecimalSI":
        suffix = _DECIMAL_NAMES.get(exp, suffix)
    return f"{sign}{amount}{suffix}"


def parse_quantity(raw: str | int | float) -> Fraction:
    """The exact value of a Kubernetes quantity ("500m", "1Gi", "2e3"); QuantityError if bad."""
    return _parse(raw).value


def canonical_quantity(raw: str | int | float, *, round_to_milli: bool = False) -> str:
    """How Kubernetes serialises a quantity ("1000m" → "1", "1024Mi" → "1Gi", 0.5 → "500m").

    `round_to_milli` is SetDefaults_ResourceList's extra rounding for resource lists.
    """
    if type(raw) is str:  # strings only: 1, 1.0 and True are one key to a cache
        return _canonical_text(raw, round_to_milli)
    return _canonical(raw, round_to_milli)


@functools.lru_cache(maxsize=4096)  # formatting "16Mi" again takes Fraction arithmetic
def _canonical_text(raw: str, round_to_milli: bool) -> str:
    return _canonical(raw, round_to_milli)


def _canonical(raw: str | int | float, round_to_milli: bool) -> str:
    quantity = _parse(raw)
    value, text = quantity.value, quantity.text
    if round_to_milli and quantity.scale < -3:
        value, text = Fraction(_round_away(value * 1000), 1000), None
    return text if text is not None else _format_quantity(value, quantity.format)


def _go_quantity(raw: object) -> GoText:
    """`%#v` of a resource.Quantity value (what "must be an integer" errors print)."""
    quantity = _parse(raw)
    scale = quantity.scale
    unscaled = quantity.value / Fraction(10) ** scale
    fields = (
        f"value:{int(unscaled)}, scale:{scale}" if unscaled.denominator == 1 else "value:0, scale:0"
    )
    return GoText(
        f"resource.Quantity{{i:resource.int64Amount{{{fields}}}, "
        f"d:resource.infDecAmount{{Dec:(*inf.Dec)(nil)}}, s:{go_quote(quantity.text or '')}, "
        f"Format:{go_quote(quantity.format)}}}"
    )


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


# =============================================================================================
# Pod spec (ValidatePodSpec and the container validators)
# =============================================================================================

_PROTOCOLS = ("SCTP", "TCP", "UDP")
_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_MAX_INT32 = 2**31 - 1
_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc", "sleep")
_PORT_NAME_CHARS = re.compile(r"[-a-z0-9]+")
_STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")
_STANDARD_RESOURCES = frozenset(
    {
        *_STANDARD_CONTAINER_RESOURCES,
        *(f"{kind}.{r}" for kind in ("requests", "limits") for r in _STANDARD_CONTAINER_RESOURCES),
        "pods",
        "resourcequotas",
        "services",
        "replicationcontrollers",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "storage",
        "requests.storage",
        "services.nodeports",
        "services.loadbalancers",
    }
)
_NOT_INIT = "may not be set for init containers without restartPolicy=Always"
_PROBE_COUNTS = (
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
)


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


def _container_ports(ports: object, path: str, out: Out) -> None:
    names: set[str] = set()
    for i, port in _items(ports):
        p = f"{path}[{i}]"
        name = _str(port.get("name"))
        if name:
            if errs := _port_name_errors(name):
                _messages(f"{p}.name", name, errs, out)
            elif name in names:
                _dup(out, f"{p}.name", name)
            names.add(name)
        if not port.get("containerPort"):
            _required(out, f"{p}.containerPort")
        else:
            _port_number(port.get("containerPort"), f"{p}.containerPort", out)
        if port.get("hostPort"):
            _port_number(port.get("hostPort"), f"{p}.hostPort", out)
        _enum(port.get("protocol"), f"{p}.protocol", _PROTOCOLS, out)


def _env(env: object, path: str, out: Out) -> None:
    for i, var in _items(env):
        p = f"{path}[{i}]"
        name = _str(var.get("name"))
        if not name:
            _required(out, f"{p}.name")
        elif any(not " " <= ch <= "~" or ch == "=" for ch in name):  # relaxed rule, beta in 1.32
            detail = (
                "a valid environment variable name must consist only of printable ASCII "
                "characters other than '='"
            )
            _invalid(out, f"{p}.name", name, detail)
        source = var.get("valueFrom")
        if source is None:
            continue
        kinds = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
        count = sum(1 for k in kinds if _dict(source).get(k) is not None)
        if count == 0:
            detail = (
                "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
                "`secretKeyRef`"
            )
            _invalid(out, f"{p}.valueFrom", "", detail)
        elif var.get("value"):
            detail = "may not be specified when `value` is not empty"
            _invalid(out, f"{p}.valueFrom", "", detail)
        elif count > 1:
            detail = "may not have more than one field specified at a time"
            _invalid(out, f"{p}.valueFrom", "", detail)


def _volume_mounts(mounts: object, volumes: set[str], path: str, out: Out) -> None:
    seen: set[str] = set()
    for i, mount in _items(mounts):
        p = f"{path}[{i}]"
        name, mount_path = _str(mount.get("name")), _str(mount.get("mountPath"))
        if not name:
            _required(out, f"{p}.name")
        if name not in volumes:
            _missing(out, f"{p}.name", name)
        if not mount_path:
            _required(out, f"{p}.mountPath")
        if mount_path in seen:
            _invalid(out, f"{p}.mountPath", mount_path, "must be unique")
        seen.add(mount_path)


def _resource_name(name: str, path: str, out: Out) -> None:
    """validateContainerResourceName (which keeps going after validateResourceName's errors)."""
    errs = is_qualified_name(name)
    _messages(path, name, errs, out)
    if "/" not in name:
        hugepages = name.startswith(("hugepages-", "requests.hugepages-"))
        if not errs and name not in _STANDARD_RESOURCES and not hugepages:
            detail = "must be a standard resource type or fully qualified"
            _invalid(out, path, name, detail)
        if name not in _STANDARD_CONTAINER_RESOURCES and not name.startswith("hugepages-"):
            _invalid(out, path, name, "must be a standard resource for containers")
    elif not errs and "kubernetes.io/" not in name and not _is_extended(name):
        detail = "doesn't follow extended resource name standard"
        _invalid(out, path, name, detail)


def _is_extended(name: str) -> bool:
    """helper.IsExtendedResourceName for a name outside kubernetes.io."""
    return not name.startswith("requests.") and not is_qualified_name("requests." + name)


def _quantity(raw: object, path: str, out: Out) -> tuple[Fraction, str] | None:
    """The value and canonical text of a quantity field, or an error (real Kubernetes already
    rejects these while decoding, with a 400 and the same text)."""
    try:
        if not isinstance(raw, str | int | float):
            raise QuantityError(_FORMAT_WRONG)
        return parse_quantity(raw), canonical_quantity(raw)
    except QuantityError as err:
        _invalid(out, path, raw if isinstance(raw, str) else GoText(_shown(raw)), str(err))
        return None


def _resources(resources: object, path: str, out: Out) -> None:
    """ValidateResourceRequirements: names, non-negative amounts, requests within limits."""
    res = _dict(resources)
    limits: dict[str, tuple[Fraction, str]] = {}
    for kind in ("limits", "requests"):
        for name, raw in _dict(res.get(kind)).items():
            p = f"{path}.{kind}[{name}]"
            _resource_name(name, p, out)
            parsed = _quantity(raw, p, out)
            if parsed is None:
                continue
            if parsed[0] < 0:
                _invalid(out, p, parsed[1], "must be greater than or equal to 0")
            if "/" in name and "kubernetes.io/" not in name and parsed[0].denominator != 1:
                _invalid(out, p, _go_quantity(raw), "must be an integer")  # extended resources
            if kind == "limits":
                limits[name] = parsed
            else:
                _request_within_limit(name, parsed, limits, _dict(res.get("limits")), path, out)


def _request_within_limit(
    name: str,
    request: tuple[Fraction, str],
    limits: Mapping[str, tuple[Fraction, str]],
    given: Obj,
    path: str,
    out: Out,
) -> None:
    overcommit = ("/" not in name or "kubernetes.io/" in name) and not name.startswith("hugepages-")
    if name in limits:
        (value, shown), (limit, limit_shown) = request, limits[name]
        if value != limit and not overcommit:
            detail = f"must be equal to {name} limit of {limit_shown}"
            _invalid(out, f"{path}.requests", shown, detail)
        elif value > limit:
            detail = f"must be less than or equal to {name} limit of {limit_shown}"
            _invalid(out, f"{path}.requests", shown, detail)
    elif name not in given and not overcommit:
        _required(out, f"{path}.limits", "Limit must be set for non overcommitable resources")


def _handler(handler: Obj, grace: object, path: str, out: Out) -> None:
    """validateHandler: exactly one action, each checked."""
    present = [k for k in _HANDLERS if handler.get(k) is not None]
    for extra in present[1:]:
        _forbidden(out, f"{path}.{extra}", "may not specify more than 1 handler type")
    if not present:
        _required(out, path, "must specify a handler type")
        return
    kind, action = present[0], _dict(handler.get(present[0]))
    p = f"{path}.{kind}"
    if kind == "exec" and not action.get("command"):
        _required(out, f"{p}.command")
    elif kind == "httpGet":
        if not action.get("path"):
            _required(out, f"{p}.path")
        _port_num_or_name(action.get("port"), f"{p}.port", out)
        if action.get("scheme") not in ("HTTP", "HTTPS"):
            _unsupported(out, f"{p}.scheme", _str(action.get("scheme")), ("HTTP", "HTTPS"))
    elif kind in ("tcpSocket", "grpc"):
        _port_num_or_name(action.get("port"), f"{p}.port", out)
    elif kind == "sleep":
        seconds, limit = _int(action.get("seconds")) or 0, _int(grace) or 0
        if seconds <= 0 or seconds > limit:
            detail = f"must be greater than 0 and less than terminationGracePeriodSeconds ({limit})"
            _invalid(out, p, seconds, detail)


def _probe(probe: object, kind: str, grace: object, path: str, out: Out) -> None:
    if not isinstance(probe, dict):
        return
    _handler({k: v for k, v in probe.items() if k != "sleep"}, grace, path, out)
    for key in _PROBE_COUNTS:
        _nonnegative(probe.get(key), f"{path}.{key}", out)
    probe_grace = _int(probe.get("terminationGracePeriodSeconds"))
    if probe_grace is not None and probe_grace <= 0:
        _invalid(
            out, f"{path}.terminationGracePeriodSeconds", probe_grace, "must be greater than 0"
        )
    if kind in ("livenessProbe", "startupProbe") and probe.get("successThreshold") != 1:
        value = _int(probe.get("successThreshold")) or 0
        _invalid(out, f"{path}.successThreshold", value, "must be 1")
    if kind == "readinessProbe" and probe_grace is not None:
        detail = "must not be set for readinessProbes"
        _invalid(out, f"{path}.terminationGracePeriodSeconds", probe_grace, detail)


def _probes_and_lifecycle(container: Obj, grace: object, path: str, out: Out) -> None:
    lifecycle = container.get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in ("postStart", "preStop"):
            if isinstance(lifecycle.get(hook), dict):
                _handler(lifecycle[hook], grace, f"{path}.lifecycle.{hook}", out)
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(container.get(kind), kind, grace, f"{path}.{kind}", out)


def _container_common(
    container: Obj, volumes: set[str], path: str, for_pod: bool, out: Out
) -> None:
    """validateContainerCommon (+ validateContainerOnlyForPod's whitespace check)."""
    name, image = _str(container.get("name")), _str(container.get("image"))
    if not name:
        _required(out, f"{path}.name")
    else:
        _messages(f"{path}.name", name, is_dns1123_label(name), out)
    if not image:
        _required(out, f"{path}.image")
    elif for_pod and image != image.strip():
        _invalid(out, f"{path}.image", image, "must not have leading or trailing whitespace")
    _enum(
        container.get("terminationMessagePolicy"),
        f"{path}.terminationMessagePolicy",
        _TERMINATION_MESSAGE_POLICIES,
        out,
    )
    _container_ports(container.get("ports"), f"{path}.ports", out)
    _env(container.get("env"), f"{path}.env", out)
    _volume_mounts(container.get("volumeMounts"), volumes, f"{path}.volumeMounts", out)
    policy = container.get("imagePullPolicy")
    if policy in (None, ""):
        _required(out, f"{path}.imagePullPolicy")
    elif policy not in _PULL_POLICIES:
        _unsupported(out, f"{path}.imagePullPolicy", policy, sorted(_PULL_POLICIES))
    _resources(container.get("resources"), f"{path}.resources", out)


def _host_port_conflicts(containers: Sequence[tuple[int, Obj]], path: str, out: Out) -> None:
    seen: set[str] = set()
    for i, container in containers:
        for j, port in _items(container.get("ports")):
            if not port.get("hostPort"):
                continue
            key = f"{_str(port.get('protocol'))}/{_str(port.get('hostIP'))}/{port.get('hostPort')}"
            if key in seen:
                _dup(out, f"{path}[{i}].ports[{j}].hostPort", key)
            seen.add(key)


def _volumes(volumes: object, path: str, out: Out) -> set[str]:
    """ValidateVolumes: names; returns the names mounts may refer to (only the valid ones)."""
    valid: set[str] = set()
    for i, volume in _items(volumes):
        p = f"{path}[{i}].name"
        name = _str(volume.get("name"))
        errors: Out = []
        if not name:
            _required(errors, p)
        else:
            _messages(p, name, is_dns1123_label(name), errors)
        if name in valid:
            _dup(errors, p, name)
        sources = [k for k, v in volume.items() if k != "name" and v is not None]
        for extra in sources[1:]:
            _forbidden(errors, f"{path}[{i}].{extra}", "may not specify more than 1 volume type")
        if not sources:
            _required(errors, f"{path}[{i}]", "must specify a volume type")
        out.extend(errors)
        if not errors:
            valid.add(name)
    return valid


def _containers(spec: Obj, volumes: set[str], path: str, for_pod: bool, out: Out) -> None:
    containers, grace = _items(spec.get("containers")), spec.get("terminationGracePeriodSeconds")
    if not containers:
        _required(out, f"{path}.containers")
    names: set[str] = set()
    for i, container in containers:
        p = f"{path}.containers[{i}]"
        _container_common(container, volumes, p, for_pod, out)
        name = _str(container.get("name"))
        if name in names:
            _dup(out, f"{p}.name", name)
        names.add(name)
        _probes_and_lifecycle(container, grace, p, out)
        if container.get("restartPolicy") is not None:
            _forbidden(out, f"{p}.restartPolicy", "may not be set for non-init containers")
    _host_port_conflicts(containers, f"{path}.containers", out)
    for i, container in _items(spec.get("initContainers")):
        p = f"{path}.initContainers[{i}]"
        _container_common(container, volumes, p, for_pod, out)
        restart = container.get("restartPolicy")
        if restart is not None and restart != "Always":
            _unsupported(out, f"{p}.restartPolicy", restart, ("Always",))
        name = _str(container.get("name"))
        if name in names:
            _dup(out, f"{p}.name", name)
        elif name:
            names.add(name)
        _host_port_conflicts([(i, container)], f"{path}.initContainers", out)
        if restart == "Always":
            _probes_and_lifecycle(container, grace, p, out)
            continue
        for key in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
            if container.get(key) is not None:
                _forbidden(out, f"{p}.{key}", _NOT_INIT)


def _tolerations(tolerations: object, path: str, out: Out) -> None:
    for i, tol in _items(tolerations):
        p = f"{path}[{i}]"
        key, op, effect = _str(tol.get("key")), _str(tol.get("operator")), _str(tol.get("effect"))
        if key:
            _messages(f"{p}.key", key, is_qualified_name(key), out)
        if not key and op != "Exists":
            detail = (
                "operator must be Exists when `key` is empty, which means "
                '"match all values and all keys"'
            )
            _invalid(out, f"{p}.operator", op, detail)
        if tol.get("tolerationSeconds") is not None and effect != "NoExecute":
            detail = "effect must be 'NoExecute' when `tolerationSeconds` is set"
            _invalid(out, f"{p}.effect", effect, detail)
        if op in ("Equal", ""):
            if errs := is_label_value(_str(tol.get("value"))):
                _invalid(out, f"{p}.operator", _str(tol.get("value")), ";".join(errs))
        elif op == "Exists" and tol.get("value"):
            detail = "value must be empty when `operator` is 'Exists'"
            _invalid(out, f"{p}.operator", _go_toleration(tol), detail)
        elif op != "Exists":
            _unsupported(out, f"{p}.operator", op, ("Equal", "Exists"))
        if effect and effect not in _TAINT_EFFECTS:
            _unsupported(out, f"{p}.effect", effect, _TAINT_EFFECTS)


def _go_toleration(tol: Obj) -> GoText:
    seconds = _int(tol.get("tolerationSeconds"))
    pointer = "(*int64)(nil)" if seconds is None else "(*int64)(0xc000000000)"
    fields = ", ".join(
        f"{k.capitalize()}:{go_quote(_str(tol.get(k)))}"
        for k in ("key", "operator", "value", "effect")
    )
    return GoText(f"core.Toleration{{{fields}, TolerationSeconds:{pointer}}}")


def validate_pod_spec(spec: Obj, path: str, out: Out, *, for_pod: bool = False) -> None:
    """ValidatePodSpec (the parts clients hit), for pods and every pod template.

    The pods of one template share their spec, and a pod's spec rarely changes after it is
    bound: the causes are memoized by the spec's JSON, where it has an exact one.
    """
    encoded = exact_json(spec)
    if encoded is None:
        _check_pod_spec(spec, path, out, for_pod)
    else:
        out.extend(_pod_spec_causes(encoded, path, for_pod))


@functools.lru_cache(maxsize=1024)
def _pod_spec_causes(encoded: bytes, path: str, for_pod: bool) -> tuple[Cause, ...]:
    out: Out = []
    _check_pod_spec(orjson.loads(encoded), path, out, for_pod)
    return tuple(out)


def _check_pod_spec(spec: Obj, path: str, out: Out, for_pod: bool) -> None:
    if spec.get("terminationGracePeriodSeconds") is None:
        _required(out, f"{path}.terminationGracePeriodSeconds")
    volumes = _volumes(spec.get("volumes"), f"{path}.volumes", out)
    _containers(spec, volumes, path, for_pod, out)
    _enum(spec.get("restartPolicy"), f"{path}.restartPolicy", _RESTART_POLICIES, out)
    _enum(spec.get("dnsPolicy"), f"{path}.dnsPolicy", _DNS_POLICIES, out)
    out.extend(validate_labels(_strmap(spec.get("nodeSelector")), f"{path}.nodeSelector"))
    for key in ("serviceAccountName", "nodeName", "priorityClassName"):
        if value := _str(spec.get(key)):
            _messages(f"{path}.{key}", value, is_dns1123_subdomain(value), out)
    deadline = _int(spec.get("activeDeadlineSeconds"))
    if deadline is not None and not 1 <= deadline <= _MAX_INT32:
        detail = f"must be between 1 and {_MAX_INT32}, inclusive"
        _invalid(out, f"{path}.activeDeadlineSeconds", deadline, detail)
    for key in ("hostname", "subdomain"):
        if value := _str(spec.get(key)):
            _messages(f"{path}.{key}", value, is_dns1123_label(value), out)
    _tolerations(spec.get("tolerations"), f"{path}.tolerations", out)
    if spec.get("preemptionPolicy") is not None:
        supported = ("PreemptLowerPriority", "Never")
        _enum(spec.get("preemptionPolicy"), f"{path}.preemptionPolicy", supported, out)


def _pod_template(template: Obj, path: str, out: Out) -> None:
    """ValidatePodTemplateSpec (labels are checked at `<path>.labels`, as Kubernetes does)."""
    meta = _dict(template.get("metadata"))
    out.extend(validate_labels(_strmap(meta.get("labels")), f"{path}.labels"))
    spec = _dict(template.get("spec"))
    validate_pod_spec(spec, f"{path}.spec", out)
    if spec.get("ephemeralContainers"):
        detail = "ephemeral containers not allowed in pod template"
        _forbidden(out, f"{path}.spec.ephemeralContainers", detail)


# ---- Pod create / update --------------------------------------------------------------------

_UPDATABLE_POD_FIELDS = ",".join(
    (
        "`spec.containers[*].image`",
        "`spec.initContainers[*].image`",
        "`spec.activeDeadlineSeconds`",
        "`spec.tolerations` (only additions to existing tolerations)",
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
        "negative)",
    )
)


def _pod(obj: Obj, old: Obj | None) -> Out:
    out: Out = []
    spec = _dict(obj.get("spec"))
    validate_pod_spec(spec, "spec", out, for_pod=True)
    if old is None:
        if spec.get("ephemeralContainers"):
            _forbidden(out, "spec.ephemeralContainers", "cannot be set on create")
        if spec.get("nodeName") and spec.get("schedulingGates"):
            detail = "cannot be set until all schedulingGates have been cleared"
            _forbidden(out, "spec.nodeName", detail)
    else:
        _pod_update(spec, _dict(old.get("spec")), out)
    return out


def _pod_update(spec: Obj, old: Obj, out: Out) -> None:
    """ValidatePodUpdate: only images, activeDeadlineSeconds and tolerations may change."""
    for key in ("containers", "initContainers"):
        new_list, old_list = _list(spec.get(key)), _list(old.get(key))
        if len(new_list) != len(old_list):
            _forbidden(out, f"spec.{key}", "pod updates may not add or remove containers")
            return
    deadline, old_deadline = (
        _int(spec.get("activeDeadlineSeconds")),
        _int(old.get("activeDeadlineSeconds")),
    )
    if deadline is not None and old_deadline is not None and old_deadline < deadline:
        _invalid(
            out,
            "spec.activeDeadlineSeconds",
            deadline,
            "must be less than or equal to previous value",
        )
        return
    if deadline is None and old_deadline is not None:
        detail = "must not update from a positive integer to nil value"
        _invalid(out, "spec.activeDeadlineSeconds", None, detail)
    new_tols = [_normalized(t) for t in _list(spec.get("tolerations"))]
    for tol in _list(old.get("tolerations")):
        wanted = _normalized({**_dict(tol), "tolerationSeconds": None})
        if not any(
            _normalized({**_dict(t), "tolerationSeconds": None}) == wanted for t in new_tols
        ):
            detail = "existing toleration can not be modified except its tolerationSeconds"
            _forbidden(out, "spec.tolerations", detail)
            break
    munged = dict(spec)
    for key in ("containers", "initContainers"):
        if spec.get(key):
            munged[key] = [
                {**_dict(c), "image": _dict(o).get("image")}
                for c, o in zip(_list(spec.get(key)), _list(old.get(key)), strict=True)
            ]
    for key in ("activeDeadlineSeconds", "tolerations", "schedulingGates"):
        if key in old:
            munged[key] = old[key]
        else:  # as null, which normalizing drops: absent keeps `munged == old` possible below
            munged.pop(key, None)
    # Equal values normalize alike: the normalized walks are needed only when they differ.
    if munged != old and _normalized(munged) != _normalized(old):
        _forbidden(
            out,
            "spec",
            f"pod updates may not change fields other than {_UPDATABLE_POD_FIELDS}\n"
            + _spec_diff(old, munged),
        )


def _spec_diff(old: Obj, new: Obj) -> str:
    """A cmp.Diff-like summary (Kubernetes prints cmp.Diff of the internal structs here)."""
    lines, old, new = ["  core.PodSpec{"], _dict(_normalized(old)), _dict(_normalized(new))
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before != after:
            name = key[:1].upper() + key[1:]
            lines += [f"-\t{name}: {json.dumps(before)},", f"+\t{name}: {json.dumps(after)},"]
    return "\n".join([*lines, "  }"])


# =============================================================================================
# Workloads
# =============================================================================================


def _selector_and_template(spec: Obj, kind: str, path: str, out: Out) -> None:
    """ReplicaSet/Deployment: selector required, valid, non-empty, matching the template."""
    selector = spec.get("selector")
    valid = True
    if not isinstance(selector, dict):
        _required(out, f"{path}.selector")
    else:
        valid = _validate_selector(selector, f"{path}.selector", out)
        if _selector_is_empty(selector):
            detail = f"empty selector is invalid for {kind}"
            _invalid(out, f"{path}.selector", _go_selector(selector), detail)
    if not valid:
        _invalid(out, f"{path}.selector", _go_selector(selector), "invalid label selector")
        return
    template = _dict(spec.get("template"))
    _template_matches(selector, template, f"{path}.template", out)
    _pod_template(template, f"{path}.template", out)
    _always_restarts(template, kind, f"{path}.template.spec", out)


def _template_matches(selector: object, template: Obj, path: str, out: Out) -> None:
    if isinstance(selector, dict) and _selector_is_empty(selector):
        return  # selects everything
    labels = _dict(_dict(template.get("metadata")).get("labels"))
    if not _selector_matches(selector, _strmap(labels)):
        detail = "`selector` does not match template `labels`"
        _invalid(out, f"{path}.metadata.labels", _go_map(labels or None), detail)


def _always_restarts(template: Obj, kind: str, path: str, out: Out) -> None:
    spec = _dict(template.get("spec"))
    if spec.get("restartPolicy") != "Always":
        _unsupported(out, f"{path}.restartPolicy", _str(spec.get("restartPolicy")), ("Always",))
    if spec.get("activeDeadlineSeconds") is not None:
        detail = f"activeDeadlineSeconds in {kind} is not Supported"
        _forbidden(out, f"{path}.activeDeadlineSeconds", detail)


def _int_or_percent(value: object, path: str, out: Out) -> int:
    """ValidatePositiveIntOrPercent; returns the number (or percentage) for further checks."""
    if isinstance(value, str):
        if not re.fullmatch(r"[0-9]+%", value):
            detail = (
                "a valid percent string must be a numeric string followed by an ending '%' "
                "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
            )
            _invalid(out, path, _go_intstr(value), detail)
            return 0
        return int(value[:-1])
    _nonnegative(value, path, out)
    return _int(value) or 0


def _at_most_100_percent(value: object, path: str, out: Out) -> None:
    """IsNotMoreThan100Percent."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]+%", value) and int(value[:-1]) > 100:
        _invalid(out, path, _go_intstr(value), "must not be greater than 100%")


def _deployment(obj: Obj, old: Obj | None) -> Out:
    out: Out = []
    spec = _dict(obj.get("spec"))
    _nonnegative(spec.get("replicas"), "spec.replicas", out)
    _selector_and_template(spec, "deployment", "spec", out)
    strategy = _dict(spec.get("strategy"))
    kind = strategy.get("type")
    rolling = strategy.get("rollingUpdate")
    if kind == "Recreate" and rolling is not None:
        detail = "may not be specified when strategy `type` is 'Recreate'"
        _forbidden(out, "spec.strategy.rollingUpdate", detail)
    elif kind == "RollingUpdate" and not isinstance(rolling, dict):
        _required(out, "spec.strategy.rollingUpdate", "this should be defaulted and never be nil")
    elif kind == "RollingUpdate":
        p = "spec.strategy.rollingUpdate"
        unavailable = _int_or_percent(
            _dict(rolling).get("maxUnavailable"), f"{p}.maxUnavailable", out
        )
        surge = _int_or_percent(_dict(rolling).get("maxSurge"), f"{p}.maxSurge", out)
        if unavailable == 0 and surge == 0:
            shown = _go_intstr(_dict(rolling).get("maxUnavailable"))
            _invalid(out, f"{p}.maxUnavailable", shown, "may not be 0 when `maxSurge` is 0")
        _at_most_100_percent(_dict(rolling).get("maxUnavailable"), f"{p}.maxUnavailable", out)
    elif kind not in ("Recreate", "RollingUpdate"):
        ru = "nil" if rolling is None else "0xc000000000"
        shown = GoText(
            f"apps.DeploymentStrategy{{Type:{go_quote(_str(kind))}, "
            f"RollingUpdate:(*apps.RollingUpdateDeployment)({ru})}}"
        )
        _unsupported(out, "spec.strategy", shown, ("Recreate", "RollingUpdate"))
    _nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds", out)
    _nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit", out)
    deadline = _int(spec.get("progressDeadlineSeconds"))
    if deadline is not None:
        _nonnegative(deadline, "spec.progressDeadlineSeconds", out)
        if deadline <= (_int(spec.get("minReadySeconds")) or 0):
            _invalid(
                out,
                "spec.progressDeadlineSeconds",
                deadline,
                "must be greater than minReadySeconds",
            )
    _selector_immutable(obj, old, out)
    return out


def _replica_set(obj: Obj, old: Obj | None) -> Out:
    out: Out = []
    spec = _dict(obj.get("spec"))
    _nonnegative(spec.get("replicas"), "spec.replicas", out)
    _nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds", out)
    _selector_and_template(spec, "deployment", "spec", out)  # sic: Kubernetes says "deployment"
    _selector_immutable(obj, old, out)
    return out


def _daemon_set(obj: Obj, old: Obj | None) -> Out:
    out: Out = []
    spec = _dict(obj.get("spec"))
    selector = spec.get("selector")
    valid = (
        _validate_selector(selector, "spec.selector", out) if isinstance(selector, dict) else True
    )
    template = _dict(spec.get("template"))
    if valid:  # a missing selector is not required here, but matches nothing
        _template_matches(selector, template, "spec.template", out)
    if isinstance(selector, dict) and _selector_is_empty(selector):
        detail = "empty selector is invalid for daemonset"
        _invalid(out, "spec.selector", _go_selector(selector), detail)
    _pod_template(template, "spec.template", out)
    _always_restarts(template, "DaemonSet", "spec.template.spec", out)
    _nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds", out)
    strategy = _dict(spec.get("updateStrategy"))
    if strategy.get("type") == "RollingUpdate":
        _daemon_set_rolling_update(strategy.get("rollingUpdate"), out)
    elif strategy.get("type") != "OnDelete":
        _unsupported(
            out,
            "spec.updateStrategy",
            _go_strategy(strategy, "apps.DaemonSetUpdateStrategy", "apps.RollingUpdateDaemonSet"),
            ("RollingUpdate", "OnDelete"),
        )
    _nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit", out)
    _selector_immutable(obj, old, out)
    return out


def _go_strategy(strategy: Obj, kind: str, rolling: str) -> GoText:
    pointer = "nil" if strategy.get("rollingUpdate") is None else "0xc000000000"
    return GoText(
        f"{kind}{{Type:{go_quote(_str(strategy.get('type')))}, "
        f"RollingUpdate:(*{rolling})({pointer})}}"
    )


def _daemon_set_rolling_update(rolling: object, out: Out) -> None:
    p = "spec.updateStrategy.rollingUpdate"
    if not isinstance(rolling, dict):
        _required(out, p)
        return
    unavailable = _int_or_percent(rolling.get("maxUnavailable"), f"{p}.maxUnavailable", out)
    surge = _int_or_percent(rolling.get("maxSurge"), f"{p}.maxSurge", out)
    for key in ("maxUnavailable", "maxSurge"):
        _at_most_100_percent(rolling.get(key), f"{p}.{key}", out)
    if unavailable and surge:
        detail = "may not be set when maxUnavailable is non-zero"
        _invalid(out, f"{p}.maxSurge", _go_intstr(rolling.get("maxSurge")), detail)
    elif not unavailable and not surge:
        _required(out, f"{p}.maxUnavailable", "cannot be 0 when maxSurge is 0")


def _stateful_set(obj: Obj, old: Obj | None) -> Out:
    """ValidateStatefulSetSpec: note that Kubernetes does not validate the pod template's spec."""
    out: Out = []
    spec = _dict(obj.get("spec"))
    policy = spec.get("podManagementPolicy")
    if policy in (None, ""):
        _required(out, "spec.podManagementPolicy")
    elif policy not in ("OrderedReady", "Parallel"):
        _invalid(
            out, "spec.podManagementPolicy", _str(policy), "must be 'OrderedReady' or 'Parallel'"
        )
    _stateful_set_strategy(_dict(spec.get("updateStrategy")), out)
    retention = spec.get("persistentVolumeClaimRetentionPolicy")
    for key in ("whenDeleted", "whenScaled") if isinstance(retention, dict) else ():
        if _dict(retention).get(key) not in ("Retain", "Delete"):
            p = f"spec.persistentVolumeClaimRetentionPolicy.{key}"
            _unsupported(out, p, _str(_dict(retention).get(key)), ("Retain", "Delete"))
    _nonnegative(spec.get("replicas"), "spec.replicas", out)
    _nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds", out)
    selector, template = spec.get("selector"), _dict(spec.get("template"))
    valid = True
    if not isinstance(selector, dict):
        _required(out, "spec.selector")
    else:
        valid = _validate_selector(selector, "spec.selector", out)
        if _selector_is_empty(selector):
            _invalid(
                out,
                "spec.selector",
                _go_selector(selector),
                "empty selector is invalid for statefulset",
            )
    if not valid:
        _invalid(out, "spec.selector", _go_selector(selector), "")
    else:
        _template_matches(selector, template, "spec.template", out)
        labels = _strmap(_dict(template.get("metadata")).get("labels"))
        out.extend(validate_labels(labels, "spec.template.labels"))
    _always_restarts(template, "StatefulSet", "spec.template.spec", out)
    if old is not None:
        _stateful_set_update(spec, _dict(old.get("spec")), out)
    return out


def _stateful_set_strategy(strategy: Obj, out: Out) -> None:
    kind, rolling = strategy.get("type"), strategy.get("rollingUpdate")
    if kind in (None, ""):
        _required(out, "spec.updateStrategy")
    elif kind == "OnDelete" and rolling is not None:
        shown = GoText(
            "&apps.RollingUpdateStatefulSetStrategy{Partition:0, "
            "MaxUnavailable:(*intstr.IntOrString)(nil)}"
        )
        _invalid(
            out,
            "spec.updateStrategy.rollingUpdate",
            shown,
            "only allowed for updateStrategy 'RollingUpdate'",
        )
    elif kind == "RollingUpdate" and isinstance(rolling, dict):
        p = "spec.updateStrategy.rollingUpdate"
        _nonnegative(rolling.get("partition"), f"{p}.partition", out)
        if rolling.get("maxUnavailable") is not None:
            value = _int_or_percent(rolling.get("maxUnavailable"), f"{p}.maxUnavailable", out)
            if value == 0:
                _invalid(
                    out, f"{p}.maxUnavailable", _go_intstr(rolling["maxUnavailable"]), "cannot be 0"
                )
            _at_most_100_percent(rolling.get("maxUnavailable"), f"{p}.maxUnavailable", out)
    elif kind not in ("OnDelete", "RollingUpdate"):
        shown = _go_strategy(
            strategy, "apps.StatefulSetUpdateStrategy", "apps.RollingUpdateStatefulSetStrategy"
        )
        _invalid(out, "spec.updateStrategy", shown, "must be 'RollingUpdate' or 'OnDelete'")


_STATEFUL_SET_MUTABLE = (
    "replicas",
    "template",
    "updateStrategy",
    "minReadySeconds",
    "ordinals",
    "persistentVolumeClaimRetentionPolicy",
)


def _stateful_set_update(spec: Obj, old: Obj, out: Out) -> None:
    new_rest = {k: v for k, v in spec.items() if k not in _STATEFUL_SET_MUTABLE}
    old_rest = {k: v for k, v in old.items() if k not in _STATEFUL_SET_MUTABLE}
    if _normalized(new_rest) != _normalized(old_rest):
        detail = (
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
            "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
            "forbidden"
        )
        _forbidden(out, "spec", detail)


def _selector_immutable(obj: Obj, old: Obj | None, out: Out) -> None:
    """apps/v1 strategies forbid changing spec.selector."""
    if old is None:
        return
    new_sel, old_sel = (
        _dict(obj.get("spec")).get("selector"),
        _dict(old.get("spec")).get("selector"),
    )
    if _normalized(new_sel) != _normalized(old_sel):
        _invalid(out, "spec.selector", _go_selector(new_sel), "field is immutable")


def _replication_controller(obj: Obj, old: Obj | None) -> Out:
    out: Out = []
    spec = _dict(obj.get("spec"))
    _nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds", out)
    selector = _strmap(spec.get("selector"))
    if not selector:
        _required(out, "spec.selector")
    _nonnegative(spec.get("replicas"), "spec.replicas", out)
    template = spec.get("template")
    if not isinstance(template, dict):
        _required(out, "spec.template")
        return out
    labels = _strmap(_dict(template.get("metadata")).get("labels"))
    if selector and any(labels.get(k) != v for k, v in selector.items()):
        detail = "`selector` does not match template `labels`"
        _invalid(out, "spec.template.metadata.labels", _go_map(labels or None), detail)
    _pod_template(template, "spec.template", out)
    _always_restarts(template, "ReplicationController", "spec.template.spec", out)
    return out


def _pod_template_kind(obj: Obj, old: Obj | None) -> Out:
    out: Out = []
    _pod_template(_dict(obj.get("template")), "template", out)
    return out


# ---- Jobs and CronJobs ----------------------------------------------------------------------

_JOB_LABELS = ("controller-uid", "job-name")


def _job_spec(spec: Obj, path: str, out: Out) -> None:
    """validateJobSpec."""
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit"):
        _nonnegative(spec.get(key), f"{path}.{key}", out)
    for key in ("ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"):
        _nonnegative(spec.get(key), f"{path}.{key}", out)
    mode = spec.get("completionMode")
    if mode is not None and mode not in ("NonIndexed", "Indexed"):
        _unsupported(out, f"{path}.completionMode", mode, ("NonIndexed", "Indexed"))
    if mode == "Indexed" and spec.get("completions") is None:
        _required(out, f"{path}.completions", "when completion mode is Indexed")
    if mode != "Indexed":
        for key in ("backoffLimitPerIndex", "maxFailedIndexes"):
            if _int(spec.get(key)) is not None:
                _invalid(out, f"{path}.{key}", spec[key], "requires indexed completion mode")
    replacement = spec.get("podReplacementPolicy")
    if replacement is not None:
        allowed = (
            ("Failed",)
            if spec.get("podFailurePolicy") is not None
            else ("Failed", "TerminatingOrFailed")
        )
        if replacement not in allowed:
            _unsupported(out, f"{path}.podReplacementPolicy", replacement, allowed)
    template = _dict(spec.get("template"))
    _pod_template(template, f"{path}.template", out)
    restart = _dict(template.get("spec")).get("restartPolicy")
    p = f"{path}.template.spec.restartPolicy"
    if restart in ("Always", "", None):
        _required(out, p, 'valid values: "OnFailure", "Never"')
    elif restart not in ("OnFailure", "Never"):
        _unsupported(out, p, restart, ("OnFailure", "Never"))
    elif spec.get("podFailurePolicy") is not None and restart != "Never":
        _invalid(out, p, restart, 'only "Never" is supported when podFailurePolicy is specified')


def _generated_selector(obj: Obj, out: Out) -> None:
    """validateGeneratedSelector: the labels PrepareForCreate put on the template are intact."""
    spec, meta = _dict(obj.get("spec")), _dict(obj.get("metadata"))
    if spec.get("manualSelector") is True or spec.get("selector") is None:
        return
    uid, name = _str(meta.get("uid")), _str(meta.get("name"))
    if not uid:
        _required(out, "metadata.uid")
    labels = _strmap(_dict(_dict(spec.get("template")).get("metadata")).get("labels"))
    expected = {}
    for prefix in ("", "batch.kubernetes.io/"):
        for key, value in zip(_JOB_LABELS, (uid, name), strict=True):
            expected[prefix + key] = value
            p = f"spec.template.metadata.labels[{prefix}{key}]"
            if prefix + key not in labels:
                _required(out, p, f"must be '{value}'")
            elif labels[prefix + key] != value:
                _invalid(out, p, _go_map(labels), f"must be '{value}'")
    if not _selector_matches(spec.get("selector"), expected):
        _invalid(
            out,
            "spec.selector",
            _go_selector(spec.get("selector")),
            "`selector` not auto-generated",
        )


def _job(obj: Obj, old: Obj | None) -> Out:
    out: Out = []
    if old is None:
        _generated_selector(obj, out)
    spec = _dict(obj.get("spec"))
    _job_spec(spec, "spec", out)
    selector = spec.get("selector")
    if not isinstance(selector, dict):
        _required(out, "spec.selector")
    if not isinstance(selector, dict) or _validate_selector(selector, "spec.selector", out):
        _template_matches(selector, _dict(spec.get("template")), "spec.template", out)
    if old is not None:
        _job_update(spec, _dict(old.get("spec")), out)
    return out


def _job_update(spec: Obj, old: Obj, out: Out) -> None:
    if spec.get("completionMode") != "Indexed" and spec.get("completions") != old.get(
        "completions"
    ):
        _invalid(out, "spec.completions", spec.get("completions"), "field is immutable")
    if _normalized(spec.get("selector")) != _normalized(old.get("selector")):
        _invalid(out, "spec.selector", _go_selector(spec.get("selector")), "field is immutable")
    new_tpl, old_tpl = _dict(spec.get("template")), _dict(old.get("template"))
    if old.get("suspend") is True:  # suspended, never-started jobs may change scheduling hints
        new_tpl, old_tpl = _without_scheduling(new_tpl), _without_scheduling(old_tpl)
    if _normalized(new_tpl) != _normalized(old_tpl):
        _invalid(out, "spec.template", GoText("core.PodTemplateSpec{...}"), "field is immutable")
    for key in (
        "completionMode",
        "podFailurePolicy",
        "backoffLimitPerIndex",
        "managedBy",
        "successPolicy",
    ):
        if _normalized(spec.get(key)) != _normalized(old.get(key)):
            _invalid(out, f"spec.{key}", spec.get(key), "field is immutable")


def _without_scheduling(template: Obj) -> Obj:
    spec = {
        k: v
        for k, v in _dict(template.get("spec")).items()
        if k not in ("nodeSelector", "tolerations", "affinity", "schedulingGates")
    }
    meta = {
        k: v
        for k, v in _dict(template.get("metadata")).items()
        if k not in ("labels", "annotations")
    }
    return {"metadata": meta, "spec": spec}


def _cron_job(obj: Obj, old: Obj | None) -> Out:
    out: Out = []
    spec = _dict(obj.get("spec"))
    schedule = _str(spec.get("schedule"))
    if not schedule:
        _required(out, "spec.schedule")
    else:
        if error := cron_schedule_error(schedule):
            _invalid(out, "spec.schedule", schedule, error)
        allow_tz = old is not None and "TZ" in _str(_dict(old.get("spec")).get("schedule"))
        if "TZ" in schedule and not allow_tz:
            detail = "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
            _invalid(out, "spec.schedule", schedule, detail)
        elif "TZ" in schedule and spec.get("timeZone") is not None:
            detail = "cannot use both timeZone field and TZ or CRON_TZ in schedule"
            _invalid(out, "spec.schedule", schedule, detail)
    _nonnegative(spec.get("startingDeadlineSeconds"), "spec.startingDeadlineSeconds", out)
    if old is None or spec.get("timeZone") != _dict(old.get("spec")).get("timeZone"):
        _time_zone(spec.get("timeZone"), out)
    _enum(
        spec.get("concurrencyPolicy"), "spec.concurrencyPolicy", ("Allow", "Forbid", "Replace"), out
    )
    job_spec = _dict(_dict(spec.get("jobTemplate")).get("spec"))
    _job_spec(job_spec, "spec.jobTemplate.spec", out)
    if job_spec.get("selector") is not None:
        selector = _go_selector(job_spec["selector"])
        _invalid(
            out, "spec.jobTemplate.spec.selector", selector, "`selector` will be auto-generated"
        )
    if job_spec.get("manualSelector") is True:
        _unsupported(out, "spec.jobTemplate.spec.manualSelector", True, ("nil", "false"))
    for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        _nonnegative(spec.get(key), f"spec.{key}", out)
    return out


def _time_zone(zone: object, out: Out) -> None:
    if zone is None:
        return
    text = _str(zone)
    if not text:
        _invalid(out, "spec.timeZone", text, "timeZone must be nil or non-empty string")
        return
    parts_ok = all(
        p not in (".", "..")
        and not p.startswith("-")
        and re.fullmatch(r"[A-Za-z.\-_0-9+]{1,14}", p)
        for p in text.split("/")
    )
    if not parts_ok:
        _invalid(out, "spec.timeZone", text, f"unknown time zone {text}")
        return
    if text.lower() == "local":
        detail = (
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
        )
        _invalid(out, "spec.timeZone", text, detail)
    elif not _known_zone(text):
        _invalid(out, "spec.timeZone", text, f"unknown time zone {text}")


def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


# ---- cron schedules (robfig/cron/v3 ParseStandard, which Kubernetes uses) ----------------------

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES)}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_CRON_BOUNDS = ((0, 59, None), (0, 23, None), (1, 31, None), (1, 12, _MONTHS), (0, 6, _DAYS))
_DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_DURATION_RE = re.compile(r"[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)")


def _atoi(text: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(
            f"failed to parse int from {text}: "
            f"strconv.Atoi: parsing {go_quote(text)}: invalid syntax"
        )
    number = int(text)
    if number < 0:
        raise ValueError(f"negative number ({number}) not allowed: {text}")
    return number


def _cron_range(expr: str, low: int, high: int, names: Mapping[str, int] | None) -> None:
    range_and_step = expr.split("/")
    low_high = range_and_step[0].split("-")

    def number(text: str) -> int:
        return names[text.lower()] if names and text.lower() in names else _atoi(text)

    if low_high[0] in ("*", "?"):
        start, end = low, high
    else:
        start = number(low_high[0])
        if len(low_high) > 2:
            raise ValueError(f"too many hyphens: {expr}")
        end = number(low_high[1]) if len(low_high) == 2 else start
    step = 1
    if len(range_and_step) > 2:
        raise ValueError(f"too many slashes: {expr}")
    if len(range_and_step) == 2:
        step = _atoi(range_and_step[1])
        if len(low_high) == 1:  # "N/step" means "N-max/step"
            end = high
    if start < low:
        raise ValueError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise ValueError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise ValueError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise ValueError(f"step of range should be a positive number: {expr}")


def cron_schedule_error(schedule: str) -> str | None:
    """cron.ParseStandard's error message for a CronJob schedule, or None when it parses."""
    spec = schedule
    if not spec:
        return "empty spec string"
    if spec.startswith(("TZ=", "CRON_TZ=")):
        space = spec.find(" ")
        zone = spec[spec.find("=") + 1 : space if space >= 0 else len(spec)]
        if space < 0 or not _known_zone(zone):
            return f"provided bad location {zone}: unknown time zone {zone}"
        spec = spec[space:].strip()
    if spec.startswith("@"):
        if spec in _DESCRIPTORS:
            return None
        if spec.startswith("@every "):
            duration = spec[len("@every ") :]
            if not _DURATION_RE.fullmatch(duration):
                return (
                    f"failed to parse duration {spec}: time: invalid duration {go_quote(duration)}"
                )
            return None
        return f"unrecognized descriptor: {spec}"
    fields = spec.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    try:
        for field, (low, high, names) in zip(fields, _CRON_BOUNDS, strict=True):
            for expr in filter(None, field.split(",")):
                _cron_range(expr, low, high, names)
    except ValueError as err:
        return str(err)
    return None


# =============================================================================================
# Services
# =============================================================================================

_SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
_NODE_PORTS = range(30000, 32768)


def _service(obj: Obj, old: Obj | None) -> Out:
    spec = _dict(obj.get("spec"))
    kind = spec.get("type")
    ports = _items(spec.get("ports"))
    if kind in ("NodePort", "LoadBalancer"):
        # The allocator runs before validation and stops at the first port out of range.
        for i, port in ports:
            node_port = _int(port.get("nodePort"))
            if node_port and node_port not in _NODE_PORTS:
                detail = (
                    "provided port is not in the valid range. "
                    "The range of valid ports is 30000-32767"
                )
                return [field_invalid(f"spec.ports[{i}].nodePort", node_port, detail)]
    out: Out = []
    headless = _list(spec.get("clusterIPs"))[:1] == ["None"]
    if not ports and not headless and kind != "ExternalName":
        _required(out, "spec.ports")
    _service_type_checks(spec, kind, ports, headless, out)
    names: set[str] = set()
    for i, port in ports:
        _service_port(port, len(ports) > 1, names, f"spec.ports[{i}]", out)
    if isinstance(spec.get("selector"), dict):
        out.extend(validate_labels(_strmap(spec["selector"]), "spec.selector"))
    _enum(spec.get("sessionAffinity"), "spec.sessionAffinity", ("ClientIP", "None"), out)
    if spec.get("sessionAffinity") == "None" and spec.get("sessionAffinityConfig") is not None:
        _forbidden(
            out, "spec.sessionAffinityConfig", "must not be set when session affinity is None"
        )
    if kind != "ExternalName":
        _cluster_ips(spec, out)
    _enum(kind, "spec.type", _SERVICE_TYPES, out)
    _service_node_ports(spec, kind, ports, out)
    _service_traffic(spec, kind, out)
    if old is not None:
        _service_update(spec, _dict(old.get("spec")), out)
    return out


def _service_type_checks(
    spec: Obj, kind: object, ports: list[tuple[int, Obj]], headless: bool, out: Out
) -> None:
    if kind == "LoadBalancer":
        for i, port in ports:
            if port.get("port") == 10250:
                detail = "may not expose port 10250 externally since it is used by kubelet"
                _invalid(out, f"spec.ports[{i}]", 10250, detail)
    if kind in ("LoadBalancer", "NodePort") and headless:
        detail = f"may not be set to 'None' for {kind} services"
        _invalid(out, "spec.clusterIPs[0]", "None", detail)
    if kind != "ExternalName":
        return
    for key in ("clusterIPs", "ipFamilies", "ipFamilyPolicy"):
        if spec.get(key):
            _forbidden(out, f"spec.{key}", "may not be set for ExternalName services")
    cname = _str(spec.get("externalName")).removesuffix(".")
    if cname:
        _messages("spec.externalName", cname, is_dns1123_subdomain(cname), out)
    else:
        _required(out, "spec.externalName")


def _service_port(port: Obj, require_name: bool, names: set[str], path: str, out: Out) -> None:
    name = _str(port.get("name"))
    if require_name and not name:
        _required(out, f"{path}.name")
    elif name:
        _messages(f"{path}.name", name, is_dns1123_label(name), out)
        if name in names:
            _dup(out, f"{path}.name", name)
        names.add(name)
    _port_number(_int(port.get("port")) or 0, f"{path}.port", out)
    _enum(port.get("protocol"), f"{path}.protocol", _PROTOCOLS, out)
    _port_num_or_name(port.get("targetPort"), f"{path}.targetPort", out)
    if isinstance(port.get("appProtocol"), str):
        _messages(
            f"{path}.appProtocol", port["appProtocol"], is_qualified_name(port["appProtocol"]), out
        )


def _cluster_ips(spec: Obj, out: Out) -> None:
    """ValidateServiceClusterIPsRelatedFields (the single-stack subset)."""
    cluster_ip, ips = _str(spec.get("clusterIP")), [str(ip) for ip in _list(spec.get("clusterIPs"))]
    shown = GoText(_go_strings(ips))
    if cluster_ip and not ips:
        _required(out, "spec.clusterIPs")
    elif cluster_ip and ips[0] != cluster_ip:
        _invalid(out, "spec.clusterIPs", shown, "first value must match `clusterIP`")
    elif not cluster_ip and ips:
        _invalid(out, "spec.clusterIPs", shown, "must be empty when `clusterIP` is not specified")
    for i, family in enumerate(_list(spec.get("ipFamilies"))):
        if family not in ("IPv4", "IPv6"):
            _unsupported(out, f"spec.ipFamilies[{i}]", family, ("IPv4", "IPv6"))
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and policy not in ("PreferDualStack", "RequireDualStack", "SingleStack"):
        _unsupported(
            out,
            "spec.ipFamilyPolicy",
            policy,
            ("PreferDualStack", "RequireDualStack", "SingleStack"),
        )
    for i, ip in enumerate(ips):
        if i == 0 and ip == "None":
            if len(ips) > 1:
                _invalid(out, "spec.clusterIPs", shown, "'None' must be the first and only value")
            continue
        if not _is_ip(ip):
            detail = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
            _invalid(out, f"spec.clusterIPs[{i}]", ip, detail)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _service_node_ports(spec: Obj, kind: object, ports: list[tuple[int, Obj]], out: Out) -> None:
    if kind == "ClusterIP":
        for i, port in ports:
            if port.get("nodePort"):
                _forbidden(
                    out, f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"
                )
    node_ports: set[tuple[str, int]] = set()
    for i, port in ports:
        node_port = _int(port.get("nodePort"))
        if node_port:
            key = (_str(port.get("protocol")), node_port)
            if key in node_ports:
                _dup(out, f"spec.ports[{i}].nodePort", node_port)
            node_ports.add(key)
    seen: set[tuple[str, int]] = set()
    for i, port in ports:
        key = (_str(port.get("protocol")), _int(port.get("port")) or 0)
        if key in seen:
            shown = GoText(
                f'core.ServicePort{{Name:"", Protocol:{go_quote(key[0])}, '
                f"AppProtocol:(*string)(nil), Port:{key[1]}, "
                f'TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:""}}, NodePort:0}}'
            )
            _dup(out, f"spec.ports[{i}]", shown)
        seen.add(key)


def _service_traffic(spec: Obj, kind: object, out: Out) -> None:
    if spec.get("allocateLoadBalancerNodePorts") is not None and kind != "LoadBalancer":
        detail = "may only be used when `type` is 'LoadBalancer'"
        _forbidden(out, "spec.allocateLoadBalancerNodePorts", detail)
    external = kind in ("NodePort", "LoadBalancer") or (
        kind == "ClusterIP" and bool(spec.get("externalIPs"))
    )
    policy = spec.get("externalTrafficPolicy")
    if not external and policy:
        detail = "may only be set for externally-accessible services"
        _invalid(out, "spec.externalTrafficPolicy", _str(policy), detail)
    elif external:
        _enum(policy, "spec.externalTrafficPolicy", ("Cluster", "Local"), out)
    internal = spec.get("internalTrafficPolicy")
    if internal is None and kind in ("NodePort", "LoadBalancer", "ClusterIP"):
        _required(out, "spec.internalTrafficPolicy")
    elif internal is not None and internal not in ("Cluster", "Local"):
        _unsupported(out, "spec.internalTrafficPolicy", internal, ("Cluster", "Local"))


def _service_update(spec: Obj, old: Obj, out: Out) -> None:
    """validateUpgradeDowngradeClusterIPs: an allocated address never changes."""
    if "ExternalName" in (spec.get("type"), old.get("type")):
        return
    new_ips, old_ips = _list(spec.get("clusterIPs")), _list(old.get("clusterIPs"))
    if new_ips[:1] == ["None"] and old_ips[:1] == ["None"]:
        return
    shown = GoText(_go_strings([str(ip) for ip in new_ips]))
    if len(new_ips) == len(old_ips):
        for i, (new, was) in enumerate(zip(new_ips, old_ips, strict=True)):
            if new != was:
                _invalid(out, f"spec.clusterIPs[{i}]", shown, "may not change once set")
    elif old_ips and not new_ips:
        _invalid(out, "spec.clusterIPs[0]", shown, "primary clusterIP can not be unset")
    elif old_ips and new_ips and new_ips[0] != old_ips[0]:
        _invalid(out, "spec.clusterIPs[0]", shown, "may not change once set")


# =============================================================================================
# ConfigMaps and Secrets
# =============================================================================================

_MAX_DATA_SIZE = 1024 * 1024
_CONFIG_KEY_RE = re.compile(r"[-._a-zA-Z0-9]+")
_CONFIG_KEY_MSG = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
    "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
    "'[-._a-zA-Z0-9]+')"
)
_B64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def config_key_errors(key: str) -> list[str]:
    """validation.IsConfigMapKey."""
    errs = ["must be no more than 253 characters"] if len(key) > 253 else []
    if not _CONFIG_KEY_RE.fullmatch(key):
        errs.append(_CONFIG_KEY_MSG)
    if key == ".":
        errs.append("must not be '.'")
    elif key == "..":
        errs.append("must not be '..'")
    elif key.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def base64_error(text: str) -> str | None:
    """Go's base64.StdEncoding error for a []byte field ("illegal base64 data at input byte N")."""
    data, i, quantum = text.encode(), 0, 0

    def skip_newlines(at: int) -> int:
        while at < len(data) and data[at] in b"\r\n":
            at += 1
        return at

    while i < len(data):
        ch = data[i]
        if ch in b"\r\n":
            i += 1
        elif ch in _B64_ALPHABET:
            quantum, i = (quantum + 1) % 4, i + 1
        elif ch != ord("=") or quantum < 2:
            return f"illegal base64 data at input byte {i}"
        else:  # padding ends the data: "xx==" or "xxx="
            i += 1
            if quantum == 2:
                i = skip_newlines(i)
                if i == len(data):
                    return f"illegal base64 data at input byte {len(data)}"  # not enough padding
                if data[i] != ord("="):
                    return f"illegal base64 data at input byte {i - 1}"
                i += 1
            i = skip_newlines(i)
            return None if i == len(data) else f"illegal base64 data at input byte {i}"
    return f"illegal base64 data at input byte {len(data) - quantum}" if quantum else None


def _data_keys(data: Mapping[str, Any], path: str, out: Out) -> int:
    size = 0
    for key, value in data.items():
        _messages(f"{path}[{key}]", key, config_key_errors(key), out)
        size += len(value.encode()) if isinstance(value, str) else 0
    return size


def _config_map(obj: Obj, old: Obj | None) -> Out:
    out: Out = []
    data, binary = _dict(obj.get("data")), _dict(obj.get("binaryData"))
    size = _data_keys(data, "data", out)
    for key in data:
        if key in binary:
            _invalid(out, f"data[{key}]", key, "duplicate of key present in binaryData")
    size += sum(len(_decoded(v)) for v in binary.values())
    _data_keys(binary, "binaryData", out)
    if size > _MAX_DATA_SIZE:
        out.append(field_too_long("", _MAX_DATA_SIZE))
    _immutable_data(obj, old, ("data", "binaryData"), out)
    return out


def _decoded(value: object) -> bytes:
    try:
        return base64.b64decode(_str(value), validate=False)
    except (binascii.Error, ValueError):
        return b""


_SECRET_REQUIRED = {
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}


def _secret(obj: Obj, old: Obj | None) -> Out:
    out: Out = []
    data = _dict(obj.get("data"))
    for key, value in data.items():
        if error := base64_error(_str(value)):  # real Kubernetes fails decoding (400) instead
            _invalid(out, f"data[{key}]", "<secret contents redacted>", error)
    size = 0
    for key, value in data.items():
        _messages(f"data[{key}]", key, config_key_errors(key), out)
        size += len(_decoded(value))
    if size > _MAX_DATA_SIZE:
        out.append(field_too_long("data", _MAX_DATA_SIZE))
    _secret_type(obj, data, out)
    if old is not None:
        if obj.get("type") != old.get("type"):
            _invalid(out, "type", _str(obj.get("type")), "field is immutable")
        _immutable_data(obj, old, ("data",), out)
    return out


def _secret_type(obj: Obj, data: Obj, out: Out) -> None:
    kind = obj.get("type")
    if kind == "kubernetes.io/service-account-token":
        annotations = _dict(_dict(obj.get("metadata")).get("annotations"))
        if not annotations.get("kubernetes.io/service-account.name"):
            _required(out, "metadata.annotations[kubernetes.io/service-account.name]")
    elif kind == "kubernetes.io/basic-auth" and "username" not in data and "password" not in data:
        out.extend(field_required(f"data[{k}]") for k in ("username", "password"))
    elif kind == "kubernetes.io/ssh-auth" and not data.get("ssh-privatekey"):
        _required(out, "data[ssh-privatekey]")
    elif isinstance(kind, str):
        keys = _SECRET_REQUIRED.get(kind, ())
        out.extend(field_required(f"data[{k}]") for k in keys if k not in data)


def _immutable_data(obj: Obj, old: Obj | None, keys: Sequence[str], out: Out) -> None:
    if old is None or old.get("immutable") is not True:
        return
    if obj.get("immutable") is not True:
        _forbidden(out, "immutable", "field is immutable when `immutable` is set")
    for key in keys:
        if _normalized(obj.get(key)) != _normalized(old.get(key)):
            _forbidden(out, key, "field is immutable when `immutable` is set")


# =============================================================================================
# Dispatch
# =============================================================================================

_VALIDATORS: dict[tuple[str, str], Callable[[Obj, Obj | None], Out]] = {
    ("", "Pod"): _pod,
    ("", "PodTemplate"): _pod_template_kind,
    ("", "ReplicationController"): _replication_controller,
    ("", "Service"): _service,
    ("", "ConfigMap"): _config_map,
    ("", "Secret"): _secret,
    ("apps", "Deployment"): _deployment,
    ("apps", "ReplicaSet"): _replica_set,
    ("apps", "DaemonSet"): _daemon_set,
    ("apps", "StatefulSet"): _stateful_set,
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cron_job,
}


def validate_spec(group: str, kind: str, obj: Obj, old: Obj | None) -> list[Cause]:
    """The kind's spec validation (create when `old` is None, else update); [] if none."""
    validator = _VALIDATORS.get((group, kind))
    return validator(obj, old) if validator else []
