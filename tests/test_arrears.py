"""Arrears as a lender's system records them: hand-computed months, allocation orders, and
properties against the cash simulation without arrears (rules: engine/arrears.py)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from engine.arrears import ArrearsTerms, cash_with_arrears, group_penalty_rate
from engine.loans import Loan


def one_row(operating, interest, principal, *, limit=0.0, rate=0.0, penalty=0.24,
            allocation=("penalties", "fees", "interest", "principal"), enabled=True, share=0.0,
            opening=0.0):
    T = len(operating)
    a = lambda v: np.asarray(v, dtype=float)[None]  # noqa: E731
    return cash_with_arrears(
        operating=a(operating), financing=np.zeros((1, T)), interest=a(interest),
        principal=a(principal), fees=np.zeros((1, T)), opening_cash=np.array([opening]),
        payable=share * np.maximum(a(operating) - a(interest) - a(principal), 0.0),
        cash_reserve=np.zeros(1), credit_limit=np.array([limit]),
        credit_rate=np.array([rate]), penalty_rate=np.array([penalty]),
        enabled=np.array([enabled]), allocation=allocation)


def test_group_falls_into_arrears_by_hand():
    # installment 150 a month (interest 20, principal 130), penalty 24% a year = 2% a month on
    # what is overdue; operating cash 100, 50, 400; no opening cash, no credit line.
    # month 0: 100 pays interest 20 then principal 80 (penalties, fees, interest, principal):
    #          50 principal overdue; due on the 1st, 29 days past due at the month's end
    # month 1: penalty 2% x 50 = 1.00; 50 pays it, interest 20, principal 29: overdue principal
    #          50 + 130 - 29 = 151; 49 went to month 0's 50 (oldest first), 1 of it is left:
    #          30 + 29 = 59 days past due -> PAR30
    # month 2: penalty 2% x 151 = 3.02; owed 3.02 + 20 + 281 = 304.02, paid from 400;
    #          cash 95.98, arrears cleared
    m = one_row([100, 50, 400], [20] * 3, [130] * 3)
    assert m["penalty_interest"][0].tolist() == pytest.approx([0.0, 1.0, 3.02])
    assert m["arrears"][0].tolist() == pytest.approx([50.0, 151.0, 0.0])
    assert m["arrears_principal"][0].tolist() == pytest.approx([50.0, 151.0, 0.0])
    assert m["penalties_paid"][0].tolist() == pytest.approx([0.0, 1.0, 3.02])
    assert m["loan_payments"][0].tolist() == pytest.approx([100.0, 50.0, 304.02])
    assert m["days_past_due"][0].tolist() == [29, 59, 0]
    assert m["par30"][0].tolist() == [0, 1, 0] and m["par90"][0].tolist() == [0, 0, 0]
    assert m["cash_balance"][0].tolist() == pytest.approx([0.0, 0.0, 95.98])
    assert m["cash_shortfall"][0].tolist() == [0, 0, 0]


def test_principal_first_allocation_by_hand():
    # the same months, cash paying principal, then interest, fees, penalties:
    # month 0: principal 100 -> overdue interest 20, principal 30
    # month 1: penalty 2% x (20 + 30) = 1.00; 50 pays principal (30 + 130 -> 110 left);
    #          overdue: penalty 1, interest 40, principal 110 = 151
    # month 2: penalty 2% x (40 + 110) = 3.00; owed 4 + 60 + 240 = 304, paid; cash 96
    m = one_row([100, 50, 400], [20] * 3, [130] * 3,
                allocation=("principal", "interest", "fees", "penalties"))
    assert m["penalty_interest"][0].tolist() == pytest.approx([0.0, 1.0, 3.0])
    assert m["arrears"][0].tolist() == pytest.approx([50.0, 151.0, 0.0])
    assert m["arrears_principal"][0].tolist() == pytest.approx([30.0, 110.0, 0.0])
    assert m["cash_balance"][0, -1] == pytest.approx(96.0)


def test_credit_line_is_drawn_before_arrears():
    # a 60-taka line covers month 0's 50 short; month 1 (50 in, 150 due, 1% a month on the
    # line = 0.50): 10 of headroom left, so 50 - 0.50 + 10 = 59.50 is paid and 90.50 falls due
    m = one_row([100, 50], [20, 20], [130, 130], limit=60, rate=0.12)
    assert m["arrears"][0, 0] == 0 and m["credit_line_balance"][0, 0] == pytest.approx(50)
    assert m["credit_line_interest"][0, 1] == pytest.approx(0.5)
    assert m["loan_payments"][0, 1] == pytest.approx(59.5)
    assert m["arrears"][0, 1] == pytest.approx(90.5)
    assert m["credit_line_balance"][0, 1] == pytest.approx(60)


def test_ninety_days_past_due():
    # nothing paid for four months: 29, 59, 89, 119 days -> PAR90 from the fourth month
    m = one_row([0, 0, 0, 0], [0] * 4, [100] * 4, penalty=0)
    assert m["days_past_due"][0].tolist() == [29, 59, 89, 119]
    assert m["par90"][0].tolist() == [0, 0, 0, 1]
    assert m["arrears"][0, -1] == 400


def test_distributions_wait_for_arrears_to_clear():
    m = one_row([100, 500], [20, 20], [130, 130], share=0.5, penalty=0)
    # month 0 in arrears: nothing paid out; month 1 pays 50 + 150 = 200 of 500, leaving 300;
    # the members are owed half of 500 - 150 = 175, which the 300 can spare (payouts keep a
    # millionth of a taka above the reserve: hence approx)
    assert m["distributions"][0].tolist() == pytest.approx([0.0, 175.0])


def test_allocation_must_name_each_component_once():
    with pytest.raises(ValidationError, match="allocation"):
        ArrearsTerms(allocation=["principal", "principal", "fees", "interest"])


def test_group_penalty_rate_weights_by_principal():
    loans = [Loan(name="a", principal=100, annual_rate=0.1, installments=2,
                  penalty_annual_rate=0.12),
             Loan(name="b", principal=300, annual_rate=0.1, installments=2,
                  penalty_annual_rate=0.24)]
    assert group_penalty_rate(loans) == pytest.approx((12 + 72) / 400)


rows = st.integers(1, 4)


@settings(max_examples=80, deadline=None)
@given(data=st.data(), n=rows, T=st.integers(1, 24))
def test_arrears_never_negative_and_clear_when_cash_allows(data, n, T):
    money = st.floats(0, 1000)
    arr = lambda shape, s=money: np.array(  # noqa: E731
        data.draw(st.lists(s, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    ).reshape(shape)
    operating = arr((n, T), st.floats(-500, 1500))
    interest, principal = arr((n, T), st.floats(0, 200)), arr((n, T), st.floats(0, 800))
    m = cash_with_arrears(
        operating=operating, financing=np.zeros((n, T)), interest=interest,
        principal=principal, fees=np.zeros((n, T)), opening_cash=arr((n,)),
        payable=arr((n, T)), cash_reserve=arr((n,)), credit_limit=arr((n,)),
        credit_rate=arr((n,), st.floats(0, 0.3)), penalty_rate=arr((n,), st.floats(0, 0.5)),
        enabled=np.ones(n, dtype=bool))
    for key in ("arrears", "arrears_principal", "penalty_interest", "days_past_due"):
        assert (m[key] >= -1e-9).all(), key
    # a month whose cash could pay everything owed ends with no arrears
    owed = np.concatenate([np.zeros((n, 1)), m["arrears"][:, :-1]], axis=1) + \
        m["penalty_interest"] + interest + principal
    paid_all = m["loan_payments"] >= owed - 1e-6
    assert (m["arrears"][paid_all] <= 1e-6).all()   # paid_all allows 1e-6 unpaid
    assert (m["credit_line_balance"] >= -1e-9).all()


@settings(max_examples=60, deadline=None)
@given(data=st.data(), T=st.integers(1, 24))
def test_without_arrears_the_loop_is_the_credit_line_simulation(data, T):
    # rows with arrears off pay every installment: the same cash as cashflow's own loop
    from engine.cashflow import cash_with_credit_line
    floats = lambda lo, hi, k: np.array(data.draw(  # noqa: E731
        st.lists(st.floats(lo, hi), min_size=k, max_size=k)))
    operating, interest, principal = floats(-500, 1500, T), floats(0, 200, T), floats(0, 800, T)
    limit, rate, share, cash0, reserve = (floats(0, 1000, 1), floats(0, 0.3, 1),
                                          floats(0, 1, 1), floats(0, 1000, 1),
                                          floats(0, 500, 1))
    m = cash_with_arrears(
        operating=operating[None], financing=np.zeros((1, T)), interest=interest[None],
        principal=principal[None], fees=np.zeros((1, T)), opening_cash=cash0,
        payable=share[:, None] * np.abs(operating)[None], cash_reserve=reserve,
        credit_limit=limit, credit_rate=rate, penalty_rate=np.array([0.3]),
        enabled=np.array([False]))

    class X:
        opening_cash, cash_reserve, credit_limit, credit_rate = cash0, reserve, limit, rate
    ref = cash_with_credit_line(X, (operating - interest - principal)[None], np.zeros((1, T)),
                                share[:, None] * np.abs(operating)[None])
    for key in ("cash_balance", "distributions", "credit_line_balance", "cash_shortfall"):
        np.testing.assert_allclose(m[key], ref[key], atol=1e-6, err_msg=key)
    assert (m["arrears"] == 0).all()


ARREARS_SCENARIO = """
[[loans]]
name = "l"
principal = 2400
annual_rate = 0.12
installments = 3
amortization = "equal_principal"
penalty_annual_rate = 0.24

[[investments]]
name = "stock"
month = 0
amount = 2400

[arrears]
enabled = true
"""


def test_scenario_in_which_the_group_falls_into_arrears_by_hand():
    # 1,000 taka of sales a month paid 75 days late: receipts 0, 0, 500, 1,000, ...; the loan of
    # 2,400 (all spent on stock in month 0) asks 800 of principal a month from month 1 with 1%
    # interest on the balance: 824, 816, 808. Penalty 24% a year = 2% a month on what is overdue.
    # month 1: nothing to pay with: 824 in arrears (interest 24, principal 800), 29 days past due
    # month 2: penalty 2% x 824 = 16.48; 500 pays it, then interest 24 + 16 = 40, then principal
    #          443.52; overdue principal 1,600 - 443.52 = 1,156.48; of month 1's 824, 340.48 is
    #          still unpaid: 59 days past due, PAR30
    # month 3: penalty 2% x 1,156.48 = 23.1296; 1,000 pays it, interest 8, principal 968.8704;
    #          overdue principal 1,956.48 - 968.8704 = 987.6096; month 1 is paid, month 2's 816
    #          still owes 179.6096: 59 days past due
    from engine.cashflow import compile_scenario, simulate
    from tests.helpers import hand_scenario
    m = simulate(compile_scenario(hand_scenario(ARREARS_SCENARIO, delay=75)))
    first = slice(0, 4)
    np.testing.assert_allclose(m["cash_receipts"][0, first], [0, 0, 500, 1000])
    np.testing.assert_allclose(m["penalty_interest"][0, first], [0, 0, 16.48, 23.1296])
    np.testing.assert_allclose(m["loan_payments"][0, first], [0, 0, 500, 1000])
    np.testing.assert_allclose(m["arrears"][0, first], [0, 824, 1156.48, 987.6096])
    np.testing.assert_allclose(m["arrears_principal"][0, first], [0, 800, 1156.48, 987.6096])
    assert m["days_past_due"][0, first].tolist() == [0, 29, 59, 59]
    assert m["par30"][0, first].tolist() == [0, 0, 1, 1]
    np.testing.assert_allclose(m["cash_balance"][0, first], 0, atol=1e-9)
    assert (m["cash_shortfall"][0] == 0).all()
    # month 4: penalty 2% x 987.6096 = 19.752192, owed 1,007.36: 7.36 still overdue; month 5
    # clears it and cash builds up again
    assert m["arrears"][0, 4] == pytest.approx(987.6096 + 19.752192 - 1000)
    assert m["arrears"][0, 5] == 0 and m["days_past_due"][0, 5] == 0
    # the month's cash identity holds with what was paid
    np.testing.assert_allclose(np.cumsum(m["net_cash_flow"][0]), m["cash_balance"][0], atol=1e-6)
    # without arrears the same group is simply short of cash by what it cannot pay
    off = simulate(compile_scenario(hand_scenario(ARREARS_SCENARIO.replace("true", "false"),
                                                  delay=75)))
    assert off["cash_shortfall"][0, 1] == pytest.approx(824)
    assert (off["arrears"] == 0).all()


def test_summary_stress_table_monte_carlo_and_verdict_read_the_arrears():
    # the scenario above, continued by hand: the worst month is 59 days past due (PAR30);
    # arrears clear in month 5, so none are left at the end
    import engine
    from engine.casefile import loan_verdict
    from engine.montecarlo import monte_carlo
    from engine.shocks import STILL
    from engine.stress import stress_table
    from tests.helpers import hand_scenario
    s = hand_scenario(ARREARS_SCENARIO, delay=75)
    p = engine.project(s)
    assert p.summary["worst_days_past_due"] == 59 and p.summary["par30_ever"] is True
    assert p.summary["arrears_at_end"] == 0
    assert loan_verdict(p).startswith("fails the lender's tests: an installment goes 59 days "
                                      "past due (PAR30), 0 taka in arrears at the end")
    table = stress_table(s, {"base": {}, "price -50%": {"price": -0.5}})
    assert table.loc["base", "worst_days_past_due"] == 59
    # at half price (receipts 250, then 500 a month) month 1's installment waits until
    # cumulative receipts pass it: more than 90 days past due (PAR90)
    assert table.loc["price -50%", "worst_days_past_due"] > 90
    # Monte Carlo without shocks: every path is the projection
    mc = monte_carlo(s, STILL, paths=5, seed=1)
    assert mc.p_par30 == 1.0 and mc.expected_arrears == pytest.approx(0.0, abs=1e-9)
