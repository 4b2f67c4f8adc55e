"""A valid scenario at the engine's limits (100 buyers, 100 loans, 600 months) made the Risk page
take 106 s (its tornado varies 649 inputs) and the Producer page 22 s (one projection per buyer)
on this machine (issue #11: nothing hangs). Each now stops at its time limit with a message; the
limits are set to zero here so that any scenario reaches them."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import engine
from engine.risk import numeric_inputs

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("SUBSIDY_EXIT_WORKSPACE", str(tmp_path / "workspace"))


def page(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["scenario"] = "bogra_handicrafts"
    at.switch_page(f"views/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_tornado_past_its_time_limit_is_named_and_the_rest_of_the_page_drawn(monkeypatch):
    from ui.pages import risk
    monkeypatch.setattr(risk, "TORNADO_TIME_LIMIT_S", 0.0)
    at = page("risk")
    n = len(numeric_inputs(engine.load_scenario("bogra_handicrafts")))
    assert [w.value for w in at.warning if "Varying" in w.value] == [
        f"Varying each of this scenario's {n} inputs takes longer than the 0 seconds the app "
        "spends on it; `subsidy-exit tornado` computes it."]
    assert len(at.get("plotly_chart")) == 3   # grid, fan chart, odds by month: no tornado
    assert at.metric   # the Monte Carlo's odds are still shown


def test_the_plain_words_past_their_time_limit_show_one_buyer_and_say_how_many_are_left(
        monkeypatch):
    from ui.pages import producer
    monkeypatch.setattr(producer, "PLAIN_WORDS_TIME_LIMIT_S", 0.0)
    at = page("producer")
    words = " ".join(m.value for m in at.markdown)
    # Bogra has two buyers: the first is always said, the second is left for the next rerun
    assert words.count("If the group sells all its") == 1
    assert "*1 more buyer takes longer than the 0 seconds the app spends here; open the page " \
        "again to go on.*" in words


@pytest.mark.parametrize(("seconds", "groups"), [
    (0.5, 30),      # 60 s / 4 / 0.5 s a group
    (0.001, 1000),  # 15,000 by the time, capped at CHUNK_GROUPS
    (100.0, 1),     # slower than the limit itself: one group a chunk
])
def test_a_portfolio_chunk_in_the_app_fits_a_quarter_of_its_time_limit(monkeypatch, seconds,
                                                                        groups):
    """The time limit is looked at between chunks; a base at the engine's limits took 0.9 s a
    projection here, and a chunk of 1,000 such groups minutes."""
    from ui.pages import portfolio
    now = [0.0]
    monkeypatch.setattr(portfolio.time, "monotonic", lambda: now[0])

    def base_run(scenarios):   # the base's run takes `seconds` on the page's clock
        now[0] += seconds
    monkeypatch.setattr(portfolio, "run_scenarios", base_run)
    assert portfolio.chunk_groups_within(engine.load_scenario("bogra_handicrafts"), 60.0) == \
        groups


def test_a_monte_carlo_cut_short_can_be_run_again_for_the_apps_whole_time_limit(monkeypatch):
    """Review of issue #15: a Monte Carlo stopped at its time limit stayed cut in the session
    with no way to finish it in the app. Bogra with arrears runs its paths through the pipeline
    in steps of 400,000 // (61 rows x 60 months) = 109 paths; with the Monte Carlo's limit at 0
    the first step is all it runs (109 of the 1,000 paths asked). The button runs the same
    paths again under the app's whole time limit (60 s), and all 1,000 finish."""
    from ui.pages import risk
    monkeypatch.setattr(risk, "MC_TIME_LIMIT_S", 0.0)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["scenario"] = "bogra_handicrafts"
    at.query_params["set"] = "arrears.enabled=true"
    at.switch_page("views/risk.py").run()
    assert not at.exception, [e.value for e in at.exception]
    cut = [w.value for w in at.warning if w.value.startswith("Stopped after")]
    assert cut == ["Stopped after 109 of 1,000 paths: the app spends at most 0 seconds on a "
                   "Monte Carlo. The figures below are those of the 109 paths; `subsidy-exit "
                   "montecarlo` runs them all."]
    at.button(key="mc_longer").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [w for w in at.warning if w.value.startswith("Stopped after")]
    assert not [b for b in at.button if b.key == "mc_longer"]
    at.run()                                   # the whole run is kept for the same inputs
    assert not [w for w in at.warning if w.value.startswith("Stopped after")]
