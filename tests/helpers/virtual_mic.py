"""A real microphone for tests on machines without a sound card: a private PulseAudio daemon
with a null sink whose monitor is the microphone, reached by PortAudio through ALSA's pulse
plugin. What is played into the sink (`play`) comes out of the microphone bit for bit.

Usable from tests (`VirtualMic` as a context manager) and from the command line, for
benchmarks and manual tries: `python -m tests.helpers.virtual_mic start DIR` prints the
environment to use.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RATE = 48000
PCM_NAMES = ("gespreksopname_test", "gespreksopname_lossy")
SPEAKER = "gespreksopname_speaker"


def available() -> bool:
    return all(shutil.which(tool) for tool in ("pulseaudio", "pacat", "pactl"))


def alsa_config(folder: Path) -> Path:
    """One ALSA config naming both test microphones (each its own daemon socket)."""
    lines = []
    for name in PCM_NAMES:
        socket = folder / name / "native"
        lines += [
            f"pcm.{name} {{",
            "    type pulse",
            f'    server "unix:{socket}"',
            f'    device "{name}_sink.monitor"',
            "}",
            f"ctl.{name} {{",
            "    type pulse",
            f'    server "unix:{socket}"',
            "}",
        ]
    # A speaker: what is played here goes into the first microphone's sink.
    socket = folder / PCM_NAMES[0] / "native"
    lines += [
        f"pcm.{SPEAKER} {{",
        "    type pulse",
        f'    server "unix:{socket}"',
        f'    device "{PCM_NAMES[0]}_sink"',
        "}",
    ]
    path = folder / "asound.conf"
    path.write_text("\n".join(lines) + "\n")
    return path


def environment(folder: Path) -> dict[str, str]:
    """What a process needs so that PortAudio lists the test microphones."""
    return {"ALSA_CONFIG_PATH": f"/usr/share/alsa/alsa.conf:{alsa_config(folder)}"}


class VirtualMic:
    """One PulseAudio daemon with a null sink `<name>_sink`; its monitor is the microphone."""

    def __init__(self, folder: Path, name: str = PCM_NAMES[0], rate: int = RATE) -> None:
        self.folder = folder
        self.name = name
        self.rate = rate
        self.root = folder / name
        self.socket = self.root / "native"
        self.sink = f"{name}_sink"
        self.daemon_pid: int | None = None
        self._keepalive: subprocess.Popen[bytes] | None = None

    @property
    def server(self) -> str:
        return f"unix:{self.socket}"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            HOME=str(self.root / "home"),
            XDG_RUNTIME_DIR=str(self.root / "run"),
            PULSE_RUNTIME_PATH=str(self.root / "run"),
            PULSE_SERVER=self.server,
        )
        return env

    def start(self) -> VirtualMic:
        for sub in ("home", "run"):
            (self.root / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
        self.socket.unlink(missing_ok=True)
        env = self._env()
        env.pop("PULSE_SERVER")
        subprocess.run(
            [
                "pulseaudio",
                "--daemonize=yes",
                "-n",
                "--exit-idle-time=-1",
                "--use-pid-file=yes",
                "--log-target=file:" + str(self.root / "pulse.log"),
                "-L",
                f"module-native-protocol-unix socket={self.socket} auth-anonymous=1",
                "-L",
                f"module-null-sink sink_name={self.sink} rate={self.rate} channels=1",
            ],
            env=env,
            check=True,
            timeout=30,
        )
        deadline = time.monotonic() + 10
        while not self.socket.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.daemon_pid = int((self.root / "run" / "pid").read_text().split()[0])
        # An idle null sink delivers the first second of a capture late: keep it busy.
        self._zeros = open("/dev/zero", "rb")  # noqa: SIM115 - closed in stop()
        self._keepalive = subprocess.Popen(
            [
                "pacat",
                "--playback",
                "-d",
                self.sink,
                f"--rate={self.rate}",
                "--channels=1",
                "--format=s16le",
                "--latency-msec=20",
            ],
            stdin=self._zeros,
            env=self._env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(2.0)
        return self

    def play(self, raw: Path, wait: bool = True) -> subprocess.Popen[bytes]:
        """Play raw s16le mono audio at the sink's rate into the microphone."""
        player = subprocess.Popen(
            [
                "pacat",
                "--playback",
                "-d",
                self.sink,
                f"--rate={self.rate}",
                "--channels=1",
                "--format=s16le",
                "--latency-msec=20",
                str(raw),
            ],
            env=self._env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if wait:
            player.wait(120)
        return player

    def signal_daemon(self, sig: int) -> None:
        if self.daemon_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.daemon_pid, sig)

    def stop(self) -> None:
        if self._keepalive is not None:
            self._keepalive.kill()
            self._keepalive.wait(5)
            self._keepalive = None
            self._zeros.close()
        if self.daemon_pid is not None:
            self.signal_daemon(signal.SIGCONT)
            self.signal_daemon(signal.SIGKILL)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    os.kill(self.daemon_pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            self.daemon_pid = None

    def __enter__(self) -> VirtualMic:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def reinitialize_portaudio() -> None:
    """Make an already imported sounddevice see devices configured after its import."""
    import sounddevice

    sounddevice._terminate()
    sounddevice._initialize()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "start":
        print("usage: python -m tests.helpers.virtual_mic start DIR", file=sys.stderr)
        return 2
    folder = Path(argv[1] or tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    mic = VirtualMic(folder).start()
    for key, value in environment(folder).items():
        print(f"export {key}={value}")
    print(f"export PULSE_SERVER={mic.server}")
    print(f"# microphone: {mic.name}; daemon pid {mic.daemon_pid}; play into sink {mic.sink}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
