"""Validating TOML documents written by people: every error names the setting and its line.

`tomllib` gives values but no positions, so `locate` finds the line of a setting by following
the table headers in the source text. Used for the policy file and for session files.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audio.errors import GespreksError
from policy.display import shorten, visible

PathPart = str | int
_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
_HEADER = re.compile(r"^\s*\[\s*([^\]\[]+?)\s*\]")
_KEY = re.compile(r'^\s*("?)([A-Za-z0-9_\-]+)\1\s*=')


def dotted(path: Sequence[PathPart]) -> str:
    """("purposes", 2, "id") -> "purposes[2].id"."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def locate(source: str, path: Sequence[PathPart]) -> int | None:
    """The 1-based line where `path` is set, or its table starts; None if not found."""
    counters: dict[str, int] = {}
    table: tuple[PathPart, ...] = ()
    best: int | None = None
    target = tuple(path)
    while target and isinstance(target[-1], int) and not _is_table_array(source, target):
        target = target[:-1]  # an element of a list value: the line of the list
    for number, line in enumerate(source.splitlines(), start=1):
        if match := _ARRAY_HEADER.match(line):
            name = match.group(1).strip()
            counters[name] = counters.get(name, -1) + 1
            table = (*name.split("."), counters[name])
        elif match := _HEADER.match(line):
            table = tuple(match.group(1).strip().split("."))
        elif match := _KEY.match(line):
            if (*table, match.group(2)) == target:
                return number
            continue
        else:
            continue
        if table and target[: len(table)] == table:
            best = number  # the deepest table header on the way to the setting
    return best


def _is_table_array(source: str, target: tuple[PathPart, ...]) -> bool:
    name = ".".join(str(part) for part in target[:-1])
    return any(
        (m := _ARRAY_HEADER.match(line)) and m.group(1).strip() == name
        for line in source.splitlines()
    )


class DocumentError(GespreksError):
    """A TOML document (policy or session) is not valid; `params` say where and what."""


class Checker:
    """Type checks on a parsed document that raise errors naming the setting and its line."""

    def __init__(self, source: str, file: str, error: type[DocumentError]) -> None:
        self.source = source
        self.file = file
        self.error = error

    def fail(self, problem: str, path: Sequence[PathPart], **params: object) -> DocumentError:
        """The error naming the setting and its line. A value quoted in the message is cut
        short and shown escaped: it may be megabytes long or hold terminal escape codes."""
        line = locate(self.source, path)
        quoted = {
            name: visible(shorten(value) if name == "value" else value)
            if isinstance(value, str)
            else value
            for name, value in params.items()
        }
        return self.error(
            f"document.{problem}",
            file=visible(self.file),
            setting=visible(shorten(dotted(path))),
            line=line if line is not None else "?",
            **quoted,
        )

    def limited(self, value: Any, path: Sequence[PathPart], limit: int | None) -> Any:
        """Refuse a text or list longer than `limit` (characters or entries) before it is
        kept anywhere: the message names the setting, its line and the limit."""
        if limit is not None and value is not None and len(value) > limit:
            problem = "too_many" if isinstance(value, list) else "too_long"
            raise self.fail(problem, path, limit=limit, length=len(value))
        return value

    def table(self, doc: dict[str, Any], path: Sequence[PathPart], allowed: set[str]) -> None:
        """Refuse keys the schema does not know (a typo must not be silently ignored)."""
        for key in doc:
            if key not in allowed:
                raise self.fail("unknown", [*path, key])

    def get(
        self,
        doc: dict[str, Any],
        path: Sequence[PathPart],
        kind: type | tuple[type, ...],
        *,
        required: bool = True,
        default: Any = None,
    ) -> Any:
        key = path[-1]
        if key not in doc:
            if required:
                raise self.fail("missing", path)
            return default
        value = doc[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            raise self.fail("type", path, expected=_kind_names(kinds))
        if not isinstance(value, kinds):
            raise self.fail("type", path, expected=_kind_names(kinds))
        return value

    def text(
        self,
        doc: dict[str, Any],
        path: Sequence[PathPart],
        *,
        required: bool = True,
        limit: int | None = None,
    ) -> Any:
        value = self.limited(self.get(doc, path, str, required=required), path, limit)
        if required and not value.strip():
            raise self.fail("empty", path)
        return value

    def choice(
        self, doc: dict[str, Any], path: Sequence[PathPart], choices: Sequence[str], **kw: Any
    ) -> Any:
        value = self.get(doc, path, str, **kw)
        if value is not None and value not in choices:
            raise self.fail("choice", path, value=value, choices=", ".join(choices))
        return value

    def string_list(
        self,
        doc: dict[str, Any],
        path: Sequence[PathPart],
        choices: Sequence[str] | None = None,
        *,
        required: bool = True,
        max_items: int | None = None,
        limit: int | None = None,
    ) -> list[str] | None:
        """A list of texts: at most `max_items` of them, each at most `limit` characters."""
        values = self.limited(self.get(doc, path, list, required=required), path, max_items)
        if values is None:
            return None
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise self.fail("type", [*path, index], expected="tekst/text")
            self.limited(value, [*path, index], limit)
            if choices is not None and value not in choices:
                raise self.fail("choice", [*path, index], value=value, choices=", ".join(choices))
        return list(values)


def _kind_names(kinds: tuple[type, ...]) -> str:
    names = {
        str: "tekst/text",
        int: "getal/number",
        bool: "true/false",
        list: "lijst/list",
        dict: "tabel/table",
        float: "getal/number",
    }
    return " / ".join(names.get(kind, kind.__name__) for kind in kinds)


def read_toml(file: Path, error: type[DocumentError]) -> tuple[dict[str, Any], str]:
    """Read and parse a TOML file; errors say which file and, for syntax errors, where."""
    name = str(file)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise error("document.unreadable", file=name, reason=exc.strerror or str(exc)) from exc
    return parse_toml(raw, name, error)


def parse_toml(raw: bytes, name: str, error: type[DocumentError]) -> tuple[dict[str, Any], str]:
    """Parse the bytes of a TOML file (read once, so what is parsed is what was hashed)."""
    try:
        source = raw.decode("utf-8")
        return tomllib.loads(source), source
    except UnicodeDecodeError as exc:
        raise error("document.encoding", file=name) from exc
    except tomllib.TOMLDecodeError as exc:
        raise error("document.syntax", file=name, reason=str(exc)) from exc
    except RecursionError as exc:
        raise error("document.syntax", file=name, reason="nested too deeply") from exc
