"""Which organisation this installation belongs to: its enrolment (the installation's
certificate and the CA it is pinned to, kept in the vault) and the policy in force under it.

Read at every start, so it loads the certificate code only when there is an enrolment to check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from audio.errors import VaultError

if TYPE_CHECKING:
    from audio.vault.store import UnlockedVault
    from policy.policy import Policy

ENROLMENT = "enrolment"  # the kind of the vault documents
ENROLMENT_VERSION = 1


def apply_provenance(policy: Policy, pinned_ca: bytes | None) -> Policy:
    """The policy judged against a pinned CA certificate (PEM; None: none known): its recovery
    keys, trusted keys and TSA are in force only when that CA signed it."""
    return policy.under(pinned_ca)


def in_force(vault: UnlockedVault, policy: Policy) -> Policy:
    """The policy as it applies to this installation: judged against the CA the vault is
    enrolled with. An unenrolled vault (or one whose enrolment is damaged) pins nothing, so
    no policy can name recovery recipients, trusted keys or a TSA for it."""
    return apply_provenance(policy, pinned_ca(vault))


def pinned_ca(vault: UnlockedVault) -> bytes | None:
    """The CA certificate (PEM) this installation is enrolled with; None when it is not
    enrolled or its enrolment cannot be read (fail closed)."""
    current = current_enrolment_or_none(vault)
    return current.ca_certificate if current is not None else None


@dataclass(frozen=True)
class Enrolment:
    """What the vault keeps: the installation certificate and the CA it is pinned to."""

    certificate: bytes
    ca_certificate: bytes
    enrolled: str
    sequence: int


def current_enrolment_or_none(vault: UnlockedVault) -> Enrolment | None:
    """The latest enrolment, or None when there is none or it cannot be read (fail closed)."""
    try:
        return current_enrolment(vault)
    except VaultError:
        return None


def current_enrolment(vault: UnlockedVault) -> Enrolment | None:
    """The latest enrolment; VaultError when one of them cannot be read or is not ours."""
    ids = vault.document_ids(ENROLMENT)
    if not ids:
        return None
    from audio.trust.certificates import TrustError, authority_info, public_key_matches

    found: list[Enrolment] = []
    for doc_id in ids:
        doc = vault.load_document(ENROLMENT, doc_id)
        try:
            enrolment = Enrolment(
                certificate=str(doc["certificate"]).encode("ascii"),
                ca_certificate=str(doc["ca_certificate"]).encode("ascii"),
                enrolled=str(doc["enrolled"]),
                sequence=int(doc["sequence"]),
            )
            if doc.get("version") != ENROLMENT_VERSION:
                raise ValueError("unknown version")
            authority_info(enrolment.ca_certificate)
            if not public_key_matches(
                enrolment.certificate, vault.signing_key.private.public_key()
            ):
                raise ValueError("a certificate for another key")
        except (KeyError, TypeError, ValueError, TrustError) as exc:
            raise VaultError("error.document_damaged", id=doc_id) from exc
        found.append(enrolment)
    return max(found, key=lambda e: e.sequence) if found else None
