"""`neuro data make|check|show v1`: the published V1 format's synthetic generator, checker and viewer."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from neuro.utils.errors import NeuroError


def make(out: Annotated[Path, typer.Option(help="Folder to write, e.g. Data/synthetic_region1.")],
         seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same files.")] = 0,
         neurons: Annotated[int, typer.Option(min=1, help="Recorded neurons.")] = 103,
         images: Annotated[int, typer.Option(min=10, help="Training images.")] = 1800,
         repeats: Annotated[int, typer.Option(min=2, help="Repeats of each validation image.")] = 8) -> None:
    """Write a synthetic data set from a known ground-truth model, in the published file format."""
    from neuro.experiments.v1_population.data import make_synthetic
    from neuro.experiments.v1_population.synthetic import SyntheticSpec
    summary = make_synthetic(out, SyntheticSpec(seed=seed, neurons=neurons, images=images, repeats=repeats))
    print(f"wrote {out}: {images} training images, {neurons} neurons, {repeats} validation repeats; "
          f"ground-truth validation r = {summary['ground_truth_validation_r']:.3f} (ground_truth.json)")


def check(folder: Annotated[Path, typer.Argument(metavar="DIR", help="A data folder, e.g. Data/region1.")]) -> None:
    """Validate a V1 data folder (files, shapes, dtypes, NaNs) and summarise it."""
    import numpy as np

    from neuro.experiments.v1_population.data import load_region
    from neuro.experiments.v1_population.metrics import split_half_reliability
    data = load_region(folder)
    print(f"{folder}: ok: {data.train_x.shape[0]} training images, {data.val_x.shape[0]} validation images, "
          f"{data.neurons} neurons, mean response {data.train_y.mean():.3g}")
    if data.raw_val is not None:
        reliability = split_half_reliability(data.raw_val)
        print(f"  {data.raw_val.shape[0]} validation repeats; split-half reliability median "
              f"{float(np.median(reliability)):.3f}")
    else:
        print("  no raw_validation_set.npy: noise-corrected correlations will not be available")


def show(folder: Annotated[Path, typer.Argument(metavar="DIR", help="A region folder, e.g. Data/region1.")],
            neuron: Annotated[int, typer.Option(min=0, help="Which neuron.")] = 0,
            out: Annotated[Path | None, typer.Option(help="PNG to write (default: next to the folder).")] = None) -> None:
    """Plot the validation images a V1 neuron answers most, with its responses (and repeats)."""
    from neuro.experiments.v1_population.data import load_region
    from neuro.experiments.v1_population.plots import save_neuron
    data = load_region(folder)
    if neuron >= data.neurons:
        raise NeuroError(f"{folder}: --neuron {neuron} is out of range; the folder has neurons 0..{data.neurons - 1}")
    out = out or folder.with_name(f"{folder.name}_neuron{neuron}.png")
    save_neuron(data.val_x, data.val_y, data.raw_val, neuron, out, title=f"{folder.name}, neuron {neuron}")
    print(f"{folder} neuron {neuron}: mean validation response {data.val_y[:, neuron].mean():.3g}")
    print(f"wrote {out}")
