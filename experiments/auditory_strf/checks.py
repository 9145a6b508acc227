"""What `neuro run` and `neuro plan` check before anything runs, beyond the ranges declared with the
parameters: the data folder a fit will read, and the neuron and bands it needs."""
from __future__ import annotations

import functools
from pathlib import Path

from neuro.experiments.auditory_strf.data import load, planned_folder
from neuro.experiments.auditory_strf.params import StrfParams
from neuro.experiments.auditory_strf.recordings import StrfData
from neuro.utils.errors import NeuroError

CNN_LAYERS = 3


def check(p: StrfParams, data_dir: Path) -> None:
    folder, kind = planned_folder(p, data_dir)
    if kind == "synthetic" and not folder.exists():        # written when the first run starts
        neurons, bands = p.synthetic_neurons, p.synthetic_bands
    elif not folder.is_dir():
        raise NeuroError(f"params.dataset: {kind} data not found in {folder}; put the published files there "
                         f"(see `neuro data check strf --help`), set params.data_path, or use dataset: synthetic")
    else:
        data = _read(folder)
        neurons, bands = len(data.neurons), data.spectrograms.shape[1]
    if p.neuron >= neurons:
        raise NeuroError(f"params.neuron: {p.neuron} is out of range; the data has neurons 0..{neurons - 1} "
                         "(-1 fits them all)")
    if p.model == "cnn2d" and bands <= 2 * CNN_LAYERS:
        raise NeuroError(f"params.model: cnn2d needs more than {2 * CNN_LAYERS} frequency bands; the data has {bands}")


@functools.cache
def _read(folder: Path) -> StrfData:
    return load(folder)
