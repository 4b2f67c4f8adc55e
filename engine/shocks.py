"""Month-by-month shocks for Monte Carlo (docs/methodology.md, "Monte Carlo shocks").

Each path draws, for every month:

- **prices**: each buyer's log price deviates from its seasonal path by a mean-reverting AR(1)
  (the monthly Ornstein-Uhlenbeck process of Schwartz 1997's one-factor model),
  y_t = phi y_(t-1) + sqrt(1 - phi^2) e_t, y_(-1) = 0 (today's prices are known), with
  phi = 0.5 ** (1 / half-life) and stationary variance 1; the price is multiplied by
  exp(s y_t - s^2 v_t / 2), v_t = 1 - phi^(2 (t + 1)) the variance of y_t, so that its mean
  stays the projection's (seasonality, trend and inflation kept). Buyers' innovations share a
  common factor F: e_c = sqrt(rho_b) F + sqrt(1 - rho_b) e'_c (correlation rho_b between
  buyers);
- **volumes**: each product's units produced, the same process with its own volatility,
  innovations u_p = rho_pv F + sqrt(1 - rho_pv^2) u'_p (correlation rho_pv with the buyers'
  common price movement), times (1 - loss) in every month of a year (12 months counted from
  the start) whose harvest fails, with the stated probability per product and year;
- **late payments**: each month's sales to a buyer who pays on credit (a payment delay above
  0 days) are paid `late_payment_days` later, with the stated probability per buyer and month.

The draws are made in blocks of `BLOCK_PATHS` paths, block b from the generator seeded with
(seed, b): the same seed gives the same paths however the work is chunked.
"""

from __future__ import annotations

import functools
import statistics
from dataclasses import dataclass

import numpy as np
from pydantic import Field

from engine.cashflow import Inputs
from engine.i18n import N_
from engine.limits import MAX_DELAY_DAYS, Checked

BLOCK_PATHS = 500
"""Paths drawn from one generator (block b of a run uses the seed (seed, b))."""


class Shocks(Checked):
    """The Monte Carlo's month-by-month shocks; defaults and their reasons: methodology.md."""

    price_volatility: float = Field(
        0.2, ge=0, le=2, description=N_("Long-run standard deviation of the log of each buyer's "
        "price around its seasonal path (0.2: prices mostly within about 20% of it)."))
    price_half_life_months: float = Field(
        6.0, gt=0, le=600, description=N_("Months for a price (or volume) deviation to halve on "
        "average: how fast prices come back to their seasonal path."))
    buyer_correlation: float = Field(
        0.7, ge=0, le=1, description=N_("Correlation between the month-to-month price moves of "
        "any two buyers (1: all prices move together)."))
    volume_volatility: float = Field(
        0.15, ge=0, le=2, description=N_("Long-run standard deviation of the log of each "
        "product's monthly volume around the plan."))
    price_volume_correlation: float = Field(
        -0.3, ge=-1, le=1, description=N_("Correlation of volume moves with the buyers' common "
        "price move (negative: a good harvest everywhere lowers prices)."))
    harvest_failure_probability: float = Field(
        0.05, ge=0, le=1, description=N_("Chance, each year and for each product, that its "
        "harvest (or production) fails."))
    harvest_failure_loss: float = Field(
        0.5, ge=0, le=1, description=N_("Share of the year's volume lost when its harvest fails."))
    late_payment_probability: float = Field(
        0.05, ge=0, le=1, description=N_("Chance, each month and for each buyer who pays on "
        "credit, that the month's sales are paid late."))
    late_payment_days: float = Field(
        60.0, ge=0, le=MAX_DELAY_DAYS, description=N_("Days a late payment comes after the "
        "buyer's usual delay."))

    @property
    def phi(self) -> float:
        """The AR(1) coefficient of a month: 0.5 ** (1 / half-life)."""
        return 0.5 ** (1.0 / self.price_half_life_months)


STILL = Shocks(price_volatility=0.0, volume_volatility=0.0, harvest_failure_probability=0.0,
               late_payment_probability=0.0)
"""No shocks: every path is the projection."""


@dataclass(frozen=True)
class Draws:
    """One block of paths' shocks, as multipliers on the scenario's compiled arrays."""

    price: np.ndarray    # (T, C, n) on each buyer's list price (float32), month-major
    volume: np.ndarray   # (T, P, n) on each product's units produced (float32; both may be
                         # views of one array of draws)
    late: np.ndarray     # (T, C, n) bool: the month's sales to the buyer are paid late
    late_days: float

    @property
    def paths(self) -> int:
        return self.price.shape[-1]

    def part(self, lo: int, hi: int) -> Draws:
        """Paths lo .. hi - 1 (views)."""
        return Draws(self.price[..., lo:hi], self.volume[..., lo:hi], self.late[..., lo:hi],
                     self.late_days)


def on_credit(x: Inputs) -> np.ndarray:
    """(C,) buyers who pay after delivery (the only ones who can pay late)."""
    return np.asarray(x.delay_days_max[0] > 0)


def multipliers(z: np.ndarray, shocks: Shocks, C: int, P: int, keep: np.ndarray | None
                ) -> None:
    """In place of the innovations z (T, 1 + C + P, n) (the common factor F, the buyers', the
    products'): the buyers' price and the products' volume multipliers (rows 1 .. C and
    C + 1 .. C + P; row 0 is left as F's AR(1)). Month by month over a month's rows (they stay
    in the cache): the AR(1) u_t = phi u_(t-1) + e_t before its scale sqrt(1 - phi^2)
    (folded into the coefficients), then for a price s y_t - s^2 v_t / 2 with
    y = sqrt(1 - phi^2) (a F + b e'), exp of it, and for a volume the same with its own s, a
    and b, times (1 - loss) in a year whose harvest failed (`keep`, (years, P, n))."""
    T = z.shape[0]
    phi = shocks.phi
    scale = np.sqrt(1.0 - phi * phi)
    v = variance(phi, T).astype(np.float32)
    rb, rpv = shocks.buyer_correlation, shocks.price_volume_correlation
    parts = [(sigma, np.float32(sigma * scale * a), np.float32(sigma * scale * b),
              np.float32(sigma * sigma / 2), first, k)
             for sigma, a, b, first, k in ((shocks.price_volatility, np.sqrt(rb),
                                            np.sqrt(1 - rb), 1, C),
                                           (shocks.volume_volatility, rpv,
                                            np.sqrt(1 - rpv * rpv), 1 + C, P))
             if sigma > 0]
    prev = np.empty_like(z[0])
    base = np.empty_like(z[0, 0])
    f32phi = np.float32(phi)
    for t in range(T):
        row = z[t]
        if t:
            prev *= f32phi
            row += prev
        prev[:] = row
        for _, a, b, drift, first, k in parts:
            np.multiply(row[0], a, out=base)
            base -= drift * v[t]
            block = row[first:first + k]
            block *= b
            block += base
            np.exp(block, out=block)
            if keep is not None and first > C:        # a volume: failed harvests
                block *= keep[t // 12]


NORMAL_CELLS = 2**16
"""Equally likely values a standard normal draw takes (`normal_quantiles`)."""


@functools.cache
def normal_quantiles() -> np.ndarray:
    """(NORMAL_CELLS,) float32: the standard normal's quantiles at the middles of
    `NORMAL_CELLS` equally likely cells, Phi^-1((i + 1/2) / 65,536) (`statistics.NormalDist`,
    Wichura's algorithm AS241, to about 1e-16). About 9 ms, once per process."""
    quantile = statistics.NormalDist().inv_cdf
    table = np.array([quantile((i + 0.5) / NORMAL_CELLS) for i in range(NORMAL_CELLS)],
                     dtype=np.float32)
    table.flags.writeable = False
    return table


def normals(rng: np.random.Generator, shape: tuple[int, ...],
            out: np.ndarray | None = None) -> np.ndarray:
    """Standard normal float32 draws by inverse transform sampling on 16 random bits each: a
    draw is the normal quantile at the middle of one of 65,536 equally likely cells
    (`normal_quantiles`), four draws to each 64-bit word of the generator (its 16-bit parts
    from the lowest). The distribution is within 7.6e-6 (1 / 131,072 and float32 rounding)
    of the normal's at every point (Kolmogorov-Smirnov distance), its variance 0.99998 and
    kurtosis 2.9992 (the normal's: 1 and 3), its largest value 4.32
    standard deviations (the normal exceeds it with probability 1.5e-5). About 2x as fast
    here as the Box-Muller transform on float32 uniforms and 7x as numpy's float32 ziggurat
    (`benchmarks/bench_engine.py`). Into `out` (of `shape`, any strides) when given, in C
    order."""
    n = int(np.prod(shape))
    words = rng.bit_generator.random_raw(-(-n // 4)).astype("<u8", copy=False)
    cells = words.view("<u2")[:n].reshape(shape)    # little-endian: the same on any machine
    if out is None:
        return np.take(normal_quantiles(), cells)
    np.take(normal_quantiles(), cells, out=out, mode="wrap")    # cells < 65,536: no check
    return out


def event_cells(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """Flat indices of the cells, of n, where an event of probability p happens, each cell
    independently. Rare events (p <= 0.25) are drawn as the gaps between them, geometric (the
    waiting times of Bernoulli trials: one draw an event instead of one a cell); others as one
    float32 uniform a cell below p."""
    if p > 0.25:
        return np.flatnonzero(rng.random(n, dtype=np.float32) < p)
    parts, last = [], -1
    while last < n:
        gaps = rng.geometric(p, size=int((n - last) * p * 1.1) + 16)
        cells = last + np.cumsum(gaps)
        parts.append(cells)
        last = int(cells[-1])
    cells = np.concatenate(parts)
    return cells[cells < n]


def variance(phi: float, months: int) -> np.ndarray:
    """(T,) variance of y_t: 1 - phi^(2 (t + 1))."""
    return 1.0 - phi ** (2.0 * (np.arange(months) + 1.0))


def draw(shocks: Shocks, x: Inputs, blocks: list[tuple[int, int]], seed: int) -> Draws:
    """The shocks of the paths of `blocks`, (block number, paths in it), side by side: block b
    from the generator seeded with (seed, b), so a path's shocks do not depend on which other
    blocks are drawn with it."""
    C, P, T = x.list_price.shape[1], x.produced.shape[1], x.months
    n = sum(k for _, k in blocks)
    sp, sv = shocks.price_volatility, shocks.volume_volatility
    moving = sp > 0 or sv > 0
    harvests = shocks.harvest_failure_probability > 0 and shocks.harvest_failure_loss > 0
    buyers = np.flatnonzero(on_credit(x))
    lates = shocks.late_payment_probability > 0 and bool(buyers.size)
    years = -(-T // 12)
    z = np.empty((T, 1 + C + P, n) if moving else (0, 0, 0), dtype=np.float32)
    failed = np.zeros((years, P, n), dtype=bool)
    late = np.zeros((T, C, n), dtype=bool)
    start = 0
    for b, k in blocks:
        rng = np.random.default_rng([seed, b])
        here = slice(start, start + k)
        if moving:
            normals(rng, (T, 1 + C + P, k), out=z[..., here])
        if harvests:
            failed[..., here] = rng.random((years, P, k)) < shocks.harvest_failure_probability
        if lates:       # late months of the buyers on credit, (T, buyers, k) in C order
            cells = event_cells(rng, T * len(buyers) * k, shocks.late_payment_probability)
            t, b_, i = np.unravel_index(cells, (T, len(buyers), k))
            late[t, buyers[b_], start + i] = True
        start += k
    keep = None
    if harvests:
        keep = np.where(failed, np.float32(1 - shocks.harvest_failure_loss), np.float32(1))
    if moving:
        multipliers(z, shocks, C, P, keep)
    price = z[:, 1:1 + C] if sp > 0 else np.ones((T, C, n), dtype=np.float32)
    volume = z[:, 1 + C:] if sv > 0 else np.ones((T, P, n), dtype=np.float32)
    if keep is not None and sv <= 0:
        volume *= np.repeat(keep, 12, axis=0)[:T]
    return Draws(price, volume, late, shocks.late_payment_days)


def draw_block(shocks: Shocks, x: Inputs, paths: int, seed: int, block: int) -> Draws:
    """The shocks of `paths` paths from the generator seeded with (seed, block)."""
    return draw(shocks, x, [(block, paths)], seed)


def shocked(x: Inputs, d: Draws) -> Inputs:
    """One pipeline row per path: the scenario's single row with the path's shocks applied
    (the definition of a path; the Monte Carlo kernel computes the same figures)."""
    from dataclasses import replace
    rows = x.take(np.zeros(d.paths, dtype=int))
    by_path = (2, 1, 0)                  # (T, k, n) -> (n, k, T)
    return replace(rows, list_price=x.list_price * d.price.transpose(by_path),
                   produced=x.produced * d.volume.transpose(by_path),
                   late=d.late.transpose(by_path).astype(float),
                   late_days=np.full(rows.n, float(d.late_days)))
