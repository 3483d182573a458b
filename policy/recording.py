"""Recording a conversation: the policy gate, the microphone, the container, the audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from audio.container.manifest import Manifest
from audio.errors import GespreksError
from audio.sound.capture import CaptureEvent, Recorder, RecordingRefused, Status
from audio.sound.devices import DeviceError, find_device
from policy.inputs import check_length
from policy.rules import Decision
from policy.sealed import session_document
from policy.session import Session

if TYPE_CHECKING:
    from policy.workspace import Workspace


class SessionRefused(RecordingRefused):
    """The session is not allowed; `decision` holds every reason. No microphone was opened."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        super().__init__()


class Recording:
    """A running recording. Pause, resume and markers go into the container and the audit log."""

    def __init__(self, workspace: Workspace, recorder: Recorder) -> None:
        self.workspace = workspace
        self.recorder = recorder
        self._paused = False
        self._manifest: Manifest | None = None
        self.audit_error: BaseException | None = None  # the trail could not be written

    def _log(self, action: str, **details: Any) -> None:
        """Log in the audit trail; a full disk must not lose the recording, so a failure is
        kept (and shown) rather than raised."""
        try:
            self.workspace.audit.append(action, self.recording_id, **details)
        except (GespreksError, OSError) as exc:
            self.audit_error = exc

    @property
    def recording_id(self) -> str:
        return self.recorder.recording_id

    def status(self) -> Status:
        return self.recorder.status()

    def events(self) -> list[CaptureEvent]:
        return self.recorder.events()

    def pause(self) -> None:
        if self._paused or self._manifest is not None:
            return
        self._paused = True
        self.recorder.pause()
        self._log("recording_paused")

    def resume(self) -> None:
        if not self._paused or self._manifest is not None:
            return
        self._paused = False
        self.recorder.resume()
        self._log("recording_resumed")

    def marker(self, note: str | None = None) -> None:
        """Add a marker; a note over its limit is refused (InputTooLong) and nothing is added."""
        check_length("marker_note", note)
        self.recorder.marker(note)

    def stop(self, reason: str = "user") -> Manifest:
        """Stop, seal, and log how it ended (once). Returns the manifest."""
        if self._manifest is not None:
            return self._manifest
        manifest = self.recorder.stop(reason)
        self._manifest = manifest
        status = self.recorder.status()
        action = "recording_sealed" if manifest.state == "sealed" else "recording_interrupted"
        self._log(
            action,
            frames=manifest.frames,
            duration_s=manifest.duration_s,
            stop_reason=status.stop_reason,
            overflows=status.overflows,
        )
        return manifest


def start_recording(
    workspace: Workspace,
    session: Session,
    device: str | int | None = None,
    *,
    channels: int = 1,
    sample_format: str = "s16le",
    **options: Any,
) -> Recording:
    """Check the session (logged), then open the microphone and start. SessionRefused when the
    policy does not allow it: then no device is touched and no file is made."""
    decision = workspace.check(session)
    if not decision.allowed:
        raise SessionRefused(decision)
    input_device = find_device(device)
    record = session_document(session, decision, workspace.policy)

    def open_writer(rate: int, chans: int, fmt: str) -> Any:
        return workspace.new_recording(
            sample_rate=rate,
            channels=chans,
            sample_format=fmt,
            session=record,
        )

    recorder = Recorder(
        decision,
        input_device,
        open_writer,
        channels=channels,
        sample_format=sample_format,
        disk_path=workspace.vault.root,
        **options,
    )
    try:
        recorder.start()
    except DeviceError as exc:
        if recorder.recording_id:  # the container was made (and sealed empty) before the error
            exc.recording_id = recorder.recording_id  # type: ignore[attr-defined]
            workspace.audit.append(
                "recording_interrupted", recorder.recording_id, stop_reason="device_open_failed"
            )
        raise
    try:
        workspace.audit.append(
            "recording_started",
            recorder.recording_id,
            device=input_device.name,
            sample_rate=recorder.status().sample_rate,
            channels=recorder.channels,
            sample_format=sample_format,
        )
    except BaseException:
        # The trail cannot be written (a full disk): do not go on recording unlogged.
        recorder.stop("write_failed")
        raise
    return Recording(workspace, recorder)
