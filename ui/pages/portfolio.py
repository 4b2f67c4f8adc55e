"""Portfolio: upload a CSV of groups (group_id + override columns), get one row per group, sort
and filter it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pandas as pd
import streamlit as st

import engine
from engine import fmt as numbers
from engine import i18n, quantities
from engine.groups import (
    CHUNK_GROUPS,
    Chunk,
    bad_lines,
    chunks,
    result_columns,
    run_chunk,
    text_rows,
)
from engine.i18n import t, tn
from engine.io import decode_text
from engine.pipeline import run_scenarios
from engine.portfolio import display_results
from ui import exports, state
from ui.pages.common import options_in_language, style

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


@st.cache_data(show_spinner=False, max_entries=8)
def run(base: engine.Scenario, data: bytes, name: str, lang: str,
        _on_chunk: Callable[[int, float], None] | None = None
        ) -> tuple[pd.DataFrame, list[str], int | None]:
    """The file's results (`lang`, the language in force, keys the problems' text)."""
    return run_within(base, data, name, TIME_LIMIT_S, chunk_groups_within(base, TIME_LIMIT_S),
                      on_chunk=_on_chunk)


def chunk_groups_within(base: engine.Scenario, time_limit: float) -> int:
    """Groups per chunk such that a chunk takes at most about a quarter of `time_limit`, and at
    most CHUNK_GROUPS: the time limit is looked at between chunks, and 1,000 groups of a
    scenario at the engine's limits (100 buyers and loans, 600 months) take minutes. A group's
    cost is bounded by the base run alone, timed (a batch shares its work between rows)."""
    started = time.monotonic()
    run_scenarios([base])
    per_group = max(time.monotonic() - started, 1e-6)
    return max(1, min(CHUNK_GROUPS, int(time_limit / 4 / per_group)))


@st.cache_data(show_spinner=False, max_entries=8)
def readable(result: pd.DataFrame, style: numbers.Style, start: str, lang: str) -> pd.DataFrame:
    """The whole result as text, once per result and display choice (a 20,000-group file takes
    seconds to format; sorting and filtering then only reorder its rows); the risk flags in the
    reader's language; a row not run shows its problems only."""
    return display_results(result, style, start)


def progress_bar(total: int) -> tuple[Callable[[int, float], None], Callable[[], None]]:
    """A chunk callback that draws a progress bar once a run has taken over a second, and a
    function that removes it."""
    slot = st.empty()

    def on_chunk(done: int, seconds: float) -> None:
        if seconds > PROGRESS_AFTER_S:
            s = style()
            slot.progress(min(1.0, done / max(total, 1)),
                          text=t("{done} of {total} groups", done=numbers.number(
                              min(done, total), s), total=numbers.number(total, s)))

    return on_chunk, slot.empty


def render() -> None:
    scenario, _, _ = state.current()
    st.title(t("Portfolio of groups"))
    st.write(t("Each row of the file is one group built from **{scenario}** (the scenario in "
               "the sidebar, with your edits): a `group_id` column, then any parameter paths "
               "as columns (as *Any parameter* lists them).", scenario=scenario.name))
    example = pd.DataFrame({"group_id": ["g1", "g2"], "group.members": [20, 30],
                            "group.cash_reserve": [10000, 15000]})
    st.download_button(t("Example file"), example.to_csv(index=False).encode(), "groups.csv",
                       "text/csv", key="portfolio_example")
    upload = st.file_uploader(t("Groups (CSV)"), type=["csv"], key="portfolio_upload")
    if upload is None:
        return
    data = upload.getvalue()
    if data.count(b"\n") > MAX_ROWS + 1:
        st.error(t("{file}: more than {limit} groups; use `subsidy-exit portfolio` (with "
                   "--dask for large files)", file=upload.name,
                   limit=numbers.number(MAX_ROWS, style())))
        return
    try:
        on_chunk, clear = progress_bar(max(0, len(data.splitlines()) - 1))
        with st.spinner(t("Projecting every group...")):
            result, bad, stopped = run(scenario, data, upload.name, i18n.current(), on_chunk)
        clear()
    except engine.ScenarioError as e:
        st.error("\n".join(f"- {p}" for p in e.problems))
        return
    if stopped is not None:
        st.warning(t("Stopped after the first {done} groups: the app spends at most {limit} "
                     "seconds on a file. The table shows those groups; run `subsidy-exit "
                     "portfolio FILE` for the whole file.", done=numbers.number(stopped, style()),
                     limit=numbers.number(TIME_LIMIT_S, style())))
    if bad:
        st.warning(tn("{n} problem: these rows were not run (their `problems` column says why); "
                      "the others were.", "{n} problems: these rows were not run (their "
                      "`problems` column says why); the others were.", len(bad),
                      n=numbers.number(len(bad), style()))
                   + "\n\n" + "\n".join(f"- {b}" for b in bad[:50]))
    flagged = st.checkbox(t("only groups with a risk flag"), key="portfolio_flagged")
    shown = result[result.risk_flags.fillna("") != ""] if flagged else result
    column = st.selectbox(t("sort by"), list(result.columns), index=1, key="portfolio_sort",
                          format_func=options_in_language(quantities.label))
    shown = shown.sort_values(column, na_position="last")
    st.metric(t("groups"), t("{shown} of {all}", shown=numbers.number(len(shown), style()),
                             all=numbers.number(len(result), style())))
    # the file keeps the columns' names and raw values; the page shows them in words, months
    # as dates and amounts as every page does (sorted on the values before they become text)
    table = readable(result, style(scenario), scenario.start, i18n.current())
    st.dataframe(table.loc[shown.index], key="portfolio_table", hide_index=True)
    st.download_button(t("Result (CSV)"), lambda: exports.table_csv(result),
                       "portfolio_result.csv", "text/csv", key="portfolio_download")
