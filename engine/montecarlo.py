"""Monte Carlo: the scenario under month-by-month shocks (engine/shocks.py), many paths.

A path is defined as the pipeline's projection of the scenario's row with the path's shocks
applied (`engine.shocks.shocked` then `engine.pipeline.run`); this module computes the same
figures with a lean kernel where it can, and tests hold the two equal (to 1e-8 relative):

- the shocks touch only the sales side (prices, units sold, when buyers pay). Everything else
  (costs, services, loans, the no-subsidy counterfactual's differences) is the same on every
  path: it is computed once, from the scenario's own projection, as per-month arrays;
- a path's revenue is the projection's revenue by buyer times its price and volume
  multipliers; its receipts net of commissions are one contraction per month of delay
  (weights of each buyer's delay x (1 - commission)), late payments a sparse correction;
- the with- and without-subsidy rows share that sales side: they differ by a fixed array;
- only what Monte Carlo reports is computed: cash, exit month, trailing DSCR, cash short at
  an installment.

The exit month is the pipeline's two-row formula. With a credit line (and a cash reserve above
0) the same formula holds on the group's net position (cash less the line's balance) of the
plan without payouts: while that stays at or above the reserve the line is unused and charges
nothing, so the months after M are linear in M's starting position (less the interest due in
month M on the balance M starts with); payouts do not change which
months are safe (methodology.md, "Monte Carlo with a credit line"). So a path costs one month
loop over paths for the line, not one row per exit month.

Scenarios with arrears, service effects that fade at exit, extra exit criteria, quotas or
rejects sold as another product run the paths through the pipeline itself, in chunks.

Memory: paths are processed in chunks of at most `CHUNK_CELLS` path-month cells of working
arrays (whatever the horizon); what is kept is the cash of every path over the horizon and a
few figures per path (`monte_carlo_bytes`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from engine import metrics
from engine.cashflow import (
    Inputs,
    cash_with_credit_line,
    needs_full_sweep,
    receipt_weights,
    simulate,
    spare_payouts,
)
from engine.limits import check_memory
from engine.pipeline import compile_rows, run
from engine.scenario import ExitCriteria, Scenario
from engine.shocks import BLOCK_PATHS, Draws, Shocks, draw, draw_block, shocked

CHUNK_CELLS = 8_000_000
"""Most working cells (paths x months x arrays) of one chunk: about 64 MiB of float64 at a
time in the lean kernel's arrays, whatever the horizon."""
BLOCK_CELLS = 4_000_000
"""Most random numbers drawn by one generator block (smaller blocks for long horizons)."""


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
    shocks: Shocks | None = None


@dataclass(frozen=True)
class PathFigures:
    """What Monte Carlo keeps of each path of a chunk."""

    cash: np.ndarray          # (n, H) (a month-major array's transpose from the kernel)
    exit_month: np.ndarray    # (n,) -1: none
    dscr_low: np.ndarray      # (n,) min trailing-12m DSCR < 1
    short: np.ndarray         # (n,) cash < 0 in a month with debt service
    par30: np.ndarray         # (n,)
    arrears_end: np.ndarray   # (n,)


def lean_applies(x: Inputs, criteria: ExitCriteria) -> bool:
    """True when the lean kernel computes the pipeline's figures: no arrears, no extra exit
    criteria, nothing fades at exit, no quotas, rejects sold as the same product, and with a
    credit line a cash reserve above 0 (see the module's docstring)."""
    if x.arrears_enabled.any() or criteria.self_sufficiency or \
            criteria.member_income_floor is not None or x.has_quota.any():
        return False
    if (x.fallback.argmax(axis=1) != np.arange(len(x.channel_product)))[
            x.fallback.any(axis=1)].any():
        target = x.channel_product[x.fallback.argmax(axis=1)]
        if (target != x.channel_product)[x.fallback.any(axis=1)].any():
            return False
    plain = replace(x, credit_limit=np.zeros(1), distribution_share=np.zeros(1))
    if needs_full_sweep(plain):        # service effects that fade from the exit month
        return False
    return not ((x.credit_limit > 0).any() and (x.cash_reserve <= 2 * metrics.TOLERANCE).any())


class Kernel:
    """The scenario's fixed arrays, computed once, and the per-path computation. Arrays of
    paths are month-major, (T, n): a month of every path is a contiguous row."""

    def __init__(self, x: Inputs, horizon: int):
        self.x, self.H, self.T = x, horizon, x.months
        given = simulate(x)
        without = simulate(replace(x, exit_month=np.array([0])))
        P = x.produced.shape[1]
        self.product = x.channel_product
        self.one_product = P == 1
        self.revenue = given["revenue_by_channel"][0].T[:, :, None]         # (T, C, 1)
        sold = given["units_sold_by_channel"][0]
        self.keep = 1.0 - x.commission_rate[0]                              # (C,)
        w = receipt_weights(x.delay_days, x.delay_days_max)[0]              # (C, J)
        self.receipt = (self.keep[:, None] * w).T                           # (J, C)
        self.receipt_terms = [(j, c, self.receipt[j, c]) for j, c in
                              zip(*np.nonzero(self.receipt[:self.T]), strict=True)]
        self.late_weights: np.ndarray | None = None
        self.transport = np.stack([(sold * x.transport[0, :, None])[self.product == p].sum(0)
                                   for p in range(P)]).T                    # (T, P)
        self.has_transport = bool(self.transport.any())
        T, C = self.T, len(self.product)
        sales1, income1 = self._sales(np.ones((T, C, 1)), np.ones((T, P, 1)), None)
        self.financing = (given["loan_disbursements"] + given["member_capital"]
                          - given["investments"])[0][:, None]              # (T, 1)

        def fixed(m: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """(T, 1) what does not move with the sales side: flows before financing and
            accrual income less their sales parts; and (T,) loan interest."""
            loan_interest = m["interest"] - m["credit_line_interest"] - m["penalty_interest"]
            bf = (m["operating_cash_flow"] - loan_interest - m["principal"] - m["loan_fees"])[0]
            income = (m["member_income_per_member"][0] * x.members[0]
                      + m["credit_line_interest"][0] + m["penalty_interest"][0])
            return bf[:, None] - sales1, income[:, None] - income1, loan_interest[0]

        self.bf_with, self.income_with, interest = fixed(given)
        self.bf_without, _, _ = fixed(without)
        self.cash_available = (given["operating_cash_flow"][0]
                               - given["members_drawings"][0])[:, None] - sales1
        self.loan_debt_service = (interest + given["principal"][0]
                                  + given["loan_fees"][0])[:, None]          # (T, 1)
        self.credit = bool((x.credit_limit > 0).any())
        self.share = float(x.distribution_share[0])
        self.opening, self.reserve = float(x.opening_cash[0]), float(x.cash_reserve[0])

    def set_late_days(self, days: float) -> None:
        """Receipt weights of a late month's sales, less the usual ones, x (1 - commission)."""
        x = self.x
        if days <= 0:
            self.late_weights = None
            return
        usual = receipt_weights(x.delay_days, x.delay_days_max)[0]
        late = receipt_weights(x.delay_days + days, x.delay_days_max + days)[0]
        usual = np.pad(usual, ((0, 0), (0, late.shape[-1] - usual.shape[-1])))
        self.late_weights = (self.keep[:, None] * (late - usual)).T          # (J, C)

    def _sales(self, price: np.ndarray, volume: np.ndarray, late: np.ndarray | None
               ) -> tuple[np.ndarray, np.ndarray]:
        """(T, n) the sales side of the paths' cash flows (receipts less commissions less
        transport) and of their accrual income (revenue less commissions less transport)."""
        T, C, n = price.shape
        revenue = self.revenue * price                                      # (T, C, n)
        revenue *= volume if self.one_product else volume[:, self.product]
        out = np.zeros((T, n))
        step = np.empty((T, n))
        for j, c, a in self.receipt_terms:      # a share a of month t's sales paid in t + j
            np.multiply(revenue[:T - j, c], a, out=step[:T - j])
            out[j:] += step[:T - j]
        if late is not None and self.late_weights is not None:
            where = np.flatnonzero(late)
            value = revenue.reshape(-1)[where]
            t, c, i = where // (C * n), where // n % C, where % n
            month = t[None, :] + np.arange(self.late_weights.shape[0])[:, None]   # (J, k)
            where = month < T
            amount = value[None, :] * self.late_weights[:, c]
            out += np.bincount((month * n + i[None, :])[where], amount[where],
                               minlength=T * n).reshape(T, n)
        income = self.keep[0] * revenue[:, 0]
        for c in range(1, C):
            income += self.keep[c] * revenue[:, c]
        if self.has_transport:
            transport = np.einsum("tpn,tp->tn", volume, self.transport)
            out -= transport
            income -= transport
        return out, income

    def run(self, d: Draws) -> PathFigures:
        H, T, tol = self.H, self.T, metrics.TOLERANCE
        sales, income = self._sales(d.price, d.volume, d.late if d.late.any() else None)
        n = d.paths
        fin = self.financing
        bf = sales + self.bf_with                                           # before financing
        payable = (self.share * np.maximum(income + self.income_with, 0.0)
                   if self.share > 0 else np.zeros((T, n)))
        ds = self.loan_debt_service
        c_with = cumulative(bf + fin)                                       # before payouts
        if self.credit:
            line = cash_with_credit_line(self.x, bf.T, fin.T, payable.T)
            cash = line["cash_balance"].T
            ds = ds + line["credit_line_interest"].T
            start = self._net_position(bf + fin)                            # (H, n)
        else:
            cash = self.opening + c_with
            if self.share > 0:
                paid = spare_payouts(payable.T, cash.T, self.x.cash_reserve)
                cash = cash - cumulative(paid.T)
            start = np.empty((H, n))
            start[0] = self.opening
            start[1:] = self.opening + c_with[:H - 1]
        # the exit month: the two-row formula (module docstring)
        c_without = cumulative(sales + (self.bf_without + fin))
        low = metrics.running(np.minimum, c_without.T, reverse=True).T[:H] + start
        low[1:] -= c_without[:H - 1]
        safe = low >= self.reserve - tol
        exit_month = np.where(safe.any(axis=0), safe.argmax(axis=0), -1)
        # trailing DSCR after members' drawings, cash short at an installment
        m = {"operating_cash_flow": (sales + self.cash_available).T, "members_drawings": 0.0,
             "debt_service": ds.T}               # (1, T) when it is the same on every path
        dscr_low = np.nan_to_num(metrics.min_dscr_12m(m), nan=np.inf) < 1
        short = ((cash < -tol) & (ds > 0)).any(axis=0)
        zeros = np.zeros(n)
        return PathFigures(cash[:H].T, exit_month, dscr_low, short, zeros.astype(bool), zeros)

    def _net_position(self, flows: np.ndarray) -> np.ndarray:
        """(H, n) the group's net position (cash less the credit line's balance) at the end
        of month M - 1 (the opening cash for M = 0) in the plan with its subsidies and without
        payouts, less the line's interest on it due in month M:
        N_t = N_(t-1) + flow_t - i(N_(t-1)), i(N) = rate / 12 x min(max(-N, 0), limit)."""
        x = self.x
        n, H = flows.shape[1], self.H
        out = np.empty((H, n))
        rate, limit = float(x.credit_rate[0]) / 12, float(x.credit_limit[0])
        net = np.full(n, self.opening)
        for t in range(H):
            interest = rate * np.clip(-net, 0.0, limit)
            out[t] = net - interest
            net = net + flows[t] - interest
        return out


def cumulative(a: np.ndarray) -> np.ndarray:
    """(T, n) running totals down the months of a month-major array."""
    return metrics.running(np.add, a.T).T


def pipeline_figures(x: Inputs, d: Draws, horizon: int, criteria: ExitCriteria,
                     max_rows: int) -> PathFigures:
    """The paths through the pipeline itself (scenarios the lean kernel does not cover)."""
    r = run(shocked(x, d), horizon, criteria, max_rows=max_rows)
    return PathFigures(r.monthly["cash_balance"][:, :horizon], r.exit_month,
                       np.nan_to_num(r.summary.min_dscr_12m, nan=np.inf) < 1,
                       r.summary.cash_short_at_installment, r.summary.par30_ever,
                       r.summary.arrears_at_end)


def monte_carlo_bytes(paths: int, horizon: int, chunk_cells: int) -> float:
    """Planned memory: the kept cash of every path over the horizon and its percentile copy
    (2 x paths x horizon floats), a few figures per path, and one chunk's working arrays
    (about 3 x `chunk_cells` floats with the draws and temporaries)."""
    return 8.0 * (2 * paths * horizon + 8 * paths + 3 * chunk_cells)


def block_paths(x: Inputs) -> int:
    """Paths per generator block: `BLOCK_PATHS`, fewer when a path's draws are many."""
    per_path = x.months * (1 + x.list_price.shape[1] + x.produced.shape[1])
    return max(1, min(BLOCK_PATHS, BLOCK_CELLS // per_path))


def monte_carlo(scenario: Scenario, shocks: Shocks | None = None, paths: int = 1000,
                seed: int = 0, chunk_cells: int = CHUNK_CELLS, time_limit: float | None = None,
                progress: Callable[[int, int], None] | None = None) -> MonteCarlo:
    """Seeded Monte Carlo of `paths` paths under month-by-month `shocks` (default: the
    `Shocks` defaults). Paths go in chunks of whole generator blocks, so the same seed gives
    the same paths whatever the chunk size. Cash percentiles cover the horizon; the DSCR and
    installment figures every simulated month. With `time_limit` (seconds), no new chunk
    starts once it has passed: the figures are those of the paths done (the first ones drawn),
    `paths` says how many and `paths_asked` how many were asked for. `progress(done, total)`
    is called after each chunk."""
    shocks = Shocks() if shocks is None else shocks
    x = compile_rows([scenario])
    H, T = scenario.horizon_months, x.months
    criteria = scenario.exit_criteria
    lean = lean_applies(x, criteria)
    C, P = x.list_price.shape[1], x.produced.shape[1]
    if lean:
        per_path = T * (2 * C + P + 12)
    else:
        per_path = T * 40 * max(C, 1)      # the given rows' monthly arrays (run chunks the rest)
    block = block_paths(x)
    blocks_per_chunk = max(1, chunk_cells // (per_path * block))
    check_memory(f"a Monte Carlo of {paths:,} paths x {T} months",
                 monte_carlo_bytes(paths, H, min(paths, blocks_per_chunk * block) * per_path),
                 "use fewer paths")
    kernel = Kernel(x, H) if lean else None
    if kernel is not None:
        kernel.set_late_days(shocks.late_payment_days)
    kept: list[PathFigures] = []
    asked, started, done = paths, time.monotonic(), 0
    n_blocks = -(-paths // block)
    for first in range(0, n_blocks, blocks_per_chunk):
        if first and time_limit is not None and time.monotonic() - started > time_limit:
            break
        d = draw(shocks, x, [(b, min(block, paths - b * block))
                             for b in range(first, min(n_blocks, first + blocks_per_chunk))],
                 seed)
        kept.append(kernel.run(d) if kernel is not None else pipeline_figures(
            x, d, H, criteria, max_rows=max(1, chunk_cells // (T * 40))))
        done += d.paths
        if progress is not None:
            progress(done, asked)
    cash = np.concatenate([k.cash.T for k in kept], axis=1).T      # month-major, (paths, H)
    f = PathFigures(cash, *(np.concatenate([getattr(k, name) for k in kept])
                            for name in list(PathFigures.__dataclass_fields__)[1:]))
    return summarize(scenario, f, done, asked, seed, shocks)


def summarize(scenario: Scenario, f: PathFigures, paths: int, asked: int, seed: int,
              shocks: Shocks) -> MonteCarlo:
    H = scenario.horizon_months
    dates = [scenario.month_label(t) for t in range(H)]
    pct = np.percentile(f.cash.T, [5, 50, 95], axis=1)
    exits = f.exit_month
    counts = np.bincount(exits[exits >= 0], minlength=H)
    by_month = np.cumsum(counts) / paths
    dist = pd.Series(exits).value_counts(normalize=True).sort_index()
    return MonteCarlo(
        dates=dates,
        cash_percentiles=pd.DataFrame(pct.T, index=pd.Index(dates, name="date"),
                                      columns=["p5", "p50", "p95"]),
        p_self_sustaining_by_month=pd.Series(by_month, index=dates, name="p_self_sustaining"),
        exit_month_distribution=dist.rename("share"),
        p_dscr_below_1=float(f.dscr_low.mean()),
        p_cash_short_at_installment=float(f.short.mean()),
        p_par30=float(f.par30.mean()), expected_arrears=float(f.arrears_end.mean()),
        paths=paths, seed=seed, paths_asked=asked, shocks=shocks)


def path_figures(scenario: Scenario, shocks: Shocks, paths: int, seed: int = 0,
                 lean: bool = True) -> PathFigures:
    """Every path's figures, from the lean kernel or (lean=False) the pipeline, for tests and
    charts (one block of paths)."""
    x = compile_rows([scenario])
    d = draw_block(shocks, x, paths, seed, 0)
    if lean:
        k = Kernel(x, scenario.horizon_months)
        k.set_late_days(shocks.late_payment_days)
        return k.run(d)
    return pipeline_figures(x, d, scenario.horizon_months, scenario.exit_criteria, 4000)
