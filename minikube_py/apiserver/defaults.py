"""Per-kind defaulting: the fields a real Kubernetes 1.32 API server adds before storing an object.

Sources, applied in the real server's order:

1. the scheme's defaulting functions (`pkg/apis/*/v1/defaults.go` as wired by
   `zz_generated.defaults.go`), including the milli-rounding of resource lists;
2. v1 conversion quirks that show in stored objects (`serviceAccount` mirroring
   `serviceAccountName`, Secret `stringData`, StatefulSet claim templates' apiVersion/kind);
3. the mutating admission plugins every cluster runs (ServiceAccount, DefaultTolerationSeconds,
   Priority) and the registry strategies' PrepareForCreate (pod phase and QoS class, namespace
   finalizer, Job selector, DaemonSet template generation);
4. Go's JSON encoding of zero values that are never omitted (`resources: {}`,
   `creationTimestamp: null` in templates, `status.replicas: 0`).

Everything is idempotent and safe to re-run on updates: the few create-only steps key on the
object being fresh (its status has no phase yet) or on fields only creation sets.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from minikube_py.apiserver.specs import (
    QuantityError,
    base64_error,
    canonical_quantity,
    parse_quantity,
)
from minikube_py.resources import memoized_by_json

Obj = dict[str, Any]

_UNSET: tuple[object, ...] = (None, "")  # Go's `if x == ""` / `if x == nil` checks
_NIL: tuple[object, ...] = (None,)  # pointer fields: only a missing value is defaulted


# ---- small helpers -------------------------------------------------------------------------


def _child(parent: Obj, key: str) -> Obj:
    """parent[key] as a dict, created when missing or null (Go's zero-valued struct)."""
    value = parent.get(key)
    if value is None:
        value = parent[key] = {}
    return value if isinstance(value, dict) else {}


def _items(parent: object, key: str) -> list[Obj]:
    value = parent.get(key) if isinstance(parent, dict) else None
    return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []


def _dict(value: object) -> Obj:
    return value if isinstance(value, dict) else {}


# Default values deepcopy would return as they are (immutable); it costs a dispatch per value.
_IMMUTABLE = (str, int, float, bool, type(None))


def _fill(obj: Obj, defaults: Mapping[str, Any], unset: tuple[object, ...] = _UNSET) -> None:
    for key, value in defaults.items():
        if obj.get(key) in unset:
            obj[key] = _fresh(value)


def _fresh(value: Any) -> Any:
    """A default value as deepcopy would copy it, without its dispatch for the common ones."""
    if type(value) in _IMMUTABLE:
        return value
    if type(value) is dict and not value:
        return {}  # `resources: {}`, `securityContext: {}`
    return copy.deepcopy(value)


def _fill_at(
    obj: Obj, key: str, defaults: Mapping[str, Any], unset: tuple[object, ...] = _UNSET
) -> None:
    """Fill a nested struct only when it is present (pointer structs stay absent)."""
    if isinstance(obj.get(key), dict):
        _fill(obj[key], defaults, unset)


def _quantity_at(holder: Obj, key: str, *, milli: bool) -> None:
    """A canonical quantity string (Kubernetes re-serialises them); bad ones are left to
    validation. Resource lists are also rounded up to milli units."""
    with contextlib.suppress(QuantityError):
        holder[key] = canonical_quantity(holder[key], round_to_milli=milli)


def _quantities(amounts: object) -> None:
    """A resource list (SetDefaults_ResourceList)."""
    for name in list(_dict(amounts)):
        _quantity_at(_dict(amounts), name, milli=True)


def _template_meta(holder: Obj) -> None:
    """An embedded ObjectMeta always serialises, with `creationTimestamp: null`."""
    _child(holder, "metadata").setdefault("creationTimestamp", None)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- containers and pod specs (shared by pods and every pod template) ----------------------

_POD_SPEC = {
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "schedulerName": "default-scheduler",
    "securityContext": {},
    "terminationGracePeriodSeconds": 30,
}
_CONTAINER = {
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
    "resources": {},
}
_PROBE = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
_HTTP_GET = {"path": "/", "scheme": "HTTP"}
# Volume source → its defaults (zz_generated.defaults.go); azureDisk's are pointers.
_VOLUME_SOURCES: dict[str, tuple[Mapping[str, Any], tuple[object, ...]]] = {
    "secret": ({"defaultMode": 420}, _NIL),
    "configMap": ({"defaultMode": 420}, _NIL),
    "downwardAPI": ({"defaultMode": 420}, _NIL),
    "projected": ({"defaultMode": 420}, _NIL),
    "hostPath": ({"type": ""}, _NIL),
    "iscsi": ({"iscsiInterface": "default"}, _UNSET),
    "rbd": ({"pool": "rbd", "user": "admin", "keyring": "/etc/ceph/keyring"}, _UNSET),
    "scaleIO": ({"storageMode": "ThinProvisioned", "fsType": "xfs"}, _UNSET),
    "azureDisk": (
        {"cachingMode": "ReadWrite", "fsType": "ext4", "readOnly": False, "kind": "Shared"},
        _NIL,
    ),
}

# distribution/reference's grammar, which parsers.ParseImageName applies.
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_PART = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_DOMAIN = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_IMAGE_RE = re.compile(
    rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?"
)


def image_pull_policy(image: str) -> str:
    """Always for `:latest` or a bare name, IfNotPresent for other tags, digests and bad names."""
    match = _IMAGE_RE.fullmatch(image)
    if match is None:
        return "IfNotPresent"
    tag = match["tag"] or ("" if match["digest"] else "latest")
    return "Always" if tag == "latest" else "IfNotPresent"


def _field_ref(holder: object) -> None:
    _fill_at(_dict(holder), "fieldRef", {"apiVersion": "v1"})


def _handler(handler: object) -> None:
    _fill_at(_dict(handler), "httpGet", _HTTP_GET)
    _fill_at(_dict(handler), "grpc", {"service": ""}, _NIL)


def _container(container: Obj) -> None:
    """SetDefaults_Container and its nested structs; also used for ephemeral containers."""
    if container.get("imagePullPolicy") in _UNSET:
        image = container.get("image")
        container["imagePullPolicy"] = image_pull_policy(image if isinstance(image, str) else "")
    _fill(container, _CONTAINER)
    for port in _items(container, "ports"):
        _fill(port, {"protocol": "TCP"})
    for env in _items(container, "env"):
        _field_ref(env.get("valueFrom"))
    resources = _dict(container.get("resources"))
    _quantities(resources.get("limits"))
    _quantities(resources.get("requests"))
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        if isinstance(container.get(kind), dict):
            _fill(container[kind], _PROBE, (None, 0))
            _handler(container[kind])
    lifecycle = _dict(container.get("lifecycle"))
    for hook in ("postStart", "preStop"):
        _fill_at(_dict(lifecycle.get(hook)), "httpGet", _HTTP_GET)


def _claim_spec(spec: Obj) -> None:
    """SetDefaults_PersistentVolumeClaimSpec and its resource lists."""
    _fill(spec, {"volumeMode": "Filesystem", "resources": {}}, _NIL)
    for kind in ("limits", "requests"):
        _quantities(_dict(spec.get("resources")).get(kind))


def _volume(volume: Obj) -> None:
    if all(value is None for key, value in volume.items() if key != "name"):
        volume["emptyDir"] = {}
    for source, (defaults, unset) in _VOLUME_SOURCES.items():
        _fill_at(volume, source, defaults, unset)
    for item in _items(volume.get("downwardAPI"), "items"):
        _field_ref(item)
    for projection in _items(volume.get("projected"), "sources"):
        for item in _items(projection.get("downwardAPI"), "items"):
            _field_ref(item)
        _fill_at(projection, "serviceAccountToken", {"expirationSeconds": 3600}, _NIL)
    if _dict(volume.get("emptyDir")).get("sizeLimit") is not None:
        _quantity_at(volume["emptyDir"], "sizeLimit", milli=False)
    claim = _dict(_dict(volume.get("ephemeral")).get("volumeClaimTemplate"))
    if claim:
        _template_meta(claim)
        _claim_spec(_child(claim, "spec"))


def _pod_spec(spec: Obj) -> None:
    """SetDefaults_PodSpec plus its volumes and containers, for pods and pod templates."""
    _fill(spec, _POD_SPEC)
    # v1 conversion: serviceAccount is an alias of serviceAccountName and always mirrors it.
    account = spec.get("serviceAccountName") or spec.get("serviceAccount")
    if account:
        spec["serviceAccountName"] = spec["serviceAccount"] = account
    for volume in _items(spec, "volumes"):
        _volume(volume)
    for kind in ("initContainers", "containers", "ephemeralContainers"):
        for container in _items(spec, kind):
            _container(container)
    _quantities(spec.get("overhead"))


def _pod_template(holder: Obj, key: str = "template") -> None:
    template = _child(holder, key)
    _template_meta(template)
    _pod_spec(_child(template, "spec"))


# ---- pods ------------------------------------------------------------------------------------

_NO_EXECUTE_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
_SYSTEM_PRIORITIES = {"system-cluster-critical": 2000000000, "system-node-critical": 2000001000}


def _pod_only(spec: Obj) -> None:
    """SetDefaults_Pod (and the v1 Pod conversion): what pods get but templates do not."""
    for kind in ("containers", "initContainers"):
        for container in _items(spec, kind):
            resources = _dict(container.get("resources"))
            limits = resources.get("limits")
            if isinstance(limits, dict) and limits:
                requests = _child(resources, "requests")
                for name, amount in limits.items():
                    requests.setdefault(name, amount)
            if spec.get("hostNetwork") is True:
                for port in _items(container, "ports"):
                    if not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort")
    _fill(spec, {"enableServiceLinks": True}, _NIL)
    grace = spec.get("terminationGracePeriodSeconds")
    if isinstance(grace, int) and grace < 0:
        spec["terminationGracePeriodSeconds"] = 1


def _default_pod_spec(spec: Obj, mirror: bool) -> tuple[Obj, str]:
    """`spec` defaulted and admitted in place, and the QoS class of a pod with that spec."""
    _pod_only(spec)
    _pod_spec(spec)
    _pod_admission(spec, mirror)
    return spec, pod_qos_class({"spec": spec})


# The pods of one template share their spec: the work is done once per spec (a fresh copy each).
_defaulted_pod_spec = memoized_by_json(_default_pod_spec)


def _pod_admission(spec: Obj, mirror: bool) -> None:
    """ServiceAccount, DefaultTolerationSeconds and Priority admission."""
    if not mirror:  # mirror pods get no account
        account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        spec["serviceAccountName"] = spec["serviceAccount"] = account
    tolerations = _items(spec, "tolerations")
    for key in _NO_EXECUTE_TAINTS:
        if not any(
            t.get("key") in (key, "", None) and t.get("effect") in ("NoExecute", "", None)
            for t in tolerations
        ):
            spec["tolerations"] = [*(spec.get("tolerations") or []), _toleration(key)]
    priority_class = spec.get("priorityClassName") or ""
    if not priority_class or priority_class in _SYSTEM_PRIORITIES:
        # Other classes need their PriorityClass object: the caller's admission resolves them.
        _fill(spec, {"priority": _SYSTEM_PRIORITIES.get(priority_class, 0)}, _NIL)
        _fill(spec, {"preemptionPolicy": "PreemptLowerPriority"}, _NIL)


def _toleration(key: str) -> Obj:
    return {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}


def pod_qos_class(pod: Obj) -> str:
    """qos.ComputePodQOS: BestEffort, Burstable or Guaranteed from cpu/memory requests/limits."""
    totals: dict[str, dict[str, Any]] = {"requests": {}, "limits": {}}
    guaranteed = True
    spec = _dict(pod.get("spec"))
    for container in _items(spec, "containers") + _items(spec, "initContainers"):
        resources = _dict(container.get("resources"))
        for kind, sums in totals.items():
            found = set()
            amounts = _dict(resources.get(kind))
            for name in ("cpu", "memory"):
                if name not in amounts:
                    continue  # parses as 0, which counts for nothing
                try:
                    amount = parse_quantity(amounts[name])
                except QuantityError:
                    continue
                if amount > 0:
                    sums[name] = sums.get(name, 0) + amount
                    found.add(name)
            if kind == "limits" and found != {"cpu", "memory"}:
                guaranteed = False
    requests, limits = totals["requests"], totals["limits"]
    if not requests and not limits:
        return "BestEffort"
    if (
        guaranteed
        and all(limits.get(n) == v for n, v in requests.items())
        and len(requests) == len(limits)
    ):
        return "Guaranteed"
    return "Burstable"


def _pod(obj: Obj) -> None:
    spec = _child(obj, "spec")
    mirror = "kubernetes.io/config.mirror" in _dict(_dict(obj.get("metadata")).get("annotations"))
    spec, qos_class = _defaulted_pod_spec(spec, mirror)
    if isinstance(obj.get("spec"), dict):  # a spec that is no object is left to validation
        obj["spec"] = spec
    if not _dict(obj.get("status")).get("phase"):  # fresh pod: PrepareForCreate's status
        status: Obj = {"phase": "Pending", "qosClass": qos_class}
        if spec.get("schedulingGates"):
            status["conditions"] = [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "SchedulingGated",
                    "message": "Scheduling is blocked due to non-empty scheduling gates",
                    "lastProbeTime": None,
                    "lastTransitionTime": _now(),
                }
            ]
        obj["status"] = status


# ---- workloads -------------------------------------------------------------------------------


def _deployment(obj: Obj) -> None:
    spec = _child(obj, "spec")
    _fill(spec, {"replicas": 1, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}, _NIL)
    strategy = _child(spec, "strategy")
    _fill(strategy, {"type": "RollingUpdate"})
    if strategy["type"] == "RollingUpdate":
        _fill(_child(strategy, "rollingUpdate"), {"maxUnavailable": "25%", "maxSurge": "25%"}, _NIL)
    _pod_template(spec)


def _replica_set(obj: Obj) -> None:
    spec = _child(obj, "spec")
    _fill(spec, {"replicas": 1}, _NIL)
    _pod_template(spec)


def _daemon_set(obj: Obj) -> None:
    spec = _child(obj, "spec")
    strategy = _child(spec, "updateStrategy")
    _fill(strategy, {"type": "RollingUpdate"})
    if strategy["type"] == "RollingUpdate":
        _fill(_child(strategy, "rollingUpdate"), {"maxUnavailable": 1, "maxSurge": 0}, _NIL)
    _fill(spec, {"revisionHistoryLimit": 10}, _NIL)
    _pod_template(spec)
    # PrepareForCreate starts templateGeneration at 1; v1 shows it as this annotation.
    annotations = _child(_child(obj, "metadata"), "annotations")
    annotations.setdefault("deprecated.daemonset.template.generation", "1")


def _stateful_set(obj: Obj) -> None:
    spec = _child(obj, "spec")
    _fill(spec, {"podManagementPolicy": "OrderedReady"})
    strategy = _child(spec, "updateStrategy")
    if strategy.get("type") in _UNSET:
        strategy["type"] = "RollingUpdate"
        _child(strategy, "rollingUpdate")
    if strategy["type"] == "RollingUpdate":
        _fill_at(strategy, "rollingUpdate", {"partition": 0}, _NIL)
    retention = _child(spec, "persistentVolumeClaimRetentionPolicy")
    _fill(retention, {"whenDeleted": "Retain", "whenScaled": "Retain"})
    _fill(spec, {"replicas": 1, "revisionHistoryLimit": 10}, _NIL)
    _pod_template(spec)
    for claim in _items(spec, "volumeClaimTemplates"):
        claim["apiVersion"], claim["kind"] = "v1", "PersistentVolumeClaim"
        _template_meta(claim)
        _claim_spec(_child(claim, "spec"))
        _fill(_child(claim, "status"), {"phase": "Pending"})


def _replication_controller(obj: Obj) -> None:
    spec = _child(obj, "spec")
    template = spec.get("template")
    labels = _dict(_dict(template).get("metadata")).get("labels")
    if isinstance(labels, dict):
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        meta = _child(obj, "metadata")
        if not meta.get("labels"):
            meta["labels"] = dict(labels)
    _fill(spec, {"replicas": 1}, _NIL)
    if isinstance(template, dict):  # a pointer here: no template, no defaults
        _pod_template(spec)


def _job_spec(spec: Obj) -> None:
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    per_index = spec.get("backoffLimitPerIndex") is not None
    failure_policy = spec.get("podFailurePolicy")
    _fill(
        spec,
        {
            "parallelism": 1,
            "backoffLimit": 2**31 - 1 if per_index else 6,
            "completionMode": "NonIndexed",
            "suspend": False,
            "podReplacementPolicy": "Failed"
            if failure_policy is not None
            else "TerminatingOrFailed",
            "manualSelector": False,
        },
        _NIL,
    )
    for rule in _items(failure_policy, "rules"):
        for pattern in _items(rule, "onPodConditions"):
            _fill(pattern, {"status": "True"})


def generate_job_selector(obj: Obj) -> None:
    """The Job strategy's generateSelector: uid/name labels on the template, uid selector.

    Needs `metadata.uid`; a no-op with `manualSelector: true`.
    """
    meta, spec = _dict(obj.get("metadata")), _child(obj, "spec")
    uid, name = meta.get("uid"), meta.get("name")
    if not uid or spec.get("manualSelector") is True:
        return
    labels = _child(_child(_child(spec, "template"), "metadata"), "labels")
    for prefix in ("", "batch.kubernetes.io/"):
        labels.setdefault(f"{prefix}job-name", name)
        labels.setdefault(f"{prefix}controller-uid", uid)
    selector = _child(_child(spec, "selector"), "matchLabels")
    selector.setdefault("batch.kubernetes.io/controller-uid", uid)


def _job(obj: Obj) -> None:
    spec = _child(obj, "spec")
    _job_spec(spec)
    _pod_template(spec)
    generate_job_selector(obj)
    # SetDefaults_Job copies the template labels to an unlabelled Job (after generation, as
    # a real cluster shows once the stored object is read back).
    labels = _dict(_dict(spec["template"]).get("metadata")).get("labels")
    meta = _child(obj, "metadata")
    if isinstance(labels, dict) and not meta.get("labels"):
        meta["labels"] = dict(labels)


def _cron_job(obj: Obj) -> None:
    spec = _child(obj, "spec")
    defaults = {"concurrencyPolicy": "Allow", "suspend": False}
    _fill(spec, {**defaults, "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1})
    job_template = _child(spec, "jobTemplate")
    _template_meta(job_template)
    _pod_template(_child(job_template, "spec"))


# ---- services and networking ------------------------------------------------------------------


def _service(obj: Obj) -> None:
    spec = _child(obj, "spec")
    _fill(spec, {"type": "ClusterIP", "sessionAffinity": "None"})
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        client_ip = _dict(_dict(spec.get("sessionAffinityConfig")).get("clientIP"))
        if client_ip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
    for port in _items(spec, "ports"):
        _fill(port, {"protocol": "TCP"})
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    kind = spec["type"]
    if kind in ("NodePort", "LoadBalancer") or (kind == "ClusterIP" and spec.get("externalIPs")):
        _fill(spec, {"externalTrafficPolicy": "Cluster"})
    if kind in ("NodePort", "LoadBalancer", "ClusterIP"):
        _fill(spec, {"internalTrafficPolicy": "Cluster"}, _NIL)
    status = _child(obj, "status")
    _fill(status, {"loadBalancer": {}})
    if kind == "LoadBalancer":
        _fill(spec, {"allocateLoadBalancerNodePorts": True}, _NIL)
        for ingress in _items(status["loadBalancer"], "ingress"):
            if ingress.get("ip"):
                _fill(ingress, {"ipMode": "VIP"}, _NIL)
    if kind != "ExternalName":
        _service_ip_families(spec)


def _service_ip_families(spec: Obj) -> None:
    """The Service storage's ClusterIP normalisation and initIPFamilyFields (IPv4 cluster)."""
    ips = spec.get("clusterIPs")
    if spec.get("clusterIP") and not ips:
        spec["clusterIPs"] = [spec["clusterIP"]]
    elif isinstance(ips, list) and ips and not spec.get("clusterIP"):
        spec["clusterIP"] = ips[0]
    special = spec.get("clusterIP") == "None" and not spec.get("selector")  # headless, selectorless
    _fill(spec, {"ipFamilyPolicy": "RequireDualStack" if special else "SingleStack"}, _NIL)
    families = list(spec.get("ipFamilies") or [])
    for i, ip in enumerate(spec.get("clusterIPs") or []):
        if ip == "None":
            break
        if i >= len(families) and isinstance(ip, str):
            families.append("IPv6" if ":" in ip else "IPv4")
    families = families or ["IPv4"]
    if special and len(families) < 2 and spec["ipFamilyPolicy"] != "SingleStack":
        families.append("IPv6" if families[0] == "IPv4" else "IPv4")
    spec["ipFamilies"] = families


def _endpoint_slice(obj: Obj) -> None:
    for port in _items(obj, "ports"):
        _fill(port, {"name": "", "protocol": "TCP"}, _NIL)
    for endpoint in _items(obj, "endpoints"):
        _fill(endpoint, {"conditions": {}}, _NIL)


def _endpoints(obj: Obj) -> None:
    for subset in _items(obj, "subsets"):
        for port in _items(subset, "ports"):
            _fill(port, {"protocol": "TCP"})


def _network_policy(obj: Obj) -> None:
    spec = _child(obj, "spec")
    _fill(spec, {"podSelector": {}}, _NIL)
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
    for direction in ("ingress", "egress"):
        for rule in _items(spec, direction):
            for port in _items(rule, "ports"):
                _fill(port, {"protocol": "TCP"}, _NIL)


def _ingress_class(obj: Obj) -> None:
    _fill_at(_child(obj, "spec"), "parameters", {"scope": "Cluster"}, _NIL)


# ---- core storage, configuration and cluster objects -------------------------------------------


def _namespace(obj: Obj) -> None:
    meta = _child(obj, "metadata")
    if meta.get("name"):
        _child(meta, "labels")["kubernetes.io/metadata.name"] = meta["name"]
    status = _child(obj, "status")
    if not status.get("phase"):  # fresh namespace: PrepareForCreate requires the finalizer
        status["phase"] = "Active"
        spec = _child(obj, "spec")
        finalizers = list(spec.get("finalizers") or [])
        if "kubernetes" not in finalizers:
            spec["finalizers"] = [*finalizers, "kubernetes"]


def _canonical_base64(data: object) -> None:
    """[]byte fields come back re-encoded (Go decodes ignoring newlines, then re-encodes)."""
    for key, value in _dict(data).items():
        if isinstance(value, str) and base64_error(value) is None:
            raw = base64.b64decode(value.replace("\n", "").replace("\r", ""))
            data[key] = base64.b64encode(raw).decode()  # type: ignore[index]


def _secret(obj: Obj) -> None:
    _fill(obj, {"type": "Opaque"})
    string_data = obj.pop("stringData", None)  # never stored: merged into data, which it wins
    if isinstance(string_data, dict) and string_data:
        data = _child(obj, "data")
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
    _canonical_base64(obj.get("data"))


def _config_map(obj: Obj) -> None:
    _canonical_base64(obj.get("binaryData"))


def _persistent_volume(obj: Obj) -> None:
    spec = _child(obj, "spec")
    _fill(spec, {"persistentVolumeReclaimPolicy": "Retain"})
    _fill(spec, {"volumeMode": "Filesystem"}, _NIL)
    for source in ("hostPath", "iscsi", "rbd", "scaleIO", "azureDisk"):
        _fill_at(spec, source, *_VOLUME_SOURCES[source])
    _quantities(spec.get("capacity"))
    status = _child(obj, "status")
    if not status.get("phase"):  # fresh volume: PrepareForCreate records the transition
        status.update(phase="Pending", lastPhaseTransitionTime=_now())


def _persistent_volume_claim(obj: Obj) -> None:
    _claim_spec(_child(obj, "spec"))
    status = _child(obj, "status")
    _fill(status, {"phase": "Pending"})
    _quantities(status.get("capacity"))


def _node(obj: Obj) -> None:
    status = _child(obj, "status")
    if status.get("allocatable") is None and isinstance(status.get("capacity"), dict):
        status["allocatable"] = dict(status["capacity"])
    _quantities(status.get("capacity"))
    _quantities(status.get("allocatable"))


def _resource_quota(obj: Obj) -> None:
    _quantities(_dict(obj.get("spec")).get("hard"))


def _limit_range(obj: Obj) -> None:
    """SetDefaults_LimitRangeItem: container defaults fall back to max, requests to limits/min."""
    for item in _items(obj.get("spec"), "limits"):
        for key in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            _quantities(item.get(key))
        if item.get("type") != "Container":
            continue
        default, request = _child(item, "default"), _child(item, "defaultRequest")
        for name, amount in _dict(item.get("max")).items():
            default.setdefault(name, amount)
        for source in (default, _dict(item.get("min"))):
            for name, amount in source.items():
                request.setdefault(name, amount)


def _event(obj: Obj) -> None:
    """core/v1 Event: its fields without `omitempty` always show."""
    _fill(obj, {"reportingComponent": "", "reportingInstance": ""})
    _fill(obj, {"involvedObject": {}, "source": {}}, _NIL)
    for key in ("eventTime", "firstTimestamp", "lastTimestamp"):
        obj.setdefault(key, None)


def _events_v1(obj: Obj) -> None:
    _fill(obj, {"regarding": {}, "deprecatedSource": {}}, _NIL)
    for key in ("eventTime", "deprecatedFirstTimestamp", "deprecatedLastTimestamp"):
        obj.setdefault(key, None)


def _binding(obj: Obj) -> None:
    """RBAC: roleRef and User/Group subjects default to the rbac API group."""
    _fill(_child(obj, "roleRef"), {"apiGroup": "rbac.authorization.k8s.io"})
    for subject in _items(obj, "subjects"):
        if subject.get("kind") in ("User", "Group"):
            _fill(subject, {"apiGroup": "rbac.authorization.k8s.io"})


_SCALE_UP = {
    "stabilizationWindowSeconds": 0,
    "selectPolicy": "Max",
    "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15},
    ],
}
_SCALE_DOWN = {
    "stabilizationWindowSeconds": 300,
    "selectPolicy": "Max",
    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
}
_CPU_80 = {
    "type": "Resource",
    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
}


def _hpa(obj: Obj) -> None:
    """autoscaling v2 defaults; v1 objects show them through the v2 storage round trip."""
    spec, status = _child(obj, "spec"), _child(obj, "status")
    _fill(spec, {"minReplicas": 1}, _NIL)
    if obj.get("apiVersion") == "autoscaling/v1":
        _fill(spec, {"targetCPUUtilizationPercentage": 80}, _NIL)
        _fill(status, {"currentReplicas": 0, "desiredReplicas": 0}, _NIL)
        return
    if not spec.get("metrics"):
        spec["metrics"] = [copy.deepcopy(_CPU_80)]
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):
        for key, rules in (("scaleUp", _SCALE_UP), ("scaleDown", _SCALE_DOWN)):
            _fill(_child(behavior, key), rules, (None, []))
    status.setdefault("currentMetrics", None)
    _fill(status, {"desiredReplicas": 0}, _NIL)


# Status fields Go always serialises (no omitempty): what a fresh object's status shows.
_ZERO_STATUS: dict[tuple[str, str], Mapping[str, Any]] = {
    ("", "ReplicationController"): {"replicas": 0},
    ("apps", "ReplicaSet"): {"replicas": 0},
    ("apps", "StatefulSet"): {"replicas": 0, "availableReplicas": 0},
    ("apps", "DaemonSet"): {
        "currentNumberScheduled": 0,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 0,
        "numberReady": 0,
    },
    ("policy", "PodDisruptionBudget"): {
        "disruptionsAllowed": 0,
        "currentHealthy": 0,
        "desiredHealthy": 0,
        "expectedPods": 0,
    },
    ("networking.k8s.io", "Ingress"): {"loadBalancer": {}},
}

_DEFAULTERS: dict[tuple[str, str], Callable[[Obj], None]] = {
    ("", "Pod"): _pod,
    ("", "PodTemplate"): _pod_template,
    ("", "ReplicationController"): _replication_controller,
    ("", "Service"): _service,
    ("", "Endpoints"): _endpoints,
    ("", "Namespace"): _namespace,
    ("", "Secret"): _secret,
    ("", "ConfigMap"): _config_map,
    ("", "PersistentVolume"): _persistent_volume,
    ("", "PersistentVolumeClaim"): _persistent_volume_claim,
    ("", "Node"): _node,
    ("", "ResourceQuota"): _resource_quota,
    ("", "LimitRange"): _limit_range,
    ("", "Event"): _event,
    ("events.k8s.io", "Event"): _events_v1,
    ("apps", "Deployment"): _deployment,
    ("apps", "ReplicaSet"): _replica_set,
    ("apps", "DaemonSet"): _daemon_set,
    ("apps", "StatefulSet"): _stateful_set,
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cron_job,
    ("autoscaling", "HorizontalPodAutoscaler"): _hpa,
    ("discovery.k8s.io", "EndpointSlice"): _endpoint_slice,
    ("networking.k8s.io", "NetworkPolicy"): _network_policy,
    ("networking.k8s.io", "IngressClass"): _ingress_class,
    ("rbac.authorization.k8s.io", "RoleBinding"): _binding,
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): _binding,
    ("storage.k8s.io", "StorageClass"): lambda obj: _fill(
        obj, {"reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"}, _NIL
    ),
}


def apply_defaults(group: str, kind: str, obj: Obj) -> None:
    """Default `obj` (a private copy) in place as the real API server would; idempotent."""
    if defaulter := _DEFAULTERS.get((group, kind)):
        defaulter(obj)
    if zero := _ZERO_STATUS.get((group, kind)):
        _fill(_child(obj, "status"), zero, _NIL)


def prepare_for_update(group: str, kind: str, obj: Obj, old: Obj) -> None:
    """Update-time strategy work that needs the old object (call after apply_defaults).

    DaemonSet: the template generation is kept, and bumped when the pod template changed.
    """
    if (group, kind) != ("apps", "DaemonSet"):
        return
    key = "deprecated.daemonset.template.generation"
    old_generation = _dict(_dict(old.get("metadata")).get("annotations")).get(key, "1")
    generation = int(old_generation) if str(old_generation).isdigit() else 1
    if _dict(obj.get("spec")).get("template") != _dict(old.get("spec")).get("template"):
        generation += 1
    _child(_child(obj, "metadata"), "annotations")[key] = str(generation)
