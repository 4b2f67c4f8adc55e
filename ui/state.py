"""The one mapping between the scenario, widget keys, the session and the URL. No finance here.

Per browser session (st.session_state, never module globals):
- `ref`: the scenario being edited: a preset (`modhupur_pineapple`), a variant
  (`modhupur_pineapple:spot`), a saved file (`saved:NAME`) or an upload (`upload:NAME`);
- `edits[ref]`: the user's overrides by parameter path, kept when switching scenario or page;
- `uploads[name]`: uploaded TOML texts; `last_good[ref]`: the last valid projection.
The URL carries `scenario=REF` and one `set=PATH=VALUE` per edit, so a copied link reopens the
same scenario with the same edits, and `lang=bn` (with `digits=latin` when chosen) the language,
`grouping=` when not the language's own. A page setting, digits or grouping the link gives that the
page cannot take is named in one warning (`settings_dropped`) and its default shown.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

import engine
from engine import i18n
from engine.casefile import (
    LIST_SECTIONS,
    as_case_file,
    blank_scenario,
    complete_items,
    follow_renames,
)
from engine.errors import Problem
from engine.fields import FieldMeta, field_meta
from engine.i18n import N_, t
from engine.io import drop_none, file_problems
from engine.report import path_title
from engine.shocks import Shocks
from engine.values import ValueTextError, format_value, parse_value
from ui.pages.common import month_label
from ui.storage import StorageError, Workspace

DEFAULT_REF = "modhupur_pineapple"
NEW_REF = "new"
"""The blank group (engine/casefile.py) that a new case file starts from."""
MAX_UPLOAD_BYTES = 1_000_000


@st.cache_data(show_spinner=False, max_entries=256)
def load_preset(ref: str) -> engine.Scenario:
    return engine.load_scenario(ref)


@st.cache_data(show_spinner=False, max_entries=256)
def parse_text(text: str, name: str) -> engine.Scenario:
    return engine.parse_scenario(text, file=name)


@st.cache_data(show_spinner=False, max_entries=128)
def run(scenario: engine.Scenario) -> engine.Projection:
    return engine.project(scenario)


def default_grouping(lang: str) -> str:
    """Lakh and crore in Bangla, thousands in English (the Display expander can change it)."""
    return "lakh" if lang == "bn" else "international"


def language_changed() -> None:
    """A switch of language takes that language's grouping, as a link with ?lang= opens it: the
    same link must not show two forms of one number.

    It also hands every widget its value again. A drop-down keyed by its field keeps its
    identity across the switch, and the browser sends back the option it shows by its label;
    Streamlit reads a label it cannot find among the new language's as a value of its own, so
    the next edit anywhere put "by buyers' shares" where "shares" was (the review of #15:
    14 values named on the Case file page after one edit in Bangla). A value set through the
    session state is sent to the browser with the widget, in the new language."""
    ss = st.session_state
    ss.grouping = default_grouping(ss.lang)
    for name in list(ss.keys()):
        value = ss[name]
        chosen = isinstance(value, list) and all(isinstance(v, str) for v in value)   # chips
        if name == "lang" or isinstance(value, bool) or not (
                chosen or isinstance(value, str | int | float)):
            continue
        try:
            ss[name] = value
        except StreamlitAPIException:     # a widget whose value cannot be set (a button)
            pass


def init() -> None:
    ss = st.session_state
    if "edits" in ss:
        return
    ss.edits, ss.uploads, ss.last_good, ss.page_settings = {}, {}, {}, {}
    asked = st.query_params.get("lang")
    ss.lang = i18n.parse_language(asked) or i18n.DEFAULT
    ss.lang_unknown = asked if asked and i18n.parse_language(asked) is None else None
    ss.settings_dropped = {}
    ss.digits = url_choice("digits", "bengali", ["bengali", "latin"])
    ss.grouping = url_choice("grouping", default_grouping(ss.lang), ["international", "lakh"])
    ref = st.query_params.get("scenario", DEFAULT_REF)
    ss.url_note = None if ref in all_refs() else ref
    ss.ref = ref if ref in all_refs() else DEFAULT_REF
    ss.link = (ss.ref, st.query_params.get_all("set"), ss.ref == ref)
    with i18n.language(ss.lang):   # the messages in the link's language (set before any text)
        edits, dropped = read_link(*ss.link)
    if ss.link[1] and ss.link[2]:
        ss.edits[ss.ref] = edits
    ss.url_dropped = {ss.lang: dropped}
    ss.settings_asked = {k: st.query_params[k] for k in PAGE_SETTINGS if k in st.query_params}
    for k in PAGE_SETTINGS:
        if k in st.query_params:
            try:
                ss.page_settings[k] = decode(st.query_params[k])
            except ValueError:   # kept as text: `setting` names it and shows the default
                ss.page_settings[k] = st.query_params[k]


def read_link(ref: str, items: list[str], opened: bool) -> tuple[dict[str, Any], list[str]]:
    """The edits a link's `set=` items make to scenario `ref` (none when the link's scenario
    was not `opened`), and one line for each dropped, in the language in force."""
    edits, dropped = {}, []
    for item in items:
        path, _, raw = item.partition("=")
        try:
            edits[path] = decode(raw, path)
        except ValueTextError as e:   # too long or too deep: named, the rest still opens
            dropped.append(f"`{path[:80]}`: {e}")
    if edits and opened:
        edits, more = link_edits(ref, edits)
        dropped += more
    return edits, dropped


def url_dropped() -> list[str]:
    """The link's dropped edits in the language in force: worked out again from the link after
    a switch of language, so a problem never stays in the language the page opened in."""
    ss = st.session_state
    known = ss.get("url_dropped") or {}
    if not any(known.values()):
        return []
    lang = i18n.current()
    if lang not in known:
        known[lang] = read_link(*ss.link)[1]
    return known[lang]


def reset() -> None:
    """Back to a clean page: the scenario's edits, the link's edits and page settings
    dropped, every widget of the scenario forgotten (a Reset that works from any page)."""
    ss = st.session_state
    ss.edits[ss.ref] = {}
    ss.page_settings = {}
    for key in [k for k in ss if isinstance(k, str) and (
            k.startswith(f"{ss.ref}::") or k in PAGE_SETTINGS
            or k.removesuffix(BOX) in PAGE_SETTINGS)]:
        del ss[key]
    ss.url_dropped, ss.page_error, ss.settings_dropped = {}, None, {}


def reopens(base: engine.Scenario, edits: dict[str, Any]) -> None:
    """Raise ScenarioError unless `edits` make a scenario that saves as a case file and reopens
    (`as_case_file` moves the sources and variants of a renamed item, as a save does)."""
    edited = engine.with_overrides(base, edits)
    problems = file_problems(as_case_file(base, edited))
    # a source or a variant the link sets itself must name what is there
    problems += [p for p in file_problems(edited) if p.path in edits or any(
        p.path.startswith(f"{e}:") or p.path.startswith(f"{e}.") for e in edits
        if e.startswith("variants"))]
    if problems:
        raise engine.ScenarioError(problems)


def plain_problem(base: engine.Scenario, p: Problem) -> str:
    """A problem in the user's words: the field's plain name (with its item's) and the path
    between brackets, for the expert."""
    where, _, path = p.path.rpartition(": ")
    if path.startswith("provenance."):
        key = path.removeprefix("provenance.")
        return t("the source noted for {what} (`{path}`) names no value of this group",
                 what=path_title(base, key), path=key.replace("`", "")[:120])
    text = f"{path_title(base, path)} (`{path.replace('`', '')[:120]}`): {p.message}"
    if where:
        return t("variant {variant} does not apply: {problem}",
                 variant=where.removeprefix("variants."), problem=text)
    return text


def link_edits(ref: str, edits: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A link's edits that the scenario accepts: all of them when together they are valid;
    else those valid on their own, and one line for each edit dropped (all of them when only
    their combination is wrong). An item renamed in the editor is accepted as the editor
    accepts it: its sources and variants follow it."""
    try:
        base = base_scenario(ref)
    except (engine.ScenarioError, StorageError):
        return {}, []
    try:
        reopens(base, edits)
        return edits, []
    except engine.ScenarioError:
        pass
    kept, dropped = {}, []
    for path, value in edits.items():
        try:
            reopens(base, {path: value})
            kept[path] = value
        except engine.ScenarioError as e:
            dropped += [plain_problem(base, p) for p in e.problems]
    if kept:
        try:
            reopens(base, kept)
        except engine.ScenarioError as e:
            dropped += [plain_problem(base, p) for p in e.problems]
            kept = {}
    return kept, dropped


def quoted(text: str, most: int = 80) -> str:
    """What a user or a link typed, shown safely in a message: control characters and
    Markdown dropped, at most `most` characters, in quotes."""
    kept = "".join(c for c in text if c.isprintable() and c not in "`*[]<>\\#|")
    return f"'{kept[:most]}{'…' if len(kept) > most else ''}'"


def link_note(ref: str) -> str | None:
    """Why a link's scenario cannot be opened (None: it can), naming what the link asked for
    and what can be opened. Only names listed here are ever read: a link never reaches a file
    outside the presets and the workspace."""
    refs = all_refs()
    if ref in refs:
        return None
    if ref.startswith("upload:"):
        return t("This link points to '{file}', a file uploaded in another session: uploads "
                 "stay in the session that made them. Save it to the workspace first (Case "
                 "file, Save), then share that link. Showing {default} instead.",
                 file=quoted(ref.removeprefix("upload:"))[1:-1], default=DEFAULT_REF)
    offered = [r for r in refs if not r.startswith("upload:")]
    return t("The scenario this link asks for, '{ref}', was not found: it is not a preset, a "
             "variant or a case file saved in this workspace. Choose one under **Scenario** in "
             "the sidebar: {choices}. Showing {default} until then.", ref=quoted(ref)[1:-1],
             choices=", ".join(ref_label(r) for r in offered), default=DEFAULT_REF)


PAGE_SETTINGS = ("loan_select", "dscr_target", "service_select", "taper_start", "taper_every",
                 "exit_at", "channel_select", "sw_channel", "sw_rival", "sw_param", "sw_outcome",
                 "tornado_step", "tornado_outcome", "tornado_top", "grid_channel", "mc_paths",
                 *(f"mc_{name}" for name in Shocks.model_fields))
"""Widget keys of page settings that a link carries (the same numbers on the same page)."""


def _setting(name: str, label: str, unit: str, meaning: str, default: int, low: int,
             high: int | None) -> FieldMeta:
    return FieldMeta(name=name, label=label, unit=unit, description=meaning, required=False,
                     default=default, ge=low, le=high, integer=True)


NUMBER_SETTINGS: dict[str, FieldMeta] = {m.name: m for m in (
    _setting("taper_start", N_("taper starts in month"), "months",
             N_("The month the fastest safe taper starts from, counted from the start; month 0 "
                "is {month}."), 0, 0, None),
    _setting("taper_every", N_("steps every (months)"), "months",
             N_("Months between two steps of a step taper."), 6, 1, 24),
    _setting("exit_at", N_("if support ended in month"), "months",
             N_("The month all support would end, counted from the start; month 0 is {month}. "
                "The table shows the services the group could then keep."), 0, 0, None),
    _setting("tornado_top", N_("inputs shown"), "count",
             N_("How many inputs the chart shows, those that move the outcome most first."),
             15, 5, 60),
    _setting("mc_paths", N_("paths"), "count",
             N_("How many paths the Monte Carlo draws: more paths, steadier figures, a longer "
                "wait."), 1000, 100, 20_000))}
"""The page settings typed as numbers that are not scenario fields: label (with its unit),
meaning, default and bounds (`None`: the scenario's last month). The Monte Carlo shocks
(`mc_<field>`) take theirs from engine/fields.py (`number_meta`)."""
BOX = "::box"
"""The suffix of a number setting's text box key (the setting's key holds its last good value)."""


def number_meta(key: str, scenario: engine.Scenario) -> FieldMeta:
    """A number page setting's label (with its unit), meaning, default and allowed range, in
    the language in force: from `NUMBER_SETTINGS` or, for a shock, from the field of
    engine.shocks.Shocks (percentages typed in %).

    >>> number_meta("taper_every", blank_scenario()).range_text()
    '1 to 24'
    """
    if key in NUMBER_SETTINGS:
        meta = NUMBER_SETTINGS[key]
        last = scenario.horizon_months - 1
        return replace(meta, label=t(meta.label), le=last if meta.le is None else meta.le,
                       description=t(meta.description, month=month_label(scenario, 0)))
    return field_meta(Shocks, key.removeprefix("mc_"))


def number_label(meta: FieldMeta) -> str:
    """A number setting's box label: a shock's label with its unit ('price volatility, %'); a
    page setting's label says its unit itself."""
    if meta.name in NUMBER_SETTINGS or meta.unit == "correlation":
        return meta.label
    return f"{meta.label}, {meta.unit_shown}" if meta.unit_shown else meta.label


def fits(meta: FieldMeta, value: Any) -> bool:
    """Whether `value`, in the box's unit (% for a percentage), is a number `meta` allows."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    x = value / 100 if meta.percent else value
    return not ((meta.integer and not float(value).is_integer())
                or (meta.ge is not None and x < meta.ge) or (meta.gt is not None and x <= meta.gt)
                or (meta.le is not None and x > meta.le) or (meta.lt is not None and x >= meta.lt))


def number_setting(key: str, meta: FieldMeta) -> Any:
    """Seed a number page setting (its last good value, in the box's unit) from the session,
    the link or `meta`'s default; a link's value `meta` does not allow is named (`dropped`) and
    the default taken; a kept value the scenario no longer allows (a shorter horizon) gives
    way to the default."""
    ss = st.session_state
    scale = 100 if meta.percent else 1
    default = round(meta.default * scale, 10) if meta.percent else meta.default
    if key in ss:
        if not fits(meta, ss[key]):
            ss[key] = default
            ss.pop(key + BOX, None)
        return ss[key]
    value = ss.get("page_settings", {}).get(key, default)
    if not fits(meta, value):
        low, high = meta.ge, meta.le
        dropped(key, value, t("a number from {low} to {high}", low=plain(low * scale),
                              high=plain(high * scale)) if low is not None and high is not None
                else meta.range_text())
        value = default
    ss[key] = int(value) if meta.integer else float(value)
    return ss[key]


def setting(key: str, default: Any, options: list[Any] | None = None,
            low: float | None = None, high: float | None = None) -> None:
    """Seed a page-setting widget from the link or the session (a widget that was not drawn
    loses its state) or `default`; a value the widget would not take falls back to `default`.
    Widgets seeded here are created without a value of their own."""
    ss = st.session_state
    if key in ss and (options is None or ss[key] in options):
        return
    value = ss.get("page_settings", {}).get(key, default)
    if options is not None and value not in options:
        dropped(key, value, t("one of: {choices}", choices=", ".join(map(str, options[:20]))))
        value = default
    if low is not None and high is not None and not (
            isinstance(value, int | float) and not isinstance(value, bool)
            and low <= value <= high):
        dropped(key, value, t("a number from {low} to {high}", low=plain(low), high=plain(high)))
        value = default
    if isinstance(default, float) and isinstance(value, int):
        value = float(value)
    ss[key] = value


def grid_setting(key: str, default: float, low: float, high: float, step: float) -> list[float]:
    """Seed a select_slider's page setting as `setting` does, put on the slider's grid (the
    nearest of `low`, `low + step`, ..., `high`: a link's 1.27 shows as 1.25); the grid is the
    slider's options. A select_slider writes its values with a format_func from engine/fmt, in
    the digits in force (st.slider's printf format writes Latin digits only)."""
    setting(key, default, low=low, high=high)
    grid = [round(low + i * step, 10) for i in range(round((high - low) / step) + 1)]
    ss = st.session_state
    ss[key] = min(grid, key=lambda v: abs(v - ss[key]))
    return grid


def url_choice(key: str, default: str, choices: list[str]) -> str:
    """A display setting from the link (`digits`, `grouping`): one of `choices`, else the
    default, with the value named by `dropped`."""
    asked = st.query_params.get(key)
    if asked is None or asked in choices:
        return asked or default
    dropped(key, asked, t("one of: {choices}", choices=", ".join(choices)))
    return default


def dropped(key: str, value: Any, allowed: str) -> None:
    """Note a link's page setting that was not taken (app.py shows them all in one warning)."""
    ss = st.session_state
    text = ss.get("settings_asked", {}).get(key, value if isinstance(value, str) else encode(value))
    ss.setdefault("settings_dropped", {})[key] = t(
        "`{setting}` = {value}: allowed is {allowed}", setting=key, value=quoted(text),
        allowed=allowed)


def plain(x: float) -> str:
    """A bound as a link writes it: 24, 0.05."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def sync_url() -> None:
    ss = st.session_state
    edits = ss.edits.get(ss.ref, {})
    settings = ss.setdefault("page_settings", {})
    settings.update({k: ss[k] for k in PAGE_SETTINGS if k in ss})
    language = {"lang": ss.lang} if ss.get("lang", i18n.DEFAULT) != i18n.DEFAULT else {}
    if language and ss.get("digits") == "latin":
        language["digits"] = "latin"
    if ss.get("grouping", default_grouping(ss.get("lang", i18n.DEFAULT))) != default_grouping(
            ss.get("lang", i18n.DEFAULT)):
        language["grouping"] = ss.grouping
    st.query_params.from_dict({"scenario": ss.ref,
                               "set": [f"{p}={encode(v)}" for p, v in edits.items()],
                               **{k: encode(v) for k, v in settings.items()}, **language})


def encode(value: Any) -> str:
    """A value for the URL in the one value grammar (engine/values.py), as --set writes it.
    Inside tables, a None is left out: TOML has no null, and `decode` puts the field's default
    (None) back."""
    try:
        return format_value(drop_none(value))
    except TypeError:
        return json.dumps(value, default=str)


def decode(raw: str, path: str = "") -> Any:
    """A URL value as `encode` wrote it (or as a person types it); a whole list of items comes
    back with every field, as the editor addresses them."""
    value = parse_value(raw)
    if path in LIST_SECTIONS and isinstance(value, list):
        return complete_items(path, value)
    return value


def preset_refs() -> list[str]:
    refs = []
    for name in engine.preset_names():
        refs.append(name)
        refs += [f"{name}:{v}" for v in load_preset(name).variants]
    return refs


def saved_problems() -> dict[str, str]:
    """Saved files that cannot be opened, with the first problem of each."""
    out = {}
    ws = Workspace()
    for name in ws.names():
        try:
            parse_text(ws.load(name), f"{name}.toml")
        except StorageError as e:
            out[name] = str(e)
        except engine.ScenarioError as e:
            out[name] = str(e.problems[0]) + (t(" (and {n} more)", n=len(e.problems) - 1)
                                              if len(e.problems) > 1 else "")
    return out


def all_refs() -> list[str]:
    ss = st.session_state
    broken = saved_problems()
    return (preset_refs() + [NEW_REF]
            + [f"saved:{n}" for n in Workspace().names() if n not in broken]
            + [f"upload:{n}" for n in ss.get("uploads", {})])


def ref_label(ref: str) -> str:
    return t("new group (not saved yet)") if ref == NEW_REF else ref


def base_scenario(ref: str) -> engine.Scenario:
    if ref == NEW_REF:
        return blank_scenario()
    if ref.startswith("saved:"):
        name = ref.removeprefix("saved:")
        return parse_text(Workspace().load(name), f"{name}.toml")
    if ref.startswith("upload:"):
        name = ref.removeprefix("upload:")
        return parse_text(st.session_state.uploads[name], name)
    return load_preset(ref)


def case_file_text(scenario: engine.Scenario) -> str:
    """The file a save writes for the scenario on screen: sources follow renamed items and each
    edited value says it was edited, from what (engine.casefile.as_case_file)."""
    ref = st.session_state.ref
    return engine.dump_scenario(as_case_file(base_scenario(ref), scenario, ref == NEW_REF))


def edits() -> dict[str, Any]:
    ss = st.session_state
    return ss.edits.setdefault(ss.ref, {})


def current() -> tuple[engine.Scenario, engine.Projection, list[Problem]]:
    """The edited scenario and its projection; with invalid edits, the problems and the last
    valid projection (the edits themselves are kept)."""
    ss = st.session_state
    try:
        base = base_scenario(ss.ref)
    except (engine.ScenarioError, StorageError) as e:
        problems = e.problems if isinstance(e, engine.ScenarioError) else [Problem("", str(e))]
        ss.ref_problem = [t("'{ref}' could not be opened: {problem}", ref=ss.ref, problem=p)
                          for p in problems]
        ss.ref = DEFAULT_REF
        base = base_scenario(ss.ref)
    try:
        # a renamed item takes its variants' settings and its sources along (as a save does)
        scenario = follow_renames(base, engine.with_overrides(base, edits())) if edits() \
            else base
        projection = run(scenario)
        ss.last_good[ss.ref] = projection
        return scenario, projection, []
    except engine.ScenarioError as e:
        last = ss.last_good.get(ss.ref) or run(base)
        return last.scenario, last, e.problems
    except Exception as e:  # noqa: BLE001 - an engine failure is shown, never raised
        last = ss.last_good.get(ss.ref) or run(base)
        return last.scenario, last, [Problem("", t(
            "these values could not be projected ({error}); the results shown are the last "
            "valid ones", error=type(e).__name__))]

