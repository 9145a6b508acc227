"""`neuro data make|check|show nif`: synthetic sets in the BRAINS format, and BRAINS folders checked
and drawn."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from neuro.utils.errors import NeuroError


def make(out: Annotated[Path, typer.Option(help="Folder to write, e.g. Data/nif_synthetic.")],
         images: Annotated[int, typer.Option(min=12, help="Letter images (BRAINS: 360).")] = 360,
         v1: Annotated[int, typer.Option("--v1", min=1, help="V1 voxels.")] = 800,
         v2: Annotated[int, typer.Option("--v2", min=1, help="V2 voxels.")] = 1500,
         snr: Annotated[float, typer.Option(min=0.01, help="The median voxel's signal-to-noise ratio.")] = 1.0,
         stimuli: Annotated[Path | None, typer.Option(help="A .mat with `stim` (images, 56, 56) to use instead of "
                                                         "letters, e.g. the genuine BRAINS stim.mat.")] = None,
         v73: Annotated[bool, typer.Option("--v73", help="Write MATLAB v7.3 (HDF5) files.")] = False,
         seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same files.")] = 0) -> None:
    """Write a synthetic data set in the BRAINS format (stim.mat, bold.mat) from a known NIF model, with
    the true spatial fields and channel weights beside it (ground_truth.npz)."""
    from neuro.experiments.nif.data import read_mat, write_synthetic
    from neuro.experiments.nif.synthetic import SyntheticSpec
    if out.exists():
        raise NeuroError(f"{out}: exists; delete it first, or choose another --out")
    given = None
    if stimuli is not None:
        content = read_mat(stimuli)
        if "stim" not in content or content["stim"].ndim != 3 or content["stim"].shape[1:] != (56, 56):
            raise NeuroError(f"{stimuli}: stim: missing or not (images, 56, 56); expected BRAINS stimuli")
        given = content["stim"]
    spec = SyntheticSpec(seed=seed, images=len(given) if given is not None else images, v1=v1, v2=v2, snr=snr)
    summary = write_synthetic(out, spec, given, v73)
    print(f"wrote {out}: {spec.images} images ({summary['stimuli']}), {v1} V1 and {v2} V2 voxels (BRAINS format"
          f"{', v7.3' if v73 else ''}); the truth's median r: V1 {summary['median_r_of_the_truth']['V1']:.2f}, "
          f"V2 {summary['median_r_of_the_truth']['V2']:.2f} (ground_truth.json)")


def check(folder: Annotated[Path, typer.Argument(metavar="DIR", help="A BRAINS folder: stim.mat and bold.mat "
                                                 "(classic or v7.3 .mat files).")]) -> None:
    """Validate a BRAINS folder and say what it holds."""
    import numpy as np

    from neuro.experiments.nif.data import load
    data = load(folder)
    print(f"{folder}: ok: {data.shape}")
    for area, values in data.voxels.items():
        print(f"  {area}: per-voxel mean {np.abs(values.mean(axis=0)).max():.2g} at most from 0, "
              f"sd {values.std(axis=0).min():.2g}-{values.std(axis=0).max():.2g}")


def show(folder: Annotated[Path, typer.Argument(metavar="DIR", help="A BRAINS folder.")],
         image: Annotated[int, typer.Option(min=0, help="Which image.")] = 0,
         out: Annotated[Path | None, typer.Option(help="PNG to write (default: next to the folder).")] = None) -> None:
    """Draw a stimulus and (synthetic data) a few true spatial fields over it."""
    import numpy as np

    from neuro.experiments.nif.data import load
    from neuro.experiments.nif.plots import save_stimulus
    data = load(folder)
    if image >= len(data.images):
        raise NeuroError(f"{folder}: --image {image} is out of range; the folder has images 0..{len(data.images) - 1}")
    truth = folder / "ground_truth.npz"
    fields = None
    if truth.exists():
        v1 = np.load(truth)["fields_V1"]
        fields = np.kron(v1[:: max(1, len(v1) // 4)][:4], np.ones((2, 2)))        # 28x28 -> image pixels
    out = out or folder.with_name(f"{folder.name}_image{image}.png")
    save_stimulus(data.images[image], fields, out, f"{folder.name}: image {image}")
    print(f"wrote {out}")
