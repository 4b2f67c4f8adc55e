"""Questions asked of a projection, answered on the batch axis: the largest loan a group can
carry, and stress tests.

Every function here builds one batch of variant rows from a compiled scenario and runs
`simulate` once (or a few times, for a search), never a Python loop of projections.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from engine import metrics, quantities
from engine.batch import summarize_any
from engine.cashflow import Inputs, compile_scenario, simulate, start_date
from engine.loans import Loan, add_loan, add_months
from engine.scenario import Scenario

DSCR_TARGET = 1.25
STRESSES: dict[str, dict[str, float]] = {
    "base": {},
    "price -10%": {"price": -0.10},
    "price -20%": {"price": -0.20},
    "payment delay +14 days": {"delay_days": 14},
    "payment delay +30 days": {"delay_days": 30},
    "volume -20%": {"volume": -0.20},
}
"""The loan officer's standard stress cases (DESIGN.md)."""


def with_extra_loans(inputs: Inputs, loans: Sequence[Loan | None]) -> Inputs:
    """One row per loan: the inputs' single row plus that loan, whose principal is spent on an
    investment in the month it is disbursed (the loan is used for its purpose, so it adds no
    spare cash). None adds nothing."""
    T = inputs.months
    batch = inputs.take(np.zeros(len(loans), dtype=int))
    extra = {k: np.zeros((len(loans), T)) for k in ("loan_disbursements", "interest", "principal",
                                                    "loan_fees", "interest_subsidy")}
    invest = np.zeros((len(loans), T))
    for i, loan in enumerate(loans):
        if loan is None:
            continue
        row = {k: v[i] for k, v in extra.items()}
        add_loan(row, loan, T)
        if loan.disbursement_month < T:
            invest[i, loan.disbursement_month] = loan.principal
    return replace(batch, **{k: getattr(batch, k) + v for k, v in extra.items()},
                   investments=batch.investments + invest)


def loan_feasible(m: dict[str, np.ndarray], from_month: int, reserve: float | np.ndarray,
                  dscr_target: float) -> np.ndarray:
    """Rows where, from `from_month` on, trailing-12m DSCR >= target wherever there is debt
    service in the window, and cash >= reserve."""
    _, dscr_12m = metrics.dscr(m)
    has_debt = metrics.trailing_sum(m["debt_service"]) > 0
    window = np.arange(m["cash_balance"].shape[-1]) >= from_month
    dscr_ok = np.where(has_debt & window, dscr_12m >= dscr_target - 1e-12, True).all(axis=-1)
    cash_ok = np.where(window, m["cash_balance"] >= reserve - 1e-9, True).all(axis=-1)
    return np.asarray(dscr_ok & cash_ok)


def max_affordable_loan(scenario: Scenario, terms: Loan, dscr_target: float = DSCR_TARGET,
                        grid: int = 33, rounds: int = 6) -> float:
    """The largest principal on `terms` (its principal is ignored) that keeps the trailing-12m
    DSCR >= `dscr_target` and cash >= the reserve from the disbursement month on.

    A larger principal only raises debt service, so feasibility is monotone in it; the search
    evaluates `grid` principals per round as rows of one batch and narrows the bracket by a
    factor of grid - 1 each round. Returns 0.0 when even a tiny loan fails.
    """
    inputs = compile_scenario(scenario)
    if terms.disbursement_date is None:
        terms = terms.model_copy(update={"disbursement_date": add_months(
            start_date(scenario), terms.disbursement_month)})
    reserve = scenario.group.cash_reserve

    def feasible(principals: np.ndarray) -> np.ndarray:
        loans = [terms.model_copy(update={"principal": float(p)}) for p in principals]
        m = simulate(with_extra_loans(inputs, loans))
        return loan_feasible(m, terms.disbursement_month, reserve, dscr_target)

    hi = 10.0 * max(1.0, float(simulate(inputs)["sales_revenue"].sum()))
    lo = 0.0
    for _ in range(rounds):
        points = np.linspace(lo, hi, grid)
        points[0] = max(points[0], 10.0 ** -terms.currency_digits)
        ok = feasible(points)
        if not ok[0]:
            return lo
        last = int(np.flatnonzero(ok).max())
        if last == grid - 1:
            return float(points[-1])
        lo, hi = float(points[last]), float(points[last + 1])
    unit = 10.0 ** -terms.currency_digits
    return math.floor(lo / unit) * unit   # rounding down keeps it feasible


def stressed(inputs: Inputs, price: float = 0.0, delay_days: float = 0.0,
             volume: float = 0.0) -> Inputs:
    """A row with prices and volumes scaled by (1 + x) and payment delays lengthened. A volume
    shock is a fall in what is sold (yield, demand); production costs already spent stay."""
    return replace(inputs, list_price=inputs.list_price * (1 + price),
                   delay_days=inputs.delay_days + delay_days,
                   delay_days_max=inputs.delay_days_max + delay_days,
                   produced=inputs.produced * (1 + volume))


def stress_table(scenario: Scenario, stresses: dict[str, dict[str, float]] | None = None
                 ) -> pd.DataFrame:
    """Min trailing-12m DSCR, min cash and exit month under each stress, from one batch
    (`batch.summarize_any`: two rows per stress, or one per exit month where flows depend on
    cash)."""
    stresses = stresses or STRESSES
    base = compile_scenario(scenario)
    figures = summarize_any(Inputs.concat([stressed(base, **shock)
                                           for shock in stresses.values()]))
    out: list[dict[str, Any]] = []
    for name, (_, row) in zip(stresses, figures.iterrows(), strict=True):
        exit_month = None if pd.isna(row.exit_month) else int(row.exit_month)
        out.append({"stress": name,
                    "min_dscr_12m": None if pd.isna(row.min_dscr_12m) else
                    float(row.min_dscr_12m),
                    "min_cash_balance": float(row.min_cash_balance),
                    "exit_month": exit_month,
                    "exit_date": None if exit_month is None else scenario.month_label(exit_month),
                    "member_income_per_member_month_avg":
                        float(row.member_income_per_member_month_avg),
                    "worst_days_past_due": int(row.worst_days_past_due),
                    "arrears_at_end": float(row.arrears_at_end)})
    return pd.DataFrame(out).set_index("stress")


def loan_terms_table(scenario: Scenario) -> pd.DataFrame:
    """APR, EIR and grant element of each loan (MicroFinance Transparency, OECD)."""
    from engine.loans import apr, eir, grant_element
    rows = [{"loan": loan.name, "lender": loan.lender, "principal": loan.principal,
             "annual_rate": loan.annual_rate, "interest_method": loan.interest_method,
             "apr": apr(loan), "eir": eir(loan), "grant_element": grant_element(loan)}
            for loan in scenario.loans]
    return pd.DataFrame(rows).set_index("loan") if rows else pd.DataFrame()


COMPARE_COLUMNS = {key: quantities.label(key) for key in (
    "member_income_per_member_month_avg", "total_sales_revenue", "min_cash_balance",
    "peak_working_capital", "bridging_cost", "cash_shortfall_max", "exit_date", "sdi",
    "min_dscr_12m", "buyer_hhi", "top_buyer", "top_buyer_share")}
DOMINANT_BUYER_SHARE = 0.5
"""A buyer taking more than half of revenue dominates: the group's terms are its terms."""


def concentration_warning(summary: dict[str, Any]) -> str | None:
    share = summary.get("top_buyer_share")
    if share is None or share <= DOMINANT_BUYER_SHARE:
        return None
    return (f"one buyer dominates: {summary['top_buyer']} takes {share:.0%} of revenue "
            f"(HHI {summary['buyer_hhi']:.2f})")


def compare(projections: list) -> pd.DataFrame:
    """Side by side: one column per scenario, one row per measure (COMPARE_COLUMNS), and a
    'warning' row naming a dominant buyer."""
    table = {}
    for p in projections:
        col = {label: p.summary[key] for key, label in COMPARE_COLUMNS.items()}
        col["warning"] = concentration_warning(p.summary) or ""
        table[p.scenario.name] = col
    return pd.DataFrame(table)


SWITCHABLE = ("payment_delay_days", "discount", "acceptance_rate", "price")


def _set_channel_parameter(inputs: Inputs, c: int, parameter: str, values: np.ndarray) -> Inputs:
    """Rows of `inputs` (one per value) with channel c's parameter set to each value."""
    batch = inputs.take(np.zeros(len(values), dtype=int))
    if parameter == "payment_delay_days":
        width = batch.delay_days_max[:, c] - batch.delay_days[:, c]
        lo, hi = batch.delay_days.copy(), batch.delay_days_max.copy()
        lo[:, c], hi[:, c] = values, values + width
        return replace(batch, delay_days=lo, delay_days_max=hi)
    if parameter == "discount":
        d = batch.discount.copy()
        d[:, c] = values
        return replace(batch, discount=d)
    if parameter == "acceptance_rate":
        a = batch.acceptance.copy()
        a[:, c] = values
        return replace(batch, acceptance=a)
    p = batch.full("list_price")
    p[:, c, :] = values[:, None]
    return replace(batch, list_price=p)


def outcome_of(m: dict[str, np.ndarray], outcome: str) -> np.ndarray:
    if outcome == "member_income_per_member_month_avg":
        return m["member_income_per_member"].mean(axis=-1)
    if outcome == "min_cash_balance":
        return m["cash_balance"].min(axis=-1)
    raise ValueError(f"outcome must be member_income_per_member_month_avg or "
                     f"min_cash_balance (got {outcome!r})")


def all_to(scenario: Scenario, channel: str) -> Scenario:
    """The scenario with all of the channel's product offered to it (shares, no quotas)."""
    from engine.io import with_overrides
    ch = {c.name: c for c in scenario.channels}
    product = ch[channel].product
    overrides: dict[str, Any] = {f"products.{product}.allocation": "shares"}
    for c in scenario.channels:
        if c.product == product:
            overrides[f"channels.{c.name}.share"] = 1.0 if c.name == channel else 0.0
            overrides[f"channels.{c.name}.quota_units_per_month"] = None
    return with_overrides(scenario, overrides)


def switching_value(scenario: Scenario, channel: str, rival: str, parameter: str,
                    outcome: str = "member_income_per_member_month_avg",
                    bounds: tuple[float, float] | None = None, grid: int = 33,
                    rounds: int = 5) -> dict[str, Any]:
    """The value of `channel`'s `parameter` at which selling everything through it stops
    beating (or starts beating) selling everything through `rival`, on `outcome`.

    Each round evaluates `grid` values as rows of one batch and narrows to the bracket where
    the difference changes sign; the value is then interpolated linearly inside the last
    bracket. `value` is None when the sign never changes within `bounds`.
    """
    if parameter not in SWITCHABLE:
        raise ValueError(f"parameter must be one of {SWITCHABLE} (got {parameter!r})")
    names = [c.name for c in scenario.channels]
    c = names.index(channel)
    mine = compile_scenario(all_to(scenario, channel))
    theirs = float(outcome_of(simulate(compile_scenario(all_to(scenario, rival))), outcome)[0])
    lo, hi = bounds or {"payment_delay_days": (0.0, 365.0), "discount": (0.0, 1.0),
                        "acceptance_rate": (0.0, 1.0),
                        "price": (0.0, 10 * max(x.price for x in scenario.channels))}[parameter]

    def diff(values: np.ndarray) -> np.ndarray:
        return outcome_of(simulate(_set_channel_parameter(mine, c, parameter, values)),
                          outcome) - theirs

    value = None
    points = np.linspace(lo, hi, grid)
    d = diff(points)
    if np.all(np.abs(d) < 1e-6 * max(1.0, abs(theirs))):
        return {"channel": channel, "rival": rival, "parameter": parameter, "outcome": outcome,
                "value": None, "current_value": getattr(scenario.channels[c], parameter),
                "outcome_now": theirs, "rival_outcome": theirs, "channel_better_above": False,
                "sentence": f"{channel} and {rival} give the same outcome whatever the "
                f"{parameter}."}
    for _ in range(rounds):
        change = np.flatnonzero(np.sign(d[:-1]) != np.sign(d[1:]))
        if change.size == 0:
            break
        i = int(change[0])
        a, b, da, db = points[i], points[i + 1], d[i], d[i + 1]
        value = float(a if da == db else a + (b - a) * da / (da - db))
        points = np.linspace(a, b, grid)
        d = diff(points)
    current = getattr(scenario.channels[c], parameter)
    mine_now = float(diff(np.array([current]))[0]) + theirs
    rising = bool(d[-1] > d[0])
    return {"channel": channel, "rival": rival, "parameter": parameter, "outcome": outcome,
            "value": value, "current_value": current, "outcome_now": mine_now,
            "rival_outcome": theirs, "channel_better_above": rising,
            "sentence": switching_sentence(channel, rival, parameter, outcome, value, rising,
                                           (lo, hi), mine_now > theirs)}


def switching_sentence(channel: str, rival: str, parameter: str, outcome: str,
                       value: float | None, rising: bool, bounds: tuple[float, float],
                       better_now: bool) -> str:
    what = {"member_income_per_member_month_avg": "income per member",
            "min_cash_balance": "minimum cash"}[outcome]
    label = {"payment_delay_days": "pays within", "discount": "discounts less than",
             "acceptance_rate": "accepts at least", "price": "pays at least"}
    fmt = {"payment_delay_days": "{:.0f} days", "discount": "{:.1%}",
           "acceptance_rate": "{:.1%}", "price": "{:.2f} taka"}[parameter]
    if value is None:
        verdict = "always" if better_now else "never"
        return (f"{channel} {verdict} beats {rival} on {what} for {parameter} between "
                f"{fmt.format(bounds[0])} and {fmt.format(bounds[1])}.")
    if parameter in ("payment_delay_days", "discount"):
        return (f"{channel} beats {rival} on {what} only if it {label[parameter]} "
                f"{fmt.format(value)}." if not rising else
                f"{channel} beats {rival} on {what} only if its {parameter} is above "
                f"{fmt.format(value)}.")
    return (f"{channel} beats {rival} on {what} only if it {label[parameter]} "
            f"{fmt.format(value)}." if rising else
            f"{channel} beats {rival} on {what} only if its {parameter} is below "
            f"{fmt.format(value)}.")


def deltas(table: pd.DataFrame) -> pd.DataFrame:
    """Numeric rows of a `compare` table less its first column (None where not a number)."""
    first = table.columns[0]

    def minus(v: Any, ref: Any) -> float | None:
        ok = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (v, ref))
        return float(v) - float(ref) if ok else None

    return pd.DataFrame({c: [minus(table.loc[r, c], table.loc[r, first]) for r in table.index]
                         for c in table.columns[1:]}, index=table.index).dropna(how="all")
