"""Figure builders, exports, formatting and storage, as pure functions (no Streamlit)."""

import io
import json

import openpyxl
import pandas as pd
import pytest

import engine
from engine import quantities
from engine.fmt import Style
from ui import exports, figures
from ui.storage import StorageError, Workspace, clean_name


@pytest.fixture(scope="module")
def modhupur():
    s = engine.load_scenario("modhupur_pineapple")
    return s, engine.project(s)


def test_toml_export_round_trips_to_the_same_scenario(modhupur):
    s, _ = modhupur
    assert engine.parse_scenario(exports.scenario_toml(s).decode()) == s


def test_csv_export_has_plain_names_and_full_precision(modhupur):
    _, p = modhupur
    back = pd.read_csv(io.BytesIO(exports.monthly_csv(p)), index_col=0)
    assert back.index.name == "Month number"
    assert list(back.columns[:3]) == ["Month", "Sales revenue, taka",
                                      "Cash received from buyers, taka"]
    names = {quantities.label(c): c for c in p.monthly.columns}
    pd.testing.assert_frame_equal(back.rename(columns=names), p.monthly, check_dtype=False,
                                  check_index_type=False, check_names=False, rtol=1e-12)


def test_xlsx_export_reads_as_finance_staff_expect(modhupur):
    s, p = modhupur
    wb = openpyxl.load_workbook(io.BytesIO(exports.monthly_xlsx(p, Style("lakh"))))
    assert wb.sheetnames[:3] == ["Summary", "Charts", "Monthly"]
    assert {"Loan sibl_3", "Inputs"} <= set(wb.sheetnames)
    monthly = wb["Monthly"]
    heads = [c.value for c in monthly[1]]
    assert heads[:3] == ["Month number", "Month", "Sales revenue, taka"]
    assert all(c.font.bold for c in monthly[1]) and monthly.freeze_panes == "B2"
    sales = monthly.cell(7, 3)                       # month 5, sales revenue
    assert sales.value == round(float(p.monthly.sales_revenue.iloc[5]), 2)
    assert sales.number_format.startswith("[>=10000000]")      # lakh grouping
    dscr = monthly.cell(20, heads.index("DSCR (trailing 12 months)") + 1)
    assert dscr.number_format == "#,##0.00"
    assert dscr.value == round(float(p.monthly.dscr_12m.iloc[18]), 4)
    oss = monthly.cell(20, heads.index("OSS (trailing 12 months), %") + 1)
    assert oss.number_format == "0.0#%"
    # no 15-decimal floats anywhere in the monthly table
    for row in monthly.iter_rows(min_row=2, values_only=True):
        for v in row:
            assert not isinstance(v, float) or v == round(v, 6)
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=5, values_only=True)}
    # the projection's exit month ("2001-07"), written as people read a month
    y, mo = map(int, p.summary["exit_date"].split("-"))
    assert summary["Exit month"] == f"{__import__('calendar').month_abbr[mo]} {y}"
    assert summary["Subsidy to sales, %"] == round(p.summary["subsidy_to_sales"], 6)
    inputs = {r[0]: r for r in wb["Inputs"].iter_rows(min_row=2, values_only=True)}
    delay = inputs["channels.pran.payment_delay_days"]
    assert delay[1:4] == ("payment delay", 21, "days")
    assert delay[4] == s.provenance["channels.pran.payment_delay_days"]
    assert len(wb["Charts"]._charts) == 2


def test_report_export_is_the_report(modhupur):
    s, _ = modhupur
    assert exports.report(s).decode().startswith("# Exit-readiness report: Modhupur")


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
    # the payers as named in the file; the group itself ("group") in words
    assert sorted(t.name for t in fig.data) == ["donor", "ngo", "the group"]
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


def test_charts_show_amounts_in_lakh_or_us_dollars_as_chosen():
    from engine import fmt
    s = engine.load_scenario("modhupur_pineapple")
    p = engine.project(s)
    lakh = figures.styled(figures.cash_chart(p.monthly, s.group.cash_reserve, None),
                          fmt.Style("lakh"))
    def lakh_by_hand(n: int) -> str:   # the last three digits, then pairs: 1,00,00,000
        digits = str(abs(n))
        head, tail = digits[:-3], digits[-3:]
        pairs = [head[max(0, i - 2):i] for i in range(len(head), 0, -2)][::-1]
        return ("-" if n < 0 else "") + ",".join([*pairs, tail] if head else [tail])

    ticks = list(lakh.layout.yaxis.tickvals)
    assert max(ticks) >= 100_000   # Modhupur's cash runs to lakhs: grouping shows
    assert list(lakh.layout.yaxis.ticktext) == [lakh_by_hand(int(t)) for t in ticks]
    usd = figures.styled(figures.cash_chart(p.monthly, s.group.cash_reserve, None),
                         fmt.Style(usd_rate=57.9))
    first = float(p.monthly.cash_balance.iloc[0])
    assert usd.data[0].y[0] == pytest.approx(first / 57.9)
    assert usd.data[0].customdata[0] == f"US${round(first / 57.9):,}"
    assert usd.layout.yaxis.title.text == "US$"
    assert usd.layout.shapes[0].y0 == pytest.approx(s.group.cash_reserve / 57.9)


def test_result_csv_names_quantities_plainly_and_keeps_parameter_paths():
    df = pd.DataFrame({"group_id": ["a"], "group.members": [20], "exit_month": [3],
                       "max_affordable_loan": [125000.5]})
    back = pd.read_csv(io.BytesIO(exports.table_csv(df)))
    assert list(back.columns) == ["Group", "group.members", "Exit month",
                                  "Largest affordable loan, taka"]
    assert back.iloc[0].tolist() == ["a", 20, 3, 125000.5]


def test_save_names_keep_any_script_and_stay_in_the_workspace(tmp_path):
    import unicodedata
    root = tmp_path / "ws"
    ws = Workspace(root)
    # a Bangla name stays Bangla (vowel signs and the virama are combining marks, kept)
    path = ws.save("দুগ্ধ সমিতি", "x = 1\n")
    assert path.name == "দুগ্ধ_সমিতি.toml" and path.parent == root.resolve()
    assert ws.names() == ["দুগ্ধ_সমিতি"] and ws.load("দুগ্ধ সমিতি") == "x = 1\n"
    # the same name typed decomposed (NFD) is the same file, not a second one
    nfd = unicodedata.normalize("NFD", "café")
    assert nfd != "café"
    ws.save("café", "y = 1\n")
    with pytest.raises(StorageError, match="exists already"):
        ws.save(nfd, "y = 2\n")
    # separators of every kind, dots, control and format characters are dropped
    for hostile, expected in [("../../etc/passwd", "etcpasswd"), ("..\\..\\win", "win"),
                              (".hidden", "hidden"), ("a/b", "ab"), ("x\x00y", "xy"),
                              ("a\u202eb", "ab"), ("a\u2215b", "ab"), ("a\uff0fb", "ab"),
                              ("--rm", "rm"), ("দুগ্ধ/../সমিতি", "দুগ্ধসমিতি")]:
        assert clean_name(hostile) == expected, hostile
        saved = ws.save(hostile, "z = 1\n", overwrite=True)
        assert saved.parent == root.resolve() and not saved.name.startswith(".")
    assert len(clean_name("দ" * 500)) == 64
    for nothing in ("..", "/", "\u0981\u09cd", "_-_", "\u200b"):   # marks alone are no name
        with pytest.raises(StorageError, match="no letters or digits"):
            clean_name(nothing)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        f"{n}.toml" for n in ws.names())   # nothing written anywhere else


@pytest.mark.parametrize("name", engine.preset_names())
def test_record_tables_show_and_read_back_every_nested_list(name):
    """The case file's tables (cost calendars, capacity ramps, effects, one-off costs, table
    tapers) show months as dates, shares in % and choices in words, and read back to the same
    records."""
    from engine.scenario import CostTiming, Effect, OneOff, RampPoint, ShareRow
    from ui.editor import record_columns, table_frame, table_payers, table_records
    s = engine.load_scenario(name)
    data = s.model_dump()
    lists = [(p["cost_calendar"], CostTiming, None) for p in data["products"]]
    lists += [(p["capacity_ramp"], RampPoint, None) for p in data["products"]]
    lists += [(x["effects"], Effect, None) for x in data["services"]]
    lists += [(x["one_off"], OneOff, None) for x in data["services"]]
    lists += [(x["taper"]["table"], ShareRow, table_payers(x)) for x in data["services"]]
    assert sum(len(records) for records, _, _ in lists) > 0
    for records, model, payers in lists:
        cols = record_columns(model, data, s, payers)
        frame = table_frame(cols, records)
        assert table_records(cols, frame) == records
    # what people read: Modhupur's cost calendar and JOBS's grading effect
    if name == "modhupur_pineapple":
        cols = record_columns(CostTiming, data, s)
        shown = table_frame(cols, data["products"][0]["cost_calendar"])
        assert list(shown.columns) == ["months before the sale",
                                       "share of the unit cost (%)"]
        assert shown.iloc[0].tolist() == ["6", "15"]   # 0.15 of the unit cost, in %
        effect = table_frame(record_columns(Effect, data, s), data["services"][0]["effects"])
        assert effect.iloc[0].tolist() == ["share accepted at grading", "pran", "-25", "24"]


def test_a_record_table_reads_what_is_typed_and_keeps_what_does_not_read():
    import pandas as pd

    from engine.scenario import OneOff, ShareRow
    from ui.editor import record_columns, table_records
    s = engine.load_scenario("bogra_handicrafts")
    data = s.model_dump()
    cols = record_columns(OneOff, data, s)
    typed = pd.DataFrame([["Mar 2002", "5,000"], [None, None], ["Jan 1990", "1e400"]],
                         columns=[c.header for c in cols], dtype=object)
    # a month is its count from the start (Bogra starts Sep 2001: Mar 2002 is month 6); the
    # empty row is no item; what does not read stays as typed, for the engine to name
    assert s.start == "2001-09"
    assert table_records(cols, typed) == [{"month": 6, "amount": 5000.0},
                                          {"month": "Jan 1990", "amount": "1e400"}]
    payers = record_columns(ShareRow, data, s, ["donor", "group"])
    rows = pd.DataFrame([["Sep 2002", "60", "40%"], ["Sep 2003", None, "100"]],
                        columns=[c.header for c in payers], dtype=object)
    assert table_records(payers, rows) == [
        {"from_month": 12, "shares": {"donor": 0.6, "group": 0.4}},
        {"from_month": 24, "shares": {"group": 1.0}}]
