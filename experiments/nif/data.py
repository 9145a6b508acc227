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

from neuro.utils.errors import NeuroError

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


# ----- which data a run reads, and synthetic sets -----

SYNTHETIC = "nif_synthetic"


def planned_folder(p, data_dir: Path) -> tuple[Path, str]:
    """The folder a run reads and its kind: brains, or synthetic (written on first use)."""
    kind = p.dataset if p.dataset != "auto" else ("brains" if (data_dir / (p.data_path or "brains")).is_dir()
                                                  else "synthetic")
    if kind == "brains":
        return data_dir / (p.data_path or "brains"), kind
    name = (f"{SYNTHETIC}_n{p.synthetic_images}_v1_{p.synthetic_v1}_v2_{p.synthetic_v2}_snr{p.synthetic_snr:g}"
            f"_seed{p.data_seed}")
    return data_dir / (p.data_path or name), kind


def load_for(p, data_dir: Path) -> BrainsData:
    from neuro.experiments.nif.synthetic import SyntheticSpec
    from neuro.utils.atomic import create_once
    folder, kind = planned_folder(p, data_dir)
    if kind == "synthetic" and not folder.exists():
        spec = SyntheticSpec(seed=p.data_seed, images=p.synthetic_images, v1=p.synthetic_v1, v2=p.synthetic_v2,
                             snr=p.synthetic_snr)
        create_once(folder, lambda out: write_synthetic(out, spec))
    return load(folder, AREAS if p.areas == "both" else (p.areas,))


def write_synthetic(out: Path, spec, images: np.ndarray | None = None, v73: bool = False) -> dict:
    """A synthetic set in the BRAINS format (stimuli `images` when given), with ground_truth.npz (the
    true fields, centres, sizes, channel weights, convolutions and noiseless responses) beside it."""
    import json
    from dataclasses import asdict

    from neuro.experiments.nif.synthetic import simulate
    stimuli, voxels, truth = simulate(spec, images)
    out.mkdir(parents=True, exist_ok=True)
    write_mat(out / STIMULI, {"stim": stimuli}, v73)
    write_mat(out / RESPONSES, voxels, v73)
    arrays = {"conv1": truth.conv1, "bias1": truth.bias1, "conv2": truth.conv2, "bias2": truth.bias2}
    for area in voxels:
        arrays |= {f"{name}_{area}": getattr(truth, name)[area] for name in ("centres", "sizes", "fields", "channels",
                                                                             "signal")}
    np.savez(out / "ground_truth.npz", **arrays)
    ceiling = {area: float(np.median([np.corrcoef(voxels[area][:, v], truth.signal[area][:, v])[0, 1]
                                      for v in range(voxels[area].shape[1])])) for area in voxels}
    summary = {**asdict(spec), "stimuli": "given" if images is not None else "letters",
               "median_r_of_the_truth": ceiling}
    (out / "ground_truth.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
