"""Loan officer: loan terms, the schedule, APR/EIR, DSCR against the target, the largest loan
the group can carry, and stress tests."""

from __future__ import annotations

import streamlit as st

from engine.analysis import DSCR_TARGET, STRESSES
from engine.arrears import arrears_figures
from engine.report import Options
from ui import compute, state
from ui.figures import dscr_chart
from ui.pages.common import document_downloads, fmt, problems_banner, style

LOAN_EVENTS = [
    ("tranches", "Tranches: released on the first due date in or after the month (the first "
     "release is principal less these)", ["month", "amount"]),
    ("prepayments", "Prepayments: principal paid early (amount empty: the whole balance)",
     ["month", "amount"]),
    ("installment_changes", "Custom installments: an installment's amount and/or due date "
     "(YYYY-MM-DD); the rest re-amortise", ["period", "amount", "due_date"])]


def render() -> None:
    scenario, p, problems = state.current()
    base = state.base_scenario(st.session_state.ref)
    st.title(f"Loan officer: {scenario.title}")
    problems_banner(problems)
    if not scenario.loans:
        st.info("This scenario has no loans. Add one with the *Any parameter* editor on the "
                "Overview page (path `loans`), or pick a scenario with loans.")
    else:
        names = [x.name for x in scenario.loans]
        name = st.selectbox("Loan", names, key="loan_select")
        if name in [x.name for x in base.loans]:
            with st.expander(f"Terms of {name}", expanded=False):
                cols = st.columns(3)
                for i, (field, label, step, lo, hi) in enumerate(state.LOAN_NUMBERS):
                    state.number(cols[i % 3], state.Field(f"loans.{name}.{field}", label, step,
                                                          lo, hi), base)
                for i, (field, label, options) in enumerate(state.LOAN_CHOICES):
                    state.choice(cols[i % 3], f"loans.{name}.{field}", label, options, base)
                state.month_list(cols[0], f"loans.{name}.principal_months",
                                 "seasonal: principal in months (1-12)", base)
            with st.expander(f"Tranches, prepayments and custom installments of {name}",
                             expanded=False):
                cols = st.columns(3)
                for col, (field, label, columns) in zip(cols, LOAN_EVENTS, strict=True):
                    state.record_list(col, f"loans.{name}.{field}", label, columns, base)
                st.caption("The disbursement date, like any other parameter, can be set on the "
                           "Overview page's *Any parameter* editor (`loans."
                           f"{name}.disbursement_date`, e.g. \"2002-04-15\").")
        cost = compute.loan_cost(scenario, name)
        c = st.columns(4)
        c[0].metric("APR", f"{cost['apr']:.2%}", help="MicroFinance Transparency convention")
        c[1].metric("EIR", f"{cost['eir']:.2%}")
        c[2].metric("Grant element (10%)", f"{cost['grant_element']:.1%}")
        c[3].metric("Min trailing DSCR", "n/a" if p.summary["min_dscr_12m"] is None
                    else f"{p.summary['min_dscr_12m']:.2f}")
        st.dataframe(p.loans[name], key="schedule_table", hide_index=True)
        arrears_section(scenario, p, base)
        target = st.slider("DSCR target", 1.0, 2.0, DSCR_TARGET, 0.05, key="dscr_target")
        best = compute.max_loan(scenario, name, target)
        st.metric(f"Largest principal on the terms of {name}", fmt(best, scenario),
                  help="Keeps the trailing-12-month DSCR at or above the target and cash at or "
                  "above the reserve from the disbursement month on.")
        st.plotly_chart(dscr_chart(p.monthly, target), key="dscr_chart", width="stretch")
    st.subheader("Stress tests")
    st.dataframe(compute.stress(scenario), key="stress_table")
    if scenario.loans:
        st.subheader("Credit memo")
        chosen = st.multiselect("Stress tests in the memo", list(STRESSES)[1:],
                                default=list(STRESSES)[1:], key="memo_stresses")
        options = Options(loan=name, dscr_target=float(target), stresses=tuple(chosen),
                          style=style(scenario))
        document_downloads(scenario, "lender", options,
                           f"Judges {scenario.title_of(name)} against a DSCR target of "
                           f"{target:.2f} with the stresses chosen; amounts as shown on this "
                           "page.")


ARREARS_TABLE = ["date", "debt_service", "debt_service_paid", "penalty_interest", "arrears",
                 "days_past_due"]


def arrears_section(scenario, p, base) -> None:
    """Arrears as the lender's system records them: the switch, the worst days past due, the
    arrears at the end and the months in arrears."""
    st.subheader("When the group cannot pay")
    c = st.columns(4)
    state.choice(c[0], "arrears.enabled", "unpaid installments go into arrears",
                 [False, True], base)
    m = p.monthly
    fig = arrears_figures(m.arrears.to_numpy()[None], m.days_past_due.to_numpy()[None])
    c[1].metric("Worst days past due", f"{int(fig['worst_days_past_due'][0])}")
    c[2].metric("Arrears at the end", fmt(float(fig["arrears_at_end"][0]), scenario))
    c[3].metric("Months in PAR30", f"{int(fig['months_in_par30'][0])}",
                help="Months with an installment more than 30 days past due (CGAP).")
    if not scenario.arrears.enabled:
        st.caption("Arrears are off: an installment the group cannot pay shows as a cash "
                   "shortfall. Turn them on to see them as the lender records them, with "
                   "penalty interest at each loan's penalty rate.")
    late = m[m.arrears > 0.005]
    if len(late):
        st.dataframe(late[ARREARS_TABLE], key="arrears_table")
