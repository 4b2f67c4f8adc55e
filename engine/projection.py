"""`project(scenario) -> Projection`: the monthly table, the summary and the loan schedules.

The projection and its exit-month sweep come from one batched simulation of two rows: row 0 is
the scenario as given, row 1 the counterfactual with every subsidy ended from month 0. No month's
flows depend on the cash balance, so the counterfactual "subsidy ends at M" takes row 0's flows
before M and row 1's from M on; its cash for every (M, t) is a (T, T) array built from the two
rows' cumulative sums. `sweep_rows` builds the same sweep the long way, one row per M, and the
tests assert the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from engine import metrics
from engine.arrears import arrears_figures
from engine.cashflow import compile_scenario, dated_loans, needs_full_sweep, simulate
from engine.loans import schedules
from engine.scenario import Scenario

MONTHLY_COLUMNS = [
    "sales_revenue", "cash_receipts", "receivables", "stock", "commissions", "variable_costs",
    "fixed_costs", "service_cost_group", "subsidy", "operating_cash_flow", "interest",
    "principal", "loan_fees", "debt_service", "loan_disbursements", "member_capital",
    "investments", "distributions", "credit_line_draw", "credit_line_balance",
    "credit_line_interest", "cash_shortfall", "net_cash_flow", "cash_balance",
    "member_income_per_member", "debt_service_paid", "arrears", "penalty_interest",
    "days_past_due",
]
"""Columns of `Projection.monthly`, in order, before the derived ones (dscr, oss, without-subsidy
cash)."""


@dataclass(frozen=True)
class Projection:
    scenario: Scenario
    monthly: pd.DataFrame
    summary: dict[str, Any]
    loans: dict[str, pd.DataFrame]
    exit_sweep: pd.DataFrame
    by_channel: pd.DataFrame
    counterfactual_cash: pd.DataFrame
    """Cash balance [exit month M (rows), month t (columns)] if every subsidy ends at M."""
    interest_subsidy: pd.Series
    """Interest the concessional loans save each month (part of `monthly.subsidy`)."""


def _none_if_nan(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def sweep_rows(inputs, candidates: int):
    """The scenario's row followed by one row per exit month M = 0 .. candidates - 1."""
    batch = inputs.take(np.zeros(candidates + 1, dtype=int))
    exits = np.concatenate([[inputs.months], np.arange(candidates)])
    return replace(batch, exit_month=exits)


def counterfactual_cash(net_with: np.ndarray, net_without: np.ndarray,
                        opening_cash: float) -> np.ndarray:
    """Cash balance [M, t] when every subsidy ends at month M, shape (T, T).

    Before M the month's net cash flow is the scenario's; from M on it is the no-subsidy one.
    """
    T = net_with.shape[-1]
    t = np.arange(T)
    before = t[None, :] < t[:, None]                      # [M, t]: t < M
    return opening_cash + np.cumsum(np.where(before, net_with, net_without), axis=-1)


def exit_month_from_sweep(cash: np.ndarray, reserve: float) -> tuple[int | None, np.ndarray]:
    """Exit month from counterfactual cash paths (row M: subsidy ends at month M).

    safe(M) holds when cash stays >= reserve in every simulated month from M on (to the horizon
    or the last installment, whichever is later). The exit month is the first safe M, or None.
    """
    min_after = metrics.suffix_min_from(cash, np.arange(cash.shape[0]))
    safe = min_after >= reserve - 1e-9
    return (int(np.argmax(safe)) if safe.any() else None), min_after


def project(scenario: Scenario) -> Projection:
    """Project a scenario month by month and sweep every exit month, in one batched run."""
    inputs = compile_scenario(scenario)
    # months simulated: the horizon, or further to the last installment of every loan; exit
    # months are candidates within the horizon, judged on every simulated month
    T, H = inputs.months, scenario.horizon_months
    if needs_full_sweep(inputs):
        # flows depend on the cash balance or on M (credit line, arrears, payouts, fading
        # effects): one row per exit month
        m = simulate(sweep_rows(inputs, H))
        cash_rows = m["cash_balance"][1:]
    else:
        m = simulate(sweep_rows(inputs, 1))   # rows: as given, no subsidy from month 0
        cash_rows = counterfactual_cash(m["net_cash_flow"][0], m["net_cash_flow"][1],
                                        scenario.group.opening_cash)[:H]
    base = {k: v[0] for k, v in m.items()}
    reserve = scenario.group.cash_reserve
    exit_month, min_after = exit_month_from_sweep(cash_rows, reserve)

    monthly = pd.DataFrame({k: base[k] for k in MONTHLY_COLUMNS})
    monthly.index = pd.RangeIndex(T, name="month")
    monthly.insert(0, "date", [scenario.month_label(t) for t in range(T)])
    dscr, dscr_12m = metrics.dscr(m)
    oss = metrics.oss_12m(m)
    fss = metrics.fss_12m(m)
    monthly["dscr"] = dscr[0]
    monthly["dscr_12m"] = dscr_12m[0]
    monthly["oss_12m"] = oss[0]
    monthly["fss_12m"] = fss[0]
    monthly["full_cost_expenses"] = metrics.full_cost_expenses(m)[0]
    monthly["cash_balance_without_subsidy"] = m["cash_balance"][1]

    below = cash_rows < reserve - 1e-9
    t = np.arange(T)
    below &= t[None, :] >= np.arange(H)[:, None]
    first_short = np.where(below.any(axis=1), np.argmax(below, axis=1), -1)
    exit_sweep = pd.DataFrame({
        "exit_month": np.arange(H),
        "exit_date": [scenario.month_label(int(i)) for i in range(H)],
        "min_cash_after_exit": min_after,
        "first_shortfall_month": pd.array([None if f < 0 else int(f) for f in first_short],
                                          dtype="Int64"),
        "safe": min_after >= reserve - 1e-9,
    }).set_index("exit_month")

    names = [c.name for c in scenario.channels]
    by_channel = pd.DataFrame(base["revenue_by_channel"].T, columns=names,
                              index=monthly.index)
    buyers: dict[str, float] = {}
    for c in scenario.channels:
        buyers[c.buyer] = buyers.get(c.buyer, 0.0) + float(by_channel[c.name].sum())
    revenue_total = sum(buyers.values())
    top_buyer = max(buyers, key=lambda b: buyers[b]) if revenue_total > 0 else None
    short = base["cash_shortfall"] > 1e-9

    oss_month = int(metrics.first_month_from_which(oss[:1] >= 1.0)[0])
    fss_month = int(metrics.first_month_from_which(fss[:1] >= 1.0)[0])
    has_debt = metrics.trailing_sum(base["debt_service"]) > 0
    revenue = float(base["sales_revenue"].sum())
    total_subsidy = float(base["subsidy"].sum())
    summary: dict[str, Any] = {
        "exit_month": exit_month,
        "exit_date": None if exit_month is None else scenario.month_label(exit_month),
        "oss_month": None if oss_month < 0 else oss_month,
        "fss_month": None if fss_month < 0 else fss_month,
        "total_subsidy": total_subsidy,
        "sdi": total_subsidy / revenue if revenue > 0 else None,
        "min_cash_balance": float(base["cash_balance"].min()),
        "peak_working_capital": float(metrics.peak_working_capital(m)[0]),
        "min_dscr_12m": (_none_if_nan(np.nanmin(dscr_12m[0][has_debt])) if has_debt.any()
                         else None),
        "buyer_hhi": metrics.herfindahl(np.array(list(buyers.values()))),
        "member_income_per_member_month_avg": float(base["member_income_per_member"].mean()),
        "top_buyer": top_buyer,
        "top_buyer_share": buyers[top_buyer] / revenue_total if top_buyer else None,
        "bridging_cost": float(base["credit_line_interest"].sum()),
        "credit_line_peak": float(base["credit_line_balance"].max()),
        "cash_shortfall_month": int(np.argmax(short)) if short.any() else None,
        "cash_shortfall_max": float(base["cash_shortfall"].max()),
        "total_sales_revenue": revenue,
        "end_receivables": float(base["receivables"][-1]),
        "cash_reserve": reserve,
    }
    # arrears (engine/arrears.py): worst days past due, arrears at the end, PAR30 ever
    figures = arrears_figures(base["arrears"][None], base["days_past_due"][None])
    summary |= {"worst_days_past_due": int(figures["worst_days_past_due"][0]),
                "arrears_at_end": float(figures["arrears_at_end"][0]),
                "par30_ever": bool(figures["par30_ever"][0])}
    loans = {loan.name: schedules(loan) for loan in dated_loans(scenario)}
    counterfactual = pd.DataFrame(cash_rows, index=pd.RangeIndex(H, name="exit_month"),
                                  columns=monthly.index)
    return Projection(scenario, monthly, summary, loans, exit_sweep, by_channel, counterfactual,
                      pd.Series(base["interest_subsidy_row"], index=monthly.index,
                                name="interest_subsidy"))
