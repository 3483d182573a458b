"""Canonical JSON, base64 and time helpers shared by the vault and the container."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any


def canonical_json(obj: Any) -> bytes:
    """The same object always gives the same bytes (sorted keys, no whitespace)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def loads(data: bytes | str) -> Any:
    """json.loads for untrusted input: anything wrong, even absurd nesting, is a ValueError."""
    try:
        return json.loads(data)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(value: object, length: int | None = None) -> bytes:
    """Decode base64 from an untrusted document; raise ValueError on anything odd."""
    if not isinstance(value, str):
        raise ValueError("not a base64 string")
    try:
        data = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("bad base64") from exc
    if length is not None and len(data) != length:
        raise ValueError("wrong length")
    return data


def iso_time(seconds: float) -> str:
    """UTC ISO 8601 with milliseconds, e.g. 2026-11-28T23:06:03.125Z."""
    stamp = datetime.fromtimestamp(seconds, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def parse_time(value: str) -> float:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
