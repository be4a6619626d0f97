"""`application/vnd.kubernetes.protobuf` request bodies, decoded to the object's JSON form.

kubectl 1.32+ sends typed-client writes (`create deployment`, `autoscale`, ...) as protobuf:
the magic `k8s\\0`, then a `runtime.Unknown{typeMeta{apiVersion, kind}, raw, contentEncoding,
contentType}` whose `raw` holds the k8s.io/api message of that kind. `decode_object` turns such
a body into the dict a JSON body of the same Go object would have given, so everything after the
request decoding is shared with JSON:

* JSON names; a scalar equal to its zero value is dropped unless its Go field is a pointer or has
  no `omitempty` (Go's protobuf encoder writes both, its JSON encoder only those); message fields
  are kept when present, as Go's JSON always writes non-pointer structs; an absent field without
  `omitempty` becomes what Go's JSON writes for it (null for a nil pointer, slice or map).
* `IntOrString` -> int or string, `Quantity` -> its string, `Time` -> RFC 3339 seconds (a zero
  time -> null), `MicroTime` -> RFC 3339 microseconds, `Duration` -> Go's duration string,
  `[]byte` -> base64, `RawExtension` / `FieldsV1` -> the embedded JSON.
* Unknown field numbers are skipped, as Go's generated decoders do; malformed input is a 400
  worded like the real API server's, never a 500. A kind with no message table is a 415.
"""

from __future__ import annotations

import base64
import functools
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from minikube_py.apiserver.errors import ApiError, bad_request
from minikube_py.apiserver.proto_messages import ANY_VERSION_KINDS, KINDS, MESSAGES

MAGIC = b"k8s\x00"
MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
_MAX_LOOKAHEAD = 30  # bytes of a bad body quoted in the error, as the API server's summary
_UINT64 = (1 << 64) - 1

# Wire types.
VARINT, FIXED64, BYTES, START_GROUP, END_GROUP, FIXED32 = 0, 1, 2, 3, 4, 5

_SCALAR_WIRE = {
    "string": BYTES,
    "bytes": BYTES,
    "blob": BYTES,  # internal: the raw bytes themselves
    "bool": VARINT,
    "int32": VARINT,
    "int64": VARINT,
    "uint32": VARINT,
    "uint64": VARINT,
    "double": FIXED64,
    "float": FIXED32,
}
_NUMERIC = frozenset(t for t, wire in _SCALAR_WIRE.items() if wire != BYTES)
_VALUE_TYPES = frozenset({"time", "microtime", "duration", "intstr", "quantity", "rawjson"})

# apimachinery's own messages, used by the value types and the envelope.
_INTERNAL_MESSAGES = {
    "runtime.Unknown": "1 typeMeta runtime.TypeMeta\n2 raw blob!\n3 contentEncoding string!\n"
    "4 contentType string!",
    "runtime.TypeMeta": "1 apiVersion string!\n2 kind string!",
    "metav1.Timestamp": "1 seconds int64!\n2 nanos int32!",
    "metav1.Duration": "1 duration int64!",
    "intstr.IntOrString": "1 type int64!\n2 intVal int32!\n3 strVal string!",
    "resource.Quantity": "1 string string!",
    "runtime.RawExtension": "1 raw blob!",
}
_VALUE_MESSAGES = {
    "time": "metav1.Timestamp",
    "microtime": "metav1.Timestamp",
    "duration": "metav1.Duration",
    "intstr": "intstr.IntOrString",
    "quantity": "resource.Quantity",
    "rawjson": "runtime.RawExtension",
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_GO_ZERO_TIME = -62135596800  # Unix seconds of Go's zero time.Time (year 1), shown as null


class ProtobufError(ValueError):
    """Malformed protobuf; the message is worded as Go's generated decoders word it."""


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # JSON name; "" for an inlined message
    type: str  # a scalar, a value type or a message name
    go_name: str  # for error messages, as Go's decoders name the field
    repeated: bool = False
    map: bool = False
    omitempty: bool = True  # the Go json tag's omitempty (flag `!` says it is missing)
    pointer: bool = False  # a Go pointer (flag `?`)

    @property
    def keep_zero(self) -> bool:
        """Whether Go's JSON writes this field's zero value when it is set."""
        return self.pointer or not self.omitempty

    @property
    def wire(self) -> int:
        return _SCALAR_WIRE.get(self.type, BYTES)


Message = dict[int, Field]


def _parse_table(text: str) -> Message:
    fields: Message = {}
    for line in text.split("\n"):
        if not line.strip():
            continue
        number, name, kind = line.split()
        flags = kind[len(kind.rstrip("!?")) :]
        kind = kind.rstrip("!?")
        repeated = kind.startswith("[]")
        is_map = kind.startswith("{}")
        if repeated or is_map:
            kind = kind[2:]
        inline = name == "*"
        go_name = kind.rsplit(".", 1)[-1] if inline else name[:1].upper() + name[1:]
        fields[int(number)] = Field(
            "" if inline else name,
            kind,
            go_name,
            repeated=repeated,
            map=is_map,
            omitempty="!" not in flags,
            pointer="?" in flags,
        )
    return fields


@functools.cache
def messages() -> dict[str, Message]:
    """Every message table, parsed once on first use."""
    return {name: _parse_table(text) for name, text in {**_INTERNAL_MESSAGES, **MESSAGES}.items()}


@functools.cache
def absent_values(message: str) -> tuple[tuple[str, Any], ...]:
    """What Go's JSON writes for fields without omitempty that are absent from the wire: null
    for a pointer, slice or map (nil), the zero value for a plain scalar. Non-pointer structs are
    always on the wire when Go encodes them, so they need no stand-in."""
    values: list[tuple[str, Any]] = []
    for field in messages()[message].values():
        if field.omitempty or not field.name:
            continue
        if field.pointer or field.repeated or field.map or field.type == "bytes":
            values.append((field.name, None))
        elif field.type in _SCALAR_WIRE:
            values.append((field.name, zero_value(field.type)))
    return tuple(values)


def zero_value(kind: str) -> Any:
    """The JSON of a Go zero value of a scalar or value type (e.g. an absent map value)."""
    if kind in _NUMERIC:
        return False if kind == "bool" else 0.0 if kind in ("double", "float") else 0
    return {
        "string": "",
        "bytes": "",
        "blob": b"",
        "duration": "0s",
        "intstr": 0,
        "quantity": "0",
    }.get(kind)  # time, microtime, rawjson: null


def message_for(api_version: str, kind: str) -> str | None:
    """The message an envelope of this apiVersion and kind carries, if this server has it."""
    return KINDS.get((api_version, kind)) or ANY_VERSION_KINDS.get(kind)


# ---- the public entry point -------------------------------------------------------------------


def decode_object(body: bytes) -> dict[str, Any]:
    """The JSON form of a protobuf request body; ApiError 400 (malformed) or 415 (unknown kind)."""
    try:
        envelope = decode_envelope(body)
    except ProtobufError as exc:
        raise bad_request(
            f"the object provided is unrecognized: {exc} ({summarize(body)})"
        ) from None
    api_version = envelope.get("typeMeta", {}).get("apiVersion", "")
    kind = envelope.get("typeMeta", {}).get("kind", "")
    type_meta = f'runtime.TypeMeta{{APIVersion:"{api_version}", Kind:"{kind}"}}'
    if not kind:
        raise bad_request(
            f"the object provided is unrecognized: Object 'Kind' is missing in '{type_meta}' "
            f"({summarize(body)})"
        )
    if not api_version:
        raise bad_request(
            f"the object provided is unrecognized (must be of type {kind}): Object 'apiVersion' "
            f"is missing in '{type_meta}' ({summarize(body)})"
        )
    message = message_for(api_version, kind)
    if message is None:
        raise ApiError(
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json, application/yaml",
        )
    try:
        obj = decode_message(envelope.get("raw", b""), message)
    except ProtobufError as exc:
        version = api_version.rsplit("/", 1)[-1]
        raise bad_request(
            f'{kind} in version "{version}" cannot be handled as a {kind}: {exc}'
        ) from None
    return {"kind": kind, "apiVersion": api_version, **obj}


def decode_envelope(body: bytes) -> dict[str, Any]:
    """The `runtime.Unknown` after the magic: typeMeta as a dict, raw as bytes."""
    if not body:
        raise ProtobufError("empty data")
    if not body.startswith(MAGIC):
        prefix = " ".join(str(b) for b in MAGIC)
        raise ProtobufError(
            f"provided data does not appear to be a protobuf message, expected prefix [{prefix}]"
        )
    if len(body) == len(MAGIC):
        raise ProtobufError("empty body")
    return _Decoder(body).message(len(MAGIC), len(body), "runtime.Unknown", {})


def decode_message(data: bytes, message: str) -> dict[str, Any]:
    """One message's JSON form."""
    return _Decoder(data).message(0, len(data), message, {})


def summarize(data: bytes, limit: int = _MAX_LOOKAHEAD) -> str:
    """The start of a body as the API server quotes it in decode errors."""
    if not data:
        return "<empty>"
    more = " ..." if len(data) > limit else ""
    if data[:1] == b"{":
        return data[:limit].decode("utf-8", "replace") + more
    return data[:limit].hex() + more


# ---- the decoder ------------------------------------------------------------------------------


class _Decoder:
    """Walks one buffer; every read is bounds-checked against the enclosing message's end."""

    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.tables = messages()

    def varint(self, pos: int, end: int) -> tuple[int, int]:
        if pos < end and self.buf[pos] < 0x80:  # the common one-byte case
            return self.buf[pos], pos + 1
        result = shift = 0
        while True:
            if shift >= 64:
                raise ProtobufError("proto: integer overflow")
            if pos >= end:
                raise ProtobufError("unexpected EOF")
            byte = self.buf[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                return result & _UINT64, pos
            shift += 7

    def span(self, pos: int, end: int) -> tuple[int, int]:
        """A length-delimited field's content: (start, stop)."""
        length, pos = self.varint(pos, end)
        if length >= 1 << 63:  # Go reads it into an int: negative
            raise ProtobufError("proto: negative length found during unmarshaling")
        stop = pos + length
        if stop > end:
            raise ProtobufError("unexpected EOF")
        return pos, stop

    def skip(self, pos: int, end: int, wire: int) -> int:
        """Past an unknown field (groups included), as Go's skipGenerated."""
        depth = 0
        while True:
            if wire == VARINT:
                _, pos = self.varint(pos, end)
            elif wire == FIXED64:
                pos += 8
            elif wire == BYTES:
                _, pos = self.span(pos, end)
            elif wire == START_GROUP:
                depth += 1
            elif wire == END_GROUP:
                if depth == 0:
                    raise ProtobufError("proto: unexpected end of group")
                depth -= 1
            elif wire == FIXED32:
                pos += 4
            else:
                raise ProtobufError(f"proto: illegal wireType {wire}")
            if pos > end:
                raise ProtobufError("unexpected EOF")
            if depth == 0:
                return pos
            key, pos = self.varint(pos, end)
            wire = key & 7

    def message(self, pos: int, end: int, name: str, out: dict[str, Any]) -> dict[str, Any]:
        """Decode fields into `out` (a repeated occurrence of a message merges, as in Go)."""
        fields = self.tables[name]
        short = name.rsplit(".", 1)[-1]
        while pos < end:
            key, pos = self.varint(pos, end)
            number, wire = (key >> 3) & 0xFFFFFFFF, key & 7
            if wire == END_GROUP:
                raise ProtobufError(f"proto: {short}: wiretype end group for non-group")
            if number == 0 or number >= 1 << 31:
                signed = number - (1 << 32) if number >= 1 << 31 else number
                raise ProtobufError(f"proto: {short}: illegal tag {signed} (wire type {wire})")
            field = fields.get(number)
            if field is None:
                pos = self.skip(pos, end, wire)
            else:
                pos = self.field(pos, end, wire, field, out)
        for name_, value in absent_values(name):
            out.setdefault(name_, value)
        return out

    def field(self, pos: int, end: int, wire: int, field: Field, out: dict[str, Any]) -> int:
        if field.map:
            self.expect(wire, BYTES, field)
            start, stop = self.span(pos, end)
            key, value = self.map_entry(start, stop, field)
            entries = out.get(field.name)
            if not isinstance(entries, dict):
                entries = out[field.name] = {}
            entries[key] = value
            return stop
        if field.repeated:
            items = out.get(field.name)
            if not isinstance(items, list):
                items = out[field.name] = []
            if wire == BYTES and field.type in _NUMERIC:  # packed
                start, stop = self.span(pos, end)
                while start < stop:
                    value, start = self.value(start, stop, field.wire, field)
                    items.append(value)
                return stop
            self.expect(wire, field.wire, field)
            value, pos = self.value(pos, end, wire, field)
            items.append(value)
            return pos
        self.expect(wire, field.wire, field)
        if field.type in self.tables:
            start, stop = self.span(pos, end)
            if not field.name:  # inlined: its fields belong to the parent
                self.message(start, stop, field.type, out)
            else:
                existing = out.get(field.name)
                target = existing if isinstance(existing, dict) else {}
                out[field.name] = self.message(start, stop, field.type, target)
            return stop
        value, pos = self.value(pos, end, wire, field)
        if value or field.keep_zero or field.type in _VALUE_TYPES:
            out[field.name] = value
        else:  # omitempty: Go's JSON leaves the zero value out
            out.pop(field.name, None)
        return pos

    def expect(self, wire: int, wanted: int, field: Field) -> None:
        if wire != wanted:
            raise ProtobufError(f"proto: wrong wireType = {wire} for field {field.go_name}")

    def map_entry(self, pos: int, end: int, field: Field) -> tuple[str, Any]:
        """A map entry message: key = 1 (string), value = 2; absent parts are zero values."""
        key = ""
        value: Any = _MISSING
        while pos < end:
            tag, pos = self.varint(pos, end)
            number, wire = tag >> 3, tag & 7
            if number == 1:
                self.expect(wire, BYTES, Field("key", "string", "key"))
                start, pos = self.span(pos, end)
                key = self.buf[start:pos].decode("utf-8", "replace")
            elif number == 2:
                if field.type in self.tables:
                    self.expect(wire, BYTES, field)
                    start, pos = self.span(pos, end)
                    value = self.message(start, pos, field.type, {})
                else:
                    self.expect(wire, field.wire, field)
                    value, pos = self.value(pos, end, wire, field)
            else:
                pos = self.skip(pos, end, wire)
        if value is _MISSING:
            value = {} if field.type in self.tables else zero_value(field.type)
        return key, value

    def value(self, pos: int, end: int, wire: int, field: Field) -> tuple[Any, int]:
        """One scalar, value type or message (for repeated fields and map values)."""
        kind = field.type
        if wire == VARINT:
            raw, pos = self.varint(pos, end)
            return _integer(raw, kind), pos
        if wire == FIXED64:
            if pos + 8 > end:
                raise ProtobufError("unexpected EOF")
            return struct.unpack_from("<d", self.buf, pos)[0], pos + 8
        if wire == FIXED32:
            if pos + 4 > end:
                raise ProtobufError("unexpected EOF")
            return struct.unpack_from("<f", self.buf, pos)[0], pos + 4
        start, stop = self.span(pos, end)
        data = self.buf[start:stop]
        if kind == "string":
            return data.decode("utf-8", "replace"), stop  # Go's JSON replaces bad UTF-8 too
        if kind == "bytes":
            return base64.b64encode(data).decode("ascii"), stop
        if kind == "blob":
            return data, stop
        if kind in _VALUE_MESSAGES:
            parts = self.message(start, stop, _VALUE_MESSAGES[kind], {})
            return _value_type(kind, parts, stop > start), stop
        return self.message(start, stop, kind, {}), stop


_MISSING: Any = object()


def _integer(raw: int, kind: str) -> int | bool:
    if kind == "bool":
        return raw != 0
    if kind == "int32":
        raw &= 0xFFFFFFFF
        return raw - (1 << 32) if raw >= 1 << 31 else raw
    if kind == "uint32":
        return raw & 0xFFFFFFFF
    if kind == "uint64":
        return raw
    return raw - (1 << 64) if raw >= 1 << 63 else raw  # int64 (and Go's int)


def _value_type(kind: str, parts: dict[str, Any], present: bool) -> Any:
    """The JSON form of apimachinery's value types from their protobuf fields."""
    if kind in ("time", "microtime"):
        if not present:  # Go marshals a zero Time as no bytes at all
            return None
        return format_time(parts.get("seconds", 0), parts.get("nanos", 0), micro=kind != "time")
    if kind == "duration":
        return go_duration(parts.get("duration", 0))
    if kind == "intstr":
        type_ = parts.get("type", 0)
        if type_ == 0:
            return parts.get("intVal", 0)
        if type_ == 1:
            return parts.get("strVal", "")
        raise ProtobufError("impossible IntOrString.Type")
    if kind == "quantity":
        return parts.get("string") or "0"
    raw: bytes = parts.get("raw", b"")  # rawjson: RawExtension, FieldsV1
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ProtobufError(f"invalid JSON in an embedded object: {exc}") from None


def format_time(seconds: int, nanos: int, *, micro: bool = False) -> str | None:
    """metav1.Time (RFC 3339, whole seconds) or MicroTime (microseconds), always UTC."""
    total_nanos = seconds * 1_000_000_000 + nanos
    seconds, nanos = divmod(total_nanos, 1_000_000_000)
    if seconds == _GO_ZERO_TIME and nanos == 0:
        return None
    try:
        moment = _EPOCH + timedelta(seconds=seconds, microseconds=nanos // 1000)
    except OverflowError:
        raise ProtobufError(f"time {seconds}s after the epoch is out of range") from None
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )
    return f"{text}.{moment.microsecond:06d}Z" if micro else f"{text}Z"


def go_duration(nanoseconds: int) -> str:
    """Go's time.Duration.String(): `1h2m3.5s`, `1.5ms`, `0s`."""
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    u = abs(nanoseconds)
    if u < 1_000_000_000:
        unit, digits = ("ns", 0) if u < 1_000 else ("µs", 3) if u < 1_000_000 else ("ms", 6)
        whole, frac = divmod(u, 10**digits)
        return f"{sign}{whole}{_fraction(frac, digits)}{unit}"
    seconds, frac = divmod(u, 1_000_000_000)
    text = f"{seconds % 60}{_fraction(frac, 9)}s"
    minutes = seconds // 60
    if minutes:
        text = f"{minutes % 60}m{text}"
        if minutes // 60:
            text = f"{minutes // 60}h{text}"
    return sign + text


def _fraction(value: int, digits: int) -> str:
    if not value:
        return ""
    return "." + str(value).rjust(digits, "0").rstrip("0")
