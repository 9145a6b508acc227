"""What `neuro run` and `neuro plan` check before anything runs for the multisensory task."""
from __future__ import annotations

from pathlib import Path

from experiments.multisensory.params import MSIParams
from experiments.multisensory.stimuli import TYPES
from utils.errors import NeuroError


def check(p: MSIParams, data_dir: Path) -> None:
    if not p.types or not set(p.types) <= set(TYPES):
        raise NeuroError(f"params.types: {p.types} is not a list of stimulus types; use numbers from 1-5, "
                         f"e.g. [1, 2, 3, 4, 5]")
    for name in ("n", "batch_size", "epochs", "patience"):
        if getattr(p, name) < 1:
            raise NeuroError(f"params.{name}: {getattr(p, name)} is out of range; use at least 1")
    for name in ("test_fraction", "validation_fraction"):
        if not 0 < getattr(p, name) < 1:
            raise NeuroError(f"params.{name}: {getattr(p, name)} is out of range; use a fraction between 0 and 1")
    if p.n * (1 - p.test_fraction) * (1 - p.validation_fraction) < 10:
        raise NeuroError(f"params.n: {p.n} stimuli leave too few for training; use at least 100")
    if p.data:
        from experiments.multisensory.dataset import stimuli_mismatch
        from experiments.multisensory.task import stimulus_spec
        path = data_dir / p.data
        if path.exists() and (differ := stimuli_mismatch(path, stimulus_spec(p), p.n, p.data_seed)):
            raise NeuroError(f"params.data: {path} was written with other {', '.join(differ)}; delete it, or name "
                             f"another file")
