"""Downloads as pure functions: the scenario (TOML or input workbook), the projection as CSV and
as a workbook finance staff can read, and the report.

Every table uses the plain names of engine/quantities.py; the XLSX has bold frozen headers,
number formats by unit (taka with separators, shares and rates as %, ratios with 2 decimals,
months as dates), values rounded to what the formats show and a little more (no 15-decimal
floats), the inputs with their sources, and charts of cash and income. Nothing here computes
finance: every number comes from the projection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from engine import Projection, Scenario, dump_scenario, fmt, params, quantities
from engine.document import to_html, to_markdown, to_pdf
from engine.fields import meta_at
from engine.report import Audience, Form, Options, document, report_markdown
from engine.results import results_of
from engine.statements import STATEMENTS, appraisal

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

# openpyxl (about 50 ms to import) is imported where a workbook is written, not with the app
HEAD_FILL = "DDEBF7"
DECIMALS = {"money": 2, "percent": 6, "ratio": 4, "number": 4, "count": 0}
"""Digits kept in XLSX cells by kind of unit: paisa for money, 0.0001% for shares."""


def scenario_toml(scenario: Scenario) -> bytes:
    return dump_scenario(scenario).encode("utf-8")


def input_workbook(scenario: Scenario) -> bytes:
    """The scenario as an input workbook (engine/workbook.py): edit it in Excel, upload it."""
    from engine.workbook import write_workbook
    return write_workbook(scenario)


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """The table with plain names for the quantities it holds (engine/quantities.py); other
    columns (parameter paths) keep their names. Values unchanged."""
    def name(c: object) -> object:
        return quantities.label(str(c)) if str(c) in quantities.OUTPUTS else c
    out = df.rename(columns=name)
    if df.index.name:
        out.index.name = name(df.index.name)
    return out


def table_csv(df: pd.DataFrame) -> bytes:
    """Any result table as CSV with plain column names (no index)."""
    return plain(df).to_csv(index=False).encode("utf-8")


def monthly_csv(p: Projection) -> bytes:
    """The monthly table as CSV with plain column names; numbers at full precision."""
    return plain(p.monthly).to_csv().encode("utf-8")


def _kept(x: Any, unit: str) -> Any:
    """A value as an XLSX cell holds it: finite numbers rounded by their unit's kind."""
    if x is None or (isinstance(x, float) and pd.isna(x)):
        return None
    if isinstance(x, bool) or not isinstance(x, int | float):
        return x if isinstance(x, str | int) else str(x)
    digits = DECIMALS.get(fmt.kind(unit))
    return float(round(x, digits)) if digits is not None and isinstance(x, float) else x


def _header(ws: Worksheet, labels: list[str], row: int = 1) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    bold, fill = Font(bold=True), PatternFill("solid", fgColor=HEAD_FILL)
    for j, text in enumerate(labels, 1):
        cell = ws.cell(row, j, text)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(j)].width = max(11, min(28, len(text) * 0.8 + 4))
    ws.freeze_panes = ws.cell(row + 1, 2)


def _table(ws: Worksheet, df: pd.DataFrame, style: fmt.Style, index: bool = True) -> None:
    """A frame with plain names, bold frozen header and number formats by unit."""
    frame = df.reset_index() if index else df
    names = list(frame.columns)
    _header(ws, [quantities.label(str(n), fmt.Style(style.grouping)) for n in names])
    for j, name in enumerate(names, 1):
        unit = quantities.quantity(str(name)).unit
        number_format = fmt.excel_format(unit, style)
        for i, x in enumerate(frame[name].tolist(), 2):
            cell = ws.cell(i, j, _kept(x, unit))
            if number_format != "General" and fmt.kind(unit) != "month":
                cell.number_format = number_format


def _summary(ws: Worksheet, p: Projection, style: fmt.Style) -> None:
    from openpyxl.styles import Alignment, Font
    s = p.scenario
    ws["A1"] = s.title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = (f"{s.name}: {s.horizon_months} months from {fmt.month(s.start, 0)}; amounts in "
                "taka")
    _header(ws, ["Quantity", "Value", "Meaning"], row=4)
    ws.freeze_panes = "A5"
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 44, 26
    ws.column_dimensions["C"].width = 80
    shown = {}     # label -> key: exit_date repeats exit_month's label and is left out
    for key in p.summary:
        shown.setdefault(quantities.label(key, fmt.Style(style.grouping)), key)
    for i, (label, key) in enumerate(shown.items(), 5):
        q, x = quantities.quantity(key), p.summary[key]
        ws.cell(i, 1, label)
        if fmt.kind(q.unit) == "month":
            cell = ws.cell(i, 2, fmt.month(s.start, x, none="never"))
        else:
            cell = ws.cell(i, 2, _kept(x, q.unit))
            cell.number_format = fmt.excel_format(q.unit, style)
        cell.alignment = Alignment(horizontal="left" if fmt.kind(q.unit) == "text" else "right")
        ws.cell(i, 3, q.meaning)


def _inputs(ws: Worksheet, scenario: Scenario, style: fmt.Style) -> None:
    """Every input value with its plain label, unit and source."""
    _header(ws, ["Parameter", "Label", "Value", "Unit", "Source"])
    widths = {"A": 42, "B": 30, "C": 16, "D": 14, "E": 90}
    for col, w in widths.items():
        ws.column_dimensions[col].width = w
    for i, (path, value, source) in enumerate(params(scenario), 2):
        meta = meta_at(path)
        unit = meta.unit if meta else ""
        ws.cell(i, 1, path)
        ws.cell(i, 2, meta.label if meta else "")
        if isinstance(value, list | dict):
            value = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        if unit == "month" and isinstance(value, int):
            value = fmt.month(scenario.start, value)
        cell = ws.cell(i, 3, _kept(value, unit))
        if isinstance(value, int | float) and not isinstance(value, bool):
            cell.number_format = fmt.excel_format(unit, style)
        ws.cell(i, 4, unit)
        ws.cell(i, 5, source or "model default (not set in the scenario)")


def _line_chart(ws: Worksheet, data: Worksheet, columns: list[int], rows: int, title: str,
                y_title: str, anchor: str) -> None:
    from openpyxl.chart import LineChart, Reference
    chart = LineChart()
    chart.title, chart.y_axis.title, chart.x_axis.title = title, y_title, "month"
    chart.height, chart.width = 9, 17
    chart.legend.position = "b"
    for col in columns:
        chart.add_data(Reference(data, min_col=col, min_row=1, max_row=rows + 1),
                       titles_from_data=True)
    chart.set_categories(Reference(data, min_col=2, min_row=2, max_row=rows + 1))
    chart.y_axis.number_format = "#,##0"
    ws.add_chart(chart, anchor)


def monthly_xlsx(p: Projection, style: fmt.Style = fmt.PLAIN) -> bytes:
    """The projection as a workbook: summary, monthly table, one sheet per loan, inputs with
    sources, charts. Money stays in taka (`style` sets the grouping of its format)."""
    from openpyxl import Workbook

    from engine.workbook import saved, sheet_title
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "Summary"
    _summary(summary, p, style)
    monthly = wb.create_sheet("Monthly")
    _table(monthly, p.monthly, style)
    names = ["month", *p.monthly.columns]
    n = len(p.monthly)
    charts = wb.create_sheet("Charts", 1)
    _line_chart(charts, monthly, [names.index("cash_balance") + 1,
                                  names.index("cash_balance_without_subsidy") + 1], n,
                "Cash balance with and without subsidy", "taka", "A1")
    _line_chart(charts, monthly, [names.index("member_income_per_member") + 1], n,
                "Income per member by month", "taka", "A20")
    for name, schedule in p.loans.items():
        _table(wb.create_sheet(sheet_title(wb, f"Loan {name}")), schedule, style, index=False)
    for title, build in STATEMENTS.values():
        _table(wb.create_sheet(title), build(p), style)
    _table(wb.create_sheet("Appraisal"), appraisal(p), style)
    results = pd.DataFrame([results_of(p.scenario, p)])
    _table(wb.create_sheet("Results (DCED)"), results, style, index=False)
    _inputs(wb.create_sheet("Inputs"), p.scenario, style)
    return saved(wb)


def report(scenario: Scenario) -> bytes:
    return report_markdown(scenario).encode("utf-8")


MIME = {"pdf": "application/pdf", "html": "text/html", "md": "text/markdown"}


def document_bytes(scenario: Scenario, audience: Audience, form: Form,
                   options: Options | None = None) -> bytes:
    """The exit-readiness report (donor) or credit memo (lender) as a file's bytes."""
    doc = document(scenario, audience, options)
    if form == "pdf":
        return to_pdf(doc)
    return (to_html(doc) if form == "html" else to_markdown(doc)).encode("utf-8")


def document_name(scenario: Scenario, audience: Audience, form: Form) -> str:
    kind = "exit_readiness_report" if audience == "donor" else "credit_memo"
    return f"{scenario.name.replace(':', '_')}_{kind}.{form}"
