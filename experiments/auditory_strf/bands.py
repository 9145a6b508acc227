"""The frequency bands of a spectrogram: their centre frequencies, and AdapTrans's initial time
constant for each (Rancon et al. 2024: tau = 500 - 105 log10(CF) ms, 216.6 ms at 500 Hz, 48.4 ms at 20 kHz)."""
from __future__ import annotations

import numpy as np


def centre_frequencies(bands: int, low_hz: float = 500.0, high_hz: float = 20000.0) -> np.ndarray:
    """Band centres spaced evenly on the mel scale, lowest band first."""
    mel = np.linspace(2595 * np.log10(1 + low_hz / 700), 2595 * np.log10(1 + high_hz / 700), bands)
    return 700 * (10 ** (mel / 2595) - 1)


def initial_time_constants_ms(bands: int) -> np.ndarray:
    return 500 - 105 * np.log10(centre_frequencies(bands))


def decay_per_bin(tau_ms: np.ndarray, bin_ms: float) -> np.ndarray:
    """An exponential average's decay per bin for time constants in ms: exp(-bin_ms / tau)."""
    return np.exp(-bin_ms / tau_ms)
