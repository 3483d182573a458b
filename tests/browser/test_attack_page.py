"""Security review 4 (issue 14): controleer.html attacked, in Debian's headless chromium.

Breaks (these tests fail until fixed):
- The page shows "Tijdstempel van het zegel" from gegevens.json in the section about the key,
  as a fact, though it checks no timestamp: the value is whatever the signer wrote (an insider
  can backdate it; zegel.tsr need not even be in the folder).
- For an enrolled installation the municipality publishes its CA's fingerprint
  (publication_url: "De organisatie publiceert de vingerafdruk van haar CA op"), but the page
  shows only the key's fingerprint and checks no certificate: what it tells the citizen to
  compare can never match what is published.
- The page is itself a file in the folder. Someone who changes the audio, re-signs with their
  own key and edits controleer.html (its CSP hash recomputed) gets "Echt en onveranderd" with
  the municipality's published fingerprint. FORMAT.md calls the published fingerprint "the
  anchor" of the page's check and says nothing of this.

Defended (regression tests): markup in the publication address, a duplicate name and a
case-changed name in the chosen files.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from audio.trust.certificates import certificate_fingerprint_hex
from policy.copies import export_copy
from policy.policy import load_policy
from policy.verifier_page import render_page
from policy.workspace import Workspace
from tests.browser.test_verifier_page import (  # noqa: F401 (fixtures)
    browser,
    check,
    copies,
    laptop,
    resign,
    shown,
    stranger,
)
from tests.helpers.organisation import make_org, signed_policy
from tests.unit.conftest import FAST_KDF, PASSPHRASE
from tests.unit.trust.test_verify_anyone import _recording

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = "https://www.s-hertogenbosch.nl/gespreksopname"


@pytest.fixture
def altered(copies: dict[str, Path], tmp_path: Path) -> Path:  # noqa: F811
    return Path(shutil.copytree(copies["wav"], tmp_path / copies["wav"].name))


@pytest.fixture(scope="module")
def enrolled_copy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A copy by an enrolled installation whose policy names publication_url (where the CA's
    fingerprint is published), and that CA's fingerprint."""
    base = tmp_path_factory.mktemp("enrolled")
    org = make_org(base / "org")
    (base / "laptop").mkdir()
    policy = signed_policy(
        base / "laptop",
        org,
        (f'# publication_url = "{PUBLISHED}"', f'publication_url = "{PUBLISHED}"'),
    )
    workspace = Workspace.create(base / "laptop" / "vault", PASSPHRASE, load_policy(policy),
                                 kdf=FAST_KDF)  # fmt: skip
    org.enroll(workspace, "Laptop Burgerzaken")
    workspace = Workspace(workspace.vault, load_policy(policy))
    assert workspace.policy.publication_url == PUBLISHED
    out = base / "usb"
    out.mkdir()
    folder = export_copy(workspace, _recording(workspace), out, "wav", recipient="A. Yilmaz")
    yield folder, certificate_fingerprint_hex_of(org.ca_pem)


def certificate_fingerprint_hex_of(pem: bytes) -> str:
    from cryptography import x509

    return certificate_fingerprint_hex(x509.load_pem_x509_certificate(pem))


# Attacker 3 (and 2): what the page tells a citizen.


def test_the_page_does_not_present_an_unchecked_timestamp_as_fact(
    browser: WebDriver,  # noqa: F811
    altered: Path,
    laptop: Workspace,  # noqa: F811
) -> None:
    """BREAK. An insider backdates sealed_at in gegevens.json (no zegel.tsr in the folder at all)
    and re-signs: the page shows it under "The key that signed" as "Time stamp of the seal".
    Fix: show it only in the receipt's data, labelled "according to the copy, not checked
    here" (or check zegel.tsr against tsa.pem in the page)."""
    data = json.loads((altered / "gegevens.json").read_text(encoding="utf-8"))
    data["sealed_at"] = "2020-01-01T09:00:00Z"
    (altered / "gegevens.json").write_text(json.dumps(data), encoding="utf-8")
    assert not (altered / "zegel.tsr").exists()
    resign(altered, laptop.vault.signing_key)
    verdict = check(browser, altered)
    assert verdict.get_attribute("data-result") == "ok"
    key = shown(browser, "key")
    if "2020-01-01T09:00:00Z" in key:
        assert "niet gecontroleerd" in key.lower() and "not checked" in key.lower(), key


def test_an_enrolled_copy_shows_the_fingerprint_the_municipality_publishes(
    browser: WebDriver,  # noqa: F811
    enrolled_copy: tuple[Path, str],
) -> None:
    """BREAK. publication_url is where the CA's fingerprint is published; the page shows only
    the installation key's fingerprint ("compare this fingerprint with the one the municipality
    publishes"), so a genuine copy can never be matched there.
    Fix: in the page, check installatie.pem's ECDSA P-256 signature by organisatie.pem's key
    (WebCrypto) and that its key is publickey.pem, then show the CA's SHA-256 as the one to
    compare (or publish every installation key at publication_url and say so)."""
    folder, ca_fingerprint = enrolled_copy
    verdict = check(browser, folder)
    assert verdict.get_attribute("data-result") == "ok"
    page = browser.find_element(By.TAG_NAME, "main").text
    assert PUBLISHED in page
    assert ca_fingerprint in page.replace(":", "").lower(), page


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def test_a_replaced_page_can_show_the_published_fingerprint_for_another_key(
    browser: WebDriver,  # noqa: F811
    altered: Path,
    laptop: Workspace,  # noqa: F811
    stranger: Workspace,  # noqa: F811
) -> None:
    """BREAK (of the documented anchor). The audio is changed, the folder re-signed by a
    stranger, and controleer.html edited to print the municipality's fingerprint: the citizen
    sees "Echt en onveranderd" and a fingerprint equal to the published one. Nothing a page
    inside the folder shows can be an anchor. Fix: say so in FORMAT.md's threat model and in
    LEESMIJ/the receipt (publish the page, or its SHA-256, at publication_url and tell the
    citizen to open the municipality's page, or to trust only `verify`/openssl)."""
    audio = altered / "opname.wav"
    data = bytearray(audio.read_bytes())
    data[data.index(b"data") + 8 + 4000] ^= 0x01
    audio.write_bytes(bytes(data))
    genuine = laptop.vault.signing_key.public
    page = render_page(PUBLISHED)
    script = re.search(r"<script>(.*?)</script>", page, re.DOTALL)
    assert script is not None
    forged = (
        script.group(1)
        .replace('text("fp-short", short);', f'text("fp-short", "{genuine.fingerprint}");')
        .replace('text("fp-hex", hexOf(d[0]));', f'text("fp-hex", "{genuine.fingerprint_hex}");')
    )
    assert forged != script.group(1)
    page = page.replace(script.group(1), forged).replace(
        _csp_hash(script.group(1)), _csp_hash(forged)
    )
    (altered / "controleer.html").write_text(page, encoding="utf-8")
    resign(altered, stranger.vault.signing_key)
    verdict = check(browser, altered)
    assert verdict.get_attribute("data-result") == "ok"
    assert shown(browser, "fp-hex") == genuine.fingerprint_hex  # what the municipality publishes
    format_md = (ROOT / "docs" / "FORMAT.md").read_text(encoding="utf-8")
    citizen = format_md[format_md.index("**A citizen with only a copy**") :]
    citizen = citizen[: citizen.index("\n\n")]
    assert "controleer.html" in citizen, "the threat model does not say the page can be replaced"


# Defended.


def test_defended_markup_in_the_publication_address_stays_text(
    browser: WebDriver,  # noqa: F811
    altered: Path,
    laptop: Workspace,  # noqa: F811
) -> None:
    url = 'https://x.example/"><script>document.title="pwned"</script><b id="inj">x</b>'
    (altered / "controleer.html").write_text(render_page(url), encoding="utf-8")
    resign(altered, laptop.vault.signing_key)
    verdict = check(browser, altered)
    assert verdict.get_attribute("data-result") == "ok"
    assert browser.title != "pwned" and not browser.find_elements(By.ID, "inj")
    assert 'document.title="pwned"' in shown(browser, "key")
    page = render_page("javascript:alert(1)")
    assert 'href="javascript' not in page


def test_defended_a_case_changed_name_is_changed(
    browser: WebDriver,  # noqa: F811
    altered: Path,
) -> None:
    (altered / "opname.wav").rename(altered / "opname.WAV")
    verdict = check(browser, altered)
    assert verdict.get_attribute("data-result") == "changed"
    assert "opname.wav" in verdict.text and "opname.WAV" in verdict.text


def test_defended_a_file_chosen_twice_from_two_folders_is_changed(
    browser: WebDriver,  # noqa: F811
    altered: Path,
    tmp_path: Path,
) -> None:
    """Two files named opname.wav (the genuine one and a changed one from elsewhere): the
    second is "added", never silently preferred."""
    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    data = bytearray((altered / "opname.wav").read_bytes())
    data[-100] ^= 1
    (elsewhere / "opname.wav").write_bytes(bytes(data))
    browser.get((altered / "controleer.html").as_uri())
    chooser = browser.find_elements(By.CSS_SELECTOR, "input[type=file]")[0]
    files = [str(p) for p in sorted(altered.iterdir())] + [str(elsewhere / "opname.wav")]
    chooser.send_keys("\n".join(files))
    from selenium.webdriver.support.ui import WebDriverWait

    verdict = WebDriverWait(browser, 30).until(
        lambda driver: driver.find_element(By.CSS_SELECTOR, "#verdict[data-result]")
    )
    assert verdict.get_attribute("data-result") == "changed"


def test_the_municipalitys_certificates_in_a_folder_signed_by_another_key_are_badsig(
    browser: WebDriver,  # noqa: F811
    enrolled_copy: tuple[Path, str],
    stranger: Workspace,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A forger copies a genuine copy's installatie.pem and organisatie.pem into a folder they
    sign with their own key: the page must not show the municipality's CA fingerprint as
    vouching for that key (installatie.pem certifies another key): "Handtekening past niet"."""
    genuine, ca_fingerprint = enrolled_copy
    forged = tmp_path / "forged"
    shutil.copytree(genuine, forged)
    audio = next(forged.glob("opname.*"))
    data = bytearray(audio.read_bytes())
    data[-40] ^= 0x01
    audio.write_bytes(bytes(data))
    resign(forged, stranger.vault.signing_key)
    verdict = check(browser, forged)
    assert verdict.get_attribute("data-result") == "badsig", verdict.text
    assert verdict.text.startswith("Handtekening past niet")
    page = browser.find_element(By.TAG_NAME, "main").text
    assert ca_fingerprint not in page.replace(":", "").lower()
