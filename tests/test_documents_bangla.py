"""Bangla documents: a PDF set in a Bengali font from Debian, embedded, with conjuncts shaped by
HarfBuzz; read back with pdftotext and pdffonts (poppler-utils). pdftotext puts a space before a
vowel sign that is drawn before its consonant (কি স্তি), so words are compared with white space
removed; the shapes themselves were checked by eye on pages drawn with pdftoppm."""

import datetime as dt
import re
import shutil
import subprocess

import pytest

from engine import fmt
from engine.document import (
    Bullets,
    Chart,
    Document,
    Heading,
    MissingFont,
    Paragraph,
    Table,
    bengali_font,
    chart_png,
    to_html,
    to_markdown,
    to_pdf,
)

try:
    bengali_font()
except MissingFont:
    pytestmark = pytest.mark.skip(reason="no Bengali font (Debian's fonts-noto-core); "
                                         ".ci/run installs it")
BN = fmt.style_for("bn")
# words with conjuncts (ক্ষ, স্ত, ন্ত্র, স্থ) and vowel signs drawn before the consonant (ি, ে, ো)
WORDS = ["ঋণ পরিশোধের ক্ষমতা", "কিস্তি", "মন্ত্রণালয়", "প্রস্থান-প্রস্তুতি প্রতিবেদন",
         "স্বাবলম্বী"]
DAY = dt.date(2024, 12, 16)


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} (Debian's poppler-utils) is not installed; .ci/run installs it")
    return path


def bangla_document() -> Document:
    months = [fmt.month("2024-01", m, BN) for m in range(6)]
    return Document(
        kind="প্রস্থান-প্রস্তুতি প্রতিবেদন", scenario="Modhupur Pineapple Association",
        date=DAY, style=BN, lang="bn", blocks=[
            Heading("সারসংক্ষেপ"),
            Paragraph(f"{WORDS[0]}: প্রতি {WORDS[1]} {fmt.money(1_234_567, BN)}।", bold=True),
            Bullets([f"{WORDS[2]} ও {WORDS[4]} দল", "DSCR ১.২৫ (ঋণ পরিশোধ সক্ষমতা অনুপাত)"]),
            Table(["মাস", "নগদ স্থিতি"], [[m, fmt.money(-12_345 * i, BN)]
                                         for i, m in enumerate(months)]),
            Chart("নগদ স্থিতি (টাকা)", months, {"নগদ": [0, 1e5, 2e5, 1.5e5, 3e5, 2.5e5]},
                  lines={"সংরক্ষিত নগদ": 1e5}, marks={"প্রস্থান": 3}),
        ])


def pdf_text(data: bytes, tmp_path) -> tuple[str, str]:
    path = tmp_path / "bn.pdf"
    path.write_bytes(data)
    text = subprocess.run([poppler("pdftotext"), "-layout", str(path), "-"], capture_output=True,
                          check=True, text=True).stdout
    fonts = subprocess.run([poppler("pdffonts"), str(path)], capture_output=True, check=True,
                           text=True).stdout
    return text, fonts


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_a_bangla_pdf_holds_its_words_in_an_embedded_bengali_font(tmp_path):
    doc = bangla_document()
    text, fonts = pdf_text(to_pdf(doc), tmp_path)
    for word in [*WORDS, "সারসংক্ষেপ", "১২,৩৪,৫৬৭৳", "-৬১,৭২৫৳", "জুন ২০২৪",
                 "প্রস্তুত: ১৬ ডিসেম্বর ২০২৪ (১ পৌষ ১৪৩১)", "পৃষ্ঠা ১",
                 "Modhupur Pineapple Association", "DSCR"]:
        assert squeeze(word) in squeeze(text), word
    embedded = {line.split()[0].split("+")[-1]: line.split()[-5]
                for line in fonts.splitlines()[2:]}
    family = bengali_font().family.replace(" ", "")
    assert embedded[family] == "yes", fonts            # Noto Sans Bengali, embedded (subset)
    assert embedded[family + "Bold"] == "yes", fonts   # headings in its bold face
    assert embedded["DejaVuSansBook"] == "yes", fonts  # Latin letters from DejaVu Sans


def test_shaping_forms_conjuncts_rather_than_a_visible_hasanta():
    # HarfBuzz with Noto Sans Bengali draws ক্ষ as one glyph: ক + ্ + ষ shape to fewer glyphs
    # than code points; an unshaped run would draw three glyphs, the hasanta visible
    import uharfbuzz as hb
    blob = hb.Blob.from_file_path(str(bengali_font().regular))
    font = hb.Font(hb.Face(blob))
    for word in ("ক্ষ", "স্ত", "ন্ত্র"):
        buf = hb.Buffer()
        buf.add_str(word)
        buf.guess_segment_properties()
        hb.shape(font, buf)
        assert len(buf.glyph_infos) < len(word), word


def test_bangla_chart_html_and_markdown(tmp_path):
    doc = bangla_document()
    png = chart_png(doc.blocks[-1], BN, lang="bn")           # type: ignore[arg-type]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    page = to_html(doc)
    assert "<html lang='bn'>" in page and "Noto Sans Bengali" in page
    assert "প্রস্তুত: ১৬ ডিসেম্বর ২০২৪ (১ পৌষ ১৪৩১)" in page
    md = to_markdown(doc)
    assert md.startswith("# প্রস্থান-প্রস্তুতি প্রতিবেদন: Modhupur Pineapple Association")
    assert "*চার্ট: নগদ স্থিতি (টাকা)*" in md


def test_english_documents_keep_page_totals_and_dejavu(tmp_path):
    doc = Document("Credit memo", "Bogra", DAY, [Paragraph("Cash")])
    text, fonts = pdf_text(to_pdf(doc), tmp_path)
    assert "Page 1 of 1" in text and "Prepared 16 December 2024" in text
    assert "Bengali" not in fonts


# ---- the reports themselves, in Bangla ---------------------------------------------------------

def test_exit_report_in_bangla_reads_back_with_its_verdict_and_headings(tmp_path):
    import engine
    from engine import i18n
    from engine.report import Options, exit_report
    from engine.verdict import exit_verdict
    s = engine.load_scenario("bogra_handicrafts")
    with i18n.language("bn"):
        doc = exit_report(s, Options(date=DAY))
        verdict = exit_verdict(s, engine.project(s).summary)
    assert doc.lang == "bn" and doc.style == BN
    text, fonts = pdf_text(to_pdf(doc), tmp_path)
    flat = squeeze(text)
    for words in ["ভর্তুকি ছাড়ার প্রস্তুতি প্রতিবেদন", "সারসংক্ষেপ", verdict,
                  "পরিকল্পিত মোট ভর্তুকি", "৪,৩৬,৫০০৳",          # 436,500 taka (README's table)
                  "পরিভাষা", "অনুমান ও তাদের উৎস", "প্রস্তুত: ১৬ ডিসেম্বর ২০২৪ (১ পৌষ ১৪৩১)"]:
        assert squeeze(words) in flat, words
    assert "NotoSansBengali" in fonts
    # no English sentence of the report's own is left (names, sources and acronyms may be)
    for english in ("Summary", "Exit month", "Glossary", "Total subsidy", "Prepared", "Page "):
        assert english not in text, english


def test_credit_memo_in_bangla_through_the_cli(tmp_path, capsys):
    from engine.cli import main
    assert main(["--lang", "bn", "report", "modhupur_pineapple", "--for", "lender",
                 "--format", "pdf", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("লেখা হয়েছে: ")
    pdf = next(tmp_path.glob("*.pdf"))
    text, fonts = pdf_text(pdf.read_bytes(), tmp_path)
    flat = squeeze(text)
    for words in ["ঋণ প্রস্তাবের স্মারক", "রায়", "নীতি পূরণ করে না।", "পরিশোধ সূচি",
                  "ঋণ পরিশোধের সক্ষমতা", "১৪,৫০,০০০৳"]:      # SIBL's third loan, 1.45 million
        assert squeeze(words) in flat, words
    assert "NotoSansBengaliBold" in fonts
