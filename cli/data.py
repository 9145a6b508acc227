"""`neuro data`: write synthetic data sets in the published formats, and check data folders."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from utils.errors import NeuroError

app = typer.Typer(no_args_is_help=True, help="Each family's data: make a synthetic set in the published format, "
                                              "check a folder or file, show one item.")
make_app = typer.Typer(no_args_is_help=True, help="Write a synthetic data set: `neuro data make v1|msi --help`.")
check_app = typer.Typer(no_args_is_help=True, help="Validate data and summarise it: `neuro data check v1|msi --help`.")
show_app = typer.Typer(no_args_is_help=True, help="Draw one item to a PNG: `neuro data show v1|msi --help`.")
app.add_typer(make_app, name="make")
app.add_typer(check_app, name="check")
app.add_typer(show_app, name="show")


class Difficulty(str, Enum):
    easy = "easy"
    medium = "medium"
    hard = "hard"
    very_hard = "very_hard"


@make_app.command("v1")
def make_v1(out: Annotated[Path, typer.Option(help="Folder to write, e.g. Data/synthetic_region1.")],
         seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same files.")] = 0,
         neurons: Annotated[int, typer.Option(min=1, help="Recorded neurons.")] = 103,
         images: Annotated[int, typer.Option(min=10, help="Training images.")] = 1800,
         repeats: Annotated[int, typer.Option(min=2, help="Repeats of each validation image.")] = 8) -> None:
    """Write a synthetic data set from a known ground-truth model, in the published file format."""
    from experiments.v1_population.synthetic import SyntheticSpec, make_synthetic
    summary = make_synthetic(out, SyntheticSpec(seed=seed, neurons=neurons, images=images, repeats=repeats))
    print(f"wrote {out}: {images} training images, {neurons} neurons, {repeats} validation repeats; "
          f"ground-truth validation r = {summary['ground_truth_validation_r']:.3f} (ground_truth.json)")


@make_app.command("msi")
def make_msi(out: Annotated[Path, typer.Option(help="HDF5 file to write, e.g. Data/msi_easy.h5.")],
             difficulty: Annotated[Difficulty, typer.Option(help="Background noise: easy 17, medium 27, hard 37, "
                                                                  "very_hard 70 (background sd = difficulty / 100).")]
             = Difficulty.easy,
             n: Annotated[int, typer.Option("--n", min=1, help="Stimuli (rows).")] = 50000,
             types: Annotated[str, typer.Option(help="Stimulus types, comma-separated: 1 left only, 2 right only, "
                                                     "3 matched synchronous, 4 matched asynchronous, 5 unmatched.")]
             = "1,2,3,4,5",
             seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same file.")] = 0) -> None:
    """Write a two-channel event-rate stimulus set (multisensory family) in HDF5."""
    import time

    from experiments.multisensory.data import write_stimuli
    from experiments.multisensory.stimuli import DIFFICULTIES, StimulusSpec, parse_types
    if out.exists():
        raise NeuroError(f"{out}: exists; delete it first, or choose another --out")
    spec = StimulusSpec(difficulty=float(DIFFICULTIES[difficulty.value]), types=parse_types(types, "--types"))
    started = time.perf_counter()
    write_stimuli(out, spec, n, seed)
    print(f"wrote {out}: {n} stimuli, types {','.join(map(str, spec.types))}, difficulty {difficulty.value} "
          f"(background sd {2 * spec.background_mag:.3f}), seed {seed}, in {time.perf_counter() - started:.1f} s")


@show_app.command("msi")
def show_msi(path: Annotated[Path, typer.Argument(metavar="FILE", help="A stimulus set (HDF5), e.g. Data/msi_easy.h5.")],
             row: Annotated[int, typer.Option(min=0, help="Which row.")] = 0,
             out: Annotated[Path | None, typer.Option(help="PNG to write (default: next to the set).")] = None) -> None:
    """Plot one stimulus of a multisensory set (both channels and their event masks); print its labels."""
    from experiments.multisensory.data import read_params, read_row
    from experiments.multisensory.plots import save_stimulus
    stimulus = read_row(path, row)
    params = read_params(path)
    out = out or path.with_name(f"{path.stem}_row{row}.png")
    save_stimulus(stimulus, params["fs"], out, title=f"{path.name} row {row}")
    print(f"{path} row {row}: {stimulus.describe(params['fast_threshold'])}")
    print(f"wrote {out}")


@show_app.command("v1")
def show_v1(folder: Annotated[Path, typer.Argument(metavar="DIR", help="A region folder, e.g. Data/region1.")],
            neuron: Annotated[int, typer.Option(min=0, help="Which neuron.")] = 0,
            out: Annotated[Path | None, typer.Option(help="PNG to write (default: next to the folder).")] = None) -> None:
    """Plot the validation images a V1 neuron answers most, with its responses (and repeats)."""
    from experiments.v1_population.data import load_region
    from experiments.v1_population.plots import save_neuron
    data = load_region(folder)
    if neuron >= data.neurons:
        raise NeuroError(f"{folder}: --neuron {neuron} is out of range; the folder has neurons 0..{data.neurons - 1}")
    out = out or folder.with_name(f"{folder.name}_neuron{neuron}.png")
    save_neuron(data.val_x, data.val_y, data.raw_val, neuron, out, title=f"{folder.name}, neuron {neuron}")
    print(f"{folder} neuron {neuron}: mean validation response {data.val_y[:, neuron].mean():.3g}")
    print(f"wrote {out}")


@check_app.command("msi")
def check_msi(path: Annotated[Path, typer.Argument(metavar="FILE", help="A stimulus set (HDF5).")]) -> None:
    """Validate a multisensory stimulus set (every dataset and its shape) and summarise it."""
    from experiments.multisensory.data import check_set
    print(f"{path}: ok: {check_set(path)}")


@check_app.command("v1")
def check_v1(folder: Annotated[Path, typer.Argument(metavar="DIR", help="A data folder, e.g. Data/region1.")]) -> None:
    """Validate a V1 data folder (files, shapes, dtypes, NaNs) and summarise it."""
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
