"""What an exported copy holds, file by file, in words: for the export dialog and the command
line, so the employee can tell the citizen what they take home."""

from __future__ import annotations

from pathlib import Path

from resources.catalogue import text

# Each file a copy can hold, in the order it is shown; the audio file by its stem.
KNOWN = (
    "controleer.html",
    "opname",
    "ontvangstbewijs.pdf",
    "LEESMIJ.txt",
    "gegevens.json",
    "publickey.pem",
    "installatie.pem",
    "organisatie.pem",
    "zegel.tsr",
    "tsa.pem",
    "SHA256SUMS",
    "SHA256SUMS.sig",
)


def contents(folder: Path, lang: str) -> list[tuple[str, str]]:
    """(file name, what it is) for every file in the folder, known ones first in KNOWN's
    order; a file this version does not know is listed as such, never hidden."""
    files = sorted(p.name for p in Path(folder).iterdir() if p.is_file())

    def rank(name: str) -> tuple[int, str]:
        key = "opname" if name.startswith("opname.") else name
        return (KNOWN.index(key) if key in KNOWN else len(KNOWN), name)

    out = []
    for name in sorted(files, key=rank):
        key = "opname" if name.startswith("opname.") else name
        known = key in KNOWN
        label = key.replace(".", "_") if known else "unknown"
        out.append((name, text(f"copy.contents.{label}", lang)))
    return out
