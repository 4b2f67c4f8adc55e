"""Scale paths checked against the slow ways they replace: the largest affordable loan from one
simulation per group against a search that simulates every candidate principal, and overrides
validated part by part against validating the whole scenario data."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import engine
from engine.cashflow import dated_loans, simulate
from engine.io import overridden_data, with_overrides
from engine.loan_capacity import (
    dated,
    grid_principals,
    largest_principals,
    loan_feasible,
    months_to_repay,
    scalable_flows,
)
from engine.portfolio import group_inputs, group_scenarios
from engine.scenario import ExitCriteria, Scenario


def bogra_groups(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "group_id": [f"g{i}" for i in range(n)],
        "channels.tmss_retail.price": rng.uniform(330, 600, n),
        "group.cash_reserve": rng.uniform(0, 20_000, n),
        # payouts on and off: the one-simulation answer must hold with payouts
        "group.distribution_share": rng.choice([0.0, 0.5, 0.95], n),
        "products.handicrafts.monthly_capacity": rng.uniform(300, 700, n)})


def feasible_with(x, terms, principals: np.ndarray) -> np.ndarray:
    """Each row with a loan of its principal on `terms` (flows scaled from one schedule, the
    principal spent on an investment), simulated month by month and judged by loan_feasible."""
    per, fixed = scalable_flows(terms, x.months)
    add = {k: principals[:, None] * per[k][None, :] + fixed[k][None, :] for k in per}
    invest = x.full("investments")
    invest[:, terms.disbursement_month] += principals
    rows = replace(x, investments=invest, **{k: getattr(x, k) + add[k] for k in add})
    return loan_feasible(simulate(rows), terms.disbursement_month, x.cash_reserve[:, None],
                         1.25)


def test_largest_principal_from_one_simulation_is_the_edge_of_what_simulation_accepts():
    base = engine.load_scenario("bogra_handicrafts")
    groups = bogra_groups(60, seed=2)
    terms = dated(base, dated_loans(base)[-1])
    columns = [c for c in groups.columns if c != "group_id"]
    x = group_inputs(base, group_scenarios(base, groups), columns, months_to_repay(base, terms))
    best = largest_principals(x, terms)
    some = best > 0
    assert 5 < some.sum() < len(best)          # both kinds of group are in the sample
    # simulated with its loan, each group carries the answer and not 0.1% + 1 taka more
    assert feasible_with(x, terms, np.maximum(best, 1.0))[some].all()
    assert not feasible_with(x, terms, best * 1.001 + 1.0)[some].any()
    # and groups answered 0 cannot carry even 1 taka
    assert not feasible_with(x, terms, np.ones(len(best)))[~some].any()
    # a bisection that simulates every candidate principal brackets the same edge from below
    # (9 rounds of 9 points narrow its bracket [0, 10 x sales revenue] by 8 each round)
    searched = grid_principals(x, terms)
    width = 10 * simulate(x)["sales_revenue"].sum(axis=-1) / 8**9
    assert (best >= np.floor(searched * 100) / 100 - 1e-9).all()
    assert (best - searched <= width + 0.01).all()


def test_rows_with_a_credit_line_are_searched_by_simulation():
    base = engine.load_scenario("modhupur_pineapple")
    groups = pd.DataFrame({"group_id": ["a", "b"], "group.members": [150, 300]})
    terms = dated(base, dated_loans(base)[-1])
    x = group_inputs(base, group_scenarios(base, groups), ["group.members"],
                     months_to_repay(base, terms))
    assert (x.credit_limit > 0).all()
    np.testing.assert_array_equal(largest_principals(x, terms),
                                  np.floor(grid_principals(x, terms) * 100) / 100)


OVERRIDES = [
    {"group.members": 20},
    {"channels.tmss_retail.price": 350.5, "group.cash_reserve": 0.0},
    {"products.handicrafts.monthly_capacity": 500.0, "horizon_months": 72},
    {"services.tmss_bds.monthly_cost": 9000.0, "loans.tmss_2.annual_rate": 0.2},
    {"channels.tmss_retail.share": 0.6, "channels.tmss_wholesale.share": 0.4},
    {"services.tot.shares.donor": 0.5, "services.tot.shares.ngo": 0.5},
    {"loans[0].principal": 12_000.0, "loans.tmss_3.installments": 24},
    {"services[0].monthly_cost": 300.0, "channels.tmss_wholesale.discount": 0.05},
]


@pytest.mark.parametrize("overrides", OVERRIDES)
def test_overrides_validated_part_by_part_equal_the_whole_data_validated(overrides):
    base = engine.load_scenario("bogra_handicrafts")
    data, problems = overridden_data(base, overrides)
    assert problems == []
    assert with_overrides(base, overrides) == Scenario.model_validate(data)


def test_an_override_into_one_item_of_a_list_keeps_the_other_items_as_they_are():
    """Only the item a path goes into is re-read from data; the others are the same (valid,
    frozen) objects, as untouched top-level fields are."""
    base = engine.load_scenario("modhupur_pineapple")
    out = with_overrides(base, {"channels.pran.price": 5.5})
    assert [c.price for c in out.channels if c.name == "pran"] == [5.5]
    assert [c is b for c, b in zip(out.channels, base.channels, strict=True)] == [
        c.name != "pran" for c in base.channels]
    assert out.loans == base.loans and out.group is base.group


@pytest.mark.parametrize(("overrides", "expected"), [
    # a field's bound: the field, the value and what is allowed
    ({"group.members": 0}, ["group.members: must be >= 1 (got 0)"]),
    ({"channels.tmss_retail.price": -1.0}, ["channels.tmss_retail.price: must be >= 0 (got -1)"]),
    # a check across models (shares of a product across its channels) still runs
    ({"channels.tmss_retail.share": 0.9},
     ["channels.tmss_retail.share: shares of product 'handicrafts' across channels "
      "tmss_retail, tmss_wholesale must sum to 1 (got 1.2)"]),
    # a check of one model against the scenario (disbursement before the horizon)
    ({"horizon_months": 12},
     ["loans.tmss_2.disbursement_month: must be < horizon_months (12) (got 14)",
      "loans.tmss_3.disbursement_month: must be < horizon_months (12) (got 26)"]),
    ({"group.members": True}, ["group.members: must be a whole number (got true)"]),
])
def test_invalid_overrides_still_name_field_value_and_what_is_allowed(overrides, expected):
    base = engine.load_scenario("bogra_handicrafts")
    with pytest.raises(engine.ScenarioError) as err:
        with_overrides(base, overrides)
    assert [str(p) for p in err.value.problems] == expected


# ---- loan schedules compiled once per loan -------------------------------------------------------

@pytest.mark.parametrize("name", ["bogra_handicrafts", "modhupur_pineapple"])
def test_a_projection_from_cached_schedules_equals_one_from_fresh_schedules(name):
    from engine import loans
    s = engine.load_scenario(name)
    loans._schedules.clear()
    cold = engine.project(s)
    warm = engine.project(s)          # every schedule now comes from the cache
    assert len(loans._schedules) >= len(s.loans)
    pd.testing.assert_frame_equal(cold.simulated, warm.simulated)
    assert cold.summary == warm.summary
    for name_ in cold.loans:
        pd.testing.assert_frame_equal(cold.loans[name_], warm.loans[name_])


def test_the_schedule_cache_is_keyed_on_every_term_and_hands_out_copies():
    from engine.loans import Loan, schedule
    loan = Loan(name="x", principal=1200, annual_rate=0.12, installments=12)
    first = schedule(loan)
    first["payment"] = 0.0             # a caller changing its copy changes nothing shared
    again = schedule(loan)
    assert float(again.payment.iloc[0]) == 106.62   # PMT(1%, 12, 1200), as in loans' doctest
    # another term, another schedule: 12 x 1% flat on 1200 = 144 interest, 112 a month
    flat = schedule(loan.model_copy(update={"interest_method": "flat"}))
    assert float(flat.interest.sum()) == pytest.approx(144.0)
    assert float(flat.payment.iloc[0]) == pytest.approx(112.0)


def test_the_portfolio_page_reports_progress_after_each_chunk():
    """The page's progress bar reads these calls: rows done after each chunk of 2 groups."""
    from ui.pages.portfolio import run_within
    text = "group_id,group.members\n" + "".join(f"g{i},{20 + i}\n" for i in range(5))
    calls = []
    frame, bad, stopped = run_within(engine.load_scenario("bogra_handicrafts"),
                                     text.encode(), "g.csv", 60, chunk_groups=2,
                                     on_chunk=lambda done, s: calls.append(done))
    assert calls == [2, 4, 5]
    assert len(frame) == 5 and bad == [] and stopped is None


def test_checks_run_once_per_model_object_but_a_copy_is_checked_again():
    """Model-level checks are skipped only for the very object that passed them (frozen); an
    object made by model_copy, which pydantic does not validate, is a new object and is
    checked when it becomes part of a scenario."""
    base = engine.load_scenario("bogra_handicrafts")
    fields = {name: getattr(base, name) for name in Scenario.model_fields}
    assert Scenario.model_validate(fields) == base      # the same objects pass again
    huge = base.group.model_copy(update={"opening_cash": 1e13})
    with pytest.raises(ValueError, match=r"opening_cash\", \"must be between -1,000,000,000,000 "
                                         r"and 1,000,000,000,000 \(got 1e\+13\)"):
        Scenario.model_validate({**fields, "group": huge})


# ---- the exit sweep from the flows ---------------------------------------------------------------

@pytest.mark.parametrize(("name", "horizon", "credit_line"), [
    ("modhupur_pineapple", None, False),             # a credit line and payouts
    ("modhupur_pineapple:pran_contract", 120, False),
    ("bogra_handicrafts", None, False),              # payouts only (project asks for detail)
    ("bogra_handicrafts", 90, True),                 # payouts and a credit line given here
])
def test_the_sweep_from_flows_equals_simulating_every_exit_month(monkeypatch, name, horizon,
                                                                 credit_line):
    """Row M of the sweep takes the plan's flows before M and the no-subsidy plan's from M and
    runs only the cash rule; simulating every row in full must give the same numbers."""
    from engine import pipeline
    from engine.pipeline import compile_rows, run
    s = engine.load_scenario(name)
    if horizon:
        s = engine.with_overrides(s, {"horizon_months": horizon})
    x = compile_rows([s])
    cash_only = ExitCriteria()            # other criteria need every row's own figures
    if credit_line:
        x = replace(x, credit_limit=np.full(1, 50_000.0), credit_rate=np.full(1, 0.12))
    assert pipeline.flows_sweep_possible(x, cash_only)
    monkeypatch.setattr(pipeline, "FLOW_SWEEP_CELLS", 0)
    lean = run(x, s.horizon_months, cash_only, detail=True)
    monkeypatch.setattr(pipeline, "flows_sweep_possible", lambda x, criteria: False)
    full = run(x, s.horizon_months, cash_only, detail=True)
    np.testing.assert_array_equal(lean.counterfactual_cash, full.counterfactual_cash)
    np.testing.assert_array_equal(lean.safe, full.safe)
    np.testing.assert_array_equal(lean.lowest_cash_after_exit, full.lowest_cash_after_exit)
    np.testing.assert_array_equal(lean.without_subsidy_cash, full.without_subsidy_cash)
    np.testing.assert_array_equal(lean.exit_month, full.exit_month)
    for key in ("cash_balance", "distributions", "credit_line_balance", "subsidy"):
        np.testing.assert_array_equal(lean.monthly[key], full.monthly[key])


# ---- the exit sweep of a credit line on the net position -----------------------------------------

def variants_of(name: str) -> list[Scenario]:
    """The scenario and each of its tornado inputs at half, 0.9, 1.1 and twice its value (the
    ones the model accepts): exit months on both sides of the reserve."""
    from engine.risk import _vary, numeric_inputs
    s = engine.load_scenario(name)
    out = [s]
    for path, value in numeric_inputs(s):
        for k in (0.5, 0.9, 1.1, 2.0):
            try:
                out.append(_vary(s, path, value * k))
            except engine.ScenarioError:
                continue
    return out


def sweep_every_row(monkeypatch, x, horizon, criteria):
    """The same run with the net-position layout switched off: one simulated row per
    candidate exit month (or the cash rule per row: `flow_sweep`, itself checked above)."""
    from engine import pipeline
    with monkeypatch.context() as m:
        m.setattr(pipeline, "net_position_possible", lambda x, criteria: False)
        return pipeline.run(x, horizon, criteria)


@pytest.mark.parametrize("name", ["modhupur_pineapple", "modhupur_pineapple:pran_contract",
                                  "modhupur_pineapple:spot"])
def test_credit_line_exit_months_on_the_net_position_equal_simulating_every_plan(
        monkeypatch, name):
    """Batch runs (tornado, stress tables, grids, portfolios) judge a credit line's exit
    months on the net position of two simulated rows; simulating every plan M with its own
    line and payouts must give the same safe months and the same summary, element for
    element."""
    from engine import pipeline
    from engine.pipeline import compile_rows, run
    variants = variants_of(name)
    x = compile_rows(variants)
    s = variants[0]
    assert pipeline.net_position_possible(x, s.exit_criteria)
    assert pipeline.rows_per_variant(x, s.exit_criteria, s.horizon_months) == 2
    lean = run(x, s.horizon_months, s.exit_criteria)
    full = sweep_every_row(monkeypatch, x, s.horizon_months, s.exit_criteria)
    assert len(set(full.exit_month)) > 2          # exit months move with the inputs
    np.testing.assert_array_equal(lean.safe, full.safe)
    np.testing.assert_array_equal(lean.exit_month, full.exit_month)
    np.testing.assert_array_equal(lean.without_subsidy_cash, full.without_subsidy_cash)
    for f in lean.summary.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(lean.summary, f), getattr(full.summary, f))
    # where a plan is safe the line is repaid from M on and its cash is its net position
    # less the payouts it makes: the lows reported (the plan's without payouts) are at least
    # the simulated plan's
    assert (lean.lowest_cash_after_exit[lean.safe]
            >= full.lowest_cash_after_exit[full.safe] - 1e-6).all()


def test_the_net_position_is_not_used_at_a_reserve_of_0():
    """At a reserve of 0 the line's draws keep cash at the reserve while the net position is
    below it: such rows are simulated plan by plan."""
    from engine import pipeline
    from engine.pipeline import compile_rows
    s = engine.load_scenario("modhupur_pineapple")
    x = compile_rows([s, engine.with_overrides(s, {"group.cash_reserve": 0.0})])
    assert not pipeline.net_position_possible(x, s.exit_criteria)
    assert pipeline.net_position_possible(x.take(np.array([0])), s.exit_criteria)
    assert not pipeline.net_position_possible(x.take(np.array([0])),
                                              ExitCriteria(self_sufficiency=True))


@pytest.mark.parametrize("name", ["modhupur_pineapple", "bogra_handicrafts", "mirpur_footwear",
                                  "shafipur_footwear", "modhupur_pineapple:pran_contract"])
def test_a_tornado_from_edited_arrays_equals_one_from_every_variant_simulated(monkeypatch,
                                                                              name):
    """The tornado edits the scenario's compiled arrays for inputs that map onto them and
    judges a credit line's exit months on the net position; compiling every variant and
    simulating every exit month of every variant must give the same table, element for
    element."""
    from engine import pipeline, risk
    s = engine.load_scenario(name)
    fast = risk.tornado(s, step=0.5)       # wide enough that exit months move
    with monkeypatch.context() as m:
        m.setattr(risk, "fast_columns", lambda base, columns: False)
        m.setattr(pipeline, "net_position_possible", lambda x, criteria: False)
        m.setattr(pipeline, "flows_sweep_possible", lambda x, criteria: False)
        slow = risk.tornado(s, step=0.5)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast.attrs == slow.attrs
    assert (fast.filter(like="_swing") != 0).any().all()     # every outcome moves somewhere


def test_a_price_column_keeps_the_scenarios_price_inflation():
    """A fixed price edited in the compiled arrays rises with the scenario's price inflation,
    as a compiled price does."""
    base = engine.with_overrides(engine.load_scenario("bogra_handicrafts"),
                                 {"price_inflation_annual": 0.06})
    groups = pd.DataFrame({"group_id": ["a"], "channels.tmss_retail.price": [400.0]})
    x = group_inputs(base, group_scenarios(base, groups), ["channels.tmss_retail.price"])
    compiled = engine.pipeline.compile_rows(group_scenarios(base, groups))
    np.testing.assert_array_equal(x.list_price, compiled.list_price)


def test_a_grid_from_edited_arrays_equals_one_from_every_variant_simulated(monkeypatch):
    """The Risk page's grid (a channel's price against its payment delay) edits the compiled
    arrays; compiling and simulating every variant gives the same grid."""
    from engine import pipeline, risk
    s = engine.load_scenario("modhupur_pineapple")
    args = (s, "channels.spot_dhaka.price", [0.5, 9.0, 12.0],
            "channels.spot_dhaka.payment_delay_days", [0.0, 30.0, 90.0])
    for outcome in ("bridging_cost", "exit_month"):
        fast = risk.grid(*args, outcome=outcome)
        with monkeypatch.context() as m:
            m.setattr(risk, "fast_columns", lambda base, columns: False)
            m.setattr(pipeline, "net_position_possible", lambda x, criteria: False)
            slow = risk.grid(*args, outcome=outcome)
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast.to_numpy().std() == 0           # month 4 whatever Dhaka's spot market does
    assert risk.grid(*args, outcome="bridging_cost").to_numpy().std() > 0


def test_a_table_formatted_once_per_distinct_value_equals_formatting_every_cell():
    """display_frame formats each distinct value of a column once; the text must be what
    display_value gives each cell, for repeated values, 0.0 and -0.0, NaN, None and a whole
    number beside the same float."""
    from engine import fmt, quantities
    frame = pd.DataFrame({
        "cash_balance": [0.0, -0.0, 1234.5, 1234.5, np.nan, np.nan, -0.001],
        "exit_month": pd.array([4, 4, None, 7, 7, None, 0], dtype="Int64"),
        "subsidy_to_sales": [0.5, 0.5, 0.25, np.nan, 0.5, 1.0, 0.0],
        "date": ["2002-01"] * 7,
    })
    for style in (fmt.PLAIN, fmt.style_for("bn"), fmt.style_for("en", grouping="lakh")):
        table = quantities.display_frame(frame, style, "2002-01")
        for j, name in enumerate(frame.columns):
            assert table.iloc[:, j].tolist() == [
                quantities.display_value(name, v, style, "2002-01") for v in frame[name]]
