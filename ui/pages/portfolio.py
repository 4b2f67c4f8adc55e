"""Portfolio: upload a CSV of groups (group_id + override columns), get one row per group, sort
and filter it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import engine
from engine.groups import Chunk, bad_lines, chunks, result_columns, run_chunk, text_rows
from engine.io import decode_text
from ui import exports, state

MAX_ROWS = 20_000


@st.cache_data(show_spinner="Projecting every group...", max_entries=8)
def run(base: engine.Scenario, data: bytes, name: str) -> tuple[pd.DataFrame, list[str]]:
    """Every row's result (bad rows with their problems) and one line per problem; the file
    is read and checked as the command line reads it (engine.groups)."""
    rows = text_rows(decode_text(data, name), name)
    frames, bad, template = [], [], result_columns(base)
    for columns, chunk in chunks(base, rows, name):
        bad += bad_lines(chunk)
        frames.append(run_chunk(base, columns, chunk, result=template))
    frame = pd.concat(frames, ignore_index=True) if frames else \
        run_chunk(base, ["group_id"], Chunk(), result=template)
    return frame, bad


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
    if data.count(b"\n") > MAX_ROWS + 1:
        st.error(f"{upload.name}: more than {MAX_ROWS:,} groups; use `subsidy-exit portfolio` "
                 "(with --dask for large files)")
        return
    try:
        result, bad = run(scenario, data, upload.name)
    except engine.ScenarioError as e:
        st.error("\n".join(f"- {p}" for p in e.problems))
        return
    if bad:
        st.warning(f"{len(bad)} problem(s): these rows were not run (their `problems` column "
                   "says why); the others were.\n\n" + "\n".join(f"- {b}" for b in bad[:50]))
    flagged = st.checkbox("only groups with a risk flag", key="portfolio_flagged")
    shown = result[result.risk_flags.fillna("") != ""] if flagged else result
    column = st.selectbox("sort by", list(result.columns), index=1, key="portfolio_sort")
    shown = shown.sort_values(column, na_position="last")
    st.metric("groups", f"{len(shown):,} of {len(result):,}")
    st.dataframe(shown, key="portfolio_table", hide_index=True)
    st.download_button("Result (CSV)", lambda: exports.table_csv(result),
                       "portfolio_result.csv", "text/csv", key="portfolio_download")
