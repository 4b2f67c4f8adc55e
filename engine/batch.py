"""Summaries of many variants from one batched simulation.

`summarize` turns a batch laid out as pairs of rows (each variant with its subsidies, then the
same variant with every subsidy ended from month 0) into one row of figures per variant. The exit
month of every variant comes from the two rows' cumulative cash in O(T):

    min over t >= M of cash_M(t) = opening + (C_with - C_without)(M - 1) + min over t >= M of
    C_without(t),

where C are cumulative net cash flows: before M the variant has its subsidies, from M on not.
(It holds when no month's flows depend on the cash balance: without a credit line.)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from engine import metrics
from engine.arrears import arrears_figures
from engine.cashflow import (
    Inputs,
    compile_scenario,
    needs_full_sweep,
    simulate,
    simulated_months,
)
from engine.projection import exit_month_from_sweep, sweep_rows
from engine.scenario import Scenario

SUMMARY_COLUMNS = ["exit_month", "min_cash_balance", "member_income_per_member_month_avg",
                   "min_dscr_12m", "peak_working_capital", "total_subsidy",
                   "total_sales_revenue", "bridging_cost", "cash_short_at_installment"]


def paired(inputs: Inputs) -> Inputs:
    """Each row followed by the same row with every subsidy ended from month 0."""
    n = inputs.n
    batch = inputs.take(np.repeat(np.arange(n), 2))
    exits = np.tile([inputs.months, 0], n)
    return replace(batch, exit_month=exits)


def exit_months(net_with: np.ndarray, net_without: np.ndarray, opening: np.ndarray,
                reserve: np.ndarray, horizon: int | None = None) -> np.ndarray:
    """(n,) first safe exit month of each variant, -1 where none (see the module notes); exit
    months are candidates up to `horizon` (default: every simulated month)."""
    c_with, c_without = np.cumsum(net_with, axis=-1), np.cumsum(net_without, axis=-1)
    n = c_with.shape[0]
    carried = np.concatenate([np.zeros((n, 1)), (c_with - c_without)[:, :-1]], axis=-1)
    suffix_min = np.flip(np.minimum.accumulate(np.flip(c_without, axis=-1), axis=-1), axis=-1)
    lowest_after = opening[:, None] + carried + suffix_min
    safe = (lowest_after >= reserve[:, None] - 1e-9)[:, :horizon]
    return np.where(safe.any(axis=-1), np.argmax(safe, axis=-1), -1)


def summarize(inputs: Inputs) -> pd.DataFrame:
    """One row of figures per row of `inputs` (no credit line), from one simulation."""
    m = simulate(paired(inputs))
    w = {k: v[0::2] for k, v in m.items()}
    wo_net = m["net_cash_flow"][1::2]
    exits = exit_months(w["net_cash_flow"], wo_net, inputs.opening_cash, inputs.cash_reserve,
                        inputs.horizon_months or None)
    return _frame(w, exits)


def _frame(w: dict[str, np.ndarray], exits: np.ndarray) -> pd.DataFrame:
    _, dscr_12m = metrics.dscr(w)
    has_debt = metrics.trailing_sum(w["debt_service"]) > 0
    dscr = np.where(has_debt, dscr_12m, np.inf).min(axis=-1)
    return pd.DataFrame({
        "exit_month": pd.array([None if e < 0 else int(e) for e in exits], dtype="Int64"),
        "min_cash_balance": w["cash_balance"].min(axis=-1),
        "member_income_per_member_month_avg": w["member_income_per_member"].mean(axis=-1),
        "min_dscr_12m": np.where(np.isfinite(dscr), dscr, np.nan),
        "peak_working_capital": metrics.peak_working_capital(w),
        "total_subsidy": w["subsidy"].sum(axis=-1),
        "total_sales_revenue": w["sales_revenue"].sum(axis=-1),
        "bridging_cost": w["credit_line_interest"].sum(axis=-1),
        "worst_days_past_due": arrears_figures(w["arrears"], w["days_past_due"])[
            "worst_days_past_due"],
        "arrears_at_end": w["arrears"][:, -1],
        "cash_short_at_installment": metrics.cash_short_at_installment(w),
    })


def summarize_with_credit_line(inputs: Inputs) -> pd.DataFrame:
    """As `summarize`, for rows whose credit line makes flows depend on cash: each row's exit
    month from its own one-row-per-month sweep."""
    frames = []
    for i in range(inputs.n):
        row = inputs.take(np.array([i]))
        m = simulate(sweep_rows(row, row.horizon_months or row.months))
        exit_month, _ = exit_month_from_sweep(m["cash_balance"][1:], float(row.cash_reserve[0]))
        frames.append(_frame({k: v[:1] for k, v in m.items()},
                             np.array([-1 if exit_month is None else exit_month])))
    return pd.concat(frames, ignore_index=True)


def summarize_any(inputs: Inputs) -> pd.DataFrame:
    if needs_full_sweep(inputs):
        return summarize_with_credit_line(inputs)
    return summarize(inputs)


def summarize_scenarios(scenarios: list[Scenario]) -> pd.DataFrame:
    """Figures for scenarios of the same structure, compiled one by one, simulated together."""
    months = max(simulated_months(s) for s in scenarios)
    return summarize_any(Inputs.concat([compile_scenario(s, months) for s in scenarios]))
