"""Cached calls into the engine for the pages (st.cache_data keys on the scenario's value). The
pages never compute finance themselves. A call whose result holds text the engine writes (a
sentence, a table's line names, a document) takes the language in force, `lang`, as an argument:
it is part of the cache key, so a page in Bangla never shows a result cached in English."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import engine
from engine import comparison, fmt, loan_capacity, loans, planner, report, results
from engine import stress as stress_tests
from engine import switching as switching_values
from ui import exports


@st.cache_data(show_spinner=False, max_entries=64)
def projection(scenario: engine.Scenario) -> engine.Projection:
    return engine.project(scenario)


@st.cache_data(show_spinner=False, max_entries=64)
def taper(scenario: engine.Scenario, start: int, every: int) -> dict:
    return planner.fastest_safe_taper(projection(scenario), start, every)


@st.cache_data(show_spinner=False, max_entries=64)
def services(scenario: engine.Scenario, exit_month: int, lang: str) -> pd.DataFrame:
    return planner.services_at_exit(projection(scenario), exit_month)


@st.cache_data(show_spinner=False, max_entries=64)
def cost_shares(scenario: engine.Scenario) -> pd.DataFrame:
    return planner.cost_shares(scenario)


@st.cache_data(show_spinner=False, max_entries=64)
def cost_totals(scenario: engine.Scenario) -> pd.DataFrame:
    return planner.cost_totals(scenario)


@st.cache_data(show_spinner=False, max_entries=64)
def impact(scenario: engine.Scenario) -> dict:
    return results.results_of(scenario, projection(scenario))


@st.cache_data(show_spinner=False, max_entries=64)
def yearly(scenario: engine.Scenario) -> pd.DataFrame:
    return planner.yearly_ratios(projection(scenario))


@st.cache_data(show_spinner=False, max_entries=64)
def stress(scenario: engine.Scenario, lang: str) -> pd.DataFrame:
    return stress_tests.stress_table(scenario)


@st.cache_data(show_spinner=False, max_entries=64)
def max_loan(scenario: engine.Scenario, loan_name: str, target: float) -> float:
    terms = next(x for x in scenario.loans if x.name == loan_name)
    return loan_capacity.max_affordable_loan(scenario, terms, target)


@st.cache_data(show_spinner=False, max_entries=64)
def loan_verdict(scenario: engine.Scenario, target: float, lang: str,
                 style: fmt.Style | None = None) -> dict | None:
    return loan_capacity.loan_verdict(projection(scenario), target, style)


@st.cache_data(show_spinner=False, max_entries=64)
def loan_cost(scenario: engine.Scenario, loan_name: str) -> dict:
    loan = next(x for x in scenario.loans if x.name == loan_name)
    return {"apr": loans.apr(loan), "eir": loans.eir(loan),
            "grant_element": loans.grant_element(loan)}


@st.cache_data(show_spinner=False, max_entries=64)
def switching(scenario: engine.Scenario, channel: str, rival: str, parameter: str,
              outcome: str, lang: str) -> dict:
    return switching_values.switching_value(scenario, channel, rival, parameter, outcome)


@st.cache_data(show_spinner=False, max_entries=64)
def compare(projections: tuple, lang: str) -> pd.DataFrame:
    return comparison.compare(list(projections))


@st.cache_data(show_spinner=False, max_entries=16)
def report_bytes(scenario: engine.Scenario) -> bytes:
    return report.report_markdown(scenario).encode("utf-8")


@st.cache_data(show_spinner=False, max_entries=16)
def document_bytes(scenario: engine.Scenario, audience: str, form: str,
                   options: report.Options) -> bytes:
    return exports.document_bytes(scenario, audience, form, options)  # type: ignore[arg-type]


@st.cache_data(show_spinner=False, max_entries=32)
def statements(scenario: engine.Scenario, lang: str) -> dict[str, pd.DataFrame]:
    """The statements by year (line names in `lang`, the language in force: a cache key)."""
    from engine import statements as stm
    return stm.statement_tables(projection(scenario))


@st.cache_data(show_spinner=False, max_entries=32)
def appraisal(scenario: engine.Scenario) -> pd.DataFrame:
    from engine import statements as stm
    return stm.appraisal(projection(scenario))
