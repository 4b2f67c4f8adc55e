"""The text the engine writes, in Bangla under `i18n.language("bn")`: labels of outputs and
inputs, verdict sentences, the lender's verdict, switching sentences and validation messages.
English stays as it was (other tests pin it). Expected Bangla is typed here from the catalogue's
wording; numbers in it are formatted by hand (lakh grouping, Bengali digits, ৳ after)."""

import re

import pytest

import engine
from engine import fmt, i18n, quantities
from engine.errors import ScenarioError
from engine.fields import meta_at
from engine.io import parse_scenario
from engine.loan_capacity import loan_verdict
from engine.switching import switching_sentence
from engine.verdict import exit_verdict

BN = fmt.style_for("bn")
HEADER = """
name = "t"
title = "T"
start = "2002-01"
horizon_months = 12
[group]
name = "G"
"""


def test_output_labels_and_units_in_bangla():
    with i18n.language("bn"):
        assert quantities.label("cash_balance", BN) == "নগদ স্থিতি, টাকা"
        assert quantities.label("member_income_per_member_month_avg", BN) == (
            "সদস্যপ্রতি আয় (মাসিক গড়), টাকা/মাস")
        assert quantities.label("dscr_12m", BN) == "DSCR (গত ১২ মাস)"   # the acronym stays
        assert quantities.display_value("exit_month", 4, BN, start="2002-01") == "মে ২০০২"
    assert quantities.label("cash_balance") == "Cash balance, taka"


def test_input_labels_ranges_and_help_in_bangla():
    with i18n.language("bn"):
        members = meta_at("group.members")
        assert members.label == "সদস্য"
        assert members.range_text() == "অন্তত 1"          # typed values keep Latin digits
        assert meta_at("channels.x.discount").range_text() == "0% থেকে 100%"
        assert "একক: জন: মানুষের সংখ্যা। অনুমোদিত: অন্তত 1।" in members.help()
    assert meta_at("group.members").label == "members"


def test_validation_messages_in_bangla_name_the_field_and_the_value():
    text = HEADER + """
members = -5
"""
    with i18n.language("bn"), pytest.raises(ScenarioError) as e:
        parse_scenario(text, file="t.toml")
    assert "group.members: >= 1 হতে হবে (পাওয়া গেছে -5)" in str(e.value)


def test_exit_verdict_in_bangla():
    s = engine.load_scenario("modhupur_pineapple")
    p = engine.project(s)
    with i18n.language("bn"):
        text = exit_verdict(s, p.summary)
    m = p.summary["exit_month"]
    assert m is not None and m > 0
    assert text.startswith(f"{fmt.month(s.start, m, BN)} (মাস {fmt.number(m, BN)}) থেকে "
                           "স্বাবলম্বী: তখন সব ভর্তুকি বন্ধ হলে ")
    # Modhupur's month before the exit month fails on its start-up cash (summary
    # reserve_kept_from): the sentence says so
    assert p.summary["reserve_kept_from"] == m
    assert text.endswith("তার আগে সব সহায়তা থাকলেও দলের নগদ মজুতের নিচে থাকে।")
    assert not any("0" <= c <= "9" for c in text)      # Bengali digits throughout


def test_lender_verdict_in_bangla():
    s = engine.load_scenario("modhupur_pineapple")
    with i18n.language("bn"):
        v = loan_verdict(engine.project(s))
    assert v is not None
    # Bangla puts the verb last: the period judged, then "the lender's tests are not met",
    # then the reasons; the members' drawings are the default 1,621 taka (১,৬২১৳)
    assert "উত্তোলনের পর ঋণদাতার শর্ত পূরণ হয় না: " in v["sentence"]
    assert "সদস্যপ্রতি মাসে ১,৬২১৳ উত্তোলনের পর" in v["sentence"]
    assert v["sentence"].endswith("।") and not re.search("[A-Za-z]", v["sentence"].replace(
        "DSCR", ""))


def test_switching_sentences_in_bangla():
    with i18n.language("bn"):
        # 28.57 days, rounded down to the safe side: 28 days
        assert switching_sentence("PRAN", "spot", "payment_delay_days",
                                  "member_income_per_member_month_avg", 28.57, False,
                                  (0, 365), True) == (
            "সদস্যপ্রতি আয় বিবেচনায় PRAN তখনই spot-এর চেয়ে ভালো, যখন সে পরিশোধে ২৮ দিন বা "
            "তার কম সময় নেয়।")
    assert switching_sentence("PRAN", "spot", "payment_delay_days",
                              "member_income_per_member_month_avg", 28.57, False,
                              (0, 365), True) == (
        "PRAN beats spot on income per member only if it pays within 28 days.")


def test_scenario_checks_in_bangla():
    text = HEADER + """
members = 5
[[products]]
name = "fruit"
monthly_capacity = 10
[[channels]]
name = "pran"
buyer = "PRAN"
product = "fruit"
share = 0.6
price = 5
"""
    with i18n.language("bn"), pytest.raises(ScenarioError) as e:
        parse_scenario(text, file="t.toml")
    assert ("channels[0].share: 'fruit' পণ্যের চ্যানেলগুলোতে (pran) অংশের যোগফল 1 হতে হবে "
            "(পাওয়া গেছে 0.6)") in str(e.value)
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, file="t.toml")
    assert "shares of product 'fruit' across channels pran must sum to 1 (got 0.6)" in str(e.value)


def test_every_field_description_reads_in_bangla_and_stays_english_in_english():
    from engine.fields import LABELS, field_meta
    english_left = []
    for model in LABELS:
        for name, info in model.model_fields.items():
            if not info.description:
                continue
            assert field_meta(model, name).description == info.description  # English in force
            with i18n.language("bn"):
                meaning = field_meta(model, name).description
            if not re.search("[\u0980-\u09ff]", meaning):
                english_left.append(f"{model.__name__}.{name}")
    assert english_left == []


def test_field_descriptions_in_bangla_by_hand():
    with i18n.language("bn"):
        members = meta_at("group.members")
        assert members.description == "যে সদস্যরা দলের আয় ভাগ করে নেন।"
        # the help bubble: meaning, unit and range, all in Bangla
        assert members.help().startswith("যে সদস্যরা দলের আয় ভাগ করে নেন।\n\n")
        assert meta_at("channels.x.discount").help() == (
            "সরবরাহের সময় দামে ছাড়, দামের অংশ হিসেবে।\n\n"
            "একক: সমগ্রের একটি অংশ, শতাংশে দেখানো ও লেখা হয়। অনুমোদিত: 0% থেকে 100%।")
        # a unit without a name people use is explained, never shown by its code ('text')
        assert meta_at("group.name").help() == "দলের নাম।\n\nএকক: একটি নাম বা লেখা। অনুমোদিত: যেকোনো।"
        # codes a file holds stay as written inside the Bangla sentence, as code
        assert meta_at("loans.x.interest_method").description.startswith(
            "`declining_balance`: বাকি থাকা আসলের ওপর সুদ; `flat`: ")
    assert meta_at("group.members").description == "Members who share the group's income."


def test_the_start_description_names_the_years_the_limits_allow():
    from engine.limits import FIRST_YEAR, LAST_YEAR
    from engine.scenario import Scenario
    # written out (not computed) so that it can be translated; kept in step with engine.limits
    assert f"in {FIRST_YEAR}-{LAST_YEAR}." in Scenario.model_fields["start"].description
