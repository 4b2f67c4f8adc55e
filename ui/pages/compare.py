"""Compare: scenarios and variants side by side, with differences from the first and overlaid
charts. Each scenario is shown with the edits made to it in this session."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

import engine
from engine import fmt, i18n, quantities
from engine.comparison import COMPARE_COLUMNS, deltas
from engine.i18n import t
from ui import compute, state
from ui.figures import lines_chart, styled
from ui.pages.common import alert, options_in_language, style, translated


def _projection(ref: str) -> engine.Projection:
    edits = st.session_state.edits.get(ref, {})
    base = state.base_scenario(ref)
    try:
        return state.run(engine.with_overrides(base, edits) if edits else base)
    except engine.ScenarioError:
        return state.run(base)


def display(table: pd.DataFrame, scenario: engine.Scenario) -> pd.DataFrame:
    """Numbers as people read them: each row by its quantity's unit, in the chosen style; a
    month as every page writes one (fmt.month: 'Jul 2026', 'জুলাই ২০২৬'), not as YYYY-MM."""
    keys = {label: key for key, label in COMPARE_COLUMNS.items()}

    def cell(key: str, x: object) -> str:
        if quantities.quantity(key).unit == "YYYY-MM" and isinstance(x, str) \
                and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", x):
            return fmt.month(x, 0, style(scenario))
        return quantities.display_value(key, x, style(scenario))

    return translated(pd.DataFrame({c: [cell(keys.get(r, r), table.loc[r, c])
                                        for r in table.index] for c in table.columns},
                                   index=table.index))


def render() -> None:
    st.title(t("Compare scenarios"))
    refs = state.all_refs()
    ref = st.session_state.ref
    default = [ref] + [r for r in refs if r.startswith(f"{ref.split(':')[0]}:") and r != ref]
    chosen = st.multiselect(t("Scenarios"), refs, default=default[:4], key="compare_refs",
                            format_func=options_in_language(state.ref_label))
    if len(chosen) < 2:
        st.info(t("Pick two or more scenarios."))
        return
    projections = [_projection(r) for r in chosen]
    table = compute.compare(tuple(projections), i18n.current())
    scenario = projections[0].scenario
    st.dataframe(display(table.drop(index="warning"), scenario), key="compare_table")
    st.caption(t("Differences from {scenario}:", scenario=chosen[0]))
    st.dataframe(display(deltas(table.drop(index="warning")), scenario), key="delta_table")
    for name, warning in table.loc["warning"].items():
        if warning:
            alert("warning", f"{name}: {warning}")
    months = max(projections, key=lambda x: len(x.monthly)).monthly.index.to_series()
    st.caption(t("Charts are by month from each scenario's own start."))
    st.plotly_chart(styled(lines_chart({x.scenario.name: x.monthly.cash_balance
                                        for x in projections}, months, t("Cash balance"),
                                       t("taka"), t("months from start"), money=True),
                           style(scenario)),
                    key="compare_cash_chart", width="stretch")
    st.plotly_chart(styled(lines_chart({x.scenario.name: x.monthly.member_income_per_member
                                        for x in projections}, months,
                                       t("Income per member by month"), t("taka"),
                                       t("months from start"), money=True), style(scenario)),
                    key="compare_income_chart", width="stretch")
