"""Accounting identities that hold for every scenario, checked on random scenarios and presets."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import engine
from engine.loans import contracts
from engine.loans import opening as first_release
from tests.strategies import scenarios


def check_identities(scenario):
    p = engine.project(scenario)
    m = p.simulated       # every simulated month (to the last installment of every loan)
    opening = scenario.group.opening_cash
    # cash_balance[t] = cash_balance[t-1] + net_cash_flow[t]
    np.testing.assert_allclose(np.diff(m.cash_balance), m.net_cash_flow.iloc[1:], atol=1e-6)
    assert m.cash_balance.iloc[0] == pytest.approx(opening + m.net_cash_flow.iloc[0], abs=1e-6)
    # net cash flow is the sum of its parts
    parts = (m.operating_cash_flow - m.debt_service_paid + m.loan_disbursements
             + m.member_capital - m.investments - m.distributions + m.credit_line_draw)
    np.testing.assert_allclose(m.net_cash_flow, parts, atol=1e-6)
    ocf = (m.cash_receipts - m.commissions - m.variable_costs - m.fixed_costs
           - m.service_cost_group)
    np.testing.assert_allclose(m.operating_cash_flow, ocf, atol=1e-6)
    np.testing.assert_allclose(m.debt_service, m.interest + m.principal + m.loan_fees, atol=1e-6)
    # the credit line's balance is the running sum of its draws; it never exceeds its limit,
    # and cash is below zero only by what the line could not cover
    np.testing.assert_allclose(np.cumsum(m.credit_line_draw), m.credit_line_balance, atol=1e-6)
    assert (m.credit_line_balance <= scenario.group.credit_line_limit + 1e-6).all()
    np.testing.assert_allclose(np.maximum(-m.cash_balance, 0), m.cash_shortfall, atol=1e-6)
    if scenario.group.credit_line_limit > 0:
        # a shortfall only where the line is fully drawn
        drawn = m.credit_line_balance >= scenario.group.credit_line_limit - 1e-6
        assert (drawn | (m.cash_shortfall < 1e-6)).all()
    # receivables at the end = revenue - receipts
    assert m.receivables.iloc[-1] == pytest.approx(m.sales_revenue.sum() - m.cash_receipts.sum(),
                                                   abs=1e-6)
    # what cash paid of the debt service is what fell due less what is newly overdue
    arrears_before = np.concatenate([[0.0], m.arrears.to_numpy()[:-1]])
    np.testing.assert_allclose(m.debt_service_paid, m.debt_service + arrears_before - m.arrears,
                               atol=1e-6)
    assert (m.arrears >= -1e-9).all()
    # every lent taka is repaid inside the simulation (principal with down payments equals
    # principal lent, for every contract of every loan, all due within the simulated months) ...
    for loan in scenario.loans:
        schedule = p.loans[loan.name]
        assert schedule.month.max() < len(m)
        lent = contracts(loan)
        downs = sum(first_release(c)[1] for c in lent)
        assert schedule.principal.sum() + schedule.down_payment.sum() + downs == \
            pytest.approx(sum(c.principal for c in lent), abs=1e-6)
        assert schedule.balance.iloc[-1] == 0
    # ... and what was lent by the horizon and not yet repaid is reported as outstanding there
    shown = p.monthly
    assert len(shown) == scenario.horizon_months
    assert p.summary["outstanding_at_horizon"] == pytest.approx(
        shown.loan_disbursements.sum() - shown.principal.sum(), abs=1e-6)
    return p


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios)
def test_identities_on_random_scenarios(scenario):
    check_identities(scenario)


@pytest.mark.parametrize("name", engine.preset_names())
def test_identities_on_presets(name):
    p = check_identities(engine.load_scenario(name))
    # every preset loan matures within the horizon: all principal lent is repaid in it
    assert p.monthly.principal.sum() == pytest.approx(p.monthly.loan_disbursements.sum())


def test_receipts_equal_revenue_when_the_horizon_outlasts_the_delays():
    # sales stop after month 23 (end of the ramp at factor 0); a 45-day delay is paid by month 25
    from tests.helpers import hand_scenario
    s = engine.with_overrides(hand_scenario(months=36, delay=45), {
        "products.p.capacity_ramp": [{"month": 23, "factor": 1.0}, {"month": 24, "factor": 0.0}]})
    m = engine.project(s).monthly
    assert m.cash_receipts.sum() == pytest.approx(m.sales_revenue.sum())
