"""Pictures of fitted models: the first layer's filters."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from neuro.utils.reporting.plots import pyplot


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


def save_neuron(images: np.ndarray, responses: np.ndarray, repeats: np.ndarray | None, neuron: int, path: Path,
                title: str = "") -> Path:
    """The validation images a neuron answers most, with its mean response to each (and every repeat)."""
    from neuro.utils.reporting.plots import save_figure
    plt = pyplot()
    order = np.argsort(responses[:, neuron])[::-1][:8]
    side = int(round(np.sqrt(images.shape[1])))
    figure, axes = plt.subplots(2, len(order), figsize=(1.4 * len(order), 3.2),
                                gridspec_kw={"height_ratios": [1, 1.3]})
    for column, image in enumerate(order):
        axes[0][column].imshow(images[image].reshape(side, side), cmap="gray")
        axes[0][column].set_axis_off()
        axes[0][column].set_title(f"image {image}", fontsize="x-small")
        axis = axes[1][column]
        axis.bar([0], [responses[image, neuron]], color="tab:blue")
        if repeats is not None:
            axis.plot(np.zeros(len(repeats)), repeats[:, image, neuron], "k.", markersize=3)
        axis.set_xticks([])
        axis.set_ylim(0, max(float(responses[:, neuron].max()), 1e-9) * 1.3)
        if column:
            axis.set_yticklabels([])
    axes[1][0].set_ylabel("response")
    figure.suptitle(title or f"neuron {neuron}: its 8 strongest validation images", fontsize="small")
    return save_figure(figure, path)
