"""Plotly figure builders: pure functions from engine outputs to figures (no Streamlit here).

Colours are the Okabe-Ito palette (colour-blind safe); every chart has a title, axis units and
hover values. Traces of taka amounts carry meta "money"; `styled` then shows them as the user
chose (engine/fmt.py): thousands or lakh/crore grouping on the axis and in hover labels, or US$
at the scenario's rate. Titles, axes, legends and annotations are in the language in force
(engine/i18n.py); the names of a user's own items (payers, scenarios) are shown as typed.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from engine import fmt
from engine.i18n import t

BLUE, ORANGE, GREEN, VERMILION, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#999999"
SKY, YELLOW, PURPLE = "#56B4E9", "#F0E442", "#CC79A7"
PALETTE = [BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, YELLOW, GREY]


def _layout(fig: go.Figure, title: str, yaxis: str, xaxis: str | None = None) -> go.Figure:
    fig.update_layout(title=title, xaxis_title=t("month") if xaxis is None else xaxis,
                      yaxis_title=yaxis, hovermode="x unified",
                      legend={"orientation": "h", "y": -0.25}, margin={"t": 60, "b": 40},
                      yaxis={"tickformat": ","})
    return fig


def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten apart) covering [low, high].

    >>> nice_ticks(0, 1_450_000)
    [0, 500000, 1000000, 1500000]
    """
    span = high - low
    if not math.isfinite(span) or span <= 0:
        return [low]
    raw = span / count
    step = min(m * 10 ** math.floor(math.log10(raw)) for m in (1, 2, 5, 10)
               if m * 10 ** math.floor(math.log10(raw)) >= raw)
    first = math.floor(low / step) * step
    return [first + i * step for i in range(int(math.ceil((high - first) / step)) + 1)]


def styled(fig: go.Figure, style: fmt.Style) -> go.Figure:
    """Money traces, the y axis and taka lines as the user reads amounts (lakh, US$)."""
    dates_in_language(fig, style)
    rate = style.usd_rate or 1.0
    shown: list[np.ndarray] = []
    for trace in fig.data:
        if trace.meta != "money" or trace.y is None:
            continue
        y = np.asarray(trace.y, dtype=float)
        trace.customdata = [fmt.money(v, style) for v in y]
        trace.hovertemplate = "%{customdata}<extra>" + str(trace.name or "") + "</extra>"
        trace.y = y / rate
        shown.append(trace.y)
    if not shown:
        return fig
    for shape in fig.layout.shapes:
        if shape.yref in (None, "y") and shape.y0 is not None and shape.y0 == shape.y1:
            shape.y0 = shape.y1 = shape.y0 / rate
    values = np.concatenate(shown)
    if fig.layout.barmode == "stack":
        values = np.concatenate([values, np.sum(shown, axis=0)])
    values = values[np.isfinite(values)]
    if values.size:
        ticks = nice_ticks(min(0.0, float(values.min())), max(0.0, float(values.max())))
        fig.update_yaxes(tickvals=ticks, ticktext=[fmt.number(t, style) for t in ticks],
                         title_text="US$" if style.usd_rate else t("taka"))
    return fig


def dates_in_language(fig: go.Figure, style: fmt.Style) -> go.Figure:
    """A date axis in the style's language: outside English, one tick a year named by
    fmt.calendar_month ("জানুয়ারি ২০০২", digits as chosen) and the hover's date as YYYY-MM
    (Plotly names months in English only)."""
    if style.locale == "en":
        return fig
    dates = [d for d in (_dates(trace.x) for trace in fig.data) if d is not None]
    if not dates:
        return fig
    first, last = min(d.min() for d in dates), max(d.max() for d in dates)
    ticks = [pd.Timestamp(year, 1, 1) for year in range(first.year + (first.month > 1),
                                                        last.year + 1)]
    fig.update_xaxes(tickvals=[d.strftime("%Y-%m-%d") for d in ticks],
                     ticktext=[fmt.calendar_month(d.date(), style) for d in ticks],
                     hoverformat="%Y-%m")
    return fig


def _dates(x: object) -> pd.Series | None:
    """A trace's x as dates, when they are dates (datetimes or 'YYYY-MM' text), else None."""
    if x is None or not len(x):  # type: ignore[arg-type]
        return None
    values = pd.Series(x)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    if values.map(lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}", v) is not None
                  ).all():
        return pd.to_datetime(values, format="%Y-%m")
    return None


def cash_chart(monthly: pd.DataFrame, reserve: float, exit_month: int | None,
               title: str | None = None) -> go.Figure:
    """Cash balance with and without subsidy, the reserve line and the exit month."""
    x = monthly["date"]
    fig = go.Figure()
    fig.add_scatter(x=x, y=monthly["cash_balance"], name=t("cash balance (with subsidy)"),
                    line={"color": BLUE, "width": 3}, meta="money")
    fig.add_scatter(x=x, y=monthly["cash_balance_without_subsidy"],
                    name=t("cash balance without any subsidy"), meta="money",
                    line={"color": VERMILION, "dash": "dash", "width": 2})
    fig.add_hline(y=reserve, line={"color": GREY, "dash": "dot"},
                  annotation_text=t("cash reserve"))
    if exit_month is not None:
        fig.add_vline(x=monthly["date"].iloc[exit_month], line={"color": GREEN, "width": 2})
        fig.add_annotation(x=monthly["date"].iloc[exit_month], y=1, yref="paper",
                           text=t("exit month"), showarrow=False, font={"color": GREEN})
    return _layout(fig, t("Cash balance with and without subsidy") if title is None else title,
                   t("taka"))


def dscr_chart(monthly: pd.DataFrame, target: float) -> go.Figure:
    fig = go.Figure()
    fig.add_bar(x=monthly["date"], y=monthly["dscr"], name=t("DSCR, month"), marker_color=SKY,
                hovertemplate="%{y:.2f}<extra>" + t("month") + "</extra>")
    fig.add_scatter(x=monthly["date"], y=monthly["dscr_12m"], name=t("DSCR, trailing 12 months"),
                    line={"color": BLUE, "width": 3},
                    hovertemplate="%{y:.2f}<extra>" + t("trailing 12 months") + "</extra>")
    fig.add_hline(y=target, line={"color": VERMILION, "dash": "dash"},
                  annotation_text=t("target {target}", target=f"{target:.2f}"))
    fig = _layout(fig, t("Debt-service coverage (operating cash flow / debt service); axis cut "
                         "at -2 and 4 x target"), t("ratio"))
    fig.update_yaxes(tickformat=".2f", range=[-2, 4 * target])
    return fig


def payer_chart(cost_shares: pd.DataFrame, dates: pd.Series) -> go.Figure:
    """Stacked monthly amounts by payer."""
    fig = go.Figure()
    if not cost_shares.empty:
        by = cost_shares.pivot_table(index="month", columns="payer", values="amount",
                                     aggfunc="sum", fill_value=0.0).reindex(
            range(len(dates)), fill_value=0.0)
        for i, payer in enumerate(by.columns):
            fig.add_bar(x=dates, y=by[payer], name=payer, marker_color=PALETTE[i % len(PALETTE)],
                        meta="money")
    fig.update_layout(barmode="stack")
    return _layout(fig, t("Who pays for the services, by month"), t("taka"))


def exit_sweep_chart(sweep: pd.DataFrame, reserve: float) -> go.Figure:
    """Lowest cash from the exit month on, for every exit month."""
    colors = [GREEN if s else VERMILION for s in sweep["safe"]]
    fig = go.Figure()
    fig.add_bar(x=sweep["exit_date"], y=sweep["min_cash_after_exit"], marker_color=colors,
                name=t("lowest cash after the exit"), meta="money")
    fig.add_hline(y=reserve, line={"color": GREY, "dash": "dot"},
                  annotation_text=t("cash reserve"))
    return _layout(fig, t("If every subsidy ended in this month: the lowest cash after it "
                          "(green = safe)"), t("taka"), t("exit month"))


def lines_chart(series: dict[str, pd.Series], dates: pd.Series, title: str,
                yaxis: str, xaxis: str | None = None, money: bool | None = None) -> go.Figure:
    """One line per series; `money` (default: the y axis says taka) formats them as amounts."""
    money = yaxis in ("taka", t("taka")) if money is None else money
    fig = go.Figure()
    for i, (name, s) in enumerate(series.items()):
        fig.add_scatter(x=dates, y=s, name=name, meta="money" if money else None,
                        line={"color": PALETTE[i % len(PALETTE)], "width": 2,
                              "dash": ["solid", "dash", "dot", "dashdot"][i % 4]},
                        hovertemplate="%{y:,.0f}<extra>" + name + "</extra>")
    return _layout(fig, title, yaxis, xaxis)
