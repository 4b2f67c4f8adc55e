"""Field metadata: the plain label, unit, meaning and allowed range of every scenario field.

The meaning is each field's pydantic `description` and the range its constraints (ge, le, gt,
lt), written beside the field in engine/scenario.py and engine/loans.py. The label and unit are
set here, on the same fields' `json_schema_extra` (so the JSON Schema carries them as well), in
one table that tests/test_fields.py keeps complete: a field added to a model without a label and
a unit fails the suite. The app, the docs and the schema read them through `field_meta` and
`meta_at`; nothing restates them.

Units say how a value is read and typed (`UNITS`); values in `PERCENT_UNITS` are stored as
fractions (0.05) and shown and typed as percentages (5%).
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from engine.arrears import ArrearsTerms
from engine.loans import InstallmentChange, Loan, Prepayment, Reschedule, TopUp, Tranche
from engine.scenario import (
    Channel,
    Contribution,
    CostTiming,
    Effect,
    ExitCriteria,
    FixedCost,
    Group,
    Investment,
    Market,
    OneOff,
    Product,
    RampPoint,
    Scenario,
    Service,
    ShareRow,
    Taper,
)
from engine.shocks import Shocks

UNITS: dict[str, str] = {
    "taka": "an amount in taka",
    "taka/month": "taka per month",
    "taka/unit": "taka per unit of product",
    "units/month": "units of product per month",
    "share": "a part of a whole, shown and typed as a percentage",
    "rate/year": "a nominal annual rate, shown and typed as a percentage",
    "month": "a month counted from the scenario's start (0 = the start month), shown as its date",
    "months": "a number of months",
    "years": "a number of years",
    "days": "a number of days",
    "periods": "a number of repayment periods",
    "people": "a number of people",
    "count": "a whole number",
    "factor": "a multiplier (1 = full capacity)",
    "weights": "12 relative values, January first; only their proportions matter",
    "calendar months": "calendar months 1-12 (7 = July)",
    "YYYY-MM": "a calendar month written as 2002-07",
    "date": "a calendar date",
    "taka per US$": "taka for one US dollar",
    "choice": "one of the listed options",
    "true/false": "yes or no",
    "text": "a name or text",
    "table": "a list of items",
    "volatility": "a standard deviation of the logarithm, shown and typed as a percentage",
    "probability": "a chance, shown and typed as a percentage",
    "correlation": "a correlation coefficient, from -1 to 1",
}
PERCENT_UNITS = frozenset({"share", "rate/year", "volatility", "probability"})

LABELS: dict[type[BaseModel], dict[str, tuple[str, str]]] = {
    Group: {
        "name": ("group name", "text"),
        "members": ("members", "people"),
        "founding_members": ("founding members", "people"),
        "hired_workers": ("hired workers", "people"),
        "opening_cash": ("opening cash", "taka"),
        "cash_reserve": ("cash reserve", "taka"),
        "distribution_share": ("share of surplus paid to members", "share"),
        "credit_line_limit": ("credit line limit", "taka"),
        "credit_line_annual_rate": ("credit line interest", "rate/year"),
        "women_share": ("share of members who are women", "share"),
        "drawings_per_member_month": ("members' drawings per member", "taka/month"),
    },
    ExitCriteria: {
        "self_sufficiency": ("exit also needs OSS >= 100%", "true/false"),
        "member_income_floor": ("exit also needs income per member at least", "taka/month"),
    },
    CostTiming: {
        "months_before_sale": ("months before the sale", "months"),
        "share": ("share of the unit cost", "share"),
    },
    Effect: {
        "on": ("what it improves", "choice"),
        "target": ("channel or product", "text"),
        "without_service": ("change once faded", "share"),
        "half_life_months": ("half-life after the service stops", "months"),
    },
    RampPoint: {
        "month": ("month", "month"),
        "factor": ("capacity factor", "factor"),
    },
    Product: {
        "name": ("product", "text"),
        "unit": ("unit of sale", "text"),
        "monthly_capacity": ("capacity", "units/month"),
        "seasonality": ("seasonality (Jan..Dec)", "weights"),
        "capacity_ramp": ("capacity ramp", "table"),
        "unit_cost": ("variable cost", "taka/unit"),
        "cost_calendar": ("when the unit cost is paid", "table"),
        "allocation": ("allocation to buyers", "choice"),
    },
    Market: {
        "name": ("market", "text"),
        "price": ("average price", "taka/unit"),
        "seasonality": ("price seasonality (Jan..Dec)", "weights"),
        "annual_growth": ("price trend", "rate/year"),
    },
    Channel: {
        "name": ("channel", "text"),
        "buyer": ("buyer", "text"),
        "product": ("product sold", "text"),
        "share": ("share of volume", "share"),
        "price": ("price", "taka/unit"),
        "price_basis": ("price basis", "choice"),
        "market": ("market priced off", "text"),
        "market_premium": ("premium on market price", "share"),
        "discount": ("discount at delivery", "share"),
        "acceptance_rate": ("accepted at grading", "share"),
        "fallback": ("rejects go to", "text"),
        "payment_delay_days": ("payment delay", "days"),
        "payment_delay_days_max": ("longest payment delay", "days"),
        "quota_units_per_month": ("quota", "units/month"),
        "commission_rate": ("commission", "share"),
        "transport_cost_per_unit": ("transport", "taka/unit"),
    },
    FixedCost: {
        "name": ("fixed cost", "text"),
        "monthly_amount": ("amount", "taka/month"),
        "start_month": ("first month", "month"),
        "end_month": ("last month", "month"),
    },
    OneOff: {
        "month": ("month", "month"),
        "amount": ("amount", "taka"),
    },
    ShareRow: {
        "from_month": ("from month", "month"),
        "shares": ("shares by payer", "share"),
    },
    Taper: {
        "payers": ("payers who taper", "text"),
        "start_month": ("taper starts", "month"),
        "months": ("linear: months to final level", "months"),
        "to_level": ("final level", "share"),
        "step": ("step: drop per step", "share"),
        "every_months": ("step: every", "months"),
        "table": ("table: shares from given months", "table"),
        "kind": ("taper kind", "choice"),
    },
    Service: {
        "name": ("service", "text"),
        "monthly_cost": ("monthly cost", "taka/month"),
        "start_month": ("first month", "month"),
        "end_month": ("last month", "month"),
        "one_off": ("one-off costs", "table"),
        "shares": ("initial shares by payer", "share"),
        "taper": ("taper", "table"),
        "after_exit": ("after exit", "choice"),
        "embedded": ("paid by a buyer in the price", "true/false"),
        "beneficiary": ("who benefits", "choice"),
        "effects": ("effects on the group", "table"),
    },
    Contribution: {
        "month": ("month", "month"),
        "amount": ("amount", "taka"),
        "name": ("what it is", "text"),
    },
    Investment: {
        "month": ("month bought", "month"),
        "amount": ("cost", "taka"),
        "name": ("what it is", "text"),
        "life_years": ("useful life", "years"),
        "residual_value": ("value at the end of its life", "taka"),
        "replace_at_end_of_life": ("replaced at the end of its life", "true/false"),
    },
    Loan: {
        "name": ("loan", "text"),
        "lender": ("lender", "text"),
        "principal": ("principal", "taka"),
        "annual_rate": ("interest rate", "rate/year"),
        "installments": ("installments", "count"),
        "repayment_every": ("repayment every", "periods"),
        "repayment_unit": ("repayment unit", "choice"),
        "interest_method": ("interest method", "choice"),
        "amortization": ("repayment pattern", "choice"),
        "balloon_amount": ("balloon", "taka"),
        "principal_months": ("principal in calendar months", "calendar months"),
        "grace_on_principal_periods": ("grace on principal", "periods"),
        "grace_on_interest_payment_periods": ("grace on interest payment", "periods"),
        "interest_free_periods": ("interest-free periods", "periods"),
        "disbursement_month": ("disbursement month", "month"),
        "disbursement_date": ("disbursement date", "date"),
        "upfront_fee_rate": ("upfront fee", "share"),
        "upfront_fee_fixed": ("upfront fee, fixed", "taka"),
        "upfront_fee_deducted": ("fee netted from disbursement", "true/false"),
        "installment_fee": ("fee per installment", "taka"),
        "currency_digits": ("digits amounts are rounded to", "count"),
        "installment_multiple_of": ("installment rounded to a multiple of", "taka"),
        "rounding": ("rounding mode", "choice"),
        "days_in_year": ("days in a year", "choice"),
        "market_annual_rate": ("market interest rate", "rate/year"),
        "penalty_annual_rate": ("penalty interest on arrears", "rate/year"),
        "flat_term_years": ("flat: term as quoted", "years"),
        "down_payment_rate": ("down payment", "share"),
        "tranches": ("later releases", "table"),
        "prepayments": ("prepayments", "table"),
        "installment_changes": ("changed installments", "table"),
        "reschedule": ("rescheduled terms", "table"),
        "next_cycles": ("next-cycle loans", "count"),
        "cycle_growth": ("growth per cycle", "share"),
        "top_up": ("top-up", "table"),
    },
    Tranche: {"month": ("month", "month"), "amount": ("amount", "taka")},
    Prepayment: {"month": ("month", "month"), "amount": ("amount", "taka")},
    InstallmentChange: {"period": ("installment number", "count"),
                        "amount": ("amount", "taka"), "due_date": ("due date", "date")},
    Reschedule: {"month": ("month", "month"), "installments": ("installments", "count"),
                 "annual_rate": ("interest rate", "rate/year"),
                 "grace_on_principal_periods": ("grace on principal", "periods")},
    TopUp: {"month": ("month", "month"), "amount": ("amount", "taka")},
    Scenario: {
        "name": ("file name", "text"),
        "title": ("title", "text"),
        "start": ("first month", "YYYY-MM"),
        "horizon_months": ("months projected", "months"),
        "currency": ("currency", "text"),
        "usd_rate": ("exchange rate", "taka per US$"),
        "products": ("products", "table"),
        "channels": ("buyers (channels)", "table"),
        "markets": ("market prices", "table"),
        "fixed_costs": ("fixed costs", "table"),
        "services": ("services", "table"),
        "loans": ("loans", "table"),
        "member_capital": ("member capital", "table"),
        "investments": ("investments", "table"),
        "variants": ("variants", "table"),
        "baseline_variant": ("baseline variant", "text"),
        "price_inflation_annual": ("price inflation", "rate/year"),
        "cost_inflation_annual": ("cost inflation", "rate/year"),
        "discount_rate_annual": ("discount rate", "rate/year"),
        "titles": ("plain names", "table"),
        "provenance": ("sources", "table"),
        "group": ("the group", "table"),
        "arrears": ("when an installment cannot be paid", "table"),
        "inflation_annual_rate": ("inflation (for FSS)", "rate/year"),
        "exit_criteria": ("exit criteria", "table"),
    },
    ArrearsTerms: {"enabled": ("unpaid installments go into arrears", "true/false"),
                   "allocation": ("order payments are allocated in", "choice")},
    Shocks: {
        "price_volatility": ("price volatility", "volatility"),
        "price_half_life_months": ("half-life of a price deviation", "months"),
        "buyer_correlation": ("correlation between buyers' prices", "correlation"),
        "volume_volatility": ("volume volatility", "volatility"),
        "price_volume_correlation": ("price-volume correlation", "correlation"),
        "harvest_failure_probability": ("chance of a failed harvest, a year", "probability"),
        "harvest_failure_loss": ("volume lost in a failed harvest", "share"),
        "late_payment_probability": ("chance of a late payment, a month", "probability"),
        "late_payment_days": ("a late payment comes later by", "days"),
    },
}


def _label_models() -> None:
    for model, fields in LABELS.items():
        for name, (label, unit) in fields.items():
            model.model_fields[name].json_schema_extra = {"label": label, "unit": unit}
    for model in sorted(LABELS, key=_depth):   # leaves first: the JSON Schema picks them up
        model.model_rebuild(force=True)


def _depth(model: type[BaseModel]) -> int:
    """How deep models nest under `model` (0 for a model of plain fields)."""
    inner = [t for info in model.model_fields.values() for t in _types(info.annotation)
             if isinstance(t, type) and issubclass(t, BaseModel)]
    return 1 + max(map(_depth, inner)) if inner else 0


def _types(annotation: Any) -> list[Any]:
    return [annotation, *[t for a in get_args(annotation) for t in _types(a)]]


_label_models()


@dataclass(frozen=True)
class FieldMeta:
    """What a field is, for people: its label, unit, meaning and allowed range."""

    name: str
    label: str
    unit: str
    description: str
    required: bool
    default: Any = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple[Any, ...] | None = None
    integer: bool = False
    optional: bool = False

    @property
    def percent(self) -> bool:
        return self.unit in PERCENT_UNITS

    def range_text(self) -> str:
        """The allowed range in the unit people type ('0% to 100%', 'at least 1').

        >>> meta_at("channels.x.discount").range_text(), meta_at("group.members").range_text()
        ('0% to 100%', 'at least 1')
        """
        if self.choices:
            return "one of " + ", ".join(map(str, self.choices))

        def show(x: float) -> str:
            return f"{x * 100:g}%" if self.percent else f"{x:g}"

        low = f"at least {show(self.ge)}" if self.ge is not None else (
            f"above {show(self.gt)}" if self.gt is not None else None)
        high = f"at most {show(self.le)}" if self.le is not None else (
            f"below {show(self.lt)}" if self.lt is not None else None)
        if self.ge is not None and self.le is not None:
            return f"{show(self.ge)} to {show(self.le)}"
        return " and ".join(x for x in (low, high) if x) or "any"

    def help(self, source: str | None = None) -> str:
        """A help bubble: meaning, unit, allowed range and (when there is one) the source."""
        unit = f"{self.unit}: {UNITS[self.unit]}" if self.unit in UNITS else self.unit
        text = f"{self.description}\n\nUnit: {unit}. Allowed: {self.range_text()}."
        return f"{text}\n\nSource: {source}" if source else text


def _unwrap(annotation: Any) -> Any:
    """`X | None` -> X."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def field_meta(model: type[BaseModel], name: str) -> FieldMeta:
    info = model.model_fields[name]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    bounds: dict[str, float] = {}
    for m in info.metadata:
        for kind, attr in ((Ge, "ge"), (Gt, "gt"), (Le, "le"), (Lt, "lt")):
            if isinstance(m, kind):
                bounds[attr] = getattr(m, attr)
    annotation = _unwrap(info.annotation)
    optional = annotation is not info.annotation
    choices = get_args(annotation) if get_origin(annotation) is Literal else None
    default = None if info.default is PydanticUndefined else info.default
    if info.default_factory is not None:
        default = info.default_factory()  # type: ignore[call-arg]
    return FieldMeta(name=name, label=str(extra.get("label", name.replace("_", " "))),
                     unit=str(extra.get("unit", "")), description=info.description or "",
                     required=info.is_required(), default=default, choices=choices,
                     integer=annotation is int, optional=optional, **bounds)


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class Located(NamedTuple):
    """Where a dotted parameter path ends: the model, the name (or index) of the last list item
    the path passes through (None outside lists), and the field."""

    model: type[BaseModel]
    item: str | int | None
    name: str


def locate(path: str) -> Located | None:
    """The model, list item and field a dotted parameter path ends in; list items are named or
    indexed, free-keyed tables (payer shares) end in their field. None for an unknown path.

    >>> locate("channels.pran.payment_delay_days")
    Located(model=<class 'engine.scenario.Channel'>, item='pran', name='payment_delay_days')
    >>> locate("group.members").item is None, locate("services.t.shares.donor").name
    (True, 'shares')
    """
    model: type[BaseModel] = Scenario
    item: str | int | None = None
    parts = [name or int(index) for name, index in _PART.findall(path)]
    i = 0
    while i < len(parts):
        name = parts[i]
        if not isinstance(name, str) or name not in model.model_fields:
            return None
        annotation = _unwrap(model.model_fields[name].annotation)
        origin = get_origin(annotation)
        if i == len(parts) - 1 or origin is dict:
            return Located(model, item, name)
        if origin is list:
            inner = get_args(annotation)[0]
            if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
                return Located(model, item, name)
            model, item, i = inner, parts[i + 1] if i + 1 < len(parts) else None, i + 2
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model, i = annotation, i + 1
        else:
            return None
    return None


def model_at(path: str) -> tuple[type[BaseModel], str] | None:
    """The model and field a dotted parameter path ends in (`locate` without the item).

    >>> model_at("channels.pran.payment_delay_days"), model_at("services.t.shares.donor")
    ((<class 'engine.scenario.Channel'>, 'payment_delay_days'), (<class 'engine.scenario.Service'>, 'shares'))
    """  # noqa: E501
    found = locate(path)
    return (found.model, found.name) if found else None


STRUCTURAL_UNITS = frozenset({"month", "months", "periods", "count", "choice",
                              "calendar months", "YYYY-MM", "date", "taka per US$"})
"""Units of values that set the calendar, counts, choices or the display currency rather than
an amount, price, rate or number of people: sensitivity analysis leaves them out."""


def structural(path: str) -> bool:
    """True for a path whose field is a calendar setting, a count, a choice or the display
    exchange rate (by its unit).

    >>> structural("loans.sibl_3.installments"), structural("channels.pran.price")
    (True, False)
    """
    meta = meta_at(path)
    return meta is not None and meta.unit in STRUCTURAL_UNITS


def meta_at(path: str) -> FieldMeta | None:
    """`field_meta` of the field a parameter path ends in (None for an unknown path)."""
    found = model_at(path)
    return field_meta(*found) if found else None

