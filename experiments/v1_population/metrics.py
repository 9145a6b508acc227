"""Correlation metrics for population responses."""
from __future__ import annotations

import numpy as np


def pearson_per_neuron(prediction: np.ndarray, target: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Pearson r between predicted and measured responses, per neuron (column); NaN (a constant
    column) counts as 0. With a mask, only the rows where the neuron was recorded count."""
    if mask is None:
        mask = np.ones_like(target)
    n = mask.sum(axis=0)
    safe = np.maximum(n, 1)
    p_mean = (prediction * mask).sum(axis=0) / safe
    t_mean = (target * mask).sum(axis=0) / safe
    p, t = (prediction - p_mean) * mask, (target - t_mean) * mask
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (p * t).sum(axis=0) / np.sqrt((p ** 2).sum(axis=0) * (t ** 2).sum(axis=0))
    return np.nan_to_num(r, nan=0.0, posinf=0.0, neginf=0.0)


def split_half_reliability(raw: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Per neuron, the Spearman-Brown corrected correlation between the means of odd and even repeats
    of raw (repeats, images, neurons): how well the averaged response predicts itself. With a mask
    (images, neurons), only the images the neuron saw count."""
    r = pearson_per_neuron(raw[0::2].mean(axis=0), raw[1::2].mean(axis=0), mask)
    return np.where(r > 0, 2 * r / (1 + r), 0.0)


def noise_corrected(r: np.ndarray, reliability: np.ndarray) -> np.ndarray:
    """Correlation divided by the noise ceiling sqrt(reliability), per neuron (0 where unreliable)."""
    ceiling = np.sqrt(np.clip(reliability, 0.0, 1.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ceiling > 0, r / ceiling, 0.0)
