"""A search's study: Optuna's, in a journal file under the experiment's folder (no database server;
appends under a file lock, so many drivers and runs may write at once)."""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Literal

from neuro.utils.experiment.spec import ExperimentSpec
from neuro.utils.search.space import SearchSpec

STUDY_FILE = "study.journal"


def study_path(experiment_dir: Path) -> Path:
    return experiment_dir / STUDY_FILE


def quiet_optuna() -> None:
    """Optuna's own logging stays out of our output; its experimental-feature notes too."""
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def open_study(spec: ExperimentSpec, experiment_dir: Path, create: bool = True):
    """The experiment's study with the file's sampler and pruner; None when `create` is off and the
    search has not started yet (reading never creates the file)."""
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage
    quiet_optuna()
    path = study_path(experiment_dir)
    if not create and not path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
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
    study = open_study(spec, experiment_dir, create=False)
    if study is None:
        return []
    return [(t.number, dict(t.params)) for t in study.get_trials(deepcopy=False)]
