"""The batched monthly cash-flow projection.

A scenario is compiled once into arrays (`Inputs`) with a leading batch axis: n variants of the
same scenario structure, shaped (n, months) or (n, k, months). `simulate` computes every monthly
quantity for all n rows at once; there is no Python loop over variants or months. The exit-month
sweep is the same simulation with one row per candidate exit month.

Each quantity below has the name it carries in `Projection.monthly`, exports, the CLI and the UI.
Formulas and sources: docs/methodology.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

import numpy as np

from engine.arrears import (
    ARREARS_COLUMNS,
    FINERACT_ORDER,
    Component,
    cash_with_arrears,
    group_penalty_rate,
)
from engine.assets import asset_schedule, inflation_factor
from engine.loans import Loan, add_months, compiled_schedule, contracts, monthly_flows
from engine.metrics import running
from engine.scenario import GROUP, Scenario, Service, Taper

DAYS_PER_MONTH = 30.0
"""Payment delays convert to months on the 30/360 convention: a delay of d days moves a month's
receipts by d / 30 months, split across two months in proportion to days."""


@dataclass(frozen=True)
class Inputs:
    """Scenario inputs as arrays; every array's first axis is the batch axis (n rows)."""

    produced: np.ndarray        # (n, P, T) units produced of each product
    channel_product: np.ndarray  # (C,) index of the product each channel sells
    contracts_first: np.ndarray  # (P,) True: quota channels are filled first
    has_quota: np.ndarray       # (C,) True: the channel has a quota
    share: np.ndarray           # (n, C) share of the product offered (of what quotas leave)
    quota: np.ndarray           # (n, C) units a month (inf: none)
    acceptance: np.ndarray      # (n, C) accepted share
    fallback: np.ndarray        # (C, C) 1 where row channel's rejects go to column channel
    list_price: np.ndarray      # (n, C, T) price per unit before the discount
    discount: np.ndarray        # (n, C) discount at delivery
    delay_days: np.ndarray      # (n, C) shortest payment delay
    delay_days_max: np.ndarray  # (n, C) longest payment delay (= delay_days when fixed)
    late: np.ndarray            # (n, C, T) share of a month's sales paid `late_days` later
    late_days: np.ndarray       # (n,) extra days of a late payment (Monte Carlo's events)
    commission_rate: np.ndarray  # (n, C)
    transport: np.ndarray       # (n, C) per unit sold
    sale_cost: np.ndarray       # (n, P, T + L) unit cost x units sold, by month of sale
    cost_lead: np.ndarray       # (P, L + 1) share of the unit cost paid k months before sale
    fixed_costs: np.ndarray     # (n, T)
    service_cost: np.ndarray    # (n, S, T) full cost of each service
    group_share: np.ndarray     # (n, S, T) group's share of each service
    service_continues: np.ndarray  # (S,) True: group pays full cost after exit; False: stops
    service_embedded: np.ndarray   # (S,) True: paid through the price, not subsidy
    service_to_group: np.ndarray   # (S,) False: the service went to a partner of the group
    interest: np.ndarray        # (n, T)
    principal: np.ndarray       # (n, T)
    loan_fees: np.ndarray       # (n, T)
    loan_disbursements: np.ndarray  # (n, T)
    interest_subsidy: np.ndarray    # (n, T)
    arranged_flows: np.ndarray  # (n, A, 5, T) flows of the loans the facilitator arranged
    arranged_month: np.ndarray  # (A,) their disbursement months (dropped if exit <= it)
    member_capital: np.ndarray  # (n, T)
    investments: np.ndarray     # (n, T)
    opening_cash: np.ndarray    # (n,)
    cash_reserve: np.ndarray    # (n,)
    distribution_share: np.ndarray  # (n,)
    members: np.ndarray         # (n,)
    credit_limit: np.ndarray    # (n,) bridging credit line limit (0: none)
    credit_rate: np.ndarray     # (n,) its nominal annual rate
    effect_service: np.ndarray  # (E,) the service each effect belongs to
    effect_on: np.ndarray       # (E,) 0 acceptance rate, 1 price, 2 volume, 3 unit cost
    effect_channels: np.ndarray  # (E, C) True where a channel effect acts
    effect_products: np.ndarray  # (E, P) True where a product effect acts
    effect_without: np.ndarray  # (n, E) relative change once the effect has faded
    effect_half_life: np.ndarray  # (n, E) months
    drawings_per_member: np.ndarray  # (n,) members' monthly household draw a lender deducts
    inflation_rate: np.ndarray  # (n,) annual inflation, for FSS's inflation adjustment
    exit_month: np.ndarray      # (n,) int; subsidies end from this month (T: never)
    arrears_enabled: np.ndarray  # (n,) bool: unpaid installments go into arrears (arrears.py)
    penalty_rate: np.ndarray    # (n,) annual penalty interest on arrears
    allocation: tuple[Component, ...] = FINERACT_ORDER  # order cash pays what is owed
    horizon_months: int = 0     # months shown (the scenario's horizon); <= months simulated

    @property
    def n(self) -> int:
        return self.opening_cash.shape[0]

    @property
    def months(self) -> int:
        return self.fixed_costs.shape[-1]

    SHARED = ("fallback", "service_continues", "service_embedded", "service_to_group",
              "channel_product", "contracts_first", "has_quota", "horizon_months",
              "allocation", "cost_lead", "effect_service", "effect_on", "effect_channels",
              "effect_products", "arranged_month")
    """Fields without a batch axis: the scenario's structure, the same in every row."""

    def take(self, rows: np.ndarray) -> Inputs:
        """Rows of the batch (repeat a row by repeating its index).

        Monthly arrays that hold a single row (leading axis 1) stay as they are: that row
        stands for every row (numpy broadcasting), so a batch of variants of one scenario
        shares them instead of copying them n times. Use `full` to get a writable copy."""
        out = {}
        for f in fields(self):
            if f.name in self.SHARED:
                continue
            a = getattr(self, f.name)
            if a.shape[0] == 1 and (a.ndim >= 3 or f.name in self.PER_MONTH):
                out[f.name] = a
            else:
                out[f.name] = a[np.zeros_like(rows) if a.shape[0] == 1 else rows]
        return replace(self, **out)

    PER_MONTH = ("fixed_costs", "interest", "principal", "loan_fees", "loan_disbursements",
                 "interest_subsidy", "member_capital", "investments")

    def full(self, name: str) -> np.ndarray:
        """A writable (n, ...) copy of a field, whether it is shared or per row."""
        a = getattr(self, name)
        return np.broadcast_to(a, (self.n, *a.shape[1:])).copy()

    @staticmethod
    def concat(parts: list[Inputs]) -> Inputs:
        """Stack batches of the same scenario structure along the batch axis."""
        if len(parts) == 1:
            return parts[0]
        out: dict[str, Any] = {}
        for f in fields(parts[0]):
            if f.name in Inputs.SHARED:
                continue
            arrays = [getattr(p, f.name) for p in parts]
            out[f.name] = np.concatenate([np.broadcast_to(a, (p.n, *a.shape[1:]))
                                          for a, p in zip(arrays, parts, strict=True)])
        return replace(parts[0], **out)


def loan_last_month(loan: Loan) -> int:
    """Scenario month of a loan's last installment (of all its contracts), as dated in a
    scenario."""
    return max(int(compiled_schedule(c)["month"].max()) for c in contracts(loan))


def simulated_months(scenario: Scenario) -> int:
    """Months simulated: the horizon, or further, to every loan's last installment, so that
    every lent taka is repaid inside the simulation (the horizon stays the months shown)."""
    last = max((loan_last_month(loan) for loan in dated_loans(scenario)), default=-1)
    return max(scenario.horizon_months, last + 1)


def calendar_months(scenario: Scenario, months: int | None = None) -> np.ndarray:
    """Calendar month index (0 = January) of each simulated month."""
    first = int(scenario.start.split("-")[1]) - 1
    return (first + np.arange(simulated_months(scenario) if months is None else months)) % 12


def seasonal(weights: list[float], scenario: Scenario, months: int | None = None) -> np.ndarray:
    """12 calendar-month weights, normalised to mean 1, laid on the simulated months."""
    season = np.asarray(weights, dtype=float)
    return (season / season.mean())[calendar_months(scenario, months)]


def product_volume(scenario: Scenario, months: int | None = None) -> dict[str, np.ndarray]:
    """Units produced per month: capacity x normalised seasonality x ramp factor."""
    months = simulated_months(scenario) if months is None else months
    t = np.arange(months)
    out = {}
    for p in scenario.products:
        if p.capacity_ramp:
            ramp = np.interp(t, [r.month for r in p.capacity_ramp],
                             [r.factor for r in p.capacity_ramp])
        else:
            ramp = np.ones(len(t))
        out[p.name] = p.monthly_capacity * seasonal(p.seasonality, scenario, months) * ramp
    return out


def market_prices(scenario: Scenario, months: int | None = None) -> dict[str, np.ndarray]:
    """Each market's price by month: price x normalised seasonality x (1 + growth)^(t / 12)."""
    months = simulated_months(scenario) if months is None else months
    t = np.arange(months)
    return {mk.name: mk.price * seasonal(mk.seasonality, scenario, months)
            * (1 + mk.annual_growth) ** (t / 12) for mk in scenario.markets}


def taper_multiplier(service: Service, months: int) -> np.ndarray:
    """Multiplier (0..1) on the tapered payers' initial shares, by month (linear/step forms)."""
    t = np.arange(months, dtype=float)
    tp = service.taper
    if tp.kind == "linear":
        progress = np.clip((t - tp.start_month) / tp.months, 0.0, 1.0)
        return 1.0 - (1.0 - tp.to_level) * progress
    if tp.kind == "step":
        steps = np.where(t >= tp.start_month, np.floor((t - tp.start_month) / tp.every_months) + 1,
                         0.0)
        return np.maximum(tp.to_level, 1.0 - tp.step * steps)
    return np.ones(months)


def taper_end_month(taper: Taper) -> int | None:
    """The first month in which a linear or step taper reaches its final level (`to_level` of
    the initial shares), read off `taper_multiplier`; None for other kinds.

    >>> taper_end_month(Taper(kind="step", start_month=6, step=0.09, every_months=6))
    72
    """
    if taper.kind not in ("linear", "step"):
        return None
    span = taper.start_month + taper.months + math.ceil(1 / taper.step) * taper.every_months + 1
    f = taper_multiplier(Service(name="taper", shares={GROUP: 1.0}, taper=taper), span)
    return int(np.flatnonzero(np.isclose(f, taper.to_level))[0])


def payer_shares(service: Service, months: int) -> dict[str, np.ndarray]:
    """Each payer's share of the service's cost by month; the group takes what others drop."""
    payers = [p for p in service.shares if p != GROUP]
    for row in service.taper.table:
        payers += [p for p in row.shares if p != GROUP and p not in payers]
    shares = {p: np.full(months, service.shares.get(p, 0.0)) for p in payers}
    if service.taper.kind == "table":
        for row in sorted(service.taper.table, key=lambda r: r.from_month):
            for p in payers:
                shares[p][row.from_month:] = row.shares.get(p, 0.0)
    elif service.taper.kind in ("linear", "step"):
        f = taper_multiplier(service, months)
        for p in service.taper.payers or payers:
            shares[p] = shares[p] * f
    shares[GROUP] = 1.0 - sum(shares.values(), np.zeros(months))
    return shares


def service_costs(service: Service, months: int) -> np.ndarray:
    t = np.arange(months)
    end = service.end_month if service.end_month is not None else months
    cost = np.where((t >= service.start_month) & (t <= end), service.monthly_cost, 0.0)
    for o in service.one_off:
        if o.month < months:
            cost[o.month] += o.amount
    return cost


def start_date(scenario: Scenario) -> date:
    y, m = map(int, scenario.start.split("-"))
    return date(y, m, 1)


def dated_loans(scenario: Scenario) -> list[Loan]:
    """The scenario's loans with a disbursement date: the 1st of the disbursement month unless
    the loan gives its own (which must fall in that month)."""
    first = start_date(scenario)
    return [loan if loan.disbursement_date else loan.model_copy(update={
        "disbursement_date": add_months(first, loan.disbursement_month)})
        for loan in scenario.loans]


def lead_weights(product) -> np.ndarray:
    """Share of the unit cost paid k months before the sale, k = 0 .. K (the cost calendar)."""
    if not product.cost_calendar:
        return np.ones(1)
    w = np.zeros(max(c.months_before_sale for c in product.cost_calendar) + 1)
    for c in product.cost_calendar:
        w[c.months_before_sale] += c.share
    return w


def production_costs(scenario: Scenario, months: int | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(sale_cost, cost_lead): per product, unit cost (at the cost inflation rate of the month
    of sale) x units sold, by month of sale, for the simulated months and the L months after
    them whose costs the calendars pay inside them; and the calendars, as shares of the unit
    cost paid k = 0 .. L months before the sale."""
    T = simulated_months(scenario) if months is None else months
    weights = [lead_weights(p) for p in scenario.products]
    L = max(len(w) for w in weights) - 1
    volume = product_volume(scenario, T + L)
    prices = inflation_factor(scenario.cost_inflation_annual, T + L)
    sale_cost = np.stack([p.unit_cost * prices * volume[p.name] for p in scenario.products])
    lead = np.zeros((len(weights), L + 1))
    for i, w in enumerate(weights):
        lead[i, :len(w)] = w
    return sale_cost, lead


def paid_and_sold(sale_cost: np.ndarray, lead: np.ndarray, months: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, T) production costs paid and cost of sales, and (n,) the opening stock: a share
    lead[p, k] of what is sold in month t + k is paid in month t; cost of sales is what is sold
    in month t; shares that fall before month 0 were paid before the start (the opening stock,
    work in progress the group starts with)."""
    paid = sum((lead[:, k, None] * sale_cost[:, :, k:k + months]).sum(axis=1)
               for k in range(lead.shape[1]) if lead[:, k].any())
    before = np.cumsum(sale_cost, axis=-1)                       # sold in months 0 .. u
    opening = sum((lead[:, k] * before[:, :, k - 1]).sum(axis=-1)
                  for k in range(1, lead.shape[1]))
    return (np.asarray(paid), sale_cost[:, :, :months].sum(axis=1),
            np.asarray(opening) * np.ones(sale_cost.shape[0]))


def fixed_costs(scenario: Scenario, months: int | None = None) -> np.ndarray:
    """Fixed costs by month: each from its start month to its end month (or the end), at the
    cost inflation rate."""
    T = simulated_months(scenario) if months is None else months
    t = np.arange(T)
    return sum((np.where((t >= f.start_month) & (t <= (T if f.end_month is None
                                                        else f.end_month)),
                         f.monthly_amount, 0.0) for f in scenario.fixed_costs),
               np.zeros(T)) * inflation_factor(scenario.cost_inflation_annual, T)


def compile_scenario(scenario: Scenario, months: int | None = None) -> Inputs:
    """Arrays for one scenario (n = 1); subsidies never end (exit_month = months simulated).

    The simulation runs `months` months (default: `simulated_months`, the horizon or further
    to the last installment of every loan); give a common `months` to stack scenarios whose
    loans end at different months."""
    T = simulated_months(scenario) if months is None else max(months,
                                                                 simulated_months(scenario))
    return compiled_for(scenario, T)


def compiled_for(scenario: Scenario, T: int) -> Inputs:
    """`compile_scenario` over exactly T months (T at least `simulated_months(scenario)`: the
    caller has worked it out)."""
    channels = scenario.channels
    index = {c.name: i for i, c in enumerate(channels)}
    products = [p.name for p in scenario.products]
    produced = product_volume(scenario, T)
    fallback = np.zeros((len(channels), len(channels)))
    for i, c in enumerate(channels):
        if c.fallback is not None:
            fallback[i, index[c.fallback]] = 1.0
    markets = market_prices(scenario, T)
    list_price = np.stack([markets[str(c.market)] * (1 + c.market_premium)
                           if c.price_basis == "market" else np.full(T, c.price)
                           for c in channels]) * inflation_factor(
                               scenario.price_inflation_annual, T)
    sale_cost, cost_lead = production_costs(scenario, T)
    effects = [(i, e) for i, sv in enumerate(scenario.services) for e in sv.effects]
    kinds = ("acceptance_rate", "price", "volume", "unit_cost")
    fixed = fixed_costs(scenario, T)
    S = len(scenario.services)
    cost = np.stack([service_costs(s, T) for s in scenario.services]) if S else np.zeros((0, T))
    group_share = (np.stack([payer_shares(s, T)[GROUP] if s.beneficiary == "group"
                             else np.zeros(T) for s in scenario.services]) if S
                   else np.zeros((0, T)))

    def at_months(items: list) -> np.ndarray:
        out = np.zeros(T)
        for item in items:
            if item.month < T:
                out[item.month] += item.amount
        return out

    loans = monthly_flows(dated_loans(scenario), T)
    arranged = [loan for loan in dated_loans(scenario) if loan.arranged_by_facilitator]
    arranged_flows = np.zeros((len(arranged), len(LOAN_FLOWS), T))
    for i, loan in enumerate(arranged):
        flows = monthly_flows([loan], T)
        arranged_flows[i] = [flows[k] for k in LOAN_FLOWS]
    g = scenario.group
    row = lambda a: np.asarray(a, dtype=float)[None]  # noqa: E731
    return Inputs(
        produced=row(np.stack([produced[p] for p in products])),
        channel_product=np.array([products.index(c.product) for c in channels], dtype=int),
        contracts_first=np.array([p.allocation == "contracts_first"
                                  for p in scenario.products], dtype=bool),
        has_quota=np.array([c.quota_units_per_month is not None for c in channels], dtype=bool),
        share=row([c.share for c in channels]),
        quota=row([np.inf if c.quota_units_per_month is None else c.quota_units_per_month
                   for c in channels]),
        acceptance=row([c.acceptance_rate for c in channels]),
        fallback=fallback,
        list_price=row(list_price),
        discount=row([c.discount for c in channels]),
        delay_days=row([c.payment_delay_days for c in channels]),
        delay_days_max=row([c.payment_delay_days if c.payment_delay_days_max is None
                            else c.payment_delay_days_max for c in channels]),
        late=np.zeros((1, len(channels), T)),
        late_days=np.zeros(1),
        commission_rate=row([c.commission_rate for c in channels]),
        transport=row([c.transport_cost_per_unit for c in channels]),
        sale_cost=row(sale_cost),
        cost_lead=cost_lead,
        fixed_costs=row(fixed),
        service_cost=row(cost),
        group_share=row(group_share),
        service_continues=np.array([s.after_exit == "continue" for s in scenario.services],
                                   dtype=bool),
        service_embedded=np.array([s.embedded for s in scenario.services], dtype=bool),
        service_to_group=np.array([s.beneficiary == "group" for s in scenario.services],
                                  dtype=bool),
        interest=row(loans["interest"]),
        principal=row(loans["principal"]),
        loan_fees=row(loans["loan_fees"]),
        loan_disbursements=row(loans["loan_disbursements"]),
        interest_subsidy=row(loans["interest_subsidy"]),
        arranged_flows=row(arranged_flows),
        arranged_month=np.array([loan.disbursement_month for loan in arranged], dtype=int),
        member_capital=row(at_months(scenario.member_capital)),
        investments=row(asset_schedule(scenario, T).outlays),
        opening_cash=row([g.opening_cash]).reshape(1),
        cash_reserve=row([g.cash_reserve]).reshape(1),
        distribution_share=row([g.distribution_share]).reshape(1),
        members=row([g.members]).reshape(1),
        credit_limit=row([g.credit_line_limit]).reshape(1),
        credit_rate=row([g.credit_line_annual_rate]).reshape(1),
        effect_service=np.array([i for i, _ in effects], dtype=int),
        effect_on=np.array([kinds.index(e.on) for _, e in effects], dtype=int),
        effect_channels=np.array([[e.target in (None, c.name) for c in channels]
                                  for _, e in effects], dtype=bool).reshape(-1, len(channels)),
        effect_products=np.array([[e.target in (None, p) for p in products]
                                  for _, e in effects], dtype=bool).reshape(-1, len(products)),
        effect_without=row([e.without_service for _, e in effects]).reshape(1, -1),
        effect_half_life=row([e.half_life_months for _, e in effects]).reshape(1, -1),
        drawings_per_member=row([g.drawings_per_member_month]).reshape(1),
        inflation_rate=row([scenario.inflation_annual_rate]).reshape(1),
        exit_month=np.array([T]),
        arrears_enabled=np.array([scenario.arrears.enabled]),
        penalty_rate=np.array([group_penalty_rate(scenario.loans)]),
        allocation=tuple(scenario.arrears.allocation),
        horizon_months=scenario.horizon_months,
    )


def needs_full_sweep(x: Inputs) -> bool:
    """True when some month's flows depend on the cash balance or on the exit month itself, so
    the counterfactual "every subsidy ends at M" cannot be assembled from two rows (the
    scenario as given and no subsidy from month 0) and needs one simulated row per candidate M.

    Today: a credit line (its draws and interest follow the cash balance), arrears (what is
    paid of an installment, and its penalties, follow the cash there is), payouts (paid from
    what each exit month's plan can spare), the effects of a service that ends at exit
    (they fade from M on) and loans the facilitator arranged (taken only if disbursed
    before M). Every mechanism that makes a month's flows depend on cash or on M
    adds its condition here, and every caller (engine.pipeline) reads this one predicate.
    """
    return bool((x.credit_limit > 0).any() or x.arrears_enabled.any()
                or (x.distribution_share > 0).any() or fading_effects(x)
                or x.arranged_month.size)


def paid_by(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Share of a month's sales (spread evenly over its 30 days) paid x days after the month
    began, when the delay is spread evenly over [lo, hi] days (a fixed delay when lo == hi).

    It is the mean of g(u) = clip(u / 30, 0, 1) over u in [x - hi, x - lo], computed piece by
    piece (below 0, on the ramp, above 30) so that narrow ranges lose no precision.
    """
    u1, u2 = x - hi, x - lo
    width = u2 - u1
    a, b = np.clip(u1, 0.0, DAYS_PER_MONTH), np.clip(u2, 0.0, DAYS_PER_MONTH)
    ramp = (b - a) * (a + b) / (2 * DAYS_PER_MONTH)
    flat = np.maximum(u2 - np.maximum(u1, DAYS_PER_MONTH), 0.0)
    spread = (ramp + flat) / np.where(width > 0, width, 1.0)
    on_ramp = (u1 >= 0) & (u2 <= DAYS_PER_MONTH)
    spread = np.where(on_ramp, (u1 + u2) / (2 * DAYS_PER_MONTH), spread)
    return np.where(width > 0, spread, np.clip(u2 / DAYS_PER_MONTH, 0.0, 1.0))


def receipt_weights(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """(n, C, J): share of a month's sales received j months later, j = 0 .. J - 1."""
    J = int(np.ceil(hi.max(initial=0.0) / DAYS_PER_MONTH)) + 2
    edges = DAYS_PER_MONTH * np.arange(J + 1)
    F = paid_by(edges, lo[..., None], hi[..., None])
    return np.diff(F, axis=-1)


def delayed(amounts: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Shift (n, C, T) monthly amounts by per-(n, C) delays of lo..hi days, split by days.

    A fixed delay of d days (lo = hi = d) puts a share 1 - f of a month's sales q months later
    and f one month after that (q = floor(d / 30), f = d / 30 - q); a range averages that over
    delays spread evenly between lo and hi. Amounts shifted past the horizon are not received
    within it (they stay in receivables).
    """
    w = receipt_weights(lo, hi)
    T = amounts.shape[-1]
    out = np.zeros_like(amounts)
    for j in range(min(w.shape[-1], T)):
        out[..., j:] += w[..., j:j + 1] * amounts[..., :T - j]
    return out


def allocate(x: Inputs) -> np.ndarray:
    """(n, C, T) units offered to each channel: quota channels first (in order) where the
    product allocates contracts first, the rest by shares."""
    offered = x.share[..., None] * x.produced[:, x.channel_product, :]
    if x.has_quota.any():
        offered = np.broadcast_to(offered, (x.n, *offered.shape[1:])).copy()
        remaining = x.full("produced")
        for c in np.flatnonzero(x.has_quota):
            p = x.channel_product[c]
            take = np.minimum(x.quota[:, c, None], remaining[:, p])
            offered[:, c] = take
            remaining[:, p] -= take
        rest = x.contracts_first[x.channel_product] & ~x.has_quota
        offered[:, rest] = x.share[:, rest, None] * remaining[:, x.channel_product[rest]]
    return offered


def future_low(flows: np.ndarray) -> np.ndarray:
    """(n, T) lowest cumulative sum of `flows` over months t .. u for u >= t, relative to the
    end of month t - 1 (the worst the months ahead can do, month t included)."""
    c = running(np.add, flows)
    return running(np.minimum, c, reverse=True) - c + flows


def payout_margin(cash_without: np.ndarray) -> np.ndarray:
    """(n, 1) what payouts leave above the reserve: a millionth of a taka plus 1e-12 of the
    plan's largest cash, so that float64 rounding never shows cash a hair below the reserve
    the rule keeps (a month that ends exactly at the reserve stays safe)."""
    return 1e-6 + 1e-12 * np.abs(cash_without).max(axis=-1, keepdims=True)


def spare_payouts(payable: np.ndarray, cash_without: np.ndarray, floor: np.ndarray
                  ) -> np.ndarray:
    """(n, T) payouts when each month's payable share of its surplus is paid only from what the
    group can spare: the payout in month t is at most what keeps cash at or above `floor` in
    month t and every later month of the plan, given the plan's flows without further payouts.

    With P_t the cumulative payouts, Q_t the cumulative payable amounts and
    C_t = max(0, min over u >= t of cash_without(u) - floor) (non-decreasing in t), the rule
    P_t = min(P_{t-1} + payable_t, C_t) has the closed form
    P_t = Q_t + min(0, min over s <= t of (C_s - Q_s)).
    """
    low = running(np.minimum, cash_without, reverse=True)
    cap = np.maximum(low - floor[:, None] - payout_margin(cash_without), 0.0)
    q = running(np.add, payable)
    paid = q + np.minimum(0.0, running(np.minimum, cap - q))
    out = np.empty_like(paid)              # np.diff(paid, prepend=0), in paid's layout
    out[..., 0] = paid[..., 0]
    np.subtract(paid[..., 1:], paid[..., :-1], out=out[..., 1:])
    return out


def cash_with_credit_line(x: Inputs, before_financing: np.ndarray, financing: np.ndarray,
                          payable: np.ndarray) -> dict[str, np.ndarray]:
    """Month by month (the line's interest depends on last month's balance), for all rows:
    pay out what the group can spare (its net position, cash less the line's balance, stays at
    or above the reserve in every later month of the plan without further payouts and without
    the line's future interest), then draw on the line to keep cash at 0, repay it from any
    positive cash, up to the limit; what the limit cannot cover is the shortfall and cash goes
    below 0 by it."""
    n, T = before_financing.shape
    keys = ("credit_line_interest", "credit_line_draw", "credit_line_balance", "cash_shortfall",
            "distributions", "cash_balance")
    out = {k: np.zeros((T, n)) for k in keys}           # month-major: a month is a row
    flows = np.broadcast_to(before_financing + financing, (n, T))
    ahead = future_low(flows)
    floor = x.cash_reserve + payout_margin(x.opening_cash[:, None]
                                           + running(np.add, flows))[:, 0]

    def by_month(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.broadcast_to(a, (n, T)).T)

    before, fin, due, ahead = (by_month(a) for a in (before_financing, financing, payable,
                                                     ahead))
    cash, balance = x.opening_cash.astype(float).copy(), np.zeros(n)
    for t in range(T):
        interest = balance * x.credit_rate / 12
        c = cash + before[t] + fin[t] - interest
        spare = c - balance + ahead[t] - before[t] - fin[t]
        paid_out = np.minimum(due[t], np.maximum(spare - floor, 0.0))
        c = c - paid_out
        draw = np.clip(-c, 0.0, np.maximum(x.credit_limit - balance, 0.0))
        repay = np.where(c > 0, np.minimum(c, balance), 0.0)
        balance = balance + draw - repay
        cash = c + draw - repay
        for key, value in (("credit_line_interest", interest), ("credit_line_draw", draw - repay),
                           ("credit_line_balance", balance),
                           ("cash_shortfall", np.maximum(-cash, 0.0)),
                           ("distributions", paid_out), ("cash_balance", cash)):
            out[key][t] = value
    return {k: v.T for k, v in out.items()}


def net_position_at_exit(flows: np.ndarray, opening: np.ndarray, credit_rate: np.ndarray,
                         credit_limit: np.ndarray, candidates: int) -> np.ndarray:
    """(candidates, n) the net position (cash less the credit line's balance) of the plan with
    subsidies and without payouts at the end of month M - 1 (the opening cash for M = 0),
    less the line's interest on it due in month M, from month-major flows before payouts
    (T, n):

        N_t = N_(t-1) + flow_t - i(N_(t-1)),   i(N) = rate / 12 x min(max(-N, 0), limit).

    From M on, while N stays at or above 0 the line charges nothing, so the plan "every
    subsidy ends at M" has N_t = (this) + the no-subsidy flows of months M .. t: the two-row
    exit formula on the net position (methodology.md, "Monte Carlo with a credit line").

    >>> net_position_at_exit(np.array([[-100.0], [50.0], [80.0]]), np.array([0.0]),
    ...                      np.array([0.12]), np.array([1000.0]), 3)[:, 0].tolist()
    [0.0, -101.0, -51.51]
    """
    out = np.empty((candidates, flows.shape[1]))
    rate = credit_rate / 12
    net = opening.astype(float)         # a copy
    interest = np.empty_like(net)
    for t in range(candidates):         # in place: Monte Carlo runs it over every path
        np.negative(net, out=interest)
        np.clip(interest, 0.0, credit_limit, out=interest)
        interest *= rate
        np.subtract(net, interest, out=out[t])
        net += flows[t]
        net -= interest
    return out


def cash_and_payouts(x: Inputs, before_financing: np.ndarray, financing: np.ndarray,
                     payable: np.ndarray) -> dict[str, np.ndarray]:
    """Payouts, the credit line and the cash balance (without arrears) from the month's flows
    before financing, its financing and the payable share of its surplus: month by month with
    a credit line (`cash_with_credit_line`), otherwise what the group can spare
    (`spare_payouts`)."""
    if (x.credit_limit > 0).any():
        return cash_with_credit_line(x, before_financing, financing, payable)
    out = {}
    cash_without = x.opening_cash[:, None] + np.cumsum(before_financing + financing, axis=1)
    out["distributions"] = spare_payouts(payable, cash_without, x.cash_reserve)
    for key in ("credit_line_interest", "credit_line_draw", "credit_line_balance"):
        out[key] = np.zeros_like(before_financing)
    out["cash_balance"] = cash_without - np.cumsum(out["distributions"], axis=1)
    out["cash_shortfall"] = np.maximum(-out["cash_balance"], 0.0)
    return out


def fading_effects(x: Inputs) -> bool:
    """True when a service that ends at the exit month has effects (which fade from M on)."""
    ending = (~x.service_embedded & x.service_to_group & ~x.service_continues) \
        | ~x.service_to_group                    # as service_flows ends them
    return bool(ending[x.effect_service].any())


def service_flows(x: Inputs) -> tuple[np.ndarray, ...]:
    """(n, T) the group's service costs, the subsidy to the group and partner support, and
    (n, E, T) the strength of each service effect (when there are effects).

    After the exit month the group's own services are paid in full by the group (continue) or
    end (stop); partner services end; embedded services carry on unchanged. When the service
    arrays are shared by all rows, the work is done once per distinct exit month."""
    rows = x.exit_month
    shared = (x.service_cost.shape[0] == 1 and x.group_share.shape[0] == 1
              and x.effect_half_life.shape[0] == 1)
    if shared:
        rows, back = np.unique(x.exit_month, return_inverse=True)
    T = x.months
    t = np.arange(T)
    after_exit = (t[None, :] >= rows[:, None])[:, None, :]           # (k, 1, T)
    subsidised = (~x.service_embedded & x.service_to_group)[None, :, None]  # (1, S, 1)
    partner = (~x.service_to_group)[None, :, None]
    continues = x.service_continues[None, :, None]
    ends = after_exit & ((subsidised & ~continues) | partner)
    cost = np.where(ends, 0.0, x.service_cost)
    group_share = np.where(after_exit & subsidised, 1.0, x.group_share)
    group = (cost * group_share).sum(axis=1)
    others = cost * (1.0 - group_share)
    out: tuple[np.ndarray, ...] = (group, (others * subsidised).sum(axis=1),
                                   (others * partner).sum(axis=1))
    if x.effect_service.size:
        out += (effect_strength(x, cost > 0),)
    return tuple(a[back.reshape(-1)] for a in out) if shared else out


def effect_strength(x: Inputs, delivered: np.ndarray) -> np.ndarray:
    """(k, E, T) share of each effect held: 1 in a month its service is delivered (has a cost,
    after the exit month's changes), halving every half-life after the last delivery, 0 before
    the first."""
    T = delivered.shape[-1]
    t = np.arange(T)
    on = delivered[:, x.effect_service, :]                            # (k, E, T)
    last = np.maximum.accumulate(np.where(on, t, -1), axis=-1)
    return np.where(last >= 0, 0.5 ** ((t - last) / x.effect_half_life[..., None]), 0.0)


def effect_multipliers(x: Inputs, strength: np.ndarray) -> dict[str, np.ndarray]:
    """Multipliers on acceptance rates and prices (n, C, T) and on volumes and unit costs
    (n, P, T): 1 + without_service x (1 - strength), multiplied over the effects on each."""
    out = {}
    lost = 1.0 + x.effect_without[..., None] * (1.0 - strength)      # (n, E, T)
    for name, kind, mask in (("acceptance_rate", 0, x.effect_channels),
                             ("price", 1, x.effect_channels),
                             ("volume", 2, x.effect_products),
                             ("unit_cost", 3, x.effect_products)):
        mine = x.effect_on == kind
        if not mine.any():
            continue
        # product over effects e of lost[e] where mask[e, j], as exp(sum(log)) is fragile
        # near 0: multiply effect by effect
        m = np.ones((lost.shape[0], mask.shape[1], lost.shape[-1]))
        for e in np.flatnonzero(mine):
            m = m * np.where(mask[e][None, :, None], lost[:, e, None, :], 1.0)
        out[name] = m
    return out


LOAN_FLOWS = ("loan_disbursements", "interest", "principal", "loan_fees", "interest_subsidy")
"""The loan flows of `Inputs`, in the order of `arranged_flows`' third axis."""


def without_arranged_loans(x: Inputs) -> Inputs:
    """The rows' loan flows without the loans the facilitator arranged that a row's exit month
    comes before (at or before their disbursement): when every subsidy ends at M, such a loan
    is not taken."""
    if not x.arranged_month.size:
        return x
    dropped = (x.exit_month[:, None] <= x.arranged_month[None, :]).astype(float)   # (n, A)
    less = np.einsum("na,nakt->knt", dropped, np.broadcast_to(
        x.arranged_flows, (x.n, *x.arranged_flows.shape[1:])))
    return replace(x, **{k: getattr(x, k) - less[i] for i, k in enumerate(LOAN_FLOWS)})


def simulate(x: Inputs) -> dict[str, np.ndarray]:
    """Every monthly quantity, shaped (n, T), for all n rows of the batch at once."""
    x = without_arranged_loans(x)
    service_cost_group, service_subsidy, partner_support, *strength = service_flows(x)
    # services' effects: what is lost once a service is no longer delivered
    effects = effect_multipliers(x, strength[0]) if strength else {}
    T = x.months
    sale_cost = x.sale_cost
    if "volume" in effects:
        x = replace(x, produced=x.produced * effects["volume"])
    for name in ("volume", "unit_cost"):
        if name in effects:
            held = np.concatenate([effects[name], np.repeat(effects[name][..., -1:], (
                sale_cost.shape[-1] - T), axis=-1)], axis=-1)   # held after the last month
            sale_cost = sale_cost * held
    acceptance = x.acceptance[..., None]
    if "acceptance_rate" in effects:
        acceptance = np.clip(acceptance * effects["acceptance_rate"], 0.0, 1.0)
    price = x.list_price * effects.get("price", 1.0)

    offered = allocate(x)
    accepted = offered * acceptance
    rejected = offered - accepted
    # units sold through each channel: its own accepted volume plus rejects routed to it
    sold = accepted + np.einsum("nct,cd->ndt", rejected, x.fallback)
    revenue_c = sold * price * (1 - x.discount)[..., None]
    receipts_c = delayed(revenue_c, x.delay_days, x.delay_days_max)
    if x.late.any():    # late-payment events (engine/shocks.py): those sales wait longer
        late = revenue_c * x.late
        extra = x.late_days[:, None]
        receipts_c = receipts_c + delayed(late, x.delay_days + extra, x.delay_days_max + extra) \
            - delayed(late, x.delay_days, x.delay_days_max)
    production_paid, cost_of_sales, opening_stock = paid_and_sold(sale_cost, x.cost_lead, T)

    m = {}
    m["sales_revenue"] = revenue_c.sum(axis=1)
    m["cash_receipts"] = receipts_c.sum(axis=1)
    m["receivables"] = np.cumsum(m["sales_revenue"] - m["cash_receipts"], axis=1)
    m["commissions"] = (receipts_c * x.commission_rate[..., None]).sum(axis=1)
    transport = (sold * x.transport[..., None]).sum(axis=1)
    m["variable_costs"] = production_paid + transport
    # what has been paid for units not yet sold, at cost (inputs ahead of a harvest, materials
    # ahead of orders): the working capital the calendar ties up
    m["stock"] = opening_stock[:, None] + np.cumsum(production_paid - cost_of_sales, axis=-1)
    m["fixed_costs"] = x.fixed_costs
    m["service_cost_group"] = service_cost_group
    # from the exit month concessional loans are repriced at their market rate: the interest
    # they saved is paid instead (the same balance at market_annual_rate)
    repriced = np.arange(T)[None, :] >= x.exit_month[:, None]
    interest_subsidy = np.where(repriced, 0.0, x.interest_subsidy)
    x = replace(x, interest=x.interest + np.where(repriced, x.interest_subsidy, 0.0),
                interest_subsidy=interest_subsidy)
    m["subsidy"] = service_subsidy + x.interest_subsidy
    m["service_subsidy"] = service_subsidy
    m["interest_subsidy_row"] = x.interest_subsidy
    m["partner_support"] = partner_support
    m["operating_cash_flow"] = (m["cash_receipts"] - m["commissions"] - m["variable_costs"]
                                - m["fixed_costs"] - m["service_cost_group"])
    m["principal"] = x.principal
    m["loan_fees"] = x.loan_fees
    m["loan_disbursements"] = x.loan_disbursements
    m["member_capital"] = x.member_capital
    m["investments"] = x.investments
    financing = x.loan_disbursements + x.member_capital - x.investments
    before_financing = m["operating_cash_flow"] - x.interest - x.principal - x.loan_fees
    # accrual income of the members' enterprise: commissions on revenue, not on receipts
    commission_accrued = (revenue_c * x.commission_rate[..., None]).sum(axis=1)
    income = (m["sales_revenue"] - commission_accrued - cost_of_sales - transport
              - m["fixed_costs"]
              - m["service_cost_group"] - x.interest - x.loan_fees)
    # members are owed their share of the month's surplus (its accrual income before the credit
    # line's interest, so it does not move with the timing of receipts) ...
    payable = x.distribution_share[:, None] * np.maximum(income, 0.0)
    # arrears (engine/arrears.py): with them on, what cash cannot pay of an installment stays
    # overdue (beside any credit line) instead of making cash negative
    if x.arrears_enabled.any():
        m |= cash_with_arrears(
            operating=m["operating_cash_flow"], financing=financing, interest=x.interest,
            principal=x.principal, fees=x.loan_fees, opening_cash=x.opening_cash,
            payable=payable, cash_reserve=x.cash_reserve, credit_limit=x.credit_limit,
            credit_rate=x.credit_rate, penalty_rate=x.penalty_rate, enabled=x.arrears_enabled,
            allocation=x.allocation)
    else:
        m |= cash_and_payouts(x, before_financing, financing, payable)
    # what the cash follows from, month by month (the exit sweep's rows differ only in these)
    m["before_financing"], m["financing"], m["payable"] = before_financing, financing, payable
    if not x.arrears_enabled.any():
        for key in ARREARS_COLUMNS:
            m[key] = np.zeros_like(before_financing)
        m["loan_payments"] = x.interest + x.principal + x.loan_fees + 0 * before_financing
    m["interest"] = x.interest + m["credit_line_interest"] + m["penalty_interest"]
    m["debt_service"] = m["interest"] + x.principal + x.loan_fees     # due (with penalties)
    m["debt_service_paid"] = m["loan_payments"] + m["credit_line_interest"]
    m["net_cash_flow"] = (m["operating_cash_flow"] - m["debt_service_paid"] + financing
                          - m["distributions"] + m["credit_line_draw"])
    m["member_income_per_member"] = (income - m["credit_line_interest"]
                                     - m["penalty_interest"]) / x.members[:, None]
    m["members_drawings"] = np.broadcast_to((x.drawings_per_member * x.members)[:, None],
                                            m["operating_cash_flow"].shape)
    m["revenue_by_channel"] = revenue_c
    m["units_sold_by_channel"] = sold
    # rows that share a monthly array give it back once: hand every quantity out per row
    return {k: np.broadcast_to(v, (x.n, *v.shape[1:])) for k, v in m.items()}
