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

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from engine.cashflow import Inputs
from engine.limits import MAX_DELAY_DAYS, Checked

BLOCK_PATHS = 500
"""Paths drawn from one generator (block b of a run uses the seed (seed, b))."""


class Shocks(Checked):
    """The Monte Carlo's month-by-month shocks; defaults and their reasons: methodology.md."""

    price_volatility: float = Field(
        0.2, ge=0, le=2, description="Long-run standard deviation of the log of each buyer's "
        "price around its seasonal path (0.2: prices mostly within about 20% of it).")
    price_half_life_months: float = Field(
        6.0, gt=0, le=600, description="Months for a price (or volume) deviation to halve on "
        "average: how fast prices come back to their seasonal path.")
    buyer_correlation: float = Field(
        0.7, ge=0, le=1, description="Correlation between the month-to-month price moves of "
        "any two buyers (1: all prices move together).")
    volume_volatility: float = Field(
        0.15, ge=0, le=2, description="Long-run standard deviation of the log of each "
        "product's monthly volume around the plan.")
    price_volume_correlation: float = Field(
        -0.3, ge=-1, le=1, description="Correlation of volume moves with the buyers' common "
        "price move (negative: a good harvest everywhere lowers prices).")
    harvest_failure_probability: float = Field(
        0.05, ge=0, le=1, description="Chance, each year and for each product, that its "
        "harvest (or production) fails.")
    harvest_failure_loss: float = Field(
        0.5, ge=0, le=1, description="Share of the year's volume lost when its harvest fails.")
    late_payment_probability: float = Field(
        0.05, ge=0, le=1, description="Chance, each month and for each buyer who pays on "
        "credit, that the month's sales are paid late.")
    late_payment_days: float = Field(
        60.0, ge=0, le=MAX_DELAY_DAYS, description="Days a late payment comes after the "
        "buyer's usual delay.")

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

    price: np.ndarray    # (n, C, T) on each buyer's list price (float32)
    volume: np.ndarray   # (n, P, T) on each product's units produced (float32)
    late: np.ndarray     # (n, C, T) bool: the month's sales to the buyer are paid late
    late_days: float


def on_credit(x: Inputs) -> np.ndarray:
    """(C,) buyers who pay after delivery (the only ones who can pay late)."""
    return np.asarray(x.delay_days_max[0] > 0)


def ar1(e: np.ndarray, phi: float) -> np.ndarray:
    """Unit-variance AR(1) along the last axis from standard normal innovations `e`:
    y_t = phi y_(t-1) + sqrt(1 - phi^2) e_t, y_(-1) = 0. In place, month by month (each
    step a pass over the paths)."""
    e *= np.float32(np.sqrt(1.0 - phi * phi))
    for t in range(1, e.shape[-1]):
        e[..., t] += np.float32(phi) * e[..., t - 1]
    return e


def variance(phi: float, months: int) -> np.ndarray:
    """(T,) variance of y_t: 1 - phi^(2 (t + 1))."""
    return 1.0 - phi ** (2.0 * (np.arange(months) + 1.0))


def draw_block(shocks: Shocks, x: Inputs, paths: int, seed: int, block: int) -> Draws:
    """The shocks of `paths` paths from the generator seeded with (seed, block)."""
    rng = np.random.default_rng([seed, block])
    C, P, T = x.list_price.shape[1], x.produced.shape[1], x.months
    phi = shocks.phi
    v = variance(phi, T).astype(np.float32)
    sp, sv = shocks.price_volatility, shocks.volume_volatility
    price = np.ones((paths, C, T), dtype=np.float32)
    volume = np.ones((paths, P, T), dtype=np.float32)
    if sp > 0 or sv > 0:
        z = ar1(rng.standard_normal((paths, 1 + C + P, T), dtype=np.float32), phi)
        common, own = z[:, :1], z[:, 1:]
        rb, rpv = shocks.buyer_correlation, shocks.price_volume_correlation
        if sp > 0:
            y = np.float32(np.sqrt(rb)) * common + np.float32(np.sqrt(1 - rb)) * own[:, :C]
            price = np.exp(np.float32(sp) * y - np.float32(sp * sp / 2) * v)
        if sv > 0:
            y = np.float32(rpv) * common + np.float32(np.sqrt(1 - rpv * rpv)) * own[:, C:]
            volume = np.exp(np.float32(sv) * y - np.float32(sv * sv / 2) * v)
    if shocks.harvest_failure_probability > 0 and shocks.harvest_failure_loss > 0:
        years = -(-T // 12)
        failed = rng.random((paths, P, years)) < shocks.harvest_failure_probability
        keep = np.where(failed, np.float32(1 - shocks.harvest_failure_loss), np.float32(1))
        volume = volume * np.repeat(keep, 12, axis=-1)[..., :T]
    late = np.zeros((paths, C, T), dtype=bool)
    credit = on_credit(x)
    if shocks.late_payment_probability > 0 and credit.any():
        late[:, credit] = rng.random((paths, int(credit.sum()), T), dtype=np.float32) \
            < shocks.late_payment_probability
    return Draws(price, volume, late, shocks.late_payment_days)


def shocked(x: Inputs, d: Draws) -> Inputs:
    """One pipeline row per path: the scenario's single row with the path's shocks applied
    (the definition of a path; the Monte Carlo kernel computes the same figures)."""
    from dataclasses import replace
    rows = x.take(np.zeros(d.price.shape[0], dtype=int))
    n = rows.n
    return replace(rows, list_price=x.list_price * d.price, produced=x.produced * d.volume,
                   late=d.late.astype(float), late_days=np.full(n, float(d.late_days)))
