"""Spec validation of built-in kinds with Kubernetes' own field paths, reasons and messages.

Mirrors the `Validate<Kind>` / `Validate<Kind>Update` functions of Kubernetes 1.32
(`pkg/apis/{core,apps,batch}/validation`, plus the Service allocator's node-port range check)
for the checks clients actually hit. Objects arrive already defaulted, as in the real API server;
ObjectMeta is validated by `validation.py`. Bad values are printed the way Go prints them
(`%q`, `%v`, `%#v`), because clients and tests compare the messages.

The package: `quantity` (the `resource.Quantity` parser, shared with defaulting, the scheduler
and the kubelet), `_checks` (field errors, Go value printing, JSON accessors, ports, selectors),
and one module of validators per group of kinds: `pods`, `workloads` (apps), `jobs` (batch),
`services` and `config` (config maps, secrets). `validate_spec` dispatches to them by kind.
Helpers shared across modules live in the private `_checks` and keep their underscores;
no module here imports an underscored name from a public module.
"""

from __future__ import annotations

from collections.abc import Callable

from minikube_py.apiserver.errors import Cause
from minikube_py.apiserver.specs._checks import Obj, Out
from minikube_py.apiserver.specs.config import (
    base64_error,
    config_key_errors,
    validate_config_map,
    validate_secret,
)
from minikube_py.apiserver.specs.jobs import cron_schedule_error, validate_cron_job, validate_job
from minikube_py.apiserver.specs.pods import validate_pod, validate_pod_spec, validate_pod_template
from minikube_py.apiserver.specs.quantity import QuantityError, canonical_quantity, parse_quantity
from minikube_py.apiserver.specs.services import validate_service
from minikube_py.apiserver.specs.workloads import (
    validate_daemon_set,
    validate_deployment,
    validate_replica_set,
    validate_replication_controller,
    validate_stateful_set,
)

__all__ = [
    "QuantityError",
    "base64_error",
    "canonical_quantity",
    "config_key_errors",
    "cron_schedule_error",
    "parse_quantity",
    "validate_pod_spec",
    "validate_spec",
]

# =============================================================================================
# Dispatch
# =============================================================================================

_VALIDATORS: dict[tuple[str, str], Callable[[Obj, Obj | None], Out]] = {
    ("", "Pod"): validate_pod,
    ("", "PodTemplate"): validate_pod_template,
    ("", "ReplicationController"): validate_replication_controller,
    ("", "Service"): validate_service,
    ("", "ConfigMap"): validate_config_map,
    ("", "Secret"): validate_secret,
    ("apps", "Deployment"): validate_deployment,
    ("apps", "ReplicaSet"): validate_replica_set,
    ("apps", "DaemonSet"): validate_daemon_set,
    ("apps", "StatefulSet"): validate_stateful_set,
    ("batch", "Job"): validate_job,
    ("batch", "CronJob"): validate_cron_job,
}


def validate_spec(group: str, kind: str, obj: Obj, old: Obj | None) -> list[Cause]:
    """The kind's spec validation (create when `old` is None, else update); [] if none."""
    validator = _VALIDATORS.get((group, kind))
    return validator(obj, old) if validator else []
