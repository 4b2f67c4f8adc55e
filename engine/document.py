"""Documents people hand on, as data and in three formats: a `Document` is a list of blocks
(headings, paragraphs, bullet lists, tables of already formatted text, charts of numbers) that
engine/report.py fills; this module writes it as PDF (fpdf2), self-contained HTML or Markdown,
and draws its charts as PNG images (matplotlib).

Why these libraries (docs/methodology.md, "Documents"): fpdf2 and matplotlib are maintained,
pure-Python or manylinux wheels from PyPI that install on a fresh Debian machine with no system
library or browser (weasyprint needs Debian's pango; kaleido drives a Chromium).
The PDF embeds DejaVu Sans, which matplotlib ships, so any Latin text prints. A Bangla document
(``lang="bn"``) is set in Noto Sans Bengali (Debian's fonts-noto-core; Lohit Bengali from
fonts-lohit-beng-bengali if that is missing) with DejaVu Sans for Latin letters, and shaped with
HarfBuzz (fpdf2's text shaping through uharfbuzz; matplotlib's own libraqm for charts), so
conjuncts (ক্ষ, স্ত, ন্ত্র) and vowel signs placed before their consonant print as they are read.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from engine import fmt
from engine.i18n import t


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    """Cells as text, already formatted (engine/fmt); the first column is the row's name."""


@dataclass(frozen=True)
class Chart:
    title: str
    x: list[str]
    """A label per point (a month or year)."""
    series: dict[str, list[float]]
    kind: Literal["line", "bar"] = "line"
    unit: Literal["taka", "ratio", "percent"] = "taka"
    lines: dict[str, float] = field(default_factory=dict)
    """Horizontal reference lines: label -> value (the cash reserve, a DSCR target)."""
    marks: dict[str, int] = field(default_factory=dict)
    """Vertical marks: label -> index into x (the exit month)."""


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | Bullets | Table | Chart | PageBreak


@dataclass(frozen=True)
class Document:
    kind: str
    """What it is: "Exit-readiness report", "Credit memo"."""
    scenario: str
    """The scenario's title."""
    date: dt.date
    blocks: list[Block]
    style: fmt.Style = fmt.PLAIN
    lang: str = "en"
    """The language the text is written in ("en", "bn"): it chooses the fonts and the shaping."""

    @property
    def running_head(self) -> str:
        return f"{self.kind}: {self.scenario}"

    @property
    def date_text(self) -> str:
        """The date of preparation; a Bangla document gives the Bengali calendar's date as well:
        "১৬ ডিসেম্বর ২০২৪ (১ পৌষ ১৪৩১)"."""
        text = fmt.long_date(self.date, self.style)
        if self.lang == "bn":
            return f"{text} ({fmt.bangla_date_text(self.date, self.style)})"
        return text

    @property
    def prepared(self) -> str:
        return t("Prepared {date}", date=self.date_text, lang=self.lang)

    def file_stem(self) -> str:
        safe = "".join(c if c.isalnum() else "_" for c in self.scenario).strip("_")
        return f"{safe}_{self.kind.lower().replace(' ', '_').replace('-', '_')}"


# ---- charts -----------------------------------------------------------------------------------

COLOURS = ["#1f5f8b", "#d9822b", "#3a8f5c", "#a23b72", "#6c6c6c"]


def chart_png(chart: Chart, style: fmt.Style = fmt.PLAIN, width_in: float = 7.0,
              height_in: float = 2.8, lang: str = "en") -> bytes:
    """The chart as a PNG image (matplotlib, no display needed). Bangla text is set in the
    Bengali font after DejaVu Sans (each glyph from the first font that has it) and shaped by
    matplotlib's libraqm layout."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    families = ["DejaVu Sans"] + ([] if lang == "en" else [bengali_font().family])
    with matplotlib.rc_context({"font.family": families}):
        fig, ax = plt.subplots(figsize=(width_in, height_in), dpi=150)
        try:
            n = len(chart.x)
            pos = list(range(n))
            names = list(chart.series)
            for i, (name, values) in enumerate(chart.series.items()):
                colour = COLOURS[i % len(COLOURS)]
                if chart.kind == "bar":
                    w = 0.8 / max(1, len(names))
                    ax.bar([p + (i - (len(names) - 1) / 2) * w for p in pos], values, width=w,
                           label=name, color=colour)
                else:
                    ax.plot(pos, values, label=name, color=colour, linewidth=1.6)
            for i, (name, y) in enumerate(chart.lines.items()):
                ax.axhline(y, color="#b22222" if i == 0 else "#555555", linestyle="--",
                           linewidth=1.0, label=name)
            for name, at in chart.marks.items():
                ax.axvline(at, color="#555555", linestyle=":", linewidth=1.0)
                ax.annotate(name, (at, 1.0), xycoords=("data", "axes fraction"), fontsize=7,
                            ha="left", va="top", xytext=(3, -2), textcoords="offset points")

            def y_text(v: float, _: object) -> str:
                if chart.unit == "percent":
                    return fmt.percent(v, style, 0, 0)
                if chart.unit == "ratio":
                    return fmt.number(v, style, 0, 2)
                return fmt.money(v, style, unit=False)

            ax.yaxis.set_major_formatter(FuncFormatter(y_text))
            ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
            ax.xaxis.set_major_formatter(FuncFormatter(
                lambda v, _: chart.x[int(v)] if 0 <= int(v) < n and v == int(v) else ""))
            ax.set_title(chart.title, fontsize=10, loc="left")
            ax.tick_params(labelsize=7)
            ax.grid(axis="y", color="#dddddd", linewidth=0.6)
            ax.spines[["top", "right"]].set_visible(False)
            ax.legend(fontsize=7, frameon=False, loc="best")
            fig.tight_layout()
            buf = io.BytesIO()
            fig.savefig(buf, format="png")
            return buf.getvalue()
        finally:
            plt.close(fig)


# ---- Markdown and HTML --------------------------------------------------------------------------

def to_markdown(doc: Document, image_dir: Path | None = None, image_prefix: str = "") -> str:
    """Markdown text; charts are written as PNG files into `image_dir` (and linked) when given,
    otherwise named only."""
    lines = [f"# {doc.kind}: {doc.scenario}", "", doc.prepared, ""]
    charts = 0
    for b in doc.blocks:
        if isinstance(b, Heading):
            lines += ["#" * (b.level + 1) + " " + b.text, ""]
        elif isinstance(b, Paragraph):
            lines += [f"**{b.text}**" if b.bold else b.text, ""]
        elif isinstance(b, Bullets):
            lines += [f"- {item}" for item in b.items] + [""]
        elif isinstance(b, Table):
            cells = [[c.replace("|", "\\|") for c in row] for row in [b.header, *b.rows]]
            lines += ["| " + " | ".join(cells[0]) + " |",
                      "|" + "|".join(["---"] + ["---:"] * (len(b.header) - 1)) + "|"]
            lines += ["| " + " | ".join(r) + " |" for r in cells[1:]] + [""]
        elif isinstance(b, Chart):
            charts += 1
            if image_dir is not None:
                name = f"{image_prefix}chart_{charts}.png"
                image_dir.mkdir(parents=True, exist_ok=True)
                (image_dir / name).write_bytes(chart_png(b, doc.style, lang=doc.lang))
                lines += [f"![{b.title}]({name})", ""]
            else:
                lines += ["*" + t("Chart: {title}", title=b.title, lang=doc.lang) + "*", ""]
    return "\n".join(lines).rstrip() + "\n"


CSS = """
body { font-family: 'DejaVu Sans', Arial, 'Noto Sans Bengali', 'Lohit Bengali', sans-serif;
       font-size: 10pt; max-width: 190mm; margin: 12mm auto; color: #222; }
header, footer { color: #666; font-size: 8pt; border-bottom: 1px solid #ccc; margin-bottom: 6mm; }
footer { border-top: 1px solid #ccc; border-bottom: none; margin-top: 8mm; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; margin-top: 8mm; } h3 { font-size: 11pt; }
table { border-collapse: collapse; margin: 3mm 0; font-size: 8.5pt; }
th, td { border-bottom: 1px solid #ddd; padding: 1.5mm 2mm; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #eef2f6; }
img { max-width: 100%; }
.pb { page-break-after: always; }
"""


def to_html(doc: Document) -> str:
    """A self-contained HTML page (charts inlined as PNG data)."""
    e = html.escape
    head = f"{e(doc.running_head)} &middot; {e(doc.prepared)}"
    out = ["<!DOCTYPE html>", f"<html lang='{e(doc.lang)}'><head><meta charset='utf-8'>",
           f"<title>{e(doc.running_head)}</title><style>{CSS}</style></head><body>",
           f"<header>{head}</header>", f"<h1>{e(doc.kind)}: {e(doc.scenario)}</h1>"]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out.append(f"<h{b.level + 1}>{e(b.text)}</h{b.level + 1}>")
        elif isinstance(b, Paragraph):
            out.append(f"<p><strong>{e(b.text)}</strong></p>" if b.bold else f"<p>{e(b.text)}</p>")
        elif isinstance(b, Bullets):
            out.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Table):
            rows = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>"
                           for r in b.rows)
            out.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in b.header)
                       + f"</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(b, Chart):
            data = base64.b64encode(chart_png(b, doc.style, lang=doc.lang)).decode("ascii")
            out.append(f"<img alt='{e(b.title)}' src='data:image/png;base64,{data}'>")
        elif isinstance(b, PageBreak):
            out.append("<div class='pb'></div>")
    out += [f"<footer>{head}</footer>", "</body></html>"]
    return "\n".join(out) + "\n"


# ---- PDF ----------------------------------------------------------------------------------------

MAX_COLUMNS = 7
"""Wider tables are split into parts that repeat the first column."""


def _font_dir() -> Path:
    import matplotlib
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@dataclass(frozen=True)
class FontFiles:
    family: str
    regular: Path
    bold: Path
    """The bold face, or the regular one where the family has no bold."""


BENGALI_FAMILIES = ("Noto Sans Bengali", "Lohit Bengali")
"""Bengali fonts from Debian, in order of preference: fonts-noto-core, fonts-lohit-beng-bengali."""


class MissingFont(RuntimeError):
    """No Bengali font is installed: a Bangla PDF or chart cannot be drawn."""


def bengali_font() -> FontFiles:
    """The first of BENGALI_FAMILIES installed (found by matplotlib's font manager, which reads
    the system's font directories); MissingFont when there is none."""
    from matplotlib import font_manager
    for family in BENGALI_FAMILIES:
        try:
            regular = font_manager.findfont(font_manager.FontProperties(family=family),
                                            fallback_to_default=False)
        except ValueError:
            continue
        bold = Path(regular).with_name(Path(regular).name.replace("-Regular", "-Bold"))
        return FontFiles(family, Path(regular), bold if bold.exists() else Path(regular))
    raise MissingFont(t("No Bengali font is installed, so Bangla documents cannot be drawn: "
                        "install Debian's fonts-noto-core (Noto Sans Bengali), for example "
                        "with `apt-get install fonts-noto-core`."))


def to_pdf(doc: Document) -> bytes:
    """The document as A4 PDF: the kind, scenario and date at the top of every page, page
    numbers at the foot."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    bangla = doc.lang != "en"
    body = "Bengali" if bangla else "DejaVu"

    class PDF(FPDF):
        def header(self) -> None:
            self.set_font(body, "", 7.5)
            self.set_text_color(110)
            self.cell(0, 5, doc.running_head, new_x="LMARGIN", new_y="TOP")
            self.cell(0, 5, doc.prepared, align="R", new_x="LMARGIN", new_y="NEXT")
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(3)
            self.set_text_color(0)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(body, "", 7.5)
            self.set_text_color(110)
            self.cell(0, 5, f"{doc.scenario} · {doc.date_text}", new_x="LMARGIN", new_y="TOP")
            # the total is filled in by fpdf2 at the end, in Latin digits: a Bangla page gives
            # its own number only, in the document's digits
            page = (t("Page {page}", page=fmt.number(self.page_no(), doc.style), lang=doc.lang)
                    if bangla else f"Page {self.page_no()} of {{nb}}")
            self.cell(0, 5, page, align="R")
            self.set_text_color(0)

    pdf = PDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(doc.running_head)
    pdf.set_creator("subsidy-exit")
    pdf.set_creation_date(dt.datetime.combine(doc.date, dt.time(), tzinfo=dt.UTC))
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    if bangla:
        bengali = bengali_font()
        pdf.add_font("Bengali", "", str(bengali.regular))
        pdf.add_font("Bengali", "B", str(bengali.bold))
        pdf.set_fallback_fonts(["DejaVu"])     # Latin letters (names, DSCR) from DejaVu Sans
        pdf.set_text_shaping(True)             # HarfBuzz (uharfbuzz): conjuncts and vowel signs
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_margins(14, 12, 14)
    pdf.add_page()
    pdf.set_font(body, "B", 16)
    pdf.multi_cell(0, 8, f"{doc.kind}: {doc.scenario}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for b in doc.blocks:
        if isinstance(b, Heading):
            if pdf.get_y() > pdf.h - 50:
                pdf.add_page()
            pdf.ln(3 if b.level > 1 else 4)
            pdf.set_font(body, "B", 12.5 if b.level == 1 else 10.5)
            pdf.multi_cell(0, 6, b.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif isinstance(b, Paragraph):
            pdf.set_font(body, "B" if b.bold else "", 9.5)
            pdf.multi_cell(0, 5, b.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        elif isinstance(b, Bullets):
            pdf.set_font(body, "", 9.5)
            for item in b.items:
                pdf.set_x(pdf.l_margin + 3)
                pdf.multi_cell(width - 3, 5, f"• {item}", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        elif isinstance(b, Table):
            parts = _split_columns(b)
            for part in parts:
                pdf.set_font(body, "", 7.5 if len(part.header) > 4 else 8.5)
                first = min(70.0, max(40.0, width * 0.34)) if len(part.header) > 2 else width * 0.5
                rest = (width - first) / max(1, len(part.header) - 1)
                with pdf.table(col_widths=(first, *[rest] * (len(part.header) - 1)),
                               width=width, text_align=("LEFT", *["RIGHT"] *
                                                        (len(part.header) - 1)),
                               headings_style=FontFace(emphasis="BOLD", fill_color=(238, 242, 246)),
                               line_height=4.2, padding=1, borders_layout="HORIZONTAL_LINES",
                               repeat_headings=1) as table:
                    for row in [part.header, *part.rows]:
                        r = table.row()
                        for cell in row:
                            r.cell(cell)
                pdf.ln(2.5)
        elif isinstance(b, Chart):
            png = chart_png(b, doc.style, lang=doc.lang)
            h = width * 2.8 / 7.0
            if pdf.get_y() + h > pdf.h - 18:
                pdf.add_page()
            pdf.image(io.BytesIO(png), w=width, h=h)
            pdf.ln(2)
        elif isinstance(b, PageBreak):
            pdf.add_page()
    return bytes(pdf.output())


def _split_columns(t: Table) -> list[Table]:
    """A wide table as parts of at most MAX_COLUMNS columns, each with the first column."""
    if len(t.header) <= MAX_COLUMNS:
        return [t]
    step = MAX_COLUMNS - 1
    return [Table([t.header[0], *t.header[i:i + step]],
                  [[r[0], *r[i:i + step]] for r in t.rows])
            for i in range(1, len(t.header), step)]


def write(doc: Document, out_dir: Path, form: Literal["pdf", "html", "md"]) -> Path:
    """The document into `out_dir` (created if missing) as `<scenario>_<kind>.<form>`; Markdown
    writes its charts beside it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{doc.file_stem()}.{form}"
    if form == "pdf":
        path.write_bytes(to_pdf(doc))
    elif form == "html":
        path.write_text(to_html(doc), encoding="utf-8")
    else:
        path.write_text(to_markdown(doc, out_dir, f"{doc.file_stem()}_"), encoding="utf-8")
    return path
