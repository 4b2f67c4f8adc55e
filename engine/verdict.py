"""Plain-language sentences from a projection's summary (shared by the CLI, reports and app), in
the language in force (engine/i18n)."""

from __future__ import annotations

from typing import Any

from engine import fmt
from engine.i18n import t
from engine.scenario import Scenario


def exit_verdict(scenario: Scenario, summary: dict[str, Any],
                 style: fmt.Style | None = None) -> str:
    """One sentence: when can every subsidy stop without the group's cash falling below its
    reserve?"""
    st = style or fmt.style_for()
    m = summary["exit_month"]
    reserve = fmt.money(scenario.group.cash_reserve, st)
    end = fmt.month(scenario.start, scenario.horizon_months - 1, st)
    if m is None:
        return t("Not self-sustaining by {end}: whenever the subsidies end, the group's cash "
                 "later falls below its reserve of {reserve}.", end=end, reserve=reserve)
    if m == 0:
        return t("Self-sustaining from the start: even with no subsidy at all, cash stays at or "
                 "above the reserve of {reserve} through {end}.", reserve=reserve, end=end)
    return t("Self-sustaining from {month} (month {m}): if every subsidy ended then, cash would "
             "stay at or above the reserve of {reserve} through {end}; ending it earlier would "
             "not.", month=fmt.month(scenario.start, m, st), m=fmt.number(m, st),
             reserve=reserve, end=end)
