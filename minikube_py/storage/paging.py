"""Paginated lists: the key range under a prefix and the continue tokens the store issues."""

from __future__ import annotations

import base64
import binascii

import orjson

from minikube_py.storage.types import InvalidContinueTokenError


def prefix_end(prefix: str) -> str | None:
    """The smallest string above every string that starts with `prefix` (None: no bound)."""
    if not prefix:
        return None
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def encode_continue(revision: int, last_key: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"rv": revision, "start": last_key})).decode()


def decode_continue(token: str, prefix: str) -> tuple[int, str]:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token.encode()))
        revision, start = data["rv"], data["start"]
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise InvalidContinueTokenError(f"malformed continue token {token!r}") from exc
    if not isinstance(revision, int) or not isinstance(start, str) or not start.startswith(prefix):
        raise InvalidContinueTokenError(
            f"continue token {token!r} is not for a listing of {prefix}"
        )
    return revision, start
