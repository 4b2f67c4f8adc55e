"""Risk: one-way sensitivity (tornado), a two-way grid, and a Monte Carlo fan chart with the odds
a loan officer asks for."""

from __future__ import annotations

import os
import time

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pydantic import ValidationError

import engine
from engine import fmt as numbers
from engine import i18n, quantities, risk
from engine.errors import ScenarioError
from engine.i18n import N_, t, tn
from engine.montecarlo import MonteCarlo
from engine.report import path_title
from engine.shocks import Shocks
from ui import editor, state
from ui.figures import BLUE, GREY, ORANGE, SKY, VERMILION, _layout, styled
from ui.pages.common import (
    fmt,
    label,
    options_in_language,
    problems_banner,
    style,
    translated,
)

APP_TIME_LIMIT_S = float(os.environ.get("SUBSIDY_EXIT_APP_TIME_LIMIT", "60"))
"""The app's time limit: the longest it spends on anything a user asks for."""
MC_TIME_LIMIT_S = TORNADO_TIME_LIMIT_S = APP_TIME_LIMIT_S / 4
"""Seconds the app spends on one Monte Carlo or one tornado (a quarter of the app's time
limit); a Monte Carlo cut short can be run again for up to `APP_TIME_LIMIT_S`."""
SESSION_CACHE = 16
"""Results of the page's long computations kept per session (the oldest dropped first)."""
PROGRESS_AFTER_S = 1.0
"""A computation running longer than this shows a progress bar."""


class TooLong(Exception):
    """Raised by a progress callback once a computation has run past its time limit."""


def with_progress(kind: str, key: tuple, compute, message: str, scenario: engine.Scenario,
                  limit: float | None = None):
    """`compute(progress)` kept in the session under (kind, key) (a rerun with the same inputs
    is free); once it has run for `PROGRESS_AFTER_S`, `progress(done, total)` shows a bar with
    `message` (a msgid with {done} and {total}) in the language in force (not a st.cache_data
    function: a cached function would replay the bar). With a `limit`, the first progress
    report after `limit` seconds stops the computation, and the result is None."""
    cache = st.session_state.setdefault("risk_results", {})
    if (kind, key) in cache:
        return cache[(kind, key)]
    slot, started = st.empty(), time.monotonic()

    def progress(done: int, total: int) -> None:
        if limit is not None and time.monotonic() - started > limit:
            raise TooLong
        if time.monotonic() - started > PROGRESS_AFTER_S:
            s = style(scenario)
            slot.progress(min(1.0, done / max(total, 1)),
                          text=t(message, done=numbers.number(done, s),
                                 total=numbers.number(total, s)))

    try:
        result = compute(progress)
    except TooLong:
        result = None
    slot.empty()
    cache[(kind, key)] = result
    while len(cache) > SESSION_CACHE:
        cache.pop(next(iter(cache)))
    return result


def tornado(scenario: engine.Scenario, step: float, lang: str) -> pd.DataFrame | None:
    """The tornado table (`lang`, the language in force, keys the reasons inputs are left out),
    or None when it would take longer than `TORNADO_TIME_LIMIT_S`."""
    return with_progress("tornado", (scenario.model_dump_json(), step, lang),
                         lambda progress: risk.tornado(scenario, step=step, progress=progress),
                         N_("Varying every input: {done} of {total}"), scenario,
                         limit=TORNADO_TIME_LIMIT_S)


def monte_carlo(scenario: engine.Scenario, shocks: Shocks, paths: int, seed: int,
                longer: bool = False) -> tuple[MonteCarlo, float]:
    """The Monte Carlo and the time limit it ran under: `MC_TIME_LIMIT_S`, or with `longer`
    the app's whole time limit (replacing a result kept for the same inputs)."""
    key = (scenario.model_dump_json(), shocks.model_dump_json(), paths, seed, i18n.current())
    limits = st.session_state.setdefault("mc_limits", {})
    if longer:
        st.session_state.setdefault("risk_results", {}).pop(("monte_carlo", key), None)
        limits[key] = APP_TIME_LIMIT_S
    limit = limits.get(key, MC_TIME_LIMIT_S)
    mc = with_progress(
        "monte_carlo", key,
        lambda progress: risk.monte_carlo(scenario, shocks, paths, seed, time_limit=limit,
                                          progress=progress),
        N_("Simulating paths: {done} of {total}"), scenario)
    return mc, limit


@st.cache_data(show_spinner=False, max_entries=16)
def grid(scenario, px, xs, py, ys, outcome):
    return risk.grid(scenario, px, list(xs), py, list(ys), outcome)


def tornado_chart(table: pd.DataFrame, outcome: str, top: int) -> go.Figure:
    """Each input's low and high outcome around the base (`styled` labels the outcome's axis
    and hover by its unit: months as months, amounts as taka)."""
    rows = table.head(top).iloc[::-1]
    base = table.attrs["base"][outcome]
    what = label(quantities.label(outcome))
    unit = quantities.quantity(outcome).unit
    fig = go.Figure()
    fig.add_bar(y=rows.index, x=rows[f"{outcome}_low"] - base, base=base, orientation="h",
                name=t("input -x%"), marker_color=SKY, meta=unit,
                hovertemplate="%{customdata}<extra>" + t("low") + "</extra>")
    fig.add_bar(y=rows.index, x=rows[f"{outcome}_high"] - base, base=base, orientation="h",
                name=t("input +x%"), marker_color=ORANGE, meta=unit,
                hovertemplate="%{customdata}<extra>" + t("high") + "</extra>")
    fig.update_layout(barmode="overlay", height=120 + 28 * len(rows))
    fig = _layout(fig, t("Sensitivity of {outcome}",
                         outcome=what.lower() if i18n.current() == "en" else what),
                  t("input"), what)
    return fig.update_layout(hovermode="y unified")   # one input's low and high together


def fan_chart(mc, number_style: numbers.Style = numbers.PLAIN) -> go.Figure:
    pct = mc.cash_percentiles
    fig = go.Figure()
    fig.add_scatter(x=pct.index, y=pct.p95, line={"color": GREY, "width": 0.5},
                    name=t("95th percentile"), meta="money")
    fig.add_scatter(x=pct.index, y=pct.p5, fill="tonexty", fillcolor="rgba(86,180,233,0.3)",
                    line={"color": GREY, "width": 0.5}, name=t("5th percentile"), meta="money")
    fig.add_scatter(x=pct.index, y=pct.p50, line={"color": BLUE, "width": 3}, name=t("median"),
                    meta="money")
    fig.add_hline(y=0, line={"color": VERMILION, "dash": "dot"})
    return _layout(fig, tn("Cash balance, {n} path (5th-95th percentile)",
                           "Cash balance, {n} paths (5th-95th percentile)", mc.paths,
                           n=numbers.number(mc.paths, number_style)), t("taka"))



def shock_inputs(columns: list, scenario: engine.Scenario) -> Shocks | None:
    """One input per field of engine.shocks.Shocks (label, unit, range, default and help from
    engine/fields.py; percentages typed in %), or None with the problems shown."""
    values = {}
    for i, name in enumerate(Shocks.model_fields):
        meta = state.number_meta(f"mc_{name}", scenario)
        value = editor.setting_box(columns[i % len(columns)], f"mc_{name}", meta)
        values[name] = round(value / 100, 12) if meta.percent else value
    try:
        return Shocks(**values)
    except (ScenarioError, ValidationError) as e:
        st.error(t("These shocks cannot be simulated: {problem}", problem=e))
        return None


def render() -> None:
    scenario, _, problems = state.current()
    st.title(t("Risk: {group}", group=scenario.title))
    problems_banner(problems)
    st.subheader(t("Which inputs matter"))
    c = st.columns(3)
    outcomes = list(risk.OUTCOMES)
    grid = state.grid_setting("tornado_step", 0.1, 0.05, 0.5, 0.05)
    shown = style(scenario)
    state.setting("tornado_outcome", outcomes[0], options=outcomes)
    step = c[0].select_slider(t("vary each input by"), grid, key="tornado_step",
                              format_func=lambda v: numbers.percent(v, shown, 0, 0),
                              help=t("Each input is lowered and raised by this share of its "
                                     "value."))
    outcome = c[1].selectbox(t("outcome"), outcomes, key="tornado_outcome",
                             format_func=options_in_language(quantities.label))
    top = editor.setting_box(c[2], "tornado_top", state.number_meta("tornado_top", scenario))
    with st.spinner(t("Varying every input...")):
        table = tornado(scenario, step, i18n.current())
    if table is None:
        st.warning(t("Varying each of this scenario's {n} inputs takes longer than the {limit} "
                     "seconds the app spends on it; `subsidy-exit tornado` computes it.",
                     n=numbers.number(len(risk.numeric_inputs(scenario)), style(scenario)),
                     limit=numbers.number(TORNADO_TIME_LIMIT_S, style(scenario))))
    else:
        tornado_section(scenario, table, outcome, step, int(top))
    grid_section(scenario)
    monte_carlo_section(scenario)


def tornado_section(scenario: engine.Scenario, table: pd.DataFrame, outcome: str, step: float,
                    top: int) -> None:
    base = table.attrs["base"][outcome]
    moving = table[(table[f"{outcome}_low"] != base) | (table[f"{outcome}_high"] != base)]
    if moving.empty:
        st.info(t("Nothing changes in this range: {outcome} stays {value} when any input "
                  "moves by {step}.", outcome=label(quantities.label(outcome)),
                  value=quantities.display_value(outcome, base, style(scenario), scenario.start),
                  step=numbers.percent(step, style(scenario), 0, 0)))
    else:
        moving.attrs = table.attrs
        named = moving.rename(index=lambda p: path_title(scenario, p))
        st.plotly_chart(styled(tornado_chart(named, outcome, top), style(scenario),
                               scenario.start), key="tornado_chart", width="stretch")
    skipped = len(table.attrs["skipped"])
    with st.expander(tn("{n} input left out", "{n} inputs left out", skipped,
                        n=numbers.number(skipped, style(scenario)))):
        st.write(translated(pd.DataFrame(table.attrs["skipped"], columns=[t("input"), t("why")])))


def grid_section(scenario: engine.Scenario) -> None:
    st.subheader(t("Price against payment delay"))
    channels = [ch.name for ch in scenario.channels if ch.price_basis == "fixed"]
    if channels:
        state.setting("grid_channel", channels[0], options=channels)
        ch = st.selectbox(t("buyer"), channels, key="grid_channel")
        chan = next(x for x in scenario.channels if x.name == ch)
        xs = tuple(round(chan.price * f, 2) for f in (0.7, 0.8, 0.9, 1.0, 1.1, 1.2))
        ys = (0.0, 15.0, 30.0, 45.0, 60.0, 90.0)
        g = grid(scenario, f"channels.{ch}.price", xs, f"channels.{ch}.payment_delay_days",
                 ys, "min_cash_balance") if chan.payment_delay_days_max is None else None
        values = g.to_numpy() if g is not None else None
        if values is not None and values.max() - values.min() <= 1e-6 * max(1.0, abs(
                values.max())):
            st.info(t("Nothing changes in this range: minimum cash stays {amount} for every "
                      "price and delay shown.", amount=fmt(float(values.max()), scenario)))
        elif g is not None:
            s = style(scenario)
            fig = go.Figure(go.Heatmap(z=g.to_numpy(), x=[numbers.number(x, s, 0, 2) for x in xs],
                                       y=[numbers.number(y, s) for y in ys], colorscale="Cividis",
                                       meta="taka", hovertemplate=t(
                                           "price %{x} taka, delay %{y} days: lowest cash "
                                           "%{customdata}") + "<extra></extra>"))
            fig = _layout(fig, t("Minimum cash by price (taka) and payment delay (days)"),
                          t("payment delay, days"), t("price, taka"))
            fig.update_xaxes(type="category")
            fig.update_layout(hovermode="closest")   # one cell's price, delay and cash
            fig.update_yaxes(type="category", tickformat="")
            st.plotly_chart(styled(fig, s), key="grid_chart", width="stretch")
        else:
            st.info(t("This buyer's delay is a range; the grid takes fixed delays."))


def monte_carlo_section(scenario: engine.Scenario) -> None:
    st.subheader(t("Monte Carlo"))
    st.caption(t("Each path draws, month by month, mean-reverting prices for every buyer "
                 "(seasonality kept, buyers correlated), volumes correlated with prices, "
                 "failed harvests and late payments (methodology: Monte Carlo shocks)."))
    shocks = shock_inputs(st.columns(3), scenario)
    paths = editor.setting_box(st.columns(3)[0], "mc_paths", state.number_meta("mc_paths",
                                                                               scenario))
    if shocks is None:
        return
    mc, limit = monte_carlo(scenario, shocks, int(paths), 0)
    if mc.paths < mc.paths_asked:
        s = style(scenario)
        note, more = st.empty(), st.empty()
        if limit < APP_TIME_LIMIT_S and more.button(
                t("Run for up to {limit} seconds", limit=numbers.number(APP_TIME_LIMIT_S, s)),
                key="mc_longer", help=t("The same paths from the first, with the app's whole "
                                        "time limit; the page waits meanwhile.")):
            more.empty()
            mc, limit = monte_carlo(scenario, shocks, int(paths), 0, longer=True)
        if mc.paths < mc.paths_asked:
            note.warning(t("Stopped after {done} of {asked} paths: the app spends at most "
                           "{limit} seconds on a Monte Carlo. The figures below are those of "
                           "the {done} paths; `subsidy-exit montecarlo` runs them all.",
                           done=numbers.number(mc.paths, s),
                           asked=numbers.number(mc.paths_asked, s),
                           limit=numbers.number(limit, s)))
    m = st.columns(3)

    def pct(x: float) -> str:
        return numbers.percent(x, style(scenario), 0, 0)
    m[0].metric(t("P(self-sustaining by the horizon)"),
                pct(mc.p_self_sustaining_by_month.iloc[-1]),
                help=t("The share of paths in which the group can do without every subsidy by "
                       "the last month."))
    m[1].metric(t("P(trailing DSCR < 1)"), pct(mc.p_dscr_below_1),
                help=t("The share of paths in which, over some 12 months, earnings do not cover "
                       "the installments (DSCR below 1); n/a where no full 12 months end in the "
                       "loan period."))
    m[2].metric(t("P(cash short at an installment)"), pct(mc.p_cash_short_at_installment))
    if scenario.arrears.enabled:
        a = st.columns(3)
        a[0].metric(t("P(PAR30 at any time)"), pct(mc.p_par30),
                    help=t("Share of paths with an installment more than 30 days past due."))
        a[1].metric(t("Expected arrears at the end"), fmt(mc.expected_arrears, scenario))
    st.plotly_chart(styled(fan_chart(mc, style(scenario)), style(scenario)), key="fan_chart",
                    width="stretch")
    fig = go.Figure(go.Scatter(x=mc.p_self_sustaining_by_month.index,
                               y=mc.p_self_sustaining_by_month, line={"color": BLUE},
                               meta="share", name=t("probability")))
    fig = _layout(fig, t("Probability of being self-sustaining by each month"),
                  t("probability"))
    fig.update_yaxes(range=[0, 1])
    st.plotly_chart(styled(fig, style(scenario)), key="p_exit_chart", width="stretch")
