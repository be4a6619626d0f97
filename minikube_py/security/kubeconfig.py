"""Admin kubeconfig files: one with every credential embedded, written (or merged) atomically."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import yaml

from minikube_py.security._files import _write_atomic
from minikube_py.security.pki import Pki


def _b64_file(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def kubeconfig_dict(
    server_url: str, pki: Pki, cluster_name: str = "minikube-py", user: str = "admin"
) -> dict[str, Any]:
    """An admin kubeconfig with everything embedded; its context is named after the cluster."""
    cluster = {"server": server_url, "certificate-authority-data": _b64_file(pki.cert_path("ca"))}
    credentials = {
        "client-certificate-data": _b64_file(pki.cert_path("admin")),
        "client-key-data": _b64_file(pki.key_path("admin")),
    }
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": cluster_name, "cluster": cluster}],
        "users": [{"name": user, "user": credentials}],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": user}}],
        "current-context": cluster_name,
    }


def write_kubeconfig(
    path: str | os.PathLike[str], config: dict[str, Any], merge: bool = True
) -> None:
    """Write `config` to `path` (mode 0600), merged into the file already there if `merge`.

    Merging replaces the clusters, users and contexts of the same names, keeps the others and
    switches current-context. A symlinked kubeconfig stays a symlink (the target is written).
    """
    target = Path(os.path.realpath(path))
    if merge and target.exists():
        config = _merge_kubeconfig(_load_kubeconfig(target), config)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(config, default_flow_style=False, sort_keys=False)
    _write_atomic(target, text.encode(), 0o600)


def _load_kubeconfig(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text()) or {}
    if not isinstance(loaded, dict):
        # Never overwrite a file we do not understand: it may hold someone's only credentials.
        raise ValueError(f"{path} is not a kubeconfig")
    return loaded


def _merge_kubeconfig(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = {**old, **{k: v for k, v in new.items() if k not in old}}
    for section in ("clusters", "users", "contexts"):
        ours = new.get(section) or []
        names = {entry["name"] for entry in ours}
        kept = [e for e in old.get(section) or [] if e.get("name") not in names]
        merged[section] = kept + ours
    merged["current-context"] = new["current-context"]
    return merged
