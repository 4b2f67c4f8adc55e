"""The scenario: a producer group, what it makes and sells, what it owes and who pays for what.

Frozen pydantic models; unknown keys are rejected; units are in the field names. Months are
counted from the scenario's `start` (month 0 = the start month). Money is in taka unless a field
says otherwise.
The plain label and unit of every field are in engine/fields.py (set on these fields).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, model_validator

from engine.arrears import ArrearsTerms
from engine.errors import fail
from engine.i18n import N_, t
from engine.limits import MAX_DELAY_DAYS, MAX_MONTH, Checked
from engine.loans import Loan

GROUP = "group"
"""The payer name that stands for the group itself in service cost shares."""

SHARE_TOLERANCE = 1e-6
DRAWINGS_PER_MEMBER_MONTH = 1621.0
"""Taka a month: the lowest monthly salary paid by the Modhupur association to its employees, as
the seed reports it; the default value of a member's own labour as a household draw."""

PAYER_NAMES = {"donor": N_("Donor"), "ngo": N_("NGO"), "lead_firm": N_("Lead firm"),
               GROUP: N_("The group")}
"""Plain names of the usual payers, unless a scenario's `titles` names them (translated where
shown)."""


class Model(Checked):
    """Frozen, unknown keys rejected, numbers strict, finite and within engine.limits."""


class Group(Model):
    name: str = Field(description=N_("The group's name."))
    members: int = Field(ge=1, description=N_("Members who share the group's income."))
    founding_members: int | None = Field(
        None, ge=1, description=N_("Members at formation (the core group), for impact figures."))
    hired_workers: int = Field(0, ge=0, description=N_("Wage employees (jobs beyond the members)."))
    women_share: float | None = Field(
        None, ge=0, le=1, description=N_("Share of the members who are women (for results by "
        "sex); None: not known."))
    opening_cash: float = Field(0.0, ge=0, description=N_("Cash at the start, taka."))
    cash_reserve: float = Field(
        0.0, ge=0, description=N_("Cash the group must keep; below it the group is not safe."))
    distribution_share: float = Field(
        0.0, ge=0, le=1, description=N_("Share of each month's surplus after debt service paid "
        "out to members (0 keeps everything in the group)."))
    credit_line_limit: float = Field(
        0.0, ge=0, description=N_("Bridging credit line (overdraft) that covers cash deficits "
        "automatically up to this limit, taka; 0: none."))
    credit_line_annual_rate: float = Field(
        0.0, ge=0, le=2, description=N_("Nominal annual interest on the credit line's balance."))
    drawings_per_member_month: float = Field(
        DRAWINGS_PER_MEMBER_MONTH, ge=0, description=N_("What each member draws a month for the "
        "household: the value of their own labour, which a lender deducts from the cash "
        "available for debt service (DSCR). Default: the lowest monthly wage the seed reports "
        "for a producer association's employees (1,621 taka); 0 counts the members' labour as "
        "available to repay."))


def seasonality_problems(weights: list[float]) -> list[tuple[str, str]]:
    problems = [(f"seasonality[{i}]", t("must be {op} {bound} (got {got})", op=">=", bound=0,
                                         got=v))
                for i, v in enumerate(weights) if v < 0]
    if not problems and sum(weights) <= 0:
        problems.append(("seasonality", t("at least one month must be above 0")))
    return problems


class RampPoint(Model):
    month: int = Field(ge=0, description=N_("Month from start."))
    factor: float = Field(ge=0,
        description=N_("Capacity factor at that month (1 = full capacity)."))


class CostTiming(Model):
    """A part of a product's unit cost and when it is paid, counted back from the sale."""

    months_before_sale: int = Field(
        ge=0, le=36, description=N_("Months before the month of sale in which this part is paid "
        "(0: the month of sale, as for consignment stock paid only when sold; 6: inputs and "
        "labour bought six months before a harvest)."))
    share: float = Field(gt=0, le=1, description=N_("Share of the unit cost paid then."))


class Product(Model):
    name: str = Field(description=N_("Short identifier."))
    unit: str = Field("unit", description=N_("What one unit is (fruit, pair, piece)."))
    monthly_capacity: float = Field(ge=0, description=N_("Average units per month at factor 1."))
    seasonality: list[float] = Field(
        default_factory=lambda: [1.0] * 12, min_length=12, max_length=12,
        description=N_("Relative volume by calendar month, January first; normalised to mean 1."))
    capacity_ramp: list[RampPoint] = Field(
        default_factory=list, description=N_("Capacity factor at given months, interpolated "
        "linearly between points and held flat beyond them. Empty: factor 1 throughout."))
    unit_cost: float = Field(0.0, ge=0, description=N_("Variable cost per unit produced, taka."))
    cost_calendar: list[CostTiming] = Field(
        default_factory=list, description=N_("When the unit cost of a unit sold is paid, counted "
        "back from the month of sale; shares sum to 1. Empty: all in the month of sale. Costs "
        "that fall before the start were paid before it (opening stock). What has been paid "
        "for units not yet sold is `stock` (at cost)."))
    allocation: Literal["shares", "contracts_first"] = Field(
        "shares", description=N_("shares: each channel is offered its share of the volume; "
        "contracts_first: channels with a quota are filled first, in the order listed, and the "
        "rest is split among the other channels by their shares."))

    @model_validator(mode="after")
    def _check(self) -> Product:
        problems = seasonality_problems(self.seasonality)
        months = [p.month for p in self.capacity_ramp]
        if months != sorted(set(months)):
            problems.append(("capacity_ramp", t("months must increase (got {got})", got=months)))
        if self.cost_calendar:
            total = sum(c.share for c in self.cost_calendar)
            if abs(total - 1) > SHARE_TOLERANCE:
                problems.append(("cost_calendar", t("shares must sum to 1 (got {got})",
                                                    got=f"{total:.4g}")))
            lead = [c.months_before_sale for c in self.cost_calendar]
            if len(set(lead)) != len(lead):
                problems.append(("cost_calendar", t("each months_before_sale once (got {got})",
                                                    got=lead)))
        fail(problems)
        return self


class Market(Model):
    """A market price series: an average price with its own seasonality and trend."""

    name: str = Field(description=N_("Short identifier, named by channels priced off it."))
    price: float = Field(ge=0, description=N_("Average price per unit over a year, taka."))
    seasonality: list[float] = Field(
        default_factory=lambda: [1.0] * 12, min_length=12, max_length=12,
        description=N_("Relative price by calendar month, January first; normalised to mean 1."))
    annual_growth: float = Field(0.0, ge=-1, le=10, description=N_("Price trend, per year."))

    @model_validator(mode="after")
    def _check(self) -> Market:
        fail(seasonality_problems(self.seasonality))
        return self


class Channel(Model):
    name: str = Field(description=N_("Short identifier, used in override paths."))
    buyer: str = Field(description=N_("Who buys (buyer concentration is computed per buyer)."))
    product: str = Field(description=N_("Name of the product sold through this channel."))
    share: float = Field(ge=0, le=1, description=N_("Share of the product's volume offered here."))
    price: float = Field(0.0, ge=0, description=N_("List price per unit, taka (price_basis "
                         "fixed)."))
    price_basis: Literal["fixed", "market"] = Field(
        "fixed", description=N_("fixed: `price`; market: the named market's price that month "
        "times (1 + market_premium)."))
    market: str | None = Field(None, description=N_("market: the market series priced off."))
    market_premium: float = Field(0.0, ge=-1, description=N_("market: premium (+) or discount "
                                  "(-) on the market price, share."))
    discount: float = Field(0.0, ge=0, le=1,
        description=N_("Discount at delivery, share of price."))
    acceptance_rate: float = Field(
        1.0, ge=0, le=1, description=N_("Share of delivered volume the buyer accepts (grading)."))
    fallback: str | None = Field(
        None, description=N_("Channel that takes rejected volume at its own terms; none: rejects "
        "are lost."))
    payment_delay_days: float = Field(
        0.0, ge=0, le=MAX_DELAY_DAYS, description=N_("Days from sale to payment (the shortest, "
        "when a range is given)."))
    payment_delay_days_max: float | None = Field(
        None, ge=0, le=MAX_DELAY_DAYS, description=N_("Longest delay of a min-max range (3-4 "
        "weeks: 21 and 28); the delay is taken as spread evenly over the range. None: a fixed "
        "delay."))
    quota_units_per_month: float | None = Field(
        None, ge=0, description=N_("Most units the buyer takes a month (product allocation "
        "contracts_first); None: no quota."))
    commission_rate: float = Field(
        0.0, ge=0, le=1, description=N_("Intermediary's or association's cut of receipts."))
    transport_cost_per_unit: float = Field(0.0, ge=0, description=N_("Transport per unit sold."))


class FixedCost(Model):
    name: str = Field(description=N_("Short identifier."))
    monthly_amount: float = Field(ge=0, description=N_("Taka per month."))
    start_month: int = Field(0, ge=0, description=N_("First month it is paid."))
    end_month: int | None = Field(None, ge=0, description=N_("Last month it is paid (None: to the "
                                  "horizon)."))


class OneOff(Model):
    month: int = Field(ge=0, description=N_("Month from start."))
    amount: float = Field(ge=0, description=N_("Taka."))


class ShareRow(Model):
    from_month: int = Field(ge=0, description=N_("Month from which these shares apply."))
    shares: dict[str, float] = Field(description=N_("Share of cost per payer; sums to 1."))


class Taper(Model):
    """How the payers' shares of a service move over time.

    `none`: shares stay. `linear`: each tapered payer's share falls linearly from its initial
    value at `start_month` to `to_level` times that value at `start_month + months`. `step`: from
    `start_month`, and again every `every_months`, the tapered shares drop by `step` times their
    initial value, never below `to_level` times it. `table`: explicit shares per payer from given
    months. Whatever tapered payers stop paying, the group pays.
    """

    kind: Literal["none", "linear", "step", "table"] = "none"
    payers: list[str] | None = Field(
        None, description=N_("Payers whose share tapers (None: every payer but the group)."))
    start_month: int = Field(0, ge=0)
    months: int = Field(12, ge=1, description=N_("linear: months from start to the final level."))
    to_level: float = Field(0.0, ge=0, le=1, description=N_("Final level, share of initial."))
    step: float = Field(0.5, gt=0, le=1, description=N_("step: drop per step, share of initial."))
    every_months: int = Field(12, ge=1, description=N_("step: months between steps."))
    table: list[ShareRow] = Field(default_factory=list, description=N_("table: rows of shares."))


class Effect(Model):
    """What a service does for the group while it is delivered, and how fast that fades."""

    on: Literal["acceptance_rate", "price", "volume", "unit_cost"] = Field(
        description=N_("The quantity the service improves: a channel's acceptance rate or price "
        "(target: a channel), or a product's volume (productivity) or unit cost (target: a "
        "product)."))
    target: str | None = Field(None, description=N_("The channel or product it acts on; None: "
                               "every channel (or product)."))
    without_service: float = Field(
        ge=-1, le=10, description=N_("Relative change of the quantity once the effect has faded "
        "completely (acceptance_rate -0.2: a fifth less is accepted; unit_cost 0.1: 10% "
        "dearer). The scenario's own values are those with the service delivered."))
    half_life_months: float = Field(
        gt=0, le=600, description=N_("Months after the last delivery in which half the effect "
        "is lost."))


class Service(Model):
    name: str = Field(description=N_("Short identifier (training, counselling, watchmen...)."))
    monthly_cost: float = Field(0.0, ge=0, description=N_("Recurring full cost per month, taka."))
    start_month: int = Field(0, ge=0, description=N_("First month of the recurring cost."))
    end_month: int | None = Field(None, ge=0, description=N_("Last month of the recurring cost."))
    one_off: list[OneOff] = Field(default_factory=list, description=N_("One-off costs."))
    shares: dict[str, float] = Field(
        description=N_("Initial share of the cost per payer (donor, ngo, lead_firm, group...); "
        "sums to 1."))
    taper: Taper = Field(default_factory=Taper)
    after_exit: Literal["continue", "stop"] = Field(
        "continue", description=N_("When subsidy ends: the group pays the full cost (continue) or "
        "the service ends (stop)."))
    embedded: bool = Field(
        False, description=N_("Paid by a buyer through the product price: commercial, not "
        "subsidy, and unchanged at exit."))
    effects: list[Effect] = Field(
        default_factory=list, description=N_("What the service improves: held in full in a month "
        "it is delivered (it has a cost), fading with a half-life after the last delivery; "
        "absent before the first. Ending a service at exit therefore loses its effects."))
    beneficiary: Literal["group", "partner"] = Field(
        "group", description=N_("partner: the service went to a partner in the group's linkage "
        "(the NGO's trainers, the lead firm); others' payments count as partner support, not "
        "as the group's subsidy, and the group never pays for it."))

    @model_validator(mode="after")
    def _check(self) -> Service:
        problems: list[tuple[str, str]] = []

        def check_row(path: str, shares: dict[str, float], month: int) -> None:
            for payer, v in shares.items():
                if not 0 <= v <= 1:
                    problems.append((f"{path}.{payer}", t("must be between 0 and 1 (got {got})",
                                                          got=v)))
            total = sum(shares.values())
            if abs(total - 1) > SHARE_TOLERANCE:
                problems.append((path, t("service '{service}', month {month}: payer shares must "
                                         "sum to 1 (got {got})", service=self.name,
                                         month=month, got=f"{total:.4g}")))

        check_row("shares", self.shares, 0)
        for i, row in enumerate(self.taper.table):
            check_row(f"taper.table[{i}].shares", row.shares, row.from_month)
        unknown = [p for p in (self.taper.payers or []) if p not in self.shares or p == GROUP]
        if unknown:
            problems.append(("taper.payers", t("must name non-group payers in shares {payers} "
                                               "(got {got})", got=unknown, payers=sorted(
                                                   p for p in self.shares if p != GROUP))))
        if self.end_month is not None and self.end_month < self.start_month:
            problems.append(("end_month", t("must be >= start_month ({start}) (got {got})",
                                            start=self.start_month, got=self.end_month)))
        fail(problems)
        return self


class Contribution(Model):
    month: int = Field(ge=0, description=N_("Month from start."))
    amount: float = Field(ge=0, description=N_("Taka."))
    name: str = Field("", description=N_("What it is."))


class Investment(Contribution):
    """An asset the group buys (FAO RuralInvest's investment schedule): it wears out over its
    life (straight-line depreciation down to its residual value) and may be replaced then."""

    life_years: float | None = Field(
        None, gt=0, le=100, description=N_("Useful life in years; None: not depreciated (land, "
        "working stock)."))
    residual_value: float = Field(
        0.0, ge=0, description=N_("What the asset is worth at the end of its life, taka (at the "
        "purchase's prices); it is depreciated down to this."))
    replace_at_end_of_life: bool = Field(
        False, description=N_("Bought again at the end of its life (at the cost inflation rate), "
        "the old one traded in at its residual value."))

    @model_validator(mode="after")
    def _check(self) -> Investment:
        if self.residual_value > self.amount:
            fail([("residual_value", t("must be <= amount ({amount}) (got {got})",
                                       amount=f"{self.amount:g}",
                                       got=f"{self.residual_value:g}"))])
        return self


class ExitCriteria(Model):
    """What 'self-sustaining from M' requires when every subsidy ends at M. Cash at or above
    the reserve to the last installment of every loan always; the others on request."""

    self_sufficiency: bool = Field(
        False, description=N_("Also require trailing-12-month OSS >= 1 in every full window from "
        "M on."))
    member_income_floor: float | None = Field(
        None, ge=0, description=N_("Also require the trailing-12-month average income per member "
        "(taka/month) at or above this floor in every full window from the exit month on; "
        "empty: no floor."))


PATH_CHARACTERS = (".", "[", "]", "=")
"""Characters an item's name cannot hold: they separate the parts of a parameter path
(`channels.pran.price`, `loans[0].installments`) and a path from its value (`PATH=VALUE`)."""


class Scenario(Model):
    name: str = Field(description=N_("Identifier (the preset's file name)."))
    title: str = Field(description=N_("Human-readable title."))
    start: str = Field(pattern=r"^(19|20|21)\d\d-(0[1-9]|1[0-2])$",
                       description=N_("First month, YYYY-MM, in 1900-2199."))
    horizon_months: int = Field(ge=12, le=600, description=N_("Months projected."))
    currency: str = Field("BDT", description=N_("Currency of every amount."))
    usd_rate: float | None = Field(None, gt=0, description=N_("Taka per US$ (for a US$ view)."))
    inflation_annual_rate: float = Field(
        0.0, ge=0, le=1, description=N_("Annual inflation, for the inflation adjustment in FSS "
        "(SEEP): the cost of keeping the real value of the group's net monetary assets."))
    exit_criteria: ExitCriteria = Field(default_factory=lambda: ExitCriteria())
    group: Group
    products: list[Product] = Field(min_length=1)
    channels: list[Channel] = Field(min_length=1)
    markets: list[Market] = Field(default_factory=list)
    fixed_costs: list[FixedCost] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    loans: list[Loan] = Field(default_factory=list)
    arrears: ArrearsTerms = Field(default_factory=ArrearsTerms, description=N_("What happens when "
                                  "the group cannot pay an installment (engine/arrears.py)."))
    member_capital: list[Contribution] = Field(default_factory=list)
    investments: list[Investment] = Field(default_factory=list)
    price_inflation_annual: float = Field(
        0.0, ge=-0.5, le=2, description=N_("Yearly inflation of every selling price, share "
        "(compounded monthly from the start; on top of a market's own trend)."))
    cost_inflation_annual: float = Field(
        0.0, ge=-0.5, le=2, description=N_("Yearly inflation of production and fixed costs and of "
        "asset replacements, share (compounded monthly from the start)."))
    discount_rate_annual: float = Field(
        0.10, ge=0, le=2, description=N_("Discount rate for NPV and the donor's discounted cost, "
        "per year (10%: the OECD's grant-element rate)."))
    variants: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description=N_("Named sets of overrides (NAME:VARIANT)."))
    baseline_variant: str | None = Field(
        None, description=N_("The variant that stands for the members without the group (selling "
        "on their own), against which impact is measured."))
    titles: dict[str, str] = Field(
        default_factory=dict, description=N_("Plain names of the scenario's items, payers and "
        "variants by their short name (tmss_bds = \"TMSS business services\"), for documents."))
    provenance: dict[str, str] = Field(
        default_factory=dict, description=N_("Source of each value by path: a seed quote or "
        "'assumption: ...'."))

    @model_validator(mode="before")
    @classmethod
    def _dates_to_months(cls, data: Any) -> Any:
        """Month fields may be written as dates ("2002-06"): turned into months from start, so
        a plan reads as 'TMSS 100% until 2002-06, then 50%'."""
        if not isinstance(data, dict) or not isinstance(data.get("start"), str) or \
                not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", data["start"]):
            return data
        y0, m0 = map(int, data["start"].split("-"))
        problems: list[tuple[str, str]] = []

        def convert(node: Any, path: str) -> Any:
            if isinstance(node, dict):
                out = {}
                for k, v in node.items():
                    here = f"{path}.{k}" if path else str(k)
                    if isinstance(v, str) and (k.endswith("month") or k == "month") and \
                            re.fullmatch(r"\d{4}-\d{2}", v):
                        y, m = map(int, v.split("-"))
                        months = (y - y0) * 12 + (m - m0)
                        if not 1 <= m <= 12 or months < 0:
                            problems.append((here, t("must be a month from {start} on (got "
                                                     "{got})", start=data["start"],
                                                     got=repr(v))))
                        out[k] = months
                    else:
                        out[k] = convert(v, here)
                return out
            if isinstance(node, list):
                return [convert(v, f"{path}[{i}]") for i, v in enumerate(node)]
            return node

        converted = {k: (convert(v, k) if k in ("fixed_costs", "services", "loans",
                                                 "member_capital", "investments", "products")
                         else v) for k, v in data.items()}
        fail(problems)
        return converted

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        problems: list[tuple[str, str]] = []
        for field in ("products", "channels", "markets", "fixed_costs", "services", "loans"):
            seen: set[str] = set()
            for i, item in enumerate(getattr(self, field)):
                if item.name in seen:
                    problems.append((f"{field}[{i}].name", t("duplicate name '{name}'",
                                                             name=item.name)))
                elif not any(c.isalnum() for c in item.name) or any(
                        c in item.name for c in PATH_CHARACTERS):
                    # parameter paths (--set, links, variants, sources) name items by name
                    problems.append((f"{field}[{i}].name", t(
                        "a name {name} cannot be used in parameter paths: it needs a letter or "
                        "digit and none of {characters}", name=repr(item.name[:80]),
                        characters=" ".join(PATH_CHARACTERS))))
                seen.add(item.name)
        products = {p.name for p in self.products}
        channels = {c.name: c for c in self.channels}
        for i, c in enumerate(self.channels):
            if c.product not in products:
                problems.append((f"channels[{i}].product",
                                 t("must name a product {names} (got '{got}')",
                                   names=sorted(products), got=c.product)))
            if c.fallback is not None:
                fb = channels.get(c.fallback)
                if fb is None or fb.name == c.name:
                    problems.append((f"channels[{i}].fallback", t(
                        "must name another channel (got '{got}')", got=c.fallback)))
                elif fb.product != c.product:
                    problems.append((f"channels[{i}].fallback", t(
                        "'{fallback}' sells '{its}', not '{product}'", fallback=fb.name,
                        its=fb.product, product=c.product)))
                elif fb.fallback is not None:
                    problems.append((f"channels[{i}].fallback", t(
                        "'{fallback}' has a fallback of its own; chains of fallbacks are not "
                        "modelled", fallback=fb.name)))
        markets = {m.name for m in self.markets}
        for i, c in enumerate(self.channels):
            if c.price_basis == "market" and c.market not in markets:
                problems.append((f"channels[{i}].market", t(
                    "must name a market {names} (got {got})", names=sorted(markets),
                    got=repr(c.market))))
            if c.payment_delay_days_max is not None and \
                    c.payment_delay_days_max < c.payment_delay_days:
                problems.append((f"channels[{i}].payment_delay_days_max", t(
                    "must be >= payment_delay_days ({delay}) (got {got})",
                    delay=f"{c.payment_delay_days:g}", got=f"{c.payment_delay_days_max:g}")))
        for p in self.products:
            idx = [i for i, c in enumerate(self.channels) if c.product == p.name]
            if not idx:
                problems.append(("channels", t("no channel sells product '{product}'",
                                               product=p.name)))
                continue
            if p.allocation == "contracts_first":
                idx = [i for i in idx if self.channels[i].quota_units_per_month is None]
                what = t("without a quota ")
                if not idx:
                    problems.append(("channels", t(
                        "product '{product}' allocates contracts first but no channel without a "
                        "quota takes the rest", product=p.name)))
                    continue
            else:
                what = ""
                for i, c in enumerate(self.channels):
                    if c.product == p.name and c.quota_units_per_month is not None:
                        problems.append((f"channels[{i}].quota_units_per_month", t(
                            "needs {path} = 'contracts_first'",
                            path=f"products.{p.name}.allocation")))
            total = sum(self.channels[i].share for i in idx)
            if abs(total - 1) > SHARE_TOLERANCE:
                names = ", ".join(self.channels[i].name for i in idx)
                problems.append((f"channels[{idx[0]}].share", t(
                    "shares of product '{product}' across channels {what}{names} must sum to 1 "
                    "(got {got})", product=p.name, what=what, names=names,
                    got=f"{total:.4g}")))
        for i, sv in enumerate(self.services):
            for j, e in enumerate(sv.effects):
                known = sorted(channels if e.on in ("acceptance_rate", "price") else products)
                if e.target is not None and e.target not in known:
                    message = (N_("must name a channel {names} (got {got})")
                               if e.on in ("acceptance_rate", "price") else
                               N_("must name a product {names} (got {got})"))
                    problems.append((f"services[{i}].effects[{j}].target",
                                     t(message, names=known, got=repr(e.target))))
        if self.baseline_variant is not None and self.baseline_variant not in self.variants:
            problems.append(("baseline_variant", t(
                "must name a variant {names} (got {got})", names=sorted(self.variants),
                got=repr(self.baseline_variant))))
        y0, m0 = map(int, self.start.split("-"))
        for i, loan in enumerate(self.loans):
            d = loan.disbursement_date
            if d is not None and (d.year - y0) * 12 + d.month - m0 != loan.disbursement_month:
                month = loan.disbursement_month
                problems.append((f"loans[{i}].disbursement_date", t(
                    "must fall in month {month} ({date}) (got {got})", month=month,
                    date=self.month_label(month), got=d.isoformat())))
            if loan.disbursement_month >= self.horizon_months:
                problems.append((f"loans[{i}].disbursement_month", t(
                    "must be < horizon_months ({months}) (got {got})",
                    months=self.horizon_months, got=loan.disbursement_month)))
        fail(problems)
        return self

    @model_validator(mode="after")
    def _simulated_within_limits(self) -> Scenario:
        """The simulation runs to every loan's last installment: keep it within MAX_MONTH."""
        fail([(f"loans[{i}].installments", t(
               "the last installment falls in month {month}; a scenario is simulated for at "
               "most {limit} months", month=loan.last_month, limit=MAX_MONTH))
              for i, loan in enumerate(self.loans) if loan.last_month >= MAX_MONTH])
        return self

    def title_of(self, name: str) -> str:
        """The plain name of an item, payer or variant: its entry in `titles`, a payer's common
        name, or the short name with spaces.

        >>> Scenario.model_construct(titles={"tmss_bds": "TMSS services"}).title_of("tmss_bds")
        'TMSS services'
        """
        if name in self.titles:
            return self.titles[name]
        if name in PAYER_NAMES:
            return t(PAYER_NAMES[name])
        text = name.replace("_", " ")
        return text[:1].upper() + text[1:]

    def month_label(self, month: int) -> str:
        """'YYYY-MM' of a month counted from start."""
        y, m = map(int, self.start.split("-"))
        total = y * 12 + (m - 1) + month
        return f"{total // 12:04d}-{total % 12 + 1:02d}"
