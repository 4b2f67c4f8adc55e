"""The one mapping between the scenario, widget keys, the session and the URL. No finance here.

Per browser session (st.session_state, never module globals):
- `ref`: the scenario being edited: a preset (`modhupur_pineapple`), a variant
  (`modhupur_pineapple:spot`), a saved file (`saved:NAME`) or an upload (`upload:NAME`);
- `edits[ref]`: the user's overrides by parameter path, kept when switching scenario or page;
- `uploads[name]`: uploaded TOML texts; `last_good[ref]`: the last valid projection.
The URL carries `scenario=REF` and one `set=PATH=VALUE` per edit, so a copied link reopens the
same scenario with the same edits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

import engine
from engine.casefile import blank_scenario
from engine.errors import Problem
from engine.io import checked_edits
from engine.values import ValueTextError, format_value, parse_value
from ui.storage import StorageError, Workspace

DEFAULT_REF = "modhupur_pineapple"
NEW_REF = "new"
"""The blank group (engine/casefile.py) that a new case file starts from."""
MAX_UPLOAD_BYTES = 1_000_000


@dataclass(frozen=True)
class Field:
    path: str
    label: str
    step: float
    min_value: float | None = 0.0
    max_value: float | None = None


@st.cache_data(show_spinner=False, max_entries=256)
def load_preset(ref: str) -> engine.Scenario:
    return engine.load_scenario(ref)


@st.cache_data(show_spinner=False, max_entries=256)
def parse_text(text: str, name: str) -> engine.Scenario:
    return engine.parse_scenario(text, file=name)


@st.cache_data(show_spinner=False, max_entries=128)
def run(scenario: engine.Scenario) -> engine.Projection:
    return engine.project(scenario)


def init() -> None:
    ss = st.session_state
    if "edits" in ss:
        return
    ss.edits, ss.uploads, ss.last_good, ss.page_settings = {}, {}, {}, {}
    ref = st.query_params.get("scenario", DEFAULT_REF)
    ss.url_note = link_note(ref)
    ss.ref = ref if ref in all_refs() else DEFAULT_REF
    edits, dropped = {}, []
    for item in st.query_params.get_all("set"):
        path, _, raw = item.partition("=")
        try:
            edits[path] = parse_value(raw)
        except ValueTextError as e:
            dropped.append(f"`{path[:80]}`: {e}")
    if edits and ss.ref == ref:
        ss.edits[ss.ref], more = link_edits(ss.ref, edits)
        dropped += more
    ss.url_dropped = dropped
    for k in PAGE_SETTINGS:
        if k in st.query_params:
            ss.page_settings[k] = decode(st.query_params[k])


def reset() -> None:
    """Back to a clean page: the scenario's edits, the link's edits and page settings
    dropped, every widget of the scenario forgotten (a Reset that works from any page)."""
    ss = st.session_state
    ss.edits[ss.ref] = {}
    ss.page_settings = {}
    for key in [k for k in ss if isinstance(k, str) and (k.startswith(f"{ss.ref}::")
                                                         or k in PAGE_SETTINGS)]:
        del ss[key]
    ss.url_dropped, ss.page_error = [], None


def link_edits(ref: str, edits: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A link's edits that the scenario accepts: all of them when together they are valid;
    else those valid on their own, and one line for each edit dropped (all of them when only
    their combination is wrong)."""
    try:
        base = base_scenario(ref)
    except (engine.ScenarioError, StorageError):
        return {}, []
    try:
        checked_edits(base, edits)
        return edits, []
    except engine.ScenarioError:
        pass
    kept, dropped = {}, []
    for path, value in edits.items():
        try:
            checked_edits(base, {path: value})
            kept[path] = value
        except engine.ScenarioError as e:
            dropped += [f"`{p.path[:80]}`: {p.message}" for p in e.problems]
    if kept:
        try:
            checked_edits(base, kept)
        except engine.ScenarioError as e:
            dropped += [f"`{p.path[:80]}`: {p.message}" for p in e.problems]
            kept = {}
    return kept, dropped


def link_note(ref: str) -> str | None:
    """Why a link's scenario cannot be opened (None: it can)."""
    if ref in all_refs():
        return None
    if ref.startswith("upload:"):
        return (f"This link points to '{ref.removeprefix('upload:')}', a file uploaded in "
                "another session: uploads stay in the session that made them. Save it to the "
                "workspace first (Case file, Save), then share that link. Showing "
                f"{DEFAULT_REF} instead.")
    return f"This link's scenario '{ref}' is not here (not a preset or a saved case file). " \
        f"Showing {DEFAULT_REF} instead."


PAGE_SETTINGS = ("loan_select", "dscr_target", "service_select", "taper_start", "taper_every",
                 "exit_at", "channel_select", "sw_channel", "sw_rival", "sw_param", "sw_outcome",
                 "tornado_step", "tornado_outcome", "tornado_top", "grid_channel", "mc_price",
                 "mc_volume", "mc_delay", "mc_rejection", "mc_rho", "mc_paths")
"""Widget keys of page settings that a link carries (the same numbers on the same page)."""


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
        value = default
    if low is not None and high is not None and not (
            isinstance(value, int | float) and low <= value <= high):
        value = default
    if isinstance(default, float) and isinstance(value, int):
        value = float(value)
    ss[key] = value


def sync_url() -> None:
    ss = st.session_state
    edits = ss.edits.get(ss.ref, {})
    settings = ss.setdefault("page_settings", {})
    settings.update({k: ss[k] for k in PAGE_SETTINGS if k in ss})
    st.query_params.from_dict({"scenario": ss.ref,
                               "set": [f"{p}={encode(v)}" for p, v in edits.items()],
                               **{k: encode(v) for k, v in settings.items()}})


def encode(value: Any) -> str:
    """A value for the URL, in the one value grammar (engine.values), as --set writes it."""
    try:
        return format_value(value)
    except TypeError:
        return json.dumps(value, default=str)


def decode(raw: str) -> Any:
    """A URL value, read by the one value grammar (a value it refuses reads as None)."""
    try:
        return parse_value(raw)
    except ValueTextError:
        return None


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
            out[name] = str(e.problems[0]) + (f" (and {len(e.problems) - 1} more)"
                                              if len(e.problems) > 1 else "")
    return out


def all_refs() -> list[str]:
    ss = st.session_state
    broken = saved_problems()
    return (preset_refs() + [NEW_REF]
            + [f"saved:{n}" for n in Workspace().names() if n not in broken]
            + [f"upload:{n}" for n in ss.get("uploads", {})])


def ref_label(ref: str) -> str:
    return "new group (blank)" if ref == NEW_REF else ref


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
        ss.ref_problem = [f"'{ss.ref}' could not be opened: {p}" for p in problems]
        ss.ref = DEFAULT_REF
        base = base_scenario(ss.ref)
    try:
        scenario = engine.with_overrides(base, edits()) if edits() else base
        projection = run(scenario)
        ss.last_good[ss.ref] = projection
        return scenario, projection, []
    except engine.ScenarioError as e:
        last = ss.last_good.get(ss.ref) or run(base)
        return last.scenario, last, e.problems
    except Exception as e:  # noqa: BLE001 - an engine failure is shown, never raised
        last = ss.last_good.get(ss.ref) or run(base)
        return last.scenario, last, [Problem("", f"these values could not be projected "
                                             f"({type(e).__name__}); the results shown are "
                                             "the last valid ones")]


def value_of(scenario: engine.Scenario, path: str) -> Any:
    return {p: v for p, v, _ in engine.params(scenario)}[path]


def widget_key(path: str) -> str:
    """Widget keys carry the scenario they edit, so each scenario keeps its own values."""
    return f"{st.session_state.ref}::{path}"


def _store(path: str, original: Any) -> None:
    value = st.session_state[widget_key(path)]
    if value == original:
        edits().pop(path, None)
    else:
        edits()[path] = value


def number(container: Any, field: Field, base: engine.Scenario, slider: bool = False) -> None:
    """A number input (or slider) bound to `edits()[field.path]`."""
    original = value_of(base, field.path)
    if original is None:
        return
    key = widget_key(field.path)
    if key not in st.session_state:   # a widget not drawn in the last run lost its state
        st.session_state[key] = edits().get(field.path, original)
    is_int = isinstance(original, int) and not isinstance(original, bool)
    cast = int if is_int else float
    kwargs = dict(step=cast(field.step), key=key, on_change=_store, args=(field.path, original),
                  help=base.provenance.get(field.path) or "model default (no source in preset)")
    if field.min_value is not None:
        kwargs["min_value"] = cast(field.min_value)
    if field.max_value is not None:
        kwargs["max_value"] = cast(field.max_value)
    if slider:
        container.slider(field.label, **kwargs)
    else:
        container.number_input(field.label, **kwargs)


def _store_share(path: str, original: Any, service: str, payers: list[str]) -> None:
    """A payer's share changed: the group takes what the others leave (never below 0, so
    shares over 100% stay visible as an error)."""
    _store(path, original)
    scenario = base_scenario(st.session_state.ref)
    values = {p: edits().get(f"services.{service}.shares.{p}",
                             value_of(scenario, f"services.{service}.shares.{p}"))
              for p in payers}
    edits()[f"services.{service}.shares.group"] = max(0.0, 1.0 - sum(values.values()))


def share(container: Any, service: str, payer: str, payers: list[str],
          base: engine.Scenario) -> None:
    """A non-group payer's share of a service; the group's share follows."""
    path = f"services.{service}.shares.{payer}"
    original = value_of(base, path)
    key = widget_key(path)
    if key not in st.session_state:
        st.session_state[key] = edits().get(path, original)
    container.number_input(f"{payer} share", min_value=0.0, max_value=1.0, step=0.01, key=key,
                           on_change=_store_share, args=(path, original, service, payers),
                           help=base.provenance.get(f"services.{service}.shares")
                           or "model default (no source in preset)")


def choice(container: Any, path: str, label: str, options: list[Any],
           base: engine.Scenario) -> None:
    original = value_of(base, path)
    key = widget_key(path)
    if key not in st.session_state:
        st.session_state[key] = edits().get(path, original)
    container.selectbox(label, options, key=key, on_change=_store, args=(path, original),
                        help=base.provenance.get(path) or "model default (no source in preset)")


def _store_months(path: str, original: Any) -> None:
    raw = st.session_state[widget_key(path)]
    try:
        value = [int(x) for x in raw.replace(";", ",").split(",") if x.strip()]
    except ValueError:
        value = raw   # kept as typed: validation names the field and what it must be
    if value == original:
        edits().pop(path, None)
    else:
        edits()[path] = value


def month_list(container: Any, path: str, label: str, base: engine.Scenario) -> None:
    """A list of calendar months (1-12) typed as '7, 8, 9'."""
    original = value_of(base, path)
    key = widget_key(path)
    if key not in st.session_state:
        value = edits().get(path, original)
        st.session_state[key] = ", ".join(map(str, value)) if isinstance(value, list) else value
    container.text_input(label, key=key, on_change=_store_months, args=(path, original),
                         help=base.provenance.get(path) or "model default (no source in preset)")


def record_list(container: Any, path: str, label: str, columns: list[str],
                base: engine.Scenario) -> None:
    """A list of records (e.g. a loan's tranches: month, amount) edited as a table with rows
    added and removed; an empty cell is None (e.g. a prepayment of the whole balance)."""
    original = value_of(base, path)
    key = widget_key(path)
    start_key = f"{key}::start"
    if start_key not in st.session_state:   # the table the widget's edits apply to
        st.session_state[start_key] = edits().get(path, original)
    start = st.session_state[start_key]
    frame = pd.DataFrame(start if isinstance(start, list) else [], columns=columns,
                         dtype="object")
    container.caption(label)
    edited = container.data_editor(frame, key=key, num_rows="dynamic", hide_index=True,
                                   width="stretch")
    value = [{c: _cell(r[c]) for c in columns if _cell(r[c]) is not None}
             for r in edited.to_dict("records")
             if any(_cell(r[c]) is not None for c in columns)]
    current = edits().get(path, original)
    if value != current:
        if value == original:
            edits().pop(path, None)
        else:
            edits()[path] = value
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


def group_fields() -> list[Field]:
    return [Field("group.members", "members", 1, 1),
            Field("group.opening_cash", "opening cash, taka", 1000.0),
            Field("group.cash_reserve", "cash reserve, taka", 1000.0),
            Field("group.distribution_share", "share of surplus paid to members", 0.05, 0.0, 1.0),
            Field("group.credit_line_limit", "credit line limit, taka", 10000.0),
            Field("group.credit_line_annual_rate", "credit line annual rate", 0.01, 0.0, 2.0)]


def channel_fields(name: str) -> list[Field]:
    return [Field(f"channels.{name}.price", "price, taka", 0.1),
            Field(f"channels.{name}.discount", "discount at delivery", 0.01, 0.0, 1.0),
            Field(f"channels.{name}.acceptance_rate", "acceptance (grading)", 0.05, 0.0, 1.0),
            Field(f"channels.{name}.payment_delay_days", "payment delay, days", 1.0),
            Field(f"channels.{name}.payment_delay_days_max", "longest delay, days", 1.0),
            Field(f"channels.{name}.commission_rate", "commission", 0.01, 0.0, 1.0),
            Field(f"channels.{name}.transport_cost_per_unit", "transport per unit, taka", 0.1),
            Field(f"channels.{name}.share", "share of volume", 0.05, 0.0, 1.0)]


LOAN_NUMBERS = [("principal", "principal, taka", 10000.0, 1.0, None),
                ("annual_rate", "annual rate", 0.005, 0.0, 2.0),
                ("installments", "installments", 1, 1, 1000),
                ("repayment_every", "repayment every", 1, 1, 52),
                ("grace_on_principal_periods", "grace on principal, periods", 1, 0, None),
                ("grace_on_interest_payment_periods", "grace on interest payment, periods", 1, 0,
                 None),
                ("interest_free_periods", "interest-free periods", 1, 0, None),
                ("disbursement_month", "disbursement month", 1, 0, None),
                ("upfront_fee_rate", "upfront fee, share", 0.001, 0.0, 1.0),
                ("upfront_fee_fixed", "upfront fee, taka", 10.0, 0.0, None),
                ("installment_fee", "fee per installment, taka", 1.0, 0.0, None),
                ("balloon_amount", "balloon, taka", 1000.0, 0.0, None),
                ("currency_digits", "currency digits", 1, 0, 6),
                ("installment_multiple_of", "installment multiple of", 1.0, 0.0, None),
                ("market_annual_rate", "market rate (for the subsidy)", 0.005, 0.0, 2.0),
                ("down_payment_rate", "down payment, share", 0.05, 0.0, 0.99),
                ("penalty_annual_rate", "penalty rate on arrears", 0.01, 0.0, 2.0),
                ("next_cycles", "next-cycle loans", 1, 0, 20),
                ("cycle_growth", "each cycle larger by", 0.05, 0.0, 5.0)]
LOAN_CHOICES = [("repayment_unit", "repayment unit", ["days", "weeks", "months", "years"]),
                ("interest_method", "interest method", ["declining_balance", "flat"]),
                ("amortization", "amortization", ["equal_installments", "equal_principal",
                                                  "bullet", "balloon", "seasonal"]),
                ("rounding", "rounding", ["half_even", "half_up"]),
                ("days_in_year", "days in year", [360, 364, 365, "actual"]),
                ("upfront_fee_deducted", "upfront fee deducted", [True, False])]
