"""Appraisal statements: the balance sheet balances to the taka every year (presets and random
scenarios), depreciation and replacement by hand, NPV and IRR against numpy-financial, and the
RuralInvest appraisal of a small group by hand."""

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import HealthCheck, given, settings

import engine
from engine.assets import asset_schedule
from engine.statements import (
    appraisal,
    balance_sheet,
    cash_flow_statement,
    income_statement,
    irr,
    npv,
    payback_month,
    year_labels,
)
from tests.helpers import hand_scenario
from tests.strategies import scenarios


def assert_statements_agree(p):
    b = balance_sheet(p)
    assert np.abs(b.total_assets - b.total_liabilities_and_equity).max() < 0.5  # to the taka
    c = cash_flow_statement(p)
    assert np.allclose(c.opening_cash + c.net_cash_flow, c.closing_cash, rtol=0, atol=0.01)
    assert np.allclose(c.closing_cash, b.cash_balance, rtol=0, atol=0.01)
    i = income_statement(p)
    # the year's retained surplus is the change in the balance sheet's retained surplus
    assert np.allclose(np.diff(b.retained_surplus, prepend=0.0), i.surplus_retained, atol=0.01)


@pytest.mark.parametrize("name", engine.preset_names())
def test_balance_sheet_balances_every_year_for_every_preset(name):
    p = engine.project(engine.load_scenario(name))
    assert_statements_agree(p)
    assert len(balance_sheet(p)) == -(-p.scenario.horizon_months // 12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios)
def test_balance_sheet_balances_on_random_scenarios(s):
    assert_statements_agree(engine.project(s))


ASSET = """
[[investments]]
name = "press"
month = 2
amount = 12000
life_years = 1
residual_value = 2400
replace_at_end_of_life = {replace}
"""


def test_depreciation_and_replacement_by_hand():
    # 12,000 bought in month 2, one year's life, 2,400 left at its end: (12,000 - 2,400) / 12 =
    # 800 a month in months 2-13; book value 12,000 - 800 (t - 1) ... 2,400 at month 13.
    # Replaced in month 14 at 12,000 x 1.10^(12/12) = 13,200, the old one traded in for 2,400:
    # 10,800 paid; the new one loses (13,200 - 2,640) / 12 = 880 a month in months 14-25.
    s = engine.with_overrides(hand_scenario(ASSET.format(replace="true"), months=30),
                              {"cost_inflation_annual": 0.10})
    a = asset_schedule(s)
    assert a.outlays[2] == 12000 and a.outlays[14] == pytest.approx(10800)
    assert np.count_nonzero(a.outlays) == 3        # month 26 buys the third at 12,000 x 1.21
    assert a.outlays[26] == pytest.approx(12000 * 1.21 - 2640)
    assert a.depreciation[2:14] == pytest.approx([800] * 12)
    assert a.depreciation[14:26] == pytest.approx([880] * 12)
    assert a.depreciation[:2] == pytest.approx([0, 0])
    assert a.book_value[2] == pytest.approx(11200)
    assert a.book_value[13] == pytest.approx(2400)
    assert a.book_value[14] == pytest.approx(13200 - 880)
    # not replaced: it stays on the books at its residual value, nothing more is paid
    kept = asset_schedule(engine.with_overrides(
        hand_scenario(ASSET.format(replace="false"), months=30), {"cost_inflation_annual": 0.1}))
    assert np.count_nonzero(kept.outlays) == 1
    assert kept.book_value[13:] == pytest.approx([2400] * 17)
    b = balance_sheet(engine.project(s))
    assert b.fixed_assets_net.iloc[0] == pytest.approx(12000 - 800 * 10)   # end of month 11


def test_inflation_raises_prices_and_costs_by_hand():
    # 21% a year: month 12's price is 10 x 1.21 = 12.1 and month 6's is 10 x 1.1
    s = engine.with_overrides(
        hand_scenario("[[fixed_costs]]\nname = 'rent'\nmonthly_amount = 100\n", months=13),
        {"price_inflation_annual": 0.21, "cost_inflation_annual": 0.21})
    m = engine.project(s).monthly
    assert m.sales_revenue[12] == pytest.approx(1000 * 1.21)
    assert m.sales_revenue[6] == pytest.approx(1000 * 1.1)
    assert m.fixed_costs[12] == pytest.approx(121)


FLOWS = [
    np.array([-1000.0, 100, 200, 300, 400, 500]),
    np.array([-5000.0] + [450.0] * 12),
    np.array([-200.0, -300, 150, 150, 150, 150, 150]),
]


@pytest.mark.parametrize("flows", FLOWS)
def test_npv_and_irr_match_numpy_financial(flows):
    # numpy-financial works per period (a month here); ours states annual effective rates
    r = 0.15
    monthly = (1 + r) ** (1 / 12) - 1
    assert npv(r, flows) == pytest.approx(npf.npv(monthly, flows), rel=1e-12)
    assert irr(flows) == pytest.approx((1 + npf.irr(flows)) ** 12 - 1, rel=1e-9)
    assert npv(irr(flows), flows) == pytest.approx(0, abs=1e-6)


def test_irr_and_payback_degenerate_cases():
    assert irr(np.array([100.0, 50.0])) is None          # nothing invested: no rate
    assert payback_month(np.array([100.0, 50.0])) == 0
    assert payback_month(np.array([-100.0, 50.0, 49.0])) is None
    assert payback_month(np.array([-100.0, 60.0, 40.0, 5.0])) == 2


SERVICE = """
[[services]]
name = "advice"
monthly_cost = 100
shares = { donor = 1.0 }

[[investments]]
name = "land"
month = 0
amount = 5000
"""


def test_appraisal_with_and_without_donations_by_hand():
    # sales 1,000 a month, cash on delivery, no costs; land 5,000 in month 0 (not depreciated,
    # worth 5,000 at the end: the residual value). With donations the flows are -4,000 then
    # 1,000 a month; without, the group pays the donor's 100 a month too.
    s = hand_scenario(SERVICE)
    a = appraisal(engine.project(s), discount_rate=0.12)
    with_d = np.array([-4000.0] + [1000.0] * 11)
    with_d[-1] += 5000
    without = np.array([-4100.0] + [900.0] * 11)
    without[-1] += 5000
    t = np.arange(12)
    assert a.loc["with_donations", "npv"] == pytest.approx(np.sum(with_d / 1.12 ** (t / 12)))
    assert a.loc["without_donations", "npv"] == pytest.approx(np.sum(without / 1.12 ** (t / 12)))
    assert a.loc["with_donations", "payback_month"] == 4      # -4,000 + 4 x 1,000 = 0
    assert a.loc["without_donations", "payback_month"] == 5   # -4,100 + 5 x 900 > 0
    assert a.loc["with_donations", "irr"] == pytest.approx((1 + npf.irr(with_d)) ** 12 - 1)


def test_year_labels_name_the_months():
    s = hand_scenario(months=18)
    assert year_labels(s) == ["Year 1 (2020-01 to 2020-12)", "Year 2 (2021-01 to 2021-06)"]


def test_cli_writes_the_statements_and_prints_the_appraisal(tmp_path, capsys):
    import pandas as pd

    from engine.cli import main
    assert main(["statements", "bogra_handicrafts", "--out", str(tmp_path)]) == 0
    sheet = pd.read_csv(tmp_path / "balance_sheet.csv", index_col=0)
    assert (sheet.loc["Total assets"] - sheet.loc["Total liabilities and members' funds"]
            ).abs().max() < 0.5
    assert main(["statements", "bogra_handicrafts", "--discount-rate", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "discounted at 20.0% a year" in out and "without donations: NPV" in out
