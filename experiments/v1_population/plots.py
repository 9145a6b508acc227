"""Pictures of fitted models: the first layer's filters."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from utils.plots import pyplot


def filter_grid(filters: np.ndarray, columns: int = 5) -> np.ndarray:
    """(filters, side*side) -> one grayscale image (H, W) in [0, 1], each filter scaled to its own range."""
    side = math.isqrt(filters.shape[1])
    columns = min(columns, len(filters))
    rows = -(-len(filters) // columns)
    grid = np.ones((rows * (side + 1) - 1, columns * (side + 1) - 1), np.float32)
    for i, f in enumerate(filters):
        image = f.reshape(side, side)
        span = np.abs(image).max() or 1.0
        r, c = divmod(i, columns)
        grid[r * (side + 1):r * (side + 1) + side, c * (side + 1):c * (side + 1) + side] = 0.5 + 0.5 * image / span
    return grid


def save_filters(filters: np.ndarray, path: Path, writer=None, columns: int = 10) -> None:
    """The first layer's filters as a PNG (mid-grey zero, white excitatory, black inhibitory) and a
    TensorBoard image `filters/first_layer`."""
    plt = pyplot()

    grid = filter_grid(filters, columns)
    scale = max(1, 124 // math.isqrt(filters.shape[1]))             # about 124 px per filter
    plt.imsave(path, np.kron(grid, np.ones((scale, scale))), cmap="gray", vmin=0, vmax=1)
    if writer is not None:
        writer.add_image("filters/first_layer", grid[None], 0)
