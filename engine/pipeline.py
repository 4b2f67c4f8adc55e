"""The one run pipeline: batch rows -> sweep -> simulate -> exit month -> summary.

`run(inputs, horizon)` takes n compiled rows (`Inputs`) and answers, for each row, the monthly
arrays with its subsidies as given, the exit month and a typed `Summary`. Every question the
engine answers (`project`, batch summaries, stress tables, switching values, Monte Carlo,
portfolios, the planner, the report) builds rows and calls this function, so they give the same
answer by construction.

The exit-month sweep ("every subsidy ends at M", for every candidate M before the horizon) is
laid out one of three ways, chosen by `engine.cashflow.needs_full_sweep` and the exit criteria:

- two rows per variant (as given; no subsidy from month 0) when no month's flows depend on the
  cash balance or on M: the lowest cash after each M follows from the two rows' cumulative sums
  in O(T) (`metrics.lowest_cash_after_exit`); where payouts are the only such flows, on the
  flows before payouts;
- two rows per variant and one month loop for a credit line, when only the line's interest and
  payouts follow cash and the reserve is above 0: the same formula on the net position, cash
  less the line's balance (`net_position_sweep`; not when every counterfactual's cash is asked
  for);
- otherwise one row per candidate M (and the row as given), each simulated in full, or, for a
  large sweep whose rows differ only in their flows, the cash rule alone per row (`flow_sweep`).

The simulation may run past the horizon (`inputs.months > horizon`), to the last installment of
every loan: exit safety is judged on every simulated month, while totals and averages are over
the horizon shown.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from engine import metrics
from engine.arrears import arrears_figures
from engine.cashflow import (
    Inputs,
    cash_and_payouts,
    compiled_for,
    fading_effects,
    needs_full_sweep,
    net_position_at_exit,
    simulate,
    simulated_months,
)
from engine.scenario import ExitCriteria, Scenario

MAX_ROWS = 4_000
"""Most rows simulated at once (bounds memory: a row is ~30 arrays of T floats)."""


# ---- rows ---------------------------------------------------------------------------------------

def compile_rows(scenarios: list[Scenario], months: int = 0) -> Inputs:
    """One row per scenario (same structure), all simulated to the last installment of any of
    their loans, or to `months` if later."""
    months = max([months] + [simulated_months(s) for s in scenarios])
    return Inputs.concat([compiled_for(s, months) for s in scenarios])


# ---- the run ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Summary:
    """Figures per row, each an (n,) array; months are ints with -1 for none. Totals and
    averages are over the horizon; lows (cash, DSCR) over every simulated month."""

    exit_month: np.ndarray
    oss_month: np.ndarray
    fss_month: np.ndarray
    full_cost_month: np.ndarray
    total_subsidy: np.ndarray
    total_sales_revenue: np.ndarray
    subsidy_to_sales: np.ndarray
    member_income_per_member_month_avg: np.ndarray
    min_cash_balance: np.ndarray
    min_dscr_12m: np.ndarray
    min_dscr_seasonal: np.ndarray
    peak_working_capital: np.ndarray
    bridging_cost: np.ndarray
    credit_line_peak: np.ndarray
    cash_shortfall_month: np.ndarray
    cash_shortfall_max: np.ndarray
    cash_short_at_installment: np.ndarray
    end_receivables: np.ndarray
    outstanding_at_horizon: np.ndarray
    worst_days_past_due: np.ndarray
    arrears_at_end: np.ndarray
    par30_ever: np.ndarray

    MONTHS = ("exit_month", "oss_month", "fss_month", "full_cost_month",
              "cash_shortfall_month")
    COUNTS = ("worst_days_past_due",)

    def frame(self) -> pd.DataFrame:
        """One row per batch row; month columns are nullable integers (<NA>: none)."""
        out = {}
        for f in fields(self):
            a = getattr(self, f.name)
            if f.name in self.MONTHS:
                out[f.name] = pd.array([None if v < 0 else int(v) for v in a], dtype="Int64")
            else:
                out[f.name] = a
        return pd.DataFrame(out)

    def row(self, i: int) -> dict[str, float | int | bool | None]:
        """Row i as plain Python values (None for no month and for undefined ratios)."""
        out: dict[str, float | int | bool | None] = {}
        for f in fields(self):
            v = getattr(self, f.name)[i]
            if f.name in self.MONTHS:
                out[f.name] = None if v < 0 else int(v)
            elif f.name in self.COUNTS:
                out[f.name] = int(v)
            elif isinstance(v, np.bool_ | bool):
                out[f.name] = bool(v)
            else:
                out[f.name] = float(v) if np.isfinite(v) else None
        return out


@dataclass(frozen=True)
class Run:
    """What the pipeline answers for n rows."""

    horizon: int
    monthly: dict[str, np.ndarray]
    """(n, T) every monthly quantity with subsidies as given, T = simulated months, including
    `inflation_adjustment`."""
    without_subsidy_cash: np.ndarray
    """(n, T) cash if every subsidy ends at month 0."""
    lowest_cash_after_exit: np.ndarray
    """(n, horizon) lowest cash from M to the last simulated month if every subsidy ends at M
    (in a batch run where payouts alone would need the full sweep: of the plan without
    payouts, which is safe in the same months; `project` always gives the plan's own)."""
    safe: np.ndarray
    """(n, horizon) True where ending every subsidy at M meets the exit criteria."""
    exit_month: np.ndarray
    """(n,) first safe M; -1: none before the horizon."""
    summary: Summary
    counterfactual_cash: np.ndarray | None = None
    """(n, horizon, T) cash [row, M, t] if every subsidy ends at M (only when asked for)."""

    def row(self, i: int) -> dict[str, np.ndarray]:
        """Row i's monthly arrays, each (T,)."""
        return {k: v[i] for k, v in self.monthly.items()}


def full_sweep_needed(inputs: Inputs, criteria: ExitCriteria) -> bool:
    """One row per candidate exit month: flows depend on cash or M, or a criterion other than
    cash needs each counterfactual's own monthly figures."""
    return needs_full_sweep(inputs) or criteria.self_sufficiency or \
        criteria.member_income_floor is not None


def only_payouts_need_it(inputs: Inputs, criteria: ExitCriteria) -> bool:
    """True when payouts are the one reason for the full sweep. Then the exit month follows
    from the two-row formula on the flows before payouts: a payout is made only as far as cash
    stays at or above the reserve in that month and every later month of the plan (cashflow's
    payout rule), so plan M keeps cash >= reserve from M on exactly when the same plan without
    payouts does (payouts only lower cash, and never below the reserve where it was above).
    methodology.md, "Payouts and the exit month"."""
    without = replace(inputs, distribution_share=np.zeros_like(inputs.distribution_share))
    return bool((inputs.distribution_share > 0).any()) and not full_sweep_needed(without,
                                                                                 criteria)


def rows_per_variant(inputs: Inputs, criteria: ExitCriteria, horizon: int,
                     detail: bool = False) -> int:
    """Simulated rows `run` lays out per variant for its exit-month sweep: one per candidate
    month (and the row as given) when flows depend on cash or on M, otherwise two (on the flows
    before payouts when payouts are the only reason, unless the detail is asked for)."""
    full = full_sweep_needed(inputs, criteria)
    if full and (detail or not (only_payouts_need_it(inputs, criteria)
                                or net_position_possible(inputs, criteria))):
        return horizon + 1
    return 2


def criteria_met(m: metrics.Monthly, exit_months: np.ndarray, reserve: np.ndarray,
                 criteria: ExitCriteria) -> np.ndarray:
    """(rows,) True where a counterfactual row (subsidies end at its exit month) keeps cash at
    or above the reserve in every month from its exit month on, and meets the optional
    criteria in every full trailing window from then on."""
    t = np.arange(m["cash_balance"].shape[-1])
    after = t[None, :] >= exit_months[:, None]
    ok = np.where(after, m["cash_balance"] >= reserve[:, None] - metrics.TOLERANCE, True)
    if criteria.self_sufficiency:
        oss = metrics.oss_12m(m)
        ok &= np.where(after & ~np.isnan(oss), oss >= 1.0 - 1e-12, True)
    if criteria.member_income_floor is not None:
        income = metrics.member_income_12m(m)
        ok &= np.where(after & ~np.isnan(income),
                       income >= criteria.member_income_floor - metrics.TOLERANCE, True)
    return np.asarray(ok.all(axis=-1))


def two_row_sweep(x: Inputs, horizon: int, detail: bool, before_payouts: bool = False
                  ) -> tuple:
    """`before_payouts`: judge the exit months on the flows before payouts (valid when payouts
    are the only flows that depend on cash: `only_payouts_need_it`); the lows are then those of
    the plans without payouts, and the safe months the same as the full sweep's."""
    n, T = x.n, x.months
    batch = replace(x.take(np.repeat(np.arange(n), 2)), exit_month=np.tile([T, 0], n))
    m = simulate(batch)
    given = {k: v[0::2] for k, v in m.items()}
    net = m["net_cash_flow"] + (m["distributions"] if before_payouts else 0.0)
    net_with, net_without = net[0::2], net[1::2]
    low = metrics.lowest_cash_after_exit(net_with, net_without, x.opening_cash, horizon)
    safe = low >= x.cash_reserve[:, None] - metrics.TOLERANCE
    cf = None
    if detail:
        cf = np.stack([metrics.counterfactual_cash(net_with[i], net_without[i],
                                                   float(x.opening_cash[i]), horizon)
                       for i in range(n)])
    return given, m["cash_balance"][1::2], low, safe, cf


def flows_sweep_possible(x: Inputs, criteria: ExitCriteria) -> bool:
    """True when the full sweep's rows differ only in their flows from the exit month on: no
    arrears, no effect that fades from M, no loan the facilitator arranged (taken only if
    disbursed before M), and cash the only criterion. Then row M's flows
    before financing, financing and payable shares are the plan's before M and the no-subsidy
    plan's from M (element for element the numbers the row's own simulation computes), and
    only the cash rule (payouts, the credit line's month loop) runs once per row (`flow_sweep`).
    """
    return not (x.arrears_enabled.any() or fading_effects(x) or x.arranged_month.size
                or criteria.self_sufficiency or criteria.member_income_floor is not None)


def flow_sweep(x: Inputs, horizon: int, detail: bool) -> tuple:
    """The full sweep from two simulated rows per variant and the cash rule on (n x horizon)
    rows of three flows, instead of every monthly quantity of every row: about 9 arrays of
    (n x horizon, T) instead of about 70 (valid where `flows_sweep_possible`)."""
    n, T = x.n, x.months
    m = simulate(replace(x.take(np.repeat(np.arange(n), 2)), exit_month=np.tile([T, 0], n)))
    given = {key: v[0::2] for key, v in m.items()}
    before = np.arange(T)[None, :] < np.arange(horizon)[:, None]            # (horizon, T)

    def rows(key: str) -> np.ndarray:
        return np.where(before[None], m[key][0::2, None, :],
                        m[key][1::2, None, :]).reshape(n * horizon, T)

    cash = cash_and_payouts(x.take(np.repeat(np.arange(n), horizon)), rows("before_financing"),
                            rows("financing"), rows("payable"))["cash_balance"]
    cash = cash.reshape(n, horizon, T)
    low = np.where(~before[None], cash, np.inf).min(axis=-1)
    safe = np.where(~before[None], cash >= x.cash_reserve[:, None, None] - metrics.TOLERANCE,
                    True).all(axis=-1)
    return given, cash[:, 0, :], low, safe, (cash if detail else None)


def net_position_possible(x: Inputs, criteria: ExitCriteria) -> bool:
    """True when the exit months of rows with a credit line follow from two simulated rows on
    the net position (`net_position_sweep`): the sweep's rows differ only in their flows
    (`flows_sweep_possible`) and every row with a line keeps a cash reserve above 0 (at a
    reserve of 0 the line's draws would keep cash at the reserve while the net position falls
    below it)."""
    line = x.credit_limit > 0
    return bool(line.any()) and flows_sweep_possible(x, criteria) and not \
        (line & (x.cash_reserve <= 2 * metrics.TOLERANCE)).any()


def net_position_sweep(x: Inputs, horizon: int) -> tuple:
    """The exit months of rows with a credit line from two simulated rows per variant (as
    given; no subsidy from month 0) and the net position N (cash less the line's balance) of
    the plan with subsidies and without payouts (valid where `net_position_possible`).

    Cash >= R > 0 exactly when N >= R (N >= R > 0 means the line is repaid), and while N stays
    at or above 0 the line charges nothing; so plan M is safe exactly when
    N_(M-1) - i(N_(M-1)) + min over t >= M of (C'_t - C'_(M-1)) >= R, C' being the cumulative
    flows before payouts of the no-subsidy row (`cashflow.net_position_at_exit`). Payouts do
    not change which plans are safe: a payout leaves N at or above its floor (> R) in every
    later month of its plan (methodology.md, "Monte Carlo with a credit line"). The lows are
    those of the net position of each plan without payouts: exact where it stays at or above
    0, an upper bound below (the line's interest is left out there)."""
    n, T = x.n, x.months
    m = simulate(replace(x.take(np.repeat(np.arange(n), 2)), exit_month=np.tile([T, 0], n)))
    given = {key: v[0::2] for key, v in m.items()}
    flows = m["before_financing"] + m["financing"]
    start = net_position_at_exit(np.ascontiguousarray(flows[0::2].T),
                                 np.broadcast_to(x.opening_cash, (n,)),
                                 np.broadcast_to(x.credit_rate, (n,)),
                                 np.broadcast_to(x.credit_limit, (n,)), horizon).T
    c_without = np.cumsum(flows[1::2], axis=-1)
    low = metrics.running(np.minimum, c_without, reverse=True)[:, :horizon] + start
    low[:, 1:] -= c_without[:, :horizon - 1]
    safe = low >= x.cash_reserve[:, None] - metrics.TOLERANCE
    return given, m["cash_balance"][1::2], low, safe, None


FLOW_SWEEP_CELLS = 10_000
"""Sweep rows x months above which `flow_sweep` is used with a credit line: it runs the line's
month loop twice (two rows, then the candidates), which costs more than the array work it saves
in small sweeps (Modhupur, one variant: 6.6 ms against 4.8 ms at 60 months, 14 ms against 35 ms
at 120). Without a line (payouts alone) the cash rule is a few array passes: always used."""


def full_sweep(x: Inputs, horizon: int, criteria: ExitCriteria, detail: bool) -> tuple:
    large = x.n * (horizon + 1) * x.months > FLOW_SWEEP_CELLS
    if (large or not (x.credit_limit > 0).any()) and flows_sweep_possible(x, criteria):
        return flow_sweep(x, horizon, detail)
    n, T = x.n, x.months
    k = horizon + 1
    rows = np.repeat(np.arange(n), k)
    exits = np.tile(np.concatenate([[T], np.arange(horizon)]), n)
    m = simulate(replace(x.take(rows), exit_month=exits))
    first = np.arange(n) * k
    given = {key: v[first] for key, v in m.items()}
    sweep = np.ones(n * k, dtype=bool)
    sweep[first] = False
    cash = m["cash_balance"][sweep].reshape(n, horizon, T)
    t = np.arange(T)
    after = t[None, :] >= np.arange(horizon)[:, None]
    low = np.where(after[None], cash, np.inf).min(axis=-1)
    swept = {key: v[sweep] for key, v in m.items()}
    safe = criteria_met(swept, exits[sweep], x.cash_reserve[rows[sweep]],
                        criteria).reshape(n, horizon)
    return given, cash[:, 0, :], low, safe, (cash if detail else None)


def _no_sweep(x: Inputs, horizon: int) -> tuple:
    m = simulate(x)
    none = np.full((x.n, horizon), np.nan)
    return m, np.full(m["cash_balance"].shape, np.nan), none, np.zeros(none.shape, bool), None


def run(inputs: Inputs, horizon: int | None = None, criteria: ExitCriteria | None = None,
        detail: bool = False, sweep: bool = True, max_rows: int = MAX_ROWS) -> Run:
    """Simulate n rows with their exit-month sweeps and summarise them.

    `horizon`: months shown and candidate exit months (default: the rows' horizon);
    `detail`: also return every counterfactual cash path (n, horizon, T); `sweep=False`: only
    the rows as given, for questions that do not ask for the exit month (its figures are then
    -1 and NaN: not computed). Rows are simulated in chunks of at most `max_rows` simulated
    rows.
    """
    horizon = (inputs.horizon_months or inputs.months) if horizon is None else horizon
    criteria = criteria or ExitCriteria()
    full = sweep and full_sweep_needed(inputs, criteria)
    before_payouts = full and not detail and only_payouts_need_it(inputs, criteria)
    net = full and not detail and not before_payouts and net_position_possible(inputs,
                                                                               criteria)
    full = full and not (before_payouts or net)
    per_row = rows_per_variant(inputs, criteria, horizon, detail) if sweep else 2
    step = max(1, max_rows // per_row)
    parts = []
    for start in range(0, inputs.n, step):
        block = inputs.take(np.arange(start, min(inputs.n, start + step)))
        if not sweep:
            parts.append(_no_sweep(block, horizon))
            continue
        if net:
            parts.append(net_position_sweep(block, horizon))
        elif full:
            parts.append(full_sweep(block, horizon, criteria, detail))
        else:
            parts.append(two_row_sweep(block, horizon, detail, before_payouts))
    given = {k: np.concatenate([p[0][k] for p in parts]) for k in parts[0][0]}
    given["inflation_adjustment"] = metrics.inflation_adjustment(given, inputs.inflation_rate)
    without, low, safe = (np.concatenate([p[i] for p in parts]) for i in (1, 2, 3))
    cf = np.concatenate([p[4] for p in parts]) if detail and sweep else None
    exit_month = metrics.exit_month(safe)
    return Run(horizon, given, without, low, safe, exit_month,
               summarize(given, exit_month, horizon), cf)


def summarize(m: metrics.Monthly, exit_month: np.ndarray, horizon: int) -> Summary:
    """The typed summary of rows whose monthly arrays are `m` (subsidies as given)."""
    H = horizon

    def within(month: np.ndarray) -> np.ndarray:
        return np.where(month < H, month, -1)

    short = m["cash_shortfall"] > metrics.TOLERANCE
    arrears = arrears_figures(m["arrears"], m["days_past_due"])
    revenue = m["sales_revenue"][:, :H].sum(axis=-1)
    return Summary(
        exit_month=exit_month,
        oss_month=within(metrics.month_ratio_stays_at_least(metrics.oss_12m(m))),
        fss_month=within(metrics.month_ratio_stays_at_least(metrics.fss_12m(m))),
        full_cost_month=within(metrics.month_ratio_stays_at_least(
            metrics.full_cost_ratio_12m(m))),
        total_subsidy=m["subsidy"][:, :H].sum(axis=-1),
        total_sales_revenue=revenue,
        subsidy_to_sales=metrics.subsidy_to_sales(m, H),
        member_income_per_member_month_avg=m["member_income_per_member"][:, :H].mean(axis=-1),
        min_cash_balance=metrics.min_cash_balance(m),
        min_dscr_12m=metrics.min_dscr_12m(m),
        min_dscr_seasonal=metrics.min_dscr_seasonal(m),
        peak_working_capital=metrics.peak_working_capital(m),
        bridging_cost=m["credit_line_interest"].sum(axis=-1),
        credit_line_peak=m["credit_line_balance"].max(axis=-1),
        cash_shortfall_month=metrics.first_true(short),
        cash_shortfall_max=m["cash_shortfall"].max(axis=-1),
        cash_short_at_installment=metrics.cash_short_at_installment(m),
        end_receivables=m["receivables"][:, H - 1],
        outstanding_at_horizon=metrics.loans_outstanding(m)[:, H - 1],
        worst_days_past_due=arrears["worst_days_past_due"],
        arrears_at_end=arrears["arrears_at_end"],
        par30_ever=arrears["par30_ever"],
    )


def run_scenarios(scenarios: list[Scenario], detail: bool = False) -> Run:
    """The pipeline over scenarios of the same structure (the first one's horizon and exit
    criteria)."""
    first = scenarios[0]
    return run(compile_rows(scenarios), first.horizon_months, first.exit_criteria, detail)
