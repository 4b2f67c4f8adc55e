"""Pieces every page draws: the problems banner, money formatting by the user's choice and
language, the glossary of the finance words the pages use."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

import engine
from engine import fmt as numbers
from engine import i18n, quantities
from engine.i18n import t
from engine.io import PRESETS_DIR


def style(scenario: engine.Scenario | None = None, grouping: str | None = None) -> numbers.Style:
    """The user's choice of grouping (international or lakh), of US$ at the scenario's rate and,
    in Bangla, of Bengali or Latin digits; the locale is the language in force."""
    ss = st.session_state
    usd = scenario.usd_rate if scenario is not None and ss.get("usd") else None
    lang = i18n.current()
    return numbers.style_for(lang, grouping=grouping or ss.get("grouping"),
                             digits=ss.get("digits") if lang == "bn" else None, usd_rate=usd)


def fmt(x: float | None, scenario: engine.Scenario) -> str:
    return numbers.money(x, style(scenario))


def problems_banner(problems: list) -> None:
    if problems:
        st.error(t("These values are not valid, so the results shown are the last valid ones "
                   "(stale). Your edits are kept; correct them or reset them.") + "\n\n"
                 + "\n".join(f"- `{p.path}`: {p.message}" for p in problems), icon="⚠️")


def month_label(scenario: engine.Scenario, month: int | None, none: str | None = None) -> str:
    """A month counted from the start as every page, table and export shows it ('Sep 2026',
    'সেপ্টেম্বর ২০২৬' in Bangla: engine/fmt.month); `none` (default 'never') when there is
    no month."""
    if month is None:
        return t("never") if none is None else none
    return numbers.month(scenario.start, month, style(scenario))


ICONS = {"error": ":material/error:", "warning": ":material/warning:",
         "info": ":material/info:", "success": ":material/check_circle:"}


def alert(kind: str, body: str, where: Any = st) -> None:
    """An alert (st.error, warning, info, success) whose text may begin with a user's own
    words (a file or buyer named '💰🧵 জুট'): its icon is given, so Streamlit never takes a
    leading emoji of that text for the alert's icon."""
    getattr(where, kind)(body, icon=ICONS[kind])


def label(text: str) -> str:
    """An engine-provided label, unit or name in the language in force (engine catalogue)."""
    return t(text) if text else text


def options_in_language(names: Callable[[Any], str] | dict[Any, str]) -> Callable[[Any], str]:
    """A widget's format_func: each option's English name (`names[option]` or `names(option)`)
    in the language in force now. The language is bound here: Streamlit may call format_func
    outside this rerun (AppTest does), where another language is in force."""
    lang = i18n.current()
    name = names.get if isinstance(names, dict) else names
    return lambda option: t(name(option), lang=lang)


def glossary() -> None:
    """The glossary in the sidebar: jargon in one sentence each."""
    with st.sidebar.expander(t("Words used here")):
        st.markdown("\n".join(f"- **{t(word)}**: {t(meaning)}"
                               for word, meaning in quantities.GLOSSARY))


def readable(df: pd.DataFrame, scenario: engine.Scenario) -> pd.DataFrame:
    """A table of named quantities as finance staff read it: plain column names, each column
    by its unit (taka grouped as the user chose, or US$; % for shares; 2 decimals for ratios)."""
    return translated(quantities.display_frame(df, style(scenario), scenario.start))


def money_table(df: pd.DataFrame, scenario: engine.Scenario) -> pd.DataFrame:
    """A table whose every cell is an amount in taka (or US$)."""
    return df.map(lambda x: numbers.money(x, style(scenario), unit=False))


FORMATS = {"pdf": "PDF", "html": "HTML", "md": "Markdown"}


def document_downloads(scenario: engine.Scenario, audience: str, options, note: str) -> None:
    """A format choice and a download button for the exit-readiness report (donor) or the
    credit memo (lender); the file is built only when it is asked for."""
    from ui import compute, exports
    form = st.radio(t("Format"), list(FORMATS), format_func=FORMATS.get, horizontal=True,
                    key=f"{audience}_format")
    what = t("Download the exit-readiness report ({format})", format=FORMATS[form]) \
        if audience == "donor" else t("Download the credit memo ({format})", format=FORMATS[form])
    st.download_button(what,
                       data=lambda: compute.document_bytes(scenario, audience, form, options),
                       file_name=exports.document_name(scenario, audience, form),
                       mime=exports.MIME[form], key=f"{audience}_download")
    st.caption(note)


def statements_section(scenario: engine.Scenario) -> None:
    """The appraisal statements (income statement, balance sheet, cash flow) by year and the
    NPV, IRR and payback of the group's investment with and without donations."""
    from engine import quantities
    from engine.statements import STATEMENTS
    from ui import compute
    st.subheader(t("Appraisal statements"))
    s = style(scenario)
    with st.expander(t("Income statement, balance sheet and cash flow by year; NPV and IRR")):
        for name, table in compute.statements(scenario, i18n.current()).items():
            st.markdown(t("**{statement}**, taka", statement=label(STATEMENTS[name][0])))
            shown = table.map(numbers.money, style=s, unit=False)
            st.dataframe(translated(shown), key=f"st_{name}")
        a = compute.appraisal(scenario)
        st.markdown(t("**The group's investment before financing** (FAO RuralInvest), "
                      "discounted at {rate} a year",
                      rate=numbers.percent(a.discount_rate.iloc[0], s)))
        shown = quantities.display_frame(a.drop(columns=["discount_rate", "total_flow"]), s,
                                         scenario.start)
        shown.index = [t("with donations"), t("without donations")]
        st.dataframe(translated(shown), key="st_appraisal")


def translated(df: pd.DataFrame) -> pd.DataFrame:
    """A table's column and row labels in the language in force (engine labels are looked up in
    the catalogues; a user's own names have no entry and stay as typed)."""
    out = df.rename(columns=lambda c: label(c) if isinstance(c, str) else c)
    if out.index.dtype == object or str(out.index.dtype) == "str":
        out.index = [label(i) if isinstance(i, str) else i for i in out.index]
    if isinstance(out.index.name, str):
        out.index.name = label(out.index.name)
    return out


def about(ref: str) -> None:
    """What a preset is and where its figures come from: presets/about/NAME.toml holds the
    English description and provenance (`en`) and a Bangla summary (`bn`); in Bangla the summary
    comes first, then the English as the source gives it. Saved and uploaded scenarios have none."""
    text = preset_about(ref.split(":")[0])
    if not text:
        return
    with st.expander(t("About this scenario and its sources")):
        lang = i18n.current()
        if lang != "en" and text.get(lang):
            st.markdown(text[lang])
            st.caption(t("In English, as the source gives it:"))
        st.markdown(text.get("en", ""))


@st.cache_data(show_spinner=False)
def preset_about(name: str) -> dict[str, str]:
    path = PRESETS_DIR / "about" / f"{name}.toml"
    if "/" in name or not path.is_file():
        return {}
    with path.open("rb") as f:
        return {k: v.strip() for k, v in tomllib.load(f).items() if isinstance(v, str)}
