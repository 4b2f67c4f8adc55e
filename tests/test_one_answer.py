"""One answer per question: on random scenarios, every caller that reports the exit month and the
lowest trailing-12-month DSCR gives `project`'s figure (issue: a stress table once said 2005-10
where the projection said never). Each caller builds its own rows: the stress table's base row,
a zero-volatility Monte Carlo, a portfolio of one group."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings

import engine
from engine.montecarlo import monte_carlo
from engine.portfolio import portfolio
from engine.shocks import STILL
from engine.stress import stress_table
from tests.strategies import scenarios


def _same(a, b) -> bool:
    a = None if a is None or pd.isna(a) else float(a)
    b = None if b is None or pd.isna(b) else float(b)
    return (a is None and b is None) or (a is not None and b is not None
                                         and np.isclose(a, b, rtol=1e-9, atol=1e-9))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios)
def test_stress_base_row_monte_carlo_and_portfolio_of_one_agree_with_project(scenario):
    s = engine.project(scenario).summary
    exit_month = -1 if s["exit_month"] is None else s["exit_month"]

    base = stress_table(scenario, {"base": {}}).iloc[0]
    assert _same(base["exit_month"], s["exit_month"])
    assert _same(base["min_dscr_12m"], s["min_dscr_12m"])

    mc = monte_carlo(scenario, STILL, paths=3, seed=0)
    assert mc.exit_month_distribution.to_dict() == {exit_month: 1.0}
    if s["min_dscr_12m"] is None:                # undefined: no full window in the loan period
        assert np.isnan(mc.p_dscr_below_1)
    else:
        assert mc.p_dscr_below_1 == (1.0 if s["min_dscr_12m"] < 1 else 0.0)

    [row] = portfolio(scenario, pd.DataFrame({"group_id": ["g"]})).to_dict("records")
    assert _same(row["exit_month"], s["exit_month"])
    assert _same(row["min_dscr_12m"], s["min_dscr_12m"])


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scenarios)
def test_more_subsidy_never_lowers_minimum_cash(scenario):
    """A donor paying a larger share of a service the group partly pays can only leave the
    group more cash (with payouts off: a payout is the group's choice, not a loss)."""
    scenario = engine.with_overrides(scenario, {"group.distribution_share": 0.0})
    services = [sv for sv in scenario.services
                if sv.beneficiary == "group" and not sv.embedded and sv.taper.kind == "none"
                and sv.shares.get("group", 0.0) > 0 and not sv.effects]
    assume(services)
    sv = services[0]
    more = {p: v for p, v in sv.shares.items() if p != "group"}
    more["donor"] = more.get("donor", 0.0) + sv.shares["group"]
    richer = scenario.model_copy(update={"services": [
        x.model_copy(update={"shares": more}) if x.name == sv.name else x
        for x in scenario.services]})
    before = engine.project(scenario).monthly["cash_balance"].to_numpy()
    after = engine.project(richer).monthly["cash_balance"].to_numpy()
    assert (after >= before - 1e-6).all()


def _in_arrears_with_a_prepaid_loan() -> engine.Scenario:
    """Bogra over 24 months with half its sales accepted, no cash and no credit line: a
    36-month loan of 50,000 falls into arrears (30% a year in penalties) and is prepaid in
    month 20 with 100,000. The portfolio's test loan on its terms (1,000,000) is not paid off
    by that prepayment, so its search simulates to month 36, past the group's own months."""
    d = engine.load_scenario("bogra_handicrafts").model_dump()
    d["horizon_months"] = 24
    d["arrears"]["enabled"] = True
    d["group"] |= {"opening_cash": 0.0, "credit_line_limit": 0.0}
    for c in d["channels"]:
        c["acceptance_rate"] = 0.5
    d["loans"] = [d["loans"][0] | {
        "principal": 50_000.0, "installments": 36, "repayment_unit": "months",
        "disbursement_month": 0, "penalty_annual_rate": 0.3,
        "prepayments": [{"month": 20, "amount": 100_000.0}]}]
    return engine.Scenario.model_validate(d)


def test_a_portfolio_of_one_reports_projects_figures_when_the_test_loan_runs_longer():
    """Found by the test above: the largest-loan search's longer simulation added months of
    penalties on the arrears, and their DSCR windows, to the reported figures."""
    from engine.cashflow import dated_loans, simulated_months
    from engine.loan_capacity import dated, months_to_repay
    from engine.pipeline import compile_rows, run

    scenario = _in_arrears_with_a_prepaid_loan()
    s = engine.project(scenario).summary
    longer = months_to_repay(scenario, dated(scenario, dated_loans(scenario)[-1]))
    assert simulated_months(scenario) == 24 < longer == 37
    assert s["arrears_at_end"] > 0
    # the case is sharp: to the test loan's last month the lowest DSCR is another figure
    extended = run(compile_rows([scenario], longer), 24, scenario.exit_criteria)
    assert not _same(extended.summary.row(0)["min_dscr_12m"], s["min_dscr_12m"])

    [row] = portfolio(scenario, pd.DataFrame({"group_id": ["g"]})).to_dict("records")
    for key in ("exit_month", "min_dscr_12m", "min_dscr_seasonal", "min_cash_balance",
                "arrears_at_end", "worst_days_past_due"):
        assert _same(row[key], s[key]), key


def test_each_group_of_a_portfolio_reports_its_own_projects_figures():
    """Groups whose loans end in different months (one compile per group: the prepayment
    pays off the first group's loan in month 20, not the second's, which runs to month 36)
    each report what `project` reports for them, not figures over the longest group's
    months."""
    base = _in_arrears_with_a_prepaid_loan()
    column = "loans.tmss_1.prepayments[0].amount"
    groups = pd.DataFrame({"group_id": ["paid off", "not paid off"],
                           column: [100_000.0, 1_000.0]})
    rows = portfolio(base, groups).to_dict("records")
    for row, amount in zip(rows, (100_000.0, 1_000.0), strict=True):
        s = engine.project(engine.with_overrides(base, {column: amount})).summary
        for key in ("exit_month", "min_dscr_12m", "min_cash_balance", "arrears_at_end"):
            assert _same(row[key], s[key]), (row["group_id"], key)
