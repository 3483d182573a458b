"""The employee's settings (QSettings): language, microphone, sample format, vault, policy."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from policy.environment import default_location


class Settings:
    def __init__(self, settings: QSettings | None = None) -> None:
        self.qt = settings or QSettings("Gespreksopname", "Gespreksopname")

    def _get(self, key: str, default: str) -> str:
        value = self.qt.value(key, default)
        return str(value) if value is not None else default

    @property
    def language(self) -> str:
        return self._get("language", "nl")

    @language.setter
    def language(self, value: str) -> None:
        self.qt.setValue("language", value)

    @property
    def microphone(self) -> str:
        return self._get("microphone", "")

    @microphone.setter
    def microphone(self, value: str) -> None:
        self.qt.setValue("microphone", value)

    @property
    def speaker(self) -> str:
        """The output device for playback ("" for the system default)."""
        return self._get("speaker", "")

    @speaker.setter
    def speaker(self, value: str) -> None:
        self.qt.setValue("speaker", value)

    @property
    def sample_format(self) -> str:
        return self._get("sample_format", "s16le")

    @sample_format.setter
    def sample_format(self, value: str) -> None:
        self.qt.setValue("sample_format", value)

    @property
    def vault(self) -> Path:
        configured = self._get("vault", "")
        return Path(configured) if configured else default_location()

    @vault.setter
    def vault(self, value: Path) -> None:
        self.qt.setValue("vault", str(value))

    @property
    def policy(self) -> Path | None:
        configured = self._get("policy", "")
        return Path(configured) if configured else None

    @policy.setter
    def policy(self, value: Path | None) -> None:
        self.qt.setValue("policy", str(value) if value else "")
