"""ObjectMeta validation with the real API server's reasons, field paths and messages.

Everything here mirrors apimachinery 1.33 (`pkg/util/validation`, `pkg/api/validation`,
`pkg/util/validation/field`): clients and conformance-style tests compare these strings, so the
wording — including Go's way of printing the bad value — is reproduced exactly.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from minikube_py.apiserver.errors import Cause

NameRule = Literal["subdomain", "label", "dns1035", "path-segment"]

# ---------------------------------------------------------------------------------------------
# Field errors, rendered like field.Error.ErrorBody()
# ---------------------------------------------------------------------------------------------

_GO_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    '"': '\\"',
    "\\": "\\\\",
}


def go_quote(text: str) -> str:
    """Go's `%q` (strconv.Quote): how every bad string value is shown in messages."""
    out = ['"']
    for ch in text:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ch < " " or ch == "\x7f":
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def go_string_slice(values: Sequence[str]) -> str:
    """Go's `%#v` of a []string; an empty slice prints as the nil slice it is in every caller."""
    if not values:
        return "[]string(nil)"
    return "[]string{" + ", ".join(go_quote(v) for v in values) + "}"


@dataclass(frozen=True, slots=True)
class GoText:
    """A bad value already printed the way Go prints it (Stringer output, %#v of a struct)."""

    text: str


def _render_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, GoText):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, list | tuple):
        return go_string_slice([str(v) for v in value])
    return go_quote(str(value))


def field_invalid(path: str, value: object, detail: str) -> Cause:
    body = f"Invalid value: {_render_value(value)}"
    return Cause("FieldValueInvalid", f"{body}: {detail}" if detail else body, path)


def field_required(path: str, detail: str = "") -> Cause:
    return Cause(
        "FieldValueRequired", f"Required value: {detail}" if detail else "Required value", path
    )


def field_forbidden(path: str, detail: str) -> Cause:
    return Cause("FieldValueForbidden", f"Forbidden: {detail}", path)


def field_too_long(path: str, max_bytes: int) -> Cause:
    return Cause("FieldValueTooLong", f"Too long: may not be more than {max_bytes} bytes", path)


def error_text(cause: Cause) -> str:
    """field.Error.Error(): `<field>: <body>` — the form selector parse errors are reported in."""
    return f"{cause.field}: {cause.message}"


# ---------------------------------------------------------------------------------------------
# Primitive format checks (pkg/util/validation); each returns the list of failure messages
# ---------------------------------------------------------------------------------------------

_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE_FMT = "(" + _QUALIFIED_NAME_FMT + ")?"

_DNS1123_LABEL_RE = re.compile(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN_RE = re.compile(_DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL_RE = re.compile(_DNS1035_LABEL_FMT)
_QUALIFIED_NAME_RE = re.compile(_QUALIFIED_NAME_FMT)
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE_FMT)

_DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character"
)
_DNS1035_LABEL_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character"
)
_QUALIFIED_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character"
)

DNS1123_SUBDOMAIN_MAX = 253
DNS_LABEL_MAX = 63  # RFC 1123 and RFC 1035 labels, qualified-name name parts, label values
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024


# Every write checks the same few names, label keys and timestamps: the pure checks below are
# memoized, bounded because the inputs are open-ended.
_MEMO_SIZE = 4096


def _memoized_errors(check: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    """`check`, cached for exact `str` arguments. Each call gets its own list, as callers may
    extend it; other argument types take the uncached path, so they fail exactly as before."""
    cached = functools.lru_cache(maxsize=_MEMO_SIZE)(lambda value: tuple(check(value)))

    @functools.wraps(check)
    def memoized(value: str) -> list[str]:
        return list(cached(value)) if type(value) is str else check(value)

    return memoized


def _max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    # Go joins the examples with " or " after each "'x', " — hence the double space.
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def _byte_len(value: str) -> int:
    return len(value.encode())  # Go measures strings in bytes


@_memoized_errors
def is_dns1123_label(value: str) -> list[str]:
    errs = [_max_len_error(DNS_LABEL_MAX)] if _byte_len(value) > DNS_LABEL_MAX else []
    if not _DNS1123_LABEL_RE.fullmatch(value):
        if _DNS1123_SUBDOMAIN_RE.fullmatch(value):
            errs.append("must not contain dots")  # a valid subdomain: only the dots are wrong
        else:
            errs.append(_regex_error(_DNS1123_LABEL_MSG, _DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


@_memoized_errors
def is_dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if _byte_len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(_max_len_error(DNS1123_SUBDOMAIN_MAX))
    if not _DNS1123_SUBDOMAIN_RE.fullmatch(value):
        errs.append(_regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


@_memoized_errors
def is_dns1035_label(value: str) -> list[str]:
    errs = [_max_len_error(DNS_LABEL_MAX)] if _byte_len(value) > DNS_LABEL_MAX else []
    if not _DNS1035_LABEL_RE.fullmatch(value):
        errs.append(_regex_error(_DNS1035_LABEL_MSG, _DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_path_segment_name(value: str, *, prefix: bool = False) -> list[str]:
    """Names that must survive as one URL/storage path segment (RBAC kinds, the generic check)."""
    if not prefix and value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{bad}'" for bad in ("/", "%") if bad in value]


@_memoized_errors
def is_qualified_name(value: str) -> list[str]:
    """Label keys, annotation keys and finalizers: `[DNS-subdomain/]name`."""
    parts = value.split("/")
    if len(parts) > 2:
        return [
            "a qualified name "
            + _regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    errs = []
    if len(parts) == 2:
        if not parts[0]:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(parts[0]))
    name = parts[-1]
    if not name:
        errs.append("name part must be non-empty")
    elif _byte_len(name) > DNS_LABEL_MAX:
        errs.append("name part " + _max_len_error(DNS_LABEL_MAX))
    if not _QUALIFIED_NAME_RE.fullmatch(name):
        errs.append(
            "name part "
            + _regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


@_memoized_errors
def is_label_value(value: str) -> list[str]:
    errs = [_max_len_error(DNS_LABEL_MAX)] if _byte_len(value) > DNS_LABEL_MAX else []
    if not _LABEL_VALUE_RE.fullmatch(value):
        errs.append(
            _regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345")
        )
    return errs


# ---------------------------------------------------------------------------------------------
# Object names
# ---------------------------------------------------------------------------------------------

# (group, kind) → name rule where it is not the default DNS-1123 subdomain (each kind's
# ValidateXxxName in kubernetes pkg/apis/*/validation).
NAME_RULES: dict[tuple[str, str], NameRule] = {
    ("", "Namespace"): "label",
    ("", "Service"): "dns1035",
    ("apps", "StatefulSet"): "label",  # its pods' hostnames are "<name>-<ordinal>"
    ("rbac.authorization.k8s.io", "Role"): "path-segment",
    ("rbac.authorization.k8s.io", "ClusterRole"): "path-segment",
    ("rbac.authorization.k8s.io", "RoleBinding"): "path-segment",
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): "path-segment",
    # ValidateCertificateRequestName accepts anything; the generic path-segment check remains.
    ("certificates.k8s.io", "CertificateSigningRequest"): "path-segment",
}

# Extra length limits checked after the name rule (ValidateCronJobCreate: the controller appends
# an 11-character "-<minutes>" suffix to make Job names, which must stay within 63).
_MAX_NAME_LENGTH: dict[tuple[str, str], int] = {("batch", "CronJob"): 52}

_GENERATED_SUFFIX_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # utilrand's alphabet: no vowels
_GENERATED_SUFFIX_LEN = 5
_MAX_GENERATE_NAME_BASE = DNS_LABEL_MAX - _GENERATED_SUFFIX_LEN


def generate_name(base: str) -> str:
    """SimpleNameGenerator: at most 58 characters of `generateName` plus 5 random ones."""
    suffix = "".join(random.choices(_GENERATED_SUFFIX_CHARS, k=_GENERATED_SUFFIX_LEN))
    return base[:_MAX_GENERATE_NAME_BASE] + suffix


def _mask_trailing_dash(name: str) -> str:
    # Kubernetes' maskTrailingDash replaces the last *two* characters with "a" (sic); kept as is
    # so that the same generateName prefixes are accepted and rejected.
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_errors(rule: NameRule, name: str, *, prefix: bool = False) -> list[str]:
    """The kind's ValidateNameFunc; `prefix` validates a generateName (may end with '-')."""
    if rule == "path-segment":
        return is_path_segment_name(name, prefix=prefix)
    if prefix:
        name = _mask_trailing_dash(name)
    if rule == "label":
        return is_dns1123_label(name)
    if rule == "dns1035":
        return is_dns1035_label(name)
    return is_dns1123_subdomain(name)


# ---------------------------------------------------------------------------------------------
# Labels, annotations, owner references, finalizers
# ---------------------------------------------------------------------------------------------


def validate_labels(labels: Mapping[str, str], path: str) -> list[Cause]:
    causes = []
    for key, value in labels.items():
        causes += [field_invalid(path, key, m) for m in is_qualified_name(key)]
        causes += [field_invalid(path, value, m) for m in is_label_value(value)]
    return causes


def validate_annotations(annotations: Mapping[str, str], path: str) -> list[Cause]:
    causes = []
    for key in annotations:
        # Annotation keys are qualified names compared case-insensitively.
        causes += [field_invalid(path, key, m) for m in is_qualified_name(key.lower())]
    total = sum(_byte_len(k) + _byte_len(v) for k, v in annotations.items())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        causes.append(field_too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return causes


def _go_bool_pointer(value: object) -> str:
    # %#v prints a pointer's address, which differs on every real server; any address will do.
    return "(*bool)(nil)" if value is None else "(*bool)(0xc000000000)"


def _go_owner_reference(ref: Mapping[str, Any]) -> str:
    """%#v of a metav1.OwnerReference, as Kubernetes prints it in ownerReferences errors."""
    strings = ", ".join(
        f"{go_name}:{go_quote(str(ref.get(key) or ''))}"
        for go_name, key in (("APIVersion", "apiVersion"), ("Kind", "kind"), ("Name", "name"))
    )
    return (
        f"v1.OwnerReference{{{strings}, UID:{go_quote(str(ref.get('uid') or ''))}, "
        f"Controller:{_go_bool_pointer(ref.get('controller'))}, "
        f"BlockOwnerDeletion:{_go_bool_pointer(ref.get('blockOwnerDeletion'))}}}"
    )


def _api_version_parts(api_version: str) -> tuple[str, str] | None:
    """schema.ParseGroupVersion: (group, version), or None when it does not parse."""
    if api_version in ("", "/"):
        return "", ""
    if api_version.count("/") > 1:
        return None
    group, _, version = api_version.rpartition("/")
    return group, version


def _owner_reference_causes(ref: Mapping[str, Any], path: str) -> list[Cause]:
    api_version, kind = str(ref.get("apiVersion") or ""), str(ref.get("kind") or "")
    group, version = _api_version_parts(api_version) or ("", "")
    causes = []
    if not version:
        causes.append(field_invalid(f"{path}.apiVersion", api_version, "version must not be empty"))
    if not kind:
        causes.append(field_invalid(f"{path}.kind", kind, "kind must not be empty"))
    for key in ("name", "uid"):
        if not ref.get(key):
            value = str(ref.get(key) or "")
            causes.append(field_invalid(f"{path}.{key}", value, f"{key} must not be empty"))
    if (group, version, kind) == ("", "v1", "Event"):  # BannedOwners
        detail = "/v1, Kind=Event is disallowed from being an owner"
        causes.append(field_invalid(path, GoText(_go_owner_reference(ref)), detail))
    return causes


def validate_owner_references(refs: Sequence[Mapping[str, Any]], path: str) -> list[Cause]:
    causes = []
    first_controller = ""
    for ref in refs:
        causes += _owner_reference_causes(ref, path)
        if ref.get("controller") is not True:
            continue
        controller = f"{ref.get('kind') or ''}/{ref.get('name') or ''}"
        if not first_controller:
            first_controller = controller
            continue
        shown = "[]v1.OwnerReference{" + ", ".join(_go_owner_reference(r) for r in refs) + "}"
        detail = (
            'Only one reference can have Controller set to true. Found "true" in references '
            f"for {first_controller} and {controller}"
        )
        causes.append(field_invalid(path, GoText(shown), detail))
    return causes


def validate_finalizers(finalizers: Sequence[str], path: str) -> list[Cause]:
    causes = [field_invalid(path, f, m) for f in finalizers for m in is_qualified_name(f)]
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        detail = "finalizer orphan and foregroundDeletion cannot be both set"
        causes.append(field_invalid(path, list(finalizers), detail))
    return causes


# ---------------------------------------------------------------------------------------------
# ObjectMeta
# ---------------------------------------------------------------------------------------------


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _text(meta: Mapping[str, Any], key: str) -> str:
    value = meta.get(key)
    return value if isinstance(value, str) else ""


def _string_map(meta: Mapping[str, Any], key: str) -> dict[str, str]:
    value = meta.get(key)
    if not isinstance(value, Mapping):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _entries(meta: Mapping[str, Any], key: str) -> list[Any]:
    value = meta.get(key)
    return list(value) if isinstance(value, list) else []


def _name_causes(meta: Mapping[str, Any], rule: NameRule) -> list[Cause]:
    generate, name = _text(meta, "generateName"), _text(meta, "name")
    causes = [
        field_invalid("metadata.generateName", generate, m)
        for m in (name_errors(rule, generate, prefix=True) if generate else [])
    ]
    if name:
        causes += [field_invalid("metadata.name", name, m) for m in name_errors(rule, name)]
    elif not generate:
        # The name is generated before validation; only with neither is it missing.
        causes.append(field_required("metadata.name", "name or generateName is required"))
    return causes


def _namespace_causes(meta: Mapping[str, Any], namespaced: bool) -> list[Cause]:
    namespace = _text(meta, "namespace")
    if not namespaced:
        if namespace:
            return [field_forbidden("metadata.namespace", "not allowed on this type")]
        return []
    if not namespace:
        return [field_required("metadata.namespace")]
    return [field_invalid("metadata.namespace", namespace, m) for m in is_dns1123_label(namespace)]


def _contents_causes(meta: Mapping[str, Any]) -> list[Cause]:
    """Labels, annotations, owner references and finalizers: checked on create and update."""
    refs = [r for r in _entries(meta, "ownerReferences") if isinstance(r, Mapping)]
    finalizers = [str(f) for f in _entries(meta, "finalizers")]
    return [
        *validate_labels(_string_map(meta, "labels"), "metadata.labels"),
        *validate_annotations(_string_map(meta, "annotations"), "metadata.annotations"),
        *validate_owner_references(refs, "metadata.ownerReferences"),
        *validate_finalizers(finalizers, "metadata.finalizers"),
    ]


def validate_object_meta(
    obj: Mapping[str, Any], *, group: str, kind: str, namespaced: bool
) -> list[Cause]:
    """ValidateObjectMeta with the kind's name rule; call it after generating the name."""
    meta = _meta(obj)
    causes = _name_causes(meta, NAME_RULES.get((group, kind), "subdomain"))
    causes += _namespace_causes(meta, namespaced)
    generation = meta.get("generation")
    if isinstance(generation, int) and generation < 0:
        msg = "must be greater than or equal to 0"
        causes.append(field_invalid("metadata.generation", generation, msg))
    causes += _contents_causes(meta)
    name, limit = _text(meta, "name"), _MAX_NAME_LENGTH.get((group, kind))
    if limit is not None and len(name) > limit:
        causes.append(field_invalid("metadata.name", name, _max_len_error(limit)))
    return causes


def _go_time(value: object) -> str:
    """time.Time.String() of a metav1.Time read from JSON (the server runs in UTC)."""
    return _go_time_text(value) if type(value) is str else _go_time_uncached(value)


@functools.lru_cache(maxsize=_MEMO_SIZE)  # each update prints the same timestamps again
def _go_time_text(value: str) -> str:
    return _go_time_uncached(value)


def _go_time_uncached(value: object) -> str:
    if not isinstance(value, str) or not value:
        return "0001-01-01 00:00:00 +0000 UTC"
    try:
        parsed = datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        return value  # not a timestamp at all: schema validation reports that
    fraction = f"{parsed.microsecond:06d}".rstrip("0")
    return (
        parsed.strftime("%Y-%m-%d %H:%M:%S") + (f".{fraction}" if fraction else "") + " +0000 UTC"
    )


_IMMUTABLE_FIELDS = (
    "name",
    "namespace",
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)


def _immutable_value(meta: Mapping[str, Any], key: str) -> object:
    """A metadata field as ValidateImmutableField compares and prints its Go value."""
    value = meta.get(key)
    if key == "creationTimestamp":  # a struct: absent, it is the zero time
        return GoText(_go_time(value))
    if key == "deletionTimestamp":  # a pointer: absent, it prints as null
        return None if value is None else GoText(_go_time(value))
    if key == "deletionGracePeriodSeconds":
        return value
    return value or ""


def _immutable_causes(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    return [
        field_invalid(f"metadata.{key}", _immutable_value(new, key), "field is immutable")
        for key in _IMMUTABLE_FIELDS
        if _immutable_value(new, key) != _immutable_value(old, key)
    ]


def _new_finalizer_causes(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    if not old.get("deletionTimestamp"):
        return []
    added = sorted({str(f) for f in _entries(new, "finalizers")} - set(_entries(old, "finalizers")))
    if not added:
        return []
    detail = (
        "no new finalizers can be added if the object is being deleted, "
        f"found new finalizers {go_string_slice(added)}"
    )
    return [field_forbidden("metadata.finalizers", detail)]


def _unique(causes: Iterable[Cause]) -> list[Cause]:
    # The real server checks metadata in several passes and folds identical messages together.
    return list(dict.fromkeys(causes))


def validate_object_meta_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    """ValidateObjectMetaUpdate plus the generic checks BeforeUpdate runs on every update.

    As in rest.BeforeUpdate, fill an omitted uid from the stored object and restore the stored
    creationTimestamp/deletionTimestamp before calling: those are not user errors there.
    """
    new_meta, old_meta = _meta(new), _meta(old)
    causes = _name_causes(new_meta, "path-segment")
    causes += _contents_causes(new_meta)
    causes += _new_finalizer_causes(new_meta, old_meta)
    causes += _immutable_causes(new_meta, old_meta)
    return _unique(causes)
