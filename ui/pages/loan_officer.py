"""Loan officer: loan terms, the schedule, APR/EIR, DSCR against the target, the largest loan
the group can carry, and stress tests."""

from __future__ import annotations

import streamlit as st

import engine
from engine.arrears import arrears_figures
from engine.loan_capacity import DSCR_TARGET
from engine.loans import Loan
from engine.report import Options
from engine.stress import STRESSES
from ui import compute, editor, state
from ui.figures import dscr_chart
from ui.pages.common import (
    document_downloads,
    fmt,
    month_label,
    problems_banner,
    readable,
    style,
)

LOAN_EVENTS = [
    ("tranches", "Tranches: released on the first due date in or after the month (the first "
     "release is principal less these)", ["month", "amount"]),
    ("prepayments", "Prepayments: principal paid early (amount empty: the whole balance)",
     ["month", "amount"]),
    ("installment_changes", "Custom installments: an installment's amount and/or due date "
     "(YYYY-MM-DD); the rest re-amortise", ["period", "amount", "due_date"])]
ALWAYS = ("period", "due_date", "principal", "interest", "payment", "balance")
"""Schedule columns always shown; the others (fees, tranches, prepayments...) where not all 0."""


def render() -> None:
    scenario, p, problems = state.current()
    base = state.base_scenario(st.session_state.ref)
    st.title(f"Loan officer: {scenario.title}")
    problems_banner(problems)
    data = editor.raw()
    names = [str(x.get("name")) for x in data["loans"]]
    a, b, c = st.columns([3, 1, 1])
    b.button("Add a loan", key="add_loan", on_click=_add_loan,
             help="A new loan (100,000 taka, 12 monthly installments, disbursed at the start) "
             "to set to the terms on offer; it is saved and shared with the scenario.")
    if not names:
        a.info("This scenario has no loans yet: add one.")
        _stress(scenario)
        return
    state.setting("loan_select", names[0], options=names)
    name = a.selectbox("Loan", names, key="loan_select")
    index = names.index(name)
    c.button(f"Remove {name}", key="remove_loan", on_click=editor.remove_item,
             args=("loans", index))
    with st.expander(f"Terms of {name}", expanded=name not in [x.name for x in base.loans]):
        cols = st.columns(4)
        editor.name_field(cols[0], "loans", index, data, scenario)
        for i, f in enumerate(editor.item_fields("loans"), start=1):
            editor.field(cols[i % 4], f"loans[{index}].{f}", data, scenario)
        editor.disbursement(st, index, data, scenario)
        editor.show_problems(st, editor.problems_at(problems, data, f"loans[{index}]"))
    with st.expander(f"Tranches, prepayments and custom installments of {name}",
                     expanded=False):
        cols = st.columns(3)
        for col, (field, label, columns) in zip(cols, LOAN_EVENTS, strict=True):
            editor.record_list(col, f"loans[{index}].{field}", label, columns, data)
    if name not in [x.name for x in scenario.loans]:
        st.warning(f"{name}: its terms are not valid yet (named above); the figures below are "
                   "the last valid ones.")
        _stress(scenario)
        return
    loan = next(x for x in scenario.loans if x.name == name)
    st.caption(f"{name}: {fmt(loan.principal, scenario)} from {loan.lender or 'the lender'}, "
               f"disbursed {disbursed(loan, scenario)}.")
    cost = compute.loan_cost(scenario, name)
    c = st.columns(4)
    c[0].metric("APR", f"{cost['apr']:.2%}", help="MicroFinance Transparency convention")
    c[1].metric("EIR", f"{cost['eir']:.2%}")
    c[2].metric("Grant element (10%)", f"{cost['grant_element']:.1%}")
    c[3].metric("Min trailing DSCR", "n/a" if p.summary["min_dscr_12m"] is None
                else f"{p.summary['min_dscr_12m']:.2f}")
    schedule = p.loans[name]
    shown = [c for c in schedule.columns if c in ALWAYS or schedule[c].astype(bool).any()]
    verdict = compute.loan_verdict(scenario, DSCR_TARGET)
    if verdict is not None:
        (st.success if verdict["meets"] else st.warning)(verdict["sentence"])
    st.dataframe(readable(schedule[shown], scenario), key="schedule_table", hide_index=True)
    arrears_section(scenario, p)
    state.setting("dscr_target", DSCR_TARGET, low=1.0, high=2.0)
    target = st.slider("DSCR target", 1.0, 2.0, step=0.05, key="dscr_target")
    best = compute.max_loan(scenario, name, target)
    st.metric(f"Largest additional loan on the terms of {name}", fmt(best, scenario),
              help=f"A new loan on top of the group's loans, on {name}'s terms (rate, "
              "installments, repayment, disbursement), that keeps the trailing-12-month "
              "DSCR at or above the target and cash at or above the reserve from its "
              "disbursement on.")
    st.plotly_chart(dscr_chart(p.monthly, target), key="dscr_chart", width="stretch")
    _stress(scenario)
    _memo(scenario, name, target)


def _stress(scenario: engine.Scenario) -> None:
    st.subheader("Stress tests")
    st.dataframe(readable(compute.stress(scenario), scenario), key="stress_table")


def _memo(scenario: engine.Scenario, name: str, target: float) -> None:
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


def arrears_section(scenario: engine.Scenario, p: engine.Projection) -> None:
    """Arrears as the lender's system records them: the switch, the worst days past due, the
    arrears at the end and the months in arrears."""
    st.subheader("When the group cannot pay")
    c = st.columns(4)
    editor.field(c[0], "arrears.enabled", editor.raw(), scenario)
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
        st.dataframe(readable(late[ARREARS_TABLE], scenario), key="arrears_table")


def _add_loan() -> None:
    editor.add_item("loans")
    st.session_state.loan_select = editor.raw()["loans"][-1]["name"]


def disbursed(loan: Loan, scenario: engine.Scenario) -> str:
    if loan.disbursement_date is not None:
        return loan.disbursement_date.strftime("%d %b %Y")
    return month_label(scenario, loan.disbursement_month)
