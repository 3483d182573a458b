"""A real RFC 3161 time-stamping authority for tests: `openssl ts -reply` behind an HTTP server.

`start_tsa(directory)` writes a CA, a TSA certificate issued by it and an openssl.cnf into
`directory`, starts the server in its own process on 127.0.0.1 (a free port) and returns a
`RunningTsa`. Use it as a context manager, or call `.stop()`.

What a verifier trusts (`RunningTsa.ca_pem_path`) is the CA certificate only, not the TSA
certificate: rfc3161-client needs a self-signed root (`VerifierBuilder.add_root_certificate`) and
`openssl ts -verify -CAfile` needs the same, and both find the TSA certificate inside the reply,
because the client asks for it (certReq). Trusting only the TSA certificate fails in both, as a
leaf is no trust anchor without a partial-chain option.

The server answers, to a POST of application/timestamp-query:
- on `/`          a reply made by `openssl ts -reply` (status granted);
- on `/reject`    a reply from a TSA section that accepts only SHA-512 (status rejection, badAlg);
- on `/garbage`   200 with bytes that are no TimeStampResp at all.
Replies carry only the TSA certificate (no `-chain`, no `certs =` in the config): with chain
certificates openssl writes the SET unsorted and rfc3161-client refuses it (InvalidSetOrdering).

Usage of the server process (started by `start_tsa`, stdlib only so it starts fast):
    python tests/helpers/tsa.py serve DIRECTORY [PORT]
It prints "port <n>" once it listens, appends one byte to DIRECTORY/served per openssl reply,
and exits when its standard input closes (so it never outlives the tests that started it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import TracebackType

HOST = "127.0.0.1"
OPENSSL = "openssl"
CA_FILE = "tsa-ca.pem"
CERT_FILE = "tsa-cert.pem"
KEY_FILE = "tsa-key.pem"
CONFIG_FILE = "openssl.cnf"
SERIAL_FILE = "tsa-serial"
SERVED_FILE = "served"
LOG_FILE = "server.log"
GARBAGE = b"this is not a TimeStampResp"

CONFIG = """\
# A test TSA for `openssl ts -reply`. Paths are relative to this file's directory ($dir).
dir = {dir}

[tsa]
default_tsa = tsa_main

[tsa_main]
serial = $dir/{serial}
crypto_device = builtin
signer_cert = $dir/{cert}
signer_key = $dir/{key}
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.3161.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256

[tsa_sha512_only]
serial = $dir/{serial}
crypto_device = builtin
signer_cert = $dir/{cert}
signer_key = $dir/{key}
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.3161.1
digests = sha512
"""


def make_tsa_files(directory: Path, name: str = "Test TSA") -> Path:
    """Write a CA (P-256), a TSA certificate and key, and openssl.cnf; return the CA's path.

    The TSA certificate has extendedKeyUsage=critical,timeStamping, as RFC 3161 demands.
    """
    # Imported here so that the server process (which needs none of it) starts fast.
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Gespreksopname tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} CA"),
        ]
    )
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    tsa = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Gespreksopname tests"),
                    x509.NameAttribute(NameOID.COMMON_NAME, name),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(tsa_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (directory / CA_FILE).write_bytes(ca.public_bytes(pem))
    (directory / CERT_FILE).write_bytes(tsa.public_bytes(pem))
    (directory / KEY_FILE).write_bytes(
        tsa_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (directory / SERIAL_FILE).write_text("01\n")
    (directory / CONFIG_FILE).write_text(
        CONFIG.format(dir=directory.resolve(), serial=SERIAL_FILE, cert=CERT_FILE, key=KEY_FILE)
    )
    return directory / CA_FILE


class RunningTsa:
    """The TSA server process: its address, the files a verifier needs, and start/stop by PID."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where to POST a TimeStampReq for a granted reply."""
        return f"http://{HOST}:{self.port}/"

    @property
    def reject_url(self) -> str:
        """A URL whose TSA refuses SHA-256 requests (status rejection)."""
        return f"http://{HOST}:{self.port}/reject"

    @property
    def garbage_url(self) -> str:
        """A URL that answers 200 with bytes that are no TimeStampResp."""
        return f"http://{HOST}:{self.port}/garbage"

    @property
    def ca_pem_path(self) -> Path:
        """The certificate a verifier trusts: the TSA's CA (see the module docstring)."""
        return self.directory / CA_FILE

    @property
    def cert_pem_path(self) -> Path:
        """The TSA's own signing certificate (it also travels inside every reply)."""
        return self.directory / CERT_FILE

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def replies_served(self) -> int:
        """How many replies openssl made, over every start of this TSA."""
        served = self.directory / SERVED_FILE
        return served.stat().st_size if served.exists() else 0

    def start(self) -> None:
        """Start the server: on a free port the first time, on the same port after `pause()`."""
        if self._process is not None:
            raise RuntimeError("the TSA is already running")
        command = [sys.executable, str(Path(__file__).resolve()), "serve", str(self.directory)]
        if self.port:
            command.append(str(self.port))
        with (self.directory / LOG_FILE).open("ab") as log:
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log
            )
        assert process.stdout is not None
        line = process.stdout.readline().decode("ascii", "replace").split()
        if len(line) != 2 or line[0] != "port":
            process.kill()
            process.wait()
            log_text = (self.directory / LOG_FILE).read_text(errors="replace")
            raise RuntimeError(f"the TSA did not start: {log_text}")
        self.port = int(line[1])
        self._process = process

    def stop(self) -> None:
        """Stop the server process (by its PID) and wait for it; the port then refuses."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()

    def pause(self) -> None:
        """Make the TSA unreachable (connection refused) until `resume()`."""
        self.stop()

    def resume(self) -> None:
        """Start again on the same port (SO_REUSEADDR, so TIME_WAIT does not block it)."""
        self.start()

    def __enter__(self) -> RunningTsa:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_tsa(directory: Path) -> RunningTsa:
    """Make the CA and TSA files in `directory` and start the server; the caller stops it."""
    make_tsa_files(directory)
    tsa = RunningTsa(directory)
    tsa.start()
    return tsa


# The server process


class _Handler(BaseHTTPRequestHandler):
    directory: Path  # set by serve()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        query = self.rfile.read(length)
        if self.headers.get("Content-Type") != "application/timestamp-query":
            self._answer(415, b"", "text/plain")
        elif self.path == "/garbage":
            self._answer(200, GARBAGE, "application/timestamp-reply")
        elif self.path in ("/", "/reject"):
            section = "tsa_sha512_only" if self.path == "/reject" else "tsa_main"
            reply = self._openssl_reply(query, section)
            if reply is None:
                self._answer(500, b"openssl ts -reply failed", "text/plain")
            else:
                with (self.directory / SERVED_FILE).open("ab") as served:
                    served.write(b".")
                self._answer(200, reply, "application/timestamp-reply")
        else:
            self._answer(404, b"", "text/plain")

    def _openssl_reply(self, query: bytes, section: str) -> bytes | None:
        directory = self.directory
        with tempfile.TemporaryDirectory(dir=directory) as work:
            query_file = Path(work) / "query.tsq"
            reply_file = Path(work) / "reply.tsr"
            query_file.write_bytes(query)
            done = subprocess.run(
                [
                    OPENSSL,
                    "ts",
                    "-reply",
                    "-config",
                    str(directory / CONFIG_FILE),
                    "-section",
                    section,
                    "-queryfile",
                    str(query_file),
                    "-inkey",
                    str(directory / KEY_FILE),
                    "-signer",
                    str(directory / CERT_FILE),
                    "-out",
                    str(reply_file),
                ],
                capture_output=True,
                check=False,
            )
            if done.returncode != 0:
                sys.stderr.write(done.stderr.decode(errors="replace"))
                return None
            return reply_file.read_bytes()

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: errors from openssl go to the log file through stderr


def serve(directory: Path, port: int) -> None:
    _Handler.directory = directory.resolve()
    server = HTTPServer((HOST, port), _Handler)  # allow_reuse_address is set
    # Die with the test process: its end of our stdin closes however it ends.
    threading.Thread(target=_exit_at_end_of_input, daemon=True).start()
    sys.stdout.write(f"port {server.server_address[1]}\n")
    sys.stdout.flush()
    server.serve_forever()


def _exit_at_end_of_input() -> None:
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[1] != "serve":
        sys.exit("usage: tsa.py serve DIRECTORY [PORT]")
    os.umask(0o077)
    serve(Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) == 4 else 0)
