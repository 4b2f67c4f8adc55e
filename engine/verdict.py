"""Plain-language sentences from a projection's summary (shared by the CLI, reports and app)."""

from __future__ import annotations

from typing import Any

from engine.fmt import money as taka
from engine.fmt import month
from engine.scenario import Scenario


def exit_verdict(scenario: Scenario, summary: dict[str, Any]) -> str:
    """One sentence: when can every subsidy stop without the group's cash falling below its
    reserve?"""
    m = summary["exit_month"]
    reserve = taka(scenario.group.cash_reserve)
    end = month(scenario.start, scenario.horizon_months - 1)
    if m is None:
        return (f"Not self-sustaining by {end}: whenever the subsidies end, the group's cash "
                f"later falls below its reserve of {reserve}.")
    if m == 0:
        return (f"Self-sustaining from the start: even with no subsidy at all, cash stays at or "
                f"above the reserve of {reserve} through {end}.")
    return (f"Self-sustaining from {month(scenario.start, m)} (month {m}): if every subsidy ended "
            f"then, cash would stay at or above the reserve of {reserve} through {end}; "
            f"ending it earlier would not.")
