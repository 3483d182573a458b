"""The command line's commands. Each takes the invocation (`Cli`) and returns an exit code.

Text that people typed or that comes from a file (names, notes, reasons, a copy's recipient,
error messages quoting them) is printed through `policy.display.visible`: escape sequences and
bidi overrides are shown as `\\x1b` or `\\u202e`, never sent to the terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio.errors import GespreksError, IntegrityError, UnsupportedVersion, VaultError
from desktop.cli.base import message, print_json
from desktop.cli.exits import Exit
from policy.display import clock, local_time, visible
from policy.environment import ENV_PASSPHRASE
from policy.recovery_key import extract, make_recovery_key, recovery_identity, verify_with
from policy.verification import Anchors, Kind, Report, Trust, kind_of, trusted_keys, verify_path
from policy.workspace import RecordingInfo, Workspace

if TYPE_CHECKING:
    from desktop.cli.base import Cli
    from policy.archiving import ArchiveState
    from policy.recovery_key import X25519Identity
    from policy.timestamping import SealTime
    from policy.verification import CopyReport


def init(cli: Cli) -> int:
    root = cli.vault_root()
    if (root / "vault.json").exists():
        raise VaultError("error.vault_exists", path=str(root))
    policy = cli.policy()
    workspace = Workspace.create(root, cli.passphrase(twice=True), policy)
    cli.say("init.done", path=visible(root))
    cli.say("key.fingerprint", fingerprint=workspace.fingerprint)
    return Exit.OK


def passwd(cli: Cli) -> int:
    workspace = cli.workspace()
    new = cli.new_secret("prompt.new_passphrase", cli.args.new_passphrase_file)
    workspace.change_passphrase(new)
    cli.say("passwd.done")
    return Exit.OK


def key(cli: Cli) -> int:
    """The installation's public key, as authenticated by unlocking (vault.json's own copy is
    not trusted: someone with the files could have swapped it)."""
    from policy.organisation import enrolment_status

    workspace = cli.workspace()
    public = workspace.vault.signing_key.public
    print(public.pem(), end="")
    cli.say("key.fingerprint", fingerprint=public.fingerprint)
    for line in enrolment_status(workspace.vault).lines(cli.lang):  # with the hex SHA-256 form
        print(line)
    taken, waiting = workspace.timestamp_state()
    if workspace.policy.timestamps is not None or taken or waiting:
        cli.say("timestamp.state", granted=taken, left=waiting)
    return Exit.OK


def _info_json(
    info: RecordingInfo, lang: str, archive: ArchiveState | None = None
) -> dict[str, Any]:
    if info.summary is None:
        assert info.error is not None
        return {"id": info.recording_id, "state": "unreadable", "error": info.error.message(lang)}
    summary = info.summary
    manifest, start, session = summary.manifest, summary.start, info.session
    return {
        "id": summary.recording_id,
        "state": info.state,
        "started": summary.started,
        "ended": manifest.ended if manifest else None,
        "duration_s": summary.duration_s,
        "sample_rate": start.sample_rate,
        "channels": start.channels,
        "sample_format": start.sample_format,
        "frames": manifest.frames if manifest else None,
        "events": len(manifest.events) if manifest else 0,
        "purpose": session.purpose_label(lang),
        "participants": list(session.participants),
        "retention_until": info.retention_until.isoformat() if info.retention_until else None,
        "hold": info.hold,
        "archive": None
        if archive is None
        else {"state": archive.state, "reason": archive.reason, "legal_hold": archive.held},
    }


def list_recordings(cli: Cli) -> int:
    workspace = cli.workspace()
    infos = workspace.recordings()
    archived = workspace.archive_states()
    if cli.args.json:
        print_json([_info_json(i, cli.lang, archived.get(i.recording_id)) for i in infos])
        return Exit.OK
    if not infos:
        cli.say("list.empty")
        return Exit.OK
    print(cli.t("list.heading"))
    for info in infos:
        if info.summary is None:
            assert info.error is not None
            reason = message(info.error, cli.lang)
            print(f"{info.recording_id}  {cli.t('state.unreadable')}: {reason}")
            continue
        item = info.summary
        state = cli.t(f"state.{info.state}") + (f" ({cli.t('state.held')})" if info.hold else "")
        started, duration = local_time(item.started), clock(item.duration_s)
        purpose = visible(info.session.purpose_label(cli.lang))
        found = archived.get(info.recording_id)
        if found is not None:
            state += ", " + found.describe(cli.lang)
        print(f"{item.recording_id}  {started}  {duration:>8}  {state}  {purpose}")
    return Exit.OK


def show(cli: Cli) -> int:
    workspace = cli.workspace()
    info = workspace.info(cli.args.id)
    if info.summary is None:
        assert info.error is not None
        raise info.error
    summary = info.summary
    if cli.args.json:
        print_json(
            {
                **_info_json(info, cli.lang, workspace.archive_states().get(info.recording_id)),
                "start": summary.start.document,
                "manifest": summary.manifest.document if summary.manifest else None,
            }
        )
        return Exit.OK
    cli.say("show.id", id=summary.recording_id)
    cli.say("show.state", state=cli.t(f"state.{info.state}"))
    cli.say("show.started", time=local_time(summary.started))
    start = summary.start
    cli.say(
        "show.format",
        rate=start.sample_rate,
        channels=start.channels,
        format=start.sample_format,
    )
    purpose = info.session.purpose_label(cli.lang)
    if purpose:
        names = info.session.participants
        cli.say("show.purpose", purpose=visible(purpose))
        cli.say("show.participants", names=", ".join(visible(name) for name in names))
    if info.retention_until:
        cli.say("show.retention", date=info.retention_until.date().isoformat())
    if info.hold:
        cli.say("show.hold", reason=visible(info.hold))
    found = workspace.archive_states().get(info.recording_id)
    if found is not None:
        cli.say("show.archive", state=found.describe(cli.lang))
    manifest = summary.manifest
    if manifest is None:
        cli.say("show.unsealed")
        return Exit.OK
    cli.say("show.duration", duration=clock(summary.duration_s), frames=manifest.frames)
    cli.say("show.hash", hash=manifest.pcm_sha256)
    cli.say("show.signer", fingerprint=manifest.fingerprint)
    if manifest.interrupted:
        cli.say("show.interrupted", time=local_time(manifest.interrupted.last_good_time))
    if info.registered is not None and info.registered.seal_sha256:
        seal = info.registered.seal_sha256
        print(workspace.seal_time(manifest.recording_id, seal, manifest.ended).describe(cli.lang))
    for event in manifest.events:
        at = clock(event.frame / start.sample_rate)
        note = f" — {visible(event.note)}" if event.note else ""
        print(f"  {at}  {cli.t('event.' + event.kind)}{note}")
    return Exit.OK


def report_verification(cli: Cli, path: Path, run: Callable[[], Report]) -> int:
    """Run a recording's verification (the recovery key's, say) and say what was found."""
    cli.say("verify.checking", path=visible(path))
    try:
        report = run()
    except IntegrityError as exc:
        cli.say("verify.changed", reason=message(exc, cli.lang))
        return Exit.CHANGED
    except UnsupportedVersion as exc:
        cli.say("verify.unreadable", reason=message(exc, cli.lang))
        return Exit.USAGE
    return render_recording(cli, report)


def verify(cli: Cli) -> int:
    """A recording id, a container, an exported folder, or a lone exported audio file: what it
    is is decided by its content, in the core (`policy.verification`)."""
    if cli.args.keyless:
        return verify_keyless(cli)
    target = Path(cli.args.target)
    if not target.exists():
        target = cli.open_vault().recording_path(cli.args.target)
    elif not target.is_dir() and not target.is_file():
        raise GespreksError("error.not_a_file", path=cli.args.target)
    kind = kind_of(target)
    workspace = cli.workspace() if kind is Kind.CONTAINER else optional_workspace(cli)
    label = cli.t("verify.this_installation")
    checking = "verify.checking" if kind is Kind.CONTAINER else "verify_copy.checking"
    cli.say(checking, path=visible(target))
    anchors = Anchors.read(cli.args.ca, cli.args.key, cli.args.fingerprint, cli.args.tsa_ca)
    try:
        result = verify_path(
            target,
            workspace=workspace,
            policy=cli.policy(),
            this_installation=label,
            deep=cli.args.deep,
            anchors=anchors,
        )
    except IntegrityError as exc:
        cli.say("verify.changed", reason=message(exc, cli.lang))
        return Exit.CHANGED
    except (UnsupportedVersion, OSError) as exc:
        cli.say("verify.unreadable", reason=message(exc, cli.lang))
        return Exit.USAGE
    if result.recording is not None:
        return render_recording(cli, result.recording, workspace)
    assert result.copy is not None and result.trust is not None
    return render_copy(
        cli, result.copy, result.files, result.trust, result.seal_time, result.credentials
    )


def verify_keyless(cli: Cli) -> int:
    """A container against its public seal, with no passphrase and no key: complete and
    unchanged (0), changed (1), or intact but signed by a key this computer does not know (3)."""
    from policy.verification import verify_keyless as check

    target = Path(cli.args.target)
    if not target.exists():
        target = cli.open_vault().recording_path(cli.args.target)
    if not target.is_file():
        raise GespreksError("error.not_a_file", path=cli.args.target)
    cli.say("verify.checking", path=visible(target))
    anchors = Anchors.read(cli.args.ca, cli.args.key, cli.args.fingerprint, cli.args.tsa_ca)
    workspace = optional_workspace(cli)
    try:
        result = check(
            target,
            Path(cli.args.seal) if cli.args.seal else None,
            workspace=workspace,
            policy=cli.policy(),
            this_installation=cli.t("verify.this_installation"),
            anchors=anchors,
        )
    except IntegrityError as exc:
        cli.say("verify.changed", reason=message(exc, cli.lang))
        return Exit.CHANGED
    except (UnsupportedVersion, OSError) as exc:
        cli.say("verify.unreadable", reason=message(exc, cli.lang))
        return Exit.USAGE
    seal = result.seal
    cli.say("verify.keyless_bytes", size=result.size, sha256=result.sha256)
    cli.say("verify.keyless_seal", id=visible(seal.recording_id), ended=seal.ended)
    print(result.trust.describe(cli.lang))
    if result.seal_time is not None:
        print(result.seal_time.describe(cli.lang))
        cli.say("verify.keyless_token_note")
    if result.seal_time is not None and result.seal_time.contradicts:
        cli.say("verify.changed", reason=result.seal_time.describe(cli.lang))
        return Exit.CHANGED
    if not result.trust.known:
        print(result.trust.advice(cli.lang, cli.policy().publication_url))
        return Exit.UNKNOWN_SIGNER
    cli.say("verify.keyless_intact")
    return Exit.OK


def timestamp(cli: Cli) -> int:
    """Send the queued timestamps; exit 0 when nothing is left, 1 when some could not be sent
    (the reason is shown; they stay queued)."""
    workspace = cli.workspace()
    if workspace.policy.timestamps is None:
        left = workspace.timestamp_state()[1]
        cli.say("timestamp.none_in_force", left=left)
        return Exit.OK if left == 0 else Exit.CHANGED
    sent = workspace.send_timestamps()
    if sent.problem is not None:
        cli.warn("cli.failed", message=message(sent.problem, cli.lang))
    granted = workspace.timestamps_granted  # the unlock already sends what is queued
    if granted == 0 and sent.left == 0:
        cli.say("timestamp.nothing")
        return Exit.OK
    cli.say("timestamp.sent", granted=granted, left=sent.left)
    return Exit.OK if sent.left == 0 else Exit.CHANGED


def render_recording(cli: Cli, report: Report, workspace: Workspace | None = None) -> int:
    """What a recording's verification checked and found, in words."""
    manifest = report.manifest
    cli.say("verify.header_ok")
    cli.say("verify.chunks_ok", chunks=report.chunks)
    cli.say("verify.audio_ok", hash=manifest.pcm_sha256)
    cli.say(
        "verify.seal_ok", signer=visible(report.signer_name), fingerprint=report.signer.fingerprint
    )
    cli.say(
        "verify.summary",
        id=manifest.recording_id,
        started=local_time(manifest.started),
        duration=clock(manifest.duration_s),
        state=cli.t(f"state.{manifest.state}"),
    )
    if manifest.interrupted:
        cli.say("show.interrupted", time=local_time(manifest.interrupted.last_good_time))
    seal_time = None
    if workspace is not None:
        seal_time = workspace.seal_time(manifest.recording_id, report.seal_sha256, manifest.ended)
        print(seal_time.describe(cli.lang))
    return _verdict(cli, seal_time)


def _verdict(cli: Cli, seal_time: SealTime | None) -> int:
    """The last line: intact (0), intact but sealed late (0, said so), or changed (1) when the
    timestamps say this is not the seal they stamped, or a stamp was removed."""
    if seal_time is not None and seal_time.contradicts:
        cli.say("verify.changed", reason=seal_time.describe(cli.lang).strip())
        return Exit.CHANGED
    if seal_time is not None and seal_time.state == "late":
        cli.say("verify.intact_late")
        return Exit.OK
    cli.say("verify.intact")
    return Exit.OK


def optional_workspace(cli: Cli) -> Workspace | None:
    """This computer's vault, unlocked, when it has one and its passphrase is given or can be
    asked at a terminal; else None (a citizen's computer: only the policy's keys are trusted,
    and the key in vault.json alone is never trusted)."""
    asked = os.environ.get(ENV_PASSPHRASE) or cli.args.passphrase_file
    if not asked and not sys.stdin.isatty():
        return None
    try:
        cli.open_vault()
    except VaultError:
        return None
    workspace: Workspace = cli.workspace()
    return workspace


def render_copy(
    cli: Cli,
    report: CopyReport,
    files: tuple[str, ...],
    trust: Trust,
    seal_time: SealTime | None = None,
    credentials: str = "none",
) -> int:
    """What a copy's verification checked and found, in words; exit 3 (UNKNOWN_SIGNER) for an
    intact copy sealed by a key this computer does not know, with the three ways to check it."""
    if files:
        print("  " + cli.t("copy.checked.sums", count=len(files)))
        if not cli.args.deep:
            print("  " + cli.t("copy.checked.pinned"))
    for item in report.checked:
        print("  " + cli.t(f"copy.checked.{item}"))
    print(trust.describe(cli.lang))
    if seal_time is not None and seal_time.state != "none":
        print(seal_time.describe(cli.lang))
    if credentials != "none":
        cli.say(f"verify.credentials.{credentials}")
    record = report.record
    # The copy may come from anywhere: what it says is shown, never acted on by the terminal.
    cli.say("verify_copy.summary", id=visible(record.recording_id),
            started=local_time(record.started), duration=clock(record.duration_s),
            recipient=visible(record.recipient or "-"),
            exported=local_time(record.exported))  # fmt: skip
    if record.derived_from:
        cuts = ", ".join(f"{clock(a)}-{clock(b)}" for a, b in record.derived_cuts)
        cli.say("verify_copy.derived", original=visible(record.derived_from), cuts=cuts)
    if report.format == "mp3":
        cli.say("verify_copy.lossy")
    if seal_time is not None and seal_time.contradicts:
        return _verdict(cli, seal_time)
    if not trust.known:
        print(trust.advice(cli.lang, cli.policy().publication_url))
        return Exit.UNKNOWN_SIGNER
    return _verdict(cli, seal_time)


def recover(cli: Cli) -> int:
    """Exit 1 when a recording was refused because it was changed (a sealed one cut short,
    one the register does not know); 0 otherwise."""
    results = cli.workspace().recover_all()
    for result in results:
        print(result.describe(cli.lang))
    if not results:
        cli.say("recover.none")
    return Exit.CHANGED if any(result.refused for result in results) else Exit.OK


def recovery_keygen(cli: Cli) -> int:
    out = Path(cli.args.out)
    if out.exists():
        raise GespreksError("error.file_exists", path=str(out))
    secret = cli.new_secret("prompt.key_passphrase", cli.args.key_passphrase_file)
    public = make_recovery_key(out, secret)
    cli.say("recovery.keygen_done", path=str(out), fingerprint=public.fingerprint)
    print(public.pem(), end="")
    return Exit.OK


def _recovery_identity(cli: Cli) -> X25519Identity:
    try:
        data = Path(cli.args.key).read_bytes()
    except OSError as exc:
        raise GespreksError("error.cannot_read", path=cli.args.key, reason=exc.strerror) from exc
    secret = ""
    if cli.args.key_passphrase_file:
        secret = cli.read_secret_file(cli.args.key_passphrase_file)
    elif b"ENCRYPTED" in data:
        secret = cli.prompt("prompt.key_passphrase")
    return recovery_identity(data, secret, cli.args.key)


def recovery_open(cli: Cli) -> int:
    """Open a recording with the recovery key; every attempt is traced: in the opening log
    beside the output (always) and in the recording's vault trail when that vault is here and
    unlocked (`recovery_opened`)."""
    from policy.traces import Opening, container_identity, record_opening

    path = Path(cli.args.container)
    identity = _recovery_identity(cli)
    workspace = optional_workspace(cli)
    own = workspace.vault.signing_key.public if workspace is not None else None
    trusted = trusted_keys(own, cli.policy(), cli.t("verify.this_installation"))
    escrow = Path(cli.args.escrow) if cli.args.escrow else None
    out = Path(cli.args.out) if cli.args.out else None
    if out is not None and out.exists():
        raise GespreksError("error.file_exists", path=str(out))
    found: list[Report] = []

    def run() -> Report:
        if out is None:
            report = verify_with(path, identity, trusted, escrow=escrow)
        else:
            report = extract(path, identity, trusted, out, escrow=escrow)
        found.append(report)
        return report

    try:
        code = report_verification(cli, path, run)
    except OSError as exc:
        raise GespreksError("error.cannot_write", path=str(out), reason=exc.strerror) from exc
    finally:
        if path.is_file():
            result = "intact" if found else "changed"
            rid = found[0].manifest.recording_id if found else container_identity(path)[0]
            opening = Opening(path, identity, result, rid, out, escrow)
            log = record_opening(opening, workspace)
            cli.say("traces.opening_logged", path=visible(log))
    if code != Exit.OK:
        return code
    if out is not None:
        cli.say("recovery.wav_written", path=str(out))
    return Exit.OK


def recovery_audit(cli: Cli) -> int:
    """The Privacy Officer reads a vault's trail, refusals and holds with the recovery key
    alone (the passphrase lost): through the data keys escrowed in `escrow.json`. Exit 0 when
    every line verified, 1 when the trail has a problem (shown), 2 for no escrow."""
    from policy.traces import read_escrowed

    identity = _recovery_identity(cli)
    root = cli.vault_root()
    read = read_escrowed(root, identity)
    problem = None
    if read.problem is not None:
        problem = {"line": read.problem.line, "what": read.problem.what}
    if cli.args.json:
        print_json(
            {
                "vault_id": read.vault_id,
                "installation": read.installation,
                "escrowed": read.escrowed,
                "entries": [entry.document() for entry in read.entries],
                "problem": problem,
                "refusals": read.refusals,
                "damaged_refusals": read.damaged_refusals,
                "holds": read.holds,
            }
        )
        return Exit.CHANGED if problem else Exit.OK
    cli.say("traces.escrow_opened", installation=read.installation, time=read.escrowed)
    for entry in read.entries:
        rid = (entry.recording_id or "-")[:8]
        who = visible(entry.actor + (f" ({entry.employee})" if entry.employee else ""))
        action = cli.t(f"audit.action.{entry.action}")
        print(f"{entry.seq:>5}  {local_time(entry.time)}  {who:<24} {action:<28} {rid:<8}")
    if read.problem is not None:
        what = cli.t(f"audit.problem.{read.problem.what}")
        cli.say("traces.trail_problem", line=read.problem.line, what=what)
    cli.say("traces.anchor_unchecked")
    cli.say("traces.refusals", count=len(read.refusals))
    for refusal in read.refusals:
        print(
            f"  {visible(str(refusal.get('date', '')))}  "
            f"{visible(str(refusal.get('alternative', '')))}  "
            f"{visible(', '.join(str(r) for r in refusal.get('reasons', [])))}"
        )
    for doc_id in read.damaged_refusals:
        cli.say("traces.refusal_damaged", id=doc_id)
    cli.say("traces.holds", count=len(read.holds))
    for rid, reason in read.holds.items():
        print(f"  {rid}  {visible(reason)}")
    return Exit.CHANGED if problem else Exit.OK


def rewrap(cli: Cli) -> int:
    """Give every recording made before a recovery key came into force an escrow stanza for
    it beside the container (no container is rewritten), and escrow the data keys."""
    workspace = cli.workspace()
    if not workspace.policy.recovery_keys:
        cli.say("traces.no_recovery_keys")
        return Exit.OK
    workspace.keep_escrow()  # the unlock did this already; done again on request
    done = workspace.rewrap()
    cli.say("traces.rewrapped", count=len(done))
    return Exit.OK
