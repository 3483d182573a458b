"""controleer.html as written (the browser tests in tests/browser run it) and gegevens.json."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from policy.verifier_page import DATA_FORMAT, write_page, write_receipt_data


def _hash(source: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()


def test_the_policy_allows_exactly_the_page_s_own_script_and_style(tmp_path: Path) -> None:
    page = write_page(tmp_path, "https://example.nl/sleutels").read_text(encoding="utf-8")
    script = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    style = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None and len(script) == 1 and len(style) == 1
    assert policy.group(1).split("; ")[:3] == [
        "default-src 'none'",
        f"script-src '{_hash(script[0])}'",
        f"style-src '{_hash(style[0])}'",
    ]
    assert "{{" not in page and "unsafe" not in page and "http://" not in page.split("<body>")[0]
    assert '<a href="https://example.nl/sleutels"' in page


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ('https://x.nl/"><script>alert(1)</script>', "https://x.nl/&quot;&gt;&lt;script&gt;"),
        ("javascript:alert(1)", "<span>javascript:alert(1)</span>"),
        (None, "niet opgegeven · not given"),
    ],
)
def test_the_publication_address_is_text_and_only_http_is_a_link(
    tmp_path: Path, url: str | None, expected: str
) -> None:
    page = write_page(tmp_path, url).read_text(encoding="utf-8")
    assert expected in page
    assert page.count("<script") == 1 and 'href="javascript' not in page


def test_the_receipt_data_is_canonical_json_with_its_format(tmp_path: Path) -> None:
    path = write_receipt_data(tmp_path, {"participants": "Şükrü, Zoë", "date": "1 maart"})
    raw = path.read_bytes()
    assert raw == '{"date":"1 maart","format":"%s","participants":"Şükrü, Zoë"}'.encode() % (
        DATA_FORMAT.encode(),
    )
    assert json.loads(raw)["format"] == DATA_FORMAT
    with pytest.raises(ValueError):
        write_receipt_data(tmp_path, {"format": "mine"})
