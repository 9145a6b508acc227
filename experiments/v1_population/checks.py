"""What `neuro run` and `neuro plan` check before anything runs: parameter ranges the types cannot
express, and every data folder a fit will read (errors exit 2 instead of failing every run)."""
from __future__ import annotations

import functools
from pathlib import Path

from experiments.v1_population.data import IMAGE_SIDE, load_region
from experiments.v1_population.dataset import REGION_SIZES, SYNTHETIC, planned_folder
from experiments.v1_population.params import V1Params
from utils.errors import NeuroError


def check(p: V1Params, data_dir: Path) -> None:
    _check_ranges(p)
    for region in p.regions:
        folder = planned_folder(data_dir, region, p.dataset)
        if folder.parent == data_dir / SYNTHETIC and not folder.is_dir():     # written when the run starts
            if region not in REGION_SIZES:
                published = data_dir / f"region{region}"
                raise NeuroError(f"params.regions: region {region} is neither in {published} nor a published "
                                 f"region's size to simulate; use 1, 2 or 3, or put the files in {published}")
            continue
        try:
            _check_folder(folder)
        except NeuroError as err:
            raise NeuroError(f"params.regions: region {region}: {err}") from None


def _check_ranges(p: V1Params) -> None:
    ranges = {"filters": (1, None), "kernel_size": (1, IMAGE_SIDE), "stride": (1, IMAGE_SIDE),
              "batch_size": (1, None), "epochs": (1, None), "eval_every": (1, None)}
    for name, (low, high) in ranges.items():
        value = getattr(p, name)
        if value < low or (high is not None and value > high):
            allowed = f"{low}..{high}" if high is not None else f"at least {low}"
            raise NeuroError(f"params.{name}: {value} is out of range; use {allowed}")
    if not 0 <= p.dropout < 1:
        raise NeuroError(f"params.dropout: {p.dropout} is out of range; use 0 <= dropout < 1")
    if p.hidden_fraction <= 0 or p.lr <= 0:
        name = "hidden_fraction" if p.hidden_fraction <= 0 else "lr"
        raise NeuroError(f"params.{name}: {getattr(p, name)} must be positive")
    if not p.regions:
        raise NeuroError("params.regions: empty; name at least one region, e.g. [1]")


@functools.lru_cache(maxsize=None)
def _check_folder(folder: Path) -> None:
    load_region(folder)
