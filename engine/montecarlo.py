"""Monte Carlo: the scenario under month-by-month shocks (engine/shocks.py), many paths.

A path is defined as the pipeline's projection of the scenario's row with the path's shocks
applied (`engine.shocks.shocked` then `engine.pipeline.run`); this module computes the same
figures with a lean kernel, and tests hold the two equal path by path (to 1e-8 relative) on
every preset and on random scenarios:

- the shocks touch only the sales side (prices, units sold, when buyers pay). Everything else
  (costs, services, loans, the counterfactuals' differences) is the same on every path: it is
  computed once, from the scenario's own projections, as per-month arrays;
- a path's revenue is the projection's revenue by buyer times its price and volume
  multipliers, so what month t's sales bring in each later month (receipts net of
  commissions, less transport) and their income are one small matrix product per month
  (`Side`); a late payment adds the difference between its receipt weights and the usual;
- the work goes month by month over rows of all the chunk's paths (month-major arrays), the
  cash identity, its running sums, the payouts, the exit test and the DSCR windows fused into
  a few passes;
- only what Monte Carlo reports is computed: cash, exit month, trailing DSCR, cash short at
  an installment.

The exit month is the pipeline's two-row formula generalised: plan M ("every subsidy ends at
M") is the plan with subsidies before M, so its cash from M on is the cash at M - 1 plus the
running sum of its own flows from M. Plans whose flows from M on are the same share one
running minimum (a `Profile`): all of them without service effects that fade at exit or loans
the facilitator arranged; otherwise each plan is simulated once without shocks and grouped (the
footwear groups: the plan that never gets the JOBS training, and the others). The income floor
(members' income over 12 full months) is tested the same way per profile. With a credit line
(and a cash reserve above 0) the formula holds on the group's net position (cash less the
line's balance) of the plan without payouts: while that stays at or above the reserve the line
is unused and charges nothing, so the months after M are linear in M's starting position (less
the interest due in month M on the balance M starts with); payouts do not change which months
are safe (methodology.md, "Monte Carlo with a credit line"). So a path costs one month loop
over paths for the line, not one row per exit month.

With an income floor as well, the members' income is less the line's interest: plan M, where
its cash is safe, pays the interest due in month M and none after (`Kernel._income_floor`).

Scenarios with arrears, quotas, rejects sold as another product, a self-sufficiency criterion,
a credit line with a reserve of 0, or more than `MAX_SIDES` distinct sales sides run the paths
through the pipeline itself, in chunks.

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
    needs_full_sweep,
    net_position_at_exit,
    receipt_weights,
    simulate,
)
from engine.limits import check_memory
from engine.pipeline import compile_rows, rows_per_variant, run
from engine.scenario import ExitCriteria, Scenario
from engine.shocks import BLOCK_PATHS, Draws, Shocks, draw, draw_block, on_credit, shocked

CHUNK_CELLS = 12_000_000
"""Most working cells (8 bytes) of one chunk (`cells_per_path`): at most 96 MiB at a time,
whatever the horizon (10,000 paths x 120 months of Bogra or Modhupur in one chunk)."""
BLOCK_CELLS = 4_000_000
"""Most random numbers drawn by one generator block (smaller blocks for long horizons)."""
PIPELINE_CELLS = 400_000
"""Most simulated row-months per step of the pipeline path (about a quarter of a second here,
with arrears): progress is reported, and the time limit checked, after each step, however
long a path's exit sweep (`pipeline_step`)."""


@dataclass(frozen=True)
class MonteCarlo:
    dates: list[str]
    cash_percentiles: pd.DataFrame          # months x (p5, p50, p95)
    p_self_sustaining_by_month: pd.Series   # P(exit month <= m)
    exit_month_distribution: pd.Series      # share of paths by exit month (-1: none)
    p_dscr_below_1: float                   # P(min trailing-12m DSCR < 1); NaN where no path
                                            # has a full 12-month window in the loan period
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
    dscr_defined: np.ndarray  # (n,) the min trailing-12m DSCR is defined (a full window in
                              # the loan period, no overflow)
    short: np.ndarray         # (n,) cash < 0 in a month with debt service
    par30: np.ndarray         # (n,)
    arrears_end: np.ndarray   # (n,)


def lean_applies(x: Inputs, criteria: ExitCriteria) -> bool:
    """True when the lean kernel computes the pipeline's figures (`Kernel.build` is not None)."""
    return Kernel.build(x, x.horizon_months or x.months, criteria) is not None


def structure_allows(x: Inputs, criteria: ExitCriteria) -> bool:
    """What the kernel needs of the scenario's structure: no arrears, no quotas, rejects sold
    as the same product, no self-sufficiency criterion, and with a credit line a cash reserve
    above 0 (the net-position formula)."""
    if x.arrears_enabled.any() or criteria.self_sufficiency or x.has_quota.any():
        return False
    routed = x.fallback.any(axis=1)
    if (x.channel_product[x.fallback.argmax(axis=1)] != x.channel_product)[routed].any():
        return False
    if (x.credit_limit > 0).any():
        return bool((x.cash_reserve > 2 * metrics.TOLERANCE).all())
    return True


@dataclass(frozen=True)
class Side:
    """The sales side of a row as weights on month t's multipliers m (the paths' price x volume
    of each channel, then each product's volume): `weights[t, j] @ m` is what month t's sales
    bring in month t + j (receipts net of commissions, less transport in month t), and
    `weights[t, J] @ m` their accrual income (revenue net of commissions, less transport).
    With late payments, `late[t, j] @ (m, m x late)` is what month t's sales bring in month
    t + j (j < J'), the second block of weights (one a buyer on credit) moving a late month's
    sales."""

    weights: np.ndarray          # (T, J + 1, C + P)
    late: np.ndarray | None      # (T, J', C + P + buyers on credit)


@dataclass(frozen=True)
class Profile:
    """Exit months M whose plans ("every subsidy ends at M") have the same flows from M on (and
    the plan with subsidies before M): their cash from M on follows from one cumulative sum.
    `flows` and `income` are the plan's flows before payouts and accrual income less their
    sales parts (the sales side `side` at unit multipliers)."""

    months: np.ndarray           # (H,) bool: the exit months M it holds
    flows: np.ndarray            # (T,)
    income: np.ndarray           # (T,)
    side: int                    # index into Kernel.sides (0: the plan with subsidies')


MAX_SIDES = 4
"""Most distinct sales sides the kernel works per path (the plan's and those of exit months
whose service effects differ); scenarios with more run through the pipeline."""


class Kernel:
    """The scenario's fixed arrays, computed once, and the per-path computation. Arrays of
    paths are month-major, (T, n): a month of every path is a contiguous row, and the work goes
    month by month over rows of n paths (each step a few vector operations that stay in the
    processor's cache) instead of whole-array passes."""

    def __init__(self, x: Inputs, horizon: int, criteria: ExitCriteria,
                 given: dict[str, np.ndarray], plans: dict[str, np.ndarray], by_month: bool):
        self.x, self.H, self.T = x, horizon, x.months
        self.floor: float | None = criteria.member_income_floor
        C, P = x.list_price.shape[1], x.produced.shape[1]
        self.C, self.P = C, P
        self.product = x.channel_product
        self.one_product = P == 1
        self.keep = 1.0 - x.commission_rate[0]                              # (C,)
        w = receipt_weights(x.delay_days, x.delay_days_max)[0]              # (C, J)
        self.receipt = (self.keep[:, None] * w).T                           # (J, C)
        self.J = self.receipt.shape[0]
        self.late_receipt: np.ndarray | None = None     # (J', buyers on credit)
        self.on_credit = np.flatnonzero(on_credit(x))
        self.given = given
        self._plans, self._by_month = plans, by_month
        self.credit = bool((x.credit_limit > 0).any())
        self.share = float(x.distribution_share[0])
        self.opening, self.reserve = float(x.opening_cash[0]), float(x.cash_reserve[0])
        self.members = float(x.members[0])
        self._build()

    # ---- construction ---------------------------------------------------------------------

    @classmethod
    def build(cls, x: Inputs, horizon: int, criteria: ExitCriteria) -> Kernel | None:
        """The kernel of a one-row scenario, or None where it would not compute the pipeline's
        figures. Exit months are grouped into profiles: without service effects that fade at
        exit or loans the facilitator arranged, plan M's flows from M on are the no-subsidy
        plan's (one profile); otherwise every plan M is simulated once (no shocks) and plans
        whose flows from M on agree share a profile. Each plan must equal the plan with
        subsidies before its M (what the formula assumes; checked)."""
        if not structure_allows(x, criteria):
            return None
        # the kernel reads flows before the credit line and payouts (and the income before
        # the line's interest): the plans are simulated without them (no month loop)
        plain = replace(x, credit_limit=np.zeros(1), distribution_share=np.zeros(1))
        given = simulate(plain)
        if not needs_full_sweep(plain):
            without = simulate(replace(plain, exit_month=np.array([0])))
            return cls(x, horizon, criteria, given, without, by_month=False)
        plans = simulate(replace(plain.take(np.zeros(horizon, dtype=int)),
                                 exit_month=np.arange(horizon)))
        k = cls(x, horizon, criteria, given, plans, by_month=True)
        return k if k.ok else None

    def _row_arrays(self, m: dict[str, np.ndarray], i: int) -> dict[str, np.ndarray]:
        """A simulated row's sales determinants and its flows and income (no shocks)."""
        x = self.x
        loan_interest = m["interest"][i] - m["credit_line_interest"][i] - m["penalty_interest"][i]
        sold = m["units_sold_by_channel"][i]                                # (C, T)
        transport = np.stack([(sold * x.transport[0, :, None])[self.product == p].sum(0)
                              for p in range(self.P)]).T                    # (T, P)
        return {
            "revenue": m["revenue_by_channel"][i].T,                        # (T, C)
            "transport": transport,
            "flows": m["operating_cash_flow"][i] - loan_interest - m["principal"][i]
            - m["loan_fees"][i] + m["loan_disbursements"][i] + m["member_capital"][i]
            - m["investments"][i],
            "income": m["member_income_per_member"][i] * x.members[0]
            + m["credit_line_interest"][i] + m["penalty_interest"][i],
            "cash_available": m["operating_cash_flow"][i] - m["members_drawings"][i],
            "debt_service": loan_interest + m["principal"][i] + m["loan_fees"][i]}

    def _side(self, revenue: np.ndarray, transport: np.ndarray) -> Side:
        T, J, C = self.T, self.J, self.C
        W = np.zeros((T, J + 1, C + self.P))
        W[:, :J, :C] = self.receipt[None] * revenue[:, None, :]
        W[:, 0, C:] = -transport
        W[:, J, :C] = self.keep * revenue
        W[:, J, C:] = -transport
        late = None
        if self.late_receipt is not None:
            JL = max(J, self.late_receipt.shape[0])
            late = np.zeros((T, JL, C + self.P + len(self.on_credit)))
            late[:, :J, :C + self.P] = W[:, :J]
            late[:, :self.late_receipt.shape[0], C + self.P:] = \
                self.late_receipt[None] * revenue[:, None, self.on_credit]
        return Side(W, late)

    def _unit(self, side: Side) -> tuple[np.ndarray, np.ndarray]:
        """(T,) the side's sales part of the flows and of the income at multipliers of 1."""
        T, J = self.T, self.J
        ones = np.ones(self.C + self.P)
        by_month = side.weights @ ones                                      # (T, J + 1)
        flows = np.zeros(T)
        for j in range(J):
            flows[j:] += by_month[:T - j, j]
        return flows, by_month[:, J]

    def _build(self) -> None:
        """Sides and profiles from the plan with subsidies and the plans by exit month."""
        H = self.H
        g = self._row_arrays(self.given, 0)
        self.ok = True
        self.g = g
        sides_data = [(g["revenue"], g["transport"])]
        profiles: list[tuple[list[int], dict[str, np.ndarray], int]] = []
        m = self._plans
        grouped = self._group(m) if self._by_month else [(list(range(H)),
                                                           self._row_arrays(m, 0))]
        if grouped is None:
            self.ok = False
            return
        rows = grouped
        for members, r in rows:
            side = next((i for i, (rev, tr) in enumerate(sides_data)
                         if np.array_equal(rev, r["revenue"])
                         and np.array_equal(tr, r["transport"])), None)
            if side is None:
                sides_data.append((r["revenue"], r["transport"]))
                side = len(sides_data) - 1
            profiles.append((members, r, side))
        if len(sides_data) > MAX_SIDES:
            self.ok = False
            return
        self.sides_data = sides_data
        self.profile_rows = profiles
        self._weights()

    def _weights(self) -> None:
        """Sides' weights and profiles' fixed parts (again when the late-payment days change)."""
        H = self.H
        self.sides = [self._side(rev, tr) for rev, tr in self.sides_data]
        units = [self._unit(s) for s in self.sides]
        g = self.g
        self.fixed_flows = g["flows"] - units[0][0]                          # (T,)
        self.fixed_income = g["income"] - units[0][1]
        self.profiles = []
        for members, r, side in self.profile_rows:
            months = np.zeros(H, dtype=bool)
            months[members] = True
            self.profiles.append(Profile(months, r["flows"] - units[side][0],
                                         r["income"] - units[side][1], side))
        # path-independent parts of the DSCR: cash available less the flows, debt service
        self.available_less_flows = np.cumsum(g["cash_available"] - units[0][0]
                                              - self.fixed_flows)
        self.loan_debt_service = g["debt_service"]

    def _group(self, m: dict[str, np.ndarray]
               ) -> list[tuple[list[int], dict[str, np.ndarray]]] | None:
        """Plans by exit month (rows of `m`, M = 0 .. H - 1) grouped into profiles: going down
        from M = H - 1, plan M joins the current profile (whose lowest month is r) when its
        flows and income agree with plan r's from month r on and its revenue and transport in
        every month (the sales side: receipts reach back across M); None when a plan's flows
        differ from the plan with subsidies before its own exit month."""
        H = self.H
        g = self.g
        groups: list[tuple[list[int], dict[str, np.ndarray]]] = []
        for M in range(H - 1, -1, -1):
            r = self._row_arrays(m, M)
            if not all(np.array_equal(r[k][:M], g[k][:M])
                       for k in ("flows", "income", "revenue", "transport")):
                return None
            if groups:
                low, ref = groups[-1][0][-1], groups[-1][1]
                if all(np.array_equal(r[k][low:], ref[k][low:]) for k in ("flows", "income")) \
                        and all(np.array_equal(r[k], ref[k]) for k in ("revenue", "transport")):
                    groups[-1] = (groups[-1][0] + [M], r)
                    continue
            groups.append(([M], r))
        return groups

    def set_late_days(self, days: float) -> None:
        """Receipt weights of a late month's sales, less the usual ones, x (1 - commission)."""
        x = self.x
        if days <= 0:
            late = None
        else:
            usual = receipt_weights(x.delay_days, x.delay_days_max)[0]
            lw = receipt_weights(x.delay_days + days, x.delay_days_max + days)[0]
            usual = np.pad(usual, ((0, 0), (0, lw.shape[-1] - usual.shape[-1])))
            late = (self.keep[:, None] * (lw - usual)).T[:, self.on_credit]
        if late is None and self.late_receipt is None:
            return
        self.late_receipt = late
        self._weights()

    # ---- paths --------------------------------------------------------------------------------

    def run(self, d: Draws, cash: np.ndarray | None = None) -> PathFigures:
        """The figures of one chunk's paths. Their cash over the horizon goes into `cash`
        ((H, n): a view of the run's kept array) or a new array."""
        H, n = self.H, d.paths
        cash = np.empty((H, n)) if cash is None else cash
        c, sales, income, q, margin = self._sales(d)
        # the line's interest by month, where the income floor reads it
        interest = np.empty((self.T, n)) if self.credit and self.floor is not None else None
        if self.credit:
            start, ds_low, ds_defined, short = self._credit_line(c, q, margin, cash, interest)
        else:
            start = None
            short = self._cash(c, q, margin, cash)
            ds_low, ds_defined = self._dscr_low(c)
        safe = self._safe(c, sales, start)
        if self.floor is not None:
            self._income_floor(safe, income, interest)
        exit_month = np.where(safe.any(axis=0), safe.argmax(axis=0), -1)
        zeros = np.zeros(n)
        return PathFigures(cash.T, exit_month, ds_low, ds_defined, short, zeros.astype(bool),
                           zeros)

    def _sales(self, d: Draws) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray | None],
                                        np.ndarray | None, np.ndarray]:
        """Month by month: the multipliers m of month t (each channel's price x volume, each
        product's volume, and with late payments each channel's price x volume in a late
        month) and each side's weights give what month t's sales bring in months t, t + 1, ...
        and their income. Returns the plan's cumulative flows before payouts (T, n) (less the
        opening cash), every side's flows (the plan's cumulative, the others' sales parts) and
        income (where the income floor reads it), the payable share of the plan's surplus
        (cumulative without a credit line, by month with one; None without payouts) and
        (n,) cashflow.payout_margin of the plan's cash before payouts."""
        T, J, C, P, n = self.T, self.J, self.C, self.P, d.paths
        S = len(self.sides)
        c = np.empty((T, n))
        c[:] = self.fixed_flows[:, None]
        sales = [c] + [np.zeros((T, n)) for _ in range(1, S)]
        floor = self.floor is not None
        income = [np.empty((T, n)) if floor else None for _ in range(S)]
        q = np.empty((T, n)) if self.share > 0 else None
        if q is not None and income[0] is None:
            income[0] = q                        # the payable share is worked in place
        late = self.late_receipt is not None and bool(d.late.any())
        credit: np.ndarray | slice = self.on_credit
        if len(self.on_credit) and (np.diff(self.on_credit) == 1).all():   # a view, not a copy
            credit = slice(int(self.on_credit[0]), int(self.on_credit[-1]) + 1)
        m = np.empty((C + P + len(self.on_credit), n))   # (m, volumes, m in late months)
        rows = len(m) if late else C + P
        JL = max(J, self.late_receipt.shape[0]) if late and self.late_receipt is not None else J
        buf = np.empty((JL, n))
        high, low = np.full(n, -np.inf), np.full(n, np.inf)
        for t in range(T):
            m[C:C + P] = d.volume[t]             # float32 to float64 (exact), then the
            m[:C] = d.price[t]                   # float64 product (faster than mixed types)
            v = m[C] if self.one_product else m[C + self.product]
            np.multiply(m[:C], v, out=m[:C])
            if late:
                np.multiply(m[credit], d.late[t, credit], out=m[C + P:])
            k = min(JL, T - t)
            for side, out, inc in zip(self.sides, sales, income, strict=True):
                weights = side.late if late and side.late is not None else side.weights
                product(weights[t, :k], m[:rows], buf[:k])
                out[t:t + k] += buf[:k]
                if inc is not None:
                    product(side.weights[t, J:J + 1], m[:C + P], inc[t:t + 1])
            if t:
                c[t] += c[t - 1]
            np.maximum(high, c[t], out=high)
            np.minimum(low, c[t], out=low)
            if q is not None and income[0] is not None:
                np.add(income[0][t], self.fixed_income[t], out=q[t])
                np.maximum(q[t], 0.0, out=q[t])
                q[t] *= self.share
                if t and not self.credit:
                    q[t] += q[t - 1]
        high += self.opening
        low += self.opening
        np.abs(high, out=high)
        np.maximum(high, np.abs(low, out=low), out=high)
        return c, sales, income, q, 1e-6 + 1e-12 * high

    def _cash(self, c: np.ndarray, q: np.ndarray | None, margin: np.ndarray,
              cash: np.ndarray) -> np.ndarray:
        """Cash with payouts (cashflow.spare_payouts: what the plan can spare) into `cash`;
        returns (n,) cash short in a month with debt service."""
        T, H, n = self.T, self.H, c.shape[1]
        tol = metrics.TOLERANCE
        short = np.zeros(n, dtype=bool)
        below = np.empty(n, dtype=bool)
        spare = None
        if q is not None:
            # cap_t - q_t, cap_t = max(lowest cash from t on - reserve - margin, 0)
            low = np.full(n, np.inf)
            base = self.opening - self.reserve - margin
            spare = np.empty((T, n))
            for t in range(T - 1, -1, -1):
                np.minimum(low, c[t], out=low)
                np.add(low, base, out=spare[t])
                np.maximum(spare[t], 0.0, out=spare[t])
                spare[t] -= q[t]
            worst = np.full(n, np.inf)
        paid = np.empty(n)
        extra = np.empty(n)
        for t in range(T):
            row = cash[t] if t < H else extra
            if spare is not None and q is not None:
                np.minimum(worst, spare[t], out=worst)
                np.minimum(worst, 0.0, out=paid)
                paid += q[t]
                np.subtract(c[t], paid, out=row)
                row += self.opening
            else:
                np.add(c[t], self.opening, out=row)
            if self.loan_debt_service[t] > 0:
                np.less(row, -tol, out=below)
                short |= below
        return short

    def _dscr_low(self, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n,) the lowest trailing-12-month DSCR below 1 (metrics.min_dscr_12m) when the debt
        service is the same on every path: over the months of the loan period with a full
        window and debt service in it; and (n,) whether that lowest DSCR is defined."""
        ds = self.loan_debt_service[None, :]
        W = metrics.WINDOW
        den = metrics.window_sum(ds)[0]
        months = np.flatnonzero(metrics.loan_period({"debt_service": ds})[0]
                                & ~np.isnan(den) & (den != 0))
        n = c.shape[1]
        low = np.zeros(n, dtype=bool)
        if not months.size:
            return low, low.copy()
        E = self.available_less_flows
        num = c[months] + E[months, None]
        before = months - W
        has = before >= 0
        num[has] -= c[before[has]] + E[before[has], None]
        with np.errstate(over="ignore", under="ignore"):
            num /= den[months, None]
        # metrics.lowest: a lowest DSCR that is not finite (an overflow) is undefined
        defined = ~np.isneginf(num).any(axis=0)
        return (num < 1).any(axis=0) & defined, defined

    def _credit_line(self, c: np.ndarray, q: np.ndarray | None, margin: np.ndarray,
                     cash: np.ndarray, line_interest: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Month by month over all paths (cashflow.cash_with_credit_line): payouts from what
        the plan can spare, the line drawn and repaid; cash into `cash`. Also the net position
        of the plan without payouts at each candidate month (`cashflow.net_position_at_exit`),
        and (n,) the trailing DSCR below 1, whether it is defined, and cash short at an
        installment (the line's interest is debt service). The line's interest by month goes
        into `line_interest` when given."""
        T, H, n = self.T, self.H, c.shape[1]
        x, tol, W = self.x, metrics.TOLERANCE, metrics.WINDOW
        annual, limit = float(x.credit_rate[0]), float(x.credit_limit[0])
        floor = self.reserve + margin
        ahead = np.empty((T, n))             # lowest cumulative flow from t on, less c_t
        low = np.full(n, np.inf)
        for t in range(T - 1, -1, -1):
            np.minimum(low, c[t], out=low)
            np.subtract(low, c[t], out=ahead[t])
        flows = np.empty((H, n))             # month-major flows before payouts
        flows[0] = c[0]
        np.subtract(c[1:H], c[:H - 1], out=flows[1:])
        start = net_position_at_exit(flows, np.full(n, self.opening), np.full(n, annual),
                                     np.full(n, limit), H)
        held, balance = np.full(n, self.opening), np.zeros(n)     # cash at the last month's end
        f, interest, cc, tmp, draw, repay = (np.empty(n) for _ in range(6))
        below, has, bad = (np.empty(n, dtype=bool) for _ in range(3))
        short, seen, pending, dscr_low, pending_inf, dscr_inf, pending_any, counted = (
            np.zeros(n, dtype=bool) for _ in range(8))
        ds_sum = np.zeros((W + 1, n))        # cumulative debt service, the last 13 months
        E = self.available_less_flows
        num, den = np.empty(n), np.empty(n)
        extra = np.empty(n)
        for t in range(T):
            if t:
                np.subtract(c[t], c[t - 1], out=f)
            else:
                f[:] = c[0]
            np.multiply(balance, annual, out=interest)     # as cash_with_credit_line does
            interest /= 12
            if line_interest is not None:
                line_interest[t] = interest
            np.add(held, f, out=cc)
            cc -= interest
            if q is not None:
                np.subtract(cc, balance, out=tmp)
                tmp += ahead[t]
                tmp -= floor
                np.maximum(tmp, 0.0, out=tmp)
                np.minimum(tmp, q[t], out=tmp)
                cc -= tmp
            np.subtract(limit, balance, out=draw)
            np.maximum(draw, 0.0, out=draw)
            np.negative(cc, out=tmp)
            np.maximum(tmp, 0.0, out=tmp)
            np.minimum(tmp, draw, out=draw)
            np.maximum(cc, 0.0, out=repay)
            np.minimum(repay, balance, out=repay)
            draw -= repay
            balance += draw
            row = cash[t] if t < H else extra
            np.add(cc, draw, out=row)
            held = row
            # debt service: the loans' and the line's interest (due on every path when the
            # loans have some this month)
            np.add(interest, self.loan_debt_service[t], out=tmp)
            every = bool(self.loan_debt_service[t] > 0)
            np.less(row, -tol, out=below)
            if every:
                seen.fill(True)
            else:
                np.greater(tmp, 0.0, out=has)
                below &= has
                seen |= has
            short |= below
            now, then = ds_sum[t % (W + 1)], ds_sum[(t - 1) % (W + 1)]
            if t:
                np.add(then, tmp, out=now)
            else:
                now[:] = tmp
            if t >= W - 1:
                if t >= W:
                    np.subtract(c[t], c[t - W], out=num)
                    num += E[t] - E[t - W]
                    np.subtract(now, ds_sum[(t - W) % (W + 1)], out=den)
                else:
                    np.add(c[t], E[t], out=num)
                    den[:] = now
                np.not_equal(den, 0.0, out=bad)
                with np.errstate(over="ignore", under="ignore"):
                    np.divide(num, den, out=num, where=bad)
                np.logical_and(bad, seen, out=below)     # a window that counts, whatever its
                pending_any |= below                     # DSCR
                np.less(num, 1.0, out=below)
                bad &= below
                bad &= seen
                pending |= bad
                if np.isinf(num.min()):          # metrics.lowest: -inf (an overflow) is
                    np.equal(num, -np.inf, out=below)     # not a defined lowest DSCR
                    below &= bad
                    pending_inf |= below
            # a window's DSCR counts when debt service falls due in or after it (the loan
            # period ends at the last month with debt service)
            if every:
                dscr_low |= pending
                dscr_inf |= pending_inf
                counted |= pending_any
                pending.fill(False)
                pending_inf.fill(False)
                pending_any.fill(False)
            else:
                np.logical_and(pending, has, out=bad)
                dscr_low |= bad
                np.logical_and(pending_inf, has, out=bad)
                dscr_inf |= bad
                np.logical_and(pending_any, has, out=bad)
                counted |= bad
                np.logical_not(has, out=has)
                pending &= has
                pending_inf &= has
                pending_any &= has
        dscr_low &= ~dscr_inf
        return start, dscr_low, counted & ~dscr_inf, short

    def _safe(self, c: np.ndarray, sales: list[np.ndarray], start: np.ndarray | None
              ) -> np.ndarray:
        """(H, n) plan M keeps cash at or above the reserve from M on: each profile's flows
        from M on, from the plan's position at M - 1 (methodology.md, "Exit month" and "Monte
        Carlo with a credit line"): start_M + min over t >= M of C_t - C_(M-1) >= reserve, C
        the profile's cumulative flows (before payouts), start_M the plan's cash (or net
        position less the line's interest due in M) at the end of M - 1."""
        T, H, n = self.T, self.H, c.shape[1]
        tol = metrics.TOLERANCE
        safe = np.zeros((H, n), dtype=bool)
        tmp, lhs = np.empty(n), np.empty(n)
        for pr in self.profiles:
            shared = pr.side == 0
            if shared:
                D = np.cumsum(pr.flows - self.fixed_flows)
                own = None
            else:
                own = sales[pr.side] + pr.flows[:, None]
                own = metrics.running(np.add, own.T).T
            low = np.full(n, np.inf)
            for t in range(T - 1, -1, -1):
                if own is None:
                    np.add(c[t], D[t], out=tmp)
                    np.minimum(low, tmp, out=low)
                else:
                    np.minimum(low, own[t], out=low)
                if t >= H or not pr.months[t]:
                    continue
                if shared and start is None:     # start - C_(M-1) = opening - D_(M-1)
                    level = self.reserve - tol - self.opening + (D[t - 1] if t else 0.0)
                    np.greater_equal(low, level, out=safe[t])
                    continue
                if start is None:
                    np.add(low, self.opening, out=lhs)
                    if t:
                        lhs += c[t - 1]
                else:
                    np.add(low, start[t], out=lhs)
                if t:
                    if own is None:
                        lhs -= c[t - 1]
                        lhs -= D[t - 1]
                    else:
                        lhs -= own[t - 1]
                np.greater_equal(lhs, self.reserve - tol, out=safe[t])
        return safe

    def _income_floor(self, safe: np.ndarray, income: list[np.ndarray | None],
                      interest: np.ndarray | None = None) -> None:
        """Plan M also needs the members' income over the trailing 12 full months at or above
        the floor in every month from M on (pipeline.criteria_met): a window after M is the
        profile's own; a window across M is the plan's months before M and the profile's from
        M: sum = (G_(M-1) - P_(M-1)) + (P_t - G_(t-12)), G and P the plan's and the profile's
        cumulative income. With a credit line (`interest`: the plan's interest on it by month,
        (T, n)) the members' income is less the line's interest: G is the plan's, and plan M,
        where its cash is safe (the only plans the floor can still rule out), pays the interest
        due in month M on the balance it starts with (the plan's i_M) and none after, its net
        position staying at or above the reserve > 0 (the line repaid): i_M comes off every
        window that holds month M (methodology.md, "Monte Carlo: exit months by profile")."""
        T, W = self.T, metrics.WINDOW
        if T < W or self.floor is None:
            return
        level = W * self.members * (self.floor - metrics.TOLERANCE)

        def cumulative(sales: np.ndarray | None, fixed: np.ndarray) -> np.ndarray:
            assert sales is not None
            return metrics.running(np.add, (sales + fixed[:, None]).T).T

        G = cumulative(income[0], self.fixed_income)
        if interest is not None:
            G -= metrics.running(np.add, interest.T).T
        for pr in self.profiles:
            P = cumulative(income[pr.side], pr.income)
            window = P[W - 1:].copy()                       # months W - 1 .. T - 1
            window[1:] -= P[:T - W]
            lowest = metrics.running(np.minimum, window.T, reverse=True).T
            across = P[W - 1:].copy()
            across[1:] -= G[:T - W]
            for M in map(int, np.flatnonzero(pr.months)):
                ok = np.ones(safe.shape[1], dtype=bool)
                due = 0.0 if interest is None else interest[M]
                if M + W - 1 < T:          # windows from M + 11 on (the first holds month M)
                    ok &= window[M] - due >= level
                    if M + W < T:
                        ok &= lowest[M + 1] >= level
                lo, hi = max(M, W - 1), min(M + W - 2, T - 1)
                if M >= 1 and lo <= hi:    # windows across M
                    worst = across[lo - W + 1:hi - W + 2].min(axis=0)
                    worst += G[M - 1] - P[M - 1]
                    worst -= due
                    ok &= worst >= level
                safe[M] &= ok


BLAS_CELLS = 500_000
"""Most multiply-adds in one matrix product: the OpenBLAS of numpy's wheels (0.3.31) runs
products above 2^19 = 524,288 on several threads (measured), which for these thin products on
a busy machine costs 10-20x the single thread's time."""


def product(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out = a @ b for a thin `a` (rows x k) and a wide `b` (k x n), in column blocks of at
    most `BLAS_CELLS` multiply-adds (each on one thread)."""
    step = max(256, BLAS_CELLS // max(1, a.shape[0] * a.shape[1]))
    n = b.shape[1]
    if n <= step:
        np.dot(a, b, out=out)
        return
    for first in range(0, n, step):
        part = slice(first, min(n, first + step))
        out[:, part] = a @ b[:, part]


def pipeline_figures(x: Inputs, d: Draws, horizon: int, criteria: ExitCriteria,
                     max_rows: int) -> PathFigures:
    """The paths through the pipeline itself (scenarios the lean kernel does not cover)."""
    r = run(shocked(x, d), horizon, criteria, max_rows=max_rows)
    return PathFigures(r.monthly["cash_balance"][:, :horizon], r.exit_month,
                       np.nan_to_num(r.summary.min_dscr_12m, nan=np.inf) < 1,
                       ~np.isnan(r.summary.min_dscr_12m), r.summary.cash_short_at_installment,
                       r.summary.par30_ever, r.summary.arrears_at_end)


def pipeline_step(x: Inputs, horizon: int, criteria: ExitCriteria) -> int:
    """Paths per step of the pipeline path: at most `PIPELINE_CELLS` simulated row-months (a
    path is a row per exit month with arrears or an effect that fades at exit), at least one."""
    return max(1, PIPELINE_CELLS // (rows_per_variant(x, criteria, horizon) * x.months))


def monte_carlo_bytes(paths: int, horizon: int, chunk_cells: int) -> float:
    """Planned memory: the kept cash of every path over the horizon (its percentiles are taken
    in place), a few figures per path, and one chunk's working arrays (about `chunk_cells`
    floats with the draws and temporaries)."""
    return 8.0 * (paths * horizon + 8 * paths + chunk_cells)


def block_paths(x: Inputs) -> int:
    """Paths per generator block: `BLOCK_PATHS`, fewer when a path's draws are many."""
    per_path = x.months * (1 + x.list_price.shape[1] + x.produced.shape[1])
    return max(1, min(BLOCK_PATHS, BLOCK_CELLS // per_path))


def cells_per_path(x: Inputs, kernel: Kernel | None) -> int:
    """Working cells (of 8 bytes) a path needs in a chunk: the lean kernel's month-major float64
    arrays (the plan's cumulative flows, its payable share, its payout room, each further sales
    side's, the income floor's; with a credit line its look-ahead, flows and start positions,
    and with a floor too the line's interest) and the draws (float32 normals of the common
    factor, the buyers and the products, worked into the multipliers in place, and the late
    months), or the pipeline's monthly arrays."""
    C, P, T = x.list_price.shape[1], x.produced.shape[1], x.months
    if kernel is None:
        return T * 40 * max(C, 1)
    arrays = 3 + 2 * (len(kernel.sides) - 1) + (4 if kernel.floor is not None else 0) \
        + ((3 + (kernel.floor is not None)) if kernel.credit else 0)
    draws = (4 * (1 + C + P) + C) / 8
    return int(T * (arrays + draws)) + 1


def monte_carlo(scenario: Scenario, shocks: Shocks | None = None, paths: int = 1000,
                seed: int = 0, chunk_cells: int = CHUNK_CELLS, time_limit: float | None = None,
                progress: Callable[[int, int], None] | None = None, lean: bool = True
                ) -> MonteCarlo:
    """Seeded Monte Carlo of `paths` paths under month-by-month `shocks` (default: the
    `Shocks` defaults). Paths go in chunks of whole generator blocks, so the same seed gives
    the same paths whatever the chunk size. Cash percentiles cover the horizon; the DSCR and
    installment figures every simulated month. Paths run through the pipeline go in steps of
    `pipeline_step` paths within a chunk. With `time_limit` (seconds), no new chunk or step
    starts once it has passed: the figures are those of the paths done (the first ones drawn),
    `paths` says how many and `paths_asked` how many were asked for. `progress(done, total)`
    is called after each chunk or step. `lean=False` runs the paths through the pipeline (the
    definition of a path) even where the kernel applies: for tests and benchmarks."""
    shocks = Shocks() if shocks is None else shocks
    x = compile_rows([scenario])
    H, T = scenario.horizon_months, x.months
    criteria = scenario.exit_criteria
    kernel = Kernel.build(x, H, criteria) if lean else None
    per_path = cells_per_path(x, kernel)
    block = block_paths(x)
    blocks_per_chunk = max(1, chunk_cells // (per_path * block))
    check_memory(f"a Monte Carlo of {paths:,} paths x {T} months",
                 monte_carlo_bytes(paths, H, min(paths, blocks_per_chunk * block) * per_path),
                 "use fewer paths")
    if kernel is not None:
        kernel.set_late_days(shocks.late_payment_days)
    cash = np.empty((H, paths))              # month-major: every path's cash, month by month
    kept: list[PathFigures] = []
    asked, started, done = paths, time.monotonic(), 0

    def out_of_time() -> bool:                # the first step always runs
        return bool(done) and time_limit is not None and \
            time.monotonic() - started > time_limit

    step = pipeline_step(x, H, criteria)     # paths per step of the pipeline path
    n_blocks = -(-paths // block)
    for first in range(0, n_blocks, blocks_per_chunk):
        if out_of_time():
            break
        d = draw(shocks, x, [(b, min(block, paths - b * block))
                             for b in range(first, min(n_blocks, first + blocks_per_chunk))],
                 seed)
        parts = [(0, d.paths)] if kernel is not None else \
            [(lo, min(d.paths, lo + step)) for lo in range(0, d.paths, step)]
        for lo, hi in parts:
            if out_of_time():
                break
            if kernel is not None:
                kept.append(kernel.run(d, cash[:, done:done + d.paths]))
            else:
                f = pipeline_figures(x, d.part(lo, hi), H, criteria,
                                     max_rows=max(1, chunk_cells // (T * 40)))
                cash[:, done:done + hi - lo] = f.cash.T
                kept.append(f)
            done += hi - lo
            if progress is not None:
                progress(done, asked)
    f = PathFigures(cash[:, :done].T, *(np.concatenate([getattr(k, name) for k in kept])
                                       for name in list(PathFigures.__dataclass_fields__)[1:]))
    return summarize(scenario, f, done, asked, seed, shocks)


PERCENTILES = (5.0, 50.0, 95.0)
"""The percentiles of cash Monte Carlo reports, by month."""


def row_percentiles(a: np.ndarray, q: tuple[float, ...]) -> np.ndarray:
    """(len(q), rows) the q-th percentiles of each row of `a`, which is sorted in place:
    numpy's default ("linear", Hyndman and Fan 1996's definition 7) worked as `np.percentile`
    works it (virtual index (n - 1) q / 100, and its `_lerp` from the lower order statistic
    below a fraction of 0.5, from the upper one above), read off the sorted rows. Sorting
    (numpy's vectorised sort) is about 4x as fast here as `np.percentile`'s selection of six
    order statistics at once (benchmarks/bench_engine.py,
    `percentiles_by_sorting_vs_np_percentile`)."""
    a.sort(axis=1)                       # NaN sorts last: a row with one has NaN percentiles
    n = a.shape[1]
    virtual = np.asarray(q, dtype=float) / 100 * (n - 1)
    below = np.floor(virtual).astype(int)
    above = np.minimum(below + 1, n - 1)
    gamma = (virtual - below)[:, None]
    low, high = a[:, below].T, a[:, above].T
    diff = high - low
    out = low + diff * gamma
    upper = np.broadcast_to(gamma >= 0.5, out.shape)
    np.subtract(high, diff * (1 - gamma), out=out, where=upper)
    out[:, np.isnan(a[:, -1])] = np.nan
    return out


def summarize(scenario: Scenario, f: PathFigures, paths: int, asked: int, seed: int,
              shocks: Shocks) -> MonteCarlo:
    H = scenario.horizon_months
    dates = [scenario.month_label(t) for t in range(H)]
    # in place: the paths' cash is not read again (month-major: a month's paths are a row)
    pct = row_percentiles(f.cash.T, PERCENTILES)
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
        p_dscr_below_1=float(f.dscr_low.mean()) if f.dscr_defined.any() else float("nan"),
        p_cash_short_at_installment=float(f.short.mean()),
        p_par30=float(f.par30.mean()), expected_arrears=float(f.arrears_end.mean()),
        paths=paths, seed=seed, paths_asked=asked, shocks=shocks)


def path_figures(scenario: Scenario, shocks: Shocks, paths: int, seed: int = 0,
                 lean: bool = True) -> PathFigures:
    """Every path's figures, from the lean kernel or (lean=False) the pipeline, for tests and
    charts (one block of paths)."""
    x = compile_rows([scenario])
    d = draw_block(shocks, x, paths, seed, 0)
    k = Kernel.build(x, scenario.horizon_months, scenario.exit_criteria) if lean else None
    if k is not None:
        k.set_late_days(shocks.late_payment_days)
        return k.run(d)
    if lean:
        raise ValueError("the lean kernel does not apply to this scenario")
    return pipeline_figures(x, d, scenario.horizon_months, scenario.exit_criteria, 4000)
