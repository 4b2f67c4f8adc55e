"""Hand-computed cases: payment delays split by days, exit months, a group that never exits."""

import numpy as np
import pytest

import engine
from tests.helpers import hand_scenario


# 100 units a month at 10 taka = 1,000 taka of sales every month, paid `delay` days later.
# On the 30-day month, a delay of d days moves a share d/30 of a month's sales into the next month
# (45 days: all of it one month later, half of it two months later).
@pytest.mark.parametrize(("delay", "first_three", "end_receivables"), [
    (0, [1000, 1000, 1000], 0.0),
    (21, [300, 1000, 1000], 700.0),          # 9/30 paid in the month, 21/30 the next
    (28, [2000 / 30, 1000, 1000], 28000 / 30),  # 2/30 in the month, 28/30 the next
    (45, [0, 500, 1000], 1500.0),            # half after one month, half after two
])
def test_payment_delay_cases(delay, first_three, end_receivables):
    p = engine.project(hand_scenario(delay=delay))
    np.testing.assert_allclose(p.monthly.cash_receipts.iloc[:3], first_three)
    assert p.monthly.cash_receipts.iloc[5] == pytest.approx(1000)
    assert p.summary["end_receivables"] == pytest.approx(end_receivables)


def test_21_and_28_days_give_different_cash_curves():
    c21 = engine.project(hand_scenario(delay=21)).monthly.cash_balance
    c28 = engine.project(hand_scenario(delay=28)).monthly.cash_balance
    assert c21.iloc[0] == pytest.approx(300) and c28.iloc[0] == pytest.approx(1000 / 15)
    # from month 1 on both receive 1,000 a month, so the gap stays 300 - 66.67
    np.testing.assert_allclose(c21 - c28, 300 - 1000 / 15)


SERVICE = """
[[services]]
name = "advice"
monthly_cost = 50
shares = {{ donor = 1.0 }}
after_exit = "{after_exit}"
"""


def test_hand_computed_exit_month():
    # sales 30 a month, opening cash 100, a 50-a-month service the donor pays.
    # Ending the subsidy at M, cash at the end of month t >= M is 100 + 30 (t + 1) - 50 (t - M + 1),
    # lowest at t = 11: 50 M - 140 >= 0 first holds at M = 3 (10 taka), not at M = 2 (-40).
    s = hand_scenario(SERVICE.format(after_exit="continue"), opening_cash=100, capacity=3,
                      price=10)
    p = engine.project(s)
    assert p.summary["exit_month"] == 3
    assert p.summary["exit_date"] == "2020-04"
    assert p.exit_sweep.loc[3, "min_cash_after_exit"] == pytest.approx(10)
    assert p.exit_sweep.loc[2, "min_cash_after_exit"] == pytest.approx(-40)
    assert p.exit_sweep.loc[2, "first_shortfall_month"] == 10   # 100 + 330 - 450 = -20 < 0
    # subsidy is what the donor paid: 50 a month for 12 months
    assert p.summary["total_subsidy"] == pytest.approx(600)
    assert p.summary["subsidy_to_sales"] == pytest.approx(600 / 360)


def test_service_that_stops_at_exit_costs_nothing_after():
    s = hand_scenario(SERVICE.format(after_exit="stop"), opening_cash=0, capacity=3, price=10)
    assert engine.project(s).summary["exit_month"] == 0


def test_never_self_sustaining_is_none():
    # nothing sold; the donor pays a service the group must keep: any exit leaves cash at -50
    s = hand_scenario(SERVICE.format(after_exit="continue"), price=0)
    p = engine.project(s)
    assert p.summary["exit_month"] is None
    assert p.summary["exit_date"] is None
    assert not p.exit_sweep.safe.any()


def test_fallback_channel_takes_rejects_at_its_price():
    extra = """
[[channels]]
name = "local"
buyer = "L"
product = "p"
share = 0.0
price = 4
payment_delay_days = 45
"""
    s = engine.with_overrides(hand_scenario(extra, delay=0, capacity=100, price=10, months=12),
                              {"channels.buyer.acceptance_rate": 0.7,
                               "channels.buyer.fallback": "local"})
    p = engine.project(s)
    # 70 accepted at 10 = 700; 30 rejected sold locally at 4 = 120, paid half after 1 month
    # and half after 2 months
    assert p.monthly.sales_revenue.iloc[0] == pytest.approx(820)
    np.testing.assert_allclose(p.monthly.cash_receipts.iloc[:3], [700, 760, 820])
    assert p.by_channel["local"].iloc[0] == pytest.approx(120)
    # buyer shares of revenue 700/820 and 120/820
    assert p.summary["buyer_hhi"] == pytest.approx((700 / 820) ** 2 + (120 / 820) ** 2)


def test_linear_step_and_table_tapers_by_hand():
    from engine.cashflow import payer_shares
    from engine.scenario import Service
    linear = Service(name="x", shares={"donor": 0.71, "ngo": 0.13, "group": 0.16},
                     taper={"kind": "linear", "payers": ["donor"], "start_month": 2, "months": 4})
    sh = payer_shares(linear, 8)
    # donor 0.71 until month 2, then 0.71 x (1 - (t - 2) / 4): 0.5325, 0.355, 0.1775, 0
    np.testing.assert_allclose(sh["donor"], [.71, .71, .71, .5325, .355, .1775, 0, 0])
    np.testing.assert_allclose(sh["ngo"], [.13] * 8)
    np.testing.assert_allclose(sh["group"], 1 - sh["donor"] - 0.13)
    step = Service(name="x", shares={"ngo": 1.0},
                   taper={"kind": "step", "start_month": 3, "step": 0.5, "every_months": 2})
    np.testing.assert_allclose(payer_shares(step, 8)["ngo"], [1, 1, 1, .5, .5, 0, 0, 0])
    table = Service(name="x", shares={"ngo": 1.0}, taper={"kind": "table", "table": [
        {"from_month": 2, "shares": {"ngo": 0.5, "group": 0.5}},
        {"from_month": 5, "shares": {"group": 1.0}}]})
    np.testing.assert_allclose(payer_shares(table, 7)["group"], [0, 0, .5, .5, .5, 1, 1])


def test_plan_months_may_be_written_as_dates():
    # 'TMSS share 100% until 2002-06, then 50% for 12 months, then 0', with start 2001-09:
    # 2002-07 is month 10 and 2003-07 month 22
    from engine import ScenarioError, parse_scenario
    from engine.cashflow import payer_shares
    from tests.helpers import BASE
    text = BASE.format(months=36, opening_cash=0, reserve=0, capacity=100, price=10, delay=0)
    text = text.replace('start = "2020-01"', 'start = "2001-09"') + """
[[services]]
name = "tmss_bds"
monthly_cost = 100
shares = { ngo = 1.0 }
taper = { kind = "table", table = [
  { from_month = "2002-07", shares = { ngo = 0.5, group = 0.5 } },
  { from_month = "2003-07", shares = { group = 1.0 } } ] }
"""
    s = parse_scenario(text)
    assert [r.from_month for r in s.services[0].taper.table] == [10, 22]
    ngo = payer_shares(s.services[0], 36)["ngo"]
    assert (ngo[9], ngo[10], ngo[21], ngo[22]) == (1.0, 0.5, 0.5, 0.0)
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text + """
[[fixed_costs]]
name = "w"
monthly_amount = 1
start_month = "2000-05"
""")
    assert [p.path for p in err.value.problems] == ["fixed_costs[0].start_month"]
    assert err.value.problems[0].message == "must be a month from 2001-09 on (got '2000-05')"
