"""The scenario as an Excel input workbook, and a filled workbook read back as a scenario.

One sheet per section, one row per item: `scenario` and `group` list one field a row (value in
column B); the list sections (`products`, `channels`, `services`, `loans`...) have one item a
row, with the field's plain label and unit in row 1 (its meaning and allowed range in the
cell's comment) and the field's key in row 2, which is what is read back. Nested lists get sheets
of their own keyed by the item's name (a product's `capacity_ramp` and `cost_calendar`, a
service's `service_payers`, `service_one_offs`, `service_effects` and `taper_table`);
`variants` and `sources` hold overrides and provenance, one path a row, values written in the
one value grammar (engine/values.py).

Shares and rates are stored as fractions with a percent format, so people see and type 12%;
months counted from the start are written as dates ("Jul 2002"); choices have dropdowns.

Reading never guesses: every problem (a missing sheet, a merged range, a formula without a
computed value, an unknown column, a value the scenario refuses) is named by sheet, row and
column, all at once.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import types
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Union, get_args, get_origin

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel, ValidationError

from engine import fmt
from engine.arrears import ArrearsTerms
from engine.errors import Problem, ScenarioError, problems_from_validation
from engine.fields import FieldMeta, field_meta
from engine.io import _path_exists, apply_variant, drop_none
from engine.loans import Loan
from engine.scenario import (
    Channel,
    Contribution,
    CostTiming,
    Effect,
    ExitCriteria,
    FixedCost,
    Group,
    Investment,
    Market,
    OneOff,
    Product,
    RampPoint,
    Scenario,
    Service,
    ShareRow,
    Taper,
)
from engine.values import ValueTextError, format_value, parse_value

MAX_WORKBOOK_BYTES = 5_000_000
MAX_WORKBOOK_UNPACKED_BYTES = 10_000_000
"""Largest total of a workbook's parts once unpacked (an XLSX is a zip of XML files): a workbook
of a scenario at the engine's limits unpacks to about 0.5 MB, while 0.7 MB of repeated cells
can unpack to 250 MB that take minutes to read. Refused before it is opened."""
MAX_ROWS = 2_000
"""Most rows a sheet may hold (a group has tens of items); more is refused, not read."""
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _is_scalar(model: type[BaseModel], name: str) -> bool:
    """A field one cell holds (not a list, a table or a nested model)."""
    annotation = model.model_fields[name].annotation
    union = get_origin(annotation) in (Union, types.UnionType)
    return not any(get_origin(a) in (list, dict) or (isinstance(a, type) and
                                                     issubclass(a, BaseModel))
                   for a in (get_args(annotation) if union else (annotation,)))


SCENARIO_FIELDS = tuple(n for n in Scenario.model_fields if _is_scalar(Scenario, n))
"""The scenario's own scalar fields (name, title, start, ...), one a row on sheet 'scenario'."""
FIRST_ROW = 3
"""Rows 1 and 2 of a table sheet are the labels and the keys; items start at row 3."""

BOLD = Font(bold=True)
KEY_FONT = Font(italic=True, color="808080", size=8)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass(frozen=True)
class Table:
    """A list section: `sheet` holds `model` items found at `path` in the scenario data.
    `parent` names the column that says which item of `parent_path` a row belongs to."""

    sheet: str
    path: str
    model: type[BaseModel]
    parent: str | None = None
    parent_path: str | None = None


TABLES = [
    Table("products", "products", Product),
    Table("capacity_ramp", "capacity_ramp", RampPoint, "product", "products"),
    Table("cost_calendar", "cost_calendar", CostTiming, "product", "products"),
    Table("markets", "markets", Market),
    Table("channels", "channels", Channel),
    Table("fixed_costs", "fixed_costs", FixedCost),
    Table("services", "services", Service),
    Table("service_one_offs", "one_off", OneOff, "service", "services"),
    Table("service_effects", "effects", Effect, "service", "services"),
    Table("loans", "loans", Loan),
    Table("member_capital", "member_capital", Contribution),
    Table("investments", "investments", Investment),
]
CHILD_LISTS = {(t.parent_path, t.path) for t in TABLES if t.parent_path}
"""Fields of items that are lists of items, each on a sheet of its own."""
PAYERS_SHEET, TAPER_SHEET = "service_payers", "taper_table"
SECTIONS: dict[str, type[BaseModel]] = {"group": Group, "arrears": ArrearsTerms,
                                       "exit_criteria": ExitCriteria}
"""One-item sections: one field a row, on a sheet of the section's name."""
SHEETS = ["scenario", *SECTIONS, *(t.sheet for t in TABLES), PAYERS_SHEET, TAPER_SHEET,
          "variants", "titles", "sources"]


# --- columns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str            # the row-2 key: a field name, "taper.kind", "seasonality.1"
    meta: FieldMeta
    label: str


def columns(table: Table) -> list[Column]:
    """The columns of a table sheet: scalar fields one each, seasonality twelve, the taper's
    scalar fields flattened (`taper.kind`); nested lists and payer shares live elsewhere."""
    out: list[Column] = []
    if table.parent:
        parent_model = next(t.model for t in TABLES if t.sheet == table.parent_path)
        name_meta = field_meta(parent_model, "name")
        out.append(Column(table.parent, name_meta, table.parent))
    for name in table.model.model_fields:
        meta = field_meta(table.model, name)
        if (table.path, name) in CHILD_LISTS or name == "shares":
            continue
        if name == "taper":
            out += [Column(f"taper.{n}", field_meta(Taper, n),
                           f"taper: {field_meta(Taper, n).label}")
                    for n in Taper.model_fields if n != "table"]
        elif name == "seasonality":
            out += [Column(f"{name}.{i + 1}", meta, f"{meta.label.split(' (')[0]} {m}")
                    for i, m in enumerate(MONTHS)]
        else:
            out.append(Column(name, meta, meta.label))
    return out


def _header_text(col: Column) -> str:
    suffix = fmt.unit_suffix(col.meta.unit)
    return f"{col.label}, {suffix}" if suffix and suffix != "%" else (
        f"{col.label}, %" if suffix == "%" else col.label)


def _comment(meta: FieldMeta) -> Comment:
    text = meta.help(markdown=False)
    return Comment(text, "subsidy-exit", width=320, height=160)


# --- writing -------------------------------------------------------------------------------


def _cell_value(value: Any, meta: FieldMeta, start: str) -> Any:
    """The value as the cell holds it: months as dates, lists in the value grammar."""
    if value is None:
        return None
    if meta.unit == "month" and isinstance(value, int):
        return fmt.month_date(start, value)
    if isinstance(value, list | dict):
        return format_value(drop_none(value))     # TOML's inline tables have no null
    return value


def _style_cell(cell: Any, meta: FieldMeta) -> None:
    if meta.unit == "month":
        cell.number_format = "mmm yyyy"
    elif meta.unit == "date":
        cell.number_format = "yyyy-mm-dd"
    elif fmt.kind(meta.unit) != "text":
        cell.number_format = fmt.excel_format(meta.unit)


def _dropdown(ws: Worksheet, meta: FieldMeta, ref: str) -> None:
    if meta.choices:
        options = [str(c) for c in meta.choices]
    elif meta.unit == "true/false":
        options = ["TRUE", "FALSE"]
    else:
        return
    dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle=meta.label,
                        error=f"{meta.label}: one of {', '.join(options)}")
    ws.add_data_validation(dv)
    dv.add(ref)


def _name_dropdown(ws: Worksheet, sheet: str, ref: str) -> None:
    """A dropdown of the names on another sheet (products for a channel, and so on)."""
    dv = DataValidation(type="list", formula1=f"={sheet}!$A${FIRST_ROW}:$A${MAX_ROWS}",
                        allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(ref)


NAME_REFERENCES = {"product": "products", "market": "markets", "fallback": "channels",
                   "service": "services"}


def _head(ws: Worksheet, labels: list[str], keys: list[str],
          metas: list[FieldMeta | None]) -> None:
    for j, (text, key, meta) in enumerate(zip(labels, keys, metas, strict=True), 1):
        head = ws.cell(1, j, text)
        head.font, head.fill = BOLD, HEAD_FILL
        head.alignment = Alignment(wrap_text=True, vertical="top")
        if meta is not None:
            head.comment = _comment(meta)
        ws.cell(2, j, key).font = KEY_FONT
        ws.column_dimensions[get_column_letter(j)].width = max(12, min(40, len(text) + 2))
    ws.freeze_panes = ws.cell(FIRST_ROW, 2 if len(keys) > 1 else 1)


def _source_comment(cell: Any, source: str | None) -> None:
    if source:
        cell.comment = Comment(f"Source: {source}", "subsidy-exit", width=320, height=120)


def _write_fields(ws: Worksheet, model: type[BaseModel], names: list[str], data: dict[str, Any],
                  prefix: str, provenance: dict[str, str], start: str) -> None:
    """A one-item section: one field a row (label, value, unit, allowed, meaning, key)."""
    _head(ws, ["field", "value", "unit", "allowed", "meaning", "source"],
          ["label", "value", "unit", "allowed", "meaning", "source"], [None] * 6)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 30, 24
    ws.column_dimensions["E"].width = ws.column_dimensions["F"].width = 60
    ws.cell(2, 7, "key").font = KEY_FONT
    for i, name in enumerate(names):
        meta = field_meta(model, name)
        row = FIRST_ROW + i
        path = f"{prefix}{name}"
        ws.cell(row, 1, meta.label).comment = _comment(meta)
        cell = ws.cell(row, 2, _cell_value(data.get(name), meta, start))
        _style_cell(cell, meta)
        _dropdown(ws, meta, cell.coordinate)
        ws.cell(row, 3, meta.unit)
        ws.cell(row, 4, meta.range_text())
        ws.cell(row, 5, meta.description).alignment = Alignment(wrap_text=False)
        ws.cell(row, 6, provenance.get(path, ""))
        ws.cell(row, 7, name).font = KEY_FONT


def _rows(table: Table, data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(scenario path prefix, item) for each item of a table, in order."""
    if table.parent_path is None:
        for i, item in enumerate(data[table.path]):
            name = item.get("name")
            yield (f"{table.path}.{name}" if name else f"{table.path}[{i}]"), item
        return
    for parent in data[table.parent_path]:
        for i, item in enumerate(parent[table.path]):
            yield (f"{table.parent_path}.{parent['name']}.{table.path}[{i}]",
                   {str(table.parent): parent["name"], **item})


def _get(item: dict[str, Any], key: str) -> Any:
    if key.startswith("taper."):
        return item["taper"][key[6:]]
    if re.fullmatch(r"seasonality\.\d+", key):
        return item["seasonality"][int(key.split(".")[1]) - 1]
    return item.get(key)


def _write_table(ws: Worksheet, table: Table, data: dict[str, Any], provenance: dict[str, str],
                 start: str) -> None:
    cols = columns(table)
    _head(ws, [_header_text(c) for c in cols], [c.key for c in cols], [c.meta for c in cols])
    for i, (path, item) in enumerate(_rows(table, data)):
        row = FIRST_ROW + i
        for j, col in enumerate(cols, 1):
            cell = ws.cell(row, j, _cell_value(_get(item, col.key), col.meta, start))
            _style_cell(cell, col.meta)
            base = col.key.split(".")[0] if col.key.startswith("seasonality.") else col.key
            if col.key != "seasonality.1" and base == "seasonality":
                continue
            _source_comment(cell, provenance.get(f"{path}.{base}"))
    last = FIRST_ROW + MAX_ROWS - 1
    for j, col in enumerate(cols, 1):
        letter = get_column_letter(j)
        longest = max((len(str(c.value)) for c in ws[letter][FIRST_ROW - 1:] if c.value), default=0)
        width = ws.column_dimensions[letter].width or 12
        ws.column_dimensions[letter].width = max(width, min(40, longest + 2))
        ref = f"{letter}{FIRST_ROW}:{letter}{last}"
        if col.key in NAME_REFERENCES and not col.meta.choices:
            _name_dropdown(ws, NAME_REFERENCES[col.key], ref)
        else:
            _dropdown(ws, col.meta, ref)
        if fmt.kind(col.meta.unit) != "text" or col.meta.unit in ("month", "date"):
            for r in range(FIRST_ROW + sum(1 for _ in _rows(table, data)), FIRST_ROW + 20):
                _style_cell(ws.cell(r, j), col.meta)


def _write_pairs(ws: Worksheet, heads: list[str], keys: list[str], rows: list[list[Any]],
                 metas: list[FieldMeta | None]) -> None:
    _head(ws, heads, keys, metas)
    for i, values in enumerate(rows):
        for j, v in enumerate(values, 1):
            cell = ws.cell(FIRST_ROW + i, j, v)
            meta = metas[j - 1]
            if meta is not None:
                _style_cell(cell, meta)
    for j in range(1, len(heads) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 24
    ws.column_dimensions[get_column_letter(len(heads))].width = 60 if keys[-1] == "source" \
        else 24


def blank_data() -> dict[str, Any]:
    """A scenario with nothing filled in but the defaults: what a blank template shows."""
    def defaults(model: type[BaseModel]) -> dict[str, Any]:
        return {n: field_meta(model, n).default for n in model.model_fields}
    data = defaults(Scenario)
    data.update({s: defaults(model) for s, model in SECTIONS.items()},
                **{t.path: [] for t in TABLES if t.parent is None})
    data["start"] = dt.date.today().strftime("%Y-%m")
    return data


def write_workbook(scenario: Scenario | None = None) -> bytes:
    """The scenario as an input workbook (XLSX bytes); without one, a blank template."""
    data = scenario.model_dump() if scenario is not None else blank_data()
    prov: dict[str, str] = data["provenance"]
    start: str = data["start"]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "scenario"
    _write_fields(ws, Scenario, list(SCENARIO_FIELDS), data, "", prov, start)
    for section, model in SECTIONS.items():
        _write_fields(wb.create_sheet(section), model, list(model.model_fields), data[section],
                      f"{section}.", prov, start)
    for table in TABLES:
        _write_table(wb.create_sheet(table.sheet), table, data, prov, start)
    share = field_meta(Service, "shares")
    share_meta = FieldMeta(**{**share.__dict__, "unit": "share", "label": "share"})
    payers = [[s["name"], payer, v] for s in data["services"] for payer, v in s["shares"].items()]
    _write_pairs(wb.create_sheet(PAYERS_SHEET), ["service", "payer", "share of cost, %"],
                 ["service", "payer", "share"], payers, [None, None, share_meta])
    from_month = field_meta(ShareRow, "from_month")
    taper_rows = [[s["name"], fmt.month_date(start, row["from_month"]), payer, v]
                  for s in data["services"] for row in s["taper"]["table"]
                  for payer, v in row["shares"].items()]
    _write_pairs(wb.create_sheet(TAPER_SHEET), ["service", "from month", "payer",
                                                "share of cost, %"],
                 ["service", "from_month", "payer", "share"], taper_rows,
                 [None, from_month, None, share_meta])
    variant_rows = [[v, path, format_value(value)] for v, overrides in data["variants"].items()
                    for path, value in overrides.items()]
    _write_pairs(wb.create_sheet("variants"), ["variant", "parameter path", "value"],
                 ["variant", "path", "value"], variant_rows, [None, None, None])
    _write_pairs(wb.create_sheet("titles"), ["short name", "plain name"], ["name", "title"],
                 [[k, v] for k, v in data.get("titles", {}).items()], [None, None])
    _write_pairs(wb.create_sheet("sources"), ["parameter path", "source"], ["path", "source"],
                 [[k, v] for k, v in prov.items()], [None, None])
    for name in (PAYERS_SHEET, TAPER_SHEET):
        _name_dropdown(wb[name], "services", f"A{FIRST_ROW}:A{FIRST_ROW + MAX_ROWS - 1}")
    return saved(wb)


def saved(wb: Workbook) -> bytes:
    """The workbook's bytes, every cell as text or number: openpyxl writes a text that begins
    with '=' (a title typed as '=1+1', a name '=HYPERLINK(...)') as a formula, which Excel would
    run and which would not read back; the tool writes no formula of its own."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_SHEET_TITLE = re.compile(r"[\[\]:*?/\\]")


def sheet_title(wb: Workbook, text: str) -> str:
    """`text` as a sheet title Excel takes: the characters it forbids ([ ] : * ? / \\) as '_',
    at most 31 characters, not a title the workbook has (a number added).

    >>> sheet_title(Workbook(), "Loan a/b:c")
    'Loan a_b_c'
    """
    title = _SHEET_TITLE.sub("_", text)[:31]
    taken = set(wb.sheetnames)
    n = 1
    while title in taken:
        n += 1
        title = f"{_SHEET_TITLE.sub('_', text)[:31 - len(str(n)) - 1]} {n}"
    return title


# --- reading -------------------------------------------------------------------------------


@dataclass
class _Reader:
    file: str | None
    problems: list[Problem] = field(default_factory=list)
    where: dict[str, str] = field(default_factory=dict)   # scenario path -> "sheet X, row R..."

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message, self.file))


def _where(sheet: str, row: int, col: int | None = None, key: str | None = None) -> str:
    if col is None:
        return f"sheet '{sheet}', row {row}"
    return f"sheet '{sheet}', row {row}, column {get_column_letter(col)} ({key})"


def _month_text(value: Any) -> Any:
    """A date cell in a month column -> 'YYYY-MM' (the scenario turns it into a month)."""
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    return value


def _value(raw: Any, meta: FieldMeta | None) -> Any:
    if isinstance(raw, str):
        raw = raw.strip()
        if raw == "":
            return None
    if meta is None:
        return raw
    if meta.unit == "month":
        return _month_text(raw)
    if meta.unit == "date" and isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, str) and raw.startswith(("[", "{")):   # a list, in the value grammar
        try:
            return parse_value(raw)
        except ValueTextError as e:
            raise ValueError(str(e)) from None
    return raw


def _cells(ws: Worksheet, reader: _Reader, values: Worksheet | None) -> list[list[Any]]:
    """The sheet's values, formulas replaced by their cached results (or named)."""
    rows: list[list[Any]] = []
    if ws.max_row > MAX_ROWS + FIRST_ROW:
        reader.problem(f"sheet '{ws.title}'", f"has {ws.max_row:,} rows; at most "
                       f"{MAX_ROWS:,} items are read")
        return rows
    for merged in ws.merged_cells.ranges:
        reader.problem(f"sheet '{ws.title}', cells {merged.coord}",
                       "are merged; unmerge them so that each value has its own cell")
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=ws.max_row), 1):
        out = []
        for c, cell in enumerate(row, 1):
            v = cell.value
            if cell.data_type == "f":   # a text beginning with '=' is text (see `saved`)
                cached = values.cell(r, c).value if values is not None else None
                if cached is None:
                    reader.problem(f"sheet '{ws.title}', cell {cell.coordinate}",
                                   f"is a formula ({v}) without a computed value; type the "
                                   "value, or open and save the file in Excel first")
                v = cached
            out.append(v)
        rows.append(out)
    return rows


def _keys(rows: list[list[Any]]) -> list[str]:
    return [str(k).strip() if k is not None else "" for k in (rows[1] if len(rows) > 1 else [])]


def _items(rows: list[list[Any]]) -> Iterator[tuple[int, list[Any]]]:
    for r, row in enumerate(rows[FIRST_ROW - 1:], FIRST_ROW):
        if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in row):
            yield r, row


def _read_fields(rows: list[list[Any]], sheet: str, model: type[BaseModel], prefix: str,
                 reader: _Reader, allowed: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for r, row in _items(rows):
        key = str(row[6]).strip() if len(row) > 6 and row[6] is not None else ""
        if key not in allowed:
            reader.problem(_where(sheet, r, 7, "key"), f"unknown field {key!r} (fields: "
                           f"{', '.join(allowed)})" if key else "the field's key is missing")
            continue
        meta = field_meta(model, key)
        try:
            value = _value(row[1] if len(row) > 1 else None, meta)
        except ValueError as e:
            reader.problem(_where(sheet, r, 2, key), str(e))
            continue
        reader.where[f"{prefix}{key}"] = _where(sheet, r, 2, key)
        if value is not None:
            out[key] = value
    return out


Row = tuple[Any, dict[str, Any], int, dict[str, str]]
"""(parent name, item, sheet row, where each field's cell is)"""


def _read_table(rows: list[list[Any]], table: Table, reader: _Reader) -> list[Row]:
    """Each filled row as an item, with the cell of each of its fields."""
    cols = {c.key: c for c in columns(table)}
    keys = _keys(rows)
    for j, k in enumerate(keys, 1):
        if k and k not in cols:
            reader.problem(_where(table.sheet, 2, j, k), f"unknown column key {k!r} (the "
                           f"template's keys: {', '.join(cols)})")
    missing = [k for k in cols if k not in keys]
    if missing and any(True for _ in _items(rows)):
        required = [k for k in missing if cols[k].meta.required]
        if required:
            reader.problem(f"sheet '{table.sheet}'", "missing column(s) "
                           f"{', '.join(required)} (row 2 holds each column's key)")
    out: list[Row] = []
    for r, row in _items(rows):
        item: dict[str, Any] = {}
        cells: dict[str, str] = {}
        season: dict[int, Any] = {}
        for j, k in enumerate(keys, 1):
            if k not in cols or j > len(row):
                continue
            col = cols[k]
            try:
                value = _value(row[j - 1], col.meta)
            except ValueError as e:
                reader.problem(_where(table.sheet, r, j, k), str(e))
                continue
            cells[k] = _where(table.sheet, r, j, k)
            if k.startswith("seasonality."):
                season[int(k.split(".")[1])] = value
            elif k.startswith("taper."):
                if value is not None:
                    item.setdefault("taper", {})[k[6:]] = value
            elif value is not None:
                item[k] = value
        if season:
            item["seasonality"] = [season.get(i) for i in range(1, 13)]
            if all(v is None for v in season.values()):
                del item["seasonality"]
            for i in range(1, 13):
                cells[f"seasonality[{i - 1}]"] = cells.get(f"seasonality.{i}", "")
            cells["seasonality"] = _where(table.sheet, r)
        parent = item.pop(table.parent, None) if table.parent else None
        out.append((parent, item, r, cells))
    return out


def _pairs(rows: list[list[Any]], sheet: str, keys: list[str], reader: _Reader
           ) -> list[tuple[int, list[Any]]]:
    found = _keys(rows)
    if found[:len(keys)] != keys:
        reader.problem(f"sheet '{sheet}'", f"row 2 must hold the keys {', '.join(keys)} "
                       f"(got {', '.join(found) or 'nothing'})")
        return []
    return [(r, (row + [None] * len(keys))[:len(keys)]) for r, row in _items(rows)]


def _open(data: bytes, reader: _Reader) -> tuple[Any, Any] | None:
    if len(data) > MAX_WORKBOOK_BYTES:
        reader.problem("", f"the workbook is larger than {MAX_WORKBOOK_BYTES:,} bytes")
        return None
    try:
        unpacked = sum(part.file_size for part in zipfile.ZipFile(io.BytesIO(data)).infolist())
        if unpacked > MAX_WORKBOOK_UNPACKED_BYTES:   # the zip's sizes bound what it unpacks to
            reader.problem("", f"the workbook unpacks to {unpacked:,} bytes, more than "
                           f"{MAX_WORKBOOK_UNPACKED_BYTES:,}: a group's workbook is far smaller "
                           "(is it the template, filled in?)")
            return None
        wb = load_workbook(io.BytesIO(data), data_only=False)
        formulas = any(cell.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows()
                       for cell in row)
        values = load_workbook(io.BytesIO(data), data_only=True) if formulas else None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        reader.problem("", f"not an Excel workbook (.xlsx) that can be read ({type(e).__name__})")
        return None
    return wb, values


def read_workbook(data: bytes, file: str | None = None) -> Scenario:
    """A filled input workbook (XLSX bytes) as a validated scenario.

    Raises ScenarioError naming every problem by sheet, row and column.
    """
    reader = _Reader(file)
    opened = _open(data, reader)
    if opened is None:
        raise ScenarioError(reader.problems)
    wb, values = opened
    missing = [s for s in SHEETS if s not in wb.sheetnames]
    if missing:
        reader.problem("", f"missing sheet(s): {', '.join(missing)} (every sheet of the "
                       "template must be kept, even when empty)")
    rows = {s: _cells(wb[s], reader, values[s] if values else None) for s in SHEETS
            if s in wb.sheetnames}
    scenario: dict[str, Any] = {}
    if "scenario" in rows:
        scenario = _read_fields(rows["scenario"], "scenario", Scenario, "", reader,
                                list(SCENARIO_FIELDS))
    for section, model in SECTIONS.items():
        if section in rows:
            scenario[section] = _read_fields(rows[section], section, model, f"{section}.",
                                             reader, list(model.model_fields))
    read = {t.sheet: _read_table(rows[t.sheet], t, reader) if t.sheet in rows else []
            for t in TABLES}
    reader.where.update({t.path: f"sheet '{t.sheet}'" for t in TABLES if t.parent is None})
    for table in TABLES:
        if table.parent_path is None:
            scenario[table.path] = []
            for i, (_, item, r, cells) in enumerate(read[table.sheet]):
                scenario[table.path].append(item)
                _alias(reader, f"{table.path}[{i}]", _where(table.sheet, r), cells)
    _attach_children(scenario, read, reader)
    _attach_payers(scenario, rows, reader)
    scenario["variants"] = {}
    for r, (variant, path, value) in _pairs(rows.get("variants", []), "variants",
                                            ["variant", "path", "value"], reader):
        if not variant or not path:
            reader.problem(_where("variants", r), "needs a variant name and a parameter path")
            continue
        try:
            parsed = parse_value(value) if isinstance(value, str) else _month_text(value)
        except ValueTextError as e:
            reader.problem(_where("variants", r, 3, "value"), str(e))
            continue
        scenario["variants"].setdefault(str(variant).strip(), {})[str(path).strip()] = parsed
        reader.where[f"variants.{str(variant).strip()}"] = _where("variants", r)
    scenario["titles"] = {}
    for _, (short, title) in _pairs(rows.get("titles", []), "titles", ["name", "title"],
                                    reader):
        if short:
            scenario["titles"][str(short).strip()] = "" if title is None else str(title)
    scenario["provenance"] = {}
    for r, (path, source) in _pairs(rows.get("sources", []), "sources", ["path", "source"],
                                    reader):
        scenario["provenance"][str(path).strip()] = "" if source is None else str(source)
        reader.where[f"provenance.{str(path).strip()}"] = _where("sources", r, 1, "path")
    try:
        result = _validate(scenario, reader)
    except ScenarioError as e:
        raise ScenarioError(reader.problems + e.problems) from None
    if reader.problems:
        raise ScenarioError(reader.problems)
    return result


def _alias(reader: _Reader, path: str, row: str, cells: dict[str, str]) -> None:
    """Name a scenario path (`channels[1]`) by its sheet row, and its fields by their cells."""
    reader.where[path] = row
    for key, where in cells.items():
        reader.where[f"{path}.{key}"] = where


def _attach_children(scenario: dict[str, Any], read: dict[str, list], reader: _Reader) -> None:
    for table in TABLES:
        if table.parent_path is None:
            continue
        parents = {p.get("name"): p for p in scenario.get(table.parent_path, [])}
        for p in parents.values():
            p.setdefault(table.path, [])
        for parent, item, r, cells in read[table.sheet]:
            if parent not in parents:
                reader.problem(_where(table.sheet, r, 1, table.parent),
                               f"names no item of sheet '{table.parent_path}' "
                               f"(got {parent!r}; names: {', '.join(map(str, parents))})")
                continue
            children = parents[parent][table.path]
            index = [i for i, x in enumerate(scenario[table.parent_path]) if x is parents[parent]]
            _alias(reader, f"{table.parent_path}[{index[0]}].{table.path}[{len(children)}]",
                   _where(table.sheet, r), cells)
            # a problem of the whole list (shares that do not sum to 100%) points at its rows
            reader.where.setdefault(f"{table.parent_path}[{index[0]}].{table.path}",
                                    f"sheet '{table.sheet}', rows of {table.parent} {parent!r}")
            children.append(item)


def _attach_payers(scenario: dict[str, Any], rows: dict[str, list], reader: _Reader) -> None:
    services = {s.get("name"): (i, s) for i, s in enumerate(scenario.get("services", []))}
    for _, s in services.values():
        s["shares"] = {}
    for r, (service, payer, share) in _pairs(rows.get(PAYERS_SHEET, []), PAYERS_SHEET,
                                             ["service", "payer", "share"], reader):
        if service not in services:
            reader.problem(_where(PAYERS_SHEET, r, 1, "service"), f"names no service (got "
                           f"{service!r}; services: {', '.join(map(str, services))})")
            continue
        i, s = services[service]
        s["shares"][str(payer).strip() if payer is not None else ""] = share
        reader.where[f"services[{i}].shares.{payer}"] = _where(PAYERS_SHEET, r, 3, "share")
        reader.where.setdefault(f"services[{i}].shares", _where(PAYERS_SHEET, r))
    tables: dict[tuple[int, Any], dict[str, Any]] = {}
    for r, (service, month, payer, share) in _pairs(
            rows.get(TAPER_SHEET, []), TAPER_SHEET, ["service", "from_month", "payer", "share"],
            reader):
        if service not in services:
            reader.problem(_where(TAPER_SHEET, r, 1, "service"), f"names no service (got "
                           f"{service!r}; services: {', '.join(map(str, services))})")
            continue
        i, s = services[service]
        month = _month_text(month)
        row = tables.get((i, month))
        if row is None:
            row = tables[(i, month)] = {"from_month": month, "shares": {}}
            taper = s.setdefault("taper", {})
            taper.setdefault("table", []).append(row)
            k = len(taper["table"]) - 1
            reader.where[f"services[{i}].taper.table[{k}]"] = _where(TAPER_SHEET, r)
            reader.where[f"services[{i}].taper.table[{k}].from_month"] = _where(
                TAPER_SHEET, r, 2, "from_month")
        row["shares"][str(payer).strip() if payer is not None else ""] = share


def _locate(reader: _Reader, path: str) -> str:
    """The sheet, row and column of a scenario path (its longest known prefix)."""
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    for n in range(len(parts), 0, -1):
        key = ""
        for p in parts[:n]:
            key += p if p.startswith("[") else (f".{p}" if key else p)
        if key in reader.where:
            return reader.where[key]
    return ""


def _validate(data: dict[str, Any], reader: _Reader) -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        raise ScenarioError([Problem(_named(reader, p.path), p.message, reader.file)
                             for p in problems_from_validation(e)]) from None
    problems = []
    for name in scenario.variants:
        try:
            apply_variant(scenario, name)
        except ScenarioError as e:
            problems += [Problem(f"{_locate(reader, f'variants.{name}')}: variant {name}, "
                                 f"{p.path}", p.message, reader.file) for p in e.problems]
    problems += [Problem(_named(reader, f"provenance.{k}"), "names no parameter", reader.file)
                 for k in scenario.provenance if not _path_exists(scenario, k)]
    if problems:
        raise ScenarioError(problems)
    return scenario


def _named(reader: _Reader, path: str) -> str:
    where = _locate(reader, path)
    return f"{where}: {path}" if where else path
