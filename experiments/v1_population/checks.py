"""What `neuro run` and `neuro plan` check before anything runs, beyond the ranges declared with the
parameters: every data folder a fit will read (errors exit 2 instead of failing every run)."""
from __future__ import annotations

import functools
from pathlib import Path

from neuro.experiments.v1_population.data import REGION_SIZES, SYNTHETIC, load_region, planned_folder
from neuro.experiments.v1_population.params import V1Params
from neuro.utils.errors import NeuroError


def check(p: V1Params, data_dir: Path) -> None:
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


@functools.cache
def _check_folder(folder: Path) -> None:
    load_region(folder)
