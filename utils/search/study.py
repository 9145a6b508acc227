"""A search's study: Optuna's, in a journal file under the experiment's folder (no database server;
appends under a file lock, so many drivers and runs may write at once).

A study belongs to one search: it records what its trials' runs are made of (the task, the fixed
parameters, the seeds, the grid, the objective, the search's method and space). When the experiment
file changes any of these, the study on file is not this search's any more: readers see no study, and
the next `neuro run` moves it aside to `.superseded/` (kept, as a changed run's files are) and starts a
new one."""
from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from neuro.utils.atomic import file_lock, free_path
from neuro.utils.experiment.spec import ExperimentSpec
from neuro.utils.search.space import SearchSpec
from neuro.utils.sweeps.runs import canonical_value

STUDY_FILE = "study.journal"
IDENTITY = "neuro.identity"       # the study's user attribute: a short hash of each part of what it searches
SUPERSEDED = ".superseded"        # beside the runs' superseded files (neuro.utils.sweeps.run_home)


def study_path(experiment_dir: Path) -> Path:
    return experiment_dir / STUDY_FILE


def quiet_optuna() -> None:
    """Optuna's own logging stays out of our output; its experimental-feature notes too."""
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def study_identity(spec: ExperimentSpec) -> dict[str, str]:
    """What a search's trials are made of, part by part, each as a short hash: a study whose parts differ
    from the experiment file's is another search's. The budget (`trials`) and `parallel` are not parts:
    raising them continues a study."""
    search = spec.search
    assert search is not None
    fixed = {name: value for name, value in {**spec.task.defaults(), **spec.params}.items() if name not in search.space}
    parts = {
        "task": spec.task.identity,
        "params": canonical_value(fixed),
        "seeds": list(spec.seeds),
        "grid": canonical_value({"grid": spec.grid, "zip": spec.zip}),
        "metric": {"name": spec.metric.name, "mode": spec.metric.mode},
        "search": {key: value for key, value in search.as_dict().items() if key not in ("trials", "parallel")},
    }
    return {part: hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:12]
            for part, value in parts.items()}


@dataclass
class StudyChange:
    """The study on file is another search's: the parts that differ, and how many trials it holds."""

    parts: list[str]
    trials: int

    def describe(self) -> str:
        return (f"the search changed ({', '.join(self.parts)}) since its study of {self.trials} trial(s): "
                "`neuro run` starts a new study (the old one and its runs are kept under .superseded/)")


def open_study(spec: ExperimentSpec, experiment_dir: Path):
    """The search's study as it stands, for reading (nothing is written): None before the search has
    started, or when the study on file is another search's (`study_change` says how)."""
    path = study_path(experiment_dir)
    if not path.exists():
        return None
    study = _load(spec, path)
    return None if _changed(study, spec) else study


def start_study(spec: ExperimentSpec, experiment_dir: Path) -> tuple[Any, StudyChange | None]:
    """The search's study to go on with: the one on file, or a new one where there is none or the one on
    file is another search's (then moved aside to .superseded/, and how it differed is returned)."""
    path = study_path(experiment_dir)
    change = None
    with file_lock(experiment_dir / ".study.lock"):
        study = _load(spec, path)
        if parts := _changed(study, spec):
            change = StudyChange(parts, len(study.get_trials(deepcopy=False)))
            set_aside = free_path(experiment_dir / SUPERSEDED / f"study.{time.strftime('%Y%m%d-%H%M%S')}.journal")
            set_aside.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, set_aside)
            study = _load(spec, path)
        if IDENTITY not in study.user_attrs:
            study.set_user_attr(IDENTITY, study_identity(spec))
    return study, change


def study_change(spec: ExperimentSpec, experiment_dir: Path) -> StudyChange | None:
    """How the study on file differs from the experiment file's search; None when it does not (or there
    is none yet)."""
    path = study_path(experiment_dir)
    if not path.exists():
        return None
    study = _load(spec, path)
    parts = _changed(study, spec)
    return StudyChange(parts, len(study.get_trials(deepcopy=False))) if parts else None


def _changed(study, spec: ExperimentSpec) -> list[str]:
    """The parts of the study's identity that differ from the spec's ([] for a study that records none)."""
    recorded = study.user_attrs.get(IDENTITY)
    if not recorded:
        return []
    current = study_identity(spec)
    return [part for part, value in current.items() if recorded.get(part) != value]


def _load(spec: ExperimentSpec, path: Path):
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage
    quiet_optuna()
    storage = JournalStorage(JournalFileBackend(str(path)))
    direction: Literal["maximize", "minimize"] = "maximize" if spec.metric.mode == "max" else "minimize"
    assert spec.search is not None
    return optuna.create_study(study_name=spec.id, storage=storage, load_if_exists=True, direction=direction,
                               sampler=make_sampler(spec.search), pruner=make_pruner(spec.search))


def make_sampler(search: SearchSpec, trial: int = 0):
    """The sampler that asks for trial number `trial`: seeded from the search's seed and that number, so
    that a search is reproducible, and a driver that restarts (or runs beside another) never draws the
    same random values again."""
    import numpy as np
    import optuna
    seed = int(np.random.SeedSequence([search.seed, trial]).generate_state(1)[0])
    if search.method == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=search.startup_trials, constant_liar=True)


def make_pruner(search: SearchSpec):
    import optuna
    if search.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=search.prune_warmup)
    if search.pruner == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=search.prune_warmup or "auto")
    return optuna.pruners.NopPruner()


def distributions(search: SearchSpec) -> dict[str, Any]:
    """The space as Optuna's distributions."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
    out: dict[str, Any] = {}
    for name, dim in search.space.items():
        if dim.kind == "choice":
            out[name] = CategoricalDistribution(dim.values)
        elif dim.kind == "int":
            out[name] = IntDistribution(int(dim.values[0]), int(dim.values[1]))
        else:
            out[name] = FloatDistribution(dim.values[0], dim.values[1], log=dim.kind == "log_uniform")
    return out


def trial_values(spec: ExperimentSpec, experiment_dir: Path) -> list[tuple[int, dict[str, Any]]]:
    """(number, sampled values) of every trial asked so far, oldest first; [] before the search starts."""
    study = open_study(spec, experiment_dir)
    if study is None:
        return []
    return [(t.number, dict(t.params)) for t in study.get_trials(deepcopy=False)]
