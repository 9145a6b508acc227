"""Correlation metrics for population responses."""
from __future__ import annotations

import numpy as np

from neuro.utils.execution.correlation import pearson_per_column


def split_half_reliability(raw: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Per neuron, the Spearman-Brown corrected correlation between the means of odd and even repeats
    of raw (repeats, images, neurons): how well the averaged response predicts itself. With a mask
    (images, neurons), only the images the neuron saw count."""
    r = pearson_per_column(raw[0::2].mean(axis=0), raw[1::2].mean(axis=0), mask, constant=0.0)
    return np.where(r > 0, 2 * r / (1 + r), 0.0)


def noise_corrected(r: np.ndarray, reliability: np.ndarray) -> np.ndarray:
    """Correlation divided by the noise ceiling sqrt(reliability), per neuron (0 where unreliable)."""
    ceiling = np.sqrt(np.clip(reliability, 0.0, 1.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ceiling > 0, r / ceiling, 0.0)
