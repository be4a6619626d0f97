"""`resource.Quantity`: parsing and canonical printing of Kubernetes quantities.

Shared with defaulting, the scheduler and the kubelet. Values are exact `Fraction`s; the text
Kubernetes would serialise follows Go's rules (input already canonical is kept verbatim, the
rest is reformatted for its DecimalSI / BinarySI / DecimalExponent format). Parsing and
canonical strings are memoized: the same few strings recur in every pod.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from fractions import Fraction

from minikube_py.apiserver.validation import GoText, go_quote


class QuantityError(ValueError):
    """resource.ParseQuantity's error; its text is what Kubernetes answers."""


FORMAT_WRONG = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
_BAD_SUFFIX = "unable to parse quantity's suffix"
_QUANTITY_RE = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)")
_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12}
_DECIMAL_SUFFIXES |= {"P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_NAMES = {exp: name for name, exp in _DECIMAL_SUFFIXES.items()}
_BINARY_NAMES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]


@dataclass(frozen=True, slots=True)
class _Quantity:
    value: Fraction
    format: str  # DecimalSI, BinarySI or DecimalExponent: chosen by the suffix
    text: str | None  # the input, where Go keeps it because it is already canonical
    scale: int  # decimal exponent of the last digit written (rounding past it drops `text`)


def _round_away(value: Fraction) -> int:
    """inf.RoundUp: away from zero."""
    return math.ceil(value) if value >= 0 else math.floor(value)


def _suffix(suffix: str) -> tuple[int, int, str]:
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], "DecimalSI"
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], "BinarySI"
    if len(suffix) > 1 and suffix[0] in "eE" and re.fullmatch(r"[+-]?[0-9]+", suffix[1:]):
        return 10, int(suffix[1:]), "DecimalExponent"
    raise QuantityError(_BAD_SUFFIX)


def _keeps_text(num: str, denom: str, exp: int, fmt: str) -> bool:
    """ParseQuantity's fast path: input already in canonical form is kept verbatim."""
    shifted = num + denom
    if fmt == "BinarySI":
        precision = 15 - len(num) - int(exp * 3 / 10) - 1
        return not denom and precision >= 0 and int(num) & 7 != 0
    fits = 18 - len(shifted) >= 0 and exp - len(denom) >= -9
    return fits and (exp - len(denom)) % 3 == 0 and not shifted.endswith("000") and num[0] != "0"


@functools.lru_cache(maxsize=4096, typed=True)  # recurring strings; typed: True, 1 and 1.0 differ
def _parse(raw: object) -> _Quantity:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise QuantityError(FORMAT_WRONG)
    text = raw.strip() if isinstance(raw, str) else repr(raw)
    if text == "0":
        return _Quantity(Fraction(0), "DecimalSI", text, 0)
    match = _QUANTITY_RE.fullmatch(text)
    if not text or match is None:
        raise QuantityError(FORMAT_WRONG)
    sign, num, denom, suffix = match.group(1), match.group(2), match.group(3) or "", match.group(4)
    num = num.lstrip("0") or "0"  # Go strips leading zeros before anything else
    base, exp, fmt = _suffix(suffix)
    value = Fraction(int(num + denom), 10 ** len(denom)) * Fraction(base) ** exp
    if sign == "-":
        value = -value
    nanos = value * 10**9
    if nanos.denominator != 1:  # rounded up to the smallest representable amount
        value = Fraction(_round_away(nanos), 10**9)
    kept = text if _keeps_text(num, denom, exp, fmt) else None
    return _Quantity(value, fmt, kept, exp - len(denom) if base == 10 else 0)


def _format_quantity(value: Fraction, fmt: str) -> str:
    """Quantity.String() when the input is not kept: the canonical form for its format."""
    if value == 0:
        return "0"
    sign, magnitude = ("-" if value < 0 else ""), abs(value)
    if fmt == "BinarySI" and (magnitude < 1024 or magnitude.denominator != 1):
        fmt = "DecimalSI"  # small or fractional binary amounts are shown in decimal
    if fmt == "BinarySI":
        amount, power = int(magnitude), 0
        while amount % 1024 == 0 and power < len(_BINARY_NAMES) - 1:
            amount, power = amount // 1024, power + 1
        return f"{sign}{amount}{_BINARY_NAMES[power]}"
    amount, exp = _round_away(magnitude * 10**9), -9
    while amount % 10 == 0:
        amount, exp = amount // 10, exp + 1
    while exp % 3:
        amount, exp = amount * 10, exp - 1
    suffix = "" if exp == 0 else f"e{exp}"
    if fmt == "DecimalSI":
        suffix = _DECIMAL_NAMES.get(exp, suffix)
    return f"{sign}{amount}{suffix}"


def parse_quantity(raw: str | int | float) -> Fraction:
    """The exact value of a Kubernetes quantity ("500m", "1Gi", "2e3"); QuantityError if bad."""
    return _parse(raw).value


def canonical_quantity(raw: str | int | float, *, round_to_milli: bool = False) -> str:
    """How Kubernetes serialises a quantity ("1000m" → "1", "1024Mi" → "1Gi", 0.5 → "500m").

    `round_to_milli` is SetDefaults_ResourceList's extra rounding for resource lists.
    """
    if type(raw) is str:  # strings only: 1, 1.0 and True are one key to a cache
        return _canonical_text(raw, round_to_milli)
    return _canonical(raw, round_to_milli)


@functools.lru_cache(maxsize=4096)  # formatting "16Mi" again takes Fraction arithmetic
def _canonical_text(raw: str, round_to_milli: bool) -> str:
    return _canonical(raw, round_to_milli)


def _canonical(raw: str | int | float, round_to_milli: bool) -> str:
    quantity = _parse(raw)
    value, text = quantity.value, quantity.text
    if round_to_milli and quantity.scale < -3:
        value, text = Fraction(_round_away(value * 1000), 1000), None
    return text if text is not None else _format_quantity(value, quantity.format)


def go_quantity(raw: object) -> GoText:
    """`%#v` of a resource.Quantity value (what "must be an integer" errors print)."""
    quantity = _parse(raw)
    scale = quantity.scale
    unscaled = quantity.value / Fraction(10) ** scale
    fields = (
        f"value:{int(unscaled)}, scale:{scale}" if unscaled.denominator == 1 else "value:0, scale:0"
    )
    return GoText(
        f"resource.Quantity{{i:resource.int64Amount{{{fields}}}, "
        f"d:resource.infDecAmount{{Dec:(*inf.Dec)(nil)}}, s:{go_quote(quantity.text or '')}, "
        f"Format:{go_quote(quantity.format)}}}"
    )
