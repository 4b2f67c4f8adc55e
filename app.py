"""subsidy-exit: the Streamlit front end. The frame: session state, the shared sidebar and
st.navigation. Pages live in ui/pages; the UI maps widgets to a Scenario, calls the engine
(cached) and draws. It computes no finance. Run with `make run`."""

from __future__ import annotations

import streamlit as st

import engine
from engine.io import decode_text
from ui import exports, state
from ui.pages.common import style
from ui.storage import StorageError, Workspace

st.set_page_config(page_title="subsidy-exit", layout="wide")
state.init()
ss = st.session_state


def page_error(e: Exception) -> str:
    """What went wrong, without a traceback or a server path."""
    if isinstance(e, engine.ScenarioError):
        return "This page cannot use these values:\n\n" + "\n".join(
            f"- {p.path + ': ' if p.path else ''}{p.message}" for p in e.problems[:20])
    if isinstance(e, StorageError):
        return f"A saved file could not be used: {e}"
    if isinstance(e, MemoryError):
        return "This page would need more memory than the server has; use smaller figures."
    return f"This page could not be drawn (an internal error: {type(e).__name__})."


def choose_scenario() -> None:
    ss.ref = ss.scenario_ref


def take_upload() -> None:
    upload = ss.get("upload")
    if upload is None:
        return
    data = upload.getvalue()
    if len(data) > state.MAX_UPLOAD_BYTES:
        ss.upload_error = [f"{upload.name}: larger than {state.MAX_UPLOAD_BYTES:,} bytes"]
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
side.selectbox("Scenario", refs, key="scenario_ref", on_change=choose_scenario,
               format_func=state.ref_label,
               help="A seed preset, one of its variants, a saved scenario or an upload. "
               "Your edits to each are kept while you switch.")
kept = {r: len(e) for r, e in ss.edits.items() if e and r != ss.ref}
if kept:
    side.caption("Edits kept: " + ", ".join(f"{r} ({n})" for r, n in kept.items()))
side.file_uploader("Open a scenario file (TOML or input workbook XLSX)", type=["toml", "xlsx"],
                   key="upload", on_change=take_upload)
for line in ss.get("upload_error", []):
    side.error(line)
side.button("Reset", key="reset_button", on_click=state.reset,
            help="Drop this scenario's edits and the page settings (the link's too).")
broken = state.saved_problems()
if broken:
    side.warning("Saved files that cannot be opened:\n\n" + "\n".join(
        f"- **{n}**: {why}" for n, why in broken.items()))
for line in ss.pop("ref_problem", []):
    st.warning(line)
if ss.get("url_dropped"):
    st.warning("This link carried edits that are not valid; they were dropped:\n\n"
               + "\n".join(f"- {line}" for line in ss.url_dropped))
if ss.ref.startswith("upload:"):
    side.caption("An uploaded scenario stays in this session: its link opens it nowhere else. "
                 "Save it (Case file, Save) before sharing the link.")
if ss.get("url_note"):
    st.warning(ss.url_note, icon="🔗")

scenario, projection, problems = state.current()
with side.expander("Save and download"):
    # the name follows the scenario on screen: a new scenario (or a renamed one) resets it
    default_name = scenario.name.replace(":", "_")
    if ss.get("save_name_for") != (ss.ref, default_name):
        ss.save_name_for = (ss.ref, default_name)
        ss.save_name, ss.save_overwrite = default_name, False
    name = st.text_input("save as", key="save_name")
    overwrite = st.checkbox("overwrite if it exists", key="save_overwrite")
    if st.button("Save to workspace", key="save_button", disabled=bool(problems)):
        try:
            path = Workspace().save(name, engine.dump_scenario(scenario), overwrite,
                                    check=engine.parse_scenario)
            st.success(f"saved {path.name}")
        except StorageError as e:
            st.error(str(e))
    stem = scenario.name.replace(":", "_")
    # files are built only when a button is pressed (data=callable)
    st.download_button("Scenario (TOML)", lambda: exports.scenario_toml(scenario),
                       f"{stem}.toml", key="dl_toml")
    st.download_button("Input workbook (XLSX)", lambda: exports.input_workbook(scenario),
                       f"{stem}_inputs.xlsx", key="dl_inputs_xlsx",
                       help="Edit it in Excel and upload it, or give it to the command line.")
    st.download_button("Monthly table (CSV)", lambda: exports.monthly_csv(projection),
                       f"{stem}_monthly.csv", "text/csv", key="dl_csv")
    st.download_button("Results (XLSX)", lambda: exports.monthly_xlsx(projection,
                                                                     style(scenario)),
                       f"{stem}_results.xlsx", key="dl_xlsx")
with side.expander("Display"):
    st.radio("digit grouping", ["international", "lakh"], key="grouping", horizontal=True,
             help="1,450,000 or 14,50,000")
    st.checkbox("show US$ at the scenario's rate", key="usd")

pages = [st.Page("views/overview.py", title="Overview", default=True),
         st.Page("views/casefile.py", title="Case file"),
         st.Page("views/loan_officer.py", title="Loan officer"),
         st.Page("views/facilitator.py", title="Facilitator"),
         st.Page("views/producer.py", title="Producer"),
         st.Page("views/compare.py", title="Compare"),
         st.Page("views/risk.py", title="Risk"),
         st.Page("views/portfolio.py", title="Portfolio")]
try:
    st.navigation(pages).run()
except Exception as e:  # noqa: BLE001 - the app's boundary: a message, never a traceback
    ss.page_error = page_error(e)
    st.error(ss.page_error + "\n\nYour edits are kept. Change the value named above, or use "
             "**Reset** in the sidebar to drop them.", icon="⚠️")
state.sync_url()
