"""Numbers as finance staff read them: the one formatter of the CLI, the reports, the app and the
exports.

Built on Babel's CLDR number and date patterns. A `Style` says how: taka grouped in thousands
(1,450,000) or in lakh and crore (14,50,000), money in taka or in US$ at the scenario's rate, and
the locale (``en`` now; ``bn`` with Latin or Bengali digits is ready for Bangla). Every quantity
has a unit (the vocabulary of engine/fields.UNITS: "taka", "taka/month", "share", "rate/year",
"month", "days", ... and "ratio" and "percent" for outputs); `kind` says how a unit is shown and
`value` formats any number by its unit:

========  =========================================  ==================  ======================
kind      shown as                                    example             units
========  =========================================  ==================  ======================
money     whole taka with separators (or US$)         1,450,000           taka, taka/...
percent   shares and rates, 1-2 decimals              0.5%                share, rate/year, percent
ratio     2 decimals                                  1.25                ratio
month     a month counted from the start, as a date   Jul 2002            month
count     whole number with separators                1,200               count, people, periods
number    up to 2 decimals with separators            12.5                days, factor, ...
text      as it is                                    PRAN                text, choice, ...
========  =========================================  ==================  ======================

Rounding is half away from zero (as Excel rounds), and a value that rounds to zero never shows a
minus sign. Missing values (None, NaN) show as "n/a".
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from babel.dates import format_date
from babel.numbers import format_decimal

Kind = Literal["money", "percent", "ratio", "month", "count", "number", "text"]
Grouping = Literal["international", "lakh"]
Digits = Literal["latin", "bengali"]

NA = "n/a"
_BENGALI = str.maketrans("0123456789", "".join(chr(0x09E6 + d) for d in range(10)))
_GROUPING = {"international": "#,##0", "lakh": "#,##,##0"}


@dataclass(frozen=True)
class Style:
    """How numbers are shown.

    grouping: "international" (1,450,000) or "lakh" (14,50,000; a crore is 1,00,00,000).
    usd_rate: taka per US$; when given, money is shown in US$ at that rate.
    locale: a CLDR locale for symbols and month names ("en", "bn").
    digits: "latin" (0-9) or "bengali" (০-৯).
    """

    grouping: Grouping = "international"
    usd_rate: float | None = None
    locale: str = "en"
    digits: Digits = "latin"


PLAIN = Style()


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def _round(x: float, decimals: int) -> Decimal:
    d = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return d.copy_abs() if d == 0 else d


def _digits(text: str, style: Style) -> str:
    return text.translate(_BENGALI) if style.digits == "bengali" else text


def _pattern(style: Style, min_decimals: int, max_decimals: int) -> str:
    frac = "0" * min_decimals + "#" * (max_decimals - min_decimals)
    return _GROUPING[style.grouping] + ("." + frac if frac else "")


def number(x: float | None, style: Style = PLAIN, decimals: int = 0,
           max_decimals: int | None = None) -> str:
    """A number with the style's separators, `decimals` to `max_decimals` decimals.

    >>> number(1450000), number(1450000, Style("lakh")), number(-2.5), number(-0.4)
    ('1,450,000', '14,50,000', '-3', '0')
    >>> number(12.5, decimals=0, max_decimals=2), number(10_000_000, Style("lakh"))
    ('12.5', '1,00,00,000')
    """
    if _missing(x):
        return NA
    top = decimals if max_decimals is None else max(decimals, max_decimals)
    text = format_decimal(_round(x, top), format=_pattern(style, decimals, top),  # type: ignore[arg-type]
                          locale=style.locale)
    return _digits(text, style)


def money(x: float | None, style: Style = PLAIN, unit: bool = True, decimals: int = 0) -> str:
    """A taka amount rounded to the taka (or to `decimals`), or US$ when the style has a rate.

    >>> money(1450000), money(1450000, Style("lakh")), money(1450000, Style(usd_rate=57.9))
    ('1,450,000 taka', '14,50,000 taka', 'US$25,043')
    >>> money(-1234.5), money(0, unit=False), money(None), money(2.6, decimals=2)
    ('-1,235 taka', '0', 'n/a', '2.60 taka')
    """
    if _missing(x):
        return NA
    assert x is not None
    if style.usd_rate:
        usd = x / style.usd_rate
        text = number(abs(usd), style, decimals)
        sign = "-" if _round(usd, decimals) < 0 else ""
        return f"{sign}US${text}" if unit else number(usd, style, decimals)
    text = number(x, style, decimals)
    return f"{text} taka" if unit else text


def percent(x: float | None, style: Style = PLAIN, decimals: int = 1,
            max_decimals: int = 2) -> str:
    """A share or rate (a fraction) as a percentage, `decimals` to `max_decimals` decimals.

    >>> percent(0.005), percent(0.0025), percent(0.25), percent(1.0), percent(-0.031)
    ('0.5%', '0.25%', '25.0%', '100.0%', '-3.1%')
    """
    if _missing(x):
        return NA
    assert x is not None
    return number(x * 100, style, decimals, max_decimals) + "%"


def ratio(x: float | None, style: Style = PLAIN) -> str:
    """A ratio (DSCR, HHI, leverage) with 2 decimals.

    >>> ratio(1.2345), ratio(0.25), ratio(None)
    ('1.23', '0.25', 'n/a')
    """
    return number(x, style, 2)


def month_date(start: str, month: int) -> dt.date:
    """The first day of the month `month` months after `start` ("YYYY-MM").

    >>> month_date("2001-03", 13)
    datetime.date(2002, 4, 1)
    """
    y, m = map(int, start.split("-"))
    total = y * 12 + (m - 1) + int(month)
    return dt.date(total // 12, total % 12 + 1, 1)


def month(start: str, m: int | None, style: Style = PLAIN, none: str = NA) -> str:
    """A month counted from `start` as a date, "Jul 2002".

    >>> month("2001-03", 16), month("2001-03", None, none="never")
    ('Jul 2002', 'never')
    """
    if m is None or _missing(m):
        return none
    return _digits(format_date(month_date(start, m), "MMM yyyy", locale=style.locale), style)


PRICE_UNITS = frozenset({"taka/unit"})
"""Money per unit of product (2.60 taka a fruit): shown to the paisa, not rounded to the taka."""
_KINDS: dict[str, Kind] = {
    "share": "percent", "rate/year": "percent", "percent": "percent", "ratio": "ratio",
    "month": "month", "count": "count", "people": "count", "periods": "count",
    "months": "count", "days": "number", "factor": "number", "units/month": "number",
    "taka per US$": "number", "number": "number",
}


def kind(unit: str) -> Kind:
    """How a unit's values are shown.

    >>> kind("taka/month"), kind("share"), kind("rate/year"), kind("days"), kind("choice")
    ('money', 'percent', 'percent', 'number', 'text')
    """
    if unit == "taka" or unit.startswith("taka/"):
        return "money"
    return _KINDS.get(unit, "text")


def value(x: object, unit: str, style: Style = PLAIN, start: str | None = None) -> str:
    """Any value by its unit, without the unit's name; text and non-numbers as they are.

    >>> value(0.005, "share"), value(1.25, "ratio"), value(3, "month", start="2002-01")
    ('0.5%', '1.25', 'Apr 2002')
    >>> value(1450000, "taka", Style("lakh")), value(21.5, "days"), value(True, "true/false")
    ('14,50,000', '21.5', 'True')
    >>> value(2.6, "taka/unit"), value(2.6, "taka/month")
    ('2.60', '3')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return NA
    if isinstance(x, bool) or not isinstance(x, int | float):
        return str(x)
    k = kind(unit)
    if k == "money":
        return money(x, style, unit=False, decimals=2 if unit in PRICE_UNITS else 0)
    if k == "percent":
        return percent(x, style)
    if k == "ratio":
        return ratio(x, style)
    if k == "month":
        return month(start, int(x), style) if start else number(x, style)
    if k == "count":
        return number(x, style)
    if k == "number":
        return number(x, style, 0, 2)
    return str(x)


def unit_suffix(unit: str, style: Style = PLAIN) -> str:
    """The unit a column header names ("taka", "US$/month", "%"), or "" when the values say it
    (ratios, dates, text).

    >>> unit_suffix("taka"), unit_suffix("taka/month", Style(usd_rate=57.9)), unit_suffix("ratio")
    ('taka', 'US$/month', '')
    >>> unit_suffix("share"), unit_suffix("days"), unit_suffix("month")
    ('%', 'days', '')
    """
    k = kind(unit)
    if k == "money":
        return unit.replace("taka", "US$", 1) if style.usd_rate else unit
    if k == "percent":
        return "%"
    if k in ("number", "count") and unit not in ("count", "number"):
        return unit
    return ""


def excel_format(unit: str, style: Style = PLAIN) -> str:
    """The Excel number format that shows a cell as `value` shows it (money stays in taka in
    workbooks: the cells hold taka). Excel allows two conditions per format, so lakh grouping
    covers amounts up to 99 crore and negative amounts show in thousands grouping.

    >>> excel_format("taka"), excel_format("share"), excel_format("ratio")
    ('#,##0', '0.0#%', '#,##0.00')
    """
    k = kind(unit)
    if unit in PRICE_UNITS:
        return "#,##0.00"
    if k in ("money", "count"):
        if style.grouping == "lakh":
            return '[>=10000000]##\\,##\\,##\\,##0;[>=100000]##\\,##\\,##0;##,##0'
        return "#,##0"
    if k == "percent":
        return "0.0#%"
    if k == "ratio" or k == "number":
        return "#,##0.00"
    if k == "month":
        return "mmm yyyy"
    return "General"


def months_count(n: int) -> str:
    """'1 month', '12 months' (a count of months in a sentence).

    >>> months_count(1), months_count(0), months_count(12)
    ('1 month', '0 months', '12 months')
    """
    return f"{n} month" if n == 1 else f"{n} months"
