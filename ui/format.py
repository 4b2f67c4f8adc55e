"""Number display: taka with international (1,450,000) or lakh/crore (14,50,000) grouping, and an
optional US$ view at the scenario's rate. Display only; no finance."""

from __future__ import annotations

import math


def group_lakh(whole: int) -> str:
    """Digits grouped as Bangladeshi readers do: the last three, then pairs.

    >>> group_lakh(1450000), group_lakh(123), group_lakh(12345678)
    ('14,50,000', '123', '1,23,45,678')
    """
    s = str(abs(whole))
    if len(s) <= 3:
        out = s
    else:
        head, tail = s[:-3], s[-3:]
        pairs = []
        while len(head) > 2:
            pairs.insert(0, head[-2:])
            head = head[:-2]
        out = ",".join([head, *pairs, tail]) if head else ",".join([*pairs, tail])
    return ("-" if whole < 0 else "") + out


def money(x: float | None, grouping: str = "international", usd_rate: float | None = None,
          unit: bool = True) -> str:
    """A taka amount for display (rounded to the taka), or US$ when `usd_rate` is given.

    >>> money(1450000), money(1450000, "lakh"), money(1450000, usd_rate=57.9)
    ('1,450,000 taka', '14,50,000 taka', 'US$25,043')
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if usd_rate:
        return f"US${x / usd_rate:,.0f}"
    whole = int(round(x))
    text = group_lakh(whole) if grouping == "lakh" else f"{whole:,}"
    return f"{text} taka" if unit else text
