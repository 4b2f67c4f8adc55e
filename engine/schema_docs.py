"""The scenario file format, documented from the models: docs/scenario-format.md (every field
with its type, unit, allowed range, default and meaning) and the JSON Schema
(`subsidy-exit schema`).

Run `make docs` to rewrite the document; tests/test_docs.py fails when it is out of date.
"""

from __future__ import annotations

import datetime as dt
import json
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

import engine.fields  # noqa: F401  (labels and units on the models' fields)
from engine.arrears import ArrearsTerms
from engine.fields import UNITS, field_meta
from engine.loans import InstallmentChange, Loan, Prepayment, Reschedule, TopUp, Tranche
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

DOC = Path(__file__).resolve().parent.parent / "docs" / "scenario-format.md"

SECTIONS: list[tuple[str, type[BaseModel], str, str]] = [
    ("The scenario (top level)", Scenario, "", "scenario"),
    ("`[group]`", Group, "group", "group"),
    ("`[[products]]`", Product, "products", "products"),
    ("`[[products.capacity_ramp]]`", RampPoint, "products[].capacity_ramp", "capacity_ramp"),
    ("`[[products.cost_calendar]]`", CostTiming, "products[].cost_calendar", "cost_calendar"),
    ("`[[markets]]`", Market, "markets", "markets"),
    ("`[[channels]]` (buyers and their terms)", Channel, "channels", "channels"),
    ("`[[fixed_costs]]`", FixedCost, "fixed_costs", "fixed_costs"),
    ("`[[services]]`", Service, "services", "services, service_payers"),
    ("`[[services.one_off]]`", OneOff, "services[].one_off", "service_one_offs"),
    ("`[[services.effects]]`", Effect, "services[].effects", "service_effects"),
    ("`[services.taper]`", Taper, "services[].taper", "services (columns taper.*)"),
    ("`[[services.taper.table]]`", ShareRow, "services[].taper.table", "taper_table"),
    ("`[[loans]]`", Loan, "loans", "loans"),
    ("`[[loans.tranches]]`", Tranche, "loans[].tranches", "loans (column tranches, as a list)"),
    ("`[[loans.prepayments]]`", Prepayment, "loans[].prepayments",
     "loans (column prepayments, as a list)"),
    ("`[[loans.installment_changes]]`", InstallmentChange, "loans[].installment_changes",
     "loans (column installment_changes, as a list)"),
    ("`[loans.reschedule]`", Reschedule, "loans[].reschedule",
     "loans (column reschedule, as a table)"),
    ("`[loans.top_up]`", TopUp, "loans[].top_up", "loans (column top_up, as a table)"),
    ("`[arrears]`", ArrearsTerms, "arrears", "arrears"),
    ("`[exit_criteria]`", ExitCriteria, "exit_criteria", "exit_criteria"),
    ("`[[member_capital]]`", Contribution, "member_capital", "member_capital"),
    ("`[[investments]]`", Investment, "investments", "investments"),
]


def models_in(model: type[BaseModel]) -> set[type[BaseModel]]:
    """Every model reachable from `model`'s fields (for the test that each is documented)."""
    found: set[type[BaseModel]] = set()

    def walk(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in found:
                found.add(annotation)
                for info in annotation.model_fields.values():
                    walk(info.annotation)
        for arg in get_args(annotation):
            walk(arg)

    walk(model)
    return found


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (pydantic's), with each field's label and unit."""
    schema = Scenario.model_json_schema()
    schema["$id"] = "subsidy-exit-scenario.schema.json"
    return schema


def type_text(annotation: Any) -> str:
    """A field's type in words.

    >>> type_text(int | None), type_text(list[float]), type_text(Literal["a", "b"])
    ('whole number or none', 'list of numbers', 'one of `a`, `b`')
    >>> type_text(list[Group]), type_text(dict[str, float])
    ('list of `Group` (below)', 'table of number by name')
    """
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        inner = " or ".join(type_text(a) for a in args)
        return f"{inner} or none" if len(args) < len(get_args(annotation)) else inner
    if origin is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in get_args(annotation))
    if origin is list:
        inner = type_text(get_args(annotation)[0])
        plural = {"number": "numbers", "whole number": "whole numbers", "text": "texts"}
        return f"list of {plural.get(inner, inner)}"
    if origin is dict:
        value = get_args(annotation)[1]
        if get_origin(value) is dict:
            return "tables of values by parameter path, by name"
        return f"table of {type_text(value)} by name"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"`{annotation.__name__}` (below)"
    return {int: "whole number", float: "number", str: "text", bool: "true/false",
            dt.date: "date (YYYY-MM-DD)", Any: "any value"}.get(annotation, str(annotation))


def _default(meta: Any) -> str:
    if meta.required:
        return "required"
    d = meta.default
    if d is None:
        return "none"
    if isinstance(d, BaseModel):
        return "see below"
    if d == [] or d == {}:
        return "empty"
    if meta.percent and isinstance(d, int | float) and not isinstance(d, bool):
        return f"{d * 100:g}%"
    return f"`{json.dumps(d) if not isinstance(d, str) or not d else d}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def document() -> str:
    lines = [
        "# The scenario file format",
        "",
        "_Generated from the models (engine/scenario.py, engine/loans.py, engine/fields.py) by "
        "`make docs`; tests/test_docs.py fails when it is out of date. Do not edit by hand._",
        "",
        "A scenario is a TOML file (or the same content as an input workbook: `subsidy-exit "
        "template --out FILE.xlsx`). `subsidy-exit validate FILE` checks it and names every "
        "problem; `subsidy-exit schema` prints its JSON Schema for editors. A minimal example: "
        "[docs/examples/dairy_group.toml](examples/dairy_group.toml).",
        "",
        "Conventions:",
        "",
        "- Money is in taka. Shares and rates are written as fractions (0.12 for 12%); the app "
        "and the workbook show and take them as percentages.",
        "- Months are counted from `start` (month 0 is the start month). Any field whose name "
        "ends in `month` may instead be written as a date, `\"2002-07\"`.",
        "- Items of a list (products, channels, services, loans...) are addressed by their "
        "`name` in override paths: `channels.pran.payment_delay_days`, `loans.sibl_3.annual_rate`.",
        "- Unknown keys are refused; every problem is reported at once with its path.",
        "- `[provenance]` maps a parameter path to its source: a short quote from the study, or "
        "`assumption: ...` with the reasoning.",
        "",
        "Units:",
        "",
        "| unit | meaning |",
        "|---|---|",
        *[f"| {u} | {m} |" for u, m in UNITS.items()],
        "",
    ]
    for title, model, path, sheet in SECTIONS:
        lines += [f"## {title}", ""]
        if model.__doc__ and model is not Scenario and "Usage docs" not in model.__doc__:
            lines += [" ".join(model.__doc__.split()), ""]
        where = f"Path `{path}`; " if path else ""
        lines += [f"{where}workbook sheet `{sheet}`.", "",
                  "| field | label | type | unit | allowed | default | meaning |",
                  "|---|---|---|---|---|---|---|"]
        for name, info in model.model_fields.items():
            meta = field_meta(model, name)
            allowed = meta.range_text() if meta.unit not in ("table", "text") else ""
            if meta.choices:   # each value with the plain words the app shows for it
                allowed = "; ".join(f"`{c}`: {meta.choice_label(c)}" for c in meta.choices)
            lines.append("| " + " | ".join(_cell(x) for x in (
                f"`{name}`", meta.label, type_text(info.annotation), meta.unit,
                "" if allowed == "any" else allowed, _default(meta),
                meta.description)) + " |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    DOC.write_text(document(), encoding="utf-8")
    print(f"wrote {DOC.name}")


if __name__ == "__main__":
    main()
