"""Producer: the terms of each buyer side by side, what each variant does to income and cash,
and switching values in a sentence."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import engine
from engine import fmt as numbers
from engine import quantities
from engine.fields import meta_at
from engine.io import apply_variant
from engine.switching import SWITCHABLE
from ui import compute, editor, state
from ui.figures import lines_chart, styled
from ui.pages.common import fmt, item_table, problems_banner, style

TERMS = ["price", "discount", "acceptance_rate", "payment_delay_days", "payment_delay_days_max",
         "commission_rate", "transport_cost_per_unit", "share"]
"""A buyer's terms the producer page edits (labels, units and ranges: engine/fields.py)."""


def render() -> None:
    scenario, p, problems = state.current()
    st.title(f"Producers: {scenario.title}")
    problems_banner(problems)
    data = editor.raw()
    st.dataframe(item_table("channels", data, scenario), key="terms_table", hide_index=True)
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
    st.plotly_chart(styled(lines_chart({k: v.monthly.member_income_per_member
                                        for k, v in variants.items()}, dates,
                                       "Income per member by month", "taka"), style(scenario)),
                    key="income_chart", width="stretch")
    st.plotly_chart(styled(lines_chart({k: v.monthly.cash_balance for k, v in variants.items()},
                                       dates, "Cash balance by month", "taka"), style(scenario)),
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
    names = [x.name for x in scenario.channels]
    by_share = sorted(scenario.channels, key=lambda x: x.share)
    state.setting("sw_channel", by_share[0].name, options=names)
    channel = c[0].selectbox("buyer", names, key="sw_channel")
    others = [n for n in names if n != channel]
    if not others:
        st.info("Only one buyer: nothing to compare it with.")
        return
    top = by_share[-1].name
    state.setting("sw_rival", top if top in others else others[0], options=others)
    rival = c[1].selectbox("against", others, key="sw_rival")
    state.setting("sw_param", SWITCHABLE[0], options=list(SWITCHABLE))
    parameter = c[2].selectbox("term", SWITCHABLE, key="sw_param",
                               format_func=lambda f: meta_at(f"channels.x.{f}").label)
    state.setting("sw_outcome", OUTCOMES[0], options=OUTCOMES)
    outcome = c[3].selectbox("judged on", OUTCOMES, key="sw_outcome",
                             format_func=lambda q: quantities.quantity(q).label)
    result = compute.switching(scenario, channel, rival, parameter, outcome)
    st.success(switching_text(result, scenario))


OUTCOMES = ["member_income_per_member_month_avg", "min_cash_balance"]


def switching_text(result: dict, scenario: engine.Scenario) -> str:
    """The engine's switching sentence, with both sides' outcomes, and 'at best tie' where the
    rival's outcome cannot be beaten: lowest cash can never exceed the opening cash."""
    outcome, channel, rival = result["outcome"], result["channel"], result["rival"]
    what = quantities.quantity(outcome).label.lower()
    meta = meta_at(f"channels.x.{result['parameter']}")
    assert meta is not None
    now = numbers.number(result["current_value"], style(scenario), 0, 2) \
        if meta.unit == "taka/unit" else numbers.value(result["current_value"], meta.unit,
                                                       style(scenario))
    unit = "" if meta.percent else f" {meta.unit}"
    sides = (f"Selling everything to {channel} gives {what} of "
             f"{value_of(outcome, result['outcome_now'], scenario)} (at its {meta.label} of "
             f"{now}{unit}); selling everything to {rival} gives "
             f"{value_of(outcome, result['rival_outcome'], scenario)}.")
    ceiling = scenario.group.opening_cash
    if outcome == "min_cash_balance" and result["rival_outcome"] >= ceiling - 0.5:
        return (f"{sides} {rival}'s lowest cash is the opening cash itself: cash never dips "
                f"under it, so {channel} can at best tie with {rival} on {what}, whatever its "
                f"{meta.label}.")
    return f"{sides} {result['sentence']}"


def value_of(outcome: str, x: float, scenario: engine.Scenario) -> str:
    return quantities.display_value(outcome, x, style(scenario), scenario.start) + (
        " taka" if numbers.kind(quantities.quantity(outcome).unit) == "money"
        and not style(scenario).usd_rate else "")
