"""The Bangla pages in a real browser (Playwright driving Debian's chromium): every page at
?lang=bn renders its Bengali text with a font that has the glyphs (no missing-glyph boxes), shows
no English interface text (the AppTest check's rules, on what the browser draws), and its
screenshot goes to docs/screenshots/NAME_bn.png with `make screenshots`. `make test` checks the
Overview page only (a page load costs ~8 s); `make screenshots` checks and takes every page.

Missing glyphs: each Bengali letter on the page is drawn on a canvas in the page's own font and
compared, pixel by pixel, with an unassigned code point of the Bengali block (U+0984), which every
font draws as its missing-glyph box; a letter drawn identically is a box. Skipped, with the
reason, without chromium or without a Bengali font (`fc-list :lang=bn`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.test_bangla_pages import (
    ALLOWED,
    CODE,
    PATH,
    WORD,
    interface_literals,
    scenario_words,
)
from tests.test_bangla_pages import PAGES as COMPLETE
from tests.test_browser import (  # noqa: F401 (fixtures)
    CHROMIUM,
    GROUPS_CSV,
    browser,
    server,
    shots_dir,
    upload_groups,
)

pytestmark = pytest.mark.skipif(
    not shutil.which("fc-list") or not subprocess.run(
        ["fc-list", ":lang=bn"], capture_output=True, text=True).stdout.strip()
    or not os.path.exists(CHROMIUM),
    reason="no Bengali font or no chromium (apt-get install fonts-noto-core chromium; .ci/run "
    "installs both)")

PAGES = [("overview", "", "modhupur_pineapple"),
         ("producer", "producer", "modhupur_pineapple:pran_contract"),
         ("loan_officer", "loan_officer", "modhupur_pineapple"),
         ("facilitator", "facilitator", "bogra_handicrafts"),
         ("compare", "compare", "modhupur_pineapple"),
         ("risk", "risk", "bogra_handicrafts"),
         ("casefile", "casefile", "bogra_handicrafts"),
         ("portfolio", "portfolio", "bogra_handicrafts")]
WITHOUT_CHARTS = {"casefile": "stMetricValue", "portfolio": "stFileUploaderDropzone"}
"""Pages with no chart, and what shows that they have been drawn."""

STREAMLIT = {"Upload", "per", "file", "Deploy", "Running", "Stop", "Skip", "main", "content",
             "add", "icon"}
"""Words Streamlit's own controls draw in English (the file uploader, its "add icon" to add a
file, "Skip to main content")."""
COMMANDS = {"subsidy", "exit", "params"}
"""The command line's commands, named in code spans (`subsidy-exit params`), which a browser's
text shows without their backticks."""

MISSING_GLYPHS = """() => {
  const font = getComputedStyle(document.querySelector('[data-testid="stMain"]')).fontFamily;
  const letters = [...new Set(document.body.innerText.match(/[\\u0985-\\u09b9\\u09e6-\\u09ef]/g)
                              || [])];
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext('2d');
  const draw = (ch) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = '40px ' + font;
    ctx.fillText(ch, 8, 48);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(',');
  };
  const box = draw('\\u0984');
  return {font, letters: letters.length, missing: letters.filter((ch) => draw(ch) === box)};
}"""


def open_bangla(chromium, url, path, ref):
    from playwright.sync_api import expect
    page = chromium.new_page(viewport={"width": 1280, "height": 1600})
    page.goto(f"{url}/{path}?lang=bn&scenario={ref}")
    drawn = WITHOUT_CHARTS.get(path, "stPlotlyChart")
    expect(page.get_by_test_id(drawn).first).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.wait_for_timeout(800)
    return page


@pytest.mark.parametrize(("name", "path", "ref"), PAGES if os.environ.get(
    "UPDATE_SCREENSHOTS") == "1" else PAGES[:1])   # make test: one page; make screenshots: all
def test_bangla_page_has_its_glyphs_and_no_english_interface_text(server, browser, shots_dir,  # noqa: F811
                                                                  name, path, ref, tmp_path):
    page = open_bangla(browser, server, path, ref)
    if name == "portfolio":   # a file of groups, two with problems the page names in Bangla
        upload_groups(page, tmp_path)
    glyphs = page.evaluate(MISSING_GLYPHS)
    assert glyphs["letters"] > 20, glyphs
    assert not glyphs["missing"], f"drawn as missing-glyph boxes in {glyphs['font']}: {glyphs}"
    if name in {page_name for page_name, _ in COMPLETE}:   # pages complete in Bangla
        no_english(page.evaluate("document.body.innerText"), name, ref,
                   set(WORD.findall(GROUPS_CSV + " groups.csv")) if name == "portfolio" else set())
    page.evaluate("document.querySelector('[data-testid=\"stMain\"]')?.scrollTo(0, 0)")
    page.screenshot(path=str(shots_dir / f"{name}_bn.png"), full_page=True)
    page.close()


def no_english(shown: str, name: str, ref: str, typed: set[str] = frozenset()) -> None:
    """No interface literal and no English word on the page, but the scenario's own words, the
    allowed ones and `typed` (what an uploaded file holds: names, paths, values)."""
    literals = [p for p in interface_literals() if len(WORD.findall(p)) >= 2]
    untranslated = sorted({p for p in literals if p in CODE.sub("", shown)
                           and not set(WORD.findall(p)) <= scenario_words(ref) | ALLOWED | typed})
    assert not untranslated, untranslated
    stray = set()
    for line in shown.splitlines():
        if not PATH.match(line.strip()):
            stray |= {w.strip("'’") for w in WORD.findall(CODE.sub("", line))}
    stray -= scenario_words(ref) | ALLOWED | STREAMLIT | COMMANDS | typed
    assert not stray, (f"English words on the {name} page in Bangla: {sorted(stray)[:30]}",
                       [x for x in shown.splitlines() if set(WORD.findall(x)) & stray][:5])


def test_bengali_digits_on_the_page(server, browser):  # noqa: F811
    page = open_bangla(browser, server, "", "modhupur_pineapple")
    metric = page.get_by_test_id("stMetricValue").nth(2).inner_text()
    assert re.search("[০-৯]", metric) and not re.search("[0-9]", metric), metric
    page.close()


def test_switching_to_bangla_keeps_every_choice_and_then_an_edit_names_nothing(
        server, browser):  # noqa: F811
    """Review of #15: after the language switch the browser kept each drop-down's English
    label, which Streamlit read as a value of its own; one edit on the Case file then named 14
    values ("14টি মান ঠিক করা দরকার") and froze every figure. The Case file in English, switched
    to বাংলা, takes an edit (members 262) and names no problem; the Loan officer's chosen stress
    tests then show in Bangla."""
    from playwright.sync_api import expect
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    page.goto(f"{server}/casefile?scenario=modhupur_pineapple")
    expect(page.get_by_test_id("stMetricValue").first).to_be_visible(timeout=60_000)
    page.get_by_text("বাংলা").first.click()
    members = page.get_by_role("textbox", name="সদস্য (জন)", exact=True).first
    expect(members).to_be_visible(timeout=60_000)
    members.fill("262")
    members.press("Enter")
    page.wait_for_timeout(3000)                  # the edit's rerun
    expect(page.get_by_test_id("stMetricValue").first).to_be_visible(timeout=60_000)
    assert members.input_value() == "২৬২" or members.input_value() == "262"
    assert "ঠিক করা দরকার" not in page.evaluate("document.body.innerText")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.get_by_role("link", name="ঋণ কর্মকর্তা").first.click()
    expect(page.get_by_text("ঋণ প্রস্তাবের স্মারক").first).to_be_visible(timeout=60_000)
    page.wait_for_timeout(1500)
    shown = page.evaluate("document.body.innerText")
    assert "দাম -১০%" in shown and "price -10%" not in shown
    page.close()
