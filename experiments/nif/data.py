"""The BRAINS format (Schoenmakers et al. 2013, as basicNIF reads it), one folder:

    stim.mat   `stim` (images, 56, 56) uint8 0..255: handwritten B, R, A, I, N, S
    bold.mat   `V1` (images, V1 voxels) and `V2` (images, V2 voxels), each voxel z-scored

Both MATLAB kinds are read: classic .mat (scipy.io) and v7.3 (HDF5, through h5py; MATLAB stores its
arrays column-major, so they come out transposed and are turned back).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from utils.errors import NeuroError

STIMULI = "stim.mat"
RESPONSES = "bold.mat"
AREAS = ("V1", "V2")
SIDE = 56
V73_HEADER = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created by: neuro. HDF5 schema 1.00 ."


@dataclass
class BrainsData:
    images: np.ndarray                 # (n, 56, 56) float32 in [0, 1]
    voxels: dict[str, np.ndarray]      # area -> (n, voxels) float32

    @property
    def shape(self) -> str:
        areas = ", ".join(f"{len(v.T)} {area} voxels" for area, v in self.voxels.items())
        return f"{len(self.images)} images of {SIDE}x{SIDE}, {areas}"


def read_mat(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a .mat file of either kind, in MATLAB's own index order."""
    import scipy.io
    from scipy.io.matlab import MatReadError
    if not path.is_file():
        raise NeuroError(f"{path}: file: missing; a BRAINS folder holds {STIMULI} and {RESPONSES}")
    try:
        return {k: v for k, v in scipy.io.loadmat(path).items() if not k.startswith("__")}
    except NotImplementedError:                                # v7.3: an HDF5 file
        return _read_hdf5(path)
    except (MatReadError, ValueError, TypeError, OSError) as err:
        raise NeuroError(f"{path}: file: not a readable .mat ({err}); expected a MATLAB file") from None


def _read_hdf5(path: Path) -> dict[str, np.ndarray]:
    import h5py
    with h5py.File(path, "r") as f:
        return {name: np.asarray(f[name]).T for name in f if isinstance(f[name], h5py.Dataset)}


def write_mat(path: Path, arrays: dict[str, np.ndarray], v73: bool = False) -> None:
    """A .mat file: classic (scipy.io), or v7.3 as MATLAB writes it (HDF5 after a 512-byte header,
    arrays stored transposed)."""
    if not v73:
        import scipy.io
        scipy.io.savemat(path, arrays, do_compression=True)
        return
    import h5py
    with h5py.File(path, "w", userblock_size=512) as f:
        for name, array in arrays.items():
            dataset = f.create_dataset(name, data=np.ascontiguousarray(array.T))
            dataset.attrs["MATLAB_class"] = np.bytes_({"uint8": "uint8"}.get(array.dtype.name, "double"))
    with open(path, "r+b") as f:
        f.write(V73_HEADER.ljust(116) + b"\x00" * 8 + b"\x00\x02IM")


def load(folder: Path, areas: tuple[str, ...] = AREAS) -> BrainsData:
    """Images and the voxels of `areas`; every problem is one line naming the file and the key."""
    stimuli = read_mat(folder / STIMULI)
    if "stim" not in stimuli:
        raise _missing(folder / STIMULI, "stim", stimuli, f"(images, {SIDE}, {SIDE}) uint8")
    images = stimuli["stim"]
    if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
        raise NeuroError(f"{folder / STIMULI}: stim: shape {images.shape}; expected (images, {SIDE}, {SIDE})")
    responses = read_mat(folder / RESPONSES)
    voxels = {}
    for area in areas:
        if area not in responses:
            raise _missing(folder / RESPONSES, area, responses, f"(images, voxels) for each of {', '.join(areas)}")
        values = np.asarray(responses[area], dtype=np.float32)
        if values.ndim != 2 or values.shape[0] != len(images):
            raise NeuroError(f"{folder / RESPONSES}: {area}: shape {values.shape}; expected ({len(images)}, voxels), "
                             f"one row per image of {STIMULI}")
        if not np.isfinite(values).all():
            raise NeuroError(f"{folder / RESPONSES}: {area}: {int((~np.isfinite(values)).sum())} values are NaN or "
                             "infinite; remove those voxels")
        voxels[area] = values
    scale = 255.0 if images.dtype == np.uint8 or images.max() > 1 else 1.0
    return BrainsData((images / scale).astype(np.float32), voxels)


def _missing(path: Path, key: str, found: dict, expected: str) -> NeuroError:
    names = ", ".join(found) or "nothing"
    return NeuroError(f"{path}: {key}: missing (found {names}); expected {key}: {expected}")
