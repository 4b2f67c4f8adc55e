"""Bad input: every problem reported at once, with its field path, file and line."""

import pytest

import engine
from engine import ScenarioError, parse_scenario

BAD = """\
name = "bad"
title = "Bad"
start = "2001-13"
horizon_months = 24
colour = "blue"

[group]
name = "g"
members = 0

[[products]]
name = "p"
monthly_capacity = 10

[[channels]]
name = "a"
buyer = "A"
product = "p"
share = 0.5
price = 5

[[channels]]
name = "b"
buyer = "B"
product = "p"
share = 0.5
price = 5
payment_delay_days = -5

[[services]]
name = "s"
monthly_cost = 100
shares = { donor = 0.7, group = 0.2 }
"""


def test_every_problem_is_reported_with_path_and_line():
    with pytest.raises(ScenarioError) as err:
        parse_scenario(BAD, file="bad.toml")
    found = {(p.path, p.line): p.message for p in err.value.problems}
    assert found == {
        ("start", 3): "must be a month YYYY-MM from 1900-01 to 2199-12 (got '2001-13')",
        ("colour", 5): "unknown key (not a field here; check the spelling)",
        ("group.members", 9): "must be >= 1 (got 0)",
        ("channels[1].payment_delay_days", 28): "must be >= 0 (got -5)",
        ("services[0].shares", 33):
            "service 's', month 0: payer shares must sum to 1 (got 0.9)",
    }
    assert "bad.toml:28: channels[1].payment_delay_days: must be >= 0 (got -5)" in str(err.value)


def test_share_table_that_does_not_sum_names_service_and_month():
    text = BAD.replace('start = "2001-13"', 'start = "2001-01"').replace('colour = "blue"\n', "")
    text = text.replace("members = 0", "members = 1").replace("payment_delay_days = -5", "")
    text = text.replace("shares = { donor = 0.7, group = 0.2 }", """shares = { ngo = 1.0 }
taper = { kind = "table", table = [{ from_month = 9, shares = { ngo = 0.5, group = 0.6 } }] }""")
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text)
    [problem] = err.value.problems
    assert problem.path == "services[0].taper.table[0].shares"
    assert problem.message == "service 's', month 9: payer shares must sum to 1 (got 1.1)"


def test_cross_references_are_checked():
    text = BAD.replace('start = "2001-13"', 'start = "2001-01"').replace('colour = "blue"\n', "")
    text = text.replace("members = 0", "members = 1").replace("payment_delay_days = -5",
                                                                'fallback = "nowhere"')
    text = text.replace("share = 0.5\nprice = 5\n\n[[channels]]", "share = 0.4\nprice = 5\n\n"
                        "[[channels]]")
    text = text.replace("group = 0.2", "group = 0.3")
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text)
    messages = {p.path: p.message for p in err.value.problems}
    assert messages == {
        "channels[1].fallback": "must name another channel (got 'nowhere')",
        "channels[0].share": "shares of product 'p' across channels a, b must sum to 1 "
                             "(got 0.9)",
    }


def test_overrides_report_unknown_paths_and_bad_values_together():
    s = engine.load_scenario("modhupur_pineapple")
    with pytest.raises(ScenarioError) as err:
        engine.with_overrides(s, {"channels.spot_dhaka.price": "abc", "foo.bar": 1,
                                  "channels.pran.payment_delay_days": -5,
                                  "channels.nope.price": 1})
    assert {p.path: p.message for p in err.value.problems} == {
        "foo.bar": "unknown parameter",
        "channels.nope.price": "no item named 'nope' (items: spot_chittagong, spot_sylhet, "
                               "spot_dhaka, spot_rajshahi, pran, local)",
        "channels.spot_dhaka.price": "must be a number (got 'abc')",
        "channels.pran.payment_delay_days": "must be >= 0 (got -5)",
    }


def test_malformed_toml_names_the_line():
    with pytest.raises(ScenarioError) as err:
        parse_scenario('name = "x"\ntitle = \n', file="x.toml")
    [problem] = err.value.problems
    assert problem.file == "x.toml" and problem.line == 2
    assert problem.message.startswith("not valid TOML")


def test_unknown_preset_lists_the_presets():
    with pytest.raises(ScenarioError, match="no preset or file named 'nowhere'.*bogra"):
        engine.load_scenario("nowhere")
    with pytest.raises(ScenarioError, match="has no variant 'x'.*pran_contract"):
        engine.load_scenario("modhupur_pineapple:x")
