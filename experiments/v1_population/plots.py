"""Pictures of fitted models: the first layer's filters."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments.v1_population.data import IMAGE_SIDE


def filter_grid(filters: np.ndarray, columns: int = 5, side: int = IMAGE_SIDE) -> np.ndarray:
    """(filters, side*side) -> one grayscale image (H, W) in [0, 1], each filter scaled to its own range."""
    rows = -(-len(filters) // columns)
    grid = np.ones((rows * (side + 1) - 1, columns * (side + 1) - 1), np.float32)
    for i, f in enumerate(filters):
        image = f.reshape(side, side)
        span = np.abs(image).max() or 1.0
        r, c = divmod(i, columns)
        grid[r * (side + 1):r * (side + 1) + side, c * (side + 1):c * (side + 1) + side] = 0.5 + 0.5 * image / span
    return grid


def save_filters(filters: np.ndarray, path: Path, writer=None) -> None:
    """The filters as a PNG (mid-grey zero, white excitatory, black inhibitory) and a TensorBoard image."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = filter_grid(filters)
    plt.imsave(path, np.kron(grid, np.ones((4, 4))), cmap="gray", vmin=0, vmax=1)
    if writer is not None:
        writer.add_image("filters/dog", grid[None], 0)
