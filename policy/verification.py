"""Verifying what a person hands us, once for both faces: a recording (container), an exported
folder or a lone exported audio file, recognised by its content, checked against the keys this
computer trusts, logged in the audit trail when there is a vault, and returned as a typed result
that the command line and the window each render in their own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from audio.container import layout as container
from audio.container.verify import Report
from audio.errors import IntegrityError, VaultError
from audio.vault.keys import VerifyKey
from policy.policy import Policy

if TYPE_CHECKING:
    from audio.copies.verify import CopyReport as CopyReport  # re-exported for the faces' types
    from policy.workspace import Workspace

__all__ = ["Kind", "Report", "Verified", "kind_of", "trusted_keys", "verify_path"]


class Kind(StrEnum):
    CONTAINER = "container"
    FOLDER = "folder"
    COPY = "copy"


def kind_of(path: Path) -> Kind:
    """What `path` is, by its content (never by its name): a folder is a copy folder, a file
    that starts with the container's magic is a recording, anything else a lone copy."""
    if path.is_dir():
        return Kind.FOLDER
    with open(path, "rb") as handle:
        head = handle.read(len(container.MAGIC_PREFIX))
    return Kind.CONTAINER if head == container.MAGIC_PREFIX else Kind.COPY


def trusted_keys(own: VerifyKey | None, policy: Policy, this_installation: str) -> dict[bytes, str]:
    """The keys whose seals are trusted, with the name to show: this installation's (only as
    authenticated by unlocking) and the installations the organisation's policy lists."""
    trusted = {own.raw: this_installation} if own is not None else {}
    for entry in policy.trusted_keys:
        trusted.setdefault(entry.key.raw, entry.name)
    return trusted


@dataclass(frozen=True)
class Verified:
    """A successful verification: of a recording (`recording`) or of a copy (`copy`, with the
    folder's `files` when a folder was checked)."""

    kind: Kind
    path: Path
    recording: Report | None = None
    copy: CopyReport | None = None
    files: tuple[str, ...] = ()


def verify_path(
    path: Path,
    *,
    workspace: Workspace | None,
    policy: Policy,
    this_installation: str,
    deep: bool = False,
) -> Verified:
    """Verify a recording, a copy folder or a lone copy. IntegrityError when it was changed
    (logged too); UnsupportedVersion, GespreksError or OSError when it cannot be read. A
    recording needs this computer's vault (`workspace`); a copy is checked with or without one
    (without, only the policy's installations are trusted)."""
    kind = kind_of(path)
    if kind is Kind.CONTAINER:
        if workspace is None:
            raise VaultError("error.no_vault_for_recording")
        return Verified(kind, path, recording=workspace.verify(path, this_installation))
    from audio.copies.verify import verify_copy, verify_folder  # the copy stack, only for copies

    own = workspace.vault.signing_key.public if workspace is not None else None
    trusted = trusted_keys(own, policy, this_installation)
    try:
        if kind is Kind.FOLDER:
            folder = verify_folder(path, trusted, deep=deep)
            copy, files = folder.audio, tuple(folder.files)
        else:
            copy, files = verify_copy(path, trusted), ()
    except IntegrityError as exc:
        _log(workspace, path, exc.part, None)
        raise
    _log(workspace, path, "intact", copy.record.recording_id)
    return Verified(kind, path, copy=copy, files=files)


def _log(workspace: Workspace | None, path: Path, result: str, recording_id: str | None) -> None:
    """A copy check goes into the trail when there is a vault; a citizen's check has none, and
    a trail that cannot be written must not turn a good copy into an error."""
    if workspace is not None:
        workspace.log_if_anchored("verified", recording_id, file=path.name, result=result)
