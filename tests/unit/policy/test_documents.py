"""The documents citizens take home show their names as written, in any European script."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from policy.documents import long_date, render_pdf

NAMES = "Şükrü Yılmaz, Łukasz Wróbel, Nguyễn Thị Hà, Οδυσσέας Παπαδόπουλος, Ёлка Жукова"


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (make test)")
def test_names_outside_latin1_come_out_of_the_pdf_as_written(tmp_path: Path) -> None:
    path = tmp_path / "ontvangstbewijs.pdf"
    render_pdf(
        path,
        "Ontvangstbewijs – “kopie”",
        [("Deelnemers", NAMES), ("", "Alleen voor privégebruik… ’s-Hertogenbosch")],
        footer="Gemeente ’s-Hertogenbosch",
    )
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = " ".join(text.split())
    assert NAMES in flat
    assert "Ontvangstbewijs – “kopie”" in flat
    assert "Alleen voor privégebruik… ’s-Hertogenbosch" in flat
    assert "?" not in flat
    # The font is embedded (a subset), so any reader on any system shows the same glyphs.
    assert b"/FontFile2" in path.read_bytes()


def test_long_date_in_both_languages() -> None:
    assert long_date(date(2026, 11, 28), "nl") == "28 november 2026"
    assert long_date(date(2026, 3, 1), "en") == "1 March 2026"


def test_the_notice_stands_on_every_page_and_the_link_has_a_qr_code(tmp_path: Path) -> None:
    """Rule c on every page of a receipt; where the municipality publishes its fingerprints as
    text and as a QR code (an image in the PDF)."""
    path = tmp_path / "ontvangstbewijs.pdf"
    long_text = "\n".join(f"Regel {n} van een lange bon." for n in range(120))
    render_pdf(
        path,
        "Ontvangstbewijs",
        [("Gegevens", long_text)],
        page_notice="Alleen voor gebruik in de huiselijke kring.",
        link="https://www.s-hertogenbosch.nl/gespreksopname",
        link_caption="Vingerafdrukken van de gemeente:",
    )
    pages = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) >= 2
    for page in pages:
        assert "Alleen voor gebruik in de huiselijke kring." in page
    assert "https://www.s-hertogenbosch.nl/gespreksopname" in "".join(pages)
    images = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert len(images.strip().splitlines()) == 3  # two header lines and the QR code
