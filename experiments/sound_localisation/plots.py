"""Figures for TensorBoard."""
from __future__ import annotations

import numpy as np

from neuro.utils.reporting.plots import pyplot


def confusion_figure(confusion: np.ndarray):
    """True class (rows) against predicted class, each row normalised; axes in IPD degrees."""
    plt = pyplot()

    n = confusion.shape[0]
    normalised = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    edges = np.linspace(-90, 90, n + 1)
    figure, axes = plt.subplots(figsize=(4.5, 4))
    image = axes.imshow(normalised, origin="lower", extent=(edges[0], edges[-1], edges[0], edges[-1]),
                        vmin=0, vmax=1, cmap="viridis")
    axes.set_xlabel("estimated IPD (deg)")
    axes.set_ylabel("true IPD (deg)")
    figure.colorbar(image, ax=axes, label="fraction")
    figure.tight_layout()
    return figure
