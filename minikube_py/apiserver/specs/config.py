"""ConfigMap and Secret validation: keys, total size, base64 data, secret types, immutability."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from typing import Any

from minikube_py.apiserver.specs._checks import (
    Obj,
    Out,
    _dict,
    _forbidden,
    _invalid,
    _messages,
    _normalized,
    _required,
    _str,
)
from minikube_py.apiserver.validation import field_required, field_too_long

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


def validate_config_map(obj: Obj, old: Obj | None) -> Out:
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


def validate_secret(obj: Obj, old: Obj | None) -> Out:
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
