"""The one number formatter (engine/fmt.py) and the plain names of output quantities
(engine/quantities.py). Expected strings are written by hand."""

import pandas as pd
import pytest

import engine
from engine import fmt, quantities
from engine.fmt import Style

LAKH = Style("lakh")


@pytest.mark.parametrize(("x", "international", "lakh"), [
    (0, "0", "0"),
    (999, "999", "999"),
    (1_000, "1,000", "1,000"),
    (99_999, "99,999", "99,999"),
    (100_000, "100,000", "1,00,000"),            # one lakh
    (1_450_000, "1,450,000", "14,50,000"),
    (10_000_000, "10,000,000", "1,00,00,000"),    # one crore
    (1_234_567_890, "1,234,567,890", "1,23,45,67,890"),   # 123 crore
    (-1_450_000, "-1,450,000", "-14,50,000"),
    (-12_345, "-12,345", "-12,345"),
])
def test_taka_grouping_international_and_lakh_crore(x, international, lakh):
    assert fmt.money(x, unit=False) == international
    assert fmt.money(x, LAKH, unit=False) == lakh
    assert fmt.money(x, LAKH) == f"{lakh} taka"


def test_rounding_is_half_away_from_zero_and_never_shows_minus_zero():
    assert fmt.money(2.5) == "3 taka" and fmt.money(-2.5) == "-3 taka"
    assert fmt.money(1_449_999.5) == "1,450,000 taka"
    assert fmt.money(-0.4) == "0 taka" and fmt.money(-0.0) == "0 taka"
    assert fmt.percent(-0.00001) == "0.0%"


def test_missing_values_read_n_a():
    for f in (fmt.money, fmt.percent, fmt.ratio, fmt.number):
        assert f(None) == "n/a" and f(float("nan")) == "n/a" and f(float("inf")) == "n/a"


def test_us_dollars_at_the_scenario_rate():
    # 1,450,000 / 57.90 = 25,043.18...; the seed's US$25,275 is the same loan at 57.37
    assert fmt.money(1_450_000, Style(usd_rate=57.90)) == "US$25,043"
    assert fmt.money(1_450_000, Style(usd_rate=57.37)) == "US$25,275"
    assert fmt.money(-5_790_000, Style("lakh", usd_rate=57.90)) == "-US$1,00,000"
    assert fmt.money(-10, Style(usd_rate=57.90)) == "US$0"          # -0.17 rounds to 0
    assert fmt.unit_suffix("taka/month", Style(usd_rate=57.9)) == "US$/month"


def test_shares_and_rates_as_percent():
    assert fmt.percent(0.005) == "0.5%"           # the upfront fee shown as "0.01"
    assert fmt.percent(0.0025) == "0.25%"
    assert fmt.percent(0.12) == "12.0%"
    assert fmt.percent(0.1347) == "13.47%"
    assert fmt.percent(0.13468) == "13.47%"
    assert fmt.percent(1) == "100.0%"
    assert fmt.percent(12.5) == "1,250.0%"
    assert fmt.value(0.005, "share") == "0.5%" and fmt.value(0.2, "rate/year") == "20.0%"


def test_ratios_with_two_decimals():
    assert fmt.ratio(1.25) == "1.25" and fmt.ratio(1.0) == "1.00"
    assert fmt.ratio(3.6247) == "3.62" and fmt.ratio(-25.984) == "-25.98"
    assert fmt.ratio(1234.5) == "1,234.50"


def test_months_as_dates():
    assert fmt.month("2001-03", 0) == "Mar 2001"
    assert fmt.month("2001-03", 10) == "Jan 2002"      # across the year end
    assert fmt.month("2001-03", 59) == "Feb 2006"
    assert fmt.month("2001-03", None) == "n/a"
    assert fmt.value(13, "month", start="2002-01") == "Feb 2003"


def test_bangla_locale_with_latin_or_bengali_digits():
    assert fmt.money(1_450_000, Style("lakh", locale="bn"), unit=False) == "14,50,000"
    bengali = Style("lakh", locale="bn", digits="bengali")
    assert fmt.money(1_450_000, bengali, unit=False) == "১৪,৫০,০০০"
    assert fmt.percent(0.005, bengali) == "০.৫%"
    assert fmt.month("2002-07", 0, bengali).endswith("২০০২")


def test_prices_per_unit_keep_their_paisa():
    # Modhupur's local market price: 2.6 taka a fruit; rounded to the taka it would read 3
    assert fmt.value(2.6, "taka/unit") == "2.60" and fmt.value(2.6, "taka") == "3"
    assert fmt.excel_format("taka/unit") == "#,##0.00"


def test_excel_formats_follow_the_units():
    assert fmt.excel_format("taka") == "#,##0"
    assert fmt.excel_format("taka/month", LAKH).startswith("[>=10000000]")
    assert fmt.excel_format("share") == "0.0#%"
    assert fmt.excel_format("ratio") == "#,##0.00"
    assert fmt.excel_format("text") == "General"


def test_every_projection_quantity_has_a_plain_name():
    p = engine.project(engine.load_scenario("modhupur_pineapple"))
    names = [*p.summary, *p.monthly.columns, *next(iter(p.loans.values())).columns]
    missing = [n for n in names if n not in quantities.OUTPUTS]
    assert missing == []
    assert quantities.label("min_dscr_12m") == "Lowest trailing 12-month DSCR"
    assert quantities.label("member_income_per_member_month_avg") == \
        "Income per member (monthly average), taka/month"


def test_display_frame_formats_each_column_by_its_unit():
    df = pd.DataFrame({"cash_balance": [1_450_000.4, -2.6], "subsidy_to_sales": [0.005, None],
                       "exit_month": [4, None], "dscr_12m": [1.0, float("nan")]})
    out = quantities.display_frame(df, LAKH, start="2002-01")
    assert list(out.columns) == ["Cash balance, taka", "Subsidy to sales, %",
                                 "Exit month", "DSCR (trailing 12 months)"]
    assert out.iloc[0].tolist() == ["14,50,000", "0.5%", "May 2002", "1.00"]
    assert out.iloc[1].tolist() == ["-3", "n/a", "n/a", "n/a"]


def test_every_portfolio_result_column_has_a_plain_name():
    from engine.groups import result_columns
    cols = result_columns(engine.load_scenario("bogra_handicrafts"))
    assert [c for c in cols if c not in quantities.OUTPUTS] == []


def test_the_exit_verdict_names_months_as_dates():
    from engine.verdict import exit_verdict
    s = engine.load_scenario("modhupur_pineapple")
    text = exit_verdict(s, {"exit_month": 1})
    # start March 2001: month 1 is April 2001; the 60th month (59) is February 2006
    assert text.startswith("Self-sustaining from Apr 2001 (month 1)")
    assert "reserve of 25,000 taka through Feb 2006" in text
