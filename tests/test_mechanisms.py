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
    assert len(p.monthly) == 73
    # 500,000 + 1,000,000 + 1,450,000 lent, all of it repaid
    assert p.monthly["principal"].sum() == pytest.approx(2_950_000)
    assert p.monthly["loan_disbursements"].sum() == pytest.approx(2_950_000)
    assert len(p.exit_sweep) == 60            # exit months are candidates within the horizon


def test_loans_inside_the_horizon_leave_the_months_alone():
    s = engine.load_scenario("modhupur_pineapple")   # sibl_3: month 13 + 17 = 30 < 60
    assert simulated_months(s) == 60
    assert np.isclose(engine.project(s).monthly["principal"].sum(), 2_950_000)
