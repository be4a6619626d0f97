"""Validation of the apps/v1 kinds and ReplicationController.

Deployments, replica sets, daemon sets, stateful sets and replication controllers: replica counts,
update strategies, a selector that is valid, non-empty, matches the pod template and never
changes, and a pod template that always restarts.
"""

from __future__ import annotations

import re

from minikube_py.apiserver.specs._checks import (
    Obj,
    Out,
    _dict,
    _forbidden,
    _go_intstr,
    _go_map,
    _go_selector,
    _int,
    _invalid,
    _nonnegative,
    _normalized,
    _required,
    _selector_is_empty,
    _str,
    _strmap,
    _template_matches,
    _unsupported,
    _validate_selector,
)
from minikube_py.apiserver.specs.pods import validate_pod_template_spec
from minikube_py.apiserver.validation import GoText, go_quote, validate_labels


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
    validate_pod_template_spec(template, f"{path}.template", out)
    _always_restarts(template, kind, f"{path}.template.spec", out)


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


def validate_deployment(obj: Obj, old: Obj | None) -> Out:
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


def validate_replica_set(obj: Obj, old: Obj | None) -> Out:
    out: Out = []
    spec = _dict(obj.get("spec"))
    _nonnegative(spec.get("replicas"), "spec.replicas", out)
    _nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds", out)
    _selector_and_template(spec, "deployment", "spec", out)  # sic: Kubernetes says "deployment"
    _selector_immutable(obj, old, out)
    return out


def validate_daemon_set(obj: Obj, old: Obj | None) -> Out:
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
    validate_pod_template_spec(template, "spec.template", out)
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


def validate_stateful_set(obj: Obj, old: Obj | None) -> Out:
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


def validate_replication_controller(obj: Obj, old: Obj | None) -> Out:
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
    validate_pod_template_spec(template, "spec.template", out)
    _always_restarts(template, "ReplicationController", "spec.template.spec", out)
    return out
