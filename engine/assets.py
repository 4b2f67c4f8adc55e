"""Fixed assets: what the group buys, how it wears out and when it is bought again (the
investment schedule of FAO RuralInvest), as monthly arrays for the projection and the statements.

Conventions (docs/methodology.md, "Assets and depreciation"): straight-line depreciation from the
purchase month, (cost - residual value) / (life in months) a month, so that the book value at the
end of the life is the residual value. An asset without a life (land, working stock) keeps its
cost on the books. An asset replaced at the end of its life is bought again at its cost grown by
the cost inflation rate, the old one traded in at its residual value (so the cash paid is the new
cost less the old residual value); one not replaced stays on the books at its residual value.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine.scenario import Scenario


class AssetSchedule(NamedTuple):
    outlays: np.ndarray        # (T,) cash paid for assets: purchases, replacements net of trade-in
    depreciation: np.ndarray   # (T,) depreciation charged in the month
    book_value: np.ndarray     # (T,) net book value of all assets at the month's end


def inflation_factor(annual: float, months: int) -> np.ndarray:
    """(1 + annual)^(t / 12) for t = 0 .. months - 1: prices or costs of month t at the start's
    level 1.

    >>> inflation_factor(0.21, 25)[[0, 12, 24]].round(4).tolist()
    [1.0, 1.21, 1.4641]
    """
    return (1.0 + annual) ** (np.arange(months) / 12.0)


def asset_schedule(scenario: Scenario, months: int | None = None) -> AssetSchedule:
    """Outlays, depreciation and book value of the scenario's investments, by month, over
    `months` months (default: the horizon)."""
    T = scenario.horizon_months if months is None else months
    costs = inflation_factor(scenario.cost_inflation_annual, T)
    outlays, depreciation, book = np.zeros(T), np.zeros(T), np.zeros(T)
    t = np.arange(T)
    for inv in scenario.investments:
        start, cost = inv.month, inv.amount
        if start >= T:
            continue
        if inv.life_years is None:
            outlays[start] += cost
            book[start:] += cost
            continue
        life = max(1, round(inv.life_years * 12))
        share_left = inv.residual_value / inv.amount if inv.amount > 0 else 0.0
        traded_in = 0.0
        while start < T:
            residual = cost * share_left
            per_month = (cost - residual) / life
            outlays[start] += cost - traded_in
            in_life = (t >= start) & (t < start + life)
            depreciation[in_life] += per_month
            book[in_life] += cost - per_month * (t[in_life] - start + 1)
            end = start + life
            if not inv.replace_at_end_of_life:
                book[t >= end] += residual
                break
            traded_in = residual
            start = end
            if start < T:
                cost = inv.amount * costs[start] / costs[inv.month]
    return AssetSchedule(outlays, depreciation, book)
