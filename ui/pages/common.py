"""Pieces every page draws: the problems banner, money formatting by the user's choice."""

from __future__ import annotations

import streamlit as st

import engine
from engine import fmt as numbers
from engine.cashflow import taper_end_month
from engine.scenario import Taper


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


def reaches_zero(taper: Taper, scenario: engine.Scenario) -> str:
    """When a taper's support reaches its final level, and whether that is within the
    horizon."""
    end = taper_end_month(taper)
    if end is None:
        return ""
    final = "zero" if taper.to_level == 0 else f"{taper.to_level:.0%} of the initial shares"
    if end >= scenario.horizon_months:
        last = scenario.month_label(scenario.horizon_months - 1)
        return (f"support does **not** reach {final} within the horizon (it would in "
                f"{scenario.month_label(end)}, after {last})")
    return f"support reaches {final} in {scenario.month_label(end)}"
