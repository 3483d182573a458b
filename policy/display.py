"""Showing text that people typed, without letting it act on a screen or a page.

A participant's name, a reason or a copy's recipient is stored exactly as entered, but wherever
it is shown outside a form (the terminal, LEESMIJ.txt, the PDFs) it goes through `visible`:
control characters (an escape sequence that recolours or clears a terminal, a carriage return
that overwrites a line), bidirectional overrides and isolates (U+202E turns "txt.exe" around)
and lone surrogates (undecodable bytes) are written as visible escapes such as `\\x1b` and
`\\u202e`. Everything else, every European name in any script, is shown as written.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from audio.encoding import parse_time

# Unicode's bidirectional formatting characters: the embeddings and overrides (LRE RLE PDF LRO
# RLO), the isolates (LRI RLI FSI PDI) and the implicit marks (LRM RLM ALM).
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
# C0 and C1 controls and DEL, the line and paragraph separators, the bidi controls, surrogates.
_OTHERS = f"\x7f-\x9f\u2028\u2029{BIDI_CONTROLS}\ud800-\udfff"
_UNSAFE = re.compile(f"[\x00-\x1f{_OTHERS}]")
_UNSAFE_KEEP_LINES = re.compile(f"[\x00-\x09\x0b-\x1f{_OTHERS}]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: object, *, lines: bool = False) -> str:
    """`value` as text that shows every control and bidi character as an escape (`\\x1b`,
    `\\u202e`). With `lines`, line breaks stay line breaks (a reason of several lines in a
    letter); otherwise they too are shown as `\\n`, so one value stays on one line."""
    text = value if isinstance(value, str) else str(value)
    if lines:
        return _UNSAFE_KEEP_LINES.sub(_escape, text.replace("\r\n", "\n"))
    return _UNSAFE.sub(_escape, text)


def shorten(value: str, limit: int = 80) -> str:
    """At most `limit` characters of `value` (for an error message about a value too long)."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def visible_json(doc: Any) -> str:
    """`doc` as indented JSON (UTF-8, not ASCII-escaped) in which the characters `visible`
    escapes are JSON escapes (`\\u202e`): the same document when parsed, safe on a terminal."""
    raw = json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True)
    # JSON already escapes C0 controls; outside strings only spaces and newlines occur.
    return _UNSAFE_KEEP_LINES.sub(_json_escape, raw)


def clock(seconds: float | None) -> str:
    """A duration as h:mm:ss ("-" when unknown)."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def local_datetime(stamp: str) -> datetime:
    """A UTC timestamp from a manifest or the trail as the computer's local (naive) time."""
    return datetime.fromtimestamp(parse_time(stamp))


def local_time(stamp: str) -> str:
    """A UTC timestamp from a manifest or the trail, shown in the computer's local time."""
    return datetime.fromtimestamp(parse_time(stamp)).strftime("%Y-%m-%d %H:%M:%S")
