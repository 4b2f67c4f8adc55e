"""The one grammar for a value written as text: `--set PATH=VALUE`, the app's URL
(`set=PATH=VALUE`) and portfolio CSV cells all read values with `parse_value` and write them
with `format_value`.

The grammar is TOML's inline values plus two words:

==========================  ==============================  ============================
written                     read as                         e.g.
==========================  ==============================  ============================
``null``                    None (no value: "none")         ``quota_units_per_month=null``
``true``, ``false``         a boolean                       ``upfront_fee_deducted=false``
a TOML number               int or float                    ``12``, ``0.125``, ``1e6``
a TOML date                 a date                          ``2002-07-01``
``"..."``, ``'...'``        text                            ``"a, b"``
``[...]``                   a list                          ``[7, 8, 9]``
``{...}``                   a table                         ``{group = 0.5, ngo = 0.5}``
JSON ``[...]``, ``{...}``   the same (null inside allowed)  ``{"group": 0.5}``
anything else               that text, trimmed              ``market``, ``2002-07``
==========================  ==============================  ============================

TOML's ``inf`` and ``nan``, and numbers too large for a float (``1e400``), read as floats that
keep the text as typed (`TypedNumber`); the scenario's validation then names them as not finite,
quoting that text (``must be a finite number (got '1e400')``), like any other out-of-bounds
number. Text longer than `MAX_VALUE_CHARS` or nested deeper
than `MAX_DEPTH` is refused with `ValueTextError`.

>>> parse_value("12"), parse_value("0.5"), parse_value("null"), parse_value("true")
(12, 0.5, None, True)
>>> parse_value("[7, 8, 9]"), parse_value("market"), parse_value("2002-07")
([7, 8, 9], 'market', '2002-07')
>>> parse_value("2002-07-01")
datetime.date(2002, 7, 1)
>>> format_value(None), format_value([7, 8]), format_value("12"), format_value("market")
('null', '[7, 8]', '"12"', 'market')
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tomllib
from typing import Any

from engine.limits import MAX_DEPTH

MAX_VALUE_CHARS = 10_000
"""Longest value text read (a list of 600 monthly figures fits several times over)."""


class TypedNumber(float):
    """A number read from text that is not finite (``1e400``, ``inf``, ``nan``), with `text`
    as typed: problems quote it rather than the float it became, and `format_value` writes it
    back as it was typed.

    >>> x = parse_value(" 1e400 ")
    >>> x, x.text, format_value(x)
    (inf, '1e400', '1e400')
    """

    text: str

    def __new__(cls, value: float, text: str) -> TypedNumber:
        number = super().__new__(cls, value)
        number.text = text
        return number

    def __str__(self) -> str:
        return self.text

    def __reduce__(self) -> tuple[Any, ...]:
        return (TypedNumber, (float(self), self.text))


class ValueTextError(ValueError):
    """A value text the grammar refuses (too long, too deeply nested)."""


def depth(value: Any) -> int:
    """Nesting depth of lists and tables (a number is 0, [1] is 1, [[1]] is 2)."""
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


def bracket_depth(text: str) -> int:
    """Deepest nesting of [ and { outside quoted text: checked before parsing, so that a
    5,000-deep list is refused without recursing into it."""
    deepest = level = 0
    quote = ""
    escaped = False
    for ch in text:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            level += 1
            deepest = max(deepest, level)
        elif ch in "]}":
            level -= 1
    return deepest


def parse_value(raw: str) -> Any:
    """A value written as text, by the grammar above."""
    text = raw.strip()
    if len(text) > MAX_VALUE_CHARS:
        raise ValueTextError(f"value is longer than {MAX_VALUE_CHARS:,} characters")
    if bracket_depth(text) > MAX_DEPTH:
        raise ValueTextError(f"value is nested deeper than {MAX_DEPTH} levels")
    if text == "null":
        return None
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        pass
    else:
        if isinstance(value, float) and not math.isfinite(value):
            return TypedNumber(value, text)
        return value
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            pass
    return text


def format_value(value: Any) -> str:
    """The text `parse_value` reads back as `value` (None -> 'null'; text stays bare when it
    reads back unchanged, else quoted).

    >>> all(parse_value(format_value(v)) == v for v in
    ...     [0, -3, 0.1, 1e-300, "fixed", "", " x", "null", "12", [1, 2.5], {"a": 1}, True])
    True
    """
    if value is None:
        return "null"
    if isinstance(value, TypedNumber):
        return value.text
    if isinstance(value, str):
        try:
            if value and parse_value(value) == value:
                return value
        except ValueTextError:
            pass
    try:
        return _inline(value)
    except TypeError:   # a None inside a list or table: JSON can say it (dates as ISO text)
        return json.dumps(value, default=str)


def _inline(value: Any) -> str:
    """A TOML inline value (text always quoted)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_inline(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(f"no text form for {type(value).__name__} values")
