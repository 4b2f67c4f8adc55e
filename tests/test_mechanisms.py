"""Hand-computed cases for the mechanisms that decide what the simulation computes: loans to
their last installment, payouts from what the group can spare, the production and cost calendar,
service effects and the counterfactual's repricing. The arithmetic is written beside each
expected value."""

import numpy as np
import pytest

import engine
from engine.cashflow import compile_scenario, simulated_months


def test_a_loan_past_the_horizon_is_repaid_inside_the_simulation():
    """Modhupur's sibl_3 moved to month 55: 17 monthly installments fall due in months 56-72, so
    the simulation runs 73 months (the horizon stays 60) and every lent taka is repaid."""
    s = engine.with_overrides(engine.load_scenario("modhupur_pineapple"),
                              {"loans.sibl_3.disbursement_month": 55})
    assert simulated_months(s) == 55 + 17 + 1
    assert compile_scenario(s).horizon_months == 60
    p = engine.project(s)
    assert len(p.simulated) == 73
    assert len(p.monthly) == 60               # the months shown stay the horizon
    # 500,000 + 1,000,000 + 1,450,000 lent, all of it repaid
    assert p.simulated["principal"].sum() == pytest.approx(2_950_000)
    assert p.simulated["loan_disbursements"].sum() == pytest.approx(2_950_000)
    # what is still owed at the horizon (month 59) is what falls due in months 60-72
    assert p.summary["outstanding_at_horizon"] == pytest.approx(
        p.simulated["principal"].loc[60:].sum())
    assert len(p.exit_sweep) == 60            # exit months are candidates within the horizon


def test_loans_inside_the_horizon_leave_the_months_alone():
    s = engine.load_scenario("modhupur_pineapple")   # sibl_3: month 13 + 17 = 30 < 60
    assert simulated_months(s) == 60
    assert np.isclose(engine.project(s).monthly["principal"].sum(), 2_950_000)


PAYOUT_CASE = """
[[fixed_costs]]
name = "costs"
monthly_amount = {cost}
start_month = 1
end_month = 1
"""


def payout_case(cost: float, share: float, reserve: float):
    """Sales of 10 x 10 = 100 taka in month 0 only, paid at once; `cost` taka paid in month 1."""
    from tests.helpers import hand_scenario
    return engine.with_overrides(
        hand_scenario(PAYOUT_CASE.format(cost=cost), capacity=10, price=10, reserve=reserve),
        {"group.distribution_share": share,
         "products.p.capacity_ramp": [{"month": 0, "factor": 1}, {"month": 1, "factor": 0}]})


def test_payouts_only_from_what_the_group_can_spare():
    """Month 0: surplus 100, the members are owed 80% of it = 80. Without payouts cash would be
    100 in month 0 and 100 - 50 = 50 from month 1 on; keeping the reserve of 10 in every later
    month leaves 50 - 10 = 40 to spare, so 40 is paid out (not 80). Cash: 100 - 40 = 60, then
    60 - 50 = 10 (the reserve). Month 1 is a loss (-50): nothing is owed. (Payouts stop a
    millionth of a taka above the reserve: hence atol.)"""
    m = engine.project(payout_case(cost=50, share=0.8, reserve=10)).monthly
    np.testing.assert_allclose(m["distributions"][:3], [40, 0, 0], atol=1e-5)
    np.testing.assert_allclose(m["cash_balance"][:3], [60, 10, 10], atol=1e-5)


def test_no_payout_that_a_later_month_needs():
    """The old counter-example: 100 received in month 0 and owed in full to the members (share
    1), 100 of costs in month 1. Paying out would leave -100 in month 1; the plan can spare
    min(100, 0) - 0 = 0, so nothing is paid and cash is 100, then 0. A month later the receipt
    meets the cost: cash 0, 0. The longer delay no longer raises minimum cash (0 both ways)."""
    s = payout_case(cost=100, share=1.0, reserve=0)
    p = engine.project(s)
    assert p.monthly["distributions"].sum() == 0
    np.testing.assert_allclose(p.monthly["cash_balance"][:2], [100, 0])
    later = engine.with_overrides(s, {"channels.buyer.payment_delay_days": 30})
    assert engine.project(later).summary["min_cash_balance"] == pytest.approx(0)
    assert p.summary["min_cash_balance"] == pytest.approx(0)


def calendar_case(calendar, sale_month=3):
    """10 units made and sold in `sale_month` only, at 10 taka, unit cost 6 taka."""
    from tests.helpers import hand_scenario
    ramp = [{"month": m, "factor": f} for m, f in ((sale_month - 1, 0), (sale_month, 1),
                                                    (sale_month + 1, 0)) if m >= 0]
    return engine.with_overrides(hand_scenario(capacity=10, price=10), {
        "products.p.unit_cost": 6, "products.p.capacity_ramp": ramp,
        "products.p.cost_calendar": calendar})


def test_cost_calendar_pays_ahead_of_the_sale_and_holds_stock():
    """Cost of sales 10 x 6 = 60 taka in month 3; half paid two months before (month 1: 30),
    half in the month of sale (month 3: 30). Stock at cost: 0, 30, 30, 0. Cash: 0, -30, -30,
    -30 + 100 - 30 = 40. Member income is accrual: 100 - 60 = 40 in month 3 (4 a member), 0
    before."""
    p = engine.project(calendar_case([{"months_before_sale": 2, "share": 0.5},
                                      {"months_before_sale": 0, "share": 0.5}]))
    m = p.monthly
    np.testing.assert_allclose(m["variable_costs"][:5], [0, 30, 0, 30, 0])
    np.testing.assert_allclose(m["stock"][:5], [0, 30, 30, 0, 0])
    np.testing.assert_allclose(m["cash_balance"][:5], [0, -30, -30, 40, 40])
    np.testing.assert_allclose(m["member_income_per_member"][:5], [0, 0, 0, 4, 0])
    assert p.summary["peak_working_capital"] == pytest.approx(30)


def test_costs_due_before_the_start_are_opening_stock():
    """Sold in month 1, paid three months before: month -2, before the start. Those 60 taka
    were spent before month 0 (opening stock 60), so nothing is paid inside the projection and
    stock falls from 60 to 0 when the units are sold."""
    m = engine.project(calendar_case([{"months_before_sale": 3, "share": 1.0}],
                                     sale_month=1)).monthly
    np.testing.assert_allclose(m["variable_costs"][:3], [0, 0, 0])
    np.testing.assert_allclose(m["stock"][:3], [60, 0, 0])


def test_modhupur_needs_working_capital_before_its_harvest():
    """Inputs paid in the six months before each harvest: the 2001 squeeze needs bridging, and
    without the SIBL loans the line cannot cover it (a cash shortfall)."""
    s = engine.load_scenario("modhupur_pineapple")
    with_loans = engine.project(s).summary
    without = engine.project(engine.with_overrides(s, {"loans": []})).summary
    assert with_loans["peak_working_capital"] > 500_000
    assert with_loans["bridging_cost"] > 0
    assert without["cash_shortfall_max"] > 0 == with_loans["cash_shortfall_max"]
    assert without["min_cash_balance"] < with_loans["min_cash_balance"]
    assert with_loans["exit_month"] >= 4      # not before the first harvest (June-July 2001)


EFFECT_CASE = """
[[services]]
name = "quality_control"
one_off = [{ month = 0, amount = 10 }]
shares = { donor = 1.0 }
after_exit = "stop"
effects = [{ on = "price", without_service = -0.5, half_life_months = 1 }]
"""


def test_a_service_effect_is_held_while_delivered_and_fades_after():
    """10 units a month at 10 taka; quality control delivered in month 0 only holds the price,
    which would be 50% lower without it, with a one-month half-life. Strength 1, 0.5, 0.25,
    0.125: price multiplier 1 - 0.5 x (1 - strength) = 1, 0.75, 0.625, 0.5625, so revenue 100,
    75, 62.5, 56.25. With every subsidy ended at month 0 the service is never delivered:
    multiplier 0.5 from the start, revenue 50 a month, cash 50, 100, 150, 200."""
    from tests.helpers import hand_scenario
    p = engine.project(hand_scenario(EFFECT_CASE, capacity=10, price=10))
    np.testing.assert_allclose(p.monthly["sales_revenue"][:4], [100, 75, 62.5, 56.25])
    np.testing.assert_allclose(p.monthly["cash_balance_without_subsidy"][:4],
                               [50, 100, 150, 200])


REPRICE_CASE = """
[[loans]]
name = "concessional"
principal = 1200
annual_rate = 0.0
installments = 12
amortization = "equal_principal"
market_annual_rate = 0.12
"""


def test_every_subsidy_stops_reprices_a_concessional_loan():
    """1,200 lent at 0% in month 0, 100 of principal a month from month 1; a market lender
    would charge 12% / 12 = 1% a month on the balance: 12, 11, 10 taka in months 1-3. As given
    the group pays principal only (cash 1,200 + 1,000 opening: 2,200, 2,100, 2,000, 1,900);
    with every subsidy ended at month 0 it pays the market interest too: 2,200, 2,088, 1,977,
    1,867, and none of it counts as subsidy."""
    from tests.helpers import hand_scenario
    s = hand_scenario(REPRICE_CASE, capacity=0, opening_cash=1000)
    p = engine.project(s)
    np.testing.assert_allclose(p.monthly["cash_balance"][:4], [2200, 2100, 2000, 1900])
    np.testing.assert_allclose(p.monthly["cash_balance_without_subsidy"][:4],
                               [2200, 2088, 1977, 1867])
    np.testing.assert_allclose(p.monthly["subsidy"][:4], [0, 12, 11, 10])
