"""Issue 11: the seal, the register and the audit trail hold against anyone who can write the
vault's files. Each test is an attack that worked on 684a8a0, run where the user meets it (the
command line), plus the format-level property that no nonce is ever used twice."""

from __future__ import annotations

import itertools
import json
import shutil
import struct
from pathlib import Path

import pytest

from audio.container import layout as c
from audio.container.recovery import recover
from audio.vault.stanzas import X25519Identity
from audio.vault.store import INTERRUPTED, KEYS, RECORDINGS, Vault
from desktop.cli import main
from tests.unit.conftest import CLI_PASSPHRASE, FAST_KDF, pcm

PASSPHRASE = CLI_PASSPHRASE
NEW_PASSPHRASE = "zeven blauwe reigers dansen op het ijs"
_LENGTH = struct.Struct(">I")


@pytest.fixture
def env(cli_vault: Path) -> Path:
    return cli_vault


def make_recording(root: Path, frames: int = 48000 * 3, seal: bool = True) -> str:
    vault = Vault.open(root).unlock(PASSPHRASE)
    writer = vault.new_recording(sample_rate=48000, channels=1, session={"version": 1})
    writer.write(pcm(frames, 1))
    if seal:
        writer.seal()
    else:
        writer.close()  # what a crash leaves
    return writer.recording_id


def chunk_spans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every framed chunk of a container."""
    (length,) = _LENGTH.unpack_from(data, len(c.MAGIC))
    offset = len(c.MAGIC) + _LENGTH.size + length + 32
    spans = []
    while offset < len(data):
        (length,) = _LENGTH.unpack_from(data, offset)
        spans.append((offset, offset + _LENGTH.size + length))
        offset += _LENGTH.size + length
    return spans


def cut_last_chunk(path: Path) -> None:
    data = path.read_bytes()
    start, _end = chunk_spans(data)[-1]
    path.write_bytes(data[:start])


def output(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    return captured.out + captured.err


# -- 1. no nonce is ever used twice -----------------------------------------------------------


def final_keys(data: bytes, file_key: bytes, header: c.Header) -> list[tuple[bytes, bytes]]:
    """(final-chunk key, nonce) for the final chunk of a container, if it has one."""
    start, end = chunk_spans(data)[-1]
    body = data[start + _LENGTH.size : end]
    index = len(chunk_spans(data)) - 1
    opened = c.decrypt_final(file_key, header.payload_nonce, index, body)
    if opened is None:
        return []
    key = c.final_key(file_key, header.payload_nonce, body[: c.SEAL_SALT_SIZE])
    return [(key, c.chunk_nonce(index, opened[0]))]


OPERATIONS = ("recover", "cut_final", "delete_kept", "restore_kept")


def test_no_sequence_of_crashes_cuts_and_recoveries_reuses_a_nonce(tmp_path: Path) -> None:
    """Attack 1 at the format level (failed on 684a8a0: a second recovery of the same cut file
    encrypted its final chunk under the payload key with the nonce of the first). Every
    sequence of up to four operations, without the register's protection: the ordinary chunks
    are never encrypted again (byte-identical wherever they appear), and every final chunk ever
    written has a key of its own."""
    vault = Vault.create(tmp_path / "vault", PASSPHRASE, kdf=FAST_KDF)
    writer = vault.new_recording(sample_rate=48000, channels=1)
    writer.write(pcm(48000 * 3, 1))
    writer.close()
    path = writer.path
    pristine = path.read_bytes()
    with open(path, "rb") as handle:
        header = c.read_header(handle)
    file_key = c.unlock(header, vault.identities())
    keep = vault.root / INTERRUPTED
    ordinary = {
        i: pristine[s:e] for i, (s, e) in enumerate(chunk_spans(pristine))
    }  # what the writer wrote, once
    used: dict[tuple[bytes, bytes], bytes] = {}
    sequences = 0
    for length in range(1, 5):
        for sequence in itertools.product(OPERATIONS, repeat=length):
            path.write_bytes(pristine)
            shutil.rmtree(keep, ignore_errors=True)
            saved: bytes | None = None
            for operation in sequence:
                kept = keep / path.name
                if operation == "recover":
                    try:
                        recover(path, vault.identities(), vault.signing_key, keep)
                    except Exception:  # refused (already sealed, recovered before): fine
                        continue
                    data = path.read_bytes()
                    for pair in final_keys(data, file_key, header):
                        chunk = data[chunk_spans(data)[-1][0] :]
                        assert used.setdefault(pair, chunk) == chunk, sequence
                elif operation == "cut_final" and len(chunk_spans(path.read_bytes())) > 1:
                    saved = path.read_bytes()
                    cut_last_chunk(path)
                elif operation == "delete_kept":
                    kept.unlink(missing_ok=True)
                elif operation == "restore_kept" and saved is not None:
                    path.write_bytes(saved)
            data = path.read_bytes()
            for i, (s, e) in enumerate(chunk_spans(data)[:-1]):
                assert data[s:e] == ordinary[i], sequence
            sequences += 1
    assert sequences == sum(len(OPERATIONS) ** n for n in range(1, 5))
    assert len(used) > 10  # many seals were made, each under its own key


def test_keyless_forgery_through_recover_is_refused(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack 1 through the command line (failed on 684a8a0): recover, delete the kept
    original, cut the final chunk again, recover again. The register knows the recording as
    recovered: the second recover refuses (exit 1) and writes nothing."""
    rid = make_recording(env, seal=False)
    assert main(["recover"]) == 0
    path = env / RECORDINGS / f"{rid}.gesp"
    (env / INTERRUPTED / path.name).unlink()
    cut_last_chunk(path)
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["recover"]) == 1
    out = output(capsys)
    assert "nooit opnieuw verzegeld" in out
    assert path.read_bytes() == before
    assert main(["verify", rid]) == 1
    assert "afgeknipt" in output(capsys)


# -- 2. once sealed, always sealed --------------------------------------------------------------


def test_a_sealed_recording_cut_short_is_not_recovered(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack 2 (failed on 684a8a0: verify then said "interrupted (recovered)", exit 0). The
    end (last chunks and the manifest) of a sealed recording is cut off: recover refuses it,
    verify exits 1 and says how much the register knows was there."""
    rid = make_recording(env)
    path = env / RECORDINGS / f"{rid}.gesp"
    data = path.read_bytes()
    spans = chunk_spans(data)
    path.write_bytes(data[: spans[-2][0]])  # the manifest and the last audio chunk gone
    capsys.readouterr()
    assert main(["recover"]) == 1
    assert "nooit opnieuw verzegeld" in output(capsys)
    assert main(["verify", rid]) == 1
    out = output(capsys)
    assert "afgeknipt" in out and f"{len(spans) - 1} delen" in out


def test_a_recording_replaced_by_another_sealed_one_is_found(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sealed recording's file replaced by another validly sealed recording of this vault,
    renamed to its id: the register's seal hash does not match (exit 1)."""
    first = make_recording(env)
    second = make_recording(env, frames=48000)
    target = env / RECORDINGS / f"{first}.gesp"
    shutil.copy(env / RECORDINGS / f"{second}.gesp", target)
    shutil.copy(env / KEYS / f"{second}.key", env / KEYS / f"{first}.key")
    capsys.readouterr()
    assert main(["verify", str(target)]) == 1


# -- 3. the anchored trail ----------------------------------------------------------------------


def test_deleting_the_audit_trail_is_found_and_holds_survive(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack 3 (failed on 684a8a0: "intact: 1 lines", the hold vanished and purge destroyed
    the recording). The trail's files are deleted: audit --verify exits 1, the hold lives on in
    the register, and purge refuses while the trail is in doubt."""
    rid = make_recording(env)
    assert main(["hold", rid, "--reason", "klacht bij de Nationale Ombudsman"]) == 0
    (env / "audit.log").unlink()
    capsys.readouterr()
    assert main(["audit", "--verify"]) == 1
    assert "GEWIJZIGD" in output(capsys)
    assert main(["show", rid]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["hold"]
    assert main(["purge", "--expired"]) in (0, 2)
    assert (env / RECORDINGS / f"{rid}.gesp").exists()


def test_putting_back_an_older_trail_is_found(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack 3, rollback (failed on 684a8a0): an older copy of the trail put back beside the
    current vault state is not the trail the state anchors."""
    rid = make_recording(env)
    older = (env / "audit.log").read_bytes()
    assert main(["hold", rid, "--reason", "bezwaar loopt"]) == 0
    assert main(["release", rid]) == 0
    (env / "audit.log").write_bytes(older)
    capsys.readouterr()
    assert main(["audit", "--verify"]) == 1
    assert "GEWIJZIGD" in output(capsys)


def test_deleting_the_state_is_found_and_blocks_recover_and_purge(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The anchor itself deleted: the vault still opens and plays, but audit --verify exits 1,
    recover and purge refuse."""
    make_recording(env)
    crashed = make_recording(env, seal=False)
    (env / "state.enc").unlink()
    capsys.readouterr()
    assert main(["list"]) == 0
    assert main(["audit", "--verify"]) == 1
    assert "toestandsbestand" in output(capsys)
    assert main(["recover"]) == 1
    assert (env / RECORDINGS / f"{crashed}.gesp").exists()
    assert main(["purge", "--expired"]) in (0, 2)
    # The Privacy Officer's way out: rebuild from what verifies; logged, then all is well.
    capsys.readouterr()
    assert main(["audit", "--reanchor", "--verify"]) == 0
    out = output(capsys)
    assert "opnieuw opgebouwd" in out
    assert main(["recover"]) == 0
    assert main(["audit", "--reanchor"]) == 2  # refused: the state is fine now


# -- 4. no single line locks the vault -----------------------------------------------------------


@pytest.mark.parametrize("damage", ["torn", "junk", "lost"])
def test_a_damaged_last_line_is_repaired_at_the_next_unlock(
    env: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    """Attack 4 (failed on 684a8a0: every command that unlocks exited 2). A torn last line (a
    power cut), junk after the last line, or the last line lost: the next command works, the
    trail is repaired from the vault's state with an entry that says so, and verifies."""
    rid = make_recording(env)
    assert main(["hold", rid, "--reason", "klacht"]) == 0
    log = env / "audit.log"
    data = log.read_bytes()
    last = data.rstrip(b"\n").rfind(b"\n") + 1
    if damage == "torn":
        log.write_bytes(data[: last + 40])
    elif damage == "junk":
        log.write_bytes(data + b'{"seq": 99, "junk": true}\n\x00\x00garbage')
    else:
        log.write_bytes(data[:last])
    capsys.readouterr()
    assert main(["list"]) == 0
    assert main(["audit", "--verify"]) == 0
    capsys.readouterr()
    assert main(["audit", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    actions = [e["action"] for e in entries]
    assert "audit_repaired" in actions and "held" in actions
    assert (env / "audit.log.damaged").exists() or damage == "lost"


def test_an_oversized_audit_entry_is_refused_before_anything_is_written(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack 4 (failed on 684a8a0: `hold --reason` with a very long reason wrote a line that
    locked the vault). Refused with a clear message (exit 2); the trail is unchanged."""
    rid = make_recording(env)
    capsys.readouterr()
    assert main(["hold", rid, "--reason", "x" * 200_000]) == 2
    assert "reden" in output(capsys).lower()
    assert main(["audit", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert "held" not in [e["action"] for e in entries]
    assert main(["audit", "--verify"]) == 0


# -- 6. authenticated vault metadata -------------------------------------------------------------


def test_a_swapped_public_key_in_the_vault_file_is_never_trusted(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack 6 (failed on 684a8a0: `key` printed the swapped key and a folder sealed by it
    verified as "this installation"). Every command that unlocks refuses the changed file."""
    other = Vault.create(tmp_path / "other", PASSPHRASE, kdf=FAST_KDF)
    doc = json.loads((env / "vault.json").read_text())
    doc["signing_key"]["public_key"] = other.vault.doc["signing_key"]["public_key"]
    (env / "vault.json").write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["key"]) == 2
    out = output(capsys)
    assert "gewijzigd" in out and "BEGIN PUBLIC KEY" not in out


def test_any_changed_field_of_the_vault_file_is_refused(env: Path) -> None:
    doc = json.loads((env / "vault.json").read_text())
    for field, value in (("created", "2020-01-01T00:00:00.000Z"), ("version", 2)):
        changed = dict(doc, **{field: value})
        if changed == doc:
            changed["created"] = "1999-01-01T00:00:00.000Z"
        (env / "vault.json").write_text(json.dumps(changed))
        assert main(["list"]) == 2
    (env / "vault.json").write_text(json.dumps(doc))
    assert main(["list"]) == 0


# -- 7. passwd rotates the vault key -------------------------------------------------------------


def test_an_old_vault_file_and_passphrase_open_nothing_recorded_after_passwd(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack 7 (failed on 684a8a0: the vault key never rotated, so the old vault.json with the
    old passphrase opened recordings made after the change). The organisation's recovery key
    still opens both."""
    from audio.vault.keys import RecoveryPrivateKey

    recovery = RecoveryPrivateKey.generate()
    before = make_recording(env)
    old_vault_file = (env / "vault.json").read_bytes()
    new = tmp_path / "new.txt"
    new.write_text(NEW_PASSPHRASE)
    assert main(["passwd", "--new-passphrase-file", str(new)]) == 0
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", NEW_PASSPHRASE)
    unlocked = Vault.open(env).unlock(NEW_PASSPHRASE)
    writer = unlocked.new_recording(sample_rate=48000, channels=1, recovery_keys=[recovery.public])
    writer.write(pcm(4800, 1))
    writer.seal()
    after = writer.recording_id
    assert main(["verify", before]) == 0 and main(["verify", after]) == 0
    assert main(["audit", "--verify"]) == 0
    # The thief's copy: today's files, but the vault file from before the change.
    stolen = tmp_path / "stolen"
    shutil.copytree(env, stolen)
    (stolen / "vault.json").write_bytes(old_vault_file)
    old = Vault.open(stolen).unlock(PASSPHRASE)
    assert not old.key.has_slot(after)
    from audio.container.summary import summarize
    from audio.errors import IntegrityError, NoMatchingKey

    with pytest.raises((NoMatchingKey, IntegrityError)):
        summarize(stolen / RECORDINGS / f"{after}.gesp", old.identities())
    with pytest.raises(Exception, match="state"):
        old.state.read()
    # The recovery key is untouched by the rotation.
    assert summarize(env / RECORDINGS / f"{after}.gesp", [X25519Identity(recovery)])
    # And the old passphrase no longer opens the real vault.
    monkeypatch.setenv("GESPREKSOPNAME_PASSPHRASE", PASSPHRASE)
    capsys.readouterr()
    assert main(["list"]) == 2


def test_a_passwd_cut_short_by_a_crash_finishes_at_the_next_unlock(env: Path) -> None:
    """A crash after the new vault file was written but before the slots were rewrapped: the
    vault opens with the new passphrase and finishes the rotation."""
    rid = make_recording(env)
    unlocked = Vault.open(env).unlock(PASSPHRASE)
    slot = (env / KEYS / f"{rid}.key").read_bytes()
    rotated = unlocked.change_passphrase(NEW_PASSPHRASE)
    # Simulate the crash: put back the slot wrapped under the old key, and the old key in the
    # vault file (as it is between the first and the last step).
    (env / KEYS / f"{rid}.key").write_bytes(slot)
    from audio.vault.store import _vault_doc, _write_doc

    doc = rotated.vault.doc
    _write_doc(
        env,
        _vault_doc(
            vault_id=rotated.vault.vault_id,
            created=doc["created"],
            kdf=doc["kdf"],
            wrapped=doc["vault_key"],
            vault_key=rotated.key.key,
            signing=rotated.signing_key,
            data_keys=rotated.data_keys,
            previous=unlocked.key.key,
        ),
    )
    again = Vault.open(env).unlock(NEW_PASSPHRASE)
    assert again.key.previous is None and again.vault.doc["previous_key"] is None
    assert again.key.has_slot(rid)
    assert main(["--passphrase-file", "/dev/null", "list"]) == 2  # empty passphrase: refused


# -- 8. ours but altered is "changed" -------------------------------------------------------------


def test_a_changed_stanza_is_reported_as_changed_not_unreadable(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failed on 684a8a0 (exit 2, "none of your keys opens this recording"): the vault id in
    the header of one of this vault's recordings changed. It is ours, so it was changed: exit 1."""
    rid = make_recording(env)
    path = env / RECORDINGS / f"{rid}.gesp"
    data = path.read_bytes()
    vault_id = json.loads((env / "vault.json").read_text())["vault_id"]
    swapped = vault_id[:-1] + ("0" if vault_id[-1] != "0" else "1")
    path.write_bytes(data.replace(vault_id.encode(), swapped.encode(), 1))
    capsys.readouterr()
    assert main(["verify", rid]) == 1
