"""The first app, driven by AppTest: it runs without exception and shows what the engine says."""

import pytest
from streamlit.testing.v1 import AppTest

import engine

APP = str(__import__("pathlib").Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def app():
    return AppTest.from_file(APP, default_timeout=60).run()


def metrics(at):
    return {m.label: m.value for m in at.metric}


def test_app_shows_modhupur_and_its_exit_month(app):
    assert not app.exception
    p = engine.project(engine.load_scenario("modhupur_pineapple"))
    assert app.title[0].value == "Modhupur Pineapple Association"
    assert metrics(app)["Exit month"] == p.summary["exit_date"]
    assert len(app.get("plotly_chart")) == 1


def test_changing_a_price_moves_the_exit_month_as_the_engine_says(app):
    app.selectbox(key="scenario_ref").set_value("bogra_handicrafts").run()
    key = "bogra_handicrafts::channels.tmss_retail.price"
    before = metrics(app)["Exit month"]
    app.number_input(key=key).set_value(300.0).run()
    assert app.number_input(key=key).value == 300.0
    base = engine.load_scenario("bogra_handicrafts")
    expected_before = engine.project(base).summary
    expected_after = engine.project(engine.with_overrides(
        base, {"channels.tmss_retail.price": 300.0})).summary
    assert before == expected_before["exit_date"]
    assert metrics(app)["Exit month"] == (expected_after["exit_date"] or "not within horizon")
    # a lower price can only make the exit later (or never)
    assert expected_after["exit_month"] is None or (
        expected_after["exit_month"] > expected_before["exit_month"])
    assert not app.exception


def test_invalid_value_shows_the_field_and_keeps_the_last_result(app):
    good = metrics(app)["Exit month"]
    app.number_input(key="modhupur_pineapple::channels.spot_dhaka.share").set_value(0.5).run()
    assert not app.exception
    assert ("channels.spot_chittagong.share`: shares of product 'pineapple' across channels "
            "spot_chittagong, spot_sylhet, spot_dhaka, spot_rajshahi, pran, local must sum to 1 "
            "(got 1.25)") in app.error[0].value
    assert metrics(app)["Exit month"] == good


def test_switching_preset_keeps_each_presets_edits(app):
    key = "modhupur_pineapple::channels.spot_dhaka.price"
    app.number_input(key=key).set_value(7.0).run()
    app.selectbox(key="scenario_ref").set_value("mirpur_footwear").run()
    app.selectbox(key="scenario_ref").set_value("modhupur_pineapple").run()
    assert app.number_input(key=key).value == 7.0
