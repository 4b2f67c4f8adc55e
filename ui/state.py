"""The one mapping between a scenario, widget keys and overrides. No finance here."""

from __future__ import annotations

from dataclasses import dataclass

from engine import Scenario, params


@dataclass(frozen=True)
class Field:
    path: str
    label: str
    step: float
    min_value: float | None = 0.0
    max_value: float | None = None


def main_fields(scenario: Scenario) -> list[Field]:
    """The parameters the first page offers for editing, by override path."""
    fields = [
        Field("group.members", "members", 1, 1),
        Field("group.opening_cash", "opening cash, taka", 1000.0),
        Field("group.cash_reserve", "cash reserve, taka", 1000.0),
        Field("group.distribution_share", "share of surplus paid to members", 0.05, 0.0, 1.0),
    ]
    for p in scenario.products:
        fields.append(Field(f"products.{p.name}.monthly_capacity",
                            f"{p.name}: capacity, {p.unit}s/month", 100.0))
        fields.append(Field(f"products.{p.name}.unit_cost",
                            f"{p.name}: cost per {p.unit}, taka", 0.1))
    for c in scenario.channels:
        fields.append(Field(f"channels.{c.name}.price", f"{c.name}: price, taka", 0.1))
        fields.append(Field(f"channels.{c.name}.payment_delay_days",
                            f"{c.name}: payment delay, days", 1.0))
        fields.append(Field(f"channels.{c.name}.share", f"{c.name}: share of volume", 0.05,
                            0.0, 1.0))
    for loan in scenario.loans:
        fields.append(Field(f"loans.{loan.name}.principal", f"{loan.name}: principal, taka",
                            10000.0, 1.0))
        fields.append(Field(f"loans.{loan.name}.annual_rate", f"{loan.name}: annual rate",
                            0.005, 0.0, 2.0))
    return fields


def values(scenario: Scenario) -> dict[str, object]:
    return {path: value for path, value, _ in params(scenario)}


def widget_key(scenario_ref: str, path: str) -> str:
    """Widget keys carry the scenario they edit, so switching preset keeps each one's edits."""
    return f"{scenario_ref}::{path}"
