"""Portfolio: upload a CSV of groups (group_id + override columns), get one row per group, sort
and filter it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pandas as pd
import streamlit as st

import engine
from engine.groups import (
    CHUNK_GROUPS,
    Chunk,
    bad_lines,
    chunks,
    result_columns,
    run_chunk,
    text_rows,
)
from engine.io import decode_text
from ui import exports, state

MAX_ROWS = 20_000


TIME_LIMIT_S = float(os.environ.get("SUBSIDY_EXIT_APP_TIME_LIMIT", "60"))
"""Seconds the app spends on one uploaded file; the command line has no such limit."""


def run_within(base: engine.Scenario, data: bytes, name: str, time_limit: float,
               chunk_groups: int = CHUNK_GROUPS,
               on_chunk: Callable[[int, float], None] | None = None
               ) -> tuple[pd.DataFrame, list[str], int | None]:
    """Every row's result (bad rows with their problems), one line per problem, and, when the
    time limit stopped the run between two chunks, the number of rows done (None: all). The
    file is read and checked as the command line reads it (engine.groups); at least one chunk
    is always run. `on_chunk(rows done, seconds so far)` is called after each chunk."""
    rows = text_rows(decode_text(data, name), name)
    frames, bad, template = [], [], result_columns(base)
    started, stopped = time.monotonic(), None
    done = 0
    for columns, chunk in chunks(base, rows, name, chunk_groups):
        if frames and time.monotonic() - started > time_limit:
            stopped = done
            break
        bad += bad_lines(chunk)
        frames.append(run_chunk(base, columns, chunk, result=template))
        done += chunk.rows
        if on_chunk is not None:
            on_chunk(done, time.monotonic() - started)
    frame = pd.concat(frames, ignore_index=True) if frames else \
        run_chunk(base, ["group_id"], Chunk(), result=template)
    return frame, bad, stopped


PROGRESS_AFTER_S = 1.0
"""A run that has taken longer than this shows a progress bar."""


@st.cache_data(show_spinner="Projecting every group...", max_entries=8)
def run(base: engine.Scenario, data: bytes, name: str,
        _on_chunk: Callable[[int, float], None] | None = None
        ) -> tuple[pd.DataFrame, list[str], int | None]:
    return run_within(base, data, name, TIME_LIMIT_S, on_chunk=_on_chunk)


def progress_bar(total: int) -> tuple[Callable[[int, float], None], Callable[[], None]]:
    """A chunk callback that draws a progress bar once a run has taken over a second, and a
    function that removes it."""
    slot = st.empty()

    def on_chunk(done: int, seconds: float) -> None:
        if seconds > PROGRESS_AFTER_S:
            slot.progress(min(1.0, done / max(total, 1)),
                          text=f"{min(done, total):,} of {total:,} groups")

    return on_chunk, slot.empty


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
        on_chunk, clear = progress_bar(max(0, len(data.splitlines()) - 1))
        result, bad, stopped = run(scenario, data, upload.name, on_chunk)
        clear()
    except engine.ScenarioError as e:
        st.error("\n".join(f"- {p}" for p in e.problems))
        return
    if stopped is not None:
        st.warning(f"Stopped after the first {stopped:,} groups: the app spends at most "
                   f"{TIME_LIMIT_S:,.0f} seconds on a file. The table shows those groups; run "
                   "`subsidy-exit portfolio FILE` for the whole file.")
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
