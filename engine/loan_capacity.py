"""Can this group carry this loan? The largest principal it can carry on given terms, judged on
every installment, and the verdict on the scenario's own loans.

Definitions and sources: docs/methodology.md ("Debt service coverage", "Max affordable loan").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from engine import fmt, metrics
from engine.cashflow import Inputs, loan_last_month, simulate, start_date
from engine.i18n import t
from engine.loans import Loan, add_loan, add_months, apr, eir, grant_element
from engine.pipeline import MAX_ROWS, compile_rows
from engine.projection import Projection
from engine.scenario import Scenario

DSCR_TARGET = 1.25
"""A common bank covenant: cash available for debt service at least 1.25 times debt service."""


def dated(scenario: Scenario, terms: Loan) -> Loan:
    """`terms` with a disbursement date (the 1st of its disbursement month) if it has none."""
    if terms.disbursement_date is not None:
        return terms
    return terms.model_copy(update={"disbursement_date": add_months(
        start_date(scenario), terms.disbursement_month)})


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


def loan_feasible(m: metrics.Monthly, from_month: int, reserve: float | np.ndarray,
                  dscr_target: float) -> np.ndarray:
    """Rows where, from `from_month` to the last simulated month, the trailing-12-month DSCR
    (full windows with debt service) is >= target and cash >= reserve."""
    low_dscr = metrics.min_dscr(metrics.dscr_12m(m), from_month)
    dscr_ok = np.isnan(low_dscr) | (low_dscr >= dscr_target - 1e-12)
    window = np.arange(m["cash_balance"].shape[-1]) >= from_month
    reserve = np.asarray(reserve, dtype=float).reshape(-1, 1)
    cash_ok = np.where(window, m["cash_balance"] >= reserve - metrics.TOLERANCE,
                       True).all(axis=-1)
    return np.asarray(dscr_ok & cash_ok)


def months_to_repay(scenario: Scenario, terms: Loan) -> int:
    """Months to simulate so that the scenario's loans and a loan on `terms` are all repaid."""
    return loan_last_month(terms.model_copy(update={"principal": 1_000_000.0})) + 1


def max_affordable_loan(scenario: Scenario, terms: Loan, dscr_target: float = DSCR_TARGET,
                        grid: int = 33, rounds: int = 6) -> float:
    """The largest principal on `terms` (its principal is ignored) that keeps the trailing-12m
    DSCR >= `dscr_target` and cash >= the reserve from the disbursement month to the last
    installment of every loan, this one included (the simulation runs that far).

    A larger principal only raises debt service, so feasibility is monotone in it; the search
    evaluates `grid` principals per round as rows of one batch and narrows the bracket by a
    factor of grid - 1 each round. Returns 0.0 when even a tiny loan fails.
    """
    terms = dated(scenario, terms)
    inputs = compile_rows([scenario], months_to_repay(scenario, terms))
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


def scalable_flows(terms: Loan, months: int) -> tuple[dict, dict]:
    """Monthly flows of `terms` per taka of principal (interest, principal, the upfront fee's
    rate part, interest saved) and its fixed fees, for searching principals on the batch axis
    (exact up to installment rounding)."""
    unit = terms.model_copy(update={"principal": 1_000_000.0, "upfront_fee_fixed": 0.0,
                                    "installment_fee": 0.0, "currency_digits": 6,
                                    "installment_multiple_of": None})
    keys = ("loan_disbursements", "interest", "principal", "loan_fees", "interest_subsidy")
    per, fixed = {k: np.zeros(months) for k in keys}, {k: np.zeros(months) for k in keys}
    add_loan(per, unit, months)
    per = {k: v / 1_000_000.0 for k, v in per.items()}
    only_fees = terms.model_copy(update={"principal": 1e-9, "upfront_fee_rate": 0.0,
                                         "annual_rate": 0.0, "market_annual_rate": None})
    add_loan(fixed, only_fees, months)
    fixed["loan_disbursements"][:] = 0.0
    fixed["principal"][:] = 0.0
    return per, fixed


def _upper_bounds(slope: np.ndarray, room: np.ndarray, where: np.ndarray) -> np.ndarray:
    """(n,) the largest P with slope x P <= room in every month where `where` holds (slope >= 0;
    where slope is 0 the month allows every P if room >= 0 and none otherwise)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.where(slope > 0, room / np.where(slope > 0, slope, 1.0),
                         np.where(room >= 0, np.inf, -np.inf))
    return np.where(where, bound, np.inf).min(axis=-1)


def largest_principals(inputs: Inputs, terms: Loan, target: float = DSCR_TARGET
                       ) -> np.ndarray:
    """(n,) the largest principal on `terms` each row can carry: trailing-12-month DSCR >=
    target and cash >= reserve from the disbursement month on, the principal being spent on
    an investment in that month (as `max_affordable_loan` judges it, with the loan's flows
    scaled from one schedule: exact up to installment rounding).

    One simulation of the rows answers it. A principal P adds P x the loan's flows per taka
    plus its fixed fees to debt service and takes them from cash; the cash available for debt
    service does not move. So the DSCR test in each full window is W_cads >= target x (A + P B)
    (A: the window's debt service without the loan plus the fixed fees, B: per taka) and the
    cash test in each month is c0 + F - P D >= reserve (D: the loan's cumulative cash per
    taka, F: the fixed fees'), each an upper bound on P. Payouts do not change the answer:
    they are paid only while the plan's cash before payouts stays at or above the reserve in
    that month and every later one, so cash meets the reserve exactly where the flows before
    payouts do (methodology.md, "Payouts and the exit month"). Rows with a credit line or
    arrears (whose flows follow the cash balance) are searched by bisection on the batch
    axis (`grid_principals`). The answer is capped at 10 x the row's sales revenue, as the
    search brackets it, and rounded down to the currency unit; 0.0 where even the smallest
    loan fails.
    """
    T = inputs.months
    month = terms.disbursement_month
    unit = 10.0 ** -terms.currency_digits
    m = simulate(inputs)
    cap = 10.0 * np.maximum(1.0, m["sales_revenue"].sum(axis=-1))
    nonlinear = np.asarray((inputs.credit_limit > 0) | inputs.arrears_enabled)
    per, fixed = scalable_flows(terms, T)
    debt_per = per["interest"] + per["principal"] + per["loan_fees"]
    debt_fixed = fixed["interest"] + fixed["principal"] + fixed["loan_fees"]
    invest = np.zeros(T)
    if month < T:
        invest[month] = 1.0
    cash_per = np.cumsum(per["loan_disbursements"] - debt_per - invest)        # <= 0
    cash_fixed = np.cumsum(fixed["loan_disbursements"] - debt_fixed)
    after = np.arange(T) >= month
    # DSCR: full windows from the disbursement month on where debt service is not zero
    cads = metrics.window_sum(metrics.cash_available_for_debt_service(m))
    a = metrics.window_sum(m["debt_service"] + debt_fixed[None, :])
    b = metrics.window_sum(debt_per)[None, :]
    threshold = target - 1e-12
    counted = after[None, :] & ~np.isnan(cads) & ((a != 0) | (b != 0))
    dscr_cap = _upper_bounds(np.broadcast_to(b, a.shape), cads / threshold - a, counted)
    # cash before payouts (payouts then keep it at or above the reserve where it is)
    cash_before_payouts = m["cash_balance"] + np.cumsum(m["distributions"], axis=-1)
    room = (cash_before_payouts + cash_fixed[None, :] - inputs.cash_reserve[:, None]
            + metrics.TOLERANCE)
    cash_cap = _upper_bounds(np.broadcast_to(-cash_per[None, :], room.shape), room,
                             np.broadcast_to(after[None, :], room.shape))
    best = np.minimum(np.minimum(dscr_cap, cash_cap), cap)
    best = np.where(best >= unit, best, 0.0)
    if nonlinear.any():
        rows = np.flatnonzero(nonlinear)
        best[rows] = grid_principals(inputs.take(rows), terms, target)
    return np.floor(best / unit) * unit


def grid_principals(inputs: Inputs, terms: Loan, target: float = DSCR_TARGET, grid: int = 9,
                    rounds: int = 9, chunk_rows: int = MAX_ROWS) -> np.ndarray:
    """`largest_principals` by bisection on the batch axis: `rounds` rounds of `grid`
    principals per row, each simulated (for rows whose flows follow the cash balance)."""
    T, n = inputs.months, inputs.n
    per, fixed = scalable_flows(terms, T)
    month = terms.disbursement_month
    revenue = simulate(inputs)["sales_revenue"].sum(axis=-1)
    lo, hi = np.zeros(n), 10.0 * np.maximum(1.0, revenue)
    done = np.zeros(n, dtype=bool)
    per_chunk = max(1, chunk_rows // grid)
    for _ in range(rounds):
        frac = np.linspace(0.0, 1.0, grid)
        for s in range(0, n, per_chunk):
            idx = np.arange(s, min(n, s + per_chunk))
            p = lo[idx, None] + (hi - lo)[idx, None] * frac[None, :]
            p[:, 0] = np.maximum(p[:, 0], 10.0 ** -terms.currency_digits)
            rows = inputs.take(np.repeat(idx, grid))
            flat = p.reshape(-1)
            add = {k: flat[:, None] * per[k][None, :] + fixed[k][None, :] for k in per}
            invest = rows.full("investments")
            if month < T:
                invest[:, month] += flat
            rows = replace(rows, investments=invest,
                           **{k: getattr(rows, k) + add[k] for k in add})
            ok = loan_feasible(simulate(rows), month, rows.cash_reserve[:, None],
                               target).reshape(len(idx), grid)
            for j, g in enumerate(idx):
                if done[g]:
                    continue
                good = np.flatnonzero(ok[j])
                if not ok[j, 0]:
                    hi[g] = lo[g]
                    done[g] = True
                elif good.max() == grid - 1:
                    lo[g] = hi[g] = p[j, -1]
                    done[g] = True
                else:
                    last = int(good.max())
                    lo[g], hi[g] = p[j, last], p[j, last + 1]
    return lo


def loan_terms_table(scenario: Scenario) -> pd.DataFrame:
    """APR, EIR and grant element of each loan (MicroFinance Transparency, OECD)."""
    rows = [{"loan": loan.name, "lender": loan.lender, "principal": loan.principal,
             "annual_rate": loan.annual_rate, "interest_method": loan.interest_method,
             "apr": apr(loan), "eir": eir(loan), "grant_element": grant_element(loan)}
            for loan in scenario.loans]
    return pd.DataFrame(rows).set_index("loan") if rows else pd.DataFrame()


def loan_verdict(p: Projection, dscr_target: float = DSCR_TARGET,
                 style: fmt.Style | None = None) -> dict[str, Any] | None:
    """Does the group carry its loans as a lender judges them? From the first disbursement to
    the last installment: the trailing-12-month DSCR (full windows, after members' drawings)
    must stay >= `dscr_target` and cash >= the reserve, and (with arrears on) no installment
    may go more than 30 days past due (PAR30); a loan period with no full 12 months is judged
    on its DSCR over the whole period (`dscr_loan_period`). Also gives the lowest seasonal
    (quarterly) DSCR, which the verdict reports but does not judge. None without loans. The
    sentences write numbers and months in `style` (default: the language in force's)."""
    if not p.scenario.loans:
        return None
    sim = p.simulated
    s = p.scenario
    st = style or fmt.style_for()

    def when(month: int | None) -> str | None:
        """A month in a sentence as every page dates it: 'May 2003', 'মে ২০০৩'."""
        return None if month is None else fmt.month(s.start, month, st)

    def label(month: int | None) -> str | None:
        """A month in the data fields (JSON, exports): '2003-05'."""
        return None if month is None else s.month_label(month)

    # from the first disbursement to the last installment: the DSCR windows ending in it are
    # the summary's (metrics.loan_period ends there too)
    lent = (sim["loan_disbursements"].to_numpy() > 0) | (sim["debt_service"].to_numpy() > 0)
    due = np.flatnonzero(sim["debt_service"].to_numpy() > 0)
    first = int(np.flatnonzero(lent).min()) if lent.any() else \
        int(min(loan.disbursement_month for loan in s.loans))
    last = int(due.max()) if due.size else first
    period = (sim.index >= first) & (sim.index <= last)
    reserve = s.group.cash_reserve

    def lowest_at(column: str, where: np.ndarray) -> tuple[float | None, int | None]:
        v = sim[column].where(where)
        if v.isna().all():
            return None, None
        month = int(v.idxmin())
        return float(v[month]), month

    dscr, dscr_month = lowest_at("dscr_12m", period)
    seasonal, seasonal_month = lowest_at("dscr_seasonal", period)
    cash, cash_month = lowest_at("cash_balance", period)
    reasons = []
    summary = p.summary
    money, ratio = (lambda x: fmt.money(x, st)), (lambda x: fmt.ratio(x, st))
    arrears_ok = not summary.get("par30_ever")
    if not arrears_ok:
        reasons.append(t("an installment goes {days} days past due (PAR30), {arrears} in "
                         "arrears at the end",
                         days=fmt.number(summary["worst_days_past_due"], st),
                         arrears=money(summary["arrears_at_end"])))
    # a loan with no full 12-month window in its period (repaid within the projection's first
    # 11 months) is judged on its DSCR over the whole loan period, not passed for want of one
    whole = None
    if dscr is None and due.size:
        served = float(sim["debt_service"][period].sum())
        whole = float(sim["cash_available_for_debt_service"][period].sum()) / served
    dscr_ok = (dscr is None or dscr >= dscr_target - 1e-12) and \
        (whole is None or whole >= dscr_target - 1e-12)
    if not dscr_ok and whole is not None:
        reasons.append(t("DSCR over the loan period is {dscr} (it has no full 12 months), below "
                         "the target of {target}", dscr=ratio(whole), target=ratio(dscr_target)))
    elif not dscr_ok:
        reasons.append(t("trailing-12-month DSCR falls to {dscr} in {month}, below the target "
                         "of {target}", dscr=ratio(dscr), month=when(dscr_month),
                         target=ratio(dscr_target)))
    cash_ok = cash is None or cash >= reserve - metrics.TOLERANCE
    if not cash_ok:
        reasons.append(t("cash falls to {cash} in {month}, below the reserve of {reserve}",
                         cash=money(cash), month=when(cash_month), reserve=money(reserve)))
    meets = arrears_ok and dscr_ok and cash_ok
    judged = t("from {first} to the last installment in {last}, after members' drawings of "
               "{drawings} a month each", first=when(first),
               last=when(last), drawings=money(s.group.drawings_per_member_month))
    if meets and whole is not None:
        sentence = t("Meets the lender's tests {judged}: DSCR over the loan period (it has no "
                     "full 12 months) {dscr}, at or above {target}, and cash at or above the "
                     "reserve of {reserve}.", judged=judged, dscr=ratio(whole),
                     target=ratio(dscr_target), reserve=money(reserve))
    elif meets:
        lowest = "" if dscr is None else t(" (lowest {dscr} in {month})", dscr=ratio(dscr),
                                            month=when(dscr_month))
        sentence = t("Meets the lender's tests {judged}: trailing-12-month DSCR stays at or "
                     "above {target}{lowest} and cash at or above the reserve of {reserve}.",
                     judged=judged, target=ratio(dscr_target), lowest=lowest,
                     reserve=money(reserve))
    else:
        sentence = t("Fails the lender's tests {judged}: {reasons}.", judged=judged,
                     reasons="; ".join(reasons))
    return {"meets": meets, "dscr_target": dscr_target, "dscr_ok": dscr_ok,
            "arrears_ok": arrears_ok,
            "reserve_ok": cash_ok, "min_dscr_12m": dscr, "min_dscr_12m_date": label(dscr_month),
            "dscr_loan_period": whole,
            "min_dscr_seasonal": seasonal, "min_dscr_seasonal_date": label(seasonal_month),
            "min_cash_in_loan_period": cash, "min_cash_date": label(cash_month),
            "cash_reserve": reserve, "first_month": first, "last_installment_month": last,
            "reasons": reasons, "sentence": sentence}
