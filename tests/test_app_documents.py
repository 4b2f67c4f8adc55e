"""The documents and statements in the app: the facilitator's and the loan officer's pages offer
the report and the memo in three formats, the facilitator's page shows the statements as the
engine computes them, and the workbook export carries them."""

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

import engine
from engine import fmt
from engine.report import Options
from engine.statements import appraisal, balance_sheet
from ui import exports

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DAY = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("SUBSIDY_EXIT_WORKSPACE", str(tmp_path / "workspace"))


def test_document_bytes_in_each_format_honour_the_options():
    s = engine.load_scenario("bogra_handicrafts")
    options = Options(exit_month=12, taper_start=6, taper_every=3, date=DAY,
                      style=fmt.Style("lakh"))
    assert exports.document_bytes(s, "donor", "pdf", options).startswith(b"%PDF")
    html = exports.document_bytes(s, "donor", "html", options).decode()
    assert "If every subsidy ended in Sep 2002" in html and "4,36,500 taka" in html
    md = exports.document_bytes(s, "lender", "md", Options(loan="tmss_2", dscr_target=1.4,
                                                           date=DAY)).decode()
    assert md.startswith("# Credit memo: Bogra Handicrafts Association")
    assert "1.40" in md and "TMSS graduation loan 2" in md
    assert exports.document_name(s, "lender", "pdf") == "bogra_handicrafts_credit_memo.pdf"


def test_workbook_export_carries_the_statements_and_results():
    p = engine.project(engine.load_scenario("modhupur_pineapple"))
    wb = openpyxl.load_workbook(io.BytesIO(exports.monthly_xlsx(p)))
    for sheet in ("Income statement", "Balance sheet", "Cash-flow statement", "Appraisal",
                  "Results (DCED)"):
        assert sheet in wb.sheetnames
    ws = wb["Balance sheet"]
    header = [c.value for c in ws[1]]
    total = [ws.cell(r, header.index("Total assets, taka") + 1).value
             for r in range(2, ws.max_row + 1)]
    assert total == pytest.approx(balance_sheet(p).total_assets.tolist(), abs=0.01)
    a = wb["Appraisal"]
    npv_col = [c.value for c in a[1]].index("Net present value (NPV), taka") + 1
    assert a.cell(2, npv_col).value == pytest.approx(appraisal(p).npv.iloc[0], abs=0.01)


def test_pages_offer_the_documents_and_the_statements():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.selectbox(key="scenario_ref").set_value("bogra_handicrafts").run()
    at.switch_page("views/facilitator.py").run()
    assert not at.exception
    assert at.radio(key="donor_format").options == ["PDF", "HTML", "Markdown"]
    at.text_input(key="exit_at::box").input("12").run()
    at.text_input(key="taper_every::box").input("3").run()
    captions = " ".join(c.value for c in at.caption)
    assert "Judges support ending in Sep 2002" in captions and "every 3 months" in captions
    p = engine.project(engine.load_scenario("bogra_handicrafts"))
    shown = [str(v) for d in at.dataframe for v in d.value.to_numpy().ravel()]
    net = balance_sheet(p).total_assets.iloc[-1]
    assert fmt.money(net, unit=False) in shown
    at.switch_page("views/loan_officer.py").run()
    assert not at.exception
    assert at.radio(key="lender_format").value == "pdf"
    assert "payment delay +30 days" in at.multiselect(key="memo_stresses").value
