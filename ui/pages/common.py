"""Pieces every page draws: the problems banner, money formatting by the user's choice."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import engine
from engine import fmt as numbers
from engine import quantities
from engine.fields import meta_at
from ui import editor


def style(scenario: engine.Scenario) -> numbers.Style:
    """The user's choice of grouping (international or lakh) and of US$ at the scenario's rate."""
    usd = scenario.usd_rate if st.session_state.get("usd") else None
    return numbers.Style(st.session_state.get("grouping", "international"), usd)


def fmt(x: float | None, scenario: engine.Scenario) -> str:
    return numbers.money(x, style(scenario))


def problems_banner(problems: list) -> None:
    if problems:
        st.error("These values are not valid, so the results shown are the last valid ones "
                 "(stale). Your edits are kept; correct them or reset them.\n\n"
                 + "\n".join(f"- `{p.path}`: {p.message}" for p in problems), icon="⚠️")


def month_label(scenario: engine.Scenario, month: int | None, none: str = "never") -> str:
    return none if month is None else scenario.month_label(month)


def plain_path(path: str) -> str:
    """A parameter path as people read it: 'pran: payment delay' for
    channels.pran.payment_delay_days."""
    meta = meta_at(path)
    if meta is None:
        return path
    parts = path.split(".")
    item = parts[1] if len(parts) > 2 and parts[0] != "group" else ""
    return f"{item}: {meta.label}" if item else meta.label


def readable(df: pd.DataFrame, scenario: engine.Scenario) -> pd.DataFrame:
    """A table of named quantities as finance staff read it: plain column names, each column
    by its unit (taka grouped as the user chose, or US$; % for shares; 2 decimals for ratios)."""
    return quantities.display_frame(df, style(scenario), scenario.start)


def money_table(df: pd.DataFrame, scenario: engine.Scenario) -> pd.DataFrame:
    """A table whose every cell is an amount in taka (or US$)."""
    return df.map(lambda x: numbers.money(x, style(scenario), unit=False))


def item_table(section: str, data: dict[str, Any], scenario: engine.Scenario
                  ) -> pd.DataFrame:
    """The section's items with plain column names and values as people read them."""
    fields = ["name", *editor.item_fields(section)] if section in editor.NAMED else \
        editor.item_fields(section)
    rows = []
    for i, item in enumerate(data[section]):
        row = {}
        for f in fields:
            meta = meta_at(f"{section}[{i}].{f}")
            if meta is None or meta.unit in ("weights",):
                continue
            row[meta.label] = shown(meta.unit, item.get(f), scenario)
        rows.append(row)
    return pd.DataFrame(rows)


def shown(unit: str, value: Any, scenario: engine.Scenario) -> str:
    if value is None:
        return ""
    if unit == "taka/unit" and isinstance(value, int | float):
        return numbers.number(value, style(scenario), 0, 2)
    if isinstance(value, int | float) and not isinstance(value, bool) and unit != "weights":
        return numbers.value(value, unit, style(scenario), scenario.start)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


FORMATS = {"pdf": "PDF", "html": "HTML", "md": "Markdown"}


def document_downloads(scenario: engine.Scenario, audience: str, options, note: str) -> None:
    """A format choice and a download button for the exit-readiness report (donor) or the
    credit memo (lender); the file is built only when it is asked for."""
    from ui import compute, exports
    form = st.radio("Format", list(FORMATS), format_func=FORMATS.get, horizontal=True,
                    key=f"{audience}_format")
    what = "exit-readiness report" if audience == "donor" else "credit memo"
    st.download_button(f"Download the {what} ({FORMATS[form]})",
                       data=lambda: compute.document_bytes(scenario, audience, form, options),
                       file_name=exports.document_name(scenario, audience, form),
                       mime=exports.MIME[form], key=f"{audience}_download")
    st.caption(note)


def statements_section(scenario: engine.Scenario) -> None:
    """The appraisal statements (income statement, balance sheet, cash flow) by year and the
    NPV, IRR and payback of the group's investment with and without donations."""
    from engine import quantities
    from engine.statements import STATEMENTS
    from ui import compute
    st.subheader("Appraisal statements")
    s = style(scenario)
    with st.expander("Income statement, balance sheet and cash flow by year; NPV and IRR"):
        for name, table in compute.statements(scenario).items():
            st.markdown(f"**{STATEMENTS[name][0]}**, taka")
            st.dataframe(table.map(numbers.money, style=s, unit=False), key=f"st_{name}")
        a = compute.appraisal(scenario)
        st.markdown(f"**The group's investment before financing** (FAO RuralInvest), "
                    f"discounted at {numbers.percent(a.discount_rate.iloc[0])} a year")
        shown = quantities.display_frame(a.drop(columns=["discount_rate", "total_flow"]), s,
                                         scenario.start)
        shown.index = ["with donations", "without donations"]
        st.dataframe(shown, key="st_appraisal")
