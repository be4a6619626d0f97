"""Printers of the RBAC kinds: role bindings and cluster role bindings."""

from __future__ import annotations

from collections.abc import Callable

from minikube_py.apiserver.printers._cells import AGE, _col, _list, _str
from minikube_py.apiserver.printers._docs import _DOCS
from minikube_py.resources import Column, Obj

# --- RBAC ------------------------------------------------------------------------------------


def _role_ref(binding: Obj) -> str:
    return f"{_str(binding, 'roleRef', 'kind')}/{_str(binding, 'roleRef', 'name')}"


def _subjects(kind: str) -> Callable[[Obj], str]:
    def cell(binding: Obj) -> str:
        subjects = [s for s in _list(binding, "subjects") if _str(s, "kind") == kind]
        if kind == "ServiceAccount":
            return ", ".join(f"{_str(s, 'namespace')}/{_str(s, 'name')}" for s in subjects)
        return ", ".join(_str(s, "name") for s in subjects)

    return cell


# --- column definitions ----------------------------------------------------------------------


def _binding_columns(kind: str) -> tuple[Column, ...]:
    """RoleBinding / ClusterRoleBinding: the role, then the subjects by kind (wide)."""
    label = kind[0].lower() + kind[1:]
    return (
        _col("Role", _DOCS[f"{kind}.roleRef"], _role_ref),
        AGE,
        _col("Users", f"Users in the {label}", _subjects("User"), wide=True),
        _col("Groups", f"Groups in the {label}", _subjects("Group"), wide=True),
        _col(
            "ServiceAccounts",
            f"ServiceAccounts in the {label}",
            _subjects("ServiceAccount"),
            wide=True,
        ),
    )


ROLE_BINDING_COLUMNS = _binding_columns("RoleBinding")
CLUSTER_ROLE_BINDING_COLUMNS = _binding_columns("ClusterRoleBinding")
