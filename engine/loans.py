"""Loans: terms, repayment schedules and the cost of credit.

Conventions, said once and followed everywhere:

- Periods are months; the periodic rate is ``annual_rate / 12`` (nominal annual rate, as
  Fineract and Excel's PMT use for monthly loans).
- Installment ``k`` (1-based) falls due ``k`` months after the disbursement month.
- Every amount is rounded per installment to ``currency_digits`` in the loan's rounding mode
  (``half_even`` by default, as banks' systems do). The last installment absorbs every residue
  so that principal repaid equals principal lent exactly.
- Upfront fees are charged in the disbursement month; installment fees with each installment.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Literal

import numpy as np
import numpy_financial as npf
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.errors import fail


class Loan(BaseModel):
    """One loan to the group, with the terms its lender's loan system would hold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="Short identifier, used in override paths (loans.NAME.field).")
    lender: str = Field("", description="Who lends (e.g. SIBL via Sonali Bank, TMSS).")
    principal: float = Field(gt=0, description="Amount lent, taka.")
    annual_rate: float = Field(ge=0, le=2, description="Nominal annual interest rate, decimal.")
    installments: int = Field(ge=1, le=600, description="Number of monthly installments.")
    interest_method: Literal["declining_balance", "flat"] = Field(
        "declining_balance",
        description="declining_balance: interest on the outstanding balance; "
        "flat: interest on the original principal every period.",
    )
    amortization: Literal["equal_installments", "equal_principal"] = Field(
        "equal_installments",
        description="equal_installments: level payment (PMT); equal_principal: level principal.",
    )
    grace_on_principal_periods: int = Field(
        0, ge=0, description="Interest-only periods at the start; principal is then spread "
        "over the remaining installments.",
    )
    disbursement_month: int = Field(0, ge=0, description="Month of disbursement (from start).")
    upfront_fee_rate: float = Field(0.0, ge=0, le=1, description="Upfront fee, share of principal.")
    upfront_fee_fixed: float = Field(0.0, ge=0, description="Upfront fee, fixed taka.")
    installment_fee: float = Field(0.0, ge=0, description="Fixed fee added to each installment.")
    currency_digits: int = Field(2, ge=0, le=6, description="Digits amounts are rounded to.")
    rounding: Literal["half_even", "half_up"] = Field("half_even", description="Rounding mode.")
    market_annual_rate: float | None = Field(
        None, ge=0, le=2, description="Rate the group would pay without the concessional "
        "lender; the interest it saves counts as subsidy. None: the loan is at market rate.",
    )

    @model_validator(mode="after")
    def _check(self) -> Loan:
        if self.grace_on_principal_periods >= self.installments:
            fail([("grace_on_principal_periods",
                   f"must be < installments ({self.installments}) "
                   f"(got {self.grace_on_principal_periods})")])
        return self

    @property
    def upfront_fee(self) -> float:
        return round_money(self.principal * self.upfront_fee_rate + self.upfront_fee_fixed,
                           self.currency_digits, self.rounding)


def round_money(x: float, digits: int, mode: str = "half_even") -> float:
    """Round an amount as a loan system does, on its decimal text (so 2.675 -> 2.68 half-even).

    >>> round_money(2.675, 2), round_money(2.665, 2), round_money(2.665, 2, "half_up")
    (2.68, 2.66, 2.67)
    """
    quantum = Decimal(1).scaleb(-digits)
    how = ROUND_HALF_EVEN if mode == "half_even" else ROUND_HALF_UP
    return float(Decimal(repr(float(x))).quantize(quantum, rounding=how))


def schedule(loan: Loan) -> pd.DataFrame:
    """Repayment schedule of `loan`, one row per installment.

    Columns ``period, month, principal, interest, fees, payment, balance``; ``month`` is the
    scenario month the installment falls due in. ``interest_subsidy`` is the interest a
    concessional loan saves against ``market_annual_rate`` on the same outstanding balance
    (zero when no market rate is given, never negative).

    Notes
    -----
    With r = annual_rate / 12, n installments and g grace periods:

    - declining balance, equal installments: interest_k = round(B_{k-1} r); for k <= g the
      principal is 0; afterwards the level payment A = round(PMT(r, n - g, -P)) and
      principal_k = A - interest_k (numpy-financial's ``pmt``, Excel's PMT).
    - declining balance, equal principal: principal_k = round(P / (n - g)) after the grace.
    - flat: interest_k = round(P r) in every period; principal as equal principal.
    - the last installment pays the whole remaining balance.

    Examples
    --------
    >>> s = schedule(Loan(name="x", principal=1200, annual_rate=0.12, installments=12))
    >>> float(s.payment.iloc[0]), float(s.principal.sum())
    (106.62, 1200.0)
    """
    n, g = loan.installments, loan.grace_on_principal_periods
    r = loan.annual_rate / 12.0
    digits, mode = loan.currency_digits, loan.rounding
    rnd = lambda x: round_money(x, digits, mode)  # noqa: E731
    with np.errstate(divide="ignore", invalid="ignore"):
        pmt = float(npf.pmt(r, n - g, -loan.principal))
    # a rate so small that (1 + r)^n == 1 in floating point is the zero-rate limit P / n
    level_payment = rnd(pmt) if r > 0 and np.isfinite(pmt) else None
    level_principal = rnd(loan.principal / (n - g))
    flat_interest = rnd(loan.principal * r)
    market_r = (loan.market_annual_rate or 0.0) / 12.0

    rows = []
    balance = loan.principal
    for k in range(1, n + 1):
        if loan.interest_method == "flat":
            interest = flat_interest
        else:
            interest = rnd(balance * r)
        if k <= g:
            principal = 0.0
        elif k == n:
            principal = balance
        elif loan.interest_method == "declining_balance" and loan.amortization == (
            "equal_installments"
        ):
            principal = (rnd(level_payment - interest) if level_payment is not None
                         else level_principal)
        else:
            principal = level_principal
        principal = min(principal, balance)
        saved = max(0.0, balance * market_r - interest) if loan.market_annual_rate else 0.0
        balance = balance - principal if k < n else 0.0
        fees = loan.installment_fee
        rows.append((k, loan.disbursement_month + k, principal, interest, fees,
                     rnd(principal + interest + fees), balance, saved))
    return pd.DataFrame(rows, columns=["period", "month", "principal", "interest", "fees",
                                       "payment", "balance", "interest_subsidy"])


def monthly_flows(loans: list[Loan], months: int) -> dict[str, np.ndarray]:
    """Loan flows by scenario month, shape (months,): what the cash-flow engine consumes."""
    out = {k: np.zeros(months) for k in ("loan_disbursements", "interest", "principal",
                                        "loan_fees", "interest_subsidy")}
    for loan in loans:
        if loan.disbursement_month < months:
            out["loan_disbursements"][loan.disbursement_month] += loan.principal
            out["loan_fees"][loan.disbursement_month] += loan.upfront_fee
        s = schedule(loan)
        s = s[s.month < months]
        m = s.month.to_numpy()
        np.add.at(out["interest"], m, s.interest.to_numpy())
        np.add.at(out["principal"], m, s.principal.to_numpy())
        np.add.at(out["loan_fees"], m, s.fees.to_numpy())
        np.add.at(out["interest_subsidy"], m, s.interest_subsidy.to_numpy())
    return out
