"""Number page settings (Facilitator, Risk) are text boxes read on the server (issue #11): a
typed 1e400, inf, nan, a negative or out-of-range number or a word stays in the box as typed and
is named under it with the setting, the text and the allowed range; the page and the link keep
the last good value. A browser's number box would have turned 1e400 into its bound silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("SUBSIDY_EXIT_WORKSPACE", str(tmp_path / "workspace"))


def page(name: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(f"views/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def typed(at: AppTest, key: str, text: str) -> list[str]:
    at.text_input(key=f"{key}::box").input(text).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text_input(key=f"{key}::box").value == text    # kept as typed
    return [e.value for e in at.error]


# the default scenario (modhupur_pineapple) projects 60 months: months 0 to 59
NOT_A_NUMBER = "is not a number the tool can use"
CASES = [
    # (page, setting, label, allowed range as written, default shown)
    ("facilitator", "taper_every", "steps every (months)", "1 to 24 (months)", "6"),
    ("facilitator", "taper_start", "taper starts in month", "0 to 59 (months)", "0"),
    ("facilitator", "exit_at", "if support ended in month", "0 to 59 (months)", "0"),
    ("risk", "tornado_top", "inputs shown", "5 to 60", "15"),
    ("risk", "mc_paths", "paths", "100 to 20000", "1,000"),
    ("risk", "mc_late_payment_days", "a late payment comes later by", "0 to 3650 (days)", "60"),
    ("risk", "mc_late_payment_probability", "chance of a late payment, a month", "0% to 100%",
     "5%"),
]
HOSTILE = [("1e400", NOT_A_NUMBER), ("inf", NOT_A_NUMBER), ("nan", NOT_A_NUMBER),
           ("abc", NOT_A_NUMBER), ("-1", "is outside what is allowed:"),
           ("100000", "is outside what is allowed:")]


@pytest.mark.parametrize(("name", "key", "label", "allowed", "shown"), CASES)
def test_a_hostile_number_is_named_and_the_last_good_value_kept(name, key, label, allowed,
                                                                shown):
    at = page(name)
    good = at.session_state[key]
    for text, why in HOSTILE:
        sep = ";" if why == NOT_A_NUMBER else ""
        assert typed(at, key, text) == [
            f"{label}: '{text}' {why}{sep}{' allowed:' if sep else ''} {allowed}. "
            f"The page uses {shown}."], text
        assert at.session_state[key] == good
        assert at.query_params[key] == str(good)


def test_a_good_number_is_taken_after_a_bad_one_and_travels_in_the_link():
    at = page("facilitator")
    assert typed(at, "taper_every", "1e400")
    assert typed(at, "taper_every", " 3 ") == []
    assert at.session_state.taper_every == 3
    assert at.query_params["taper_every"] == "3"
    captions = " ".join(c.value for c in at.caption)
    assert "every 3 months" in captions
    # a whole number is asked for: 2.5 months is named
    assert typed(at, "taper_every", "2.5") == [
        "steps every (months): '2.5' is not a whole number; allowed: 1 to 24 (months). "
        "The page uses 3."]
    assert at.session_state.taper_every == 3


def test_a_shock_typed_in_percent_reaches_the_engine_as_a_fraction_and_the_link_in_percent():
    at = page("risk")
    assert typed(at, "mc_late_payment_probability", "12.5%") == []
    assert at.session_state.mc_late_payment_probability == 12.5
    assert at.query_params["mc_late_payment_probability"] == "12.5"
    # the half-life must be above 0 (gt): 0 is refused, 0.5 taken
    assert typed(at, "mc_price_half_life_months", "0") == [
        "half-life of a price deviation: '0' is outside what is allowed: above 0 and at most "
        "600 (months). The page uses 6."]
    assert typed(at, "mc_price_half_life_months", "0.5") == []


def test_a_link_opens_the_boxes_with_its_values_and_reset_restores_the_defaults():
    at = page("risk", mc_paths="2500", mc_price_volatility="30")
    assert at.text_input(key="mc_paths::box").value == "2,500"
    assert at.text_input(key="mc_price_volatility::box").value == "30"
    typed(at, "mc_paths", "1e400")
    at.button(key="reset_button").click().run()
    assert at.text_input(key="mc_paths::box").value == "1,000"
    assert at.session_state.mc_paths == 1000
    assert not at.error


def test_in_bangla_the_message_is_bangla():
    at = page("facilitator", lang="bn")
    [message] = typed(at, "taper_every", "1e400")
    assert message.startswith("কত মাস পরপর ধাপ (মাস): '1e400'")
    assert "The page" not in message and "allowed" not in message


def test_a_case_file_problem_in_bangla_says_what_is_allowed_in_bangla():
    """The Case file's message around the engine's (which is Bangla) said 'Allowed:'."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["scenario"] = "bogra_handicrafts"
    at.query_params["lang"] = "bn"
    at.switch_page("views/casefile.py").run()
    at.text_input(key="bogra_handicrafts::ed0::group.members").input("1e400").run()
    assert [e.value for e in at.error] == [
        "**সদস্য** (group.members): একটি পূর্ণসংখ্যা হতে হবে (পাওয়া গেছে '1e400')। চলবে: "
        "অন্তত 1 (জন)।"]
