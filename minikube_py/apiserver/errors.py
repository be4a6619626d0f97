"""Kubernetes `Status` errors, serialised exactly as the real API server does.

Field order and omission rules follow apimachinery's `metav1.Status` JSON encoding: some client
suites compare error bodies byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

# HTTP code for each StatusReason (apimachinery pkg/apis/meta/v1 StatusReason*).
REASON_CODES: dict[str, int] = {
    "BadRequest": 400,
    "Unauthorized": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "MethodNotAllowed": 405,
    "NotAcceptable": 406,
    "AlreadyExists": 409,
    "Conflict": 409,
    "Gone": 410,
    "Expired": 410,
    "RequestEntityTooLarge": 413,
    "UnsupportedMediaType": 415,
    "Invalid": 422,
    "TooManyRequests": 429,
    "InternalError": 500,
    "ServiceUnavailable": 503,
    "Timeout": 504,
}


@dataclass(frozen=True, slots=True)
class Cause:
    """One entry of `details.causes`: what is wrong with which field."""

    reason: str  # FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, ...
    message: str
    field: str

    def to_dict(self) -> dict[str, str]:
        cause = {"reason": self.reason, "message": self.message}
        if self.field:  # omitted when empty, as Go's omitempty does
            cause["field"] = self.field
        return cause


@dataclass(slots=True)
class ApiError(Exception):
    """An error the API answers with a `Status` body; raise it anywhere below a handler."""

    reason: str
    message: str
    code: int = 0
    name: str | None = None
    group: str | None = None
    kind: str | None = None  # the plural resource, as real Kubernetes puts it
    uid: str | None = None
    causes: list[Cause] = field(default_factory=list)
    retry_after_seconds: int | None = None

    def __post_init__(self) -> None:
        if not self.code:
            self.code = REASON_CODES.get(self.reason, 500)

    def __str__(self) -> str:
        return self.message

    def status(self) -> dict[str, Any]:
        details: dict[str, Any] = {}
        if self.name:
            details["name"] = self.name
        if self.group:
            details["group"] = self.group
        if self.kind:
            details["kind"] = self.kind
        if self.uid:
            details["uid"] = self.uid
        if self.causes:
            details["causes"] = [c.to_dict() for c in self.causes]
        if self.retry_after_seconds is not None:
            details["retryAfterSeconds"] = self.retry_after_seconds
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        if details:
            body["details"] = details
        body["code"] = self.code
        return body

    def body(self) -> bytes:
        return orjson.dumps(self.status())


def qualified_resource(resource: str, group: str) -> str:
    """`deployments.apps`, or plain `pods` for the core group (as in error messages)."""
    return f"{resource}.{group}" if group else resource


def not_found(resource: str, group: str, name: str) -> ApiError:
    return ApiError(
        "NotFound",
        f'{qualified_resource(resource, group)} "{name}" not found',
        name=name,
        group=group or None,
        kind=resource,
    )


def already_exists(resource: str, group: str, name: str) -> ApiError:
    return ApiError(
        "AlreadyExists",
        f'{qualified_resource(resource, group)} "{name}" already exists',
        name=name,
        group=group or None,
        kind=resource,
    )


def conflict(resource: str, group: str, name: str) -> ApiError:
    return ApiError(
        "Conflict",
        f'Operation cannot be fulfilled on {qualified_resource(resource, group)} "{name}": '
        "the object has been modified; please apply your changes to the latest version "
        "and try again",
        name=name,
        group=group or None,
        kind=resource,
    )


def bad_request(message: str) -> ApiError:
    return ApiError("BadRequest", message)


def invalid(kind: str, group: str, name: str, causes: list[Cause]) -> ApiError:
    """422 Invalid; the message lists every cause as real Kubernetes does."""
    qualified_kind = f"{kind}.{group}" if group else kind
    parts = [f"{c.field}: {c.message}" if c.field else c.message for c in causes]
    summary = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    return ApiError(
        "Invalid",
        f'{qualified_kind} "{name}" is invalid: {summary}',
        name=name,
        group=group or None,
        kind=kind,
        causes=causes,
    )
