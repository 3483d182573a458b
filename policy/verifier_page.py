"""The page in every citizen's copy that checks it in a browser (controleer.html), and the data
it shows (gegevens.json).

The page runs offline under a Content-Security-Policy of `default-src 'none'` that allows only
its own inline script and style, by their SHA-256: computed here, when the page is written, so
filling in the template never needs 'unsafe-inline'. The receipt's data is a plain JSON file
listed in SHA256SUMS like every other file, so a changed one is caught by the signature.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Mapping
from pathlib import Path

from resources import path as resource_path

PAGE = "controleer.html"
DATA = "gegevens.json"
DATA_FORMAT = "gespreksopname-gegevens/1"  # the page shows only data of this format
_TEMPLATE = ("verifier", PAGE)
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
_NOT_GIVEN = "niet opgegeven · not given"


def _csp_hash(source: str) -> str:
    """The CSP source expression that allows exactly this inline script or style."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _publication(url: str | None) -> str:
    """Where the municipality publishes its fingerprints, as HTML: a link only for http(s)."""
    if not url:
        return _NOT_GIVEN
    shown = html.escape(url, quote=True)
    if re.match(r"^https?://", url, re.IGNORECASE):
        return f'<a href="{shown}" rel="noreferrer noopener">{shown}</a>'
    return f"<span>{shown}</span>"


def render_page(publication_url: str | None) -> str:
    """The page's HTML with the publication address filled in and the CSP hashes computed."""
    template = resource_path(*_TEMPLATE).read_text(encoding="utf-8")
    page = template.replace("{{PUBLICATION}}", _publication(publication_url))
    scripts, styles = _SCRIPT.findall(page), _STYLE.findall(page)
    if len(scripts) != 1 or len(styles) != 1:  # the CSP below allows exactly one of each
        raise ValueError("the verifier template must hold one <script> and one <style>")
    page = page.replace("{{SCRIPT_HASH}}", _csp_hash(scripts[0]))
    page = page.replace("{{STYLE_HASH}}", _csp_hash(styles[0]))
    if "{{" in page.replace(scripts[0], ""):
        raise ValueError("the verifier template has a placeholder left")
    return page


def write_page(folder: Path, publication_url: str | None) -> Path:
    """Write controleer.html into the copy's folder; returns its path."""
    target = Path(folder) / PAGE
    target.write_text(render_page(publication_url), encoding="utf-8", newline="\n")
    return target


def receipt_json(data: Mapping[str, str]) -> bytes:
    """Canonical JSON (sorted keys, no whitespace, UTF-8 unescaped) with the format marker."""
    if "format" in data:
        raise ValueError("'format' is the data file's own key")
    doc = {"format": DATA_FORMAT, **data}
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def write_receipt_data(folder: Path, data: Mapping[str, str]) -> Path:
    """Write gegevens.json, the receipt's data the page shows; returns its path."""
    target = Path(folder) / DATA
    target.write_bytes(receipt_json(data))
    return target
