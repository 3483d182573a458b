"""Screenshots of controleer.html's three verdicts, in headless chromium, to docs/screenshots/.

Run: .venv/bin/python docs/screenshots_verifier.py [--out docs/screenshots]

Makes a throw-away vault with one recording and exports a copy, then opens the copy's page with
Debian's chromium (/usr/bin/chromium through /usr/bin/chromedriver) and chooses its files as a
citizen would: genuine (15), one audio byte changed (16), another public key (17). Each at a
desktop width (NN-controleer-*.png) and a phone's (NN-controleer-*-telefoon.png).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.chrome.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from policy.copies import export_copy  # noqa: E402
from policy.policy import load_policy  # noqa: E402
from policy.rules import evaluate  # noqa: E402
from policy.sealed import session_document  # noqa: E402
from policy.workspace import Workspace  # noqa: E402
from tests.unit.conftest import FAST_KDF, PASSPHRASE  # noqa: E402
from tests.unit.policy.conftest import DEFAULT, lawful  # noqa: E402

DESKTOP = 1100
PHONE_WIDTH = 390
PHONE = {"width": PHONE_WIDTH, "height": 844, "pixelRatio": 2.0}
RATE = 48000


def make_copies(work: Path) -> dict[str, Path]:
    """A genuine copy, one with a changed audio byte, one with another installation's key."""
    policy = load_policy(DEFAULT)
    workspace = Workspace.create(work / "vault", PASSPHRASE, policy, kdf=FAST_KDF)
    other = Workspace.create(work / "other", PASSPHRASE, policy, kdf=FAST_KDF)
    session = lawful()
    doc = session_document(session, evaluate(session, policy), policy)
    writer = workspace.new_recording(sample_rate=RATE, channels=1, session=doc)
    t = np.arange(RATE * 3) / RATE
    writer.write((6000 * np.sin(2 * np.pi * 180 * t)).astype("<i2").tobytes())
    writer.seal()
    usb = work / "usb"
    usb.mkdir()
    genuine = export_copy(workspace, writer.recording_id, usb, "wav", recipient="A. Yilmaz")
    changed = Path(shutil.copytree(genuine, work / "gewijzigd" / genuine.name))
    audio = changed / "opname.wav"
    data = bytearray(audio.read_bytes())
    data[len(data) // 2] ^= 0x01
    audio.write_bytes(bytes(data))
    badsig = Path(shutil.copytree(genuine, work / "handtekening" / genuine.name))
    (badsig / "publickey.pem").write_text(other.vault.signing_key.public.pem(), "ascii")
    return {"echt": genuine, "gewijzigd": changed, "handtekening": badsig}


def browser(phone: bool) -> WebDriver:
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"):
        options.add_argument(argument)
    if phone:
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": PHONE})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def shoot(driver: WebDriver, folder: Path, target: Path, width: int) -> str:
    """Choose every file of `folder` on its page; save the whole page; return the verdict."""
    driver.set_window_size(width, 900)
    driver.get((folder / "controleer.html").as_uri())
    chooser = driver.find_elements(By.CSS_SELECTOR, "input[type=file]")[0]
    chooser.send_keys("\n".join(str(p) for p in sorted(folder.iterdir())))
    verdict = WebDriverWait(driver, 30).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#verdict[data-result]")
    )
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(width, height + 100)
    driver.execute_script("window.scrollTo(0, 0)")  # a phone shows its first screen only
    driver.save_screenshot(str(target))
    return str(verdict.get_attribute("data-result"))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="gesp-verifier-"))
    try:
        copies = make_copies(work)
        names = {"echt": 15, "gewijzigd": 16, "handtekening": 17}
        for phone in (False, True):
            driver = browser(phone)
            try:
                for kind, folder in copies.items():
                    suffix = "-telefoon" if phone else ""
                    target = args.out / f"{names[kind]}-controleer-{kind}{suffix}.png"
                    result = shoot(driver, folder, target, PHONE_WIDTH if phone else DESKTOP)
                    print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}:"
                          f" {result}")  # fmt: skip
            finally:
                driver.quit()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
