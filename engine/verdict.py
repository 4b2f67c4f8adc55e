"""Plain-language sentences from a projection's summary (shared by the CLI, reports and app), in
the language in force (engine/i18n)."""

from __future__ import annotations

from typing import Any

from engine import fmt
from engine.i18n import t
from engine.scenario import Scenario


def _more_criteria(scenario: Scenario, st: fmt.Style) -> str:
    """The exit criteria beyond cash, as sentences to append ('' when there are none)."""
    c = scenario.exit_criteria
    out = []
    if c.member_income_floor is not None:
        out.append(t("Members would also earn at least {floor} a month over every 12 months "
                     "from then on.", floor=fmt.money(c.member_income_floor, st)))
    if c.self_sufficiency:
        out.append(t("Sales would also cover the costs the group pays (OSS of at least 1) over "
                     "every 12 months from then on."))
    return "".join(" " + x for x in out)


def exit_verdict(scenario: Scenario, summary: dict[str, Any],
                 style: fmt.Style | None = None) -> str:
    """When can every subsidy stop without the group's cash falling below its reserve (and its
    other exit criteria failing)? Where the month before the exit month fails only because the
    group's cash is below its reserve even with all its support (its start-up months:
    `reserve_kept_from` in the summary; ending support then breaks no criterion from the exit
    month on: `earlier_end_fails_from_exit_month`), the sentence says so instead of crediting
    the support."""
    st = style or fmt.style_for()
    m = summary["exit_month"]
    reserve = fmt.money(scenario.group.cash_reserve, st)
    end = fmt.month(scenario.start, scenario.horizon_months - 1, st)
    more = _more_criteria(scenario, st)
    if m is None:
        if more:
            return t("Not self-sustaining by {end}: whenever the subsidies end, the group's cash "
                     "later falls below its reserve of {reserve}, or another exit criterion "
                     "fails.", end=end, reserve=reserve)
        return t("Not self-sustaining by {end}: whenever the subsidies end, the group's cash "
                 "later falls below its reserve of {reserve}.", end=end, reserve=reserve)
    if m == 0:
        return t("Self-sustaining from the start: even with no subsidy at all, cash stays at or "
                 "above the reserve of {reserve} through {end}.", reserve=reserve,
                 end=end) + more
    when = dict(month=fmt.month(scenario.start, m, st), m=fmt.number(m, st), reserve=reserve,
                end=end)
    if summary.get("reserve_kept_from") == m and \
            not summary.get("earlier_end_fails_from_exit_month"):
        return t("Self-sustaining from {month} (month {m}): if every subsidy ended then, cash "
                 "would stay at or above the reserve of {reserve} through {end}; before then "
                 "the group's cash is below its reserve even with all its support.",
                 **when) + more
    return t("Self-sustaining from {month} (month {m}): if every subsidy ended then, cash would "
             "stay at or above the reserve of {reserve} through {end}; ending it earlier would "
             "not.", **when) + more
