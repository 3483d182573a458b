"""The manifest and its seal: an Ed25519 signature over the canonical JSON of the manifest."""

from __future__ import annotations

from typing import Any

from audio.encoding import b64, canonical_json, loads, unb64
from audio.errors import IntegrityError
from audio.vault.keys import SigningKey, VerifyKey

SEAL_CONTEXT = b"gespreksopname-seal/1\n"


def sign_manifest(manifest: dict[str, Any], signer: SigningKey) -> bytes:
    """Add the signer to the manifest and return the manifest chunk's body."""
    public = signer.public
    manifest["signer"] = {
        "algorithm": "ed25519",
        "public_key": b64(public.raw),
        "fingerprint": public.fingerprint,
    }
    signature = signer.sign(SEAL_CONTEXT + canonical_json(manifest))
    return canonical_json({"manifest": manifest, "signature": b64(signature)})


def open_manifest(body: bytes, index: int) -> tuple[dict[str, Any], VerifyKey]:
    """Parse a manifest chunk and check its signature. Returns the manifest and its signer."""
    try:
        doc = loads(body)
        manifest = doc["manifest"]
        signature = unb64(doc["signature"], 64)
        signer = manifest["signer"]
        if signer["algorithm"] != "ed25519":
            raise ValueError("unknown signature algorithm")
        key = VerifyKey(unb64(signer["public_key"], 32))
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityError("manifest", index) from exc
    if not isinstance(manifest, dict):
        raise IntegrityError("manifest", index)
    if not key.verify(signature, SEAL_CONTEXT + canonical_json(manifest)):
        raise IntegrityError("signature", index)
    return manifest, key
