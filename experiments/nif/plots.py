"""Pictures of NIF fits and data: voxels' spatial fields in image orientation, the first layer's
filters, a map of the fields' centres and sizes, a stimulus with true fields."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from neuro.experiments.nif.data import SIDE
from neuro.utils.reporting.plots import pyplot, save_figure


def save_epoch_figure(fields: dict[str, np.ndarray], filters: np.ndarray, path: Path, writer=None,
                      epoch: int = 0) -> Path:
    """The fields of the best-predicted voxels per area (rows = image rows, extent = the image) and the
    3x3 filters of the first layer; also as TensorBoard figure `fields`."""
    plt = pyplot()
    columns = max(len(filters), *(len(f) for f in fields.values()))
    figure, axes = plt.subplots(len(fields) + 1, columns, figsize=(1.4 * columns, 1.5 * (len(fields) + 1)),
                                squeeze=False)
    for row, (area, shown) in enumerate(fields.items()):
        for column, axis in enumerate(axes[row]):
            axis.axis("off")
            if column < len(shown):
                axis.imshow(shown[column], cmap="magma", extent=(0, SIDE, SIDE, 0))
        axes[row][0].set_title(f"{area}: best-predicted voxels' fields", loc="left", fontsize=8)
    span = np.abs(filters).max() or 1.0
    for column, axis in enumerate(axes[-1]):
        axis.axis("off")
        if column < len(filters):
            axis.imshow(filters[column], cmap="RdBu_r", vmin=-span, vmax=span)
    axes[-1][0].set_title("first-layer filters", loc="left", fontsize=8)
    figure.suptitle(f"epoch {epoch}", fontsize=9)
    if writer is not None:
        writer.add_figure("fields", figure, epoch, close=False)
    return save_figure(figure, path)


def save_centre_map(centres: np.ndarray, sizes: np.ndarray, r: np.ndarray, area: str, path: Path, writer=None) -> Path:
    """Every voxel's field centre on the image (circles of its size), coloured by its test r."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(5, 4.6))
    points = axis.scatter(centres[:, 1], centres[:, 0], s=4 * sizes ** 2, c=np.nan_to_num(r), cmap="viridis",
                          alpha=0.5, vmin=0, vmax=max(0.5, float(np.nanmax(r, initial=0))))
    axis.set_xlim(0, SIDE)
    axis.set_ylim(SIDE, 0)
    axis.set_aspect("equal")
    axis.set_xlabel("image column (pixels)")
    axis.set_ylabel("image row (pixels)")
    axis.set_title(f"{area}: field centres and sizes ({len(centres)} voxels)")
    figure.colorbar(points, label="test r")
    if writer is not None:
        writer.add_figure(f"centres/{area}", figure, close=False)
    return save_figure(figure, path)


def save_stimulus(image: np.ndarray, fields: np.ndarray | None, path: Path, title: str) -> Path:
    """A stimulus and (synthetic data) a few true spatial fields over it."""
    plt = pyplot()
    count = 1 + (len(fields) if fields is not None else 0)
    figure, axes = plt.subplots(1, count, figsize=(2.6 * count, 2.8), squeeze=False)
    axes[0][0].imshow(image, cmap="gray", extent=(0, SIDE, SIDE, 0))
    axes[0][0].set_title(title, fontsize=8)
    for axis, field in zip(axes[0][1:], fields if fields is not None else []):
        axis.imshow(image, cmap="gray", extent=(0, SIDE, SIDE, 0))
        axis.imshow(field, cmap="magma", alpha=0.6, extent=(0, SIDE, SIDE, 0))
        axis.set_title("a true field", fontsize=8)
    for axis in axes[0]:
        axis.axis("off")
    return save_figure(figure, path)
