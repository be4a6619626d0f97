"""gnostic's protobuf encoding of a Swagger 2.0 document (the `openapi_v2.Document` message).

kubectl 1.27 and 1.28 read `/openapi/v2` only in this form. Field numbers are those of
github.com/google/gnostic-models `openapiv2/OpenAPIv2.proto`. gnostic maps JSON onto its messages
with conventions a plain field table does not capture, which the wrappers below add:

* JSON objects used as maps become repeated `Named<Value>` entries {name = 1, value = 2};
* `x-` keys become repeated `NamedAny` entries whose `Any` carries the value as YAML text in its
  field 2 (we write JSON, which is YAML; kubectl parses it with a YAML decoder);
* some messages are oneofs chosen by content: a parameter by its `in`, `additionalProperties` by
  being a boolean or a schema, a parameter or response by being a `$ref` or inline.

Only what the server's documents use is covered; any other key is a bug and raises ValueError.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from functools import cache
from typing import Any

import orjson

Encoder = Callable[[Any], bytes]

_VARINT, _FIXED64, _LENGTH_DELIMITED = 0, 1, 2
_INT64_MASK = (1 << 64) - 1
_STRING, _BOOL, _INT, _DOUBLE = "string", "bool", "int", "double"
_REPEATED = "[]"  # a kind ending in it is a repeated field of the kind before it


def encode_document(document: dict[str, Any]) -> bytes:
    """The `openapi_v2.Document` protobuf of a Swagger 2.0 document given as parsed JSON."""
    return _message("Document", document)


# Plain messages: JSON key -> (field number, kind), and the field number of their repeated
# NamedAny vendor extensions (None: the message has none). A kind is a scalar kind above or the
# name of another message.
_FIELDS: dict[str, tuple[dict[str, tuple[int, str]], int | None]] = {
    "Document": (
        {
            "swagger": (1, _STRING),
            "info": (2, "Info"),
            "host": (3, _STRING),
            "basePath": (4, _STRING),
            "schemes": (5, _STRING + _REPEATED),
            "consumes": (6, _STRING + _REPEATED),
            "produces": (7, _STRING + _REPEATED),
            "paths": (8, "Paths"),
            "definitions": (9, "Definitions"),
        },
        16,
    ),
    "Info": ({"title": (1, _STRING), "version": (2, _STRING), "description": (3, _STRING)}, 7),
    "PathItem": (
        {
            "$ref": (1, _STRING),
            "get": (2, "Operation"),
            "put": (3, "Operation"),
            "post": (4, "Operation"),
            "delete": (5, "Operation"),
            "options": (6, "Operation"),
            "head": (7, "Operation"),
            "patch": (8, "Operation"),
            "parameters": (9, "ParametersItem" + _REPEATED),
        },
        10,
    ),
    "Operation": (
        {
            "tags": (1, _STRING + _REPEATED),
            "summary": (2, _STRING),
            "description": (3, _STRING),
            "operationId": (5, _STRING),
            "produces": (6, _STRING + _REPEATED),
            "consumes": (7, _STRING + _REPEATED),
            "parameters": (8, "ParametersItem" + _REPEATED),
            "responses": (9, "Responses"),
            "schemes": (10, _STRING + _REPEATED),
            "deprecated": (11, _BOOL),
        },
        13,
    ),
    "BodyParameter": (
        {
            "description": (1, _STRING),
            "name": (2, _STRING),
            "in": (3, _STRING),
            "required": (4, _BOOL),
            "schema": (5, "Schema"),
        },
        6,
    ),
    "QueryParameterSubSchema": (
        {
            "required": (1, _BOOL),
            "in": (2, _STRING),
            "description": (3, _STRING),
            "name": (4, _STRING),
            "allowEmptyValue": (5, _BOOL),
            "type": (6, _STRING),
            "format": (7, _STRING),
            "uniqueItems": (20, _BOOL),
        },
        23,
    ),
    # Unlike the query parameter it has no allowEmptyValue, so the numbers after it shift by one.
    "PathParameterSubSchema": (
        {
            "required": (1, _BOOL),
            "in": (2, _STRING),
            "description": (3, _STRING),
            "name": (4, _STRING),
            "type": (5, _STRING),
            "format": (6, _STRING),
            "uniqueItems": (19, _BOOL),
        },
        22,
    ),
    "JsonReference": ({"$ref": (1, _STRING), "description": (2, _STRING)}, None),
    "Response": ({"description": (1, _STRING), "schema": (2, "SchemaItem")}, 5),
    "Schema": (
        {
            "$ref": (1, _STRING),
            "format": (2, _STRING),
            "title": (3, _STRING),
            "description": (4, _STRING),
            "default": (5, "Any"),
            "maximum": (7, _DOUBLE),
            "minimum": (9, _DOUBLE),
            "maxLength": (11, _INT),
            "minLength": (12, _INT),
            "pattern": (13, _STRING),
            "maxItems": (14, _INT),
            "minItems": (15, _INT),
            "uniqueItems": (16, _BOOL),
            "required": (19, _STRING + _REPEATED),
            "enum": (20, "Any" + _REPEATED),
            "additionalProperties": (21, "AdditionalPropertiesItem"),
            "type": (22, "TypeItem"),
            "items": (23, "ItemsItem"),
            "allOf": (24, "Schema" + _REPEATED),
            "properties": (25, "Properties"),
            "readOnly": (27, _BOOL),
            "example": (30, "Any"),
        },
        31,
    ),
}


def _message(name: str, value: Any) -> bytes:
    wrapper = _WRAPPERS.get(name)
    if wrapper is not None:
        return wrapper(value)
    fields, vendor = _FIELDS[name]
    out = bytearray()
    for key, item in value.items():
        if vendor is not None and key.startswith("x-"):
            _vendor_extension(out, vendor, key, item)
            continue
        spec = fields.get(key)
        if spec is None:
            raise ValueError(f"gnostic's {name} has no field for {key!r}")
        _append(out, spec[0], spec[1], item)
    return bytes(out)


def _append(out: bytearray, number: int, kind: str, value: Any) -> None:
    if kind.endswith(_REPEATED):
        element = kind[: -len(_REPEATED)]
        for item in value:
            _append(out, number, element, item)
    elif kind == _STRING:
        _length_delimited(out, number, value.encode())
    elif kind in (_BOOL, _INT):
        out += _tag(number, _VARINT)
        out += _varint(int(value))
    elif kind == _DOUBLE:
        out += _tag(number, _FIXED64)
        out += struct.pack("<d", value)
    else:
        _length_delimited(out, number, _message(kind, value))


def _vendor_extension(out: bytearray, number: int, name: str, value: Any) -> None:
    """A `NamedAny` {name = 1, value = Any {yaml = 2}}."""
    entry = bytearray()
    _append(entry, 1, _STRING, name)
    _append(entry, 2, "Any", value)
    _length_delimited(out, number, entry)


def _length_delimited(out: bytearray, number: int, payload: bytes | bytearray) -> None:
    out += _tag(number, _LENGTH_DELIMITED)
    out += _varint(len(payload))
    out += payload


@cache
def _tag(number: int, wire_type: int) -> bytes:
    return _varint(number << 3 | wire_type)


def _varint(value: int) -> bytes:
    value &= _INT64_MASK  # a negative int64 is its ten-byte two's complement
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _map(kind: str, number: int = 1, vendor: int | None = None) -> Encoder:
    """A JSON object as repeated `Named<kind>` entries at `number`; `x-` keys at `vendor`."""

    def encode(value: dict[str, Any]) -> bytes:
        out = bytearray()
        for key, item in value.items():
            if vendor is not None and key.startswith("x-"):
                _vendor_extension(out, vendor, key, item)
                continue
            entry = bytearray()
            _append(entry, 1, _STRING, key)
            _append(entry, 2, kind, item)
            _length_delimited(out, number, entry)
        return bytes(out)

    return encode


def _wrapper(choose: Callable[[Any], tuple[int, str, Any]]) -> Encoder:
    """A message of one field, chosen (with the value to put in it) from the JSON value."""

    def encode(value: Any) -> bytes:
        number, kind, item = choose(value)
        out = bytearray()
        _append(out, number, kind, item)
        return bytes(out)

    return encode


def _inline_or_ref(inline: str) -> Encoder:
    return _wrapper(lambda v: (2, "JsonReference", v) if "$ref" in v else (1, inline, v))


_NON_BODY_PARAMETERS = {
    "query": (3, "QueryParameterSubSchema"),
    "path": (4, "PathParameterSubSchema"),
}

_WRAPPERS: dict[str, Encoder] = {
    "Paths": _map("PathItem", number=2, vendor=1),
    "Definitions": _map("Schema"),
    "Properties": _map("Schema"),
    "Responses": _map("ResponseValue", number=1, vendor=2),
    "ParametersItem": _inline_or_ref("Parameter"),
    "ResponseValue": _inline_or_ref("Response"),
    "Parameter": _wrapper(
        lambda v: (1, "BodyParameter", v) if v["in"] == "body" else (2, "NonBodyParameter", v)
    ),
    "NonBodyParameter": _wrapper(lambda v: (*_NON_BODY_PARAMETERS[v["in"]], v)),
    "SchemaItem": _wrapper(lambda v: (1, "Schema", v)),
    "AdditionalPropertiesItem": _wrapper(
        lambda v: (2, _BOOL, v) if isinstance(v, bool) else (1, "Schema", v)
    ),
    "TypeItem": _wrapper(lambda v: (1, _STRING + _REPEATED, [v] if isinstance(v, str) else v)),
    "ItemsItem": _wrapper(lambda v: (1, "Schema" + _REPEATED, [v] if isinstance(v, dict) else v)),
    "Any": _wrapper(lambda v: (2, _STRING, orjson.dumps(v).decode())),
}
