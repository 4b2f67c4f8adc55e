"""Docs stay current: the provenance tables match the presets; methodology names every
definition of the project with a source."""

import re
from pathlib import Path

import pytest

import engine
from engine.provenance_docs import DOCS, table

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", engine.preset_names())
def test_provenance_table_is_current(name):
    assert (DOCS / f"{name}.md").read_text() == table(name), "run `make docs`"


def test_methodology_defines_each_quantity_with_a_source():
    text = (ROOT / "docs" / "methodology.md").read_text()
    sections = re.split(r"\n## ", text)
    for term in ["Sales revenue", "Cash receipts", "Receivables", "Commissions",
                 "Service cost shares", "Subsidy", "Operating cash flow", "Debt service",
                 "Net cash flow", "Exit month", "OSS", "SDI", "DSCR", "Peak working-capital",
                 "Buyer concentration", "Loan schedules", "Member income", "APR and EIR",
                 "Grant element", "Max affordable loan", "Stress tests", "Allocation",
                 "Bridging credit line", "Switching values", "FSS", "Exit planner",
                 "Sensitivity", "Monte Carlo", "Portfolios"]:
        [section] = [s for s in sections if s.startswith(term)]
        assert "Source" in section and "Example" in section, term
