"""Figure builders, exports, formatting and storage, as pure functions (no Streamlit)."""

import io
import json

import pandas as pd
import pytest

import engine
from ui import exports, figures
from ui.storage import StorageError, Workspace, clean_name


@pytest.fixture(scope="module")
def modhupur():
    s = engine.load_scenario("modhupur_pineapple")
    return s, engine.project(s)


def test_toml_export_round_trips_to_the_same_scenario(modhupur):
    s, _ = modhupur
    assert engine.parse_scenario(exports.scenario_toml(s).decode()) == s


def test_csv_export_round_trips(modhupur):
    _, p = modhupur
    back = pd.read_csv(io.BytesIO(exports.monthly_csv(p)), index_col="month")
    pd.testing.assert_frame_equal(back, p.monthly, check_dtype=False, check_index_type=False,
                                  rtol=1e-12)


def test_xlsx_export_round_trips(modhupur):
    _, p = modhupur
    book = pd.read_excel(io.BytesIO(exports.monthly_xlsx(p)), sheet_name=None, index_col=0)
    assert set(book) >= {"monthly", "summary", "loan sibl_3"}
    pd.testing.assert_frame_equal(book["monthly"], p.monthly, check_dtype=False,
                                  check_index_type=False, rtol=1e-12, check_names=False)
    assert book["summary"].loc["exit_month", "value"] == p.summary["exit_month"]


def test_report_export_is_the_report(modhupur):
    s, _ = modhupur
    assert exports.report(s).decode().startswith("# Exit readiness: Modhupur")


def test_cash_chart_carries_both_paths_and_the_exit_month(modhupur):
    s, p = modhupur
    fig = figures.cash_chart(p.monthly, s.group.cash_reserve, p.summary["exit_month"])
    spec = json.loads(fig.to_json())
    names = [t["name"] for t in spec["data"]]
    assert names == ["cash balance (with subsidy)", "cash balance without any subsidy"]
    assert fig.layout.title.text == "Cash balance with and without subsidy"
    assert fig.layout.yaxis.title.text == "taka"
    shapes = [sh["x0"] for sh in spec["layout"]["shapes"] if sh["type"] == "line"]
    assert p.monthly.date.iloc[p.summary["exit_month"]] in shapes


def test_exit_sweep_chart_colours_safe_months(modhupur):
    s, p = modhupur
    fig = figures.exit_sweep_chart(p.exit_sweep, s.group.cash_reserve)
    colors = list(fig.data[0].marker.color)
    assert colors == [figures.GREEN if ok else figures.VERMILION for ok in p.exit_sweep.safe]


def test_payer_chart_stacks_each_payer():
    from engine.planner import cost_shares
    s = engine.load_scenario("bogra_handicrafts")
    p = engine.project(s)
    fig = figures.payer_chart(cost_shares(s), p.monthly.date)
    assert sorted(t.name for t in fig.data) == ["donor", "group", "ngo"]
    assert fig.layout.barmode == "stack"
    donor = next(t for t in fig.data if t.name == "donor")
    assert sum(donor.y) == pytest.approx(cost_shares(s).query("payer == 'donor'").amount.sum())


def test_workspace_refuses_to_leave_its_folder_and_to_overwrite(tmp_path):
    ws = Workspace(tmp_path / "ws")
    assert clean_name("../evil") == "evil"
    path = ws.save("../evil", "x = 1\n")
    assert path == (tmp_path / "ws" / "evil.toml").resolve()
    assert not (tmp_path / "evil.toml").exists()
    ws.save("/abs/olute", "y = 2\n")
    assert ws.names() == ["absolute", "evil"]
    with pytest.raises(StorageError, match="exists already"):
        ws.save("evil", "x = 2\n")
    assert ws.load("evil") == "x = 1\n"
    ws.save("evil", "x = 2\n", overwrite=True)
    assert ws.load("evil") == "x = 2\n"
    with pytest.raises(StorageError, match="no letters or digits"):
        ws.save("../..", "z")
    assert not list((tmp_path / "ws").glob("*.tmp"))   # no temporary file left behind
