"""Go's parsers for the scalar values BuildKit accepts in flags and mount options.

`time.ParseDuration` (HEALTHCHECK intervals), `strconv.ParseInt`/`ParseUint` (retries,
mount modes and ids) and `strconv.ParseBool` (boolean options), with Go's error texts,
because what BuildKit accepts is exactly what these functions accept.
"""

from __future__ import annotations

_DURATION_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # U+00B5 micro sign
    "\u03bcs": 1_000,  # U+03BC Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_INT64_MAX = (1 << 63) - 1


class GoValueError(ValueError):
    """A value Go's parser rejects; the message is Go's."""


def _time_quote(text: str) -> str:
    return '"' + text + '"'


def parse_go_duration(text: str) -> int:
    """`time.ParseDuration`, in nanoseconds."""
    orig = text
    neg = False
    if text and text[0] in "+-":
        neg = text[0] == "-"
        text = text[1:]
    if text == "0":
        return 0
    if not text:
        raise GoValueError(f"time: invalid duration {_time_quote(orig)}")
    total = 0
    while text:
        if not (text[0] == "." or "0" <= text[0] <= "9"):
            raise GoValueError(f"time: invalid duration {_time_quote(orig)}")
        i = 0
        while i < len(text) and "0" <= text[i] <= "9":
            i += 1
        pre = i > 0
        whole = int(text[:i]) if pre else 0
        text = text[i:]
        frac_digits = ""
        post = False
        if text.startswith("."):
            text = text[1:]
            j = 0
            while j < len(text) and "0" <= text[j] <= "9":
                j += 1
            post = j > 0
            frac_digits = text[:j]
            text = text[j:]
        if not pre and not post:
            raise GoValueError(f"time: invalid duration {_time_quote(orig)}")
        k = 0
        while k < len(text) and not (text[k] == "." or "0" <= text[k] <= "9"):
            k += 1
        if k == 0:
            raise GoValueError(f"time: missing unit in duration {_time_quote(orig)}")
        unit_name = text[:k]
        text = text[k:]
        unit = _DURATION_UNITS.get(unit_name)
        if unit is None:
            raise GoValueError(f"time: unknown unit {_time_quote(unit_name)} in duration {_time_quote(orig)}")
        if whole > _INT64_MAX // unit:
            raise GoValueError(f"time: invalid duration {_time_quote(orig)}")
        value = whole * unit
        if frac_digits:
            # Go keeps at most the digits that still matter, truncating the rest.
            value += int(int(frac_digits) * unit // (10 ** len(frac_digits)))
        total += value
        if total > _INT64_MAX:
            raise GoValueError(f"time: invalid duration {_time_quote(orig)}")
    return -total if neg else total


def format_go_duration(ns: int) -> str:
    """`time.Duration.String` (used in messages such as ``cannot be less than 1ms``)."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("\u00b5s", 1_000), ("ns", 1)):
            if ns >= size:
                return sign + _trim_fraction(ns, size) + unit
    hours, rest = divmod(ns, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    out = sign
    if hours:
        out += f"{hours}h"
    if hours or minutes:
        out += f"{minutes}m"
    return out + _trim_fraction(rest, 1_000_000_000) + "s"


def _trim_fraction(value: int, size: int) -> str:
    whole, frac = divmod(value, size)
    if not frac:
        return str(whole)
    digits = str(frac).rjust(len(str(size)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


def parse_go_int(text: str, bits: int = 64) -> int:
    """`strconv.ParseInt(text, 10, bits)`."""
    digits = text[1:] if text[:1] in "+-" else text
    if not digits or not digits.isascii() or not digits.isdigit():
        raise GoValueError(f'strconv.ParseInt: parsing "{text}": invalid syntax')
    value = int(text)
    limit = 1 << (bits - 1)
    if not -limit <= value < limit:
        raise GoValueError(f'strconv.ParseInt: parsing "{text}": value out of range')
    return value


def parse_go_uint(text: str, base: int = 10, bits: int = 64) -> int:
    """`strconv.ParseUint(text, base, bits)`."""
    valid = "01234567"[:base] if base <= 8 else "0123456789"
    if not text or any(ch not in valid for ch in text):
        raise GoValueError(f'strconv.ParseUint: parsing "{text}": invalid syntax')
    value = int(text, base)
    if value >= 1 << bits:
        raise GoValueError(f'strconv.ParseUint: parsing "{text}": value out of range')
    return value


_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def parse_go_bool(text: str) -> bool:
    """`strconv.ParseBool`."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise GoValueError(f'strconv.ParseBool: parsing "{text}": invalid syntax')
