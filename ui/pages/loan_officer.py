"""Loan officer: loan terms, the schedule, APR/EIR, DSCR against the target, the largest loan
the group can carry, and stress tests."""

from __future__ import annotations

import streamlit as st

import engine
from engine import fmt as numbers
from engine import i18n, quantities
from engine.arrears import arrears_figures
from engine.i18n import N_, t
from engine.loan_capacity import DSCR_TARGET
from engine.loans import InstallmentChange, Loan, Prepayment, Tranche
from engine.report import Options
from engine.stress import STRESSES
from ui import compute, editor, state
from ui.figures import dscr_chart, styled
from ui.pages.casefile import item_fields
from ui.pages.common import (
    document_downloads,
    fmt,
    label,
    month_label,
    options_in_language,
    problems_banner,
    readable,
    style,
)

LOAN_EVENTS = [
    ("tranches", N_("Tranches: released on the first due date in or after the month (the "
                    "first release is principal less these)"), Tranche),
    ("prepayments", N_("Prepayments: principal paid early (amount empty: the whole balance)"),
     Prepayment),
    ("installment_changes", N_("Custom installments: an installment's amount and/or due date "
                               "(YYYY-MM-DD); the rest re-amortise"), InstallmentChange)]
ALWAYS = ("period", "due_date", "principal", "interest", "payment", "balance")
"""Schedule columns always shown; the others (fees, tranches, prepayments...) where not all 0."""


def render() -> None:
    scenario, p, problems = state.current()
    base = state.base_scenario(st.session_state.ref)
    st.title(t("Loan officer: {group}", group=scenario.title))
    problems_banner(problems)
    data = editor.raw()
    names = [str(x.get("name")) for x in data["loans"]]
    a, b, c = st.columns([3, 1, 1])
    b.button(t("Add a loan"), key="add_loan", on_click=_add_loan,
             help=t("A new loan ({amount}, 12 monthly installments, disbursed at the start) to "
                    "set to the terms on offer; it is saved and shared with the scenario.",
                    amount=fmt(100_000, scenario)))
    if not names:
        a.info(t("This scenario has no loans yet: add one."))
        _stress(scenario)
        return
    state.setting("loan_select", names[0], options=names)
    name = a.selectbox(t("Loan"), names, key="loan_select")
    index = names.index(name)
    c.button(t("Remove {loan}", loan=name), key="remove_loan", on_click=editor.remove_item,
             args=("loans", index))
    with st.expander(t("Terms of {loan}", loan=name),
                     expanded=name not in [x.name for x in base.loans]):
        item_fields("loans", index, data, scenario)
        editor.disbursement(st, index, data, scenario)
        editor.show_problems(st, editor.problems_at(problems, data, f"loans[{index}]"))
    with st.expander(t("Tranches, prepayments and custom installments of {loan}", loan=name),
                     expanded=False):
        cols = st.columns(3)
        for col, (field, text, model) in zip(cols, LOAN_EVENTS, strict=True):
            editor.record_table(col, f"loans[{index}].{field}", model, t(text), data, scenario)
    if name not in [x.name for x in scenario.loans]:
        st.warning(t("{loan}: its terms are not valid yet (named above); the figures below are "
                     "the last valid ones.", loan=name))
        _stress(scenario)
        return
    loan = next(x for x in scenario.loans if x.name == name)
    st.caption(t("{loan}: {amount} from {lender}, disbursed {when}.", loan=name,
                 amount=fmt(loan.principal, scenario), lender=loan.lender or t("the lender"),
                 when=disbursed(loan, scenario)))
    cost = compute.loan_cost(scenario, name)
    s = style(scenario)
    c = st.columns(4)
    c[0].metric("APR", numbers.percent(cost["apr"], s, 2, 2),
                help=t("Annual percentage rate: the yearly cost of the loan with its fees, as "
                       "the MicroFinance Transparency convention computes it."))
    c[1].metric("EIR", numbers.percent(cost["eir"], s, 2, 2),
                help=t("Effective interest rate: the APR compounded over the year."))
    c[2].metric(t("Grant element (10%)"), numbers.percent(cost["grant_element"], s, 1, 1),
                help=t("How much of the loan is a gift: the share of its face value saved by "
                       "its terms against a 10% a year market rate (OECD)."))
    c[3].metric(t("Min trailing DSCR"),
                label(quantities.display_value("min_dscr_12m", p.summary["min_dscr_12m"], s)),
                help=t("The lowest debt-service coverage over 12 months: what the business "
                       "earns divided by the installments due; below 1, earnings do not cover "
                       "them."))
    schedule = p.loans[name]
    shown = [c for c in schedule.columns if c in ALWAYS or schedule[c].astype(bool).any()]
    with st.spinner(t("Judging the loan...")):      # shown after half a second
        verdict = compute.loan_verdict(scenario, DSCR_TARGET, i18n.current(), s)
    if verdict is not None:
        (st.success if verdict["meets"] else st.warning)(label(verdict["sentence"]))
    st.dataframe(readable(schedule[shown], scenario), key="schedule_table", hide_index=True)
    arrears_section(scenario, p)
    grid = state.grid_setting("dscr_target", DSCR_TARGET, 1.0, 2.0, 0.05)
    shown = style(scenario)
    target = st.select_slider(t("DSCR target"), grid, key="dscr_target",
                              format_func=lambda v: numbers.ratio(v, shown))
    with st.spinner(t("Finding the largest loan...")):
        best = compute.max_loan(scenario, name, target)
    st.metric(t("Largest additional loan on the terms of {loan}", loan=name), fmt(best, scenario),
              help=t("A new loan on top of the group's loans, on {loan}'s terms (rate, "
                     "installments, repayment, disbursement), that keeps the trailing-12-month "
                     "DSCR at or above the target and cash at or above the reserve from its "
                     "disbursement on.", loan=name))
    st.plotly_chart(styled(dscr_chart(p.monthly, target, style(scenario)), style(scenario)),
                    key="dscr_chart", width="stretch")
    _stress(scenario)
    _memo(scenario, name, target)


def _stress(scenario: engine.Scenario) -> None:
    st.subheader(t("Stress tests"))
    with st.spinner(t("Running the stress tests...")):
        table = compute.stress(scenario, i18n.current())
    st.dataframe(readable(table, scenario), key="stress_table")


def _memo(scenario: engine.Scenario, name: str, target: float) -> None:
    st.subheader(t("Credit memo"))
    chosen = st.multiselect(t("Stress tests in the memo"), list(STRESSES)[1:],
                            default=list(STRESSES)[1:], key="memo_stresses",
                            format_func=options_in_language(lambda x: x))
    options = Options(loan=name, dscr_target=float(target), stresses=tuple(chosen),
                      style=style(scenario))
    document_downloads(scenario, "lender", options,
                       t("Judges {loan} against a DSCR target of {target} with the stresses "
                         "chosen; amounts as shown on this page.", loan=scenario.title_of(name),
                         target=numbers.ratio(target, style(scenario))))


ARREARS_TABLE = ["date", "debt_service", "debt_service_paid", "penalty_interest", "arrears",
                 "days_past_due"]


def arrears_section(scenario: engine.Scenario, p: engine.Projection) -> None:
    """Arrears as the lender's system records them: the switch, the worst days past due, the
    arrears at the end and the months in arrears."""
    st.subheader(t("When the group cannot pay"))
    editor.field(st, "arrears.enabled", editor.raw(), scenario)   # its own row: a long label
    c = st.columns(3)
    m = p.monthly
    fig = arrears_figures(m.arrears.to_numpy()[None], m.days_past_due.to_numpy()[None])
    s = style(scenario)
    c[0].metric(t("Worst days past due"), numbers.number(int(fig["worst_days_past_due"][0]), s))
    c[1].metric(t("Arrears at the end"), fmt(float(fig["arrears_at_end"][0]), scenario))
    c[2].metric(t("Months in PAR30"), numbers.number(int(fig["months_in_par30"][0]), s),
                help=t("Months with an installment more than 30 days past due (CGAP's portfolio "
                       "at risk, PAR30)."))
    if not scenario.arrears.enabled:
        st.caption(t("Arrears are off: an installment the group cannot pay shows as a cash "
                     "shortfall. Turn them on to see them as the lender records them, with "
                     "penalty interest at each loan's penalty rate."))
    late = m[m.arrears > 0.005]
    if len(late):
        st.dataframe(readable(late[ARREARS_TABLE], scenario), key="arrears_table")


def _add_loan() -> None:
    editor.add_item("loans")
    st.session_state.loan_select = editor.raw()["loans"][-1]["name"]


def disbursed(loan: Loan, scenario: engine.Scenario) -> str:
    if loan.disbursement_date is not None:
        return numbers.long_date(loan.disbursement_date, style(scenario))
    return month_label(scenario, loan.disbursement_month)
