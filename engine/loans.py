"""Loans: terms, repayment schedules and the true cost of credit.

Conventions, said once and followed everywhere (docs/methodology.md, "Loan schedules"):

- Declining balance: the periodic rate is ``annual_rate x repayment_every / 12`` for monthly
  periods, ``annual_rate x repayment_every`` for yearly ones, and ``annual_rate x days /
  days_in_year`` for day- and week-based periods (Fineract's convention).
- Flat: the total interest is fixed by the contract, ``principal x annual_rate x term``, the term
  in the lender's convention: ``flat_term_years`` as quoted ("15% flat for one year"), else the
  installments counted as days/365 (``days_in_year``), weeks/52, months/12 or years (Fineract's
  DefaultPaymentPeriodsInOneYearCalculator; MicroFinance Transparency counts 52 weeks a year).
  Each installment carries total / n rounded; the last carries the residue.
- Installment k (1-based) falls due k periods after disbursement.
- Every amount is rounded per installment to ``currency_digits`` in the loan's rounding mode
  (``half_even`` by default, Fineract's default); a level installment is further rounded to the
  nearest ``installment_multiple_of`` (flat loans as Fineract does it: the principal and the
  interest part each to the multiple, the principal part absorbing the interest's rounding).
  The last installment absorbs every residue, so principal repaid equals principal lent exactly.
- APR and EIR count periods a year as MicroFinance Transparency does: 12 months, 52 weeks,
  365 days (``days_in_year``).
- Upfront fees are paid at disbursement (netted from it or paid in cash: the same cash in that
  month); installment fees with each installment.
- Signs: amounts in schedules are positive; in cash-flow vectors for APR the borrower receives
  (+) at period 0 and pays (-) afterwards.
"""

from __future__ import annotations

import calendar
import math
import threading
from collections import OrderedDict
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Literal

import numpy as np
import numpy_financial as npf
import pandas as pd
from pydantic import Field, model_validator

from engine.errors import fail
from engine.i18n import N_
from engine.limits import MAX_LOAN_MONTHS, Checked, once_per_object

OECD_DISCOUNT_RATE = 0.10
"""Annual discount rate of the OECD DAC grant-element convention."""

IRR_MAX_PERIODIC_RATE = 4.0**10
"""Upper end of the IRR bracket (per period); beyond it a loan's rate is 'no solution'."""

NOMINAL_ANCHOR = date(2001, 1, 1)
"""Disbursement date assumed when a loan has none (only month offsets are used then)."""


class Tranche(Checked):
    """A later release of the loan (the first release is what the tranches leave of principal)."""

    month: int = Field(ge=0, description=N_("Scenario month of the release: it is released on the "
                       "first due date in or after that month, and bears interest from then."))
    amount: float = Field(gt=0, description=N_("Amount released, taka (part of principal)."))


class Prepayment(Checked):
    """Principal paid before it falls due, with the installments re-amortised after it."""

    month: int = Field(ge=0, description=N_("Scenario month: paid with the first installment due "
                       "in or after that month."))
    amount: float | None = Field(None, gt=0, description=N_("Principal prepaid, taka; None: the "
                                 "whole balance (the loan is closed)."))


class InstallmentChange(Checked):
    """A variable installment: one installment's amount or due date changed; the rest
    re-amortise (Fineract's variable installments)."""

    period: int = Field(ge=1, description=N_("Installment number (1-based)."))
    amount: float | None = Field(None, ge=0, description=N_("Principal + interest of that "
                                 "installment, taka (never less than its interest)."))
    due_date: date | None = Field(None, description=N_("New due date, between the neighbouring "
                                  "installments' dates; the period's interest scales by its days."))


class Reschedule(Checked):
    """New terms for what is left, from an installment on (Fineract's loan rescheduling)."""

    month: int = Field(ge=0, description=N_("Scenario month: the balance after the first "
                       "installment due in or after it is re-amortised."))
    installments: int = Field(ge=1, le=1000, description=N_("Installments of the new terms."))
    annual_rate: float | None = Field(None, ge=0, le=2, description=N_("New nominal annual rate; "
                                      "None: unchanged."))
    grace_on_principal_periods: int = Field(0, ge=0, description=N_("Interest-only periods at the "
                                            "start of the new terms."))


class TopUp(Checked):
    """A top-up: the outstanding balance is refinanced, with `amount` more, into a new loan on
    the same terms (the old one is closed by the new one's proceeds)."""

    month: int = Field(ge=0, description=N_("Scenario month of the top-up (a due date in or after "
                       "it)."))
    amount: float = Field(gt=0, description=N_("New money lent on top of the balance, taka."))


class Loan(Checked):
    """One loan, with the terms its lender's loan system would hold."""

    name: str = Field(
        description=N_("Short identifier, used in override paths (loans.NAME.field)."))
    lender: str = Field("", description=N_("Who lends (e.g. SIBL via Sonali Bank, TMSS)."))
    principal: float = Field(gt=0, description=N_("Amount lent, taka."))
    annual_rate: float = Field(ge=0, le=2, description=N_("Nominal annual interest rate, decimal."))
    installments: int = Field(ge=1, le=1000, description=N_("Number of installments."))
    repayment_every: int = Field(1, ge=1, le=52, description=N_("Periods between installments."))
    repayment_unit: Literal["days", "weeks", "months", "years"] = Field(
        "months", description=N_("Unit of repayment_every."))
    interest_method: Literal["declining_balance", "flat"] = Field(
        "declining_balance",
        description=N_("declining_balance: interest on the outstanding balance; "
        "flat: interest on the original principal every period."))
    amortization: Literal["equal_installments", "equal_principal", "bullet", "balloon",
                          "seasonal"] = Field(
        "equal_installments",
        description=N_("equal_installments: level payment (PMT); equal_principal: level principal; "
        "bullet: all principal at the end; balloon: level payments and balloon_amount at the "
        "end; seasonal: principal only in principal_months, interest every period."))
    balloon_amount: float = Field(0.0, ge=0, description=N_("balloon: principal left for the end."))
    principal_months: list[int] = Field(
        default_factory=list, description=N_("seasonal: calendar months (1-12) in which "
        "principal falls due, e.g. [7, 8, 9] for the pineapple harvest."))
    grace_on_principal_periods: int = Field(
        0, ge=0, description=N_("Interest-only periods at the start; the level installment is "
        "then computed over the remaining periods."))
    grace_on_interest_payment_periods: int = Field(
        0, ge=0, description=N_("Periods in which interest accrues but is not paid; it is paid "
        "with the first installment after them."))
    interest_free_periods: int = Field(
        0, ge=0, description=N_("Periods at the start in which no interest accrues."))
    disbursement_month: int = Field(0, ge=0, description=N_("Month of disbursement (from the "
                                    "scenario's start)."))
    disbursement_date: date | None = Field(
        None, description=N_("Date of disbursement; gives due dates (and actual day counts)."))
    upfront_fee_rate: float = Field(0.0, ge=0, le=1,
        description=N_("Upfront fee, share of principal."))
    upfront_fee_fixed: float = Field(0.0, ge=0, description=N_("Upfront fee, fixed taka."))
    upfront_fee_deducted: bool = Field(
        True, description=N_("True: the upfront fee is netted from the disbursement; False: paid "
        "in cash at disbursement."))
    installment_fee: float = Field(0.0, ge=0,
        description=N_("Fixed fee added to each installment."))
    currency_digits: int = Field(2, ge=0, le=6, description=N_("Digits amounts are rounded to."))
    installment_multiple_of: float | None = Field(
        None, gt=0, description=N_("Round the level installment to the nearest multiple (1, 100); "
        "None: no such rounding."))
    rounding: Literal["half_even", "half_up"] = Field("half_even", description=N_("Rounding mode."))
    days_in_year: Literal[360, 364, 365, "actual"] = Field(
        365, description=N_("Day count for day- and week-based periods (monthly periods use "
        "annual_rate / 12)."))
    market_annual_rate: float | None = Field(
        None, ge=0, le=2, description=N_("Rate the group would pay without the concessional "
        "lender; the interest it saves counts as subsidy. None: the loan is at market rate."))
    arranged_by_facilitator: bool = Field(
        False, description=N_("True: the loan exists only because the facilitator (the donor "
        "project, the NGO) arranged it. When every subsidy ends at month M, such a loan not "
        "yet disbursed by M is not taken (nor repaid, its cycles and top-ups included); one "
        "disbursed before M is repaid as scheduled."))
    penalty_annual_rate: float = Field(
        0.0, ge=0, le=2, description=N_("Penalty interest a year on overdue amounts (arrears), "
        "decimal."))
    flat_term_years: float | None = Field(
        None, gt=0, le=50, description=N_("flat: the loan's term in years as the lender quotes it "
        "(1 for '15% flat for one year' repaid in 46 or 50 weekly installments); None: the "
        "installments counted as days/365, weeks/52, months/12 or years."))
    down_payment_rate: float = Field(
        0.0, ge=0, lt=1, description=N_("Down payment, share of each amount disbursed, paid on its "
        "disbursement date (Fineract's disbursedAmountPercentageForDownPayment)."))
    tranches: list[Tranche] = Field(
        default_factory=list, description=N_("Later releases (month, amount); the first release is "
        "principal less their sum."))
    prepayments: list[Prepayment] = Field(
        default_factory=list, description=N_("Principal paid early (month, amount or all)."))
    installment_changes: list[InstallmentChange] = Field(
        default_factory=list, description=N_("Variable installments (period, amount and/or "
        "due_date)."))
    reschedule: Reschedule | None = Field(
        None, description=N_("New terms (month, installments, annual_rate) for what is left."))
    next_cycles: int = Field(
        0, ge=0, le=20, description=N_("Next-cycle loans on the same terms: each disbursed on the "
        "last due date of the one before."))
    cycle_growth: float = Field(
        0.0, ge=0, le=5, description=N_("Each next cycle lends this much more (share)."))
    top_up: TopUp | None = Field(
        None, description=N_("Top-up (month, amount): the balance plus amount, lent anew on the "
        "same terms."))

    @model_validator(mode="after")
    @once_per_object
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
        if self.term_months > MAX_LOAN_MONTHS:   # before any due date is computed
            problems.append(("installments", f"installments x repayment_every must span at "
                             f"most {MAX_LOAN_MONTHS} months (got {n} x {self.repayment_every} "
                             f"{self.repayment_unit}, {self.term_months:,.0f} months)"))
            fail(problems)
        later = sum(t.amount for t in self.tranches)
        if later >= self.principal:
            problems.append(("tranches", f"must add up to less than principal "
                             f"({self.principal:g}) (got {later:g})"))
        for i, t in enumerate(self.tranches):
            if t.month <= self.disbursement_month:
                problems.append((f"tranches[{i}].month", f"must be after disbursement_month "
                                 f"({self.disbursement_month}) (got {t.month})"))
        dated: list[tuple[str, int]] = [(f"tranches[{i}].month", t.month)
                                        for i, t in enumerate(self.tranches)]
        dated += [(f"prepayments[{i}].month", p.month) for i, p in enumerate(self.prepayments)]
        for path, month in dated:
            if month > self.last_month:
                problems.append((path, f"must be at most the month of the last installment "
                                 f"({self.last_month}) (got {month})"))
        for i, c in enumerate(self.installment_changes):
            if c.period > n:
                problems.append((f"installment_changes[{i}].period", f"must be 1-{n} "
                                 f"(got {c.period})"))
            if c.amount is None and c.due_date is None:
                problems.append((f"installment_changes[{i}]", "give an amount or a due_date"))
            if c.due_date is not None and self.disbursement_date is None:
                problems.append((f"installment_changes[{i}].due_date", "a changed due date "
                                 "needs the loan's disbursement_date (it fixes the others)"))
        if self.disbursement_date is not None:    # changed due dates keep their order
            dates = changed_dates(self, due_dates(self, self.start))
            for k, (a, b) in enumerate(zip([self.start, *dates[:-1]], dates, strict=True)):
                if b <= a:
                    problems.append(("installment_changes", f"due date of installment {k + 1} "
                                     f"({b}) must be after {a}"))
        if self.reschedule is not None and not (
                self.disbursement_month < self.reschedule.month <= self.last_month):
            problems.append(("reschedule.month", f"must be after disbursement_month "
                             f"({self.disbursement_month}) and at most the month of the last "
                             f"installment ({self.last_month}) (got {self.reschedule.month})"))
        if self.top_up is not None and not (
                self.disbursement_month < self.top_up.month <= self.last_month):
            problems.append(("top_up.month", f"must be after disbursement_month "
                             f"({self.disbursement_month}) and at most the month of the last "
                             f"installment ({self.last_month}) (got {self.top_up.month})"))
        fail(problems)
        return self

    @property
    def start(self) -> date:
        return self.disbursement_date or NOMINAL_ANCHOR

    @property
    def last_month(self) -> int:
        """Scenario month of the last installment (as contracted)."""
        return self.disbursement_month + months_between(self.start, due_dates(self,
                                                                              self.start)[-1])

    @property
    def upfront_fee(self) -> float:
        return round_money(self.principal * self.upfront_fee_rate + self.upfront_fee_fixed,
                           self.currency_digits, self.rounding)

    @property
    def term_months(self) -> float:
        """Months from disbursement to the last installment (as contracted)."""
        return self.installments * 12 / self.periods_per_year

    @property
    def periods_per_year(self) -> float:
        """Installment periods in a year, as MicroFinance Transparency and Fineract count them:
        12 months, 52 weeks, 365 days (``days_in_year``), divided by ``repayment_every``."""
        per_unit = {"months": 12, "years": 1, "weeks": 52,
                    "days": 365 if self.days_in_year == "actual" else self.days_in_year}
        return per_unit[self.repayment_unit] / self.repayment_every

    @property
    def flat_term(self) -> float:
        """The term, in years, that flat interest is charged for (``flat_term_years`` as
        quoted, else installments / periods_per_year)."""
        if self.flat_term_years is not None:
            return self.flat_term_years
        return self.installments / self.periods_per_year

    @property
    def down_payment(self) -> float:
        """Down payment on the first release (principal less the later tranches)."""
        return self.down_payment_on(self.principal - sum(t.amount for t in self.tranches))

    def down_payment_on(self, released: float) -> float:
        """Down payment on an amount released, rounded to the money and then to the multiple
        (Fineract rounds it to installmentAmountInMultiplesOf)."""
        if not self.down_payment_rate:
            return 0.0
        d = round_money(released * self.down_payment_rate, self.currency_digits, self.rounding)
        if self.installment_multiple_of:
            d = round_to_multiple(d, self.installment_multiple_of, self.rounding)
        return min(d, released)


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
    """Declining-balance interest rate of each period (a moved due date scales its period's
    rate, and the next one's, by days: see `schedule`)."""
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


SCHEDULE_COLUMNS = ["period", "due_date", "month", "disbursed", "down_payment", "principal",
                    "prepaid", "interest", "fees", "payment", "balance", "interest_subsidy"]


def first_due_on_or_after(months: list[int], month: int) -> int:
    """Index (0-based) of the first due date whose scenario month is >= `month`."""
    return next(i for i, m in enumerate(months) if m >= month)


def schedule(loan: Loan) -> pd.DataFrame:
    """Repayment schedule of `loan`, one row per installment.

    Columns ``period, due_date`` (None without a disbursement date), ``month`` (scenario month
    the installment falls due in), ``disbursed`` (a tranche released on that due date),
    ``down_payment`` (paid on it, for that tranche), ``principal`` (including ``prepaid``),
    ``prepaid``, ``interest, fees, payment`` (principal + interest + fees), ``balance`` (after
    the row) and ``interest_subsidy`` (interest saved against ``market_annual_rate`` on the same
    balance; zero without one, never negative). The first release and its down payment fall on
    the disbursement date, before the first row (`opening`).

    Notes
    -----
    With r_k the period rate, n installments, g grace periods on principal, B the balance:

    - declining balance: interest_k = round(B_{k-1} r_k); flat: interest_k = round(I / n) with
      I = principal x annual_rate x flat_term, the last installment taking I less what the
      others carried; no interest accrues in the interest-free periods; interest of the periods
      of grace on interest payment is paid with the first installment after them;
    - equal installments: after the grace, A = PMT(r, n - g, -B, fv=balloon) rounded (then to
      a multiple), principal_k = A - interest_k; under flat interest principal_k =
      round(B / (n - g)), with a multiple m: rm(B / (n - g)) + rm(interest_k) - interest_k
      (Fineract's LoanApplicationTerms);
    - equal principal: principal_k = round(B / (n - g)); bullet: all at the end; seasonal:
      round(B / m) in each of the m installments due in `principal_months`;
    - a tranche, a prepayment or a changed installment re-amortises what is left over the
      remaining installments (Fineract's "reduce installment amount"); flat interest after a
      prepayment falls in proportion to the balance prepaid; after a tranche it rises by the
      tranche's flat interest over the remaining periods;
    - the last installment pays the whole remaining balance.

    Examples
    --------
    >>> s = schedule(Loan(name="x", principal=1200, annual_rate=0.12, installments=12))
    >>> float(s.payment.iloc[0]), float(s.principal.sum())
    (106.62, 1200.0)
    """
    return compiled_schedule(loan).copy()


SCHEDULE_CACHE_SIZE = 512
"""Schedules kept (least recently used dropped): a projection, its sweep and an app session
reuse each loan's schedule instead of recomputing its installments."""
_SCHEDULE_ARRAYS = ("month", "interest", "principal", "down_payment", "disbursed", "fees",
                    "interest_subsidy")
_schedules: OrderedDict[str, tuple[pd.DataFrame, dict[str, np.ndarray]]] = OrderedDict()
_schedules_lock = threading.Lock()


def _compiled(loan: Loan) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The loan's schedule and its numeric columns as arrays, computed once per distinct loan
    (keyed on every field of the loan, so any change of terms gives its own schedule)."""
    key = loan.model_dump_json()
    with _schedules_lock:
        hit = _schedules.get(key)
        if hit is not None:
            _schedules.move_to_end(key)
            return hit
    s = _rescheduled(loan)
    hit = (s, {c: s[c].to_numpy() for c in _SCHEDULE_ARRAYS})
    with _schedules_lock:
        _schedules[key] = hit
        while len(_schedules) > SCHEDULE_CACHE_SIZE:
            _schedules.popitem(last=False)
    return hit


def compiled_schedule(loan: Loan) -> pd.DataFrame:
    """`schedule(loan)` computed once per distinct loan and shared: read it, never change it
    (callers that change what they get use `schedule`, which hands out a copy)."""
    return _compiled(loan)[0]


def _rescheduled(loan: Loan) -> pd.DataFrame:
    s = _schedule(loan)
    if loan.reschedule is None:
        return s
    k = first_due_on_or_after(s.month.tolist(), loan.reschedule.month)
    if k == len(s) - 1 or s.balance.iloc[k] <= 0:
        return s
    head = s.iloc[:k + 1]
    rest = rescheduled_remainder(loan, head)
    tail = schedule(rest)
    tail["period"] += k + 1
    return pd.concat([head, tail], ignore_index=True)


def rescheduled_remainder(loan: Loan, head: pd.DataFrame) -> Loan:
    """The loan that the reschedule makes of the balance left after `head`'s last row."""
    last = head.iloc[-1]
    r = loan.reschedule
    assert r is not None
    month = int(last.month)
    start = loan.start
    when = due_dates(loan, start)[len(head) - 1]
    k = len(head)
    return loan.model_copy(update={
        "principal": float(last.balance), "installments": r.installments,
        "annual_rate": loan.annual_rate if r.annual_rate is None else r.annual_rate,
        "grace_on_principal_periods": r.grace_on_principal_periods,
        "grace_on_interest_payment_periods": 0, "interest_free_periods": 0,
        "disbursement_month": month,
        "disbursement_date": when if loan.disbursement_date else None,
        "flat_term_years": None, "down_payment_rate": 0.0, "balloon_amount": 0.0,
        "amortization": "equal_installments" if loan.amortization == "balloon"
        else loan.amortization,
        "upfront_fee_rate": 0.0, "upfront_fee_fixed": 0.0,
        "tranches": [t for t in loan.tranches if t.month > month],
        "prepayments": [p for p in loan.prepayments if p.month > month],
        "installment_changes": [c.model_copy(update={"period": c.period - k})
                                for c in loan.installment_changes if c.period > k],
        "reschedule": None, "next_cycles": 0, "top_up": None})


def opening(loan: Loan) -> tuple[float, float]:
    """What is released on the disbursement date, and the down payment paid on it."""
    first = loan.principal - sum(t.amount for t in loan.tranches)
    return first, loan.down_payment_on(first)


def _schedule(loan: Loan) -> pd.DataFrame:
    n, g = loan.installments, loan.grace_on_principal_periods
    start = loan.start
    nominal = due_dates(loan, start)
    rates = period_rates(loan, loan.annual_rate, nominal, start)
    market = (period_rates(loan, loan.market_annual_rate, nominal, start)
              if loan.market_annual_rate is not None else None)
    dates = changed_dates(loan, nominal)
    if dates != nominal:
        span = np.array([(b - a).days for a, b in zip([start, *dates[:-1]], dates, strict=True)])
        nominal_span = np.array([(b - a).days for a, b in zip([start, *nominal[:-1]], nominal,
                                                              strict=True)])
        rates = rates * span / nominal_span
        if market is not None:
            market = market * span / nominal_span
    months = [loan.disbursement_month + months_between(start, d) for d in dates]
    digits, mode = loan.currency_digits, loan.rounding
    multiple = loan.installment_multiple_of
    flat = loan.interest_method == "flat"

    def rnd(x: float) -> float:
        return round_money(x, digits, mode)

    def rm(x: float) -> float:
        return round_to_multiple(x, multiple, mode) if multiple else x

    released = np.zeros(n + 1)   # released on boundary j (0: disbursement, j: due date j)
    for t in loan.tranches:
        released[first_due_on_or_after(months, t.month) + 1] += t.amount
    released[0] = loan.principal - released[1:].sum()
    prepaid_on: dict[int, float] = {}
    for p in loan.prepayments:
        k = first_due_on_or_after(months, p.month) + 1
        prepaid_on[k] = np.inf if p.amount is None else prepaid_on.get(k, 0.0) + p.amount
    fixed_amount = {c.period: c.amount for c in loan.installment_changes if c.amount is not None}
    seasonal = [k for k in range(g + 1, n + 1) if dates[k - 1].month in loan.principal_months]
    # flat interest per period: base x rate x term / n (term in the lender's convention)
    flat_share = loan.annual_rate * loan.flat_term / n

    balance = released[0] - loan.down_payment_on(released[0])
    flat_base = balance
    deferred = 0.0
    exact_total = rounded_total = 0.0
    level: float | None = None
    rows = []
    for k in range(1, n + 1):
        free = k <= loan.interest_free_periods
        if flat:
            exact = 0.0 if free else flat_base * flat_share
            exact_total += exact
            # rounded per installment, but never ahead of the contract's interest so far
            accrued = max(0.0, min(rnd(exact), rnd(rnd(round(exact_total, 9)) - rounded_total)))
        else:
            accrued = 0.0 if free else rnd(balance * rates[k - 1])
        last = k == n
        if k <= loan.grace_on_interest_payment_periods:
            deferred, interest = deferred + accrued, 0.0
        else:
            interest, deferred = accrued + deferred, 0.0
        remaining = n - max(k, g + 1) + 1    # principal-paying installments from k on
        if last:
            principal = balance
        elif k in fixed_amount:
            principal = rnd(fixed_amount[k] - interest)
        elif k <= g or loan.amortization == "bullet":
            principal = 0.0
        elif loan.amortization == "seasonal":
            if level is None:
                level = rnd(balance / max(1, sum(1 for j in seasonal if j >= k)))
            principal = level if k in seasonal else 0.0
        elif flat:
            if level is None:
                level = rnd((balance - (loan.balloon_amount if loan.amortization == "balloon"
                                        else 0.0)) / remaining)
            principal = level
            if multiple:
                principal = rm(principal) + rm(accrued) - accrued
        elif loan.amortization == "equal_principal":
            if level is None:
                level = rnd(balance / remaining)
            principal = level
        else:   # equal installments or balloon, declining balance
            if level is None:
                level = level_payment(loan, rates[k - 1], remaining, balance)
            principal = rnd(level - accrued)
        principal = max(0.0, min(principal, balance))
        extra = min(prepaid_on.get(k, 0.0), balance - principal)
        closes = last or (extra > 0 and principal + extra >= balance and not released[k:].any())
        if flat and closes:
            # the contract fixes the total: the closing installment carries the residue
            closing = rnd(rnd(round(exact_total, 9)) - rounded_total)
            interest = rnd(interest + closing - accrued)
            accrued = closing
        rounded_total += accrued
        saved = 0.0
        if market is not None:
            saved = max(0.0, balance * market[k - 1] - accrued)
        before = balance
        balance = 0.0 if closes else balance - principal - extra
        if flat and extra and before > 0:
            flat_base = flat_base * balance / (before - principal)
        down = 0.0
        if released[k] and not closes:
            down = loan.down_payment_on(released[k])
            balance = balance + released[k] - down
            flat_base += released[k] - down
        if extra or released[k] or k in fixed_amount or k - 1 in fixed_amount:
            level = None        # re-amortise what is left over the remaining installments
        fees = loan.installment_fee
        rows.append((k, dates[k - 1] if loan.disbursement_date else None, months[k - 1],
                     released[k] if not closes else 0.0, down, principal + extra, extra,
                     interest, fees, rnd(principal + extra + interest + fees), rnd(balance), saved))
        if closes:
            break
    return pd.DataFrame(rows, columns=SCHEDULE_COLUMNS)


def level_payment(loan: Loan, rate: float, periods: int, balance: float) -> float:
    """Level installment of a declining-balance loan: PMT(rate, periods, -balance, balloon),
    rounded to the money and then to ``installment_multiple_of``."""
    balloon = loan.balloon_amount if loan.amortization == "balloon" else 0.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pmt = float(npf.pmt(rate, periods, -balance, balloon))
    # a rate so small that (1 + r)^n == 1 in floating point: the zero-rate limit
    if not (rate > 0 and np.isfinite(pmt)):
        pmt = (balance - balloon) / periods
    a = round_money(pmt, loan.currency_digits, loan.rounding)
    if loan.installment_multiple_of:
        a = round_to_multiple(a, loan.installment_multiple_of, loan.rounding)
    return a


def changed_dates(loan: Loan, nominal: list[date]) -> list[date]:
    """Due dates with the installment changes' new dates."""
    dates = list(nominal)
    for c in loan.installment_changes:
        if c.due_date is not None and c.period <= len(dates):
            dates[c.period - 1] = c.due_date
    return dates


def months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


def cash_flows(loan: Loan) -> np.ndarray:
    """The borrower's cash by period: + what it receives at disbursement (net of upfront fees,
    deducted or paid in cash, and of the down payment), then on each due date - the
    installment (principal, interest and fees) + a tranche released less its down payment."""
    s = schedule(loan)
    first, down = opening(loan)
    return np.concatenate([[first - down - loan.upfront_fee],
                           (s.disbursed - s.down_payment - s.payment).to_numpy()])


def periodic_irr(flows: np.ndarray) -> float:
    """The rate r with sum(flows_k / (1 + r)^k) = 0, for a loan's flows (one sign change).

    Solved with a bracketed root finder (scipy's brentq) on (-0.99, hi), hi at most
    `IRR_MAX_PERIODIC_RATE`; the present value is increasing in r for such flows, so the root is
    unique. No solution (no sign change, e.g. upfront fees above the principal, or a rate
    beyond the bracket): NaN.

    >>> periodic_irr(np.array([-100.0, -10.0]))
    nan
    """
    k = np.arange(len(flows))

    def npv(r: float) -> float:
        return float(np.sum(flows / (1.0 + r) ** k))

    if abs(npv(0.0)) < 1e-9 * max(1.0, abs(flows[0])):
        return 0.0
    if not (np.any(flows > 0) and np.any(flows < 0)):
        return math.nan
    hi = 1.0
    while npv(hi) < 0:
        if hi >= IRR_MAX_PERIODIC_RATE:
            return math.nan
        hi *= 4
    if npv(-0.99) > 0:
        return math.nan
    from scipy.optimize import brentq  # here: importing scipy costs the app's cold start
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
    (1 + rate)^(1 / periods per year) - 1. A loan released in tranches has as face value the
    present value of its releases; down payments count as payments."""
    d = (1 + discount_rate) ** (1 / loan.periods_per_year) - 1
    s = schedule(loan)
    first, down = opening(loan)
    v = 1 / (1 + d) ** np.arange(1, len(s) + 1)
    face = first + float(np.sum(s.disbursed.to_numpy() * v))
    paid = down + float(np.sum((s.payment + s.down_payment).to_numpy() * v))
    return (face - paid) / face


def contracts(loan: Loan) -> list[Loan]:
    """The contracts a loan stands for: itself, or itself closed by a top-up and the top-up
    loan; then its next cycles, each on the terms of the last, disbursed on its last due date.

    >>> [(c.principal, c.disbursement_month) for c in contracts(Loan(
    ...     name="x", principal=1000, annual_rate=0.12, installments=6, next_cycles=2,
    ...     cycle_growth=0.5))]
    [(1000.0, 0), (1500.0, 6), (2250.0, 12)]
    """
    fresh: dict[str, object] = {"tranches": [], "prepayments": [], "installment_changes": [],
                                "reschedule": None, "top_up": None, "next_cycles": 0}
    out = [loan.model_copy(update={"next_cycles": 0})]
    if loan.top_up is not None:
        closed = loan.model_copy(update={
            "top_up": None, "next_cycles": 0,
            "prepayments": [*loan.prepayments, Prepayment(month=loan.top_up.month)]})
        last = schedule(closed).iloc[-1]
        # the balance is refinanced, not newly bought: no down payment on the top-up
        out = [closed, renewed(loan, float(last.prepaid) + loan.top_up.amount,
                               int(last.period), fresh | {"down_payment_rate": 0.0})]
    for i in range(1, loan.next_cycles + 1):
        prev = out[-1]
        out.append(renewed(prev, round_money(loan.principal * (1 + loan.cycle_growth) ** i,
                                             loan.currency_digits, loan.rounding),
                           len(schedule(prev)), fresh))
    return out


def renewed(loan: Loan, principal: float, period: int, fresh: dict[str, object]) -> Loan:
    """A new loan on `loan`'s terms, disbursed on the due date of its installment `period`."""
    when = due_dates(loan, loan.start)[period - 1]
    return loan.model_copy(update={
        **fresh, "principal": principal, "name": loan.name,
        "disbursement_month": loan.disbursement_month + months_between(loan.start, when),
        "disbursement_date": when if loan.disbursement_date else None})


def schedules(loan: Loan) -> pd.DataFrame:
    """The schedules of all of a loan's contracts (`contracts`), one after the other, with a
    ``contract`` column (0: the loan itself; 1, 2, ...: top-up and next cycles) and a
    ``disbursed`` entry on each contract's first row for what it released on its disbursement
    date (shown with its down payment)."""
    parts = []
    for i, c in enumerate(contracts(loan)):
        s = schedule(c)
        s.insert(0, "contract", i)
        parts.append(s)
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def monthly_flows(loans: list[Loan], months: int) -> dict[str, np.ndarray]:
    """Loan flows by scenario month, shape (months,): what the cash-flow engine consumes."""
    out = {k: np.zeros(months) for k in ("loan_disbursements", "interest", "principal",
                                        "loan_fees", "interest_subsidy")}
    for loan in loans:
        add_loan(out, loan, months)
    return out


def add_loan(out: dict[str, np.ndarray], loan: Loan, months: int) -> None:
    """Add a loan's flows (all its contracts) to monthly arrays: disbursements (the first
    release and tranches), principal (including down payments and prepayments), interest,
    fees (upfront and per installment) and the interest subsidy."""
    for c in contracts(loan):
        first, down = opening(c)
        if c.disbursement_month < months:
            out["loan_disbursements"][c.disbursement_month] += first
            out["principal"][c.disbursement_month] += down
            out["loan_fees"][c.disbursement_month] += c.upfront_fee
        columns = _compiled(c)[1]
        keep = columns["month"] < months
        m = columns["month"][keep]
        for column, key in (("interest", "interest"), ("principal", "principal"),
                            ("down_payment", "principal"), ("disbursed", "loan_disbursements"),
                            ("fees", "loan_fees"), ("interest_subsidy", "interest_subsidy")):
            np.add.at(out[key], m, columns[column][keep])
