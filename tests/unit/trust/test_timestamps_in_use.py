"""RFC 3161 timestamps at work (issue 13), with a real TSA (`openssl ts -reply` behind a local
HTTP server, tests/helpers/tsa.py): taken at seal when the TSA is up, queued when it is down and
taken later, a backdated re-seal flagged as sealed late, and every command LEESMIJ prints run
exactly as printed: passing on a genuine copy, failing on a changed one.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from desktop.cli import main
from policy.copies import export_copy
from policy.policy import load_policy
from policy.rules import evaluate
from policy.sealed import session_document
from policy.workspace import Workspace
from tests.helpers.organisation import Org, make_org, policy_text
from tests.helpers.tsa import RunningTsa
from tests.unit.conftest import FAST_KDF, PASSPHRASE
from tests.unit.policy.conftest import lawful

RATE = 48000


@pytest.fixture
def org(tmp_path: Path) -> Org:
    return make_org(tmp_path / "org")


@pytest.fixture
def policy_file(tmp_path: Path, org: Org, tsa: RunningTsa) -> Path:
    """The organisation's policy naming the TSA, signed by its CA."""
    folder = tmp_path / "beleid"
    folder.mkdir()
    shutil.copy(tsa.ca_pem_path, folder / "tsa.pem")
    text = policy_text(org) + (
        f'\n[timestamps]\nurl = "{tsa.url}"\nca_certificate = "tsa.pem"\nmax_delay_minutes = 60\n'
    )
    file = folder / "beleid.toml"
    file.write_text(text, encoding="utf-8")
    org.sign(file)
    return file


@pytest.fixture
def workspace(
    tmp_path: Path, org: Org, policy_file: Path, monkeypatch: pytest.MonkeyPatch
) -> Workspace:
    policy = load_policy(policy_file)
    root = tmp_path / "vault"
    made = Workspace.create(root, PASSPHRASE, policy, kdf=FAST_KDF)
    org.enroll(made, "Laptop Wijkteam")
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(root))
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("GESPREKSOPNAME_POLICY", str(policy_file))
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    workspace = Workspace(made.vault, policy)  # as the next start sees it: enrolled
    assert workspace.policy.timestamps is not None, workspace.policy.provenance
    return workspace


def _record(workspace: Workspace, clock: float = 0.0) -> str:
    """One second of tone; `clock` shifts the writer's clock (a backdated recording)."""
    session = lawful()
    doc = session_document(session, evaluate(session, workspace.policy), workspace.policy)
    writer = workspace.new_recording(
        sample_rate=RATE, channels=1, session=doc, clock=lambda: time.time() + clock
    )
    tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(RATE) / RATE)).astype("<i2")
    writer.write(tone.tobytes())
    writer.seal()
    workspace.audit.append("recording_sealed", writer.recording_id)  # as Recording.stop logs
    return writer.recording_id


def test_a_seal_is_timestamped_when_the_tsa_is_up(
    workspace: Workspace, tsa: RunningTsa, capsys: pytest.CaptureFixture[str]
) -> None:
    rid = _record(workspace)
    taken, waiting = workspace.timestamp_state()
    assert (taken, waiting) == (2, 0)  # the seal and the trail's head after it
    assert main(["verify", rid]) == 0
    out = capsys.readouterr().out
    assert re.search(r"Timestamp: sealed at \S+ \S+ according to CN=Test TSA", out), out


def test_queued_while_the_tsa_is_down_and_taken_later(
    workspace: Workspace, tsa: RunningTsa, capsys: pytest.CaptureFixture[str]
) -> None:
    tsa.pause()
    try:
        rid = _record(workspace)  # sealed and kept: the TSA being down changes nothing
        assert workspace.timestamp_state() == (0, 2)
        assert workspace.timestamp_problem is not None
        assert main(["verify", rid]) == 0
        assert "not yet timestamped (queued" in capsys.readouterr().out
        assert main(["timestamp", "--pending"]) == 1  # still down: stays queued
        assert "cannot be reached" in capsys.readouterr().err
    finally:
        tsa.resume()
    assert main(["timestamp", "--pending"]) == 0
    assert "2 taken, 0 still queued" in capsys.readouterr().out
    assert main(["verify", rid]) == 0
    assert "Timestamp: sealed at" in capsys.readouterr().out
    assert main(["timestamp", "--pending"]) == 0
    assert "nothing queued" in capsys.readouterr().out


def test_a_backdated_seal_is_flagged_as_sealed_late(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    """Someone with the passphrase makes a recording with the clock set two hours back (or
    replaces one): the TSA's time is now, so the seal shows as sealed late."""
    rid = _record(workspace, clock=-2 * 3600)
    assert main(["verify", rid]) == 0
    out = capsys.readouterr().out
    assert "SEALED LATE" in out and "minutes after the recording ended" in out
    honest = _record(workspace)
    assert main(["verify", honest]) == 0
    assert "SEALED LATE" not in capsys.readouterr().out


def _commands(readme: str) -> list[tuple[str, str | None]]:
    """Every command LEESMIJ prints (English part), with the output it says to expect."""
    english = readme[readme.index("How to check this copy") :]
    lines = english.splitlines()
    found: list[tuple[str, str | None]] = []
    for number, line in enumerate(lines):
        match = re.match(r"^\s*(?:\d+\.\s+)?((?:sha256sum|openssl) .*)$", line)
        if not match:
            continue
        follow = lines[number + 1] if number + 1 < len(lines) else ""
        fingerprint = r"[0-9A-F]{2}(?::[0-9A-F]{2}){31}|[0-9a-f]{64}"
        expect = re.search(rf'must (?:say "([^"]+)"|print ({fingerprint}))', follow)
        found.append((match.group(1), (expect.group(1) or expect.group(2)) if expect else None))
    return found


def _run(command: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def copy(workspace: Workspace, tmp_path: Path) -> Path:
    rid = _record(workspace)
    usb = tmp_path / "usb"
    usb.mkdir()
    return export_copy(workspace, rid, usb, "flac", recipient="J. de Vries")


def test_every_command_in_leesmij_runs_as_printed_and_passes_on_a_genuine_copy(
    copy: Path,
) -> None:
    names = {p.name for p in copy.iterdir()}
    assert {"installatie.pem", "organisatie.pem", "zegel.tsr", "tsa.pem"} <= names
    readme = (copy / "LEESMIJ.txt").read_text(encoding="utf-8")
    commands = _commands(readme)
    joined = "\n".join(command for command, _ in commands)
    for tool in ("sha256sum -c", "openssl ts -verify", "openssl verify", "openssl pkeyutl"):
        assert tool in joined
    assert len(commands) == 7
    for command, expected in commands:
        result = _run(command, copy)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        if expected is not None:
            assert expected.lower() in (result.stdout + result.stderr).lower(), (command, result)
    # The Dutch part prints the same commands.
    dutch = readme[: readme.index("How to check this copy")]
    for command, _ in commands:
        assert command in dutch


def _fails(copy: Path, command_start: str) -> bool:
    readme = (copy / "LEESMIJ.txt").read_text(encoding="utf-8")
    for command, expected in _commands(readme):
        if command_start in command:
            result = _run(command, copy)
            if result.returncode != 0:
                return True
            output = (result.stdout + result.stderr).lower()
            return expected is not None and expected.lower() not in output
    raise AssertionError(f"no command {command_start!r} in LEESMIJ")


def test_each_command_fails_on_a_changed_copy(
    copy: Path, tmp_path: Path, tsa: RunningTsa, workspace: Workspace
) -> None:
    # The audio changed: sha256sum -c fails.
    changed = tmp_path / "changed-audio"
    shutil.copytree(copy, changed)
    audio = changed / "opname.flac"
    data = bytearray(audio.read_bytes())
    data[-50] ^= 0x01
    audio.write_bytes(bytes(data))
    assert _fails(changed, "sha256sum -c")
    # The checksums rewritten to match: their signature fails.
    resummed = tmp_path / "resummed"
    shutil.copytree(changed, resummed)
    sums = _run("sha256sum opname.flac LEESMIJ.txt", resummed).stdout
    (resummed / "SHA256SUMS").write_text(sums)
    assert _fails(resummed, "openssl pkeyutl")
    # Another organisation's CA put in: the chain fails (and its fingerprint differs).
    other = make_org(tmp_path / "other")
    foreign = tmp_path / "foreign-ca"
    shutil.copytree(copy, foreign)
    shutil.copy(other.certificate, foreign / "organisatie.pem")
    assert _fails(foreign, "openssl verify")
    assert _fails(foreign, "openssl x509 -in organisatie.pem -noout -fingerprint")
    # A timestamp for something else: openssl ts -verify fails.
    from audio.trust.timestamps import request_token

    swapped = tmp_path / "swapped-token"
    shutil.copytree(copy, swapped)
    (swapped / "zegel.tsr").write_bytes(request_token(tsa.url, bytes(32)))
    assert _fails(swapped, "openssl ts -verify")
    # Another installation's key in publickey.pem: its fingerprint is not the one printed.
    stranger = tmp_path / "stranger-key"
    shutil.copytree(copy, stranger)
    (stranger / "publickey.pem").write_text(
        Workspace.create(
            tmp_path / "v2", PASSPHRASE, workspace.policy, kdf=FAST_KDF
        ).vault.signing_key.public.pem()
    )
    assert _fails(stranger, "openssl pkey -pubin")


def test_the_copy_reports_its_timestamp(
    copy: Path, org: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(copy.parent / "no-vault"))
    monkeypatch.delenv("GESPREKSOPNAME_PASSPHRASE")
    monkeypatch.delenv("GESPREKSOPNAME_POLICY")
    assert main(["verify", str(copy), "--ca", str(org.certificate)]) == 0
    out = capsys.readouterr().out
    assert "Timestamp: sealed at" in out and "Result: INTACT." in out
    (copy / "zegel.tsr").write_bytes(b"junk")
    assert main(["verify", str(copy), "--ca", str(org.certificate)]) == 1  # not in the sums


def test_a_trail_rewritten_after_its_head_was_timestamped_is_found(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    """An insider with the passphrase rebuilds the whole trail (every line validly signed and
    chained, the state anchored to the new head): locally consistent, but the line the TSA
    stamped is no longer there."""
    from audio.vault.state import GENESIS

    _record(workspace)
    assert main(["audit", "--verify"]) == 0
    out = capsys.readouterr().out
    stamped = r"The trail up to line \d+ was timestamped at .* according to CN=Test TSA"
    assert re.search(stamped, out), out
    entries, _ = workspace.audit.read()
    workspace.audit.path.unlink()
    with workspace.vault.state.locked() as state:
        state.audit_seq, state.audit_hash, state.audit_line = 0, GENESIS, b""
    workspace.audit.observer = None  # rewriting quietly: no new timestamps
    for entry in entries:
        details: dict[str, Any] = dict(entry.details)
        workspace.audit.append(entry.action, entry.recording_id, **details)
    assert workspace.audit.read()[1] is None  # the trail itself is consistent again
    assert main(["audit", "--verify"]) == 1
    assert "the trail was rewritten after it was timestamped" in capsys.readouterr().out


def test_a_recording_replaced_by_someone_with_the_passphrase_is_found(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    """An insider seals another recording under an existing id, with its times, and sets the
    register to match: the kept timestamp no longer matches (exit 1). Removing that timestamp
    and its mark in the register and stamping the new seal makes it SEALED LATE: the TSA's
    time is now, hours after the end the manifest claims."""
    from dataclasses import replace

    from audio.container.writer import ContainerWriter

    started = time.time() - 2 * 3600
    rid = _record(workspace, clock=-2 * 3600)  # recorded two hours ago
    path = workspace.vault.vault.recording_path(rid)
    path.unlink()
    workspace.vault.key.slot_path(rid).unlink()  # its key slot goes too: a new one is made
    session = lawful()
    doc = session_document(session, evaluate(session, workspace.policy), workspace.policy)
    forged = ContainerWriter(
        path,
        recipients=workspace.vault.recipients(),
        signer=workspace.vault.signing_key,
        sample_rate=RATE,
        channels=1,
        session=doc,
        recording_id=rid,
        clock=lambda: started,
    )
    forged.write(bytes(2 * RATE))  # a second of silence instead of what was said
    manifest = forged.seal()
    from audio.container.verify import verify

    report = verify(path, workspace.vault.identities(), workspace.trusted("-"))
    seal = report.seal_sha256
    with workspace.vault.state.locked() as state:  # the register made to match the new seal
        state.recordings[rid] = state.recordings[rid].sealed(report.manifest, seal)
    assert main(["verify", rid]) == 1
    assert "DOES NOT MATCH" in capsys.readouterr().out
    # Cover the tracks: the timestamp's record and its mark go, and the new seal is stamped.
    from policy import timestamping

    (
        workspace.vault.root
        / "timestamp"
        / f"{timestamping.doc_id(workspace.vault, 'seal', rid)}.enc"
    ).unlink()
    assert main(["verify", rid]) == 1
    assert "MISSING" in capsys.readouterr().out
    with workspace.vault.state.locked() as state:
        state.recordings[rid] = replace(state.recordings[rid], timestamped=False)
    timestamping.queue(workspace.vault, "seal", rid, seal)
    workspace.send_timestamps()
    assert manifest.ended  # the forged seal claims the old end
    assert main(["verify", rid]) == 0
    out = capsys.readouterr().out
    assert "SEALED LATE" in out and "Result: INTACT, but SEALED LATE" in out
