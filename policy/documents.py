"""Printable documents for citizens (refusal letter, receipt) as PDF, with fpdf2.

The PDF's core font (Helvetica) needs no font files on any system and every PDF reader has it;
it covers Latin-1, which holds Dutch (ë, ö, é). Typographic characters outside it are replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from audio.durable import write_atomic

_REPLACE = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "•": "-",
        "\u00a0": " ",
    }
)


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


def latin1(text: str) -> str:
    return text.translate(_REPLACE).encode("latin-1", "replace").decode("latin-1")


def render_pdf(
    path: Path, title: str, sections: Sequence[tuple[str, str]], *, footer: str = ""
) -> None:
    """Write a simple A4 document: a title and sections of (heading, text).

    Written to a temporary name and renamed, so a full disk never leaves half a letter.
    """
    from fpdf import FPDF  # imported here: it pulls in Pillow, which nothing else needs

    pdf = FPDF(format="A4")
    pdf.set_title(latin1(title))
    pdf.set_creator("Gespreksopname")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, latin1(title), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(3)
    for heading, text in sections:
        if heading:
            pdf.set_font("Helvetica", "B", 11)
            pdf.multi_cell(0, 6, latin1(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10.5)
        pdf.multi_cell(0, 5.2, latin1(text), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(4)
    if footer:
        pdf.set_font("Helvetica", "I", 8.5)
        pdf.multi_cell(0, 4.5, latin1(footer), new_x="LMARGIN", new_y="NEXT")
    write_atomic(path, bytes(pdf.output()))
