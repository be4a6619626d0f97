"""Printers of the storage kinds: persistent volumes and claims, storage classes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minikube_py.apiserver.printers._cells import (
    AGE,
    _col,
    _has,
    _list,
    _map,
    _name,
    _optional,
    _or,
    _str,
    _text,
    dig,
)
from minikube_py.apiserver.printers._docs import _DOCS
from minikube_py.resources import Column, Obj

# --- storage ---------------------------------------------------------------------------------


_ACCESS_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX"}
_ACCESS_MODES["ReadWriteOncePod"] = "RWOP"


def _access_modes(modes: list[Any]) -> str:
    return ",".join(short for mode, short in _ACCESS_MODES.items() if mode in modes)


def _storage(resources: Any) -> str:
    """A `storage` quantity as stored; Go prints a missing quantity as 0."""
    return str(dig(resources, "storage") or "0")


def _terminating_phase(obj: Obj) -> str:
    if _has(obj, "metadata", "deletionTimestamp"):
        return "Terminating"
    return _str(obj, "status", "phase")


def _storage_class(obj: Obj) -> str:
    """The beta annotation wins over `spec.storageClassName`, as in the real helper."""
    annotations = _map(obj, "metadata", "annotations")
    if "volume.beta.kubernetes.io/storage-class" in annotations:
        return str(annotations["volume.beta.kubernetes.io/storage-class"])
    return _str(obj, "spec", "storageClassName")


def _claim(pv: Obj) -> str:
    ref = dig(pv, "spec", "claimRef")
    return f"{_str(ref, 'namespace')}/{_str(ref, 'name')}" if isinstance(ref, dict) else ""


def _bound_only(cell: Callable[[Obj], str]) -> Callable[[Obj], str]:
    """PVC capacity and access modes are shown only once the claim names its volume."""
    return lambda pvc: cell(pvc) if _str(pvc, "spec", "volumeName") else ""


def _storage_class_name(obj: Obj) -> str:
    annotations = _map(obj, "metadata", "annotations")
    default = any(
        annotations.get(key) == "true"
        for key in (
            "storageclass.kubernetes.io/is-default-class",
            "storageclass.beta.kubernetes.io/is-default-class",
        )
    )
    return _name(obj) + (" (default)" if default else "")


# --- column definitions ----------------------------------------------------------------------


PERSISTENT_VOLUME_COLUMNS = (
    _col(
        "Capacity",
        _DOCS["PersistentVolumeSpec.capacity"],
        lambda obj: _storage(dig(obj, "spec", "capacity")),
    ),
    _col(
        "Access Modes",
        _DOCS["PersistentVolumeSpec.accessModes"],
        lambda obj: _access_modes(_list(obj, "spec", "accessModes")),
    ),
    _col(
        "Reclaim Policy",
        _DOCS["PersistentVolumeSpec.persistentVolumeReclaimPolicy"],
        _text("spec", "persistentVolumeReclaimPolicy"),
    ),
    _col("Status", _DOCS["PersistentVolumeStatus.phase"], _terminating_phase),
    _col("Claim", _DOCS["PersistentVolumeSpec.claimRef"], _claim),
    _col("StorageClass", "StorageClass of the pv", _storage_class),
    _col(
        "VolumeAttributesClass",
        "VolumeAttributesClass of the pv",
        _optional("spec", "volumeAttributesClassName", unset="<unset>"),
    ),
    _col("Reason", _DOCS["PersistentVolumeStatus.reason"], _text("status", "reason")),
    AGE,
    _col(
        "VolumeMode",
        _DOCS["PersistentVolumeSpec.volumeMode"],
        _optional("spec", "volumeMode", unset="<unset>"),
        wide=True,
    ),
)

PERSISTENT_VOLUME_CLAIM_COLUMNS = (
    _col("Status", _DOCS["PersistentVolumeClaimStatus.phase"], _terminating_phase),
    _col("Volume", _DOCS["PersistentVolumeClaimSpec.volumeName"], _text("spec", "volumeName")),
    _col(
        "Capacity",
        _DOCS["PersistentVolumeClaimStatus.capacity"],
        _bound_only(lambda obj: _storage(dig(obj, "status", "capacity"))),
    ),
    _col(
        "Access Modes",
        _DOCS["PersistentVolumeClaimStatus.accessModes"],
        _bound_only(lambda obj: _access_modes(_list(obj, "status", "accessModes"))),
    ),
    _col("StorageClass", "StorageClass of the pvc", _storage_class),
    _col(
        "VolumeAttributesClass",
        "VolumeAttributesClass of the pvc",
        _optional("spec", "volumeAttributesClassName", unset="<unset>"),
    ),
    AGE,
    _col(
        "VolumeMode",
        _DOCS["PersistentVolumeClaimSpec.volumeMode"],
        _optional("spec", "volumeMode", unset="<unset>"),
        wide=True,
    ),
)


STORAGE_CLASS_COLUMNS = (
    # The default class is marked in the Name cell itself.
    Column("Name", "string", _DOCS["ObjectMeta.name"], _storage_class_name, format="name"),
    _col("Provisioner", _DOCS["StorageClass.provisioner"], _text("provisioner")),
    _col(
        "ReclaimPolicy", _DOCS["StorageClass.reclaimPolicy"], _or(_text("reclaimPolicy"), "Delete")
    ),
    _col(
        "VolumeBindingMode",
        _DOCS["StorageClass.volumeBindingMode"],
        _or(_text("volumeBindingMode"), "Immediate"),
    ),
    _col(
        "AllowVolumeExpansion",
        _DOCS["StorageClass.allowVolumeExpansion"],
        lambda obj: dig(obj, "allowVolumeExpansion") is True,
    ),
    AGE,
)
