"""Switching values: the value of a channel's term at which selling everything through it stops
beating (or starts beating) selling everything through another channel."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from engine import fmt
from engine.cashflow import Inputs
from engine.i18n import N_, t, tn
from engine.pipeline import compile_rows, run
from engine.scenario import Scenario

SWITCHABLE = ("payment_delay_days", "discount", "acceptance_rate", "price")


def _set_channel_parameter(inputs: Inputs, c: int, parameter: str, values: np.ndarray) -> Inputs:
    """Rows of `inputs` (one per value) with channel c's parameter set to each value."""
    batch = inputs.take(np.zeros(len(values), dtype=int))
    if parameter == "payment_delay_days":
        width = batch.delay_days_max[:, c] - batch.delay_days[:, c]
        lo, hi = batch.delay_days.copy(), batch.delay_days_max.copy()
        lo[:, c], hi[:, c] = values, values + width
        return replace(batch, delay_days=lo, delay_days_max=hi)
    if parameter == "discount":
        d = batch.discount.copy()
        d[:, c] = values
        return replace(batch, discount=d)
    if parameter == "acceptance_rate":
        a = batch.acceptance.copy()
        a[:, c] = values
        return replace(batch, acceptance=a)
    p = batch.full("list_price")
    p[:, c, :] = values[:, None]
    return replace(batch, list_price=p)


OUTCOMES = ("member_income_per_member_month_avg", "min_cash_balance")


def outcome_of(rows: Inputs, horizon: int, outcome: str) -> np.ndarray:
    """(n,) the outcome of each row, read from the pipeline's summary."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES} (got {outcome!r})")
    return np.asarray(getattr(run(rows, horizon, sweep=False).summary, outcome))


def all_to(scenario: Scenario, channel: str) -> Scenario:
    """The scenario with all of the channel's product offered to it (shares, no quotas)."""
    from engine.io import with_overrides
    ch = {c.name: c for c in scenario.channels}
    product = ch[channel].product
    overrides: dict[str, Any] = {f"products.{product}.allocation": "shares"}
    for c in scenario.channels:
        if c.product == product:
            overrides[f"channels.{c.name}.share"] = 1.0 if c.name == channel else 0.0
            overrides[f"channels.{c.name}.quota_units_per_month"] = None
    return with_overrides(scenario, overrides)


def switching_value(scenario: Scenario, channel: str, rival: str, parameter: str,
                    outcome: str = "member_income_per_member_month_avg",
                    bounds: tuple[float, float] | None = None, grid: int = 33,
                    rounds: int = 5) -> dict[str, Any]:
    """The value of `channel`'s `parameter` at which selling everything through it stops
    beating (or starts beating) selling everything through `rival`, on `outcome`.

    Each round evaluates `grid` values as rows of one batch and narrows to the bracket where
    the difference changes sign; the value is then interpolated linearly inside the last
    bracket. `value` is None when the sign never changes within `bounds`.
    """
    if parameter not in SWITCHABLE:
        raise ValueError(f"parameter must be one of {SWITCHABLE} (got {parameter!r})")
    names = [c.name for c in scenario.channels]
    c = names.index(channel)
    H = scenario.horizon_months
    mine = compile_rows([all_to(scenario, channel)])
    theirs = float(outcome_of(compile_rows([all_to(scenario, rival)]), H, outcome)[0])
    lo, hi = bounds or {"payment_delay_days": (0.0, 365.0), "discount": (0.0, 1.0),
                        "acceptance_rate": (0.0, 1.0),
                        "price": (0.0, 10 * max(x.price for x in scenario.channels))}[parameter]

    def diff(values: np.ndarray) -> np.ndarray:
        return outcome_of(_set_channel_parameter(mine, c, parameter, values), H,
                          outcome) - theirs

    value = None
    points = np.linspace(lo, hi, grid)
    d = diff(points)
    if np.all(np.abs(d) < 1e-6 * max(1.0, abs(theirs))):
        return {"channel": channel, "rival": rival, "parameter": parameter, "outcome": outcome,
                "value": None, "current_value": getattr(scenario.channels[c], parameter),
                "outcome_now": theirs, "rival_outcome": theirs, "channel_better_above": False,
                "sentence": t("{channel} and {rival} give the same outcome whatever the "
                              "{parameter}.", channel=channel, rival=rival,
                              parameter=t(PARAMETER_WORDS[parameter]))}
    for _ in range(rounds):
        change = np.flatnonzero(np.sign(d[:-1]) != np.sign(d[1:]))
        if change.size == 0:
            break
        i = int(change[0])
        a, b, da, db = points[i], points[i + 1], d[i], d[i + 1]
        value = float(a if da == db else a + (b - a) * da / (da - db))
        points = np.linspace(a, b, grid)
        d = diff(points)
    current = getattr(scenario.channels[c], parameter)
    mine_now = float(diff(np.array([current]))[0]) + theirs
    rising = bool(d[-1] > d[0])
    return {"channel": channel, "rival": rival, "parameter": parameter, "outcome": outcome,
            "value": value, "current_value": current, "outcome_now": mine_now,
            "rival_outcome": theirs, "channel_better_above": rising,
            "sentence": switching_sentence(channel, rival, parameter, outcome, value, rising,
                                           (lo, hi), mine_now > theirs)}


STEP = {"payment_delay_days": 1.0, "discount": 0.001, "acceptance_rate": 0.001, "price": 0.01}
"""The precision each parameter is written with in a sentence (days, 0.1%, paisa)."""


def safe_side(value: float, step: float, up: bool) -> float:
    """`value` rounded to a multiple of `step` on the side where the sentence stays true: up
    for "at least" and "above", down for "within", "less than" and "below". A value already on
    a multiple moves one step, since at the switching value itself the channels only tie.

    >>> safe_side(28.57, 1.0, up=False), safe_side(0.8123, 0.001, up=True)
    (28.0, 0.813)
    >>> safe_side(28.0, 1.0, up=False)
    27.0
    """
    k = value / step
    eps = 1e-9 * max(1.0, abs(k))
    n = math.floor(k + eps) + 1 if up else math.ceil(k - eps) - 1
    return round(n * step, 10)


PARAMETER_WORDS = {"payment_delay_days": N_("payment_delay_days"), "discount": N_("discount"),
                   "acceptance_rate": N_("acceptance_rate"), "price": N_("price")}
"""A parameter as a sentence names it (English keeps the path's name; Bangla says it in words)."""


def _shown(parameter: str, x: float) -> str:
    st = fmt.style_for()
    if parameter == "payment_delay_days":
        return tn("{count} day", "{count} days", int(round(x)), count=fmt.number(x, st))
    if parameter == "price":
        return fmt.money(x, st, decimals=2)
    return fmt.percent(x, st, 1, 1)


def switching_sentence(channel: str, rival: str, parameter: str, outcome: str,
                       value: float | None, rising: bool, bounds: tuple[float, float],
                       better_now: bool) -> str:
    """The switching value as a sentence, its figure rounded to the safe side (`safe_side`)."""
    outcomes = {"member_income_per_member_month_avg": N_("income per member"),
                "min_cash_balance": N_("minimum cash")}
    what = t(outcomes[outcome])
    names = {"channel": channel, "rival": rival, "what": what,
             "parameter": t(PARAMETER_WORDS[parameter])}
    if value is None:
        low, high = _shown(parameter, bounds[0]), _shown(parameter, bounds[1])
        if better_now:
            return t("{channel} always beats {rival} on {what} for {parameter} between {low} "
                     "and {high}.", low=low, high=high, **names)
        return t("{channel} never beats {rival} on {what} for {parameter} between {low} and "
                 "{high}.", low=low, high=high, **names)
    lower_is_better = parameter in ("payment_delay_days", "discount")
    # the channel beats its rival above the value when `rising`, below it otherwise
    shown = _shown(parameter, safe_side(value, STEP[parameter], up=rising))
    if lower_is_better != rising:
        only_if = {"payment_delay_days": N_("{channel} beats {rival} on {what} only if it pays "
                                           "within {value}."),
                  "discount": N_("{channel} beats {rival} on {what} only if it discounts less "
                                 "than {value}."),
                  "acceptance_rate": N_("{channel} beats {rival} on {what} only if it accepts "
                                        "at least {value}."),
                  "price": N_("{channel} beats {rival} on {what} only if it pays at least "
                              "{value}.")}
        return t(only_if[parameter], value=shown, **names)
    if rising:
        return t("{channel} beats {rival} on {what} only if its {parameter} is above {value}.",
                 value=shown, **names)
    return t("{channel} beats {rival} on {what} only if its {parameter} is below {value}.",
             value=shown, **names)
