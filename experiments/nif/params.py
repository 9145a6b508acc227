"""The nif task's parameters (no heavy imports: `neuro tasks` and validation read this)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from annotated_types import Ge, Gt, Interval

Count = Annotated[int, Ge(1)]
Fraction = Annotated[float, Interval(gt=0, lt=1)]


def _p(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass
class NIFParams:
    # data
    dataset: Literal["auto", "brains", "synthetic"] = _p(
        "auto", "brains: stim.mat and bold.mat in Data/brains (see data_path); synthetic: a set written on first "
                "use from a known NIF model; auto: brains when Data/brains is there, else synthetic")
    data_path: str = _p("", "folder under Data/ (default: brains, or nif_synthetic_<sizes>_seed<data_seed>)")
    synthetic_images: Annotated[int, Ge(12)] = _p(360, "synthetic: letter images (BRAINS: 360)")
    synthetic_v1: Count = _p(800, "synthetic: V1 voxels")
    synthetic_v2: Count = _p(1500, "synthetic: V2 voxels")
    synthetic_snr: Annotated[float, Gt(0)] = _p(1.0, "synthetic: the median voxel's signal-to-noise variance ratio")
    data_seed: Annotated[int, Ge(0)] = _p(0, "seed of the synthetic set and of the test split")
    areas: Literal["both", "V1", "V2"] = _p("both", "which areas to fit")
    test_fraction: Fraction = _p(0.1, "held-out test images, drawn with data_seed (the same for every repetition)")
    test_images: list[int] = field(default_factory=list, metadata={"help": "test image indices instead of a drawn split"})
    validation_fraction: Fraction = _p(0.1, "training images held out for early stopping (drawn per repetition)")
    input_scale: Literal["unit", "standard", "raw"] = _p(
        "unit", "images as 0..1, standardised, or raw 0..255 (the original's, into sigmoids)")
    # model
    rank: Count = _p(2, "rank of each voxel's spatial field")
    channels: Count = _p(6, "channels of each convolution layer")
    # training
    lr: Annotated[float, Gt(0)] = _p(0.01, "Adam learning rate")
    batch_size: Count = _p(3, "images per batch")
    epochs: Count = _p(15, "most epochs (the original trained 15)")
    patience: Count = _p(5, "epochs without a lower validation loss before stopping")
