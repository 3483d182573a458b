"""Rule a: the citizen's copy. One folder with the sealed audio, a receipt (PDF), a readme, the
public key and signed checksums, so anyone can check it with `sha256sum` and `openssl`."""

from __future__ import annotations

import hashlib
import os
import queue
import shutil
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio.container.manifest import Manifest
from audio.container.summary import summarize
from audio.container.verify import verify
from audio.copies.export import EXTENSIONS, FORMATS, write_copy
from audio.copies.seal import CopyFacts, CopyRecord
from audio.copies.verify import (
    INSTALLATION_CERTIFICATE,
    ORGANISATION_CERTIFICATE,
    PUBLIC_KEY,
    SEAL_TIMESTAMP,
    SIGNATURE,
    SUMS,
    TSA_CERTIFICATE,
)
from audio.durable import fsync_directory
from audio.encoding import iso_time, parse_time
from audio.errors import GespreksError, IntegrityError, WriteError
from audio.trust.certificates import authority_info, installation_name
from policy import timestamping
from policy.derive import Consent
from policy.display import clock, visible
from policy.documents import long_date, render_pdf
from policy.inputs import check_count, check_length
from policy.sealed import SealedSession
from policy.timestamping import Stamp
from policy.verifier_page import write_page, write_receipt_data
from resources.catalogue import text

if TYPE_CHECKING:
    from policy.workspace import Workspace

AUDIO_NAME = "opname"
README = "LEESMIJ.txt"
RECEIPT = "ontvangstbewijs.pdf"
LOCATIONS = ("office", "home", "phone", "other")
BASES = ("participant", "representative", "consent")


class CopyRefused(GespreksError):
    """Rule c: the recipient is not a participant or their representative, and no consent
    of every other party covers the copy."""


@dataclass(frozen=True)
class CopyBasis:
    """Why this recipient may have a copy (rule c, for the municipality): they took part
    ("participant"), they act for a participant ("representative", `represents` names whom),
    or every party to the conversation agreed to the copy ("consent", the consent file's date,
    description and names)."""

    kind: str
    represents: str = ""
    consent: Consent | None = None

    def document(self) -> dict[str, Any]:
        """As it is signed into the copy record (`basis`) and logged with the export."""
        doc: dict[str, Any] = {"kind": self.kind}
        if self.represents:
            doc["represents"] = self.represents
        if self.consent is not None:
            doc["consent"] = {
                "date": self.consent.date,
                "description": self.consent.description,
                "parties": sorted(self.consent.agreed),
            }
        return doc

    def describe(self, lang: str) -> str:
        """One line for the receipt, LEESMIJ.txt and the check page."""
        parties = ", ".join(visible(n) for n in sorted(self.consent.agreed)) if self.consent else ""
        date = self.consent.date if self.consent else ""
        return text(f"rule_c.basis_{self.kind}", lang, represents=visible(self.represents),
                    parties=parties or "-", date=date or "-")  # fmt: skip


def same_person(a: str, b: str) -> bool:
    """Names compared as people write them: Unicode-normalised, case and spacing ignored."""
    return _name_key(a) == _name_key(b) and bool(_name_key(a))


def _name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def copy_basis(
    participants: Sequence[str],
    recipient: str,
    representative_of: str = "",
    consent: Consent | None = None,
) -> CopyBasis:
    """Rule c for the municipality: a copy goes to a participant or to a participant's
    representative; to anyone else only with the recorded consent of every party to the
    conversation. CopyRefused (naming rule c) otherwise."""
    people = [name for name in participants if name.strip()]
    if not recipient.strip():
        raise CopyRefused("rule_c.no_recipient")
    if not people:  # nobody to compare with: no basis can be shown
        raise CopyRefused("rule_c.no_participants")
    if representative_of.strip():
        match = next((p for p in people if same_person(p, representative_of)), None)
        if match is None:
            raise CopyRefused("rule_c.not_a_participant", name=visible(representative_of))
        return CopyBasis("representative", represents=match)
    if any(same_person(p, recipient) for p in people):
        return CopyBasis("participant")
    if consent is None:
        raise CopyRefused("rule_c.refused", name=visible(recipient))
    missing = [p for p in people if not any(same_person(p, n) for n in consent.agreed)]
    if missing:
        raise CopyRefused("rule_c.consent_missing", name=visible(recipient),
                          missing=", ".join(visible(n) for n in missing))  # fmt: skip
    return CopyBasis("consent", consent=consent)


def _pcm_blocks(workspace: Workspace, path: Path, trusted: dict[bytes, str],
                failure: list[BaseException]) -> Iterator[bytes]:  # fmt: skip
    """Verified PCM of a container as it is read (a producer thread, a bounded queue).

    The caller's file is thrown away when `failure` is set at the end: every block is
    authenticated before it is handed out, but truncation shows only at the end.
    """
    blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=8)

    def produce() -> None:
        try:
            verify(path, workspace.vault.identities(), trusted, lambda b: blocks.put(bytes(b)))
        except BaseException as exc:  # handed to the consumer below
            failure.append(exc)
        finally:
            blocks.put(None)

    thread = threading.Thread(target=produce, name="gespreksopname-export-read", daemon=True)
    thread.start()
    try:
        while (block := blocks.get()) is not None:
            yield block
    finally:
        # NB: if the consumer stops early, drain so the producer can finish.
        while thread.is_alive():
            try:
                blocks.get(timeout=0.1)
            except queue.Empty:
                continue
        thread.join()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def export_copy(
    workspace: Workspace,
    recording_id: str,
    target: Path,
    fmt: str = "wav",
    recipient: str = "",
    progress: Callable[[float], None] | None = None,
    *,
    representative_of: str = "",
    consent: Consent | None = None,
) -> Path:
    """Write the citizen's copy into a new folder under `target`; returns the folder.

    Rule c decides first (`copy_basis`): CopyRefused when the recipient is neither a
    participant nor a participant's representative and no consent of every party covers it.

    Written under a temporary name and renamed when complete: a full USB stick or a read-only
    target leaves nothing half-written under the final name.
    """
    check_length("recipient", recipient)
    check_length("participant_name", representative_of)
    if consent is not None:  # sealed into the copy record: within limits, like derive's
        check_length("consent_description", consent.description)
        check_count("participants", consent.agreed)
        for name in consent.agreed:
            check_length("participant_name", name)
    if fmt not in FORMATS:
        raise GespreksError("error.export_format", format=fmt)
    path = workspace.vault.vault.recording_path(recording_id)
    summary = summarize(path, workspace.vault.identities())
    manifest = summary.manifest
    if manifest is None:
        raise IntegrityError("truncated", None)
    if manifest.sample_format == "file":
        raise GespreksError("error.export_import")
    participants = SealedSession.of(manifest.session).participants
    basis = copy_basis(participants, recipient, representative_of, consent)
    stamp = datetime.fromtimestamp(parse_time(manifest.started))
    base = f"gespreksopname-{stamp:%Y%m%d-%H%M}-{summary.recording_id[:8]}-{fmt}"
    name, number = base, 1
    while (Path(target) / name).exists():  # a second copy of the same: never overwrite
        number += 1
        name = f"{base}-{number}"
    final = Path(target) / name
    temp = Path(target) / f".{name}.partial"
    lang_notice = {lang: workspace.policy.text("private_use_notice", lang) for lang in ("nl", "en")}
    notice = f"{lang_notice['nl']}\n\n{lang_notice['en']}"
    facts = _facts(workspace, manifest, recipient, basis)
    frames = max(1, manifest.frames)
    # Half-written copies left by a crash or a power cut (never a finished copy).
    for stale in Path(target).glob(".gespreksopname-*.partial"):
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)
    try:
        shutil.rmtree(temp, ignore_errors=True)
        temp.mkdir(parents=True, mode=0o755)
        failure: list[BaseException] = []
        audio = temp / (AUDIO_NAME + EXTENSIONS[fmt])
        title = text("copy.title", "nl", organisation=workspace.policy.organisation,
                     date=f"{stamp:%Y-%m-%d %H:%M}")  # fmt: skip
        embedded = write_copy(
            audio, fmt, facts=facts, signer=workspace.vault.signing_key,
            blocks=_pcm_blocks(workspace, path, workspace.trusted("-"), failure),
            notice=notice, title=title,
            progress=None if progress is None else lambda done: progress(0.95 * done / frames),
        )  # fmt: skip
        if failure:
            raise failure[0]
        credentials = _credentials(workspace, manifest, audio, fmt, embedded)
        _write_documents(workspace, temp, manifest, embedded, audio.name, basis)
        _write_sums(workspace, temp)
        os.replace(temp, final)
        fsync_directory(Path(target))
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise WriteError("error.export_failed", path=str(target),
                         reason=exc.strerror or str(exc)) from exc  # fmt: skip
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    if progress is not None:
        progress(1.0)
    workspace.audit.append("exported", summary.recording_id, recipient=recipient, format=fmt,
                           copy_id=embedded.copy_id, folder=final.name,
                           credentials=credentials, basis=basis.document())  # fmt: skip
    return final


def _facts(workspace: Workspace, manifest: Manifest, recipient: str, basis: CopyBasis) -> CopyFacts:
    """The copy record's fields that policy/ decides; the audio layer adds the rest and signs."""
    derived_from = manifest.session.get("derived_from")
    return CopyFacts(
        copy_id=str(uuid.uuid4()),
        recording_id=manifest.recording_id,
        organisation=workspace.policy.organisation,
        exported=iso_time(time.time()),
        recipient=recipient,
        started=manifest.started,
        duration_s=manifest.duration_s,
        sample_rate=manifest.sample_rate,
        channels=manifest.channels,
        sample_format=manifest.sample_format,
        frames=manifest.frames,
        pcm_sha256=manifest.pcm_sha256,
        original={
            "state": manifest.state,
            "signer": manifest.fingerprint,
            "derived_from": derived_from if isinstance(derived_from, dict) else None,
            # The seal of the recording (what its RFC 3161 timestamp names) and its end.
            "seal_sha256": _seal_sha256(workspace, manifest.recording_id),
            "ended": manifest.ended,
        },
        certificate=workspace.certificate,
        basis=basis.document(),
    )


def _details(workspace: Workspace, manifest: Manifest, lang: str) -> dict[str, str]:
    started = datetime.fromtimestamp(parse_time(manifest.started))
    sealed = SealedSession.of(manifest.session)
    location = sealed.location
    return {
        "organisation": workspace.policy.organisation,
        "date": long_date(started.date(), lang),
        "time": f"{started:%H:%M}",
        "location": text(f"copy.location.{location}", lang) if location in LOCATIONS else "-",
        "participants": ", ".join(visible(name) for name in sealed.participants) or "-",
        "purpose": visible(sealed.purpose_label(lang)) or "-",
        "duration": clock(manifest.duration_s),
        "fingerprint": manifest.fingerprint,
        "key_publication": workspace.policy.key_publication or "-",
    }


def _write_documents(workspace: Workspace, folder: Path, manifest: Manifest,
                     record: CopyRecord, audio_name: str, basis: CopyBasis) -> None:  # fmt: skip
    """LEESMIJ.txt (Dutch, then English), ontvangstbewijs.pdf, publickey.pem, gegevens.json and
    controleer.html. Names and the recipient are shown with control and bidi characters escaped
    (`visible`), as entered."""
    public = workspace.vault.signing_key.public
    (folder / PUBLIC_KEY).write_text(public.pem(), encoding="ascii")
    enrolment = workspace.enrolment
    if enrolment is not None:  # who this installation is, and the CA that says so
        (folder / INSTALLATION_CERTIFICATE).write_bytes(enrolment.certificate)
        (folder / ORGANISATION_CERTIFICATE).write_bytes(enrolment.ca_certificate)
    stamp = _seal_stamp(workspace, manifest.recording_id)
    if stamp is not None:  # the seal's RFC 3161 timestamp and the TSA's CA certificate
        assert stamp.token is not None and workspace.policy.timestamps is not None
        (folder / SEAL_TIMESTAMP).write_bytes(stamp.token)
        (folder / TSA_CERTIFICATE).write_bytes(workspace.policy.timestamps.ca_certificate)
    sections: list[tuple[str, str]] = []
    plain: list[str] = []
    data = {"recording_id": record.recording_id, "copy_id": record.copy_id,
            "recipient": visible(record.recipient) or "-", "exported": record.exported}  # fmt: skip
    if stamp is not None and stamp.time:
        data["sealed_at"] = stamp.time
    for lang in ("nl", "en"):
        values = _details(workspace, manifest, lang)
        notice = workspace.policy.text("private_use_notice", lang)
        suffix = "" if lang == "nl" else "_en"  # gegevens.json: what controleer.html shows
        shown = values.keys() - {"fingerprint", "key_publication"}  # the page reads the key
        data |= {f"{key}{suffix}": values[key] for key in shown}
        data |= {f"notice_{lang}": notice, f"state{suffix}": text(f"state.{manifest.state}", lang)}
        data[f"basis{suffix}"] = basis.describe(lang)
        readme = workspace.policy.text("copy_readme", lang, notice=notice, **values)
        facts = text("copy.facts", lang, audio=audio_name, sha=record.pcm_sha256,
                     key_sha=public.fingerprint_hex, key_short=public.fingerprint,
                     file_sha=_sha256(folder / audio_name),
                     recipient=visible(record.recipient) or "-",
                     exported=record.exported, copy_id=record.copy_id,
                     recording_id=record.recording_id, duration=values["duration"],
                     state=text(f"state.{manifest.state}", lang))  # fmt: skip
        facts += "\n" + text("rule_c.basis_line", lang, basis=basis.describe(lang))
        howto = _howto(workspace, lang, audio_name, stamp)
        rights = workspace.policy.text("citizen_rights", lang)
        sections += [(text("copy.heading", lang), readme), ("", facts),
                     (text("rights.heading", lang), rights), ("", howto)]  # fmt: skip
        plain += [readme, facts, rights, howto]
    readme_text = visible("\n\n".join(plain), lines=True)
    (folder / README).write_text(readme_text + "\n", encoding="utf-8")
    title = text("copy.receipt_title", "nl", organisation=workspace.policy.organisation)
    publication = workspace.policy.publication_url or workspace.policy.key_publication
    page_notice = " / ".join(
        workspace.policy.text("private_use_notice", lang) for lang in ("nl", "en")
    )
    caption = " / ".join(text("copy.receipt_link", lang) for lang in ("nl", "en"))
    render_pdf(folder / RECEIPT, title, sections,
               footer=text("copy.footer", "nl", copy_id=record.copy_id),
               page_notice=page_notice, link=publication or None, link_caption=caption)  # fmt: skip
    write_receipt_data(folder, data)  # listed in SHA256SUMS with every other file
    write_page(folder, publication)


def _credentials(
    workspace: Workspace, manifest: Manifest, audio: Path, fmt: str, record: CopyRecord
) -> str:
    """Content Credentials (C2PA) in the audio file, signed by this installation's key under its
    certificate, before SHA256SUMS is made over the final files. Only an enrolled installation
    has a certificate to sign with; without the c2pa package, or when signing fails, the copy
    is made without them. Returns what happened: "signed", "timestamped", "none" or "failed"
    (logged with the export)."""
    from audio.copies import credentials

    if workspace.certificate is None:
        return "none"
    derived = manifest.session.get("derived_from")
    edit = None
    if isinstance(derived, dict):
        edit = {"derived_from": derived, "consent": manifest.session.get("consent")}
    tsa = workspace.policy.timestamps
    try:
        stamped = credentials.embed(
            audio,
            fmt,
            workspace.vault.signing_key.sign,
            workspace.certificate.encode("ascii"),  # the leaf: the CA is the reader's anchor
            credentials.seal_facts(record),
            tsa.url if tsa else None,
            edit=edit,
        )
    except (credentials.CredentialsUnavailable, credentials.CredentialsError):
        return "failed"
    return "timestamped" if stamped else "signed"


def _seal_sha256(workspace: Workspace, recording_id: str) -> str | None:
    entry = workspace.vault.state.read().recordings.get(recording_id)
    return entry.seal_sha256 if entry is not None and entry.seal_sha256 else None


def _seal_stamp(workspace: Workspace, recording_id: str) -> Stamp | None:
    """The seal's granted timestamp, when the policy in force names the TSA that can check it."""
    if workspace.policy.timestamps is None:
        return None
    try:
        stamp = timestamping.load(workspace.vault, "seal", recording_id)
    except (GespreksError, ValueError, KeyError, TypeError):
        return None
    return stamp if stamp is not None and not stamp.pending else None


def _howto(workspace: Workspace, lang: str, audio_name: str, stamp: Stamp | None) -> str:
    """The checks anyone can run in the copy's folder, numbered, exactly as they run (a test
    runs every command printed here)."""
    public = workspace.vault.signing_key.public
    url = workspace.policy.publication_url or workspace.policy.key_publication
    where = text("verify.where", lang, url=url) if url else ""
    steps = [
        text("copy.step.sums", lang, n=1),
        text("copy.step.signature", lang, n=2),
        text("copy.step.key", lang, n=3, key_sha=public.fingerprint_hex, where=where),
    ]
    enrolment = workspace.enrolment
    if enrolment is not None:
        ca = authority_info(enrolment.ca_certificate)
        name = installation_name(enrolment.certificate)
        steps.append(text("copy.step.certificate", lang, n=len(steps) + 1, name=visible(name),
                          ca_fingerprint=ca.fingerprint_colons, key_sha=public.fingerprint_hex,
                          where=where))  # fmt: skip
    if stamp is not None and stamp.time is not None:
        steps.append(text("copy.step.timestamp", lang, n=len(steps) + 1, seal=stamp.digest,
                          attime=int(parse_time(stamp.time)), time=stamp.time,
                          tsa=visible(stamp.tsa)))  # fmt: skip
    lone = text("copy.howto_lone", lang, audio=audio_name)
    page = text("copy.howto_page", lang)
    return "\n".join([page, "", text("copy.howto", lang), *steps, lone])


def _write_sums(workspace: Workspace, folder: Path) -> None:
    """SHA256SUMS in `sha256sum -c` format over every other file, and its Ed25519 signature."""
    lines = [f"{_sha256(p)}  {p.name}" for p in sorted(folder.iterdir()) if p.is_file()]
    sums = ("\n".join(lines) + "\n").encode("utf-8")
    (folder / SUMS).write_bytes(sums)
    (folder / SIGNATURE).write_bytes(workspace.vault.signing_key.sign(sums))
    for file in folder.iterdir():
        with open(file, "rb") as handle:
            os.fsync(handle.fileno())
    fsync_directory(folder)
