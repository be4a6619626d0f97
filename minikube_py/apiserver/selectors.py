"""Label and field selectors, parsed and matched exactly as the Kubernetes API server does.

The label selector grammar, its error texts and its matching rules follow apimachinery 1.33
`pkg/labels/selector.go`; field selectors follow `pkg/fields/selector.go` plus the per-kind field
sets of `pkg/registry/*/strategy.go`. Errors are 400 BadRequest with the server's message.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from minikube_py.apiserver.errors import ApiError, Cause, bad_request
from minikube_py.apiserver.validation import (
    error_text,
    field_invalid,
    go_quote,
    is_label_value,
    is_qualified_name,
)
from minikube_py.resources import Resource

# selection.Operator values
IN = "in"
NOT_IN = "notin"
EQUALS = "="
DOUBLE_EQUALS = "=="
NOT_EQUALS = "!="
EXISTS = "exists"
DOES_NOT_EXIST = "!"
GREATER_THAN = "gt"
LESS_THAN = "lt"

_BINARY_OPERATORS = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN)
_SHOWN_OPERATOR = {EQUALS: "=", DOUBLE_EQUALS: "==", NOT_EQUALS: "!=", GREATER_THAN: ">"}
_SHOWN_OPERATOR |= {LESS_THAN: "<", IN: " in ", NOT_IN: " notin "}
_INT64_RE = re.compile(r"[+-]?[0-9]+")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _parse_int64(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64), or None where Go returns an error."""
    if not _INT64_RE.fullmatch(text):
        return None
    value = int(text)
    return value if _INT64_MIN <= value <= _INT64_MAX else None


def _aggregate(causes: Sequence[Cause]) -> str:
    """utilerrors.Aggregate.Error(): one message as is, several deduplicated inside [..]."""
    texts = list(dict.fromkeys(error_text(c) for c in causes))
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"


# ---------------------------------------------------------------------------------------------
# Label selectors
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Requirement:
    """One `key op values` term of a label selector."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator in (IN, EQUALS, DOUBLE_EQUALS):
            return present and labels[self.key] in self.values
        if self.operator in (NOT_IN, NOT_EQUALS):
            return not present or labels[self.key] not in self.values
        if self.operator == EXISTS:
            return present
        if self.operator == DOES_NOT_EXIST:
            return not present
        return present and self._compares(labels[self.key])

    def _compares(self, label_value: str) -> bool:
        have, want = _parse_int64(label_value), _parse_int64(self.values[0])
        if have is None or want is None:
            return False
        return have > want if self.operator == GREATER_THAN else have < want

    def __str__(self) -> str:
        if self.operator in (EXISTS, DOES_NOT_EXIST):
            return ("!" if self.operator == DOES_NOT_EXIST else "") + self.key
        shown = ",".join(sorted(self.values))  # Go normalises the value order on output
        if self.operator in (IN, NOT_IN):
            shown = f"({shown})"
        return f"{self.key}{_SHOWN_OPERATOR[self.operator]}{shown}"


def _requirement_causes(key: str, operator: str, values: Sequence[str]) -> list[Cause]:
    """labels.NewRequirement's checks, with its field paths (the selector has no parent path)."""
    causes = []
    if key_errors := is_qualified_name(key):
        causes.append(field_invalid("key", key, "; ".join(key_errors)))
    count = len(values)
    if operator in (IN, NOT_IN) and count == 0:
        detail = "for 'in', 'notin' operators, values set can't be empty"
        causes.append(field_invalid("values", list(values), detail))
    elif operator in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS) and count != 1:
        detail = "exact-match compatibility requires one single value"
        causes.append(field_invalid("values", list(values), detail))
    elif operator in (EXISTS, DOES_NOT_EXIST) and count != 0:
        detail = "values set must be empty for exists and does not exist"
        causes.append(field_invalid("values", list(values), detail))
    elif operator in (GREATER_THAN, LESS_THAN):
        causes += _comparison_causes(values)
    for i, value in enumerate(values):
        if msgs := is_label_value(value):
            causes.append(field_invalid(f"values[{i}][{key}]", value, "; ".join(msgs)))
    return causes


def _comparison_causes(values: Sequence[str]) -> list[Cause]:
    causes = []
    if len(values) != 1:
        detail = "for 'Gt', 'Lt' operators, exactly one value is required"
        causes.append(field_invalid("values", list(values), detail))
    detail = "for 'Gt', 'Lt' operators, the value must be an integer"
    causes += [
        field_invalid(f"values[{i}]", v, detail)
        for i, v in enumerate(values)
        if _parse_int64(v) is None
    ]
    return causes


def new_requirement(key: str, operator: str, values: Sequence[str]) -> Requirement:
    """A validated Requirement, or ApiError 400 with labels.NewRequirement's message."""
    causes = _requirement_causes(key, operator, values)
    if causes:
        raise bad_request(_aggregate(causes))
    return Requirement(key, operator, tuple(values))


_SELECTOR_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """An AND of requirements, kept sorted by key like Kubernetes' internalSelector."""

    requirements: tuple[Requirement, ...] = ()
    selects_nothing: bool = False  # what a nil metav1.LabelSelector converts to

    @classmethod
    def parse(cls, text: str) -> LabelSelector:
        """The `labelSelector` query parameter; "" selects everything."""
        parsed = _LabelParser(text).parse()
        return cls(tuple(sorted(parsed, key=lambda r: r.key)))

    @classmethod
    def from_label_selector(cls, selector: Mapping[str, Any] | None) -> LabelSelector:
        """metav1.LabelSelectorAsSelector: None selects nothing, {} selects everything."""
        if selector is None:
            return cls(selects_nothing=True)
        match_labels = selector.get("matchLabels") or {}
        requirements = [
            new_requirement(str(k), EQUALS, [str(v)]) for k, v in sorted(match_labels.items())
        ]
        for expression in selector.get("matchExpressions") or []:
            operator = _SELECTOR_OPERATORS.get(expression.get("operator"))
            if operator is None:
                shown = go_quote(str(expression.get("operator") or ""))
                raise bad_request(f"{shown} is not a valid label selector operator")
            values = [str(v) for v in expression.get("values") or []]
            requirements.append(new_requirement(str(expression.get("key", "")), operator, values))
        return cls(tuple(sorted(requirements, key=lambda r: r.key)))

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything (lists skip filtering)."""
        return not self.requirements and not self.selects_nothing

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self.selects_nothing:
            return False
        present = labels or {}
        return all(r.matches(present) for r in self.requirements)

    def __str__(self) -> str:
        """The canonical text form (e.g. a scale subresource's status.selector)."""
        return ",".join(str(r) for r in self.requirements)


class _Tok(enum.Enum):
    END = "end of string"
    IDENT = "identifier"
    OPEN = "("
    CLOSE = ")"
    COMMA = ","
    NOT = "!"
    EQ = "="
    DEQ = "=="
    NEQ = "!="
    GT = ">"
    LT = "<"
    IN = "in"
    NOTIN = "notin"


_SYMBOLS = {t.value: t for t in (_Tok.OPEN, _Tok.CLOSE, _Tok.COMMA, _Tok.NOT, _Tok.EQ)}
_SYMBOLS |= {t.value: t for t in (_Tok.DEQ, _Tok.NEQ, _Tok.GT, _Tok.LT)}
_KEYWORDS = {"in": _Tok.IN, "notin": _Tok.NOTIN}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")
_TOKEN_OPERATORS = {_Tok.IN: IN, _Tok.NOTIN: NOT_IN, _Tok.EQ: EQUALS, _Tok.DEQ: DOUBLE_EQUALS}
_TOKEN_OPERATORS |= {_Tok.NEQ: NOT_EQUALS, _Tok.GT: GREATER_THAN, _Tok.LT: LESS_THAN}


def _lex(text: str) -> list[tuple[_Tok, str]]:
    """The label selector lexer: identifiers, keywords and greedy multi-character symbols."""
    tokens: list[tuple[_Tok, str]] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos] in _WHITESPACE:
            pos += 1
        if pos == len(text):
            tokens.append((_Tok.END, ""))
            return tokens
        start = pos
        if text[pos] in _SPECIAL:
            # Longest run of special characters that still spells a symbol ("!=", "==").
            while pos < len(text) and text[start : pos + 1] in _SYMBOLS:
                pos += 1
            word = text[start:pos]
            tokens.append((_SYMBOLS[word], word))
            continue
        while pos < len(text) and text[pos] not in _SPECIAL and text[pos] not in _WHITESPACE:
            pos += 1
        word = text[start:pos]
        tokens.append((_KEYWORDS.get(word, _Tok.IDENT), word))


class _LabelParser:
    """labels.Parser: recursive descent over the token list, with Go's error messages."""

    def __init__(self, text: str) -> None:
        self._tokens = _lex(text)
        self._pos = 0

    def _peek(self, *, values: bool = True) -> tuple[_Tok, str]:
        token, literal = self._tokens[self._pos]
        # In value context the keywords are plain identifiers: `in in (in)` is valid.
        if values and token in (_Tok.IN, _Tok.NOTIN):
            return _Tok.IDENT, literal
        return token, literal

    def _next(self, *, values: bool = True) -> tuple[_Tok, str]:
        item = self._peek(values=values)
        self._pos += 1
        return item

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        token, literal = self._peek()
        if token == _Tok.END:
            return requirements
        if token not in (_Tok.IDENT, _Tok.NOT):
            raise bad_request(f"found '{literal}', expected: !, identifier, or 'end of string'")
        while True:
            try:
                requirements.append(self._requirement())
            except ApiError as err:
                raise bad_request(f"unable to parse requirement: {err.message}") from None
            token, literal = self._next()
            if token == _Tok.END:
                return requirements
            if token != _Tok.COMMA:
                raise bad_request(f"found '{literal}', expected: ',' or 'end of string'")
            token, literal = self._peek()
            if token not in (_Tok.IDENT, _Tok.NOT):
                raise bad_request(f"found '{literal}', expected: identifier after ','")

    def _requirement(self) -> Requirement:
        key, operator = self._key_and_inferred_operator()
        if operator is None:
            operator = self._operator()
            values = self._set_values() if operator in (IN, NOT_IN) else self._exact_value()
        else:
            values = set()
        return new_requirement(key, operator, sorted(values))

    def _key_and_inferred_operator(self) -> tuple[str, str | None]:
        token, literal = self._next()
        operator = None
        if token == _Tok.NOT:
            operator = DOES_NOT_EXIST
            token, literal = self._next()
        if token != _Tok.IDENT:
            raise bad_request(f"found '{literal}', expected: identifier")
        if msgs := is_qualified_name(literal):
            # Go reports this with a nil field path, printed as "<nil>".
            raise bad_request(error_text(field_invalid("<nil>", literal, "; ".join(msgs))))
        if operator is None and self._peek()[0] in (_Tok.END, _Tok.COMMA):
            operator = EXISTS
        return literal, operator

    def _operator(self) -> str:
        token, literal = self._next(values=False)
        if token not in _TOKEN_OPERATORS:
            expected = ", ".join(_BINARY_OPERATORS)
            raise bad_request(f"found '{literal}', expected: {expected}")
        return _TOKEN_OPERATORS[token]

    def _set_values(self) -> set[str]:
        token, literal = self._next()
        if token != _Tok.OPEN:
            raise bad_request(f"found '{literal}' expected: '('")
        token, literal = self._peek()
        if token == _Tok.CLOSE:  # "()" is the set holding the empty string
            self._next()
            return {""}
        if token not in (_Tok.IDENT, _Tok.COMMA):
            raise bad_request(f"found '{literal}', expected: ',', ')' or identifier")
        values = self._identifier_list()
        self._next()  # the ")" that ended the list
        return values

    def _identifier_list(self) -> set[str]:
        """Comma separated, possibly empty identifiers up to (not including) the ")"."""
        values: set[str] = set()
        while True:
            token, literal = self._next()
            if token == _Tok.IDENT:
                values.add(literal)
                following, shown = self._peek()
                if following == _Tok.CLOSE:
                    return values
                if following != _Tok.COMMA:
                    raise bad_request(f"found '{shown}', expected: ',' or ')'")
            elif token == _Tok.COMMA:
                if not values:
                    values.add("")  # "(," starts with an empty value
                following, _ = self._peek()
                if following == _Tok.CLOSE:
                    values.add("")  # ",)" ends with one
                    return values
                if following == _Tok.COMMA:
                    self._next()
                    values.add("")  # ",," holds one
            else:
                raise bad_request(f"found '{literal}', expected: ',', or identifier")

    def _exact_value(self) -> set[str]:
        if self._peek()[0] in (_Tok.END, _Tok.COMMA):
            return {""}
        token, literal = self._next()
        if token != _Tok.IDENT:
            raise bad_request(f"found '{literal}', expected: identifier")
        return {literal}


# ---------------------------------------------------------------------------------------------
# Field selectors
# ---------------------------------------------------------------------------------------------

DEFAULT_FIELDS = frozenset({"metadata.name", "metadata.namespace"})
# The unknown-field message of the kinds with their own field-label conversion (core/v1 Pod,
# Node, Event, Namespace, Secret, Service, ReplicationController, ...); other kinds answer with
# DefaultMetaV1FieldSelectorConversion's message, the default.
FIELD_LABEL_NOT_SUPPORTED = "field label not supported: {}"
# Pods still accept the pre-1.0 name of spec.nodeName.
POD_FIELD_ALIASES: Mapping[str, str] = {"spec.host": "spec.nodeName"}

_TERM_OPERATORS = ("!=", "==", "=")


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    """`field=value`, `field==value` or `field!=value`."""

    field: str
    value: str
    negated: bool = False

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return (field_value(obj, self.field) == self.value) != self.negated

    def __str__(self) -> str:
        return f"{self.field}{'!=' if self.negated else '='}{escape_field_value(self.value)}"


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """An AND of field requirements, in the sorted order Kubernetes parses them."""

    requirements: tuple[FieldRequirement, ...] = ()

    @classmethod
    def parse(
        cls,
        text: str,
        allowed: Collection[str] = DEFAULT_FIELDS,
        *,
        unsupported: str | None = None,
        aliases: Mapping[str, str] | None = None,
    ) -> FieldSelector:
        """The `fieldSelector` query parameter, checked against the kind's selectable fields.

        `unsupported` is the kind's unknown-field message with `{}` for the field (e.g.
        FIELD_LABEL_NOT_SUPPORTED); None gives the default conversion's message. `aliases` maps
        legacy field names to current ones (POD_FIELD_ALIASES).
        """
        parsed = [_parse_field_term(term, text) for term in sorted(_split_terms(text)) if term]
        # Kubernetes converts field labels only once the whole selector has parsed.
        renamed = [_convert_field(r, allowed, unsupported, aliases or {}) for r in parsed]
        return cls(tuple(renamed))

    @property
    def empty(self) -> bool:
        return not self.requirements

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return all(r.matches(obj) for r in self.requirements)

    def requires_exact_match(self, field: str) -> str | None:
        """The value the selector pins `field` to with `=`/`==`, if any (RequiresExactMatch)."""
        for requirement in self.requirements:
            if requirement.field == field and not requirement.negated:
                return requirement.value
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def selected_names(selector: FieldSelector) -> str | None:
    """The name a `metadata.name=X` term pins: the list becomes a point lookup.

    Other terms may remain, so the object found must still pass `selector.matches`.
    """
    return selector.requires_exact_match("metadata.name")


def selected_namespace(selector: FieldSelector) -> str | None:
    """The namespace a `metadata.namespace=X` term pins (same caveat as selected_names)."""
    return selector.requires_exact_match("metadata.namespace")


def escape_field_value(value: str) -> str:
    """fields.EscapeValue: the inverse of the unescaping `parse` does."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _unescape_field_value(value: str) -> str:
    if not any(c in value for c in "\\,="):
        return value
    out: list[str] = []
    escaped = False
    for ch in value:
        if escaped:
            if ch not in "\\,=":
                raise bad_request(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",=":
            # Go prints the rune with %v, i.e. as its code point number.
            raise bad_request(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if escaped:
        raise bad_request("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not backslash-escaped."""
    if not text:
        return []
    terms: list[str] = []
    start, escaped = 0, False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _parse_field_term(term: str, text: str) -> FieldRequirement:
    # The first operator found, scanning left to right; no whitespace is trimmed anywhere.
    for i in range(len(term)):
        for operator in _TERM_OPERATORS:
            if term.startswith(operator, i):
                value = _unescape_field_value(term[i + len(operator) :])
                return FieldRequirement(term[:i], value, negated=operator == "!=")
    raise bad_request(f"invalid selector: '{text}'; can't understand '{term}'")


def _convert_field(
    requirement: FieldRequirement,
    allowed: Collection[str],
    unsupported: str | None,
    aliases: Mapping[str, str],
) -> FieldRequirement:
    field = aliases.get(requirement.field, requirement.field)
    if field in allowed:
        return FieldRequirement(field, requirement.value, requirement.negated)
    if unsupported is not None:
        raise bad_request(unsupported.format(requirement.field))
    raise bad_request(
        f'{go_quote(requirement.field)} is not a known field selector: only "metadata.name", '
        '"metadata.namespace"'
    )


def _lookup(obj: Mapping[str, Any], path: str) -> object:
    current: object = obj
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def _render(value: object) -> str:
    """A field value as the fields.Set strings hold it (strconv.FormatBool / Itoa)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return value if isinstance(value, str) else ""


def _defaulted(path: str, default: bool | int) -> Callable[[Mapping[str, Any]], str]:
    """A Go non-pointer field: omitted from the JSON, it still reads as false or 0."""

    def read(obj: Mapping[str, Any]) -> str:
        value = _lookup(obj, path)
        return _render(default if value is None else value)

    return read


def _pod_ip(obj: Mapping[str, Any]) -> str:
    ips = _lookup(obj, "status.podIPs")
    if isinstance(ips, list) and ips and isinstance(ips[0], Mapping):
        return _render(ips[0].get("ip"))
    return _render(_lookup(obj, "status.podIP"))


def _event_source(obj: Mapping[str, Any]) -> str:
    return _render(_lookup(obj, "source.component")) or _render(_lookup(obj, "reportingComponent"))


def _never_set(obj: Mapping[str, Any]) -> str:
    return ""


# Fields whose value in Kubernetes' field set is not simply the JSON value at that path.
_SPECIAL_FIELDS: dict[tuple[str, str], Callable[[Mapping[str, Any]], str]] = {
    ("Pod", "spec.hostNetwork"): _defaulted("spec.hostNetwork", False),
    ("Pod", "status.podIP"): _pod_ip,
    # Accepted by the Pod conversion but never put in the pod's field set: it always reads "".
    ("Pod", "status.podIPs"): _never_set,
    ("Node", "spec.unschedulable"): _defaulted("spec.unschedulable", False),
    ("Event", "source"): _event_source,
    ("Job", "status.successful"): _defaulted("status.succeeded", 0),
    ("ReplicaSet", "status.replicas"): _defaulted("status.replicas", 0),
    ("ReplicationController", "status.replicas"): _defaulted("status.replicas", 0),
}


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """The string a field selector compares for `path` of `obj` ("" when absent).

    Kind-specific fields are looked up by the object's `kind`; the rest walk the dotted path,
    so `metadata.namespace` of a cluster-scoped object is "".
    """
    special = _SPECIAL_FIELDS.get((str(obj.get("kind", "")), path))
    if special is not None:
        return special(obj)
    return _render(_lookup(obj, path))


# core/v1 kinds with their own field-label conversion, which words unknown fields differently.
_CORE_CONVERTED_KINDS = frozenset(
    {"Pod", "Node", "Namespace", "ReplicationController", "Event", "Secret"}
)
# ...of which these select by name only: they have no namespace to select on.
_NAME_ONLY_KINDS = frozenset({"Node", "Namespace"})


def field_selector_for(resource: Resource, text: str) -> FieldSelector:
    """Parse a `fieldSelector` against what `resource` allows, answering as real Kubernetes."""
    core_kind = resource.kind if resource.group == "" else ""
    base = ("metadata.name",) if core_kind in _NAME_ONLY_KINDS else DEFAULT_FIELDS
    return FieldSelector.parse(
        text,
        (*base, *resource.field_selectors),
        unsupported=FIELD_LABEL_NOT_SUPPORTED if core_kind in _CORE_CONVERTED_KINDS else None,
        aliases=POD_FIELD_ALIASES if core_kind == "Pod" else None,
    )
