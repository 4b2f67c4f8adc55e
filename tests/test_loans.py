"""Loan schedules against reference values and hand computation (rules: engine/loans.py)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.loans import Loan, round_money, schedule


def test_pmt_matches_numpy_financial_documentation_example():
    # numpy-financial's pmt docstring: npf.pmt(0.075/12, 12*15, 200000) = -1854.0247200054619
    s = schedule(Loan(name="x", principal=200000, annual_rate=0.075, installments=180))
    assert s.payment.iloc[0] == 1854.02
    assert s.payment.iloc[:-1].nunique() == 1


def test_pmt_matches_excel_documentation_example():
    # Microsoft's PMT help: =PMT(8%/12, 10, 10000) returns -1,037.03
    s = schedule(Loan(name="x", principal=10000, annual_rate=0.08, installments=10))
    assert s.payment.iloc[0] == 1037.03


def test_declining_balance_equal_installments_by_hand():
    # 1,000 at 1% a month over 3: A = 1000 x 0.01 / (1 - 1.01^-3) = 340.0221 -> 340.02
    # 1: interest 10.00, principal 330.02, balance 669.98
    # 2: interest 6.6998 -> 6.70, principal 333.32, balance 336.66
    # 3: interest 3.3666 -> 3.37, principal 336.66 (all that is left), payment 340.03
    s = schedule(Loan(name="x", principal=1000, annual_rate=0.12, installments=3))
    assert s.interest.tolist() == [10.00, 6.70, 3.37]
    assert s.principal.tolist() == [330.02, 333.32, 336.66]
    assert s.payment.tolist() == [340.02, 340.02, 340.03]
    assert s.balance.tolist() == [669.98, 336.66, 0.0]


def test_flat_interest_by_hand():
    # 1,200 at 12% flat over 12 months: interest 1,200 x 1% = 12 every month, principal 100
    s = schedule(Loan(name="x", principal=1200, annual_rate=0.12, installments=12,
                      interest_method="flat"))
    assert set(s.interest) == {12.0} and set(s.principal) == {100.0}
    assert s.interest.sum() == 144.0


def test_equal_principal_with_grace_by_hand():
    # 900 at 1% a month, 4 installments, 1 period of grace on principal:
    # 9 + 0; 9 + 300; 6 + 300; 3 + 300
    s = schedule(Loan(name="x", principal=900, annual_rate=0.12, installments=4,
                      amortization="equal_principal", grace_on_principal_periods=1))
    assert s.interest.tolist() == [9.0, 9.0, 6.0, 3.0]
    assert s.principal.tolist() == [0.0, 300.0, 300.0, 300.0]


def test_grace_then_level_payment_over_the_rest():
    # 1,000 at 1%, 4 installments, 1 interest-only: 10, then PMT(1%, 3, 1000) = 340.02
    s = schedule(Loan(name="x", principal=1000, annual_rate=0.12, installments=4,
                      grace_on_principal_periods=1))
    assert s.payment.tolist()[:3] == [10.0, 340.02, 340.02]


def test_half_even_and_half_up_rounding_of_a_half():
    # 1,250 at 1% a month: the first interest is exactly 12.5 taka; whole taka:
    # half-even gives 12, half-up gives 13
    even = schedule(Loan(name="x", principal=1250, annual_rate=0.12, installments=2,
                         currency_digits=0))
    up = schedule(Loan(name="x", principal=1250, annual_rate=0.12, installments=2,
                       currency_digits=0, rounding="half_up"))
    assert even.interest.iloc[0] == 12 and up.interest.iloc[0] == 13
    assert round_money(2.675, 2) == 2.68 and round_money(2.665, 2) == 2.66
    assert round_money(2.665, 2, "half_up") == 2.67


@settings(max_examples=200, deadline=None)
@given(principal=st.floats(100, 1e7), rate=st.floats(0, 0.5), n=st.integers(1, 120),
       grace=st.integers(0, 119), digits=st.integers(0, 2),
       method=st.sampled_from(["declining_balance", "flat"]),
       amort=st.sampled_from(["equal_installments", "equal_principal"]))
def test_principal_repaid_equals_principal_lent(principal, rate, n, grace, digits, method, amort):
    loan = Loan(name="x", principal=principal, annual_rate=rate, installments=n,
                grace_on_principal_periods=min(grace, n - 1), currency_digits=digits,
                interest_method=method, amortization=amort)
    s = schedule(loan)
    assert s.principal.sum() == pytest.approx(principal, abs=10 ** -digits)
    assert s.balance.iloc[-1] == 0
    assert (s.balance >= 0).all() and (s.principal >= 0).all()
    # level payments are equal but for the last when rounding cannot exhaust the balance early
    # (the rounding unit is small against the installment: principal >= 10,000 per installment)
    if method == "declining_balance" and amort == "equal_installments" and rate > 0 \
            and principal >= 10_000 * n:
        level = s.payment.iloc[loan.grace_on_principal_periods:-1]
        assert level.nunique() <= 1
        np.testing.assert_array_less(-1e-9, s.interest)


def test_market_rate_gives_interest_subsidy():
    # 1,000 at 12% with a 24% market rate: the first month saves 1,000 x 1% = 10 taka
    s = schedule(Loan(name="x", principal=1000, annual_rate=0.12, installments=3,
                      market_annual_rate=0.24))
    assert s.interest_subsidy.iloc[0] == pytest.approx(10.0)
    # second month: market interest 669.98 x 2% = 13.3996 less the 6.70 charged
    assert s.interest_subsidy.iloc[1] == pytest.approx(669.98 * 0.02 - 6.70)


# ---- parity with published references and the full term set (issue: loans at MFI parity) ----

from datetime import date  # noqa: E402

import numpy_financial as npf  # noqa: E402

from engine.loans import apr, eir, grant_element, periodic_irr  # noqa: E402


def test_ipmt_ppmt_match_numpy_financial_documentation_table():
    # numpy-financial's ipmt docstring: 2,500 at 8.24% a year, 12 months; its table prints
    # interest 17.17, 15.79, 14.40, 13.01, 11.60 and principal 200.58, 201.96, 203.35, 204.74,
    # 206.15 for the first five months, and total interest 112.98. Ours rounds each installment,
    # so later rows may differ from the unrounded table by a cent.
    s = schedule(Loan(name="x", principal=2500, annual_rate=0.0824, installments=12))
    assert s.interest.iloc[:5].tolist() == [17.17, 15.79, 14.40, 13.01, 11.60]
    assert s.principal.iloc[:5].tolist() == [200.58, 201.96, 203.35, 204.74, 206.15]
    assert s.interest.sum() == pytest.approx(112.98, abs=0.02)
    per = np.arange(1, 13)
    np.testing.assert_allclose(s.interest, -npf.ipmt(0.0824 / 12, per, 12, 2500), atol=0.015)
    np.testing.assert_allclose(s.principal, -npf.ppmt(0.0824 / 12, per, 12, 2500), atol=0.025)


def test_installment_multiple_of_100_by_hand():
    # 10,000 at 1% a month over 12: PMT = 888.49, to the nearest 100 = 900; interest 100.00,
    # principal 800.00, then interest 92.00 on 9,200; the last installment takes what is left
    s = schedule(Loan(name="x", principal=10000, annual_rate=0.12, installments=12,
                      installment_multiple_of=100))
    assert s.payment.iloc[:-1].unique().tolist() == [900.0]
    assert s.interest.iloc[:2].tolist() == [100.0, 92.0]
    assert s.principal.iloc[:2].tolist() == [800.0, 808.0]
    assert round(s.principal.sum(), 2) == 10000
    assert s.payment.iloc[-1] == pytest.approx(746.52 + 7.47)   # 746.52 x 1% = 7.4652 -> 7.47


def test_flat_with_grace_by_hand():
    # 1,200 at 12% flat over 4 months, 1 month of grace on principal: interest 12 every month,
    # principal 0 then 400 x 3
    s = schedule(Loan(name="x", principal=1200, annual_rate=0.12, installments=4,
                      interest_method="flat", grace_on_principal_periods=1))
    assert s.interest.tolist() == [12.0] * 4
    assert s.principal.tolist() == [0.0, 400.0, 400.0, 400.0]


def test_grace_on_interest_payment_defers_interest():
    # 900 at 1% a month, equal principal over 3, interest paid only from the 2nd installment:
    # accrued 9.00 in month 1 is paid in month 2 with that month's 6.00
    s = schedule(Loan(name="x", principal=900, annual_rate=0.12, installments=3,
                      amortization="equal_principal", grace_on_interest_payment_periods=1))
    assert s.interest.tolist() == [0.0, 15.0, 3.0]
    assert s.principal.tolist() == [300.0, 300.0, 300.0]


def test_interest_free_periods_charge_nothing():
    s = schedule(Loan(name="x", principal=900, annual_rate=0.12, installments=3,
                      amortization="equal_principal", interest_free_periods=2))
    assert s.interest.tolist() == [0.0, 0.0, 3.0]


def test_bullet_balloon_and_seasonal_by_hand():
    bullet = schedule(Loan(name="x", principal=1000, annual_rate=0.12, installments=3,
                           amortization="bullet"))
    assert bullet.principal.tolist() == [0, 0, 1000] and bullet.interest.tolist() == [10] * 3
    # balloon of 500 on 1,000 at 1% over 2: A solves 1000 = A / 1.01 + (A + 500) / 1.01^2,
    # A = (1000 x 1.0201 - 500) / 2.01 = 258.756 -> 258.76 (Excel PMT(1%, 2, -1000, 500));
    # month 1: 10.00 interest, 248.76 principal; month 2: the rest, 751.24, with 7.51 interest
    balloon = schedule(Loan(name="x", principal=1000, annual_rate=0.12, installments=2,
                            amortization="balloon", balloon_amount=500))
    assert float(npf.pmt(0.01, 2, -1000, 500)) == pytest.approx((1020.1 - 500) / 2.01)
    assert balloon.payment.iloc[0] == 258.76
    assert balloon.principal.tolist() == [248.76, 751.24]
    assert balloon.interest.tolist() == [10.0, 7.51]
    # seasonal: disbursed 1 May, 6 monthly installments, principal only in July and August:
    # due 1 Jun .. 1 Nov; principal 600 / 2 = 300 on 1 Jul and 1 Aug; interest 1% on the balance
    seasonal = schedule(Loan(name="x", principal=600, annual_rate=0.12, installments=6,
                             amortization="seasonal", principal_months=[7, 8],
                             disbursement_date=date(2002, 5, 1)))
    assert [d.month for d in seasonal.due_date] == [6, 7, 8, 9, 10, 11]
    assert seasonal.principal.tolist() == [0, 300, 300, 0, 0, 0]
    assert seasonal.interest.tolist() == [6.0, 6.0, 3.0, 0, 0, 0]


def test_weekly_periods_use_days_in_year():
    # 10,000 at 24% weekly: 10,000 x 0.24 x 7 / 365 = 46.03; on a 360-day year 46.67
    weekly = Loan(name="x", principal=10000, annual_rate=0.24, installments=6,
                  repayment_unit="weeks")
    assert schedule(weekly).interest.iloc[0] == 46.03
    assert schedule(weekly.model_copy(update={"days_in_year": 360})).interest.iloc[0] == 46.67
    # actual: a period starting in leap year 2004 counts 366 days: 10,000 x .24 x 7/366 = 45.90
    leap = weekly.model_copy(update={"days_in_year": "actual",
                                     "disbursement_date": date(2004, 3, 1)})
    assert schedule(leap).interest.iloc[0] == 45.90
    assert schedule(leap).due_date.iloc[0] == date(2004, 3, 8)


def test_apr_of_flat_loan_matches_excel_rate():
    # 10,000 at 24% flat over 12 months pays 1,033.33 x 11 + 1,033.37. Excel/numpy-financial
    # RATE(12, -1033.33, 10000) x 12 is the APR to within the last installment's 4 poisha.
    loan = Loan(name="x", principal=10000, annual_rate=0.24, installments=12,
                interest_method="flat")
    assert apr(loan) == pytest.approx(float(npf.rate(12, -1033.33, 10000, 0)) * 12, abs=2e-5)
    assert apr(loan) > 0.24 + 0.15
    assert eir(loan) == pytest.approx((1 + apr(loan) / 12) ** 12 - 1)


def test_upfront_fee_raises_apr():
    # 10,000 received less a 1% fee (9,900) against 12 payments of PMT(1%, 12, 10000) = 888.49
    loan = Loan(name="x", principal=10000, annual_rate=0.12, installments=12,
                upfront_fee_rate=0.01)
    expected = float(npf.rate(12, -888.49, 9900, 0)) * 12
    assert apr(loan) == pytest.approx(expected, abs=2e-5)


def test_grant_element_oecd_convention():
    # a zero-interest loan of 1,000 repaid in one payment after a year: PV at 10% = 909.09,
    # grant element 9.09%
    loan = Loan(name="x", principal=1000, annual_rate=0, installments=1, repayment_unit="years")
    assert grant_element(loan) == pytest.approx(1 - 1 / 1.1)
    # a loan at exactly the 10% discount rate, annual installments, has no grant element
    at_ten = Loan(name="x", principal=1000, annual_rate=0.10, installments=3,
                  repayment_unit="years", currency_digits=6)
    assert grant_element(at_ten) == pytest.approx(0, abs=1e-6)


def test_periodic_irr_identity():
    flows = np.array([1000.0, -300, -400, -500])
    r = periodic_irr(flows)
    assert np.sum(flows / (1 + r) ** np.arange(4)) == pytest.approx(0, abs=1e-9)


loans_st = st.builds(
    Loan, name=st.just("x"), principal=st.floats(1000, 1e7), annual_rate=st.floats(0.01, 0.6),
    installments=st.integers(2, 60),
    repayment_unit=st.sampled_from(["days", "weeks", "months", "years"]),
    repayment_every=st.integers(1, 3),
    interest_method=st.sampled_from(["declining_balance", "flat"]),
    amortization=st.sampled_from(["equal_installments", "equal_principal", "bullet",
                                  "seasonal"]),
    principal_months=st.just([3, 9]), currency_digits=st.integers(0, 2),
    rounding=st.sampled_from(["half_even", "half_up"]),
    days_in_year=st.sampled_from([360, 364, 365, "actual"]))


@settings(max_examples=150, deadline=None)
@given(loans_st)
def test_every_generated_loan_repays_exactly(loan):
    s = schedule(loan)
    assert s.principal.sum() == pytest.approx(loan.principal, abs=1e-6)
    assert (s.balance >= 0).all() and (s.principal >= 0).all() and (s.interest >= 0).all()


@settings(max_examples=60, deadline=None)
@given(principal=st.floats(1000, 1e6), rate=st.floats(0.01, 0.5), n=st.integers(2, 48))
def test_apr_of_a_fee_free_declining_loan_is_its_nominal_rate(principal, rate, n):
    # unrounded amounts (6 digits) make the schedule exactly the annuity, whose IRR is r / 12
    loan = Loan(name="x", principal=principal, annual_rate=rate, installments=n,
                currency_digits=6)
    assert apr(loan) == pytest.approx(rate, abs=1e-6)
    flat = loan.model_copy(update={"interest_method": "flat"})
    assert apr(flat) > rate
