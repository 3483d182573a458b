"""Nothing personal rests on disk in plaintext: not the audio, not the session, not in temp."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from audio.vault.store import UnlockedVault

MARKER = b"GESPREKSOPNAME-PLAINTEXT-MARKER!"  # 32 bytes = 8 stereo s16le frames
NAME = "Fatima el Amrani-Jansen"


def files_containing(needle: bytes, *folders: Path) -> list[Path]:
    found = []
    for folder in folders:
        for dirpath, _dirs, names in os.walk(folder):
            for name in names:
                path = Path(dirpath) / name
                try:
                    if needle in path.read_bytes():
                        found.append(path)
                except OSError:
                    continue  # vanished or unreadable (another process's temp file)
    return found


def test_the_scanner_finds_plaintext(tmp_path: Path) -> None:
    (tmp_path / "leak.raw").write_bytes(b"xx" + MARKER + b"yy")
    assert files_containing(MARKER, tmp_path) == [tmp_path / "leak.raw"]


@pytest.mark.parametrize("sample_format", ["s16le", "s24le"])
def test_no_plaintext_while_writing_or_after(
    vault: UnlockedVault, sample_format: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A temp directory of our own, so whatever temp file the code makes lands where we look.
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    needle_name = NAME.encode()
    session = {"version": 1, "participants": [{"name": NAME, "role": "citizen"}]}
    frame = 2 * (2 if sample_format == "s16le" else 3)
    block = MARKER * (frame * 4800 // len(MARKER))  # a block of whole frames, 0.1 s or so
    writer = vault.new_recording(
        sample_rate=48000, channels=2, sample_format=sample_format, session=session
    )
    for _ in range(30):
        writer.write(block)
        writer.add_event("marker", NAME)
        writer.flush()
        assert files_containing(MARKER, vault.root, temp) == []
        assert files_containing(needle_name, vault.root) == []
    writer.seal()
    assert files_containing(MARKER, vault.root, temp) == []
    assert files_containing(needle_name, vault.root) == []
    assert writer.path.stat().st_size > 30 * len(block)  # the audio really is in there
