"""Findings of the independent UI review (2026-11-30), each checked against values worked out
here by hand: chart ticks that fall inside the drawn range, a link's problems in the page's
language, units named only by a name people use."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from engine import fmt, i18n
from ui import figures

APP = str(Path(__file__).resolve().parents[1] / "app.py")
BN = fmt.style_for("bn")


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("SUBSIDY_EXIT_WORKSPACE", str(tmp_path / "workspace"))


def app(lang: str = "bn", **params: str | list[str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if lang != "en":
        at.query_params["lang"] = lang
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def drawn(spec: dict, axis: str = "yaxis") -> tuple[list[float], list[float]]:
    layout = spec["layout"][axis]
    return layout["range"], layout["tickvals"]


@pytest.mark.parametrize("style", [fmt.PLAIN, BN])
def test_income_in_a_narrow_band_far_from_zero_keeps_its_tick_labels(style):
    # income per member from 5,468 to 5,960 taka: a money axis runs from 0, so 0 to 5,960 over
    # ~6 ticks: 5,960 / 6 = 993 -> a step of 1,000: ticks 0, 1,000, ..., 6,000; Plotly's own
    # range (about 5,440 to 5,990) held none of them
    income = pd.Series([5468.0, 5700.0, 5960.0, 5800.0])
    dates = pd.Series(pd.date_range("2001-12-01", periods=4, freq="MS"))
    with i18n.language(style.locale):
        fig = figures.styled(figures.lines_chart({"a": income}, dates, "t", "taka", money=True),
                             style)
    ticks = list(fig.layout.yaxis.tickvals)
    assert ticks == [0, 1000, 2000, 3000, 4000, 5000, 6000]
    low, high = fig.layout.yaxis.range
    assert low == 0 and 6000 <= high <= 6000 * 1.05   # every tick drawn, bars from 0
    assert low <= income.min() and income.max() <= high


def test_a_target_line_above_the_values_stays_in_view():
    # values 1 to 3 with a line at 10: ticks for 0..10 (10 / 6 = 1.7 -> a step of 2)
    fig = figures.lines_chart({"a": pd.Series([1.0, 2.0, 3.0])}, pd.Series(range(3)), "t",
                              "ratio", money=False)
    fig.data[0].meta = "ratio"
    fig.add_hline(y=10)
    fig = figures.styled(fig, fmt.PLAIN)
    assert list(fig.layout.yaxis.tickvals) == [0, 2, 4, 6, 8, 10]
    low, high = fig.layout.yaxis.range
    assert low <= 0 and high >= 10


def test_producer_and_compare_income_charts_draw_their_ticks_in_bangla():
    # Bogra with both buyers' price at 600 taka: income per member in a band far from 0
    sets = ["channels.tmss_retail.price=600", "channels.tmss_wholesale.price=600"]
    for page, key in (("producer", "income_chart"), ("compare", None)):
        at = app("bn", scenario="bogra_handicrafts", set=sets)
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        income = [c for c in charts if "মাসভিত্তিক প্রতি সদস্যের আয়" in json.dumps(
            c["layout"].get("title", ""), ensure_ascii=False)] if key is None else [
            json.loads(next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key)
                            or key in c.proto.id).proto.spec)]
        assert income, page
        for spec in income:
            (low, high), ticks = drawn(spec)
            inside = [v for v in ticks if low <= v <= high]
            assert len(inside) >= 3, (page, low, high, ticks)


def test_a_links_problems_are_in_the_pages_language():
    at = app("bn", scenario="bogra_handicrafts", set="group.members=abc")
    text = "\n".join(w.value for w in at.warning)
    assert "এই লিংকে কিছু ভুল পরিবর্তন ছিল; সেগুলো বাদ দেওয়া হয়েছে:" in text
    # the engine catalogue's words for "must be a whole number (got 'abc')"
    assert "একটি পূর্ণসংখ্যা হতে হবে (পাওয়া গেছে 'abc')" in text
    assert "must be a whole number" not in text
    # switched to English, the same problem is in English
    at.radio(key="lang").set_value("en").run()
    text = "\n".join(w.value for w in at.warning)
    assert "must be a whole number (got 'abc')" in text


def labels(at: AppTest) -> list[str]:
    return [w.label for kind in ("text_input", "number_input", "selectbox", "slider")
            for w in at.get(kind)]


def test_bangla_labels_name_no_english_unit_code():
    at = app("bn", scenario="bogra_handicrafts")
    at.switch_page("views/casefile.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = labels(at)
    assert not [x for x in shown if "(count)" in x or "(ratio)" in x], shown
    # the catalogue's label for "digits amounts are rounded to", with no unit after it
    assert "অঙ্ক যত দশমিক ঘরে গোল করা হয়" in shown


def test_compare_writes_the_exit_month_as_every_page_does():
    import calendar

    import engine
    at = app("en", scenario="modhupur_pineapple")
    at.switch_page("views/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    # the scenario's exit month as YYYY-MM from the engine, written by hand as 'Mon YYYY'
    ym = engine.project(engine.load_scenario("modhupur_pineapple")).summary["exit_date"]
    expected = f"{calendar.month_abbr[int(ym[5:])]} {ym[:4]}"
    row = table.loc["Exit month"]
    assert row.iloc[0] == expected, list(row)
    assert not any(str(v)[:4].isdigit() and "-" in str(v) for v in row)


def test_an_alert_never_takes_a_users_leading_emoji_for_its_icon():
    def script():
        from ui.pages.common import alert
        alert("warning", "💰🧵 জুট: a warning about it")

    at = AppTest.from_function(script).run()
    assert at.warning[0].value == "💰🧵 জুট: a warning about it"
    assert at.warning[0].icon == ":material/warning:"


def test_sliders_write_their_values_in_the_digits_in_force():
    at = app("bn", scenario="modhupur_pineapple")
    at.switch_page("views/loan_officer.py").run()
    assert not at.exception, [e.value for e in at.exception]
    dscr = at.select_slider(key="dscr_target")
    # 1.25 in Bengali digits (১ = 1, ২ = 2, ৫ = 5), the grid 1.00, 1.05, ..., 2.00
    assert dscr.value == 1.25 and len(dscr.options) == 21
    assert dscr.options[5] == "১.২৫" and dscr.options[-1] == "২.০০"
    at = app("bn", scenario="bogra_handicrafts", tornado_step="0.27")
    at.switch_page("views/risk.py").run()
    assert not at.exception, [e.value for e in at.exception]
    step = at.select_slider(key="tornado_step")
    # a link's 0.27 shows on the slider's grid of 5% steps: 25%, written ২৫%
    assert step.value == 0.25 and step.options[4] == "২৫%" and step.options[1] == "১০%"


def test_any_parameter_shows_its_value_in_the_digits_in_force():
    at = app("bn", scenario="bogra_handicrafts")
    at.selectbox(key="any_path").set_value("horizon_months").run()
    # Bogra's horizon is 60 months: ৬০ in Bengali digits (৬ = 6, ০ = 0), typed as 60
    [now] = [c.value for c in at.caption if c.value.startswith("এখন:")]
    assert now.startswith("এখন: ৬০ (লেখা হয় `60`)"), now
