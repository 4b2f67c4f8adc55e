"""Case files: a group entered by hand, from a blank scenario or from a copy of another one.

- `blank_scenario()`: the smallest valid group (one product sold to one buyer, every amount 0
  but the members' drawings, which keep their default),
  to be filled in;
- `new_item(section, names)`: a valid new row for a list section (a product, a buyer, a loan...);
- `rename_references(data, section, old, new)`: the overrides that keep references to a renamed
  product, channel or market pointing at it;
- `as_case_file(base, edited)`: the edited scenario as it is saved: the provenance of every value
  that differs from `base` says that it was edited and from which value; sources of renamed items
  follow them; sources and variants that no longer name a parameter are dropped, so the saved
  file always reads back;
- `loan_verdict(projection, ...)`: one line of the lender's verdict on its loans.

No finance here: the projection's summary is read, never recomputed.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from engine import fmt
from engine.errors import ScenarioError
from engine.i18n import t
from engine.io import apply_variant, params
from engine.loan_capacity import DSCR_TARGET
from engine.loan_capacity import loan_verdict as capacity_verdict
from engine.loans import Loan
from engine.projection import Projection
from engine.scenario import (
    GROUP,
    Channel,
    Contribution,
    FixedCost,
    Market,
    Product,
    Scenario,
    Service,
)

LIST_SECTIONS = ("products", "channels", "markets", "fixed_costs", "services", "loans",
                 "member_capital", "investments")
"""The scenario's lists of items, in the order a case file is filled in."""

NAMED_SECTIONS = ("products", "channels", "markets", "fixed_costs", "services", "loans")
"""Sections whose items have unique names (parameter paths address them by name)."""

ITEM_MODELS: dict[str, type[BaseModel]] = {
    "products": Product, "channels": Channel, "markets": Market, "fixed_costs": FixedCost,
    "services": Service, "loans": Loan, "member_capital": Contribution,
    "investments": Contribution}

BLANK_NAME = "new_group"


def blank_scenario(start: str = "2026-01") -> Scenario:
    """The smallest valid group: one product sold to one buyer, every amount 0.

    Members' drawings keep their default (scenario.DRAWINGS_PER_MEMBER_MONTH): a lender deducts
    the household's draw before debt service, and 0 would count the members' labour as cash
    available to repay; the page's help says so.
    """
    return Scenario.model_validate({
        "name": BLANK_NAME, "title": "New group", "start": start, "horizon_months": 60,
        "group": {"name": "New group", "members": 1},
        "products": [new_item("products", [])],
        "channels": [new_item("channels", [], product="product")],
    })


def _free(stem: str, names: list[str]) -> str:
    """`stem`, or `stem_2`, `stem_3`... whichever is not taken."""
    if stem not in names:
        return stem
    return next(f"{stem}_{i}" for i in range(2, len(names) + 3) if f"{stem}_{i}" not in names)


def new_item(section: str, names: list[str], product: str = "product",
             start_month: int = 0) -> dict[str, Any]:
    """A valid new item for a list section, named so that it clashes with none of `names`.

    Amounts are 0 and shares neutral, so adding an item changes no result until it is filled in
    (a new buyer takes share 0 of its product; a new service is paid wholly by the group).

    >>> new_item("channels", ["buyer"], product="milk")["name"]
    'buyer_2'
    """
    stem = {"products": "product", "channels": "buyer", "markets": "market",
            "fixed_costs": "cost", "services": "service", "loans": "loan"}.get(section, "")
    name = _free(stem, names) if stem else ""
    items: dict[str, dict[str, Any]] = {
        "products": {"name": name, "unit": "unit", "monthly_capacity": 0.0},
        "channels": {"name": name, "buyer": name, "product": product,
                     "share": 0.0 if names else 1.0, "price": 0.0},
        "markets": {"name": name, "price": 0.0},
        "fixed_costs": {"name": name, "monthly_amount": 0.0, "start_month": start_month},
        "services": {"name": name, "monthly_cost": 0.0, "start_month": start_month,
                     "shares": {GROUP: 1.0}},
        "loans": {"name": name, "lender": "", "principal": 100_000.0, "annual_rate": 0.0,
                  "installments": 12, "disbursement_month": start_month},
        "member_capital": {"month": start_month, "amount": 0.0, "name": "member capital"},
        "investments": {"month": start_month, "amount": 0.0, "name": "investment"},
    }
    return ITEM_MODELS[section].model_validate(items[section]).model_dump()   # every field


def complete_items(section: str, items: list[Any]) -> list[Any]:
    """Items of a list section with every field (defaults filled in), as `new_item` gives
    them; an item that is not valid is kept as it is, for validation to name its problems."""
    model = ITEM_MODELS[section]
    out = []
    for item in items:
        try:
            out.append(model.model_validate(item).model_dump())
        except ValueError:
            out.append(item)
    return out


def rename_references(data: dict[str, Any], section: str, old: str, new: str
                      ) -> dict[str, Any]:
    """Overrides (path -> value) that point references to a renamed item at its new name:
    channels name their product, their fallback channel and their market.

    >>> rename_references({"channels": [{"product": "milk", "fallback": None}]},
    ...                   "products", "milk", "dairy")
    {'channels[0].product': 'dairy'}
    """
    out = {}
    if section in ("products", "channels"):
        # service effects name the channel or product they act on (engine.scenario.Effect)
        on = ("volume", "unit_cost") if section == "products" else ("acceptance_rate", "price")
        out = {f"services[{i}].effects[{j}].target": new
               for i, sv in enumerate(data.get("services", []))
               for j, e in enumerate(sv.get("effects", []))
               if e.get("target") == old and e.get("on") in on}
    field = {"products": "product", "channels": "fallback", "markets": "market"}.get(section)
    if field is None:
        return out
    return out | {f"channels[{i}].{field}": new for i, c in enumerate(data.get("channels", []))
                  if c.get(field) == old}


def _pairs(old: list[str], new: list[str]) -> dict[str, str]:
    """new name -> old name: the same name, else the item at the same position whose name left.

    >>> _pairs(["a", "b", "c"], ["a", "x", "c", "d"])
    {'a': 'a', 'c': 'c', 'x': 'b'}
    """
    out = {n: n for n in new if n in old}
    gone = [i for i, n in enumerate(old) if n not in new]
    for i, n in enumerate(new):
        if n not in old and i in gone:
            out[n] = old[i]
    return out


def renamed(base: Scenario, edited: Scenario) -> dict[str, dict[str, str]]:
    """Section -> {new name: old name} of named items, the renamed ones included."""
    return {s: _pairs([x.name for x in getattr(base, s)], [x.name for x in getattr(edited, s)])
            for s in NAMED_SECTIONS}


def _old_path(path: str, pairs: dict[str, dict[str, str]]) -> str | None:
    """The path a value had in `base` (None: the item is new)."""
    section, _, rest = path.partition(".")
    if section not in pairs or not rest:
        return path
    name, dot, tail = rest.partition(".")
    old = pairs[section].get(name)
    return None if old is None else f"{section}.{old}{dot}{tail}"


def _show(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else repr(value) if isinstance(
        value, str) else str(value)


def as_case_file(base: Scenario, edited: Scenario, entered: bool = False) -> Scenario:
    """`edited` with provenance that tells what was edited from `base`, ready to be saved;
    `entered`: `base` is the blank group, whose values are placeholders, not sources."""
    pairs = renamed(base, edited)
    before = {p: (v, src) for p, v, src in params(base)}
    provenance: dict[str, str] = {}
    for path, value, _ in params(edited):
        old_path = _old_path(path, pairs)
        if old_path is None or old_path not in before or (entered and before[old_path][0]
                                                            != value):
            provenance[path] = "entered in the app"
            continue
        old, source = before[old_path]
        if old != value:
            provenance[path] = (f"edited in the app from {_show(old)}"
                                + (f" (that value's source: {source})" if source else ""))
        elif source:
            provenance[path] = source
    # table-valued sources (a service's shares) kept where their parent still exists
    valid = {p for p, _, _ in params(edited)}
    for key, source in base.provenance.items():
        new_key = _new_path(key, pairs)
        if new_key and new_key not in provenance and any(
                v == new_key or v.startswith((new_key + ".", new_key + "[")) for v in valid):
            provenance[new_key] = source
    variants = _moved_variants(edited, pairs)
    baseline = edited.baseline_variant if edited.baseline_variant in variants else None
    return Scenario.model_validate(copy.deepcopy(edited.model_dump() | {
        "provenance": provenance, "variants": variants, "baseline_variant": baseline}))


def _moved_variants(edited: Scenario, pairs: dict[str, dict[str, str]]
                    ) -> dict[str, dict[str, Any]]:
    """`edited`'s variants with their paths following renamed items; a variant that no longer
    applies (it sets an item that was removed) is left out."""
    variants = {}
    for name, overrides in edited.variants.items():
        moved = {(_new_path(p, pairs) or p): v for p, v in overrides.items()}
        try:
            apply_variant(edited.model_copy(update={"variants": {name: moved},
                                                    "baseline_variant": None}), name)
        except ScenarioError:
            continue
        variants[name] = moved
    return variants


def follow_renames(base: Scenario, edited: Scenario) -> Scenario:
    """`edited` with its variants and sources following the items renamed from `base` (a
    channel renamed in the editor or by a link): the variants apply, the sources name the new
    items. A variant that no longer applies is left out (and the baseline variant with it).
    `edited` itself when nothing was renamed.

    >>> from engine import load_scenario, with_overrides
    >>> s = load_scenario("bogra_handicrafts")
    >>> edited = with_overrides(s, {"channels[0].name": "tmss_shop"})
    >>> sorted(follow_renames(s, edited).variants["individual"])[:1]
    ['channels.tmss_shop.price']
    """
    pairs = renamed(base, edited)
    if all(new == old for names in pairs.values() for new, old in names.items()):
        return edited
    variants = _moved_variants(edited, pairs)
    return Scenario.model_validate(copy.deepcopy(edited.model_dump() | {
        "variants": variants,
        "baseline_variant": edited.baseline_variant if edited.baseline_variant in variants
        else None,
        "provenance": {(_new_path(k, pairs) or k): v for k, v in edited.provenance.items()}}))


def _new_path(path: str, pairs: dict[str, dict[str, str]]) -> str | None:
    """The path a `base` path has after renames (None: the item was removed)."""
    section, _, rest = path.partition(".")
    if section not in pairs or not rest:
        return path
    name, dot, tail = rest.partition(".")
    back = {old: new for new, old in pairs[section].items()}
    return None if name not in back else f"{section}.{back[name]}{dot}{tail}"


def loan_verdict(p: Projection, dscr_target: float = DSCR_TARGET,
                 style: fmt.Style | None = None) -> str:
    """Does the group carry its loans? One line of the lender's verdict
    (`loan_capacity.loan_verdict`, the one the loan officer page, the CLI and the credit memo
    give): PAR30, the trailing-12-month DSCR and cash against the reserve, from the first
    disbursement to the last installment."""
    verdict = capacity_verdict(p, dscr_target, style)
    if verdict is None:
        return t("no loan")
    if not verdict["meets"]:
        return t("fails the lender's tests: {reasons}", reasons="; ".join(verdict["reasons"]))
    lowest = verdict["min_dscr_12m"]
    if lowest is None:
        return t("carries its loans")
    st = style or fmt.style_for()
    return t("carries its loans (lowest DSCR {dscr}, target {target})",
             dscr=fmt.ratio(lowest, st), target=fmt.ratio(dscr_target, st))
