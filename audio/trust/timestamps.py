"""RFC 3161 timestamps: ask a time-stamping authority (TSA) to sign a digest, and check its answer.

A token proves that a digest (a seal's manifest hash, the audit head) existed at the TSA's time,
so a seal made later by someone holding the passphrase cannot pass for an older one.

What we keep as "the token" is the whole TimeStampResp, DER, exactly as the TSA sent it (the
status and the signed TimeStampToken inside it). That is what `openssl ts -verify -in` reads by
default, so a copy's `zegel.tsr` can be checked by anyone with:

    openssl ts -verify -digest <sha256 hex> -in zegel.tsr -CAfile tsa.pem -attime <unix seconds>

where tsa.pem is the TSA's CA certificate (the self-signed root; intermediates may follow it in
the same file) and -attime the token's time: without it openssl checks the certificates at
today's date, which fails once the TSA certificate has expired. The TSA's own certificate is not
needed there: we ask for it in the request (certReq), so it travels inside the token.

The request is encoded here rather than with rfc3161_client.TimestampRequestBuilder: the builder
hashes what it is given, and we timestamp a digest we already have (hashing it again would make
the printed openssl command need the hash of the hash). Verification uses rfc3161-client, which
checks the signature, the chain to the CA at the token's time and the timeStamping EKU.

Network failures are told apart from bad answers: `unreachable` is normal on a laptop (queue the
request and try again later), the other codes mean the TSA or its configuration is wrong.
"""

from __future__ import annotations

import hashlib
import http.client
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from rfc3161_client import (
    PKIStatus,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from audio.errors import GespreksError

SHA256_OID = x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1")
# DER of AlgorithmIdentifier { id-sha256, NULL }, as RFC 5754 writes it and openssl expects.
_SHA256_ALGORITHM = bytes.fromhex("300d06096086480165030402010500")
QUERY_TYPE = "application/timestamp-query"
MAX_REPLY = 1 << 20  # a reply with one certificate is about 1 KiB; a megabyte is no TSA's


class TimestampError(GespreksError):
    """A timestamp could not be taken or does not hold. `code` says which:

    Taking one (`request_token`):
    - unreachable: no answer from the TSA (offline, refused, timed out, DNS): queue and retry.
    - http_error: the server answered with an HTTP error status (a wrong URL, an outage).
    - refused: the TSA answered, but did not grant the request (its status is in `detail`).
    - bad_reply: the answer is no TimeStampResp, or not for this digest and nonce.
    - bad_url: the URL is no http(s) address.
    Checking one (`verify_token`):
    - malformed: the token cannot be read, or holds no granted timestamp.
    - wrong_digest: the token is genuine perhaps, but for another digest.
    - invalid: the signature, the chain to the TSA's CA at the token's time, or the EKU fails.
    - bad_ca: the TSA's CA certificate cannot be read or holds no self-signed root.
    """

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"timestamp.{code}", detail=detail)


@dataclass(frozen=True)
class Timestamp:
    """What a verified token says: when, according to whom, and the TSA's serial number for it."""

    time: datetime  # UTC, aware
    tsa_name: str  # subject of the signing certificate, e.g. "CN=Example TSA,O=Example,C=NL"
    serial: int


def timestamp_request(digest: bytes, nonce: int) -> bytes:
    """The DER TimeStampReq (RFC 3161 §2.4.1) for a SHA-256 digest, asking for the certificate.

    TimeStampReq ::= SEQUENCE { version 1, messageImprint, nonce, certReq TRUE }
    """
    _check_digest(digest)
    if nonce < 0:
        raise ValueError("a nonce is a positive integer")
    imprint = _der(0x30, _SHA256_ALGORITHM + _der(0x04, digest))
    return _der(0x30, _der_integer(1) + imprint + _der_integer(nonce) + _der(0x01, b"\xff"))


def request_token(url: str, digest: bytes, timeout: float = 10) -> bytes:
    """Ask the TSA at `url` to timestamp a SHA-256 digest; return its TimeStampResp (DER).

    The answer is checked for status, nonce and digest, not yet for its signature: that needs the
    TSA's CA, see `verify_token`. Raises TimestampError (see its codes); never blocks longer than
    about `timeout` seconds per network step.
    """
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise TimestampError("bad_url", url)
    nonce = secrets.randbits(64)
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        url,
        data=timestamp_request(digest, nonce),
        headers={"Content-Type": QUERY_TYPE},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            reply: bytes = answer.read(MAX_REPLY + 1)
    except urllib.error.HTTPError as exc:
        raise TimestampError("http_error", f"HTTP {exc.code}") from exc
    except urllib.error.URLError as exc:
        raise TimestampError("unreachable", str(exc.reason)) from exc
    except OSError as exc:  # a timeout or a reset while reading
        raise TimestampError("unreachable", str(exc)) from exc
    except http.client.HTTPException as exc:  # not HTTP at all
        raise TimestampError("bad_reply", repr(exc)) from exc
    if len(reply) > MAX_REPLY:
        raise TimestampError("bad_reply", "the reply is too large")
    try:
        response = decode_timestamp_response(reply)
        status = response.status
        status_text = "; ".join(response.status_string)
    except ValueError as exc:
        raise TimestampError("bad_reply", str(exc)) from exc
    if status != PKIStatus.GRANTED:
        raise TimestampError("refused", f"status {status}: {status_text}")
    try:
        problem = _imprint_problem(response, digest)
        if problem is None and response.tst_info.nonce != nonce:
            problem = "the nonce differs from the request's"
        if problem is None and not response.signed_data.certificates:
            problem = "the TSA certificate is missing"
    except ValueError as exc:
        problem = str(exc)
    if problem is not None:
        raise TimestampError("bad_reply", problem)
    return reply


def verify_token(token: bytes, digest: bytes, tsa_ca_pem: bytes) -> Timestamp:
    """Check a TimeStampResp from `request_token` against the digest and the TSA's CA.

    `tsa_ca_pem` holds the TSA's CA certificate (self-signed, the trust anchor) and, if the TSA
    has them, intermediate CA certificates. The TSA's own certificate comes from the token.
    The chain is checked at the token's time, so an expired TSA certificate does not matter.
    """
    _check_digest(digest)
    roots, intermediates = _load_ca(tsa_ca_pem)
    try:
        response = decode_timestamp_response(token)
        if response.status != PKIStatus.GRANTED:
            raise TimestampError("malformed", f"status {response.status}")
        info = response.tst_info
        problem = _imprint_problem(response, digest)
    except ValueError as exc:
        raise TimestampError("malformed", str(exc)) from exc
    if problem is not None:
        raise TimestampError("wrong_digest", problem)
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    for intermediate in intermediates:
        builder = builder.add_intermediate_certificate(intermediate)
    try:
        builder.build().verify(response, digest)
        signer = _signing_certificate(response)
    except (VerificationError, ValueError) as exc:
        raise TimestampError("invalid", str(exc)) from exc
    time = info.gen_time
    if time.tzinfo is None:  # GeneralizedTime is UTC by RFC 3161
        time = time.replace(tzinfo=UTC)
    return Timestamp(
        time=time.astimezone(UTC),
        tsa_name=signer.subject.rfc4514_string(),
        serial=info.serial_number,
    )


def _check_digest(digest: bytes) -> None:
    if len(digest) != hashlib.sha256().digest_size:
        raise ValueError("a SHA-256 digest is 32 bytes")


def _imprint_problem(response: TimeStampResponse, digest: bytes) -> str | None:
    """What is wrong with the token's message imprint for `digest`, or None."""
    imprint = response.tst_info.message_imprint
    if imprint.hash_algorithm != SHA256_OID:
        return f"hash algorithm {imprint.hash_algorithm.dotted_string} instead of SHA-256"
    if imprint.message != digest:
        return "the token is for another digest"
    return None


def _load_ca(pem: bytes) -> tuple[list[x509.Certificate], list[x509.Certificate]]:
    """The self-signed roots and the other (intermediate) certificates of a PEM bundle."""
    try:
        # Without repeats: the verifier refuses a certificate given twice.
        certificates = list(dict.fromkeys(x509.load_pem_x509_certificates(pem)))
    except ValueError as exc:
        raise TimestampError("bad_ca", str(exc)) from exc
    roots = [c for c in certificates if c.subject == c.issuer]
    if not roots:
        raise TimestampError("bad_ca", "no self-signed CA certificate")
    return roots, [c for c in certificates if c.subject != c.issuer]


def _signing_certificate(response: TimeStampResponse) -> x509.Certificate:
    """The certificate that signed the token, found by the signer's issuer and serial number."""
    signers = list(response.signed_data.signer_infos)
    if len(signers) != 1:
        raise ValueError(f"{len(signers)} signers instead of one")
    signer = signers[0]
    for der in response.signed_data.certificates:
        certificate = x509.load_der_x509_certificate(der)
        if (
            certificate.issuer == signer.issuer
            and certificate.serial_number == signer.serial_number
        ):
            return certificate
    raise ValueError("the signing certificate is not in the token")


def _der(tag: int, body: bytes) -> bytes:
    """One DER element: tag, definite length, body."""
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body


def _der_integer(value: int) -> bytes:
    """A non-negative DER INTEGER (two's complement: a zero byte first if the top bit is set)."""
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))
