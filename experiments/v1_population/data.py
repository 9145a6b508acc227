"""The published data format (Antolik et al. 2016, PLoS Comput Biol, supplement 1), one folder per region:

    training_inputs.npy      (n_train, 961)   31x31 grayscale images, one per row
    training_set.npy         (n_train, n)     responses of n neurons
    validation_inputs.npy    (n_val, 961)     n_val = 50 in the published regions
    validation_set.npy       (n_val, n)       responses averaged over repeats
    raw_validation_set.npy   (repeats, n_val, n)   single-trial responses (optional)

Region 1: 1800 images, 103 neurons; region 2: 1260, 55; region 3: 1800, 102. A fit reads the published
regions from Data/region<k> when they are there, else synthetic stand-ins of the same sizes written on
first use into Data/synthetic_v1/region<k>.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from neuro.experiments.v1_population.params import IMAGE_SIDE
from neuro.experiments.v1_population.synthetic import SyntheticSpec, simulate
from neuro.utils.atomic import create_once
from neuro.utils.errors import NeuroError

FILES = ("training_inputs.npy", "training_set.npy", "validation_inputs.npy", "validation_set.npy")
RAW = "raw_validation_set.npy"


@dataclass
class V1Data:
    train_x: np.ndarray            # (n_train, 961) float32
    train_y: np.ndarray            # (n_train, n) float32
    val_x: np.ndarray              # (n_val, 961)
    val_y: np.ndarray              # (n_val, n), mean over repeats
    raw_val: np.ndarray | None     # (repeats, n_val, n) or None
    train_mask: np.ndarray         # (n_train, n) 1 where the neuron saw the image (multi-region fits)
    val_mask: np.ndarray           # (n_val, n)

    @property
    def neurons(self) -> int:
        return self.train_y.shape[1]


def load_region(folder: Path) -> V1Data:
    """Read and check one region's folder; every problem is a NeuroError naming the file and the fix."""
    arrays = {name: _load(folder, name) for name in FILES}
    raw = _load(folder, RAW) if (folder / RAW).exists() else None
    train_x, train_y = arrays["training_inputs.npy"], arrays["training_set.npy"]
    val_x, val_y = arrays["validation_inputs.npy"], arrays["validation_set.npy"]
    _expect(folder, "training_inputs.npy", train_x, 2, IMAGE_SIDE ** 2, "31x31 = 961 pixels per row")
    _expect(folder, "validation_inputs.npy", val_x, 2, IMAGE_SIDE ** 2, "31x31 = 961 pixels per row")
    _expect(folder, "training_set.npy", train_y, 2, None, "one row per training image")
    _expect(folder, "validation_set.npy", val_y, 2, train_y.shape[1], "as many neurons as training_set.npy")
    if train_y.shape[0] != train_x.shape[0]:
        raise _error(folder, "training_set.npy", f"{train_y.shape[0]} rows but {train_x.shape[0]} training images",
                     "give one response row per row of training_inputs.npy")
    if val_y.shape[0] != val_x.shape[0]:
        raise _error(folder, "validation_set.npy", f"{val_y.shape[0]} rows but {val_x.shape[0]} validation images",
                     "give one response row per row of validation_inputs.npy")
    if raw is not None and (raw.ndim != 3 or raw.shape[1:] != val_y.shape):
        raise _error(folder, RAW, f"shape {raw.shape}, expected (repeats, {val_y.shape[0]}, {val_y.shape[1]})",
                     "store single trials as (repeats, validation images, neurons)")
    return V1Data(train_x, train_y, val_x, val_y, raw, np.ones_like(train_y), np.ones_like(val_y))


def combine_regions(regions: list[V1Data]) -> V1Data:
    """One data set from several regions: images stacked, outputs block-diagonal with a mask saying
    which neuron was recorded for which image (the loss and the metric use only those)."""
    if len(regions) == 1:
        return regions[0]
    train_y, train_mask = _block([r.train_y for r in regions])
    val_y, val_mask = _block([r.val_y for r in regions])
    raw = None                     # single trials combine when every region has the same number of repeats
    repeats = {r.raw_val.shape[0] if r.raw_val is not None else None for r in regions}
    if len(repeats) == 1 and None not in repeats:
        raw = np.stack([_block([r.raw_val[k] for r in regions])[0] for k in range(repeats.pop())])
    return V1Data(np.concatenate([r.train_x for r in regions]), train_y, np.concatenate([r.val_x for r in regions]),
                  val_y, raw, train_mask, val_mask)


# The published regions' sizes: (training images, neurons).
REGION_SIZES = {1: (1800, 103), 2: (1260, 55), 3: (1800, 102)}
SYNTHETIC = "synthetic_v1"       # Data/<this>/region<k>: synthetic stand-ins for the published regions


def planned_folder(data_dir: Path, region: int, dataset: str) -> Path:
    """Data/region<k> for published data (`auto`: when it is there), else Data/synthetic_v1/region<k>."""
    published = data_dir / f"region{region}"
    if dataset == "published" or (dataset == "auto" and published.is_dir()):
        return published
    return data_dir / SYNTHETIC / f"region{region}"


def region_folder(data_dir: Path, region: int, dataset: str) -> Path:
    """planned_folder, with a synthetic region written on first use."""
    folder = planned_folder(data_dir, region, dataset)
    if folder.parent == data_dir / SYNTHETIC and not folder.is_dir():
        if region not in REGION_SIZES:
            raise NeuroError(f"region {region}: no published region has that number; use 1, 2 or 3")
        images, neurons = REGION_SIZES[region]
        spec = SyntheticSpec(seed=region, neurons=neurons, images=images)
        create_once(folder, lambda out: make_synthetic(out, spec))  # runs starting together write it once
    return folder


def load_data(folders: list[Path]) -> V1Data:
    """The regions in `folders` (see region_folder) as one data set."""
    return combine_regions([load_region(folder) for folder in folders])


def make_synthetic(out: Path, spec: SyntheticSpec) -> dict:
    """Write a simulated region in the published format, with ground_truth.npz and .json beside it."""
    made = simulate(spec)
    out.mkdir(parents=True, exist_ok=True)
    arrays = {"training_inputs.npy": made.train_x, "training_set.npy": made.train_y,
              "validation_inputs.npy": made.val_x, "validation_set.npy": made.raw_val.mean(axis=0), RAW: made.raw_val}
    for name, array in arrays.items():
        np.save(out / name, array)
    np.savez(out / "ground_truth.npz", **asdict(made.truth))
    (out / "ground_truth.json").write_text(json.dumps(made.summary, indent=2) + "\n")
    return made.summary


def _block(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = sum(p.shape[0] for p in parts), sum(p.shape[1] for p in parts)
    values, mask = np.zeros((rows, cols), np.float32), np.zeros((rows, cols), np.float32)
    r = c = 0
    for part in parts:
        values[r:r + part.shape[0], c:c + part.shape[1]] = part
        mask[r:r + part.shape[0], c:c + part.shape[1]] = 1.0
        r, c = r + part.shape[0], c + part.shape[1]
    return values, mask


def _load(folder: Path, name: str) -> np.ndarray:
    path = folder / name
    if not folder.is_dir():
        raise NeuroError(f"{folder}: no such data folder; put the published files there, or write synthetic "
                         f"ones with `neuro data make v1 --out {folder}`")
    if not path.exists():
        raise _error(folder, name, "missing", f"the folder needs {', '.join(FILES)}")
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as err:
        raise _error(folder, name, f"not a readable .npy array ({err})", "save it with numpy.save") from None
    if not np.issubdtype(array.dtype, np.number):
        raise _error(folder, name, f"dtype {array.dtype} is not numeric", "store numbers (float32)")
    if not np.isfinite(array).all():
        raise _error(folder, name, f"{int((~np.isfinite(array)).sum())} NaN or infinite values",
                     "replace or drop them before fitting")
    return array.astype(np.float32, copy=False)


def _expect(folder: Path, name: str, array: np.ndarray, ndim: int, columns: int | None, meaning: str) -> None:
    if array.ndim != ndim or (columns is not None and array.shape[1] != columns):
        want = f"(rows, {columns})" if columns is not None else "(rows, neurons)"
        raise _error(folder, name, f"shape {array.shape}, expected {want}", meaning)


def _error(folder: Path, name: str, problem: str, fix: str) -> NeuroError:
    return NeuroError(f"{folder / name}: {problem}; {fix}")
