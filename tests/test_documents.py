"""The documents people hand on: the exit-readiness report and the credit memo as PDF (text read
back with pdftotext from Debian's poppler-utils), HTML and Markdown. They hold the verdict, the
exit month and numbers as the app shows them, the choices made on the page, page numbers and the
date and scenario on every page, and no raw floats or short internal names."""

import datetime as dt
import json
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import engine
from engine import fmt
from engine.cli import main
from engine.document import Table, to_html, to_markdown, to_pdf
from engine.report import Options, credit_memo, exit_report, report_tables
from engine.results import results_of
from engine.verdict import exit_verdict

DAY = dt.date(2026, 11, 30)
PRESETS = engine.preset_names()
RAW_FLOAT = re.compile(r"\d\.\d{3,}")       # 0.2817, 392,347.237: never shown


def pdf_pages(data: bytes, tmp_path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian's poppler-utils) is not installed; .ci/run installs it")
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, text=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def internal_names(s: engine.Scenario) -> list[str]:
    """Short names a reader must never see: every name with an underscore, the scenario's file
    name and the lower-case payer codes."""
    names = [x.name for group in (s.services, s.channels, s.loans, s.investments, s.products,
                                  s.fixed_costs) for x in group]
    return sorted({n for n in names if "_" in n} | {s.name, "lead_firm"}
                  | {v for v in s.variants if "_" in v})


def assert_readable(text: str, s: engine.Scenario) -> None:
    # the sources quote the seed and the calibrations' arithmetic ('668 / 706 = 0.946') as
    # written; every number the document computes comes before them
    computed = text.split("Assumptions and their sources")[0]
    assert not RAW_FLOAT.search(computed), RAW_FLOAT.search(computed)
    for name in internal_names(s):
        assert name not in text, name
    assert not re.search(r"\bngo\b", text)
    assert "nan" not in re.findall(r"[a-z]+", text)


@pytest.mark.parametrize("name", PRESETS)
def test_exit_report_pdf_holds_the_verdict_exit_month_and_formatted_numbers(name, tmp_path):
    s = engine.load_scenario(name)
    p = engine.project(s)
    doc = exit_report(s, Options(date=DAY))
    pages = pdf_pages(to_pdf(doc), tmp_path)
    text = " ".join(" ".join(page.split()) for page in pages)
    assert " ".join(exit_verdict(s, p.summary).split()) in text
    exit_month = p.summary["exit_month"]
    expected = fmt.month(s.start, exit_month, none="not within the period")
    assert f"Exit month {expected}" in text
    assert fmt.money(p.summary["total_subsidy"]) in text          # e.g. "436,500 taka"
    r = results_of(s, p)
    assert fmt.money(r["donor_cost_discounted"]) in text
    assert_readable(text, s)
    for i, page in enumerate(pages, start=1):
        assert f"Page {i} of {len(pages)}" in page
        assert "30 November 2026" in page and s.title in page


@pytest.mark.parametrize("name", ["bogra_handicrafts", "modhupur_pineapple"])
def test_credit_memo_pdf_judges_the_loan_against_the_policy(name, tmp_path):
    s = engine.load_scenario(name)
    loan = s.loans[0]
    doc = credit_memo(s, Options(date=DAY, loan=loan.name, dscr_target=1.5))
    pages = pdf_pages(to_pdf(doc), tmp_path)
    text = " ".join(" ".join(page.split()) for page in pages)
    assert re.search(r"(Meets|Does not meet) the policy", text)
    from engine.loan_capacity import loan_verdict
    assert " ".join(loan_verdict(engine.project(s), 1.5)["sentence"].split()) in text
    assert fmt.money(loan.principal) in text
    from engine.loans import apr
    assert f"APR {fmt.percent(apr(loan))}" in text
    assert_readable(text, s)
    assert all(f"Page {i} of {len(pages)}" in pg for i, pg in enumerate(pages, start=1))


def test_the_report_honours_the_pages_choices():
    # Bogra: support ending in Sep 2002 (month 12), tapers from month 6 in steps every 3 months
    s = engine.load_scenario("bogra_handicrafts")
    text = to_markdown(exit_report(s, Options(exit_month=12, taper_start=6, taper_every=3,
                                              stresses=["price -20%"], date=DAY)))
    assert "If every subsidy ended in Sep 2002" in text
    assert "Tapers start in Mar 2002" in text
    assert "every 3 months" in text
    assert "| price -20% |" in text and "price -10%" not in text
    lakh = to_markdown(exit_report(s, Options(style=fmt.Style("lakh"), date=DAY)))
    assert fmt.money(436500, fmt.Style("lakh")) == "4,36,500 taka"
    assert "4,36,500 taka" in lakh


def test_html_and_markdown_carry_the_same_content():
    s = engine.load_scenario("mirpur_footwear")
    doc = exit_report(s, Options(date=DAY))
    html, md = to_html(doc), to_markdown(doc)
    assert html.count("<img") == sum(1 for b in doc.blocks if type(b).__name__ == "Chart")
    first = next(b for b in doc.blocks if isinstance(b, Table))
    for cell in first.rows[0]:
        assert cell in md and cell in html
    assert_readable(md, s)
    assert "Glossary" in md and "Leverage" in md


def test_glossary_explains_every_ratio_the_report_shows():
    doc = exit_report(engine.load_scenario("modhupur_pineapple"), Options(date=DAY))
    glossary = next(b for i, b in enumerate(doc.blocks) if isinstance(b, Table)
                    and b.header == ["Term", "What it means"])
    terms = " ".join(row[0] for row in glossary.rows)
    for ratio in ("OSS", "FSS", "Subsidy to sales", "DSCR", "HHI", "APR", "Leverage", "IRR", "NPV",
                  "Grant element"):
        assert ratio in terms, ratio
    assert all(len(row[1]) > 20 for row in glossary.rows)


def test_cli_writes_each_format_and_refuses_bad_choices(tmp_path, capsys):
    for form in ("pdf", "html", "md"):
        assert main(["report", "shafipur_footwear", "--format", form, "--out",
                     str(tmp_path), "--csv"]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "Shafipur_footwear_producer_group_exit_readiness_report.pdf").read_bytes(
        ).startswith(b"%PDF")
    assert "wrote" in out and (tmp_path / "balance_sheet.csv").exists()
    sweep = pd.read_csv(tmp_path / "exit_sweep.csv")
    assert len(sweep) == engine.load_scenario("shafipur_footwear").horizon_months
    assert main(["report", "mirpur_footwear", "--for", "lender"]) == 0
    assert "no loan" in capsys.readouterr().out
    assert main(["report", "bogra_handicrafts", "--format", "pdf", "--exit-month", "1999-01",
                 "--loan", "nope", "--stress", "meteor"]) == 2
    err = capsys.readouterr().err
    for flag in ("--loan", "--stress", "--out", "--exit-month"):
        assert flag in err
    assert "Traceback" not in err


def test_report_tables_include_the_statements():
    s = engine.load_scenario("bogra_handicrafts")
    tables = report_tables(s)
    assert {"income_statement", "balance_sheet", "cash_flow_statement", "appraisal"} <= set(
        tables)
    assert json.dumps(list(tables))


def test_taper_cost_by_payer_adds_up_to_the_planners_cost_to_payers():
    import numpy as np

    from engine.cashflow import compile_scenario
    from engine.planner import fastest_safe_taper, linear_multiplier
    from engine.report import payer_costs
    s = engine.load_scenario("bogra_handicrafts")
    p = engine.project(s)
    plan = fastest_safe_taper(p, 0, 6)
    T = compile_scenario(s).months
    by_payer = payer_costs(p, linear_multiplier(0, np.array([plan["linear"]["months"]]), T)[0])
    assert by_payer.sum() == pytest.approx(plan["linear"]["cost_to_payers"])
    assert payer_costs(p).sum() == pytest.approx(plan["planned_cost_to_payers"])


@pytest.mark.parametrize("name", ["bogra_handicrafts", "modhupur_pineapple"])
def test_credit_memo_gives_the_app_s_verdict_and_largest_additional_loan(name):
    """One answer per question: the memo's verdict and largest loan are the loan officer page's
    (a reviewer saw the memo say 'Meets the policy' where the page said it fails, and a largest
    loan of 0 where the page said 2,718,747 taka)."""
    from engine.loan_capacity import loan_verdict, max_affordable_loan
    s = engine.load_scenario(name)
    loan = s.loans[0]
    text = to_markdown(credit_memo(s, Options(date=DAY, loan=loan.name, dscr_target=1.25)))
    verdict = loan_verdict(engine.project(s), 1.25)
    assert ("Meets the policy" in text) == verdict["meets"]
    assert ("Does not meet the policy" in text) == (not verdict["meets"])
    largest = max_affordable_loan(s, loan, 1.25)
    assert f"Largest additional loan on the terms of {s.title_of(loan.name)}" in text
    assert fmt.money(largest) in text


def test_memo_dscr_by_year_is_the_one_annual_dscr():
    """The memo's yearly DSCR is each full project year's cash available for debt service (after
    drawings) over its debt service, summed over all twelve months (computed here from the
    monthly table), as the engine's annual DSCR."""
    from engine.report import dscr_by_period
    p = engine.project(engine.load_scenario("modhupur_pineapple"))
    m = p.monthly
    yearly, by_month = dscr_by_period(p)
    for y, value in enumerate(yearly):
        rows = m.iloc[12 * y:12 * y + 12]
        ds = rows.debt_service.sum()
        if ds > 0:
            available = (rows.operating_cash_flow - rows.members_drawings).sum()
            assert value == pytest.approx(available / ds, rel=1e-12)
        else:
            assert np.isnan(value)
    assert len(yearly) == len(m) // 12 and len(by_month) == 12
