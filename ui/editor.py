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
from typing import Any

import pandas as pd
import streamlit as st

import engine
from engine.casefile import NAMED_SECTIONS, new_item, rename_references
from engine.cashflow import taper_end_month
from engine.errors import Problem
from engine.fields import FieldMeta, meta_at, model_at
from engine.i18n import t
from engine.io import named_path, overridden_data, value_at
from engine.scenario import GROUP, Taper
from ui import state

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
NONE = "(none)"
SPECIAL = {"capacity_ramp", "one_off", "shares", "taper", "disbursement_date",
           "disbursement_month", "table"}
"""Fields drawn by their own widgets (tables, dates), not by `field`."""
NAMED = NAMED_SECTIONS
STEPS = {"taka": 1000.0, "taka/month": 100.0, "taka/unit": 0.1, "units/month": 100.0}


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
    if month is None:
        return NONE
    return scenario.month_label(month) if isinstance(month, int) else str(month)


def to_display(meta: FieldMeta, value: Any) -> Any:
    if value is None or meta.unit in ("text", "choice", "true/false", "month", "date"):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None   # what the user typed elsewhere is named by the engine, not shown here
    if meta.percent:
        return round(value * 100, 10)
    return int(value) if meta.integer else float(value)


def from_display(meta: FieldMeta, value: Any) -> Any:
    if value is None or not meta.percent:
        return value
    return round(value / 100, 12)


def _changed(path: str, meta: FieldMeta) -> None:
    value = st.session_state[key(path)]
    put(path, None if value == NONE else from_display(meta, value))


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
    text = label or (f"{t(meta.label)} ({'%' if meta.percent else t(meta.unit)})"
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
        choices = list(range(int(data.get("horizon_months", 60))))
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
            container.selectbox(text, [NONE if c is None else c for c in choices],
                                on_change=_changed, args=(path, meta),
                                format_func=lambda m: month_label(m, scenario)
                                if meta.unit == "month" and m != NONE else str(m), **kw)
        return
    if meta.unit in ("text", "YYYY-MM"):
        if k not in st.session_state:
            st.session_state[k] = "" if value is None else str(value)
        container.text_input(text, on_change=_changed, args=(path, meta), **kw)
        return
    if k not in st.session_state:
        st.session_state[k] = to_display(meta, value)
    step = 1 if meta.integer else (0.5 if meta.percent else STEPS.get(meta.unit, 1.0))
    container.number_input(text, step=step, on_change=_changed, args=(path, meta),
                           format=None if meta.integer else "%.0f" if meta.unit in (
                               "taka", "taka/month") else "%.2f", **kw)


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
    for i, col in enumerate(cols):
        k = key(f"{path}[{i}]")
        if k not in st.session_state:
            v = values[i]
            st.session_state[k] = float(v) if isinstance(v, int | float) else 1.0
        col.number_input(MONTHS[i], step=0.1, key=k, on_change=_weight_changed,
                         args=(path, i))


def _weight_changed(path: str, i: int) -> None:
    current = value_at(raw(), path)
    values = list(current) if isinstance(current, list) and len(current) == 12 else [1.0] * 12
    values[i] = st.session_state[key(f"{path}[{i}]")]
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
    for p in problems:
        meta = meta_at(p.path)
        what = f"**{meta.label}**" if meta else f"`{p.path}`"
        container.error(f"{what} ({p.path}): {p.message}", icon="⚠️")


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
    k = key(path)
    if k not in st.session_state:
        st.session_state[k] = to_display(meta, data["services"][index]["shares"].get(payer))
    container.number_input(f"{payer} pays (%)", step=5.0, format="%.2f", key=k,
                           on_change=_share_changed, args=(index, payer, meta),
                           help=help_for(path, meta, data, scenario))


def _share_changed(index: int, payer: str, meta: FieldMeta) -> None:
    put(f"services[{index}].shares.{payer}",
        from_display(meta, st.session_state[key(f"services[{index}].shares.{payer}")]))
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
        container.caption(reaches_zero(planned, scenario).capitalize() + ".")
    if kind == "table":
        rows = [{"from": scenario.month_label(r["from_month"])
                 if isinstance(r.get("from_month"), int) else r.get("from_month"),
                 **{p: f"{v * 100:.0f}%" for p, v in r.get("shares", {}).items()}}
                for r in taper.get("table", [])]
        container.dataframe(rows, key=key(f"{prefix}.table"), hide_index=True)
        container.caption("A table taper: each row gives every payer's share from that month. "
                          "Edit the rows in the scenario file (TOML) for now.")


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
        label = month_label(month, scenario) if isinstance(month, int) else str(month)
        try:
            value = dt.date.fromisoformat(f"{label}-01")
        except ValueError:
            value = None
    k = key(path)
    if k not in st.session_state:
        st.session_state[k] = value
    y, m = map(int, scenario.start.split("-"))
    last = scenario.month_label(scenario.horizon_months - 1)
    ly, lm = map(int, last.split("-"))
    container.date_input(t("disbursed on"), key=k, on_change=_disbursed, args=(index,),
                         min_value=dt.date(y, m, 1),
                         max_value=dt.date(ly + lm // 12, lm % 12 + 1, 1) - dt.timedelta(days=1),
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
    cols[-2].metric(t("the group pays"), f"{group * 100:.0f}%" if isinstance(group, int | float)
                    else str(group))
    new = cols[-1].text_input(t("add a payer"), key=key(f"services[{index}].new_payer"),
                              placeholder="donor, ngo, lead_firm")
    cols[-1].button(t("Add payer"), key=f"add_payer_{index}", on_click=add_payer,
                    args=(index, new))


def record_list(container: Any, path: str, label: str, columns: list[str],
                data: dict[str, Any]) -> None:
    """A list of records (e.g. a loan's tranches: month, amount) edited as a table with rows
    added and removed; an empty cell is None (e.g. a prepayment of the whole balance)."""
    try:
        current = value_at(data, path)
    except KeyError:
        current = []
    k = key(path)
    start_key = f"{k}::start"
    if start_key not in st.session_state:   # the table the widget's edits apply to
        st.session_state[start_key] = current
    start = st.session_state[start_key]
    frame = pd.DataFrame(start if isinstance(start, list) else [], columns=columns,
                         dtype="object")
    container.caption(label)
    edited = container.data_editor(frame, key=k, num_rows="dynamic", hide_index=True,
                                   width="stretch")
    value = [{c: _cell(r[c]) for c in columns if _cell(r[c]) is not None}
             for r in edited.to_dict("records")
             if any(_cell(r[c]) is not None for c in columns)]
    if value != current:
        put(path, value)
        st.rerun()


def _cell(v: Any) -> Any:
    """A table cell as a scenario value: blanks are None, whole numbers ints, dates text."""
    if v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            return v.strip()   # kept as typed (a date, or a mistake validation will name)
    if isinstance(v, float) and v.is_integer():
        return int(v)
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
        last = scenario.month_label(scenario.horizon_months - 1)
        return t("support does **not** reach {final} within the horizon (it would in {month}, "
                 "after {last})", final=final, month=scenario.month_label(end), last=last)
    return t("support reaches {final} in {month}", final=final, month=scenario.month_label(end))
