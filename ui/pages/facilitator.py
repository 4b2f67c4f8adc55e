"""Facilitator: who pays what, the cost-share plan editor, the exit-month sweep, the fastest safe
taper, the services the group could keep, value for money, and the report."""

from __future__ import annotations

import streamlit as st

from engine.report import Options
from engine.scenario import GROUP
from ui import compute, state
from ui.figures import exit_sweep_chart, payer_chart
from ui.pages.common import (
    document_downloads,
    fmt,
    month_label,
    problems_banner,
    statements_section,
    style,
)


def render() -> None:
    scenario, p, problems = state.current()
    base = state.base_scenario(st.session_state.ref)
    st.title(f"Facilitator: {scenario.title}")
    problems_banner(problems)
    s = p.summary
    c = st.columns(4)
    c[0].metric("Exit month", month_label(scenario, s["exit_month"], "not within horizon"))
    c[1].metric("Total subsidy", fmt(s["total_subsidy"], scenario))
    imp = compute.impact(scenario)
    c[2].metric("Donor cost per net additional job", fmt(imp["donor_cost_per_job"], scenario),
                help="DCED Standard: the donor's cost (with the credit subsidy, discounted) per "
                "full-time job beyond the baseline; members who joined are not jobs.")
    c[3].metric("Leverage", "n/a" if imp["leverage"] is None else f"{imp['leverage']:.2f}",
                help="What other partners paid per taka of donor money (the group's own "
                "payments left out).")
    st.plotly_chart(payer_chart(compute.cost_shares(scenario), p.monthly["date"]),
                    key="payer_chart", width="stretch")
    st.plotly_chart(exit_sweep_chart(p.exit_sweep, scenario.group.cash_reserve),
                    key="sweep_chart", width="stretch")

    st.subheader("Cost-share plan")
    names = [x.name for x in base.services]
    if names:
        name = st.selectbox("Service", names, key="service_select")
        svc = next(x for x in base.services if x.name == name)
        payers = [x for x in svc.shares if x != GROUP]
        cols = st.columns(len(payers) + 2)
        for i, payer in enumerate(payers):
            state.share(cols[i], name, payer, payers, base)
        group_share = state.edits().get(f"services.{name}.shares.{GROUP}",
                                        svc.shares.get(GROUP, 0.0))
        cols[-2].metric("group share", f"{group_share:.0%}")
        state.choice(cols[-1], f"services.{name}.after_exit", "after exit",
                     ["continue", "stop"], base)
        t = st.columns(5)
        state.choice(t[0], f"services.{name}.taper.kind", "taper",
                     ["none", "linear", "step", "table"], base)
        state.number(t[1], state.Field(f"services.{name}.taper.start_month", "taper start "
                                       "month", 1, 0), base)
        state.number(t[2], state.Field(f"services.{name}.taper.months", "linear: months", 1,
                                       1), base)
        state.number(t[3], state.Field(f"services.{name}.taper.step", "step: drop", 0.05,
                                       0.01, 1.0), base)
        state.number(t[4], state.Field(f"services.{name}.taper.every_months", "step: every "
                                       "months", 1, 1), base)
        st.caption(f"The group pays what the others do not ({GROUP}). Sources: "
                   + (base.provenance.get(f"services.{name}.shares") or "model default"))
    st.dataframe(compute.cost_totals(scenario), key="cost_totals")

    st.subheader("How fast can support taper?")
    a, b = st.columns(2)
    start = a.number_input("taper starts in month", 0, scenario.horizon_months - 1, 0, 1,
                           key="taper_start")
    every = b.number_input("steps every (months)", 1, 24, 6, 1, key="taper_every")
    plan = compute.taper(scenario, int(start), int(every))
    if plan["judged_from_month"] is None:
        st.warning("Even with all planned support the group does not keep its reserve.")
    else:
        lin, step = plan["linear"], plan["step"]
        st.write(f"Judged from {month_label(scenario, plan['judged_from_month'])}. Planned "
                 f"support costs the payers {fmt(plan['planned_cost_to_payers'], scenario)}.")
        st.write("- Linear: " + (f"to zero over **{lin['months']} months**, costing "
                                 f"{fmt(lin['cost_to_payers'], scenario)}" if lin else
                                 "no linear taper from then is safe"))
        st.write("- Steps: " + (f"**{step['step']:.0%}** every {step['every_months']} months, "
                                f"costing {fmt(step['cost_to_payers'], scenario)}" if step else
                                "no step taper from then is safe"))
    exit_at = st.number_input("if support ended in month", 0, scenario.horizon_months - 1, 0, 1,
                              key="exit_at")
    st.dataframe(compute.services(scenario, int(exit_at)), key="services_table")
    statements_section(scenario)
    st.subheader("Exit-readiness report")
    options = Options(exit_month=int(exit_at), taper_start=int(start), taper_every=int(every),
                      style=style(scenario))
    document_downloads(scenario, "donor", options,
                       f"Judges support ending in {month_label(scenario, int(exit_at))} and "
                       f"tapers from {month_label(scenario, int(start))} in steps every "
                       f"{int(every)} months, as set above; amounts as shown on this page.")
