"""Risk: one-way sensitivity (tornado), two-way grids, switching points, and a correlated,
seeded Monte Carlo. Every variant set is rows of one pipeline run (engine.pipeline); Monte Carlo
paths are processed in chunks so memory stays bounded.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from engine.cashflow import Inputs
from engine.errors import ScenarioError
from engine.fields import locate, structural
from engine.io import params, with_overrides
from engine.limits import check_memory
from engine.pipeline import compile_rows, rows_per_variant, run, run_scenarios
from engine.scenario import Channel, Scenario

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
    """The scenario with one input changed: counts stay whole, shares and rates stay within
    0..1, and a payer's share of a service moves the group's share the other way."""
    values = {p: v for p, v, _ in params(scenario)}
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
    return with_overrides(scenario, overrides)


def horizon_if_none(exit_month: Any, horizon: int) -> float:
    """An exit month as a number for bars: none within the horizon counts as the horizon."""
    return float(horizon) if exit_month is None or pd.isna(exit_month) else float(exit_month)


def tornado(scenario: Scenario, paths: list[str] | None = None, step: float = 0.1
            ) -> pd.DataFrame:
    """One-way sensitivity: each input at (1 - step) and (1 + step) times its value, all the
    variants in one batch. Rows: inputs (sorted by the swing of minimum cash); columns: the
    low and high values and, per outcome, the outcome at each and the swing (high - low).
    Variants the model rejects (shares that no longer sum to 1) are listed with the reason."""
    chosen = [(p, v) for p, v in numeric_inputs(scenario) if paths is None or p in paths]
    variants, rows, skipped = [scenario], [], []
    for path, value in chosen:
        try:
            low, high = _vary(scenario, path, value * (1 - step)), _vary(
                scenario, path, value * (1 + step))
        except ScenarioError as e:
            skipped.append((path, e.problems[0].message))
            continue
        variants += [low, high]
        rows.append({"path": path, "value": value, "low": value * (1 - step),
                     "high": value * (1 + step)})
    figures = run_scenarios(variants).summary.frame()
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
    figures = run_scenarios(variants).summary.frame()[outcome]
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
    variants, used = [], []
    for k in multipliers:
        try:
            variants.append(_vary(scenario, path, value * k))
            used.append(value * k)
        except ScenarioError:
            continue
    figures = run_scenarios(variants).summary.frame()[outcome]
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


# ---- Monte Carlo ------------------------------------------------------------------------------

FACTORS = ("price", "volume", "delay", "rejection")


@dataclass(frozen=True)
class Shocks:
    """Path-level shocks (one draw per path, a good or a bad run of years).

    price: lognormal multiplier exp(s Z - s^2 / 2) on every list price (mean 1; seasonality
    kept); volume: the same on units sold; delay: + s x Z days on every payment delay (not
    below 0); rejection: + s x Z on every channel's rejection rate (acceptance = 1 - rejection,
    within 0..1). Z ~ N(0, correlation), drawn through its Cholesky factor.
    """

    price_vol: float = 0.0
    volume_vol: float = 0.0
    delay_sd_days: float = 0.0
    rejection_sd: float = 0.0
    correlation: tuple[tuple[float, ...], ...] = field(
        default=((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)))


def draw(shocks: Shocks, paths: int, seed: int) -> np.ndarray:
    """(paths, 4) correlated standard normals, reproducible from `seed`."""
    r = np.asarray(shocks.correlation, dtype=float)
    try:
        chol = np.linalg.cholesky(r)
    except np.linalg.LinAlgError:   # semi-definite (a correlation of +/-1): any square root
        w, v = np.linalg.eigh(r)
        chol = v * np.sqrt(np.clip(w, 0.0, None))
    return np.random.default_rng(seed).standard_normal((paths, len(FACTORS))) @ chol.T


def shocked(inputs: Inputs, z: np.ndarray, shocks: Shocks) -> Inputs:
    """One row per draw: the scenario's single row with the path's shocks applied."""
    rows = inputs.take(np.zeros(len(z), dtype=int))
    sp, sv = shocks.price_vol, shocks.volume_vol
    price = np.exp(sp * z[:, 0] - sp * sp / 2)
    volume = np.exp(sv * z[:, 1] - sv * sv / 2)
    delay = shocks.delay_sd_days * z[:, 2]
    return replace(
        rows, list_price=rows.list_price * price[:, None, None],
        produced=rows.produced * volume[:, None, None],
        delay_days=np.maximum(rows.delay_days + delay[:, None], 0.0),
        delay_days_max=np.maximum(rows.delay_days_max + delay[:, None], 0.0),
        acceptance=np.clip(rows.acceptance - shocks.rejection_sd * z[:, 3, None], 0.0, 1.0))


@dataclass(frozen=True)
class MonteCarlo:
    dates: list[str]
    cash_percentiles: pd.DataFrame          # months x (p5, p50, p95)
    p_self_sustaining_by_month: pd.Series   # P(exit month <= m)
    exit_month_distribution: pd.Series      # share of paths by exit month (-1: none)
    p_dscr_below_1: float                   # P(min trailing-12m DSCR < 1)
    p_cash_short_at_installment: float      # P(cash < 0 in a month with debt service)
    p_par30: float                          # P(an installment > 30 days past due, any month)
    expected_arrears: float                 # mean arrears at the end (engine/arrears.py)
    paths: int                              # paths simulated (fewer than asked if stopped)
    seed: int
    paths_asked: int = 0                    # paths asked for (> paths: the time limit hit)


def monte_carlo_bytes(paths: int, months: int, chunk_rows: int, row_cells: int) -> float:
    """Planned memory of `monte_carlo`: the kept cash balances and their percentile copy
    (2 x paths x months floats), the draws and per-path results, and one chunk's batch (about
    40 arrays of a row's channel x month cells per row)."""
    return 8.0 * (2 * paths * months + 8 * paths + 40 * chunk_rows * max(row_cells, months))


def monte_carlo(scenario: Scenario, shocks: Shocks, paths: int = 1000, seed: int = 0,
                max_rows: int = 4_000, time_limit: float | None = None) -> MonteCarlo:
    """Seeded, correlated Monte Carlo. All shocks are drawn first (so results do not depend on
    the chunking), then the paths are rows of pipeline runs of at most `max_rows` simulated
    rows each. Cash percentiles cover the horizon; the DSCR and installment figures every
    simulated month. With `time_limit` (seconds), no new chunk starts once it has passed: the
    figures are then those of the paths done (the first ones drawn, so the same seed gives the
    same paths), `paths` says how many and `paths_asked` how many were asked for."""
    inputs = compile_rows([scenario])
    T = scenario.horizon_months
    rows_per_path = rows_per_variant(inputs, scenario.exit_criteria, T)
    per_chunk = max(1, max_rows // rows_per_path)
    check_memory(f"a Monte Carlo of {paths:,} paths x {T} months",
                 monte_carlo_bytes(paths, inputs.months, min(paths, per_chunk) * rows_per_path,
                                   inputs.list_price.size),
                 "use fewer paths")
    z = draw(shocks, paths, seed)
    cash = np.empty((paths, T))
    exits = np.empty(paths, dtype=int)
    dscr_low = np.empty(paths, dtype=bool)
    short = np.empty(paths, dtype=bool)
    par30 = np.empty(paths, dtype=bool)
    arrears_end = np.empty(paths)
    asked, started = paths, time.monotonic()
    for start in range(0, paths, per_chunk):
        if start and time_limit is not None and time.monotonic() - started > time_limit:
            paths = start
            cash, exits, dscr_low, short, par30, arrears_end = (
                a[:paths] for a in (cash, exits, dscr_low, short, par30, arrears_end))
            break
        chunk = slice(start, min(paths, start + per_chunk))
        r = run(shocked(inputs, z[chunk], shocks), T, scenario.exit_criteria, max_rows=max_rows)
        exits[chunk] = r.exit_month
        cash[chunk] = r.monthly["cash_balance"][:, :T]
        dscr_low[chunk] = np.nan_to_num(r.summary.min_dscr_12m, nan=np.inf) < 1
        short[chunk] = r.summary.cash_short_at_installment
        par30[chunk] = r.summary.par30_ever
        arrears_end[chunk] = r.summary.arrears_at_end
    dates = [scenario.month_label(t) for t in range(T)]
    pct = np.percentile(cash, [5, 50, 95], axis=0)
    by_month = np.array([np.mean((exits >= 0) & (exits <= t)) for t in range(T)])
    dist = pd.Series(exits).value_counts(normalize=True).sort_index()
    return MonteCarlo(
        dates=dates,
        cash_percentiles=pd.DataFrame(pct.T, index=pd.Index(dates, name="date"),
                                      columns=["p5", "p50", "p95"]),
        p_self_sustaining_by_month=pd.Series(by_month, index=dates, name="p_self_sustaining"),
        exit_month_distribution=dist.rename("share"),
        p_dscr_below_1=float(dscr_low.mean()),
        p_cash_short_at_installment=float(short.mean()),
        p_par30=float(par30.mean()), expected_arrears=float(arrears_end.mean()),
        paths=paths, seed=seed, paths_asked=asked)


def monte_carlo_cash(scenario: Scenario, shocks: Shocks, paths: int, seed: int = 0
                     ) -> np.ndarray:
    """(paths, T) cash balances with subsidies, for tests and charts."""
    rows = shocked(compile_rows([scenario]), draw(shocks, paths, seed), shocks)
    r = run(rows, scenario.horizon_months, sweep=False)
    return r.monthly["cash_balance"][:, :scenario.horizon_months]
