"""Downloads as pure functions: scenario TOML, the monthly table as CSV and XLSX, the report."""

from __future__ import annotations

import io

import pandas as pd

from engine import Projection, Scenario, dump_scenario
from engine.report import report_markdown


def scenario_toml(scenario: Scenario) -> bytes:
    return dump_scenario(scenario).encode("utf-8")


def monthly_csv(p: Projection) -> bytes:
    return p.monthly.to_csv().encode("utf-8")


def monthly_xlsx(p: Projection) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        p.monthly.to_excel(xl, sheet_name="monthly")
        pd.Series(p.summary, name="value").to_frame().to_excel(xl, sheet_name="summary")
        for name, sched in p.loans.items():
            sched.to_excel(xl, sheet_name=f"loan {name}"[:31], index=False)
    return buf.getvalue()


def report(scenario: Scenario) -> bytes:
    return report_markdown(scenario).encode("utf-8")
