"""The subsidy-exit planner: who pays what, when the facilitator can leave and how fast, what the
group can keep paying for, and what the support bought.

Every search is rows of one batch of `simulate` (engine.cashflow), never a loop of projections.
Definitions and sources: docs/methodology.md ("Exit planner").
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from engine import metrics
from engine.cashflow import Inputs, payer_shares, service_costs
from engine.i18n import N_
from engine.pipeline import compile_rows, run
from engine.projection import Projection
from engine.scenario import GROUP, Scenario

# ---- who pays what ----------------------------------------------------------------------------

def cost_shares(scenario: Scenario) -> pd.DataFrame:
    """Taka paid by each payer for each service each month (no exit): long table with columns
    service, payer, month, date, year, amount."""
    T = scenario.horizon_months
    rows = []
    for s in scenario.services:
        cost = service_costs(s, T)
        shares = payer_shares(s, T)
        if s.beneficiary == "partner":
            shares[GROUP] = np.zeros(T)
        for payer, share in shares.items():
            amount = cost * share
            for t in np.flatnonzero(amount):
                rows.append((s.name, payer, int(t), scenario.month_label(int(t)),
                             scenario.month_label(int(t))[:4], float(amount[t])))
    return pd.DataFrame(rows, columns=["service", "payer", "month", "date", "year", "amount"])


def cost_totals(scenario: Scenario) -> pd.DataFrame:
    """Totals per service and payer (rows) by calendar year (columns) and in all."""
    long = cost_shares(scenario)
    if long.empty:
        return pd.DataFrame()
    table = long.pivot_table(index=["service", "payer"], columns="year", values="amount",
                             aggfunc="sum", fill_value=0.0)
    table["total"] = table.sum(axis=1)
    return table


def payer_totals(scenario: Scenario) -> pd.Series:
    long = cost_shares(scenario)
    return long.groupby("payer")["amount"].sum() if not long.empty else pd.Series(dtype=float)


# ---- self-sufficiency by year -----------------------------------------------------------------

def yearly_ratios(p: Projection) -> pd.DataFrame:
    """Per calendar year of the horizon: revenue, subsidy, subsidy_to_sales, OSS, FSS, the
    full-cost ratio and DSCR, each the ratio of the year's sums of the projection's monthly
    columns (the same definitions as the trailing figures: engine.metrics)."""
    m = p.monthly
    g = pd.DataFrame({"year": m["date"].str[:4], "months": 1, "revenue": m.sales_revenue,
                      "subsidy": m.subsidy, "expenses": m.group_expenses,
                      "full_cost": m.full_cost_expenses,
                      "adjusted": m.full_cost_expenses + p.interest_subsidy
                      + m.inflation_adjustment,
                      "available": m.cash_available_for_debt_service,
                      "debt_service": m.debt_service}).groupby("year").sum()
    g["subsidy_to_sales"] = metrics.ratio(g.subsidy, g.revenue)
    g["oss"] = metrics.ratio(g.revenue, g.expenses)
    g["fss"] = metrics.ratio(g.revenue, g.adjusted)
    g["full_cost_ratio"] = metrics.ratio(g.revenue, g.full_cost)
    g["dscr"] = metrics.ratio(g.available, g.debt_service)
    return g.drop(columns=["adjusted", "full_cost", "available"])


# ---- withdrawal at any month ------------------------------------------------------------------

def withdrawal(p: Projection, month: int) -> dict[str, Any]:
    """If every subsidy ends at `month`: the cash path, the first month below the reserve and
    the largest gap below it (0 if none)."""
    cash = p.counterfactual_cash.loc[month]
    reserve = p.scenario.group.cash_reserve
    after = cash.loc[month:]
    below = after[after < reserve - 1e-9]
    return {"exit_month": month, "cash_balance": cash,
            "first_shortfall_month": None if below.empty else int(below.index[0]),
            "shortfall": float(max(0.0, reserve - after.min()))}


# ---- tapers -------------------------------------------------------------------------------------

def linear_multiplier(start: int, months: np.ndarray, T: int) -> np.ndarray:
    """(K, T): others' shares fall linearly from `start` to zero over `months` (each row)."""
    t = np.arange(T)[None, :]
    return 1.0 - np.clip((t - start) / months[:, None], 0.0, 1.0)


def step_multiplier(start: int, steps: np.ndarray, every: int, T: int) -> np.ndarray:
    """(K, T): others' shares drop by `steps` (share of initial) at `start` and every `every`
    months after, to zero."""
    t = np.arange(T)[None, :]
    n = np.where(t >= start, np.floor((t - start) / every) + 1, 0.0)
    return np.maximum(0.0, 1.0 - steps[:, None] * n)


def with_taper(inputs: Inputs, multiplier: np.ndarray) -> Inputs:
    """One row per multiplier row: every non-group payer's share of the group's subsidised
    services scaled by it (on top of the planned shares); the group pays the rest."""
    K = multiplier.shape[0]
    batch = inputs.take(np.zeros(K, dtype=int))
    subsidised = (~inputs.service_embedded & inputs.service_to_group)[None, :, None]
    others = 1.0 - batch.group_share
    group_share = np.where(subsidised, 1.0 - others * multiplier[:, None, :], batch.group_share)
    return replace(batch, group_share=group_share)


def simulated(rows: Inputs, horizon: int) -> metrics.Monthly:
    """The rows' monthly arrays (every simulated month) from the pipeline, without a sweep."""
    return run(rows, horizon, sweep=False).monthly


def safe_rows(m: dict[str, np.ndarray], start: int, reserve: float) -> np.ndarray:
    window = np.arange(m["cash_balance"].shape[-1]) >= start
    return np.asarray(np.where(window, m["cash_balance"] >= reserve - 1e-9, True).all(axis=-1))


def on_its_feet(p: Projection) -> int | None:
    """First month from which the group, with all its planned support, keeps cash >= its
    reserve to the last simulated month: the earliest 'now' from which a taper can be
    planned."""
    return p.summary["reserve_kept_from"]


def fastest_safe_taper(p: Projection, start: int = 0, every: int = 6) -> dict[str, Any]:
    """The shortest linear taper (every other payer's share falls to zero over D months from
    `start`) and the largest step (a share S of the initial shares dropped at `start` and every
    `every` months) that keep cash >= the reserve from the month the group is on its feet with
    its planned support (or from `start`, if later) to the horizon. Each family is one batch
    (D = 1..T; S = 1%..100%); the cheaper of the two for the payers is named."""
    scenario = p.scenario
    feet = on_its_feet(p)
    out: dict[str, Any] = {"start_month": start, "judged_from_month": None, "linear": None,
                           "step": None, "cheapest": None,
                           "planned_cost_to_payers": p.summary["total_subsidy"]}
    if feet is None:
        return out
    judged = max(start, feet)
    out["judged_from_month"] = judged
    inputs = compile_rows([scenario])
    T, H = inputs.months, scenario.horizon_months
    reserve = scenario.group.cash_reserve
    durations = np.arange(1, H + 1, dtype=float)
    m = simulated(with_taper(inputs, linear_multiplier(start, durations, T)), H)
    ok = safe_rows(m, judged, reserve)
    if ok.any():
        i = int(np.argmax(ok))
        out["linear"] = {"months": int(durations[i]),
                         "cost_to_payers": float(m["subsidy"][i, :H].sum()),
                         "safe_every_longer": bool(ok[i:].all())}
    steps = np.round(np.arange(1, 101) / 100, 2)
    ms = simulated(with_taper(inputs, step_multiplier(start, steps, every, T)), H)
    ok_s = safe_rows(ms, judged, reserve)
    if ok_s.any():
        j = int(np.flatnonzero(ok_s).max())
        out["step"] = {"step": float(steps[j]), "every_months": every,
                       "cost_to_payers": float(ms["subsidy"][j, :H].sum()),
                       "safe_every_smaller": bool(ok_s[:j + 1].all())}
    plans = [(k, out[k]) for k in ("linear", "step") if out[k]]
    if plans:
        out["cheapest"] = min(plans, key=lambda kv: kv[1]["cost_to_payers"])[0]
    return out


# ---- services the group can keep -------------------------------------------------------------

SERVICE_VERDICTS = {"drop": N_("would have to drop it"),
                    "take over at full cost": N_("can take it over at full cost")}
"""`services_at_exit`'s verdicts in words (translated where shown)."""
AFTER_EXIT = {"continue": N_("continues"), "stop": N_("stops")}
"""What a service's plan says happens to it after the exit, in words."""
SERVICE_COLUMNS = (N_("Service"), N_("Full cost after then"), N_("The group"), N_("Planned"))
"""The headers of the services table as the report and the Facilitator page show it."""


def services_at_exit(p: Projection, exit_month: int = 0) -> pd.DataFrame:
    """If every subsidy ends at `exit_month`, which of the group's subsidised services it can
    take over at full cost and which it would have to drop.

    Judged, like the taper, from the month the group is on its feet (or `exit_month`, if later).
    Greedy, one batch per step: the current set and, for each kept service, the same set
    without it; while the current set is not safe, drop the service whose dropping raises the
    lowest cash the most. Rows: dropped services in the order they are dropped, then the kept
    ones by their full cost after exit.
    """
    scenario = p.scenario
    feet = on_its_feet(p)
    inputs = replace(compile_rows([scenario]), exit_month=np.array([exit_month]))
    T = inputs.months
    judged = exit_month if feet is None else max(exit_month, feet)
    names = [s.name for s in scenario.services]
    subsidised = [int(i) for i in np.flatnonzero(inputs.service_to_group
                                                 & ~inputs.service_embedded)]
    inputs = replace(inputs, service_continues=np.ones_like(inputs.service_continues))
    H = scenario.horizon_months
    cost_after = {i: float(inputs.service_cost[0, i, exit_month:H].sum()) for i in subsidised}
    window = np.arange(T) >= judged
    reserve = scenario.group.cash_reserve

    def lowest(dropped_sets: list[list[int]]) -> np.ndarray:
        batch = inputs.take(np.zeros(len(dropped_sets), dtype=int))
        cost = batch.full("service_cost")
        for r, dropped in enumerate(dropped_sets):
            cost[r, dropped, exit_month:] = 0.0
        cash = simulated(replace(batch, service_cost=cost), scenario.horizon_months)[
            "cash_balance"]
        return np.where(window, cash, np.inf).min(axis=-1)

    dropped: list[int] = []
    kept = list(subsidised)
    safe = False
    while True:
        candidates = [dropped] + [dropped + [i] for i in kept]
        low = lowest(candidates)
        if low[0] >= reserve - 1e-9:
            safe = True
            break
        if not kept:
            break
        best = int(np.argmax(low[1:]))
        dropped.append(kept.pop(best))
    rows = [{"service": names[i], "full_cost_after_exit": cost_after[i], "verdict": "drop",
             "planned": scenario.services[i].after_exit} for i in dropped]
    rows += [{"service": names[i], "full_cost_after_exit": cost_after[i],
              "verdict": "take over at full cost", "planned": scenario.services[i].after_exit}
             for i in sorted(kept, key=lambda i: -cost_after[i])]
    table = pd.DataFrame(rows, columns=["service", "full_cost_after_exit", "verdict", "planned"]
                         ).set_index("service")
    table.attrs.update({"exit_month": exit_month, "judged_from_month": judged,
                        "safe": safe})
    return table
