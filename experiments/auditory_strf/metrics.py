"""How well a prediction follows a neuron's response, and how well any prediction could.

Responses are, per sound, arrays (repeats, neurons, time) of spike counts, NaN where a neuron has fewer
repeats of the sound than the most any neuron has (a list, or one array when every sound has as many
repeats); predictions are (sounds, neurons, time). Every metric
is per neuron, over the sounds' time bins together: the sounds are concatenated, for the prediction,
the PSTH and the repeats alike (with the fewest repeats any of the sounds has). Signal power and CCmax
computed sound by sound and then averaged would leave out the variance between the sounds' mean rates
that Var(prediction) and Cov include, and push CCnorm above 1 for a perfect prediction.
"""
from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence

import numpy as np

from neuro.utils.execution.correlation import pearson

HALF_SPLITS = 126       # the most split halves CCmax averages over (all of them for 10 repeats: C(10,5) / 2)


def psth(responses: Sequence[np.ndarray]) -> np.ndarray:
    """The trial mean (sounds, neurons, time), ignoring missing repeats."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # a neuron without any repeat of a sound: NaN
        return np.stack([np.nanmean(r, axis=0) for r in responses])


def cc_raw(prediction: np.ndarray, responses: Sequence[np.ndarray]) -> np.ndarray:
    """Per neuron: Pearson's r between the prediction and the trial-mean PSTH."""
    target = psth(responses)
    return np.array([pearson(_series(prediction, n), _series(target, n)) for n in range(prediction.shape[1])])


def trials_of(responses: Sequence[np.ndarray], sound: int, neuron: int) -> np.ndarray:
    """One neuron's recorded repeats of one sound (repeats, time)."""
    trials = responses[sound][:, neuron]
    return trials[~np.isnan(trials).any(axis=1)]


def concatenated_trials(responses: Sequence[np.ndarray], neuron: int) -> np.ndarray:
    """One neuron's repeats over the sounds in turn (repeats, sounds x time), keeping as many repeats
    as every sound has."""
    per_sound = [trials_of(responses, s, neuron) for s in range(len(responses))]
    repeats = min(len(t) for t in per_sound)
    return np.concatenate([t[:repeats] for t in per_sound], axis=1)


def signal_power(trials: np.ndarray) -> float:
    """Schoppe et al. 2016: SP = (Var(sum_n R_n) - sum_n Var(R_n)) / (N (N - 1)), N repeats."""
    n = len(trials)
    if n < 2:
        return float("nan")
    return float((trials.sum(axis=0).var(ddof=1) - trials.var(axis=1, ddof=1).sum()) / (n * (n - 1)))


def cc_norm(prediction: np.ndarray, responses: Sequence[np.ndarray]) -> np.ndarray:
    """Per neuron: Cov(y, yhat) / sqrt(SP * Var(yhat)), y the PSTH, SP the signal power of the repeats.
    NaN for a neuron without two repeats of every sound, or without signal."""
    target = psth(responses)
    out = []
    for n in range(prediction.shape[1]):
        sp = signal_power(concatenated_trials(responses, n))
        y, yhat = _series(target, n), _series(prediction, n)
        variance = yhat.var(ddof=1)
        if not np.isfinite(sp) or sp <= 0 or variance < 1e-12:
            out.append(np.nan)
            continue
        covariance = ((y - y.mean()) * (yhat - yhat.mean())).sum() / (len(y) - 1)
        out.append(covariance / np.sqrt(sp * variance))
    return np.array(out)


def cc_half(trials: np.ndarray, splits: int = HALF_SPLITS) -> float:
    """The mean correlation between the PSTHs of two halves of the repeats, over up to `splits` splits
    (an odd repeat is left out)."""
    usable = len(trials) - len(trials) % 2
    if usable < 2:
        return float("nan")
    count = min(math.comb(usable, usable // 2) // 2, splits)
    halves = itertools.islice(itertools.combinations(range(usable), usable // 2), count)
    first = np.zeros((count, usable))
    for i, half in enumerate(halves):
        first[i, list(half)] = 2 / usable
    second = 2 / usable - first                 # each split's complement
    a, b = first @ trials[:usable], second @ trials[:usable]          # (splits, time) half PSTHs
    a, b = a - a.mean(axis=1, keepdims=True), b - b.mean(axis=1, keepdims=True)
    denominator = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(denominator > 1e-12, (a * b).sum(axis=1) / denominator, np.nan)
    return float(np.nanmean(values)) if not np.isnan(values).all() else float("nan")


def cc_max(responses: Sequence[np.ndarray], splits: int = HALF_SPLITS) -> np.ndarray:
    """Per neuron (Hsu et al. 2004): CCmax = sqrt(2 / (1 + 1 / CC_half)); NaN when the halves do not
    correlate positively."""
    halves = np.array([cc_half(concatenated_trials(responses, n), splits) for n in range(responses[0].shape[1])])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(halves > 0, np.sqrt(2 / (1 + 1 / halves)), np.nan)


def cc_noise_corrected(prediction: np.ndarray, responses: Sequence[np.ndarray]) -> np.ndarray:
    """Per neuron (Pennington & David 2023): the mean over trials of CC(yhat, trial), divided by the
    square root of the mean correlation between pairs of trials."""
    out = []
    for n in range(prediction.shape[1]):
        trials = concatenated_trials(responses, n)
        if len(trials) < 2:
            out.append(np.nan)
            continue
        yhat = _series(prediction, n)
        to_trials = np.nanmean([pearson(yhat, trial) for trial in trials])
        between = np.nanmean([pearson(trials[i], trials[j]) for i, j in itertools.combinations(range(len(trials)), 2)])
        out.append(to_trials / np.sqrt(between) if between > 0 else np.nan)
    return np.array(out)


def _series(per_sound: np.ndarray, neuron: int) -> np.ndarray:
    """One neuron's (sounds, neurons, time) values as one series over the sounds in turn."""
    return per_sound[:, neuron, :].reshape(-1)
