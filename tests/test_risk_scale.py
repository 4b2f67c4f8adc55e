"""Risk and scale: Monte Carlo, tornado, batch summaries, portfolios (in process and on Dask)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import engine
from engine.cashflow import dated_loans
from engine.loan_capacity import max_affordable_loan
from engine.pipeline import run_scenarios
from engine.portfolio import portfolio, portfolio_dask
from engine.risk import grid, tornado
from tests.strategies import scenarios

# ---- sensitivity --------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "path"), [
    ("bogra_handicrafts", "channels.tmss_retail.price"),
    ("bogra_handicrafts", "services.jobs_counselling.shares.donor"),
    ("mirpur_footwear", "products.footwear.unit_cost"),
    ("shafipur_footwear", "group.members"),
])
def test_tornado_bar_is_the_difference_of_two_explicit_projections(name, path):
    s = engine.load_scenario(name)
    table = tornado(s, paths=[path], step=0.1)
    value = dict((p, v) for p, v, _ in engine.params(s))[path]
    if path.endswith("shares.donor"):
        low = engine.with_overrides(s, {path: value * 0.9, path.replace("donor", "group"):
                                        1 - value * 0.9})
        high = engine.with_overrides(s, {path: min(1.0, value * 1.1),
                                         path.replace("donor", "group"):
                                         1 - min(1.0, value * 1.1)})
    else:
        cast = int if isinstance(value, int) else float
        low = engine.with_overrides(s, {path: cast(round(value * 0.9) if cast is int
                                                   else value * 0.9)})
        high = engine.with_overrides(s, {path: cast(round(value * 1.1) if cast is int
                                                    else value * 1.1)})
    lo, hi = engine.project(low).summary, engine.project(high).summary
    row = table.loc[path]
    T = s.horizon_months
    assert row.min_cash_balance_swing == pytest.approx(hi["min_cash_balance"]
                                                       - lo["min_cash_balance"])
    assert row.member_income_per_member_month_avg_swing == pytest.approx(
        hi["member_income_per_member_month_avg"] - lo["member_income_per_member_month_avg"])
    assert row.exit_month_swing == (hi["exit_month"] if hi["exit_month"] is not None else T) - (
        lo["exit_month"] if lo["exit_month"] is not None else T)


def test_two_way_grid_cells_are_explicit_projections():
    s = engine.load_scenario("bogra_handicrafts")
    table = grid(s, "channels.tmss_retail.price", [320.0, 341.67],
                 "channels.tmss_retail.payment_delay_days", [15.0, 45.0], "min_cash_balance")
    for x in (320.0, 341.67):
        for y in (15.0, 45.0):
            p = engine.project(engine.with_overrides(s, {"channels.tmss_retail.price": x,
                                                         "channels.tmss_retail.payment_delay_days":
                                                         y}))
            assert table.loc[y, x] == pytest.approx(p.summary["min_cash_balance"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios)
def test_batch_summaries_equal_single_projections(scenario):
    row = run_scenarios([scenario]).summary.frame().iloc[0]
    s = engine.project(scenario).summary
    assert (None if pd.isna(row.exit_month) else int(row.exit_month)) == s["exit_month"]
    assert row.min_cash_balance == pytest.approx(s["min_cash_balance"], rel=1e-12, abs=1e-9)
    assert row.peak_working_capital == pytest.approx(s["peak_working_capital"], abs=1e-9)
    if s["min_dscr_12m"] is None:
        assert pd.isna(row.min_dscr_12m)
    else:
        assert row.min_dscr_12m == pytest.approx(s["min_dscr_12m"])


# ---- portfolios ---------------------------------------------------------------------------------

def groups_frame(n=12, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "group_id": [f"g{i:03d}" for i in range(n)],
        "group.members": rng.integers(15, 40, n),
        "group.cash_reserve": rng.uniform(0, 20_000, n).round(0),
        "channels.tmss_retail.price": rng.uniform(300, 380, n).round(2),
        "channels.tmss_retail.payment_delay_days": rng.uniform(0, 60, n).round(1),
        "products.handicrafts.monthly_capacity": rng.uniform(300, 600, n).round(0),
        "products.handicrafts.unit_cost": rng.uniform(80, 120, n).round(1),
    })


def assert_rows_equal_single_projections(base, groups, result, columns):
    for i, row in groups.iterrows():
        overrides = {c: row[c].item() if hasattr(row[c], "item") else row[c] for c in columns}
        s = engine.with_overrides(base, overrides)
        summary = engine.project(s).summary
        got = result.iloc[i]
        assert got.group_id == row.group_id
        assert (None if pd.isna(got.exit_month) else int(got.exit_month)) == \
            summary["exit_month"]
        assert got.min_cash_balance == pytest.approx(summary["min_cash_balance"], rel=1e-9)
        assert got.peak_working_capital == pytest.approx(summary["peak_working_capital"],
                                                         rel=1e-9, abs=1e-6)
        assert got.member_income_per_member_month_avg == pytest.approx(
            summary["member_income_per_member_month_avg"], rel=1e-9)
        if summary["min_dscr_12m"] is not None:
            assert got.min_dscr_12m == pytest.approx(summary["min_dscr_12m"], rel=1e-9)
        # the portfolio scales one schedule instead of re-rounding each: within 0.1%
        if s.loans:
            best = max_affordable_loan(s, dated_loans(s)[-1])
            assert got.max_affordable_loan == pytest.approx(best, rel=1e-3, abs=1.0)


def test_portfolio_rows_equal_single_projections_fast_columns():
    base = engine.load_scenario("bogra_handicrafts")
    groups = groups_frame()
    result = portfolio(base, groups)
    assert_rows_equal_single_projections(base, groups, result,
                                         [c for c in groups.columns if c != "group_id"])


def test_portfolio_rows_equal_single_projections_other_columns():
    # a loan column makes every group compile on its own; the results must be the same
    base = engine.load_scenario("modhupur_pineapple")
    groups = pd.DataFrame({"group_id": ["a", "b", "c"],
                           "loans.sibl_3.principal": [1_000_000.0, 1_450_000.0, 3_000_000.0],
                           "group.members": [200, 261, 300]})
    result = portfolio(base, groups)
    assert_rows_equal_single_projections(base, groups, result,
                                         ["loans.sibl_3.principal", "group.members"])


def test_portfolio_reports_every_bad_row():
    base = engine.load_scenario("bogra_handicrafts")
    groups = pd.DataFrame({"group_id": ["ok", "bad1", "bad2"], "group.members": [10, 0, -3],
                           "channels.tmss_retail.price": [300, 300, -1]})
    with pytest.raises(engine.ScenarioError) as err:
        portfolio(base, groups)
    assert [str(p) for p in err.value.problems] == [
        "group_id=bad1: group.members: must be >= 1 (got 0)",
        "group_id=bad2: group.members: must be >= 1 (got -3)",
        "group_id=bad2: channels.tmss_retail.price: must be >= 0 (got -1)",
    ]
    with pytest.raises(engine.ScenarioError, match="nope: unknown parameter"):
        portfolio(base, pd.DataFrame({"group_id": ["x"], "nope": [1]}))


def test_dask_local_cluster_equals_in_process(tmp_path):
    base = engine.load_scenario("bogra_handicrafts")
    groups = groups_frame(n=24, seed=4)
    path = tmp_path / "groups.parquet"
    groups.to_parquet(path, index=False)
    out = tmp_path / "result.parquet"
    on_dask = portfolio_dask(base, path, out, partitions=3)
    in_process = portfolio(base, groups)
    pd.testing.assert_frame_equal(on_dask, in_process, check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_parquet(out), in_process, check_dtype=False)


def test_portfolio_cli_writes_csv(tmp_path, capsys):
    from engine.cli import main
    groups = groups_frame(n=5)
    src = tmp_path / "groups.csv"
    groups.to_csv(src, index=False)
    out = tmp_path / "result.csv"
    assert main(["portfolio", str(src), "--base", "bogra_handicrafts", "--out", str(out)]) == 0
    result = pd.read_csv(out)
    expected = portfolio(engine.load_scenario("bogra_handicrafts"), groups)
    assert result.group_id.tolist() == expected.group_id.tolist()
    np.testing.assert_allclose(result.min_cash_balance, expected.min_cash_balance)


def test_flip_value_is_where_the_group_stops_being_self_sustaining():
    """One taka below the returned price the group never exits, one taka above it does: checked
    with explicit projections. The grid (0.25% of 341.67 taka = 0.85 taka) is finer than that."""
    from engine.risk import flip_value
    s = engine.load_scenario("bogra_handicrafts")
    path = "channels.tmss_retail.price"
    value = flip_value(s, path, multipliers=np.linspace(0.2, 1.5, 521))
    assert value is not None
    exit_at = {x: engine.project(engine.with_overrides(s, {path: x})).summary["exit_month"]
               for x in (value - 1.0, value + 1.0)}
    assert exit_at[value - 1.0] is None          # a lower price: never self-sustaining
    assert exit_at[value + 1.0] is not None      # a higher price: an exit month exists


def test_a_tornado_in_batches_with_progress_equals_one_batch():
    """The Risk page runs the tornado in batches to show progress; the rows are independent,
    so the table is the same, and progress runs from 0 to the total."""
    s = engine.load_scenario("mirpur_footwear")
    seen = []
    batched = tornado(s, step=0.1, progress=lambda done, total: seen.append((done, total)))
    pd.testing.assert_frame_equal(batched, tornado(s, step=0.1))
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1]
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
