"""The metrics against cases whose answer is known: the true rate of Poisson neurons, noise, Schoppe's
signal power written out, and the CCmax the true rate gives."""
from __future__ import annotations

import numpy as np
import pytest

from neuro.experiments.auditory_strf.metrics import cc_max, cc_noise_corrected, cc_norm, cc_raw, signal_power
from neuro.experiments.auditory_strf.synthetic import SyntheticSpec, simulate, true_cc_max

REPLICATES = 12


@pytest.fixture(scope="module")
def rates() -> np.ndarray:
    """The true rates (4 sounds, 16 neurons, 600 bins) of synthetic neurons."""
    return simulate(SyntheticSpec(seed=5, neurons=16, sounds=6, bins=600, bands=20, repeats=2)).rates[:4]


def _draws(rates: np.ndarray, seed: int, repeats: int = 20) -> list[np.ndarray]:
    """Independent Poisson repeat sets of the same rates, (sounds, repeats, neurons, bins) each."""
    rng = np.random.default_rng(seed)
    return [rng.poisson(rates[:, None], size=(len(rates), repeats, *rates.shape[1:])).astype(np.float32)
            for _ in range(REPLICATES)]


def _mean_and_error(values: list[np.ndarray]) -> tuple[float, float]:
    """The grand mean over replicates and its standard error (from the spread of the replicate means)."""
    means = np.array([np.nanmean(v) for v in values])
    return float(means.mean()), float(means.std(ddof=1) / np.sqrt(len(means)))


def test_ccnorm_of_the_true_rate_is_one_within_its_sampling_error(rates: np.ndarray) -> None:
    mean, error = _mean_and_error([cc_norm(rates, draw) for draw in _draws(rates, 1)])
    assert abs(mean - 1) < 3 * error + 0.005, (mean, error)
    assert mean > cc_raw(rates, _draws(rates, 1)[0]).mean() + 0.1   # raw CC is held down by the noise


def test_ccnorm_of_noise_is_zero_within_its_sampling_error(rates: np.ndarray) -> None:
    rng = np.random.default_rng(2)
    values = [cc_norm(rng.standard_normal(rates.shape), draw) for draw in _draws(rates, 3)]
    mean, error = _mean_and_error(values)
    assert abs(mean) < 3 * error + 0.005, (mean, error)


def test_signal_power_is_schoppes_formula() -> None:
    rng = np.random.default_rng(4)
    trials = rng.poisson(rng.uniform(0, 2, 300), size=(7, 300)).astype(float)
    n = len(trials)
    direct = (np.var(trials.sum(axis=0), ddof=1) - sum(np.var(r, ddof=1) for r in trials)) / (n * (n - 1))
    assert signal_power(trials) == pytest.approx(direct, rel=1e-12)
    psth_form = (n * trials.mean(axis=0).var(ddof=1) - trials.var(axis=1, ddof=1).mean()) / (n - 1)
    assert signal_power(trials) == pytest.approx(psth_form, rel=1e-12)


def test_split_half_ccmax_matches_the_known_ccmax(rates: np.ndarray) -> None:
    estimates = np.array([cc_max(draw) for draw in _draws(rates, 5)])
    known = true_cc_max(rates, 20)
    assert np.abs(estimates.mean(axis=0) - known).max() < 0.02
    assert np.abs(estimates[0] - known).mean() < 0.02


def test_noise_corrected_cc_of_the_true_rate_is_about_one(rates: np.ndarray) -> None:
    mean, error = _mean_and_error([cc_noise_corrected(rates, draw) for draw in _draws(rates, 6)])
    assert abs(mean - 1) < 3 * error + 0.01, (mean, error)


def test_missing_repeats_are_left_out() -> None:
    """A neuron with fewer repeats of a sound than another keeps NaN rows; its metrics use what it has."""
    rng = np.random.default_rng(7)
    rate = rng.uniform(0.1, 1.0, (2, 2, 200))
    counts = rng.poisson(rate[:, None], size=(2, 10, 2, 200)).astype(np.float32)
    counts[:, 6:, 1] = np.nan
    full = cc_max(counts[:, :6])
    assert np.allclose(cc_max(counts)[1], full[1]) and np.isfinite(cc_norm(rate, counts)).all()
