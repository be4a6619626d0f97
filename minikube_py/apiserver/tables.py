"""`Table` (meta.k8s.io/v1) responses for `kubectl get`: server-side printing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minikube_py.apiserver.printers import table_columns, table_row
from minikube_py.resources import Obj, Resource

INCLUDE_OBJECT_POLICIES = ("None", "Metadata", "Object")


def row_object(obj: Obj, include_object: str) -> Obj | None:
    if include_object == "None":
        return None
    if include_object == "Object":
        return obj
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj["metadata"],
    }


def table(
    resource: Resource,
    objects: Iterable[Obj],
    *,
    include_object: str = "Metadata",
    list_meta: Obj | None = None,
    with_columns: bool = True,
) -> Obj:
    """A Table of `objects`; watch events after the first one send no column definitions."""
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": table_row(resource, obj)}
        embedded = row_object(obj, include_object)
        if embedded is not None:
            row["object"] = embedded
        rows.append(row)
    columns = [c.definition() for c in table_columns(resource)] if with_columns else []
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta or {},
        "columnDefinitions": columns,
        "rows": rows,
    }
