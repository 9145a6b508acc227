"""What `neuro run` and `neuro plan` check before anything runs, beyond the declared ranges: the data
folder a fit will read, and test image indices within it."""
from __future__ import annotations

import functools
from pathlib import Path

from neuro.experiments.nif.data import AREAS, BrainsData, load, planned_folder
from neuro.experiments.nif.params import NIFParams
from neuro.utils.errors import NeuroError


def check(p: NIFParams, data_dir: Path) -> None:
    folder, kind = planned_folder(p, data_dir)
    if kind == "synthetic" and not folder.exists():          # written when the first run starts
        images = p.synthetic_images
    elif not folder.is_dir():
        raise NeuroError(f"params.dataset: BRAINS data not found in {folder}; put stim.mat and bold.mat there, "
                         "set params.data_path, or use dataset: synthetic")
    else:
        images = len(_read(folder).images)
    if p.test_images and not all(0 <= i < images for i in p.test_images):
        raise NeuroError(f"params.test_images: indices must be in 0..{images - 1}; got {sorted(p.test_images)}")
    if p.test_images and len(set(p.test_images)) >= images - 1:
        raise NeuroError("params.test_images: leaves fewer than 2 images to train on; name fewer test images")


@functools.cache
def _read(folder: Path) -> BrainsData:
    return load(folder, AREAS)
