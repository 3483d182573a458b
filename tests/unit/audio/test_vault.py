"""The vault: passphrase, key derivation bounds, passphrase change, damaged files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audio.container.verify import verify
from audio.errors import VaultError, WrongPassphrase
from audio.vault.store import VAULT_FILE, UnlockedVault, Vault
from tests.unit.conftest import FAST_KDF, PASSPHRASE, pcm


def test_unlock_gives_the_same_keys(vault: UnlockedVault) -> None:
    again = Vault.open(vault.root).unlock(PASSPHRASE)
    assert again.key == vault.key
    assert again.signing_key.public == vault.signing_key.public


def test_wrong_passphrase_is_clear_and_changes_nothing(vault: UnlockedVault) -> None:
    before = {p: p.read_bytes() for p in vault.root.rglob("*") if p.is_file()}
    with pytest.raises(WrongPassphrase) as caught:
        Vault.open(vault.root).unlock("wrong")
    assert "wachtwoord is onjuist" in caught.value.message("nl")
    assert "passphrase is wrong" in caught.value.message("en")
    after = {p: p.read_bytes() for p in vault.root.rglob("*") if p.is_file()}
    assert after == before


def test_passphrase_change_rewraps_and_leaves_audio_alone(vault: UnlockedVault) -> None:
    writer = vault.new_recording(sample_rate=48000, channels=2)
    writer.write(pcm(4800))
    writer.seal()
    audio_before = writer.path.read_bytes()
    vault.change_passphrase("een nieuw wachtwoord")
    with pytest.raises(WrongPassphrase):
        Vault.open(vault.root).unlock(PASSPHRASE)
    reopened = Vault.open(vault.root).unlock("een nieuw wachtwoord")
    assert writer.path.read_bytes() == audio_before
    trusted = {reopened.signing_key.public.raw: "this installation"}
    assert verify(writer.path, reopened.identities(), trusted).manifest.frames == 4800


def test_create_refuses_an_existing_vault(vault: UnlockedVault) -> None:
    with pytest.raises(VaultError) as caught:
        Vault.create(vault.root, "x", kdf=FAST_KDF)
    assert caught.value.key == "error.vault_exists"


def test_missing_vault_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(VaultError) as caught:
        Vault.open(tmp_path / "nowhere")
    assert "gespreksopname init" in caught.value.message("nl")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("memory_kib", 1 << 30),
        ("memory_kib", 16),
        ("iterations", 10**6),
        ("lanes", 0),
        ("iterations", True),
        ("algorithm", "md5"),
    ],
)
def test_kdf_parameters_are_capped_when_read(
    vault: UnlockedVault, field: str, value: object
) -> None:
    doc = json.loads((vault.root / VAULT_FILE).read_text())
    doc["kdf"][field] = value
    (vault.root / VAULT_FILE).write_text(json.dumps(doc))
    with pytest.raises(VaultError) as caught:
        Vault.open(vault.root)
    assert caught.value.key == "error.vault_damaged"


@pytest.mark.parametrize("damage", ["not json", "{}", '{"type": "gespreksopname-vault"}', ""])
def test_damaged_vault_file(vault: UnlockedVault, damage: str) -> None:
    (vault.root / VAULT_FILE).write_text(damage)
    with pytest.raises(VaultError):
        Vault.open(vault.root)


def test_tampered_signing_key_is_not_accepted(vault: UnlockedVault) -> None:
    doc = json.loads((vault.root / VAULT_FILE).read_text())
    other = Vault.create(vault.root.parent / "other", PASSPHRASE, kdf=FAST_KDF)
    doc["signing_key"]["public_key"] = other.vault.doc["signing_key"]["public_key"]
    (vault.root / VAULT_FILE).write_text(json.dumps(doc))
    with pytest.raises(VaultError):
        Vault.open(vault.root).unlock(PASSPHRASE)


def test_vault_files_are_private(vault: UnlockedVault) -> None:
    assert (vault.root / VAULT_FILE).stat().st_mode & 0o077 == 0
    writer = vault.new_recording(sample_rate=48000, channels=1)
    writer.seal()
    assert writer.path.stat().st_mode & 0o077 == 0


def test_recording_ids_by_prefix(vault: UnlockedVault) -> None:
    writer = vault.new_recording(sample_rate=48000, channels=1)
    writer.seal()
    assert vault.vault.recording_path(writer.recording_id[:8]) == writer.path
    with pytest.raises(VaultError) as caught:
        vault.vault.recording_path("abc")
    assert caught.value.key == "error.unknown_recording"
