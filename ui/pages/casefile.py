"""Case file: enter a group by hand, from blank or from a copy of a preset or a saved group; open
and save case files in the workspace.

Every field is drawn from the models' metadata (label, unit, meaning, range) by ui/editor.py;
the engine validates the edited scenario and each problem is shown beside its field while the
rest of the page keeps the last valid results."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import BaseModel

import engine
from engine import fmt as numbers
from engine import i18n
from engine.casefile import loan_verdict
from engine.errors import Problem
from engine.fields import meta_at, model_at
from engine.i18n import N_, t, tn
from engine.scenario import CostTiming, Effect, ExitCriteria, OneOff, RampPoint
from ui import editor, state
from ui.pages.common import alert, fmt, label, month_label, options_in_language, style, translated
from ui.storage import StorageError, Workspace, clean_name

SECTION_TITLES = {"products": N_("product"), "channels": N_("buyer"),
                  "markets": N_("market price"), "fixed_costs": N_("fixed cost"),
                  "services": N_("service"), "loans": N_("loan"),
                  "member_capital": N_("member capital"), "investments": N_("investment")}


def render() -> None:
    scenario, p, problems = state.current()
    st.title(t("Case file: {group}", group=scenario.title))
    start_or_open()
    data = editor.raw()
    s = p.summary
    c = st.columns(3)
    c[0].metric(t("Exit month"), month_label(scenario, s["exit_month"],
                                             t("not within horizon")),
                help=t("First month from which every subsidy can stop and cash stays at or "
                       "above the reserve to the horizon."))
    c[1].metric(t("Minimum cash"), fmt(s["min_cash_balance"], scenario))
    c[2].metric(t("Income per member / month"),
                fmt(s["member_income_per_member_month_avg"], scenario))
    st.markdown(t("**Loans:** {verdict}", verdict=loan_verdict(p, style=style(scenario))),
                help=t("The lender's verdict (as on the Loan officer page): no installment over "
                       "30 days past due, the trailing-12-month debt-service coverage against "
                       "the target and cash against the reserve, from the first disbursement to "
                       "the last installment."))
    note = st.empty()   # always drawn, so the tabs below keep their place (and the open tab)
    if problems:
        note.warning(tn("{n} value needs attention; it is named beside its field. The figures "
                        "above are the last valid ones.", "{n} values need attention; each is "
                        "named beside its field. The figures above are the last valid ones.",
                        len(problems)), icon="⚠️")
    # a key keeps the open tab across reruns (a warning appearing above no longer resets it)
    tabs = st.tabs([t("Group"), t("Products"), t("Buyers"), t("Fixed costs"), t("Services"),
                    t("Loans"), t("Capital and investments"), t("Save")], key="casefile_tab",
                   on_change="rerun")
    with tabs[0]:
        group_tab(data, scenario, problems)
    with tabs[1]:
        list_section("products", data, scenario, problems)
    with tabs[2]:
        list_section("channels", data, scenario, problems,
                     add=dict(product=(data["products"] or [{}])[0].get("name", "product")))
        with st.expander(t("Market prices (for buyers who pay the market price)")):
            list_section("markets", data, scenario, problems)
    with tabs[3]:
        list_section("fixed_costs", data, scenario, problems)
    with tabs[4]:
        list_section("services", data, scenario, problems)
    with tabs[5]:
        list_section("loans", data, scenario, problems)
    with tabs[6]:
        list_section("member_capital", data, scenario, problems)
        list_section("investments", data, scenario, problems)
    with tabs[7]:
        save_tab(scenario, problems)
    placed = {id(x) for x in problems if inline(x, data)}
    rest = [x for x in problems if id(x) not in placed]
    if rest:
        editor.show_problems(st, rest)


def inline(problem: Problem, data: dict[str, Any]) -> bool:
    """Is the problem shown beside a field (every path under a section or the group is)?"""
    return problem.path.split(".")[0].split("[")[0] in (
        "group", "name", "title", "start", "horizon_months", "usd_rate", "exit_criteria",
        *SECTION_TITLES)


def start_or_open() -> None:
    with st.expander(t("Start a new group, or open a saved case file"),
                     expanded=st.session_state.ref == state.NEW_REF
                     and not state.edits()):
        left, right = st.columns([2, 3])
        refs = [state.NEW_REF, *[r for r in state.all_refs() if r != state.NEW_REF]]
        left.selectbox(t("start from"), refs, key="start_from",
                       format_func=options_in_language(state.ref_label),
                       help=t("Blank: one product, one buyer, every amount 0 except the members' "
                              "drawings (1,621 taka a month each, the lowest wage the 2002 "
                              "study reports; change it on the Group tab). A preset or a "
                              "saved group: a copy of it, to change into your group."))
        left.button(t("Start a new group"), key="start_new", on_click=start_new, type="primary")
        right.markdown(t("**Saved case files**"))
        table = case_files()
        if table.empty:
            right.caption(t("None yet: a saved group appears here."))
        else:
            right.dataframe(translated(table), key="case_files", hide_index=True)
            right.selectbox(t("case file"), list(table["file"]), key="open_name")
            right.button(t("Open this case file"), key="open_case_file",
                         on_click=open_case_file)


def start_new() -> None:
    ss = st.session_state
    ref = ss.start_from
    base = state.base_scenario(ref)
    ss.ref = ref
    if ref == state.NEW_REF:
        ss.edits[ref] = {"start": dt.date.today().strftime("%Y-%m")}
    else:
        stem = base.name.replace(":", "_")
        ss.edits[ref] = {"name": f"{stem}_copy", "title": f"{base.title} (copy)"}
    editor.bump()


def open_case_file() -> None:
    st.session_state.ref = f"saved:{st.session_state.open_name}"
    editor.bump()


@st.cache_data(show_spinner=False, max_entries=256)
def _summary(text: str, name: str, lang: str, digits: str | None) -> dict[str, Any]:
    """A saved group's exit month and loan verdict in `lang` with `digits` (the display choices
    key the cache: the text is written in them)."""
    try:
        scenario = engine.parse_scenario(text, file=name)
    except engine.ScenarioError as e:
        return {"exit month": "", "loans": t("not valid: {problem}", problem=e.problems[0])}
    p = engine.project(scenario)
    return {"group": scenario.title,
            "exit month": month_label(scenario, p.summary["exit_month"],
                                      t("not within horizon")),
            "loans": loan_verdict(p, style=numbers.style_for(
                lang, digits=digits if lang == "bn" else None))}


def case_files() -> pd.DataFrame:
    """Saved groups: name, last change, exit month and loan verdict."""
    ws = Workspace()
    rows = []
    for name in ws.names():
        try:   # a file the workspace would not write (e.g. '__.toml') is a row, not a crash
            changed = dt.datetime.fromtimestamp(
                (ws.root / f"{name}.toml").stat().st_mtime).strftime("%Y-%m-%d %H:%M")
            text = ws.load(name)
        except (StorageError, OSError) as e:
            reason = str(e) if isinstance(e, StorageError) else t("the file could not be read")
            rows.append({"file": name, "group": "", "last change": "", "exit month": "",
                         "loans": t("not readable: {reason}", reason=reason)})
            continue
        summary = _summary(text, name, i18n.current(), st.session_state.get("digits"))
        rows.append({"file": name, "group": summary.get("group", ""), "last change": changed,
                     "exit month": summary["exit month"], "loans": summary["loans"]})
    return pd.DataFrame(rows)


def group_tab(data: dict[str, Any], scenario: engine.Scenario, problems: list[Problem]) -> None:
    st.caption(t("Who the group is, when the projection starts and how much cash it keeps."))
    cols = st.columns(3)
    for i, path in enumerate(["title", "name", "start", "horizon_months", "usd_rate"]):
        editor.field(cols[i % 3], path, data, scenario)
    editor.show_problems(st, [x for x in problems if x.path.split(".")[0] in (
        "name", "title", "start", "horizon_months", "usd_rate")])
    st.markdown(t("**The group**"))
    cols = st.columns(3)
    fields = meta_fields("group")
    for i, f in enumerate(fields):
        editor.field(cols[i % 3], f"group.{f}", data, scenario)
    editor.show_problems(st, editor.problems_at(problems, data, "group"))
    st.markdown(t("**When the group is self-sustaining**"))
    st.caption(t("From the exit month on, cash stays at or above the reserve; these are asked "
                 "too when set (empty: no income floor)."))
    cols = st.columns(3)
    for i, f in enumerate(ExitCriteria.model_fields):
        editor.field(cols[i % 3], f"exit_criteria.{f}", data, scenario)
    editor.show_problems(st, editor.problems_at(problems, data, "exit_criteria"))


def meta_fields(prefix: str) -> list[str]:
    found = model_at(f"{prefix}.name")
    assert found is not None
    return list(found[0].model_fields)


def list_section(section: str, data: dict[str, Any], scenario: engine.Scenario,
                 problems: list[Problem], add: dict[str, Any] | None = None) -> None:
    what = t(SECTION_TITLES[section])
    items = data[section]
    st.markdown(f"**{label(meta_at(section).label).capitalize()}**")   # type: ignore[union-attr]
    if items:
        st.dataframe(editor.item_table(section, data, scenario), key=f"table_{section}",
                     hide_index=True)
    names = editor.section_names(data, section)
    chosen = st.session_state.setdefault("chosen_item", {})
    where = f"{st.session_state.ref}::{section}"
    chosen[where] = min(chosen.get(where, 0), max(0, len(items) - 1))
    sel = editor.key(f"{section}::selected")   # a new widget whenever names change
    if sel not in st.session_state:
        st.session_state[sel] = chosen[where]
    top = st.columns([3, 1, 1])
    if items:
        index = top[0].selectbox(t("{what} to edit", what=what), range(len(items)), key=sel,
                                 on_change=_chosen, args=(where, sel),
                                 format_func=lambda i: names[i])
    else:
        index = None
        top[0].caption(t("No {what} yet.", what=what))
    top[1].button(t("Add a {what}", what=what), key=f"add_{section}", on_click=_add,
                  args=(section, where, add or {}))
    if index is not None:
        top[2].button(t("Remove {item}", item=names[index]), key=f"remove_{section}",
                      on_click=editor.remove_item, args=(section, index))
        item_editor(section, index, data, scenario, problems)
    editor.show_problems(st, [x for x in problems if x.path == section])


NESTED: dict[str, dict[str, type[BaseModel]]] = {
    "products": {"cost_calendar": CostTiming, "capacity_ramp": RampPoint},
    "services": {"effects": Effect, "one_off": OneOff}}
"""Lists inside an item, each edited as a table (a service's payers and taper come before its
effects)."""


def _chosen(where: str, sel: str) -> None:
    st.session_state.chosen_item[where] = st.session_state[sel]


def _add(section: str, where: str, kw: dict[str, Any]) -> None:
    if section in ("fixed_costs", "services", "loans", "member_capital", "investments"):
        kw = kw | {"start_month": 0}
    editor.add_item(section, **kw)
    st.session_state.chosen_item[where] = len(editor.raw()[section]) - 1


def item_fields(section: str, index: int, data: dict[str, Any],
                scenario: engine.Scenario) -> None:
    """An item's fields four a row (its name first, where it has one); checkboxes and weights
    tables below at full width, where a long label (a Bangla one) is not cut."""
    prefix = f"{section}[{index}]"
    cols = st.columns(4)
    below: list[str] = []
    if section in editor.NAMED:
        editor.name_field(cols[0], section, index, data, scenario)
    placed = 1 if section in editor.NAMED else 0
    for f in editor.item_fields(section):
        meta = meta_at(f"{prefix}.{f}")
        if meta is not None and meta.unit in ("weights", "true/false"):
            below.append(f)
            continue
        editor.field(cols[placed % 4], f"{prefix}.{f}", data, scenario,
                     options=editor.references(section, f, data))
        placed += 1
    for f in below:
        editor.field(st, f"{prefix}.{f}", data, scenario)


def item_editor(section: str, index: int, data: dict[str, Any], scenario: engine.Scenario,
                problems: list[Problem]) -> None:
    prefix = f"{section}[{index}]"
    item_fields(section, index, data, scenario)
    for field, model in NESTED.get(section, {}).items():
        if field == "effects":
            editor.payers(st, index, data, scenario)
            editor.taper_editor(st, index, data, scenario)
        meta = meta_at(f"{prefix}.{field}")
        assert meta is not None
        editor.record_table(st, f"{prefix}.{field}", model, label(meta.label).capitalize(),
                            data, scenario)
    if section == "loans":
        editor.disbursement(st, index, data, scenario)
    editor.show_problems(st, editor.problems_at(problems, data, prefix))


def save_tab(scenario: engine.Scenario, problems: list[Problem]) -> None:
    ss = st.session_state
    try:   # the file name as the workspace writes it (letters of any script, no separators)
        name = clean_name(scenario.name.replace(":", "_"))
    except StorageError as e:
        st.error(t("{problem}. Change the group's *file name* on the Group tab.",
                   problem=str(e).rstrip(".")))
        return
    st.markdown(t("The case file is saved as **{name}** (the group's *file name* on the Group "
                  "tab). Each value you changed is recorded as edited, with the value it had.",
                  name=name))
    if name in engine.preset_names():   # the preset stays; say how the two are told apart
        st.info(t("A seed preset is also called {name}. Saving keeps the preset as it is; your "
                  "case file is listed beside it as a saved case file. A different file name "
                  "on the Group tab avoids mixing them up.", name=name))
    ws = Workspace()
    own = ss.ref == f"saved:{name}"
    exists = ws.exists(name)
    overwrite = True
    if exists and not own:
        overwrite = st.checkbox(t("replace the saved case file '{name}'", name=name),
                                key="casefile_overwrite")
    if st.button(t("Save case file"), key="save_case_file", type="primary",
                 disabled=bool(problems) or not overwrite):
        try:
            text = state.case_file_text(scenario)
            # replace only what the user saw and agreed to replace; a name that was free when
            # the page was drawn is created exclusively (another session may take it first)
            saved = ws.save(name, text, overwrite=own or exists, check=engine.parse_scenario)
        except StorageError as e:
            alert("error", str(e))
            return
        # the edits are in the saved file now: they move with it (the sidebar would otherwise
        # list them as kept on the scenario they came from)
        if ss.ref != f"saved:{saved.stem}":
            ss.edits.pop(ss.ref, None)
        ss.edits[f"saved:{saved.stem}"] = {}
        ss.ref = f"saved:{saved.stem}"
        ss.casefile_saved = saved.stem
        editor.bump()
        st.rerun()
    if ss.pop("casefile_saved", None) == name:
        st.success(t("Saved as {name}: your edits are in the file, which is now the open "
                     "scenario.", name=name))
    if problems:
        st.caption(t("Correct the values named on the other tabs to save."))
    if ss.ref.startswith("saved:"):
        st.caption(t("Open case file: {name}. Its link reopens it with your unsaved edits; "
                     "anyone with the link who can reach this workspace sees the same group.",
                     name=ss.ref.removeprefix("saved:")))

