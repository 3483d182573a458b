"""controleer.html in a real browser (issue 14): Debian's chromium, headless, driven by selenium
through /usr/bin/chromedriver (nothing downloaded). Real copies made by `export_copy`, the files
handed to the page's first file input as a citizen would choose them, the verdict read from
`#verdict` as the page's contract says.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from audio.vault.keys import SigningKey
from policy.copies import export_copy
from policy.policy import load_policy
from policy.rules import evaluate
from policy.sealed import session_document
from policy.workspace import Workspace
from tests.unit.conftest import FAST_KDF, PASSPHRASE
from tests.unit.policy.conftest import DEFAULT, lawful

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
RATE = 48000
RECIPIENT = "mevrouw <b>Yilmaz</b>"  # typed by a person: must show as text, never as markup


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed "
            "(apt-get install chromium chromium-driver, as `make system-deps` does)"
        )
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu"):
        options.add_argument(argument)
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _workspace(folder: Path) -> Workspace:
    return Workspace.create(folder, PASSPHRASE, load_policy(DEFAULT), kdf=FAST_KDF)


@pytest.fixture(scope="module")
def laptop(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return _workspace(tmp_path_factory.mktemp("laptop") / "vault")


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """Another installation: its key is not the one the municipality published."""
    return _workspace(tmp_path_factory.mktemp("stranger") / "vault")


@pytest.fixture(scope="module")
def copies(laptop: Workspace, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    session = lawful()
    doc = session_document(session, evaluate(session, laptop.policy), laptop.policy)
    writer = laptop.new_recording(sample_rate=RATE, channels=1, session=doc)
    t = np.arange(RATE) / RATE
    writer.write((8000 * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes())
    writer.seal()
    usb = tmp_path_factory.mktemp("usb")
    return {
        fmt: export_copy(
            laptop,
            writer.recording_id,
            usb,
            fmt,
            recipient=RECIPIENT,
            representative_of="A. Yilmaz",
        )
        for fmt in ("wav", "flac", "mp3")
    }


@pytest.fixture
def altered(copies: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of the genuine WAV folder to change."""
    return Path(shutil.copytree(copies["wav"], tmp_path / copies["wav"].name))


def check(browser: WebDriver, folder: Path, page: Path | None = None) -> WebElement:
    """Open the folder's page (or `page`), choose every file in the folder, wait for the verdict."""
    browser.get((page or folder / "controleer.html").as_uri())
    chooser = browser.find_elements(By.CSS_SELECTOR, "input[type=file]")[0]
    chooser.send_keys("\n".join(str(p) for p in sorted(folder.iterdir())))
    return WebDriverWait(browser, 30).until(
        lambda driver: driver.find_element(By.CSS_SELECTOR, "#verdict[data-result]")
    )


def console(browser: WebDriver) -> list[dict[str, str]]:
    """The browser console's messages since the last call (selenium's get_log is unannotated)."""
    entries: list[dict[str, str]] = browser.get_log("browser")  # type: ignore[no-untyped-call]
    return entries


def shown(browser: WebDriver, element_id: str) -> str:
    return browser.find_element(By.ID, element_id).text


def resign(folder: Path, key: SigningKey) -> None:
    """SHA256SUMS made again over the folder's files, signed by `key`, its public key beside it."""
    (folder / "publickey.pem").write_text(key.public.pem(), encoding="ascii")
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("SHA256SUMS"))
    lines = [f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}" for n in names]
    sums = ("\n".join(lines) + "\n").encode()
    (folder / "SHA256SUMS").write_bytes(sums)
    (folder / "SHA256SUMS.sig").write_bytes(key.sign(sums))


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3"])
def test_a_genuine_copy_reads_genuine_with_its_key_and_its_receipt(
    browser: WebDriver, copies: dict[str, Path], laptop: Workspace, fmt: str
) -> None:
    verdict = check(browser, copies[fmt])
    assert verdict.get_attribute("data-result") == "ok"
    assert verdict.text.startswith("Echt en onveranderd")
    public = laptop.vault.signing_key.public
    assert shown(browser, "fp-short") == public.fingerprint
    assert shown(browser, "fp-hex") == public.fingerprint_hex
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "https://www.s-hertogenbosch.nl/gespreksopname" in page  # where it is published
    assert "Vergelijk deze vingerafdruk" in page and "Compare this fingerprint" in page
    receipt = shown(browser, "receipt")
    assert RECIPIENT in receipt and "J. de Vries, A. Yilmaz" in receipt and "0:00:01" in receipt
    assert not browser.find_elements(By.CSS_SELECTOR, "#receipt b")  # textContent, no markup
    assert "huiselijke kring" in receipt and "in private" in receipt  # rule c, nl and en
    assert not browser.find_element(By.ID, "sealed-at").is_displayed()  # no timestamp taken


def test_the_page_loads_nothing_and_breaks_no_rule_of_its_own_policy(
    browser: WebDriver, copies: dict[str, Path]
) -> None:
    console(browser)  # what earlier tests left
    check(browser, copies["wav"])
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    logs = console(browser)
    assert not [e for e in logs if e["level"] == "SEVERE" or "Content Security" in e["message"]]
    policy = browser.find_element(
        By.CSS_SELECTOR, "meta[http-equiv='Content-Security-Policy']"
    ).get_attribute("content")
    assert policy is not None and policy.startswith("default-src 'none'; script-src 'sha256-")
    assert "unsafe" not in policy


def test_a_script_slipped_into_the_page_does_not_run(
    browser: WebDriver, copies: dict[str, Path], tmp_path: Path
) -> None:
    """The policy is real: an inline script other than the page's own is refused."""
    html = (copies["wav"] / "controleer.html").read_text(encoding="utf-8")
    page = tmp_path / "controleer.html"
    page.write_text(
        html.replace("</main>", "</main><script>document.title = 'ran';</script>"), "utf-8"
    )
    console(browser)
    check(browser, copies["wav"], page)
    assert browser.title != "ran"
    assert any("Content Security Policy" in e["message"] for e in console(browser))


def test_one_flipped_audio_byte_is_changed_naming_the_audio(
    browser: WebDriver, altered: Path
) -> None:
    audio = altered / "opname.wav"
    data = bytearray(audio.read_bytes())
    data[len(data) // 2] ^= 0x01
    audio.write_bytes(bytes(data))
    verdict = check(browser, altered)
    assert verdict.get_attribute("data-result") == "changed"
    assert verdict.text == "GEWIJZIGD: opname.wav"


def test_a_changed_receipt_is_changed_and_not_shown(browser: WebDriver, altered: Path) -> None:
    data = json.loads((altered / "gegevens.json").read_text(encoding="utf-8"))
    data["participants"] = "J. de Vries"
    (altered / "gegevens.json").write_text(json.dumps(data), encoding="utf-8")
    verdict = check(browser, altered)
    assert verdict.get_attribute("data-result") == "changed"
    assert verdict.text == "GEWIJZIGD: gegevens.json"
    assert not browser.find_element(By.ID, "receipt").is_displayed()


def test_a_missing_file_is_changed(browser: WebDriver, altered: Path) -> None:
    (altered / "ontvangstbewijs.pdf").unlink()
    verdict = check(browser, altered)
    assert verdict.get_attribute("data-result") == "changed"
    assert verdict.text == "GEWIJZIGD: ontvangstbewijs.pdf"
    assert "ontvangstbewijs.pdf — ontbreekt · missing" in shown(browser, "file-list")


def test_an_added_file_is_changed(browser: WebDriver, altered: Path) -> None:
    (altered / "opname-echt.wav").write_bytes((altered / "opname.wav").read_bytes())
    verdict = check(browser, altered)
    assert verdict.get_attribute("data-result") == "changed"
    assert verdict.text == "GEWIJZIGD: opname-echt.wav"


def test_a_swapped_public_key_is_a_bad_signature(
    browser: WebDriver, altered: Path, stranger: Workspace
) -> None:
    (altered / "publickey.pem").write_text(stranger.vault.signing_key.public.pem(), "ascii")
    verdict = check(browser, altered)
    assert verdict.get_attribute("data-result") == "badsig"
    assert verdict.text.startswith("Handtekening past niet")


def test_a_bad_signature_comes_before_a_changed_file(browser: WebDriver, altered: Path) -> None:
    sums = bytearray((altered / "SHA256SUMS").read_bytes())
    sums[0] = ord("0") if sums[0] != ord("0") else ord("1")
    (altered / "SHA256SUMS").write_bytes(bytes(sums))
    verdict = check(browser, altered)
    assert verdict.get_attribute("data-result") == "badsig"


def test_a_folder_signed_by_another_key_is_intact_but_shows_that_key(
    browser: WebDriver, altered: Path, laptop: Workspace, stranger: Workspace
) -> None:
    """Consistent in itself, so the files are "unchanged"; whose it is only the fingerprint
    says, and the page asks to compare it with the published one."""
    resign(altered, stranger.vault.signing_key)
    verdict = check(browser, altered)
    assert verdict.get_attribute("data-result") == "ok"
    other = stranger.vault.signing_key.public
    assert shown(browser, "fp-short") == other.fingerprint
    assert shown(browser, "fp-hex") == other.fingerprint_hex
    assert shown(browser, "fp-hex") != laptop.vault.signing_key.public.fingerprint_hex
    assert "Compare this fingerprint with the one the municipality publishes" in shown(
        browser, "key"
    )


def test_the_seal_time_is_shown_when_the_receipt_has_one(
    browser: WebDriver, altered: Path, laptop: Workspace
) -> None:
    data = json.loads((altered / "gegevens.json").read_text(encoding="utf-8"))
    data["sealed_at"] = "2026-03-14T10:02:03Z"
    (altered / "gegevens.json").write_text(json.dumps(data), encoding="utf-8")
    resign(altered, laptop.vault.signing_key)
    verdict = check(browser, altered)
    assert verdict.get_attribute("data-result") == "ok"
    assert shown(browser, "sealed-at") == "2026-03-14T10:02:03Z"


def test_a_browser_without_ed25519_gets_the_commands(
    browser: WebDriver, copies: dict[str, Path]
) -> None:
    browser.get((copies["wav"] / "controleer.html").as_uri())
    browser.execute_script(
        "crypto.subtle.importKey = function () { return Promise.reject(new Error('no')); };"
    )
    browser.find_elements(By.CSS_SELECTOR, "input[type=file]")[0].send_keys(
        "\n".join(str(p) for p in sorted(copies["wav"].iterdir()))
    )
    verdict = WebDriverWait(browser, 30).until(
        lambda driver: driver.find_element(By.CSS_SELECTOR, "#verdict[data-result]")
    )
    assert verdict.get_attribute("data-result") == "unsupported"
    assert browser.find_element(By.ID, "unsupported").is_displayed()
    assert "sha256sum -c SHA256SUMS" in shown(browser, "terminal")
    assert "openssl pkeyutl -verify" in shown(browser, "terminal")


def test_the_whole_folder_can_be_chosen(browser: WebDriver, copies: dict[str, Path]) -> None:
    browser.get((copies["flac"] / "controleer.html").as_uri())
    browser.find_element(By.ID, "folder").send_keys(str(copies["flac"]))
    verdict = WebDriverWait(browser, 30).until(
        lambda driver: driver.find_element(By.CSS_SELECTOR, "#verdict[data-result]")
    )
    assert verdict.get_attribute("data-result") == "ok"


def test_a_file_in_a_subfolder_is_not_part_of_the_copy(browser: WebDriver, altered: Path) -> None:
    (altered / "extra").mkdir()
    (altered / "extra" / "opname.wav").write_bytes(b"RIFF")
    browser.get((altered / "controleer.html").as_uri())
    browser.find_element(By.ID, "folder").send_keys(str(altered))
    verdict = WebDriverWait(browser, 30).until(
        lambda driver: driver.find_element(By.CSS_SELECTOR, "#verdict[data-result]")
    )
    assert verdict.get_attribute("data-result") == "changed"
    assert verdict.text == "GEWIJZIGD: extra/opname.wav"
