"""Widgets for the case-file editor, drawn from the models' field metadata (engine/fields.py):
each field's label, unit, meaning, range and choices come from there; this module only maps a
widget to a parameter path and back. No finance and no validation: the engine validates the
edited scenario and its problems are shown beside the fields they name.

Edits are the same `state.edits()` every page writes (so the URL, saving and every page see
them): one path per field, with list items addressed by index (``channels[1].price``) so a
renamed item keeps its edits. Adding or removing an item replaces the whole list (and drops the
finer edits it folds in). Widget keys carry a version that changes with the list's shape, so no
widget keeps the value of the item that used to sit at its index.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import BaseModel

import engine
from engine import fmt as numbers
from engine import i18n
from engine.casefile import NAMED_SECTIONS, new_item, rename_references
from engine.cashflow import taper_end_month
from engine.errors import Problem
from engine.fields import FieldMeta, field_meta, meta_at, model_at
from engine.i18n import t
from engine.io import named_path, overridden_data, value_at
from engine.limits import MAX_NUMBER
from engine.scenario import GROUP, ShareRow, Taper
from ui import state
from ui.pages.common import label, style
from ui.pages.common import month_label as shown_month

NONE = "(none)"
SPECIAL = {"capacity_ramp", "one_off", "shares", "taper", "disbursement_date",
           "disbursement_month", "table"}
"""Fields drawn by their own widgets (tables, dates), not by `field`."""
NAMED = NAMED_SECTIONS


def raw() -> dict[str, Any]:
    """The scenario's data with every edit written in, valid or not: what the user typed."""
    data, _ = overridden_data(state.base_scenario(st.session_state.ref), state.edits())
    return data


def version() -> int:
    return st.session_state.setdefault("editor_version", {}).get(st.session_state.ref, 0)


def bump() -> None:
    versions = st.session_state.setdefault("editor_version", {})
    versions[st.session_state.ref] = versions.get(st.session_state.ref, 0) + 1


def key(path: str) -> str:
    return f"{st.session_state.ref}::ed{version()}::{path}"


def replace_section(section: str, items: list[dict[str, Any]]) -> None:
    """A whole list as one edit; the finer edits it folds in are dropped."""
    edits = state.edits()
    for p in [p for p in edits if p == section or p.startswith((f"{section}.", f"{section}["))]:
        del edits[p]
    edits[section] = items
    bump()


def add_item(section: str, **kw: Any) -> None:
    items = copy.deepcopy(raw()[section])
    names = [x.get("name", "") for x in items]
    items.append(new_item(section, names, **kw))
    replace_section(section, items)


def remove_item(section: str, index: int) -> None:
    items = copy.deepcopy(raw()[section])
    del items[index]
    replace_section(section, items)


def put(path: str, value: Any) -> None:
    """An edit, applied after the earlier ones (so edits apply in the order they were made)."""
    state.edits().pop(path, None)
    state.edits()[path] = value


def month_label(month: Any, scenario: engine.Scenario) -> str:
    """A month in a picker: its date as every page shows it; what is not a month as it is."""
    if month is None:
        return NONE
    return shown_month(scenario, month) if isinstance(month, int) else str(month)


_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")


def number_text(meta: FieldMeta, value: Any, decimals: int = 8) -> str:
    """A number as its box shows it: grouped as the user chose (1,50,000 in lakh mode),
    shares and rates in % (0.05 -> '5'); a value that is not a number (what the user typed,
    named as a problem) as it is.

    >>> number_text(meta_at("group.cash_reserve"), 150000.0), number_text(
    ...     meta_at("channels.x.discount"), 0.07), number_text(meta_at("group.members"), 40)
    ('150,000', '7', '40')
    """
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    grouping = style().grouping   # the user's (lakh by default in Bangla); Latin digits
    return numbers.number(value * 100 if meta.percent else value, numbers.Style(grouping), 0,
                          decimals)


def parse_number(meta: FieldMeta, text: str) -> float | int | None:
    """What was typed in a number box, in the field's unit (a share typed as 5 is 0.05).
    Separators (1,50,000), spaces, Bengali digits and a trailing % are read; anything else,
    and numbers no amount can be (1e400, inf, over a trillion), raise ValueError naming
    the field, the text and what is allowed.

    >>> parse_number(meta_at("group.cash_reserve"), " 1,50,000 "), parse_number(
    ...     meta_at("channels.x.discount"), "7%")
    (150000.0, 0.07)
    >>> parse_number(meta_at("group.cash_reserve"), "1e400")
    Traceback (most recent call last):
    ...
    ValueError: cash reserve: '1e400' is not a number the tool can use; allowed: at least 0 (taka)
    """
    cleaned = text.translate(_DIGITS).strip().replace(",", "").replace(" ", "").replace("_", "")
    if meta.percent:
        cleaned = cleaned.removesuffix("%")
    if not cleaned:
        if meta.optional:
            return None
        raise ValueError(t("{field}: a value is needed; allowed: {allowed}", field=meta.label,
                           allowed=allowed(meta)))
    try:
        number = float(cleaned)
    except ValueError:
        number = float("nan")
    typed = state.quoted(text.strip())
    if not math.isfinite(number) or abs(number) > MAX_NUMBER * (100 if meta.percent else 1):
        raise ValueError(t("{field}: {value} is not a number the tool can use; allowed: "
                           "{allowed}", field=meta.label, value=typed, allowed=allowed(meta)))
    if meta.integer:
        if not number.is_integer():
            raise ValueError(t("{field}: {value} is not a whole number; allowed: {allowed}",
                               field=meta.label, value=typed, allowed=allowed(meta)))
        return int(number)
    return round(number / 100, 12) if meta.percent else number


def allowed(meta: FieldMeta) -> str:
    """The allowed range with its unit, as people type it: 'at least 0 (taka)', '0% to 100%'."""
    text = meta.range_text()
    return text if meta.percent or not meta.unit_shown or meta.unit == "correlation" \
        else f"{text} ({meta.unit_shown})"


def read_setting(meta: FieldMeta, text: str) -> float | int:
    """A number page setting as typed in its box, in the box's unit (% for a percentage): what
    `parse_number` reads, within `meta`'s range; else ValueError naming the setting, the text
    and what is allowed.

    >>> meta = state.NUMBER_SETTINGS["taper_every"]
    >>> read_setting(meta, " 12 "), read_setting(state.number_meta("mc_late_payment_probability",
    ...     engine.load_scenario("bogra_handicrafts")), "7.5%")
    (12, 7.5)
    >>> read_setting(meta, "-1")
    Traceback (most recent call last):
    ...
    ValueError: steps every (months): '-1' is outside what is allowed: 1 to 24 (months)
    """
    value = parse_number(meta, text)
    shown = round(value * 100, 10) if meta.percent and value is not None else value
    if not state.fits(meta, shown):
        raise ValueError(t("{field}: {value} is outside what is allowed: {allowed}",
                           field=meta.label, value=state.quoted(text.strip()),
                           allowed=allowed(meta)))
    return shown   # type: ignore[return-value]


def setting_box(container: Any, key: str, meta: FieldMeta) -> Any:
    """A number page setting (`state.number_meta`) in a text box, checked here rather than by
    the browser (a browser's number box turns 1e400 into its bound without a word). What does
    not read, or lies outside the range, stays in the box as typed and is named under it with
    the range; the page goes on with the setting's last good value, which is what the link
    carries. Returns that value, in the box's unit."""
    ss = st.session_state
    state.number_setting(key, meta)
    box = key + state.BOX
    if box not in ss:
        ss[box] = number_text(meta, ss[key] / 100 if meta.percent else ss[key])
    container.text_input(state.number_label(meta), key=box, help=meta.help())
    try:
        ss[key] = read_setting(meta, ss[box])
    except ValueError as e:
        last = number_text(meta, ss[key] / 100 if meta.percent else ss[key])
        container.error(t("{problem}. The page uses {value}.", problem=e,
                          value=f"{last}%" if meta.percent else last), icon="⚠️")
    return ss[key]


def _changed(path: str, meta: FieldMeta) -> None:
    value = st.session_state[key(path)]
    put(path, None if value == NONE else value)


def _number_changed(path: str, meta: FieldMeta) -> None:
    """A typed number: applied when it reads; else kept as typed, so that the engine names the
    field and its value and the page shows what is allowed (the box keeps the text)."""
    text = st.session_state[key(path)]
    try:
        put(path, parse_number(meta, text))
    except ValueError:
        put(path, text.strip())


def number_box(container: Any, label: str, path: str, meta: FieldMeta, value: Any,
               help_text: str, on_change: Any = None, args: tuple = ()) -> None:
    """A box a number is typed in (a text box: a browser's number box turns 1e400 into 0
    without a word); what does not read is named beside the field with what is allowed."""
    k = key(path)
    if k not in st.session_state:
        st.session_state[k] = number_text(meta, value)
    container.text_input(label, key=k, help=help_text,
                         on_change=on_change or _number_changed, args=args or (path, meta))


def _renamed(section: str, index: int, path: str, old: str) -> None:
    new = st.session_state[key(path)]
    put(path, new)
    item = raw()[section][index]
    if section == "channels" and item.get("buyer") == old:   # the buyer was named after it
        put(f"channels[{index}].buyer", new)
    for p, v in rename_references(raw(), section, old, new).items():
        put(p, v)
    bump()


def help_for(path: str, meta: FieldMeta, data: dict[str, Any],
             scenario: engine.Scenario) -> str:
    named = named_path(data, path)
    source = scenario.provenance.get(named) or scenario.provenance.get(named.rsplit(".", 1)[0])
    return meta.help(source)


def field(container: Any, path: str, data: dict[str, Any], scenario: engine.Scenario,
          options: list[Any] | None = None, label: str | None = None) -> None:
    """One widget for the field at `path`, chosen by its unit; `options` for a field that names
    another item (a channel's product)."""
    meta = meta_at(path)
    if meta is None:
        return
    try:
        value = value_at(data, path)
    except KeyError:
        value = meta.default
    k = key(path)
    text = label or (meta.titled()
                     if meta.unit not in ("text", "choice", "true/false", "month", "date",
                                          "weights", "calendar months") else t(meta.label))
    kw: dict[str, Any] = {"key": k, "help": help_for(path, meta, data, scenario)}
    if meta.unit == "weights":
        weights(container, path, meta, value, kw["help"])
        return
    if meta.unit == "calendar months":
        if k not in st.session_state:
            st.session_state[k] = ", ".join(map(str, value)) if isinstance(value, list) \
                else str(value or "")
        container.text_input(text, on_change=_months_changed, args=(path,),
                             placeholder="7, 8, 9", **kw)
        return
    choices = options if options is not None else list(meta.choices or [])
    if meta.unit == "month":
        choices = list(range(scenario.horizon_months))   # the last valid horizon: a typed
        # one may be no number, or reach past the calendar (100,000 months)
        if meta.optional:
            choices = [None, *choices]
        if isinstance(value, str):   # a month typed as a date, "2002-07"
            value = next((m for m in choices if m is not None
                          and scenario.month_label(m) == value), value)
    if choices or meta.unit == "true/false":
        if meta.unit != "true/false" and meta.optional and None not in choices:
            choices = [None, *choices]
        if value not in choices and meta.unit != "true/false":
            choices = [*choices, value]   # an unknown name stays visible, named as a problem
        if k not in st.session_state:   # None is an option of its own (a widget's None is
            st.session_state[k] = NONE if value is None else value   # "nothing chosen")
        if meta.unit == "true/false":
            container.checkbox(text, on_change=_changed, args=(path, meta), **kw)
        else:
            lang = i18n.current()   # bound: AppTest calls format_func outside the rerun

            def choice(m: Any) -> str:
                with i18n.language(lang):
                    return month_label(m, scenario) if meta.unit == "month" and m != NONE \
                        else meta.choice_label(m)
            container.selectbox(text, [NONE if c is None else c for c in choices],
                                on_change=_changed, args=(path, meta), format_func=choice, **kw)
        return
    if meta.unit in ("text", "YYYY-MM"):
        if k not in st.session_state:
            st.session_state[k] = "" if value is None else str(value)
        container.text_input(text, on_change=_changed, args=(path, meta), **kw)
        return
    number_box(container, text, path, meta, value, kw["help"])


def _months_changed(path: str) -> None:
    text = st.session_state[key(path)]
    try:
        put(path, [int(x) for x in text.replace(";", ",").split(",") if x.strip()])
    except ValueError:
        put(path, text)   # kept as typed: the engine names the field and what it must be


def weights(container: Any, path: str, meta: FieldMeta, value: Any, help_text: str) -> None:
    """Twelve relative weights, January first."""
    container.caption(t("**{field}**: relative values by calendar month; only their "
                        "proportions matter (2 = twice an average month).", field=t(meta.label)),
                      help=help_text)
    values = list(value) if isinstance(value, list) and len(value) == 12 else [1.0] * 12
    cols = container.columns(12)
    one = replace(meta, unit="factor", label=meta.label, optional=False)
    for i, col in enumerate(cols):
        number_box(col, numbers.month_abbreviation(i + 1, style()), f"{path}[{i}]", one,
                   values[i], help_text, on_change=_weight_changed, args=(path, i, one))


def _weight_changed(path: str, i: int, meta: FieldMeta) -> None:
    current = value_at(raw(), path)
    values = list(current) if isinstance(current, list) and len(current) == 12 else [1.0] * 12
    text = st.session_state[key(f"{path}[{i}]")]
    try:
        values[i] = parse_number(meta, text)
    except ValueError:
        values[i] = text.strip()
    put(path, values)


def name_field(container: Any, section: str, index: int, data: dict[str, Any],
               scenario: engine.Scenario) -> None:
    """An item's name: renaming also renames references to it (channels name their product)."""
    path = f"{section}[{index}].name"
    meta = meta_at(path)
    assert meta is not None
    k = key(path)
    old = data[section][index].get("name", "")
    if k not in st.session_state:
        st.session_state[k] = old
    container.text_input(t(meta.label), key=k, on_change=_renamed,
                         args=(section, index, path, old),
                         help=meta.help() + "\n\n" + t("Renaming keeps its edits and its "
                                                        "sources."))


def item_fields(section: str) -> list[str]:
    """The fields of a list section's items, in the model's order, that `field` draws."""
    found = model_at(f"{section}[0].name")
    assert found is not None
    model = found[0]
    return [f for f in model.model_fields if f not in SPECIAL and f != "name"
            and meta_at(f"{section}[0].{f}").unit != "table"]   # type: ignore[union-attr]


def problems_at(problems: list[Problem], data: dict[str, Any], prefix: str) -> list[Problem]:
    """Problems whose path lies under `prefix` (an index path), however the engine named it."""
    named = named_path(data, prefix)
    return [p for p in problems
            if p.path in (prefix, named) or p.path.startswith((f"{prefix}.", f"{named}.",
                                                                f"{prefix}[", f"{named}["))]


def show_problems(container: Any, problems: list[Problem]) -> None:
    """Each problem with the field's plain name, the value it got and what is allowed (shares
    and rates in %, as they are typed)."""
    for p in problems:
        container.error(problem_text(p), icon="⚠️")


def problem_text(p: Problem) -> str:
    """'**cash reserve** (group.cash_reserve): must be a number (got '1e400'). Allowed: at
    least 0 (taka).'"""
    meta = meta_at(p.path)
    if meta is None:
        return f"`{p.path}`: {p.message}" if p.path else p.message
    message = re.sub(r"must sum to 1 \(got (-?[0-9.]+(?:e[-+]?\d+)?)\)",
                     lambda m: f"must sum to 100% (got {float(m.group(1)) * 100:g}%)",
                     p.message)
    if meta.percent:   # the engine speaks in fractions; the box in %
        message = re.sub(r"\(got (-?[0-9.]+(?:e[-+]?\d+)?)\)",
                         lambda m: f"(got {float(m.group(1)) * 100:g}%)", message)
        message = re.sub(r"must be (<=|>=|<|>|between) (-?[0-9.]+)(?: and (-?[0-9.]+))?",
                         lambda m: "must be " + m.group(1) + " " + " and ".join(
                             f"{float(x) * 100:g}%" for x in m.groups()[1:] if x), message)
    if meta.unit == "table":   # a list: what it needs is in the message
        return t("**{field}** ({path}): {message}.", field=label(meta.label), path=p.path,
                 message=message)
    return t("**{field}** ({path}): {message}. Allowed: {allowed}.", field=label(meta.label),
             path=p.path, message=message, allowed=allowed(meta))


def section_names(data: dict[str, Any], section: str) -> list[str]:
    return [str(x.get("name") or f"{section} {i + 1}") for i, x in enumerate(data[section])]


def references(section: str, name: str, data: dict[str, Any]) -> list[Any] | None:
    """Choices for a field that names another item."""
    if section != "channels":
        return None
    if name == "product":
        return [p.get("name") for p in data["products"]]
    if name == "fallback":
        return [None, *[c.get("name") for c in data["channels"]]]
    if name == "market":
        return [None, *[m.get("name") for m in data["markets"]]]
    return None



def share_field(container: Any, index: int, payer: str, data: dict[str, Any],
                scenario: engine.Scenario) -> None:
    """A payer's share of a service, in %; the group's share follows (1 - the others)."""
    path = f"services[{index}].shares.{payer}"
    meta = meta_at(path)
    assert meta is not None
    number_box(container, t("{payer} pays (%)", payer=payer), path, meta,
               data["services"][index]["shares"].get(payer),
               help_for(path, meta, data, scenario), on_change=_share_changed,
               args=(index, payer, meta))


def _share_changed(index: int, payer: str, meta: FieldMeta) -> None:
    _number_changed(f"services[{index}].shares.{payer}", meta)
    shares = raw()["services"][index]["shares"]
    others = sum(v for p, v in shares.items() if p != GROUP and isinstance(v, int | float))
    put(f"services[{index}].shares.{GROUP}", max(0.0, round(1.0 - others, 12)))


def add_payer(index: int, name: str) -> None:
    name = name.strip()
    if name and name not in raw()["services"][index]["shares"]:
        put(f"services[{index}].shares.{name}", 0.0)
        bump()


KIND_FIELDS = {"none": [], "linear": ["start_month", "months", "to_level"],
               "step": ["start_month", "step", "every_months", "to_level"],
               "table": []}
"""The taper fields that apply to each kind of taper (engine/scenario.py, Taper)."""


def taper_editor(container: Any, index: int, data: dict[str, Any],
                 scenario: engine.Scenario) -> None:
    """The service's taper as it is planned: only the boxes its kind uses; a table shown."""
    prefix = f"services[{index}].taper"
    taper = data["services"][index].get("taper") or {}
    container.markdown(t("**How the other payers' support tapers**"))
    cols = container.columns(5)
    field(cols[0], f"{prefix}.kind", data, scenario)
    kind = taper.get("kind", "none")
    for i, f in enumerate(KIND_FIELDS.get(kind, []), start=1):
        field(cols[i], f"{prefix}.{f}", data, scenario)
    try:
        planned = Taper.model_validate(taper)
    except ValueError:
        planned = None   # its problems are named beside the fields
    if planned is not None and kind in ("linear", "step"):
        said = reaches_zero(planned, scenario)   # 'Jul 2029' keeps its capital
        container.caption(said[:1].upper() + said[1:] + ".")
    if kind == "table":
        payers = table_payers(data["services"][index])
        record_table(container, f"{prefix}.table", ShareRow,
                     label(field_meta(Taper, "table").label).capitalize(), data, scenario,
                     payers=payers)
        container.caption(t("Each row gives every payer's share from that month on; the shares "
                            "of a row add up to 100%. Add a payer above to give it a column."))


def table_payers(service: dict[str, Any]) -> list[str]:
    """The payers a table taper gives columns to: the service's, those its rows name, and the
    group last."""
    rows = (service.get("taper") or {}).get("table") or []
    names = [*(service.get("shares") or {}), *(p for r in rows if isinstance(r, dict)
                                              for p in (r.get("shares") or {}))]
    return [*dict.fromkeys(n for n in names if n != GROUP), GROUP]


def disbursement(container: Any, index: int, data: dict[str, Any],
                 scenario: engine.Scenario) -> None:
    """The disbursement as a date (the month follows it)."""
    path = f"loans[{index}].disbursement_date"
    meta = meta_at(path)
    assert meta is not None
    loan = data["loans"][index]
    value = loan.get("disbursement_date")
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            value = None
    if value is None:   # no date yet: the first day of the disbursement month
        month = loan.get("disbursement_month", 0)
        if isinstance(month, int) and not isinstance(month, bool) and \
                0 <= month < scenario.horizon_months:
            value = numbers.month_date(scenario.start, month)
    k = key(path)
    if k not in st.session_state:
        st.session_state[k] = value
    container.date_input(t("disbursed on"), key=k, on_change=_disbursed, args=(index,),
                         min_value=numbers.month_date(scenario.start, 0),
                         max_value=numbers.month_date(scenario.start, scenario.horizon_months)
                         - dt.timedelta(days=1),
                         format="YYYY-MM-DD", help=help_for(path, meta, data, scenario))


def _disbursed(index: int) -> None:
    day = st.session_state[key(f"loans[{index}].disbursement_date")]
    if day is None:
        put(f"loans[{index}].disbursement_date", None)
        return
    put(f"loans[{index}].disbursement_date", day.isoformat())
    put(f"loans[{index}].disbursement_month", day.strftime("%Y-%m"))


def payers(container: Any, index: int, data: dict[str, Any],
           scenario: engine.Scenario) -> None:
    """Who pays the service: each payer's share; the group pays the rest."""
    shares = data["services"][index].get("shares") or {}
    container.markdown(t("**Who pays** (the group pays what the others do not)"))
    others = [x for x in shares if x != GROUP]
    cols = container.columns(max(len(others), 1) + 2)
    for i, payer in enumerate(others):
        share_field(cols[i], index, payer, data, scenario)
    group = shares.get(GROUP, 0.0)
    cols[-2].metric(t("the group pays"), numbers.percent(group, style(scenario), 0, 0)
                    if isinstance(group, int | float) else str(group))
    new = cols[-1].text_input(t("add a payer"), key=key(f"services[{index}].new_payer"),
                              placeholder="donor, ngo, lead_firm")
    cols[-1].button(t("Add payer"), key=f"add_payer_{index}", on_click=add_payer,
                    args=(index, new))


@dataclass(frozen=True)
class Column:
    """A column of a record table: the field, its header, and how a value becomes a cell and
    a cell a value (months as dates, shares in %, choices in plain words)."""

    field: str
    header: str
    config: Any
    to_cell: Callable[[Any], Any]
    from_cell: Callable[[Any], Any]


def _options(values: list[Any], words: list[str]) -> tuple[Callable[[Any], Any],
                                                            Callable[[Any], Any]]:
    """Value <-> option text; a value that is not an option stays as it is (and is named)."""
    to = dict(zip(values, words, strict=True))
    back = dict(zip(words, values, strict=True))
    return (lambda v: to.get(v, v if v is None else str(v)),
            lambda c: back.get(c, c))


def record_columns(model: type[BaseModel], data: dict[str, Any], scenario: engine.Scenario,
                   payers: list[str] | None = None) -> list[Column]:
    """The columns of a table of `model` records, from the field metadata; a table of payer
    shares (a table taper's rows) has one column per payer. Numbers are typed as in the number
    boxes (a text column read by `parse_number`: a grid's number cell reads '1e400' as 1400)."""
    out = []
    for name in model.model_fields:
        meta = field_meta(model, name)
        head = label(meta.label)
        help_text = meta.help()
        if name == "shares" and payers is not None:
            share = replace(meta, unit="share", optional=True)
            for payer in payers:
                text = t("{payer} pays (%)", payer=payer)
                out.append(Column(f"shares.{payer}", text,
                                  st.column_config.TextColumn(text, help=help_text),
                                  *_typed(share)))
            continue
        if meta.unit == "month":
            months = list(range(scenario.horizon_months))
            words = [shown_month(scenario, m) for m in months]
            to, back = _options(months, words)
            config = st.column_config.SelectboxColumn(head, options=words, help=help_text)
        elif meta.choices:
            to, back = _options(list(meta.choices), [meta.choice_label(c)
                                                     for c in meta.choices])
            config = st.column_config.SelectboxColumn(
                head, options=[meta.choice_label(c) for c in meta.choices], help=help_text)
        elif name == "target":   # a service effect's channel or product
            names = [x.get("name") for x in [*data["channels"], *data["products"]]]
            every = t("every channel or product")
            to, back = _options([None, *names], [every, *map(str, names)])
            config = st.column_config.SelectboxColumn(head, options=[every, *map(str, names)],
                                                      help=help_text)
        elif meta.unit in ("text",):
            to = back = _same
            config = st.column_config.TextColumn(head, help=help_text)
        elif meta.unit == "date":
            to, back = _to_date, _same
            config = st.column_config.DateColumn(head, help=help_text, format="YYYY-MM-DD")
        else:
            unit = meta.unit_shown
            head = f"{head} ({unit})" if unit and unit not in head else head
            to, back = _typed(meta)
            config = st.column_config.TextColumn(head, help=help_text)
        out.append(Column(name, head, config, to, back))
    return out


def _typed(meta: FieldMeta) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """Number <-> the text of its cell, as a number box shows and reads it."""
    def to(v: Any) -> Any:
        return number_text(meta, v, 12) if v is not None else None   # a table row keeps its
                                                                     # unedited values exactly

    def back(c: Any) -> Any:
        text = c if isinstance(c, str) else format(c, "g") if _number(c) else str(c)
        try:
            return parse_number(meta, text)
        except ValueError:
            return text.strip()   # kept as typed: the engine names it with what is allowed
    return to, back


def table_frame(cols: list[Column], records: list[Any]) -> pd.DataFrame:
    """Records as the table shows them (months as dates, shares in %, choices in words)."""
    rows = []
    for r in records:
        r = r if isinstance(r, dict) else {}
        rows.append({c.header: c.to_cell(r.get("shares", {}).get(c.field[7:])
                                         if c.field.startswith("shares.") else r.get(c.field))
                     for c in cols})
    frame = pd.DataFrame(rows, columns=[c.header for c in cols])
    return frame.astype(object).where(frame.notna(), None)


def table_records(cols: list[Column], frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The table's rows as records (what the scenario holds); empty rows are left out, a
    cell that does not read stays as typed for the engine to name."""
    out = []
    for row in frame.to_dict("records"):
        cells = {c.field: _blank(row.get(c.header)) for c in cols}
        if all(v is None for v in cells.values()):
            continue   # an empty row (just added) is not an item yet
        record: dict[str, Any] = {}
        for c in cols:
            value = None if cells[c.field] is None else c.from_cell(cells[c.field])
            if c.field.startswith("shares."):
                if value is not None:
                    record.setdefault("shares", {})[c.field[7:]] = value
            elif value is not None or c.field == "target":
                record[c.field] = value
        out.append(record)
    return out


def _to_date(v: Any) -> Any:
    """A date written as text ('2002-03-10') as a date for the calendar; anything else as it
    is."""
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return v
    return v


def _same(v: Any) -> Any:
    return v


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def record_table(container: Any, path: str, model: type[BaseModel], title: str,
                 data: dict[str, Any], scenario: engine.Scenario,
                 payers: list[str] | None = None) -> None:
    """A list of records (a product's cost calendar or capacity ramp, a service's effects,
    one-off costs or table taper) as a table: rows added and removed, each column with its
    field's label, unit and meaning; what the engine refuses is named under the item."""
    try:
        current = value_at(data, path)
    except KeyError:
        current = []
    current = current if isinstance(current, list) else []
    cols = record_columns(model, data, scenario, payers)

    k = key(path)
    start_key = f"{k}::start"
    if start_key not in st.session_state:   # the table the widget's edits apply to
        st.session_state[start_key] = table_frame(cols, current)
    container.markdown(f"**{title}**", help=meta_at(path).help() if meta_at(path) else None)
    edited = container.data_editor(
        st.session_state[start_key], key=k, num_rows="dynamic", hide_index=True,
        width="stretch", column_config={c.header: c.config for c in cols})
    value = table_records(cols, edited)
    if value != table_records(cols, table_frame(cols, current)):
        put(path, value)
        st.rerun()


def _blank(v: Any) -> Any:
    """A table cell, None when it is empty (None, NaN or only spaces)."""
    if v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip()):
        return None
    return v


def reaches_zero(taper: Taper, scenario: engine.Scenario) -> str:
    """When a taper's support reaches its final level, and whether that is within the
    horizon."""
    end = taper_end_month(taper)
    if end is None:
        return ""
    final = t("zero") if taper.to_level == 0 else t("{share} of the initial shares",
                                                      share=f"{taper.to_level:.0%}")
    if end >= scenario.horizon_months:
        last = shown_month(scenario, scenario.horizon_months - 1)
        return t("support does **not** reach {final} within the horizon (it would in {month}, "
                 "after {last})", final=final, month=shown_month(scenario, end), last=last)
    return t("support reaches {final} in {month}", final=final, month=shown_month(scenario, end))


def item_table(section: str, data: dict[str, Any], scenario: engine.Scenario
                  ) -> pd.DataFrame:
    """The section's items with plain column names and values as people read them."""
    fields = ["name", *item_fields(section)] if section in NAMED else \
        item_fields(section)
    rows = []
    for i, item in enumerate(data[section]):
        row = {}
        for f in fields:
            meta = meta_at(f"{section}[{i}].{f}")
            if meta is None or meta.unit in ("weights",):
                continue
            row[label(meta.label)] = shown(meta, item.get(f), scenario)
        rows.append(row)
    return pd.DataFrame(rows)


def shown(meta: FieldMeta, value: Any, scenario: engine.Scenario) -> str:
    """A value in a table as people read it: by its unit, choices in plain words."""
    unit = meta.unit
    if value is None:
        return ""
    if meta.choices:
        return meta.choice_label(value)
    if unit == "taka/unit" and isinstance(value, int | float):
        return numbers.number(value, style(scenario), 0, 2)
    if isinstance(value, int | float) and not isinstance(value, bool) and unit != "weights":
        return numbers.value(value, unit, style(scenario), scenario.start)
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
