"""The IPD stimulus: labels, firing probability, reproducibility."""
from __future__ import annotations

import numpy as np

from neuro.experiments.sound_localisation.data import class_centres, ipd_labels, make_ipd_data
from neuro.experiments.sound_localisation.params import SoundLocalisationParams


def test_labels_are_12_bins_of_15_degrees() -> None:
    ipd = np.radians(np.array([-90.0, -75.1, -74.9, 0.1, 89.99]))
    assert ipd_labels(ipd, 12).tolist() == [0, 0, 1, 6, 11]
    assert np.allclose(np.degrees(class_centres(12))[[0, 6, 11]], [-82.5, 7.5, 82.5])


def test_spike_probability_and_phase_locking() -> None:
    p = SoundLocalisationParams()
    data = make_ipd_data(512, p, np.random.default_rng(0))
    assert data.spikes.shape == (512, 100, 200)
    # E[0.6 (0.5 (1 + sin))^2] = 0.6 * 3/8
    assert abs(data.spikes.mean() - 0.225) < 0.003
    # ear 2 lags ear 1 by the IPD: fibre i of ear 2 matches the ear-1 fibre with delay_i + IPD
    near_zero = np.abs(data.ipd) < 0.05
    same = (data.spikes[near_zero, :, :100] == data.spikes[near_zero, :, 100:]).mean()
    assert data.spikes[near_zero, :, :100].mean() > 0.2 and same > 0.7
    assert np.array_equal(data.labels, ipd_labels(data.ipd, 12))


def test_same_seed_same_data() -> None:
    p = SoundLocalisationParams(anf_per_ear=10, duration_steps=20)
    a, b = (make_ipd_data(300, p, np.random.default_rng(5)) for _ in range(2))
    c = make_ipd_data(300, p, np.random.default_rng(6))
    assert np.array_equal(a.spikes, b.spikes) and not np.array_equal(a.spikes, c.spikes)
