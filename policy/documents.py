"""Printable documents for citizens (refusal letter, receipt) as PDF, with fpdf2.

Citizens' names are not all Latin-1 (Şükrü, Łukasz, Nguyễn, Οδυσσέας): the documents use
DejaVu Sans, shipped in resources/fonts (Bitstream Vera licence) and embedded as a subset, so
every PDF reader shows the names as written. Right-to-left scripts and CJK are not shaped or
covered (that would need HarfBuzz and a much larger font). Control characters and bidi
overrides are shown escaped (`policy.display.visible`): a name cannot turn a line around.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from audio.durable import write_atomic
from policy.display import visible
from resources import path as resource_path

FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
NOTICE_LINE = 3.6  # mm: a line of the notice at the foot of every page
NOTICE_BOTTOM = 8.0  # mm: between the notice's last line and the paper's edge


MONTHS = {
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def long_date(day: date, lang: str) -> str:
    """28 november 2026 / 28 November 2026: how a letter writes a date."""
    return f"{day.day} {MONTHS.get(lang, MONTHS['nl'])[day.month - 1]} {day.year}"


def render_pdf(
    path: Path,
    title: str,
    sections: Sequence[tuple[str, str]],
    *,
    footer: str = "",
    page_notice: str = "",
    link: str | None = None,
    link_caption: str = "",
) -> None:
    """Write a simple A4 document: a title and sections of (heading, text).

    `page_notice` stands at the foot of every page (rule c's private-use notice on a receipt);
    `link` is printed with a QR code beside its caption (where the municipality publishes its
    fingerprints). Written to a temporary name and renamed, so a full disk never leaves half a
    letter. Every text is shown with its control and bidi characters escaped (line breaks stay).
    """
    from fpdf import FPDF  # imported here: it pulls in Pillow, which nothing else needs

    notice = visible(page_notice, lines=True)

    class Document(FPDF):
        def notice_height(self) -> float:
            """The notice's height at the foot of a page: every line of it stands on the page
            (a fixed height cut the last line of a notice in two languages off the page)."""
            self.set_font(FONT, "I", 7.5)
            lines = self.multi_cell(0, NOTICE_LINE, notice, dry_run=True, output="LINES")
            assert isinstance(lines, list)
            return len(lines) * NOTICE_LINE

        def footer(self) -> None:
            if not notice:
                return
            self.set_y(-(self.notice_height() + NOTICE_BOTTOM))
            self.set_font(FONT, "I", 7.5)
            self.multi_cell(0, NOTICE_LINE, notice, new_x="LMARGIN", new_y="NEXT", align="C")

    pdf = Document(format="A4")
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, str(resource_path("fonts", name)))
    title, footer = visible(title, lines=True), visible(footer, lines=True)
    sections = [(visible(h, lines=True), visible(t, lines=True)) for h, t in sections]
    pdf.set_title(title)
    pdf.set_creator("Gespreksopname")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    if notice:  # the text stops above the notice, never under it
        pdf.set_auto_page_break(auto=True, margin=pdf.notice_height() + NOTICE_BOTTOM + 4)
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(3)
    for heading, text in sections:
        if heading:
            pdf.set_font(FONT, "B", 11)
            pdf.multi_cell(0, 6, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 10.5)
        pdf.multi_cell(0, 5.2, text, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(4)
    if link:
        _link_with_qr(pdf, link, visible(link_caption, lines=True))
    if footer:
        pdf.set_font(FONT, "I", 8.5)
        pdf.multi_cell(0, 4.5, footer, new_x="LMARGIN", new_y="NEXT")
    write_atomic(path, bytes(pdf.output()), private=False)  # handed to a citizen, like its folder


def _link_with_qr(pdf: Any, link: str, caption: str) -> None:
    """A QR code of `link` (30 mm, its quiet zone included) with the caption and the link beside
    it, kept together on one page."""
    import io

    import segno

    size = 30.0
    if pdf.get_y() + size > pdf.h - 24:
        pdf.add_page()
    top = pdf.get_y()
    image = io.BytesIO()
    segno.make(link, error="m").save(image, kind="png", scale=6, border=2)
    image.seek(0)
    pdf.image(image, x=pdf.l_margin, y=top, w=size, h=size)
    pdf.set_xy(pdf.l_margin + size + 4, top + 2)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 5, caption, new_x="LEFT", new_y="NEXT", align="L")
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 5, link, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_y(max(pdf.get_y(), top + size) + 4)


def render_columns_pdf(
    path: Path,
    title: str,
    columns: Sequence[Sequence[tuple[str, str]]],
    *,
    footer: str = "",
    sizes: Sequence[float] = (8.5, 8.0, 7.5, 7.0, 6.5),
) -> None:
    """One A4 page of columns side by side (a sheet in Dutch and English): a title across the
    page, then each column's sections of (heading, text), then the footer under the longest
    column. The first of `sizes` with which everything fits on one page is used (the last
    one otherwise). Escaped and written as `render_pdf` does."""
    for size in sizes:
        pdf = _columns(title, columns, footer, size)
        if pdf.pages_count == 1:
            break
    write_atomic(path, bytes(pdf.output()), private=False)  # handed to a citizen


def _columns(
    title: str, columns: Sequence[Sequence[tuple[str, str]]], footer: str, size: float
) -> Any:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, str(resource_path("fonts", name)))
    title, footer = visible(title, lines=True), visible(footer, lines=True)
    pdf.set_title(title)
    pdf.set_creator("Gespreksopname")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(15, 14, 15)
    pdf.add_page()
    pdf.set_font(FONT, "B", 12.5)
    pdf.multi_cell(0, 6, title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(3)
    gutter = 8.0
    width = (pdf.w - pdf.l_margin - pdf.r_margin - gutter * (len(columns) - 1)) / len(columns)
    top, bottom, line = pdf.get_y(), pdf.get_y(), size * 0.48
    for index, sections in enumerate(columns):
        x, y = pdf.l_margin + index * (width + gutter), top
        for heading, text in sections:
            pdf.set_xy(x, y)
            if heading:
                pdf.set_font(FONT, "B", size + 1.5)
                pdf.multi_cell(width, line + 1, visible(heading, lines=True), new_x="LEFT")
            pdf.set_font(FONT, "", size)
            pdf.multi_cell(width, line, visible(text, lines=True), new_x="LEFT", align="L")
            y = pdf.get_y() + 2.5
        bottom = max(bottom, y)
    if footer:
        pdf.set_xy(pdf.l_margin, bottom)
        pdf.set_font(FONT, "I", 7.5)
        pdf.multi_cell(0, 4, footer, new_x="LMARGIN", new_y="NEXT")
    return pdf
