"""The psychometric fit recovers known parameters and reports fits that cannot work."""
from __future__ import annotations

import numpy as np
import pytest

from neuro.experiments.multisensory.psychometric import fit_psychometric, proportions, psychometric

LEVELS = np.array([11, 11.5, 12, 12.5, 13, 13.5, 14, 14.5, 15, 15.5, 16])


@pytest.mark.parametrize("bias,threshold", [(13.5, 1.0), (12.8, 0.6), (14.2, 1.2)])
def test_recovers_bias_and_threshold_from_simulated_responses(bias: float, threshold: float) -> None:
    rng = np.random.default_rng(0)
    rates = np.repeat(LEVELS, 400)
    fast = rng.random(len(rates)) < psychometric(rates, bias, threshold, guess=0.02, lapse=0.03)
    fit = fit_psychometric(*proportions(rates, fast))
    assert fit.ok, fit.reason
    assert fit.bias == pytest.approx(bias, abs=0.12)
    assert fit.threshold == pytest.approx(threshold, rel=0.15)
    assert 0 <= fit.guess <= 0.1 and 0 <= fit.lapse <= 0.1


def test_proportions_count_per_level() -> None:
    levels, n_fast, n_total = proportions(np.array([11, 16, 11, 16, 16]), np.array([0, 1, 1, 1, 0]))
    assert levels.tolist() == [11, 16] and n_fast.tolist() == [1, 2] and n_total.tolist() == [2, 3]


def test_flat_responses_are_a_failed_fit() -> None:
    rng = np.random.default_rng(1)
    rates = np.repeat(LEVELS, 200)
    fit = fit_psychometric(*proportions(rates, rng.random(len(rates)) < 0.5))
    assert not fit.ok and "no discrimination" in fit.reason


def test_too_few_levels_is_a_failed_fit() -> None:
    fit = fit_psychometric(np.array([11.0, 16.0]), np.array([1.0, 9.0]), np.array([10.0, 10.0]))
    assert not fit.ok and "need at least 3" in fit.reason and np.isnan(fit.bias)


def test_a_bias_outside_the_tested_rates_is_a_failed_fit() -> None:
    rng = np.random.default_rng(2)
    rates = np.repeat(LEVELS, 200)
    fast = rng.random(len(rates)) < psychometric(rates, 9.0, 0.5, guess=0.0, lapse=0.05)   # "fast" almost always
    fit = fit_psychometric(*proportions(rates, fast))
    assert not fit.ok and ("outside the tested rates" in fit.reason or "bound" in fit.reason)
