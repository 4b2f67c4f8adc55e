"""Metrics over simulated arrays, batched: every function takes (n, T) arrays, returns (n,) or
(n, T). Definitions and sources: docs/methodology.md."""

from __future__ import annotations

import numpy as np

WINDOW = 12


def trailing_sum(a: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """Sum over the last `window` months including this one (fewer at the start)."""
    c = np.cumsum(a, axis=-1)
    out = c.copy()
    out[..., window:] = c[..., window:] - c[..., :-window]
    return out


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den == 0."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)


def full_cost_expenses(m: dict[str, np.ndarray]) -> np.ndarray:
    """Operating expenses at full cost (services as if the group paid all) + financial expenses."""
    return (m["commissions"] + m["variable_costs"] + m["fixed_costs"] + m["service_cost_group"]
            + m["service_subsidy"] + m["interest"] + m["loan_fees"])


def oss_12m(m: dict[str, np.ndarray]) -> np.ndarray:
    """Operational self-sufficiency, trailing 12 months: revenue / full-cost expenses."""
    return ratio(trailing_sum(m["sales_revenue"]), trailing_sum(full_cost_expenses(m)))


def fss_12m(m: dict[str, np.ndarray]) -> np.ndarray:
    """Financial self-sufficiency, trailing 12 months: as OSS, with concessional funds valued at
    the market rate (the interest a concessional loan saves is added to the expenses)."""
    return ratio(trailing_sum(m["sales_revenue"]),
                 trailing_sum(full_cost_expenses(m) + m["interest_subsidy_row"]))


def first_month_from_which(ok: np.ndarray) -> np.ndarray:
    """First month from which `ok` (n, T) holds through the horizon; -1 where it never does."""
    T = ok.shape[-1]
    # reversed cumulative "all true" tells whether ok holds from t to the end
    holds_to_end = np.flip(np.cumprod(np.flip(ok, axis=-1), axis=-1), axis=-1).astype(bool)
    first = np.argmax(holds_to_end, axis=-1)
    return np.where(holds_to_end[..., T - 1], first, -1)


def cash_short_at_installment(m: dict[str, np.ndarray]) -> np.ndarray:
    """(n,) True where cash is below zero in a month with debt service."""
    return np.asarray(((m["cash_balance"] < -1e-9) & (m["debt_service"] > 0)).any(axis=-1))


def dscr(m: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Debt-service coverage, monthly and trailing 12 months (NaN where no debt service)."""
    monthly = ratio(m["operating_cash_flow"], m["debt_service"])
    trailing = ratio(trailing_sum(m["operating_cash_flow"]), trailing_sum(m["debt_service"]))
    return monthly, trailing


def peak_working_capital(m: dict[str, np.ndarray]) -> np.ndarray:
    """Deepest cumulative deficit of operating cash flow less investments, before any financing
    (opening cash, loans, member capital); 0 if it never goes below zero."""
    cum = np.cumsum(m["operating_cash_flow"] - m["investments"], axis=-1)
    return np.maximum(0.0, -cum.min(axis=-1)) + 0.0


def suffix_min_from(values: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Row-wise min of values[i, t] over t >= start[i] (inf when start is past the end)."""
    t = np.arange(values.shape[-1])
    return np.where(t[None, :] >= start[:, None], values, np.inf).min(axis=-1)


def herfindahl(revenue_by_buyer: np.ndarray) -> float | None:
    """Herfindahl index of revenue shares (1.0 = one buyer takes everything)."""
    total = revenue_by_buyer.sum()
    if total <= 0:
        return None
    s = revenue_by_buyer / total
    return float((s * s).sum())
