"""`neuro data make|check|show msi`: multisensory stimulus sets in HDF5: write, check, draw one."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from neuro.utils.errors import NeuroError


class Difficulty(str, Enum):
    easy = "easy"
    medium = "medium"
    hard = "hard"
    very_hard = "very_hard"


def make(out: Annotated[Path, typer.Option(help="HDF5 file to write, e.g. Data/msi_easy.h5.")],
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

    from neuro.experiments.multisensory.data import write_stimuli
    from neuro.experiments.multisensory.stimuli import DIFFICULTIES, StimulusSpec, parse_types
    if out.exists():
        raise NeuroError(f"{out}: exists; delete it first, or choose another --out")
    spec = StimulusSpec(difficulty=float(DIFFICULTIES[difficulty.value]), types=parse_types(types, "--types"))
    started = time.perf_counter()
    write_stimuli(out, spec, n, seed)
    print(f"wrote {out}: {n} stimuli, types {','.join(map(str, spec.types))}, difficulty {difficulty.value} "
          f"(background sd {2 * spec.background_mag:.3f}), seed {seed}, in {time.perf_counter() - started:.1f} s")


def check(path: Annotated[Path, typer.Argument(metavar="FILE", help="A stimulus set (HDF5).")]) -> None:
    """Validate a multisensory stimulus set (every dataset and its shape) and summarise it."""
    from neuro.experiments.multisensory.data import check_set
    print(f"{path}: ok: {check_set(path)}")


def show(path: Annotated[Path, typer.Argument(metavar="FILE", help="A stimulus set (HDF5), e.g. Data/msi_easy.h5.")],
             row: Annotated[int, typer.Option(min=0, help="Which row.")] = 0,
             out: Annotated[Path | None, typer.Option(help="PNG to write (default: next to the set).")] = None) -> None:
    """Plot one stimulus of a multisensory set (both channels and their event masks); print its labels."""
    from neuro.experiments.multisensory.data import read_params, read_row
    from neuro.experiments.multisensory.plots import save_stimulus
    stimulus = read_row(path, row)
    params = read_params(path)
    out = out or path.with_name(f"{path.stem}_row{row}.png")
    save_stimulus(stimulus, params["fs"], out, title=f"{path.name} row {row}")
    print(f"{path} row {row}: {stimulus.describe(params['fast_threshold'])}")
    print(f"wrote {out}")
