"""subsidy-exit: the Streamlit front end (frame). Run with `make run`.

The UI maps widgets to a Scenario, calls the engine (cached) and draws. It computes no finance.
"""

from __future__ import annotations

import streamlit as st

import engine
from engine.verdict import exit_verdict
from ui.figures import cash_chart
from ui.state import main_fields, values, widget_key

st.set_page_config(page_title="subsidy-exit", layout="wide")


@st.cache_data(show_spinner=False, max_entries=64)
def load(ref: str) -> engine.Scenario:
    return engine.load_scenario(ref)


@st.cache_data(show_spinner=False, max_entries=64)
def run(scenario: engine.Scenario) -> engine.Projection:
    return engine.project(scenario)


def scenario_refs() -> list[str]:
    refs = []
    for name in engine.preset_names():
        refs.append(name)
        refs += [f"{name}:{v}" for v in load(name).variants]
    return refs


refs = scenario_refs()
wanted = st.query_params.get("scenario", "modhupur_pineapple")
default = refs.index(wanted) if wanted in refs else 0
ref = st.sidebar.selectbox("Scenario", refs, index=default, key="scenario_ref")
st.query_params["scenario"] = ref
base = load(ref)
start_values = values(base)

st.sidebar.caption("Main parameters (hover a field for its source)")
edits = st.session_state.setdefault("edits", {}).setdefault(ref, {})
overrides = {}
for f in main_fields(base):
    original = start_values[f.path]
    is_int = isinstance(original, int)
    key = widget_key(ref, f.path)
    if key not in st.session_state:  # a widget not drawn in the last run loses its state
        st.session_state[key] = edits.get(f.path, original)
    v = st.sidebar.number_input(
        f.label, step=int(f.step) if is_int else float(f.step),
        min_value=None if f.min_value is None else (int(f.min_value) if is_int else f.min_value),
        max_value=None if f.max_value is None else (int(f.max_value) if is_int else f.max_value),
        key=key, help=base.provenance.get(f.path, "no source recorded"),
    )
    edits[f.path] = v
    if v != original:
        overrides[f.path] = v

problems = None
try:
    scenario = engine.with_overrides(base, overrides) if overrides else base
    projection = run(scenario)
    st.session_state[f"last_good::{ref}"] = projection
except engine.ScenarioError as e:
    problems = e.problems
    projection = st.session_state.get(f"last_good::{ref}") or run(base)

st.title(projection.scenario.title)
if problems:
    st.error("Some values are not valid; the results below are the last valid ones.\n\n"
             + "\n".join(f"- `{p.path}`: {p.message}" for p in problems))
s = projection.summary
st.markdown(f"**{exit_verdict(projection.scenario, s)}**")

cols = st.columns(5)
cols[0].metric("Exit month", s["exit_date"] or "not within horizon",
               help="First month from which every subsidy can stop and cash stays at or above "
               "the reserve to the horizon.")
cols[1].metric("OSS month", "never" if s["oss_month"] is None
               else projection.scenario.month_label(s["oss_month"]),
               help="First month from which trailing-12-month operational self-sufficiency "
               "stays at or above 100%.")
cols[2].metric("Minimum cash, taka", f"{s['min_cash_balance']:,.0f}")
cols[3].metric("SDI", "n/a" if s["sdi"] is None else f"{s['sdi']:.1%}",
               help="Subsidy over the group's sales revenue, whole horizon.")
cols[4].metric("Income/member, taka/mo",
               f"{s['member_income_per_member_month_avg']:,.0f}",
               help="Average monthly income of the members' enterprise per member (accrual).")

st.plotly_chart(cash_chart(projection.monthly, projection.scenario.group.cash_reserve,
                           s["exit_month"], "Cash balance with and without subsidy"),
                key="cash_chart", width="stretch")
with st.expander("Monthly table"):
    st.dataframe(projection.monthly, key="monthly_table")
