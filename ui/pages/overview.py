"""Overview: headline figures, the verdict, the cash balance with and without subsidy, and an
editor for any parameter."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import engine
from engine import fmt as numbers
from engine.fields import meta_at
from engine.i18n import t, tn
from engine.values import ValueTextError, parse_value
from engine.verdict import exit_verdict
from ui import editor, state
from ui.figures import cash_chart, styled
from ui.pages.common import about, fmt, month_label, problems_banner, readable, style

GROUP_FIELDS = ["members", "opening_cash", "cash_reserve", "distribution_share",
                "credit_line_limit", "credit_line_annual_rate"]


def render() -> None:
    scenario, p, problems = state.current()
    st.title(scenario.title)
    about(st.session_state.ref)
    problems_banner(problems)
    s = p.summary
    st.markdown(f"**{exit_verdict(scenario, s)}**")
    cols = st.columns(3) + st.columns(3)
    cols[0].metric(t("Exit month"), month_label(scenario, s["exit_month"],
                                                t("not within horizon")),
                   help=t("First month from which every subsidy can stop and cash stays at or "
                          "above the reserve to the horizon."))
    cols[1].metric(t("OSS month"), month_label(scenario, s["oss_month"]),
                   help=t("First month from which trailing-12-month operational "
                          "self-sufficiency (OSS: sales income over all operating costs) stays "
                          "at or above 100%."))
    cols[2].metric(t("Minimum cash"), fmt(s["min_cash_balance"], scenario))
    cols[3].metric(t("Peak working capital"), fmt(s["peak_working_capital"], scenario),
                   help=t("Deepest cumulative deficit before financing."))
    cols[4].metric(t("Subsidy to sales"), numbers.percent(s["subsidy_to_sales"], style(scenario),
                                                          1, 1),
                   help=t("Total subsidy over total sales revenue, whole horizon."))
    cols[5].metric(t("Income per member / month"),
                   fmt(s["member_income_per_member_month_avg"], scenario))
    st.plotly_chart(styled(cash_chart(p.monthly, scenario.group.cash_reserve, s["exit_month"]),
                           style(scenario)), key="overview_cash_chart", width="stretch")

    left, right = st.columns(2)
    with left:
        st.subheader(t("The group"))
        data = editor.raw()
        for f in GROUP_FIELDS:
            editor.field(st, f"group.{f}", data, scenario)
        editor.show_problems(st, editor.problems_at(problems, data, "group"))
    with right:
        st.subheader(t("Any parameter"))
        st.caption(t("Every parameter of the scenario, by its path (as `subsidy-exit params` "
                     "lists them), with its source (in English)."))
        table = pd.DataFrame(engine.params(scenario), columns=["path", "value", "source"])
        table = table[~table.path.isin(["name", "title", "start", "currency"])]
        path = st.selectbox(t("parameter"), table.path, key="any_path")
        row = table[table.path == path].iloc[0]
        st.caption(now_text(path, row.value, row.source, scenario))
        raw = st.text_input(t("new value (a number, true/false, \"text\" or [list])"),
                            key="any_value")
        if st.button(t("Apply"), key="any_apply") and raw.strip():
            try:
                state.edits()[path] = parse_value(raw)
                st.rerun()
            except ValueTextError as e:
                st.error(f"`{path}`: {e}")
        edits = state.edits()
        if edits:
            st.write(tn("{n} edit to the preset:", "{n} edits to the preset:", len(edits),
                        n=numbers.number(len(edits), style(scenario))))
            st.dataframe(pd.DataFrame({t("path"): list(edits),
                                       t("value"): [str(v) for v in edits.values()]}),
                         key="edits_table", hide_index=True)
            if st.button(t("Reset all edits"), key="reset_edits"):
                st.session_state.edits[st.session_state.ref] = {}
                for k in [k for k in st.session_state if str(k).startswith(
                        f"{st.session_state.ref}::")]:
                    del st.session_state[k]
                st.rerun()
    with st.expander(t("Monthly table")):
        st.dataframe(readable(p.monthly, scenario), key="monthly_table")


def now_text(path: str, value: object, source: str, scenario: engine.Scenario) -> str:
    """A parameter's value now, as the pages write it (by its field's unit, in the digits in
    force: '৬০'), with what to type in the box where that reads otherwise (`60`, `0.05`)."""
    meta = meta_at(path)
    source = source or t("model default")
    shown = numbers.value(value, meta.unit, style(scenario), scenario.start) \
        if meta is not None and isinstance(value, int | float) and not isinstance(value, bool) \
        else str(value)
    if shown == str(value):
        return t("now: `{value}` — {source}", value=value, source=source)
    return t("now: {shown} (typed `{value}`) — {source}", shown=shown, value=value,
             source=source)
