"""The input workbook (engine/workbook.py): presets round-trip through XLSX and project
identically; hostile workbooks give problems named by sheet, row and column; the CLI's
template/validate/run/schema commands."""

import functools
import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import engine
from engine import workbook
from engine.cli import main
from engine.workbook import read_workbook, write_workbook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "dairy_group.toml"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def problems(data: bytes) -> list[str]:
    with pytest.raises(engine.ScenarioError) as e:
        read_workbook(data, "group.xlsx")
    return [str(p) for p in e.value.problems]


@functools.cache
def template_of(name: str) -> bytes:
    return write_workbook(engine.load_scenario(name))


def edited(scenario, change) -> bytes:
    """The scenario's workbook with `change(wb)` applied, as a person would in Excel."""
    wb = openpyxl.load_workbook(io.BytesIO(template_of(scenario.name)))
    change(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def column_of(ws, key):
    """The column letter whose row-2 key is `key`."""
    [cell] = [c for c in ws[2] if c.value == key]
    return cell.column_letter


@pytest.fixture(scope="module")
def modhupur():
    return engine.load_scenario("modhupur_pineapple")


@pytest.mark.parametrize("ref", [*engine.preset_names(), str(EXAMPLE)])
def test_every_scenario_round_trips_through_xlsx_and_projects_identically(ref):
    s = engine.load_scenario(ref)
    back = read_workbook(write_workbook(s))
    assert back == s
    before, after = engine.project(s), engine.project(back)
    pd.testing.assert_frame_equal(after.monthly, before.monthly, check_exact=True)
    assert after.summary == before.summary
    for name in s.variants:
        a = engine.project(engine.io.apply_variant(s, name)).summary
        assert engine.project(engine.io.apply_variant(back, name)).summary == a


def test_workbook_reads_as_finance_staff_expect(modhupur):
    wb = openpyxl.load_workbook(io.BytesIO(template_of(modhupur.name)))
    assert wb.sheetnames == workbook.SHEETS
    ch = wb["channels"]
    assert ch.freeze_panes == "B3" and ch["A1"].font.bold
    share = column_of(ch, "share")
    assert ch[f"{share}1"].value == "share of volume, %"
    assert ch[f"{share}3"].number_format == "0.0#%"          # shares typed and seen as %
    comment = ch[f"{column_of(ch, 'payment_delay_days')}1"].comment.text
    assert "Days from sale to payment" in comment and "Unit: days" in comment
    basis = column_of(ch, "price_basis")
    lists = [dv for dv in ch.data_validations.dataValidation if dv.type == "list"]
    assert any(dv.formula1 == '"fixed,market"' and f"{basis}3" in str(dv.sqref) for dv in lists)
    # the SIBL loan's disbursement month is a date cell, shown as a month
    loans = wb["loans"]
    cell = loans[f"{column_of(loans, 'disbursement_month')}5"]
    assert cell.value.strftime("%Y-%m") == modhupur.month_label(modhupur.loans[2]
                                                                .disbursement_month)
    assert cell.number_format == "mmm yyyy"
    # sources: on the cell they describe, and all of them on the sources sheet
    pran = next(r for r in ch.iter_rows(min_row=3) if r[0].value == "pran")
    delay = pran[ch[f"{column_of(ch, 'payment_delay_days')}1"].column - 1]
    assert delay.comment.text == \
        f"Source: {modhupur.provenance['channels.pran.payment_delay_days']}"
    sources = {r[0].value: r[1].value for r in wb["sources"].iter_rows(min_row=3)}
    assert sources == modhupur.provenance


def test_a_blank_template_names_what_must_be_filled_in():
    found = problems(write_workbook())
    assert "group.xlsx: sheet 'scenario', row 3, column B (name): name: required, but " \
        "missing" in found
    assert any(p.startswith("group.xlsx: sheet 'group', row 4, column B (members)")
               for p in found)
    assert any(p.startswith("group.xlsx: sheet 'products': products: list should have at "
                            "least 1 item") for p in found)


def test_wrong_types_are_named_by_sheet_row_and_column_all_at_once(modhupur):
    def change(wb):
        ch = wb["channels"]
        ch[f"{column_of(ch, 'price')}4"] = "cheap"
        g = wb["group"]
        g["B4"] = "forty"                                        # members
        lo = wb["loans"]
        lo[f"{column_of(lo, 'interest_method')}3"] = "compound"
    found = problems(edited(modhupur, change))
    ch = openpyxl.load_workbook(io.BytesIO(template_of(modhupur.name)))["channels"]
    price = column_of(ch, "price")
    assert any(p.startswith(f"group.xlsx: sheet 'channels', row 4, column {price} (price): "
                            "channels[1].price:") for p in found)
    assert any(p.startswith("group.xlsx: sheet 'group', row 4, column B (members)")
               for p in found)
    assert any("sheet 'loans', row 3" in p and "interest_method" in p and "compound" in p
               for p in found)
    assert len(found) == 3


def test_missing_sheets_are_named(modhupur):
    def change(wb):
        del wb["channels"]
        del wb["sources"]
    found = problems(edited(modhupur, change))
    assert found[0] == "group.xlsx: missing sheet(s): channels, sources (every sheet of the " \
        "template must be kept, even when empty)"


def test_extra_rows_that_name_nothing_are_named(modhupur):
    def change(wb):
        wb["service_payers"].append(["no_such_service", "donor", 0.5])
        wb["channels"].cell(3 + len(modhupur.channels), 1, "stray note")   # a half-filled row
    found = problems(edited(modhupur, change))
    rows = sum(len(s.shares) for s in modhupur.services)
    assert any(p.startswith(f"group.xlsx: sheet 'service_payers', row {3 + rows}, column A "
                            "(service): names no service (got 'no_such_service'")
               for p in found), found
    extra = 3 + len(modhupur.channels)
    assert any(p.startswith(f"group.xlsx: sheet 'channels', row {extra}") and "buyer" in p
               for p in found), found


def test_formulas_without_values_and_merged_cells_are_named(modhupur):
    def change(wb):
        ch = wb["channels"]
        ch[f"{column_of(ch, 'price')}3"] = "=2*3"
        wb["group"].merge_cells("B5:C5")
    found = problems(edited(modhupur, change))
    ch = openpyxl.load_workbook(io.BytesIO(template_of(modhupur.name)))["channels"]
    price = column_of(ch, "price")
    assert f"group.xlsx: sheet 'channels', cell {price}3: is a formula (=2*3) without a " \
        "computed value; type the value, or open and save the file in Excel first" in found
    assert "group.xlsx: sheet 'group', cells B5:C5: are merged; unmerge them so that each " \
        "value has its own cell" in found


def test_a_formula_with_its_computed_value_is_read_as_that_value(modhupur, tmp_path):
    # Excel stores a formula's last result beside it; openpyxl writes none, so the cached value
    # is written into the sheet XML by hand as Excel would.
    data = edited(modhupur, lambda wb: wb["group"].__setitem__("B4", "=200*2"))
    import zipfile
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                body = body.replace(b"<f>200*2</f><v />", b"<f>200*2</f><v>400</v>")
                assert b"<v>400</v>" in body
            dst.writestr(item, body)
    assert read_workbook(out.getvalue()).group.members == 400


def test_unknown_columns_and_not_a_workbook_are_named(modhupur):
    found = problems(edited(modhupur, lambda wb: wb["products"].cell(2, 40, "colour")))
    assert any(p.startswith("group.xlsx: sheet 'products', row 2, column AN (colour): unknown "
                            "column key 'colour'") for p in found)
    assert problems(b"name = 'x'\n") == ["group.xlsx: not an Excel workbook (.xlsx) that can "
                                         "be read (BadZipFile)"]


def test_cli_template_validate_run_and_compare_take_workbooks(capsys, tmp_path):
    out = tmp_path / "bogra.xlsx"
    code, text, _ = run(capsys, "template", "--from", "bogra_handicrafts", "--out", out)
    assert code == 0 and out.exists()
    code, _, err = run(capsys, "template", "--out", out)            # never overwrite unasked
    assert code == 2 and "exists already" in err
    assert read_workbook(out.read_bytes()) == engine.load_scenario("bogra_handicrafts")
    code, text, _ = run(capsys, "validate", out)
    assert code == 0 and "valid" in text
    code, text, _ = run(capsys, "run", out, "--json")
    toml_code, toml_text, _ = run(capsys, "run", "bogra_handicrafts", "--json")
    assert code == toml_code == 0 and json.loads(text) == json.loads(toml_text)
    code, text, _ = run(capsys, "compare", f"{out}:individual", "bogra_handicrafts:individual",
                        "--json")
    a, b = json.loads(text)
    assert code == 0 and a["summary"] == b["summary"]
    blank = tmp_path / "blank.xlsx"
    assert run(capsys, "template", "--out", blank)[0] == 0
    code, _, err = run(capsys, "validate", blank)
    assert code == 2 and "sheet 'group', row 4, column B (members)" in err
    assert "Traceback" not in err and str(tmp_path) not in err.replace(str(blank), "")


def test_cli_schema_is_pydantics_json_schema_with_labels_and_units(capsys):
    code, text, _ = run(capsys, "schema")
    schema = json.loads(text)
    assert code == 0
    assert set(schema["properties"]) == set(engine.Scenario.model_fields)
    delay = schema["$defs"]["Channel"]["properties"]["payment_delay_days"]
    assert delay["unit"] == "days" and delay["minimum"] == 0
    assert schema["$defs"]["Loan"]["properties"]["annual_rate"]["maximum"] == 2


def test_loan_tranches_prepayments_reschedules_and_arrears_terms_round_trip(modhupur):
    s = engine.with_overrides(modhupur, {
        "arrears.enabled": True,
        "arrears.allocation": ["principal", "interest", "fees", "penalties"],
        "loans.sibl_3.tranches": [{"month": 18, "amount": 450_000.0}],
        "loans.sibl_3.prepayments": [{"month": 25, "amount": 100_000.0}],
        "loans.sibl_2.reschedule": {"month": 12, "installments": 12, "annual_rate": None}})
    back = read_workbook(write_workbook(s))
    assert back == s
    assert back.loans[2].tranches[0].amount == 450_000.0
    pd.testing.assert_frame_equal(engine.project(back).monthly, engine.project(s).monthly,
                                  check_exact=True)


def test_every_scenario_field_has_a_place_in_the_workbook():
    placed = {*workbook.SCENARIO_FIELDS, *workbook.SECTIONS, "variants", "titles", "provenance",
              *(t.path for t in workbook.TABLES if t.parent is None)}
    assert set(engine.Scenario.model_fields) == placed


def test_a_group_typed_into_a_blank_template_reads_as_the_group_built_by_hand():
    """A loan officer fills the blank template in Excel (here openpyxl, cell by cell as a
    person types: months as dates, shares as fractions under a % format, choices from the
    dropdowns) with a cost calendar, a capacity ramp, a service with effects, a one-off cost
    and a table taper; the workbook reads back as the same group written by hand."""
    import datetime as dt

    from tests.test_casefile import DAIRY, DAIRY_NESTED
    wb = openpyxl.load_workbook(io.BytesIO(write_workbook()))

    def fields(sheet, values):
        rows = {r[6].value: r for r in wb[sheet].iter_rows(min_row=3)}
        for k, v in values.items():
            rows[k][1].value = v

    def rows(sheet, items):
        keys = [c.value for c in wb[sheet][2]]
        for i, item in enumerate(items):
            for k, v in item.items():
                wb[sheet].cell(3 + i, keys.index(k) + 1, v)

    fields("scenario", {"name": "dairy_group", "title": "Dairy group", "start": "2026-07",
                        "horizon_months": 60})
    fields("group", {"name": "New group", "members": 40, "opening_cash": 50000,
                     "cash_reserve": 20000})
    rows("products", [{"name": "milk", "unit": "litre", "monthly_capacity": 6000,
                       "unit_cost": 35}])
    rows("capacity_ramp", [{"product": "milk", "month": dt.date(2026, 7, 1), "factor": 0.5},
                           {"product": "milk", "month": dt.date(2027, 7, 1), "factor": 1}])
    rows("cost_calendar", [{"product": "milk", "months_before_sale": 1, "share": 0.4},
                           {"product": "milk", "months_before_sale": 0, "share": 0.6}])
    rows("channels", [{"name": "processor", "buyer": "processor", "product": "milk",
                       "share": 0.7, "price": 38, "payment_delay_days": 15},
                      {"name": "sweet_shops", "buyer": "sweet_shops", "product": "milk",
                       "share": 0.3, "price": 45}])
    rows("services", [{"name": "veterinary", "monthly_cost": 12000, "taper.kind": "table",
                       "taper.start_month": dt.date(2027, 7, 1), "taper.months": 24}])
    rows("service_payers", [{"service": "veterinary", "payer": "donor", "share": 1},
                            {"service": "veterinary", "payer": "group", "share": 0}])
    rows("service_one_offs", [{"service": "veterinary", "month": dt.date(2026, 7, 1),
                               "amount": 20000}])
    rows("service_effects", [{"service": "veterinary", "on": "volume", "target": "milk",
                              "without_service": -0.1, "half_life_months": 6}])
    rows("taper_table", [
        {"service": "veterinary", "from_month": dt.date(2027, 7, 1), "payer": "donor",
         "share": 0.5},
        {"service": "veterinary", "from_month": dt.date(2027, 7, 1), "payer": "group",
         "share": 0.5},
        {"service": "veterinary", "from_month": dt.date(2028, 7, 1), "payer": "group",
         "share": 1}])
    rows("loans", [{"name": "mfi", "principal": 300000, "annual_rate": 0.24,
                    "installments": 24, "disbursement_month": dt.date(2026, 9, 1),
                    "disbursement_date": dt.date(2026, 9, 15)}])
    buf = io.BytesIO()
    wb.save(buf)
    typed = read_workbook(buf.getvalue(), "dairy.xlsx")
    by_hand = engine.with_overrides(engine.parse_scenario(DAIRY), DAIRY_NESTED)
    assert typed == by_hand
    assert by_hand.products[0].cost_calendar[0].months_before_sale == 1    # the items are there
    assert by_hand.services[0].taper.table[1].from_month == 24
    pd.testing.assert_frame_equal(engine.project(typed).monthly,
                                  engine.project(by_hand).monthly, check_exact=True)
    # and it writes back to a workbook that reads as itself
    assert read_workbook(write_workbook(typed)) == by_hand


def test_problems_in_the_new_sheets_are_named_by_sheet_row_and_column(modhupur):
    def change(wb):
        ws = wb["cost_calendar"]
        ws[f"{column_of(ws, 'share')}3"] = 0.9          # the shares no longer sum to 100%
        ws = wb["service_effects"]
        ws[f"{column_of(ws, 'on')}3"] = "happiness"
        ws[f"{column_of(ws, 'service')}4"] = "no_such_service"
        ws[f"{column_of(ws, 'on')}4"] = "price"
    found = problems(edited(modhupur, change))
    assert any(p.startswith("group.xlsx: sheet 'service_effects', row 3") and "on" in p
               and "happiness" in p for p in found), found
    assert any("sheet 'service_effects', row 4, column A (service): names no item of sheet "
               "'services'" in p for p in found), found
    assert "group.xlsx: sheet 'cost_calendar', rows of product 'pineapple': products[0]." \
        "cost_calendar: shares must sum to 1 (got 1.75)" in found


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_opened(monkeypatch):
    """An XLSX is a zip: 0.7 MB of one repeated row unpacked to 212 MB of XML and took 84 s
    to read (issue #11: nothing hangs). The zip's own sizes are summed before openpyxl opens
    it. Here a real workbook gets a part of repeated rows that unpacks past the limit."""
    import zipfile
    monkeypatch.setattr(workbook, "load_workbook", lambda *a, **k: pytest.fail("opened"))
    packed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook.write_workbook()), "r") as src, \
            zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as out:
        for part in src.infolist():
            out.writestr(part, src.read(part))
        row = "<row>" + '<c t="n"><v>1</v></c>' * 50 + "</row>"
        out.writestr("xl/padding.xml", row * 10_000)   # 11,110,000 bytes of repeated rows
    data = packed.getvalue()
    unpacked = sum(p.file_size for p in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert unpacked > workbook.MAX_WORKBOOK_UNPACKED_BYTES > len(data)
    with pytest.raises(engine.ScenarioError) as e:
        engine.read_workbook(data, "bomb.xlsx")
    assert [str(p) for p in e.value.problems] == [
        f"bomb.xlsx: the workbook unpacks to {unpacked:,} bytes, more than 10,000,000: a "
        "group's workbook is far smaller (is it the template, filled in?)"]


def test_a_workbook_at_the_engines_limits_unpacks_well_within_the_limit():
    """100 channels and 100 loans over 600 months: its workbook is far below the limit."""
    import zipfile
    s = engine.load_scenario("bogra_handicrafts")
    channel, loan = s.channels[0], s.loans[0]
    big = s.model_copy(update={
        "channels": [channel.model_copy(update={"name": f"c{i}", "share": 0.01})
                     for i in range(100)],
        "loans": [loan.model_copy(update={"name": f"l{i}"}) for i in range(100)],
        "variants": {}, "baseline_variant": None, "provenance": {}})
    data = workbook.write_workbook(big)
    unpacked = sum(p.file_size for p in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert unpacked < workbook.MAX_WORKBOOK_UNPACKED_BYTES / 10


def test_text_that_begins_with_an_equals_sign_is_written_as_text_and_reads_back():
    """openpyxl writes a text beginning with '=' as a formula: a title typed '=1+1' or a buyer
    named '=HYPERLINK(...)' became a formula Excel would run, and the input workbook no longer
    read back ('a formula without a computed value'). Every cell is now text or a number."""
    from engine.casefile import follow_renames
    from engine.io import with_overrides
    from ui import exports
    base = engine.load_scenario("bogra_handicrafts")
    s = follow_renames(base, with_overrides(base, {
        "title": "=1+1", "group.name": "=2+2",
        "channels[0].buyer": '=HYPERLINK("http://x","y")'}))
    for data in (workbook.write_workbook(s), exports.monthly_xlsx(engine.project(s))):
        wb = openpyxl.load_workbook(io.BytesIO(data))
        assert not [c.coordinate for ws in wb.worksheets for row in ws.iter_rows()
                    for c in row if c.data_type == "f"]
    back = engine.read_workbook(workbook.write_workbook(s))
    assert (back.title, back.group.name, back.channels[0].buyer) == (
        "=1+1", "=2+2", '=HYPERLINK("http://x","y")')
    assert back.model_dump(exclude={"provenance"}) == s.model_dump(exclude={"provenance"})


def test_loans_named_with_characters_excel_forbids_in_sheet_titles_are_exported():
    """A loan named 'a/b' (a name the scenario takes) made the results workbook fail: a sheet
    title cannot hold [ ] : * ? / \\. Two such names that clean to one title get a number."""
    from engine.casefile import follow_renames
    from engine.io import with_overrides
    from ui import exports
    base = engine.load_scenario("bogra_handicrafts")
    s = follow_renames(base, with_overrides(base, {"loans[0].name": "a/b:c",
                                                   "loans[1].name": "a?b*c"}))
    wb = openpyxl.load_workbook(io.BytesIO(exports.monthly_xlsx(engine.project(s))))
    assert [n for n in wb.sheetnames if n.startswith("Loan ")] == [
        "Loan a_b_c", "Loan a_b_c 2", *[f"Loan {x.name}" for x in s.loans[2:]]]
