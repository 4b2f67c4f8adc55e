"""The file format's documentation is generated from the models and current; the example group
in docs/ validates and projects to figures worked out by hand."""

from pathlib import Path

import pytest

import engine
from engine.schema_docs import DOC, SECTIONS, document, models_in

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "dairy_group.toml"


def test_scenario_format_doc_is_current():
    assert DOC.read_text(encoding="utf-8") == document(), "run `make docs`"


def test_scenario_format_doc_names_every_field_of_every_model():
    text = DOC.read_text(encoding="utf-8")
    for model in (engine.Scenario, engine.scenario.Channel, engine.loans.Loan,
                  engine.scenario.Taper, engine.scenario.Service):
        for name in model.model_fields:
            assert f"| `{name}` |" in text, (model.__name__, name)
    row = next(line for line in text.splitlines() if line.startswith("| `payment_delay_days`"))
    assert row.startswith("| `payment_delay_days` | payment delay | number | days |")
    assert "| `0.0` | Days from sale to payment" in row


def test_every_model_of_a_scenario_has_a_section():
    assert models_in(engine.Scenario) == {model for _, model, _, _ in SECTIONS}


def test_the_dairy_example_validates_and_projects_as_worked_by_hand():
    s = engine.load_scenario(EXAMPLE)
    assert s.group.members == 40 and len(s.loans) == 1 and len(s.channels) == 2
    p = engine.project(s)
    # veterinary service, 20,000 a month, all donor-paid: months 0-11 in full, then a linear
    # taper over 24 months (shares 1, 23/24, ..., 1/24 in months 12-35: 12.5 months' worth)
    assert p.summary["total_subsidy"] == pytest.approx(12 * 20_000 + 12.5 * 20_000)
    # 12,000 litres a month (seasonality averages 1) for 48 months; per litre: processor 70% x
    # 97% accepted x 52 + its 3% rejects to sweet shops at 60 + sweet shops 30% x 60
    per_litre = 0.7 * 0.97 * 52 + 0.7 * 0.03 * 60 + 0.3 * 60
    assert p.summary["total_sales_revenue"] == pytest.approx(12_000 * 48 * per_litre)
    assert p.summary["exit_month"] is not None
