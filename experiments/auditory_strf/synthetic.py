"""Synthetic auditory neurons with a known ground truth (written in the NS1 format by data.py).

Sounds are cochleagram-like spectrograms: a 1/f-like spectral envelope, slow amplitude modulation,
onsets and frequency sweeps, log-compressed to [0, 1]. Each neuron has a causal STRF (an excitatory
subfield at its best frequency with a latency, an inhibitory one beside or after it); optionally it
hears the sound through AdapTrans's ON channel (known time constants) instead of the raw one. Its rate
is the STRF's drive through a parametric sigmoid (or, `nonlinearity: linear`, rectified and scaled);
spike counts are Poisson, independent across repeats. The true rate is kept, so the true CCmax of the
recorded repeats is known.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuro.experiments.auditory_strf.bands import decay_per_bin, initial_time_constants_ms
from neuro.utils.execution.correlation import pearson

LAGS = 9                       # the true STRFs' length in bins (the default window)


@dataclass
class SyntheticSpec:
    seed: int = 0
    neurons: int = 73
    sounds: int = 20
    bins: int = 999
    bands: int = 34
    repeats: int = 20
    bin_ms: float = 5.0
    adaptation: bool = False          # neurons hear AdapTrans's ON channel of the sound
    nonlinearity: str = "sigmoid"     # or "linear": rate = floor + gain * max(drive, 0)


@dataclass
class GroundTruth:
    strfs: np.ndarray          # (N, F, LAGS), lag 0 first
    floor: np.ndarray          # (N,) sigmoid a, in spikes per bin
    gain: np.ndarray           # (N,) sigmoid b
    threshold: np.ndarray      # (N,) sigmoid c, in units of the drive's standard deviation
    slope: np.ndarray          # (N,) sigmoid d
    adaptation_decay: np.ndarray   # (F,) the ON channel's decay per bin (used with spec.adaptation)
    adaptation_weight: float


@dataclass
class SyntheticSet:
    spectrograms: np.ndarray   # (S, F, T) in [0, 1]
    rates: np.ndarray          # (S, N, T) true spikes per bin
    counts: np.ndarray         # (S, R, N, T) Poisson spike counts
    truth: GroundTruth


def spectrograms(spec: SyntheticSpec, rng: np.random.Generator) -> np.ndarray:
    """(S, F, T) cochleagram-like sounds in [0, 1]."""
    f = np.arange(spec.bands)[:, None]
    out = np.empty((spec.sounds, spec.bands, spec.bins), np.float64)
    for s in range(spec.sounds):
        envelope = _smooth(rng.standard_normal(spec.bands), 3) - 0.04 * f[:, 0]          # 1/f-like tilt
        texture = _smooth(_smooth(rng.standard_normal((spec.bands, spec.bins)), 2, axis=1), 1, axis=0)
        slow = _smooth(_smooth(rng.standard_normal((spec.bands, spec.bins)), 25, axis=1), 4, axis=0)
        level = envelope[:, None] + 1.2 * texture + 1.0 * slow
        for _ in range(rng.integers(4, 9)):                                               # onsets
            start, length = rng.integers(0, spec.bins), rng.integers(20, 120)
            low, width = rng.integers(0, spec.bands), rng.integers(4, spec.bands)
            level[low:low + width, start:start + length] += rng.uniform(1.0, 2.5)
        for _ in range(rng.integers(2, 6)):                                               # sweeps
            start, length = rng.integers(0, spec.bins - 20), rng.integers(20, 80)
            t = np.arange(start, min(start + length, spec.bins))
            path = rng.uniform(0, spec.bands) + rng.uniform(-0.4, 0.4) * (t - start)
            level[:, t] += 2.0 * np.exp(-0.5 * ((f - path[None, :]) / 1.2) ** 2)
        out[s] = level
    power = np.exp(out)
    compressed = np.log((power + 0.1) / 0.1)
    return ((compressed - compressed.min()) / (compressed.max() - compressed.min())).astype(np.float32)


def ground_truth(spec: SyntheticSpec, rng: np.random.Generator) -> GroundTruth:
    """Causal STRFs and output nonlinearities for every neuron; AdapTrans ON decays per band."""
    f, lag = np.arange(spec.bands)[:, None], np.arange(LAGS)[None, :]
    strfs = np.empty((spec.neurons, spec.bands, LAGS))
    for n in range(spec.neurons):
        best, width = rng.uniform(0, spec.bands), rng.uniform(1.0, 3.0)
        latency, duration = rng.uniform(1.0, 3.0), rng.uniform(0.8, 1.6)
        excitation = np.exp(-0.5 * ((f - best) / width) ** 2 - 0.5 * ((lag - latency) / duration) ** 2)
        side = best + rng.choice([-1, 1]) * rng.uniform(2.5, 5.0) if rng.random() < 0.5 else best
        delay = latency + (rng.uniform(2.0, 4.0) if side == best else rng.uniform(0.0, 1.5))
        inhibition = np.exp(-0.5 * ((f - side) / (width * 1.3)) ** 2 - 0.5 * ((lag - delay) / (duration * 1.5)) ** 2)
        strf = excitation - rng.uniform(0.3, 0.8) * inhibition
        strf[:, 0] *= 0.2                                   # little at lag 0: neurons answer after a latency
        strfs[n] = strf / np.linalg.norm(strf)
    return GroundTruth(strfs=strfs, floor=rng.uniform(0.005, 0.05, spec.neurons),
                       gain=rng.uniform(0.15, 0.8, spec.neurons), threshold=rng.uniform(0.3, 1.5, spec.neurons),
                       slope=rng.uniform(0.3, 0.7, spec.neurons),
                       adaptation_decay=decay_per_bin(initial_time_constants_ms(spec.bands), spec.bin_ms),
                       adaptation_weight=0.75)


def adapted(sounds: np.ndarray, decay: np.ndarray, weight: float) -> np.ndarray:
    """AdapTrans's ON channel: x[t] - w EMA(x)[t-1], EMA[t] = a EMA[t-1] + (1 - a) x[t] per band."""
    out = np.empty_like(sounds, dtype=np.float64)
    average = np.zeros(sounds.shape[:2])
    for t in range(sounds.shape[-1]):
        out[..., t] = sounds[..., t] - weight * average
        average = decay * average + (1 - decay) * sounds[..., t]
    return out


def drive(strfs: np.ndarray, sounds: np.ndarray) -> np.ndarray:
    """(N, F, L) STRFs over (S, F, T) sounds: (S, N, T), each output from the present and past only."""
    lags = strfs.shape[-1]
    padded = np.pad(sounds, ((0, 0), (0, 0), (lags - 1, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, lags, axis=2)    # (S, F, T, L), oldest first
    return np.einsum("sftl,nfl->snt", windows, strfs[:, :, ::-1])


def rates(truth: GroundTruth, sounds: np.ndarray, spec: SyntheticSpec) -> np.ndarray:
    """The true spikes per bin (S, N, T)."""
    heard = adapted(sounds, truth.adaptation_decay, truth.adaptation_weight) if spec.adaptation else sounds
    g = drive(truth.strfs, heard)
    g = (g - g.mean(axis=(0, 2), keepdims=True)) / g.std(axis=(0, 2), keepdims=True)
    if spec.nonlinearity == "linear":
        return truth.floor[None, :, None] + 0.5 * truth.gain[None, :, None] * np.maximum(g + 1.5, 0)
    a, b, c, d = (v[None, :, None] for v in (truth.floor, truth.gain, truth.threshold, truth.slope))
    return a + b / (1 + np.exp(-(g - c) / d))


def simulate(spec: SyntheticSpec) -> SyntheticSet:
    """Sounds, neurons and their Poisson repeats; the same spec draws the same set."""
    rng = np.random.default_rng(spec.seed)
    sounds = spectrograms(spec, rng)
    truth = ground_truth(spec, rng)
    rate = rates(truth, sounds, spec)
    counts = rng.poisson(rate[:, None], size=(spec.sounds, spec.repeats, *rate.shape[1:])).astype(np.float32)
    return SyntheticSet(sounds, rate.astype(np.float32), counts, truth)


def true_cc_max(rate: np.ndarray, repeats: int) -> np.ndarray:
    """Per neuron, the expected correlation of a PSTH of `repeats` Poisson trials with the true rate over
    these sounds: sqrt(Var(rate) / (Var(rate) + mean(rate) / repeats))."""
    series = rate.transpose(1, 0, 2).reshape(rate.shape[1], -1)
    variance = series.var(axis=1)
    return np.sqrt(variance / (variance + series.mean(axis=1) / repeats))


def strf_similarity(learned: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per neuron, Pearson's r between a learned and the true STRF (their common lags)."""
    lags = min(learned.shape[-1], truth.shape[-1])
    return np.array([pearson(a[:, :lags].ravel(), b[:, :lags].ravel()) for a, b in zip(learned, truth)])


def _smooth(x: np.ndarray, width: float, axis: int = 0) -> np.ndarray:
    """Gaussian smoothing along an axis, normalised to unit standard deviation."""
    from scipy.ndimage import gaussian_filter1d
    y = gaussian_filter1d(x, width, axis=axis, mode="reflect")
    return y / (y.std() or 1.0)
