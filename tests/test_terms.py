"""Buyers' terms: delay ranges, quotas, market prices, the bridging credit line, switching values
and the PRAN question; hand-computed cases first, then properties."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.comparison import compare, concentration_warning
from engine.switching import all_to, switching_value
from tests.helpers import hand_scenario
from tests.strategies import scenarios


def test_delay_range_inside_one_month_equals_its_midpoint():
    # 1,000 a month paid 21-28 days late, spread evenly: paid in the same month is
    # (G(9) - G(2)) / 7 with G(u) = u^2 / 60 for 0 <= u <= 30: (1.35 - 0.0667) / 7 = 0.18333,
    # the same as a fixed 24.5 days ((30 - 24.5) / 30)
    s = engine.with_overrides(hand_scenario(delay=21),
                              {"channels.buyer.payment_delay_days_max": 28})
    receipts = engine.project(s).monthly.cash_receipts
    np.testing.assert_allclose(receipts.iloc[:3], [1000 * 11 / 60, 1000, 1000])


def test_delay_range_across_a_month_end_by_hand():
    # 20-40 days: this month (G(10) - G(-10)) / 20 = (100/60) / 20 = 1/12 of the sales; next
    # month F(60) - F(30) = (G(40) - G(20)) / 20 - 1/12 = (25 - 6.667) / 20 - 1/12 = 5/6;
    # the month after 1/12. A fixed 30 days would pay everything next month.
    s = engine.with_overrides(hand_scenario(delay=20),
                              {"channels.buyer.payment_delay_days_max": 40,
                               "products.p.capacity_ramp": [{"month": 0, "factor": 1.0},
                                                            {"month": 1, "factor": 0.0}]})
    receipts = engine.project(s).monthly.cash_receipts
    np.testing.assert_allclose(receipts.iloc[:4], [1000 / 12, 1000 * 5 / 6, 1000 / 12, 0],
                               atol=1e-9)


QUOTA = """
[[channels]]
name = "spot"
buyer = "S"
product = "p"
share = 0.0
price = 8
"""


def test_quota_filled_first_then_spilled_to_spot():
    # 50 units in month 0 (ramp 0.5), 100 after; the contract takes up to 60 at 10 taka,
    # spot takes the rest at 8: 50 x 10 = 500, then 60 x 10 + 40 x 8 = 920
    s = engine.with_overrides(hand_scenario(QUOTA), {
        "products.p.allocation": "contracts_first",
        "products.p.capacity_ramp": [{"month": 0, "factor": 0.5}, {"month": 1, "factor": 1}],
        "channels.buyer.quota_units_per_month": 60, "channels.buyer.share": 0.0,
        "channels.spot.share": 1.0})
    p = engine.project(s)
    np.testing.assert_allclose(p.by_channel["buyer"].iloc[:3], [500, 600, 600])
    np.testing.assert_allclose(p.by_channel["spot"].iloc[:3], [0, 320, 320])
    np.testing.assert_allclose(p.monthly.sales_revenue.iloc[:2], [500, 920])


def test_market_priced_channel_follows_the_market():
    # a market averaging 10 taka, 12 taka in January and 8 in July (weights 1.2 / 0.8), 5%
    # under it: January 100 x 12 x 0.95 = 1,140; July 100 x 8 x 0.95 = 760
    season = [1.2, 1, 1, 1, 1, 1, 0.8, 1, 1, 1, 1, 1]
    s = engine.with_overrides(hand_scenario(), {
        "markets": [{"name": "m", "price": 10.0, "seasonality": season}],
        "channels.buyer.price_basis": "market", "channels.buyer.market": "m",
        "channels.buyer.market_premium": -0.05})
    revenue = engine.project(s).monthly.sales_revenue
    assert revenue.iloc[0] == pytest.approx(1140) and revenue.iloc[6] == pytest.approx(760)


def test_credit_line_covers_deficits_and_reports_what_it_cannot():
    # sales 1,000 a month paid 45 days late; fixed costs 800; a line of 1,000 at 1% a month.
    # m0: cash -800 -> draw 800. m1: interest 8, receipts 500: -308 -> draw the 200 left,
    # cash -108 (shortfall). m2: interest 10, receipts 1,000: +190 -> repay 82, cash 0.
    extra = """
[[fixed_costs]]
name = "wages"
monthly_amount = 800
"""
    s = engine.with_overrides(hand_scenario(extra, delay=45), {
        "group.credit_line_limit": 1000, "group.credit_line_annual_rate": 0.12})
    p = engine.project(s)
    m = p.monthly
    np.testing.assert_allclose(m.credit_line_draw.iloc[:3], [800, 200, -82])
    np.testing.assert_allclose(m.credit_line_balance.iloc[:4], [800, 1000, 918, 727.18])
    np.testing.assert_allclose(m.credit_line_interest.iloc[:4], [0, 8, 10, 9.18])
    np.testing.assert_allclose(m.cash_balance.iloc[:3], [0, -108, 0], atol=1e-9)
    assert p.summary["cash_shortfall_month"] == 1
    assert p.summary["cash_shortfall_max"] == pytest.approx(108)
    assert p.summary["bridging_cost"] == pytest.approx(m.credit_line_interest.sum())


def _ended_sales(scenario):
    """Sales stop 7 months before the horizon: every delay (at most 160 days) is paid."""
    T = scenario.horizon_months
    return engine.with_overrides(scenario, {
        f"products.{p.name}.capacity_ramp": [{"month": T - 8, "factor": 1.0},
                                             {"month": T - 7, "factor": 0.0}]
        for p in scenario.products})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios)
def test_receipts_equal_revenue_over_a_long_enough_horizon(scenario):
    m = engine.project(_ended_sales(scenario)).monthly
    assert m.cash_receipts.sum() == pytest.approx(m.sales_revenue.sum(), rel=1e-9, abs=1e-6)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios, st.floats(0.5, 90), st.data())
def test_a_longer_delay_never_raises_minimum_cash(scenario, extra_days, data):
    """With payouts on (the random scenarios draw distribution_share in 0..1). Without arrears:
    with them an installment cash cannot pay stays overdue instead of lowering cash, so the
    lowest cash no longer measures the squeeze (their days past due do)."""
    scenario = engine.with_overrides(scenario, {"arrears.enabled": False})
    c = data.draw(st.sampled_from(scenario.channels))
    later = {f"channels.{c.name}.payment_delay_days": c.payment_delay_days + extra_days}
    if c.payment_delay_days_max is not None:
        later[f"channels.{c.name}.payment_delay_days_max"] = c.payment_delay_days_max + extra_days
    before = engine.project(scenario).summary["min_cash_balance"]
    after = engine.project(engine.with_overrides(scenario, later)).summary["min_cash_balance"]
    assert after <= before + 1e-6 * max(1.0, abs(before))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios, st.data())
def test_higher_acceptance_above_the_fallback_price_never_lowers_revenue(scenario, data):
    with_fallback = [c for c in scenario.channels if c.fallback]
    if not with_fallback:
        return
    c = with_fallback[0]
    fb = next(x for x in scenario.channels if x.name == c.fallback)
    high = data.draw(st.floats(0, 20))
    fixed = {f"channels.{c.name}.price_basis": "fixed", f"channels.{fb.name}.price_basis":
             "fixed", f"channels.{c.name}.price": high + 1.0, f"channels.{c.name}.discount": 0.0,
             f"channels.{fb.name}.price": data.draw(st.floats(0, high)),
             f"channels.{fb.name}.discount": 0.0}
    a, b = sorted([data.draw(st.floats(0, 1)), data.draw(st.floats(0, 1))])
    lo = engine.with_overrides(scenario, fixed | {f"channels.{c.name}.acceptance_rate": a})
    hi = engine.with_overrides(scenario, fixed | {f"channels.{c.name}.acceptance_rate": b})
    assert engine.project(hi).summary["total_sales_revenue"] >= \
        engine.project(lo).summary["total_sales_revenue"] - 1e-6


@pytest.mark.parametrize(("parameter", "outcome"), [
    ("discount", "member_income_per_member_month_avg"),
    ("price", "member_income_per_member_month_avg"),
    ("payment_delay_days", "min_cash_balance"),
])
def test_switching_value_makes_the_two_channels_equal(parameter, outcome):
    s = engine.load_scenario("modhupur_pineapple")
    result = switching_value(s, "pran", "local", parameter, outcome)
    assert result["value"] is not None
    pran = s.channels[[c.name for c in s.channels].index("pran")]
    overrides = {f"channels.pran.{parameter}": result["value"]}
    if parameter == "payment_delay_days":
        overrides["channels.pran.payment_delay_days_max"] = result["value"] + (
            pran.payment_delay_days_max - pran.payment_delay_days)
    at = engine.project(engine.with_overrides(all_to(s, "pran"), overrides)).summary[outcome]
    rival = engine.project(all_to(s, "local")).summary[outcome]
    assert at == pytest.approx(rival, abs=1.0)          # within a taka
    assert result["rival_outcome"] == pytest.approx(rival)


def test_pran_never_beats_spot_on_discount_alone():
    s = engine.load_scenario("modhupur_pineapple")
    result = switching_value(s, "pran", "spot_dhaka", "discount")
    assert result["value"] is None
    assert result["sentence"].startswith("pran never beats spot_dhaka on income per member")


def test_refusing_pran_was_rational():
    """Spot sales at 9 taka beat the PRAN contract on income per member and on minimum cash,
    and the PRAN contract needs the bridging line; all read from the engine's projections."""
    spot, pran, local = (engine.project(engine.load_scenario(f"modhupur_pineapple:{v}"))
                         for v in ("spot", "pran_contract", "local_only"))
    assert spot.summary["member_income_per_member_month_avg"] > \
        pran.summary["member_income_per_member_month_avg"] > \
        local.summary["member_income_per_member_month_avg"]
    assert spot.summary["min_cash_balance"] > pran.summary["min_cash_balance"]
    assert pran.summary["bridging_cost"] > spot.summary["bridging_cost"]
    assert pran.summary["peak_working_capital"] > spot.summary["peak_working_capital"]
    table = compare([pran, spot, local])
    assert list(table.columns) == ["modhupur_pineapple:pran_contract", "modhupur_pineapple:spot",
                                   "modhupur_pineapple:local_only"]
    assert table.loc["warning", "modhupur_pineapple:pran_contract"].startswith(
        "one buyer dominates: PRAN takes")
    assert table.loc["warning", "modhupur_pineapple:spot"] == ""


def test_dominant_buyer_warning_threshold():
    assert concentration_warning({"top_buyer": "TMSS", "top_buyer_share": 1.0,
                                  "buyer_hhi": 1.0}) == \
        "one buyer dominates: TMSS takes 100% of revenue (HHI 1.00)"
    assert concentration_warning({"top_buyer": "A", "top_buyer_share": 0.5,
                                  "buyer_hhi": 0.5}) is None
