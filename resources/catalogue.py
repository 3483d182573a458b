"""The message catalogue of the core and the command line: Dutch by default, English second.

Messages live in `resources/messages/<lang>.toml` so they can be edited without touching code.
"""

from __future__ import annotations

import os
import string
import tomllib
from functools import cache
from typing import Any

from resources import path

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


@cache
def _catalogue(lang: str) -> dict[str, str]:
    with path("messages", f"{lang}.toml").open("rb") as handle:
        data = tomllib.load(handle)
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(name, value)
            else:
                flat[name] = str(value)

    walk("", data)
    return flat


def keys(lang: str) -> set[str]:
    """All message keys of one language (for completeness tests)."""
    return set(_catalogue(lang))


def placeholders(template: str) -> set[str]:
    """The `{name}` placeholders a message uses."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def resolve_language(requested: str | None = None) -> str:
    """Pick the language: an explicit choice, else the first of LC_ALL/LC_MESSAGES/LANG that is
    set (as POSIX does), else Dutch. Anything but English means Dutch."""
    if requested:
        code = requested.split("_")[0].split(".")[0].lower()
        return code if code in LANGUAGES else DEFAULT_LANGUAGE
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            code = value.split("_")[0].split(".")[0].lower()
            return code if code in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def text(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """Return the message `key` in `lang`, with its placeholders filled in."""
    catalogue = _catalogue(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    template = catalogue.get(key) or _catalogue("en").get(key) or key
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
