"""Field metadata: the plain label, unit, meaning and allowed range of every scenario field.

The meaning is each field's pydantic `description` and the range its constraints (ge, le, gt,
lt), written beside the field in engine/scenario.py and engine/loans.py. Descriptions are English
in the models (and so in the JSON Schema and docs/scenario-format.md), marked with `N_` and
translated by `field_meta` in the language in force, as labels are. The label and unit are
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

from engine import fmt
from engine.arrears import ArrearsTerms
from engine.i18n import N_, t
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
    "taka": N_("an amount in taka"),
    "taka/month": N_("taka per month"),
    "taka/unit": N_("taka per unit of product"),
    "units/month": N_("units of product per month"),
    "share": N_("a part of a whole, shown and typed as a percentage"),
    "rate/year": N_("a nominal annual rate, shown and typed as a percentage"),
    "month": N_("a month counted from the scenario's start (0 = the start month), shown as its "
                "date"),
    "months": N_("a number of months"),
    "years": N_("a number of years"),
    "days": N_("a number of days"),
    "periods": N_("a number of repayment periods"),
    "people": N_("a number of people"),
    "count": N_("a whole number"),
    "factor": N_("a multiplier (1 = full capacity)"),
    "weights": N_("12 relative values, January first; only their proportions matter"),
    "calendar months": N_("calendar months 1-12 (7 = July)"),
    "YYYY-MM": N_("a calendar month written as 2002-07"),
    "date": N_("a calendar date"),
    "taka per US$": N_("taka for one US dollar"),
    "choice": N_("one of the listed options"),
    "true/false": N_("yes or no"),
    "text": N_("a name or text"),
    "table": N_("a list of items"),
    "volatility": N_("a standard deviation of the logarithm, shown and typed as a percentage"),
    "probability": N_("a chance, shown and typed as a percentage"),
    "correlation": N_("a correlation coefficient, from -1 to 1"),
}
PERCENT_UNITS = frozenset({"share", "rate/year", "volatility", "probability"})

LABELS: dict[type[BaseModel], dict[str, tuple[str, str]]] = {
    Group: {
        "name": (N_("group name"), "text"),
        "members": (N_("members"), "people"),
        "founding_members": (N_("founding members"), "people"),
        "hired_workers": (N_("hired workers"), "people"),
        "opening_cash": (N_("opening cash"), "taka"),
        "cash_reserve": (N_("cash reserve"), "taka"),
        "distribution_share": (N_("share of surplus paid to members"), "share"),
        "credit_line_limit": (N_("credit line limit"), "taka"),
        "credit_line_annual_rate": (N_("credit line interest"), "rate/year"),
        "women_share": (N_("share of members who are women"), "share"),
        "drawings_per_member_month": (N_("members' drawings per member"), "taka/month"),
    },
    ExitCriteria: {
        "self_sufficiency": (N_("exit also needs OSS >= 100%"), "true/false"),
        "member_income_floor": (N_("exit also needs income per member at least"), "taka/month"),
    },
    CostTiming: {
        "months_before_sale": (N_("months before the sale"), "months"),
        "share": (N_("share of the unit cost"), "share"),
    },
    Effect: {
        "on": (N_("what it improves"), "choice"),
        "target": (N_("channel or product"), "text"),
        "without_service": (N_("change once faded"), "share"),
        "half_life_months": (N_("half-life after the service stops"), "months"),
    },
    RampPoint: {
        "month": (N_("month"), "month"),
        "factor": (N_("capacity factor"), "factor"),
    },
    Product: {
        "name": (N_("product"), "text"),
        "unit": (N_("unit of sale"), "text"),
        "monthly_capacity": (N_("capacity"), "units/month"),
        "seasonality": (N_("seasonality (Jan..Dec)"), "weights"),
        "capacity_ramp": (N_("capacity ramp"), "table"),
        "unit_cost": (N_("variable cost"), "taka/unit"),
        "cost_calendar": (N_("when the unit cost is paid"), "table"),
        "allocation": (N_("allocation to buyers"), "choice"),
    },
    Market: {
        "name": (N_("market"), "text"),
        "price": (N_("average price"), "taka/unit"),
        "seasonality": (N_("price seasonality (Jan..Dec)"), "weights"),
        "annual_growth": (N_("price trend"), "rate/year"),
    },
    Channel: {
        "name": (N_("channel"), "text"),
        "buyer": (N_("buyer"), "text"),
        "product": (N_("product sold"), "text"),
        "share": (N_("share of volume"), "share"),
        "price": (N_("price"), "taka/unit"),
        "price_basis": (N_("price basis"), "choice"),
        "market": (N_("market priced off"), "text"),
        "market_premium": (N_("premium on market price"), "share"),
        "discount": (N_("discount at delivery"), "share"),
        "acceptance_rate": (N_("accepted at grading"), "share"),
        "fallback": (N_("rejects go to"), "text"),
        "payment_delay_days": (N_("payment delay"), "days"),
        "payment_delay_days_max": (N_("longest payment delay"), "days"),
        "quota_units_per_month": (N_("quota"), "units/month"),
        "commission_rate": (N_("commission"), "share"),
        "transport_cost_per_unit": (N_("transport"), "taka/unit"),
    },
    FixedCost: {
        "name": (N_("fixed cost"), "text"),
        "monthly_amount": (N_("amount"), "taka/month"),
        "start_month": (N_("first month"), "month"),
        "end_month": (N_("last month"), "month"),
    },
    OneOff: {
        "month": (N_("month"), "month"),
        "amount": (N_("amount"), "taka"),
    },
    ShareRow: {
        "from_month": (N_("from month"), "month"),
        "shares": (N_("shares by payer"), "share"),
    },
    Taper: {
        "payers": (N_("payers who taper"), "text"),
        "start_month": (N_("taper starts"), "month"),
        "months": (N_("linear: months to final level"), "months"),
        "to_level": (N_("final level"), "share"),
        "step": (N_("step: drop per step"), "share"),
        "every_months": (N_("step: every"), "months"),
        "table": (N_("table: shares from given months"), "table"),
        "kind": (N_("taper kind"), "choice"),
    },
    Service: {
        "name": (N_("service"), "text"),
        "monthly_cost": (N_("monthly cost"), "taka/month"),
        "start_month": (N_("first month"), "month"),
        "end_month": (N_("last month"), "month"),
        "one_off": (N_("one-off costs"), "table"),
        "shares": (N_("initial shares by payer"), "share"),
        "taper": (N_("taper"), "table"),
        "after_exit": (N_("after exit"), "choice"),
        "embedded": (N_("paid by a buyer in the price"), "true/false"),
        "beneficiary": (N_("who benefits"), "choice"),
        "effects": (N_("effects on the group"), "table"),
    },
    Contribution: {
        "month": (N_("month"), "month"),
        "amount": (N_("amount"), "taka"),
        "name": (N_("what it is"), "text"),
    },
    Investment: {
        "month": (N_("month bought"), "month"),
        "amount": (N_("cost"), "taka"),
        "name": (N_("what it is"), "text"),
        "life_years": (N_("useful life"), "years"),
        "residual_value": (N_("value at the end of its life"), "taka"),
        "replace_at_end_of_life": (N_("replaced at the end of its life"), "true/false"),
    },
    Loan: {
        "name": (N_("loan"), "text"),
        "lender": (N_("lender"), "text"),
        "principal": (N_("principal"), "taka"),
        "annual_rate": (N_("interest rate"), "rate/year"),
        "installments": (N_("installments"), "count"),
        "repayment_every": (N_("repayment every"), "periods"),
        "repayment_unit": (N_("repayment unit"), "choice"),
        "interest_method": (N_("interest method"), "choice"),
        "amortization": (N_("repayment pattern"), "choice"),
        "balloon_amount": (N_("balloon"), "taka"),
        "principal_months": (N_("principal in calendar months"), "calendar months"),
        "grace_on_principal_periods": (N_("grace on principal"), "periods"),
        "grace_on_interest_payment_periods": (N_("grace on interest payment"), "periods"),
        "interest_free_periods": (N_("interest-free periods"), "periods"),
        "disbursement_month": (N_("disbursement month"), "month"),
        "disbursement_date": (N_("disbursement date"), "date"),
        "upfront_fee_rate": (N_("upfront fee"), "share"),
        "upfront_fee_fixed": (N_("upfront fee, fixed"), "taka"),
        "upfront_fee_deducted": (N_("fee netted from disbursement"), "true/false"),
        "installment_fee": (N_("fee per installment"), "taka"),
        "currency_digits": (N_("digits amounts are rounded to"), "count"),
        "installment_multiple_of": (N_("installment rounded to a multiple of"), "taka"),
        "rounding": (N_("rounding mode"), "choice"),
        "days_in_year": (N_("days in a year"), "choice"),
        "market_annual_rate": (N_("market interest rate"), "rate/year"),
        "arranged_by_facilitator": (N_("arranged by the facilitator"), "true/false"),
        "penalty_annual_rate": (N_("penalty interest on arrears"), "rate/year"),
        "flat_term_years": (N_("flat: term as quoted"), "years"),
        "down_payment_rate": (N_("down payment"), "share"),
        "tranches": (N_("later releases"), "table"),
        "prepayments": (N_("prepayments"), "table"),
        "installment_changes": (N_("changed installments"), "table"),
        "reschedule": (N_("rescheduled terms"), "table"),
        "next_cycles": (N_("next-cycle loans"), "count"),
        "cycle_growth": (N_("growth per cycle"), "share"),
        "top_up": (N_("top-up"), "table"),
    },
    Tranche: {"month": (N_("month"), "month"), "amount": (N_("amount"), "taka")},
    Prepayment: {"month": (N_("month"), "month"), "amount": (N_("amount"), "taka")},
    InstallmentChange: {"period": (N_("installment number"), "count"),
                        "amount": (N_("amount"), "taka"), "due_date": (N_("due date"), "date")},
    Reschedule: {"month": (N_("month"), "month"), "installments": (N_("installments"), "count"),
                 "annual_rate": (N_("interest rate"), "rate/year"),
                 "grace_on_principal_periods": (N_("grace on principal"), "periods")},
    TopUp: {"month": (N_("month"), "month"), "amount": (N_("amount"), "taka")},
    Scenario: {
        "name": (N_("file name"), "text"),
        "title": (N_("title"), "text"),
        "start": (N_("first month"), "YYYY-MM"),
        "horizon_months": (N_("months projected"), "months"),
        "currency": (N_("currency"), "text"),
        "usd_rate": (N_("exchange rate"), "taka per US$"),
        "products": (N_("products"), "table"),
        "channels": (N_("buyers (channels)"), "table"),
        "markets": (N_("market prices"), "table"),
        "fixed_costs": (N_("fixed costs"), "table"),
        "services": (N_("services"), "table"),
        "loans": (N_("loans"), "table"),
        "member_capital": (N_("member capital"), "table"),
        "investments": (N_("investments"), "table"),
        "variants": (N_("variants"), "table"),
        "baseline_variant": (N_("baseline variant"), "text"),
        "price_inflation_annual": (N_("price inflation"), "rate/year"),
        "cost_inflation_annual": (N_("cost inflation"), "rate/year"),
        "discount_rate_annual": (N_("discount rate"), "rate/year"),
        "titles": (N_("plain names"), "table"),
        "provenance": (N_("sources"), "table"),
        "group": (N_("the group"), "table"),
        "arrears": (N_("when an installment cannot be paid"), "table"),
        "inflation_annual_rate": (N_("inflation (for FSS)"), "rate/year"),
        "exit_criteria": (N_("exit criteria"), "table"),
    },
    ArrearsTerms: {"enabled": (N_("unpaid installments go into arrears"), "true/false"),
                   "allocation": (N_("order payments are allocated in"), "choice")},
    Shocks: {
        "price_volatility": (N_("price volatility"), "volatility"),
        "price_half_life_months": (N_("half-life of a price deviation"), "months"),
        "buyer_correlation": (N_("correlation between buyers' prices"), "correlation"),
        "volume_volatility": (N_("volume volatility"), "volatility"),
        "price_volume_correlation": (N_("price-volume correlation"), "correlation"),
        "harvest_failure_probability": (N_("chance of a failed harvest, a year"), "probability"),
        "harvest_failure_loss": (N_("volume lost in a failed harvest"), "share"),
        "late_payment_probability": (N_("chance of a late payment, a month"), "probability"),
        "late_payment_days": (N_("a late payment comes later by"), "days"),
    },
}


CHOICE_LABELS: dict[type[BaseModel], dict[str, dict[Any, str]]] = {
    Effect: {"on": {"acceptance_rate": N_("share accepted at grading"), "price": N_("price"),
                    "volume": N_("volume (productivity)"),
                    "unit_cost": N_("variable cost per unit")}},
    Product: {"allocation": {"shares": N_("by buyers' shares"),
                             "contracts_first": N_("buyers with a quota first")}},
    Channel: {"price_basis": {"fixed": N_("a fixed price"), "market": N_("the market price")}},
    Taper: {"kind": {"none": N_("no taper"), "linear": N_("linear"), "step": N_("in steps"),
                     "table": N_("a table of shares")}},
    Service: {"after_exit": {"continue": N_("the group pays the full cost"),
                             "stop": N_("the service stops")},
              "beneficiary": {"group": N_("the group"),
                              "partner": N_("a partner (trainers, lead firm)")}},
    Loan: {"repayment_unit": {"days": N_("days"), "weeks": N_("weeks"), "months": N_("months"),
                              "years": N_("years")},
           "interest_method": {"declining_balance": N_("on the declining balance"),
                               "flat": N_("flat (on the original principal)")},
           "amortization": {"equal_installments": N_("equal installments"),
                            "equal_principal": N_("equal principal"),
                            "bullet": N_("all at the end (bullet)"),
                            "balloon": N_("with a balloon"),
                            "seasonal": N_("in given calendar months (seasonal)")},
           "rounding": {"half_even": N_("half to even (banker's)"), "half_up": N_("half up")},
           "days_in_year": {360: N_("360 days"), 364: N_("364 days"), 365: N_("365 days"),
                            "actual": N_("actual days")}},
    ArrearsTerms: {},
}
"""Plain words for each choice's values (the files keep the values; people read these)."""


def _label_models() -> None:
    for model, fields in LABELS.items():
        for name, (label, unit) in fields.items():
            extra: dict[str, Any] = {"label": label, "unit": unit}
            plain = CHOICE_LABELS.get(model, {}).get(name)
            if plain:
                extra["choice_labels"] = {str(k): v for k, v in plain.items()}
            model.model_fields[name].json_schema_extra = extra
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
    choice_labels: tuple[tuple[str, str], ...] = ()

    @property
    def percent(self) -> bool:
        return self.unit in PERCENT_UNITS

    def choice_label(self, value: Any) -> str:
        """A choice's plain words ('on the declining balance' for declining_balance); a value
        that is not a choice as it is.

        >>> meta_at("loans.x.interest_method").choice_label("declining_balance")
        'on the declining balance'
        """
        plain = dict(self.choice_labels).get(str(value))
        return t(plain) if plain else str(value)

    def titled(self) -> str:
        """The label with its unit where the unit has a name people use ('price (taka/unit)',
        'discount (%)'); any other unit (a whole number, a ratio) is left to the help bubble
        and never shown by its code.

        >>> meta_at("channels.x.discount").titled(), meta_at("loans.x.installments").titled()
        ('discount at delivery (%)', 'installments')
        """
        return f"{self.label} ({self.unit_shown})" if self.unit_shown else self.label

    @property
    def unit_shown(self) -> str:
        """The unit as a label or a column names it: '%', a unit's name in the language in
        force ('টাকা/মাস'), the pattern a month is typed in (YYYY-MM), or '' when it has no
        name people use ('count', 'ratio')."""
        if self.percent:
            return "%"
        if self.unit == "YYYY-MM":
            return self.unit
        return fmt.unit_name(self.unit) if self.unit in fmt.UNIT_NAMES else ""

    def range_text(self, code: bool = False) -> str:
        """The allowed range in the unit people type ('0% to 100%', 'at least 1'), in the
        language in force; with `code`, choices are Markdown code (the codes a file holds,
        which stay as they are in every language).

        >>> meta_at("channels.x.discount").range_text(), meta_at("group.members").range_text()
        ('0% to 100%', 'at least 1')
        >>> meta_at("services.x.taper.kind").range_text(code=True)
        'one of `none`, `linear`, `step`, `table`'
        """
        if self.choices:
            return t("one of {choices}", choices=", ".join(
                f"`{c}`" if code else str(c) for c in self.choices))

        def show(x: float) -> str:
            return f"{x * 100:g}%" if self.percent else f"{x:g}"

        low = t("at least {x}", x=show(self.ge)) if self.ge is not None else (
            t("above {x}", x=show(self.gt)) if self.gt is not None else None)
        high = t("at most {x}", x=show(self.le)) if self.le is not None else (
            t("below {x}", x=show(self.lt)) if self.lt is not None else None)
        if self.ge is not None and self.le is not None:
            return t("{low} to {high}", low=show(self.ge), high=show(self.le))
        if low and high:
            return t("{low} and {high}", low=low, high=high)
        return low or high or t("any")

    def help(self, source: str | None = None, markdown: bool = True) -> str:
        """A help bubble: meaning, unit, allowed range and (when there is one) the source. A
        unit is named where it has a name a reader uses (taka/month, days), else only explained
        (a share: "a part of a whole, shown and typed as a percentage"), never by its code.

        >>> meta_at("channels.x.discount").help().splitlines()[2]
        'Unit: a part of a whole, shown and typed as a percentage. Allowed: 0% to 100%.'
        """
        if self.unit not in UNITS:
            unit = self.unit
        elif self.unit in fmt.UNIT_NAMES:
            unit = f"{fmt.unit_name(self.unit)}: {t(UNITS[self.unit])}"
        else:
            unit = t(UNITS[self.unit])
        text = t("{meaning}\n\nUnit: {unit}. Allowed: {allowed}.", meaning=self.description,
                 unit=unit, allowed=self.range_text(code=markdown))
        return t("{text}\n\nSource: {source}", text=text, source=source) if source else text


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
    label = extra.get("label")
    plain = extra.get("choice_labels")
    return FieldMeta(name=name, label=t(str(label)) if label else name.replace("_", " "),
                     unit=str(extra.get("unit", "")),
                     description=t(info.description) if info.description else "",
                     required=info.is_required(), default=default, choices=choices,
                     integer=annotation is int, optional=optional,
                     choice_labels=tuple((str(k), str(v)) for k, v in plain.items())
                     if isinstance(plain, dict) else (),
                     **bounds)


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

