"""subsidy-exit: the Streamlit front end. The frame: session state, the shared sidebar and
st.navigation. Pages live in ui/pages; the UI maps widgets to a Scenario, calls the engine
(cached) and draws. It computes no finance. Run with `make run`."""

from __future__ import annotations

import streamlit as st

import engine
from engine import fmt as numbers
from engine import i18n
from engine.i18n import N_, t
from engine.io import decode_text
from ui import editor, exports, state
from ui.pages.common import alert, glossary, options_in_language, style
from ui.storage import StorageError, Workspace

st.set_page_config(page_title="subsidy-exit", layout="wide")
state.init()
ss = st.session_state
i18n.set_language(ss.lang)   # before any text: every t() of this rerun reads it


def page_error(e: Exception) -> str:
    """What went wrong, without a traceback or a server path."""
    if isinstance(e, engine.ScenarioError):
        return t("This page cannot use these values:") + "\n\n" + "\n".join(
            f"- {p.path + ': ' if p.path else ''}{p.message}" for p in e.problems[:20])
    if isinstance(e, StorageError):
        return t("A saved file could not be used: {problem}", problem=e)
    if isinstance(e, MemoryError):
        return t("This page would need more memory than the server has; use smaller figures.")
    return t("This page could not be drawn (an internal error: {error}).",
             error=type(e).__name__)


def choose_scenario() -> None:
    ss.ref = ss.scenario_ref


def take_upload() -> None:
    upload = ss.get("upload")
    if upload is None:
        return
    data = upload.getvalue()
    if len(data) > state.MAX_UPLOAD_BYTES:
        ss.upload_error = [t("{file}: larger than {limit} bytes", file=upload.name,
                             limit=numbers.number(state.MAX_UPLOAD_BYTES, style()))]
        return
    try:
        if upload.name.lower().endswith(".xlsx"):      # an input workbook, kept as TOML text
            text = engine.dump_scenario(engine.read_workbook(data, upload.name))
        else:
            text = decode_text(data, upload.name)
            engine.parse_scenario(text, file=upload.name)
    except engine.ScenarioError as e:
        ss.upload_error = [str(p) for p in e.problems]
        return
    name = upload.name.removesuffix(".toml").removesuffix(".xlsx")
    ss.uploads[name] = text
    ss.ref = f"upload:{name}"
    ss.upload_error = []


refs = state.all_refs()
if ss.ref not in refs:
    ss.ref = state.DEFAULT_REF
ss.scenario_ref = ss.ref
side = st.sidebar
side.radio("Language / ভাষা", list(i18n.LANGUAGES), key="lang", horizontal=True,
           format_func=i18n.LANGUAGES.get, on_change=state.language_changed)
if ss.get("lang_unknown"):
    st.warning(t("Language {code} is not offered; choose one of: {choices}.",
                 code=repr(ss.lang_unknown), choices=", ".join(sorted(i18n.LANGUAGES)))
               + " " + t("The page is shown in English."), icon="🔗")
side.selectbox(t("Scenario"), refs, key="scenario_ref", on_change=choose_scenario,
               format_func=options_in_language(state.ref_label),
               help=t("A seed preset, one of its variants, a saved scenario or an upload. "
                      "Your edits to each are kept while you switch."))
kept = {r: len(e) for r, e in ss.edits.items() if e and r != ss.ref}
if kept:
    side.caption(t("Edits kept: {list}", list=", ".join(
        f"{r} ({numbers.number(n, style())})" for r, n in kept.items())))
side.file_uploader(t("Open a scenario file (TOML or input workbook XLSX)"), type=["toml", "xlsx"],
                   key="upload", on_change=take_upload)
for line in ss.get("upload_error", []):
    alert("error", line, side)
side.button(t("Reset"), key="reset_button", on_click=state.reset,
            help=t("Drop this scenario's edits and the page settings (the link's too)."))
broken = state.saved_problems()
if broken:
    side.warning(t("Saved files that cannot be opened:") + "\n\n" + "\n".join(
        f"- **{n}**: {why}" for n, why in broken.items()))
for line in ss.pop("ref_problem", []):
    st.warning(line)
if state.url_dropped():
    st.warning(t("This link carried edits that are not valid; they were dropped:") + "\n\n"
               + "\n".join(f"- {line}" for line in state.url_dropped()))
if ss.ref.startswith("upload:"):
    side.caption(t("An uploaded scenario stays in this session: its link opens it nowhere else. "
                   "Save it (Case file, Save) before sharing the link."))
if ss.get("url_note") and state.link_note(ss.url_note):
    st.warning(state.link_note(ss.url_note), icon="🔗")

scenario, projection, problems = state.current()
with side.expander(t("Save and download")):
    # the name follows the scenario on screen: a new scenario (or a renamed one) resets it
    default_name = scenario.name.replace(":", "_")
    if ss.get("save_name_for") != (ss.ref, default_name):
        ss.save_name_for = (ss.ref, default_name)
        ss.save_name, ss.save_overwrite = default_name, False
    name = st.text_input(t("save as"), key="save_name")
    overwrite = st.checkbox(t("overwrite if it exists"), key="save_overwrite")
    if st.button(t("Save to workspace"), key="save_button", disabled=bool(problems)):
        try:
            path = Workspace().save(name, state.case_file_text(scenario), overwrite,
                                    check=engine.parse_scenario)
            st.success(t("saved {file}", file=path.name))
        except StorageError as e:
            alert("error", str(e))
    stem = scenario.name.replace(":", "_")
    # files are built only when a button is pressed (data=callable)
    st.download_button(t("Scenario (TOML)"), lambda: exports.scenario_toml(scenario),
                       f"{stem}.toml", key="dl_toml")
    st.download_button(t("Input workbook (XLSX)"), lambda: exports.input_workbook(scenario),
                       f"{stem}_inputs.xlsx", key="dl_inputs_xlsx",
                       help=t("Edit it in Excel and upload it, or give it to the command "
                              "line."))
    st.download_button(t("Monthly table (CSV)"), lambda: exports.monthly_csv(projection),
                       f"{stem}_monthly.csv", "text/csv", key="dl_csv")
    st.download_button(t("Results (XLSX)"), lambda: exports.monthly_xlsx(projection,
                                                                     style(scenario)),
                       f"{stem}_results.xlsx", key="dl_xlsx")
with side.expander(t("Display")):
    grouping = {"international": N_("international"), "lakh": N_("lakh")}
    st.radio(t("digit grouping"), list(grouping), key="grouping", horizontal=True,
             format_func=options_in_language(grouping),
             help=t("{international} or {lakh}",
                    international=numbers.number(1_450_000, style(grouping="international")),
                    lakh=numbers.number(1_450_000, style(grouping="lakh"))))
    if ss.lang != "en":
        digits = {"bengali": N_("Bengali (১২৩)"), "latin": N_("Latin (123)")}
        st.radio(t("digits"), list(digits), key="digits", horizontal=True,
                 format_func=options_in_language(digits))
    st.checkbox(t("show US$ at the scenario's rate"), key="usd")
glossary()

pages = [st.Page("views/overview.py", title=t("Overview"), default=True),
         st.Page("views/casefile.py", title=t("Case file")),
         st.Page("views/loan_officer.py", title=t("Loan officer")),
         st.Page("views/facilitator.py", title=t("Facilitator")),
         st.Page("views/producer.py", title=t("Producer")),
         st.Page("views/compare.py", title=t("Compare")),
         st.Page("views/risk.py", title=t("Risk")),
         st.Page("views/portfolio.py", title=t("Portfolio"))]
settings_note = st.empty()   # above the page; filled once the page has read its settings
page = st.navigation(pages)
if ss.setdefault("editor_page", page.url_path) != page.url_path:
    # a widget's id holds its page: the same field's box on another page is a new widget,
    # which would start empty where its key still held the last page's text (the group's
    # boxes on the Case file after the Overview); new keys start from the scenario's values
    editor.bump()
    ss.editor_page = page.url_path
try:
    page.run()
except Exception as e:  # noqa: BLE001 - the app's boundary: a message, never a traceback
    ss.page_error = page_error(e)
    st.error(ss.page_error + "\n\n" + t("Your edits are kept. Change the value named above, "
                                         "or use **Reset** in the sidebar to drop them."),
             icon="⚠️")
if ss.get("settings_dropped"):
    settings_note.warning(t("This link carried page settings that are not allowed; the defaults "
                            "are shown instead:") + "\n\n"
                          + "\n".join(f"- {line}" for line in ss.settings_dropped.values()),
                          icon="🔗")
state.sync_url()
