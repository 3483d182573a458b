"""Any change to a container is detected, and never as an unhandled exception (hypothesis)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audio.container.verify import verify
from audio.container.writer import ContainerWriter
from audio.errors import IntegrityError, NoMatchingKey, UnsupportedVersion
from audio.vault.keys import RecoveryPrivateKey, SigningKey
from audio.vault.stanzas import Recipient, VaultKey, X25519Identity, X25519Recipient
from tests.unit.conftest import pcm

DETECTED = (IntegrityError, NoMatchingKey, UnsupportedVersion)
SIGNER = SigningKey.generate()
KEYS_DIR = Path(tempfile.mkdtemp(prefix="gesp-slots-"))
VAULT_KEY = VaultKey("7d1f3c7e-0000-4000-8000-000000000001", bytes(range(32)), KEYS_DIR)
OFFICER = RecoveryPrivateKey.generate()
TRUSTED = {SIGNER.public.raw: "this installation"}


def _original() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "original.gesp"
        recipients: list[Recipient] = [VAULT_KEY, X25519Recipient(OFFICER.public)]
        writer = ContainerWriter(
            path,
            recipients=recipients,
            signer=SIGNER,
            sample_rate=8000,
            channels=2,
            chunk_frames=64,
            session={"version": 1},
        )
        writer.write(pcm(150))
        writer.add_event("marker", "note")
        writer.write(pcm(100, seed=1))
        writer.seal()
        return path.read_bytes()


ORIGINAL = _original()


def check(data: bytes, folder: Path) -> None:
    path = folder / "candidate.gesp"
    path.write_bytes(data)
    for identities in ([VAULT_KEY], [X25519Identity(OFFICER)]):
        with pytest.raises(DETECTED):
            verify(path, identities, TRUSTED)


def test_the_original_verifies(tmp_path: Path) -> None:
    path = tmp_path / "original.gesp"
    path.write_bytes(ORIGINAL)
    assert verify(path, [VAULT_KEY], TRUSTED).manifest.frames == 250


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    flips=st.lists(
        st.tuples(st.integers(0, len(ORIGINAL) - 1), st.integers(1, 255)), min_size=1, max_size=4
    )
)
def test_flipped_bytes_are_detected(tmp_path: Path, flips: list[tuple[int, int]]) -> None:
    data = bytearray(ORIGINAL)
    for offset, mask in flips:
        data[offset] ^= mask
    if bytes(data) == ORIGINAL:  # two flips of the same byte may cancel out
        return
    check(bytes(data), tmp_path)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(length=st.integers(0, len(ORIGINAL) - 1))
def test_truncation_anywhere_is_detected(tmp_path: Path, length: int) -> None:
    check(ORIGINAL[:length], tmp_path)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(extra=st.binary(min_size=1, max_size=64), at=st.integers(0, len(ORIGINAL)))
def test_inserted_bytes_are_detected(tmp_path: Path, extra: bytes, at: int) -> None:
    check(ORIGINAL[:at] + extra + ORIGINAL[at:], tmp_path)
