"""Facilitator: who pays what, the cost-share plan editor, the exit-month sweep, the fastest safe
taper, the services the group could keep, value for money, and the report."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import engine
from engine import fmt as numbers
from engine import i18n
from engine.i18n import t, tn
from engine.planner import AFTER_EXIT, SERVICE_COLUMNS, SERVICE_VERDICTS
from engine.report import Options
from engine.scenario import GROUP, Taper
from ui import compute, editor, state
from ui.figures import exit_sweep_chart, payer_chart, styled
from ui.pages.common import (
    document_downloads,
    fmt,
    label,
    money_table,
    month_label,
    problems_banner,
    statements_section,
    style,
)


def render() -> None:
    scenario, p, problems = state.current()
    st.title(t("Facilitator: {group}", group=scenario.title))
    problems_banner(problems)
    s = p.summary
    c = st.columns(2) + st.columns(2)   # two a row: a month named in full is not cut
    c[0].metric(t("Exit month"), month_label(scenario, s["exit_month"], t("not within horizon")))
    c[1].metric(t("Total subsidy"), fmt(s["total_subsidy"], scenario))
    imp = compute.impact(scenario)
    c[2].metric(t("Donor cost per net additional job"),
                fmt(imp["donor_cost_per_job"], scenario),
                help=t("DCED Standard: the donor's cost (with the credit subsidy, discounted) "
                       "per full-time job beyond the baseline; members who joined are not jobs."))
    c[3].metric(t("Leverage"), numbers.ratio(imp["leverage"], style(scenario)),
                help=t("What other partners paid per taka of donor money (the group's own "
                       "payments left out)."))
    st.plotly_chart(styled(payer_chart(compute.cost_shares(scenario), p.monthly["date"]),
                           style(scenario)), key="payer_chart", width="stretch")
    st.plotly_chart(styled(exit_sweep_chart(p.exit_sweep, scenario.group.cash_reserve),
                           style(scenario)), key="sweep_chart", width="stretch")

    st.subheader(t("Cost-share plan"))
    data = editor.raw()
    names = [str(x.get("name")) for x in data["services"]]
    if names:
        state.setting("service_select", names[0], options=names)
        name = st.selectbox(t("Service"), names, key="service_select")
        index = names.index(name)
        editor.payers(st, index, data, scenario)
        editor.field(st, f"services[{index}].after_exit", data, scenario)
        editor.taper_editor(st, index, data, scenario)
        editor.show_problems(st, editor.problems_at(problems, data, f"services[{index}]"))
    st.caption(t("What each payer pays for the services, by year ({unit}).",
                 unit="US$" if style(scenario).usd_rate else t("taka")))
    st.dataframe(cost_table(compute.cost_totals(scenario), scenario), key="cost_totals")

    st.subheader(t("How fast can support taper?"))
    a, b = st.columns(2)
    start = editor.setting_box(a, "taper_start", state.number_meta("taper_start", scenario))
    every = editor.setting_box(b, "taper_every", state.number_meta("taper_every", scenario))
    plan = compute.taper(scenario, int(start), int(every))
    sty = style(scenario)
    if plan["judged_from_month"] is None:
        st.warning(t("Even with all planned support the group does not keep its reserve."))
    else:
        lin, step = plan["linear"], plan["step"]
        st.write(t("Judged from {month}. Planned support costs the payers {amount}.",
                   month=month_label(scenario, plan["judged_from_month"]),
                   amount=fmt(plan["planned_cost_to_payers"], scenario)))
        st.write("- " + (tn("Linear: to zero over **{n} month**, costing {amount}",
                            "Linear: to zero over **{n} months**, costing {amount}",
                            lin["months"], n=numbers.number(lin["months"], sty),
                            amount=fmt(lin["cost_to_payers"], scenario)) if lin else
                         t("Linear: no linear taper from then is safe")))
        st.write("- " + (tn("Steps: **{step}** every {n} month, costing {amount}; {reaches}",
                            "Steps: **{step}** every {n} months, costing {amount}; {reaches}",
                            step["every_months"], step=numbers.percent(step["step"], sty, 0, 0),
                            n=numbers.number(step["every_months"], sty),
                            amount=fmt(step["cost_to_payers"], scenario),
                            reaches=editor.reaches_zero(Taper(
                                kind="step", start_month=int(start), step=step["step"],
                                every_months=step["every_months"]), scenario)) if step else
                         t("Steps: no step taper from then is safe")))
    exit_at = editor.setting_box(st, "exit_at", state.number_meta("exit_at", scenario))
    st.dataframe(services_table(compute.services(scenario, int(exit_at), i18n.current()),
                                scenario), key="services_table")
    statements_section(scenario)
    st.subheader(t("Exit-readiness report"))
    options = Options(exit_month=int(exit_at), taper_start=int(start), taper_every=int(every),
                      style=style(scenario))
    document_downloads(scenario, "donor", options,
                       tn("Judges support ending in {end} and tapers from {start} in steps "
                          "every {n} month, as set above; amounts as shown on this page.",
                          "Judges support ending in {end} and tapers from {start} in steps "
                          "every {n} months, as set above; amounts as shown on this page.",
                          int(every), end=month_label(scenario, int(exit_at)),
                          start=month_label(scenario, int(start)),
                          n=numbers.number(int(every), sty)))


def cost_table(totals: pd.DataFrame, scenario: engine.Scenario) -> pd.DataFrame:
    """What each payer pays for each service by year, as the page shows it: amounts as the user
    chose, years in the chosen digits, the group itself named in words (other payers as typed)."""
    if totals.empty:
        return totals
    s = style(scenario)
    shown = money_table(totals, scenario)
    shown.columns = [label("Total") if c == "total" else numbers.digits(str(c), s)
                     for c in shown.columns]
    shown.index = pd.MultiIndex.from_tuples(
        [(scenario.title_of(service), t("the group") if payer == GROUP else payer)
         for service, payer in shown.index], names=[label("Service"), label("Payer")])
    return shown


def services_table(table: pd.DataFrame, scenario: engine.Scenario) -> pd.DataFrame:
    """The services the group could keep if support ended, in words (as the exit-readiness
    report shows them: engine/planner's headers, verdicts and plans)."""
    s = style(scenario)
    service, cost, verdict, planned = (label(h) for h in SERVICE_COLUMNS)
    return pd.DataFrame({cost: [numbers.money(v, s) for v in table.full_cost_after_exit],
                         verdict: [label(SERVICE_VERDICTS.get(v, v)) for v in table.verdict],
                         planned: [label(AFTER_EXIT.get(v, v)) for v in table.planned]},
                        index=pd.Index([scenario.title_of(str(n)) for n in table.index],
                                       name=service))
