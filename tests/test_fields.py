"""Field metadata, one place: every field of every scenario model has a plain label and a known
unit, the JSON Schema carries them, and every parameter path of every preset finds its field."""

import typing

import pytest
from pydantic import BaseModel

import engine
from engine.fields import LABELS, UNITS, field_meta, meta_at
from engine.scenario import Scenario
from engine.shocks import Shocks


def models_in(model: type[BaseModel], seen: set) -> set:
    seen.add(model)
    for info in model.model_fields.values():
        stack = [info.annotation]
        while stack:
            t = stack.pop()
            stack += typing.get_args(t)
            if isinstance(t, type) and issubclass(t, BaseModel) and t not in seen:
                models_in(t, seen)
    return seen


def test_every_field_of_every_model_has_a_label_and_a_known_unit():
    models = models_in(Scenario, set()) | {Shocks}     # and the Monte Carlo's shocks
    assert models == set(LABELS), "label the fields of new models in engine/fields.py"
    missing = [f"{m.__name__}.{f}" for m in models for f in m.model_fields
               if f not in LABELS[m]]
    assert missing == [], "add a (label, unit) for these fields in engine/fields.LABELS"
    units = {unit for fields in LABELS.values() for _, unit in fields.values()}
    assert units <= set(UNITS)


def test_the_json_schema_carries_label_and_unit():
    loan = Scenario.model_json_schema()["$defs"]["Loan"]["properties"]["annual_rate"]
    assert (loan["label"], loan["unit"]) == ("interest rate", "rate/year")


@pytest.mark.parametrize("name", engine.preset_names())
def test_every_parameter_of_a_preset_finds_its_field(name):
    scenario = engine.load_scenario(name)
    assert [p for p, _, _ in engine.params(scenario) if meta_at(p) is None] == []


def test_bounds_and_units_read_as_people_type_them():
    # Channel.discount is declared ge=0, le=1 and is a share: typed as 0% to 100%
    assert meta_at("channels.pran.discount").range_text() == "0% to 100%"
    # Group.members: ge=1, a count of people
    members = meta_at("group.members")
    assert (members.unit, members.range_text(), members.required) == ("people", "at least 1", True)
    # Taper.step: gt=0, le=1
    assert meta_at("services.x.taper.step").range_text() == "above 0% and at most 100%"
    # a payer's share ends in the free-keyed `shares` table of the service
    assert meta_at("services.x.shares.donor").name == "shares"
    assert field_meta(Scenario, "start").unit == "YYYY-MM"
    assert meta_at("loans.a.repayment_unit").choices == ("days", "weeks", "months", "years")
    assert meta_at("nothing.here") is None


def test_help_names_meaning_unit_range_and_source():
    text = meta_at("group.cash_reserve").help("assumption: three months of fixed costs")
    assert "Cash the group must keep" in text
    assert "Unit: taka" in text and "Allowed: at least 0" in text
    assert text.endswith("Source: assumption: three months of fixed costs")
    assert "Source" not in meta_at("group.cash_reserve").help(None)


def test_every_choice_has_plain_words_and_the_files_keep_the_values():
    models = models_in(Scenario, set())
    metas = [field_meta(m, f) for m in models for f in m.model_fields]
    choices = [m for m in metas if m.choices]
    assert len(choices) >= 10
    for meta in choices:
        assert {str(c) for c in meta.choices} == {k for k, _ in meta.choice_labels}, meta.name
    method = meta_at("loans.sibl_3.interest_method")
    assert method.choices == ("declining_balance", "flat")   # what files hold
    assert method.choice_label("declining_balance") == "on the declining balance"
    assert meta_at("loans.x.days_in_year").choice_label(365) == "365 days"
    assert method.choice_label("unheard_of") == "unheard_of"   # named as a problem elsewhere
