"""What the documents for citizens say, read back from the PDF with `pdftotext` (issue 16).

The receipt in a citizen's copy (ontvangstbewijs.pdf) and the refusal letter are checked element
by element, in Dutch and in English: a document that drops a required element fails here.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from desktop.cli import main
from policy.copies import RECEIPT, export_copy
from policy.documents import long_date
from policy.policy import Policy, load_policy
from policy.rules import evaluate
from policy.sealed import Manifest, session_document
from policy.workspace import Workspace
from resources.catalogue import text
from tests.unit.conftest import FAST_KDF, PASSPHRASE
from tests.unit.policy.conftest import lawful, policy_file

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="needs poppler-utils (make test)"
)

PUBLICATION = "https://www.example.org/gespreksopname/vingerafdrukken"


def read_back(pdf: Path) -> str:
    """The PDF's text as a reader sees it, whitespace collapsed (lines wrap where the PDF wraps)."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return flat(out)


def flat(words: str) -> str:
    return " ".join(words.split())


def pages(pdf: Path) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [flat(page) for page in out.split("\f") if page.strip()]


def contacts(policy: Policy) -> list[str]:
    lines = [line for line in policy.contact_lines().splitlines() if line.strip()]
    assert len(lines) >= 3  # the general number, the privacy contacts, the FG
    return lines


# -- the receipt in the citizen's copy -----------------------------------------------------------


def recorded(workspace: Workspace) -> Manifest:
    """A sealed recording of the lawful conversation (three seconds of PCM)."""
    session = lawful()
    record = session_document(session, evaluate(session, workspace.policy), workspace.policy)
    writer = workspace.new_recording(sample_rate=48000, channels=1, session=record)
    writer.write(bytes(range(256)) * 1125)
    return writer.seal()


@pytest.mark.parametrize("published", [False, True], ids=["key-publication", "publication-url"])
def test_the_receipt_says_everything_it_must(tmp_path: Path, published: bool) -> None:
    if published:
        source = policy_file(
            tmp_path,
            '# publication_url = "https://www.s-hertogenbosch.nl/gespreksopname"',
            f'publication_url = "{PUBLICATION}"',
        )
        policy = load_policy(source)
    else:
        policy = load_policy()
    workspace = Workspace.create(tmp_path / "vault", PASSPHRASE, policy, kdf=FAST_KDF)
    manifest = recorded(workspace)
    rid = manifest.recording_id
    usb = tmp_path / "usb"
    usb.mkdir()
    folder = export_copy(workspace, rid, usb, "wav", "A. Yilmaz")
    receipt = folder / RECEIPT
    said = read_back(receipt)
    audio = next(folder.glob("opname*.wav"))
    entries, _problem = workspace.audit.read()
    (exported,) = [entry for entry in entries if entry.action == "exported"]
    copy_id = str(exported.details["copy_id"])
    public = workspace.vault.signing_key.public

    # What was recorded and which copy this is: the recording's id and the recipient.
    assert rid in said
    assert "A. Yilmaz" in said
    assert "J. de Vries" in said  # the participants
    # The hashes it lists: of the samples as sealed, of the file handed over, of the key.
    assert manifest.pcm_sha256 in said
    assert hashlib.sha256(audio.read_bytes()).hexdigest() in said
    assert public.fingerprint_hex in said
    assert public.fingerprint in said  # the short form, to compare by eye
    assert copy_id in said
    # Rule c: the private-use notice, Dutch and English, in the text and at the foot of every
    # page.
    for lang in ("nl", "en"):
        notice = flat(policy.text("private_use_notice", lang))
        assert notice in said, lang
    for page in pages(receipt):
        assert flat(policy.text("private_use_notice", "nl")) in page
        assert flat(policy.text("private_use_notice", "en")) in page
    # Whom to ask: every contact of the policy.
    for line in contacts(policy):
        assert flat(line) in said, line
    # Where the fingerprints are published (with the QR code's caption), both languages.
    assert policy.key_publication in said
    if published:
        assert PUBLICATION in said
    for lang in ("nl", "en"):
        assert flat(text("copy.receipt_link", lang)) in said
        assert flat(text("copy.heading", lang)) in said
    # Dutch and English: the same facts in both.
    assert "Kopie van een geluidsopname" in said and "Copy of an audio recording" in said
    assert said.count(manifest.pcm_sha256) >= 2 and said.count(rid) >= 2


def test_the_receipt_shows_a_recipient_as_written(tmp_path: Path) -> None:
    """A recipient's name outside Latin-1 and with a bidi override comes out as written, the
    override escaped: a name cannot turn the receipt's lines around."""
    policy = load_policy()
    workspace = Workspace.create(tmp_path / "vault", PASSPHRASE, policy, kdf=FAST_KDF)
    session = lawful()
    people = (session.participants[0], type(session.participants[1])("Şükrü Yılmaz", "citizen",
              True, "verbal"))  # fmt: skip
    from dataclasses import replace

    session = replace(session, participants=people)
    record = session_document(session, evaluate(session, policy), policy)
    writer = workspace.new_recording(sample_rate=48000, channels=1, session=record)
    writer.write(bytes(48000 * 2))
    writer.seal()
    usb = tmp_path / "usb"
    usb.mkdir()
    folder = export_copy(workspace, writer.recording_id, usb, "wav", "Şükrü Yılmaz")
    said = read_back(folder / RECEIPT)
    assert said.count("Şükrü Yılmaz") >= 2  # participant and recipient, at least once each


# -- the refusal letter (rule f) -----------------------------------------------------------------

REFUSAL = """\
citizen = "mevrouw A. Yilmaz"
employee = "J. de Vries"
date = 2026-11-28
case_number = "Z-2026-000123"
reasons = [
  "In het gesprek komen gegevens over de gezondheid van een derde aan de orde.",
  "De derde heeft uitdrukkelijk gevraagd dat er niets van wordt vastgelegd.",
]
alternative = "written_summary"
alternative_note = "U ontvangt het verslag binnen vijf werkdagen."
"""


def test_the_refusal_letter_says_everything_it_must(
    cli_vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`gespreksopname refuse REFUSAL.toml --out FILE.pdf`: the letter names the reasons, the
    alternative offered, whom to contact, the date of the conversation and rule f, in Dutch
    and in English."""
    source = tmp_path / "weigering.toml"
    source.write_text(REFUSAL, encoding="utf-8")
    letter = tmp_path / "brief.pdf"
    capsys.readouterr()
    assert main(["refuse", str(source), "--out", str(letter)]) == 0
    policy = load_policy()
    said = read_back(letter)
    # Whom it is for, and who refused.
    assert "mevrouw A. Yilmaz" in said and "J. de Vries" in said
    assert policy.organisation in said
    # The reasons, each as typed.
    assert (
        flat("In het gesprek komen gegevens over de gezondheid van een derde aan de orde.") in said
    )
    assert flat("De derde heeft uitdrukkelijk gevraagd dat er niets van wordt vastgelegd.") in said
    assert said.count("gezondheid van een derde") == 2  # in the Dutch and in the English part
    # The alternative offered, in both languages, with the employee's note.
    for lang in ("nl", "en"):
        assert flat(policy.alternative("written_summary", lang)) in said, lang
    assert said.count("U ontvangt het verslag binnen vijf werkdagen.") == 2
    # The date of the conversation, as a letter writes it.
    day = date(2026, 11, 28)
    assert long_date(day, "nl") in said and long_date(day, "en") in said
    # Rule f, named and explained, in both languages.
    for lang in ("nl", "en"):
        assert flat(text("refusal_letter.rule_f", lang)) in said, lang
    assert "Spelregel f" in said and "Rule f" in said
    assert "zwaarwegende redenen" in said and "weighty reasons" in said
    # Whom to contact: every contact of the policy, in both parts.
    for line in contacts(policy):
        assert said.count(flat(line)) >= 2, line
    # The reference (kept with the registered refusal) and the case number.
    assert "Z-2026-000123" in said
    registered = capsys.readouterr().out
    reference = next(word for word in registered.replace("(", " ").replace(")", " ").split()
                     if word.count("-") == 4)  # fmt: skip
    assert reference in said


def test_the_letter_from_write_letter_without_the_command_line(tmp_path: Path) -> None:
    """The app's dialog calls the same `write_letter`; a policy with its own contacts puts
    those on the letter, and no alternative note means none is printed."""
    from policy.refusal import refusal_from_dict, write_letter

    source = policy_file(
        tmp_path,
        'fg = "Functionaris Gegevensbescherming (FG), fg@s-hertogenbosch.nl"',
        'fg = "FG van de proefgemeente, fg@proef.example"',
    )
    policy = load_policy(source)
    refusal = refusal_from_dict(
        {
            "citizen": "de heer B. Bakker",
            "employee": "C. Jansen",
            "date": date(2027, 3, 1),
            "reasons": ["Een dreigende situatie bij het vorige gesprek."],
            "alternative": "representative",
        }
    )
    letter = tmp_path / "brief.pdf"
    write_letter(refusal, policy, letter)
    said = read_back(letter)
    assert "FG van de proefgemeente, fg@proef.example" in said
    assert "fg@s-hertogenbosch.nl" not in said
    assert "Een dreigende situatie bij het vorige gesprek." in said
    for lang in ("nl", "en"):
        assert flat(policy.alternative("representative", lang)) in said
        assert flat(text("refusal_letter.rule_f", lang)) in said
    assert "1 maart 2027" in said and "1 March 2027" in said
    assert refusal.id in said
