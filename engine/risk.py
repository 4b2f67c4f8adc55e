"""Risk: one-way sensitivity (tornado), two-way grids and switching points. Every variant set is
rows of one pipeline run (engine.pipeline). Monte Carlo lives in engine/montecarlo.py (its
shocks in engine/shocks.py) and is re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from engine.cashflow import Inputs, simulated_months
from engine.errors import ScenarioError
from engine.fields import locate, structural
from engine.io import params, with_overrides
from engine.montecarlo import MonteCarlo, monte_carlo  # noqa: F401 (re-exported)
from engine.pipeline import compile_rows, run
from engine.portfolio import fast_columns, group_inputs
from engine.scenario import Channel, Scenario
from engine.shocks import Shocks  # noqa: F401 (re-exported)

OUTCOMES = ("exit_month", "min_cash_balance", "member_income_per_member_month_avg")


def numeric_inputs(scenario: Scenario) -> list[tuple[str, float]]:
    """Every non-zero numeric input that is an amount, price, rate or count of people, by path
    (months, counts of installments and other calendar settings, by their unit in
    engine.fields, are left out)."""
    out = []
    for path, value, _ in params(scenario):
        if isinstance(value, bool) or not isinstance(value, int | float) or value == 0:
            continue
        if structural(path):
            continue
        where = locate(path)
        if (where and where.model is Channel and where.name == "share") \
                or path.endswith("shares.group"):
            continue   # complements of other shares: they move only with them
        out.append((path, value))
    return out


UNIT_INTERVAL = ("acceptance_rate", "discount", "distribution_share", "commission_rate",
                 "upfront_fee_rate", "to_level", "step")
_PAYER_SHARE = re.compile(r"^(services\.[^.]+\.(?:taper\.table\[\d+\]\.)?shares)\.([^.]+)$")


def _vary(scenario: Scenario, path: str, value: float) -> Scenario:
    """The scenario with one input changed (`varied`)."""
    return with_overrides(scenario, varied({p: v for p, v, _ in params(scenario)}, path, value))


def varied(values: dict[str, Any], path: str, value: float) -> dict[str, Any]:
    """The overrides that set one input of a scenario whose parameters are `values`: counts
    stay whole, shares and rates stay within 0..1, and a payer's share of a service moves the
    group's share the other way."""
    original = values[path]
    leaf = path.rsplit(".", 1)[-1]
    if isinstance(original, int):
        value = int(round(value))
    overrides: dict[str, Any] = {path: value}
    share = _PAYER_SHARE.match(path)
    if share or leaf in UNIT_INTERVAL:
        overrides[path] = value = min(max(value, 0.0), 1.0)
    if share:
        prefix = share.group(1)
        group = values.get(f"{prefix}.group", 0.0)
        overrides[f"{prefix}.group"] = group - (value - original)
    return overrides


def horizon_if_none(exit_month: Any, horizon: int) -> float:
    """An exit month as a number for bars: none within the horizon counts as the horizon."""
    return float(horizon) if exit_month is None or pd.isna(exit_month) else float(exit_month)


Changed = list[tuple[str, ...]]
"""Per variant of a scenario, the paths of the inputs it changes (none for the scenario)."""


def variant_rows(scenario: Scenario, variants: list[Scenario], changed: Changed) -> Inputs:
    """Compiled rows of variants of `scenario`, variant i differing from it only in the inputs
    at paths changed[i]: edits of the scenario's own compiled arrays where the paths map onto
    them (`portfolio.group_inputs`: group figures, channel terms, product capacity and cost,
    fixed costs), one compile per variant otherwise. In the variants' order; every row
    simulated to the last installment of any of them."""
    fast = [i for i, paths in enumerate(changed) if fast_columns(scenario, list(paths))]
    slow = [i for i in range(len(variants)) if i not in set(fast)]
    parts = [compile_rows([variants[i] for i in slow], simulated_months(scenario))] \
        if slow else []
    months = parts[0].months if slow else simulated_months(scenario)
    if fast:
        parts.insert(0, group_inputs(scenario, [variants[i] for i in fast],
                                     sorted({p for i in fast for p in changed[i]}), months))
    order = np.argsort(np.array(fast + slow), kind="stable")
    return Inputs.concat(parts).take(order)


def variant_figures(scenario: Scenario, variants: list[Scenario], changed: Changed,
                    progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """The pipeline's summary of each variant (`variant_rows`), each judged by its own exit
    criteria (rows with the same criteria run together), in `TORNADO_STEPS` batches with
    `progress(done, total)` after each, else in one."""
    x = variant_rows(scenario, variants, changed)
    criteria = [v.exit_criteria for v in variants]
    kinds = list(dict.fromkeys(c.model_dump_json() for c in criteria))
    kind = np.array([kinds.index(c.model_dump_json()) for c in criteria])
    size = len(variants) if progress is None else -(-len(variants) // TORNADO_STEPS)
    parts = []
    for start in range(0, len(variants), size):
        batch = np.arange(start, min(len(variants), start + size))
        for k in np.unique(kind[batch]):
            rows = batch[kind[batch] == k]
            summary = run(x.take(rows), scenario.horizon_months,
                          criteria[int(rows[0])]).summary.frame()
            parts.append(summary.set_axis(rows))
        if progress is not None:
            progress(int(batch[-1]) + 1, len(variants))
    return pd.concat(parts).sort_index()


TORNADO_STEPS = 10
"""A tornado reports progress this many times (its variants run in as many batches)."""


def tornado(scenario: Scenario, paths: list[str] | None = None, step: float = 0.1,
            progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """One-way sensitivity: each input at (1 - step) and (1 + step) times its value, the
    variants in batches (one with `progress`, else `TORNADO_STEPS`; the rows are independent,
    so the figures are the same). Rows: inputs (sorted by the swing of minimum cash); columns:
    the low and high values and, per outcome, the outcome at each and the swing (high - low).
    Variants the model rejects (shares that no longer sum to 1) are listed with the reason.
    `progress(done, total)` is called as inputs are varied and as batches are run."""
    chosen = [(p, v) for p, v in numeric_inputs(scenario) if paths is None or p in paths]
    values = {p: v for p, v, _ in params(scenario)}
    variants, rows, skipped = [scenario], [], []
    changed: Changed = [()]
    total = 2 * len(chosen)          # half for varying the inputs, half for running them
    for k, (path, value) in enumerate(chosen):
        if progress is not None and k % max(1, len(chosen) // TORNADO_STEPS) == 0:
            progress(k, total)
        edits = [varied(values, path, value * f) for f in (1 - step, 1 + step)]
        try:
            low, high = (with_overrides(scenario, e) for e in edits)
        except ScenarioError as e:
            skipped.append((path, e.problems[0].message))
            continue
        variants += [low, high]
        changed += [tuple(e) for e in edits]
        rows.append({"path": path, "value": value, "low": value * (1 - step),
                     "high": value * (1 + step)})
    figures = variant_figures(scenario, variants, changed, None if progress is None else (
        lambda done, of: progress(len(chosen) + len(chosen) * done // of, total)))
    T = scenario.horizon_months
    base = figures.iloc[0]
    for i, row in enumerate(rows):
        lo, hi = figures.iloc[1 + 2 * i], figures.iloc[2 + 2 * i]
        for outcome in OUTCOMES:
            a, b = lo[outcome], hi[outcome]
            if outcome == "exit_month":
                a, b = horizon_if_none(a, T), horizon_if_none(b, T)
            row[f"{outcome}_low"], row[f"{outcome}_high"] = a, b
            row[f"{outcome}_swing"] = b - a
    table = pd.DataFrame(rows)
    if not table.empty:
        order = np.lexsort([-table[f"{o}_swing"].abs().to_numpy() for o in reversed(OUTCOMES)])
        table = table.iloc[order].set_index("path")
    table.attrs["base"] = {o: (horizon_if_none(base[o], T) if o == "exit_month" else base[o])
                           for o in OUTCOMES}
    table.attrs["skipped"] = skipped
    return table


def grid(scenario: Scenario, path_x: str, values_x: list[float], path_y: str,
         values_y: list[float], outcome: str = "min_cash_balance") -> pd.DataFrame:
    """Two-way sensitivity: `outcome` for every pair of values (rows: y, columns: x), from one
    batch. Exit months beyond the horizon count as the horizon."""
    variants = [with_overrides(scenario, {path_x: x, path_y: y})
                for y in values_y for x in values_x]
    figures = variant_figures(scenario, variants, [(path_x, path_y)] * len(variants))[outcome]
    if outcome == "exit_month":
        figures = figures.map(lambda e: horizon_if_none(e, scenario.horizon_months))
    values = np.asarray(figures, dtype=float).reshape(len(values_y), len(values_x))
    return pd.DataFrame(values, index=pd.Index(values_y, name=path_y),
                        columns=pd.Index(values_x, name=path_x))


def flip_value(scenario: Scenario, path: str, outcome: str = "exit_month",
               threshold: float | None = None, multipliers: np.ndarray | None = None
               ) -> float | None:
    """The value of `path` at which `outcome` crosses `threshold` (default: for the exit month,
    the horizon, i.e. the group stops being self-sustaining; for cash, the reserve), from a
    batch over multiples of its value, interpolated. None when it never crosses."""
    value = dict(numeric_inputs(scenario))[path]
    multipliers = np.linspace(0, 3, 61) if multipliers is None else multipliers
    values = {p: v for p, v, _ in params(scenario)}
    variants, changed, used = [], [], []
    for k in multipliers:
        edit = varied(values, path, value * k)
        try:
            variants.append(with_overrides(scenario, edit))
        except ScenarioError:
            continue
        changed.append(tuple(edit))
        used.append(value * k)
    figures = variant_figures(scenario, variants, changed)[outcome]
    T = scenario.horizon_months
    if outcome == "exit_month":
        ys = np.array([horizon_if_none(e, T) for e in figures])
        threshold = T - 0.5 if threshold is None else threshold
    else:
        ys = np.asarray(figures, dtype=float)
        threshold = scenario.group.cash_reserve if threshold is None else threshold
    d = ys - threshold
    change = np.flatnonzero(np.sign(d[:-1]) != np.sign(d[1:]))
    if change.size == 0:
        return None
    i = int(change[0])
    x0, x1, d0, d1 = used[i], used[i + 1], d[i], d[i + 1]
    return float(x0 + (x1 - x0) * d0 / (d0 - d1)) if d0 != d1 else float(x0)


# ---- Monte Carlo: engine/montecarlo.py (month-by-month shocks: engine/shocks.py) ----------------
