"""Pearson's r per unit (neuron, voxel): the one correlation every family reports its fits with."""
from __future__ import annotations

import numpy as np


def pearson_per_column(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None,
                       constant: float = float("nan")) -> np.ndarray:
    """Pearson's r of each column of `a` with the same column of `b`; with a `mask` (0/1, same shape),
    only the rows where it is 1 count for that column. A column that is constant in either gives
    `constant` (NaN unless told otherwise)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    mask = np.ones_like(b) if mask is None else np.asarray(mask, dtype=float)
    rows = np.maximum(mask.sum(axis=0), 1)
    a = (a - (a * mask).sum(axis=0) / rows) * mask
    b = (b - (b * mask).sum(axis=0) / rows) * mask
    denominator = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 1e-12, (a * b).sum(axis=0) / denominator, constant)


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's r of two series (NaN when either is constant)."""
    return float(pearson_per_column(np.ravel(x)[:, None], np.ravel(y)[:, None])[0])
