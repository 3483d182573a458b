"""Fixtures for core tests: a real vault on disk with a fast key derivation, and PCM makers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio.vault.store import UnlockedVault, Vault

# Argon2id at its lower bound: the same code path as production, fast enough for many tests.
FAST_KDF = {"algorithm": "argon2id", "memory_kib": 8192, "iterations": 1, "lanes": 1}
PASSPHRASE = "correct horse battery staple"
# The command line's vault in `cli_vault`.
CLI_PASSPHRASE = "paars konijn fietst langs de gracht"


@pytest.fixture
def vault(tmp_path: Path) -> UnlockedVault:
    return Vault.create(tmp_path / "vault", PASSPHRASE, kdf=FAST_KDF)


@pytest.fixture
def cli_vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new vault made with `gespreksopname init`, the environment set as a Dutch user's with
    CLI_PASSPHRASE; returns the vault's folder."""
    from desktop.cli import main

    root = tmp_path / "vault"
    monkeypatch.setenv("GESPREKSOPNAME_VAULT", str(root))
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", CLI_PASSPHRASE)
    monkeypatch.delenv("GESPREKSOPNAME_POLICY", raising=False)
    monkeypatch.setenv("LANG", "nl_NL.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert main(["init"]) == 0
    return root


def pcm(frames: int, channels: int = 2, width: int = 2, seed: int = 0) -> bytes:
    """Deterministic noise-like PCM of `frames` frames."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=frames * channels * width, dtype=np.uint8).tobytes()
