"""A small typed client for the organisation's archive: one bucket with S3 Object Lock.

Every object is written locked (retain-until in the archive's mode, COMPLIANCE by default), with
the SHA-256 of its bytes as user metadata `sha256`. Nothing here knows a policy, a recording or a
key; the callers decide what goes where and for how long. boto3 is imported when an `Archive` is
made, not when this module is.

What S3 guarantees, and this client relies on (checked against SeaweedFS 4.48 in the tests):
- a locked version cannot be deleted before its retain-until date, nor its date shortened, nor
  its mode changed from COMPLIANCE: the server answers AccessDenied, reported as "locked";
- a legal hold blocks the deletion of a version whatever its date;
- a single-part upload carries the SHA-256 as `x-amz-checksum-sha256` and the server refuses
  different bytes (BadDigest, reported as "changed"); a multipart upload carries a SHA-256 per part
  (the object's checksum is then the COMPOSITE one, `...-N`), and the bytes sent are hashed on the
  way out and compared with the caller's hash.

Every failure is an `ArchiveError` with a `code` (see `CODES`); "unreachable" and "server" are
`retryable`: a caller queues the work and tries again later. Timeouts are short and retries few,
so an offline laptop learns it is offline in seconds rather than minutes.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Final

MODES: Final = ("COMPLIANCE", "GOVERNANCE")
SHA256_METADATA: Final = "sha256"

#: Above this size a file goes up in parts (boto3's TransferConfig), each part with its own SHA-256.
MULTIPART_THRESHOLD: Final = 16 * 1024 * 1024
MULTIPART_CHUNKSIZE: Final = 8 * 1024 * 1024
MULTIPART_CONCURRENCY: Final = 4

CONNECT_TIMEOUT: Final = 5.0
READ_TIMEOUT: Final = 20.0
#: Attempts per request, the first included (botocore's "standard" retry mode, with back-off).
MAX_ATTEMPTS: Final = 2

_HASH_BLOCK: Final = 1024 * 1024

#: What went wrong, as `ArchiveError.code`.
CODES: Final = {
    "unreachable": "the archive cannot be reached (offline, wrong endpoint, timeout)",
    "server": "the archive answered with a server error (5xx, throttling)",
    "credentials": "the access key is unknown or the secret is wrong",
    "clock": "this computer's clock differs too much from the archive's",
    "denied": "the credentials are valid but not allowed to do this",
    "no_bucket": "the bucket does not exist",
    "no_lock": "the bucket has no Object Lock, so nothing can be kept WORM there",
    "not_found": "no such object or version",
    "locked": "the object's retention or legal hold forbids this (delete, shorten, change mode)",
    "changed": "the bytes are not the ones whose SHA-256 was given",
    "invalid": "the archive refused the request as malformed",
}
RETRYABLE: Final = frozenset({"unreachable", "server"})

_CREDENTIAL_CODES: Final = frozenset(
    {
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidToken",
        "ExpiredToken",
        "TokenRefreshRequired",
        "AuthorizationHeaderMalformed",
        "InvalidSecurity",
    }
)
_CHANGED_CODES: Final = frozenset(
    {"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch", "IncompleteBody"}
)
_SERVER_CODES: Final = frozenset(
    {"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "Throttling"}
)
_NOT_FOUND_CODES: Final = frozenset({"NoSuchKey", "NoSuchVersion", "NoSuchUpload", "404"})
_DENIED_CODES: Final = frozenset({"AccessDenied", "403", "Forbidden"})


class ArchiveError(Exception):
    """A failure talking to the archive. `code` is one of `CODES`; `detail` is the server's word."""

    def __init__(self, code: str, detail: str = "") -> None:
        if code not in CODES:
            raise ValueError(f"unknown archive error code {code!r}")
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {CODES[code]}" + (f" ({detail})" if detail else ""))

    @property
    def retryable(self) -> bool:
        """True when trying again later may succeed without anyone changing anything."""
        return self.code in RETRYABLE


@dataclass(frozen=True)
class Stored:
    """One object as written by `put_locked` / `put_bytes_locked`, checked with a HEAD after."""

    key: str
    version_id: str
    size: int
    sha256: str
    retain_until: datetime
    mode: str
    multipart: bool


@dataclass(frozen=True)
class ObjectInfo:
    """What the archive says about one object (version).

    From `head` every field is known. From `list` only key, size, last_modified and, when listing
    versions, version_id: the lock state and the metadata need a `head` per object.
    """

    key: str
    size: int
    last_modified: datetime | None = None
    version_id: str | None = None
    sha256: str | None = None
    retain_until: datetime | None = None
    mode: str | None = None
    legal_hold: bool | None = None
    checksum_sha256: str | None = None
    is_latest: bool | None = None

    def locked_at(self, moment: datetime) -> bool:
        """True when this version cannot be deleted at `moment` (retention running or held)."""
        if self.legal_hold:
            return True
        return self.retain_until is not None and self.retain_until > moment


def sha256_file(path: Path) -> str:
    """The SHA-256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def whole_seconds(moment: datetime) -> datetime:
    """`moment` in UTC, rounded up to a whole second: S3 keeps retain-until dates to the second."""
    if moment.tzinfo is None:
        raise ValueError("retain-until must be an aware datetime")
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment


class _HashingReader:
    """A read-only, non-seekable view of a file that hashes what boto3 reads from it, in order."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


class Archive:
    """One bucket with Object Lock, reached with one set of credentials.

    `mode` is the lock mode every write uses ("COMPLIANCE" or "GOVERNANCE"). The bucket itself must
    have been created with Object Lock enabled (by the organisation; see `make_locked_bucket` in
    the tests for how).
    """

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        region: str,
        access_key: str,
        secret_key: str,
        mode: str = "COMPLIANCE",
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        max_attempts: int = MAX_ATTEMPTS,
        multipart_threshold: int = MULTIPART_THRESHOLD,
        multipart_chunksize: int = MULTIPART_CHUNKSIZE,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"lock mode must be one of {MODES}, not {mode!r}")
        import boto3  # type: ignore[import-untyped]
        from boto3.s3.transfer import TransferConfig  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]

        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.mode = mode
        config = Config(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"total_max_attempts": max_attempts, "mode": "standard"},
            s3={"addressing_style": "path"},
            signature_version="s3v4",
        )
        session = boto3.session.Session()
        self._client: Any = session.client(
            "s3",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=config,
        )
        self._transfer: Any = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=multipart_chunksize,
            max_concurrency=MULTIPART_CONCURRENCY,
        )
        self.multipart_threshold = multipart_threshold

    # -- writing ---------------------------------------------------------------------------

    def put_locked(self, key: str, file: Path, retain_until: datetime, sha256_hex: str) -> Stored:
        """Upload `file` as `key`, locked until `retain_until`, and check what the archive holds.

        The file is hashed first: if it does not match `sha256_hex` nothing is uploaded
        ("changed"). Small files go up in one request whose SHA-256 the server checks; large ones
        in parts, hashed as they are read, so a file changed during the upload is reported
        ("changed") rather than silently archived under the wrong hash.
        """
        sha256_hex = sha256_hex.lower()
        size = file.stat().st_size
        if size < self.multipart_threshold:
            data = file.read_bytes()
            if hashlib.sha256(data).hexdigest() != sha256_hex:
                raise ArchiveError("changed", f"{file.name} does not have the given SHA-256")
            return self._put_single(key, data, retain_until, sha256_hex)
        if sha256_file(file) != sha256_hex:
            raise ArchiveError("changed", f"{file.name} does not have the given SHA-256")
        until = whole_seconds(retain_until)
        with file.open("rb") as handle:
            reader = _HashingReader(handle)
            extra = {
                "ObjectLockMode": self.mode,
                "ObjectLockRetainUntilDate": until,
                "Metadata": {SHA256_METADATA: sha256_hex},
                "ChecksumAlgorithm": "SHA256",
                "ContentType": "application/octet-stream",
            }
            self._call(
                "upload",
                lambda: self._client.upload_fileobj(
                    reader, self.bucket, key, ExtraArgs=extra, Config=self._transfer
                ),
            )
        if reader.digest.hexdigest() != sha256_hex:
            raise ArchiveError("changed", f"{file.name} changed while it was uploaded")
        # upload_fileobj does not return the version id: the HEAD of the latest version gives it.
        info = self.head(key)
        return self._checked(key, info, reader.size, sha256_hex, until, multipart=True)

    def put_bytes_locked(self, key: str, data: bytes, retain_until: datetime) -> Stored:
        """Upload a small object (seal data, an audit head) locked until `retain_until`."""
        return self._put_single(key, data, retain_until, hashlib.sha256(data).hexdigest())

    def _put_single(self, key: str, data: bytes, retain_until: datetime, sha256_hex: str) -> Stored:
        until = whole_seconds(retain_until)
        checksum = base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")
        response = self._call(
            "upload",
            lambda: self._client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType="application/octet-stream",
                ChecksumSHA256=checksum,
                ObjectLockMode=self.mode,
                ObjectLockRetainUntilDate=until,
                Metadata={SHA256_METADATA: sha256_hex},
            ),
        )
        version_id = response.get("VersionId")
        if not version_id:
            raise ArchiveError("no_lock", "the bucket gave no version id: it is not versioned")
        info = self.head(key, version_id)
        if info.checksum_sha256 is not None and info.checksum_sha256 != checksum:
            raise ArchiveError("changed", f"{key}: the archive's checksum differs")
        return self._checked(key, info, len(data), sha256_hex, until, multipart=False)

    def _checked(
        self,
        key: str,
        info: ObjectInfo,
        size: int,
        sha256_hex: str,
        until: datetime,
        *,
        multipart: bool,
    ) -> Stored:
        if info.size != size or info.sha256 != sha256_hex:
            raise ArchiveError("changed", f"{key}: the archive holds other bytes than were sent")
        if info.mode != self.mode or info.retain_until is None or info.retain_until < until:
            raise ArchiveError("no_lock", f"{key}: the archive did not lock the object")
        if info.version_id is None:
            raise ArchiveError("no_lock", f"{key}: the archive gave no version id")
        return Stored(
            key=key,
            version_id=info.version_id,
            size=info.size,
            sha256=sha256_hex,
            retain_until=info.retain_until,
            mode=info.mode,
            multipart=multipart,
        )

    # -- locks -----------------------------------------------------------------------------

    def set_legal_hold(self, key: str, on: bool, version_id: str | None = None) -> None:
        """Set (`on`) or lift a legal hold on `key` (its latest version unless `version_id`)."""
        args: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "LegalHold": {"Status": "ON" if on else "OFF"},
        }
        if version_id is not None:
            args["VersionId"] = version_id
        self._call("hold", lambda: self._client.put_object_legal_hold(**args), key=key)

    def extend_retention(self, key: str, until: datetime, version_id: str | None = None) -> None:
        """Keep `key` (its latest version unless `version_id`) locked until `until`.

        Only the archive decides: asking for an earlier date than the one in force, or for another
        mode than COMPLIANCE on a COMPLIANCE object, is refused by the server ("locked").
        """
        args: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "Retention": {"Mode": self.mode, "RetainUntilDate": whole_seconds(until)},
        }
        if version_id is not None:
            args["VersionId"] = version_id
        self._call(
            "retention",
            lambda: self._client.put_object_retention(**args),
            key=key,
            version_id=version_id,
        )

    def delete(self, key: str, version_id: str) -> None:
        """Delete one version for good (a purge of what has expired and is not held).

        Always a version: a DELETE without one would only hide the object behind a delete marker.
        A version still locked is refused by the server ("locked").
        """
        if not version_id:
            raise ValueError("delete needs a version id")
        self._call(
            "delete",
            lambda: self._client.delete_object(Bucket=self.bucket, Key=key, VersionId=version_id),
            key=key,
            version_id=version_id,
        )

    # -- reading ---------------------------------------------------------------------------

    def head(self, key: str, version_id: str | None = None) -> ObjectInfo:
        """Everything the archive says about `key` (its latest version unless `version_id`)."""
        args: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "ChecksumMode": "ENABLED"}
        if version_id is not None:
            args["VersionId"] = version_id
        response = self._call("head", lambda: self._client.head_object(**args), key=key)
        metadata = response.get("Metadata") or {}
        hold = response.get("ObjectLockLegalHoldStatus")
        until = response.get("ObjectLockRetainUntilDate")
        return ObjectInfo(
            key=key,
            size=int(response.get("ContentLength", 0)),
            last_modified=_utc(response.get("LastModified")),
            version_id=response.get("VersionId"),
            sha256=metadata.get(SHA256_METADATA),
            retain_until=_utc(until),
            mode=response.get("ObjectLockMode"),
            legal_hold=hold == "ON",
            checksum_sha256=response.get("ChecksumSHA256"),
        )

    def get(self, key: str, version_id: str | None = None, limit: int = 1 << 20) -> bytes:
        """The bytes of a small object (a seal, a head, a token): at most `limit` of them."""
        args: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if version_id is not None:
            args["VersionId"] = version_id
        response = self._call("get", lambda: self._client.get_object(**args), key=key)
        body = response["Body"]
        data: bytes = self._call("get", lambda: body.read(limit + 1), key=key)
        if len(data) > limit:
            raise ArchiveError("invalid", f"{key} is larger than {limit} bytes")
        return data

    def first_version(self, key: str) -> ObjectInfo:
        """The oldest version of `key`: the one written first, which a later version written
        under the same name (with the program's credentials, say) does not replace."""
        versions = self.versions(key)
        if not versions:
            raise ArchiveError("not_found", key)
        return versions[0]

    def versions(self, key: str) -> list[ObjectInfo]:
        """Every version of exactly `key`, oldest first (S3 lists the newest first)."""
        found = [info for info in self.list(key, versions=True) if info.key == key]
        found.reverse()
        return sorted(found, key=lambda info: info.last_modified or _EPOCH)

    def get_first(self, key: str, limit: int = 1 << 20) -> bytes:
        """The bytes of the oldest version of a small object."""
        return self.get(key, self.first_version(key).version_id, limit)

    def download(self, key: str, file: Path, version_id: str | None = None) -> None:
        """Fetch an object (any size, in parts) into `file`."""
        extra = {"VersionId": version_id} if version_id is not None else None
        self._call(
            "get",
            lambda: self._client.download_file(
                self.bucket, key, str(file), ExtraArgs=extra, Config=self._transfer
            ),
            key=key,
        )

    def matches(self, key: str, sha256_hex: str, version_id: str | None = None) -> bool:
        """True when the archived `key` carries the SHA-256 `sha256_hex` (a local copy's hash)."""
        return self.head(key, version_id).sha256 == sha256_hex.lower()

    def list(
        self, prefix: str = "", page_size: int = 1000, *, versions: bool = False
    ) -> Iterator[ObjectInfo]:
        """Every object under `prefix`, fetched `page_size` at a time.

        With `versions`, every version (delete markers left out), each with its version id and
        whether it is the latest: what a purge needs.
        """
        if versions:
            operation, field = "list_object_versions", "Versions"
        else:
            operation, field = "list_objects_v2", "Contents"
        paginator = self._client.get_paginator(operation)
        pages = paginator.paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": page_size}
        )
        iterator = iter(pages)
        while True:
            page = self._call("list", lambda: next(iterator, None))
            if page is None:
                return
            for entry in page.get(field) or ():
                yield ObjectInfo(
                    key=entry["Key"],
                    size=int(entry.get("Size", 0)),
                    last_modified=_utc(entry.get("LastModified")),
                    version_id=entry.get("VersionId"),
                    is_latest=entry.get("IsLatest"),
                )

    def check_bucket(self) -> None:
        """Raise unless the bucket exists, the credentials work and Object Lock is enabled.

        Reading a bucket's lock configuration is an action of its own (SeaweedFS:
        GetBucketObjectLockConfiguration): credentials without it get "denied". The program's
        credentials need not have it, since an upload to a bucket without Object Lock is refused
        ("no_lock") anyway.
        """
        response = self._call(
            "lock", lambda: self._client.get_object_lock_configuration(Bucket=self.bucket)
        )
        config = response.get("ObjectLockConfiguration") or {}
        if config.get("ObjectLockEnabled") != "Enabled":
            raise ArchiveError("no_lock", f"bucket {self.bucket} has no Object Lock")

    # -- errors ----------------------------------------------------------------------------

    def _call(
        self,
        what: str,
        action: Any,
        *,
        key: str | None = None,
        version_id: str | None = None,
    ) -> Any:
        """Run one request, turning every botocore failure into an `ArchiveError`."""
        boto_errors = _boto_errors()

        try:
            return action()
        except ArchiveError:
            raise
        except boto_errors.ClientError as error:
            raise self._explain(error, what, key, version_id) from error
        except (boto_errors.ConnectionError, boto_errors.HTTPClientError) as error:
            raise ArchiveError("unreachable", str(error)) from error
        except boto_errors.NoCredentialsError as error:
            raise ArchiveError("credentials", str(error)) from error
        except boto_errors.ParamValidationError as error:
            raise ArchiveError("invalid", str(error)) from error
        except boto_errors.FlexibleChecksumError as error:
            # The bytes read back do not have the SHA-256 the archive stored with them.
            raise ArchiveError("changed", str(error)) from error
        except Exception as error:
            # boto3's transfer manager wraps a part's failure in its own exception.
            cause = error.__cause__ or error.__context__
            if isinstance(cause, boto_errors.FlexibleChecksumError):
                raise ArchiveError("changed", str(cause)) from error
            if isinstance(cause, boto_errors.ClientError):
                raise self._explain(cause, what, key, version_id) from error
            if isinstance(cause, boto_errors.ConnectionError | boto_errors.HTTPClientError):
                raise ArchiveError("unreachable", str(cause)) from error
            if type(error).__module__.startswith(("boto3", "botocore", "s3transfer")):
                raise ArchiveError("server", f"{type(error).__name__}: {error}") from error
            raise

    def _explain(
        self, error: Any, what: str, key: str | None, version_id: str | None
    ) -> ArchiveError:
        """The `ArchiveError` for a `ClientError`, asking the server more where S3 is terse.

        S3 says AccessDenied both for "not allowed" and for "locked", and a HEAD has no body, so
        a bare 403 or 404 says neither why nor what is missing: a listing (a GET with a body)
        tells wrong credentials and a missing bucket apart, and a HEAD of the object tells a lock.
        """
        details = error.response.get("Error", {})
        code = str(details.get("Code", ""))
        message = str(details.get("Message", "")) or code
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        if code in _CREDENTIAL_CODES:
            return ArchiveError("credentials", message)
        if code == "RequestTimeTooSkewed":
            return ArchiveError("clock", message)
        if code == "NoSuchBucket":
            return ArchiveError("no_bucket", message)
        if code in _CHANGED_CODES:
            return ArchiveError("changed", message)
        if code in _SERVER_CODES or status >= 500:
            return ArchiveError("server", message)
        if code == "ObjectLockConfigurationNotFoundError" or "ObjectLockConfiguration" in message:
            return ArchiveError("no_lock", message)
        if code == "InvalidRequest" and what == "upload":
            # What S3 answers to lock headers on a bucket without Object Lock (AWS says so in
            # the message, SeaweedFS only "Invalid Request"); our requests are otherwise valid.
            return ArchiveError("no_lock", message)
        if code in _DENIED_CODES or code in _NOT_FOUND_CODES or status in (403, 404):
            reason = self._diagnose()
            if reason is not None:
                return reason
            if code in _NOT_FOUND_CODES or status == 404:
                return ArchiveError("not_found", message)
            lockable = what in ("delete", "retention") and key is not None
            if lockable and key is not None and self._is_locked(key, version_id):
                return ArchiveError("locked", message)
            return ArchiveError("denied", message)
        if code in ("InvalidRequest", "InvalidArgument", "MalformedXML", "InvalidBucketName"):
            return ArchiveError("invalid", message)
        return ArchiveError("server", f"{code or status}: {message}")

    def _diagnose(self) -> ArchiveError | None:
        """Wrong credentials or no bucket, found with a one-key listing; None when neither."""
        boto_errors = _boto_errors()

        try:
            self._client.list_objects_v2(Bucket=self.bucket, MaxKeys=1)
        except boto_errors.ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            message = str(error.response.get("Error", {}).get("Message", "")) or code
            if code in _CREDENTIAL_CODES:
                return ArchiveError("credentials", message)
            if code == "NoSuchBucket":
                return ArchiveError("no_bucket", message)
            return None
        except (boto_errors.ConnectionError, boto_errors.HTTPClientError) as error:
            return ArchiveError("unreachable", str(error))
        return None

    def _is_locked(self, key: str, version_id: str | None) -> bool:
        """True when the version is under retention or a legal hold now (for an AccessDenied)."""
        try:
            info = self.head(key, version_id)
        except ArchiveError:
            return False
        return info.locked_at(datetime.now(UTC))


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _boto_errors() -> Any:
    """botocore's exception classes (imported on first use, like boto3 itself)."""
    from botocore import exceptions  # type: ignore[import-untyped]

    return exceptions


def _utc(value: Any) -> datetime | None:
    """A botocore timestamp (aware, often in local time) in UTC; None stays None."""
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


__all__ = [
    "CODES",
    "MODES",
    "Archive",
    "ArchiveError",
    "ObjectInfo",
    "Stored",
    "sha256_file",
    "whole_seconds",
]
