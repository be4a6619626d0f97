"""Pod spec validation: ValidatePodSpec with its container, probe, volume and toleration checks.

`validate_pod_spec` serves pods and every pod template (`validate_pod_template_spec`, used by the
workload kinds); its causes are memoized by the spec's exact JSON, since the pods of a template
share one spec. Also the Pod and PodTemplate kinds themselves, create and update.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from fractions import Fraction

import orjson

from minikube_py.apiserver.errors import Cause
from minikube_py.apiserver.specs._checks import (
    _PROTOCOLS,
    Obj,
    Out,
    _dict,
    _dup,
    _enum,
    _forbidden,
    _int,
    _invalid,
    _items,
    _list,
    _messages,
    _missing,
    _nonnegative,
    _normalized,
    _port_name_errors,
    _port_num_or_name,
    _port_number,
    _required,
    _shown,
    _str,
    _strmap,
    _unsupported,
)
from minikube_py.apiserver.specs.quantity import (
    FORMAT_WRONG,
    QuantityError,
    canonical_quantity,
    go_quantity,
    parse_quantity,
)
from minikube_py.apiserver.validation import (
    GoText,
    go_quote,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_label_value,
    is_qualified_name,
    validate_labels,
)
from minikube_py.resources import exact_json

# =============================================================================================
# Pod spec (ValidatePodSpec and the container validators)
# =============================================================================================

_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_MAX_INT32 = 2**31 - 1
_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc", "sleep")
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
            raise QuantityError(FORMAT_WRONG)
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
                _invalid(out, p, go_quantity(raw), "must be an integer")  # extended resources
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


def validate_pod_template_spec(template: Obj, path: str, out: Out) -> None:
    """ValidatePodTemplateSpec (labels are checked at `<path>.labels`, as Kubernetes does)."""
    meta = _dict(template.get("metadata"))
    out.extend(validate_labels(_strmap(meta.get("labels")), f"{path}.labels"))
    spec = _dict(template.get("spec"))
    validate_pod_spec(spec, f"{path}.spec", out)
    if spec.get("ephemeralContainers"):
        detail = "ephemeral containers not allowed in pod template"
        _forbidden(out, f"{path}.spec.ephemeralContainers", detail)


def validate_pod_template(obj: Obj, old: Obj | None) -> Out:
    out: Out = []
    validate_pod_template_spec(_dict(obj.get("template")), "template", out)
    return out


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


def validate_pod(obj: Obj, old: Obj | None) -> Out:
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
