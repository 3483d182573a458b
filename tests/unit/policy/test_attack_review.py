"""Security review of issue 11 (vault format 2, the register and the anchored audit trail).

Each test is an attack on a claim of docs/FORMAT.md's threat model or the README's "Audit trail
and retention", run where the user meets it (the command line, in-process). A failing test is a
break that still works on the reviewed tree; its docstring says what the attack is and what the
claim was. Attackers hold the vault's files but not the passphrase unless a docstring says so.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from audio.vault.store import RECORDINGS, Vault
from desktop.cli import main
from tests.unit.conftest import pcm
from tests.unit.policy.test_seal_integrity import (
    NEW_PASSPHRASE,
    PASSPHRASE,
    chunk_spans,
    env,  # noqa: F401 - the fixture
    make_recording,
    output,
)

REPO = Path(__file__).resolve().parents[3]


def make_expired(root: Path) -> str:
    """A sealed recording whose retention ended at once (a purpose with 0 days)."""
    vault = Vault.open(root).unlock(PASSPHRASE)
    writer = vault.new_recording(
        sample_rate=48000,
        channels=1,
        session={"version": 1, "purpose": {"id": "test", "retention_days": 0}},
    )
    writer.write(pcm(4800, 1))
    writer.seal()
    return writer.recording_id


def cut_manifest_and_last_audio(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: chunk_spans(data)[-2][0]])


# -- the anchored trail ------------------------------------------------------------------------


def test_an_older_state_put_back_alone_is_found_and_keeps_the_hold(
    env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Attack: copy `state.enc` once (no trail copy needed); later a hold is placed for a
    complaint; put the old `state.enc` back. At the next unlock `AuditLog.repair` finds the
    old anchored line in the middle of the trail and cuts every genuine, signed line after it
    (the `held` line included) into audit.log.damaged, as if they were junk from a power cut.
    `audit --verify` then says intact (exit 0), the hold is gone from register and trail, and
    `purge --expired` destroys the held recording.

    Claims broken: "Holds live in the register and in the trail, so removing one of them
    removes no hold"; "putting back an older trail beside the current state is found"; a power
    cut only ever leaves the state *ahead* of the file, never behind it."""
    rid = make_expired(env)
    old_state = (env / "state.enc").read_bytes()
    assert main(["hold", rid, "--reason", "klacht bij de Nationale Ombudsman"]) == 0
    (env / "state.enc").write_bytes(old_state)
    capsys.readouterr()
    assert main(["list"]) == 0  # any unlock runs the repair
    assert main(["audit", "--verify"]) == 1, output(capsys)
    main(["purge", "--expired"])
    assert (env / RECORDINGS / f"{rid}.gesp").exists()


def test_a_deleted_trail_can_be_rebuilt_by_the_privacy_officer(
    env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Attack: delete audit.log. It is found (`audit --verify` exit 1) and purge refuses, but
    `audit --reanchor` refuses too ("the state is in order"), so purge is blocked for good and
    the program offers no way out.

    Claim broken (FORMAT.md, threat model): "a missing state or trail makes audit --verify
    exit 1 and stops recover and purge until the Privacy Officer rebuilds the state
    (audit --reanchor, logged)". (Recover is not stopped by a missing trail either.)"""
    rid = make_recording(env)
    assert main(["hold", rid, "--reason", "bezwaar loopt"]) == 0
    (env / "audit.log").unlink()
    assert main(["audit", "--verify"]) == 1
    capsys.readouterr()
    assert main(["audit", "--reanchor"]) == 0, output(capsys)
    assert main(["audit", "--verify"]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["hold"]


def test_junk_longer_than_the_repair_window_is_cut_at_the_next_unlock(
    env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Attack: append 70 kB of junk (one line) after the last line of audit.log. `repair` only
    looks at the last 64 kB + 2 lines, does not find the anchored line and gives up; the junk
    stays for good, every later line is appended after it (and is never read again), `audit
    --verify` exits 1 forever, purge is refused forever and `--reanchor` is refused.

    Claim broken: "At the next unlock the end of the file is repaired from the state: bytes
    after the anchored line ... are cut off"; "no line in it can stop the vault from working"."""
    make_recording(env)
    with open(env / "audit.log", "ab") as log:
        log.write(b"x" * 70_000 + b"\n")
    assert main(["list"]) == 0
    capsys.readouterr()
    assert main(["audit", "--verify"]) == 0, output(capsys)


@pytest.mark.parametrize("damage", ["trail_is_a_directory", "damaged_is_a_directory"])
def test_one_bad_trail_file_does_not_lock_the_vault(
    env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    damage: str,
) -> None:
    """Attack: replace audit.log by a directory; or append junk to audit.log and make
    audit.log.damaged a directory. `Workspace.open` runs `repair`, which opens these files
    without handling OSError: every command that unlocks (`list`, `verify`, `audit --verify`,
    `audit --reanchor`, `purge`) exits 2, so the vault is locked by one file.

    Claim broken: "no line in it can stop the vault from working"; "A missing or damaged state
    does not lock the vault: recordings stay listed, playable and verifiable"."""
    make_recording(env)
    if damage == "trail_is_a_directory":
        (env / "audit.log").unlink()
        (env / "audit.log").mkdir()
    else:
        with open(env / "audit.log", "ab") as log:
            log.write(b"junk\n")
        (env / "audit.log.damaged").mkdir()
    capsys.readouterr()
    assert main(["list"]) == 0, output(capsys)
    assert main(["audit", "--verify"]) == 1


def test_a_hostile_audit_line_is_reported_not_a_crash(
    env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Attack: replace the first line of audit.log with JSON holding a lone surrogate escape
    ("\\ud800"). `AuditLog.read` parses it, then calls canonical_json(body) for the signature
    check outside its try: UnicodeEncodeError escapes, `audit --verify` (and purge, reanchor,
    the GUI's audit view) crash with a traceback instead of reporting a damaged line."""
    make_recording(env)
    lines = (env / "audit.log").read_bytes().split(b"\n")
    lines[0] = json.dumps(
        {
            "seq": "\ud800",
            "prev": "0" * 64,
            "epoch": 0,
            "nonce": base64.b64encode(bytes(12)).decode(),
            "entry": "",
            "sig": base64.b64encode(bytes(64)).decode(),
        }
    ).encode()
    (env / "audit.log").write_bytes(b"\n".join(lines))
    assert main(["audit", "--verify"]) == 1


def test_a_hostile_vault_file_is_a_clear_error_not_a_crash(env: Path) -> None:  # noqa: F811
    """Attack: add a field `"x": "\\ud800"` to vault.json (the wrapped key untouched). The
    passphrase still opens the vault key, then `_mac` calls canonical_json on the document:
    UnicodeEncodeError, a traceback from every command instead of "the key file was changed"
    (exit 2). The same with such a field inside "kdf" (it is in the AAD, before the MAC)."""
    doc = json.loads((env / "vault.json").read_text())
    doc["x"] = "\ud800"
    (env / "vault.json").write_text(json.dumps(doc))
    assert main(["list"]) == 2


def test_a_state_file_that_is_a_fifo_does_not_hang_every_command(
    env: Path,  # noqa: F811
) -> None:
    """Attack: replace state.enc by a named pipe (mkfifo). `StateStore.read` opens it for
    reading and blocks for ever: every command that unlocks (and the GUI at start) hangs.
    (audit.log as a FIFO hangs `repair` the same way; state.enc or audit.log as a symlink to
    /dev/zero reads until memory runs out.)

    Claim broken: "A missing or damaged state does not lock the vault"."""
    make_recording(env)
    (env / "state.enc").unlink()
    os.mkfifo(env / "state.enc")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "desktop.cli", "list"],
            cwd=REPO,
            env=dict(os.environ),
            capture_output=True,
            timeout=30,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("`list` hung on a FIFO in place of state.enc")
    assert done.returncode == 0


# -- once sealed, always sealed ----------------------------------------------------------------


def test_recover_never_signs_another_recording_put_in_a_crashed_ones_place(
    env: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Attack (keyless forgery of an "interrupted" seal): recording A is sealed; recording C
    crashed (the register knows it as `recording`). Copy A's container, cut its manifest and
    last chunk off, and write it as recordings/C.gesp. `recover` asks the register about the
    *file name* (C: recording) and seals the *header's* recording (A) with the installation's
    key; only afterwards does `register_seal` see A is sealed and refuse. The command says
    "The file was not touched", but recordings/C.gesp now holds a validly signed, shortened
    "interrupted" A, which `verify` outside the vault (or by the recovery key) calls INTACT.

    Claims broken: "A recording the register knows as sealed or recovered is never sealed
    again"; the refusal message."""
    a = make_recording(env)
    crashed = make_recording(env, seal=False)
    target = env / RECORDINGS / f"{crashed}.gesp"
    source = (env / RECORDINGS / f"{a}.gesp").read_bytes()
    target.write_bytes(source[: chunk_spans(source)[-2][0]])
    planted = target.read_bytes()
    main(["recover"])
    assert target.read_bytes() == planted, "the victim's key signed a cut copy of A"
    forged = tmp_path / "forged.gesp"
    shutil.copy(target, forged)
    capsys.readouterr()
    assert main(["verify", str(forged)]) != 0


def test_another_sealed_recording_in_a_crashed_ones_place_is_a_change(
    env: Path,  # noqa: F811
) -> None:
    """Attack (swap): copy sealed recording B over recordings/C.gesp of a crashed recording C
    (the register knows C as `recording`). `_check_register` skips entries in state
    `recording`, and nothing compares the manifest's recording id with the file's name:
    `verify C` says INTACT (showing B's id), `audit --verify` is intact, `recover` says there
    is nothing to recover, and C's audio is gone unnoticed.

    Claim broken: "Cannot change anything unnoticed: ... a swap for another recording of the
    same vault"."""
    b = make_recording(env)
    crashed = make_recording(env, seal=False)
    shutil.copy(env / RECORDINGS / f"{b}.gesp", env / RECORDINGS / f"{crashed}.gesp")
    assert main(["verify", crashed]) == 1


def test_a_recording_swapped_for_a_symlink_is_checked_against_the_register(
    env: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Attack (swap via symlink): replace recordings/A.gesp by a symlink to a copy of sealed
    recording B kept outside the folder. `Workspace._registered` compares the *resolved* parent
    with recordings/ and treats the file as "not one of ours", so the register is never asked:
    `verify A` says INTACT (B's audio), `audit --verify` is intact, `list` shows B twice.

    Claim broken: "a swap for another recording of the same vault (the register keeps each
    seal's hash)" is found."""
    a = make_recording(env)
    b = make_recording(env, frames=48000)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(env / RECORDINGS / f"{b}.gesp", elsewhere / f"{a}.gesp")
    link = env / RECORDINGS / f"{a}.gesp"
    link.unlink()
    link.symlink_to(elsewhere / f"{a}.gesp")
    assert main(["verify", a]) == 1


def test_reanchor_does_not_make_a_sealed_recording_cut_short_recoverable(
    env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Attack: cut the end (manifest and last audio chunk) off sealed recording A and delete
    state.enc. The Privacy Officer does what the program tells them: `audit --reanchor`. It
    registers every unsealed container as `recording`, although the trail says A was sealed;
    the next `recover` (the GUI runs it at every start) seals the cut A as "interrupted" and
    `verify A` says INTACT, exit 0. (Variant: delete A as well as state.enc; after the
    reanchor nothing reports A missing, though the trail has its `recording_sealed`.)

    Claims broken: "A recording the register knows as sealed or recovered is never sealed
    again"; "Cannot change anything unnoticed: ... its truncation"."""
    from policy.policy import load_policy
    from policy.workspace import Workspace

    a = make_recording(env)
    workspace = Workspace.open(env, PASSPHRASE, load_policy(None))
    workspace.audit.append("recording_sealed", a, frames=48000 * 3)  # as the app logs it
    cut_manifest_and_last_audio(env / RECORDINGS / f"{a}.gesp")
    (env / "state.enc").unlink()
    assert main(["audit", "--reanchor"]) == 0
    main(["recover"])
    capsys.readouterr()
    assert main(["verify", a]) == 1, output(capsys)


# -- passwd ------------------------------------------------------------------------------------


def test_a_bad_key_slot_entry_does_not_lock_the_vault_after_passwd(
    env: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Attack: create a directory keys/<any uuid>.key. At the next `passwd`, step (1) writes the
    new vault.json, then `rewrap_slots` calls read_bytes() on the directory: OSError, `passwd`
    exits 2 ("file error") although the passphrase *was* changed. Every later unlock runs
    `finish_rotation` and fails the same way: the old passphrase is "wrong", the new one gives
    exit 2 for every command. The vault is locked until someone finds and removes the entry.

    Claim broken: "A crash after (1) leaves a vault that opens with the new passphrase and
    finishes (2)-(4)" / one bad file must not lock the vault."""
    make_recording(env)
    (env / "keys" / f"{uuid.uuid4()}.key").mkdir()
    new = tmp_path / "new.txt"
    new.write_text(NEW_PASSPHRASE)
    code = main(["passwd", "--new-passphrase-file", str(new)])
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", NEW_PASSPHRASE if code == 0 else PASSPHRASE)
    capsys.readouterr()
    assert main(["list"]) == 0, output(capsys)


# -- retention ---------------------------------------------------------------------------------


def test_purge_does_not_clear_a_hold_placed_while_it_runs(
    env: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Race: `Workspace.purge` checks the hold with an unlocked read of the register, then
    appends "purged" whose register change (`_mark_purged`) sets hold=None unconditionally.
    A hold placed in between (the Privacy Officer in the GUI while a scheduled
    `purge --expired` runs) is silently cleared and the held recording destroyed. The check
    must be made under the state lock, in the register change itself."""
    from policy.audit import AuditLog
    from policy.policy import load_policy
    from policy.workspace import Workspace

    rid = make_expired(env)
    policy = load_policy(None)
    purger = Workspace.open(env, PASSPHRASE, policy)
    officer = Workspace.open(env, PASSPHRASE, policy)
    expired = purger.expired()
    assert [info.recording_id for info in expired] == [rid]
    append = AuditLog.append

    def racing(
        self: AuditLog, action: str, recording_id: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        if action == "purged" and self is purger.audit:
            officer.hold(rid, "klacht bij de Nationale Ombudsman")
        return append(self, action, recording_id, **kw)

    monkeypatch.setattr(AuditLog, "append", racing)
    purger.purge(expired)
    assert (env / RECORDINGS / f"{rid}.gesp").exists()


# -- hostile recordings folder -----------------------------------------------------------------


def test_a_sparse_file_in_the_recordings_folder_does_not_stall_listing(
    env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Attack (DoS): recordings/x.gesp = a genuine header copied from any recording, followed
    by a sparse hole (costs no disk). `summarize` walks the length prefixes before checking
    anything and accepts length 0, so it advances 4 bytes per Python iteration: 16 MiB take
    seconds, a 100 GiB hole hangs `list`, `recover`, `purge`, `audit --reanchor` and the GUI's
    start for hours. ChunkStream rejects lengths below MIN_CIPHERTEXT; summarize does not."""
    rid = make_recording(env)
    data = (env / RECORDINGS / f"{rid}.gesp").read_bytes()
    header = data[: chunk_spans(data)[0][0]]
    started = time.monotonic()
    assert main(["list"]) == 0
    baseline = time.monotonic() - started
    hostile = env / RECORDINGS / "zzzzzzzz.gesp"
    with open(hostile, "wb") as handle:
        handle.write(header)
        handle.truncate(len(header) + 16 * 1024 * 1024)
    started = time.monotonic()
    assert main(["list"]) == 0
    assert time.monotonic() - started < baseline + 1.0


# -- inputs ------------------------------------------------------------------------------------


def test_a_reason_with_undecodable_bytes_is_refused_not_a_crash(
    env: Path,  # noqa: F811
) -> None:
    """Insider input: on Linux a non-UTF-8 byte on the command line (a Latin-1 terminal's "é")
    reaches Python as a lone surrogate ("\\udce9"). `hold --reason` passes check_length, then
    `AuditLog.append` dies in canonical_json with UnicodeEncodeError: a traceback, not exit 2.
    (`export --recipient` the same.) Nothing is written, but the program crashes."""
    rid = make_recording(env)
    assert main(["hold", rid, "--reason", "klacht \udce9"]) in (0, 2)


# -- attacks that held (coverage beyond test_seal_integrity.py) ----------------------------------


@pytest.mark.parametrize("crash_at", range(1, 9))
def test_passwd_cut_short_at_any_write_leaves_an_openable_vault(
    env: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    crash_at: int,
) -> None:
    """Held. `passwd` is killed right before its n-th atomic write (the unlock's log line,
    vault.json with previous_key, the state, the state again, each slot, vault.json without
    previous_key, the passphrase_changed line). Afterwards exactly one of the passphrases
    opens the vault, and with it every recording verifies and the trail is intact.
    (Observation: when the crash comes after step 1, the rotation is finished silently at the
    next unlock and no `passphrase_changed` entry is ever written.)"""
    import audio.durable
    import audio.vault.stanzas
    import audio.vault.state
    import audio.vault.store

    class Crash(BaseException):
        pass

    rids = [make_recording(env), make_recording(env)]
    assert main(["hold", rids[0], "--reason", "klacht"]) == 0
    new = tmp_path / "new.txt"
    new.write_text(NEW_PASSPHRASE)
    real = audio.durable.write_atomic
    count = [0]

    def crashing(path: Path, data: bytes, *, private: bool = True) -> None:
        count[0] += 1
        if count[0] == crash_at:
            raise Crash
        real(path, data, private=private)

    for module in (audio.vault.store, audio.vault.state, audio.vault.stanzas):
        monkeypatch.setattr(module, "write_atomic", crashing)
    with pytest.raises(Crash):
        main(["passwd", "--new-passphrase-file", str(new)])
    for module in (audio.vault.store, audio.vault.state, audio.vault.stanzas):
        monkeypatch.setattr(module, "write_atomic", real)
    opening = []
    for passphrase in (PASSPHRASE, NEW_PASSPHRASE):
        monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", passphrase)
        if main(["list"]) == 0:
            opening.append(passphrase)
            assert all(main(["verify", rid]) == 0 for rid in rids)
            assert main(["audit", "--verify"]) == 0
    assert len(opening) == 1


def test_an_old_vault_file_and_passphrase_read_no_audit_line_logged_after_passwd(
    env: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Held. The thief's copy: today's trail beside the vault file from before `passwd`, opened
    with the old passphrase. Every line logged since the change is under the new data key:
    nothing after it decrypts (the reader stops there, reporting the line as damaged)."""
    from policy.audit import AuditLog

    rid = make_recording(env)
    old_vault_file = (env / "vault.json").read_bytes()
    new = tmp_path / "new.txt"
    new.write_text(NEW_PASSPHRASE)
    assert main(["passwd", "--new-passphrase-file", str(new)]) == 0
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", NEW_PASSPHRASE)
    assert main(["hold", rid, "--reason", "geheime klacht van mevrouw X"]) == 0
    stolen = tmp_path / "stolen"
    shutil.copytree(env, stolen)
    (stolen / "vault.json").write_bytes(old_vault_file)
    entries, problem = AuditLog(Vault.open(stolen).unlock(PASSPHRASE)).read()
    actions = [entry.action for entry in entries]
    assert "passphrase_changed" not in actions and "held" not in actions
    assert problem is not None
