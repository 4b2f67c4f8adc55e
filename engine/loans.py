"""Loans: terms, repayment schedules and the true cost of credit.

Conventions, said once and followed everywhere (docs/methodology.md, "Loan schedules"):

- The periodic rate is ``annual_rate x repayment_every / 12`` for monthly periods,
  ``annual_rate x repayment_every`` for yearly ones, and ``annual_rate x days / days_in_year``
  for day- and week-based periods (Fineract's convention).
- Installment k (1-based) falls due k periods after disbursement.
- Every amount is rounded per installment to ``currency_digits`` in the loan's rounding mode
  (``half_even`` by default, Fineract's default); a level installment is further rounded to the
  nearest ``installment_multiple_of``. The last installment absorbs every residue, so principal
  repaid equals principal lent exactly.
- Upfront fees are paid at disbursement (netted from it or paid in cash: the same cash in that
  month); installment fees with each installment.
- Signs: amounts in schedules are positive; in cash-flow vectors for APR the borrower receives
  (+) at period 0 and pays (-) afterwards.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Literal

import numpy as np
import numpy_financial as npf
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.optimize import brentq

from engine.errors import fail

OECD_DISCOUNT_RATE = 0.10
"""Annual discount rate of the OECD DAC grant-element convention."""

NOMINAL_ANCHOR = date(2001, 1, 1)
"""Disbursement date assumed when a loan has none (only month offsets are used then)."""


class Loan(BaseModel):
    """One loan, with the terms its lender's loan system would hold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="Short identifier, used in override paths (loans.NAME.field).")
    lender: str = Field("", description="Who lends (e.g. SIBL via Sonali Bank, TMSS).")
    principal: float = Field(gt=0, description="Amount lent, taka.")
    annual_rate: float = Field(ge=0, le=2, description="Nominal annual interest rate, decimal.")
    installments: int = Field(ge=1, le=1000, description="Number of installments.")
    repayment_every: int = Field(1, ge=1, le=52, description="Periods between installments.")
    repayment_unit: Literal["days", "weeks", "months", "years"] = Field(
        "months", description="Unit of repayment_every.")
    interest_method: Literal["declining_balance", "flat"] = Field(
        "declining_balance",
        description="declining_balance: interest on the outstanding balance; "
        "flat: interest on the original principal every period.")
    amortization: Literal["equal_installments", "equal_principal", "bullet", "balloon",
                          "seasonal"] = Field(
        "equal_installments",
        description="equal_installments: level payment (PMT); equal_principal: level principal; "
        "bullet: all principal at the end; balloon: level payments and balloon_amount at the "
        "end; seasonal: principal only in principal_months, interest every period.")
    balloon_amount: float = Field(0.0, ge=0, description="balloon: principal left for the end.")
    principal_months: list[int] = Field(
        default_factory=list, description="seasonal: calendar months (1-12) in which "
        "principal falls due, e.g. [7, 8, 9] for the pineapple harvest.")
    grace_on_principal_periods: int = Field(
        0, ge=0, description="Interest-only periods at the start; the level installment is "
        "then computed over the remaining periods.")
    grace_on_interest_payment_periods: int = Field(
        0, ge=0, description="Periods in which interest accrues but is not paid; it is paid "
        "with the first installment after them.")
    interest_free_periods: int = Field(
        0, ge=0, description="Periods at the start in which no interest accrues.")
    disbursement_month: int = Field(0, ge=0, description="Month of disbursement (from the "
                                    "scenario's start).")
    disbursement_date: date | None = Field(
        None, description="Date of disbursement; gives due dates (and actual day counts).")
    upfront_fee_rate: float = Field(0.0, ge=0, le=1, description="Upfront fee, share of principal.")
    upfront_fee_fixed: float = Field(0.0, ge=0, description="Upfront fee, fixed taka.")
    upfront_fee_deducted: bool = Field(
        True, description="True: the upfront fee is netted from the disbursement; False: paid "
        "in cash at disbursement.")
    installment_fee: float = Field(0.0, ge=0, description="Fixed fee added to each installment.")
    currency_digits: int = Field(2, ge=0, le=6, description="Digits amounts are rounded to.")
    installment_multiple_of: float | None = Field(
        None, gt=0, description="Round the level installment to the nearest multiple (1, 100); "
        "None: no such rounding.")
    rounding: Literal["half_even", "half_up"] = Field("half_even", description="Rounding mode.")
    days_in_year: Literal[360, 364, 365, "actual"] = Field(
        365, description="Day count for day- and week-based periods (monthly periods use "
        "annual_rate / 12).")
    market_annual_rate: float | None = Field(
        None, ge=0, le=2, description="Rate the group would pay without the concessional "
        "lender; the interest it saves counts as subsidy. None: the loan is at market rate.")

    @model_validator(mode="after")
    def _check(self) -> Loan:
        problems = []
        n = self.installments
        for field in ("grace_on_principal_periods", "grace_on_interest_payment_periods",
                      "interest_free_periods"):
            if getattr(self, field) >= n:
                problems.append((field, f"must be < installments ({n}) "
                                 f"(got {getattr(self, field)})"))
        if self.amortization == "balloon" and self.balloon_amount >= self.principal:
            problems.append(("balloon_amount", f"must be < principal ({self.principal:g}) "
                             f"(got {self.balloon_amount:g})"))
        if self.amortization == "seasonal" and not self.principal_months:
            problems.append(("principal_months", "seasonal amortization needs at least one "
                             "month (1-12)"))
        bad = [m for m in self.principal_months if not 1 <= m <= 12]
        if bad:
            problems.append(("principal_months", f"months must be 1-12 (got {bad})"))
        fail(problems)
        return self

    @property
    def upfront_fee(self) -> float:
        return round_money(self.principal * self.upfront_fee_rate + self.upfront_fee_fixed,
                           self.currency_digits, self.rounding)

    @property
    def periods_per_year(self) -> float:
        """Installment periods in a year (12 / every for months; 365 / days for day counts)."""
        if self.repayment_unit == "months":
            return 12 / self.repayment_every
        if self.repayment_unit == "years":
            return 1 / self.repayment_every
        days = self.repayment_every * (7 if self.repayment_unit == "weeks" else 1)
        return (365 if self.days_in_year == "actual" else self.days_in_year) / days


def round_money(x: float, digits: int, mode: str = "half_even") -> float:
    """Round an amount as a loan system does, on its decimal text (so 2.675 -> 2.68 half-even).

    >>> round_money(2.675, 2), round_money(2.665, 2), round_money(2.665, 2, "half_up")
    (2.68, 2.66, 2.67)
    """
    quantum = Decimal(1).scaleb(-digits)
    how = ROUND_HALF_EVEN if mode == "half_even" else ROUND_HALF_UP
    return float(Decimal(repr(float(x))).quantize(quantum, rounding=how))


def round_to_multiple(x: float, multiple: float, mode: str = "half_even") -> float:
    """Nearest multiple, ties by `mode` (Fineract's Money.roundToMultiplesOf).

    >>> round_to_multiple(1037.03, 100), round_to_multiple(1050, 100), round_to_multiple(1150, 100)
    (1000.0, 1000.0, 1200.0)
    """
    how = ROUND_HALF_EVEN if mode == "half_even" else ROUND_HALF_UP
    m = Decimal(repr(float(multiple)))
    return float((Decimal(repr(float(x))) / m).quantize(Decimal(1), rounding=how) * m)


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def due_dates(loan: Loan, start: date) -> list[date]:
    """Due date of each installment for a loan disbursed on `start`."""
    k = np.arange(1, loan.installments + 1) * loan.repayment_every
    if loan.repayment_unit == "months":
        return [add_months(start, int(i)) for i in k]
    if loan.repayment_unit == "years":
        return [add_months(start, 12 * int(i)) for i in k]
    step = 7 if loan.repayment_unit == "weeks" else 1
    return [start + timedelta(days=int(i) * step) for i in k]


def period_rates(loan: Loan, annual_rate: float, dates: list[date], start: date) -> np.ndarray:
    """Interest rate of each period."""
    n = loan.installments
    if loan.repayment_unit == "months":
        return np.full(n, annual_rate * loan.repayment_every / 12)
    if loan.repayment_unit == "years":
        return np.full(n, annual_rate * loan.repayment_every)
    days = loan.repayment_every * (7 if loan.repayment_unit == "weeks" else 1)
    if loan.days_in_year != "actual":
        return np.full(n, annual_rate * days / loan.days_in_year)
    begins = [start, *dates[:-1]]
    return np.array([annual_rate * days / (366 if calendar.isleap(b.year) else 365)
                     for b in begins])


def schedule(loan: Loan) -> pd.DataFrame:
    """Repayment schedule of `loan`, one row per installment.

    Columns ``period, due_date`` (None without a disbursement date), ``month`` (scenario month
    the installment falls due in), ``principal, interest, fees, payment, balance`` and
    ``interest_subsidy`` (interest saved against ``market_annual_rate`` on the same balance;
    zero without one, never negative).

    Notes
    -----
    With r_k the period rate, n installments, g grace periods on principal:

    - declining balance: interest_k = round(B_{k-1} r_k); flat: interest_k = round(P r_k);
      no interest accrues in the interest-free periods; interest of the periods of grace on
      interest payment is paid with the first installment after them;
    - equal installments: after the grace, A = PMT(r, n - g, -P, fv=balloon) rounded (then to
      a multiple), principal_k = A - interest_k; under flat interest the level principal is
      round(P / (n - g));
    - equal principal: principal_k = round(P / (n - g)); bullet: all at the end; seasonal:
      round(P / m) in each of the m installments due in `principal_months`;
    - the last installment pays the whole remaining balance.

    Examples
    --------
    >>> s = schedule(Loan(name="x", principal=1200, annual_rate=0.12, installments=12))
    >>> float(s.payment.iloc[0]), float(s.principal.sum())
    (106.62, 1200.0)
    """
    n, g = loan.installments, loan.grace_on_principal_periods
    start = loan.disbursement_date or NOMINAL_ANCHOR
    dates = due_dates(loan, start)
    rates = period_rates(loan, loan.annual_rate, dates, start)
    market = (period_rates(loan, loan.market_annual_rate, dates, start)
              if loan.market_annual_rate is not None else None)
    digits, mode = loan.currency_digits, loan.rounding

    def rnd(x: float) -> float:
        return round_money(x, digits, mode)

    level_payment = None
    if loan.amortization in ("equal_installments", "balloon") and \
            loan.interest_method == "declining_balance":
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            pmt = float(npf.pmt(rates[g], n - g, -loan.principal, loan.balloon_amount))
        # a rate so small that (1 + r)^n == 1 in floating point: the zero-rate limit
        if not (rates[g] > 0 and np.isfinite(pmt)):
            pmt = (loan.principal - loan.balloon_amount) / (n - g)
        level_payment = rnd(pmt)
        if loan.installment_multiple_of:
            level_payment = round_to_multiple(level_payment, loan.installment_multiple_of, mode)
    amortized = loan.principal - (loan.balloon_amount if loan.amortization == "balloon" else 0)
    level_principal = rnd(amortized / (n - g))
    seasonal = [k for k in range(g + 1, n + 1) if dates[k - 1].month in loan.principal_months]
    seasonal_principal = rnd(loan.principal / len(seasonal)) if seasonal else 0.0

    rows = []
    balance, deferred = loan.principal, 0.0
    for k in range(1, n + 1):
        r = 0.0 if k <= loan.interest_free_periods else rates[k - 1]
        accrued = rnd((loan.principal if loan.interest_method == "flat" else balance) * r)
        if k <= loan.grace_on_interest_payment_periods:
            deferred, interest = deferred + accrued, 0.0
        else:
            interest, deferred = accrued + deferred, 0.0
        if k == n:
            principal = balance
        elif k <= g or loan.amortization == "bullet":
            principal = 0.0
        elif loan.amortization == "seasonal":
            principal = seasonal_principal if k in seasonal else 0.0
        elif level_payment is not None:
            principal = rnd(level_payment - accrued)
        else:
            principal = level_principal
        principal = max(0.0, min(principal, balance))
        saved = 0.0
        if market is not None:
            saved = max(0.0, balance * market[k - 1] - accrued)
        balance = balance - principal if k < n else 0.0
        fees = loan.installment_fee
        rows.append((k, dates[k - 1] if loan.disbursement_date else None,
                     loan.disbursement_month + months_between(start, dates[k - 1]),
                     principal, interest, fees, rnd(principal + interest + fees),
                     rnd(balance), saved))
    return pd.DataFrame(rows, columns=["period", "due_date", "month", "principal", "interest",
                                       "fees", "payment", "balance", "interest_subsidy"])


def months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


def cash_flows(loan: Loan) -> np.ndarray:
    """The borrower's cash by period: + what it receives at disbursement (net of upfront fees,
    deducted or paid in cash), - every installment (principal, interest and fees)."""
    s = schedule(loan)
    return np.concatenate([[loan.principal - loan.upfront_fee], -s.payment.to_numpy()])


def periodic_irr(flows: np.ndarray) -> float:
    """The rate r with sum(flows_k / (1 + r)^k) = 0, for a loan's flows (one sign change).

    Solved with a bracketed root finder (scipy's brentq) on (-0.99, hi); the present value is
    increasing in r for such flows, so the root is unique.
    """
    k = np.arange(len(flows))

    def npv(r: float) -> float:
        return float(np.sum(flows / (1.0 + r) ** k))

    if abs(npv(0.0)) < 1e-9 * max(1.0, abs(flows[0])):
        return 0.0
    hi = 1.0
    while npv(hi) < 0:
        hi *= 4
    return brentq(npv, -0.99, hi, xtol=1e-14, rtol=1e-14, maxiter=500)


def apr(loan: Loan) -> float:
    """Annual percentage rate (MicroFinance Transparency): periodic IRR of the borrower's cash
    flows times periods per year.

    >>> round(apr(Loan(name="x", principal=1200, annual_rate=0.12, installments=12,
    ...                currency_digits=6)), 6)
    0.12
    """
    return periodic_irr(cash_flows(loan)) * loan.periods_per_year


def eir(loan: Loan) -> float:
    """Effective interest rate: (1 + periodic IRR)^(periods per year) - 1."""
    return (1 + periodic_irr(cash_flows(loan))) ** loan.periods_per_year - 1


def grant_element(loan: Loan, discount_rate: float = OECD_DISCOUNT_RATE) -> float:
    """Grant element (OECD DAC): (face value - present value of all payments) / face value,
    discounting at `discount_rate` a year (10% by convention), per period
    (1 + rate)^(1 / periods per year) - 1."""
    d = (1 + discount_rate) ** (1 / loan.periods_per_year) - 1
    payments = -cash_flows(loan)[1:]
    k = np.arange(1, len(payments) + 1)
    return float((loan.principal - np.sum(payments / (1 + d) ** k)) / loan.principal)


def monthly_flows(loans: list[Loan], months: int) -> dict[str, np.ndarray]:
    """Loan flows by scenario month, shape (months,): what the cash-flow engine consumes."""
    out = {k: np.zeros(months) for k in ("loan_disbursements", "interest", "principal",
                                        "loan_fees", "interest_subsidy")}
    for loan in loans:
        add_loan(out, loan, months)
    return out


def add_loan(out: dict[str, np.ndarray], loan: Loan, months: int) -> None:
    if loan.disbursement_month < months:
        out["loan_disbursements"][loan.disbursement_month] += loan.principal
        out["loan_fees"][loan.disbursement_month] += loan.upfront_fee
    s = schedule(loan)
    s = s[s.month < months]
    m = s.month.to_numpy()
    for column, key in (("interest", "interest"), ("principal", "principal"),
                        ("fees", "loan_fees"), ("interest_subsidy", "interest_subsidy")):
        np.add.at(out[key], m, s[column].to_numpy())
