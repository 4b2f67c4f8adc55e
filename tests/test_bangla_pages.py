"""Each page at ?lang=bn shows no English text written by the interface (ui/, app.py).

AppTest runs every page in Bangla and collects what a user reads: titles, headers, labels, help
bubbles, options, captions, messages, metric labels, expander and tab labels, table headers and
the charts' titles, axes, legends and annotations. Two checks:

- the interface's own text: no prose literal of ui/ or app.py (a string with two English words
  or more, found by walking the code's syntax tree) appears in the Bangla page. This catches any
  string that does not go through `t`, and any `t` message the catalogue leaves untranslated.
- every English word on the page is on purpose: a name from the scenario itself (its items, units,
  titles, sources, its English description), a unit or acronym kept on purpose (ALLOWED), a
  parameter path or a code span (the codes a file holds, such as `declining_balance`, are
  written as code in the help bubbles). Text the engine writes (field labels and meanings,
  verdicts, table columns: the `engine` catalogue) gets no allowance: engine.po translates it.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import engine
from engine import i18n
from engine.scenario import PAYER_NAMES

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")

PAGES = [("overview", "modhupur_pineapple"), ("producer", "modhupur_pineapple:pran_contract"),
         ("compare", "modhupur_pineapple"), ("risk", "bogra_handicrafts"),
         ("loan_officer", "modhupur_pineapple"), ("facilitator", "bogra_handicrafts"),
         ("portfolio", "bogra_handicrafts"), ("casefile", "bogra_handicrafts")]
"""The pages that are complete in Bangla, each with a scenario that shows all of it."""

ALLOWED = {
    # acronyms and units kept on purpose (explained in the glossary, or a file format)
    "DSCR", "OSS", "FSS", "HHI", "NPV", "IRR", "APR", "EIR", "TOML", "XLSX", "CSV", "PDF",
    "HTML", "Markdown", "Excel", "FAO", "RuralInvest", "true", "false",
    # the language switch names both languages
    "Language", "English",
    # names of methods and sources, kept as the field writes them (the sources are English
    # publications): Monte Carlo, Fineract, MicroFinance Transparency, CGAP, OECD, DCED; PMT
    # and PAR are the spreadsheet function and the portfolio-at-risk ratio
    "Monte", "Carlo", "Fineract", "MicroFinance", "Transparency", "CGAP", "OECD", "DCED",
    "PMT", "PAR",
    # placeholders of what a user types: a month as YYYY-MM, a loan's path loans.NAME.field
    "YYYY", "NAME",
}

WORD = re.compile(r"[A-Za-z][A-Za-z'’]{2,}")
CODE = re.compile(r"`[^`]*`")
PATH = re.compile(r"^[a-z_][a-z0-9_]*([.\[][a-z0-9_\]]*)+$|^[a-z0-9_]+(:[a-z0-9_]+)?$")
# the payers' codes a cost-share table holds (donor, ngo, lead_firm), typed as they are in the
# Case file's payer box; the pages name the payers in words (scenario.PAYER_NAMES)
ALLOWED |= set(WORD.findall(" ".join(PAYER_NAMES)))


def literals_of(files, words: int = 2) -> set[str]:
    """Prose in code: string constants (and f-string pieces, split at placeholders) with
    `words` English words or more, docstrings left out."""
    found = set()
    for path in files:
        tree = ast.parse(path.read_text())
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef)
                      and n.body and isinstance(n.body[0], ast.Expr)
                      and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and id(node) not in docstrings:
                for piece in re.split(r"\{[^}]*\}", node.value):
                    piece = piece.strip(" .,:;()-—\n")
                    if len(WORD.findall(piece)) >= words and "%{" not in piece:
                        found.add(piece)
    return found


def interface_literals() -> set[str]:
    """The interface's own prose (ui/, app.py), less what the engine also writes (a quantity's
    label the UI names too is the engine's text)."""
    ours = literals_of([ROOT / "app.py", *sorted((ROOT / "ui").rglob("*.py"))], 1)
    engine_text = literals_of(sorted((ROOT / "engine").rglob("*.py")), 1)
    prose = "\n".join(x for x in engine_text if len(WORD.findall(x)) >= 2)
    return {piece for piece in ours if piece not in engine_text and piece not in prose}


def scenario_words(ref: str) -> set[str]:
    """Every word of the scenario's own text: names, units, titles, sources, and its preset's
    English description (presets/about)."""
    scenario = engine.load_scenario(ref)
    words = set(WORD.findall(" ".join(engine.preset_names())))   # the sidebar lists them all

    def walk(x):
        if isinstance(x, str):
            words.update(WORD.findall(x))
        elif isinstance(x, dict):
            for k, v in x.items():
                words.update(WORD.findall(str(k)))
                walk(v)
        elif isinstance(x, list | tuple):
            for v in x:
                walk(v)
    walk(scenario.model_dump())
    from ui.pages.common import preset_about
    walk(preset_about(ref.split(":")[0]).get("en", ""))   # the description, English on purpose
    return words


def texts(at: AppTest) -> list[str]:
    """What a user reads on the page."""
    out = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.extend(proto_texts(proto))
        if type(node).__name__ == "Dataframe":
            frame = node.value
            out.extend(str(c) for c in frame.columns)
            out.extend(str(i) for i in frame.index if isinstance(i, str))
        children = getattr(node, "children", None) or {}
        for child in children.values() if isinstance(children, dict) else children:
            walk(child)
    walk(at._tree)
    return [x for x in out if x]


TEXT_FIELDS = {"label", "body", "help", "placeholder", "options", "title", "caption", "text",
               "name"}


def proto_texts(proto) -> list[str]:
    from google.protobuf.json_format import MessageToDict
    data = MessageToDict(proto, preserving_proto_field_name=True)
    out = []
    if "spec" in data:   # a Plotly chart: titles, axes, legends, annotations
        spec = json.loads(data["spec"])
        layout = spec.get("layout", {})
        for value in layout.values():
            if isinstance(value, dict) and isinstance(value.get("title"), dict):
                out.append(value["title"].get("text", ""))
        title = layout.get("title")
        out.append(title.get("text", "") if isinstance(title, dict) else title or "")
        out += [a.get("text", "") for a in layout.get("annotations", [])]
        out += [s.get("label", {}).get("text", "") for s in layout.get("shapes", [])]
        out += [trace.get("name", "") for trace in spec.get("data", [])]
        return [x for x in out if isinstance(x, str)]

    def walk(x, key=""):
        if isinstance(x, dict):
            for k, v in x.items():
                walk(v, k)
        elif isinstance(x, list):
            for v in x:
                walk(v, key)
        elif isinstance(x, str) and key in TEXT_FIELDS:
            out.append(x)
    walk(data)
    return out


@pytest.fixture(scope="module")
def literals():
    return interface_literals()


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("SUBSIDY_EXIT_WORKSPACE", str(tmp_path / "workspace"))


def bangla_page(page: str, ref: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "bn"
    at.query_params["scenario"] = ref
    at.run()
    if page != "overview":
        at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(("page", "ref"), PAGES)
def test_page_in_bangla_has_no_english_interface_text(page, ref, literals):
    shown = texts(bangla_page(page, ref))
    assert any(re.search("[\u0980-\u09ff]", x) for x in shown)
    kept = scenario_words(ref)
    # a prose literal inside what is shown, or a one-word literal that is all that is shown
    untranslated = sorted({piece for piece in literals for x in shown
                           if (piece in CODE.sub("", x) if len(WORD.findall(piece)) >= 2
                               else piece == x.strip())
                           and not set(WORD.findall(piece)) <= kept | ALLOWED})
    assert not untranslated, f"English interface text on the {page} page: {untranslated[:15]}"
    stray = set()
    for x in shown:
        if PATH.match(x.strip()):
            continue
        stray |= set(WORD.findall(CODE.sub("", x))) - kept - ALLOWED
    assert not stray, f"English words on the {page} page: {sorted(stray)[:30]}"


def test_an_unknown_language_is_named_and_the_page_is_english():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "xx"
    at.run()
    assert not at.exception
    assert at.session_state.lang == "en"
    [warning] = [w.value for w in at.warning if "'xx'" in w.value]
    assert warning == ("Language 'xx' is not offered; choose one of: bn, en. "
                       "The page is shown in English.")
    assert at.metric[0].label == "Exit month"


def test_the_language_travels_in_the_link():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "bn"
    at.run()
    assert at.query_params["lang"] == "bn"
    assert at.metric[0].label == "ভর্তুকি ছাড়ার মাস"
    at.radio(key="lang").set_value("en").run()
    assert "lang" not in at.query_params
    assert at.metric[0].label == "Exit month"


def test_every_preset_has_an_english_description_and_a_bangla_summary():
    from ui.pages.common import preset_about
    for name in engine.preset_names():
        about = preset_about(name)
        assert about["en"].startswith("**") and "Source:" in about["en"], name
        assert re.search("[\u0980-\u09ff]{20}", about["bn"].replace(" ", "")), name


def test_date_axes_name_months_in_bangla():
    from engine import fmt
    from ui import figures
    s = engine.load_scenario("modhupur_pineapple")   # 2001-03 for 60 months: to 2006-02
    p = engine.project(s)
    with i18n.language("bn"):
        fig = figures.styled(figures.cash_chart(p.monthly, s.group.cash_reserve, None),
                             fmt.style_for("bn"))
    # one tick each January within the plan: 2002 to 2006, in Bangla with Bengali digits
    assert list(fig.layout.xaxis.ticktext) == ["জানুয়ারি ২০০২", "জানুয়ারি ২০০৩", "জানুয়ারি ২০০৪",
                                              "জানুয়ারি ২০০৫", "জানুয়ারি ২০০৬"]
    assert fig.layout.xaxis.type == "category"   # each month named: the hover says it too
    english = figures.styled(figures.cash_chart(p.monthly, s.group.cash_reserve, None),
                             fmt.style_for("en"))
    assert english.layout.xaxis.ticktext is None


def test_switching_to_bangla_groups_as_a_bangla_link_does():
    """One link, one form of a number: switching the language in the sidebar takes the
    language's grouping (lakh in Bangla), as opening the page with ?lang=bn does."""
    switched = AppTest.from_file(APP, default_timeout=60)
    switched.query_params["scenario"] = "modhupur_pineapple"
    switched.run()
    switched.radio(key="lang").set_value("bn").run()
    fresh = bangla_page("overview", "modhupur_pineapple")
    assert switched.session_state.grouping == fresh.session_state.grouping == "lakh"
    values = [m.value for m in switched.metric]
    assert values == [m.value for m in fresh.metric]
    # a lakh-grouped amount of six or more digits: 8,81,469 -> ৮,৮১,৪৬৯ (pairs before the last 3)
    assert any(re.search("[০-৯]{1,2}(,[০-৯]{2})+,[০-৯]{3}", v) for v in values), values
    switched.radio(key="lang").set_value("en").run()
    assert switched.session_state.grouping == "international"


def test_the_loan_verdict_writes_numbers_in_the_digits_chosen():
    """Bangla with Latin digits (?digits=latin): the lender's verdict writes its DSCR, amounts
    and years in Latin digits like the metrics above it (the words stay Bangla)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"lang": "bn", "digits": "latin", "scenario": "modhupur_pineapple"})
    at.run()
    at.switch_page("views/loan_officer.py").run()
    assert not at.exception
    lowest = engine.project(engine.load_scenario("modhupur_pineapple")).summary["min_dscr_12m"]
    [verdict] = [w.value for w in at.warning if "DSCR" in w.value]
    assert f"{lowest:.2f}" in verdict and "২০০২" not in verdict and "2002" in verdict, verdict
