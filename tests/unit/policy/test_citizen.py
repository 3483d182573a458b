"""When the citizen records (issue 16): the registration, the register, the rules sheet and a
breach report, through the command line and read back (vault, trail, PDFs with pdftotext)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from audio.vault.store import Vault
from desktop.cli import main
from policy.citizen import (
    CITIZEN_RECORDINGS,
    CitizenRecordingError,
    citizen_recording_from_dict,
    load_citizen_recording,
)
from policy.policy import load_policy
from resources.catalogue import text
from tests.unit.conftest import CLI_PASSPHRASE, pcm

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "docs" / "examples" / "citizen-recording.toml"
REASON = "Ik wil het gesprek thuis rustig nog eens terugluisteren met mijn dochter."
WEIGHTY = "In het gesprek komen gegevens over de gezondheid van een derde aan de orde."
needs_pdftotext = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="needs poppler-utils (make test)"
)

REFUSED = f"""date = 2026-11-28
announced = true
recorder = "A. Yilmaz"
reason = "{REASON}"
decision = "refused"
refusal_reasons = ["{WEIGHTY}"]
alternative = "written_summary"
alternative_note = "U ontvangt het verslag binnen vijf werkdagen."
copy_requested = true

[[participants]]
name = "J. de Vries"
role = "employee"

[[participants]]
name = "A. Yilmaz"
role = "citizen"
"""


def column(pdf: Path, which: int) -> str:
    """One column of a two-column A4 page (0 left, 1 right), whitespace made single."""
    x = 0 if which == 0 else 298
    out = subprocess.run(
        ["pdftotext", "-x", str(x), "-y", "0", "-W", "297", "-H", "842", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return " ".join(out.split())


def whole(pdf: Path) -> str:
    out = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(out.split())


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(next(line.split()[-1] for line in info.stdout.splitlines() if "Pages" in line))


def audit(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["audit", "--json"]) == 0
    entries: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return entries


# -- the file -------------------------------------------------------------------------------
def test_the_example_file_is_valid() -> None:
    record = load_citizen_recording(EXAMPLE)
    assert record.recorder == "A. Yilmaz" and record.announced and record.decision == "agreed"
    assert record.reason == REASON and record.employee == "J. de Vries"
    assert record.date == "2026-11-28" and record.case_number == "Z-2026-000123"


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        # The recorder takes no part and acts for nobody (the factsheet's condition).
        (('recorder = "A. Yilmaz"', 'recorder = "Buurman"'), 3, "neemt op maar doet niet mee"),
        # Acting for someone who is not a participant.
        (('recorder = "A. Yilmaz"', 'recorder = "X"\nacting_for = "Y"'), 4, "acting_for"),
        # A refusal without weighty reasons (rule f).
        ((f'refusal_reasons = ["{WEIGHTY}"]', "refusal_reasons = []"), 6, "refusal_reasons"),
        # An alternative the policy does not know.
        (('alternative = "written_summary"', 'alternative = "nothing"'), 7, "nothing"),
        # A typo in a setting.
        (("announced = true", "anounced = true"), 2, "anounced"),
        # Whether it was announced must be said.
        (("announced = true\n", ""), "?", "announced"),
    ],
)
def test_invalid_files_name_the_line(
    tmp_path: Path, change: tuple[str, str], line: int | str, words: str
) -> None:
    file = tmp_path / "burger.toml"
    file.write_text(REFUSED.replace(*change, 1), encoding="utf-8")
    with pytest.raises(CitizenRecordingError) as caught:
        load_citizen_recording(file)
    message = caught.value.message("nl")
    assert f"regel {line}" in message and words in message, message


def test_reasons_belong_to_a_refusal_only() -> None:
    doc = {
        "announced": True,
        "recorder": "A",
        "decision": "agreed",
        "alternative": "listen_only",
        "participants": [{"name": "E", "role": "employee"}, {"name": "A", "role": "citizen"}],
    }
    with pytest.raises(CitizenRecordingError) as caught:
        citizen_recording_from_dict(doc)
    assert "weigering" in caught.value.message("nl")
    del doc["alternative"]
    assert citizen_recording_from_dict(doc).decision == "agreed"


# -- registering through the command line ---------------------------------------------------
def test_register_stores_encrypted_and_logs(
    cli_vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "burger.toml"
    file.write_text(REFUSED, encoding="utf-8")
    assert main(["citizen-recording", str(file)]) == 0
    out = capsys.readouterr().out
    stored = list((cli_vault / CITIZEN_RECORDINGS).glob("*.enc"))
    assert len(stored) == 1
    raw = stored[0].read_bytes()
    for secret in (b"Yilmaz", b"terugluisteren", b"gezondheid"):
        assert secret not in raw  # encrypted at rest
    record_id = stored[0].stem
    assert record_id in out
    vault = Vault.open(cli_vault).unlock(CLI_PASSPHRASE)
    doc = vault.load_document(CITIZEN_RECORDINGS, record_id)
    assert doc["reason"] == REASON and doc["refusal_reasons"] == [WEIGHTY]
    entry = next(e for e in audit(capsys) if e["action"] == "citizen_recording_registered")
    details = entry["details"]
    assert isinstance(details, dict)
    assert details["citizen_recording_id"] == record_id and details["decision"] == "refused"
    assert details["alternative"] == "written_summary"
    assert "Yilmaz" not in json.dumps(entry)  # the trail holds no names or reasons


def test_an_invalid_file_exits_2_and_registers_nothing(
    cli_vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "burger.toml"
    file.write_text(REFUSED.replace('recorder = "A. Yilmaz"', 'recorder = "Buurman"'), "utf-8")
    assert main(["citizen-recording", str(file), "--rules-sheet", str(tmp_path / "s.pdf")]) == 2
    assert "regel 3" in capsys.readouterr().err
    assert not (cli_vault / CITIZEN_RECORDINGS).exists()
    assert not (tmp_path / "s.pdf").exists()
    assert not any(e["action"] == "citizen_recording_registered" for e in audit(capsys))


def test_the_register_for_the_privacy_officer(
    cli_vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "burger.toml"
    formula = "reason = '=HYPERLINK(\"http://x\")'"
    file.write_text(REFUSED.replace(f'reason = "{REASON}"', formula), encoding="utf-8")
    assert main(["citizen-recording", str(EXAMPLE)]) == 0
    assert main(["citizen-recording", str(file)]) == 0
    capsys.readouterr()
    assert main(["citizen-recordings", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["decision"] for r in rows] == ["agreed", "refused"]
    assert main(["citizen-recordings", "--csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert table[0]["reason"] == REASON and table[0]["announced"] == "yes"
    assert table[1]["reason"].startswith("'=")  # never a formula in a spreadsheet
    assert table[1]["alternative"] == "written_summary"
    assert table[1]["participants"] == "J. de Vries (employee); A. Yilmaz (citizen)"
    assert main(["--lang", "en", "citizen-recordings"]) == 0
    listed = capsys.readouterr().out
    assert "refused" in listed and "agreed" in listed and "A. Yilmaz" in listed


# -- the rules sheet ------------------------------------------------------------------------
RULES_NL = [
    "a. Wie opneemt, geeft de ander op verzoek een kopie",
    "b. De opname wordt op geen enkele manier bewerkt",
    "c. De opname is alleen om het gesprek thuis terug te luisteren",
    "d. Er worden geen beeldopnamen",
    "e. Is er bij u thuis een camera",
    "f. De gemeente weigert een opname alleen om zwaarwegende redenen",
]
RULES_EN = [
    "a. Whoever records gives the other a copy",
    "b. The recording is not edited in any way",
    "c. The recording is only for listening back to the conversation at home",
    "d. No pictures or video",
    "e. Is there a camera in the room at your home",
    "f. The municipality refuses a recording only for weighty reasons",
]


def contacts_in(page: str) -> None:
    policy = load_policy(None)
    for line in policy.contact_lines().splitlines():
        assert " ".join(line.split()) in page, line


@needs_pdftotext
def test_the_rules_sheet_of_a_registered_conversation(
    cli_vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file, sheet = tmp_path / "burger.toml", tmp_path / "spelregels.pdf"
    file.write_text(REFUSED, encoding="utf-8")
    assert main(["citizen-recording", str(file), "--rules-sheet", str(sheet)]) == 0
    assert pages(sheet) == 1
    dutch, english = column(sheet, 0), column(sheet, 1)
    policy = load_policy(None)
    for rule in RULES_NL:
        assert rule in dutch, rule
    for rule in RULES_EN:
        assert rule in english, rule
    for lang, page in (("nl", dutch), ("en", english)):
        notice = " ".join(policy.text("private_use_notice", lang).split())
        assert notice in page  # rule c's private-use notice
        contacts_in(page)
        assert REASON in page  # the citizen's reason as told
        assert WEIGHTY in page  # the weighty reasons
        assert " ".join(policy.alternative("written_summary", lang).split()) in page
        assert "U ontvangt het verslag binnen vijf werkdagen." in page
        assert text("citizen_sheet.copy_requested", lang) in page  # rule a, asked
    assert "28 november 2026" in dutch and "28 November 2026" in english


@needs_pdftotext
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_rules_sheet_alone(
    tmp_path: Path, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "spelregels.pdf"
    assert main(["rules-sheet", "--out", str(sheet), "--lang", lang]) == 0
    assert pages(sheet) == 1
    first, second = column(sheet, 0), column(sheet, 1)
    rules = (RULES_NL, RULES_EN) if lang == "nl" else (RULES_EN, RULES_NL)
    for rule in rules[0]:
        assert rule in first
    for rule in rules[1]:
        assert rule in second
    contacts_in(first)
    assert "Uw gesprek" not in whole(sheet) and "Your conversation" not in whole(sheet)
    assert main(["rules-sheet", "--out", str(sheet)]) == 2  # never overwritten


# -- a breach report ------------------------------------------------------------------------
def registered(cli_vault: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["citizen-recording", str(EXAMPLE)]) == 0
    capsys.readouterr()
    return next((cli_vault / CITIZEN_RECORDINGS).glob("*.enc")).stem


@needs_pdftotext
def test_a_breach_of_a_registered_conversation(
    cli_vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_id = registered(cli_vault, capsys)
    report = tmp_path / "melding.pdf"
    what = "De opname staat sinds gisteren op Facebook."
    argv = ["breach", record_id[:8], "--kind", "published", "--what", what]
    assert main([*argv, "--when", "29 november 2026", "--out", str(report)]) == 0
    page = whole(report)
    policy = load_policy(None)
    for key in ("privacy_coordinator", "privacy_officer", "fg"):
        assert " ".join(policy.contacts[key].split()) in page  # addressed to them
    for lang in ("nl", "en"):
        assert text("breach.kind.published", lang) in page
    assert what in page and "29 november 2026" in page and record_id in page
    assert "J. de Vries" in page  # the reporter: the conversation's employee
    entry = next(e for e in audit(capsys) if e["action"] == "breach_reported")
    details = entry["details"]
    assert isinstance(details, dict)
    assert details["ref"] == record_id and details["kind"] == "published"
    assert details["conversation"] == "citizen_recording"
    assert "Facebook" not in json.dumps(entry)
    assert len(list((cli_vault / "breach_reports").glob("*.enc"))) == 1


def test_a_breach_as_e_mail_text_and_of_a_recording(
    cli_vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = Vault.open(cli_vault).unlock(CLI_PASSPHRASE)
    writer = vault.new_recording(sample_rate=48000, channels=1, session={"version": 1})
    writer.write(pcm(4800, channels=1))
    writer.seal()
    rid = writer.recording_id
    assert main(["--lang", "en", "breach", rid, "--kind", "edited", "--what", "Cut short."]) == 0
    out = capsys.readouterr().out
    assert out.count("To: privacy@s-hertogenbosch.nl, fg@s-hertogenbosch.nl") == 1
    assert "Subject:" in out and "Cut short." in out and rid in out
    mail = tmp_path / "melding.txt"
    assert (
        main(
            [
                "breach",
                str(EXAMPLE),
                "--what",
                "Opgenomen zonder te zeggen.",
                "--kind",
                "not_announced",
                "--out",
                str(mail),
            ]
        )
        == 0
    )
    body = mail.read_text(encoding="utf-8")
    assert "Opgenomen zonder te zeggen." in body and "Z-2026-000123" in body
    assert text("breach.kind.not_announced", "nl") in body
    entries = [e for e in audit(capsys) if e["action"] == "breach_reported"]
    assert entries[0]["recording_id"] == rid
    assert isinstance(entries[1]["details"], dict) and entries[1]["details"]["conversation"] == (
        "session"
    )


def test_a_breach_of_an_unknown_conversation_exits_2(
    cli_vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["breach", "no-such-thing", "--what", "x"]) == 2
    assert "no-such-thing" in capsys.readouterr().err
    assert not any(e["action"] == "breach_reported" for e in audit(capsys))
