"""Arrears as a lender's loan system records them, month by month, for a batch of rows.

When the group's cash cannot meet an installment, the unpaid part goes into arrears instead of
making cash negative (a credit line, if the group has one, is drawn first: arrears sit beside
it). Overdue amounts accrue penalty interest; later cash pays what is owed in the allocation
order (Fineract's default "penalties, fees, interest, principal"), overdue and current alike,
the oldest installment first. Each month gives the amount in arrears, the days past due of the
oldest unpaid installment and the portfolio-at-risk status (PAR30, PAR90).

Conventions (docs/methodology.md, "Arrears"):

- installments are taken as due on the 1st of their month (a scenario's loans are disbursed on
  the 1st); at the end of month t an amount due in month m and still unpaid is
  ``30 x (t - m) + 29`` days past due (30/360, as payment delays are counted);
- PAR30 / PAR90: days past due over 30 / over 90 (CGAP's portfolio-at-risk thresholds);
- penalty interest: ``penalty_annual_rate / 12`` a month on the overdue fees, interest and
  principal at the start of the month (not on penalties: no compounding);
- the month's distributions to members wait until arrears are cleared.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.errors import fail
from engine.i18n import N_
from engine.loans import Loan

Component = Literal["penalties", "fees", "interest", "principal"]

FINERACT_ORDER: tuple[Component, ...] = ("penalties", "fees", "interest", "principal")
"""Fineract's default allocation of a repayment (the "Mifos standard" strategy)."""

DAYS_PER_MONTH = 30
DUE_DAY = 1
"""Installments count as due on this day of their month."""


class ArrearsTerms(BaseModel):
    """What happens when the group cannot pay an installment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = Field(False, description=N_("True: unpaid installments go into arrears (beside "
                          "any credit line, drawn first); False: cash goes negative by them "
                          "(a cash shortfall)."))
    allocation: list[Component] = Field(
        default_factory=lambda: list(FINERACT_ORDER),
        description=N_("Order in which cash pays what is owed (Fineract's default: penalties, "
        "fees, interest, principal)."))

    @field_validator("allocation")
    @classmethod
    def _every_component_once(cls, v: list[Component]) -> list[Component]:
        if sorted(v) != sorted(FINERACT_ORDER):
            fail([("allocation", f"must name each of {', '.join(FINERACT_ORDER)} once "
                   f"(got {v})")])
        return v


ARREARS_COLUMNS = ("arrears", "arrears_principal", "penalty_interest", "penalties_paid",
                   "loan_payments", "days_past_due", "par30", "par90")


def days_past_due(unpaid: np.ndarray, t: int, tolerance: float = 0.005) -> np.ndarray:
    """(n,) days past due at the end of month t of the oldest amount still unpaid, from
    `unpaid` (n, T): what is still owed of each month's installments (0 when none)."""
    owed = unpaid[:, :t + 1] > tolerance
    oldest = np.argmax(owed, axis=1)
    dpd = DAYS_PER_MONTH * (t - oldest) + DAYS_PER_MONTH - DUE_DAY
    return np.where(owed.any(axis=1), dpd, 0)


def pay_oldest_first(unpaid: np.ndarray, paid: np.ndarray, t: int) -> None:
    """Take (n,) `paid` off the months 0..t of `unpaid` (n, T), oldest first, in place."""
    cum = np.cumsum(unpaid[:, :t + 1], axis=1)
    left = np.maximum(cum - paid[:, None], 0.0)
    unpaid[:, :t + 1] = np.diff(left, axis=1, prepend=0.0)


def cash_with_arrears(*, operating: np.ndarray, financing: np.ndarray, interest: np.ndarray,
                      principal: np.ndarray, fees: np.ndarray, opening_cash: np.ndarray,
                      payable: np.ndarray, cash_reserve: np.ndarray, credit_limit: np.ndarray,
                      credit_rate: np.ndarray, penalty_rate: np.ndarray, enabled: np.ndarray,
                      allocation: tuple[Component, ...] = FINERACT_ORDER,
                      ) -> dict[str, np.ndarray]:
    """Month by month, for all rows at once: pay what the loans ask from the cash there is.

    Parameters
    ----------
    operating, financing : (n, T) operating cash flow; disbursements + capital - investments.
    interest, principal, fees : (n, T) what the loans' schedules ask each month.
    payable : (n, T) the members' share of each month's surplus (cashflow.simulate).
    opening_cash, cash_reserve, credit_limit, credit_rate : (n,)
    penalty_rate : (n,) annual penalty interest on overdue amounts.
    enabled : (n,) bool; rows without arrears pay every installment in full (cash may go
        below zero by it: the cash shortfall).

    Returns
    -------
    (n, T) arrays: the credit line's ``credit_line_interest, credit_line_draw,
    credit_line_balance``, ``cash_shortfall, distributions, cash_balance``, and
    ``arrears`` (everything overdue at the month's end, penalties included),
    ``arrears_principal``, ``penalty_interest`` (accrued in the month), ``penalties_paid``,
    ``loan_payments`` (fees, interest, principal and penalties paid in the month),
    ``days_past_due``, ``par30`` and ``par90`` (1.0 when over 30 / 90 days past due).

    Notes
    -----
    With C the cash at the start of month t, L the line's balance and headroom H = limit - L:
    available = max(C + operating + financing - L x rate / 12, 0) + H; owed = arrears + this
    month's installment; paid = min(owed, available), allocated in `allocation` order; the rest
    stays in arrears. Then, as without arrears, the line covers any negative cash up to its
    limit and is repaid from positive cash.
    """
    n, T = operating.shape
    out = {k: np.zeros((n, T)) for k in (
        "credit_line_interest", "credit_line_draw", "credit_line_balance", "cash_shortfall",
        "distributions", "cash_balance", *ARREARS_COLUMNS)}
    # payouts as cashflow.cash_with_credit_line makes them (what the plan can spare, with every
    # installment paid as scheduled), and none while anything is overdue
    from engine.cashflow import future_low, payout_margin
    flows = np.broadcast_to(operating + financing - interest - principal - fees, (n, T))
    ahead = future_low(flows)
    floor = cash_reserve + payout_margin(opening_cash[:, None]
                                         + np.cumsum(flows, axis=-1))[:, 0]
    cash = opening_cash.astype(float).copy()
    balance = np.zeros(n)
    overdue = {c: np.zeros(n) for c in FINERACT_ORDER}
    unpaid = np.zeros((n, T))        # what is still owed of each month's installments
    due_now = {"fees": fees, "interest": interest, "principal": principal}
    for t in range(T):
        line_interest = balance * credit_rate / 12
        penalty = penalty_rate / 12 * (overdue["fees"] + overdue["interest"]
                                       + overdue["principal"])
        owed = {"penalties": overdue["penalties"] + penalty}
        owed |= {c: overdue[c] + due_now[c][:, t] for c in ("fees", "interest", "principal")}
        before = cash + operating[:, t] + financing[:, t] - line_interest
        headroom = np.maximum(credit_limit - balance, 0.0)
        available = np.where(enabled, np.maximum(before, 0.0) + headroom, np.inf)
        paid_total = np.zeros(n)
        for c in allocation:
            paid = np.minimum(owed[c], available)
            available = available - paid
            overdue[c] = owed[c] - paid
            paid_total += paid
            if c == "penalties":
                out["penalties_paid"][:, t] = paid
        unpaid[:, t] = due_now["fees"][:, t] + due_now["interest"][:, t] + \
            due_now["principal"][:, t]
        pay_oldest_first(unpaid, paid_total - out["penalties_paid"][:, t], t)
        in_arrears = sum(overdue.values(), np.zeros(n))
        spare = before - paid_total - balance + ahead[:, t] - flows[:, t]
        paid_out = np.where(in_arrears > 0.005, 0.0,
                            np.minimum(payable[:, t], np.maximum(spare - floor, 0.0)))
        c = before - paid_total - paid_out
        draw = np.clip(-c, 0.0, headroom)
        repay = np.where(c > 0, np.minimum(c, balance), 0.0)
        balance = balance + draw - repay
        cash = c + draw - repay
        dpd = days_past_due(unpaid, t)
        for key, value in (("credit_line_interest", line_interest),
                           ("credit_line_draw", draw - repay), ("credit_line_balance", balance),
                           ("cash_shortfall", np.maximum(-cash, 0.0)),
                           ("distributions", paid_out), ("cash_balance", cash),
                           ("arrears", in_arrears), ("arrears_principal", overdue["principal"]),
                           ("penalty_interest", penalty), ("loan_payments", paid_total),
                           ("days_past_due", dpd), ("par30", dpd > 30), ("par90", dpd > 90)):
            out[key][:, t] = value
    return out


def group_penalty_rate(loans: list[Loan]) -> float:
    """One penalty rate for the group's loans: each loan's ``penalty_annual_rate`` weighted by
    its principal (arrears are kept for the group's loans together)."""
    total = sum(loan.principal for loan in loans)
    if not total:
        return 0.0
    return sum(loan.principal * loan.penalty_annual_rate for loan in loans) / total


def arrears_figures(arrears: np.ndarray, days_past_due: np.ndarray) -> dict[str, np.ndarray]:
    """(n,) figures of (n, T) monthly arrears over the simulated months (to the later of the
    horizon and the last installment): ``worst_days_past_due``, ``arrears_at_end`` (after the
    last month), ``par30_ever`` and ``par90_ever`` (more than 30 / 90 days past due in some
    month) and ``months_in_par30``.

    >>> d = np.array([[0, 29, 59, 0]]); a = np.array([[0.0, 50.0, 151.0, 0.0]])
    >>> {k: v.tolist() for k, v in arrears_figures(a, d).items()}
    ... # doctest: +NORMALIZE_WHITESPACE
    {'worst_days_past_due': [59], 'arrears_at_end': [0.0], 'par30_ever': [True],
     'par90_ever': [False], 'months_in_par30': [1]}
    """
    return {"worst_days_past_due": days_past_due.max(axis=-1, initial=0),
            "arrears_at_end": arrears[..., -1],
            "par30_ever": (days_past_due > 30).any(axis=-1),
            "par90_ever": (days_past_due > 90).any(axis=-1),
            "months_in_par30": (days_past_due > 30).sum(axis=-1)}
