"""The batched monthly cash-flow projection.

A scenario is compiled once into arrays (`Inputs`) with a leading batch axis: n variants of the
same scenario structure, shaped (n, months) or (n, k, months). `simulate` computes every monthly
quantity for all n rows at once; there is no Python loop over variants or months. The exit-month
sweep is the same simulation with one row per candidate exit month.

Each quantity below has the name it carries in `Projection.monthly`, exports, the CLI and the UI.
Formulas and sources: docs/methodology.md.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date

import numpy as np

from engine.loans import Loan, add_months, monthly_flows
from engine.scenario import GROUP, Scenario, Service

DAYS_PER_MONTH = 30.0
"""Payment delays convert to months on the 30/360 convention: a delay of d days moves a month's
receipts by d / 30 months, split across two months in proportion to days."""


@dataclass(frozen=True)
class Inputs:
    """Scenario inputs as arrays; every array's first axis is the batch axis (n rows)."""

    volume: np.ndarray          # (n, C, T) units offered to each channel
    acceptance: np.ndarray      # (n, C) accepted share
    fallback: np.ndarray        # (C, C) 1 where row channel's rejects go to column channel
    price: np.ndarray           # (n, C, T) realised price: list price x (1 - discount)
    delay_days: np.ndarray      # (n, C)
    commission_rate: np.ndarray  # (n, C)
    transport: np.ndarray       # (n, C) per unit sold
    production_costs: np.ndarray  # (n, T) unit costs x units produced
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
    member_capital: np.ndarray  # (n, T)
    investments: np.ndarray     # (n, T)
    opening_cash: np.ndarray    # (n,)
    cash_reserve: np.ndarray    # (n,)
    distribution_share: np.ndarray  # (n,)
    members: np.ndarray         # (n,)
    exit_month: np.ndarray      # (n,) int; subsidies end from this month (T: never)

    @property
    def n(self) -> int:
        return self.opening_cash.shape[0]

    @property
    def months(self) -> int:
        return self.fixed_costs.shape[-1]

    SHARED = ("fallback", "service_continues", "service_embedded", "service_to_group")
    """Fields without a batch axis: the scenario's structure, the same in every row."""

    def take(self, rows: np.ndarray) -> Inputs:
        """Rows of the batch (repeat a row by repeating its index)."""
        return replace(self, **{f.name: getattr(self, f.name)[rows]
                                for f in fields(self) if f.name not in self.SHARED})

    @staticmethod
    def concat(parts: list[Inputs]) -> Inputs:
        """Stack batches of the same scenario structure along the batch axis."""
        return replace(parts[0], **{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                                    for f in fields(parts[0]) if f.name not in Inputs.SHARED})


def calendar_months(scenario: Scenario) -> np.ndarray:
    """Calendar month index (0 = January) of each projection month."""
    first = int(scenario.start.split("-")[1]) - 1
    return (first + np.arange(scenario.horizon_months)) % 12


def product_volume(scenario: Scenario) -> dict[str, np.ndarray]:
    """Units produced per month: capacity x normalised seasonality x ramp factor."""
    t = np.arange(scenario.horizon_months)
    cal = calendar_months(scenario)
    out = {}
    for p in scenario.products:
        season = np.asarray(p.seasonality, dtype=float)
        season = season / season.mean()
        if p.capacity_ramp:
            ramp = np.interp(t, [r.month for r in p.capacity_ramp],
                             [r.factor for r in p.capacity_ramp])
        else:
            ramp = np.ones(len(t))
        out[p.name] = p.monthly_capacity * season[cal] * ramp
    return out


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


def compile_scenario(scenario: Scenario) -> Inputs:
    """Arrays for one scenario (n = 1); subsidies never end (exit_month = horizon)."""
    T = scenario.horizon_months
    t = np.arange(T)
    channels = scenario.channels
    index = {c.name: i for i, c in enumerate(channels)}
    produced = product_volume(scenario)
    volume = np.stack([c.share * produced[c.product] for c in channels])
    fallback = np.zeros((len(channels), len(channels)))
    for i, c in enumerate(channels):
        if c.fallback is not None:
            fallback[i, index[c.fallback]] = 1.0
    price = np.stack([np.full(T, c.price * (1 - c.discount)) for c in channels])
    production = sum((p.unit_cost * produced[p.name] for p in scenario.products), np.zeros(T))

    def active(start: int, end: int | None, amount: float) -> np.ndarray:
        return np.where((t >= start) & (t <= (T if end is None else end)), amount, 0.0)

    fixed = sum((active(f.start_month, f.end_month, f.monthly_amount)
                 for f in scenario.fixed_costs), np.zeros(T))
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
    g = scenario.group
    row = lambda a: np.asarray(a, dtype=float)[None]  # noqa: E731
    return Inputs(
        volume=row(volume),
        acceptance=row([c.acceptance_rate for c in channels]),
        fallback=fallback,
        price=row(price),
        delay_days=row([c.payment_delay_days for c in channels]),
        commission_rate=row([c.commission_rate for c in channels]),
        transport=row([c.transport_cost_per_unit for c in channels]),
        production_costs=row(production),
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
        member_capital=row(at_months(scenario.member_capital)),
        investments=row(at_months(scenario.investments)),
        opening_cash=row([g.opening_cash]).reshape(1),
        cash_reserve=row([g.cash_reserve]).reshape(1),
        distribution_share=row([g.distribution_share]).reshape(1),
        members=row([g.members]).reshape(1),
        exit_month=np.array([T]),
    )


def delayed(amounts: np.ndarray, delay_days: np.ndarray) -> np.ndarray:
    """Shift (n, C, T) monthly amounts by per-(n, C) delays in days, split by days.

    A month's sales are taken as spread evenly over its 30 days; paid d days later, a share
    1 - f of them arrives q months later and f arrives q + 1 months later, where
    q = floor(d / 30) and f = d / 30 - q. Amounts shifted past the horizon are not received
    within it (they stay in receivables).
    """
    T = amounts.shape[-1]
    shift = delay_days / DAYS_PER_MONTH
    q = np.floor(shift).astype(int)[..., None]
    f = (shift - np.floor(shift))[..., None]
    t = np.arange(T)
    out = np.zeros_like(amounts)
    for extra, weight in ((0, 1.0 - f), (1, f)):
        src = t - q - extra
        ok = src >= 0
        gathered = np.take_along_axis(amounts, np.clip(src, 0, T - 1), axis=-1)
        out += np.where(ok, gathered * weight, 0.0)
    return out


def simulate(x: Inputs) -> dict[str, np.ndarray]:
    """Every monthly quantity, shaped (n, T), for all n rows of the batch at once."""
    T = x.months
    t = np.arange(T)
    accepted = x.volume * x.acceptance[..., None]
    rejected = x.volume - accepted
    # units sold through each channel: its own accepted volume plus rejects routed to it
    sold = accepted + np.einsum("nct,cd->ndt", rejected, x.fallback)
    revenue_c = sold * x.price
    receipts_c = delayed(revenue_c, x.delay_days)

    # after the exit month the group's own services are paid in full by the group (continue)
    # or end (stop); partner services end; embedded services carry on unchanged
    after_exit = (t[None, :] >= x.exit_month[:, None])[:, None, :]   # (n, 1, T)
    subsidised = (~x.service_embedded & x.service_to_group)[None, :, None]  # (1, S, 1)
    partner = (~x.service_to_group)[None, :, None]
    continues = x.service_continues[None, :, None]
    ends = after_exit & ((subsidised & ~continues) | partner)
    cost = np.where(ends, 0.0, x.service_cost)
    group_share = np.where(after_exit & subsidised, 1.0, x.group_share)
    service_cost_group = (cost * group_share).sum(axis=1)
    others = cost * (1.0 - group_share)
    service_subsidy = (others * subsidised).sum(axis=1)
    partner_support = (others * partner).sum(axis=1)

    m = {}
    m["sales_revenue"] = revenue_c.sum(axis=1)
    m["cash_receipts"] = receipts_c.sum(axis=1)
    m["receivables"] = np.cumsum(m["sales_revenue"] - m["cash_receipts"], axis=1)
    m["commissions"] = (receipts_c * x.commission_rate[..., None]).sum(axis=1)
    m["variable_costs"] = x.production_costs + (sold * x.transport[..., None]).sum(axis=1)
    m["fixed_costs"] = x.fixed_costs
    m["service_cost_group"] = service_cost_group
    m["subsidy"] = service_subsidy + x.interest_subsidy
    m["service_subsidy"] = service_subsidy
    m["partner_support"] = partner_support
    m["operating_cash_flow"] = (m["cash_receipts"] - m["commissions"] - m["variable_costs"]
                                - m["fixed_costs"] - m["service_cost_group"])
    m["interest"] = x.interest
    m["principal"] = x.principal
    m["loan_fees"] = x.loan_fees
    m["debt_service"] = x.interest + x.principal + x.loan_fees
    m["loan_disbursements"] = x.loan_disbursements
    m["member_capital"] = x.member_capital
    m["investments"] = x.investments
    surplus = m["operating_cash_flow"] - m["debt_service"]
    m["distributions"] = x.distribution_share[:, None] * np.maximum(surplus, 0.0)
    m["net_cash_flow"] = (surplus + x.loan_disbursements + x.member_capital - x.investments
                          - m["distributions"])
    m["cash_balance"] = x.opening_cash[:, None] + np.cumsum(m["net_cash_flow"], axis=1)
    # accrual income of the members' enterprise: commissions on revenue, not on receipts
    commission_accrued = (revenue_c * x.commission_rate[..., None]).sum(axis=1)
    m["member_income_per_member"] = (
        m["sales_revenue"] - commission_accrued - m["variable_costs"] - m["fixed_costs"]
        - m["service_cost_group"] - x.interest - x.loan_fees) / x.members[:, None]
    m["revenue_by_channel"] = revenue_c
    return m
