"""Plotly figure builders: pure functions from engine outputs to figures (no Streamlit here).

Colours are the Okabe-Ito palette (colour-blind safe); every chart has a title, axis units and
hover values. Traces of taka amounts carry meta "money"; `styled` then shows them as the user
chose (engine/fmt.py): thousands or lakh/crore grouping on the axis and in hover labels, or US$
at the scenario's rate. Titles, axes, legends and annotations are in the language in force
(engine/i18n.py); the names of a user's own items (payers, scenarios) are shown as typed.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from engine import fmt
from engine.i18n import t
from engine.scenario import GROUP

BLUE, ORANGE, GREEN, VERMILION, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#999999"
SKY, YELLOW, PURPLE = "#56B4E9", "#F0E442", "#CC79A7"
PALETTE = [BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, YELLOW, GREY]


def _layout(fig: go.Figure, title: str, yaxis: str, xaxis: str | None = None) -> go.Figure:
    fig.update_layout(title=title, xaxis_title=t("month") if xaxis is None else xaxis,
                      yaxis_title=yaxis, hovermode="x unified",
                      legend={"orientation": "h", "y": -0.25}, margin={"t": 60, "b": 40},
                      yaxis={"tickformat": ","})
    return fig


def styled(fig: go.Figure, style: fmt.Style, start: str | None = None) -> go.Figure:
    """The figure's numbers as the user reads them (engine/fmt.py): each trace whose meta names
    a unit ("taka", or "money"; "ratio", "share", "month" counted from `start`, ...) gets hover
    labels from fmt.hover and its value axis round ticks labelled by fmt.axis_ticks, in the
    style's digits and grouping; amounts in US$ when the style has a rate (taka lines too);
    dates in the style's language (`dates_in_language`). A builder's hovertemplate that uses
    %{customdata} is kept (it gets the label there); any other is replaced."""
    dates_in_language(fig, style)
    rate = style.usd_rate or 1.0
    shown: dict[str, tuple[str, list[np.ndarray]]] = {}   # axis -> (unit, values as drawn)
    for trace in fig.data:
        unit = _unit(trace.meta)
        if unit is None:
            continue
        scale = rate if fmt.kind(unit) == "money" else 1.0
        if trace.type == "heatmap":
            z = np.asarray(trace.z, dtype=float)
            trace.customdata = [[fmt.hover(v, unit, style, start) for v in row] for row in z]
            trace.z = z / scale
            _colorbar(trace, unit, style, start)
            continue
        axis = "x" if getattr(trace, "orientation", None) == "h" else "y"
        drawn = np.asarray(getattr(trace, axis), dtype=float)
        base = np.asarray(trace.base, dtype=float) if getattr(trace, "base", None) is not None \
            else np.zeros(1)
        trace.customdata = [fmt.hover(v, unit, style, start) for v in drawn + base]
        if "%{customdata}" not in (trace.hovertemplate or ""):
            trace.hovertemplate = "%{customdata}<extra>" + str(trace.name or "") + "</extra>"
        if scale != 1.0:
            setattr(trace, axis, drawn / scale)
            if getattr(trace, "base", None) is not None:
                trace.base = base / scale
        shown.setdefault(axis, (unit, []))[1].extend(   # a bar from a base: its two ends
            [drawn / scale] if getattr(trace, "base", None) is None
            else [base / scale, (drawn + base) / scale])
    if "y" in shown and fmt.kind(shown["y"][0]) == "money":
        for shape in fig.layout.shapes:
            if shape.yref in (None, "y") and shape.y0 is not None and shape.y0 == shape.y1:
                shape.y0 = shape.y1 = shape.y0 / rate
    for axis, (unit, arrays) in shown.items():
        values = np.concatenate([np.atleast_1d(a) for a in arrays])
        if axis == "y" and fig.layout.barmode == "stack":
            values = np.concatenate([values, np.sum([a for a in arrays if a.shape == arrays[0]
                                                     .shape], axis=0)])
        lines = [float(getattr(shape, f"{axis}0")) for shape in fig.layout.shapes
                 if getattr(shape, f"{axis}ref") in (None, axis)
                 and isinstance(getattr(shape, f"{axis}0"), (int, float))
                 and getattr(shape, f"{axis}0") == getattr(shape, f"{axis}1")]
        values = np.concatenate([values, lines])   # a target line is kept in view, as Plotly does
        values = values[np.isfinite(values)]
        bounds = fig.layout[f"{axis}axis"].range
        if bounds is not None:
            low, high = float(bounds[0]), float(bounds[1])
        elif values.size:
            low, high = float(values.min()), float(values.max())
            if fmt.kind(unit) == "money":
                low, high = min(0.0, low), max(0.0, high)
        else:
            continue
        ticks, text = fmt.axis_ticks(low, high, unit, style, start)
        fig.update_layout({f"{axis}axis": {"tickvals": ticks, "ticktext": text}})
        if bounds is None and len(ticks) > 1:   # drawn over the range the ticks were made for
            fig.update_layout({f"{axis}axis": {"range": _padded(ticks, low, high)}})
        if fmt.kind(unit) == "money":
            fig.update_layout({f"{axis}axis": {"title_text": "US$" if style.usd_rate
                                               else t("taka")}})
    return fig


def _padded(ticks: list[float], low: float, high: float) -> list[float]:
    """An axis range from the first tick to the last, so every tick is drawn (Plotly's own
    range follows the data and misses ticks made from 0 for a money axis, and all of them when
    the values sit in a narrow band far from 0); an end that a value reaches is given a little
    room so a line there is not cut, except 0, where bars start."""
    pad = (ticks[-1] - ticks[0]) * 0.03
    first = ticks[0] - (pad if ticks[0] != 0 and low <= ticks[0] else 0.0)
    last = ticks[-1] + (pad if ticks[-1] != 0 and high >= ticks[-1] else 0.0)
    return [first, last]


def _unit(meta: object) -> str | None:
    """The unit a trace's meta names ("money" is taka), or None."""
    if meta == "money":
        return "taka"
    return meta if isinstance(meta, str) and meta else None


def _colorbar(trace: go.Heatmap, unit: str, style: fmt.Style, start: str | None) -> None:
    z = np.asarray(trace.z, dtype=float)
    z = z[np.isfinite(z)]
    if z.size:
        ticks, text = fmt.axis_ticks(float(z.min()), float(z.max()), unit, style, start)
        trace.colorbar.tickvals, trace.colorbar.ticktext = ticks, text


def dates_in_language(fig: go.Figure, style: fmt.Style) -> go.Figure:
    """Monthly x axes in the style's language: outside English (Plotly names months in English
    only and writes Latin digits), each month becomes its name from fmt.calendar_month
    ("জানুয়ারি ২০০২", digits as chosen), one tick a year, so the hover's heading says the
    month in the same words; lines and notes placed at a date move with it. Numeric x axes
    (months from the start) are written in the style's digits the same way."""
    if style.locale == "en" and style.digits == "latin":
        return fig
    names: dict[object, str] = {}
    ticks: list[str] = []
    for trace in fig.data:
        dates = _dates(trace.x) if style.locale != "en" else None
        if dates is not None:
            shown = [fmt.calendar_month(d.date(), style) for d in dates]
            names.update(zip(dates, shown, strict=True))
            ticks += [n for d, n in zip(dates, shown, strict=True) if d.month == 1]
        elif getattr(trace, "orientation", None) != "h" and _whole_numbers(trace.x):
            shown = [fmt.number(int(v), style) for v in trace.x]
            names.update(zip([int(v) for v in trace.x], shown, strict=True))
        else:
            continue
        trace.x = shown
    if not names:
        return fig
    order = sorted(names, key=lambda k: (str(type(k)), k))
    numbers = [k for k in order if isinstance(k, int)]
    if not ticks and numbers:
        ticks = [names[v] for v in fmt.nice_ticks(min(numbers), max(numbers), whole=True)
                 if v in names]
    elif not ticks:   # months that cross no January (a stretch under a year): about six ticks
        ticks = [names[k] for k in order][::max(1, len(order) // 6)]
    for item in [*fig.layout.shapes, *fig.layout.annotations]:
        if getattr(item, "xref", None) not in (None, "x"):
            continue
        for key in ("x0", "x1", "x"):
            if key in item and item[key] is not None:
                item[key] = names.get(_key(item[key]), item[key])
    fig.update_xaxes(type="category", categoryorder="array",
                     categoryarray=list(dict.fromkeys(names[k] for k in order)),
                     tickvals=list(dict.fromkeys(ticks)), ticktext=list(dict.fromkeys(ticks)))
    return fig


def _whole_numbers(x: object) -> bool:
    if x is None or not len(x):  # type: ignore[arg-type]
        return False
    return all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in x)


def _key(value: object) -> object:
    """A shape's or note's x as the key of `dates_in_language`'s names (a date or a number)."""
    if isinstance(value, int | np.integer):
        return int(value)
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError):
        return value


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
                           text=t("exit month"), showarrow=False, font={"color": GREEN},
                           xanchor="left")   # from the line rightwards: clear of the y axis
    return _layout(fig, t("Cash balance with and without subsidy") if title is None else title,
                   t("taka"))


def dscr_chart(monthly: pd.DataFrame, target: float, style: fmt.Style = fmt.PLAIN) -> go.Figure:
    """The month's and the trailing 12 months' DSCR against the target (`style` writes the
    target; `styled` the ticks and hover labels)."""
    fig = go.Figure()
    fig.add_bar(x=monthly["date"], y=monthly["dscr"], name=t("DSCR, month"), marker_color=SKY,
                meta="ratio")
    fig.add_scatter(x=monthly["date"], y=monthly["dscr_12m"], name=t("DSCR, trailing 12 months"),
                    line={"color": BLUE, "width": 3}, meta="ratio")
    fig.add_hline(y=target, line={"color": VERMILION, "dash": "dash"},
                  annotation_text=t("target {target}", target=fmt.ratio(target, style)))
    fig = _layout(fig, t("Debt-service coverage (operating cash flow / debt service); axis cut "
                         "at -2 and 4 x target"), t("ratio"))
    fig.update_yaxes(range=[-2, 4 * target])
    return fig


def payer_chart(cost_shares: pd.DataFrame, dates: pd.Series) -> go.Figure:
    """Stacked monthly amounts by payer."""
    fig = go.Figure()
    if not cost_shares.empty:
        by = cost_shares.pivot_table(index="month", columns="payer", values="amount",
                                     aggfunc="sum", fill_value=0.0).reindex(
            range(len(dates)), fill_value=0.0)
        for i, payer in enumerate(by.columns):   # the group itself in words, others as named
            fig.add_bar(x=dates, y=by[payer], name=t("the group") if payer == GROUP else payer,
                        marker_color=PALETTE[i % len(PALETTE)], meta="money")
    fig.update_layout(barmode="stack")
    return _layout(fig, t("Who pays for the services, by month"), t("taka"))


def exit_sweep_chart(sweep: pd.DataFrame, reserve: float) -> go.Figure:
    """Lowest cash from the exit month on, for every exit month."""
    colors = [GREEN if s else VERMILION for s in sweep["safe"]]
    fig = go.Figure()
    fig.add_bar(x=sweep["exit_date"], y=sweep["min_cash_after_exit"], marker_color=colors,
                name=t("lowest cash after the exit"), meta="money")
    fig.add_hline(y=reserve, line={"color": GREY, "dash": "dot"},
                  annotation_text=t("cash reserve"), annotation_position="top left")
    return _layout(fig, t("If every subsidy ended in this month: the lowest cash after it "
                          "(green = safe)"), t("taka"), t("exit month"))


def lines_chart(series: dict[str, pd.Series], dates: pd.Series, title: str,
                yaxis: str, xaxis: str | None = None, money: bool | None = None) -> go.Figure:
    """One line per series; `money` (default: the y axis says taka) formats them as amounts."""
    money = yaxis in ("taka", t("taka")) if money is None else money
    fig = go.Figure()
    for i, (name, s) in enumerate(series.items()):
        fig.add_scatter(x=dates, y=s, name=name, meta="money" if money else "number",
                        line={"color": PALETTE[i % len(PALETTE)], "width": 2,
                              "dash": ["solid", "dash", "dot", "dashdot"][i % 4]})
    return _layout(fig, title, yaxis, xaxis)
