"""Producer: in plain words first (each buyer's terms, and what selling everything to it would
give each member and leave in the group's cash, in a few large, rounded numbers), then the terms
side by side, what each variant does to income and cash, and switching values in a sentence."""

from __future__ import annotations

import os
import time

import pandas as pd
import streamlit as st

import engine
from engine import fmt as numbers
from engine import i18n, quantities
from engine.fields import meta_at
from engine.i18n import t, tn
from engine.io import apply_variant
from engine.switching import SWITCHABLE, all_to
from ui import compute, editor, state
from ui.figures import lines_chart, styled
from ui.pages.common import (
    alert,
    fmt,
    label,
    month_label,
    options_in_language,
    problems_banner,
    style,
)

PLAIN_WORDS_TIME_LIMIT_S = float(os.environ.get("SUBSIDY_EXIT_APP_TIME_LIMIT", "60")) / 4
"""Seconds the plain words spend projecting the buyers (a quarter of the app's time limit)."""
TERMS = ["price", "discount", "acceptance_rate", "payment_delay_days", "payment_delay_days_max",
         "commission_rate", "transport_cost_per_unit", "share"]
"""A buyer's terms the producer page edits (labels, units and ranges: engine/fields.py)."""


def render() -> None:
    scenario, p, problems = state.current()
    st.title(t("Producers: {group}", group=scenario.title))
    problems_banner(problems)
    plain_words(scenario)
    st.subheader(t("Each buyer's terms"))
    data = editor.raw()
    st.dataframe(editor.item_table("channels", data, scenario), key="terms_table",
                 hide_index=True)
    names = [str(c.get("name")) for c in data["channels"]]
    state.setting("channel_select", names[0], options=names)
    name = st.selectbox(t("Change the terms of"), names, key="channel_select")
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
            st.warning(t("variant {variant} does not apply: {problem}", variant=v, problem=e))
    st.subheader(t("The scenario and its variants"))
    dates = p.monthly["date"]
    st.plotly_chart(styled(lines_chart({k: v.monthly.member_income_per_member
                                        for k, v in variants.items()}, dates,
                                       t("Income per member by month"), t("taka"), money=True),
                           style(scenario)),
                    key="income_chart", width="stretch")
    st.plotly_chart(styled(lines_chart({k: v.monthly.cash_balance for k, v in variants.items()},
                                       dates, t("Cash balance by month"), t("taka"), money=True),
                           style(scenario)),
                    key="variant_cash_chart", width="stretch")
    st.dataframe(pd.DataFrame({k: {t("income per member / month"):
                                   fmt(v.summary["member_income_per_member_month_avg"], scenario),
                                   t("minimum cash"): fmt(v.summary["min_cash_balance"], scenario),
                                   t("bridging cost"): fmt(v.summary["bridging_cost"], scenario),
                                   t("exit month"): month_label(scenario, v.summary["exit_month"],
                                                                t("none"))}
                               for k, v in variants.items()}), key="variants_table")

    st.subheader(t("When does one buyer stop beating another?"))
    c = st.columns(2) + st.columns(2)   # two a row: a Bangla outcome or term is not cut
    # defaults: the buyer the group does not use yet against the one it uses most
    names = [x.name for x in scenario.channels]
    by_share = sorted(scenario.channels, key=lambda x: x.share)
    state.setting("sw_channel", by_share[0].name, options=names)
    channel = c[0].selectbox(t("buyer"), names, key="sw_channel")
    others = [n for n in names if n != channel]
    if not others:
        st.info(t("Only one buyer: nothing to compare it with."))
        return
    top = by_share[-1].name
    state.setting("sw_rival", top if top in others else others[0], options=others)
    rival = c[1].selectbox(t("against"), others, key="sw_rival")
    state.setting("sw_param", SWITCHABLE[0], options=list(SWITCHABLE))
    parameter = c[2].selectbox(t("term"), SWITCHABLE, key="sw_param",
                               format_func=options_in_language(
                                   lambda f: meta_at(f"channels.x.{f}").label))
    state.setting("sw_outcome", OUTCOMES[0], options=OUTCOMES)
    outcome = c[3].selectbox(t("judged on"), OUTCOMES, key="sw_outcome",
                             format_func=options_in_language(
                                 lambda q: quantities.quantity(q).label))
    result = compute.switching(scenario, channel, rival, parameter, outcome, i18n.current())
    alert("success", switching_text(result, scenario))


OUTCOMES = ["member_income_per_member_month_avg", "min_cash_balance"]


def switching_text(result: dict, scenario: engine.Scenario) -> str:
    """The engine's switching sentence, with both sides' outcomes, and 'at best tie' where the
    rival's outcome cannot be beaten: lowest cash can never exceed the opening cash."""
    outcome, channel, rival = result["outcome"], result["channel"], result["rival"]
    what = label(quantities.quantity(outcome).label)
    what = what.lower() if i18n.current() == "en" else what
    meta = meta_at(f"channels.x.{result['parameter']}")
    assert meta is not None
    now = numbers.number(result["current_value"], style(scenario), 0, 2) \
        if meta.unit == "taka/unit" else numbers.value(result["current_value"], meta.unit,
                                                       style(scenario))
    unit = f" {meta.unit_shown}" if meta.unit_shown and not meta.percent else ""
    sides = t("Selling everything to {buyer} gives {what} of {outcome} (at its {term} of "
              "{value}); selling everything to {rival} gives {rival_outcome}.", buyer=channel,
              what=what, outcome=value_of(outcome, result["outcome_now"], scenario),
              term=label(meta.label), value=f"{now}{unit}", rival=rival,
              rival_outcome=value_of(outcome, result["rival_outcome"], scenario))
    ceiling = scenario.group.opening_cash
    if outcome == "min_cash_balance" and result["rival_outcome"] >= ceiling - 0.5:
        return sides + " " + t(
            "{rival}'s lowest cash is the opening cash itself: cash never dips under it, so "
            "{buyer} can at best tie with {rival} on {what}, whatever its {term}.",
            rival=rival, buyer=channel, what=what, term=label(meta.label))
    return f"{sides} {result['sentence']}"


def value_of(outcome: str, x: float, scenario: engine.Scenario) -> str:
    shown = quantities.display_value(outcome, x, style(scenario), scenario.start)
    if numbers.kind(quantities.quantity(outcome).unit) == "money" and not style(scenario).usd_rate:
        return t("{amount} taka", amount=shown)
    return shown


def plain_words(scenario: engine.Scenario) -> None:
    """Each buyer's terms and what selling everything to it would give, as people say it: the
    engine projects the scenario with all of the product offered to that buyer
    (switching.all_to); the numbers are rounded (income to 10 taka, cash to 1,000 taka) because
    a producer weighs buyers on them, not on the last taka."""
    st.subheader(t("In plain words"))
    s = style(scenario)
    said: dict[tuple, list[str]] = {}   # buyers on the same terms with the same outcome: one line
    started, left = time.monotonic(), 0
    for c in scenario.channels:
        if said and time.monotonic() - started > PLAIN_WORDS_TIME_LIMIT_S:
            left += 1   # projections are cached: the next rerun goes on where this one stopped
            continue
        product = next(x for x in scenario.products if x.name == c.product)
        try:
            result = state.run(all_to(scenario, c.name)).summary
        except engine.ScenarioError:
            continue   # a buyer the product cannot all go to (its problems are named below)
        key = (product.name, product.unit, numbers.money(c.price, s, decimals=2),
               numbers.number(c.payment_delay_days, s),
               numbers.money(round(result["member_income_per_member_month_avg"], -1), s),
               round(result["min_cash_balance"], -3))
        said.setdefault(key, []).append(scenario.titles.get(c.name, c.name))
    lines = []
    for (product, unit, price, days, income, low), names in said.items():
        buyer = "; ".join(names)   # names may hold commas ("Spot market, Dhaka")
        paid = t("**{buyer}** pays {price} a {unit} on delivery.", buyer=buyer, price=price,
                 unit=unit) if days == numbers.number(0, s) else \
            t("**{buyer}** pays {price} a {unit}, {days} days after delivery.", buyer=buyer,
              price=price, unit=unit, days=days)
        outcome = t("If the group sells all its {product} to {buyer}, each member earns about "
                    "**{income}** a month, and the group's cash goes down to **{low}** at its "
                    "lowest.", product=product, buyer=buyer, income=income,
                    low=numbers.money(low, s)) if low >= 0 else \
            t("If the group sells all its {product} to {buyer}, each member earns about "
              "**{income}** a month, but at the worst the group is **{short}** short of cash.",
              product=product, buyer=buyer, income=income, short=numbers.money(-low, s))
        lines.append(f"{paid} {outcome}")
    if left:
        lines.append(tn("*{count} more buyer takes longer than the {limit} seconds the app "
                        "spends here; open the page again to go on.*",
                        "*{count} more buyers take longer than the {limit} seconds the app "
                        "spends here; open the page again to go on.*", left,
                        count=numbers.number(left, s),
                        limit=numbers.number(PLAIN_WORDS_TIME_LIMIT_S, s)))
    with st.container(border=True):
        st.markdown("\n\n".join(lines))
        st.caption(t("Rounded figures, over the whole plan. Income per member is what the "
                     "group earns after its costs, shared among the members and averaged over "
                     "the months (the members' own work is not counted as a cost)."))
