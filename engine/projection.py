"""`project(scenario) -> Projection`: the monthly table, the summary and the loan schedules.

A thin reader of the one run pipeline (engine.pipeline): one row, simulated to the last
installment of every loan, with every counterfactual cash path kept for the exit sweep. The
monthly table shows the scenario's horizon; exit safety and the lows are judged on every
simulated month.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from engine import metrics, pipeline
from engine.cashflow import Inputs, dated_loans, simulate
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
"""Columns of `Projection.monthly`, in order, before the derived ones (DSCR, OSS, FSS,
without-subsidy cash...)."""


@dataclass(frozen=True)
class Projection:
    scenario: Scenario
    monthly: pd.DataFrame
    summary: dict[str, Any]
    loans: dict[str, pd.DataFrame]
    exit_sweep: pd.DataFrame
    by_channel: pd.DataFrame
    counterfactual_cash: pd.DataFrame
    """Cash balance [exit month M (rows), month t (columns, every simulated month)] if every
    subsidy ends at M."""
    interest_subsidy: pd.Series
    """Interest the concessional loans save each month (part of `monthly.subsidy`)."""
    simulated: pd.DataFrame
    """The monthly table over every simulated month (to the last installment of every loan);
    `monthly` is its first `horizon_months` rows."""


def monthly_table(scenario: Scenario, m: metrics.Monthly,
                  without_subsidy_cash: np.ndarray) -> pd.DataFrame:
    """One row's monthly arrays (each (1, T)) as the table, with the derived columns and the
    cash if every subsidy ends at month 0 (built in one go: a column inserted into a frame
    copies its index and blocks each time)."""
    T = m["cash_balance"].shape[-1]
    columns = {k: m[k][0] for k in MONTHLY_COLUMNS}
    derived = {
        "members_drawings": m["members_drawings"],
        "cash_available_for_debt_service": metrics.cash_available_for_debt_service(m),
        "dscr": metrics.dscr_monthly(m),
        "dscr_12m": metrics.dscr_12m(m),
        "dscr_seasonal": metrics.dscr_seasonal(m),
        "oss_12m": metrics.oss_12m(m),
        "fss_12m": metrics.fss_12m(m),
        "full_cost_ratio_12m": metrics.full_cost_ratio_12m(m),
        "group_expenses": metrics.group_expenses(m),
        "full_cost_expenses": metrics.full_cost_expenses(m),
        "inflation_adjustment": m["inflation_adjustment"],
        "interest_subsidy": m["interest_subsidy_row"],
        "loans_outstanding": metrics.loans_outstanding(m),
    }
    columns |= {k: np.asarray(v)[0] for k, v in derived.items()}
    columns["cash_balance_without_subsidy"] = without_subsidy_cash
    table = pd.DataFrame(np.stack(list(columns.values()), axis=1, dtype=float),
                         index=pd.RangeIndex(T, name="month"), columns=list(columns))
    table.insert(0, "date", [scenario.month_label(t) for t in range(T)])
    return table


def earlier_end_fails_from(x: Inputs, scenario: Scenario, exit_month: int | None) -> bool | None:
    """Does ending every subsidy the month before the exit month fail the exit criteria in
    the months from the exit month on (True: the support matters then, not only the start-up
    months before it)? None without an exit month after month 0."""
    if exit_month is None or exit_month == 0:
        return None
    m = simulate(replace(x, exit_month=np.array([exit_month - 1])))
    return not bool(pipeline.criteria_met(m, np.array([exit_month]), x.cash_reserve,
                                          scenario.exit_criteria)[0])


def summary_of(scenario: Scenario, r: pipeline.Run, by_channel: pd.DataFrame) -> dict[str, Any]:
    """The projection's summary: the pipeline's typed summary of row 0, with dates and the
    buyer figures."""
    s: dict[str, Any] = r.summary.row(0)
    buyers: dict[str, float] = {}
    for c in scenario.channels:
        buyers[c.buyer] = buyers.get(c.buyer, 0.0) + float(by_channel[c.name].sum())
    revenue_total = sum(buyers.values())
    top_buyer = max(buyers, key=lambda b: buyers[b]) if revenue_total > 0 else None
    exit_month = s["exit_month"]
    kept = int(metrics.reserve_kept_from({"cash_balance": r.monthly["cash_balance"][:1]},
                                         np.array([scenario.group.cash_reserve]))[0])
    s.update({
        "reserve_kept_from": None if kept < 0 else kept,
        "exit_date": None if exit_month is None else scenario.month_label(exit_month),
        "buyer_hhi": metrics.herfindahl(np.array(list(buyers.values()))),
        "top_buyer": top_buyer,
        "top_buyer_share": buyers[top_buyer] / revenue_total if top_buyer else None,
        "cash_reserve": scenario.group.cash_reserve,
        "simulated_months": int(r.monthly["cash_balance"].shape[-1]),
        "last_simulated_date": scenario.month_label(r.monthly["cash_balance"].shape[-1] - 1),
    })
    return s


def project(scenario: Scenario) -> Projection:
    """Project a scenario month by month and sweep every exit month, in one pipeline run."""
    H = scenario.horizon_months
    x = pipeline.compile_rows([scenario])
    r = pipeline.run(x, H, scenario.exit_criteria, detail=True)
    assert r.counterfactual_cash is not None
    m = {k: v[:1] for k, v in r.monthly.items()}
    simulated = monthly_table(scenario, m, r.without_subsidy_cash[0])
    monthly = simulated.iloc[:H].copy()
    cash_rows = r.counterfactual_cash[0]
    T = cash_rows.shape[-1]
    t = np.arange(T)
    below = (cash_rows < scenario.group.cash_reserve - metrics.TOLERANCE) \
        & (t[None, :] >= np.arange(H)[:, None])
    first_short = metrics.first_true(below)
    exit_sweep = pd.DataFrame({
        "exit_date": monthly["date"].to_numpy(),
        "min_cash_after_exit": r.lowest_cash_after_exit[0],
        "first_shortfall_month": pd.arrays.IntegerArray(first_short.astype(np.int64),
                                                        first_short < 0),
        "safe": r.safe[0],
    }, index=pd.Index(np.arange(H), name="exit_month"))
    names = [c.name for c in scenario.channels]
    by_channel = pd.DataFrame(m["revenue_by_channel"][0][:, :H].T, columns=names,
                              index=monthly.index)
    loans = {loan.name: schedules(loan) for loan in dated_loans(scenario)}
    counterfactual = pd.DataFrame(cash_rows, index=pd.RangeIndex(H, name="exit_month"),
                                  columns=simulated.index)
    summary = summary_of(scenario, r, by_channel)
    summary["earlier_end_fails_from_exit_month"] = earlier_end_fails_from(
        x, scenario, summary["exit_month"])
    return Projection(scenario, monthly, summary, loans, exit_sweep,
                      by_channel, counterfactual,
                      pd.Series(m["interest_subsidy_row"][0][:H], index=monthly.index,
                                name="interest_subsidy"), simulated)
