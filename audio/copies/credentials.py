"""Content Credentials (C2PA) on a citizen's copy: signed into the file, and read back.

`embed` signs a C2PA manifest into an exported audio file in place, with the installation's
Ed25519 key through a callback (the key never leaves this process: c2pa hands us the bytes to
sign) and the installation's certificate chain. The manifest holds a `c2pa.actions` assertion
(`c2pa.created` with a digital source type, or `c2pa.edited` for an edited version, with what was
cut and the consent), our own assertion `nl.gespreksopname.seal` with the seal's facts, and, when
the policy names a time-stamping authority, an RFC 3161 timestamp of the claim signature.

Where c2pa puts the manifest (one JUMBF manifest store, found by embedding and reading back):
- wav:  a `C2PA` RIFF chunk appended after our `gsop` seal chunk (the RIFF size grows);
- flac: an ID3v2.4 tag in front of `fLaC` holding one GEOB frame (application/c2pa);
- mp3:  one GEOB frame (application/c2pa) appended to our ID3v2.4 tag, after COMM.
`audio.copies.verify` accepts exactly that and nothing else; see docs/FORMAT.md.

`read` validates the credentials with c2pa's Reader, the organisation's CA as the only trust
anchor, and never goes to the network. The `c2pa` package is optional: without it `embed` and
`read` raise CredentialsUnavailable, and a copy is exported without credentials.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SEAL_LABEL = "nl.gespreksopname.seal"
GENERATOR = "Gespreksopname"
DIGITAL_CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
MIME = {"wav": "audio/wav", "flac": "audio/flac", "mp3": "audio/mpeg"}
# The extended key usages a signing certificate may carry for the verifier: emailProtection, and
# documentSigning (1.3.6.1.5.5.7.3.36), which a leaf with only that usage needs named here.
TRUSTED_EKUS = ("1.3.6.1.5.5.7.3.4", "1.3.6.1.5.5.7.3.36")
# The ID3 GEOB frame c2pa writes in FLAC and MP3, up to the manifest store itself.
GEOB_PREFIX = b"\x03application/c2pa\x00c2pa\x00c2pa manifest store\x00"
WAV_CHUNK = b"C2PA"


class CredentialsUnavailable(Exception):
    """The c2pa package cannot be loaded here: the copy has (or is read) without credentials."""


class CredentialsError(Exception):
    """Signing the credentials failed; the file is left as it was."""


class CredentialsDamaged(Exception):
    """The manifest is there but c2pa cannot read it: its structure was damaged (a change)."""


@dataclass(frozen=True)
class Credentials:
    """What c2pa says about a file's Content Credentials.

    `state` is c2pa's validation state: "Trusted" (valid, and the signer chains to the CA
    given), "Valid" (valid, signer not trusted here), "Invalid", or "none" (no manifest).
    """

    state: str
    signer: str = ""  # the signing certificate's common name
    issuer: str = ""  # its issuer's organisation or common name
    serial: str = ""  # its serial number, decimal
    signed_at: str | None = None  # the time in the signature (the TSA's, when timestamped)
    timestamp: str = "none"  # "trusted" | "untrusted" | "none": c2pa's word on the timestamp
    actions: tuple[Mapping[str, Any], ...] = ()
    seal: Mapping[str, Any] | None = None  # our assertion
    ingredients: tuple[Mapping[str, Any], ...] = ()
    failures: tuple[str, ...] = ()  # c2pa's failure codes


def _c2pa() -> Any:
    """The c2pa package (untyped, optional: imported only when a copy is signed or read)."""
    try:
        import c2pa

        return c2pa
    except (ImportError, OSError) as exc:  # OSError: the native library does not load
        raise CredentialsUnavailable(str(exc)) from exc


def available() -> bool:
    try:
        _c2pa()
    except CredentialsUnavailable:
        return False
    return True


def seal_facts(record: Any) -> dict[str, object]:
    """The facts of a copy record (`audio.copies.seal.CopyRecord`) for our assertion."""
    return {
        "copy_id": record.copy_id,
        "recording_id": record.recording_id,
        "organisation": record.organisation,
        "exported": record.exported,
        "format": record.format,
        "pcm_sha256": record.pcm_sha256,
        "audio_sha256": record.audio_sha256,
        "seal_sha256": record.seal_sha256,
        "signer": record.signer.fingerprint,
        "derived_from": record.derived_from,
    }


def _manifest(
    path: Path, fmt: str, seal: Mapping[str, object], edit: Mapping[str, object] | None
) -> dict[str, Any]:
    assertion: dict[str, Any] = dict(seal)
    manifest: dict[str, Any] = {
        "claim_generator_info": [{"name": GENERATOR}],
        "title": path.name,
        "format": MIME[fmt],
    }
    if edit is None:
        actions: list[dict[str, Any]] = [
            {"action": "c2pa.created", "digitalSourceType": DIGITAL_CAPTURE}
        ]
    else:
        derived = edit.get("derived_from")
        derived = derived if isinstance(derived, Mapping) else {}
        original = str(derived.get("recording_id") or "")
        # The original is a sealed recording in the vault, not a file c2pa can read: it is named
        # as a parent ingredient by its id, and its seal facts go into our assertion.
        instance = f"urn:gespreksopname:recording:{original}"
        manifest["ingredients"] = [
            {
                "title": f"Gespreksopname {original}",
                "format": "application/octet-stream",
                "relationship": "parentOf",
                "instance_id": instance,
                "label": "original",
            }
        ]
        assertion["edit"] = {
            "original": original,
            "original_pcm_sha256": derived.get("pcm_sha256"),
            "cuts": derived.get("cuts"),
            "consent": edit.get("consent"),
        }
        actions = [
            {"action": "c2pa.opened", "parameters": {"ingredientIds": ["original"]}},
            {
                "action": "c2pa.edited",
                "description": "parts cut out with the consent of the participants",
                "parameters": {"cuts": derived.get("cuts"), "consent": edit.get("consent")},
            },
        ]
    manifest["assertions"] = [
        {"label": "c2pa.actions", "data": {"actions": actions}},
        {"label": SEAL_LABEL, "data": assertion},
    ]
    return manifest


def embed(
    path: Path,
    fmt: str,
    sign: Callable[[bytes], bytes],
    chain_pem: bytes,
    seal: Mapping[str, object],
    tsa_url: str | None,
    edit: Mapping[str, object] | None = None,
) -> bool:
    """Sign a C2PA manifest into the file at `path`, in place (a temporary file beside it, then
    an atomic replace). Returns whether the signature carries a timestamp.

    `sign` signs bytes with the installation's Ed25519 key; `chain_pem` is the installation's
    certificate, then its CA's. A TSA that cannot be reached does not stop the export: the
    credentials are signed again without a timestamp (logged, and False returned).
    CredentialsUnavailable when c2pa cannot be loaded, CredentialsError when signing fails;
    the file is unchanged then.
    """
    c2pa = _c2pa()
    path = Path(path)
    if fmt not in MIME:
        raise ValueError(f"unknown format {fmt!r}")
    if fmt == "wav":
        with open(path, "rb") as handle:
            if handle.read(4) != b"RIFF":
                raise CredentialsError("c2pa does not embed into RF64")
    manifest = _manifest(path, fmt, seal, edit)
    try:
        _sign_into(c2pa, path, fmt, sign, chain_pem, manifest, tsa_url)
        return tsa_url is not None
    except c2pa.C2paError as exc:
        if tsa_url is None:
            raise CredentialsError(str(exc)) from exc
        log.warning("credentials: no timestamp from %s (%s); signed without one", tsa_url, exc)
    try:
        _sign_into(c2pa, path, fmt, sign, chain_pem, manifest, None)
    except c2pa.C2paError as exc:
        raise CredentialsError(str(exc)) from exc
    return False


def _sign_into(
    c2pa: Any,
    path: Path,
    fmt: str,
    sign: Callable[[bytes], bytes],
    chain_pem: bytes,
    manifest: Mapping[str, Any],
    tsa_url: str | None,
) -> None:
    signer = c2pa.Signer.from_callback(
        sign, c2pa.C2paSigningAlg.ED25519, chain_pem.decode("ascii"), tsa_url
    )
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".c2pa")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w+b") as out, open(path, "rb") as source:
            with c2pa.Builder(dict(manifest)) as builder:
                builder.sign(signer, MIME[fmt], source, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    finally:
        signer.close()


def settings(ca_pem: bytes | None) -> dict[str, Any]:
    """The Reader's settings: `ca_pem` as the only trust anchor (none: nothing is trusted), no
    network (no remote manifests, no OCSP)."""
    trust: dict[str, Any] = {"trust_config": "\n".join(TRUSTED_EKUS) + "\n"}
    if ca_pem:
        trust["user_anchors"] = ca_pem.decode("ascii")
    return {
        "trust": trust,
        "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
    }


def read(path: Path, ca_pem: bytes | None, fmt: str | None = None) -> Credentials:
    """The credentials in the file at `path`, validated with `ca_pem` (the organisation's CA)
    as the trust anchor. State "none" when the file has no manifest; CredentialsDamaged when
    there is one that c2pa cannot read (count it as changed); CredentialsUnavailable without
    the c2pa package. `fmt` (wav, flac, mp3) when the file's name does not say it."""
    c2pa = _c2pa()
    path = Path(path)
    mime = MIME.get(fmt or path.suffix.lstrip(".").lower())
    try:
        context = c2pa.Context.from_dict(settings(ca_pem))
        with context, open(path, "rb") as stream, c2pa.Reader(mime, stream, context=context) as r:
            state = r.get_validation_state() or "Invalid"
            results = r.get_validation_results() or {}
            manifest = r.get_active_manifest() or {}
    except c2pa.C2paError.ManifestNotFound:
        return Credentials("none")
    except (c2pa.C2paError, KeyError, ValueError) as exc:  # KeyError: no active manifest
        raise CredentialsDamaged(str(exc)) from exc
    return _credentials(state, results, manifest)


def _credentials(
    state: str, results: Mapping[str, Any], manifest: Mapping[str, Any]
) -> Credentials:
    active = results.get("activeManifest") or {}
    codes = {
        entry.get("code") for key in ("success", "informational") for entry in active.get(key) or ()
    }
    failures = tuple(str(entry.get("code")) for entry in active.get("failure") or ())
    timestamp = (
        "trusted"
        if "timeStamp.trusted" in codes
        else "untrusted"
        if codes & {"timeStamp.validated", "timeStamp.untrusted"}
        else "none"
    )
    info = manifest.get("signature_info") or {}
    actions: list[Mapping[str, Any]] = []
    seal: Mapping[str, Any] | None = None
    for assertion in manifest.get("assertions") or ():
        label = str(assertion.get("label") or "")
        data = assertion.get("data")
        if label.startswith("c2pa.actions") and isinstance(data, Mapping):
            actions.extend(a for a in data.get("actions") or () if isinstance(a, Mapping))
        elif label == SEAL_LABEL and isinstance(data, Mapping):
            seal = data
    return Credentials(
        state=state,
        signer=str(info.get("common_name") or ""),
        issuer=str(info.get("issuer") or ""),
        serial=str(info.get("cert_serial_number") or ""),
        signed_at=info.get("time") if isinstance(info.get("time"), str) else None,
        timestamp=timestamp,
        actions=tuple(actions),
        seal=seal,
        ingredients=tuple(i for i in manifest.get("ingredients") or () if isinstance(i, Mapping)),
        failures=failures,
    )


def describe(credentials: Credentials) -> str:
    """One line for logs and tests."""
    return json.dumps(
        {"state": credentials.state, "signer": credentials.signer, "issuer": credentials.issuer}
    )
