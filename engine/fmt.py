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

In Bangla (`style_for("bn")`) money carries CLDR's taka sign after the amount (১২,৩৪,৫৬৭৳), taka
group in lakh and crore and digits are Bengali (০-৯) unless the style says otherwise, and months
are named in full (এপ্রিল ২০২৪). The Bengali calendar (`bangla_date`, `bangla_months`) and the
agricultural seasons (`season`, `season_of_month`) are here too, with their rules stated where
they are defined and in docs/methodology.md ("Bangla: numbers, calendar and seasons").
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from numbers import Real
from typing import Literal, NamedTuple, cast

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from engine.i18n import N_, current, t, tn

Kind = Literal["money", "percent", "ratio", "month", "count", "number", "text"]
Grouping = Literal["international", "lakh"]
Digits = Literal["latin", "bengali"]

NA = N_("n/a")
"""What a missing value shows (translated where shown: `na()`)."""
YES, NO = N_("yes"), N_("no")
"""What a true and a false value show (translated where shown)."""
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


def style_for(lang: str | None = None, *, grouping: Grouping | None = None,
              digits: Digits | None = None, usd_rate: float | None = None) -> Style:
    """The style a reader of `lang` (default: the language in force) expects, unless told
    otherwise: English in thousands with Latin digits; Bangla in lakh and crore with Bengali
    digits (either can be chosen).

    >>> style_for("bn"), style_for("bn", digits="latin").digits, style_for("en").grouping
    (Style(grouping='lakh', usd_rate=None, locale='bn', digits='bengali'), 'latin', 'international')
    """
    lang = lang or current()
    if lang == "bn":
        return Style(grouping or "lakh", usd_rate, "bn", digits or "bengali")
    return Style(grouping or "international", usd_rate, "en", digits or "latin")


def na(style: Style = PLAIN) -> str:
    """The text of a missing value in the style's language ("n/a", "প্রযোজ্য নয়")."""
    return t(NA, lang=_lang(style))


def _lang(style: Style) -> str:
    return style.locale.split("_")[0]


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def _round(x: float, decimals: int) -> Decimal:
    d = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return d.copy_abs() if d == 0 else d


def digits(text: str, style: Style = PLAIN) -> str:
    """`text` with its digits in the style's digits (an identifier, a seed: no grouping).

    >>> digits("seed 42", style_for("bn")), digits("seed 42")
    ('seed ৪২', 'seed 42')
    """
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
        return na(style)
    top = decimals if max_decimals is None else max(decimals, max_decimals)
    text = format_decimal(_round(x, top), format=_pattern(style, decimals, top),  # type: ignore[arg-type]
                          locale=style.locale)
    return digits(text, style)


def money(x: float | None, style: Style = PLAIN, unit: bool = True, decimals: int = 0) -> str:
    """A taka amount rounded to the taka (or to `decimals`), or US$ when the style has a rate.

    >>> money(1450000), money(1450000, Style("lakh")), money(1450000, Style(usd_rate=57.9))
    ('1,450,000 taka', '14,50,000 taka', 'US$25,043')
    >>> money(-1234.5), money(0, unit=False), money(None), money(2.6, decimals=2)
    ('-1,235 taka', '0', 'n/a', '2.60 taka')

    In Bangla the amount carries the taka sign as CLDR's Bangla currency pattern places it:

    >>> money(-1234567, style_for("bn")), money(1234567, style_for("bn", digits="latin"))
    ('-১২,৩৪,৫৬৭৳', '12,34,567৳')
    """
    if _missing(x):
        return na(style)
    assert x is not None
    if style.usd_rate:
        usd = x / style.usd_rate
        text = number(abs(usd), style, decimals)
        sign = "-" if _round(usd, decimals) < 0 else ""
        return f"{sign}US${text}" if unit else number(usd, style, decimals)
    text = number(x, style, decimals)
    if not unit:
        return text
    if _lang(style) == "en":
        return f"{text} taka"
    return digits(format_currency(_round(x, decimals), "BDT",  # type: ignore[arg-type]
                                   format=_currency_pattern(style, decimals),
                                   locale=style.locale, currency_digits=False), style)


def _currency_pattern(style: Style, decimals: int) -> str:
    """The locale's CLDR currency pattern with the style's grouping and `decimals`."""
    standard = Locale.parse(style.locale).currency_formats["standard"].pattern
    return re.sub(r"[#0,.]+", _pattern(style, decimals, decimals), standard.split(";")[0], count=1)


def percent(x: float | None, style: Style = PLAIN, decimals: int = 1,
            max_decimals: int = 2) -> str:
    """A share or rate (a fraction) as a percentage, `decimals` to `max_decimals` decimals.

    >>> percent(0.005), percent(0.0025), percent(0.25), percent(1.0), percent(-0.031)
    ('0.5%', '0.25%', '25.0%', '100.0%', '-3.1%')
    """
    if _missing(x):
        return na(style)
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


def month(start: str, m: int | None, style: Style = PLAIN, none: str | None = None) -> str:
    """A month counted from `start` as a date, "Jul 2002" ("জুলাই ২০০২" in Bangla, where the
    month is named in full); `none` (default "n/a") when `m` is missing.

    >>> month("2001-03", 16), month("2001-03", None, none="never")
    ('Jul 2002', 'never')
    >>> month("2001-03", 16, style_for("bn"))
    'জুলাই ২০০২'
    """
    if m is None or _missing(m):
        return na(style) if none is None else none
    return calendar_month(month_date(start, m), style)


ACADEMY_SPELLINGS = {"জানুয়ারী": "জানুয়ারি", "ফেব্রুয়ারী": "ফেব্রুয়ারি"}
"""Month names CLDR spells otherwise than the Bangla Academy: its "প্রমিত বাংলা বানানের নিয়ম"
(rule 2.1: non-tatsama words, foreign ones included, take only ই and উ and their signs) gives
জানুয়ারি and ফেব্রুয়ারি where CLDR's Bangla has জানুয়ারী and ফেব্রুয়ারী; the Academy's spelling
is the one Bangladesh's schools and government write (docs/i18n.md)."""
_ACADEMY = re.compile("|".join(ACADEMY_SPELLINGS))


def _date_text(d: dt.date, pattern: str, style: Style) -> str:
    """`d` by a CLDR date pattern, month names spelt as the Bangla Academy spells them."""
    text = format_date(d, pattern, locale=style.locale)
    if _lang(style) == "bn":
        text = _ACADEMY.sub(lambda found: ACADEMY_SPELLINGS[found.group()], text)
    return digits(text, style)


def month_abbreviation(m: int, style: Style = PLAIN) -> str:
    """Calendar month `m` (1 = January) as a column heading: "Jan", "জানু" (CLDR's
    abbreviated names).

    >>> month_abbreviation(1), month_abbreviation(4, style_for("bn"))
    ('Jan', 'এপ্রি')
    """
    return _date_text(dt.date(2000, m, 1), "MMM", style)


def calendar_month(d: dt.date, style: Style = PLAIN) -> str:
    """The Gregorian month of `d` in the style's language: "Apr 2024", "এপ্রিল ২০২৪".

    >>> calendar_month(dt.date(2002, 1, 1), style_for("bn")), calendar_month(dt.date(2002, 2, 1))
    ('জানুয়ারি ২০০২', 'Feb 2002')
    """
    return _date_text(d, "MMM yyyy" if _lang(style) == "en" else "MMMM y", style)


def long_date(d: dt.date, style: Style = PLAIN) -> str:
    """A Gregorian date in full: "14 April 2024", "১৪ এপ্রিল ২০২৪".

    >>> long_date(dt.date(2024, 4, 14)), long_date(dt.date(2024, 4, 14), style_for("bn"))
    ('14 April 2024', '১৪ এপ্রিল ২০২৪')
    >>> long_date(dt.date(2024, 2, 21), style_for("bn"))
    '২১ ফেব্রুয়ারি ২০২৪'
    """
    return _date_text(d, "d MMMM y", style)


def month_text(label: str, style: Style = PLAIN) -> str:
    """A calendar month written YYYY-MM (the engine's and the exports' way) as a reader of the
    style's language reads it: as it is in English, named in full in Bangla ("জানুয়ারি ২০০২").
    Text that is not a YYYY-MM month is returned as it is.

    >>> month_text("2002-01"), month_text("2002-01", style_for("bn")), month_text("n/a")
    ('2002-01', 'জানুয়ারি ২০০২', 'n/a')
    """
    if _lang(style) == "en" or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", label):
        return label
    return calendar_month(dt.date(int(label[:4]), int(label[5:]), 1), style)


# ---- the Bengali calendar and the agricultural seasons -------------------------------------------

BANGLA_MONTHS = (N_("Boishakh"), N_("Joishtho"), N_("Asharh"), N_("Srabon"), N_("Bhadro"),
                 N_("Ashwin"), N_("Kartik"), N_("Ogrohayon"), N_("Poush"), N_("Magh"),
                 N_("Falgun"), N_("Choitro"))
"""The twelve months of the Bengali year, Boishakh first (translated where shown)."""
_REVISED_FROM = 1426
"""The first Bengali year under the 2019 revision (Ashwin 1426 was the first 31-day Ashwin)."""


class BanglaDate(NamedTuple):
    year: int
    """The Bengali year (বঙ্গাব্দ): 1431 began on 14 April 2024."""
    month: int
    """1 = Boishakh ... 12 = Choitro."""
    day: int


def bangla_month_lengths(year: int) -> tuple[int, ...]:
    """Days in each month of Bengali `year` under Bangladesh's calendar.

    From 1426 (the Bangla Academy's 2019 revision, in force since 16 October 2019): Boishakh to
    Ashwin 31 days, Kartik to Magh and Choitro 30, Falgun 29, or 30 when the February it holds
    is a Gregorian leap month. Before 1426 (the 1987 rule, from Shahidullah's 1966 reform):
    Boishakh to Bhadro 31 days, Ashwin to Choitro 30, Falgun 31 in a Gregorian leap year. Both
    years start on 14 April; Falgun of `year` lies in February of Gregorian year `year` + 594.

    >>> bangla_month_lengths(1431), sum(bangla_month_lengths(1430))
    ((31, 31, 31, 31, 31, 31, 30, 30, 30, 30, 29, 30), 366)
    >>> bangla_month_lengths(1425)
    (31, 31, 31, 31, 31, 30, 30, 30, 30, 30, 30, 30)
    """
    leap = calendar.isleap(year + 594)
    if year >= _REVISED_FROM:
        return (31,) * 6 + (30,) * 4 + (30 if leap else 29, 30)
    return (31,) * 5 + (30,) * 5 + (31 if leap else 30, 30)


def bangla_date(d: dt.date) -> BanglaDate:
    """The Bengali calendar's date of Gregorian `d` (1 Boishakh = 14 April).

    >>> bangla_date(dt.date(2024, 4, 14)), bangla_date(dt.date(2024, 12, 16))
    (BanglaDate(year=1431, month=1, day=1), BanglaDate(year=1431, month=9, day=1))
    """
    year = d.year - 593 if (d.month, d.day) >= (4, 14) else d.year - 594
    left = (d - dt.date(year + 593, 4, 14)).days
    for i, days in enumerate(bangla_month_lengths(year)):
        if left < days:
            return BanglaDate(year, i + 1, left + 1)
        left -= days
    raise AssertionError("a Bengali year covers 365 or 366 days")  # pragma: no cover


def bangla_month_name(m: int, lang: str | None = None) -> str:
    """The name of Bengali month `m` (1-12): "Boishakh" in English, "বৈশাখ" in Bangla."""
    return t(BANGLA_MONTHS[m - 1], lang=lang)


def bangla_date_text(d: dt.date, style: Style = PLAIN) -> str:
    """`d` in the Bengali calendar: "1 Boishakh 1431", "১ বৈশাখ ১৪৩১".

    >>> bangla_date_text(dt.date(2024, 4, 14), style_for("bn"))
    '১ বৈশাখ ১৪৩১'
    """
    b = bangla_date(d)
    return digits(f"{b.day} {bangla_month_name(b.month, _lang(style))} {b.year}", style)


def bangla_months(d: dt.date, style: Style = PLAIN) -> str:
    """The Bengali months the Gregorian month holding `d` spans, with their Bengali year (each
    month with its own year where the year changes, as in April).

    >>> bangla_months(dt.date(2024, 7, 1)), bangla_months(dt.date(2024, 4, 1), style_for("bn"))
    ('Asharh–Srabon 1431', 'চৈত্র ১৪৩০–বৈশাখ ১৪৩১')
    """
    lang = _lang(style)
    first = bangla_date(d.replace(day=1))
    last = bangla_date(d.replace(day=calendar.monthrange(d.year, d.month)[1]))
    a, b = bangla_month_name(first.month, lang), bangla_month_name(last.month, lang)
    if first.year == last.year:
        text = f"{a}–{b} {last.year}" if a != b else f"{a} {last.year}"
    else:
        text = f"{a} {first.year}–{b} {last.year}"
    return digits(text, style)


SEASONS = (N_("Rabi"), N_("Kharif-1"), N_("Kharif-2"))
"""Bangladesh's three cropping seasons (translated where shown)."""
_SEASON_OF_BANGLA_MONTH = (1, 1, 1, 2, 2, 2, 0, 0, 0, 0, 0, 1)
"""Index into SEASONS for Boishakh ... Choitro: Kharif-1 Choitro-Asharh, Kharif-2
Srabon-Ashwin, Rabi Kartik-Falgun (the Department of Agricultural Extension's crop calendar)."""


def season(d: dt.date, lang: str | None = None) -> str:
    """The cropping season of day `d`, by its Bengali month: Rabi (Kartik to Falgun, mid-October
    to mid-March), Kharif-1 (Choitro to Asharh, mid-March to mid-July), Kharif-2 (Srabon to
    Ashwin, mid-July to mid-October).

    >>> season(dt.date(2024, 3, 14)), season(dt.date(2024, 3, 15)), season(dt.date(2024, 10, 17))
    ('Rabi', 'Kharif-1', 'Rabi')
    """
    return t(SEASONS[_SEASON_OF_BANGLA_MONTH[bangla_date(d).month - 1]], lang=lang)


def season_of_month(month_number: int, lang: str | None = None) -> str:
    """The cropping season of Gregorian month `month_number` (1-12): the season of most of its
    days, which gives Rabi November-February, Kharif-1 March-June, Kharif-2 July-October.

    >>> [season_of_month(m) for m in (1, 3, 6, 7, 10, 11)]
    ['Rabi', 'Kharif-1', 'Kharif-1', 'Kharif-2', 'Kharif-2', 'Rabi']
    """
    days = [dt.date(2023, month_number, day)  # 2023: a common year under the revised rule
            for day in range(1, calendar.monthrange(2023, month_number)[1] + 1)]
    counts = {s: 0 for s in SEASONS}
    for day in days:
        counts[SEASONS[_SEASON_OF_BANGLA_MONTH[bangla_date(day).month - 1]]] += 1
    return t(max(SEASONS, key=lambda s: counts[s]), lang=lang)


def month_with_season(start: str, m: int | None, style: Style = PLAIN,
                      none: str | None = None) -> str:
    """A month counted from `start` with its Bengali months and its season, where a season
    matters (harvests, seasonal repayments): "Jul 2002 (Asharh–Srabon 1409, Kharif-2)".

    >>> month_with_season("2024-01", 3, style_for("bn"))
    'এপ্রিল ২০২৪ (চৈত্র ১৪৩০–বৈশাখ ১৪৩১, খরিফ-১)'
    """
    if m is None or _missing(m):
        return na(style) if none is None else none
    d = month_date(start, m)
    return (f"{calendar_month(d, style)} ({bangla_months(d, style)}, "
            f"{season_of_month(d.month, _lang(style))})")


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
    ('14,50,000', '21.5', 'yes')
    >>> value(False, "yes/no", style_for("bn"))
    'না'
    >>> value(2.6, "taka/unit"), value(2.6, "taka/month")
    ('2.60', '3')
    >>> value("2002-07", "YYYY-MM"), value("2002-07", "YYYY-MM", style_for("bn"))
    ('2002-07', 'জুলাই ২০০২')
    >>> value(dt.date(2001, 6, 1), "date"), value(dt.date(2001, 6, 1), "date", style_for("bn"))
    ('1 June 2001', '১ জুন ২০০১')

    numpy's and pandas' numbers too (a nullable integer column's month, its missing value):

    >>> import numpy as np, pandas as pd
    >>> value(np.int64(3), "month", start="2002-01"), value(pd.NA, "month", start="2002-01")
    ('Apr 2002', 'n/a')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)) or type(x).__name__ == "NAType":
        return na(style)   # pandas' NA of a nullable column (not imported here) reads as missing
    if unit == "YYYY-MM" and isinstance(x, str):
        return month_text(x, style)
    if unit == "date" and isinstance(x, dt.date):
        return long_date(x, style)
    if isinstance(x, bool) or type(x).__name__ in ("bool_", "bool"):   # numpy's too
        return t(YES if x else NO, lang=_lang(style))
    if not isinstance(x, Real):
        return str(x)
    x = cast(float, x)   # a Real (numpy's too): for the type checker only, the value is kept
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


def nice_ticks(low: float, high: float, count: int = 6, whole: bool = False) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten apart) covering [low, high]; `whole`:
    steps of whole numbers (months).

    >>> nice_ticks(0, 1_450_000), nice_ticks(0, 1), nice_ticks(2, 4, whole=True)
    ([0, 500000, 1000000, 1500000], [0.0, 0.2, 0.4, 0.6, 0.8, 1.0], [2, 3, 4])
    """
    span = high - low
    if not math.isfinite(span) or span <= 0:
        return [low]
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = min(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if whole:
        step = max(1, round(step))
    first = math.floor(low / step) * step
    digits = _decimals(step)
    return [round(first + i * step, digits) if digits else int(round(first + i * step))
            for i in range(int(math.ceil((high - first) / step - 1e-9)) + 1)]


def _decimals(step: float) -> int:
    """The decimals a multiple of `step` needs (0.25 -> 2, 5 -> 0)."""
    return next((d for d in range(10) if abs(round(step, d) - step) <= 1e-9 * abs(step)), 10)


def axis_ticks(low: float, high: float, unit: str, style: Style = PLAIN,
               start: str | None = None, count: int = 6) -> tuple[list[float], list[str]]:
    """A chart axis over [low, high] as its values read: round tick values and their labels,
    in the style's digits and grouping (a chart draws these instead of its own Latin ones).
    Amounts are in the unit shown (taka, or US$ when the style has a rate); shares as
    percentages; months counted from `start` as months.

    >>> axis_ticks(0, 1_450_000, "taka", style_for("bn"))
    ([0, 500000, 1000000, 1500000], ['০', '৫,০০,০০০', '১০,০০,০০০', '১৫,০০,০০০'])
    >>> axis_ticks(0, 1, "share", style_for("bn"))[1]
    ['০%', '২০%', '৪০%', '৬০%', '৮০%', '১০০%']
    >>> axis_ticks(-2, 5, "ratio")[1], axis_ticks(2, 4, "month", start="2002-01")[1]
    (['-2', '0', '2', '4', '6'], ['Mar 2002', 'Apr 2002', 'May 2002'])
    """
    k = kind(unit)
    ticks = nice_ticks(low, high, count, whole=k in ("month", "count"))
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    if k == "month" and start:
        return ticks, [month(start, int(v), style) for v in ticks]
    if k == "percent":
        d = _decimals(step * 100)
        return ticks, [percent(v, style, d, d) for v in ticks]
    d = _decimals(step)
    return ticks, [number(v, style, d, d) for v in ticks]


def hover(x: object, unit: str, style: Style = PLAIN, start: str | None = None) -> str:
    """A value as a chart's hover label shows it: `value`, with the taka sign or US$ on money.

    >>> hover(1234567, "taka", style_for("bn")), hover(0.5, "share"), hover(1.234, "ratio")
    ('১২,৩৪,৫৬৭৳', '50.0%', '1.23')
    """
    if kind(unit) == "money" and isinstance(x, Real) and not isinstance(x, bool):
        return money(cast(float, x), style, decimals=2 if unit in PRICE_UNITS else 0)
    return value(x, unit, style, start)


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
        return unit_name(unit.replace("taka", "US$", 1) if style.usd_rate else unit)
    if k == "percent":
        return "%"
    if k in ("number", "count") and unit not in ("count", "number"):
        return unit_name(unit)
    return ""


UNIT_NAMES = {u: u for u in (
    N_("taka"), N_("taka/month"), N_("taka/unit"), N_("taka/year"), N_("US$"), N_("US$/month"),
    N_("US$/unit"), N_("units/month"), N_("days"), N_("months"), N_("years"), N_("people"),
    N_("periods"), N_("factor"), N_("taka per US$"), N_("weights"), N_("calendar months"),
    N_("correlation"))}
"""Units a header or a help text names, translated where shown."""


def unit_name(unit: str, lang: str | None = None) -> str:
    """A unit's name in the language in force (or `lang`): "taka/month", "টাকা/মাস".

    >>> unit_name("taka/month"), unit_name("taka/month", "bn"), unit_name("kg")
    ('taka/month', 'টাকা/মাস', 'kg')
    """
    return t(UNIT_NAMES[unit], lang=lang) if unit in UNIT_NAMES else unit


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


def months_count(n: int, style: Style | None = None) -> str:
    """'1 month', '12 months' (a count of months in a sentence), in the language in force
    unless `style` names one.

    >>> months_count(1), months_count(0), months_count(12), months_count(12, style_for("bn"))
    ('1 month', '0 months', '12 months', '১২ মাস')
    """
    style = style or style_for()
    return tn("{count} month", "{count} months", n, lang=_lang(style),
              count=number(n, style))
