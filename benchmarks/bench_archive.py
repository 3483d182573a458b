"""Keyless verify beside `openssl dgst -sha256`, and archive upload beside boto3's `upload_file`.

Run: .venv/bin/python benchmarks/bench_archive.py [--minutes 120] [--repeat 5]
     [--upload-repeat 2] [--dir DIR]

A two-hour 48 kHz 16-bit stereo recording is written with the vault's writer, and its public seal
(`audio.archive.publicseal.PublicSeal.make`, filled as `policy.archiving.Uploader._public_seal`
fills it) is written beside it as `<id>.seal.json`.

1. Keyless verify (goal: at most 1.1x openssl). `gespreksopname verify --keyless FILE --seal SEAL
   --fingerprint FP` as a fresh process (no passphrase, no vault: the installation's fingerprint
   on the command line makes the signer known, so it exits 0) beside `openssl dgst -sha256 FILE`
   as a fresh process; both run once first (page cache and byte code warm), then alternating
   `--repeat` times; best (and median) wall and CPU (user + sys, every thread) are compared. Then
   the parts, each on its own: interpreter start-up + the imports of this path (a fresh process,
   beside a bare `python -c pass`); parsing the seal + checking its signature; hashing the file
   (`container_digest`); `policy.verification.verify_keyless` in-process (all of the check).
2. Upload throughput to a real SeaweedFS S3 server with Object Lock (tests/helpers/s3server.py):
   `audio.archive.s3.Archive.put_locked` (hashes the file first, multipart with a SHA-256 per
   part, locked, HEAD after) beside boto3's own `upload_file` of the same file (a plain client,
   no lock, boto3's default transfer settings), alternating, a fresh key every run; MB/s of each
   and their ratio. The file is already in the page cache.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audio.archive.publicseal import (  # noqa: E402
    SUFFIX,
    PublicSeal,
    check_container,
    container_digest,
)
from audio.archive.s3 import (  # noqa: E402
    MULTIPART_CHUNKSIZE,
    MULTIPART_CONCURRENCY,
    Archive,
    sha256_file,
)
from audio.container.verify import verify  # noqa: E402
from audio.encoding import iso_time  # noqa: E402
from benchmarks.bench_verify import cpu_now, synthetic_second  # noqa: E402 - the same recording
from policy.policy import load_policy  # noqa: E402
from policy.sealed import retention_until  # noqa: E402
from policy.verification import Anchors, verify_keyless  # noqa: E402
from policy.workspace import Workspace  # noqa: E402
from tests.helpers.s3server import make_locked_bucket, start_s3  # noqa: E402

RATE, CHANNELS = 48000, 2
PASSPHRASE = "benchmark passphrase"
GOAL = 1.1
BUCKET = "bench-archive"

# What `gespreksopname verify --keyless` imports before it starts working: the command line
# (its parser imports every command module) and the keyless check; nothing is verified.
IMPORTS_ONLY = """
from desktop import cli
from resources.catalogue import resolve_language
cli.build_parser(resolve_language(None))
import policy.verification, audio.archive.publicseal
"""


class Run:
    """Wall time and CPU time (user + sys, all threads) of one child process; exit code 0."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        start = time.perf_counter()
        child = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        self.wall = time.perf_counter() - start
        self.cpu = usage.ru_utime + usage.ru_stime
        self.user, self.sys = usage.ru_utime, usage.ru_stime
        assert child.stdout is not None and child.stderr is not None
        self.output = child.stdout.read().decode(errors="replace")
        error = child.stderr.read().decode(errors="replace")
        child.stdout.close()
        child.stderr.close()
        code = os.waitstatus_to_exitcode(status)
        assert code == 0, f"{command[:4]} exited {code}: {self.output}{error}"


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds (this process, all threads) of one call of `action`."""
    wall, cpu = time.perf_counter(), cpu_now()
    action()
    return time.perf_counter() - wall, cpu_now() - cpu


class Figures:
    """Wall and CPU seconds of several runs of one thing: best and median."""

    def __init__(self, samples: list[tuple[float, float]]) -> None:
        self.walls = [s[0] for s in samples]
        self.cpus = [s[1] for s in samples]

    @classmethod
    def of_runs(cls, runs: list[Run]) -> Figures:
        return cls([(r.wall, r.cpu) for r in runs])

    @property
    def wall(self) -> float:
        return min(self.walls)

    @property
    def cpu(self) -> float:
        return min(self.cpus)

    @property
    def median_wall(self) -> float:
        return statistics.median(self.walls)


def row(name: str, ours: Figures, base: Figures) -> str:
    return (
        f"  {name:<48} {ours.wall:7.3f} s {ours.wall / base.wall:5.2f}x  "
        f"{ours.cpu:7.3f} s {ours.cpu / base.cpu:5.2f}x   {ours.median_wall:7.3f} s "
        f"{ours.median_wall / base.median_wall:5.2f}x"
    )


def write_container(base: Path, minutes: float) -> tuple[Workspace, Path, Path]:
    """A sealed recording of `minutes` written with the vault's writer, and its public seal
    `<id>.seal.json` beside it (filled as `Uploader._public_seal` fills it)."""
    policy = load_policy()
    workspace = Workspace.create(base / "vault", PASSPHRASE, policy)
    blocks = [synthetic_second(i) for i in range(16)]
    writer = workspace.vault.new_recording(sample_rate=RATE, channels=CHANNELS)
    for second in range(int(minutes * 60)):
        writer.write(blocks[second % len(blocks)])
    writer.seal()
    path = writer.path
    report = verify(path, workspace.vault.identities(), workspace.trusted("this installation"))
    sha256, size = container_digest(path)
    manifest = report.manifest
    until = retention_until(manifest)
    seal = PublicSeal.make(
        workspace.vault.signing_key,
        recording_id=report.recording_id,
        container_sha256=sha256,
        container_size=size,
        seal_sha256=report.seal_sha256,
        state=manifest.state,
        ended=manifest.ended,
        retain_until=iso_time(until.timestamp()) if until is not None else None,
        certificate=None,  # this vault is not enrolled
    )
    seal_file = path.with_name(report.recording_id + SUFFIX)
    seal_file.write_bytes(seal.encode())
    return workspace, path, seal_file


def bench_keyless(
    base: Path, workspace: Workspace, path: Path, seal_file: Path, repeat: int
) -> None:
    # No passphrase and no vault: what a privacy officer's or the archive's computer has.
    # Byte code cached (in a temporary prefix) as an installed app has it.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONDONTWRITEBYTECODE", "GESPREKSOPNAME_PASSPHRASE")
    }
    env.update(
        GESPREKSOPNAME_VAULT=str(base / "no-vault"),
        PYTHONPATH=str(ROOT),
        PYTHONPYCACHEPREFIX=str(base / "pycache"),
    )
    script = Path(sys.executable).with_name("gespreksopname")
    ours_cmd = [str(script)] if script.exists() else [sys.executable, "-m", "desktop.cli"]
    ours_cmd += ["verify", "--keyless", str(path), "--seal", str(seal_file)]
    ours_cmd += ["--fingerprint", workspace.fingerprint]
    openssl_cmd = ["openssl", "dgst", "-sha256", str(path)]
    imports_cmd = [sys.executable, "-c", IMPORTS_ONLY]
    bare_cmd = [sys.executable, "-c", "pass"]

    Run(openssl_cmd, env)  # warm the page cache (and our .pyc files) for both
    first = Run(ours_cmd, env)
    expected = container_digest(path)[0]
    assert expected in first.output, first.output
    policy = workspace.policy
    data = seal_file.read_bytes()
    anchors = Anchors.read([], [], [workspace.fingerprint])

    def keyless_in_process() -> object:
        return verify_keyless(
            path,
            seal_file,
            workspace=None,
            policy=policy,
            this_installation="this installation",
            anchors=anchors,
        )

    # Everything in one alternating loop, so that a slower minute of the machine (other work,
    # page cache copies that cost several times more system time now and then) falls on all.
    ours, theirs, imports, bare = [], [], [], []
    parse: list[tuple[float, float]] = []
    digest: list[tuple[float, float]] = []
    checked: list[tuple[float, float]] = []
    core: list[tuple[float, float]] = []
    for _ in range(repeat):
        theirs.append(Run(openssl_cmd, env))
        ours.append(Run(ours_cmd, env))
        imports.append(Run(imports_cmd, env))
        bare.append(Run(bare_cmd, env))
        parse.append(timed(lambda: PublicSeal.parse(data).signature_valid()))
        digest.append(timed(lambda: container_digest(path)))
        checked.append(timed(lambda: check_container(path, PublicSeal.parse(data))))
        core.append(timed(keyless_in_process))
    openssl = Figures.of_runs(theirs)
    whole = Figures.of_runs(ours)

    size = path.stat().st_size
    print(
        f"\n1. keyless verify of {size / 1e9:.3f} GB; best of {repeat} "
        f"(alternating, page cache warm); ratios against openssl's best / median"
    )
    print(f"  {'':<48} {'wall (best)':>16}  {'CPU (best)':>16}   {'wall (median)':>16}")
    print(row("openssl dgst -sha256 (fresh process)", openssl, openssl))
    print(row("gespreksopname verify --keyless (fresh process)", whole, openssl))
    print("  parts, each measured on its own:")
    print(row("  python -c pass (bare interpreter)", Figures.of_runs(bare), openssl))
    print(row("  start-up + imports (fresh process)", Figures.of_runs(imports), openssl))
    print(row("  parse the seal + check its signature", Figures(parse), openssl))
    print(row("  hashing (container_digest)", Figures(digest), openssl))
    print(row("  check_container (signature, header, hash)", Figures(checked), openssl))
    print(row("  verify_keyless in-process (all of the check)", Figures(core), openssl))
    digest_figures = Figures(digest)
    for name, runs in (("openssl", theirs), ("keyless verify", ours)):
        split = ", ".join(f"{r.user:.2f}+{r.sys:.2f}" for r in runs)
        print(f"  {name} CPU per run, user+sys s: {split}")
    print(
        f"  openssl {size / openssl.wall / 1e9:.2f} GB/s, container_digest "
        f"{size / digest_figures.wall / 1e9:.2f} GB/s"
    )
    for name, figures in (("whole command", whole), ("hashing", digest_figures)):
        ratio = figures.wall / openssl.wall
        verdict = "met" if ratio <= GOAL else "NOT met"
        print(f"  goal <= {GOAL}x openssl, {name}: {ratio:.2f}x wall (best) -> {verdict}")


def bench_upload(base: Path, path: Path, repeat: int) -> None:
    from boto3.s3.transfer import TransferConfig  # type: ignore[import-untyped]

    size = path.stat().st_size
    sha256 = sha256_file(path)
    server = start_s3(base / "s3")
    try:
        make_locked_bucket(server, BUCKET)
        archive = Archive(
            server.endpoint,
            BUCKET,
            server.region,
            server.app.access_key,
            server.app.secret_key,
            "COMPLIANCE",
        )
        plain = server.client(server.app)
        defaults = TransferConfig()
        ours: list[tuple[float, float]] = []
        theirs: list[tuple[float, float]] = []
        hashing: list[tuple[float, float]] = []
        for _ in range(repeat):
            until = datetime.now(UTC) + timedelta(days=1)
            key = f"bench/{uuid.uuid4().hex}/{path.name}"
            plain_key = f"plain/{uuid.uuid4().hex}/{path.name}"
            hashing.append(timed(lambda: sha256_file(path)))
            theirs.append(timed(partial(plain.upload_file, str(path), BUCKET, plain_key)))
            ours.append(timed(partial(archive.put_locked, key, path, until, sha256)))
            assert archive.head(key).sha256 == sha256
            assert plain.head_object(Bucket=BUCKET, Key=plain_key)["ContentLength"] == size
        boto, locked, hashed = Figures(theirs), Figures(ours), Figures(hashing)
        print(
            f"\n2. upload of {size / 1e9:.3f} GB to SeaweedFS (weed mini, 127.0.0.1, Object Lock "
            f"bucket); best of {repeat}, alternating, fresh key each run"
        )
        print(
            f"  boto3 upload_file: defaults (part {defaults.multipart_chunksize >> 20} MiB, "
            f"{defaults.max_concurrency} threads, no lock); put_locked: part "
            f"{MULTIPART_CHUNKSIZE >> 20} MiB, {MULTIPART_CONCURRENCY} threads, SHA-256 per "
            f"part, COMPLIANCE lock"
        )
        print(
            f"  {'':<46} {'wall (best)':>11} {'MB/s':>7} {'x boto3':>8} {'CPU (best)':>11} "
            f"{'x boto3':>8} {'median MB/s':>12}"
        )
        for name, figures in (
            ("boto3 upload_file (plain client)", boto),
            ("Archive.put_locked (ours)", locked),
            ("  of which: hashing the file first", hashed),
        ):
            print(
                f"  {name:<46} {figures.wall:7.2f} s {size / figures.wall / 1e6:7.0f} "
                f"{figures.wall / boto.wall:7.2f}x {figures.cpu:9.2f} s "
                f"{figures.cpu / boto.cpu:7.2f}x {size / figures.median_wall / 1e6:12.0f}"
            )
        print(
            f"  throughput ours / boto3: {boto.wall / locked.wall:.2f} (best), "
            f"{boto.median_wall / locked.median_wall:.2f} (median); CPU is this process's "
            f"(client side only; the server runs beside it on the same cores)"
        )
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=120.0)
    parser.add_argument("--repeat", type=int, default=5, help="keyless verify runs")
    parser.add_argument("--upload-repeat", type=int, default=2, help="upload runs")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the test files")
    parser.add_argument("--skip-upload", action="store_true")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="gesp-bench-archive-", dir=args.dir))
    try:
        start = time.perf_counter()
        workspace, path, seal_file = write_container(base, args.minutes)
        print(
            f"recording: {args.minutes:g} min 48 kHz 16-bit stereo, container "
            f"{path.stat().st_size / 1e9:.3f} GB written and sealed in "
            f"{time.perf_counter() - start:.1f} s; {os.cpu_count()} cores; "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        bench_keyless(base, workspace, path, seal_file, args.repeat)
        if not args.skip_upload:
            bench_upload(base, path, args.upload_repeat)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
