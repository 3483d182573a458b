"""The organisation's recovery key at work: the Privacy Officer opens a recording without the
employee's passphrase, verifies it, and takes out its audio (a WAV, or for a recording a citizen
handed in, the citizen's original file byte for byte). The audio never reaches its target file
unless the whole recording verified and the audio written hashes to the sealed hash."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from audio.container import layout as c
from audio.errors import GespreksError, IntegrityError
from audio.vault.escrow import escrow_identities
from audio.vault.keys import RecoveryPrivateKey, RecoveryPublicKey
from audio.vault.stanzas import X25519Identity

__all__ = ["X25519Identity", "extract", "make_recovery_key", "recovery_identity", "verify_with"]
from audio.container.verify import Report, iter_audio, verify
from audio.copies.wavfile import write_wav


def make_recovery_key(out: Path, secret: str) -> RecoveryPublicKey:
    """Make the organisation's recovery key pair: the private key to `out` (0600, encrypted
    with `secret`, never overwriting), the public key returned for the policy file."""
    private = RecoveryPrivateKey.generate()
    try:
        with open(out, "xb") as handle:
            handle.write(private.pem(secret.encode("utf-8")))
        out.chmod(0o600)
    except FileExistsError as exc:
        raise GespreksError("error.file_exists", path=str(out)) from exc
    except OSError as exc:
        raise GespreksError("error.cannot_write", path=str(out), reason=exc.strerror) from exc
    return private.public


def recovery_identity(pem: bytes, secret: str, name: str) -> X25519Identity:
    """The offline private key from its PEM (encrypted with `secret`, or not at all)."""
    try:
        private = RecoveryPrivateKey.from_pem(pem, secret.encode("utf-8") or None)
    except ValueError as exc:
        raise GespreksError("error.recovery_key", path=name) from exc
    return X25519Identity(private)


def verify_with(
    path: Path,
    identity: X25519Identity,
    trusted: Mapping[bytes, str],
    *,
    escrow: Path | None = None,
) -> Report:
    """Verify a recording with the recovery key (IntegrityError names what was changed); a
    recording sealed before this key was in force opens with its escrow file (`escrow`, else
    found beside the container: audio.vault.escrow)."""
    return verify(path, escrow_identities(identity, path, escrow), trusted)


def extract(
    path: Path,
    identity: X25519Identity,
    trusted: Mapping[bytes, str],
    out: Path,
    *,
    escrow: Path | None = None,
) -> Report:
    """Verify, then write the audio to `out` (never overwritten): a WAV through our own writer,
    or an imported recording's original file. On any failure nothing is left at `out`. The
    escrow file is used as by `verify_with`."""
    identities = escrow_identities(identity, path, escrow)
    report = verify(path, identities, trusted)
    manifest = report.manifest
    temp = out.with_name(f".{out.name}.part")
    hasher = hashlib.sha256()

    def blocks() -> Iterator[bytes]:
        for body in iter_audio(path, identities):
            hasher.update(body)
            yield body

    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as raw:
            if manifest.sample_format == c.FILE_FORMAT:
                for block in blocks():
                    raw.write(block)
            else:
                write_wav(
                    raw,
                    sample_rate=int(manifest.sample_rate),
                    channels=int(manifest.channels),
                    sample_width=c.SAMPLE_WIDTHS[str(manifest.sample_format)],
                    frames=int(manifest.frames),
                    blocks=blocks(),
                )
            raw.flush()
            os.fsync(raw.fileno())
        if hasher.hexdigest() != manifest.pcm_sha256:  # changed between the two passes
            raise IntegrityError("manifest", None, field="pcm_sha256")
        os.link(temp, out)  # fails rather than replace a file that appeared meanwhile
    except FileExistsError as exc:
        raise GespreksError("error.file_exists", path=str(out)) from exc
    except ValueError as exc:  # the audio did not match the sealed frame count
        raise IntegrityError("manifest", None, field="frames") from exc
    finally:
        temp.unlink(missing_ok=True)  # never a half file or unverified audio left behind
    return report
