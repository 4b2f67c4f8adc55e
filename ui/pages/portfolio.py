"""Portfolio: upload a CSV of groups (group_id + override columns), get one row per group, sort
and filter it."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

import engine
from engine.portfolio import portfolio
from ui import state

MAX_ROWS = 20_000


@st.cache_data(show_spinner="Projecting every group...", max_entries=8)
def run(base: engine.Scenario, data: bytes) -> pd.DataFrame:
    return portfolio(base, pd.read_csv(io.BytesIO(data)))


def render() -> None:
    scenario, _, _ = state.current()
    st.title("Portfolio of groups")
    st.write(f"Each row of the file is one group built from **{scenario.name}** (the scenario "
             "in the sidebar, with your edits): a `group_id` column, then any parameter paths "
             "as columns (as *Any parameter* lists them).")
    example = pd.DataFrame({"group_id": ["g1", "g2"], "group.members": [20, 30],
                            "group.cash_reserve": [10000, 15000]})
    st.download_button("Example file", example.to_csv(index=False).encode(), "groups.csv",
                       "text/csv", key="portfolio_example")
    upload = st.file_uploader("Groups (CSV)", type=["csv"], key="portfolio_upload")
    if upload is None:
        return
    data = upload.getvalue()
    try:
        frame = pd.read_csv(io.BytesIO(data), nrows=MAX_ROWS + 1)
    except (ValueError, UnicodeDecodeError) as e:
        st.error(f"{upload.name}: not a readable CSV file ({e})")
        return
    if len(frame) > MAX_ROWS:
        st.error(f"{upload.name}: more than {MAX_ROWS:,} groups; use `subsidy-exit portfolio` "
                 "(with --dask for large files)")
        return
    try:
        result = run(scenario, data)
    except engine.ScenarioError as e:
        st.error("\n".join(f"- {p}" for p in e.problems))
        return
    flagged = st.checkbox("only groups with a risk flag", key="portfolio_flagged")
    shown = result[result.risk_flags != ""] if flagged else result
    column = st.selectbox("sort by", list(result.columns), index=1, key="portfolio_sort")
    shown = shown.sort_values(column, na_position="last")
    st.metric("groups", f"{len(shown):,} of {len(result):,}")
    st.dataframe(shown, key="portfolio_table", hide_index=True)
    st.download_button("Result (CSV)", result.to_csv(index=False).encode(),
                       "portfolio_result.csv", "text/csv", key="portfolio_download")
