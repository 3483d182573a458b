"""RFC 3161 timestamps against a real TSA (`openssl ts -reply` in its own process on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder, decode_timestamp_response

from audio.trust.timestamps import (
    QUERY_TYPE,
    Timestamp,
    TimestampError,
    request_token,
    timestamp_request,
    verify_token,
)
from tests.helpers.tsa import RunningTsa, make_tsa_files, start_tsa

DIGEST = hashlib.sha256(b"manifest of a sealed recording").digest()
OTHER = hashlib.sha256(b"another manifest").digest()


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningTsa]:
    with start_tsa(tmp_path_factory.mktemp("tsa")) as running:
        yield running


@pytest.fixture(scope="module")
def token(tsa: RunningTsa) -> bytes:
    return request_token(tsa.url, DIGEST)


def ca_pem(tsa: RunningTsa) -> bytes:
    return tsa.ca_pem_path.read_bytes()


def test_the_request_is_what_rfc3161_client_would_encode() -> None:
    built = TimestampRequestBuilder().data(b"x").hash_algorithm(HashAlgorithm.SHA256).build()
    assert built.nonce is not None
    ours = timestamp_request(built.message_imprint.message, built.nonce)
    assert ours == built.as_bytes()


def test_a_token_round_trip(tsa: RunningTsa) -> None:
    before = tsa.replies_served
    token = request_token(tsa.url, DIGEST)
    stamp = verify_token(token, DIGEST, ca_pem(tsa))
    assert isinstance(stamp, Timestamp)
    assert stamp.time.tzinfo is not None
    assert abs(stamp.time - datetime.now(UTC)) < timedelta(seconds=5)
    assert stamp.tsa_name == "CN=Test TSA,O=Gespreksopname tests"
    assert stamp.serial > 0
    assert tsa.replies_served == before + 1


def test_the_token_is_the_whole_response(tsa: RunningTsa, token: bytes) -> None:
    response = decode_timestamp_response(token)
    assert response.status == 0
    assert response.tst_info.message_imprint.message == DIGEST
    assert len(response.signed_data.certificates) == 1  # the TSA certificate, no chain


def test_each_token_has_its_own_serial(tsa: RunningTsa, token: bytes) -> None:
    again = request_token(tsa.url, DIGEST)
    assert again != token
    first = verify_token(token, DIGEST, ca_pem(tsa))
    second = verify_token(again, DIGEST, ca_pem(tsa))
    assert second.serial != first.serial


def test_a_wrong_digest_fails(tsa: RunningTsa, token: bytes) -> None:
    with pytest.raises(TimestampError) as caught:
        verify_token(token, OTHER, ca_pem(tsa))
    assert caught.value.code == "wrong_digest"


def test_a_token_checked_against_another_ca_fails(
    tsa: RunningTsa, token: bytes, tmp_path: Path
) -> None:
    other_ca = make_tsa_files(tmp_path / "other", name="Test TSA").read_bytes()
    with pytest.raises(TimestampError) as caught:
        verify_token(token, DIGEST, other_ca)
    assert caught.value.code == "invalid"


def test_a_changed_token_fails(tsa: RunningTsa, token: bytes) -> None:
    changed = bytearray(token)
    changed[-5] ^= 0x01  # inside the signature, the last field of the token
    with pytest.raises(TimestampError) as caught:
        verify_token(bytes(changed), DIGEST, ca_pem(tsa))
    assert caught.value.code == "invalid"


def test_the_trust_anchor_is_the_ca_not_the_tsa_certificate(tsa: RunningTsa, token: bytes) -> None:
    with pytest.raises(TimestampError) as caught:
        verify_token(token, DIGEST, tsa.cert_pem_path.read_bytes())
    assert caught.value.code == "bad_ca"
    # The CA with the TSA certificate beside it (an intermediate), even twice, is fine too.
    bundle = ca_pem(tsa) + tsa.cert_pem_path.read_bytes() + ca_pem(tsa)
    assert verify_token(token, DIGEST, bundle).serial > 0
    with pytest.raises(TimestampError) as caught:
        verify_token(token, DIGEST, b"no certificate here")
    assert caught.value.code == "bad_ca"


def test_a_tsa_that_is_down_is_unreachable_quickly_and_can_come_back(tsa: RunningTsa) -> None:
    url = tsa.url
    tsa.pause()
    try:
        started = time.monotonic()
        with pytest.raises(TimestampError) as caught:
            request_token(url, DIGEST, timeout=10)
        assert caught.value.code == "unreachable"
        assert time.monotonic() - started < 2
    finally:
        tsa.resume()
    assert tsa.url == url
    verify_token(request_token(url, DIGEST), DIGEST, ca_pem(tsa))


def test_a_refusal_is_not_unreachable(tsa: RunningTsa) -> None:
    with pytest.raises(TimestampError) as caught:
        request_token(tsa.reject_url, DIGEST)
    assert caught.value.code == "refused"
    assert "not supported" in caught.value.detail


def test_a_garbage_reply_is_a_bad_reply(tsa: RunningTsa) -> None:
    with pytest.raises(TimestampError) as caught:
        request_token(tsa.garbage_url, DIGEST)
    assert caught.value.code == "bad_reply"


def test_an_http_error_is_reported_as_such(tsa: RunningTsa) -> None:
    with pytest.raises(TimestampError) as caught:
        request_token(tsa.url + "no-such-path", DIGEST)
    assert caught.value.code == "http_error"
    assert "404" in caught.value.detail


def test_only_http_addresses_are_asked() -> None:
    with pytest.raises(TimestampError) as caught:
        request_token("file:///etc/passwd", DIGEST)
    assert caught.value.code == "bad_url"


@contextmanager
def answering(answer: Callable[[bytes], bytes]) -> Iterator[str]:
    """A stand-in TSA on 127.0.0.1 whose reply to a query is `answer(query)`."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            reply = answer(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize("digest", [DIGEST, OTHER], ids=["same digest", "other digest"])
def test_a_replayed_reply_is_a_bad_reply(token: bytes, digest: bytes) -> None:
    with answering(lambda query: token) as url, pytest.raises(TimestampError) as caught:
        request_token(url, digest)
    assert caught.value.code == "bad_reply"
    assert "nonce" in caught.value.detail or "another digest" in caught.value.detail


def test_a_reply_without_the_tsa_certificate_is_a_bad_reply(tsa: RunningTsa) -> None:
    def without_cert_req(query: bytes) -> bytes:
        # Our query is short (one-byte length) and ends with certReq TRUE: drop that field.
        assert query[0] == 0x30 and query[1] < 0x80 and query.endswith(b"\x01\x01\xff")
        body = query[2:-3]
        request = urllib.request.Request(
            tsa.url, data=bytes([0x30, len(body)]) + body, headers={"Content-Type": QUERY_TYPE}
        )
        with urllib.request.urlopen(request) as reply:
            return bytes(reply.read())

    with answering(without_cert_req) as url, pytest.raises(TimestampError) as caught:
        request_token(url, DIGEST)
    assert caught.value.code == "bad_reply"
    assert "certificate" in caught.value.detail


def openssl_verify(digest: bytes, token_file: Path, ca_file: Path, at: datetime) -> int:
    """The command LEESMIJ prints, as printed: its exit status."""
    command = [
        "openssl",
        "ts",
        "-verify",
        "-digest",
        digest.hex(),
        "-in",
        str(token_file),
        "-CAfile",
        str(ca_file),
        "-attime",
        str(int(at.timestamp())),
    ]
    return subprocess.run(command, capture_output=True, check=False).returncode


def test_openssl_ts_verify_agrees(tsa: RunningTsa, token: bytes, tmp_path: Path) -> None:
    zegel = tmp_path / "zegel.tsr"
    zegel.write_bytes(token)
    tsa_pem = tmp_path / "tsa.pem"
    tsa_pem.write_bytes(ca_pem(tsa))
    at = verify_token(token, DIGEST, tsa_pem.read_bytes()).time
    assert openssl_verify(DIGEST, zegel, tsa_pem, at) == 0
    assert openssl_verify(OTHER, zegel, tsa_pem, at) != 0
    # The TSA certificate alone is no trust anchor for openssl either.
    assert openssl_verify(DIGEST, zegel, tsa.cert_pem_path, at) != 0
    # Once the TSA certificate has expired, openssl's default (today) fails: hence -attime.
    assert openssl_verify(DIGEST, zegel, tsa_pem, at + timedelta(days=400)) != 0
