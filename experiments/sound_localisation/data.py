"""The IPD stimulus: Poisson spike trains of auditory nerve fibres phase-locked to a tone.

phi(t) = 2 pi (f t + U(0,1)) per stimulus; fibre i of ear 1 has phase phi + delay_i with delays
linspace(0, pi/2, anf_per_ear), ear 2 the same plus the IPD; a fibre spikes in a step with probability
rate_max dt (0.5 (1 + sin theta))^power. IPD ~ U(-pi/2, pi/2), labelled in num_classes equal bins.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuro.experiments.sound_localisation.params import SoundLocalisationParams

CHUNK = 256


@dataclass
class IPDData:
    spikes: np.ndarray     # (n, steps, 2 * anf_per_ear) bool
    ipd: np.ndarray        # (n,) radians
    labels: np.ndarray     # (n,) class index

    def __len__(self) -> int:
        return len(self.labels)


def ipd_labels(ipd: np.ndarray, num_classes: int) -> np.ndarray:
    bins = np.floor((ipd + np.pi / 2) / (np.pi / num_classes)).astype(np.int64)
    return np.clip(bins, 0, num_classes - 1)


def class_centres(num_classes: int) -> np.ndarray:
    """The IPD (radians) at the centre of each class."""
    width = np.pi / num_classes
    return -np.pi / 2 + width * (np.arange(num_classes) + 0.5)


def make_ipd_data(n: int, p: SoundLocalisationParams, rng: np.random.Generator) -> IPDData:
    """`n` stimuli drawn with `rng` (built in chunks to bound memory)."""
    ipd = rng.uniform(-np.pi / 2, np.pi / 2, n)
    spikes = np.empty((n, p.duration_steps, 2 * p.anf_per_ear), dtype=bool)
    times = np.arange(p.duration_steps) * p.dt_ms * 1e-3
    delays = np.linspace(0, np.pi / 2, p.anf_per_ear)
    scale = p.rate_max_hz * p.dt_ms * 1e-3
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        phi = 2 * np.pi * (p.freq_hz * times[None, :] + rng.random((stop - start, 1)))
        theta1 = phi[:, :, None] + delays[None, None, :]
        theta = np.concatenate([theta1, theta1 + ipd[start:stop, None, None]], axis=2)
        prob = (scale * (0.5 * (1 + np.sin(theta))) ** p.envelope_power).astype(np.float32)
        spikes[start:stop] = rng.random(prob.shape, dtype=np.float32) < prob
    return IPDData(spikes, ipd, ipd_labels(ipd, p.num_classes))
