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
