"""Pieces every page draws: the problems banner, money formatting by the user's choice."""

from __future__ import annotations

import streamlit as st

import engine
from engine import fmt as numbers


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
