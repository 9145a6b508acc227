"""Which data a fit uses: the published regions when present, else synthetic ones of the same size."""
from __future__ import annotations

from pathlib import Path

from experiments.v1_population.data import V1Data, combine_regions, load_region
from experiments.v1_population.synthetic import SyntheticSpec, make_synthetic
from utils.atomic import create_once
from utils.errors import NeuroError

# The published regions' sizes: (training images, neurons).
REGION_SIZES = {1: (1800, 103), 2: (1260, 55), 3: (1800, 102)}
SYNTHETIC = "synthetic_v1"       # Data/<this>/region<k>: synthetic stand-ins for the published regions


def planned_folder(data_dir: Path, region: int, dataset: str) -> Path:
    """Data/region<k> for published data (`auto`: when it is there), else Data/synthetic_v1/region<k>."""
    published = data_dir / f"region{region}"
    if dataset == "published" or (dataset == "auto" and published.is_dir()):
        return published
    return data_dir / SYNTHETIC / f"region{region}"


def region_folder(data_dir: Path, region: int, dataset: str) -> Path:
    """planned_folder, with a synthetic region written on first use."""
    folder = planned_folder(data_dir, region, dataset)
    if folder.parent == data_dir / SYNTHETIC and not folder.is_dir():
        if region not in REGION_SIZES:
            raise NeuroError(f"region {region}: no published region has that number; use 1, 2 or 3")
        images, neurons = REGION_SIZES[region]
        spec = SyntheticSpec(seed=region, neurons=neurons, images=images)
        create_once(folder, lambda out: make_synthetic(out, spec))  # runs starting together write it once
    return folder


def load_data(folders: list[Path]) -> V1Data:
    """The regions in `folders` (see region_folder) as one data set."""
    return combine_regions([load_region(folder) for folder in folders])

