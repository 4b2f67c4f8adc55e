"""Scenarios side by side: one column per scenario, one row per measure, and the differences
from the first."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd

from engine import fmt, quantities
from engine.i18n import t


class _Labels(Mapping[str, str]):
    """Quantity name -> its column label, read in the language in force when asked."""

    def __init__(self, keys: tuple[str, ...]):
        self.keys_ = keys

    def __getitem__(self, key: str) -> str:
        if key not in self.keys_:
            raise KeyError(key)
        return quantities.label(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys_)

    def __len__(self) -> int:
        return len(self.keys_)


COMPARE_COLUMNS: Mapping[str, str] = _Labels((
    "member_income_per_member_month_avg", "total_sales_revenue", "min_cash_balance",
    "peak_working_capital", "bridging_cost", "cash_shortfall_max", "exit_date",
    "subsidy_to_sales", "min_dscr_12m", "buyer_hhi", "top_buyer", "top_buyer_share"))
DOMINANT_BUYER_SHARE = 0.5
"""A buyer taking more than half of revenue dominates: the group's terms are its terms."""


def concentration_warning(summary: dict[str, Any]) -> str | None:
    share = summary.get("top_buyer_share")
    if share is None or share <= DOMINANT_BUYER_SHARE:
        return None
    st = fmt.style_for()
    return t("one buyer dominates: {buyer} takes {share} of revenue (HHI {hhi})",
             buyer=summary["top_buyer"], share=fmt.percent(share, st, 0, 0),
             hhi=fmt.ratio(summary["buyer_hhi"], st))


def compare(projections: list) -> pd.DataFrame:
    """Side by side: one column per scenario, one row per measure (COMPARE_COLUMNS), and a
    'warning' row naming a dominant buyer."""
    table = {}
    for p in projections:
        col = {label: p.summary[key] for key, label in COMPARE_COLUMNS.items()}
        col["warning"] = concentration_warning(p.summary) or ""
        table[p.scenario.name] = col
    return pd.DataFrame(table)


def deltas(table: pd.DataFrame) -> pd.DataFrame:
    """Numeric rows of a `compare` table less its first column (None where not a number)."""
    first = table.columns[0]

    def minus(v: Any, ref: Any) -> float | None:
        ok = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (v, ref))
        return float(v) - float(ref) if ok else None

    return pd.DataFrame({c: [minus(table.loc[r, c], table.loc[r, first]) for r in table.index]
                         for c in table.columns[1:]}, index=table.index).dropna(how="all")
