"""Producer: the terms of each buyer side by side, what each variant does to income and cash,
and switching values in a sentence."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import engine
from engine.analysis import SWITCHABLE
from engine.io import apply_variant
from ui import compute, editor, state
from ui.figures import lines_chart
from ui.pages.common import fmt, problems_banner

TERMS = ["price", "discount", "acceptance_rate", "payment_delay_days", "payment_delay_days_max",
         "commission_rate", "transport_cost_per_unit", "share"]
"""A buyer's terms the producer page edits (labels, units and ranges: engine/fields.py)."""


def render() -> None:
    scenario, p, problems = state.current()
    base = state.base_scenario(st.session_state.ref)
    st.title(f"Producers: {scenario.title}")
    problems_banner(problems)
    terms = pd.DataFrame([{"channel": c.name, "buyer": c.buyer, "price": c.price,
                           "basis": c.price_basis, "discount": c.discount,
                           "accepted": c.acceptance_rate, "rejects to": c.fallback or "lost",
                           "delay, days": f"{c.payment_delay_days:g}"
                           if c.payment_delay_days_max is None
                           else f"{c.payment_delay_days:g}-{c.payment_delay_days_max:g}",
                           "commission": c.commission_rate,
                           "transport": c.transport_cost_per_unit, "share": c.share}
                          for c in scenario.channels]).set_index("channel")
    st.dataframe(terms, key="terms_table")
    data = editor.raw()
    names = [str(c.get("name")) for c in data["channels"]]
    state.setting("channel_select", names[0], options=names)
    name = st.selectbox("Change the terms of", names, key="channel_select")
    index = names.index(name)
    cols = st.columns(4)
    for i, f in enumerate(TERMS):
        editor.field(cols[i % 4], f"channels[{index}].{f}", data, scenario)
    editor.show_problems(st, editor.problems_at(problems, data, f"channels[{index}]"))

    # the scenario as edited, and its preset's variants (with these edits where they apply)
    variants = {scenario.name: p}
    ref = st.session_state.ref
    parent = state.base_scenario(ref.split(":")[0]) if ":" in ref and not ref.startswith(
        ("saved:", "upload:")) else scenario
    for v in parent.variants:
        name = f"{parent.name}:{v}"
        if name == scenario.name:
            continue
        try:
            variants[name] = state.run(apply_variant(parent, v))
        except engine.ScenarioError as e:
            st.warning(f"variant {v} does not apply: {e}")
    dates = p.monthly["date"]
    st.plotly_chart(lines_chart({k: v.monthly.member_income_per_member
                                 for k, v in variants.items()}, dates,
                                "Income per member by month", "taka"),
                    key="income_chart", width="stretch")
    st.plotly_chart(lines_chart({k: v.monthly.cash_balance for k, v in variants.items()},
                                dates, "Cash balance by month", "taka"),
                    key="variant_cash_chart", width="stretch")
    st.dataframe(pd.DataFrame({k: {"income per member / month":
                                   fmt(v.summary["member_income_per_member_month_avg"], scenario),
                                   "minimum cash": fmt(v.summary["min_cash_balance"], scenario),
                                   "bridging cost": fmt(v.summary["bridging_cost"], scenario),
                                   "exit month": v.summary["exit_date"] or "none"}
                               for k, v in variants.items()}), key="variants_table")

    st.subheader("When does one buyer stop beating another?")
    c = st.columns(4)
    # defaults: the buyer the group does not use yet against the one it uses most
    by_share = sorted(base.channels, key=lambda x: x.share)
    channel = c[0].selectbox("channel", names, index=names.index(by_share[0].name),
                             key="sw_channel")
    others = [n for n in names if n != channel]
    top = by_share[-1].name
    rival = c[1].selectbox("against", others, index=others.index(top) if top in others else 0,
                           key="sw_rival")
    parameter = c[2].selectbox("term", SWITCHABLE, key="sw_param")
    outcome = c[3].selectbox("judged on", ["member_income_per_member_month_avg",
                                           "min_cash_balance"], key="sw_outcome")
    if rival:
        result = compute.switching(scenario, channel, rival, parameter, outcome)
        st.success(result["sentence"])
