"""Data files of Gespreksopname: the default policy, message catalogues, texts and icons."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent


def path(*parts: str) -> Path:
    """Return the path of a resource file shipped with the application."""
    return ROOT.joinpath(*parts)
