"""What `neuro run` and `neuro plan` check before anything runs for the multisensory task, beyond the
ranges declared with its parameters."""
from __future__ import annotations

from pathlib import Path

from neuro.experiments.multisensory.params import MSIParams
from neuro.utils.errors import NeuroError


def check(p: MSIParams, data_dir: Path) -> None:
    """What the declared ranges cannot say: enough rows left to train on, and a named set that fits."""
    if p.n * (1 - p.test_fraction) * (1 - p.validation_fraction) < 10:
        raise NeuroError(f"params.n: {p.n} stimuli leave too few for training; use at least 100")
    if p.data:
        from neuro.experiments.multisensory.data import stimuli_mismatch
        from neuro.experiments.multisensory.task import stimulus_spec
        path = data_dir / p.data
        if path.exists() and (differ := stimuli_mismatch(path, stimulus_spec(p), p.n, p.data_seed)):
            raise NeuroError(f"params.data: {path} was written with other {', '.join(differ)}; delete it, or name "
                             f"another file")
