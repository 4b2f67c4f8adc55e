"""The loan officer's answers: the largest loan and the stress table, each checked against
explicit single projections built with `with_overrides`."""

import numpy as np
import pytest

import engine
from engine.loan_capacity import DSCR_TARGET, max_affordable_loan
from engine.loans import Loan
from engine.stress import stress_table


def with_loan(scenario, loan):
    """The scenario plus `loan`, spent on an investment in its disbursement month."""
    loans = [*scenario.loans, loan]
    investments = [*scenario.investments,
                   {"month": loan.disbursement_month, "amount": loan.principal,
                    "name": "loan use"}]
    return engine.Scenario.model_validate({**scenario.model_dump(), "loans": [
        x.model_dump() for x in loans], "investments": [
        i if isinstance(i, dict) else i.model_dump() for i in investments]})


def meets_terms(scenario, loan, target=DSCR_TARGET):
    p = engine.project(with_loan(scenario, loan))
    m = p.simulated.loc[loan.disbursement_month:]
    dscr = m.dscr_12m[m.dscr_12m.notna()]
    return bool((dscr >= target - 1e-9).all() and
                (m.cash_balance >= scenario.group.cash_reserve - 1e-9).all())


# Bogra's own loans already fail the DSCR once members' labour is drawn (see
# test_loan_verdict...), so its case counts their labour as available to repay.
@pytest.mark.parametrize(("name", "month", "installments", "overrides"), [
    ("bogra_handicrafts", 30, 24, {"group.drawings_per_member_month": 0}),
    ("modhupur_pineapple", 20, 24, {}),
    ("mirpur_footwear", 12, 24, {}),
    ("mirpur_footwear", 50, 36, {}),   # repaid 26 months after the horizon
])
def test_max_affordable_loan_meets_target_and_one_percent_more_does_not(name, month,
                                                                        installments,
                                                                        overrides):
    s = engine.with_overrides(engine.load_scenario(name), overrides)
    terms = Loan(name="new", principal=1, annual_rate=0.14, installments=installments,
                 disbursement_month=month)
    best = max_affordable_loan(s, terms)
    assert best > 0
    assert meets_terms(s, terms.model_copy(update={"principal": best}))
    # the loan found is repaid inside the simulation that judged it
    p = engine.project(with_loan(s, terms.model_copy(update={"principal": best})))
    assert p.simulated.principal.sum() == pytest.approx(p.simulated.loan_disbursements.sum())
    assert not meets_terms(s, terms.model_copy(update={"principal": best * 1.01}))


def test_max_affordable_loan_is_zero_when_nothing_fits():
    # a group that never earns anything cannot carry any loan
    s = engine.with_overrides(engine.load_scenario("mirpur_footwear"),
                              {"channels.apex.price": 0, "channels.legacy.price": 0,
                               "channels.local.price": 0})
    terms = Loan(name="new", principal=1, annual_rate=0.14, installments=12,
                 disbursement_month=6)
    assert max_affordable_loan(s, terms) == 0.0


@pytest.mark.parametrize("name", ["bogra_handicrafts", "modhupur_pineapple"])
def test_stress_rows_equal_explicit_projections(name):
    s = engine.load_scenario(name)
    table = stress_table(s)
    prices = {f"channels.{c.name}.price": c.price * 0.9 for c in s.channels}
    delays = {f"channels.{c.name}.payment_delay_days": c.payment_delay_days + 30
              for c in s.channels}
    delays |= {f"channels.{c.name}.payment_delay_days_max": c.payment_delay_days_max + 30
               for c in s.channels if c.payment_delay_days_max is not None}
    for label, overrides in [("price -10%", prices), ("payment delay +30 days", delays)]:
        p = engine.project(engine.with_overrides(s, overrides))
        row = table.loc[label]
        assert row.min_cash_balance == pytest.approx(p.summary["min_cash_balance"])
        assert row.exit_month == p.summary["exit_month"] or (
            row.exit_month is None and p.summary["exit_month"] is None)
        assert row.min_dscr_12m == pytest.approx(p.summary["min_dscr_12m"])
    base = engine.project(s).summary
    assert table.loc["base"].min_cash_balance == pytest.approx(base["min_cash_balance"])
    # every stress is bad news: never more cash or an earlier exit than the base case
    assert (table.min_cash_balance <= base["min_cash_balance"] + 1e-6).all()
    exits = table.exit_month.map(lambda m: np.inf if m is None else m)
    assert (exits >= base["exit_month"]).all()
