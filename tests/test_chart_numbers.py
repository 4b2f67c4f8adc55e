"""Charts write their numbers as the pages do (engine/fmt.py, applied by ui/figures.styled): tick
labels, hover labels, colour bars and notes in the chosen digits and grouping, months by name.
Expected tick values are worked out here from the rule (1, 2 or 5 times a power of ten, about
six ticks over the range) and their labels written by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import engine
from engine import fmt, i18n
from ui import figures

BN = fmt.style_for("bn")                        # lakh grouping, Bengali digits
BN_LATIN = fmt.style_for("bn", digits="latin")
LATIN = "0123456789"


def no_latin_digit(texts) -> bool:
    return not any(ch in LATIN for text in texts for ch in str(text))


@pytest.mark.parametrize(("low", "high", "unit", "style", "ticks", "labels"), [
    # 0 to 14.5 lakh over ~6 ticks: 14.5 lakh / 6 = 2.4 lakh -> a step of 5 lakh
    (0, 1_450_000, "taka", BN, [0, 500_000, 1_000_000, 1_500_000],
     ["০", "৫,০০,০০০", "১০,০০,০০০", "১৫,০০,০০০"]),
    (0, 1_450_000, "taka", BN_LATIN, [0, 500_000, 1_000_000, 1_500_000],
     ["0", "5,00,000", "10,00,000", "15,00,000"]),
    # a share from 0 to 1: 1/6 = 0.17 -> a step of 0.2, written as whole percentages
    (0, 1, "share", BN, [0, 0.2, 0.4, 0.6, 0.8, 1.0], ["০%", "২০%", "৪০%", "৬০%", "৮০%", "১০০%"]),
    # a DSCR axis cut at -2 and 4 x 1.25: 7/6 = 1.17 -> a step of 2, no decimals needed
    (-2, 5, "ratio", BN, [-2, 0, 2, 4, 6], ["-২", "০", "২", "৪", "৬"]),
    # a ratio from 0 to 1.5: 0.25 -> a step of 0.5, one decimal
    (0, 1.5, "ratio", BN, [0, 0.5, 1.0, 1.5], ["০.০", "০.৫", "১.০", "১.৫"]),
])
def test_axis_ticks_are_round_and_written_in_the_style(low, high, unit, style, ticks, labels):
    got_ticks, got_labels = fmt.axis_ticks(low, high, unit, style)
    assert got_ticks == pytest.approx(ticks)
    assert got_labels == labels


def test_month_axis_ticks_are_whole_months_named_in_the_language():
    # months 2 to 4 counted from 2001-09: November 2001, December 2001, January 2002
    ticks, labels = fmt.axis_ticks(2, 4, "month", BN, start="2001-09")
    assert ticks == [2, 3, 4]
    assert [label.split()[-1] for label in labels] == ["২০০১", "২০০১", "২০০২"]
    assert labels[0] == "নভেম্বর ২০০১" and labels[1] == "ডিসেম্বর ২০০১"
    _, english = fmt.axis_ticks(2, 4, "month", fmt.PLAIN, start="2001-09")
    assert english == ["Nov 2001", "Dec 2001", "Jan 2002"]


@pytest.fixture(scope="module")
def modhupur():
    s = engine.load_scenario("modhupur_pineapple")   # 2001-03 for 60 months: to 2006-02
    return s, engine.project(s)


def test_date_axes_name_each_month_so_the_hover_heading_is_in_bangla(modhupur):
    s, p = modhupur
    exit_month = p.summary["exit_month"]
    with i18n.language("bn"):
        fig = figures.styled(figures.cash_chart(p.monthly, s.group.cash_reserve, exit_month), BN)
    # one tick each January within the plan, 2002 to 2006, with Bengali digits
    ticks = list(fig.layout.xaxis.ticktext)
    assert [tick.split()[-1] for tick in ticks] == ["২০০২", "২০০৩", "২০০৪", "২০০৫", "২০০৬"]
    assert ticks == [fmt.calendar_month(dt.date(y, 1, 1), BN) for y in range(2002, 2007)]
    # every point's x is its month's name (the unified hover's heading), the first March 2001
    assert fig.data[0].x[0] == "মার্চ ২০০১" and len(set(fig.data[0].x)) == 60
    assert fig.layout.xaxis.type == "category"
    # the exit month's line and note moved with the axis: month 4 from 2001-03 is July 2001
    line = next(sh for sh in fig.layout.shapes if sh.xref in (None, "x"))
    assert line.x0 == line.x1 == "জুলাই ২০০১"
    assert fig.layout.annotations[-1].x == "জুলাই ২০০১"
    english = figures.styled(figures.cash_chart(p.monthly, s.group.cash_reserve, None),
                             fmt.PLAIN)
    assert english.layout.xaxis.ticktext is None and english.layout.xaxis.type != "category"


def test_a_date_axis_that_crosses_no_january_still_gets_ticks():
    """Months February to July 2002 hold no January to tick: every month is ticked (six
    months, one tick each), named in Bangla (the axis used to fail on an empty list)."""
    months = pd.date_range("2002-02-01", periods=6, freq="MS")
    fig = figures.dates_in_language(go.Figure(go.Scatter(x=months, y=[1, 2, 3, 4, 5, 6])), BN)
    names = ["ফেব্রুয়ারি ২০০২", "মার্চ ২০০২", "এপ্রিল ২০০২", "মে ২০০২", "জুন ২০০২",
             "জুলাই ২০০২"]
    assert list(fig.data[0].x) == names
    assert list(fig.layout.xaxis.ticktext) == names


def test_dscr_chart_ticks_hover_and_target_follow_the_digits(modhupur):
    s, p = modhupur
    with i18n.language("bn"):
        fig = figures.styled(figures.dscr_chart(p.monthly, 1.25, BN), BN)
    assert list(fig.layout.yaxis.tickvals) == [-2, 0, 2, 4, 6]
    assert list(fig.layout.yaxis.ticktext) == ["-২", "০", "২", "৪", "৬"]
    assert fig.layout.annotations[0].text == "লক্ষ্য ১.২৫"
    month = p.monthly.dscr_12m.first_valid_index()
    value = p.monthly.dscr_12m.loc[month]
    shown = fig.data[1].customdata[list(p.monthly.index).index(month)]
    assert shown == fmt.ratio(value, BN) and no_latin_digit([shown])
    assert "%{customdata}" in fig.data[1].hovertemplate


def test_numbered_month_axis_and_heatmap_colour_bar_in_bengali_digits():
    fig = figures.styled(figures.lines_chart({"a": pd.Series([0.0, 10.0, 20.0])},
                                             pd.Series(range(3)), "t", "taka"), BN)
    assert list(fig.data[0].x) == ["০", "১", "২"]
    heat = go.Figure(go.Heatmap(z=np.array([[-85_000.0, 0.0], [-20_000.0, -40_000.0]]),
                                x=["a", "b"], y=["c", "d"], meta="taka",
                                hovertemplate="%{customdata}"))
    heat = figures.styled(heat, BN)
    # -85,000 to 0 over ~6 ticks: 14,167 -> a step of 20,000 from -1,00,000
    assert list(heat.data[0].colorbar.tickvals) == [-100_000, -80_000, -60_000, -40_000,
                                                    -20_000, 0]
    assert list(heat.data[0].colorbar.ticktext) == ["-১,০০,০০০", "-৮০,০০০", "-৬০,০০০",
                                                    "-৪০,০০০", "-২০,০০০", "০"]
    assert heat.data[0].customdata[0][0] == "-৮৫,০০০৳"


def test_tornado_of_the_exit_month_reads_in_months():
    from ui.pages.risk import tornado_chart
    table = pd.DataFrame({"exit_month_low": [2, 4], "exit_month_high": [4, 3]},
                         index=["price", "cost"])
    table.attrs["base"] = {"exit_month": 3}
    fig = figures.styled(tornado_chart(table, "exit_month", 10), fmt.PLAIN, "2001-09")
    # bars from the base (month 3, Dec 2001) to each input's low and high month
    assert list(fig.layout.xaxis.ticktext) == ["Nov 2001", "Dec 2001", "Jan 2002"]
    assert [list(trace.customdata) for trace in fig.data] == [["Jan 2002", "Nov 2001"],
                                                              ["Dec 2001", "Jan 2002"]]
