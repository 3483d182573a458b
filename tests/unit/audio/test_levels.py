"""The input meter: peak and RMS in dBFS, measured only when somebody looks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from audio.sound.capture import Status, levels


def sine(amplitude: float, n: int = 48000) -> np.ndarray:
    t = np.arange(n) / 48000
    return np.round(amplitude * 32767 * np.sin(2 * np.pi * 1000 * t)).astype("<i2")


def test_half_scale_sine() -> None:
    peak, rms = levels(sine(0.5).tobytes(), "s16le")
    assert peak == pytest.approx(-6.02, abs=0.05)
    assert rms == pytest.approx(-9.03, abs=0.05)


def test_full_scale_square_is_zero_dbfs() -> None:
    block = np.array([-32768, 32767] * 100, dtype="<i2").tobytes()
    peak, rms = levels(block, "s16le")
    assert peak == pytest.approx(0.0, abs=0.01) and rms == pytest.approx(0.0, abs=0.01)


def test_digital_silence_and_nothing_are_minus_infinity() -> None:
    assert levels(bytes(9600), "s16le") == (-math.inf, -math.inf)
    assert levels(b"", "s16le") == (-math.inf, -math.inf)
    assert levels(bytes(9600), "s24le") == (-math.inf, -math.inf)


def test_24_bit_uses_the_top_bytes() -> None:
    samples = sine(0.25, 4800).astype(np.int32) << 8  # the same signal, 24-bit
    block = b"".join(int(v).to_bytes(3, "little", signed=True) for v in samples)
    peak, _rms = levels(block, "s24le")
    assert peak == pytest.approx(-12.04, abs=0.05)


def test_status_measures_once_and_only_when_asked() -> None:
    status = Status(sample_format="s16le", latest_audio=sine(0.5, 4800).tobytes())
    assert "_levels" not in status.__dict__  # nothing measured yet
    assert status.peak_dbfs == pytest.approx(-6.02, abs=0.05)
    assert "_levels" in status.__dict__
    assert status.rms_dbfs == pytest.approx(-9.03, abs=0.1)
    assert Status().peak_dbfs == -math.inf
