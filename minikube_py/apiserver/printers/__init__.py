"""Server-side printer columns: the `Table` a real API server sends for `kubectl get`.

Every column and cell follows Kubernetes 1.32 `pkg/printers/internalversion/printers.go`. The real
server always prints the wide form (kubectl hides `priority > 0` columns unless `-o wide`), so
every row carries every column. Cell JSON types follow what the Go printers put in the cells, which
is not always the column's declared type (e.g. Deployment `Up-to-date` is declared a string but
sent as an integer); kubectl prints cells verbatim, so the values are what matters.

Objects are read as stored (i.e. already defaulted); a missing field prints as Go's zero value.
Cells are computed at request time against `_cells.now()`, a hook tests can replace.

Column descriptions are the real ones: the OpenAPI field docs (`SwaggerDoc()`, k8s.io/api v0.32)
or the literal texts of printers.go.

The package: `_cells` (reading objects, ages, labels and selectors, column helpers) and `_docs`
(the field docs) serve the printers of `core` (pods, nodes, events, config …), `workloads`
(apps, batch, autoscaling, policy), `networking`, `storage` and `rbac`; this module re-exports
their columns and turns a resource's columns into a Table's column definitions and rows.
Helpers shared across modules live in the private `_cells`/`_docs` and keep their underscores;
no module here imports an underscored name from a public module.
"""

from __future__ import annotations

from typing import Any

from minikube_py.apiserver.printers._cells import (
    AGE,
    CREATED_AT,
    NAME,
    age,
    created_at,
    dig,
    format_label_selector,
    format_labels,
    human_duration,
    label_selector_string,
    parse_time,
    since,
)
from minikube_py.apiserver.printers.core import (
    CONFIG_MAP_COLUMNS,
    EVENT_COLUMNS,
    EVENTS_V1_COLUMNS,
    LEASE_COLUMNS,
    NAMESPACE_COLUMNS,
    NODE_COLUMNS,
    POD_COLUMNS,
    POD_TEMPLATE_COLUMNS,
    RESOURCE_QUOTA_COLUMNS,
    SECRET_COLUMNS,
    SERVICE_ACCOUNT_COLUMNS,
    pod_ready,
    pod_restarts,
    pod_status,
)
from minikube_py.apiserver.printers.networking import (
    ENDPOINT_SLICE_COLUMNS,
    ENDPOINTS_COLUMNS,
    INGRESS_CLASS_COLUMNS,
    INGRESS_COLUMNS,
    NETWORK_POLICY_COLUMNS,
    SERVICE_COLUMNS,
)
from minikube_py.apiserver.printers.rbac import CLUSTER_ROLE_BINDING_COLUMNS, ROLE_BINDING_COLUMNS
from minikube_py.apiserver.printers.storage import (
    PERSISTENT_VOLUME_CLAIM_COLUMNS,
    PERSISTENT_VOLUME_COLUMNS,
    STORAGE_CLASS_COLUMNS,
)
from minikube_py.apiserver.printers.workloads import (
    CONTROLLER_REVISION_COLUMNS,
    CRON_JOB_COLUMNS,
    DAEMON_SET_COLUMNS,
    DEPLOYMENT_COLUMNS,
    HPA_V1_COLUMNS,
    HPA_V2_COLUMNS,
    JOB_COLUMNS,
    POD_DISRUPTION_BUDGET_COLUMNS,
    REPLICA_SET_COLUMNS,
    REPLICATION_CONTROLLER_COLUMNS,
    STATEFUL_SET_COLUMNS,
)
from minikube_py.resources import Column, Obj, Resource

__all__ = [
    "AGE",
    "CLUSTER_ROLE_BINDING_COLUMNS",
    "CONFIG_MAP_COLUMNS",
    "CONTROLLER_REVISION_COLUMNS",
    "CREATED_AT",
    "CRON_JOB_COLUMNS",
    "DAEMON_SET_COLUMNS",
    "DEPLOYMENT_COLUMNS",
    "ENDPOINTS_COLUMNS",
    "ENDPOINT_SLICE_COLUMNS",
    "EVENTS_V1_COLUMNS",
    "EVENT_COLUMNS",
    "HPA_V1_COLUMNS",
    "HPA_V2_COLUMNS",
    "INGRESS_CLASS_COLUMNS",
    "INGRESS_COLUMNS",
    "JOB_COLUMNS",
    "LEASE_COLUMNS",
    "NAME",
    "NAMESPACE_COLUMNS",
    "NETWORK_POLICY_COLUMNS",
    "NODE_COLUMNS",
    "PERSISTENT_VOLUME_CLAIM_COLUMNS",
    "PERSISTENT_VOLUME_COLUMNS",
    "POD_COLUMNS",
    "POD_DISRUPTION_BUDGET_COLUMNS",
    "POD_TEMPLATE_COLUMNS",
    "REPLICATION_CONTROLLER_COLUMNS",
    "REPLICA_SET_COLUMNS",
    "RESOURCE_QUOTA_COLUMNS",
    "ROLE_BINDING_COLUMNS",
    "SECRET_COLUMNS",
    "SERVICE_ACCOUNT_COLUMNS",
    "SERVICE_COLUMNS",
    "STATEFUL_SET_COLUMNS",
    "STORAGE_CLASS_COLUMNS",
    "age",
    "created_at",
    "dig",
    "format_label_selector",
    "format_labels",
    "human_duration",
    "label_selector_string",
    "parse_time",
    "pod_ready",
    "pod_restarts",
    "pod_status",
    "since",
    "table_columns",
    "table_row",
]


# --- tables ----------------------------------------------------------------------------------


def table_columns(resource: Resource) -> list[Column]:
    """The `columnDefinitions` of the resource's Table, Name column included.

    Resources without columns get the default table (Name, Created At). A resource whose columns
    hold their own name-format column (events put it last, storage classes decorate it) is
    listed as is; every other one gets the plain Name column first.
    """
    if not resource.columns:
        return [NAME, CREATED_AT]
    if any(column.format == "name" for column in resource.columns):
        return list(resource.columns)
    return [NAME, *resource.columns]


def table_row(resource: Resource, obj: Obj) -> list[Any]:
    """The cells of one object's row, one per column of `table_columns`."""
    return [column.cell(obj) for column in table_columns(resource)]
