"""Errors of the core. Each carries a catalogue key, so the edge shows it in the user's language."""

from __future__ import annotations

from resources.catalogue import text


class GespreksError(Exception):
    """Base of every error the core reports to a person."""

    key = "error.generic"

    def __init__(self, key: str | None = None, **params: object) -> None:
        if key is not None:
            self.key = key
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "nl") -> str:
        return text(self.key, lang, **self.params)


class IntegrityError(GespreksError):
    """The one error for every authentication failure of a container, vault file or copy.

    `part` says what failed: header, chunk, truncated, manifest, signature, untrusted, trailing.
    """

    def __init__(self, part: str, index: int | None = None, **params: object) -> None:
        self.part = part
        self.index = index
        super().__init__(f"integrity.{part}", index=index, **params)


class UnsupportedVersion(GespreksError):
    """The file is not ours, or was made by a newer version of the program."""


class NoMatchingKey(GespreksError):
    """None of the reader's keys opens this recording."""

    key = "error.no_matching_key"


class WrongPassphrase(GespreksError):
    key = "error.wrong_passphrase"


class VaultError(GespreksError):
    """The vault is missing, already exists, is locked or cannot be written."""


class FormatError(GespreksError):
    """Audio of the wrong shape was handed to the writer (a programming or device error)."""


class WriteError(GespreksError):
    """Writing to disk failed (a full disk, a removed USB stick); what was written is kept."""
