"""`gespreksopname verify --keyless`: a container checked against its public seal without a
passphrase or key, on the laptop and on a computer that has only the files (issue 15)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from audio.encoding import canonical_json
from desktop.cli import main
from policy.workspace import Workspace
from tests.helpers.organisation import Org
from tests.unit.trust.test_timestamps_in_use import _record


@pytest.fixture
def sealed(laptop: Workspace, tmp_path: Path) -> tuple[str, Path, Path]:
    """A recording sent to the archive, its container and public seal copied to a USB stick."""
    rid = _record(laptop)
    assert laptop.sync_archive().left == 0
    usb = tmp_path / "usb"
    usb.mkdir()
    container = usb / f"{rid}.gesp"
    shutil.copy(laptop.vault.vault.recording_path(rid), container)
    shutil.copy(laptop.vault.root / "seals" / f"{rid}.seal.json", usb)
    return rid, container, usb / f"{rid}.seal.json"


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another computer: no vault, no passphrase, the bundled policy."""
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(tmp_path / "no-vault"))
    monkeypatch.delenv("GESPREKSOPNAME_PASSPHRASE", raising=False)
    monkeypatch.delenv("GESPREKSOPNAME_POLICY", raising=False)


def test_on_the_laptop_a_container_is_intact_without_a_key(
    sealed: tuple[str, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    rid, container, _seal = sealed
    assert main(["verify", "--keyless", rid]) == 0
    out = capsys.readouterr().out
    assert "Result: INTACT" in out and "this installation" in out
    assert main(["verify", "--keyless", str(container)]) == 0


def test_elsewhere_it_needs_the_organisations_ca(
    sealed: tuple[str, Path, Path],
    org: Org,
    elsewhere: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _rid, container, _seal = sealed
    assert main(["verify", "--keyless", str(container)]) == 3
    assert "does not know" in capsys.readouterr().out
    assert main(["verify", "--keyless", str(container), "--ca", str(org.certificate)]) == 0
    assert "certified by a CA you trust" in capsys.readouterr().out


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_one_byte_changed_anywhere_is_found(
    sealed: tuple[str, Path, Path], where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _rid, container, _seal = sealed
    data = bytearray(container.read_bytes())
    index = {"start": 40, "middle": len(data) // 2, "end": len(data) - 1}[where]
    data[index] ^= 0x01
    container.write_bytes(bytes(data))
    assert main(["verify", "--keyless", str(container)]) in (1, 2)
    out = capsys.readouterr().out
    assert "CHANGED" in out or "CANNOT BE CHECKED" in out


def test_a_cut_container_is_incomplete(
    sealed: tuple[str, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _rid, container, _seal = sealed
    container.write_bytes(container.read_bytes()[:-100])
    assert main(["verify", "--keyless", str(container)]) == 1
    assert "shorter than when it was sealed" in capsys.readouterr().out


def test_a_seal_made_to_fit_other_bytes_does_not_verify(
    sealed: tuple[str, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """An outsider who changes the container and rewrites the seal's hash without the key."""
    _rid, container, seal_file = sealed
    data = container.read_bytes() + b"\x00"
    container.write_bytes(data)
    forged = json.loads(seal_file.read_bytes())
    forged["container"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    seal_file.write_bytes(canonical_json(forged))  # the old signature, over the old hash
    assert main(["verify", "--keyless", str(container)]) == 1
    assert "public seal is not valid" in capsys.readouterr().out


def test_another_recordings_seal_is_refused(
    laptop: Workspace, sealed: tuple[str, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _rid, container, _seal = sealed
    other = _record(laptop)
    assert laptop.sync_archive().left == 0
    seal = laptop.vault.root / "seals" / f"{other}.seal.json"
    assert main(["verify", "--keyless", str(container), "--seal", str(seal)]) == 1
    assert "belongs to another recording" in capsys.readouterr().out
