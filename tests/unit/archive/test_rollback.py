"""What the archive adds against an insider (issue 15): an older, consistent copy of the
vault's state and trail put back is found, and a recording the archive knows as sealed is never
sealed again, which a laptop on its own cannot notice (tests/unit/policy/test_attack_review2.py
keeps that limit as an expected failure without an archive)."""

from __future__ import annotations

import shutil

import pytest

from audio.vault.store import RECORDINGS
from desktop.cli import main
from policy.workspace import Workspace
from tests.helpers.s3server import RunningS3
from tests.unit.conftest import pcm
from tests.unit.policy.test_attack_review import cut_manifest_and_last_audio


def test_an_older_state_and_trail_put_back_are_found_by_the_archive(
    laptop: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    root = laptop.vault.root
    writer = laptop.new_recording(sample_rate=48000, channels=1, session={"version": 1})
    writer.write(pcm(48000 * 3, 1))
    old_state, old_trail = (root / "state.enc").read_bytes(), (root / "audit.log").read_bytes()
    writer.seal()
    rid = writer.recording_id
    laptop.audit.append("recording_sealed", rid)  # as Recording.stop logs it
    assert main(["archive", "sync"]) == 0
    capsys.readouterr()
    (root / "state.enc").write_bytes(old_state)
    (root / "audit.log").write_bytes(old_trail)
    cut_manifest_and_last_audio(root / RECORDINGS / f"{rid}.gesp")
    # Everything local that remembers the seal goes too: its timestamps, the archive's queue
    # and the public seal. Only the archive is left to know.
    for folder in ("timestamp", "archive", "seals"):
        shutil.rmtree(root / folder)

    assert main(["recover"]) == 1  # refused: the archive holds its seal
    assert "archive holds a seal for this recording" in capsys.readouterr().out
    assert main(["audit", "--verify"]) == 1
    assert "older copy of the trail" in capsys.readouterr().out
    assert main(["verify", rid]) != 0


def test_audit_verify_says_when_the_archive_was_not_asked(
    laptop: Workspace, s3: RunningS3, capsys: pytest.CaptureFixture[str]
) -> None:
    laptop.audit.append("recording_sealed", None)
    assert main(["archive", "sync"]) == 0
    assert main(["audit", "--verify"]) == 0
    assert "archive holds the trail up to line" in capsys.readouterr().out
    s3.stop()
    try:
        assert main(["audit", "--verify"]) == 0
        out = capsys.readouterr().out
        assert "NOT compared with the organisation's archive" in out
        assert "cannot be reached" in out
    finally:
        s3.start()
