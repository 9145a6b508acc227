"""`neuro data`: write synthetic data sets in the published formats, and check data folders."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Synthetic data sets in the published formats, and checks of data folders.")


class Family(str, Enum):
    v1 = "v1"


@app.command()
def make(family: Annotated[Family, typer.Argument(help="Which family's format.")],
         out: Annotated[Path, typer.Option(help="Folder to write, e.g. Data/synthetic_region1.")],
         seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same files.")] = 0,
         neurons: Annotated[int, typer.Option(min=1, help="Recorded neurons.")] = 103,
         images: Annotated[int, typer.Option(min=10, help="Training images.")] = 1800,
         repeats: Annotated[int, typer.Option(min=2, help="Repeats of each validation image.")] = 8) -> None:
    """Write a synthetic data set from a known ground-truth model, in the published file format."""
    from experiments.v1_population.synthetic import SyntheticSpec, make_synthetic
    summary = make_synthetic(out, SyntheticSpec(seed=seed, neurons=neurons, images=images, repeats=repeats))
    print(f"wrote {out}: {images} training images, {neurons} neurons, {repeats} validation repeats; "
          f"ground-truth validation r = {summary['ground_truth_validation_r']:.3f} (ground_truth.json)")


@app.command()
def check(folder: Annotated[Path, typer.Argument(help="A data folder, e.g. Data/region1.")]) -> None:
    """Validate a data folder (files, shapes, dtypes, NaNs) and summarise it."""
    import numpy as np

    from experiments.v1_population.data import load_region
    from experiments.v1_population.metrics import split_half_reliability
    data = load_region(folder)
    print(f"{folder}: ok: {data.train_x.shape[0]} training images, {data.val_x.shape[0]} validation images, "
          f"{data.neurons} neurons, mean response {data.train_y.mean():.3g}")
    if data.raw_val is not None:
        reliability = split_half_reliability(data.raw_val)
        print(f"  {data.raw_val.shape[0]} validation repeats; split-half reliability median "
              f"{float(np.median(reliability)):.3f}")
    else:
        print("  no raw_validation_set.npy: noise-corrected correlations will not be available")
