"""The command line's commands. Each takes the invocation (`Cli`) and returns an exit code.

Text that people typed or that comes from a file (names, notes, reasons, a copy's recipient,
error messages quoting them) is printed through `policy.display.visible`: escape sequences and
bidi overrides are shown as `\\x1b` or `\\u202e`, never sent to the terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
import wave
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio import container
from audio.encoding import parse_time
from audio.errors import GespreksError, IntegrityError, UnsupportedVersion, VaultError
from audio.keys import RecoveryPrivateKey
from audio.recovery import InUse
from audio.stanzas import Identity, X25519Identity
from audio.state import StateError
from audio.summary import summarize
from audio.vault import Vault
from audio.verify import Report
from audio.verify import verify as verify_container
from policy.display import visible, visible_json
from policy.record import participant_names, purpose_label
from policy.workspace import RecordingInfo, Workspace

if TYPE_CHECKING:
    from desktop.cli import Cli

EXIT_OK, EXIT_CHANGED, EXIT_USAGE = 0, 1, 2


def local_time(stamp: str) -> str:
    """A UTC timestamp from a manifest, shown in the computer's local time."""
    return datetime.fromtimestamp(parse_time(stamp)).strftime("%Y-%m-%d %H:%M:%S")


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def print_json(doc: Any) -> None:
    """JSON in which control and bidi characters are JSON escapes (the same when parsed)."""
    print(visible_json(doc))


def message(error: BaseException, lang: str) -> str:
    """An error in words, safe to print (it may quote a name or a value from a file)."""
    words = error.message(lang) if isinstance(error, GespreksError) else str(error)
    return visible(words, lines=True)


def init(cli: Cli) -> int:
    root = cli.vault_root()
    if (root / "vault.json").exists():
        raise VaultError("error.vault_exists", path=str(root))
    policy = cli.policy()
    workspace = Workspace.create(root, cli.passphrase(twice=True), policy)
    cli.say("init.done", path=visible(root))
    cli.say("key.fingerprint", fingerprint=workspace.fingerprint)
    return EXIT_OK


def passwd(cli: Cli) -> int:
    workspace = cli.workspace()
    new = cli.new_secret("prompt.new_passphrase", cli.args.new_passphrase_file)
    workspace.change_passphrase(new)
    cli.say("passwd.done")
    return EXIT_OK


def key(cli: Cli) -> int:
    """The installation's public key, as authenticated by unlocking (vault.json's own copy is
    not trusted: someone with the files could have swapped it)."""
    public = cli.workspace().vault.signing_key.public
    print(public.pem(), end="")
    cli.say("key.fingerprint", fingerprint=public.fingerprint)
    return EXIT_OK


def _info_json(info: RecordingInfo, lang: str) -> dict[str, Any]:
    if info.summary is None:
        assert info.error is not None
        return {"id": info.recording_id, "state": "unreadable", "error": info.error.message(lang)}
    summary = info.summary
    manifest = summary.manifest or {}
    start = summary.start
    return {
        "id": summary.recording_id,
        "state": info.state,
        "started": summary.started,
        "ended": manifest.get("ended"),
        "duration_s": summary.duration_s,
        "sample_rate": start["sample_rate"],
        "channels": start["channels"],
        "sample_format": start["sample_format"],
        "frames": manifest.get("frames"),
        "events": len(manifest.get("events", [])),
        "purpose": purpose_label(manifest or start, lang),
        "participants": participant_names(manifest or start),
        "retention_until": info.retention_until.isoformat() if info.retention_until else None,
        "hold": info.hold,
    }


def list_recordings(cli: Cli) -> int:
    infos = cli.workspace().recordings()
    if cli.args.json:
        print_json([_info_json(info, cli.lang) for info in infos])
        return EXIT_OK
    if not infos:
        cli.say("list.empty")
        return EXIT_OK
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
        purpose = visible(purpose_label(item.manifest or item.start, cli.lang))
        print(f"{item.recording_id}  {started}  {duration:>8}  {state}  {purpose}")
    return EXIT_OK


def show(cli: Cli) -> int:
    workspace = cli.workspace()
    info = workspace.info(cli.args.id)
    if info.summary is None:
        assert info.error is not None
        raise info.error
    summary = info.summary
    if cli.args.json:
        print_json(
            {**_info_json(info, cli.lang), "start": summary.start, "manifest": summary.manifest}
        )
        return EXIT_OK
    cli.say("show.id", id=summary.recording_id)
    cli.say("show.state", state=cli.t(f"state.{info.state}"))
    cli.say("show.started", time=local_time(summary.started))
    start = summary.start
    cli.say(
        "show.format",
        rate=start["sample_rate"],
        channels=start["channels"],
        format=start["sample_format"],
    )
    purpose = purpose_label(summary.manifest or start, cli.lang)
    if purpose:
        names = participant_names(summary.manifest or start)
        cli.say("show.purpose", purpose=visible(purpose))
        cli.say("show.participants", names=", ".join(visible(name) for name in names))
    if info.retention_until:
        cli.say("show.retention", date=info.retention_until.date().isoformat())
    if info.hold:
        cli.say("show.hold", reason=visible(info.hold))
    manifest = summary.manifest
    if manifest is None:
        cli.say("show.unsealed")
        return EXIT_OK
    cli.say("show.duration", duration=clock(summary.duration_s), frames=manifest["frames"])
    cli.say("show.hash", hash=manifest["pcm_sha256"])
    cli.say("show.signer", fingerprint=manifest["signer"]["fingerprint"])
    if manifest.get("interrupted"):
        cli.say("show.interrupted", time=local_time(manifest["interrupted"]["last_good_time"]))
    for event in manifest["events"]:
        at = clock(event["frame"] / start["sample_rate"])
        note = f" — {visible(event['note'])}" if event.get("note") else ""
        print(f"  {at}  {cli.t('event.' + event['kind'])}{note}")
    return EXIT_OK


def trusted_keys(cli: Cli, own: Any) -> dict[bytes, str]:
    """This installation's key and the installations the policy trusts."""
    trusted = {own.raw: cli.t("verify.this_installation")}
    for entry in cli.policy().trusted_keys:
        trusted.setdefault(entry.key.raw, entry.name)
    return trusted


def _resolve_target(cli: Cli, vault: Vault, target: str) -> Path:
    candidate = Path(target)
    if candidate.is_file():
        return candidate
    if candidate.exists():
        raise GespreksError("error.not_a_file", path=target)
    return vault.recording_path(target)


def report_verification(cli: Cli, path: Path, run: Any) -> int:
    """Run a verification and say in words what was checked and found; the exit code follows."""
    cli.say("verify.checking", path=visible(path))
    try:
        report: Report = run()
    except IntegrityError as exc:
        cli.say("verify.changed", reason=message(exc, cli.lang))
        return EXIT_CHANGED
    except UnsupportedVersion as exc:
        cli.say("verify.unreadable", reason=message(exc, cli.lang))
        return EXIT_USAGE
    manifest = report.manifest
    cli.say("verify.header_ok")
    cli.say("verify.chunks_ok", chunks=report.chunks)
    cli.say("verify.audio_ok", hash=manifest["pcm_sha256"])
    cli.say(
        "verify.seal_ok", signer=visible(report.signer_name), fingerprint=report.signer.fingerprint
    )
    cli.say(
        "verify.summary",
        id=manifest["recording_id"],
        started=local_time(manifest["started"]),
        duration=clock(manifest["duration_s"]),
        state=cli.t(f"state.{manifest['state']}"),
    )
    if manifest.get("interrupted"):
        cli.say("show.interrupted", time=local_time(manifest["interrupted"]["last_good_time"]))
    cli.say("verify.intact")
    return EXIT_OK


def verify(cli: Cli) -> int:
    """A recording id, a container, an exported folder, or a lone exported audio file."""
    target = Path(cli.args.target)
    if target.is_dir():
        return verify_copy_command(cli, target)
    if target.is_file() and not _is_container(target):
        return verify_copy_command(cli, target)
    path = _resolve_target(cli, cli.open_vault(), cli.args.target)
    workspace = cli.workspace()
    label = cli.t("verify.this_installation")
    return report_verification(cli, path, lambda: workspace.verify(path, label))


def _is_container(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(container.MAGIC_PREFIX)) == container.MAGIC_PREFIX


def copy_trust(cli: Cli) -> dict[bytes, str]:
    """Keys a copy may be sealed with: this installation's (no passphrase needed) and the
    installations the policy trusts."""
    trusted: dict[bytes, str] = {}
    own = own_key(cli)
    if own is not None:
        trusted = trusted_keys(cli, own)
    for entry in cli.policy().trusted_keys:
        trusted.setdefault(entry.key.raw, entry.name)
    return trusted


def own_key(cli: Cli) -> Any:
    """This installation's public key, authenticated by unlocking the vault, when this computer
    has a vault and its passphrase is given or can be asked at a terminal (else None: the key
    in vault.json alone is not trusted, so a copy sealed here then shows as an unknown key)."""
    asked = os.environ.get("GESPREKSOPNAME_PASSPHRASE") or cli.args.passphrase_file
    if not asked and not sys.stdin.isatty():
        return None
    try:
        cli.open_vault()
        return cli.workspace().vault.signing_key.public
    except VaultError:
        return None


def verify_copy_command(cli: Cli, target: Path) -> int:
    from audio.copyverify import verify_copy, verify_folder

    cli.say("verify_copy.checking", path=visible(target))
    trusted = copy_trust(cli)
    try:
        if target.is_dir():
            folder = verify_folder(target, trusted, deep=cli.args.deep)
            report, files = folder.audio, folder.files
        else:
            report, files = verify_copy(target, trusted), []
    except IntegrityError as exc:
        cli.say("verify.changed", reason=message(exc, cli.lang))
        _log_copy_check(cli, target, exc.part)
        return EXIT_CHANGED
    except (UnsupportedVersion, OSError) as exc:
        cli.say("verify.unreadable", reason=message(exc, cli.lang))
        return EXIT_USAGE
    if files:
        print("  " + cli.t("copy.checked.sums", count=len(files)))
        if not cli.args.deep:
            print("  " + cli.t("copy.checked.pinned"))
    for item in report.checked:
        print("  " + cli.t(f"copy.checked.{item}", signer=visible(report.signer_name),
                           fingerprint=report.signer.fingerprint))  # fmt: skip
    record = report.record
    # The copy may come from anywhere: what it says is shown, never acted on by the terminal.
    cli.say("verify_copy.summary", id=visible(record["recording_id"]),
            started=local_time(record["started"]), duration=clock(record["duration_s"]),
            recipient=visible(record.get("recipient") or "-"),
            exported=local_time(record["exported"]))  # fmt: skip
    derived = (record.get("original") or {}).get("derived_from")
    if derived:
        cuts = ", ".join(f"{clock(a)}-{clock(b)}" for a, b in derived.get("cuts", []))
        cli.say("verify_copy.derived", original=visible(derived.get("recording_id")), cuts=cuts)
    if report.format == "mp3":
        cli.say("verify_copy.lossy")
    cli.say("verify.intact")
    _log_copy_check(cli, target, "intact", record.get("recording_id"))
    return EXIT_OK


def _log_copy_check(cli: Cli, target: Path, result: str, recording_id: str | None = None) -> None:
    """Log the check in the audit trail when this computer has a vault and it can be opened
    without asking (a citizen's laptop has none; verifying never needs one)."""
    if not os.environ.get("GESPREKSOPNAME_PASSPHRASE") and not cli.args.passphrase_file:
        return
    with contextlib.suppress(GespreksError):
        cli.workspace().audit.append("verified", recording_id, file=target.name, result=result)


def recover(cli: Cli) -> int:
    """Exit 1 when a recording was refused because it was changed (a sealed one cut short,
    one the register does not know); 0 otherwise."""
    results = cli.workspace().recover_all()
    code = EXIT_OK
    for result in results:
        if result.manifest is None:
            if isinstance(result.error, InUse):
                cli.say("recover.in_use", id=result.recording_id)
            else:
                reason = message(result.error, cli.lang) if result.error else "-"
                cli.say("recover.failed", id=result.recording_id, reason=reason)
                if isinstance(result.error, IntegrityError | StateError):
                    code = EXIT_CHANGED
            continue
        manifest = result.manifest
        cli.say(
            "recover.done",
            id=manifest["recording_id"],
            duration=clock(manifest["duration_s"]),
            time=local_time(manifest["interrupted"]["last_good_time"]),
        )
    if not results:
        cli.say("recover.none")
    return code


def recovery_keygen(cli: Cli) -> int:
    out = Path(cli.args.out)
    if out.exists():
        raise GespreksError("error.file_exists", path=str(out))
    secret = cli.new_secret("prompt.key_passphrase", cli.args.key_passphrase_file)
    private = RecoveryPrivateKey.generate()
    try:
        with open(out, "xb") as handle:
            handle.write(private.pem(secret.encode("utf-8")))
        out.chmod(0o600)
    except OSError as exc:
        raise GespreksError("error.cannot_write", path=str(out), reason=exc.strerror) from exc
    cli.say("recovery.keygen_done", path=str(out), fingerprint=private.public.fingerprint)
    print(private.public.pem(), end="")
    return EXIT_OK


def _recovery_identity(cli: Cli) -> Identity:
    try:
        data = Path(cli.args.key).read_bytes()
    except OSError as exc:
        raise GespreksError("error.cannot_read", path=cli.args.key, reason=exc.strerror) from exc
    secret = ""
    if cli.args.key_passphrase_file:
        secret = cli.read_secret_file(cli.args.key_passphrase_file)
    elif b"ENCRYPTED" in data:
        secret = cli.prompt("prompt.key_passphrase")
    try:
        private = RecoveryPrivateKey.from_pem(data, secret.encode("utf-8") or None)
    except ValueError as exc:
        raise GespreksError("error.recovery_key", path=cli.args.key) from exc
    return X25519Identity(private)


def recovery_open(cli: Cli) -> int:
    path = Path(cli.args.container)
    identity = _recovery_identity(cli)
    trusted: dict[bytes, str] = {}
    own = own_key(cli)
    if own is not None:
        trusted = trusted_keys(cli, own)
    if not trusted:
        trusted = {entry.key.raw: entry.name for entry in cli.policy().trusted_keys}
    if not cli.args.out:
        return report_verification(cli, path, lambda: verify_container(path, [identity], trusted))
    out = Path(cli.args.out)
    if out.exists():
        raise GespreksError("error.file_exists", path=str(out))
    summary = summarize(path, [identity])
    start = summary.start
    temp = out.with_name(f".{out.name}.part")
    code = EXIT_USAGE
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, wave.open(raw, "wb") as wav:
            wav.setnchannels(start["channels"])
            wav.setsampwidth(container.SAMPLE_WIDTHS[start["sample_format"]])
            wav.setframerate(start["sample_rate"])
            code = report_verification(
                cli, path, lambda: verify_container(path, [identity], trusted, wav.writeframesraw)
            )
        if code == EXIT_OK:
            temp.replace(out)
    except OSError as exc:
        raise GespreksError("error.cannot_write", path=str(out), reason=exc.strerror) from exc
    finally:
        # Never leave audio that did not verify, or a half file, behind (also on Ctrl-C).
        if code != EXIT_OK or not out.exists():
            temp.unlink(missing_ok=True)
    if code != EXIT_OK:
        return code
    cli.say("recovery.wav_written", path=str(out))
    return EXIT_OK
