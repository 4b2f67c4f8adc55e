"""The exit planner: payer totals, SDI/OSS/FSS, withdrawal at any month, the fastest safe taper,
the services the group can keep, and the report."""


import pytest

import engine
from engine.planner import (
    fastest_safe_taper,
    services_at_exit,
    withdrawal,
    yearly_ratios,
)
from tests.helpers import CONCESSIONAL_LOAN, hand_scenario

SERVICE = """
[[services]]
name = "advice"
monthly_cost = {cost}
shares = {{ donor = {donor}, ngo = {ngo}, group = {group} }}
"""


def test_subsidy_to_sales_oss_fss_by_hand():
    # 2020: sales 100 x 10 = 1,000 a month; advice 100 a month paid by the donor; a 12,000 loan
    # at 12% (interest only, 120 a month in months 1-11) where the market asks 24% (240): the
    # loan saves 120 a month. Subsidy 12 x 100 + 11 x 120 = 2,520; subsidy to sales = 2,520 /
    # 12,000 = 0.21. OSS (SEEP/CGAP) counts what the group pays: 12,000 / 1,320 interest =
    # 9.09; FSS adds the subsidies at cost (1,200 advice, 1,320 saved) and the inflation
    # adjustment (0: no inflation here): 12,000 / 3,840 = 3.125; the full-cost ratio has the
    # advice at full cost but no financial adjustment: 12,000 / 2,520 = 4.762.
    s = hand_scenario(SERVICE.format(cost=100, donor=1.0, ngo=0.0, group=0.0)
                      + CONCESSIONAL_LOAN)
    y = yearly_ratios(engine.project(s)).loc["2020"]
    assert y.subsidy == pytest.approx(2520)
    assert y.subsidy_to_sales == pytest.approx(0.21)
    assert y.oss == pytest.approx(12000 / 1320)
    assert y.fss == pytest.approx(12000 / 3840)
    assert y.full_cost_ratio == pytest.approx(12000 / 2520)


def test_withdrawal_at_any_month_by_hand():
    # as the hand-computed exit month: ending at month 2 leaves 180 - 20 t, below 0 from t = 10,
    # lowest -40 at t = 11
    s = hand_scenario(SERVICE.format(cost=50, donor=1.0, ngo=0.0, group=0.0), opening_cash=100,
                      capacity=3)
    w = withdrawal(engine.project(s), 2)
    assert w["first_shortfall_month"] == 10 and w["shortfall"] == pytest.approx(40)
    assert w["cash_balance"].iloc[11] == pytest.approx(-40)
    assert withdrawal(engine.project(s), 3)["first_shortfall_month"] is None


def _min_cash(scenario, from_month):
    return engine.project(scenario).monthly.cash_balance.loc[from_month:].min()


def test_fastest_linear_taper_is_safe_and_one_month_faster_is_not():
    # opening 300, sales 30 a month, a 50-a-month service the donor pays; tapered from month 0
    s = hand_scenario(SERVICE.format(cost=50, donor=1.0, ngo=0.0, group=0.0), opening_cash=300,
                      capacity=3, months=24)
    result = fastest_safe_taper(engine.project(s), start=0)
    d = result["linear"]["months"]
    assert 1 < d < 24
    explicit = {"services.advice.taper": {"kind": "linear", "start_month": 0, "months": d}}
    assert _min_cash(engine.with_overrides(s, explicit), 0) >= 0
    explicit["services.advice.taper"]["months"] = d - 1
    assert _min_cash(engine.with_overrides(s, explicit), 0) < 0
    # step form: the largest safe step, and one point more is not safe
    step = result["step"]["step"]
    every = result["step"]["every_months"]
    taper = {"kind": "step", "start_month": 0, "step": step, "every_months": every}
    assert _min_cash(engine.with_overrides(s, {"services.advice.taper": taper}), 0) >= 0
    taper["step"] = round(step + 0.01, 2)
    assert _min_cash(engine.with_overrides(s, {"services.advice.taper": taper}), 0) < 0
    # the cheaper plan for the donor is named and costs what its rows say
    cheapest = result[result["cheapest"]]["cost_to_payers"]
    other = "step" if result["cheapest"] == "linear" else "linear"
    assert cheapest <= result[other]["cost_to_payers"]


def test_services_the_group_can_keep_by_hand():
    # sales 45 a month, two donor-paid services it would have to pay itself: 'big' 50 a month
    # and 'small' 10. It can pay 10 (cash grows 35 a month) but not 50 (falls 5 a month).
    extra = (SERVICE.format(cost=50, donor=1.0, ngo=0.0, group=0.0).replace("advice", "big")
             + SERVICE.format(cost=10, donor=1.0, ngo=0.0, group=0.0).replace("advice", "small"))
    s = hand_scenario(extra, capacity=4.5)
    table = services_at_exit(engine.project(s), 0)
    assert table.verdict.to_dict() == {"big": "drop", "small": "take over at full cost"}
    assert table.full_cost_after_exit.to_dict() == {"big": 600.0, "small": 120.0}
    assert table.attrs["safe"]


def test_bogra_needs_its_support_longer_than_the_others():
    """Computed, not written in: the fastest safe taper from the start is longest for Bogra."""
    months = {n: (fastest_safe_taper(engine.project(engine.load_scenario(n)))["linear"]
                  or {}).get("months")
              for n in engine.preset_names()}
    assert months["bogra_handicrafts"] > max(v for k, v in months.items()
                                             if k != "bogra_handicrafts" and v is not None)
